// Private to autodiff: the shorthands gradient rules build their nodes with.
// Every node still goes through Graph::create, so a rule that builds an
// ill-shaped node fails loudly (IRError) instead of producing a bad graph.
// Types and shapes pass by value: creating a node may move the graph's
// storage, and with it any reference into an existing node.
// The helpers return their operand unchanged when there is nothing to do
// (a reshape to the same shape, a reduction over no axes), which keeps the
// printed gradient graphs short.
#pragma once

#include "ir/Graph.h"

#include <vector>

namespace nnc::autodiff {

using Ints = std::vector<int64_t>;

class GradBuilder {
public:
  explicit GradBuilder(ir::Graph &g) : g_(g) {}

  ir::Graph &graph() { return g_; }
  const ir::Node &node(ir::NodeId id) const { return g_.node(id); }
  ir::TensorType type(ir::NodeId id) const { return g_.type(id); }
  ir::Shape shape(ir::NodeId id) const { return g_.type(id).shape; }

  ir::NodeId op(ir::Op op, std::vector<ir::NodeId> in, ir::Attrs a = {}) {
    return g_.create(op, std::move(in), std::move(a));
  }

  // A tensor of type `t` filled with `value`: a constant, or a broadcast
  // scalar when `t` has the batch dimension (constants cannot).
  ir::NodeId full(ir::TensorType t, double value);
  ir::NodeId fullLike(ir::NodeId x, double value) { return full(type(x), value); }

  ir::NodeId add(ir::NodeId a, ir::NodeId b) { return op(ir::Op::Add, {a, b}); }
  ir::NodeId sub(ir::NodeId a, ir::NodeId b) { return op(ir::Op::Sub, {a, b}); }
  ir::NodeId mul(ir::NodeId a, ir::NodeId b) { return op(ir::Op::Mul, {a, b}); }
  ir::NodeId div(ir::NodeId a, ir::NodeId b) { return op(ir::Op::Div, {a, b}); }
  ir::NodeId neg(ir::NodeId a) { return op(ir::Op::Neg, {a}); }
  ir::NodeId select(ir::NodeId c, ir::NodeId a, ir::NodeId b) { return op(ir::Op::Select, {c, a, b}); }
  // x * value, with the scalar splat to x's shape.
  ir::NodeId scale(ir::NodeId x, double value) { return mul(x, fullLike(x, value)); }
  // `dy` where `cond` holds, else 0; or the other way round when `where` is false.
  ir::NodeId maskWhere(ir::NodeId cond, ir::NodeId dy, bool where);

  ir::NodeId cast(ir::NodeId x, ir::DType to);
  ir::NodeId reshape(ir::NodeId x, ir::Shape to);
  ir::NodeId broadcastTo(ir::NodeId x, ir::Shape to);
  ir::NodeId reduceSum(ir::NodeId x, const Ints &axes, bool keep);
  ir::NodeId transpose(ir::NodeId x, const Ints &perm);
  ir::NodeId slice(ir::NodeId x, const Ints &begin, const Ints &end, const Ints &stride);
  ir::NodeId pad(ir::NodeId x, const Ints &lo, const Ints &hi);

  // Sums `dy` down to `to`, undoing a broadcast from `to` to dy's shape:
  // leading axes and size-1 axes that were expanded are summed away.
  ir::NodeId sumTo(ir::NodeId dy, ir::Shape to);
  // The number of elements a reduction over `axes` of shape `s` combines, as
  // a scalar of dtype `dt`: a constant, or computed from the batch size when
  // the batch axis is among them.
  ir::NodeId reducedCount(ir::Shape s, const Ints &axes, ir::DType dt);

private:
  ir::Graph &g_;
};

// `s` with the dims on `axes` set to 1 (the shape a reduction keeps).
ir::Shape keptShape(const ir::Shape &s, const Ints &axes);

} // namespace nnc::autodiff
