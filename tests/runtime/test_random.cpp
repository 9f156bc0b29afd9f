// The runtime's random fills are the IR's random ops, element for element.
#include "nnc/rng.h"
#include "nnc/runtime.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

TEST_CASE("runtime: version is a string") { CHECK(std::string(nnc_runtime_version()) == "0.1.0"); }

TEST_CASE("runtime: fills follow the counter-based generator") {
  std::vector<float> u(1000), n(1000);
  nnc_fill_uniform_f32(u.data(), 1000, 42, 7);
  nnc_fill_normal_f32(n.data(), 1000, 42, 7);
  for (uint64_t i = 0; i < 1000; ++i) {
    REQUIRE(u[i] == nnc_rng_uniform(42, 7, i));
    REQUIRE(n[i] == static_cast<float>(nnc_rng_normal(42, 7, i)));
    REQUIRE(u[i] >= 0.0f);
    REQUIRE(u[i] < 1.0f);
    REQUIRE(std::isfinite(n[i]));
  }
  // A different key gives a different stream.
  std::vector<float> v(1000);
  nnc_fill_uniform_f32(v.data(), 1000, 42, 8);
  int same = 0;
  for (size_t i = 0; i < 1000; ++i) same += u[i] == v[i];
  CHECK(same < 5);
}
