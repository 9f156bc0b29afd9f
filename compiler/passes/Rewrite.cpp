#include "passes/Rewrite.h"

#include <bit>
#include <cassert>
#include <cstdio>
#include <variant>

namespace nnc::passes {

using ir::Graph;
using ir::Node;
using ir::NodeId;
using ir::Op;

bool isInterface(Op op) { return op == Op::Input || op == Op::Param; }

GraphRewriter::GraphRewriter(const Graph &old) : old_(old), map_(old.size(), -1) { new_.name = old.name; }

NodeId GraphRewriter::mapped(NodeId oldId) const {
  if (oldId < 0 || static_cast<size_t>(oldId) >= map_.size() || map_[static_cast<size_t>(oldId)] < 0)
    throw ir::IRError("operand %" + std::to_string(oldId) + " is not an earlier node");
  return map_[static_cast<size_t>(oldId)];
}

void GraphRewriter::map(NodeId oldId, NodeId newId) {
  assert(oldId >= 0 && static_cast<size_t>(oldId) < map_.size() && "mapping a node the old graph lacks");
  assert(newId >= 0 && static_cast<size_t>(newId) < new_.size() && "mapping to a node the new graph lacks");
  map_[static_cast<size_t>(oldId)] = newId;
}

std::vector<NodeId> GraphRewriter::mappedInputs(NodeId oldId) const {
  std::vector<NodeId> in;
  for (NodeId o : old_.node(oldId).inputs)
    in.push_back(mapped(o));
  return in;
}

NodeId GraphRewriter::copy(NodeId oldId) {
  const Node &n = old_.node(oldId);
  NodeId id = create(n.op, mappedInputs(oldId), n.attrs, n.src);
  map(oldId, id);
  return id;
}

NodeId GraphRewriter::create(Op op, std::vector<NodeId> inputs, ir::Attrs attrs, const ir::SourceTag &src) {
  new_.setSource(src);
  return new_.create(op, std::move(inputs), std::move(attrs));
}

NodeId GraphRewriter::constant(std::vector<double> values, const ir::TensorType &type, const ir::SourceTag &src) {
  new_.setSource(src);
  return new_.constant(std::move(values), type);
}

Graph GraphRewriter::finish() {
  for (const auto &[name, id] : old_.outputs())
    new_.addOutput(name, mapped(id));
  new_.setSource({});
  return std::move(new_);
}

const std::vector<double> *constantValues(const Node &n) {
  if (n.op != Op::Constant) return nullptr;
  auto it = n.attrs.entries().find("value");
  if (it == n.attrs.entries().end()) return nullptr;
  return std::get_if<std::vector<double>>(&it->second);
}

bool allSame(const std::vector<double> &values) {
  for (double v : values)
    if (std::bit_cast<uint64_t>(v) != std::bit_cast<uint64_t>(values[0])) return false;
  return true;
}

namespace {

// Floats by their bits, so that the key tells 0.0 from -0.0 and NaN matches NaN.
void appendFloat(std::string &out, double v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llx,", static_cast<unsigned long long>(std::bit_cast<uint64_t>(v)));
  out += buf;
}

void appendValue(std::string &out, const ir::AttrValue &v) {
  out += std::to_string(v.index()) + ":";
  if (auto *i = std::get_if<int64_t>(&v))
    out += std::to_string(*i);
  else if (auto *f = std::get_if<double>(&v))
    appendFloat(out, *f);
  else if (auto *s = std::get_if<std::string>(&v))
    out += std::to_string(s->size()) + "'" + *s;
  else if (auto *is = std::get_if<std::vector<int64_t>>(&v))
    for (int64_t x : *is)
      out += std::to_string(x) + ",";
  else if (auto *fs = std::get_if<std::vector<double>>(&v))
    for (double x : *fs)
      appendFloat(out, x);
}

} // namespace

std::string nodeKey(const Node &n) {
  std::string key = std::string(ir::opName(n.op)) + "(";
  for (NodeId in : n.inputs)
    key += std::to_string(in) + ",";
  key += ")" + n.type.str() + "{";
  for (const auto &[name, value] : n.attrs.entries()) {
    key += name + "=";
    // A constant holding one value repeated keys like its splat form.
    auto *values = std::get_if<std::vector<double>>(&value);
    if (n.op == Op::Constant && name == "value" && values && values->size() > 1 && allSame(*values))
      appendValue(key, ir::AttrValue(std::vector<double>{values->front()}));
    else
      appendValue(key, value);
    key += ";";
  }
  return key + "}";
}

bool sameGraph(const Graph &a, const Graph &b) {
  if (a.name != b.name || a.size() != b.size() || a.outputs() != b.outputs()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (nodeKey(a.nodes()[i]) != nodeKey(b.nodes()[i])) return false;
  return true;
}

std::optional<double> splatValue(const Graph &g, NodeId id) {
  // Broadcasts, reshapes and transposes move elements around without changing
  // them, so a splat stays a splat through any chain of them.
  for (;;) {
    const Node &n = g.node(id);
    if (n.op == Op::Broadcast || n.op == Op::Reshape || n.op == Op::Transpose) {
      id = n.inputs[0];
      continue;
    }
    const std::vector<double> *values = constantValues(n);
    if (!values || values->empty() || !allSame(*values)) return std::nullopt;
    return values->front();
  }
}

bool isConstantValue(const Graph &g, NodeId id, double k) {
  std::optional<double> v = splatValue(g, id);
  return v && *v == k;
}

} // namespace nnc::passes
