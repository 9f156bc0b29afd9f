// Ahead-of-time inference end to end: train Fashion-MNIST briefly, compile the
// model into a static library with its C header, link the C and C++ embedding
// examples against it with the system compilers, and check that they and the
// `--infer` executable classify the test set exactly as the trainer did.
#include "common/TempDir.h"
#include "driver/DriverUtil.h"
#include "driver/ProcessUtil.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace nnc::test;

namespace {

const std::string kData = "/usr/share/datasets/fashion-mnist/";

std::string testFiles() {
  return kData + "t10k-images-idx3-ubyte.gz " + kData + "t10k-labels-idx1-ubyte.gz";
}

// "0.8371" from "accuracy: 0.8371 (8371 of 10000)".
std::string accuracyOf(const std::string &out) {
  size_t at = out.find("accuracy: ");
  return at == std::string::npos ? "" : out.substr(at + 10, out.find(' ', at + 10) - at - 10);
}

std::string fourDigits(const std::string &number) {
  std::ostringstream os;
  os.precision(4);
  os << std::fixed << std::stod(number);
  return os.str();
}

} // namespace

TEST_CASE("aot: C and C++ programs classify the test set exactly as the trainer did") {
  if (!std::filesystem::exists(kData + "t10k-labels-idx1-ubyte.gz")) {
    WARN("Fashion-MNIST is not installed (dataset-fashion-mnist): skipped");
    return;
  }
  TempDir dir("nnc_aot");
  std::string model = sourcePath("examples/fashion_mlp.nn"), ckpt = dir.path("fashion.ckpt");
  REQUIRE(runNnc({"build", model, "-o", dir.path("train")}).code == 0);
  ProcessResult trained = runProcess(dir.path("train") + " --epochs 1 --quiet --json --save " + ckpt);
  INFO(trained.out);
  REQUIRE(trained.code == 0);
  std::string expected = fourDigits(jsonField(trained.out, "test_accuracy"));
  // One epoch learns: 83.7% on the test images (chance is 10%).
  CHECK(std::stod(jsonField(trained.out, "test_accuracy")) > 0.80);

  RunResult aot = runNnc({"build", model, "--aot", "--weights", ckpt, "-o", dir.path("libfashion.a")});
  INFO(aot.err);
  REQUIRE(aot.code == 0);
  std::string header = dir.path("fashion.h");
  REQUIRE(std::filesystem::exists(header));
  std::ifstream in(header);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str().find("int fashion_predict(fashion_ctx *ctx, const float *x, int n, float *output);") != std::string::npos);
  CHECK(text.str().find("input  x: f32[n, 784]") != std::string::npos);

  std::string flags = std::string(" -lstdc++ -lm -lpthread ") + NNC_TEST_LINK_FLAGS;
  ProcessResult cc = runProcess("cc -std=c11 -Wall -Werror -I" + dir.dir.string() + " " +
                                sourcePath("examples/embed_c/main.c") + " " + dir.path("libfashion.a") + flags + " -o " +
                                dir.path("classify") + " 2>&1");
  INFO(cc.out);
  REQUIRE(cc.code == 0);
  ProcessResult c = runProcess(dir.path("classify") + " " + testFiles());
  INFO(c.out);
  REQUIRE(c.code == 0);
  CHECK(accuracyOf(c.out) == expected);

  ProcessResult cxx = runProcess("c++ -std=c++17 -Wall -Werror -I" + dir.dir.string() + " " +
                                 sourcePath("examples/embed_cpp/main.cpp") + " " + dir.path("libfashion.a") + flags +
                                 " -o " + dir.path("classify_cpp") + " 2>&1");
  INFO(cxx.out);
  REQUIRE(cxx.code == 0);
  ProcessResult cpp = runProcess(dir.path("classify_cpp") + " " + testFiles());
  INFO(cpp.out);
  REQUIRE(cpp.code == 0);
  CHECK(accuracyOf(cpp.out) == expected);

  RunResult infer = runNnc({"build", model, "--infer", "--weights", ckpt, "-o", dir.path("predict")});
  INFO(infer.err);
  REQUIRE(infer.code == 0);
  ProcessResult p = runProcess(dir.path("predict") + " --quiet --json --input " + kData +
                               "t10k-images-idx3-ubyte.gz --labels " + kData + "t10k-labels-idx1-ubyte.gz");
  INFO(p.out);
  REQUIRE(p.code == 0);
  CHECK(fourDigits(jsonField(p.out, "accuracy")) == expected);

  // The same library with the weights read at run time.
  RunResult ext = runNnc({"build", model, "--aot", "--weights-external", "--weights", ckpt, "-o", dir.path("libext.a")});
  INFO(ext.err);
  CHECK(ext.code == 0);
  CHECK(std::filesystem::exists(dir.path("ext.h")));
}

TEST_CASE("aot: a checkpoint that does not fit the model is refused at build time") {
  TempDir dir("nnc_aot");
  std::string ckpt = dir.path("xor.ckpt");
  REQUIRE(runNnc({"build", sourcePath("examples/xor.nn"), "-o", dir.path("xor")}).code == 0);
  REQUIRE(runProcess(dir.path("xor") + " --quiet --epochs 1 --save " + ckpt).code == 0);
  RunResult r = runNnc({"build", sourcePath("examples/logistic_regression.nn"), "--aot", "--weights", ckpt, "-o",
                        dir.path("liblogistic.a")});
  CHECK(r.code == 1);
  CHECK(r.err.find("xor.ckpt") != std::string::npos);
  r = runNnc({"build", sourcePath("examples/xor.nn"), "--aot", "-o", dir.path("libxor.a")});
  CHECK(r.code == 2);
  CHECK(r.err.find("--weights CKPT") != std::string::npos);
  r = runNnc({"build", sourcePath("examples/xor.nn"), "--aot", "--weights", dir.path("missing.ckpt"), "-o",
              dir.path("libxor.a")});
  CHECK(r.code == 1);
  CHECK(r.err.find("missing.ckpt") != std::string::npos);
}
