// Convolution as plain loops, the interpreter's loop nests: the f64 kernels
// (gradient checks want exactness, not speed) and a yardstick for the f32
// im2col + GEMM path. Each result element sums its terms in a fixed order.
#include "conv_window.h"

#include <algorithm>

namespace nnc::rt::conv {

template <class T> void conv2dDirect(const Window &w, const T *x, const T *f, T *y) {
  const nnc_window2d &g = w.g;
  std::fill(y, y + g.batch * w.outPixels() * g.out_c, T(0));
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oy = 0; oy < g.out_h; ++oy)
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        T *acc = y + w.out(b, oy, ox);
        Span rows = w.rows(oy), cols = w.cols(ox);
        for (int64_t ky = rows.first; ky < rows.last; ++ky)
          for (int64_t kx = cols.first; kx < cols.last; ++kx) {
            const T *px = x + w.in(b, w.row0(oy) + ky, w.col0(ox) + kx);
            for (int64_t ch = 0; ch < g.in_c; ++ch) {
              const T *frow = f + ((ky * g.kernel_w + kx) * g.in_c + ch) * g.out_c;
              for (int64_t o = 0; o < g.out_c; ++o)
                acc[o] += px[ch] * frow[o];
            }
          }
      }
}

template <class T> void conv2dGradInputDirect(const Window &w, const T *dy, const T *f, T *dx) {
  const nnc_window2d &g = w.g;
  std::fill(dx, dx + g.batch * w.inImage(), T(0));
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oy = 0; oy < g.out_h; ++oy)
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        const T *d = dy + w.out(b, oy, ox);
        Span rows = w.rows(oy), cols = w.cols(ox);
        for (int64_t ky = rows.first; ky < rows.last; ++ky)
          for (int64_t kx = cols.first; kx < cols.last; ++kx) {
            T *px = dx + w.in(b, w.row0(oy) + ky, w.col0(ox) + kx);
            for (int64_t ch = 0; ch < g.in_c; ++ch) {
              const T *frow = f + ((ky * g.kernel_w + kx) * g.in_c + ch) * g.out_c;
              T s = 0;
              for (int64_t o = 0; o < g.out_c; ++o)
                s += d[o] * frow[o];
              px[ch] += s;
            }
          }
      }
}

template <class T> void conv2dGradFilterDirect(const Window &w, const T *x, const T *dy, T *df) {
  const nnc_window2d &g = w.g;
  std::fill(df, df + w.patch() * g.out_c, T(0));
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oy = 0; oy < g.out_h; ++oy)
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        const T *d = dy + w.out(b, oy, ox);
        Span rows = w.rows(oy), cols = w.cols(ox);
        for (int64_t ky = rows.first; ky < rows.last; ++ky)
          for (int64_t kx = cols.first; kx < cols.last; ++kx) {
            const T *px = x + w.in(b, w.row0(oy) + ky, w.col0(ox) + kx);
            for (int64_t ch = 0; ch < g.in_c; ++ch) {
              T *frow = df + ((ky * g.kernel_w + kx) * g.in_c + ch) * g.out_c;
              for (int64_t o = 0; o < g.out_c; ++o)
                frow[o] += px[ch] * d[o];
            }
          }
      }
}

template void conv2dDirect(const Window &, const float *, const float *, float *);
template void conv2dDirect(const Window &, const double *, const double *, double *);
template void conv2dGradInputDirect(const Window &, const float *, const float *, float *);
template void conv2dGradInputDirect(const Window &, const double *, const double *, double *);
template void conv2dGradFilterDirect(const Window &, const float *, const float *, float *);
template void conv2dGradFilterDirect(const Window &, const double *, const double *, double *);

} // namespace nnc::rt::conv
