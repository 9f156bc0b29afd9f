// The tensor IR: an SSA graph of primitive ops with static shapes.
//
// Nodes live in a vector in creation order, which is a topological order:
// a node's inputs always have smaller ids. Nodes are created only through
// Graph::create, which runs the op's shape rule, so every graph that exists
// is well typed; the verifier re-checks graphs that passes rewrite.
#pragma once

#include "ir/Attrs.h"
#include "ir/Op.h"
#include "ir/Types.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace nnc::ir {

using NodeId = int32_t;

// Where in a .nn file a node came from; empty for nodes with no source.
struct SourceTag {
  std::string file;
  int line = 0;
  int col = 0;
  bool empty() const { return line == 0; }
  std::string str() const { return file + ":" + std::to_string(line) + ":" + std::to_string(col); } // "m.nn:3:7"
};

struct Node {
  Op op;
  std::vector<NodeId> inputs;
  TensorType type;
  Attrs attrs;
  SourceTag src;
};

// Thrown by Graph::create when an op's operands or attributes do not fit its
// shape rule; the message says why (the front end turns it into a diagnostic).
struct IRError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The op's shape rule: the result type for these operand types and
// attributes, or IRError. Defined in ShapeRules.cpp.
TensorType inferType(Op op, const std::vector<TensorType> &operands, const Attrs &attrs);

class Graph {
public:
  std::string name;

  NodeId create(Op op, std::vector<NodeId> inputs, Attrs attrs = {});
  // Appends a node without checking it: for the IR parser and tests of the verifier.
  NodeId createUnchecked(Node node);

  NodeId input(const std::string &name, const TensorType &type);
  NodeId param(const std::string &name, const TensorType &type);
  NodeId scalar(double value, DType dtype = DType::F32);
  // A constant tensor: one value per element, or one value to splat.
  NodeId constant(std::vector<double> values, const TensorType &type);

  const Node &node(NodeId id) const { return nodes_.at(static_cast<size_t>(id)); }
  Node &node(NodeId id) { return nodes_.at(static_cast<size_t>(id)); }
  const TensorType &type(NodeId id) const { return node(id).type; }
  size_t size() const { return nodes_.size(); }
  const std::vector<Node> &nodes() const { return nodes_; }

  void addOutput(const std::string &name, NodeId id) { outputs_.emplace_back(name, id); }
  const std::vector<std::pair<std::string, NodeId>> &outputs() const { return outputs_; }
  bool isOutput(NodeId id) const {
    return std::any_of(outputs_.begin(), outputs_.end(), [&](const auto &out) { return out.second == id; });
  }

  // Ids of the input and param nodes, in creation order.
  std::vector<NodeId> inputs() const;
  std::vector<NodeId> params() const;

  // The source tag stamped on nodes created from now on.
  void setSource(SourceTag tag) { currentSrc_ = std::move(tag); }
  const SourceTag &source() const { return currentSrc_; }

private:
  std::vector<Node> nodes_;
  std::vector<std::pair<std::string, NodeId>> outputs_;
  SourceTag currentSrc_;
};

} // namespace nnc::ir
