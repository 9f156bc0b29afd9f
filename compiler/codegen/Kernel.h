// Kernels: the groups of IR nodes that code generation emits as one function.
//
// Fusion decides the kernels (Fusion.h); codegen only follows the list. A
// kernel is either a sequence of nodes each emitted as its own loop nest
// (opaque ops, layout ops, and every node of oneKernelPerNode), or a fused
// loop: one loop nest over the kernel's domain computing every node per
// element, whose interior values stay in registers.
#pragma once

#include "ir/Graph.h"

#include <optional>
#include <vector>

namespace nnc::codegen {

// Nodes computed by one generated function, in topological order. A node's
// operands are either earlier nodes of the kernel or buffers computed before.
struct Kernel {
  std::vector<ir::NodeId> nodes;
  // Nodes of `nodes` whose values never leave the kernel: they get no buffer,
  // and nothing outside the kernel reads them. Sorted. A folded constant
  // (foldedConstant below) may be interior to several kernels.
  std::vector<ir::NodeId> interior;
  // One loop nest over the domain (the shape of the elementwise nodes, the
  // operand shape of the reductions) for every node, rather than a loop nest
  // per node. Fused kernels hold only elementwise ops, broadcasts (of values
  // computed outside the kernel), reductions (whose results no node of the
  // kernel reads) and folded constants; and at most one f32 matmul of rank 2
  // (of values computed outside the kernel, or of the kernel's interior
  // rank-2 transposes of them), whose result is the domain: a
  // GEMM whose other nodes are its epilogue, computed on each block of the
  // product while it is in cache (nnc_sgemm_ex).
  bool fused = false;

  bool isInterior(ir::NodeId id) const;
};

// The one value every element of node `id` has when it is a splat constant
// or a broadcast of one: fused loops fold such nodes in as an immediate
// rather than loading them, and fusion copies them into every loop that
// reads them.
std::optional<double> foldedConstant(const ir::Graph &g, ir::NodeId id);

// The matmul of fused kernel `k`, if it has one.
std::optional<ir::NodeId> fusedMatMul(const ir::Graph &g, const Kernel &k);

// Where the GEMM of fused kernel `k` stores the product: the matmul's own
// buffer when it has one, else that of the first node after it that `k`
// stores, elementwise and of the product's type, whose element the
// epilogue writes after reading the product's, and that is no output of the
// graph (an output may be an update written into a param the epilogue
// reads; MemoryPlan.cpp never shares a destination's storage). None when
// `k` has no matmul or an interior one and no such node.
std::optional<ir::NodeId> gemmDestination(const ir::Graph &g, const Kernel &k);

// One kernel per node that is not an input or a param, in graph order.
std::vector<Kernel> oneKernelPerNode(const ir::Graph &g);

// Which nodes have storage when `kernels` run: inputs and params (bound by
// the caller) and every node some kernel computes and does not keep
// interior. Indexed by node id.
std::vector<bool> bufferedNodes(const ir::Graph &g, const std::vector<Kernel> &kernels);

// The buffers kernel `k` touches, ascending: its nodes and their operands,
// less its interior values (in registers) and, in a fused kernel, the folded
// constants it reads (immediates).
std::vector<ir::NodeId> kernelBuffers(const ir::Graph &g, const Kernel &k);

} // namespace nnc::codegen
