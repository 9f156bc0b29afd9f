// The autoencoder and GAN examples, trained briefly by their compiled
// trainers: what they learned, measured the way their headers say, and the
// pictures --picture draws of them.
#include "common/TempDir.h"
#include "driver/DriverUtil.h"
#include "driver/ExampleUtil.h"
#include "driver/ProcessUtil.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

using namespace nnc::test;

namespace {

uint32_t bigEndian(const std::string &s, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(s.at(at + i));
  return v;
}

// A PNG's width and height, after checking its signature, that IHDR comes
// first, and that its chunks run to IEND at the end of the file.
std::pair<uint32_t, uint32_t> pngSize(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::string png{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  REQUIRE(png.size() > 33);
  CHECK(png.substr(0, 8) == "\x89PNG\r\n\x1a\n");
  CHECK(bigEndian(png, 8) == 13);
  CHECK(png.substr(12, 4) == "IHDR");
  size_t at = 8;
  std::string last;
  while (at + 12 <= png.size()) {
    last = png.substr(at + 4, 4);
    at += 12 + bigEndian(png, at);
  }
  CHECK(at == png.size());
  CHECK(last == "IEND");
  return {bigEndian(png, 16), bigEndian(png, 20)};
}

// How the generator's points sit on the ring of gan.nn (radius 2, sigma
// 0.05): modes with at least 1% of the points within 3 sigma, and the
// fraction of points within 3 sigma of a mode. As examples/gan_modes.py.
struct RingFit {
  int modes = 0;
  double nearFraction = 0;
};

RingFit ringFit(const TempDir &dir, const std::string &sampler, int samples) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  std::vector<float> noise(static_cast<size_t>(samples) * 8);
  for (float &v : noise) v = normal(rng);
  std::string bin = dir.write("noise.bin", std::string(reinterpret_cast<const char *>(noise.data()), noise.size() * 4));
  ProcessResult r = runProcess(sampler + " < " + bin);
  REQUIRE(r.code == 0);
  std::istringstream lines(r.out);
  std::vector<int> near(8, 0);
  double x, y;
  int points = 0;
  while (lines >> x >> y) {
    ++points;
    for (int k = 0; k < 8; ++k)
      if (std::hypot(x - 2 * std::cos(k * M_PI / 4), y - 2 * std::sin(k * M_PI / 4)) <= 3 * 0.05) ++near[static_cast<size_t>(k)];
  }
  REQUIRE(points == samples);
  RingFit fit;
  int total = 0;
  for (int n : near) {
    fit.modes += n >= samples / 100;
    total += n;
  }
  fit.nearFraction = static_cast<double>(total) / samples;
  return fit;
}

} // namespace

TEST_CASE("models: the autoencoder reconstructs test images far better than the mean image, and draws them") {
  TempDir dir("nnc_models");
  std::string exe = buildExample(dir, "autoencoder");
  std::string png = dir.path("ae.png");
  ProcessResult r = runProcess(exe + " --epochs 1 --seed 1 --quiet --json --picture " + png);
  INFO(r.out);
  REQUIRE(r.code == 0);
  // Predicting the mean training image scores a test MSE of 0.0866; one
  // epoch reaches about 0.02.
  CHECK(std::stod(jsonField(r.out, "test_loss")) < 0.04);
  // 32 test images beside their reconstructions: 8 pairs of 28 x 28 tiles
  // (or larger) per line.
  auto [w, h] = pngSize(png);
  CHECK(w >= 8 * 2 * 28);
  CHECK(h >= 4 * 28);
}

TEST_CASE("models: the GAN's generator moves its points onto the ring's modes") {
  TempDir dir("nnc_models");
  std::string exe = buildExample(dir, "gan");
  std::string trained = dir.path("gan.ckpt"), untrained = dir.path("init.ckpt"), png = dir.path("gan.png");
  // A learning rate of ~0 keeps the initial weights: the baseline.
  REQUIRE(runProcess(exe + " --epochs 1 --batch 4096 --lr 1e-30 --quiet --save " + untrained).code == 0);
  // Three of the example's 20 epochs: every mode covered, about half of the
  // points within 3 sigma of one (at 20 epochs, 96%).
  ProcessResult r = runProcess(exe + " --epochs 3 --seed 1 --quiet --save " + trained + " --picture " + png);
  INFO(r.out);
  REQUIRE(r.code == 0);
  RingFit before =
      ringFit(dir, buildExample(dir, "gan", {"--infer", "--model", "G", "--weights", untrained}, "sampler"), 2000);
  RingFit after =
      ringFit(dir, buildExample(dir, "gan", {"--infer", "--model", "G", "--weights", trained}, "sampler"), 2000);
  INFO("modes " << before.modes << " -> " << after.modes << ", near a mode " << before.nearFraction << " -> "
                << after.nearFraction);
  CHECK(before.modes <= 1);
  CHECK(after.modes >= 6);
  CHECK(after.nearFraction > before.nearFraction + 0.3);
  auto [w, h] = pngSize(png);
  CHECK(w == h);
  CHECK(w >= 400);
}

TEST_CASE("models: --picture on a program without a picture setting is a usage error") {
  TempDir dir("nnc_models");
  std::string exe = buildExample(dir, "xor");
  ProcessResult r = runProcess(exe + " --epochs 1 --picture " + dir.path("x.png") + " 2>&1");
  CHECK(r.code == 2);
  CHECK(r.out.find("this program draws no picture") != std::string::npos);
  CHECK(!std::filesystem::exists(dir.path("x.png")));
}
