// Private to the interpreter: the per-op kernels and the helpers they share.
// Interpreter.cpp dispatches to these from its one switch over ir::Op.
#pragma once

#include "ir/Interpreter.h"

#include <cstddef>
#include <string>
#include <vector>

namespace nnc::ir::interp {

// One op application: the node, its operand values and its result type with
// the batch dimension bound (so kernels never see kBatch).
struct Call {
  const Node &node;
  const std::vector<const Tensor *> &args;
  TensorType type;
  const Bindings &bindings;

  const Tensor &arg(size_t i) const { return *args[i]; }
  const Attrs &attrs() const { return node.attrs; }
  bool isInt() const { return type.dtype == DType::I32; }
  // A zero-filled result of the call's type.
  Tensor result() const { return Tensor::filled(type, 0.0); }
};

// Throws InterpError("<op>: <msg>").
[[noreturn]] void fail(const Call &c, const std::string &msg);

// `v` as a value of dtype `to`: floats pass through, i32 truncates toward zero
// and saturates (NaN becomes 0), bool is v != 0.
double castTo(DType to, double v);
// An integral double reduced modulo 2^32 into the i32 range, as wrapping
// 32-bit arithmetic would leave it.
double wrapI32(double v);
// Rounds a double to the nearest float, overflowing to +-inf as IEEE does.
double roundF32(double v);

// Row-major strides of a concrete shape.
std::vector<int64_t> stridesOf(const Shape &s);
// Advances a row-major multi-index over `s`; false after the last one.
bool nextIndex(std::vector<int64_t> &idx, const Shape &s);

// Elementwise maps; the result type is the call's type.
template <class F> Tensor unary(const Call &c, F f) {
  Tensor r = c.result();
  const std::vector<double> &x = c.arg(0).data;
  for (size_t i = 0; i < r.data.size(); ++i)
    r.data[i] = f(x[i]);
  return r;
}

template <class F> Tensor binary(const Call &c, F f) {
  Tensor r = c.result();
  const std::vector<double> &x = c.arg(0).data, &y = c.arg(1).data;
  for (size_t i = 0; i < r.data.size(); ++i)
    r.data[i] = f(x[i], y[i]);
  return r;
}

template <class F> Tensor ternary(const Call &c, F f) {
  Tensor r = c.result();
  const std::vector<double> &x = c.arg(0).data, &y = c.arg(1).data, &z = c.arg(2).data;
  for (size_t i = 0; i < r.data.size(); ++i)
    r.data[i] = f(x[i], y[i], z[i]);
  return r;
}

// Sources.
Tensor constant(const Call &c);
Tensor randomUniform(const Call &c);
Tensor randomNormal(const Call &c);

// Broadcast, reductions and layout.
Tensor broadcast(const Call &c);
enum class Reduction { Sum, Max, Min, Mean };
Tensor reduce(const Call &c, Reduction kind);
Tensor argMax(const Call &c);
Tensor reshape(const Call &c);
Tensor transpose(const Call &c);
Tensor slice(const Call &c);
Tensor pad(const Call &c);
Tensor concat(const Call &c);

// An i32 index checked against [0, size); InterpError otherwise.
int64_t checkedIndex(const Call &c, double v, int64_t size);

// The geometry shared by conv2d, the pools and their backward ops: the
// forward op's input and result, both NHWC.
struct Window {
  int64_t n, h, w, c; // input
  int64_t oh, ow, oc; // result
  int64_t kh, kw;     // window
  int64_t sh, sw;     // stride
  int64_t top, left;  // padding before each spatial axis
  // The input row/column where the window of output row y / column x starts;
  // negative inside the top/left padding.
  int64_t row0(int64_t y) const { return y * sh - top; }
  int64_t col0(int64_t x) const { return x * sw - left; }
  int64_t in(int64_t b, int64_t iy, int64_t ix) const { return ((b * h + iy) * w + ix) * c; }
  int64_t out(int64_t b, int64_t y, int64_t x) const { return ((b * oh + y) * ow + x) * oc; }
};

// The window of a forward op with input shape `x`, result shape `r`, a kh x kw
// window and the `stride` and `pad` attributes of `a`.
Window windowOf(const Shape &x, const Shape &r, int64_t kh, int64_t kw, const Attrs &a);

// The window offsets [first, last) along one axis that land inside the input
// (padding contributes nothing). Looping over these alone also keeps a huge
// window over a tiny input cheap.
struct Span {
  int64_t first, last;
};
Span inside(int64_t start, int64_t k, int64_t size);

// Opaque kernels.
Tensor matMul(const Call &c);
Tensor gather(const Call &c);
Tensor oneHot(const Call &c);
Tensor conv2d(const Call &c);
Tensor maxPool2d(const Call &c);
Tensor avgPool2d(const Call &c);

// Backward kernels (InterpreterGradKernels.cpp).
Tensor scatterAdd(const Call &c);
Tensor conv2dGradInput(const Call &c);
Tensor conv2dGradFilter(const Call &c);
Tensor maxPool2dGrad(const Call &c);
Tensor avgPool2dGrad(const Call &c);

} // namespace nnc::ir::interp
