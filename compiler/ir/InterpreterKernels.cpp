// The interpreter's shared helpers, source ops and opaque kernels (matmul,
// gather, one_hot, conv2d, pools): plain loops over row-major data.
#include "ir/InterpreterKernels.h"

#include "nnc/rng.h"

#include <algorithm>
#include <cmath>

namespace nnc::ir::interp {

void fail(const Call &c, const std::string &msg) { throw InterpError(std::string(opName(c.node.op)) + ": " + msg); }

double castTo(DType to, double v) {
  switch (to) {
  case DType::F32:
  case DType::F64:
    return v;
  case DType::I32:
    if (std::isnan(v)) return 0;
    return std::clamp(std::trunc(v), -2147483648.0, 2147483647.0);
  case DType::Bool:
    return v != 0 ? 1.0 : 0.0;
  }
  return v;
}

double wrapI32(double v) {
  if (!std::isfinite(v)) return 0;
  double r = std::fmod(v, 4294967296.0); // exact; r has v's sign
  if (r >= 2147483648.0) return r - 4294967296.0;
  if (r < -2147483648.0) return r + 4294967296.0;
  return r;
}

double roundF32(double v) {
  // FLT_MAX plus half an ulp: from here on round-to-nearest gives infinity.
  constexpr double kOverflow = 0x1.ffffffp127;
  if (std::isfinite(v) && std::fabs(v) >= kOverflow) return std::copysign(INFINITY, v);
  return static_cast<double>(static_cast<float>(v));
}

std::vector<int64_t> stridesOf(const Shape &s) {
  std::vector<int64_t> st(s.rank(), 1);
  for (size_t i = s.rank(); i-- > 1;)
    st[i - 1] = st[i] * s[i];
  return st;
}

bool nextIndex(std::vector<int64_t> &idx, const Shape &s) {
  for (size_t i = idx.size(); i-- > 0;) {
    if (++idx[i] < s[i]) return true;
    idx[i] = 0;
  }
  return false;
}

// --- Sources ---------------------------------------------------------------

Tensor constant(const Call &c) {
  Tensor r = c.result();
  std::vector<double> values = c.attrs().getFloats("value");
  // The shape rule guarantees one value (a splat) or exactly one per element.
  for (size_t i = 0; i < r.data.size(); ++i)
    r.data[i] = castTo(c.type.dtype, values.size() == 1 ? values[0] : values[i]);
  return r;
}

namespace {

// The (seed, key) pair of a random op; the key operand is an i32 scalar.
std::pair<uint64_t, uint64_t> seedAndKey(const Call &c) {
  auto seed = static_cast<uint64_t>(c.attrs().getInt("seed"));
  uint64_t key = c.args.empty() ? 0 : static_cast<uint64_t>(static_cast<int64_t>(c.arg(0).data[0]));
  return {seed, key};
}

} // namespace

Tensor randomUniform(const Call &c) {
  Tensor r = c.result();
  auto [seed, key] = seedAndKey(c);
  for (size_t i = 0; i < r.data.size(); ++i)
    r.data[i] = nnc_rng_uniform(seed, key, i);
  return r;
}

Tensor randomNormal(const Call &c) {
  Tensor r = c.result();
  auto [seed, key] = seedAndKey(c);
  for (size_t i = 0; i < r.data.size(); ++i)
    r.data[i] = nnc_rng_normal(seed, key, i);
  return r;
}

// --- Opaque kernels --------------------------------------------------------

Tensor matMul(const Call &c) {
  const Tensor &x = c.arg(0), &w = c.arg(1);
  Tensor r = c.result();
  size_t rank = x.shape().rank();
  int64_t m = x.shape()[rank - 2], k = x.shape()[rank - 1], n = w.shape()[rank - 1];
  int64_t batches = 1;
  for (size_t i = 0; i + 2 < rank; ++i)
    batches *= x.shape()[i];
  // i-k-j order: the inner loop walks rows of w and of the result contiguously.
  for (int64_t b = 0; b < batches; ++b) {
    const double *xb = x.data.data() + b * m * k, *wb = w.data.data() + b * k * n;
    double *rb = r.data.data() + b * m * n;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t kk = 0; kk < k; ++kk) {
        double a = xb[i * k + kk];
        const double *wrow = wb + kk * n;
        double *rrow = rb + i * n;
        for (int64_t j = 0; j < n; ++j)
          rrow[j] += a * wrow[j];
      }
    }
  }
  return r;
}

int64_t checkedIndex(const Call &c, double v, int64_t size) {
  auto i = static_cast<int64_t>(v); // i32 values are exact integers
  if (i < 0 || i >= size) fail(c, "index " + std::to_string(i) + " is out of range [0, " + std::to_string(size) + ")");
  return i;
}

Tensor gather(const Call &c) {
  const Tensor &table = c.arg(0), &idx = c.arg(1);
  Tensor r = c.result();
  int64_t rows = table.shape()[0];
  int64_t rowSize = 1;
  for (size_t i = 1; i < table.shape().rank(); ++i)
    rowSize *= table.shape()[i];
  for (size_t i = 0; i < idx.data.size(); ++i) {
    int64_t row = checkedIndex(c, idx.data[i], rows);
    std::copy_n(table.data.begin() + row * rowSize, rowSize, r.data.begin() + static_cast<int64_t>(i) * rowSize);
  }
  return r;
}

Tensor oneHot(const Call &c) {
  const Tensor &idx = c.arg(0);
  Tensor r = c.result();
  int64_t depth = c.attrs().getInt("depth");
  for (size_t i = 0; i < idx.data.size(); ++i)
    r.data[static_cast<size_t>(static_cast<int64_t>(i) * depth + checkedIndex(c, idx.data[i], depth))] = 1.0;
  return r;
}

Span inside(int64_t start, int64_t k, int64_t size) {
  return {std::max<int64_t>(0, -start), std::min(k, size - start)};
}

Window windowOf(const Shape &x, const Shape &r, int64_t kh, int64_t kw, const Attrs &a) {
  auto stride = a.getInts("stride"), pad = a.getInts("pad");
  return Window{x[0], x[1], x[2], x[3], r[1], r[2], r[3], kh, kw, stride[0], stride[1], pad[0], pad[2]};
}

namespace {

Window poolWindow(const Call &c) {
  auto window = c.attrs().getInts("window");
  return windowOf(c.arg(0).shape(), c.type.shape, window[0], window[1], c.attrs());
}

} // namespace

Tensor conv2d(const Call &c) {
  const Tensor &x = c.arg(0), &f = c.arg(1);
  Tensor r = c.result();
  Window g = windowOf(x.shape(), r.shape(), f.shape()[0], f.shape()[1], c.attrs());
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t y = 0; y < g.oh; ++y)
      for (int64_t xo = 0; xo < g.ow; ++xo) {
        double *acc = r.data.data() + g.out(b, y, xo);
        Span rows = inside(g.row0(y), g.kh, g.h), cols = inside(g.col0(xo), g.kw, g.w);
        for (int64_t ky = rows.first; ky < rows.last; ++ky)
          for (int64_t kx = cols.first; kx < cols.last; ++kx) {
            const double *px = x.data.data() + g.in(b, g.row0(y) + ky, g.col0(xo) + kx);
            for (int64_t ch = 0; ch < g.c; ++ch) {
              const double *frow = f.data.data() + ((ky * g.kw + kx) * g.c + ch) * g.oc;
              for (int64_t o = 0; o < g.oc; ++o)
                acc[o] += px[ch] * frow[o];
            }
          }
      }
  return r;
}

namespace {

// Sets each pooled element to fn(values), where values are the in-bounds
// elements of its window in one channel. Padding never contributes.
template <class Fn> Tensor pool(const Call &c, Fn fn) {
  const Tensor &x = c.arg(0);
  Tensor r = c.result();
  Window g = poolWindow(c);
  std::vector<double> values;
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t y = 0; y < g.oh; ++y)
      for (int64_t xo = 0; xo < g.ow; ++xo)
        for (int64_t ch = 0; ch < g.c; ++ch) {
          values.clear();
          Span rows = inside(g.row0(y), g.kh, g.h), cols = inside(g.col0(xo), g.kw, g.w);
          for (int64_t ky = rows.first; ky < rows.last; ++ky)
            for (int64_t kx = cols.first; kx < cols.last; ++kx)
              values.push_back(x.data[static_cast<size_t>(g.in(b, g.row0(y) + ky, g.col0(xo) + kx) + ch)]);
          r.data[static_cast<size_t>(g.out(b, y, xo) + ch)] = fn(values);
        }
  return r;
}

} // namespace

Tensor maxPool2d(const Call &c) {
  // A window lying wholly in the padding has no elements: -inf, max's identity.
  return pool(c, [](const std::vector<double> &v) {
    double m = -INFINITY;
    for (double e : v) {
      if (std::isnan(e)) return e;
      m = std::max(m, e);
    }
    return m;
  });
}

Tensor avgPool2d(const Call &c) {
  // A window lying wholly in the padding averages nothing: 0.
  return pool(c, [](const std::vector<double> &v) {
    double s = 0;
    for (double e : v)
      s += e;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
  });
}

} // namespace nnc::ir::interp
