// Array exp, log and tanh with xsimd's vectorized implementations; the tail
// shorter than a vector goes through a padded batch so every element gets
// the same arithmetic. Long arrays are split over the thread pool in blocks
// of whole vectors: the same arithmetic per element, so the same bits at
// any thread count.
#include "nnc/vmath.h"
#include "nnc/threads.h"

// GCC 12 warns about _mm512_undefined_ps() inside its own AVX-512 headers,
// which xsimd's exp and log reach: not our code and not a real use.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <xsimd/xsimd.hpp>

#include <algorithm>

namespace {

using Batch = xsimd::batch<float, xsimd::default_arch>;

template <class F> void apply(const float *x, float *y, int64_t n, F f) {
  constexpr int64_t w = static_cast<int64_t>(Batch::size);
  int64_t i = 0;
  for (; i + w <= n; i += w) f(Batch::load_unaligned(x + i)).store_unaligned(y + i);
  if (i == n) return;
  alignas(64) float buf[Batch::size] = {};
  std::copy(x + i, x + n, buf);
  f(Batch::load_aligned(buf)).store_aligned(buf);
  std::copy(buf, buf + (n - i), y + i);
}

// Below this many elements one thread does it all; blocks of kBlock.
constexpr int64_t kParallelElements = 16384, kBlock = 1024;
static_assert(kBlock % static_cast<int64_t>(Batch::size) == 0, "blocks of whole vectors");

template <class F> struct Job {
  const float *x;
  float *y;
  int64_t n;
};

template <class F> void run(const float *x, float *y, int64_t n) {
  if (n < kParallelElements) return apply(x, y, n, F{});
  Job<F> job{x, y, n};
  nnc_parallel_for(
      (n + kBlock - 1) / kBlock,
      [](void *ctx, int64_t begin, int64_t end) {
        const Job<F> &j = *static_cast<const Job<F> *>(ctx);
        int64_t lo = begin * kBlock, hi = std::min(end * kBlock, j.n);
        apply(j.x + lo, j.y + lo, hi - lo, F{});
      },
      &job);
}

struct Exp {
  Batch operator()(Batch v) const { return xsimd::exp(v); }
};
struct Log {
  Batch operator()(Batch v) const { return xsimd::log(v); }
};
struct Tanh {
  Batch operator()(Batch v) const { return xsimd::tanh(v); }
};

} // namespace

extern "C" {

void nnc_vexp_f32(const float *x, float *y, int64_t n) {
  run<Exp>(x, y, n);
}

void nnc_vlog_f32(const float *x, float *y, int64_t n) {
  run<Log>(x, y, n);
}

void nnc_vtanh_f32(const float *x, float *y, int64_t n) {
  run<Tanh>(x, y, n);
}

} // extern "C"

#pragma GCC diagnostic pop
