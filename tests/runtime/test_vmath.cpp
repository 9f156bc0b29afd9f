// The runtime's array exp, log and tanh against libm, element by element, on
// lengths around the vector width and on the special values.
#include "nnc/threads.h"
#include "nnc/vmath.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace {

using Fn = void (*)(const float *, float *, int64_t);

// Within 4 ulp of libm's float result (or both NaN, or equal infinities).
void checkAgainst(Fn fn, float (*ref)(float), const std::vector<float> &x) {
  std::vector<float> y(x.size(), 123.0f);
  fn(x.data(), y.data(), static_cast<int64_t>(x.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    INFO("x = " << x[i]);
    float want = ref(x[i]);
    if (std::isnan(want)) {
      CHECK(std::isnan(y[i]));
    } else if (std::isinf(want) || want == 0) {
      CHECK(y[i] == want);
    } else {
      float ulp = std::nextafter(std::fabs(want), INFINITY) - std::fabs(want);
      CHECK(std::fabs(y[i] - want) <= 4 * ulp);
    }
  }
}

std::vector<float> randomValues(size_t n, float lo, float hi) {
  std::mt19937 rng(static_cast<unsigned>(n));
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float &x : v) x = u(rng);
  return v;
}

} // namespace

TEST_CASE("vmath: exp, log and tanh match libm on awkward lengths") {
  for (size_t n : {0, 1, 3, 7, 8, 9, 16, 17, 129}) {
    INFO("n = " << n);
    checkAgainst(nnc_vexp_f32, std::exp, randomValues(n, -80.0f, 80.0f));
    checkAgainst(nnc_vlog_f32, std::log, randomValues(n, 1e-30f, 1e30f));
    checkAgainst(nnc_vtanh_f32, std::tanh, randomValues(n, -10.0f, 10.0f));
  }
}

TEST_CASE("vmath: special values") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  checkAgainst(nnc_vexp_f32, std::exp, {0.0f, -0.0f, 100.0f, -200.0f, inf, -inf, nan});
  checkAgainst(nnc_vlog_f32, std::log, {1.0f, 0.0f, -1.0f, inf, nan, 1e-40f});
  checkAgainst(nnc_vtanh_f32, std::tanh, {0.0f, 1e-6f, -1e-6f, 20.0f, -20.0f, inf, -inf, nan});
}

TEST_CASE("vmath: long arrays split over threads give libm's values and the same bits at any thread count") {
  int saved = nnc_threads_get();
  for (size_t n : {16383, 16384, 40000 + 13}) {
    INFO("n = " << n);
    std::vector<float> x = randomValues(n, -10.0f, 10.0f);
    for (Fn fn : {nnc_vexp_f32, nnc_vtanh_f32}) {
      nnc_threads_set(1);
      std::vector<float> one(n), three(n);
      fn(x.data(), one.data(), static_cast<int64_t>(n));
      nnc_threads_set(3);
      fn(x.data(), three.data(), static_cast<int64_t>(n));
      CHECK(std::memcmp(one.data(), three.data(), n * sizeof(float)) == 0);
      // In place, as a kernel may call it.
      std::vector<float> y = x;
      fn(y.data(), y.data(), static_cast<int64_t>(n));
      CHECK(std::memcmp(one.data(), y.data(), n * sizeof(float)) == 0);
    }
    checkAgainst(nnc_vexp_f32, std::exp, x);
    checkAgainst(nnc_vtanh_f32, std::tanh, x);
    std::vector<float> pos = randomValues(n, 1e-30f, 1e30f);
    checkAgainst(nnc_vlog_f32, std::log, pos);
  }
  nnc_threads_set(saved);
}
