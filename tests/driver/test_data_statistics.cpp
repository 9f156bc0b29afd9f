// The statistics of standardize and scale come from the rows the model
// trains on: the test rows (`test = fraction`) and the validation rows are
// left out. Checked on values where every subset of rows has its own mean
// and extremes (powers of two), against the splits the runtime documents
// (nnc/data.h), with the statistics read back from the trainer's checkpoint.
#include "DriverUtil.h"
#include "ProcessUtil.h"
#include "common/TempDir.h"

#include "nnc/checkpoint.h"
#include "nnc/data.h"
#include "nnc/error.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

using namespace nnc::test;

namespace {

constexpr int64_t kRows = 12;
constexpr uint64_t kSeed = 3;

std::string program() {
  std::string v = "[", y = "[";
  for (int64_t i = 0; i < kRows; ++i) {
    v += (i ? ", [" : "[") + std::to_string(1 << i) + "]";
    y += (i ? ", [" : "[") + std::to_string(i % 2) + "]";
  }
  return "import std\n"
         "model M(x: f32[B, 1], s: f32[B, 1]) -> f32[B, 1] {\n  return dense(x, 1) + dense(s, 1)\n}\n"
         "data d {\n  v = " + v + "]\n  y = " + y + "]\n"
         "  x = standardize(v)\n  s = scale(v)\n"
         "  test = 0.25\n  validation = 0.25\n  seed = " + std::to_string(kSeed) + "\n  shuffle = false\n}\n"
         "train M on d {\n  loss = mse(M(x, s), y)\n  optimizer = sgd(lr = 0.01)\n  epochs = 1\n  batch = 4\n}\n";
}

float load(const std::string &ckpt, const char *name) {
  nnc_checkpoint *c = nullptr;
  REQUIRE(nnc_checkpoint_open(ckpt.c_str(), &c) == NNC_OK);
  int64_t dims[1] = {1};
  float v = 0;
  int rc = nnc_checkpoint_load(c, name, 1, dims, &v);
  nnc_checkpoint_close(c);
  INFO(name << ": " << nnc_last_error());
  REQUIRE(rc == NNC_OK);
  return v;
}

// The values of the rows that train the model with validation seed `seed`.
std::vector<double> trainingValues(uint64_t seed) {
  std::vector<int64_t> order(kRows), rest, split(kRows);
  int64_t nTest = 0, nVal = 0;
  REQUIRE(nnc_split_indices(kRows, 0.25, kSeed ^ NNC_TEST_SPLIT_SALT, order.data(), &nTest) == NNC_OK);
  rest.assign(order.begin() + nTest, order.end());
  REQUIRE(nnc_split_indices(static_cast<int64_t>(rest.size()), 0.25, seed, split.data(), &nVal) == NNC_OK);
  std::vector<double> values;
  for (size_t i = static_cast<size_t>(nVal); i < rest.size(); ++i)
    values.push_back(std::ldexp(1.0, static_cast<int>(rest[static_cast<size_t>(split[i])])));
  return values;
}

void checkStatistics(const std::string &ckpt, uint64_t seed) {
  std::vector<double> v = trainingValues(seed);
  REQUIRE(v.size() == 7); // 12 rows, 3 test, 2 validation
  double mean = 0, var = 0, lo = v[0], hi = v[0];
  for (double x : v) {
    mean += x / static_cast<double>(v.size());
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  for (double x : v) var += (x - mean) * (x - mean) / static_cast<double>(v.size());
  CHECK(load(ckpt, "data/x/mean") == Approx(mean).epsilon(1e-6));
  CHECK(load(ckpt, "data/x/std") == Approx(std::sqrt(var)).epsilon(1e-6));
  CHECK(load(ckpt, "data/s/min") == static_cast<float>(lo));
  CHECK(load(ckpt, "data/s/max") == static_cast<float>(hi));
}

} // namespace

TEST_CASE("data statistics: computed over the training rows only, saved in the checkpoint") {
  TempDir dir("nnc_stats");
  std::string nn = dir.path("stats.nn"), exe = dir.path("stats");
  std::ofstream(nn) << program();
  RunResult b = runNnc({"build", nn, "-o", exe});
  INFO(b.err);
  REQUIRE(b.code == 0);
  ProcessResult r = runProcess(exe + " --quiet --json --save " + dir.path("a.ckpt"));
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(jsonField(r.out, "test_loss") != "");
  checkStatistics(dir.path("a.ckpt"), kSeed);
  // Another --seed: other validation rows, so other statistics; the same test rows.
  REQUIRE(runProcess(exe + " --quiet --seed 11 --save " + dir.path("b.ckpt")).code == 0);
  checkStatistics(dir.path("b.ckpt"), 11);
  CHECK(load(dir.path("a.ckpt"), "data/x/mean") != load(dir.path("b.ckpt"), "data/x/mean"));
}
