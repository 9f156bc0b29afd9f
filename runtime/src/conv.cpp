// conv2d and its two adjoints (nnc/conv.h): f32 as im2col + nnc_sgemm, f64
// as plain loops.
//
// The im2col matrix has a row per result pixel of the whole batch and a
// column per (ky, kx, c) of the window, so with the HWIO filter read as a
// [KH * KW * C, F] matrix:
//   conv2d              y[rows, F]  = col[rows, K] x w[K, F]
//   conv2d_grad_input   dcol        = dy[rows, F] x w^T, then col2im into dx
//   conv2d_grad_filter  dw[K, F]    = col^T x dy, summed over the rows
// The matrix is never built whole: blocks of rows go through a per-thread
// scratch of at most kBlockFloats.
//
// Why results do not depend on the thread count: nnc_sgemm computes every
// element of C the same way wherever its tile falls (gemm_kernel.h), so
// splitting the rows of y or dcol over threads changes nothing; col2im gives
// a whole image to one thread and adds in row order. dw sums over rows, so
// its rows are cut into chunks fixed by the shapes alone; each chunk's sum is
// one partial (a GEMM per block, accumulating), and the partials are added in
// chunk order on the calling thread.
#include "conv_window.h"

#include "nnc/gemm.h"

#include <algorithm>

namespace nnc::rt::conv {

namespace {

// im2col blocks hold at most this many floats (256 KiB, within L2), so the
// GEMM packs the block while it is still in cache.
constexpr int64_t kBlockFloats = int64_t{1} << 16;
// Jobs below this many multiply-adds stay on the calling thread (as in
// gemm.cpp); a thread's share of a split job is at least kMinTaskWork.
constexpr double kParallelMinWork = double(int64_t{1} << 20);
constexpr double kMinTaskWork = double(int64_t{1} << 18);
// conv2d_grad_filter: at most this many partial sums of dw, holding at most
// kPartialFloats floats in all.
constexpr int64_t kMaxChunks = 32;
constexpr int64_t kPartialFloats = int64_t{1} << 20;

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Rows of the im2col matrix per block.
int64_t blockRows(int64_t k) { return std::max<int64_t>(1, kBlockFloats / k); }

// A 1x1 window with unit stride and no padding: the im2col matrix is x.
bool pointwise(const nnc_window2d &g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
         g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
}

bool worthThreads(double work) { return work >= kParallelMinWork && nnc_threads_get() > 1; }

// Runs body(r0, r1) over [0, rows) in pieces of at least kMinTaskWork each,
// on the thread pool when the whole job is worth it.
template <class Body> void splitRows(int64_t rows, double workPerRow, const Body &body) {
  int64_t taskRows = std::max<int64_t>(16, static_cast<int64_t>(kMinTaskWork / workPerRow));
  int64_t tasks = ceilDiv(rows, taskRows);
  parallelFor(tasks, tasks > 1 && worthThreads(workPerRow * static_cast<double>(rows)),
              [&](int64_t t0, int64_t t1) { body(t0 * taskRows, std::min(t1 * taskRows, rows)); });
}

void conv2dF32(const nnc_window2d &g, const float *x, const float *f, float *y) {
  Window w{g};
  const int64_t rows = g.batch * w.outPixels(), k = w.patch(), n = g.out_c;
  if (pointwise(g)) return nnc_sgemm(0, 0, rows, n, k, 1.0f, x, k, f, n, 0.0f, y, n);
  const int64_t block = blockRows(k);
  splitRows(rows, static_cast<double>(k * n), [&](int64_t r0, int64_t r1) {
    float *col = threadScratch(Scratch::Im2col, static_cast<std::size_t>(std::min(block, r1 - r0) * k));
    for (int64_t r = r0; r < r1; r += block) {
      int64_t m = std::min(block, r1 - r);
      im2col(w, x, r, r + m, col);
      nnc_sgemm(0, 0, m, n, k, 1.0f, col, k, f, n, 0.0f, y + r * n, n);
    }
  });
}

void conv2dGradInputF32(const nnc_window2d &g, const float *dy, const float *f, float *dx) {
  Window w{g};
  const int64_t k = w.patch(), n = g.out_c, pixels = w.outPixels();
  if (pointwise(g)) return nnc_sgemm(0, 1, g.batch * pixels, k, n, 1.0f, dy, n, f, n, 0.0f, dx, k);
  const int64_t block = blockRows(k);
  // col2im scatters into overlapping windows: a whole image per thread.
  double work = static_cast<double>(g.batch * pixels * k * n);
  parallelFor(g.batch, g.batch > 1 && worthThreads(work), [&](int64_t b0, int64_t b1) {
    std::fill(dx + b0 * w.inImage(), dx + b1 * w.inImage(), 0.0f);
    const int64_t r1 = b1 * pixels;
    float *col = threadScratch(Scratch::Im2col, static_cast<std::size_t>(std::min(block, r1 - b0 * pixels) * k));
    for (int64_t r = b0 * pixels; r < r1; r += block) {
      int64_t m = std::min(block, r1 - r);
      nnc_sgemm(0, 1, m, k, n, 1.0f, dy + r * n, n, f, n, 0.0f, col, k);
      col2im(w, col, r, r + m, dx);
    }
  });
}

void conv2dGradFilterF32(const nnc_window2d &g, const float *x, const float *dy, float *df) {
  Window w{g};
  const int64_t rows = g.batch * w.outPixels(), k = w.patch(), n = g.out_c, size = k * n;
  const bool direct = pointwise(g);
  const double work = static_cast<double>(rows) * static_cast<double>(size);
  // The chunks depend on the shapes only, never on the thread count.
  int64_t chunks = std::min({kMaxChunks, static_cast<int64_t>(work / kMinTaskWork), kPartialFloats / size, rows});
  chunks = std::max<int64_t>(1, chunks);
  const int64_t chunkRows = ceilDiv(rows, chunks);
  chunks = ceilDiv(rows, chunkRows);
  float *partials =
      chunks > 1 ? threadScratch(Scratch::Partials, static_cast<std::size_t>((chunks - 1) * size)) : nullptr;
  const int64_t block = direct ? chunkRows : blockRows(k);
  parallelFor(chunks, chunks > 1 && worthThreads(work), [&](int64_t c0, int64_t c1) {
    float *col =
        direct ? nullptr : threadScratch(Scratch::Im2col, static_cast<std::size_t>(std::min(block, chunkRows) * k));
    for (int64_t c = c0; c < c1; ++c) {
      float *sum = c == 0 ? df : partials + (c - 1) * size;
      const int64_t r0 = c * chunkRows, r1 = std::min(rows, r0 + chunkRows);
      for (int64_t r = r0; r < r1; r += block) {
        int64_t m = std::min(block, r1 - r);
        const float *a = direct ? x + r * k : col;
        if (!direct) im2col(w, x, r, r + m, col);
        nnc_sgemm(1, 0, k, n, m, 1.0f, a, k, dy + r * n, n, r == r0 ? 0.0f : 1.0f, sum, n);
      }
    }
  });
  for (int64_t c = 1; c < chunks; ++c)
    addTo(df, partials + (c - 1) * size, size);
}

} // namespace

} // namespace nnc::rt::conv

using namespace nnc::rt::conv;

extern "C" {

void nnc_conv2d_f32(const nnc_window2d *g, const float *x, const float *w, float *y) { conv2dF32(*g, x, w, y); }

void nnc_conv2d_f64(const nnc_window2d *g, const double *x, const double *w, double *y) {
  conv2dDirect(Window{*g}, x, w, y);
}

void nnc_conv2d_grad_input_f32(const nnc_window2d *g, const float *dy, const float *w, float *dx) {
  conv2dGradInputF32(*g, dy, w, dx);
}

void nnc_conv2d_grad_input_f64(const nnc_window2d *g, const double *dy, const double *w, double *dx) {
  conv2dGradInputDirect(Window{*g}, dy, w, dx);
}

void nnc_conv2d_grad_filter_f32(const nnc_window2d *g, const float *x, const float *dy, float *dw) {
  conv2dGradFilterF32(*g, x, dy, dw);
}

void nnc_conv2d_grad_filter_f64(const nnc_window2d *g, const double *x, const double *dy, double *dw) {
  conv2dGradFilterDirect(Window{*g}, x, dy, dw);
}

} // extern "C"
