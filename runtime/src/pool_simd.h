// Private to the pooling kernels (pool.cpp, pool_grad.cpp): the vector type
// they use across channels and the comparisons that give max_pool2d its NaN
// semantics, written once for scalars and xsimd batches alike.
#ifndef NNC_RUNTIME_POOL_SIMD_H
#define NNC_RUNTIME_POOL_SIMD_H

#include "conv_window.h"

#include <xsimd/xsimd.hpp>

#include <cmath>

namespace nnc::rt::conv {

// Channels are contiguous in NHWC, so the pools vectorize across them: a
// batch of channels of one pixel at a time, the leftover channels scalar.
template <class T> using Batch = xsimd::batch<T, xsimd::default_arch>;

// Pools visit this many window elements or more before using the thread pool.
constexpr double kPoolParallelMinWork = double(int64_t{1} << 18);

inline bool poolThreads(const Window &w) {
  const nnc_window2d &g = w.g;
  double visits = static_cast<double>(g.batch * w.outPixels() * g.in_c) * static_cast<double>(g.kernel_h * g.kernel_w);
  return visits >= kPoolParallelMinWork && nnc_threads_get() > 1;
}

// Whether v replaces `best` as the running maximum: a NaN wins and then
// stays; otherwise only a strictly greater value, so the first maximum wins.
template <class T> bool replaces(T best, T v) { return !std::isnan(best) && (std::isnan(v) || v > best); }
template <class T> auto replaces(Batch<T> best, Batch<T> v) { return (best == best) & (xsimd::isnan(v) | (v > best)); }

template <class T> T maxStep(T best, T v) { return replaces(best, v) ? v : best; }
template <class T> Batch<T> maxStep(Batch<T> best, Batch<T> v) { return xsimd::select(replaces(best, v), v, best); }

} // namespace nnc::rt::conv

#endif
