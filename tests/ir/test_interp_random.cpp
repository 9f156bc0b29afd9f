// random_uniform and random_normal, and the counter-based generator of
// runtime/include/nnc/rng.h they share with the compiled code.
#include "ir/Interpreter.h"

#include "InterpTestUtil.h"
#include "nnc/rng.h"

#include <cmath>

using namespace nnc::ir;
using namespace nnc::ir::test;

namespace {

constexpr int64_t kSamples = 100000;

Attrs randomAttrs(std::vector<int64_t> shape, int64_t seed, const char *dtype = "f32") {
  return {{"shape", std::move(shape)}, {"seed", seed}, {"dtype", std::string(dtype)}};
}

double mean(const std::vector<double> &v) {
  double s = 0;
  for (double x : v)
    s += x;
  return s / static_cast<double>(v.size());
}

double stddev(const std::vector<double> &v) {
  double m = mean(v), s = 0;
  for (double x : v)
    s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size()));
}

} // namespace

TEST_CASE("random_uniform lies in 0 <= u < 1 with 24-bit values and mean 1/2", "[interp][random]") {
  Graph g;
  NodeId u = g.create(Op::RandomUniform, {}, randomAttrs({kSamples}, 42));
  std::vector<double> v = interpret(g, {}, Precision::F32)[u].data;
  std::vector<int64_t> bins(10, 0);
  for (double x : v) {
    REQUIRE(x >= 0.0);
    REQUIRE(x < 1.0);
    double scaled = x * 16777216.0; // 2^24
    REQUIRE(scaled == std::floor(scaled));
    ++bins[static_cast<size_t>(x * 10)];
  }
  CHECK(std::fabs(mean(v) - 0.5) < 0.005);
  for (int64_t n : bins)
    CHECK(std::abs(n - kSamples / 10) < 500); // ~5 sigma
  // Exact floats: F64 mode gives the same values.
  CHECK(interpret(g, {}, Precision::F64)[u].data == v);
}

TEST_CASE("random_normal has mean 0 and standard deviation 1", "[interp][random]") {
  Graph g;
  NodeId n = g.create(Op::RandomNormal, {}, randomAttrs({kSamples}, 7, "f64"));
  std::vector<double> v = interpret(g, {})[n].data;
  for (double x : v)
    REQUIRE(std::isfinite(x));
  CHECK(std::fabs(mean(v)) < 0.02);
  CHECK(std::fabs(stddev(v) - 1.0) < 0.02);
}

TEST_CASE("Random values depend only on seed, key and index", "[interp][random]") {
  Graph g;
  NodeId a = g.create(Op::RandomUniform, {}, randomAttrs({16}, 1));
  NodeId same = g.create(Op::RandomUniform, {}, randomAttrs({16}, 1));
  NodeId otherSeed = g.create(Op::RandomUniform, {}, randomAttrs({16}, 2));
  NodeId k0 = g.scalar(0, DType::I32), k7 = g.scalar(7, DType::I32), k8 = g.scalar(8, DType::I32);
  NodeId key0 = g.create(Op::RandomUniform, {k0}, randomAttrs({16}, 1));
  NodeId key7 = g.create(Op::RandomUniform, {k7}, randomAttrs({16}, 1));
  NodeId key7again = g.create(Op::RandomUniform, {k7}, randomAttrs({16}, 1));
  NodeId key8 = g.create(Op::RandomUniform, {k8}, randomAttrs({16}, 1));
  NodeId longer = g.create(Op::RandomUniform, {}, randomAttrs({4, 8}, 1));
  NodeId normal = g.create(Op::RandomNormal, {}, randomAttrs({16}, 1));

  auto v = interpret(g, {});
  CHECK(v[a] == v[same]);
  CHECK(v[a] == v[key0]); // no key means key 0
  CHECK(v[key7] == v[key7again]);
  CHECK(v[a].data != v[otherSeed].data);
  CHECK(v[key7].data != v[key8].data);
  CHECK(v[key7].data != v[a].data);
  CHECK(v[normal].data != v[a].data);
  // Element i is a function of i alone, whatever the shape.
  CHECK(std::equal(v[a].data.begin(), v[a].data.end(), v[longer].data.begin()));
  CHECK(interpret(g, {})[a] == v[a]); // and of nothing else
  for (size_t i = 0; i < 16; ++i) {
    CHECK(v[a].data[i] == nnc_rng_uniform(1, 0, i));
    CHECK(v[key8].data[i] == nnc_rng_uniform(1, 8, i));
    CHECK(v[normal].data[i] == nnc_rng_normal(1, 0, i)); // F64 mode: not rounded
  }
}

TEST_CASE("A negative i32 key is sign-extended", "[interp][random]") {
  Graph g;
  NodeId k = g.scalar(-1, DType::I32);
  NodeId u = g.create(Op::RandomUniform, {k}, randomAttrs({4}, 3));
  auto v = interpret(g, {});
  for (size_t i = 0; i < 4; ++i)
    CHECK(v[u].data[i] == nnc_rng_uniform(3, UINT64_MAX, i));
}

TEST_CASE("random_normal rounds to float only in F32 mode", "[interp][random]") {
  Graph g;
  NodeId n = g.create(Op::RandomNormal, {}, randomAttrs({8}, 5));
  auto f64 = interpret(g, {}, Precision::F64)[n];
  auto f32 = interpret(g, {}, Precision::F32)[n];
  for (size_t i = 0; i < 8; ++i) {
    CHECK(f64.data[i] == nnc_rng_normal(5, 0, i));
    CHECK(f32.data[i] == static_cast<double>(static_cast<float>(f64.data[i])));
  }
}

TEST_CASE("Random shapes may hold the batch dimension", "[interp][random]") {
  Graph g;
  NodeId x = g.input("x", {DType::F32, Shape{kBatch, 3}});
  (void)x;
  NodeId u = g.create(Op::RandomUniform, {}, randomAttrs({kBatch, 3}, 9));
  Bindings b;
  b.inputs["x"] = F32({2, 3}, {0, 0, 0, 0, 0, 0});
  Tensor t = interpret(g, b)[u];
  REQUIRE(t.shape() == Shape{2, 3});
  for (size_t i = 0; i < 6; ++i)
    CHECK(t.data[i] == nnc_rng_uniform(9, 0, i));
}

TEST_CASE("rng.h: pinned values keep streams reproducible across versions", "[interp][random]") {
  // If these change, every checkpoint trained with dropout or a random
  // initializer changes too: change them only on purpose.
  CHECK(nnc_rng_mix64(0) == 0);
  CHECK(nnc_rng_u64(0, 0, 0) == 6235967106033911276ull);
  CHECK(nnc_rng_u64(42, 7, 1000) == 1232642223303178111ull);
  CHECK(nnc_rng_uniform(42, 7, 3) == 0x1.83de94p-2f);
  CHECK(std::fabs(nnc_rng_normal(1, 2, 3) - -0x1.2ccc0f5bc388cp-1) < 1e-15); // libm may differ in the last bit
  CHECK(nnc_rng_u64(0, 0, 0) != nnc_rng_u64(0, 0, 1));
  CHECK(nnc_rng_u64(0, 0, 0) != nnc_rng_u64(0, 1, 0));
  CHECK(nnc_rng_u64(0, 0, 0) != nnc_rng_u64(1, 0, 0));
  CHECK(nnc_rng_at(nnc_rng_stream(11, 12), 13) == nnc_rng_u64(11, 12, 13));
}
