// The data-block transforms whose constants are statistics of the training
// rows: `standardize(x)`, (x - mean) / std per element of a row, and
// `scale(x)`, (x - min) / (max - min), into [0, 1] on the training rows.
//
// The statistics cannot be computed at compile time (they depend on the data,
// the seed and the splits), so each becomes an input of the data graph, named
// "data/<field>/<kind>", recorded in DataInfo::statistics; the runtime
// computes them over the training rows only (never the validation or test
// rows, whose information would otherwise leak into training) and saves them
// in checkpoints, from which `nnc build --infer/--aot` folds them back in.
#include "frontend/ElabContext.h"

#include <set>

namespace nnc {

namespace {

// The first input node named like one of `names` or starting with `prefix`
// that `id` depends on; -1 if none.
ir::NodeId dependsOn(const ir::Graph &g, ir::NodeId id, const std::string &name, const std::string &prefix) {
  std::vector<ir::NodeId> todo{id};
  std::set<ir::NodeId> seen;
  while (!todo.empty()) {
    ir::NodeId n = todo.back();
    todo.pop_back();
    if (!seen.insert(n).second) continue;
    const ir::Node &node = g.node(n);
    if (node.op == ir::Op::Input) {
      const std::string &in = node.attrs.getString("name");
      if (in == name || (!prefix.empty() && in.rfind(prefix, 0) == 0)) return n;
    }
    todo.insert(todo.end(), node.inputs.begin(), node.inputs.end());
  }
  return -1;
}

// d where d > 0, else 1: a constant feature (std 0, or max = min) is only
// shifted, as scikit-learn's scalers do, rather than divided by zero.
Value positiveOrOne(Elab &el, const Value &d, SourceRange r) {
  Value zero = el.toTensor(Value::ofFloat(0), r, &d), one = el.toTensor(Value::ofFloat(1), r, &d);
  Value positive = el.binary(ir::Op::Gt, d, zero, r, ">");
  if (positive.isError()) return positive;
  return el.emit(ir::Op::Select, {positive, d, el.broadcastTo(one, d.type().shape, r)}, {}, r);
}

Value statisticTransform(Elab &el, std::vector<Value> &a, const std::vector<SourceRange> &r, SourceRange call,
                         const char *fn, const char *lowKind, const char *highKind) {
  GraphCtx &ctx = el.ctx();
  if (!ctx.statistics)
    return el.error(call, std::string("`") + fn +
                              "` belongs in a data block: its statistics are computed over the training split");
  Value x = el.toTensor(a[0], r[0]);
  if (x.isError()) return x;
  const ir::TensorType type = x.type(); // a copy: emitting may move the graph's nodes
  if (!ir::isFloat(type.dtype))
    return el.error(r[0], std::string("`") + fn + "` needs floating-point values, got " + x.describe());
  if (type.shape.rank() == 0 || type.shape[0] != ir::kBatch || type.shape.batchAxis() != 0)
    return el.error(r[0], std::string("`") + fn + "` needs one row per sample (a first dimension B), got " + x.describe());
  const ir::Graph &g = *ctx.graph;
  if (dependsOn(g, x.node, "label", "") >= 0)
    return el.error(r[0], std::string("`") + fn +
                              "` of the labels: the model would learn to predict transformed targets; transform the "
                              "features only");
  if (ir::NodeId n = dependsOn(g, x.node, "", "data/"); n >= 0)
    return el.error(r[0], std::string("`") + fn + "` of a value that is already standardized or scaled (through `" +
                              g.node(n).attrs.getString("name") + "`)");

  // "data/x/mean", then "data/x/2/mean" for a second transform in field x.
  std::string base = "data/" + ctx.dataField;
  int k = 1;
  auto taken = [&](const std::string &b) {
    for (const DataStatistic &s : *ctx.statistics)
      if (s.input.rfind(b + "/", 0) == 0 && s.input.find('/', b.size() + 1) == std::string::npos) return true;
    return false;
  };
  while (taken(k == 1 ? base : base + "/" + std::to_string(k)))
    ++k;
  if (k > 1) base += "/" + std::to_string(k);

  std::vector<ir::Dim> rowDims(type.shape.dims().begin() + 1, type.shape.dims().end());
  ir::TensorType rowType{ir::DType::F32, ir::Shape(rowDims)};
  if (type.dtype != ir::DType::F32) x = el.emit(ir::Op::Cast, {x}, ir::Attrs{{"dtype", std::string("f32")}}, call);
  ir::NodeId of = x.node;
  el.tagSource(call);
  ir::Graph &graph = *ctx.graph;
  Value low = Value::ofTensor(&graph, graph.input(base + "/" + lowKind, rowType));
  Value high = Value::ofTensor(&graph, graph.input(base + "/" + highKind, rowType));
  ctx.statistics->push_back({base + "/" + lowKind, lowKind, of});
  ctx.statistics->push_back({base + "/" + highKind, highKind, of});
  // standardize: (x - mean) / std; scale: (x - min) / (max - min).
  Value spread = std::string(highKind) == "std" ? high : el.binary(ir::Op::Sub, high, low, call, "-");
  if (spread.isError()) return spread;
  Value denom = positiveOrOne(el, spread, call);
  Value centered = el.binary(ir::Op::Sub, x, low, call, "-");
  if (denom.isError() || centered.isError()) return Value::err();
  return el.binary(ir::Op::Div, centered, denom, call, "/");
}

} // namespace

Value standardizeFn(Elab &el, std::vector<Value> &a, const std::vector<SourceRange> &r, SourceRange call) {
  return statisticTransform(el, a, r, call, "standardize", "mean", "std");
}

Value scaleFn(Elab &el, std::vector<Value> &a, const std::vector<SourceRange> &r, SourceRange call) {
  return statisticTransform(el, a, r, call, "scale", "min", "max");
}

} // namespace nnc
