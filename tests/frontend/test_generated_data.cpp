// Generated data: the sources a data block's settings give (a test split
// with `test_samples`), arange for series, and their errors.
#include "CheckUtil.h"

#include "ir/Interpreter.h"

#include <catch2/catch.hpp>

#include <cmath>

using nnc::test::check;
using nnc::test::firstError;

namespace {

const nnc::DataInfo &onlyData(const nnc::test::CheckResult &r) {
  INFO(r.text);
  REQUIRE(r.errors.empty());
  REQUIRE(r.program().datas.size() == 1);
  return r.program().datas[0];
}

std::string fieldType(const nnc::DataInfo &d, const std::string &name) {
  for (const auto &[n, id] : d.graph.outputs())
    if (n == name) return d.graph.type(id).str();
  return "<no field " + name + ">";
}

} // namespace

TEST_CASE("generated data: test_samples gives a test split after the training split") {
  auto r = check("data d {\n  samples = 100\n  test_samples = 30\n  x = normal([2])\n}\n");
  const auto &d = onlyData(r);
  REQUIRE(d.sources.size() == 2);
  CHECK(d.sources[0].kind == nnc::DataSource::Generated);
  CHECK(d.sources[0].split == "train");
  CHECK(d.sources[0].samples == 100);
  CHECK(d.sources[1].kind == nnc::DataSource::Generated);
  CHECK(d.sources[1].split == "test");
  CHECK(d.sources[1].samples == 30);
  CHECK(d.testSamples == 30);
  // Without it, generated data has a training split only.
  auto plain = check("data d {\n  samples = 100\n  x = normal([2])\n}\n");
  REQUIRE(onlyData(plain).sources.size() == 1);
  CHECK(onlyData(plain).sources[0].split == "train");
}

TEST_CASE("generated data: test_samples needs generated data and a positive count") {
  CHECK(firstError("data d {\n  x = [[1], [2]]\n  test_samples = 10\n}\n") ==
        "main.nn:3:3: error: `test_samples` sizes the test split of generated data, but data block `d` reads its "
        "samples; give a source instead: `test = idx(...)` or `test = csv(...)`");
  CHECK(firstError("data d {\n  samples = 4\n  test_samples = 10\n}\n") ==
        "main.nn:3:3: error: `test_samples` sizes the test split of generated data, but data block `d` generates "
        "nothing (no random values); give a source instead: `test = idx(...)` or `test = csv(...)`");
  CHECK(firstError("data d {\n  samples = 4\n  test_samples = 0\n  x = normal([2])\n}\n") ==
        "main.nn:3:18: error: `test_samples` must be a positive int, got int 0");
  CHECK(firstError("data d {\n  samples = 4\n  test_samples = 2.5\n  x = normal([2])\n}\n") ==
        "main.nn:3:18: error: `test_samples` must be a positive int, got float 2.5");
}

TEST_CASE("generated data: windows of a series, built with arange") {
  // Each sample: 11 values of a sine from a random start, 10 inputs and the next.
  auto r = check("data series {\n  samples = 8\n  seed = 1\n"
                 "  t = uniform([1, 1], 0.0, 100.0) + 0.5 * reshape(arange(11), [11, 1])\n"
                 "  s = sin(t)\n  x = s[:, :10, :]\n  y = s[:, 10, :]\n  start = t[:, 0, :]\n}\n");
  const auto &d = onlyData(r);
  CHECK(fieldType(d, "x") == "f32[B, 10, 1]");
  CHECK(fieldType(d, "y") == "f32[B, 1]");
  nnc::ir::Bindings b;
  b.batch = 8;
  auto out = nnc::ir::runOutputs(d.graph, b);
  const auto &x = out.at("x").data, &y = out.at("y").data, &start = out.at("start").data;
  for (size_t i = 0; i < 8; ++i) {
    for (size_t k = 0; k < 10; ++k)
      CHECK(x[i * 10 + k] == Approx(std::sin(start[i] + 0.5 * static_cast<double>(k))).margin(1e-4));
    CHECK(y[i] == Approx(std::sin(start[i] + 5.0)).margin(1e-4));
  }
}

TEST_CASE("generated data: arange follows numpy") {
  auto values = [](const std::string &call) {
    auto r = check("data d {\n  x = [[0]]\n  a = x + " + call + "\n}\n");
    INFO(r.text);
    REQUIRE(r.errors.empty());
    nnc::ir::Bindings b;
    b.batch = 1;
    b.inputs.emplace("x", nnc::ir::Tensor(nnc::ir::DType::F32, nnc::ir::Shape{1, 1}, {0.0}));
    return nnc::ir::runOutputs(r.program().datas.at(0).graph, b).at("a").data;
  };
  CHECK(values("arange(4)") == std::vector<double>{0, 1, 2, 3});
  CHECK(values("arange(1, 2, 0.25)") == std::vector<double>{1, 1.25, 1.5, 1.75});
  CHECK(values("arange(3, 0, -1)") == std::vector<double>{3, 2, 1});
  auto err = [](const std::string &call) { return firstError("data d {\n  x = [[0]]\n  a = x + " + call + "\n}\n"); };
  CHECK(err("arange(0)") == "main.nn:3:11: error: `arange` would be empty: no value from 0 to 0 by 1");
  CHECK(err("arange(1, 2, 0)") == "main.nn:3:24: error: the step of `arange` cannot be 0");
  CHECK(err("arange(10000000)") ==
        "main.nn:3:11: error: `arange` is limited to 2^20 elements; this would hold 10000000");
  CHECK(err("arange(\"a\")") == "main.nn:3:18: error: `arange` takes numbers, got string \"a\"");
}
