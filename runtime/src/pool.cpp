// max_pool2d and avg_pool2d (nnc/conv.h), vectorized across channels. Rows
// of the result are independent, so they are split over the thread pool;
// each element is computed the same way on any thread.
#include "pool_simd.h"

#include <limits>

namespace nnc::rt::conv {

namespace {

// Sets every result element to finish(reduce of its window's in-bounds
// elements, in row-major window order, from `init`, count of them).
// Reduce and finish take scalars and batches alike, so the leftover
// channels get the same arithmetic as the vectorized ones.
template <class T, class Reduce, class Finish>
void pool(const nnc_window2d &g, const T *x, T *y, T init, const Reduce &reduce, const Finish &finish) {
  Window w{g};
  constexpr int64_t lanes = Batch<T>::size;
  const int64_t c = g.in_c;
  parallelFor(g.batch * g.out_h, poolThreads(w), [&](int64_t row0, int64_t row1) {
    for (int64_t row = row0; row < row1; ++row) {
      const int64_t b = row / g.out_h, oy = row % g.out_h;
      const Span rows = w.rows(oy);
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        const Span cols = w.cols(ox);
        const T count = static_cast<T>(rows.size() * cols.size());
        // Window element (ky, kx) of channel ch.
        auto at = [&](int64_t ky, int64_t kx, int64_t ch) {
          return x + w.in(b, w.row0(oy) + ky, w.col0(ox) + kx) + ch;
        };
        T *out = y + w.out(b, oy, ox);
        int64_t ch = 0;
        for (; ch + lanes <= c; ch += lanes) {
          Batch<T> acc(init);
          for (int64_t ky = rows.first; ky < rows.last; ++ky)
            for (int64_t kx = cols.first; kx < cols.last; ++kx)
              acc = reduce(acc, Batch<T>::load_unaligned(at(ky, kx, ch)));
          finish(acc, count).store_unaligned(out + ch);
        }
        for (; ch < c; ++ch) {
          T acc = init;
          for (int64_t ky = rows.first; ky < rows.last; ++ky)
            for (int64_t kx = cols.first; kx < cols.last; ++kx)
              acc = reduce(acc, *at(ky, kx, ch));
          out[ch] = finish(acc, count);
        }
      }
    }
  });
}

// A window wholly in the padding keeps max's identity, -inf.
template <class T> void maxPool(const nnc_window2d &g, const T *x, T *y) {
  pool(
      g, x, y, -std::numeric_limits<T>::infinity(), [](auto m, auto v) { return maxStep<T>(m, v); },
      [](auto m, T) { return m; });
}

// A window wholly in the padding averages nothing: 0.
template <class T> void avgPool(const nnc_window2d &g, const T *x, T *y) {
  pool(
      g, x, y, T(0), [](auto s, auto v) { return s + v; },
      [](auto s, T count) { return count == 0 ? decltype(s)(0) : s / decltype(s)(count); });
}

} // namespace

} // namespace nnc::rt::conv

using namespace nnc::rt::conv;

extern "C" {

void nnc_max_pool2d_f32(const nnc_window2d *g, const float *x, float *y) { maxPool(*g, x, y); }
void nnc_max_pool2d_f64(const nnc_window2d *g, const double *x, double *y) { maxPool(*g, x, y); }
void nnc_avg_pool2d_f32(const nnc_window2d *g, const float *x, float *y) { avgPool(*g, x, y); }
void nnc_avg_pool2d_f64(const nnc_window2d *g, const double *x, double *y) { avgPool(*g, x, y); }

} // extern "C"
