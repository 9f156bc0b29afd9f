// The training driver reading data files: IDX (plain and gzip) and CSV
// sources, --data, data graphs run per batch, and every file problem reported
// with the file's name.
#include "TrainerTestUtil.h"

#include <zlib.h>

#include <fstream>

using namespace trainer_test;

namespace {

using Bytes = std::vector<unsigned char>;

// An IDX file of unsigned bytes with the given dims.
Bytes idxU8(const std::vector<uint32_t> &dims, const Bytes &data) {
  Bytes b = {0, 0, 0x08, static_cast<unsigned char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8)
      b.push_back(static_cast<unsigned char>(d >> shift));
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

void writeFile(const std::string &path, const Bytes &b, bool gzip) {
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    REQUIRE(f);
    REQUIRE(gzwrite(f, b.data(), static_cast<unsigned>(b.size())) == static_cast<int>(b.size()));
    gzclose(f);
    return;
  }
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(b.data()), std::streamsize(b.size()));
}

// n samples: image [a, b] with a = i % 3, b = (i / 3) % 2, label 3 (a + b) + 1;
// so with x = a + b the solution is w = 3, b = 1.
void writeIdxPair(const std::string &images, const std::string &labels, uint32_t n, bool gzip, uint32_t width = 2,
                  uint32_t labelCount = 0) {
  Bytes img, lab;
  for (uint32_t i = 0; i < n; ++i) {
    unsigned char a = static_cast<unsigned char>(i % 3), b = static_cast<unsigned char>((i / 3) % 2);
    img.push_back(a);
    img.push_back(b);
    for (uint32_t k = 2; k < width; ++k)
      img.push_back(0);
    lab.push_back(static_cast<unsigned char>(3 * (a + b) + 1));
  }
  if (labelCount) lab.resize(labelCount);
  writeFile(images, idxU8({n, width}, img), gzip);
  writeFile(labels, idxU8({labelCount ? labelCount : n}, lab), gzip);
}

std::string idxProgram(const std::string &images, const std::string &labels, const std::string &settings,
                       const std::string &imageShape = "[B,2]") {
  return header(settings) + "source train idx \"" + images + "\" \"" + labels + "\"\n" + dataIdxGraph(imageShape) +
         initGraph() + momentumStepGraphs() + evaluateGraph() + "end\n";
}

std::string csvProgram(const std::string &file, const std::string &label, const std::string &settings,
                       const std::string &testFile = "") {
  std::string m = header(settings) + "source train csv \"" + file + "\" \"" + label + "\"\n";
  if (!testFile.empty()) m += "source test csv \"" + testFile + "\" \"" + label + "\"\n";
  return m + kDataCsvGraph + initGraph() + momentumStepGraphs() + evaluateGraph() + "end\n";
}

} // namespace

TEST_CASE("trainer: an IDX source trains, its rowwise data graph run on each batch", "[trainer]") {
  TempDir tmp;
  for (bool gzip : {false, true}) {
    std::string images = tmp.path(gzip ? "img.gz" : "img.idx"), labels = tmp.path(gzip ? "lab.gz" : "lab.idx");
    writeIdxPair(images, labels, 5000, gzip);
    Program p(idxProgram(images, labels, "setting epochs 2\nsetting batch 50\nsetting validation 0.1\n"));
    dataBatches.clear();
    std::string ckpt = tmp.path("idx.ckpt");
    Result r = train(p, {"--save", ckpt, "--json"});
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    // Not the whole split at once: 90 training and 10 validation batches of
    // 50 rows in each of the 2 epochs.
    CHECK(dataBatches == std::vector<int64_t>(200, 50));
    CHECK(r.out.find("Samples: 4500 train, 500 validation, no test") != std::string::npos);
    CHECK(savedValue(ckpt, "Lin/w") == Approx(3).margin(1e-3));
    CHECK(savedValue(ckpt, "Lin/b") == Approx(1).margin(1e-3));
    CHECK(jsonValue(r.lastLine(), "val_loss") < 1e-5);
  }
}

TEST_CASE("trainer: --data reads each file from DIR by its base name", "[trainer]") {
  TempDir tmp;
  writeIdxPair(tmp.path("train-images.gz"), tmp.path("train-labels.gz"), 30, true);
  Program p(idxProgram("/nowhere/datasets/train-images.gz", "/nowhere/datasets/train-labels.gz",
                       "setting epochs 1\nsetting batch 8\n"));
  Result missing = train(p, {});
  CHECK(missing.status == 1);
  CHECK(missing.err.find("cannot open `/nowhere/datasets/train-images.gz`") != std::string::npos);
  Result r = train(p, {"--data", tmp.dir.string(), "--quiet"});
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(train(p, {"--data=" + tmp.dir.string() + "/", "--quiet"}).status == 0);
}

TEST_CASE("trainer: data file problems name the file", "[trainer]") {
  TempDir tmp;
  std::string images = tmp.path("img.idx"), labels = tmp.path("lab.idx");
  const char *settings = "setting epochs 1\nsetting batch 8\n";

  SECTION("missing") {
    writeIdxPair(images, labels, 12, false);
    Program p(idxProgram(images, tmp.path("nope.idx"), settings));
    Result r = train(p, {});
    CHECK(r.status == 1);
    CHECK(r.err.find("lin-train: error: cannot open `" + tmp.path("nope.idx") + "`") == 0);
  }
  SECTION("corrupt") {
    writeIdxPair(images, labels, 12, false);
    writeFile(labels, {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8}, false);
    Program p(idxProgram(images, labels, settings));
    Result r = train(p, {});
    CHECK(r.status == 1);
    CHECK(r.err.find("`" + labels + "`") != std::string::npos);
  }
  SECTION("rows of another shape than the program was compiled for") {
    writeIdxPair(images, labels, 12, false, 3);
    Program p(idxProgram(images, labels, settings));
    Result r = train(p, {});
    CHECK(r.status == 1);
    CHECK(r.err == "lin-train: error: `" + images +
                       "`: field `image` has rows of shape [3], but the program was compiled for [2]\n");
  }
  SECTION("images and labels that do not pair up") {
    writeIdxPair(images, labels, 12, false, 2, 11);
    Program p(idxProgram(images, labels, settings));
    Result r = train(p, {});
    CHECK(r.status == 1);
    CHECK(r.err.find("holds 12 images but `" + labels + "` holds 11 labels") != std::string::npos);
  }
  SECTION("a CSV file without the label column") {
    std::ofstream(tmp.path("d.csv")) << "a,b,y\n1,2,3\n";
    Program p(csvProgram(tmp.path("d.csv"), "target", settings));
    Result r = train(p, {});
    CHECK(r.status == 1);
    CHECK(r.err.find(tmp.path("d.csv")) != std::string::npos);
    CHECK(r.err.find("target") != std::string::npos);
  }
}

TEST_CASE("trainer: a CSV source trains, with a CSV test split", "[trainer]") {
  TempDir tmp;
  std::ofstream train_csv(tmp.path("train.csv")), test_csv(tmp.path("test.csv"));
  train_csv << "a,target,b\n";
  for (int i = 0; i < 200; ++i) {
    float a = static_cast<float>(i % 5) * 0.5f, b = static_cast<float>(i % 3) * 0.25f;
    train_csv << a << "," << 3 * (a + b) + 1 << "," << b << "\n";
  }
  test_csv << "a,target,b\n1,7,1\n0.5,4,0.5\n";
  train_csv.close();
  test_csv.close();
  Program p(csvProgram(tmp.path("train.csv"), "target", "setting epochs 12\nsetting batch 8\n", tmp.path("test.csv")));
  std::string ckpt = tmp.path("csv.ckpt");
  Result r = train(p, {"--save", ckpt, "--json", "--quiet"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(savedValue(ckpt, "Lin/w") == Approx(3).margin(1e-3));
  CHECK(savedValue(ckpt, "Lin/b") == Approx(1).margin(1e-3));
  CHECK(jsonValue(r.lastLine(), "test_loss") < 1e-5);
  CHECK(jsonValue(r.lastLine(), "test_xmean") == Approx(1.5));
}
