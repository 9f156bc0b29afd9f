// max_pool2d, avg_pool2d and their adjoints (nnc/conv.h) against naive
// double loops: channel counts around the vector width, strides, padding,
// windows in the padding, NaN, ties, and thread-count invariance.
#include "WindowTestUtil.h"

#include <catch2/catch.hpp>

#include <cfloat>
#include <cstring>

using namespace window_test;

namespace {

template <class T> struct Pool;
template <> struct Pool<float> {
  static constexpr double eps = FLT_EPSILON;
  static constexpr auto max = nnc_max_pool2d_f32;
  static constexpr auto avg = nnc_avg_pool2d_f32;
  static constexpr auto maxGrad = nnc_max_pool2d_grad_f32;
  static constexpr auto avgGrad = nnc_avg_pool2d_grad_f32;
};
template <> struct Pool<double> {
  static constexpr double eps = DBL_EPSILON;
  static constexpr auto max = nnc_max_pool2d_f64;
  static constexpr auto avg = nnc_avg_pool2d_f64;
  static constexpr auto maxGrad = nnc_max_pool2d_grad_f64;
  static constexpr auto avgGrad = nnc_avg_pool2d_grad_f64;
};

constexpr double kInf = std::numeric_limits<double>::infinity();

// The interpreter's rule: a NaN wins and stays; otherwise only a strictly
// greater value replaces the maximum, so the first one wins.
bool replaces(bool have, double best, double v) { return !have || (!std::isnan(best) && (std::isnan(v) || v > best)); }

// max_pool2d (exact: no arithmetic) and the input element each window's
// maximum came from (-1 for a window wholly in the padding).
template <class T>
std::vector<double> refMax(const nnc_window2d &g, const std::vector<T> &x, std::vector<int64_t> &arg) {
  std::vector<double> y(size_t(outSize(g)), -kInf);
  arg.assign(size_t(outSize(g)), -1);
  forEachTap(g, [&](int64_t b, int64_t oy, int64_t ox, int64_t, int64_t, int64_t iy, int64_t ix) {
    for (int64_t ch = 0; ch < g.in_c; ++ch) {
      size_t o = size_t(outAt(g, b, oy, ox) + ch);
      int64_t at = inAt(g, b, iy, ix) + ch;
      if (!replaces(arg[o] >= 0, y[o], x[size_t(at)])) continue;
      y[o] = x[size_t(at)];
      arg[o] = at;
    }
  });
  return y;
}

// avg_pool2d as a sum of value / count terms.
template <class T> Reference refAvg(const nnc_window2d &g, const std::vector<T> &x) {
  std::vector<double> count(size_t(outSize(g)));
  forEachTap(g, [&](int64_t b, int64_t oy, int64_t ox, int64_t, int64_t, int64_t, int64_t) {
    for (int64_t ch = 0; ch < g.in_c; ++ch)
      count[size_t(outAt(g, b, oy, ox) + ch)] += 1;
  });
  Reference r(outSize(g));
  forEachTap(g, [&](int64_t b, int64_t oy, int64_t ox, int64_t, int64_t, int64_t iy, int64_t ix) {
    for (int64_t ch = 0; ch < g.in_c; ++ch) {
      int64_t o = outAt(g, b, oy, ox) + ch;
      r.add(o, x[size_t(inAt(g, b, iy, ix) + ch)] / count[size_t(o)]);
    }
  });
  return r;
}

Reference refMaxGrad(const nnc_window2d &g, const std::vector<int64_t> &arg, const std::vector<double> &dy) {
  Reference r(inSize(g));
  for (size_t o = 0; o < arg.size(); ++o)
    if (arg[o] >= 0) r.add(arg[o], dy[o]);
  return r;
}

// `avg` is avg_pool2d's reference, whose term counts are the windows' sizes.
Reference refAvgGrad(const nnc_window2d &g, const Reference &avg, const std::vector<double> &dy) {
  Reference r(inSize(g));
  forEachTap(g, [&](int64_t b, int64_t oy, int64_t ox, int64_t, int64_t, int64_t iy, int64_t ix) {
    for (int64_t ch = 0; ch < g.in_c; ++ch) {
      size_t o = size_t(outAt(g, b, oy, ox) + ch);
      r.add(inAt(g, b, iy, ix) + ch, dy[o] / avg.count[o]);
    }
  });
  return r;
}

template <class T> struct Outputs { std::vector<T> max, avg, maxGrad, avgGrad; };

template <class T> Outputs<T> runAll(const nnc_window2d &g, const std::vector<T> &x, const std::vector<T> &dy) {
  Outputs<T> o{poisoned<T>(outSize(g)), poisoned<T>(outSize(g)), poisoned<T>(inSize(g)), poisoned<T>(inSize(g))};
  Pool<T>::max(&g, x.data(), o.max.data());
  Pool<T>::avg(&g, x.data(), o.avg.data());
  Pool<T>::maxGrad(&g, x.data(), dy.data(), o.maxGrad.data());
  Pool<T>::avgGrad(&g, dy.data(), o.avgGrad.data());
  return o;
}

template <class T> void checkPools(const nnc_window2d &g, const std::vector<T> &x, const std::vector<T> &dy) {
  Outputs<T> o = runAll(g, x, dy);
  std::vector<int64_t> arg;
  std::vector<double> wantMax = refMax(g, x, arg);
  for (size_t i = 0; i < wantMax.size(); ++i) {
    INFO("max_pool2d at " << i);
    if (std::isnan(wantMax[i]))
      REQUIRE(std::isnan(o.max[i]));
    else
      REQUIRE(o.max[i] == wantMax[i]);
  }
  Reference avg = refAvg(g, x);
  checkAgainst<T>(Pool<T>::eps, o.avg, avg, "avg_pool2d");
  std::vector<double> dyd(dy.begin(), dy.end());
  checkAgainst<T>(Pool<T>::eps, o.maxGrad, refMaxGrad(g, arg, dyd), "max_pool2d_grad");
  checkAgainst<T>(Pool<T>::eps, o.avgGrad, refAvgGrad(g, avg, dyd), "avg_pool2d_grad");
}

template <class T> void checkGeometry(const Geometry &geo) {
  INFO(geo.str());
  nnc_window2d g = geo.window();
  checkPools<T>(g, randomVector<T>(inSize(g), 1), randomVector<T>(outSize(g), 2));
}

// Channel counts around the vector widths (4 to 16 floats, 2 to 8 doubles).
// clang-format off
// {n, h, w, c, out_c (= c), kh, kw, sh, sw, pad top, bottom, left, right}
const Geometry kShapes[] = {
    {1, 4, 4, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0},      // the classic 2x2 / 2, one channel
    {5, 7, 7, 3, 3, 2, 2, 2, 2, 0, 0, 0, 0},      // odd size drops the last row and column
    {2, 7, 9, 17, 17, 3, 3, 1, 1, 1, 1, 1, 1},    // same, overlapping windows
    {3, 17, 5, 16, 16, 3, 2, 2, 1, 2, 0, 1, 1},   // asymmetric everything
    {1, 3, 3, 33, 33, 2, 2, 3, 3, 4, 4, 4, 4},    // windows wholly in the padding
    {2, 1, 1, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1},      // window larger than the image
    {1, 1, 17, 7, 7, 1, 3, 1, 2, 0, 0, 1, 0},     // one row
    {4, 28, 28, 32, 32, 2, 2, 2, 2, 0, 0, 0, 0},  // threaded
    {2, 12, 12, 19, 19, 3, 3, 2, 2, 1, 1, 1, 1},  // threaded with overlaps and tails
};
// clang-format on

} // namespace

TEST_CASE("pool: f32 matches the reference on awkward shapes") {
  for (const Geometry &geo : kShapes)
    checkGeometry<float>(geo);
}

TEST_CASE("pool: f64 matches the reference on awkward shapes") {
  for (const Geometry &geo : kShapes)
    checkGeometry<double>(geo);
}

TEST_CASE("pool: windows in the padding give -inf and 0 and take no gradient") {
  nnc_window2d g = Geometry{1, 1, 1, 20, 20, 1, 1, 1, 1, 0, 2, 0, 0}.window(); // rows 1 and 2 are padding
  REQUIRE(g.out_h == 3);
  std::vector<float> x(20, 1.5f), dy(60, 1.0f);
  Outputs<float> o = runAll(g, x, dy);
  for (int64_t i = 20; i < 60; ++i) {
    CHECK(o.max[size_t(i)] == -std::numeric_limits<float>::infinity());
    CHECK(o.avg[size_t(i)] == 0.0f);
  }
  for (int64_t i = 0; i < 20; ++i) {
    CHECK(o.maxGrad[size_t(i)] == 1.0f);
    CHECK(o.avgGrad[size_t(i)] == 1.0f);
  }
}

TEST_CASE("pool: NaN wins the maximum and takes the gradient; ties go to the first") {
  for (int64_t c : {1, 3, 16, 19}) {
    INFO(c << " channels");
    nnc_window2d g = Geometry{2, 5, 5, c, c, 3, 3, 2, 2, 1, 1, 1, 1}.window();
    std::vector<float> x = randomVector<float>(inSize(g), 7), dy = randomVector<float>(outSize(g), 8);
    for (size_t i = 0; i < x.size(); i += 13)
      x[i] = std::nanf("");
    checkPools<float>(g, x, dy);
    checkPools<float>(g, std::vector<float>(x.size(), 0.5f), dy);
    std::vector<double> xd(x.begin(), x.end()), dyd(dy.begin(), dy.end());
    checkPools<double>(g, xd, dyd);
  }
}

TEST_CASE("pool: results are bitwise identical for any thread count") {
  ThreadCountGuard guard;
  for (const Geometry &geo : {kShapes[7], kShapes[8]}) {
    INFO(geo.str());
    nnc_window2d g = geo.window();
    auto x = randomVector<float>(inSize(g), 3), dy = randomVector<float>(outSize(g), 4);
    nnc_threads_set(1);
    Outputs<float> one = runAll(g, x, dy);
    for (int threads : {2, 3, 7}) {
      INFO(threads << " threads");
      nnc_threads_set(threads);
      Outputs<float> many = runAll(g, x, dy);
      CHECK(std::memcmp(one.max.data(), many.max.data(), one.max.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(one.avg.data(), many.avg.data(), one.avg.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(one.maxGrad.data(), many.maxGrad.data(), one.maxGrad.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(one.avgGrad.data(), many.avgGrad.data(), one.avgGrad.size() * sizeof(float)) == 0);
    }
  }
}
