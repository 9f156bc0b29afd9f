// Machinery the clean-up passes share: copying a graph node by node into a new
// one while remapping ids, a structural key that says when two nodes compute
// the same value, and matching "this node is the constant k".
//
// Every pass builds a new graph rather than editing one in place (graphs are
// append-only), so each starts from a GraphRewriter over the old graph.
#pragma once

#include "ir/Graph.h"

#include <optional>
#include <string>
#include <vector>

namespace nnc::passes {

// The interface of a graph: its inputs and params are kept, in order, by every
// pass, even when nothing uses them.
bool isInterface(ir::Op op);

// Builds a new graph from an old one. Old nodes are visited in order (a
// topological order), and each is either copied or mapped to a node that
// already exists in the new graph.
class GraphRewriter {
public:
  explicit GraphRewriter(const ir::Graph &old);

  const ir::Graph &old() const { return old_; }
  const ir::Graph &graph() const { return new_; }

  // Where old node `oldId` went; IRError when it has not been visited yet
  // (only a malformed graph, with a forward operand, can ask that).
  ir::NodeId mapped(ir::NodeId oldId) const;
  void map(ir::NodeId oldId, ir::NodeId newId);
  // The old node's operands, as ids in the new graph.
  std::vector<ir::NodeId> mappedInputs(ir::NodeId oldId) const;

  // Copies old node `oldId` with its operands remapped and maps it there.
  ir::NodeId copy(ir::NodeId oldId);
  // Creates a node in the new graph carrying the source tag `src`.
  ir::NodeId create(ir::Op op, std::vector<ir::NodeId> inputs, ir::Attrs attrs, const ir::SourceTag &src);
  // Creates a constant; one value is a splat.
  ir::NodeId constant(std::vector<double> values, const ir::TensorType &type, const ir::SourceTag &src);

  // Adds the old graph's outputs (same names, same order, remapped) and hands
  // over the new graph. The rewriter is spent afterwards.
  ir::Graph finish();

private:
  const ir::Graph &old_;
  ir::Graph new_;
  std::vector<ir::NodeId> map_; // old id -> new id, -1 while unvisited
};

// A string equal for two nodes exactly when they compute the same value from
// the same operands: op, operand ids, result type and attributes, with floats
// compared bit for bit (so 0.0 and -0.0 differ and a NaN equals itself). A
// constant whose values are all the same keys like its one-value splat.
std::string nodeKey(const ir::Node &n);

// Whether two graphs are identical node for node (by nodeKey) with the same
// outputs; source tags are ignored.
bool sameGraph(const ir::Graph &a, const ir::Graph &b);

// The single value every element of node `id` has, when it is a splat
// constant or a broadcast, reshape or transpose of one; nullopt otherwise.
std::optional<double> splatValue(const ir::Graph &g, ir::NodeId id);

// Whether every element of node `id` is known to be exactly `k`.
bool isConstantValue(const ir::Graph &g, ir::NodeId id, double k);

// The values a constant node stores (one for a splat), without copying them;
// null for other nodes.
const std::vector<double> *constantValues(const ir::Node &n);

// Whether all of `values` have the same bit pattern (true when empty).
bool allSame(const std::vector<double> &values);

} // namespace nnc::passes
