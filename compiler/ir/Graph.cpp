#include "ir/Graph.h"

namespace nnc::ir {

NodeId Graph::create(Op op, std::vector<NodeId> inputs, Attrs attrs) {
  std::vector<TensorType> types;
  types.reserve(inputs.size());
  for (NodeId in : inputs) {
    if (in < 0 || static_cast<size_t>(in) >= nodes_.size())
      throw IRError(std::string(opName(op)) + ": operand %" + std::to_string(in) + " does not exist");
    types.push_back(nodes_[static_cast<size_t>(in)].type);
  }
  TensorType t = inferType(op, types, attrs);
  nodes_.push_back(Node{op, std::move(inputs), std::move(t), std::move(attrs), currentSrc_});
  return static_cast<NodeId>(nodes_.size() - 1);
}

NodeId Graph::createUnchecked(Node node) {
  nodes_.push_back(std::move(node));
  return static_cast<NodeId>(nodes_.size() - 1);
}

static Attrs sourceAttrs(const std::string &name, const TensorType &type) {
  return Attrs{{"name", name},
               {"dtype", std::string(dtypeName(type.dtype))},
               {"shape", type.shape.dims()}};
}

NodeId Graph::input(const std::string &name, const TensorType &type) {
  return create(Op::Input, {}, sourceAttrs(name, type));
}

NodeId Graph::param(const std::string &name, const TensorType &type) {
  return create(Op::Param, {}, sourceAttrs(name, type));
}

NodeId Graph::scalar(double value, DType dtype) {
  return constant({value}, TensorType{dtype, Shape{}});
}

NodeId Graph::constant(std::vector<double> values, const TensorType &type) {
  return create(Op::Constant, {},
                Attrs{{"value", std::move(values)},
                      {"dtype", std::string(dtypeName(type.dtype))},
                      {"shape", type.shape.dims()}});
}

std::vector<NodeId> Graph::inputs() const {
  std::vector<NodeId> r;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].op == Op::Input) r.push_back(static_cast<NodeId>(i));
  return r;
}

std::vector<NodeId> Graph::params() const {
  std::vector<NodeId> r;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].op == Op::Param) r.push_back(static_cast<NodeId>(i));
  return r;
}

} // namespace nnc::ir
