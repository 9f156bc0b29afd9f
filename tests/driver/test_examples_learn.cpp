// The examples learn what their header comments say they reach: each is
// built with `nnc build`, trained with its own settings (seeded, seconds),
// and checked with margin, from the trainer's JSON line or from the weights
// in its checkpoint. Logistic regression also checks that an `--infer`
// executable built from the checkpoint classifies the test rows as the
// trainer did: the standardization statistics travel in the checkpoint.
// The convolutional network trains on a slice of Fashion-MNIST instead.
#include "DriverUtil.h"
#include "ExampleUtil.h"
#include "ProcessUtil.h"
#include "common/TempDir.h"

#include "nnc/checkpoint.h"
#include "nnc/data.h"
#include "nnc/error.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <zlib.h>

using namespace nnc::test;

namespace {

// Trains example `name` with its defaults, overridden by the trainer options
// `options`; returns the trainer's output (its last line the JSON summary).
std::string trainExample(const TempDir &dir, const std::string &name, const std::string &options) {
  ProcessResult r = runProcess(buildExample(dir, name) + " --quiet --json " + options);
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

// Copies the first `rows` rows of the IDX file of unsigned bytes `from`
// (gzip or not) to `to`, gzip-compressed, its first dimension made `rows`: a
// slice of a data set for a trainer's --data.
void copyIdxRows(const std::string &from, const std::string &to, uint32_t rows) {
  gzFile in = gzopen(from.c_str(), "rb");
  REQUIRE(in);
  unsigned char magic[4];
  REQUIRE(gzread(in, magic, 4) == 4);
  std::vector<unsigned char> dims(4u * magic[3]);
  REQUIRE(gzread(in, dims.data(), static_cast<unsigned>(dims.size())) == static_cast<int>(dims.size()));
  REQUIRE(magic[2] == 0x08); // u8, as MNIST's images and labels
  size_t rowBytes = 1;
  for (size_t d = 1; d < magic[3]; ++d)
    rowBytes *= uint32_t{dims[4 * d]} << 24 | uint32_t{dims[4 * d + 1]} << 16 | uint32_t{dims[4 * d + 2]} << 8 |
                dims[4 * d + 3];
  for (int i = 0; i < 4; ++i) dims[static_cast<size_t>(i)] = static_cast<unsigned char>(rows >> (24 - 8 * i));
  std::vector<char> data(rowBytes * rows);
  REQUIRE(gzread(in, data.data(), static_cast<unsigned>(data.size())) == static_cast<int>(data.size()));
  gzclose(in);
  gzFile out = gzopen(to.c_str(), "wb");
  REQUIRE(out);
  gzwrite(out, magic, 4);
  gzwrite(out, dims.data(), static_cast<unsigned>(dims.size()));
  gzwrite(out, data.data(), static_cast<unsigned>(data.size()));
  REQUIRE(gzclose(out) == Z_OK);
}

} // namespace

TEST_CASE("learn: logistic regression on breast cancer, and its --infer executable agrees on the test rows") {
  const std::string csv = sourcePath("build/data/breast_cancer.csv");
  INFO("the breast cancer CSV comes from scripts/setup.sh");
  REQUIRE(std::filesystem::exists(csv));
  TempDir dir("nnc_learn");
  std::string ckpt = dir.path("logistic.ckpt");
  std::string out = trainExample(dir, "logistic_regression", "--save " + ckpt);
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
  trainExample(dir, "xor", "--save " + xorCkpt);
  RunResult bad = runNnc({"build", sourcePath("examples/logistic_regression.nn"), "--infer", "--weights", xorCkpt,
                          "-o", dir.path("bad")});
  CHECK(bad.code == 1);
  CHECK(bad.err.find("has no `data/x/mean`") != std::string::npos);
}

TEST_CASE("learn: linear regression recovers slope 2 and intercept 1") {
  TempDir dir("nnc_learn");
  std::string ckpt = dir.path("line.ckpt");
  trainExample(dir, "linear_regression", "--save " + ckpt);
  CHECK(loadTensor(ckpt, "Line/dense_1/W", {1, 1})[0] == Approx(2).margin(0.05));
  CHECK(loadTensor(ckpt, "Line/dense_1/b", {1})[0] == Approx(1).margin(0.05));
}

TEST_CASE("learn: multiple linear regression recovers 2, 3 and 1") {
  TempDir dir("nnc_learn");
  std::string ckpt = dir.path("plane.ckpt");
  trainExample(dir, "multi_linear_regression", "--save " + ckpt);
  std::vector<float> w = loadTensor(ckpt, "Plane/dense_1/W", {2, 1});
  CHECK(w[0] == Approx(2).margin(0.05));
  CHECK(w[1] == Approx(3).margin(0.05));
  CHECK(loadTensor(ckpt, "Plane/dense_1/b", {1})[0] == Approx(1).margin(0.05));
}

TEST_CASE("learn: xor reaches 100% accuracy") {
  TempDir dir("nnc_learn");
  std::string out = trainExample(dir, "xor", "");
  CHECK(jsonField(out, "binary_accuracy") == "1");
  CHECK(std::stod(jsonField(out, "loss")) < 0.05);
}

TEST_CASE("learn: the convolutional network, a pass over 2000 Fashion-MNIST images, classifies far above chance") {
  const std::string data = "/usr/share/datasets/fashion-mnist/";
  if (!std::filesystem::exists(data + "train-images-idx3-ubyte.gz")) {
    WARN("Fashion-MNIST is not installed (dataset-fashion-mnist): skipped");
    return;
  }
  // The first 2000 training and 1000 test images, under the file names the
  // example reads, and small batches for more steps: about a second of
  // training. (The whole set, 10 epochs: 91.9%, README's table.)
  TempDir dir("nnc_learn");
  for (const char *split : {"train", "t10k"}) {
    uint32_t rows = std::string(split) == "train" ? 2000 : 1000;
    for (const char *file : {"-images-idx3-ubyte.gz", "-labels-idx1-ubyte.gz"})
      copyIdxRows(data + split + file, dir.path(split + std::string(file)), rows);
  }
  std::string out = trainExample(dir, "fashion_cnn", "--epochs 1 --batch 32 --data " + dir.path(""));
  // Chance is 10%; one such pass reaches about 75%.
  CHECK(std::stod(jsonField(out, "test_accuracy")) > 0.6);
}
