// The shape rule of every op: Graph::create and the verifier call inferType.
#include "ir/Graph.h"

#include <algorithm>
#include <set>

namespace nnc::ir {

namespace {

[[noreturn]] void fail(Op op, const std::string &msg) {
  throw IRError(std::string(opName(op)) + ": " + msg);
}

std::string dimStr(Dim d) { return d == kBatch ? std::string("B") : std::to_string(d); }

DType attrDType(Op op, const Attrs &a, DType dflt) {
  if (!a.has("dtype")) return dflt;
  auto t = parseDType(a.getString("dtype"));
  if (!t) fail(op, "unknown dtype `" + a.getString("dtype") + "`");
  return *t;
}

// Sizes, strides and paddings beyond this are errors, so that arithmetic on
// them cannot overflow.
constexpr int64_t kMaxExtent = int64_t(1) << 40;

Shape attrShape(Op op, const Attrs &a) {
  Shape s(a.getInts("shape"));
  int batches = 0;
  int64_t total = 1;
  for (Dim d : s.dims()) {
    if (d == kBatch) ++batches;
    else if (d < 0) fail(op, "negative dimension in shape " + s.str());
    else if (d > kMaxExtent || __builtin_mul_overflow(total, d, &total) || total > (int64_t(1) << 62))
      fail(op, "shape " + s.str() + " is too large");
  }
  if (batches > 1) fail(op, "shape " + s.str() + " has more than one batch dimension");
  return s;
}

void requireFloat(Op op, const TensorType &t) {
  if (!isFloat(t.dtype)) fail(op, std::string("expects a floating-point operand, got ") + t.str());
}

void requireNumeric(Op op, const TensorType &t) {
  if (t.dtype == DType::Bool) fail(op, "expects a numeric operand, got " + t.str());
}

void requireStatic(Op op, Dim d, const char *what) {
  if (d == kBatch) fail(op, std::string(what) + " cannot be the batch dimension");
}

int64_t bounded(Op op, int64_t v, const char *key) {
  if (v < -kMaxExtent || v > kMaxExtent) fail(op, std::string("attribute `") + key + "` is out of range");
  return v;
}

std::vector<int64_t> attrInts(Op op, const Attrs &a, const char *key, size_t n) {
  auto v = a.getInts(key);
  if (v.size() != n) fail(op, std::string("attribute `") + key + "` needs " + std::to_string(n) + " values");
  for (int64_t x : v) bounded(op, x, key);
  return v;
}

// Output extent of a sliding window along one axis.
Dim windowExtent(Op op, Dim in, int64_t k, int64_t stride, int64_t lo, int64_t hi) {
  requireStatic(op, in, "a spatial dimension");
  if (k < 1 || stride < 1 || lo < 0 || hi < 0) fail(op, "window, stride and padding must be positive");
  int64_t padded = in + lo + hi;
  if (padded < k) fail(op, "window " + std::to_string(k) + " is larger than the padded input " + std::to_string(padded));
  return (padded - k) / stride + 1;
}

TensorType elementwise(Op op, const std::vector<TensorType> &in, const Attrs &a) {
  const TensorType &x = in[0];
  switch (op) {
  case Op::Exp: case Op::Log: case Op::Sqrt: case Op::Tanh: case Op::Sin: case Op::Cos: case Op::Floor:
    requireFloat(op, x);
    return x;
  case Op::Neg: case Op::Abs: case Op::Sign:
    requireNumeric(op, x);
    return x;
  case Op::Not:
    if (x.dtype != DType::Bool) fail(op, "expects a bool operand, got " + x.str());
    return x;
  case Op::Cast:
    return TensorType{attrDType(op, a, x.dtype), x.shape};
  case Op::StopGradient:
    return x;
  case Op::Select:
    if (in[0].dtype != DType::Bool) fail(op, "condition must be bool, got " + in[0].str());
    if (in[1] != in[2]) fail(op, "branches differ: " + in[1].str() + " and " + in[2].str());
    if (in[0].shape != in[1].shape) fail(op, "condition " + in[0].str() + " and branches " + in[1].str() + " differ in shape");
    return in[1];
  default:
    break;
  }
  // Binary.
  if (in[0] != in[1]) fail(op, "operands differ: " + in[0].str() + " and " + in[1].str());
  switch (op) {
  case Op::Add: case Op::Sub: case Op::Mul: case Op::Div: case Op::Maximum: case Op::Minimum:
    requireNumeric(op, x);
    return x;
  case Op::Pow:
    requireFloat(op, x);
    return x;
  case Op::Eq: case Op::Ne:
    return TensorType{DType::Bool, x.shape};
  case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge:
    requireNumeric(op, x);
    return TensorType{DType::Bool, x.shape};
  case Op::And: case Op::Or:
    if (x.dtype != DType::Bool) fail(op, "expects bool operands, got " + x.str());
    return x;
  default:
    fail(op, "not an elementwise op");
  }
}

TensorType broadcast(Op op, const TensorType &x, const Attrs &a) {
  Shape out = attrShape(op, a);
  if (x.shape.rank() > out.rank())
    fail(op, "cannot broadcast " + x.shape.str() + " to the smaller rank of " + out.str());
  size_t off = out.rank() - x.shape.rank();
  for (size_t i = 0; i < x.shape.rank(); ++i) {
    Dim d = x.shape[i], o = out[off + i];
    if (d == o || d == 1) continue;
    fail(op, "cannot broadcast " + x.shape.str() + " to " + out.str() + ": dimension " + dimStr(d) +
                 " does not match " + dimStr(o));
  }
  return TensorType{x.dtype, out};
}

TensorType reduce(Op op, const TensorType &x, const Attrs &a) {
  std::vector<int64_t> axes = op == Op::ArgMax ? std::vector<int64_t>{a.getInt("axis")} : a.getInts("axes");
  std::set<int64_t> seen;
  for (int64_t ax : axes) {
    if (ax < 0 || ax >= static_cast<int64_t>(x.shape.rank()))
      fail(op, "axis " + std::to_string(ax) + " is out of range for " + x.str());
    if (!seen.insert(ax).second) fail(op, "axis " + std::to_string(ax) + " appears twice");
  }
  requireNumeric(op, x);
  bool keep = a.getInt("keep") != 0;
  std::vector<Dim> dims;
  for (size_t i = 0; i < x.shape.rank(); ++i) {
    if (!seen.count(static_cast<int64_t>(i))) dims.push_back(x.shape[i]);
    else if (keep) dims.push_back(1);
  }
  DType dt = op == Op::ArgMax ? DType::I32 : x.dtype;
  if (op == Op::ReduceMean) requireFloat(op, x);
  return TensorType{dt, Shape(dims)};
}

TensorType reshape(Op op, const TensorType &x, const Attrs &a) {
  Shape out = attrShape(op, a);
  if (x.shape.hasBatch() != out.hasBatch())
    fail(op, "cannot reshape " + x.shape.str() + " to " + out.str() + ": the batch dimension must be kept");
  if (x.shape.staticNumel() != out.staticNumel())
    fail(op, "cannot reshape " + x.shape.str() + " (" + std::to_string(x.shape.staticNumel()) +
                 " elements per batch entry) to " + out.str() + " (" + std::to_string(out.staticNumel()) + ")");
  return TensorType{x.dtype, out};
}

TensorType transpose(Op op, const TensorType &x, const Attrs &a) {
  auto perm = a.getInts("perm");
  if (perm.size() != x.shape.rank()) fail(op, "permutation has the wrong length for " + x.str());
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i)
    if (sorted[i] != static_cast<int64_t>(i)) fail(op, "attribute `perm` is not a permutation");
  std::vector<Dim> dims;
  for (int64_t p : perm) dims.push_back(x.shape[static_cast<size_t>(p)]);
  return TensorType{x.dtype, Shape(dims)};
}

TensorType slice(Op op, const TensorType &x, const Attrs &a) {
  size_t r = x.shape.rank();
  auto begin = attrInts(op, a, "begin", r), end = attrInts(op, a, "end", r), stride = attrInts(op, a, "stride", r);
  std::vector<Dim> dims;
  for (size_t i = 0; i < r; ++i) {
    Dim d = x.shape[i];
    if (d == kBatch) {
      if (begin[i] != 0 || end[i] != kBatch || stride[i] != 1) fail(op, "the batch dimension cannot be sliced");
      dims.push_back(kBatch);
      continue;
    }
    if (stride[i] < 1) fail(op, "stride must be positive");
    if (begin[i] < 0 || end[i] > d || begin[i] >= end[i])
      fail(op, "range " + std::to_string(begin[i]) + ":" + std::to_string(end[i]) + " is out of bounds for dimension " +
                   std::to_string(i) + " of size " + std::to_string(d));
    dims.push_back((end[i] - begin[i] + stride[i] - 1) / stride[i]);
  }
  return TensorType{x.dtype, Shape(dims)};
}

TensorType pad(Op op, const TensorType &x, const Attrs &a) {
  size_t r = x.shape.rank();
  auto lo = attrInts(op, a, "lo", r), hi = attrInts(op, a, "hi", r);
  std::vector<Dim> dims;
  for (size_t i = 0; i < r; ++i) {
    if (lo[i] < 0 || hi[i] < 0) fail(op, "padding must not be negative");
    if (x.shape[i] == kBatch) {
      if (lo[i] || hi[i]) fail(op, "the batch dimension cannot be padded");
      dims.push_back(kBatch);
    } else {
      dims.push_back(x.shape[i] + lo[i] + hi[i]);
    }
  }
  return TensorType{x.dtype, Shape(dims)};
}

TensorType concat(Op op, const std::vector<TensorType> &in, const Attrs &a) {
  if (in.empty()) fail(op, "needs at least one operand");
  int64_t axis = bounded(op, a.getInt("axis"), "axis");
  const TensorType &first = in[0];
  if (axis < 0 || axis >= static_cast<int64_t>(first.shape.rank())) fail(op, "axis " + std::to_string(axis) + " is out of range");
  size_t ax = static_cast<size_t>(axis);
  requireStatic(op, first.shape[ax], "the concatenation axis");
  Shape out = first.shape;
  for (size_t k = 1; k < in.size(); ++k) {
    const TensorType &t = in[k];
    if (t.dtype != first.dtype || t.shape.rank() != first.shape.rank()) fail(op, "operands differ: " + first.str() + " and " + t.str());
    for (size_t i = 0; i < t.shape.rank(); ++i) {
      if (i == ax) continue;
      if (t.shape[i] != first.shape[i])
        fail(op, "operands differ outside axis " + std::to_string(axis) + ": " + first.str() + " and " + t.str());
    }
    requireStatic(op, t.shape[ax], "the concatenation axis");
    out[ax] += t.shape[ax];
    if (out[ax] > kMaxExtent) fail(op, "the result is too large");
  }
  return TensorType{first.dtype, out};
}

TensorType matmul(Op op, const TensorType &x, const TensorType &w) {
  requireFloat(op, x);
  if (x.dtype != w.dtype) fail(op, "operands differ in type: " + x.str() + " and " + w.str());
  size_t r = x.shape.rank();
  if (r < 2 || w.shape.rank() != r) fail(op, "operands must have the same rank, at least 2: " + x.str() + " and " + w.str());
  for (size_t i = 0; i + 2 < r; ++i)
    if (x.shape[i] != w.shape[i]) fail(op, "leading dimensions differ: " + x.str() + " and " + w.str());
  // The contracted dimension may be the batch dimension on both sides: the
  // weight gradient of x[B, K] @ w[K, N] is x^T[K, B] @ dy[B, N].
  Dim k1 = x.shape[r - 1], k2 = w.shape[r - 2];
  if (k1 != k2)
    fail(op, "inner dimensions differ: " + x.str() + " @ " + w.str() + " (" + dimStr(k1) + " vs " + dimStr(k2) + ")");
  Shape out = x.shape;
  out[r - 1] = w.shape[r - 1];
  if (out.rank() && std::count(out.dims().begin(), out.dims().end(), kBatch) > 1)
    fail(op, "result would have two batch dimensions");
  return TensorType{x.dtype, out};
}

TensorType conv2d(Op op, const TensorType &x, const TensorType &w, const Attrs &a) {
  requireFloat(op, x);
  if (x.dtype != w.dtype) fail(op, "operands differ in type: " + x.str() + " and " + w.str());
  if (x.shape.rank() != 4) fail(op, "input must be [N, H, W, C], got " + x.str());
  if (w.shape.rank() != 4) fail(op, "filter must be [KH, KW, C, F], got " + w.str());
  for (size_t i = 0; i < 4; ++i) requireStatic(op, w.shape[i], "a filter dimension");
  requireStatic(op, x.shape[3], "the channel dimension");
  if (x.shape[3] != w.shape[2])
    fail(op, "input has " + std::to_string(x.shape[3]) + " channels but the filter expects " + std::to_string(w.shape[2]));
  auto stride = attrInts(op, a, "stride", 2), pad = attrInts(op, a, "pad", 4);
  Dim oh = windowExtent(op, x.shape[1], w.shape[0], stride[0], pad[0], pad[1]);
  Dim ow = windowExtent(op, x.shape[2], w.shape[1], stride[1], pad[2], pad[3]);
  return TensorType{x.dtype, Shape{x.shape[0], oh, ow, w.shape[3]}};
}

TensorType pool2d(Op op, const TensorType &x, const Attrs &a) {
  requireFloat(op, x);
  if (x.shape.rank() != 4) fail(op, "input must be [N, H, W, C], got " + x.str());
  auto window = attrInts(op, a, "window", 2), stride = attrInts(op, a, "stride", 2), pad = attrInts(op, a, "pad", 4);
  Dim oh = windowExtent(op, x.shape[1], window[0], stride[0], pad[0], pad[1]);
  Dim ow = windowExtent(op, x.shape[2], window[1], stride[1], pad[2], pad[3]);
  return TensorType{x.dtype, Shape{x.shape[0], oh, ow, x.shape[3]}};
}

// The backward ops check that the forward op they are the adjoint of maps
// their result type to the type of their gradient operand.
void requireForwardType(Op op, const TensorType &forward, const TensorType &dy) {
  if (forward != dy) fail(op, "the gradient " + dy.str() + " does not match the forward result " + forward.str());
}

TensorType scatterAdd(Op op, const TensorType &updates, const TensorType &idx, const Attrs &a) {
  Shape out = attrShape(op, a);
  if (out.rank() < 1) fail(op, "the result must have rank 1 or more, got " + out.str());
  requireStatic(op, out[0], "the result's first dimension");
  requireNumeric(op, updates);
  if (idx.dtype != DType::I32) fail(op, "indices must be i32, got " + idx.str());
  std::vector<Dim> dims = idx.shape.dims();
  dims.insert(dims.end(), out.dims().begin() + 1, out.dims().end());
  if (updates.shape != Shape(dims))
    fail(op, "updates " + updates.str() + " do not fit indices " + idx.str() + " and result shape " + out.str());
  return TensorType{updates.dtype, out};
}

TensorType conv2dGradInput(Op op, const TensorType &dy, const TensorType &w, const Attrs &a) {
  TensorType x{dy.dtype, attrShape(op, a)};
  requireForwardType(op, conv2d(op, x, w, a), dy);
  return x;
}

TensorType conv2dGradFilter(Op op, const TensorType &x, const TensorType &dy, const Attrs &a) {
  TensorType w{x.dtype, attrShape(op, a)};
  requireForwardType(op, conv2d(op, x, w, a), dy);
  return w;
}

} // namespace

TensorType inferType(Op op, const std::vector<TensorType> &in, const Attrs &a) {
  const OpInfo &info = opInfo(op);
  if (info.arity >= 0 && in.size() != static_cast<size_t>(info.arity))
    fail(op, "expects " + std::to_string(info.arity) + " operands, got " + std::to_string(in.size()));
  switch (op) {
  case Op::Input:
  case Op::Param:
    return TensorType{attrDType(op, a, DType::F32), attrShape(op, a)};
  case Op::Constant: {
    TensorType t{attrDType(op, a, DType::F32), attrShape(op, a)};
    if (t.shape.hasBatch()) fail(op, "a constant cannot have the batch dimension");
    size_t n = a.getFloats("value").size();
    if (n != 1 && static_cast<int64_t>(n) != t.shape.numel())
      fail(op, std::to_string(n) + " values do not fill " + t.str());
    return t;
  }
  case Op::RandomUniform:
  case Op::RandomNormal: {
    TensorType t{attrDType(op, a, DType::F32), attrShape(op, a)};
    requireFloat(op, t);
    if (in.size() > 1) fail(op, "takes at most one operand (the key)");
    if (in.size() == 1 && (in[0].dtype != DType::I32 || in[0].shape.rank() != 0))
      fail(op, "the key must be i32[], got " + in[0].str());
    return t;
  }
  case Op::Neg: case Op::Abs: case Op::Sign: case Op::Exp: case Op::Log: case Op::Sqrt: case Op::Tanh:
  case Op::Sin: case Op::Cos: case Op::Floor: case Op::Not: case Op::Cast: case Op::StopGradient:
  case Op::Add: case Op::Sub: case Op::Mul: case Op::Div: case Op::Pow: case Op::Maximum: case Op::Minimum:
  case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::And: case Op::Or:
  case Op::Select:
    return elementwise(op, in, a);
  case Op::Broadcast:
    return broadcast(op, in[0], a);
  case Op::ReduceSum: case Op::ReduceMax: case Op::ReduceMin: case Op::ReduceMean: case Op::ArgMax:
    return reduce(op, in[0], a);
  case Op::Reshape:
    return reshape(op, in[0], a);
  case Op::Transpose:
    return transpose(op, in[0], a);
  case Op::Slice:
    return slice(op, in[0], a);
  case Op::Pad:
    return pad(op, in[0], a);
  case Op::Concat:
    return concat(op, in, a);
  case Op::MatMul:
    return matmul(op, in[0], in[1]);
  case Op::Gather: {
    const TensorType &table = in[0], &idx = in[1];
    if (table.shape.rank() < 1) fail(op, "the table must have rank 1 or more, got " + table.str());
    requireStatic(op, table.shape[0], "the table's first dimension");
    if (idx.dtype != DType::I32) fail(op, "indices must be i32, got " + idx.str());
    std::vector<Dim> dims = idx.shape.dims();
    dims.insert(dims.end(), table.shape.dims().begin() + 1, table.shape.dims().end());
    if (std::count(dims.begin(), dims.end(), kBatch) > 1) fail(op, "result would have two batch dimensions");
    return TensorType{table.dtype, Shape(dims)};
  }
  case Op::OneHot: {
    if (in[0].dtype != DType::I32) fail(op, "indices must be i32, got " + in[0].str());
    int64_t depth = bounded(op, a.getInt("depth"), "depth");
    if (depth < 1) fail(op, "depth must be positive");
    std::vector<Dim> dims = in[0].shape.dims();
    dims.push_back(depth);
    return TensorType{attrDType(op, a, DType::F32), Shape(dims)};
  }
  case Op::Conv2D:
    return conv2d(op, in[0], in[1], a);
  case Op::MaxPool2D:
  case Op::AvgPool2D:
    return pool2d(op, in[0], a);
  case Op::ScatterAdd:
    return scatterAdd(op, in[0], in[1], a);
  case Op::Conv2DGradInput:
    return conv2dGradInput(op, in[0], in[1], a);
  case Op::Conv2DGradFilter:
    return conv2dGradFilter(op, in[0], in[1], a);
  case Op::MaxPool2DGrad:
    requireForwardType(op, pool2d(op, in[0], a), in[1]);
    return in[0];
  case Op::AvgPool2DGrad: {
    TensorType x{in[0].dtype, attrShape(op, a)};
    requireForwardType(op, pool2d(op, x, a), in[0]);
    return x;
  }
  }
  fail(op, "unknown op");
}

} // namespace nnc::ir
