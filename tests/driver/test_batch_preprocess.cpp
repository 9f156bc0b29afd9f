// A rowwise data graph over IDX files: the splits keep the files' u8 rows,
// and the data graph runs on each batch as it is gathered. Checked against
// what preprocessing a split whole gives (the data graph run once over every
// row, read as f32), bit for bit, and for allocations in the batch loop.
#include "common/AllocCount.h"
#include "common/TempDir.h"
#include "driver/DriverUtil.h"
#include "driver/LoadedTrainer.h"
#include "driver/TrainProgram.h"
#include "frontend/Frontend.h"
#include "trainer/Dataset.h"
#include "trainer/FieldBatch.h"
#include "trainer/Manifest.h"
#include "trainer/ModelState.h"
#include "trainer/TrainLoop.h"

#include "nnc/data.h"
#include "nnc/threads.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>

using namespace nnc;

namespace {

constexpr uint32_t kRows = 40;
constexpr uint32_t kTestRows = 6;
constexpr uint64_t kDataSeed = 5;

void writeIdx(const std::string &path, const std::vector<uint32_t> &dims, const std::vector<uint8_t> &data) {
  std::vector<uint8_t> b = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8)
      b.push_back(static_cast<uint8_t>(d >> s));
  b.insert(b.end(), data.begin(), data.end());
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(b.data()), std::streamsize(b.size()));
}

// A compiled program over 40 2x2 u8 images (pixels all over 0..255) and
// labels 0..2, with a test split taken from them and a validation split:
// x needs statistics of the training rows, s is the usual pixel scaling.
struct Compiled {
  test::TempDir dir{"nnc_batch_pre"};
  std::unique_ptr<codegen::JitProgram> jit;
  const nnc_program *program = nullptr;
  std::string images, labels, testImages, testLabels;

  // testFiles: a test split of its own files (rows 0..kTestRows of the
  // pattern, labels shifted) instead of a fraction of the training rows.
  explicit Compiled(bool testFiles = false) {
    images = dir.path("img.idx");
    labels = dir.path("lab.idx");
    writeImages(images, labels, kRows, 0);
    std::string test = "  test = 0.2\n";
    if (testFiles) {
      testImages = dir.path("timg.idx");
      testLabels = dir.path("tlab.idx");
      writeImages(testImages, testLabels, kTestRows, 1);
      test = "  test = idx(\"" + testImages + "\", \"" + testLabels + "\")\n";
    }
    std::string source = "import std\n"
                         "model M(x: f32[B, 4], s: f32[B, 4]) -> f32[B, 3] {\n"
                         "  return dense(relu(dense(x, 8) + dense(s, 8)), 3)\n}\n"
                         "data d {\n  train = idx(\"" +
                         images + "\", \"" + labels +
                         "\")\n"
                         "  x = standardize(flatten(image))\n  s = flatten(image) / 255.0\n  y = label\n" +
                         test + "  validation = 0.25\n  seed = " + std::to_string(kDataSeed) +
                         "\n}\n"
                         "train M on d {\n  loss = softmax_cross_entropy(M(x, s), y)\n"
                         "  optimizer = adam(lr = 0.01)\n  batch = 8\n}\n";
    std::string path = dir.path("p.nn");
    std::ofstream(path) << source;
    SourceManager sm;
    DiagnosticEngine diags(sm);
    FrontendResult fe = runFrontend(path, sm, diags);
    INFO(diags.str());
    REQUIRE(!diags.hasErrors());
    driver::TrainProgram tp = driver::assembleTrainProgram(fe.program, fe.program.trains.at(0));
    jit = codegen::jitProgram(tp.spec(""));
    program = static_cast<const nnc_program *>(jit->descriptor());
  }

  // rows 2x2 u8 images (pixels all over 0..255) and labels 0..2, shifted by
  // labelShift.
  static void writeImages(const std::string &imagePath, const std::string &labelPath, uint32_t rows,
                          uint32_t labelShift) {
    std::vector<uint8_t> pixels, classes;
    for (uint32_t i = 0; i < rows * 4; ++i)
      pixels.push_back(static_cast<uint8_t>(i * 97 % 256));
    for (uint32_t i = 0; i < rows; ++i)
      classes.push_back(static_cast<uint8_t>((i + labelShift) % 3));
    writeIdx(imagePath, {rows, 2, 2}, pixels);
    writeIdx(labelPath, {rows}, classes);
  }
};

size_t fieldIndex(const trainer::Manifest &m, const std::string &name) {
  auto at = std::find(m.fields.begin(), m.fields.end(), name);
  REQUIRE(at != m.fields.end());
  return static_cast<size_t>(at - m.fields.begin());
}

} // namespace

TEST_CASE("batch preprocessing: u8 IDX rows per batch give what the split preprocessed whole gives", "[train][data]") {
  Compiled c;
  const nnc_program &program = *c.program;
  test::LoadedTrainer t(program, "", 11);
  const trainer::Manifest &m = t.m;
  trainer::ModelState &state = t.state;
  trainer::Dataset &data = t.data;
  REQUIRE(m.dataGraph->rowwise);
  REQUIRE(data.hasTest);
  for (const trainer::SplitData *s : {&data.train, &data.test}) {
    CHECK(s->sourceRows);
    CHECK(s->fields.empty());
    const trainer::RawField *image = s->raw.find("image");
    REQUIRE(image);
    CHECK(image->idxType == NNC_IDX_U8);
    CHECK(image->rowBytes() == 4u); // a byte a pixel, not a float
  }

  // The whole file through the data graph at once, images read as f32: what
  // the splits held before they kept their rows.
  nnc_tensor_f32 images{};
  nnc_tensor_i32 labels{};
  REQUIRE(nnc_idx_read_f32(c.images.c_str(), &images) == NNC_OK);
  REQUIRE(nnc_idx_read_i32(c.labels.c_str(), &labels) == NNC_OK);
  trainer::GraphRunner whole(*m.dataGraph, program.graphs[m.dataGraph->index], kRows);
  for (trainer::StoredTensor &t : state.statistics)
    whole.bind(m.dataGraph->findInput(t.name), t.data.data());
  whole.bind(m.dataGraph->findInput("image"), images.data);
  whole.bind(m.dataGraph->findInput("label"), labels.data);
  whole.run(kRows);

  // Which file rows each split holds (nnc/data.h: NNC_TEST_SPLIT_SALT).
  std::vector<int64_t> order(kRows);
  int64_t testRows = 0;
  REQUIRE(nnc_split_indices(kRows, 0.2, kDataSeed ^ NNC_TEST_SPLIT_SALT, order.data(), &testRows) == NNC_OK);
  REQUIRE(data.test.rows == testRows);
  REQUIRE(data.train.rows == int64_t(kRows) - testRows);

  trainer::FieldBatch batch(m, program, data, state.statistics, 8);
  auto check = [&](const trainer::SplitData &split, const int64_t *fileRows, std::vector<int64_t> rows) {
    batch.gather(split, rows.data(), static_cast<int64_t>(rows.size()));
    for (const char *name : {"x", "s", "y"}) {
      INFO("field " << name);
      const int out = m.dataGraph->findOutput(name)->id;
      const size_t rowBytes = static_cast<size_t>(m.dataGraph->nodes[static_cast<size_t>(out)].type.rowBytes());
      const auto *want = static_cast<const unsigned char *>(whole.buffer(out));
      const auto *got = static_cast<const unsigned char *>(batch.field(fieldIndex(m, name)));
      for (size_t i = 0; i < rows.size(); ++i)
        CHECK(std::memcmp(got + i * rowBytes, want + static_cast<size_t>(fileRows[rows[i]]) * rowBytes, rowBytes) == 0);
    }
  };
  check(data.train, order.data() + testRows, {31, 0, 7, 2, 2, 19, 30, 5});
  check(data.train, order.data() + testRows, {4, 1, 3}); // a partial batch
  check(data.test, order.data(), {7, 6, 5, 4, 3, 2, 1, 0});
  // The u8 pixels reach the data graph as the same floats: s = pixel / 255.
  const float *s = static_cast<const float *>(batch.field(fieldIndex(m, "s")));
  for (int64_t i = 0; i < 8; ++i)
    for (int64_t k = 0; k < 4; ++k)
      CHECK(s[i * 4 + k] == images.data[(order[static_cast<size_t>(7 - i)]) * 4 + k] / 255.0f);
  nnc_tensor_f32_free(&images);
  nnc_tensor_i32_free(&labels);
}

TEST_CASE("batch preprocessing: epochs and evaluation allocate nothing", "[train][alloc]") {
  if (!test::canCountAllocations()) {
    WARN("no way to count allocations in this build");
    return;
  }
  Compiled c;
  const nnc_program &program = *c.program;
  int saved = nnc_threads_get();
  nnc_threads_set(2);
  test::LoadedTrainer t(program, "");
  REQUIRE(t.data.train.sourceRows);
  trainer::TrainLoop loop(t.m, program, t.data, t.state, t.loopConfig());

  double first = 0, last = 0;
  size_t validation = 0, tested = 0;
  long n = test::allocationsDuring([&] {
    first = loop.trainEpoch(1, {}).at(0);
    for (int64_t e = 2; e <= 20; ++e)
      last = loop.trainEpoch(e, {}).at(0);
    validation = loop.evaluateValidation().size();
    tested = loop.evaluateTest().size();
  });
  nnc_threads_set(saved);
  CHECK(n == 0);
  CHECK(last < first);
  CHECK(validation == 1);
  CHECK(tested == 1);
}

TEST_CASE("batch preprocessing: a test split of its own files is checked at the start and read after training",
          "[train][data]") {
  Compiled c(true);
  const nnc_program &program = *c.program;
  test::LoadedTrainer t(program, "", 11);
  const trainer::Manifest &m = t.m;
  trainer::ModelState &state = t.state;
  trainer::Dataset &data = t.data;
  REQUIRE(data.hasTest);
  REQUIRE(data.deferredTest);
  CHECK(data.test.rows == kTestRows);
  CHECK(data.test.sourceRows);
  CHECK(data.test.raw.fields.empty()); // not in memory while training
  CHECK(data.train.raw.find("image"));

  data.readTest();
  CHECK(!data.deferredTest);
  CHECK(data.train.raw.fields.empty()); // the training rows are freed for it
  REQUIRE(data.test.raw.rows == kTestRows);
  trainer::FieldBatch batch(m, program, data, state.statistics, 8);
  std::vector<int64_t> rows = {5, 0, 3};
  batch.gather(data.test, rows.data(), 3);
  const auto *y = static_cast<const int32_t *>(batch.field(fieldIndex(m, "y")));
  const auto *s = static_cast<const float *>(batch.field(fieldIndex(m, "s")));
  for (size_t i = 0; i < rows.size(); ++i) {
    CHECK(y[i] == (rows[i] + 1) % 3);
    for (int64_t k = 0; k < 4; ++k)
      CHECK(s[i * 4 + k] == static_cast<float>((rows[i] * 4 + k) * 97 % 256) / 255.0f);
  }
  data.readTest(); // read once: a second call changes nothing
  CHECK(data.test.raw.rows == kTestRows);

  SECTION("a test file that changed during training is an error naming it") {
    trainer::Dataset again = trainer::loadDataset(m, program, "", 11, state.statistics);
    Compiled::writeImages(c.testImages, c.testLabels, kTestRows - 1, 1);
    CHECK_THROWS_WITH(again.readTest(),
                      Catch::Contains("changed during training") && Catch::Contains("held 6 rows, now 5"));
  }
  SECTION("a damaged test file is reported when the data loads, before any training") {
    std::ofstream(c.testImages, std::ios::binary | std::ios::trunc) << "not an IDX file";
    CHECK_THROWS_WITH(trainer::loadDataset(m, program, "", 11, state.statistics), Catch::Contains("timg.idx"));
  }
}
