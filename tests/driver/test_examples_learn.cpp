// The examples learn what their header comments say they reach: each is
// built with `nnc build`, trained with its own settings (seeded, seconds),
// and checked with margin, from the trainer's JSON line or from the weights
// in its checkpoint. Logistic regression also checks that an `--infer`
// executable built from the checkpoint classifies the test rows as the
// trainer did: the standardization statistics travel in the checkpoint.
#include "DriverUtil.h"
#include "ProcessUtil.h"
#include "common/TempDir.h"

#include "nnc/checkpoint.h"
#include "nnc/data.h"
#include "nnc/error.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace nnc::test;

namespace {

// Trains example `name` with its defaults; returns the trainer's output
// (its last line the JSON summary).
std::string trainExample(const TempDir &dir, const std::string &name, const std::string &ckpt) {
  std::string exe = dir.path(name);
  RunResult b = runNnc({"build", sourcePath("examples/" + name + ".nn"), "-o", exe});
  INFO(b.err);
  REQUIRE(b.code == 0);
  ProcessResult r = runProcess(exe + " --quiet --json --save " + ckpt);
  INFO(r.out);
  REQUIRE(r.code == 0);
  return r.out;
}

std::vector<float> loadTensor(const std::string &ckpt, const std::string &name, std::vector<int64_t> dims) {
  nnc_checkpoint *c = nullptr;
  REQUIRE(nnc_checkpoint_open(ckpt.c_str(), &c) == NNC_OK);
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  std::vector<float> v(static_cast<size_t>(n));
  int rc = nnc_checkpoint_load(c, name.c_str(), static_cast<int32_t>(dims.size()), dims.data(), v.data());
  nnc_checkpoint_close(c);
  INFO(name << ": " << nnc_last_error());
  REQUIRE(rc == NNC_OK);
  return v;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> lines(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

} // namespace

TEST_CASE("learn: logistic regression on breast cancer, and its --infer executable agrees on the test rows") {
  const std::string csv = sourcePath("build/data/breast_cancer.csv");
  INFO("the breast cancer CSV comes from scripts/setup.sh");
  REQUIRE(std::filesystem::exists(csv));
  TempDir dir("nnc_learn");
  std::string ckpt = dir.path("logistic.ckpt");
  std::string out = trainExample(dir, "logistic_regression", ckpt);
  double accuracy = std::stod(jsonField(out, "test_binary_accuracy"));
  CHECK(accuracy >= 0.95);
  // The statistics are the training rows': standardization centres them, not the whole file.
  std::vector<float> mean = loadTensor(ckpt, "data/x/mean", {30});
  std::vector<float> sd = loadTensor(ckpt, "data/x/std", {30});
  CHECK(mean[0] > 10);
  CHECK(sd[0] > 1);

  // The test rows, as the trainer chose them (nnc/data.h), with the header.
  std::vector<std::string> rows = lines(readFile(csv));
  REQUIRE(rows.size() == 570);
  std::vector<int64_t> order(569);
  int64_t testRows = 0;
  REQUIRE(nnc_split_indices(569, 0.2, 1 ^ NNC_TEST_SPLIT_SALT, order.data(), &testRows) == NNC_OK);
  REQUIRE(testRows == 114);
  std::ofstream(dir.path("test.csv")) << [&] {
    std::string text = rows[0] + "\n";
    for (int64_t i = 0; i < testRows; ++i) text += rows[static_cast<size_t>(order[static_cast<size_t>(i)]) + 1] + "\n";
    return text;
  }();

  RunResult b = runNnc({"build", sourcePath("examples/logistic_regression.nn"), "--infer", "--weights", ckpt, "-o",
                        dir.path("predict")});
  INFO(b.err);
  REQUIRE(b.code == 0);
  ProcessResult p = runProcess(dir.path("predict") + " --input " + dir.path("test.csv"));
  INFO(p.out);
  REQUIRE(p.code == 0);
  std::vector<std::string> predictions; // one probability per row, the first lines
  for (const std::string &l : lines(p.out))
    if (!l.empty() && l.find(' ') == std::string::npos && l.find(':') == std::string::npos) predictions.push_back(l);
  REQUIRE(predictions.size() >= static_cast<size_t>(testRows));
  int64_t correct = 0;
  for (int64_t i = 0; i < testRows; ++i) {
    double probability = std::stod(predictions[static_cast<size_t>(i)]);
    const std::string &row = rows[static_cast<size_t>(order[static_cast<size_t>(i)]) + 1];
    int label = std::stoi(row.substr(row.find_last_of(',') + 1));
    correct += (probability > 0.5) == (label == 1);
  }
  CHECK(static_cast<double>(correct) / static_cast<double>(testRows) == Approx(accuracy).margin(1e-6));

  // A checkpoint without the statistics is refused, naming what is missing.
  std::string xorCkpt = dir.path("xor.ckpt");
  trainExample(dir, "xor", xorCkpt);
  RunResult bad = runNnc({"build", sourcePath("examples/logistic_regression.nn"), "--infer", "--weights", xorCkpt,
                          "-o", dir.path("bad")});
  CHECK(bad.code == 1);
  CHECK(bad.err.find("has no `data/x/mean`") != std::string::npos);
}

TEST_CASE("learn: linear regression recovers slope 2 and intercept 1") {
  TempDir dir("nnc_learn");
  std::string ckpt = dir.path("line.ckpt");
  trainExample(dir, "linear_regression", ckpt);
  CHECK(loadTensor(ckpt, "Line/dense_1/W", {1, 1})[0] == Approx(2).margin(0.05));
  CHECK(loadTensor(ckpt, "Line/dense_1/b", {1})[0] == Approx(1).margin(0.05));
}

TEST_CASE("learn: multiple linear regression recovers 2, 3 and 1") {
  TempDir dir("nnc_learn");
  std::string ckpt = dir.path("plane.ckpt");
  trainExample(dir, "multi_linear_regression", ckpt);
  std::vector<float> w = loadTensor(ckpt, "Plane/dense_1/W", {2, 1});
  CHECK(w[0] == Approx(2).margin(0.05));
  CHECK(w[1] == Approx(3).margin(0.05));
  CHECK(loadTensor(ckpt, "Plane/dense_1/b", {1})[0] == Approx(1).margin(0.05));
}

TEST_CASE("learn: xor reaches 100% accuracy") {
  TempDir dir("nnc_learn");
  std::string out = trainExample(dir, "xor", dir.path("xor.ckpt"));
  CHECK(jsonField(out, "binary_accuracy") == "1");
  CHECK(std::stod(jsonField(out, "loss")) < 0.05);
}
