// Helpers for the convolution and pooling tests (test_conv.cpp,
// test_pool.cpp): geometries written like the IR's attributes, deterministic
// data, and the naive window loop the references are built on.
#pragma once

#include "nnc/conv.h"
#include "nnc/threads.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace window_test {

struct ThreadCountGuard {
  int saved = nnc_threads_get();
  ~ThreadCountGuard() { nnc_threads_set(saved); }
};

// Deterministic values in [-1, 1).
struct Lcg {
  uint64_t state;
  double next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 40) / 8388608.0 - 1.0;
  }
};

template <class T> std::vector<T> randomVector(int64_t n, uint64_t seed) {
  Lcg rng{seed * 7919 + 1};
  std::vector<T> v(static_cast<size_t>(n));
  for (T &x : v)
    x = static_cast<T>(rng.next());
  return v;
}

// A convolution or pool as the IR states it: input NHWC, out_c output
// channels (the pools use in_c), window, stride, pad {top, bottom, left, right}.
struct Geometry {
  int64_t n, h, w, c, outC, kh, kw, sh, sw;
  int64_t top, bottom, left, right;

  nnc_window2d window() const {
    return {n,  h,  w,   c,   (h + top + bottom - kh) / sh + 1, (w + left + right - kw) / sw + 1, outC, kh, kw,
            sh, sw, top, left};
  }
  std::string str() const {
    std::ostringstream s;
    s << "x[" << n << "," << h << "," << w << "," << c << "] F " << outC << " window " << kh << "x" << kw << " stride "
      << sh << "," << sw << " pad " << top << "," << bottom << "," << left << "," << right;
    return s.str();
  }
};

inline int64_t inSize(const nnc_window2d &g) { return g.batch * g.in_h * g.in_w * g.in_c; }
inline int64_t outSize(const nnc_window2d &g) { return g.batch * g.out_h * g.out_w * g.out_c; }
inline int64_t filterSize(const nnc_window2d &g) { return g.kernel_h * g.kernel_w * g.in_c * g.out_c; }
inline int64_t inAt(const nnc_window2d &g, int64_t b, int64_t y, int64_t x) {
  return ((b * g.in_h + y) * g.in_w + x) * g.in_c;
}
inline int64_t outAt(const nnc_window2d &g, int64_t b, int64_t y, int64_t x) {
  return ((b * g.out_h + y) * g.out_w + x) * g.out_c;
}

// Calls fn(b, oy, ox, ky, kx, iy, ix) for every in-bounds window element, in
// the interpreter's order: result pixels row-major, then the window row-major.
template <class Fn> void forEachTap(const nnc_window2d &g, Fn fn) {
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t oy = 0; oy < g.out_h; ++oy)
      for (int64_t ox = 0; ox < g.out_w; ++ox)
        for (int64_t ky = 0; ky < g.kernel_h; ++ky)
          for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
            int64_t iy = oy * g.stride_h - g.pad_top + ky, ix = ox * g.stride_w - g.pad_left + kx;
            if (iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w) fn(b, oy, ox, ky, kx, iy, ix);
          }
}

// A result in double, with the sum of its terms' magnitudes and their count
// per element: a float sum of them is within (count + 3) ulps of `scale`.
struct Reference {
  std::vector<double> value, scale, count;
  explicit Reference(int64_t n) : value(size_t(n)), scale(size_t(n)), count(size_t(n)) {}
  void add(int64_t i, double t) {
    value[size_t(i)] += t;
    scale[size_t(i)] += std::fabs(t);
    count[size_t(i)] += 1;
  }
};

// Checks every element of `got` within that bound, eps being the type's ulp;
// a NaN reference wants a NaN.
template <class T> void checkAgainst(double eps, const std::vector<T> &got, const Reference &want, const char *what) {
  INFO(what);
  REQUIRE(got.size() == want.value.size());
  for (size_t i = 0; i < got.size(); ++i) {
    double tol = (want.count[i] + 3) * eps * want.scale[i] + 1e-300;
    if (std::isnan(want.value[i]) ? !std::isnan(got[i]) : !(std::fabs(got[i] - want.value[i]) <= tol)) {
      CAPTURE(i, got[i], want.value[i], tol);
      FAIL_CHECK("element differs from the reference");
      return;
    }
  }
}

// Results start as NaN: every element must be overwritten.
template <class T> std::vector<T> poisoned(int64_t n) {
  return std::vector<T>(size_t(n), std::numeric_limits<T>::quiet_NaN());
}

} // namespace window_test
