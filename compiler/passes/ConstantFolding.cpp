#include "passes/ConstantFolding.h"

#include "ir/Interpreter.h"
#include "passes/Rewrite.h"

#include <algorithm>
#include <optional>

namespace nnc::passes {

using ir::Graph;
using ir::Node;
using ir::NodeId;

namespace {

constexpr int64_t kMaxFoldedElements = int64_t(1) << 20;
constexpr int64_t kMaxOpaqueWork = int64_t(1) << 26;

// The number of values a constant node stores (one for a splat).
int64_t storedValues(const Node &n) {
  const std::vector<double> *values = constantValues(n);
  return values ? static_cast<int64_t>(values->size()) : n.type.shape.numel();
}

// Whether folding `n`, whose operands are the constants `args` of `g`, is
// allowed and cheap enough to try.
bool worthTrying(const Graph &g, const Node &n, const std::vector<NodeId> &args) {
  if (ir::opInfo(n.op).category == ir::OpCategory::Source) return false;
  if (n.type.shape.hasBatch() || n.type.shape.numel() > kMaxFoldedElements) return false;
  int64_t largest = 0;
  for (NodeId a : args) {
    if (g.node(a).op != ir::Op::Constant) return false;
    largest = std::max(largest, g.type(a).shape.numel());
  }
  if (ir::opInfo(n.op).category != ir::OpCategory::Opaque) return true;
  int64_t work = 0;
  return !__builtin_mul_overflow(n.type.shape.numel(), largest, &work) && work <= kMaxOpaqueWork;
}

// Runs `n` alone on copies of its constant operands; nullopt when the
// interpreter rejects it.
std::optional<ir::Tensor> evaluate(const Graph &g, const Node &n, const std::vector<NodeId> &args) {
  Graph mini;
  std::vector<NodeId> ids;
  try {
    for (NodeId a : args)
      ids.push_back(mini.create(ir::Op::Constant, {}, g.node(a).attrs));
    NodeId r = mini.create(n.op, ids, n.attrs);
    return std::move(ir::interpret(mini, ir::Bindings{}, ir::Precision::F32)[static_cast<size_t>(r)]);
  } catch (const ir::InterpError &) {
    return std::nullopt;
  } catch (const ir::IRError &) {
    return std::nullopt;
  }
}

// The values to store for `t`: one for a splat, all of them otherwise, or
// nullopt when spelling them out would make the graph bigger than `args`.
std::optional<std::vector<double>> storedForm(const Graph &g, ir::Tensor t, const std::vector<NodeId> &args) {
  if (!t.data.empty() && allSame(t.data)) return std::vector<double>{t.data[0]};
  int64_t operandValues = 0;
  for (NodeId a : args)
    operandValues += storedValues(g.node(a));
  if (t.numel() > operandValues) return std::nullopt;
  return std::move(t.data);
}

} // namespace

ir::Graph foldConstants(const ir::Graph &g) {
  GraphRewriter rw(g);
  for (size_t i = 0; i < g.size(); ++i) {
    NodeId oldId = static_cast<NodeId>(i);
    const Node &n = g.nodes()[i];
    std::vector<NodeId> args = rw.mappedInputs(oldId);
    if (!worthTrying(rw.graph(), n, args)) {
      rw.copy(oldId);
      continue;
    }
    std::optional<ir::Tensor> value = evaluate(rw.graph(), n, args);
    std::optional<std::vector<double>> stored;
    if (value) stored = storedForm(rw.graph(), std::move(*value), args);
    if (!stored) {
      rw.copy(oldId);
      continue;
    }
    rw.map(oldId, rw.constant(std::move(*stored), n.type, n.src));
  }
  return rw.finish();
}

} // namespace nnc::passes
