// The inference executable (nnc_infer_main's core): raw rows on standard
// input, IDX and CSV files with and without the data block's preprocessing,
// labels and accuracy, the output formats, bad options and bad data.
#include "ModelTestUtil.h"

#include <cmath>
#include <cstdio>
#include <zlib.h>

using namespace model_test;

namespace {

const std::vector<float> kRows = {0.9f, 0.1f, 0.2f, 0.7f, 0.1f, 0.3f, 0.6f, 0.4f};

// The class on each prediction line (the lines before the summary).
std::vector<int> predictedClasses(const Result &r) {
  std::vector<int> out;
  for (const std::string &line : r.lines())
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) out.push_back(std::stoi(line));
  return out;
}

// softmax(logits)[k], printed as the executable prints a probability.
std::string probability(std::vector<double> logits, size_t k) {
  double sum = 0;
  for (double l : logits)
    sum += std::exp(l - logits[k]);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", 1 / sum);
  return buf;
}

// Images (x0, x1) scaled by 10 by the data graph: classes 0, 1, 2, 0.
const Bytes kImages = {9, 1, 2, 7, 1, 3, 6, 4};

std::string idxSource(const std::string &images) { return "source test idx \"" + images + "\" \"labels-unused\"\n"; }

} // namespace

TEST_CASE("infer: raw float32 rows on standard input", "[infer]") {
  auto p = clfProgram();
  Result r = infer(*p, {}, rawRows(kRows));
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  std::vector<std::string> lines = r.lines();
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "0 " + probability({0.9f, 0.1f, 0.5f}, 0));
  CHECK(lines[1] == "1 " + probability({0.2f, 0.7f, 0.5f}, 1));
  CHECK(lines[2] == "2 " + probability({0.1f, 0.3f, 0.5f}, 2));
  // `-` is standard input too; batches of 3 rows give the same lines.
  Result b = infer(*p, {"--input", "-", "--batch=3", "--threads", "2"}, rawRows(kRows));
  CHECK(b.status == 0);
  CHECK(b.out == r.out);
  // --json ends with the summary; --quiet drops the rows.
  Result j = infer(*p, {"--quiet", "--json"}, rawRows(kRows));
  REQUIRE(j.status == 0);
  REQUIRE(j.lines().size() == 1);
  std::string json = j.lines().back();
  CHECK(json.rfind("{\"samples\": 4, \"accuracy\": null, \"seconds\": ", 0) == 0);
  CHECK(trainer_test::jsonValue(json, "seconds") >= 0);
  CHECK(trainer_test::hasKey(json, "samples_per_s"));
  // No rows at all is no prediction.
  Result empty = infer(*p, {"--json"});
  CHECK(empty.status == 0);
  CHECK(empty.lines().size() == 1);
  CHECK(empty.out.rfind("{\"samples\": 0, \"accuracy\": null", 0) == 0);
}

TEST_CASE("infer: a classifier's probabilities are kept when they are a distribution", "[infer]") {
  // x = (0.3, 0.2): logits (0.3, 0.2, 0.5) sum to 1, so they are taken as
  // probabilities; (0.3, 0.3) is no distribution (sum 1.1).
  auto p = clfProgram();
  Result r = infer(*p, {}, rawRows({0.3f, 0.2f, 0.3f, 0.3f}));
  REQUIRE(r.status == 0);
  REQUIRE(r.lines().size() == 2);
  CHECK(r.lines()[0] == "2 0.500000");
  CHECK(r.lines()[1] == "2 " + probability({0.3f, 0.3f, 0.5f}, 2));
}

TEST_CASE("infer: a regressor prints every output's values", "[infer]") {
  auto p = regProgram();
  Result r = infer(*p, {}, rawRows({1, 0.5f, -2}));
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out == "3 1\n2 0.5\n-3 -2\n");
}

TEST_CASE("infer: IDX images through the data graph, with IDX labels", "[infer]") {
  TempDir tmp;
  std::string images = tmp.path("images.idx"), labels = tmp.path("labels.idx");
  writeBytes(images, idxU8({4, 2}, kImages));
  writeBytes(labels, idxU8({4}, {0, 1, 2, 1}));
  auto p = clfProgram(true, idxSource(images), kDataIdxGraph);
  Result r = infer(*p, {"--input", images, "--labels", labels, "--json", "--batch", "3"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(predictedClasses(r) == std::vector<int>{0, 1, 2, 0});
  std::vector<std::string> lines = r.lines();
  REQUIRE(lines.size() == 6);
  // The data graph divided the pixels by 10.
  CHECK(lines[0] == "0 " + probability({0.9f, 0.1f, 0.5f}, 0));
  CHECK(lines[4] == "accuracy: 0.7500 (3 of 4)");
  CHECK(trainer_test::jsonValue(lines[5], "accuracy") == 0.75);
  CHECK(trainer_test::jsonValue(lines[5], "samples") == 4);

  // Gzip-compressed files read the same.
  std::string gz = tmp.path("images.gz");
  gzFile f = gzopen(gz.c_str(), "wb");
  REQUIRE(f);
  Bytes bytes = idxU8({4, 2}, kImages);
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  Result z = infer(*p, {"--input", gz, "--labels", labels, "--json", "--batch", "3"});
  CHECK(z.status == 0);
  CHECK(z.lines()[4] == lines[4]);
}

TEST_CASE("infer: a file whose rows fit the one input feeds it without a data graph", "[infer]") {
  TempDir tmp;
  std::string images = tmp.path("images.idx");
  // [4, 1, 2]: rows of two values, as the model's x takes them; unscaled.
  writeBytes(images, idxU8({4, 1, 2}, {9, 1, 2, 7, 0, 0, 6, 4}));
  auto p = clfProgram();
  Result r = infer(*p, {"--input", images, "--quiet", "--json"});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.lines().size() == 1);
  r = infer(*p, {"--input", images});
  CHECK(predictedClasses(r) == std::vector<int>{0, 1, 2, 0});

  // CSV: every column is a feature; labels from a file of one column.
  std::string csv = tmp.path("x.csv"), labels = tmp.path("y.csv");
  writeText(csv, "f0,f1\n0.9,0.1\n\"0.2\",0.7\r\n0.1,0.3\n0.6,0.4");
  writeText(labels, "class\n0\n1\n0\n0\n");
  r = infer(*p, {"--input", csv, "--labels", labels});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(predictedClasses(r) == std::vector<int>{0, 1, 2, 0});
  CHECK(r.lines().back() == "accuracy: 0.7500 (3 of 4)");
}

TEST_CASE("infer: a CSV with the label column the model was trained with", "[infer]") {
  TempDir tmp;
  std::string csv = tmp.path("test.csv");
  writeText(csv, "a,cls,b\n9,0,1\n2,1,7\n1,2,3\n6,2,4\n");
  // The data graph reads the features (every column but `cls`) and scales
  // them; the same file gives the labels.
  auto p = clfProgram(true, "source train csv \"train.csv\" \"cls\"\n", kDataCsvGraph);
  Result r = infer(*p, {"--input", csv, "--labels", csv});
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(predictedClasses(r) == std::vector<int>{0, 1, 2, 0});
  CHECK(r.lines()[0] == "0 " + probability({0.9f, 0.1f, 0.5f}, 0));
  CHECK(r.lines().back() == "accuracy: 0.7500 (3 of 4)");
}

TEST_CASE("infer: weights from a checkpoint", "[infer]") {
  TempDir tmp;
  std::string ckpt = tmp.path("clf.ckpt"), wrong = tmp.path("wrong.ckpt");
  saveClfCheckpoint(ckpt);
  saveClfCheckpoint(wrong, {3, 2});
  auto p = clfProgram(false);
  Result r = infer(*p, {"--weights", ckpt}, rawRows(kRows));
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out == infer(*clfProgram(), {}, rawRows(kRows)).out);

  r = infer(*p, {"--weights", wrong}, rawRows(kRows));
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "predict: error: checkpoint `" + wrong + "` has `Clf/W` as [3, 2] but the model needs [2, 3]\n");

  r = infer(*p, {}, rawRows(kRows));
  CHECK(r.status == 2);
  CHECK(r.err.rfind("predict: error: model `Clf` has no weights compiled in: give a checkpoint with --weights PATH\n",
                    0) == 0);
}

TEST_CASE("infer: bad options are usage errors", "[infer]") {
  auto p = clfProgram();
  auto usage = [&](std::vector<std::string> args, const std::string &message) {
    Result r = infer(*p, args);
    INFO(message);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "predict: error: " + message + "\nrun `predict --help` for the options\n");
  };
  usage({"--bogus"}, "unknown option `--bogus` (see --help)");
  usage({"input.idx"}, "unexpected argument `input.idx` (see --help)");
  usage({"--batch", "0"}, "--batch expects a positive integer up to 16777216, got `0`");
  usage({"--batch=x"}, "--batch expects a positive integer up to 16777216, got `x`");
  usage({"--threads", "0"}, "--threads expects a positive integer up to 256, got `0`");
  usage({"--input"}, "--input needs a value");
  usage({"--labels="}, "--labels needs a non-empty value");
  usage({"--quiet=1"}, "--quiet takes no value");
  Result reg = infer(*regProgram(), {"--labels", "y.idx"});
  CHECK(reg.status == 2);
  CHECK(reg.err.rfind("predict: error: --labels needs a classifier, and model `Reg` is not one (its output `y` is not "
                      "class scores)\n",
                      0) == 0);

  Result help = infer(*p, {"--input", "x", "--help"});
  CHECK(help.status == 0);
  CHECK(help.out.rfind("usage: predict [options]\n", 0) == 0);
  CHECK(help.out.find("--labels FILE") != std::string::npos);
}

TEST_CASE("infer: bad data is an error naming it", "[infer]") {
  TempDir tmp;
  auto p = clfProgram();
  auto failure = [&](std::vector<std::string> args, const std::string &message, const std::string &in = "") {
    Result r = infer(*p, args, in);
    INFO(r.out);
    CHECK(r.status == 1);
    CHECK(r.err == "predict: error: " + message + "\n");
  };
  // Half a row at the end: two rows predicted and printed, then the error.
  Result partial = infer(*p, {"--batch", "1"}, rawRows({0.9f, 0.1f, 0.2f, 0.7f, 0.5f}));
  CHECK(partial.status == 1);
  CHECK(partial.lines().size() == 2);
  CHECK(partial.err ==
        "predict: error: standard input ends inside row 3: a row of `x` is 2 float32 values (8 bytes)\n");

  std::string missing = tmp.path("missing.idx");
  failure({"--input", missing}, "cannot open `" + missing + "`: No such file or directory");

  std::string images = tmp.path("images.idx"), labels = tmp.path("labels.idx");
  writeBytes(images, idxU8({4, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  failure({"--input", images},
          "cannot feed `" + images +
              "` to model `Clf`: the program has no data preprocessing, and its rows of [3] do not fit input `x` "
              "(f32[B, 2])");
  writeBytes(images, idxU8({4, 2}, kImages));
  writeBytes(labels, idxU8({3}, {0, 1, 2}));
  failure({"--input", images, "--labels", labels}, "`" + labels + "` holds 3 labels for 4 rows of `" + images + "`");
  failure({"--labels", labels}, "`" + labels + "` holds 3 labels for 4 rows of standard input", rawRows(kRows));

  std::string csv = tmp.path("x.csv"), twoColumns = tmp.path("y.csv");
  writeText(csv, "f0,f1\n0.9,0.1\n0.2,oops\n");
  failure({"--input", csv}, "`" + csv + "`:3:5: field `oops` in column `f1` is not a number");
  writeText(twoColumns, "a,b\n1,2\n");
  failure({"--input", images, "--labels", twoColumns},
          "`" + twoColumns + "` has the columns `a`, `b`: which holds the labels? (expected a file of one column)");
  writeText(twoColumns, "a\n1.5\n1\n2\n3\n");
  failure({"--input", images, "--labels", twoColumns},
          "`" + twoColumns + "`: row 1 of column `a` holds 1.5, which is not a class number");

  // A data graph reading a field the file does not have, and rows that do
  // not fit the input either.
  auto withData = clfProgram(true, "", kDataCsvGraph);
  std::string wide = tmp.path("wide.idx");
  writeBytes(wide, idxU8({2, 3}, {1, 2, 3, 4, 5, 6}));
  Result r = infer(*withData, {"--input", wide});
  CHECK(r.status == 1);
  CHECK(r.err == "predict: error: cannot feed `" + wide + "` to model `Clf`: the data block `d` reads field " +
                     "`features`, which `" + wide + "` does not provide (it provides `image`), and its rows of [3] " +
                     "do not fit input `x` (f32[B, 2])\n");
}
