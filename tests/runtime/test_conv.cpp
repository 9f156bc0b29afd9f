// conv2d and its adjoints (nnc/conv.h) against naive double loops: awkward
// sizes, strides, same/valid/asymmetric padding, windows in the padding,
// blocks that cross images, and thread-count invariance.
#include "WindowTestUtil.h"

#include <catch2/catch.hpp>

#include <cfloat>
#include <cstring>

using namespace window_test;

namespace {

template <class T> struct Conv;
template <> struct Conv<float> {
  static constexpr double eps = FLT_EPSILON;
  static constexpr auto forward = nnc_conv2d_f32;
  static constexpr auto gradInput = nnc_conv2d_grad_input_f32;
  static constexpr auto gradFilter = nnc_conv2d_grad_filter_f32;
};
template <> struct Conv<double> {
  static constexpr double eps = DBL_EPSILON;
  static constexpr auto forward = nnc_conv2d_f64;
  static constexpr auto gradInput = nnc_conv2d_grad_input_f64;
  static constexpr auto gradFilter = nnc_conv2d_grad_filter_f64;
};

int64_t filterAt(const nnc_window2d &g, int64_t ky, int64_t kx, int64_t ch) {
  return ((ky * g.kernel_w + kx) * g.in_c + ch) * g.out_c;
}

template <class T> Reference refConv(const nnc_window2d &g, const std::vector<T> &x, const std::vector<T> &w) {
  Reference r(outSize(g));
  forEachTap(g, [&](int64_t b, int64_t oy, int64_t ox, int64_t ky, int64_t kx, int64_t iy, int64_t ix) {
    for (int64_t ch = 0; ch < g.in_c; ++ch)
      for (int64_t o = 0; o < g.out_c; ++o)
        r.add(outAt(g, b, oy, ox) + o,
              double(x[size_t(inAt(g, b, iy, ix) + ch)]) * w[size_t(filterAt(g, ky, kx, ch) + o)]);
  });
  return r;
}

template <class T> Reference refGradInput(const nnc_window2d &g, const std::vector<T> &dy, const std::vector<T> &w) {
  Reference r(inSize(g));
  forEachTap(g, [&](int64_t b, int64_t oy, int64_t ox, int64_t ky, int64_t kx, int64_t iy, int64_t ix) {
    for (int64_t ch = 0; ch < g.in_c; ++ch)
      for (int64_t o = 0; o < g.out_c; ++o)
        r.add(inAt(g, b, iy, ix) + ch,
              double(dy[size_t(outAt(g, b, oy, ox) + o)]) * w[size_t(filterAt(g, ky, kx, ch) + o)]);
  });
  return r;
}

template <class T> Reference refGradFilter(const nnc_window2d &g, const std::vector<T> &x, const std::vector<T> &dy) {
  Reference r(filterSize(g));
  forEachTap(g, [&](int64_t b, int64_t oy, int64_t ox, int64_t ky, int64_t kx, int64_t iy, int64_t ix) {
    for (int64_t ch = 0; ch < g.in_c; ++ch)
      for (int64_t o = 0; o < g.out_c; ++o)
        r.add(filterAt(g, ky, kx, ch) + o,
              double(x[size_t(inAt(g, b, iy, ix) + ch)]) * dy[size_t(outAt(g, b, oy, ox) + o)]);
  });
  return r;
}

template <class T> struct Outputs { std::vector<T> y, dx, dw; };

template <class T>
Outputs<T> runAll(const nnc_window2d &g, const std::vector<T> &x, const std::vector<T> &w, const std::vector<T> &dy) {
  Outputs<T> o{poisoned<T>(outSize(g)), poisoned<T>(inSize(g)), poisoned<T>(filterSize(g))};
  Conv<T>::forward(&g, x.data(), w.data(), o.y.data());
  Conv<T>::gradInput(&g, dy.data(), w.data(), o.dx.data());
  Conv<T>::gradFilter(&g, x.data(), dy.data(), o.dw.data());
  return o;
}

template <class T> void checkGeometry(const Geometry &geo) {
  INFO(geo.str());
  nnc_window2d g = geo.window();
  auto x = randomVector<T>(inSize(g), 1), w = randomVector<T>(filterSize(g), 2), dy = randomVector<T>(outSize(g), 3);
  Outputs<T> o = runAll(g, x, w, dy);
  checkAgainst<T>(Conv<T>::eps, o.y, refConv(g, x, w), "conv2d");
  checkAgainst<T>(Conv<T>::eps, o.dx, refGradInput(g, dy, w), "conv2d_grad_input");
  checkAgainst<T>(Conv<T>::eps, o.dw, refGradFilter(g, x, dy), "conv2d_grad_filter");
}

// clang-format off
// {n, h, w, c, F, kh, kw, sh, sw, pad top, bottom, left, right}
const Geometry kShapes[] = {
    {2, 5, 3, 7, 3, 1, 1, 1, 1, 0, 0, 0, 0},        // 1x1: the GEMM on x itself
    {1, 4, 4, 3, 2, 1, 1, 1, 1, 0, 1, 0, 1},        // 1x1 with bottom/right padding rows
    {3, 7, 7, 16, 1, 1, 1, 2, 2, 0, 0, 0, 0},       // 1x1, stride 2
    {1, 7, 7, 3, 17, 3, 3, 1, 1, 1, 1, 1, 1},       // same
    {3, 17, 9, 1, 5, 3, 3, 2, 2, 0, 0, 0, 0},       // valid, stride 2, one channel
    {2, 7, 17, 17, 7, 3, 5, 2, 1, 0, 2, 1, 3},      // asymmetric everything
    {1, 3, 3, 3, 2, 2, 2, 3, 3, 4, 4, 4, 4},        // windows wholly in the padding
    {4, 1, 1, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1},        // window larger than the image
    {1, 1, 17, 3, 7, 1, 3, 1, 1, 0, 0, 1, 1},       // one row
    {2, 12, 10, 33, 20, 3, 3, 2, 2, 1, 0, 1, 0},    // TensorFlow-style same, stride 2
};

// Large enough to use the thread pool and to exercise the blocking of
// conv.cpp (im2col blocks of 2^16 floats, dw in up to 32 chunks).
const Geometry kLargeShapes[] = {
    {2, 10, 10, 100, 16, 3, 3, 1, 1, 1, 1, 1, 1},   // im2col blocks crossing images
    {3, 20, 20, 8, 16, 5, 5, 1, 1, 2, 2, 2, 2},     // 14 dw chunks
    {8, 32, 32, 16, 8, 1, 1, 1, 1, 0, 0, 0, 0},     // 1x1 with dw in chunks
    {1, 128, 128, 16, 1, 3, 3, 1, 1, 1, 1, 1, 1},   // dw chunks of several im2col blocks
};
// clang-format on

} // namespace

TEST_CASE("conv: f32 matches the reference on awkward shapes") {
  for (const Geometry &geo : kShapes)
    checkGeometry<float>(geo);
  for (const Geometry &geo : kLargeShapes)
    checkGeometry<float>(geo);
}

TEST_CASE("conv: f64 matches the reference on awkward shapes") {
  for (const Geometry &geo : kShapes)
    checkGeometry<double>(geo);
}

TEST_CASE("conv: f32 results are bitwise identical for any thread count") {
  ThreadCountGuard guard;
  // The last large shape adds nothing here and is slow under sanitizers.
  for (const Geometry &geo : {kLargeShapes[0], kLargeShapes[1], kLargeShapes[2]}) {
    INFO(geo.str());
    nnc_window2d g = geo.window();
    auto x = randomVector<float>(inSize(g), 4), w = randomVector<float>(filterSize(g), 5),
         dy = randomVector<float>(outSize(g), 6);
    nnc_threads_set(1);
    Outputs<float> one = runAll(g, x, w, dy);
    for (int threads : {2, 7}) {
      INFO(threads << " threads");
      nnc_threads_set(threads);
      Outputs<float> many = runAll(g, x, w, dy);
      CHECK(std::memcmp(one.y.data(), many.y.data(), one.y.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(one.dx.data(), many.dx.data(), one.dx.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(one.dw.data(), many.dw.data(), one.dw.size() * sizeof(float)) == 0);
    }
  }
}
