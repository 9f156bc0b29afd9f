// Training semantics on the reference interpreter: optimizer steps against
// hand-computed updates, and whole runs that must learn.
#include "DriverUtil.h"
#include "common/TempDir.h"
#include "driver/ReferenceTrainer.h"
#include "frontend/Frontend.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using nnc::test::TempDir;
using nnc::driver::TrainOptions;
using nnc::driver::trainOnInterpreter;
using nnc::test::sourcePath;

namespace {

struct Program {
  nnc::SourceManager sm;
  nnc::DiagnosticEngine diags{sm};
  nnc::FrontendResult fe;
};

std::unique_ptr<Program> compileFile(const std::string &path) {
  auto p = std::make_unique<Program>();
  p->fe = nnc::runFrontend(path, p->sm, p->diags);
  INFO(p->diags.str());
  REQUIRE(!p->diags.hasErrors());
  return p;
}

std::unique_ptr<Program> compileText(const std::string &text) {
  static int counter = 0;
  auto path = std::filesystem::temp_directory_path() /
              ("nnc_train_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + ".nn");
  std::ofstream(path) << text;
  auto p = compileFile(path.string());
  std::filesystem::remove(path);
  return p;
}

// One parameter w = 0.5, loss = mean(x * w) with x = 2: the gradient is 2.
std::string oneParam(const std::string &optimizer) {
  return "import std\nmodel M(x: f32[B, 1]) {\n  param w: f32[1] = 0.5\n  return x * w\n}\n"
         "data d {\n  x = [[2.0]]\n  shuffle = false\n}\n"
         "train M on d {\n  loss = mean(M(x))\n  optimizer = " + optimizer + "\n  epochs = 1\n  batch = 1\n}\n";
}

double paramAfter(const std::string &optimizer, int epochs) {
  auto p = compileText(oneParam(optimizer));
  TrainOptions opt;
  opt.epochs = epochs;
  opt.precision = nnc::ir::Precision::F64;
  auto r = trainOnInterpreter(p->fe.program, p->fe.program.trains[0], opt);
  return r.params.at("M/w").data.at(0);
}

} // namespace

TEST_CASE("training: one step of each optimizer, by hand") {
  const double g = 2, w = 0.5;
  CHECK(paramAfter("sgd(lr = 0.1)", 1) == Approx(w - 0.1 * g).epsilon(1e-12));
  // Two steps of momentum: v1 = g, v2 = mu g + g.
  CHECK(paramAfter("momentum(lr = 0.1, mu = 0.9)", 2) == Approx(w - 0.1 * g - 0.1 * (0.9 * g + g)).epsilon(1e-12));
  CHECK(paramAfter("nesterov(lr = 0.1, mu = 0.9)", 1) == Approx(w - 0.1 * (g + 0.9 * g)).epsilon(1e-12));
  double s = 0.1 * g * g;
  CHECK(paramAfter("rmsprop(lr = 0.01, rho = 0.9, eps = 1e-7)", 1) ==
        Approx(w - 0.01 * g / (std::sqrt(s) + 1e-7)).epsilon(1e-12));
  // Adam's first step moves every param by lr (bias correction).
  CHECK(paramAfter("adam(lr = 0.01)", 1) == Approx(w - 0.01 * g / (g + 1e-7)).epsilon(1e-12));
  CHECK(paramAfter("adamw(lr = 0.01, decay = 0.1)", 1) ==
        Approx(w - 0.01 * (g / (g + 1e-7) + 0.1 * w)).epsilon(1e-12));
}

TEST_CASE("training: weight decay and learning-rate schedules") {
  CHECK(paramAfter("sgd(lr = 0.1, decay = 0.5)", 1) == Approx(0.5 - 0.1 * (2 + 0.5 * 0.5)).epsilon(1e-12));
  // The rate halves every step: 0.1, then 0.05.
  CHECK(paramAfter("sgd(lr = step_decay(0.1, step, 1, 0.5))", 2) == Approx(0.5 - 0.1 * 2 - 0.05 * 2).epsilon(1e-12));
  CHECK(paramAfter("sgd(lr = warmup(0.1, step, 2))", 2) == Approx(0.5 - 0.05 * 2 - 0.1 * 2).epsilon(1e-12));
  double c2 = 0.5 * 0.1 * (1 + std::cos(3.141592653589793 * 1 / 4));
  CHECK(paramAfter("sgd(lr = cosine_decay(0.1, step, 4))", 2) == Approx(0.5 - 0.1 * 2 - c2 * 2).epsilon(1e-12));
}

TEST_CASE("training: linear regression finds y = 2x + 1") {
  auto p = compileFile(sourcePath("examples/linear_regression.nn"));
  auto r = trainOnInterpreter(p->fe.program, p->fe.program.trains[0], TrainOptions{});
  CHECK(r.params.at("Line/dense_1/W").data[0] == Approx(2.0).margin(0.05));
  CHECK(r.params.at("Line/dense_1/b").data[0] == Approx(1.0).margin(0.05));
  // The loss fell, and validation was measured.
  CHECK(r.epochs.back().train.at("loss") < r.epochs.front().train.at("loss"));
  CHECK(r.epochs.back().validation.count("loss") == 1);
}

TEST_CASE("training: XOR reaches 100% accuracy") {
  auto p = compileFile(sourcePath("examples/xor.nn"));
  auto r = trainOnInterpreter(p->fe.program, p->fe.program.trains[0], TrainOptions{});
  CHECK(r.epochs.back().train.at("binary_accuracy") == 1.0);
  CHECK(r.epochs.back().train.at("loss") < 0.1);
}

TEST_CASE("training: the CLI's interpret and gradcheck commands") {
  auto r = nnc::test::runNnc({"interpret", sourcePath("examples/linear_regression.nn"), "--epochs", "3"});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.out.find("epoch 3/3") != std::string::npos);
  for (const char *ex : {"examples/linear_regression.nn", "examples/logistic_regression.nn", "examples/xor.nn",
                         "examples/fashion_mlp.nn"}) {
    auto g = nnc::test::runNnc({"gradcheck", sourcePath(ex)});
    INFO(ex << "\n" << g.out << g.err);
    CHECK(g.code == 0);
    CHECK(g.out.find("ok") != std::string::npos);
  }
  // What the interpreter rejects while preparing the check is the program's
  // error: exit 1, not an internal error.
  TempDir dir("nnc_gradcheck");
  std::string nn = dir.write("m.nn", "import std\nmodel C(x: f32[B, 2]) -> f32[B, 3] {\n  return dense(x, 3)\n}\n"
                                     "data g {\n  samples = 8\n  x = uniform([2], -1.0, 1.0)\n"
                                     "  y = int(floor(uniform([], 0.0, 3.0))) / 0\n}\n"
                                     "train C on g {\n  loss = softmax_cross_entropy(C(x), y)\n  optimizer = sgd()\n}\n");
  auto bad = nnc::test::runNnc({"gradcheck", nn});
  CHECK(bad.code == 1);
  CHECK(bad.err.find("m.nn:8:7: div: integer division by zero") != std::string::npos);
}

TEST_CASE("training: each step of a GAN updates only the models it names") {
  auto p = compileText("import std\n"
                       "model G(z: f32[B, 2]) -> f32[B, 2] {\n  return dense(z, 2)\n}\n"
                       "model D(x: f32[B, 2]) -> f32[B, 1] {\n  return sigmoid(dense(x, 1))\n}\n"
                       "data ring {\n  samples = 16\n  real = normal([2]) + 3.0\n  z = normal([2])\n  shuffle = false\n}\n"
                       "train G on ring {\n  epochs = 1\n  batch = 16\n"
                       "  step discriminator {\n    loss = bce(D(real), 1) + bce(D(G(z)), 0)\n"
                       "    optimizer = sgd(lr = 0.1) updates D\n  }\n"
                       "  step generator {\n    loss = bce(D(G(z)), 1)\n    optimizer = sgd(lr = 0.1) updates G\n  }\n}\n");
  const auto &train = p->fe.program.trains[0];
  REQUIRE(train.steps.size() == 2);
  CHECK(train.steps[0].params == std::vector<std::string>{"D/dense_1/W", "D/dense_1/b"});
  CHECK(train.steps[1].params == std::vector<std::string>{"G/dense_1/W", "G/dense_1/b"});
  // The update graphs write only their own models' params.
  for (const auto &step : train.steps)
    for (const auto &[name, id] : step.update.outputs())
      if (name.rfind("param/", 0) == 0) CHECK(name.substr(6, 1) == (step.name == "generator" ? "G" : "D"));
  TrainOptions opt;
  opt.precision = nnc::ir::Precision::F64;
  auto r = trainOnInterpreter(p->fe.program, train, opt);
  CHECK(r.epochs.size() == 1);
  CHECK(r.epochs[0].train.count("discriminator.loss") == 1);
  CHECK(r.epochs[0].train.count("generator.loss") == 1);
}
