#include "ir/Verifier.h"

#include <map>

namespace nnc::ir {

namespace {

// The accessor an op reads an attribute with; each accepts the variant
// alternatives listed in Attrs.cpp (getFloats reads any number or list).
enum class AttrKind { Int, Float, String, Ints, Floats };

struct AttrSpec {
  const char *key;
  AttrKind kind;
  bool required;
};

// The attributes each op reads (Ops.def documents them). Anything else on a
// node is a typo the shape rule would silently ignore, so it is an error.
std::vector<AttrSpec> attrSchema(Op op) {
  using K = AttrKind;
  switch (op) {
  case Op::Input: case Op::Param:
    return {{"name", K::String, true}, {"dtype", K::String, false}, {"shape", K::Ints, false}};
  case Op::Constant:
    return {{"value", K::Floats, true}, {"dtype", K::String, false}, {"shape", K::Ints, false}};
  case Op::RandomUniform: case Op::RandomNormal:
    return {{"shape", K::Ints, false}, {"dtype", K::String, false}, {"seed", K::Int, false}};
  case Op::Cast:
    return {{"dtype", K::String, false}};
  case Op::Neg: case Op::Abs: case Op::Sign: case Op::Exp: case Op::Log: case Op::Sqrt: case Op::Tanh:
  case Op::Sin: case Op::Cos: case Op::Floor: case Op::Not: case Op::StopGradient:
  case Op::Add: case Op::Sub: case Op::Mul: case Op::Div: case Op::Pow: case Op::Maximum: case Op::Minimum:
  case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::And: case Op::Or:
  case Op::Select:
  case Op::MatMul: case Op::Gather:
    return {};
  case Op::Broadcast: case Op::Reshape:
    return {{"shape", K::Ints, false}};
  case Op::ReduceSum: case Op::ReduceMax: case Op::ReduceMin: case Op::ReduceMean:
    return {{"axes", K::Ints, true}, {"keep", K::Int, false}};
  case Op::ArgMax:
    return {{"axis", K::Int, false}, {"keep", K::Int, false}};
  case Op::Transpose:
    return {{"perm", K::Ints, false}};
  case Op::Slice:
    return {{"begin", K::Ints, false}, {"end", K::Ints, false}, {"stride", K::Ints, false}};
  case Op::Pad:
    return {{"lo", K::Ints, false}, {"hi", K::Ints, false}, {"value", K::Float, false}};
  case Op::Concat:
    return {{"axis", K::Int, false}};
  case Op::OneHot:
    return {{"depth", K::Int, false}, {"dtype", K::String, false}};
  case Op::Conv2D:
    return {{"stride", K::Ints, false}, {"pad", K::Ints, false}};
  case Op::MaxPool2D: case Op::AvgPool2D:
    return {{"window", K::Ints, false}, {"stride", K::Ints, false}, {"pad", K::Ints, false}};
  case Op::ScatterAdd:
    return {{"shape", K::Ints, false}};
  case Op::Conv2DGradInput: case Op::Conv2DGradFilter:
    return {{"shape", K::Ints, false}, {"stride", K::Ints, false}, {"pad", K::Ints, false}};
  case Op::MaxPool2DGrad:
    return {{"window", K::Ints, false}, {"stride", K::Ints, false}, {"pad", K::Ints, false}};
  case Op::AvgPool2DGrad:
    return {{"shape", K::Ints, false}, {"window", K::Ints, false}, {"stride", K::Ints, false},
            {"pad", K::Ints, false}};
  }
  return {};
}

bool accepts(AttrKind kind, const AttrValue &v) {
  bool isInt = std::holds_alternative<int64_t>(v);
  bool isFloat = std::holds_alternative<double>(v);
  bool isInts = std::holds_alternative<std::vector<int64_t>>(v);
  bool isFloats = std::holds_alternative<std::vector<double>>(v);
  switch (kind) {
  case AttrKind::Int: return isInt;
  case AttrKind::Float: return isInt || isFloat;
  case AttrKind::String: return std::holds_alternative<std::string>(v);
  case AttrKind::Ints: return isInt || isInts;
  case AttrKind::Floats: return isInt || isFloat || isInts || isFloats;
  }
  return false;
}

const char *kindName(AttrKind kind) {
  switch (kind) {
  case AttrKind::Int: return "an integer";
  case AttrKind::Float: return "a number";
  case AttrKind::String: return "a string";
  case AttrKind::Ints: return "an integer list";
  case AttrKind::Floats: return "a number list";
  }
  return "?";
}

const char *valueKindName(const AttrValue &v) {
  if (std::holds_alternative<int64_t>(v)) return "an integer";
  if (std::holds_alternative<double>(v)) return "a float";
  if (std::holds_alternative<std::string>(v)) return "a string";
  if (std::holds_alternative<std::vector<int64_t>>(v)) return "an integer list";
  return "a float list";
}

class Verifier {
public:
  explicit Verifier(const Graph &g) : g_(g) {}

  std::vector<std::string> run() {
    for (size_t i = 0; i < g_.size(); ++i) checkNode(static_cast<NodeId>(i));
    checkSourceNames(Op::Input);
    checkSourceNames(Op::Param);
    checkOutputs();
    return std::move(errors_);
  }

private:
  void nodeError(NodeId id, const std::string &msg) {
    errors_.push_back("%" + std::to_string(id) + " (" + opName(g_.node(id).op) + "): " + msg);
  }

  void checkNode(NodeId id) {
    const Node &n = g_.node(id);
    checkAttrs(id);
    bool operandsOk = checkOperands(id);
    bool typeOk = checkResultType(id);
    wellFormed_.push_back(typeOk);
    // The shape rule needs valid operands, and comparing against a malformed
    // stored type would only repeat the error above.
    if (!operandsOk || !typeOk) return;
    for (NodeId in : n.inputs)
      if (!wellFormed_[static_cast<size_t>(in)]) return; // reported at the operand
    std::vector<TensorType> types;
    for (NodeId in : n.inputs) types.push_back(g_.type(in));
    TensorType inferred;
    try {
      inferred = inferType(n.op, types, n.attrs);
    } catch (const IRError &e) {
      nodeError(id, withoutOpPrefix(n.op, e.what()));
      return;
    }
    if (inferred != n.type)
      nodeError(id, "stored type " + n.type.str() + " differs from the inferred type " + inferred.str());
  }

  bool checkOperands(NodeId id) {
    const Node &n = g_.node(id);
    bool ok = true;
    for (NodeId in : n.inputs) {
      if (in >= 0 && in < id) continue;
      nodeError(id, "operand %" + std::to_string(in) + " is not an earlier node");
      ok = false;
    }
    int arity = opInfo(n.op).arity;
    if (arity >= 0 && n.inputs.size() != static_cast<size_t>(arity)) {
      nodeError(id, "expects " + std::to_string(arity) + " operands, got " + std::to_string(n.inputs.size()));
      ok = false;
    }
    return ok;
  }

  bool checkResultType(NodeId id) {
    const Shape &s = g_.node(id).type.shape;
    int batches = 0;
    for (Dim d : s.dims()) {
      if (d == kBatch) {
        ++batches;
        continue;
      }
      if (d >= 0) continue;
      nodeError(id, "result shape has the negative dimension " + std::to_string(d));
      return false;
    }
    if (batches <= 1) return true;
    nodeError(id, "result shape " + s.str() + " has more than one batch dimension");
    return false;
  }

  void checkAttrs(NodeId id) {
    const Node &n = g_.node(id);
    std::vector<AttrSpec> schema = attrSchema(n.op);
    for (const auto &[key, value] : n.attrs.entries()) {
      const AttrSpec *spec = nullptr;
      for (const AttrSpec &s : schema)
        if (key == s.key) spec = &s;
      if (!spec) {
        nodeError(id, "unknown attribute `" + key + "`");
        continue;
      }
      if (!accepts(spec->kind, value))
        nodeError(id, "attribute `" + key + "` must be " + kindName(spec->kind) + ", got " + valueKindName(value));
    }
    for (const AttrSpec &s : schema)
      if (s.required && !n.attrs.has(s.key)) nodeError(id, std::string("missing attribute `") + s.key + "`");
  }

  // Inputs and params are found by name (feeds, checkpoints, the AOT header).
  void checkSourceNames(Op op) {
    std::map<std::string, NodeId> seen;
    for (size_t i = 0; i < g_.size(); ++i) {
      const Node &n = g_.node(static_cast<NodeId>(i));
      if (n.op != op) continue;
      auto id = static_cast<NodeId>(i);
      std::string name = n.attrs.getString("name");
      if (name.empty()) {
        if (n.attrs.has("name")) nodeError(id, "the name is empty"); // a missing one is reported above
        continue;
      }
      auto [it, fresh] = seen.emplace(name, id);
      if (!fresh) nodeError(id, "name `" + name + "` is already used by %" + std::to_string(it->second));
    }
  }

  void checkOutputs() {
    std::map<std::string, size_t> seen;
    const auto &outs = g_.outputs();
    for (size_t k = 0; k < outs.size(); ++k) {
      const auto &[name, id] = outs[k];
      std::string label = name.empty() ? "output #" + std::to_string(k) : "output `" + name + "`";
      if (id < 0 || static_cast<size_t>(id) >= g_.size())
        errors_.push_back(label + " refers to %" + std::to_string(id) + ", which does not exist");
      if (name.empty()) {
        errors_.push_back(label + " has an empty name");
        continue;
      }
      if (!seen.emplace(name, k).second) errors_.push_back(label + " is returned twice");
    }
  }

  // IRError messages start with the op's name, which nodeError already says.
  static std::string withoutOpPrefix(Op op, const std::string &msg) {
    std::string prefix = std::string(opName(op)) + ": ";
    return msg.compare(0, prefix.size(), prefix) == 0 ? msg.substr(prefix.size()) : msg;
  }

  const Graph &g_;
  std::vector<std::string> errors_;
  std::vector<bool> wellFormed_; // per node checked so far: its stored type is well formed
};

} // namespace

std::vector<std::string> verify(const Graph &g) { return Verifier(g).run(); }

} // namespace nnc::ir
