// The command line: exit codes, help, and the commands on the examples.
#include "DriverUtil.h"

#include <catch2/catch.hpp>

#include <filesystem>

using nnc::test::runNnc;
using nnc::test::sourcePath;

TEST_CASE("cli: --help and --version exit 0") {
  auto h = runNnc({"--help"});
  CHECK(h.code == 0);
  CHECK(h.out.find("usage: nnc") != std::string::npos);
  auto v = runNnc({"--version"});
  CHECK(v.code == 0);
  CHECK(v.out.rfind("nnc ", 0) == 0);
}

TEST_CASE("cli: usage errors exit 2") {
  CHECK(runNnc({}).code == 2);
  CHECK(runNnc({"frobnicate", "x.nn"}).code == 2);
  CHECK(runNnc({"check"}).code == 2);
  CHECK(runNnc({"check", "a.nn", "b.nn"}).code == 2);
  CHECK(runNnc({"check", "--bogus", "a.nn"}).code == 2);
  CHECK(runNnc({"emit", sourcePath("examples/xor.nn")}).code == 2);
  auto r = runNnc({"check", "--bogus", "a.nn"});
  CHECK(r.err == "nnc: error: unknown option `--bogus`\nrun `nnc --help` for usage\n");
}

TEST_CASE("cli: a missing file is a diagnostic, exit 1") {
  auto r = runNnc({"check", "/nonexistent/model.nn"});
  CHECK(r.code == 1);
  CHECK(r.err.find("error: cannot open `/nonexistent/model.nn`: No such file or directory") != std::string::npos);
}

TEST_CASE("cli: every example checks") {
  for (auto &e : std::filesystem::directory_iterator(sourcePath("examples"))) {
    if (e.path().extension() != ".nn") continue;
    INFO(e.path().string());
    auto r = runNnc({"check", e.path().string()});
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(r.err.empty());
  }
}

TEST_CASE("cli: every stdlib file checks on its own") {
  for (auto &e : std::filesystem::directory_iterator(sourcePath("stdlib"))) {
    if (e.path().extension() != ".nn") continue;
    INFO(e.path().string());
    auto r = runNnc({"check", e.path().string()});
    INFO(r.err);
    CHECK(r.code == 0);
  }
}

TEST_CASE("cli: emit --ir prints the forward graphs with shapes") {
  auto r = runNnc({"emit", sourcePath("examples/fashion_mlp.nn"), "--ir"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::string &ir = r.out;
  CHECK(ir.find("graph Classifier {") != std::string::npos);
  CHECK(ir.find("input() {name = \"x\"} : f32[B, 784]") != std::string::npos);
  CHECK(ir.find("\"Classifier/dense_1/W\"} : f32[784, 128]") != std::string::npos);
  CHECK(ir.find("\"Classifier/dense_2/W\"} : f32[128, 128]") != std::string::npos);
  CHECK(ir.find("\"Classifier/dense_3/W\"} : f32[128, 10]") != std::string::npos);
  CHECK(ir.find("matmul(") != std::string::npos);
  CHECK(ir.find(": f32[B, 10]") != std::string::npos);
  for (const char *ex : {"examples/linear_regression.nn", "examples/logistic_regression.nn", "examples/xor.nn"}) {
    auto e = runNnc({"emit", sourcePath(ex), "--ir"});
    INFO(ex << "\n" << e.err);
    CHECK(e.code == 0);
    CHECK(e.out.find("graph ") != std::string::npos);
  }
}

TEST_CASE("cli: emit --llvm and --asm compile the forward and update graphs") {
  auto r = runNnc({"emit", sourcePath("examples/fashion_mlp.nn"), "--llvm"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("define void @Classifier_run(i64 %batch") != std::string::npos);
  CHECK(r.out.find("call void @nnc_sgemm_ex(") != std::string::npos); // dense layers: GEMMs with epilogues
  CHECK(r.out.find("define void @Classifier_train_update_run(") != std::string::npos);
  auto a = runNnc({"emit", sourcePath("examples/xor.nn"), "--asm", "--target-cpu", "x86-64-v2"});
  INFO(a.err);
  CHECK(a.code == 0);
  CHECK(a.out.find("Xor_run:") != std::string::npos);
  CHECK(a.out.find("ymm") == std::string::npos); // x86-64-v2 has no AVX
  CHECK(runNnc({"emit", sourcePath("examples/xor.nn"), "--llvm", "--ir"}).code == 2);
  CHECK(runNnc({"check", sourcePath("examples/xor.nn"), "--target-cpu", "znver4"}).code == 2);
}
