// Front end and interpreter together: elaborated graphs of real programs run
// through the reference interpreter and give the values the math says.
#include "CheckUtil.h"
#include "ir/Interpreter.h"

#include <catch2/catch.hpp>

#include <cmath>

using nnc::ir::Bindings;
using nnc::ir::DType;
using nnc::ir::Shape;
using nnc::ir::Tensor;
using nnc::test::check;

namespace {

// Runs a model's init graph: every param by name.
std::map<std::string, Tensor> initParams(const nnc::ModelGraphs &m) {
  Bindings none;
  return nnc::ir::runOutputs(m.init, none);
}

} // namespace

TEST_CASE("run: initializers give the shapes and ranges they promise") {
  auto r = check("import std\nmodel M(x: f32[B, 784]) {\n  return dense(x, 128)\n}\n");
  INFO(r.text);
  REQUIRE(r.errors.empty());
  auto params = initParams(r.program().models[0]);
  const Tensor &W = params.at("M/dense_1/W");
  const Tensor &b = params.at("M/dense_1/b");
  CHECK(W.shape() == Shape{784, 128});
  double limit = std::sqrt(6.0 / (784 + 128)), sum = 0;
  for (double v : W.data) {
    REQUIRE(std::fabs(v) <= limit);
    sum += v;
  }
  CHECK(std::fabs(sum / W.numel()) < 0.01); // uniform around 0
  for (double v : b.data) CHECK(v == 0);
  // Reproducible: the same program gives the same weights.
  auto again = initParams(check("import std\nmodel M(x: f32[B, 784]) {\n  return dense(x, 128)\n}\n").program().models[0]);
  CHECK(again.at("M/dense_1/W") == W);
}

TEST_CASE("run: the stdlib's softmax cross-entropy and accuracy") {
  auto r = check("import std\nmodel Id(x: f32[B, 3]) {\n  param s: f32[1] = 1.0\n  return x * s\n}\n"
                 "data d {\n  x = [[1, 2, 3], [0, 0, 0]]\n  y = [[2], [0]]\n}\n"
                 "train Id on d {\n  loss = softmax_cross_entropy(Id(x), int(y[:, 0]))\n  optimizer = sgd()\n"
                 "  metrics = [accuracy(Id(x), int(y[:, 0]))]\n}\n");
  INFO(r.text);
  REQUIRE(r.errors.empty());
  const auto &g = r.program().trains[0].steps[0].graph;
  Bindings b;
  b.inputs["x"] = Tensor(DType::F32, Shape{2, 3}, {1, 2, 3, 0, 0, 0});
  b.inputs["y"] = Tensor(DType::F32, Shape{2, 1}, {2, 0});
  b.inputs["step"] = Tensor::scalar(1);
  b.params["Id/s"] = Tensor(DType::F32, Shape{1}, {1});
  auto out = nnc::ir::runOutputs(g, b);
  // -log softmax: row 1 at class 2, row 2 uniform over 3 classes.
  double row1 = -std::log(std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)));
  double row2 = std::log(3.0);
  CHECK(out.at("loss").data[0] == Approx((row1 + row2) / 2).epsilon(1e-12));
  // Row 1 is right; row 2 is a three-way tie, won by the first class, 0: right too.
  CHECK(out.at("metric_0").data[0] == 1.0);
}

TEST_CASE("run: generated data follows its formula") {
  auto r = check("data line {\n  samples = 100\n  x = uniform([1], -1.0, 1.0)\n  y = 2.0 * x + 1.0\n}\n");
  INFO(r.text);
  REQUIRE(r.errors.empty());
  const auto &g = r.program().datas[0].graph;
  Bindings b;
  b.batch = 50;
  auto out = nnc::ir::runOutputs(g, b);
  const Tensor &x = out.at("x"), &y = out.at("y");
  REQUIRE(x.shape() == Shape{50, 1});
  for (size_t i = 0; i < 50; ++i) {
    REQUIRE(x.data[i] >= -1.0);
    REQUIRE(x.data[i] < 1.0);
    REQUIRE(y.data[i] == Approx(2 * x.data[i] + 1));
  }
}

TEST_CASE("run: a model's forward graph on the interpreter") {
  auto r = check("import std\nmodel Xor(x: f32[B, 2]) -> f32[B, 1] {\n  h = tanh(dense(x, 8))\n"
                 "  return sigmoid(dense(h, 1))\n}\n");
  INFO(r.text);
  REQUIRE(r.errors.empty());
  const auto &m = r.program().models[0];
  Bindings b;
  b.params = initParams(m);
  b.inputs["x"] = Tensor(DType::F32, Shape{4, 2}, {0, 0, 0, 1, 1, 0, 1, 1});
  for (auto precision : {nnc::ir::Precision::F32, nnc::ir::Precision::F64}) {
    auto out = nnc::ir::runOutputs(m.forward, b, precision);
    const Tensor &p = out.at("output");
    REQUIRE(p.shape() == Shape{4, 1});
    // Hand-compute the same network from the initial weights.
    const auto &W1 = b.params.at("Xor/dense_1/W").data, &W2 = b.params.at("Xor/dense_2/W").data;
    for (int s = 0; s < 4; ++s) {
      double z = 0;
      for (int j = 0; j < 8; ++j) z += std::tanh(b.inputs["x"].data[2 * s] * W1[j] + b.inputs["x"].data[2 * s + 1] * W1[8 + j]) * W2[j];
      CHECK(p.data[static_cast<size_t>(s)] == Approx(1 / (1 + std::exp(-z))).epsilon(1e-5));
    }
  }
}
