// The interpreter's kernels for the backward ops autodiff emits: scatter_add
// (gather's adjoint), the two halves of conv2d's adjoint and the pools'
// adjoints. Plain loops, each the transpose of its forward kernel's loop.
#include "ir/InterpreterKernels.h"

#include <algorithm>
#include <cmath>

namespace nnc::ir::interp {

Tensor scatterAdd(const Call &c) {
  const Tensor &updates = c.arg(0), &idx = c.arg(1);
  Tensor r = c.result();
  int64_t rows = r.shape()[0];
  int64_t rowSize = 1;
  for (size_t i = 1; i < r.shape().rank(); ++i)
    rowSize *= r.shape()[i];
  for (size_t i = 0; i < idx.data.size(); ++i) {
    int64_t row = checkedIndex(c, idx.data[i], rows);
    const double *src = updates.data.data() + static_cast<int64_t>(i) * rowSize;
    double *dst = r.data.data() + row * rowSize;
    for (int64_t j = 0; j < rowSize; ++j)
      dst[j] += src[j];
  }
  return r;
}

Tensor conv2dGradInput(const Call &c) {
  const Tensor &dy = c.arg(0), &f = c.arg(1);
  Tensor dx = c.result();
  Window g = windowOf(dx.shape(), dy.shape(), f.shape()[0], f.shape()[1], c.attrs());
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t y = 0; y < g.oh; ++y)
      for (int64_t xo = 0; xo < g.ow; ++xo) {
        const double *d = dy.data.data() + g.out(b, y, xo);
        Span rows = inside(g.row0(y), g.kh, g.h), cols = inside(g.col0(xo), g.kw, g.w);
        for (int64_t ky = rows.first; ky < rows.last; ++ky)
          for (int64_t kx = cols.first; kx < cols.last; ++kx) {
            double *px = dx.data.data() + g.in(b, g.row0(y) + ky, g.col0(xo) + kx);
            for (int64_t ch = 0; ch < g.c; ++ch) {
              const double *frow = f.data.data() + ((ky * g.kw + kx) * g.c + ch) * g.oc;
              for (int64_t o = 0; o < g.oc; ++o)
                px[ch] += d[o] * frow[o];
            }
          }
      }
  return dx;
}

Tensor conv2dGradFilter(const Call &c) {
  const Tensor &x = c.arg(0), &dy = c.arg(1);
  Tensor df = c.result();
  Window g = windowOf(x.shape(), dy.shape(), df.shape()[0], df.shape()[1], c.attrs());
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t y = 0; y < g.oh; ++y)
      for (int64_t xo = 0; xo < g.ow; ++xo) {
        const double *d = dy.data.data() + g.out(b, y, xo);
        Span rows = inside(g.row0(y), g.kh, g.h), cols = inside(g.col0(xo), g.kw, g.w);
        for (int64_t ky = rows.first; ky < rows.last; ++ky)
          for (int64_t kx = cols.first; kx < cols.last; ++kx) {
            const double *px = x.data.data() + g.in(b, g.row0(y) + ky, g.col0(xo) + kx);
            for (int64_t ch = 0; ch < g.c; ++ch) {
              double *frow = df.data.data() + ((ky * g.kw + kx) * g.c + ch) * g.oc;
              for (int64_t o = 0; o < g.oc; ++o)
                frow[o] += px[ch] * d[o];
            }
          }
      }
  return df;
}

namespace {

Window poolGradWindow(const Call &c, const Shape &x, const Shape &dy) {
  auto window = c.attrs().getInts("window");
  return windowOf(x, dy, window[0], window[1], c.attrs());
}

} // namespace

Tensor maxPool2dGrad(const Call &c) {
  const Tensor &x = c.arg(0), &dy = c.arg(1);
  Tensor dx = c.result();
  Window g = poolGradWindow(c, x.shape(), dy.shape());
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t y = 0; y < g.oh; ++y)
      for (int64_t xo = 0; xo < g.ow; ++xo)
        for (int64_t ch = 0; ch < g.c; ++ch) {
          // The first maximum in row-major window order takes the gradient; a
          // NaN counts as the maximum, as max_pool2d returns it. A window wholly
          // in the padding has no element to take it.
          int64_t best = -1;
          double bestValue = 0;
          Span rows = inside(g.row0(y), g.kh, g.h), cols = inside(g.col0(xo), g.kw, g.w);
          for (int64_t ky = rows.first; ky < rows.last; ++ky)
            for (int64_t kx = cols.first; kx < cols.last; ++kx) {
              int64_t at = g.in(b, g.row0(y) + ky, g.col0(xo) + kx) + ch;
              double v = x.data[static_cast<size_t>(at)];
              bool better = best < 0 || (!std::isnan(bestValue) && (std::isnan(v) || v > bestValue));
              if (!better) continue;
              best = at;
              bestValue = v;
            }
          if (best >= 0) dx.data[static_cast<size_t>(best)] += dy.data[static_cast<size_t>(g.out(b, y, xo) + ch)];
        }
  return dx;
}

Tensor avgPool2dGrad(const Call &c) {
  const Tensor &dy = c.arg(0);
  Tensor dx = c.result();
  Window g = poolGradWindow(c, dx.shape(), dy.shape());
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t y = 0; y < g.oh; ++y)
      for (int64_t xo = 0; xo < g.ow; ++xo) {
        Span rows = inside(g.row0(y), g.kh, g.h), cols = inside(g.col0(xo), g.kw, g.w);
        int64_t count = std::max<int64_t>(0, rows.last - rows.first) * std::max<int64_t>(0, cols.last - cols.first);
        if (count == 0) continue; // avg_pool2d gives 0 there, whatever the input
        for (int64_t ky = rows.first; ky < rows.last; ++ky)
          for (int64_t kx = cols.first; kx < cols.last; ++kx)
            for (int64_t ch = 0; ch < g.c; ++ch) {
              double share = dy.data[static_cast<size_t>(g.out(b, y, xo) + ch)] / static_cast<double>(count);
              dx.data[static_cast<size_t>(g.in(b, g.row0(y) + ky, g.col0(xo) + kx) + ch)] += share;
            }
      }
  return dx;
}

} // namespace nnc::ir::interp
