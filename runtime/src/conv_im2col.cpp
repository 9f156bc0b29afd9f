// im2col and its adjoint col2im, the data movement that turns a convolution
// into a GEMM, and the per-thread scratch their matrices live in.
#include "conv_window.h"

#include <xsimd/xsimd.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace nnc::rt::conv {

namespace {

using Batch = xsimd::batch<float, xsimd::default_arch>;
constexpr std::size_t kAlign = 64;

// One growable buffer; freed when its thread exits.
class Buffer {
public:
  Buffer() = default;
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;
  ~Buffer() { ::operator delete[](data_, std::align_val_t(kAlign)); }

  float *reserve(std::size_t floats) {
    if (floats <= cap_) return data_;
    ::operator delete[](data_, std::align_val_t(kAlign));
    data_ = static_cast<float *>(::operator new[](floats * sizeof(float), std::align_val_t(kAlign), std::nothrow));
    if (!data_) {
      std::fputs("nnc: out of memory for convolution scratch\n", stderr);
      std::abort();
    }
    cap_ = floats;
    return data_;
  }

private:
  float *data_ = nullptr;
  std::size_t cap_ = 0;
};

} // namespace

float *threadScratch(Scratch which, std::size_t floats) {
  thread_local Buffer buffers[2];
  return buffers[which == Scratch::Im2col ? 0 : 1].reserve(floats);
}

void im2col(const Window &w, const float *x, int64_t r0, int64_t r1, float *col) {
  const nnc_window2d &g = w.g;
  const int64_t c = g.in_c, rowLen = g.kernel_w * c;
  // (b, oy, ox) of row r0, advanced as r goes: cheaper than dividing per row.
  int64_t ox = r0 % g.out_w, oy = r0 / g.out_w % g.out_h, b = r0 / w.outPixels();
  for (int64_t r = r0; r < r1; ++r) {
    float *dst = col + (r - r0) * w.patch();
    Span cols = w.cols(ox);
    int64_t first = std::min(cols.first, g.kernel_w), last = std::max(cols.last, first);
    for (int64_t ky = 0; ky < g.kernel_h; ++ky, dst += rowLen) {
      int64_t iy = w.row0(oy) + ky;
      if (iy < 0 || iy >= g.in_h) {
        std::memset(dst, 0, static_cast<std::size_t>(rowLen) * sizeof(float));
        continue;
      }
      // The in-bounds part of a window row is one contiguous run of x.
      std::memset(dst, 0, static_cast<std::size_t>(first * c) * sizeof(float));
      if (last > first)
        std::memcpy(dst + first * c, x + w.in(b, iy, w.col0(ox) + first),
                    static_cast<std::size_t>((last - first) * c) * sizeof(float));
      std::memset(dst + last * c, 0, static_cast<std::size_t>((g.kernel_w - last) * c) * sizeof(float));
    }
    if (++ox == g.out_w) {
      ox = 0;
      if (++oy == g.out_h) oy = 0, ++b;
    }
  }
}

void col2im(const Window &w, const float *col, int64_t r0, int64_t r1, float *dx) {
  const nnc_window2d &g = w.g;
  const int64_t c = g.in_c, rowLen = g.kernel_w * c;
  int64_t ox = r0 % g.out_w, oy = r0 / g.out_w % g.out_h, b = r0 / w.outPixels();
  for (int64_t r = r0; r < r1; ++r) {
    const float *src = col + (r - r0) * w.patch();
    Span rows = w.rows(oy), cols = w.cols(ox);
    if (cols.size() > 0)
      for (int64_t ky = rows.first; ky < rows.last; ++ky)
        addTo(dx + w.in(b, w.row0(oy) + ky, w.col0(ox) + cols.first), src + ky * rowLen + cols.first * c,
              cols.size() * c);
    if (++ox == g.out_w) {
      ox = 0;
      if (++oy == g.out_h) oy = 0, ++b;
    }
  }
}

void addTo(float *dst, const float *src, int64_t n) {
  constexpr int64_t lanes = Batch::size;
  int64_t i = 0;
  for (; i + lanes <= n; i += lanes)
    (Batch::load_unaligned(dst + i) + Batch::load_unaligned(src + i)).store_unaligned(dst + i);
  for (; i < n; ++i)
    dst[i] += src[i];
}

} // namespace nnc::rt::conv
