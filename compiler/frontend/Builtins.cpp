// The builtin functions of the language: the primitive ops as functions, and
// the compile-time helpers the standard library is written with. Everything
// else (activations, layers, losses, initializers) is .nn in stdlib/.
#include "frontend/ElabContext.h"

#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>

namespace nnc {

namespace {

using Args = std::vector<Value>;
using Ranges = std::vector<SourceRange>;

bool given(const Value &v) { return v.kind != Value::None; }

// exp, log, ... : folds numbers at compile time, emits an op for tensors.
template <ir::Op op, double (*fold)(double)>
Value unaryMath(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  if (a[0].isNumber()) {
    double x = fold(a[0].number());
    if (!std::isfinite(x)) return el.error(call, std::string(ir::opName(op)) + " of " + a[0].describe() + " is not finite");
    return Value::ofFloat(x);
  }
  Value t = el.toTensor(a[0], r[0]);
  if (t.isError()) return t;
  if (!ir::isFloat(t.type().dtype))
    return el.error(r[0], std::string(ir::opName(op)) + " needs a floating-point tensor, got " + t.describe());
  return el.emit(op, {t}, {}, call);
}

double fabs_(double x) { return std::fabs(x); }
double sign_(double x) { return (x > 0) - (x < 0); }
double exp_(double x) { return std::exp(x); }
double log_(double x) { return std::log(x); }
double sqrt_(double x) { return std::sqrt(x); }
double tanh_(double x) { return std::tanh(x); }
double sin_(double x) { return std::sin(x); }
double cos_(double x) { return std::cos(x); }
double floor_(double x) { return std::floor(x); }

template <ir::Op op>
Value binaryFn(Elab &el, Args &a, const Ranges &, SourceRange call) {
  if (a[0].isNumber() && a[1].isNumber()) {
    double x = a[0].number(), y = a[1].number();
    double v = op == ir::Op::Maximum ? std::max(x, y) : std::min(x, y);
    return a[0].kind == Value::Int && a[1].kind == Value::Int ? Value::ofInt(static_cast<int64_t>(v)) : Value::ofFloat(v);
  }
  return el.binary(op, a[0], a[1], call, ir::opName(op));
}

// The value of x, through which no gradient flows.
Value stopGradient(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  if (a[0].isNumber()) return a[0];
  Value t = el.toTensor(a[0], r[0]);
  if (t.isError()) return t;
  return el.emit(ir::Op::StopGradient, {t}, {}, call);
}

Value where(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  if (a[0].kind == Value::Bool) return a[0].b ? a[1] : a[2];
  Value c = el.toTensor(a[0], r[0]);
  if (c.isError()) return c;
  if (c.type().dtype != ir::DType::Bool) return el.error(r[0], "the condition of `where` must be bool, got " + c.describe());
  Value x = el.toTensor(a[1], r[1], a[2].kind == Value::Tensor ? &a[2] : nullptr);
  Value y = el.toTensor(a[2], r[2], &x);
  Value shapeOf = el.binary(ir::Op::Add, x, y, call, "where");
  if (shapeOf.isError()) return shapeOf;
  Value probe = el.binary(ir::Op::Eq, c, el.toTensor(Value::ofBool(true), call), call, "where");
  if (probe.isError()) return probe;
  // The common shape of all three operands.
  std::vector<ir::Dim> out;
  const ir::Shape &s1 = shapeOf.type().shape, &s2 = probe.type().shape;
  size_t rank = std::max(s1.rank(), s2.rank());
  for (size_t k = 0; k < rank; ++k) {
    ir::Dim d1 = k + s1.rank() >= rank ? s1[k + s1.rank() - rank] : 1;
    ir::Dim d2 = k + s2.rank() >= rank ? s2[k + s2.rank() - rank] : 1;
    if (d1 != d2 && d1 != 1 && d2 != 1)
      return el.error(call, "cannot broadcast the condition " + c.describe() + " with " + shapeOf.describe());
    out.push_back(d1 == 1 ? d2 : d1);
  }
  ir::Shape shape(out);
  return el.emit(ir::Op::Select,
                 {el.broadcastTo(c, shape, r[0]), el.broadcastTo(x, shape, r[1]), el.broadcastTo(y, shape, r[2])}, {}, call);
}

Value castTo(Elab &el, Value &x, SourceRange r, ir::DType dt) {
  Value t = el.toTensor(x, r);
  if (t.isError() || t.type().dtype == dt) return t;
  return el.emit(ir::Op::Cast, {t}, ir::Attrs{{"dtype", std::string(ir::dtypeName(dt))}}, r);
}

Value toFloat(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  if (a[0].isNumber()) return Value::ofFloat(a[0].number());
  if (a[0].kind == Value::Bool) return Value::ofFloat(a[0].b ? 1 : 0);
  Value v = castTo(el, a[0], r[0], ir::DType::F32);
  (void)call;
  return v;
}

Value toInt(Elab &el, Args &a, const Ranges &r, SourceRange) {
  if (a[0].isNumber()) return Value::ofInt(static_cast<int64_t>(std::trunc(a[0].number())));
  if (a[0].kind == Value::Bool) return Value::ofInt(a[0].b ? 1 : 0);
  return castTo(el, a[0], r[0], ir::DType::I32);
}

// sum(x, axis = all, keep = false) and friends.
template <ir::Op op>
Value reduceFn(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  Value x = el.toTensor(a[0], r[0]);
  if (x.isError()) return x;
  size_t rank = x.type().shape.rank();
  std::vector<int64_t> axes;
  if (!given(a[1])) {
    for (size_t k = 0; k < rank; ++k) axes.push_back(static_cast<int64_t>(k));
  } else {
    std::vector<ir::Dim> raw;
    if (!el.toDims(a[1], raw, r[1], "`axis`")) return Value::err();
    for (ir::Dim d : raw) {
      int64_t ax = el.normalizeAxis(d, rank, r[1]);
      if (ax < 0) return Value::err();
      axes.push_back(ax);
    }
  }
  bool keep = given(a[2]) && a[2].kind == Value::Bool && a[2].b;
  if (given(a[2]) && a[2].kind != Value::Bool) return el.error(r[2], "`keep` must be true or false, got " + a[2].describe());
  if (op == ir::Op::ReduceMean && !ir::isFloat(x.type().dtype))
    x = castTo(el, x, r[0], ir::DType::F32);
  return el.emit(op, {x}, ir::Attrs{{"axes", axes}, {"keep", int64_t(keep)}}, call);
}

Value argmax(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  Value x = el.toTensor(a[0], r[0]);
  if (x.isError()) return x;
  int64_t axis = -1;
  if (given(a[1])) {
    if (a[1].kind != Value::Int || a[1].batch) return el.error(r[1], "`axis` must be an int, got " + a[1].describe());
    axis = a[1].i;
  }
  axis = el.normalizeAxis(axis, x.type().shape.rank(), given(a[1]) ? r[1] : call);
  if (axis < 0) return Value::err();
  return el.emit(ir::Op::ArgMax, {x}, ir::Attrs{{"axis", axis}, {"keep", int64_t(0)}}, call);
}

Value reshapeFn(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  Value x = el.toTensor(a[0], r[0]);
  std::vector<ir::Dim> dims;
  if (x.isError() || !el.toDims(a[1], dims, r[1], "the shape")) return Value::err();
  // One -1 is inferred from the element count.
  int infer = -1;
  int64_t known = 1;
  for (size_t k = 0; k < dims.size(); ++k) {
    if (dims[k] == -1 && a[1].elems.size() > k && !a[1].elems[k].batch) {
      if (infer >= 0) return el.error(r[1], "only one dimension can be -1");
      infer = static_cast<int>(k);
      dims[k] = 1;
    } else if (dims[k] != ir::kBatch) {
      if (dims[k] < 1) return el.error(r[1], "dimensions must be positive");
      known *= dims[k];
    }
  }
  if (infer >= 0) {
    int64_t total = x.type().shape.staticNumel();
    if (total % known) return el.error(r[1], "cannot infer the -1 dimension: " + std::to_string(total) + " elements");
    dims[static_cast<size_t>(infer)] = total / known;
    known = total;
  }
  // As Keras' Reshape: a shape without the batch dimension reshapes each
  // sample, `reshape(image, [28, 28, 1])` of an f32[B, 28, 28].
  const ir::Shape &xs = x.type().shape;
  bool batchGiven = std::find(dims.begin(), dims.end(), ir::kBatch) != dims.end();
  if (!batchGiven && xs.rank() > 0 && xs[0] == ir::kBatch && known == xs.staticNumel()) dims.insert(dims.begin(), ir::kBatch);
  return el.emit(ir::Op::Reshape, {x}, ir::Attrs{{"shape", dims}}, call);
}

Value flatten(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  Value x = el.toTensor(a[0], r[0]);
  if (x.isError()) return x;
  const ir::Shape &s = x.type().shape;
  if (s.rank() < 2) return x;
  std::vector<ir::Dim> dims{s[0], 1};
  for (size_t k = 1; k < s.rank(); ++k) {
    if (s[k] == ir::kBatch) return el.error(r[0], "flatten keeps the first dimension; the batch dimension must be first");
    dims[1] *= s[k];
  }
  return el.emit(ir::Op::Reshape, {x}, ir::Attrs{{"shape", dims}}, call);
}

Value transposeFn(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  Value x = el.toTensor(a[0], r[0]);
  if (x.isError()) return x;
  size_t rank = x.type().shape.rank();
  std::vector<int64_t> perm;
  if (given(a[1])) {
    std::vector<ir::Dim> raw;
    if (!el.toDims(a[1], raw, r[1], "the permutation")) return Value::err();
    for (ir::Dim d : raw) perm.push_back(el.normalizeAxis(d, rank, r[1]));
    for (int64_t p : perm)
      if (p < 0) return Value::err();
  } else {
    for (size_t k = rank; k-- > 0;) perm.push_back(static_cast<int64_t>(k));
  }
  return el.emit(ir::Op::Transpose, {x}, ir::Attrs{{"perm", perm}}, call);
}

Value concatFn(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  if (a[0].kind != Value::List && a[0].kind != Value::Tuple)
    return el.error(r[0], "`concat` takes a list of tensors, got " + a[0].describe());
  if (a[0].elems.empty()) return el.error(r[0], "`concat` needs at least one tensor");
  std::vector<Value> parts;
  for (const Value &v : a[0].elems) parts.push_back(el.toTensor(v, r[0]));
  int64_t axis = -1;
  if (given(a[1])) {
    if (a[1].kind != Value::Int || a[1].batch) return el.error(r[1], "`axis` must be an int");
    axis = a[1].i;
  }
  if (parts[0].isError()) return parts[0];
  axis = el.normalizeAxis(axis, parts[0].type().shape.rank(), given(a[1]) ? r[1] : call);
  if (axis < 0) return Value::err();
  return el.emit(ir::Op::Concat, parts, ir::Attrs{{"axis", axis}}, call);
}

Value oneHot(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  Value x = el.toTensor(a[0], r[0]);
  if (x.isError()) return x;
  if (a[1].kind != Value::Int || a[1].batch || a[1].i < 1) return el.error(r[1], "`depth` must be a positive int, got " + a[1].describe());
  if (x.type().dtype != ir::DType::I32) x = castTo(el, x, r[0], ir::DType::I32);
  return el.emit(ir::Op::OneHot, {x}, ir::Attrs{{"depth", a[1].i}, {"dtype", std::string("f32")}}, call);
}

Value gatherFn(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  Value t = el.toTensor(a[0], r[0]), i = el.toTensor(a[1], r[1]);
  if (t.isError() || i.isError()) return Value::err();
  return el.emit(ir::Op::Gather, {t, i}, {}, call);
}

Value matmulFn(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  Value x = el.toTensor(a[0], r[0]), w = el.toTensor(a[1], r[1]);
  return el.emit(ir::Op::MatMul, {x, w}, {}, call);
}

// stack([a, b, ...], axis): tensors of one shape, joined along a new axis.
// A reshape that inserts the axis, then a concat: no op of its own.
Value stackFn(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  if (a[0].kind != Value::List && a[0].kind != Value::Tuple)
    return el.error(r[0], "`stack` takes a list of tensors, got " + a[0].describe());
  if (a[0].elems.empty()) return el.error(r[0], "`stack` needs at least one tensor");
  std::vector<Value> parts;
  for (const Value &v : a[0].elems) {
    parts.push_back(el.toTensor(v, r[0]));
    if (parts.back().isError()) return Value::err();
  }
  const ir::TensorType first = parts[0].type(); // a copy: emit() may move the graph's nodes
  int64_t axis = 0;
  if (given(a[1])) {
    if (a[1].kind != Value::Int || a[1].batch) return el.error(r[1], "`axis` must be an int, got " + a[1].describe());
    axis = a[1].i;
  }
  axis = el.normalizeAxis(axis, first.shape.rank() + 1, given(a[1]) ? r[1] : call);
  if (axis < 0) return Value::err();
  std::vector<ir::Dim> dims = first.shape.dims();
  dims.insert(dims.begin() + axis, 1);
  for (Value &p : parts) {
    if (p.type() != first)
      return el.error(r[0], "`stack` needs tensors of one type, got " + first.str() + " and " + p.type().str());
    p = el.emit(ir::Op::Reshape, {p}, ir::Attrs{{"shape", dims}}, call);
  }
  if (parts.size() == 1) return parts[0];
  return el.emit(ir::Op::Concat, parts, ir::Attrs{{"axis", axis}}, call);
}

// A number as a user wrote it: 0.25, 3, 1e+20.
std::string numberText(double x) {
  std::ostringstream ss;
  ss << std::setprecision(12) << x;
  return ss.str();
}

// The bounds of range() and arange(): (stop), (start, stop) or (start, stop, step).
bool rangeBounds(Elab &el, Args &a, const Ranges &r, const char *fn, bool ints, double out[3]) {
  out[0] = 0;
  out[2] = 1;
  for (size_t k = 0; k < 3; ++k) {
    if (!given(a[k])) continue;
    bool ok = ints ? a[k].kind == Value::Int && !a[k].batch : a[k].isNumber();
    if (!ok) {
      el.error(r[k], std::string("`") + fn + "` takes " + (ints ? "ints" : "numbers") + ", got " + a[k].describe());
      return false;
    }
  }
  if (given(a[1])) {
    out[0] = a[0].number();
    out[1] = a[1].number();
  } else {
    out[1] = a[0].number();
  }
  if (given(a[2])) out[2] = a[2].number();
  if (out[2] == 0) {
    el.error(r[2], std::string("the step of `") + fn + "` cannot be 0");
    return false;
  }
  return true;
}

// range(n), range(a, b), range(a, b, step): the list of ints a, a + step, ...
// up to b (excluded), as in Python. For `for` loops, at compile time.
Value rangeFn(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  constexpr uint64_t kMaxRange = 100000;
  double checked[3]; // as doubles, only checked: the ints are read exactly below
  if (!rangeBounds(el, a, r, "range", true, checked)) return Value::err();
  int64_t start = given(a[1]) ? a[0].i : 0, stop = given(a[1]) ? a[1].i : a[0].i;
  int64_t step = given(a[2]) ? a[2].i : 1;
  // Counted in uint64: the distance between two int64s always fits.
  bool up = step > 0;
  uint64_t span = up ? (stop > start ? uint64_t(stop) - uint64_t(start) : 0)
                     : (start > stop ? uint64_t(start) - uint64_t(stop) : 0);
  uint64_t stride = up ? uint64_t(step) : uint64_t(0) - uint64_t(step);
  uint64_t count = span / stride + (span % stride != 0);
  if (count > kMaxRange)
    return el.error(call, "`range` is limited to " + std::to_string(kMaxRange) + " elements, got " + std::to_string(count));
  std::vector<Value> elems;
  // start + k * step lies between start and stop: it fits in int64.
  for (uint64_t k = 0; k < count; ++k) elems.push_back(Value::ofInt(int64_t(uint64_t(start) + k * uint64_t(step))));
  return Value::ofList(std::move(elems));
}

// arange(n), arange(a, b), arange(a, b, step): a constant f32[count] holding
// a, a + step, ... up to b (excluded), as numpy's. In a data block it is the
// same for every sample (no batch dimension); broadcasting against per-sample
// values gives each sample its own copy: `t0 + 0.1 * arange(50)`.
Value arangeFn(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  constexpr double kMaxElems = 1 << 20;
  double b[3];
  if (!rangeBounds(el, a, r, "arange", false, b)) return Value::err();
  double count = std::ceil((b[1] - b[0]) / b[2]);
  if (!(count >= 1))
    return el.error(call, "`arange` would be empty: no value from " + numberText(b[0]) + " to " + numberText(b[1]) +
                              " by " + numberText(b[2]));
  if (count > kMaxElems)
    return el.error(call, "`arange` is limited to 2^20 elements; this would hold " + numberText(count));
  std::vector<double> values(static_cast<size_t>(count));
  for (size_t k = 0; k < values.size(); ++k) values[k] = b[0] + static_cast<double>(k) * b[2];
  ir::Graph &g = *el.ctx().graph;
  el.tagSource(call);
  ir::TensorType type{ir::DType::F32, ir::Shape{static_cast<ir::Dim>(values.size())}};
  return Value::ofTensor(&g, g.constant(values, type));
}

// A pair of ints from an int or a list of two.
bool pairOf(Elab &el, const Value &v, SourceRange r, const char *what, int64_t dflt, int64_t out[2]) {
  if (!given(v)) {
    out[0] = out[1] = dflt;
    return true;
  }
  std::vector<ir::Dim> d;
  if (!el.toDims(v, d, r, what)) return false;
  if (d.size() == 1) d.push_back(d[0]);
  if (d.size() != 2 || d[0] < 1 || d[1] < 1) {
    el.error(r, std::string(what) + " must be a positive int or a list of two");
    return false;
  }
  out[0] = d[0];
  out[1] = d[1];
  return true;
}

// Paddings [top, bottom, left, right] for "valid" or "same" (TensorFlow's rule).
bool paddingOf(Elab &el, const Value &v, SourceRange r, const ir::Shape &x, const int64_t k[2], const int64_t s[2],
               std::vector<int64_t> &pad) {
  std::string mode = given(v) ? (v.kind == Value::String ? v.s : "?") : "valid";
  pad.assign(4, 0);
  if (mode == "valid") return true;
  if (mode != "same") {
    el.error(r, "`padding` must be \"valid\" or \"same\", got " + v.describe());
    return false;
  }
  for (int d = 0; d < 2; ++d) {
    int64_t in = x[static_cast<size_t>(1 + d)];
    if (in == ir::kBatch) return true;
    int64_t outSize = (in + s[d] - 1) / s[d];
    int64_t total = std::max<int64_t>(0, (outSize - 1) * s[d] + k[d] - in);
    pad[static_cast<size_t>(2 * d)] = total / 2;
    pad[static_cast<size_t>(2 * d + 1)] = total - total / 2;
  }
  return true;
}

Value conv2d(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  Value x = el.toTensor(a[0], r[0]), w = el.toTensor(a[1], r[1]);
  if (x.isError() || w.isError()) return Value::err();
  if (x.type().shape.rank() != 4) return el.error(r[0], "conv2d needs an input [N, H, W, C], got " + x.describe());
  if (w.type().shape.rank() != 4) return el.error(r[1], "conv2d needs a filter [KH, KW, C, F], got " + w.describe());
  int64_t stride[2];
  if (!pairOf(el, a[2], r[2], "`stride`", 1, stride)) return Value::err();
  int64_t k[2] = {w.type().shape[0], w.type().shape[1]};
  std::vector<int64_t> pad;
  if (!paddingOf(el, a[3], r[3], x.type().shape, k, stride, pad)) return Value::err();
  return el.emit(ir::Op::Conv2D, {x, w}, ir::Attrs{{"stride", std::vector<int64_t>{stride[0], stride[1]}}, {"pad", pad}}, call);
}

template <ir::Op op>
Value pool(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  Value x = el.toTensor(a[0], r[0]);
  if (x.isError()) return x;
  if (x.type().shape.rank() != 4) return el.error(r[0], "pooling needs an input [N, H, W, C], got " + x.describe());
  int64_t size[2], stride[2];
  if (!pairOf(el, a[1], r[1], "`size`", 2, size)) return Value::err();
  if (!pairOf(el, a[2], r[2], "`stride`", size[0], stride)) return Value::err();
  if (!given(a[2])) stride[1] = size[1];
  std::vector<int64_t> pad;
  if (!paddingOf(el, a[3], r[3], x.type().shape, size, stride, pad)) return Value::err();
  return el.emit(op,
                 {x}, ir::Attrs{{"window", std::vector<int64_t>{size[0], size[1]}}, {"stride", std::vector<int64_t>{stride[0], stride[1]}}, {"pad", pad}},
                 call);
}

// The shape argument of uniform/normal/fill; data blocks prepend the batch.
bool randomShape(Elab &el, const Value &v, SourceRange r, std::vector<ir::Dim> &dims) {
  if (!el.toDims(v, dims, r, "the shape", true)) return false;
  if (el.ctx().perSample) dims.insert(dims.begin(), ir::kBatch);
  return true;
}

template <ir::Op op>
Value randomFn(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  std::vector<ir::Dim> dims;
  if (!randomShape(el, a[0], r[0], dims)) return Value::err();
  for (int k : {1, 2})
    if (given(a[static_cast<size_t>(k)]) && !a[static_cast<size_t>(k)].isNumber() && a[static_cast<size_t>(k)].kind != Value::Tensor)
      return el.error(r[static_cast<size_t>(k)], "expected a number, got " + a[static_cast<size_t>(k)].describe());
  std::vector<Value> key;
  if (el.ctx().randomKey >= 0) key.push_back(Value::ofTensor(el.ctx().graph, el.ctx().randomKey));
  Value u = el.emit(op, key, ir::Attrs{{"shape", dims}, {"dtype", std::string("f32")}, {"seed", el.nextSeed()}}, call);
  // uniform: lo + (hi - lo) * u; normal: mean + std * n.
  bool uniform = op == ir::Op::RandomUniform;
  Value lo = given(a[1]) ? a[1] : Value::ofFloat(0);
  Value hi = given(a[2]) ? a[2] : Value::ofFloat(1);
  Value scale = uniform ? (lo.isNumber() && hi.isNumber() ? Value::ofFloat(hi.number() - lo.number())
                                                           : el.binary(ir::Op::Sub, hi, lo, call, "-"))
                        : hi;
  if (!(scale.isNumber() && scale.number() == 1)) u = el.binary(ir::Op::Mul, u, scale, call, "*");
  if (!(lo.isNumber() && lo.number() == 0)) u = el.binary(ir::Op::Add, u, lo, call, "+");
  return u;
}

Value fillFn(Elab &el, Args &a, const Ranges &r, SourceRange call) {
  std::vector<ir::Dim> dims;
  if (!randomShape(el, a[0], r[0], dims)) return Value::err();
  Value v = el.toTensor(given(a[1]) ? a[1] : Value::ofFloat(0), r[1]);
  if (v.isError()) return v;
  return el.broadcastTo(v, ir::Shape(dims), call);
}

Value shapeFn(Elab &el, Args &a, const Ranges &r, SourceRange) {
  if (a[0].kind != Value::Tensor) return el.error(r[0], "`shape` needs a tensor, got " + a[0].describe());
  std::vector<Value> dims;
  for (ir::Dim d : a[0].type().shape.dims()) dims.push_back(d == ir::kBatch ? Value::ofBatch() : Value::ofInt(d));
  return Value::ofList(dims);
}

Value rankFn(Elab &el, Args &a, const Ranges &r, SourceRange) {
  if (a[0].kind != Value::Tensor) return el.error(r[0], "`rank` needs a tensor, got " + a[0].describe());
  return Value::ofInt(static_cast<int64_t>(a[0].type().shape.rank()));
}

Value lenFn(Elab &el, Args &a, const Ranges &r, SourceRange) {
  if (a[0].kind == Value::List || a[0].kind == Value::Tuple) return Value::ofInt(static_cast<int64_t>(a[0].elems.size()));
  if (a[0].kind == Value::Tensor && a[0].type().shape.rank() > 0 && a[0].type().shape[0] != ir::kBatch)
    return Value::ofInt(a[0].type().shape[0]);
  return el.error(r[0], "`len` needs a list or a tensor with a static first dimension, got " + a[0].describe());
}

// Fans as Keras computes them: a dense kernel [in, out]; a conv kernel
// [kh, kw, in, out] multiplies both by the receptive field.
template <bool in>
Value fanFn(Elab &el, Args &a, const Ranges &r, SourceRange) {
  std::vector<ir::Dim> d;
  if (!el.toDims(a[0], d, r[0], "the shape")) return Value::err();
  if (d.empty()) return Value::ofInt(1);
  if (d.size() == 1) return Value::ofInt(d[0]);
  int64_t receptive = 1;
  for (size_t k = 0; k + 2 < d.size(); ++k) receptive *= d[k];
  return Value::ofInt(receptive * d[d.size() - (in ? 2 : 1)]);
}

const std::vector<Builtin> &table() {
  static const std::vector<Builtin> t = {
      {"exp", {{"x", true}}, unaryMath<ir::Op::Exp, exp_>},
      {"log", {{"x", true}}, unaryMath<ir::Op::Log, log_>},
      {"sqrt", {{"x", true}}, unaryMath<ir::Op::Sqrt, sqrt_>},
      {"tanh", {{"x", true}}, unaryMath<ir::Op::Tanh, tanh_>},
      {"sin", {{"x", true}}, unaryMath<ir::Op::Sin, sin_>},
      {"cos", {{"x", true}}, unaryMath<ir::Op::Cos, cos_>},
      {"abs", {{"x", true}}, unaryMath<ir::Op::Abs, fabs_>},
      {"sign", {{"x", true}}, unaryMath<ir::Op::Sign, sign_>},
      {"floor", {{"x", true}}, unaryMath<ir::Op::Floor, floor_>},
      {"stop_gradient", {{"x", true}}, stopGradient},
      {"maximum", {{"a", true}, {"b", true}}, binaryFn<ir::Op::Maximum>},
      {"minimum", {{"a", true}, {"b", true}}, binaryFn<ir::Op::Minimum>},
      {"where", {{"cond", true}, {"a", true}, {"b", true}}, where},
      {"float", {{"x", true}}, toFloat},
      {"int", {{"x", true}}, toInt},
      {"sum", {{"x", true}, {"axis", false}, {"keep", false}}, reduceFn<ir::Op::ReduceSum>},
      {"mean", {{"x", true}, {"axis", false}, {"keep", false}}, reduceFn<ir::Op::ReduceMean>},
      {"max", {{"x", true}, {"axis", false}, {"keep", false}}, reduceFn<ir::Op::ReduceMax>},
      {"min", {{"x", true}, {"axis", false}, {"keep", false}}, reduceFn<ir::Op::ReduceMin>},
      {"argmax", {{"x", true}, {"axis", false}}, argmax},
      {"reshape", {{"x", true}, {"shape", true}}, reshapeFn},
      {"flatten", {{"x", true}}, flatten},
      {"transpose", {{"x", true}, {"perm", false}}, transposeFn},
      {"concat", {{"xs", true}, {"axis", false}}, concatFn},
      {"stack", {{"xs", true}, {"axis", false}}, stackFn},
      {"one_hot", {{"indices", true}, {"depth", true}}, oneHot},
      {"standardize", {{"x", true}}, standardizeFn},
      {"scale", {{"x", true}}, scaleFn},
      {"gather", {{"table", true}, {"indices", true}}, gatherFn},
      {"matmul", {{"a", true}, {"b", true}}, matmulFn},
      {"conv2d", {{"x", true}, {"w", true}, {"stride", false}, {"padding", false}}, conv2d},
      {"max_pool", {{"x", true}, {"size", false}, {"stride", false}, {"padding", false}}, pool<ir::Op::MaxPool2D>},
      {"avg_pool", {{"x", true}, {"size", false}, {"stride", false}, {"padding", false}}, pool<ir::Op::AvgPool2D>},
      {"uniform", {{"shape", true}, {"low", false}, {"high", false}}, randomFn<ir::Op::RandomUniform>},
      {"normal", {{"shape", true}, {"mean", false}, {"std", false}}, randomFn<ir::Op::RandomNormal>},
      {"fill", {{"shape", true}, {"value", false}}, fillFn},
      {"shape", {{"x", true}}, shapeFn},
      {"rank", {{"x", true}}, rankFn},
      {"len", {{"x", true}}, lenFn},
      {"range", {{"start", true}, {"stop", false}, {"step", false}}, rangeFn},
      {"arange", {{"start", true}, {"stop", false}, {"step", false}}, arangeFn},
      {"fan_in", {{"shape", true}}, fanFn<true>},
      {"fan_out", {{"shape", true}}, fanFn<false>},
  };
  return t;
}

} // namespace

const Builtin *findBuiltin(const std::string &name) {
  for (const Builtin &b : table())
    if (name == b.name) return &b;
  return nullptr;
}

std::vector<std::string> builtinNames() {
  std::vector<std::string> names;
  for (const Builtin &b : table()) names.push_back(b.name);
  return names;
}

} // namespace nnc
