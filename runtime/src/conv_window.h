// Private to the runtime's convolution and pooling (conv*.cpp, pool*.cpp):
// the index arithmetic of a sliding window over NHWC images, the pieces the
// f32 convolution is built from, and the plain-loop kernels.
#ifndef NNC_RUNTIME_CONV_WINDOW_H
#define NNC_RUNTIME_CONV_WINDOW_H

#include "nnc/conv.h"
#include "nnc/threads.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace nnc::rt::conv {

// The window offsets [first, last) along one axis that land inside the
// input; empty (last <= first) for a window wholly in the padding.
struct Span {
  int64_t first, last;
  int64_t size() const { return std::max<int64_t>(0, last - first); }
};

inline Span inside(int64_t start, int64_t k, int64_t size) {
  return {std::max<int64_t>(0, -start), std::min(k, size - start)};
}

// nnc_window2d with the offsets every kernel computes.
struct Window {
  const nnc_window2d &g;

  // The input row / column where result row oy / column ox's window starts;
  // negative inside the top / left padding.
  int64_t row0(int64_t oy) const { return oy * g.stride_h - g.pad_top; }
  int64_t col0(int64_t ox) const { return ox * g.stride_w - g.pad_left; }
  Span rows(int64_t oy) const { return inside(row0(oy), g.kernel_h, g.in_h); }
  Span cols(int64_t ox) const { return inside(col0(ox), g.kernel_w, g.in_w); }

  // Flat offsets of pixel (b, iy, ix) of x and (b, oy, ox) of y.
  int64_t in(int64_t b, int64_t iy, int64_t ix) const { return ((b * g.in_h + iy) * g.in_w + ix) * g.in_c; }
  int64_t out(int64_t b, int64_t oy, int64_t ox) const { return ((b * g.out_h + oy) * g.out_w + ox) * g.out_c; }

  int64_t inImage() const { return g.in_h * g.in_w * g.in_c; }
  int64_t outPixels() const { return g.out_h * g.out_w; }
  // Columns of the im2col matrix: one (ky, kx, c) patch, the rows of the
  // [KH * KW * C, F] filter matrix.
  int64_t patch() const { return g.kernel_h * g.kernel_w * g.in_c; }
};

// Runs body(begin, end) over [0, n) on the nnc_threads pool (contiguous
// chunks, at most one per thread), or as one inline call when `parallel` is
// false: small jobs do not pay for waking the workers.
template <class Body> void parallelFor(int64_t n, bool parallel, const Body &body) {
  if (!parallel) {
    if (n > 0) body(int64_t{0}, n);
    return;
  }
  nnc_parallel_for(
      n, [](void *ctx, int64_t begin, int64_t end) { (*static_cast<const Body *>(ctx))(begin, end); },
      const_cast<Body *>(&body));
}

// --- f32 convolution pieces (conv_im2col.cpp) ---

// Per-thread scratch that grows to the largest request and is reused; one
// buffer per purpose, since a kernel may hold both at once. Aborts when out
// of memory (a void C kernel cannot report it).
enum class Scratch { Im2col, Partials };
float *threadScratch(Scratch which, std::size_t floats);

// Writes rows [r0, r1) of the im2col matrix of x into col (r1 - r0 rows of
// patch() floats). Row r is result pixel r of the whole batch (b, oy, ox in
// row-major order) and holds its window in (ky, kx, c) order, zeros where
// the window lies in the padding.
void im2col(const Window &w, const float *x, int64_t r0, int64_t r1, float *col);

// The adjoint of im2col: adds rows [r0, r1) of col into dx, row by row and
// within a row in (ky, kx, c) order, so each dx element sums its terms in
// one fixed order.
void col2im(const Window &w, const float *col, int64_t r0, int64_t r1, float *dx);

// dst[i] += src[i] for i < n.
void addTo(float *dst, const float *src, int64_t n);

// --- Plain loops, the interpreter's (conv_direct.cpp; float and double) ---

template <class T> void conv2dDirect(const Window &w, const T *x, const T *f, T *y);
template <class T> void conv2dGradInputDirect(const Window &w, const T *dy, const T *f, T *dx);
template <class T> void conv2dGradFilterDirect(const Window &w, const T *x, const T *dy, T *df);

} // namespace nnc::rt::conv

#endif
