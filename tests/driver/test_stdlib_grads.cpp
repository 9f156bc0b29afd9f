// Every stdlib layer, activation and loss, differentiated and checked
// against float64 central differences on the reference interpreter.
#include "autodiff/GradCheck.h"
#include "frontend/Frontend.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

namespace {

// Elaborates `program`, binds its first step's inputs with seeded random
// values (labels in [0, classes)), and checks every param's gradient.
void checkGradients(const std::string &program, int classes = 3) {
  static int counter = 0;
  auto path = std::filesystem::temp_directory_path() /
              ("nnc_grads_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + ".nn");
  std::ofstream(path) << program;
  nnc::SourceManager sm;
  nnc::DiagnosticEngine diags(sm);
  nnc::FrontendResult fe = nnc::runFrontend(path.string(), sm, diags);
  std::filesystem::remove(path);
  INFO(program << "\n" << diags.str());
  REQUIRE(!diags.hasErrors());
  const nnc::StepInfo &step = fe.program.trains.at(0).steps.at(0);
  nnc::ir::Bindings b;
  for (const nnc::ModelGraphs &m : fe.program.models) {
    nnc::ir::Bindings none;
    for (auto &[name, v] : nnc::ir::runOutputs(m.init, none)) b.params.emplace(name, v);
  }
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::uniform_int_distribution<int> label(0, classes - 1);
  const int64_t batch = 3;
  for (nnc::ir::NodeId id : step.graph.inputs()) {
    const auto &node = step.graph.node(id);
    std::string name = node.attrs.getString("name");
    nnc::ir::Shape shape = node.type.shape.bind(batch);
    std::vector<double> v(static_cast<size_t>(shape.numel()));
    for (double &x : v) x = node.type.dtype == nnc::ir::DType::I32 ? label(rng) : u(rng);
    if (name == "step") v = {1.0};
    b.inputs.emplace(name, nnc::ir::Tensor(node.type.dtype, shape, v));
  }
  auto results = nnc::autodiff::gradcheck(step.graph, "loss", b);
  REQUIRE(!results.empty());
  for (const auto &r : results) {
    INFO(r.name << ": max rel error " << r.maxRelError);
    CHECK(r.maxRelError < 1e-6);
  }
}

} // namespace

TEST_CASE("stdlib gradients: layers") {
  // Literal data shapes are given per sample; the data block's normal() takes them.
  checkGradients("import std\nmodel M(x: f32[B, 4]) {\n  return dense(x, 3)\n}\n"
                 "data d {\n  samples = 8\n  x = normal([4])\n  y = normal([3])\n}\n"
                 "train M on d {\n  loss = mse(M(x), y)\n  optimizer = sgd()\n}\n");
  checkGradients("import std\nmodel M(x: f32[B, 6, 6, 2]) {\n  return flatten(max_pool(conv(x, 3)))\n}\n"
                 "data d {\n  samples = 8\n  x = normal([6, 6, 2])\n  y = normal([27])\n}\n"
                 "train M on d {\n  loss = mse(M(x), y)\n  optimizer = sgd()\n}\n");
  checkGradients("import std\nmodel M(x: f32[B, 5, 5, 1]) {\n  return flatten(avg_pool(conv(x, 2, size = 2, stride = 2, padding = \"valid\"), 2, 1))\n}\n"
                 "data d {\n  samples = 8\n  x = normal([5, 5, 1])\n  y = normal([2])\n}\n"
                 "train M on d {\n  loss = mse(M(x), y)\n  optimizer = sgd()\n}\n");
  checkGradients("import std\nmodel M(x: i32[B, 4]) {\n  return sum(embedding(x, 3, 5), 1)\n}\n"
                 "data d {\n  x = [[0, 1, 2, 1], [2, 2, 0, 1]]\n  y = [[1, 2, 3, 4, 5], [0, 1, 0, 1, 0]]\n}\n"
                 "train M on d {\n  loss = mse(M(int(x)), y)\n  optimizer = sgd()\n}\n");
  // Dropout while training: the mask is fixed for a given step, so the
  // gradient is that of x * mask / (1 - rate).
  checkGradients("import std\nmodel M(x: f32[B, 4]) {\n  return dense(dropout(dense(x, 6), 0.5), 2)\n}\n"
                 "data d {\n  samples = 8\n  x = normal([4])\n  y = normal([2])\n}\n"
                 "train M on d {\n  loss = mse(M(x), y)\n  optimizer = sgd()\n}\n");
}

TEST_CASE("stdlib gradients: activations") {
  for (const char *act : {"sigmoid", "relu", "leaky_relu", "softplus", "tanh", "softmax", "log_softmax"}) {
    INFO(act);
    checkGradients("import std\nmodel M(x: f32[B, 4]) {\n  return " + std::string(act) + "(dense(x, 3))\n}\n"
                   "data d {\n  samples = 8\n  x = normal([4])\n  y = normal([3])\n}\n"
                   "train M on d {\n  loss = mse(M(x), y)\n  optimizer = sgd()\n}\n");
  }
}

TEST_CASE("stdlib gradients: losses") {
  const std::string head = "import std\nmodel M(x: f32[B, 4]) {\n  return dense(x, 3)\n}\n";
  const std::string tail = "  optimizer = sgd()\n}\n";
  checkGradients(head + "data d {\n  samples = 8\n  x = normal([4])\n  y = normal([3])\n}\n"
                        "train M on d {\n  loss = mae(M(x), y)\n" + tail);
  checkGradients(head + "data d {\n  samples = 8\n  x = normal([4])\n  y = int(floor(uniform([], 0.0, 3.0)))\n}\n"
                        "train M on d {\n  loss = softmax_cross_entropy(M(x), y)\n" + tail);
  checkGradients(head + "data d {\n  samples = 8\n  x = normal([4])\n  y = softmax(normal([3]))\n}\n"
                        "train M on d {\n  loss = categorical_cross_entropy(M(x), y)\n" + tail);
  checkGradients(head + "data d {\n  samples = 8\n  x = normal([4])\n  y = floor(uniform([3], 0.0, 2.0))\n}\n"
                        "train M on d {\n  loss = bce(sigmoid(M(x)), y)\n" + tail);
  checkGradients(head + "data d {\n  samples = 8\n  x = normal([4])\n  y = floor(uniform([3], 0.0, 2.0))\n}\n"
                        "train M on d {\n  loss = bce_with_logits(M(x), y)\n" + tail);
}
