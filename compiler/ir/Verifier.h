// The IR verifier: re-checks a graph that a pass rewrote (or that a test broke
// on purpose with Graph::createUnchecked) against everything Graph::create
// guarantees and a few graph-wide rules.
//
// Checks, per node: operands are earlier nodes (SSA in topological order), the
// op's arity, attributes of the right kind and no unknown ones, required
// attributes present, and re-running the shape rule gives the stored type.
// Graph-wide: input names and param names are non-empty and unique, outputs
// exist, output names are non-empty and unique.
#pragma once

#include "ir/Graph.h"

#include <string>
#include <vector>

namespace nnc::ir {

// Every problem found, in node order, then graph-wide ones; empty when the
// graph is valid. A node's message names it: "%5 (matmul): inner dimensions
// differ: ...". Never throws, whatever state the graph is in.
std::vector<std::string> verify(const Graph &g);

} // namespace nnc::ir
