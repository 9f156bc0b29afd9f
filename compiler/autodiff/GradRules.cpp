// The gradient rule of every primitive op. Notation: y = op(x0, x1, ...), dy
// is the cotangent of y, and each rule returns dx_i = dy * dy/dx_i (a vector-
// Jacobian product) for the operands the caller needs.
//
// Choices at non-differentiable points, documented because finite differences
// cannot check them:
//   - maximum(a, b) sends dy to a where a > b, else to b; minimum to a where
//     a < b. So relu written as maximum(x, 0) has gradient 0 at x == 0, as in
//     PyTorch.
//   - reduce_max/reduce_min share dy evenly among all elements equal to the
//     extremum (as TensorFlow does); max_pool2d gives it to the first maximum
//     of each window (as its argmax would).
//   - abs, sign and floor: sign(x) * dy, 0 and 0 (PyTorch's convention).
//   - pow's gradient with respect to the exponent uses log(a) where a > 0 and
//     0 elsewhere (the limit of a^b * log(a) as a -> 0+ for b > 0).
#include "autodiff/GradRules.h"

#include <numeric>

namespace nnc::autodiff {

using ir::DType;
using ir::kBatch;
using ir::NodeId;
using ir::Op;
using ir::Shape;

namespace {

// One application of a rule: the forward node (copied, since building nodes
// may move the graph's storage), its cotangent and the result.
struct Rule {
  GradBuilder &b;
  NodeId y;
  ir::Node n;
  NodeId dy;
  std::vector<bool> needs;
  std::vector<NodeId> grads;

  NodeId x(size_t i) const { return n.inputs[i]; }
  bool need(size_t i) const { return needs[i]; }
  Shape xShape(size_t i) const { return b.shape(x(i)); }
};

Ints attrInts(const Rule &r, const char *key) { return r.n.attrs.getInts(key); }

// Unary ops: dx = f() when operand 0 is needed.
template <class F> void unary(Rule &r, F f) {
  if (r.need(0)) r.grads[0] = f();
}

void reduceSumLike(Rule &r, bool mean) {
  if (!r.need(0)) return;
  Ints axes = attrInts(r, "axes");
  NodeId dyk = r.b.reshape(r.dy, keptShape(r.xShape(0), axes));
  if (mean) {
    NodeId count = r.b.reducedCount(r.xShape(0), axes, r.b.type(r.dy).dtype);
    dyk = r.b.div(dyk, r.b.broadcastTo(count, r.b.shape(dyk)));
  }
  r.grads[0] = r.b.broadcastTo(dyk, r.xShape(0));
}

// reduce_max/min: dy shared evenly by the elements equal to the extremum.
void reduceExtremum(Rule &r) {
  if (!r.need(0)) return;
  GradBuilder &b = r.b;
  Ints axes = attrInts(r, "axes");
  Shape kept = keptShape(r.xShape(0), axes);
  NodeId yAll = b.broadcastTo(b.reshape(r.y, kept), r.xShape(0));
  NodeId hit = b.cast(b.op(Op::Eq, {r.x(0), yAll}), b.type(r.x(0)).dtype);
  NodeId ties = b.reduceSum(hit, axes, true);
  NodeId share = b.div(b.reshape(r.dy, kept), ties);
  r.grads[0] = b.mul(hit, b.broadcastTo(share, r.xShape(0)));
}

void pow(Rule &r) {
  GradBuilder &b = r.b;
  NodeId a = r.x(0), e = r.x(1);
  if (r.need(0)) {
    // e a^(e-1), but 0 where e = 0: a^0 is constant even at a = 0, where
    // the formula would give 0 * inf = NaN.
    NodeId zero = b.fullLike(e, 0.0);
    NodeId da = b.mul(e, b.op(Op::Pow, {a, b.sub(e, b.fullLike(e, 1.0))}));
    r.grads[0] = b.mul(r.dy, b.select(b.op(Op::Eq, {e, zero}), zero, da));
  }
  if (r.need(1)) {
    NodeId positive = b.op(Op::Gt, {a, b.fullLike(a, 0.0)});
    NodeId logA = b.op(Op::Log, {b.select(positive, a, b.fullLike(a, 1.0))});
    r.grads[1] = b.mul(r.dy, b.mul(r.y, logA));
  }
}

void div(Rule &r) {
  GradBuilder &b = r.b;
  if (r.need(0)) r.grads[0] = b.div(r.dy, r.x(1));
  // d(a/b)/db = -(a/b)/b = -y/b.
  if (r.need(1)) r.grads[1] = b.neg(b.div(b.mul(r.dy, r.y), r.x(1)));
}

// maximum/minimum: a wins where `cmp(a, b)` holds, b elsewhere.
void extremum(Rule &r, Op cmp) {
  if (!r.need(0) && !r.need(1)) return;
  NodeId aWins = r.b.op(cmp, {r.x(0), r.x(1)});
  if (r.need(0)) r.grads[0] = r.b.maskWhere(aWins, r.dy, true);
  if (r.need(1)) r.grads[1] = r.b.maskWhere(aWins, r.dy, false);
}

// A strided slice scatters dy back into zeros: each strided axis first
// interleaves stride-1 zeros after every element, then one pad restores the
// elements before `begin` and after the last one taken.
void slice(Rule &r) {
  if (!r.need(0)) return;
  GradBuilder &b = r.b;
  const Shape in = r.xShape(0);
  Ints begin = attrInts(r, "begin"), stride = attrInts(r, "stride");
  NodeId g = r.dy;
  for (size_t ax = 0; ax < in.rank(); ++ax) {
    if (stride[ax] == 1) continue;
    Shape s = b.shape(g);
    int64_t n = s[ax], st = stride[ax];
    std::vector<ir::Dim> split = s.dims(), merged = s.dims();
    split.insert(split.begin() + static_cast<int64_t>(ax) + 1, 1);
    Ints lo(split.size(), 0), hi(split.size(), 0);
    hi[ax + 1] = st - 1;
    merged[ax] = n * st;
    g = b.reshape(b.pad(b.reshape(g, Shape(split)), lo, hi), Shape(merged));
    // The zeros after the last element may run past the operand's end.
    int64_t room = in[ax] - begin[ax];
    if (n * st <= room) continue;
    Ints sb(s.rank(), 0), se = s.dims(), ss(s.rank(), 1);
    se[ax] = room;
    g = b.slice(g, sb, se, ss);
  }
  Ints lo(in.rank(), 0), hi(in.rank(), 0);
  for (size_t ax = 0; ax < in.rank(); ++ax) {
    if (in[ax] == kBatch) continue;
    lo[ax] = begin[ax];
    hi[ax] = in[ax] - begin[ax] - b.shape(g)[ax];
  }
  r.grads[0] = b.pad(g, lo, hi);
}

// The part of dy along `axis` in [from, from + size).
NodeId sliceAxis(GradBuilder &b, NodeId dy, size_t axis, int64_t from, int64_t size) {
  Shape s = b.shape(dy);
  Ints begin(s.rank(), 0), end = s.dims(), stride(s.rank(), 1);
  begin[axis] = from;
  end[axis] = from + size;
  return b.slice(dy, begin, end, stride);
}

void pad(Rule &r) {
  if (!r.need(0)) return;
  const Shape in = r.xShape(0);
  Ints lo = attrInts(r, "lo");
  NodeId g = r.dy;
  for (size_t ax = 0; ax < in.rank(); ++ax)
    if (in[ax] != kBatch && r.b.shape(g)[ax] != in[ax]) g = sliceAxis(r.b, g, ax, lo[ax], in[ax]);
  r.grads[0] = g;
}

void concat(Rule &r) {
  auto axis = static_cast<size_t>(r.n.attrs.getInt("axis"));
  int64_t offset = 0;
  for (size_t i = 0; i < r.n.inputs.size(); ++i) {
    int64_t size = r.xShape(i)[axis];
    if (r.need(i)) r.grads[i] = sliceAxis(r.b, r.dy, axis, offset, size);
    offset += size;
  }
}

void transpose(Rule &r) {
  if (!r.need(0)) return;
  Ints perm = attrInts(r, "perm"), inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inverse[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  r.grads[0] = r.b.transpose(r.dy, inverse);
}

// y = x @ w: dx = dy @ w^T, dw = x^T @ dy (batched over the leading dims).
void matmul(Rule &r) {
  GradBuilder &b = r.b;
  Ints swap(r.xShape(0).rank());
  std::iota(swap.begin(), swap.end(), 0);
  std::swap(swap[swap.size() - 2], swap[swap.size() - 1]);
  if (r.need(0)) r.grads[0] = b.op(Op::MatMul, {r.dy, b.transpose(r.x(1), swap)});
  if (r.need(1)) r.grads[1] = b.op(Op::MatMul, {b.transpose(r.x(0), swap), r.dy});
}

// The stride and pad of r's node, with its window when `window` is set, and
// the result shape `shape` when it is not empty.
ir::Attrs windowAttrs(const Rule &r, bool window, const Ints &shape) {
  ir::Attrs a{{"stride", attrInts(r, "stride")}, {"pad", attrInts(r, "pad")}};
  if (window) a.set("window", attrInts(r, "window"));
  if (!shape.empty()) a.set("shape", shape);
  return a;
}

void conv2d(Rule &r) {
  GradBuilder &b = r.b;
  if (r.need(0)) r.grads[0] = b.op(Op::Conv2DGradInput, {r.dy, r.x(1)}, windowAttrs(r, false, r.xShape(0).dims()));
  if (r.need(1)) r.grads[1] = b.op(Op::Conv2DGradFilter, {r.x(0), r.dy}, windowAttrs(r, false, r.xShape(1).dims()));
}

// conv2d_grad_input(d, w) = A_w^T d, where conv2d(x, w) = A_w x. So
// <c, A_w^T d> = <conv2d(c, w), d>: linear in d, bilinear in (c, w).
void conv2dGradInput(Rule &r) {
  GradBuilder &b = r.b;
  if (r.need(0)) r.grads[0] = b.op(Op::Conv2D, {r.dy, r.x(1)}, windowAttrs(r, false, {}));
  if (r.need(1)) r.grads[1] = b.op(Op::Conv2DGradFilter, {r.dy, r.x(0)}, windowAttrs(r, false, r.xShape(1).dims()));
}

// <c, conv2d_grad_filter(x, d)> = <conv2d(x, c), d>.
void conv2dGradFilter(Rule &r) {
  GradBuilder &b = r.b;
  if (r.need(0)) r.grads[0] = b.op(Op::Conv2DGradInput, {r.x(1), r.dy}, windowAttrs(r, false, r.xShape(0).dims()));
  if (r.need(1)) r.grads[1] = b.op(Op::Conv2D, {r.x(0), r.dy}, windowAttrs(r, false, {}));
}

void dispatch(Rule &r) {
  GradBuilder &b = r.b;
  NodeId dy = r.dy;
  switch (r.n.op) {
  // Sources have no float operands (a random op's key is i32).
  case Op::Input:
  case Op::Param:
  case Op::Constant:
  case Op::RandomUniform:
  case Op::RandomNormal:
  case Op::StopGradient:
    return;

  case Op::Neg:
    return unary(r, [&] { return b.neg(dy); });
  case Op::Abs:
    return unary(r, [&] { return b.mul(dy, b.op(Op::Sign, {r.x(0)})); });
  case Op::Sign:
  case Op::Floor:
    return unary(r, [&] { return b.fullLike(r.x(0), 0.0); });
  case Op::Exp:
    return unary(r, [&] { return b.mul(dy, r.y); });
  case Op::Log:
    return unary(r, [&] { return b.div(dy, r.x(0)); });
  case Op::Sqrt:
    return unary(r, [&] { return b.div(dy, b.scale(r.y, 2.0)); });
  case Op::Tanh:
    return unary(r, [&] { return b.mul(dy, b.sub(b.fullLike(r.y, 1.0), b.mul(r.y, r.y))); });
  case Op::Sin:
    return unary(r, [&] { return b.mul(dy, b.op(Op::Cos, {r.x(0)})); });
  case Op::Cos:
    return unary(r, [&] { return b.neg(b.mul(dy, b.op(Op::Sin, {r.x(0)}))); });
  case Op::Cast:
    // Only between float types: an i32 or bool operand carries no gradient.
    if (ir::isFloat(b.type(r.x(0)).dtype)) unary(r, [&] { return b.cast(dy, b.type(r.x(0)).dtype); });
    return;

  case Op::Add:
    if (r.need(0)) r.grads[0] = dy;
    if (r.need(1)) r.grads[1] = dy;
    return;
  case Op::Sub:
    if (r.need(0)) r.grads[0] = dy;
    if (r.need(1)) r.grads[1] = b.neg(dy);
    return;
  case Op::Mul:
    if (r.need(0)) r.grads[0] = b.mul(dy, r.x(1));
    if (r.need(1)) r.grads[1] = b.mul(r.x(0), dy);
    return;
  case Op::Div:
    return div(r);
  case Op::Pow:
    return pow(r);
  case Op::Maximum:
    return extremum(r, Op::Gt);
  case Op::Minimum:
    return extremum(r, Op::Lt);
  case Op::Select:
    if (r.need(1)) r.grads[1] = b.maskWhere(r.x(0), dy, true);
    if (r.need(2)) r.grads[2] = b.maskWhere(r.x(0), dy, false);
    return;

  // Bool and i32 results never carry a cotangent.
  case Op::Not:
  case Op::Eq:
  case Op::Ne:
  case Op::Lt:
  case Op::Le:
  case Op::Gt:
  case Op::Ge:
  case Op::And:
  case Op::Or:
  case Op::ArgMax:
  case Op::OneHot:
    return;

  case Op::Broadcast:
    return unary(r, [&] { return b.sumTo(dy, r.xShape(0)); });
  case Op::ReduceSum:
    return reduceSumLike(r, false);
  case Op::ReduceMean:
    return reduceSumLike(r, true);
  case Op::ReduceMax:
  case Op::ReduceMin:
    return reduceExtremum(r);

  case Op::Reshape:
    return unary(r, [&] { return b.reshape(dy, r.xShape(0)); });
  case Op::Transpose:
    return transpose(r);
  case Op::Slice:
    return slice(r);
  case Op::Pad:
    return pad(r);
  case Op::Concat:
    return concat(r);

  case Op::MatMul:
    return matmul(r);
  case Op::Gather:
    // The indices get none; the table gets dy added back at each index.
    return unary(r, [&] { return b.op(Op::ScatterAdd, {dy, r.x(1)}, {{"shape", r.xShape(0).dims()}}); });
  case Op::Conv2D:
    return conv2d(r);
  case Op::MaxPool2D:
    return unary(r, [&] { return b.op(Op::MaxPool2DGrad, {r.x(0), dy}, windowAttrs(r, true, {})); });
  case Op::AvgPool2D:
    return unary(r, [&] { return b.op(Op::AvgPool2DGrad, {dy}, windowAttrs(r, true, r.xShape(0).dims())); });

  // The backward ops, so that gradients can be differentiated again.
  case Op::ScatterAdd:
    return unary(r, [&] { return b.op(Op::Gather, {dy, r.x(1)}); });
  case Op::Conv2DGradInput:
    return conv2dGradInput(r);
  case Op::Conv2DGradFilter:
    return conv2dGradFilter(r);
  case Op::MaxPool2DGrad:
    return; // not implemented: differentiating it reports an error
  case Op::AvgPool2DGrad:
    return unary(r, [&] { return b.op(Op::AvgPool2D, {dy}, windowAttrs(r, true, {})); });
  }
}

} // namespace

std::vector<NodeId> gradRule(GradBuilder &b, NodeId y, NodeId dy, const std::vector<bool> &needs) {
  Rule r{b, y, b.node(y), dy, needs, std::vector<NodeId>(needs.size(), kNoGrad)};
  // Gradient nodes carry the source location of the node they differentiate.
  ir::SourceTag saved = b.graph().source();
  b.graph().setSource(r.n.src);
  try {
    dispatch(r);
  } catch (...) {
    b.graph().setSource(saved);
    throw;
  }
  b.graph().setSource(saved);
  return r.grads;
}

} // namespace nnc::autodiff
