// The runtime's dataset readers (IDX, CSV) and batching helpers, on small
// files written by the tests, and on Fashion-MNIST when it is installed.
#include "common/TempDir.h"
#include "nnc/data.h"
#include "nnc/error.h"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;

// A fresh directory for one test's files, removed afterwards.
struct TempDir : nnc::test::TempDir {
  TempDir() : nnc::test::TempDir("nnc_data") {}
};

using Bytes = std::vector<unsigned char>;

void writeFile(const std::string &path, const Bytes &b) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(b.data()), std::streamsize(b.size()));
}
void writeFile(const std::string &path, const std::string &s) { writeFile(path, Bytes(s.begin(), s.end())); }

void writeGz(const std::string &path, const Bytes &b) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f);
  REQUIRE(gzwrite(f, b.data(), unsigned(b.size())) == int(b.size()));
  REQUIRE(gzclose(f) == Z_OK);
}

void put32(Bytes &b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8)
    b.push_back(uint8_t(v >> s));
}

// An IDX header: magic 0 0 type rank, then the big-endian dims.
Bytes idxHeader(int type, const std::vector<uint32_t> &dims) {
  Bytes b = {0, 0, uint8_t(type), uint8_t(dims.size())};
  for (uint32_t d : dims)
    put32(b, d);
  return b;
}

Bytes concat(Bytes a, const Bytes &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string err() { return nnc_last_error(); }

// Reads `path` as f32 IDX, expecting failure, and returns the message,
// after checking that reading it in its own element type fails alike.
std::string idxError(const std::string &path) {
  nnc_tensor_idx n;
  CHECK(nnc_idx_read(path.c_str(), &n) != NNC_OK);
  CHECK(n.data == nullptr);
  nnc_tensor_idx_free(&n);
  std::string native = err();
  nnc_tensor_f32 t;
  CHECK(nnc_idx_read_f32(path.c_str(), &t) != NNC_OK);
  CHECK(t.data == nullptr);
  nnc_tensor_f32_free(&t);
  CHECK(err() == native);
  return err();
}

std::string csvError(const std::string &path, const char *label = "label") {
  nnc_tensor_f32 x, y;
  CHECK(nnc_csv_read(path.c_str(), label, &x, &y) != NNC_OK);
  CHECK(x.data == nullptr);
  CHECK(y.data == nullptr);
  return err();
}

} // namespace

TEST_CASE("idx: u8 images, plain and gzip, as f32 and i32") {
  TempDir tmp;
  Bytes file = concat(idxHeader(0x08, {2, 3}), {0, 1, 2, 253, 254, 255});
  writeFile(tmp.path("a.idx"), file);
  writeGz(tmp.path("a.idx.gz"), file);
  for (const char *name : {"a.idx", "a.idx.gz"}) {
    nnc_tensor_f32 t;
    REQUIRE(nnc_idx_read_f32(tmp.path(name).c_str(), &t) == NNC_OK);
    CHECK(t.rank == 2);
    CHECK(t.dims[0] == 2);
    CHECK(t.dims[1] == 3);
    CHECK(t.numel == 6);
    CHECK(std::vector<float>(t.data, t.data + 6) == std::vector<float>{0, 1, 2, 253, 254, 255});
    nnc_tensor_f32_free(&t);
    CHECK(t.data == nullptr);
    nnc_tensor_i32 l;
    REQUIRE(nnc_idx_read_i32(tmp.path(name).c_str(), &l) == NNC_OK);
    CHECK(std::vector<int32_t>(l.data, l.data + 6) == std::vector<int32_t>{0, 1, 2, 253, 254, 255});
    nnc_tensor_i32_free(&l);
  }
}

// Files of more than 8 MiB are read into one buffer reserved whole (in huge
// pages where the system has them) rather than one grown as it fills.
TEST_CASE("idx: a large file, its buffer reserved at once, reads every element") {
  TempDir tmp;
  const uint32_t rows = 3001, cols = 3001; // 9 MB: not a whole number of 2 MiB pages
  Bytes data(size_t(rows) * cols);
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = uint8_t(i * 2654435761u >> 11);
  std::string path = tmp.path("large.idx");
  writeFile(path, concat(idxHeader(0x08, {rows, cols}), data));
  nnc_tensor_idx t{};
  REQUIRE(nnc_idx_read(path.c_str(), &t) == NNC_OK);
  REQUIRE(t.numel == int64_t(data.size()));
  CHECK(std::memcmp(t.data, data.data(), data.size()) == 0);
  nnc_tensor_idx_free(&t);
  // As f32: four times the bytes, the same values.
  nnc_tensor_f32 f{};
  REQUIRE(nnc_idx_read_f32(path.c_str(), &f) == NNC_OK);
  size_t mismatches = 0;
  for (size_t i = 0; i < data.size(); ++i)
    mismatches += f.data[i] != float(data[i]);
  CHECK(mismatches == 0);
  nnc_tensor_f32_free(&f);
}

TEST_CASE("idx: every element type decodes big-endian") {
  TempDir tmp;
  auto readF32 = [&](const Bytes &b) {
    writeFile(tmp.path("t.idx"), b);
    nnc_tensor_f32 t;
    REQUIRE(nnc_idx_read_f32(tmp.path("t.idx").c_str(), &t) == NNC_OK);
    std::vector<float> v(t.data, t.data + t.numel);
    nnc_tensor_f32_free(&t);
    return v;
  };
  CHECK(readF32(concat(idxHeader(0x09, {3}), {0x80, 0xFF, 0x7F})) == std::vector<float>{-128, -1, 127});
  CHECK(readF32(concat(idxHeader(0x0B, {2}), {0x80, 0x00, 0x01, 0x02})) == std::vector<float>{-32768, 258});
  CHECK(readF32(concat(idxHeader(0x0C, {2}), {0xFF, 0xFF, 0xFF, 0xFE, 0x00, 0x01, 0x00, 0x00})) ==
        std::vector<float>{-2, 65536});
  // 1.5f = 0x3FC00000, -0.25f = 0xBE800000.
  CHECK(readF32(concat(idxHeader(0x0D, {2}), {0x3F, 0xC0, 0, 0, 0xBE, 0x80, 0, 0})) ==
        std::vector<float>{1.5f, -0.25f});
  // 2.5 = 0x4004000000000000; 1e30 rounds to the nearest float.
  Bytes f64 = idxHeader(0x0E, {2});
  for (uint8_t b : {0x40, 0x04, 0, 0, 0, 0, 0, 0})
    f64.push_back(b);
  uint64_t big;
  double d = 1e30;
  std::memcpy(&big, &d, 8);
  for (int s = 56; s >= 0; s -= 8)
    f64.push_back(uint8_t(big >> s));
  std::vector<float> v = readF32(f64);
  CHECK(v[0] == 2.5f);
  CHECK(v[1] == 1e30f);
  // Rank 3 keeps all dims.
  writeFile(tmp.path("r3.idx"), concat(idxHeader(0x08, {1, 2, 2}), {1, 2, 3, 4}));
  nnc_tensor_f32 t;
  REQUIRE(nnc_idx_read_f32(tmp.path("r3.idx").c_str(), &t) == NNC_OK);
  CHECK(t.rank == 3);
  CHECK((t.dims[0] == 1 && t.dims[1] == 2 && t.dims[2] == 2));
  nnc_tensor_f32_free(&t);
}

TEST_CASE("idx: read in its own element type, converted to f32 as nnc_idx_read_f32 reads it") {
  TempDir tmp;
  Bytes f64 = idxHeader(0x0E, {3});
  for (double d : {2.5, 1e30, -1e-50}) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    for (int s = 56; s >= 0; s -= 8)
      f64.push_back(uint8_t(bits >> s));
  }
  struct Case {
    Bytes file;
    int type;
  };
  std::vector<Case> cases = {
      {concat(idxHeader(0x08, {2, 3}), {0, 1, 2, 253, 254, 255}), NNC_IDX_U8},
      {concat(idxHeader(0x09, {3}), {0x80, 0xFF, 0x7F}), NNC_IDX_I8},
      {concat(idxHeader(0x0B, {2}), {0x80, 0x00, 0x01, 0x02}), NNC_IDX_I16},
      {concat(idxHeader(0x0C, {3}), {0xFF, 0xFF, 0xFF, 0xFE, 0x00, 0x01, 0x00, 0x00, 0x7F, 0xFF, 0xFF, 0xFF}),
       NNC_IDX_I32},
      {concat(idxHeader(0x0D, {2}), {0x3F, 0xC0, 0, 0, 0xBE, 0x80, 0, 0}), NNC_IDX_F32},
      {f64, NNC_IDX_F64},
  };
  for (const Case &c : cases) {
    INFO("type " << c.type);
    writeGz(tmp.path("t.idx.gz"), c.file);
    nnc_tensor_idx n;
    REQUIRE(nnc_idx_read(tmp.path("t.idx.gz").c_str(), &n) == NNC_OK);
    nnc_tensor_f32 t;
    REQUIRE(nnc_idx_read_f32(tmp.path("t.idx.gz").c_str(), &t) == NNC_OK);
    CHECK(n.type == c.type);
    CHECK(n.numel == t.numel);
    CHECK(n.rank == t.rank);
    CHECK(std::equal(n.dims, n.dims + n.rank, t.dims));
    // Kept as the file's elements, in host order: a u8 pixel takes a byte,
    // an f64 keeps its precision.
    if (c.type == NNC_IDX_U8)
      CHECK(Bytes(static_cast<uint8_t *>(n.data), static_cast<uint8_t *>(n.data) + 6) == Bytes{0, 1, 2, 253, 254, 255});
    if (c.type == NNC_IDX_I16)
      CHECK(std::vector<int16_t>(static_cast<int16_t *>(n.data), static_cast<int16_t *>(n.data) + 2) ==
            std::vector<int16_t>{-32768, 258});
    if (c.type == NNC_IDX_F64)
      CHECK(std::vector<double>(static_cast<double *>(n.data), static_cast<double *>(n.data) + 3) ==
            std::vector<double>{2.5, 1e30, -1e-50});
    std::vector<float> converted(size_t(n.numel), -7.0f);
    REQUIRE(nnc_idx_to_f32(n.data, n.type, n.numel, converted.data()) == NNC_OK);
    // Bit for bit.
    CHECK(std::memcmp(converted.data(), t.data, converted.size() * sizeof(float)) == 0);
    nnc_tensor_idx_free(&n);
    CHECK(n.data == nullptr);
    nnc_tensor_f32_free(&t);
  }
  float out = 0;
  uint8_t byte = 3;
  CHECK(nnc_idx_to_f32(&byte, 0x0A, 1, &out) == NNC_ERR_ARG);
  CHECK(err() == "nnc_idx_to_f32: unknown IDX element type 10");
}

TEST_CASE("idx: malformed files are rejected with the file's name") {
  TempDir tmp;
  auto check = [&](const Bytes &b, const std::string &message) {
    std::string p = tmp.path("bad.idx");
    writeFile(p, b);
    CHECK(idxError(p) == "`" + p + "`: " + message);
  };
  std::string missing = tmp.path("missing.idx");
  CHECK(idxError(missing) == "cannot open `" + missing + "`: No such file or directory");
  check({}, "truncated IDX header: expected 4 bytes, found 0");
  check({0, 0}, "truncated IDX header: expected 4 bytes, found 2");
  check({0, 0, 8, 3, 0, 0, 0, 1, 0, 0}, "truncated IDX header: expected 16 bytes, found 10");
  check({1, 2, 8, 1}, "bad IDX magic number 0x01020801 (the first two bytes must be zero)");
  check({0, 0, 0x0A, 1},
        "unknown IDX element type code 0x0a (expected 0x08 u8, 0x09 i8, 0x0b i16, 0x0c i32, 0x0d f32 or 0x0e f64)");
  check({0, 0, 8, 0}, "IDX file declares no dimensions");
  check({0, 0, 8, 9}, "IDX file declares 9 dimensions; at most 8 are supported");
  check(idxHeader(8, {2, 0, 3}), "IDX dimension 1 is 0");
  check(idxHeader(8, {0xFFFFFFFF}), "IDX dimension 0 is -1");
  check(idxHeader(8, {65536, 65536, 8}), "IDX shape [65536, 65536, 8] has more than 2^34 elements");
  check(concat(idxHeader(8, {10, 10}), Bytes(7, 1)), "truncated IDX data: expected 100 bytes of data, found 7");
  check(concat(idxHeader(0x0C, {60000}), Bytes(1000, 1)),
        "truncated IDX data: expected 240000 bytes of data, found 1000");
  check(concat(idxHeader(8, {2, 3}), Bytes(9, 1)), "3 trailing bytes after the 6 bytes of IDX data");
  // Floats must be finite numbers, as in a CSV file (big-endian f32 and f64).
  check(concat(idxHeader(0x0D, {3}), Bytes{0x3F, 0x80, 0, 0, 0x7F, 0xC0, 0, 0, 0, 0, 0, 0}),
        "element 1 is NaN: IDX data must be finite f32 numbers");
  check(concat(idxHeader(0x0E, {2}), Bytes{0xFF, 0xF0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
        "element 0 is infinite or beyond f32's range: IDX data must be finite f32 numbers");
  check(concat(idxHeader(0x0E, {2}), Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0x7E, 0x37, 0xE4, 0x3C, 0x88, 0, 0x75, 0x9C}),
        "element 1 is infinite or beyond f32's range: IDX data must be finite f32 numbers"); // 1e300
  // A gigantic but legal header with no data fails fast, without allocating it.
  check(idxHeader(0x0E, {1 << 30, 16}), "truncated IDX data: expected 137438953472 bytes of data, found 0");
  // A promise large enough to be reserved whole, kept short: the same error.
  check(concat(idxHeader(8, {4096, 4096}), Bytes(7, 1)),
        "truncated IDX data: expected 16777216 bytes of data, found 7");
}

TEST_CASE("idx: damaged gzip files and float labels") {
  TempDir tmp;
  // Bytes that do not compress much, so the gzip stream is long.
  Bytes data(1000);
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = uint8_t(i * 2654435761u >> 13);
  Bytes file = concat(idxHeader(0x08, {1000}), data);
  std::string gz = tmp.path("cut.idx.gz");
  writeGz(gz, file);
  uintmax_t full = fs::file_size(gz);
  // Only the gzip trailer (CRC and length) is cut: the data is all there.
  fs::resize_file(gz, full - 8);
  CHECK(idxError(gz) == "`" + gz + "`: truncated gzip stream (the data is complete but the gzip trailer is missing)");
  // Cut in the middle of the compressed data: the data comes up short.
  fs::resize_file(gz, full / 2);
  std::string msg = idxError(gz);
  CHECK(msg.rfind("`" + gz + "`: truncated IDX data: expected 1000 bytes of data, found ", 0) == 0);
  CHECK(msg.find("(the gzip stream ends early)") != std::string::npos);
  // A gzip header followed by garbage is corrupt.
  std::string bad = tmp.path("bad.idx.gz");
  writeFile(bad, Bytes{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
  CHECK(idxError(bad).rfind("corrupt gzip data in `" + bad + "`: ", 0) == 0);
  // Float data is not labels.
  std::string f = tmp.path("f.idx");
  writeFile(f, concat(idxHeader(0x0D, {1}), {0x3F, 0xC0, 0, 0}));
  nnc_tensor_i32 l;
  CHECK(nnc_idx_read_i32(f.c_str(), &l) == NNC_ERR_FORMAT);
  CHECK(err() == "`" + f + "`: IDX element type f32 is not an integer type; cannot read it as int32");
  // A directory is not a file.
  CHECK(idxError(tmp.dir.string()).rfind("cannot read `" + tmp.dir.string() + "`: ", 0) == 0);
}

TEST_CASE("idx: Fashion-MNIST, when installed") {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  if (!fs::exists(dir + "train-images-idx3-ubyte.gz")) {
    SUCCEED("Fashion-MNIST is not installed; skipped");
    return;
  }
  struct Split {
    const char *prefix;
    int64_t rows;
  };
  for (Split s : {Split{"train", 60000}, Split{"t10k", 10000}}) {
    nnc_tensor_f32 images;
    nnc_tensor_i32 labels;
    REQUIRE(nnc_idx_read_f32((dir + s.prefix + "-images-idx3-ubyte.gz").c_str(), &images) == NNC_OK);
    REQUIRE(nnc_idx_read_i32((dir + s.prefix + "-labels-idx1-ubyte.gz").c_str(), &labels) == NNC_OK);
    CHECK(images.rank == 3);
    CHECK((images.dims[0] == s.rows && images.dims[1] == 28 && images.dims[2] == 28));
    CHECK(labels.rank == 1);
    CHECK(labels.dims[0] == s.rows);
    auto [lo, hi] = std::minmax_element(images.data, images.data + images.numel);
    CHECK(*lo == 0.0f);
    CHECK(*hi == 255.0f);
    // Fashion-MNIST is balanced: every class has a tenth of the rows.
    std::vector<int64_t> perClass(10);
    for (int64_t i = 0; i < labels.numel; ++i) {
      REQUIRE(labels.data[i] >= 0);
      REQUIRE(labels.data[i] <= 9);
      ++perClass[size_t(labels.data[i])];
    }
    CHECK(perClass == std::vector<int64_t>(10, s.rows / 10));
    nnc_tensor_f32_free(&images);
    nnc_tensor_i32_free(&labels);
  }
}

TEST_CASE("csv: header, quoting, CRLF, blank lines, gzip") {
  TempDir tmp;
  const std::string text = "\xEF\xBB\xBF"
                           "a,\"label\", b \r\n"
                           "1,0,2\r\n"
                           "\r\n"
                           "\"3.5\",1, \"-4e2\" \r\n"
                           "+0.25 ,\"2\",\"1e-3\"";
  writeFile(tmp.path("d.csv"), text);
  writeGz(tmp.path("d.csv.gz"), Bytes(text.begin(), text.end()));
  for (const char *name : {"d.csv", "d.csv.gz"}) {
    nnc_tensor_f32 x, y;
    REQUIRE(nnc_csv_read(tmp.path(name).c_str(), "label", &x, &y) == NNC_OK);
    CHECK(x.rank == 2);
    CHECK((x.dims[0] == 3 && x.dims[1] == 2));
    CHECK(std::vector<float>(x.data, x.data + 6) == std::vector<float>{1, 2, 3.5f, -400, 0.25f, 1e-3f});
    CHECK(y.rank == 1);
    CHECK(y.dims[0] == 3);
    CHECK(std::vector<float>(y.data, y.data + 3) == std::vector<float>{0, 1, 2});
    nnc_tensor_i32 l;
    REQUIRE(nnc_labels_to_i32(&y, &l) == NNC_OK);
    CHECK(std::vector<int32_t>(l.data, l.data + 3) == std::vector<int32_t>{0, 1, 2});
    nnc_tensor_i32_free(&l);
    nnc_tensor_f32_free(&x);
    nnc_tensor_f32_free(&y);
  }
}

TEST_CASE("csv: quoted names may hold commas, quotes and newlines") {
  TempDir tmp;
  writeFile(tmp.path("q.csv"), "\"x, \"\"first\"\"\",\"y\ny\"\n1,2\n");
  nnc_tensor_f32 x, y;
  REQUIRE(nnc_csv_read(tmp.path("q.csv").c_str(), "y\ny", &x, &y) == NNC_OK);
  CHECK(x.data[0] == 1.0f);
  CHECK(y.data[0] == 2.0f);
  nnc_tensor_f32_free(&x);
  nnc_tensor_f32_free(&y);
  CHECK(csvError(tmp.path("q.csv"), "nope") ==
        "`" + tmp.path("q.csv") + "`:1: no column named `nope` in the header (columns: x, \"first\", y\ny)");
}

TEST_CASE("csv: errors give line and column") {
  TempDir tmp;
  std::string p = tmp.path("bad.csv");
  auto check = [&](const std::string &text, const std::string &message, const char *label = "label") {
    writeFile(p, text);
    CHECK(csvError(p, label) == "`" + p + "`" + message);
  };
  CHECK(csvError(tmp.path("none.csv")) == "cannot open `" + tmp.path("none.csv") + "`: No such file or directory");
  check("", ": empty CSV file (expected a header row)");
  check("\n\r\n\n", ": empty CSV file (expected a header row)");
  check("a,label\n", ": no data rows after the header");
  check("a,b\n1,2\n", ":1: no column named `label` in the header (columns: a, b)");
  check("label,a,label\n1,2,3\n", ":1: the header names column `label` twice");
  check("label\n1\n", ":1: no feature columns besides the label column `label`");
  check("a,label,b\n1,2,3\n4,5,abc\n", ":3:5: field `abc` in column `b` is not a number");
  check("a,label,b\n1,2,3\n4,5\n", ":3: row has 2 fields but the header has 3");
  check("a,label,b\n1,2,3\n4,5,6,7\n", ":3: row has 4 fields but the header has 3");
  check("a,label\n1,\n", ":2:3: empty field in column `label`");
  check("a,label\n1,2x\n", ":2:3: field `2x` in column `label` is not a number");
  check("a,label\n1," + std::string(50, 'x') + "\n",
        ":2:3: field `" + std::string(40, 'x') + "...` in column `label` is not a number");
  check("a,label\n1,--2\n", ":2:3: field `--2` in column `label` is not a number");
  check("a,label\n1,+-2\n", ":2:3: field `+-2` in column `label` is not a number");
  check("a,label\ninf,1\n", ":2:1: field `inf` in column `a` is not a finite number");
  check("a,label\nnan,1\n", ":2:1: field `nan` in column `a` is not a finite number");
  check("a,label\n1e39,1\n", ":2:1: field `1e39` in column `a` is out of range for f32");
  check("a,label\n1e999,1\n", ":2:1: field `1e999` in column `a` is out of range for f32");
  check("a,label\n1,\"2\n", ":2:3: unterminated quoted field");
  check("a,label\n1,\"2\"x\n", ":2:6: unexpected character after a closing quote");
  check("a,label\n1,\"2\"\r,\n", ":2:6: unexpected character after a closing quote");
  // Lines count physical lines, including those inside quoted fields.
  check("a,\"la\nbel\"\n1,2\n3,x\n", ":4:3: field `x` in column `la\nbel` is not a number", "la\nbel");
}

TEST_CASE("csv: labels that are not integers") {
  float values[] = {1.0f, 0.5f};
  nnc_tensor_f32 y{values, 2, 1, {2}};
  nnc_tensor_i32 l;
  CHECK(nnc_labels_to_i32(&y, &l) == NNC_ERR_FORMAT);
  CHECK(err() == "label 0.5 at index 1 is not an integer");
  values[1] = 3e9f;
  CHECK(nnc_labels_to_i32(&y, &l) == NNC_ERR_FORMAT);
  CHECK(err() == "label 3e+09 at index 1 does not fit in int32");
  CHECK(l.data == nullptr);
}

TEST_CASE("batching: epoch orders are seeded permutations") {
  const int64_t n = 1000;
  std::vector<int64_t> a(n), b(n), c(n);
  REQUIRE(nnc_epoch_order(nullptr, n, 42, 3, a.data()) == NNC_OK);
  REQUIRE(nnc_epoch_order(nullptr, n, 42, 3, b.data()) == NNC_OK);
  CHECK(a == b);
  // Each index exactly once.
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < n; ++i)
    REQUIRE(sorted[size_t(i)] == i);
  // Another epoch or seed gives another order; the identity is unlikely.
  REQUIRE(nnc_epoch_order(nullptr, n, 42, 4, c.data()) == NNC_OK);
  CHECK(a != c);
  REQUIRE(nnc_epoch_order(nullptr, n, 43, 3, c.data()) == NNC_OK);
  CHECK(a != c);
  int fixed = 0;
  for (int64_t i = 0; i < n; ++i)
    fixed += a[size_t(i)] == i;
  CHECK(fixed < 10);
  // An explicit index list is permuted the same way as 0..n-1.
  std::vector<int64_t> idx(n), d(n);
  for (int64_t i = 0; i < n; ++i)
    idx[size_t(i)] = 10 * i;
  REQUIRE(nnc_epoch_order(idx.data(), n, 42, 3, d.data()) == NNC_OK);
  for (int64_t i = 0; i < n; ++i)
    REQUIRE(d[size_t(i)] == 10 * a[size_t(i)]);
  CHECK(nnc_epoch_order(nullptr, 0, 1, 1, nullptr) == NNC_OK);
  CHECK(nnc_epoch_order(nullptr, -1, 1, 1, a.data()) == NNC_ERR_ARG);
}

TEST_CASE("batching: the train/validation split is seeded and exact") {
  const int64_t n = 101;
  std::vector<int64_t> a(n), b(n);
  int64_t nv = 0, nv2 = 0;
  REQUIRE(nnc_split_indices(n, 0.2, 7, a.data(), &nv) == NNC_OK);
  CHECK(nv == 20);
  REQUIRE(nnc_split_indices(n, 0.2, 7, b.data(), &nv2) == NNC_OK);
  CHECK(a == b);
  CHECK(std::is_sorted(a.begin(), a.begin() + nv));
  CHECK(std::is_sorted(a.begin() + nv, a.end()));
  std::vector<int64_t> all = a;
  std::sort(all.begin(), all.end());
  for (int64_t i = 0; i < n; ++i)
    REQUIRE(all[size_t(i)] == i);
  // The validation rows are a random subset, not the first or last rows.
  CHECK(a[size_t(nv - 1)] - a[0] > 50);
  REQUIRE(nnc_split_indices(n, 0.2, 8, b.data(), &nv2) == NNC_OK);
  CHECK(a != b);
  REQUIRE(nnc_split_indices(n, 0.0, 7, b.data(), &nv2) == NNC_OK);
  CHECK(nv2 == 0);
  CHECK(nnc_split_indices(n, 1.0, 7, b.data(), &nv2) == NNC_ERR_ARG);
  CHECK(err() == "validation fraction 1 is not in [0, 1)");
  CHECK(nnc_split_indices(n, std::nan(""), 7, b.data(), &nv2) == NNC_ERR_ARG);
  CHECK(nnc_split_indices(n, -0.5, 7, b.data(), &nv2) == NNC_ERR_ARG);
  CHECK(nnc_split_indices(1, 0.5, 7, b.data(), &nv2) == NNC_ERR_ARG);
  CHECK(err() == "a validation fraction of 0.5 leaves none of the 1 rows for training");
}

TEST_CASE("batching: batches gather rows and keep the partial last one") {
  CHECK(nnc_batch_count(10, 4) == 3);
  CHECK(nnc_batch_count(8, 4) == 2);
  CHECK(nnc_batch_count(0, 4) == 0);
  CHECK(nnc_batch_count(5, 0) == 0);
  // 10 rows of 2 values: row r holds (r, -r).
  std::vector<float> src;
  std::vector<int32_t> labels;
  for (int r = 0; r < 10; ++r) {
    src.push_back(float(r));
    src.push_back(float(-r));
    labels.push_back(r);
  }
  std::vector<int64_t> order = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
  std::vector<float> out(8, -99);
  std::vector<int32_t> lout(4, -99);
  int64_t rows = -1;
  REQUIRE(nnc_gather_rows_f32(src.data(), 10, 2, order.data(), 10, 1, 4, out.data(), &rows) == NNC_OK);
  CHECK(rows == 4);
  CHECK(out == std::vector<float>{5, -5, 4, -4, 3, -3, 2, -2});
  std::fill(out.begin(), out.end(), -99.0f);
  REQUIRE(nnc_gather_rows_f32(src.data(), 10, 2, order.data(), 10, 2, 4, out.data(), &rows) == NNC_OK);
  CHECK(rows == 2);
  CHECK(out == std::vector<float>{1, -1, 0, 0, -99, -99, -99, -99});
  REQUIRE(nnc_gather_rows_i32(labels.data(), 10, 1, order.data(), 10, 2, 4, lout.data(), &rows) == NNC_OK);
  CHECK(rows == 2);
  CHECK(lout == std::vector<int32_t>{1, 0, -99, -99});
  CHECK(nnc_gather_rows_f32(src.data(), 10, 2, order.data(), 10, 3, 4, out.data(), &rows) == NNC_ERR_ARG);
  CHECK(rows == 0);
  CHECK(err() == "nnc_gather_rows: batch 3 is out of range (an epoch of 10 rows has 3 batches of 4)");
  order[0] = 10;
  CHECK(nnc_gather_rows_f32(src.data(), 10, 2, order.data(), 10, 0, 4, out.data(), &rows) == NNC_ERR_ARG);
  CHECK(err() == "nnc_gather_rows: row index 10 at position 0 is outside the 10 rows of the data");
}

TEST_CASE("error: the last message is per thread") {
  nnc_set_error(NNC_ERR_IO, "main %d", 1);
  std::string other;
  std::thread t([&] {
    CHECK(std::string(nnc_last_error()).empty());
    CHECK(nnc_set_error(NNC_ERR_ARG, "worker %s", "x") == NNC_ERR_ARG);
    other = nnc_last_error();
  });
  t.join();
  CHECK(other == "worker x");
  CHECK(err() == "main 1");
  nnc_clear_error();
  CHECK(err().empty());
}
