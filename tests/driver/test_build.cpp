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
}

TEST_CASE("build: --target-cpu builds for an older CPU") {
  TempDir dir("nnc_build");
  std::string exe = dir.path("xor_v2");
  RunResult r = runNnc({"build", sourcePath("examples/xor.nn"), "-o", exe, "--target-cpu", "x86-64-v2"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(runProcess(exe + " --quiet").code == 0);
}
