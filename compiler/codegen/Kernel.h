// Kernels: the groups of IR nodes that code generation emits as one function.
//
// Fusion decides the kernels; codegen only follows the list. Until the fusion
// pass exists every computed node (everything but inputs and params) is a
// kernel of its own.
#pragma once

#include "ir/Graph.h"

#include <vector>

namespace nnc::codegen {

// Nodes computed by one generated function, in topological order. A node's
// operands are either earlier nodes of the kernel or buffers computed before.
struct Kernel {
  std::vector<ir::NodeId> nodes;
};

// One kernel per node that is not an input or a param, in graph order.
std::vector<Kernel> oneKernelPerNode(const ir::Graph &g);

} // namespace nnc::codegen
