// The pools' adjoints (nnc/conv.h), vectorized across channels. Overlapping
// windows add into the same dx elements, so a whole image goes to one thread
// and its windows are visited in row-major order: each dx element sums its
// terms in one fixed order whatever the thread count.
#include "pool_simd.h"

#include <algorithm>

namespace nnc::rt::conv {

namespace {

// Runs body(b, oy, ox, rows, cols) for every result pixel whose window has
// in-bounds elements, after zeroing dx; images are split over the thread pool.
template <class T, class Body> void forEachWindow(const nnc_window2d &g, T *dx, const Body &body) {
  Window w{g};
  parallelFor(g.batch, poolThreads(w), [&](int64_t b0, int64_t b1) {
    std::fill(dx + b0 * w.inImage(), dx + b1 * w.inImage(), T(0));
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t oy = 0; oy < g.out_h; ++oy)
        for (int64_t ox = 0; ox < g.out_w; ++ox) {
          Span rows = w.rows(oy), cols = w.cols(ox);
          if (rows.size() > 0 && cols.size() > 0) body(b, oy, ox, rows, cols);
        }
  });
}

// The vector path tracks each lane's maximum as an offset from the window's
// first in-bounds element, held in T: exact below 2^24 for float. Windows
// spanning more of the image than that take the scalar path.
constexpr int64_t kMaxVectorSpan = int64_t{1} << 24;

template <class T> void maxPoolGrad(const nnc_window2d &g, const T *x, const T *dy, T *dx) {
  Window w{g};
  constexpr int64_t lanes = Batch<T>::size;
  const int64_t c = g.in_c, rowStep = g.in_w * c;
  const int64_t vectorChannels = g.kernel_h * rowStep <= kMaxVectorSpan ? c / lanes * lanes : 0;
  forEachWindow(g, dx, [&](int64_t b, int64_t oy, int64_t ox, Span rows, Span cols) {
    auto offset = [&](int64_t ky, int64_t kx) { return w.in(b, w.row0(oy) + ky, w.col0(ox) + kx); };
    const int64_t first = offset(rows.first, cols.first);
    const T *d = dy + w.out(b, oy, ox);
    for (int64_t ch = 0; ch < vectorChannels; ch += lanes) {
      // The window's first element is the maximum until one replaces it.
      Batch<T> best = Batch<T>::load_unaligned(x + first + ch), where(T(0));
      for (int64_t ky = rows.first; ky < rows.last; ++ky)
        for (int64_t kx = cols.first; kx < cols.last; ++kx) {
          int64_t rel = (ky - rows.first) * rowStep + (kx - cols.first) * c;
          Batch<T> v = Batch<T>::load_unaligned(x + first + rel + ch);
          auto better = replaces(best, v);
          best = xsimd::select(better, v, best);
          where = xsimd::select(better, Batch<T>(static_cast<T>(rel)), where);
        }
      alignas(64) T rel[lanes];
      where.store_aligned(rel);
      for (int64_t l = 0; l < lanes; ++l)
        dx[first + static_cast<int64_t>(rel[l]) + ch + l] += d[ch + l];
    }
    for (int64_t ch = vectorChannels; ch < c; ++ch) {
      int64_t best = first + ch;
      for (int64_t ky = rows.first; ky < rows.last; ++ky)
        for (int64_t kx = cols.first; kx < cols.last; ++kx) {
          int64_t at = offset(ky, kx) + ch;
          if (replaces(x[best], x[at])) best = at;
        }
      dx[best] += d[ch];
    }
  });
}

template <class T> void avgPoolGrad(const nnc_window2d &g, const T *dy, T *dx) {
  Window w{g};
  constexpr int64_t lanes = Batch<T>::size;
  const int64_t c = g.in_c;
  forEachWindow(g, dx, [&](int64_t b, int64_t oy, int64_t ox, Span rows, Span cols) {
    const T count = static_cast<T>(rows.size() * cols.size());
    const T *d = dy + w.out(b, oy, ox);
    auto at = [&](int64_t ky, int64_t kx, int64_t ch) { return dx + w.in(b, w.row0(oy) + ky, w.col0(ox) + kx) + ch; };
    int64_t ch = 0;
    for (; ch + lanes <= c; ch += lanes) {
      Batch<T> share = Batch<T>::load_unaligned(d + ch) / Batch<T>(count);
      for (int64_t ky = rows.first; ky < rows.last; ++ky)
        for (int64_t kx = cols.first; kx < cols.last; ++kx) {
          T *p = at(ky, kx, ch);
          (Batch<T>::load_unaligned(p) + share).store_unaligned(p);
        }
    }
    for (; ch < c; ++ch) {
      T share = d[ch] / count;
      for (int64_t ky = rows.first; ky < rows.last; ++ky)
        for (int64_t kx = cols.first; kx < cols.last; ++kx)
          *at(ky, kx, ch) += share;
    }
  });
}

} // namespace

} // namespace nnc::rt::conv

using namespace nnc::rt::conv;

extern "C" {

void nnc_max_pool2d_grad_f32(const nnc_window2d *g, const float *x, const float *dy, float *dx) {
  maxPoolGrad(*g, x, dy, dx);
}
void nnc_max_pool2d_grad_f64(const nnc_window2d *g, const double *x, const double *dy, double *dx) {
  maxPoolGrad(*g, x, dy, dx);
}
void nnc_avg_pool2d_grad_f32(const nnc_window2d *g, const float *dy, float *dx) { avgPoolGrad(*g, dy, dx); }
void nnc_avg_pool2d_grad_f64(const nnc_window2d *g, const double *dy, double *dx) { avgPoolGrad(*g, dy, dx); }

} // extern "C"
