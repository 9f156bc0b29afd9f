#include "autodiff/GradBuilder.h"

namespace nnc::autodiff {

using ir::DType;
using ir::kBatch;
using ir::NodeId;
using ir::Op;
using ir::Shape;

Shape keptShape(const Shape &s, const Ints &axes) {
  Shape kept = s;
  for (int64_t ax : axes)
    kept[static_cast<size_t>(ax)] = 1;
  return kept;
}

NodeId GradBuilder::full(ir::TensorType t, double value) {
  if (!t.shape.hasBatch()) return g_.constant({value}, t);
  return broadcastTo(g_.scalar(value, t.dtype), t.shape);
}

NodeId GradBuilder::maskWhere(NodeId cond, NodeId dy, bool where) {
  NodeId zero = fullLike(dy, 0.0);
  return where ? select(cond, dy, zero) : select(cond, zero, dy);
}

NodeId GradBuilder::cast(NodeId x, DType to) {
  if (type(x).dtype == to) return x;
  return op(Op::Cast, {x}, {{"dtype", std::string(ir::dtypeName(to))}});
}

NodeId GradBuilder::reshape(NodeId x, Shape to) {
  if (shape(x) == to) return x;
  return op(Op::Reshape, {x}, {{"shape", to.dims()}});
}

NodeId GradBuilder::broadcastTo(NodeId x, Shape to) {
  if (shape(x) == to) return x;
  return op(Op::Broadcast, {x}, {{"shape", to.dims()}});
}

NodeId GradBuilder::reduceSum(NodeId x, const Ints &axes, bool keep) {
  if (axes.empty()) return x;
  return op(Op::ReduceSum, {x}, {{"axes", axes}, {"keep", int64_t(keep)}});
}

NodeId GradBuilder::transpose(NodeId x, const Ints &perm) {
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i)
    identity = identity && perm[i] == static_cast<int64_t>(i);
  if (identity) return x;
  return op(Op::Transpose, {x}, {{"perm", perm}});
}

NodeId GradBuilder::slice(NodeId x, const Ints &begin, const Ints &end, const Ints &stride) {
  return op(Op::Slice, {x}, {{"begin", begin}, {"end", end}, {"stride", stride}});
}

NodeId GradBuilder::pad(NodeId x, const Ints &lo, const Ints &hi) {
  bool none = true;
  for (size_t i = 0; i < lo.size(); ++i)
    none = none && lo[i] == 0 && hi[i] == 0;
  if (none) return x;
  return op(Op::Pad, {x}, {{"lo", lo}, {"hi", hi}});
}

NodeId GradBuilder::sumTo(NodeId dy, Shape to) {
  Shape from = shape(dy);
  size_t off = from.rank() - to.rank();
  Ints axes;
  for (size_t i = 0; i < from.rank(); ++i) {
    if (i < off || (to[i - off] == 1 && from[i] != 1)) axes.push_back(static_cast<int64_t>(i));
  }
  return reshape(reduceSum(dy, axes, false), to);
}

NodeId GradBuilder::reducedCount(Shape s, const Ints &axes, DType dt) {
  double staticCount = 1;
  bool batch = false;
  for (int64_t ax : axes) {
    ir::Dim d = s[static_cast<size_t>(ax)];
    if (d == kBatch)
      batch = true;
    else
      staticCount *= static_cast<double>(d);
  }
  NodeId count = g_.scalar(staticCount, dt);
  if (!batch) return count;
  // The batch size is known only when the graph runs: sum a [B] vector of ones.
  NodeId ones = broadcastTo(g_.scalar(1.0, dt), Shape{kBatch});
  return mul(count, reduceSum(ones, {0}, false));
}

} // namespace nnc::autodiff
