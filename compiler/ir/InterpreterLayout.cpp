// The interpreter's broadcast, reduction and layout kernels. Most are one
// strided copy: each result element reads the operand at
// base + sum(index[i] * step[i]).
#include "ir/InterpreterKernels.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace nnc::ir::interp {

namespace {

// Fills r in row-major order from x at base + <index, step>.
void stridedCopy(const Tensor &x, Tensor &r, int64_t base, const std::vector<int64_t> &step) {
  std::vector<int64_t> idx(r.shape().rank(), 0);
  for (size_t k = 0; k < r.data.size(); ++k) {
    int64_t src = base;
    for (size_t i = 0; i < idx.size(); ++i)
      src += idx[i] * step[i];
    r.data[k] = x.data[static_cast<size_t>(src)];
    nextIndex(idx, r.shape());
  }
}

// For reductions: the flat result position of each operand element is
// <index, step>, where step is 0 along the reduced axes. Keeping the reduced
// axes as size 1 or dropping them gives the same row-major layout.
std::vector<int64_t> reducedSteps(const Shape &x, const std::set<int64_t> &axes) {
  Shape kept = x;
  for (int64_t ax : axes)
    kept[static_cast<size_t>(ax)] = 1;
  std::vector<int64_t> step = stridesOf(kept);
  for (int64_t ax : axes)
    step[static_cast<size_t>(ax)] = 0;
  return step;
}

int64_t dot(const std::vector<int64_t> &idx, const std::vector<int64_t> &step) {
  int64_t s = 0;
  for (size_t i = 0; i < idx.size(); ++i)
    s += idx[i] * step[i];
  return s;
}

const char *reductionName(Reduction kind) {
  switch (kind) {
  case Reduction::Sum:
    return "sum";
  case Reduction::Max:
    return "max";
  case Reduction::Min:
    return "min";
  case Reduction::Mean:
    return "mean";
  }
  return "?";
}

// Max and min propagate NaN, like numpy.
double combine(Reduction kind, double acc, double v) {
  if (std::isnan(acc)) return acc;
  if (std::isnan(v)) return v;
  switch (kind) {
  case Reduction::Max:
    return std::max(acc, v);
  case Reduction::Min:
    return std::min(acc, v);
  case Reduction::Sum:
  case Reduction::Mean:
    return acc + v;
  }
  return acc;
}

} // namespace

Tensor broadcast(const Call &c) {
  const Tensor &x = c.arg(0);
  Tensor r = c.result();
  const Shape &in = x.shape(), &out = r.shape();
  size_t off = out.rank() - in.rank();
  std::vector<int64_t> inStrides = stridesOf(in), step(out.rank(), 0);
  // Operand dims align right; a size-1 dim that expands reads the same element.
  for (size_t i = 0; i < in.rank(); ++i)
    if (in[i] == out[off + i]) step[off + i] = inStrides[i];
  stridedCopy(x, r, 0, step);
  return r;
}

Tensor reduce(const Call &c, Reduction kind) {
  const Tensor &x = c.arg(0);
  Tensor r = c.result();
  auto axesList = c.attrs().getInts("axes");
  std::set<int64_t> axes(axesList.begin(), axesList.end());
  std::vector<int64_t> step = reducedSteps(x.shape(), axes);
  int64_t count = 1;
  for (int64_t ax : axes)
    count *= x.shape()[static_cast<size_t>(ax)];
  bool extremum = kind == Reduction::Max || kind == Reduction::Min;
  if (extremum && count == 0 && r.numel() > 0)
    fail(c, std::string("the ") + reductionName(kind) + " of an empty axis is undefined");

  // i32 sums accumulate in int64, exact before finalize wraps them; doubles
  // could lose low bits past 2^53.
  std::vector<int64_t> intAcc(c.isInt() && kind == Reduction::Sum ? r.data.size() : 0, 0);
  std::vector<bool> seen(r.data.size(), false);
  std::vector<int64_t> idx(x.shape().rank(), 0);
  for (size_t k = 0; k < x.data.size(); ++k, nextIndex(idx, x.shape())) {
    auto o = static_cast<size_t>(dot(idx, step));
    double v = x.data[k];
    if (!intAcc.empty())
      intAcc[o] += static_cast<int64_t>(v);
    else
      r.data[o] = seen[o] ? combine(kind, r.data[o], v) : v;
    seen[o] = true;
  }
  for (size_t o = 0; o < intAcc.size(); ++o)
    r.data[o] = static_cast<double>(intAcc[o]);
  if (kind == Reduction::Mean)
    for (double &v : r.data)
      v = count ? v / static_cast<double>(count) : NAN;
  return r;
}

Tensor argMax(const Call &c) {
  const Tensor &x = c.arg(0);
  Tensor r = c.result();
  int64_t axis = c.attrs().getInt("axis");
  std::vector<int64_t> step = reducedSteps(x.shape(), {axis});
  if (x.shape()[static_cast<size_t>(axis)] == 0 && r.numel() > 0) fail(c, "axis " + std::to_string(axis) + " is empty");
  std::vector<double> best(r.data.size(), 0);
  std::vector<bool> seen(r.data.size(), false);
  std::vector<int64_t> idx(x.shape().rank(), 0);
  // Row-major order visits each result's candidates in increasing position, so
  // replacing only on a strictly greater value keeps the first maximum. A NaN
  // counts as the maximum, as in numpy.
  for (size_t k = 0; k < x.data.size(); ++k, nextIndex(idx, x.shape())) {
    auto o = static_cast<size_t>(dot(idx, step));
    double v = x.data[k];
    bool better = !seen[o] || (!std::isnan(best[o]) && (std::isnan(v) || v > best[o]));
    if (!better) continue;
    best[o] = v;
    seen[o] = true;
    r.data[o] = static_cast<double>(idx[static_cast<size_t>(axis)]);
  }
  return r;
}

Tensor reshape(const Call &c) {
  // Row-major data does not move; only the type changes.
  return Tensor(c.type, c.arg(0).data);
}

Tensor transpose(const Call &c) {
  const Tensor &x = c.arg(0);
  Tensor r = c.result();
  auto perm = c.attrs().getInts("perm");
  std::vector<int64_t> inStrides = stridesOf(x.shape()), step;
  for (int64_t p : perm)
    step.push_back(inStrides[static_cast<size_t>(p)]); // out dim i is in dim perm[i]
  stridedCopy(x, r, 0, step);
  return r;
}

Tensor slice(const Call &c) {
  const Tensor &x = c.arg(0);
  Tensor r = c.result();
  auto begin = c.attrs().getInts("begin"), stride = c.attrs().getInts("stride");
  std::vector<int64_t> inStrides = stridesOf(x.shape()), step;
  int64_t base = 0;
  // The batch axis has begin 0, stride 1 (end -1 means all of it), so the
  // same formula covers it.
  for (size_t i = 0; i < inStrides.size(); ++i) {
    base += begin[i] * inStrides[i];
    step.push_back(stride[i] * inStrides[i]);
  }
  stridedCopy(x, r, base, step);
  return r;
}

Tensor pad(const Call &c) {
  const Tensor &x = c.arg(0);
  Tensor r = Tensor::filled(c.type, castTo(c.type.dtype, c.attrs().getFloat("value", 0.0)));
  auto lo = c.attrs().getInts("lo");
  std::vector<int64_t> outStrides = stridesOf(r.shape());
  int64_t base = 0;
  for (size_t i = 0; i < lo.size(); ++i)
    base += lo[i] * outStrides[i];
  std::vector<int64_t> idx(x.shape().rank(), 0);
  for (size_t k = 0; k < x.data.size(); ++k, nextIndex(idx, x.shape()))
    r.data[static_cast<size_t>(base + dot(idx, outStrides))] = x.data[k];
  return r;
}

Tensor concat(const Call &c) {
  Tensor r = c.result();
  auto axis = static_cast<size_t>(c.attrs().getInt("axis"));
  const Shape &out = r.shape();
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < axis; ++i)
    outer *= out[i];
  for (size_t i = axis + 1; i < out.rank(); ++i)
    inner *= out[i];
  // Each operand contributes a block of shape[axis] * inner elements per outer index.
  auto dst = r.data.begin();
  for (int64_t o = 0; o < outer; ++o) {
    for (const Tensor *t : c.args) {
      int64_t block = t->shape()[axis] * inner;
      dst = std::copy_n(t->data.begin() + o * block, block, dst);
    }
  }
  return r;
}

} // namespace nnc::ir::interp
