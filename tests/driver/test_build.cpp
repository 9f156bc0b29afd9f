// `nnc build` and `nnc run` end to end: real executables from the examples,
// trained briefly, checked for what they learned, what they link and how they
// resume.
#include "common/TempDir.h"
#include "driver/DriverUtil.h"
#include "driver/ProcessUtil.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <sstream>

using namespace nnc::test;

namespace {

std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Builds examples/<name>.nn into dir; returns the executable's path.
std::string buildExample(const TempDir &dir, const std::string &name) {
  std::string exe = dir.path(name);
  RunResult r = runNnc({"build", sourcePath("examples/" + name + ".nn"), "-o", exe});
  INFO(r.err);
  REQUIRE(r.code == 0);
  return exe;
}

// A small program of generated data: `models` (model C and what it calls),
// data block g of `data` lines, and `train C on g` of `train` lines. Line
// 1 imports std; the data block starts right after the models.
std::string smallProgram(const std::string &models, const std::string &data, const std::string &train) {
  return "import std\n" + models + "data g {\n" + data + "}\ntrain C on g {\n" + train + "}\n";
}

const char *kRegressionData = "  samples = 8\n  x = uniform([2], -1.0, 1.0)\n  y = uniform([1], 0.0, 1.0)\n";

} // namespace

TEST_CASE("build: the xor trainer learns xor and links no LLVM or ANTLR") {
  TempDir dir("nnc_build");
  std::string exe = buildExample(dir, "xor");
  ProcessResult r = runProcess(exe + " --quiet --json");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(jsonField(r.out, "binary_accuracy") == "1");
  CHECK(std::stod(jsonField(r.out, "loss")) < 0.05);

  ProcessResult ldd = runProcess("ldd " + exe);
  INFO(ldd.out);
  REQUIRE(ldd.code == 0);
  CHECK(ldd.out.find("LLVM") == std::string::npos);
  CHECK(ldd.out.find("antlr") == std::string::npos);
  // libstdc++ is linked statically (a trainer is one file), except in
  // sanitizer builds, whose runtimes want the shared one.
  if (std::string(NNC_TEST_LINK_FLAGS).empty()) CHECK(ldd.out.find("libstdc++") == std::string::npos);
}

TEST_CASE("build: the trainer prints a summary, one line per epoch and a test line") {
  TempDir dir("nnc_build");
  std::string exe = buildExample(dir, "logistic_regression");
  ProcessResult r = runProcess(exe + " --epochs 3");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("Total params: 31") != std::string::npos);
  CHECK(r.out.find("Epoch 1/3") != std::string::npos);
  CHECK(r.out.find("Epoch 3/3") != std::string::npos);
  CHECK(r.out.find("val_binary_accuracy") != std::string::npos);
}

TEST_CASE("build: a resumed run ends with the same weights as an uninterrupted one") {
  TempDir dir("nnc_build");
  std::string exe = buildExample(dir, "logistic_regression");
  std::string whole = dir.path("whole.ckpt"), parts = dir.path("parts.ckpt");
  REQUIRE(runProcess(exe + " --quiet --epochs 4 --seed 5 --save " + whole).code == 0);
  REQUIRE(runProcess(exe + " --quiet --epochs 2 --seed 5 --save " + parts).code == 0);
  ProcessResult r = runProcess(exe + " --quiet --json --epochs 4 --seed 5 --resume " + parts + " --save " + parts);
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(jsonField(r.out, "epochs") == "4");
  // Same params, states, epoch and step: the same bytes.
  CHECK(readBytes(whole) == readBytes(parts));
}

TEST_CASE("build: --lr overrides the learning rate compiled in") {
  TempDir dir("nnc_build");
  std::string exe = buildExample(dir, "linear_regression");
  ProcessResult frozen = runProcess(exe + " --quiet --json --epochs 2 --lr 1e-9");
  ProcessResult trained = runProcess(exe + " --quiet --json --epochs 2");
  REQUIRE(frozen.code == 0);
  REQUIRE(trained.code == 0);
  CHECK(std::stod(jsonField(trained.out, "loss")) < std::stod(jsonField(frozen.out, "loss")));
}

TEST_CASE("run: nnc run trains in memory with the trainer's options") {
  ProcessResult r = runProcess(nncBinary() + " run " + sourcePath("examples/xor.nn") + " --quiet --json");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(jsonField(r.out, "binary_accuracy") == "1");
  ProcessResult bad = runProcess(nncBinary() + " run " + sourcePath("examples/xor.nn") + " --epochs zero 2>&1");
  CHECK(bad.code == 2);
  CHECK(bad.out.find("--epochs") != std::string::npos);
}

TEST_CASE("build: errors before anything is written") {
  TempDir dir("nnc_build");
  std::string noTrain = dir.write("m.nn", "import std\nmodel M(x: f32[B, 2]) -> f32[B, 1] {\n  return dense(x, 1)\n}\n");
  RunResult r = runNnc({"build", noTrain, "-o", dir.path("t")});
  CHECK(r.code == 1);
  CHECK(r.err.find("has no train block") != std::string::npos);
  r = runNnc({"build", sourcePath("examples/xor.nn")});
  CHECK(r.code == 2);
  CHECK(r.err.find("-o FILE") != std::string::npos);
  r = runNnc({"build", sourcePath("examples/xor.nn"), "-o", dir.path("no/such/dir/t")});
  CHECK(r.code == 1);
  CHECK(r.err.find("linking") != std::string::npos);
  r = runNnc({"build", sourcePath("examples/xor.nn"), "-o", dir.path("t"), "--target-cpu", "pentium9000"});
  CHECK(r.code == 1);
  CHECK(r.err.find("unknown CPU 'pentium9000'") != std::string::npos);
  // A model whose output is not one row per sample cannot serve predictions.
  std::string scalar = dir.write("s.nn", "import std\nmodel S(x: f32[B, 2]) -> f32 {\n  return mean(dense(x, 1))\n}\n");
  for (const char *kind : {"--infer", "--aot"}) {
    r = runNnc({"build", scalar, kind, "--weights", dir.path("none.ckpt"), "-o", dir.path("libs.a")});
    CHECK(r.code == 1);
    CHECK(r.err.find("model `S`'s output `output` is f32[]: a model built for inference takes and gives one row per "
                     "sample") != std::string::npos);
  }
  // A real CPU that cannot run 64-bit code, which LLVM would abort on.
  for (const char *cpu : {"i386", "pentium4"}) {
    r = runNnc({"build", sourcePath("examples/xor.nn"), "-o", dir.path("t"), "--target-cpu", cpu});
    CHECK(r.code == 1);
    CHECK(r.err.find(std::string("CPU '") + cpu + "' cannot run 64-bit code") != std::string::npos);
    r = runNnc({"emit", sourcePath("examples/xor.nn"), "--asm", "--target-cpu", cpu});
    CHECK(r.code == 1);
  }
}

TEST_CASE("build: --target-cpu builds for an older CPU") {
  TempDir dir("nnc_build");
  std::string exe = dir.path("xor_v2");
  RunResult r = runNnc({"build", sourcePath("examples/xor.nn"), "-o", exe, "--target-cpu", "x86-64-v2"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(runProcess(exe + " --quiet").code == 0);
}

TEST_CASE("run: a class label the model has no output for stops training at the loss's line") {
  // Labels 0, 1 and 2 for a model of two classes: the compiled one_hot of
  // softmax_cross_entropy reports the first label out of range, as the
  // interpreter does, instead of training on a row of zeros.
  TempDir dir("nnc_labels");
  std::string nn =
      dir.write("m.nn", smallProgram("model C(x: f32[B, 2]) -> f32[B, 2] {\n  return dense(x, 2)\n}\n",
                                     "  samples = 32\n  x = uniform([2], -1.0, 1.0)\n"
                                     "  y = int(floor(uniform([], 0.0, 3.0)))\n",
                                     "  loss = softmax_cross_entropy(C(x), y)\n  optimizer = sgd(lr = 0.1)\n"
                                     "  epochs = 1\n  batch = 8\n"));
  ProcessResult r = runProcess(nncBinary() + " run " + nn + " --quiet 2>&1");
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(r.out.find("m.nn:11:10: one_hot: index 2 is out of range [0, 2)") != std::string::npos);
}

TEST_CASE("run: params an update made NaN stop the run though the loss was finite") {
  // Adam with b1 = 1 divides by 1 - b1^t = 0 in its first update. The loss
  // is computed before each update, so only the params show it: the run
  // stops there, saving no checkpoint of them; the interpreter agrees.
  TempDir dir("nnc_nan_params");
  std::string nn = dir.write("m.nn", smallProgram("model C(x: f32[B, 2]) -> f32[B, 1] {\n  return dense(x, 1)\n}\n",
                                                  std::string(kRegressionData) + "  test_samples = 8\n",
                                                  "  loss = mse(C(x), y)\n  optimizer = adam(lr = 0.01, b1 = 1.0)\n"
                                                  "  epochs = 1\n  batch = 8\n"));
  std::string ckpt = dir.path("m.ckpt");
  ProcessResult r = runProcess(nncBinary() + " run " + nn + " --quiet --save " + ckpt + " 2>&1");
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(r.out.find("error: param `C/dense_1/W` holds") != std::string::npos);
  CHECK(r.out.find("after epoch 1 (global step 1), though the losses were finite") != std::string::npos);
  CHECK(r.out.find("test:") == std::string::npos);
  CHECK_FALSE(std::ifstream(ckpt).good());
  RunResult i = runNnc({"interpret", nn});
  CHECK(i.code == 1);
  CHECK(i.err.find("param `C/dense_1/W` holds") != std::string::npos);
}

TEST_CASE("run: a model that calls another trains as the interpreter does") {
  // Both models' init graphs create Enc's params: the program declares and
  // initializes each once.
  TempDir dir("nnc_nested");
  std::string nn =
      dir.write("m.nn", smallProgram("model Enc(x: f32[B, 2]) -> f32[B, 4] {\n  return dense(x, 4)\n}\n"
                                     "model C(x: f32[B, 2]) -> f32[B, 1] {\n  return dense(Enc(x), 1)\n}\n",
                                     kRegressionData,
                                     "  loss = mse(C(x), y)\n  optimizer = sgd(lr = 0.1)\n"
                                     "  epochs = 1\n  batch = 8\n"));
  ProcessResult r = runProcess(nncBinary() + " run " + nn + " --quiet --json 2>&1");
  INFO(r.out);
  REQUIRE(r.code == 0);
  RunResult i = runNnc({"interpret", nn});
  REQUIRE(i.code == 0);
  // One batch of all 8 rows, unshuffled order aside: the same loss.
  std::string loss = jsonField(r.out, "loss");
  CHECK(i.out.find("loss " + loss.substr(0, 7)) != std::string::npos);
}
