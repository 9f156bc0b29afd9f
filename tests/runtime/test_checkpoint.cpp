// Checkpoints: bitwise round trips, the on-disk layout, atomic replacement
// with PATH.prev, and every way a damaged file is rejected.
#include "common/TempDir.h"
#include "nnc/checkpoint.h"
#include "nnc/error.h"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// A fresh directory for one test's files, removed afterwards.
struct TempDir : nnc::test::TempDir {
  TempDir() : nnc::test::TempDir("nnc_ckpt") {}
};

// The names of the files in `tmp`.
std::set<std::string> filesIn(const nnc::test::TempDir &tmp) {
  std::set<std::string> names;
  for (const auto &e : fs::directory_iterator(tmp.dir)) names.insert(e.path().filename().string());
  return names;
}

using Bytes = std::vector<unsigned char>;

Bytes readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string &path, const Bytes &b) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(b.data()), std::streamsize(b.size()));
}

std::string err() { return nnc_last_error(); }

// A small model's state: two parameters, their optimizer moments, a scalar.
struct Model {
  std::vector<float> w, b, mw, step;
  int64_t wDims[2] = {3, 4}, bDims[1] = {4}, empty[2] = {0, 5};
  Model(float seed) {
    for (int i = 0; i < 12; ++i)
      w.push_back(seed + float(i) / 8);
    b = {seed, -0.0f, std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::infinity()};
    // A NaN with a payload must come back bit for bit.
    uint32_t nanBits = 0x7FC01234;
    float nan;
    std::memcpy(&nan, &nanBits, 4);
    mw = w;
    mw[5] = nan;
    step = {seed * 10};
  }
  std::vector<nnc_ckpt_tensor> tensors() const {
    return {{"M/dense_1/W", 2, wDims, w.data()},
            {"M/dense_1/b", 1, bDims, b.data()},
            {"opt/m/M/dense_1/W", 2, wDims, mw.data()},
            {"opt/t", 0, nullptr, step.data()},
            {"M/empty", 2, empty, nullptr}};
  }
};

nnc_ckpt_meta metaFor(int64_t epoch) {
  return {epoch, epoch * 100 + 7, {0x0123456789ABCDEFull, ~0ull, 0, uint64_t(epoch)}};
}

int save(const std::string &path, const Model &m, int64_t epoch) {
  nnc_ckpt_meta meta = metaFor(epoch);
  std::vector<nnc_ckpt_tensor> t = m.tensors();
  return nnc_checkpoint_save(path.c_str(), &meta, t.data(), int64_t(t.size()));
}

std::vector<uint32_t> bits(const std::vector<float> &v) {
  std::vector<uint32_t> out(v.size());
  if (!v.empty()) std::memcpy(out.data(), v.data(), 4 * v.size());
  return out;
}

// Opens `path` and returns the epoch it records (-1 on failure).
int64_t epochOf(const std::string &path) {
  nnc_checkpoint *c = nullptr;
  if (nnc_checkpoint_open(path.c_str(), &c) != NNC_OK) return -1;
  int64_t e = nnc_checkpoint_meta(c)->epoch;
  nnc_checkpoint_close(c);
  return e;
}

std::string openError(const std::string &path) {
  nnc_checkpoint *c = reinterpret_cast<nnc_checkpoint *>(1);
  CHECK(nnc_checkpoint_open(path.c_str(), &c) != NNC_OK);
  CHECK(c == nullptr);
  return err();
}

} // namespace

TEST_CASE("checkpoint: round trip is bitwise") {
  TempDir tmp;
  std::string path = tmp.path("x.ckpt");
  Model m(1.5f);
  REQUIRE(save(path, m, 3) == NNC_OK);
  CHECK(filesIn(tmp) == std::set<std::string>{"x.ckpt"});

  nnc_checkpoint *c = nullptr;
  REQUIRE(nnc_checkpoint_open(path.c_str(), &c) == NNC_OK);
  nnc_ckpt_meta want = metaFor(3);
  const nnc_ckpt_meta *got = nnc_checkpoint_meta(c);
  CHECK(std::memcmp(got, &want, sizeof want) == 0);
  REQUIRE(nnc_checkpoint_count(c) == 5);
  std::vector<nnc_ckpt_tensor> saved = m.tensors();
  for (int64_t i = 0; i < 5; ++i)
    CHECK(std::string(nnc_checkpoint_name(c, i)) == saved[size_t(i)].name);
  CHECK(nnc_checkpoint_name(c, 5) == nullptr);

  std::vector<float> w(12), b(4), mw(12), step(1);
  REQUIRE(nnc_checkpoint_load(c, "M/dense_1/W", 2, m.wDims, w.data()) == NNC_OK);
  REQUIRE(nnc_checkpoint_load(c, "M/dense_1/b", 1, m.bDims, b.data()) == NNC_OK);
  REQUIRE(nnc_checkpoint_load(c, "opt/m/M/dense_1/W", 2, m.wDims, mw.data()) == NNC_OK);
  REQUIRE(nnc_checkpoint_load(c, "opt/t", 0, nullptr, step.data()) == NNC_OK);
  REQUIRE(nnc_checkpoint_load(c, "M/empty", 2, m.empty, nullptr) == NNC_OK);
  CHECK(bits(w) == bits(m.w));
  CHECK(bits(b) == bits(m.b));
  CHECK(bits(mw) == bits(m.mw));
  CHECK(bits(step) == bits(m.step));

  int32_t rank = -1;
  int64_t dims[NNC_MAX_RANK];
  REQUIRE(nnc_checkpoint_shape(c, "M/dense_1/W", &rank, dims) == NNC_OK);
  CHECK((rank == 2 && dims[0] == 3 && dims[1] == 4));
  CHECK(nnc_checkpoint_shape(c, "nope", &rank, dims) == NNC_ERR_NOT_FOUND);
  nnc_checkpoint_close(c);
}

TEST_CASE("checkpoint: loading checks names and shapes") {
  TempDir tmp;
  std::string path = tmp.path("x.ckpt");
  std::vector<float> w(size_t(784) * 64, 0.5f), out(size_t(784) * 128);
  int64_t dims[2] = {784, 64}, need[2] = {784, 128}, flat[1] = {int64_t(784) * 64};
  nnc_ckpt_tensor t = {"M/dense_1/W", 2, dims, w.data()};
  nnc_ckpt_meta meta = metaFor(1);
  REQUIRE(nnc_checkpoint_save(path.c_str(), &meta, &t, 1) == NNC_OK);
  nnc_checkpoint *c = nullptr;
  REQUIRE(nnc_checkpoint_open(path.c_str(), &c) == NNC_OK);
  CHECK(nnc_checkpoint_load(c, "M/dense_1/W", 2, need, out.data()) == NNC_ERR_SHAPE);
  CHECK(err() == "checkpoint `" + path + "` has `M/dense_1/W` as [784, 64] but the model needs [784, 128]");
  CHECK(nnc_checkpoint_load(c, "M/dense_1/W", 1, flat, out.data()) == NNC_ERR_SHAPE);
  CHECK(err() == "checkpoint `" + path + "` has `M/dense_1/W` as [784, 64] but the model needs [50176]");
  CHECK(nnc_checkpoint_load(c, "M/dense_1/b", 1, flat, out.data()) == NNC_ERR_NOT_FOUND);
  CHECK(err() == "checkpoint `" + path + "` has no tensor `M/dense_1/b`");
  nnc_checkpoint_close(c);
}

TEST_CASE("checkpoint: the on-disk layout") {
  TempDir tmp;
  std::string path = tmp.path("x.ckpt");
  float data[2] = {1.0f, 2.0f};
  int64_t dims[1] = {2};
  nnc_ckpt_tensor t = {"w", 1, dims, data};
  nnc_ckpt_meta meta = {5, 6, {7, 8, 9, 10}};
  REQUIRE(nnc_checkpoint_save(path.c_str(), &meta, &t, 1) == NNC_OK);
  Bytes b = readBytes(path);
  // 80-byte header, "w" (4 + 1), dtype and rank (8), one dim (8), data (8), CRC (4).
  REQUIRE(b.size() == 113);
  CHECK(std::memcmp(b.data(), "NNCCKPT\0", 8) == 0);
  auto le = [&](size_t at, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
      v = v << 8 | b[at + size_t(i)];
    return v;
  };
  CHECK(le(8, 4) == NNC_CKPT_VERSION);
  CHECK(le(16, 8) == 113);
  CHECK(le(24, 8) == 5);
  CHECK(le(32, 8) == 6);
  CHECK(le(40, 8) == 7);
  CHECK(le(64, 8) == 10);
  CHECK(le(72, 8) == 1);
  CHECK(le(80, 4) == 1);
  CHECK(b[84] == 'w');
  CHECK(le(85, 4) == 0);
  CHECK(le(89, 4) == 1);
  CHECK(le(93, 8) == 2);
  CHECK(le(101, 4) == 0x3F800000);
  CHECK(le(105, 4) == 0x40000000);
  CHECK(le(109, 4) == crc32(crc32(0, nullptr, 0), b.data(), 109));

  // Contents the checksum vouches for are still parsed defensively: an
  // unknown dtype (as a newer writer might use) is refused, not misread.
  b[85] = 3;
  uLong crc = crc32(crc32(0, nullptr, 0), b.data(), 109);
  for (int i = 0; i < 4; ++i)
    b[109 + size_t(i)] = uint8_t(crc >> (8 * i));
  writeBytes(path, b);
  nnc_checkpoint *c = nullptr;
  CHECK(nnc_checkpoint_open(path.c_str(), &c) == NNC_ERR_FORMAT);
  CHECK(err() == "checkpoint `" + path + "` is malformed: tensor `w` has unknown dtype 3");
}

TEST_CASE("checkpoint: saving keeps the previous one as PATH.prev") {
  TempDir tmp;
  std::string path = tmp.path("x.ckpt"), prev = path + ".prev";
  Model m(1.0f);
  REQUIRE(save(path, m, 1) == NNC_OK);
  CHECK(filesIn(tmp) == std::set<std::string>{"x.ckpt"});
  REQUIRE(save(path, m, 2) == NNC_OK);
  CHECK(filesIn(tmp) == std::set<std::string>{"x.ckpt", "x.ckpt.prev"});
  CHECK(epochOf(path) == 2);
  CHECK(epochOf(prev) == 1);
  REQUIRE(save(path, m, 3) == NNC_OK);
  CHECK(filesIn(tmp) == std::set<std::string>{"x.ckpt", "x.ckpt.prev"});
  CHECK(epochOf(path) == 3);
  CHECK(epochOf(prev) == 2);
}

TEST_CASE("checkpoint: a torn write leaves a checkpoint to resume from") {
  TempDir tmp;
  std::string path = tmp.path("x.ckpt"), prev = path + ".prev";
  Model m(1.0f);
  REQUIRE(save(path, m, 1) == NNC_OK);
  REQUIRE(save(path, m, 2) == NNC_OK);
  uintmax_t full = fs::file_size(path);

  // A crash while writing leaves only a partial temporary file: PATH is whole.
  Bytes whole = readBytes(path);
  writeBytes(path + ".tmp.ABC123", Bytes(whole.begin(), whole.begin() + 50));
  CHECK(epochOf(path) == 2);

  // A copy torn mid-write (what a non-atomic writer would leave) is refused,
  // and opening the latest falls back to PATH.prev.
  fs::resize_file(path, full - 10);
  CHECK(openError(path) == "checkpoint `" + path + "` is truncated: expected " + std::to_string(full) +
                               " bytes, found " + std::to_string(full - 10));
  nnc_checkpoint *c = nullptr;
  int usedPrev = 0;
  REQUIRE(nnc_checkpoint_open_latest(path.c_str(), &c, &usedPrev) == NNC_OK);
  CHECK(usedPrev == 1);
  CHECK(nnc_checkpoint_meta(c)->epoch == 1);
  CHECK(err().rfind("checkpoint `" + path + "` is truncated", 0) == 0);
  nnc_checkpoint_close(c);

  // With PATH whole, open_latest takes it.
  REQUIRE(save(path, m, 3) == NNC_OK);
  REQUIRE(nnc_checkpoint_open_latest(path.c_str(), &c, &usedPrev) == NNC_OK);
  CHECK(usedPrev == 0);
  CHECK(nnc_checkpoint_meta(c)->epoch == 3);
  nnc_checkpoint_close(c);

  // With neither usable, the message gives both reasons.
  std::string none = tmp.path("none.ckpt");
  CHECK(nnc_checkpoint_open_latest(none.c_str(), &c, &usedPrev) == NNC_ERR_IO);
  CHECK(c == nullptr);
  CHECK(err() == "cannot open checkpoint `" + none + "`: No such file or directory; and cannot open checkpoint `" +
                     none + ".prev`: No such file or directory");
}

TEST_CASE("checkpoint: damaged files are rejected") {
  TempDir tmp;
  std::string path = tmp.path("x.ckpt"), bad = tmp.path("bad.ckpt");
  Model m(2.0f);
  REQUIRE(save(path, m, 1) == NNC_OK);
  const Bytes good = readBytes(path);
  const std::string q = "`" + bad + "`";
  auto check = [&](const Bytes &b, const std::string &message) {
    writeBytes(bad, b);
    CHECK(openError(bad) == message);
  };
  CHECK(openError(tmp.path("missing.ckpt")) ==
        "cannot open checkpoint `" + tmp.path("missing.ckpt") + "`: No such file or directory");
  check({}, "checkpoint " + q + " is truncated: expected at least 84 bytes, found 0");
  check(Bytes(good.begin(), good.begin() + 5),
        "checkpoint " + q + " is truncated: expected at least 84 bytes, found 5");
  check(Bytes(good.begin(), good.begin() + 83),
        "checkpoint " + q + " is truncated: expected at least 84 bytes, found 83");
  check(Bytes(good.begin(), good.end() - 1), "checkpoint " + q + " is truncated: expected " +
                                                 std::to_string(good.size()) + " bytes, found " +
                                                 std::to_string(good.size() - 1));
  check(Bytes{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'}, q + " is not an nnc checkpoint (bad magic)");
  Bytes b = good;
  b[8] = 7;
  check(b, "checkpoint " + q + " has format version 7, but this runtime reads version 1");
  b = good;
  b.insert(b.end(), {1, 2, 3});
  check(b, "checkpoint " + q + " has 3 unexpected bytes after its end (expected " + std::to_string(good.size()) +
               " bytes)");
  // One flipped bit anywhere, data or metadata, fails the checksum.
  for (size_t at : {size_t(30), good.size() / 2, good.size() - 5}) {
    b = good;
    b[at] ^= 0x10;
    writeBytes(bad, b);
    CHECK(openError(bad).rfind("checkpoint " + q + " is corrupt: checksum mismatch (stored 0x", 0) == 0);
  }
  CHECK(openError(tmp.dir.string()).rfind("cannot read checkpoint `" + tmp.dir.string() + "`: ", 0) == 0);
}

TEST_CASE("checkpoint: invalid saves fail and touch nothing") {
  TempDir tmp;
  std::string path = tmp.path("x.ckpt");
  float data[2] = {1, 2};
  int64_t dims[1] = {2}, negative[1] = {-1};
  nnc_ckpt_meta meta = metaFor(1);
  auto saveOne = [&](std::vector<nnc_ckpt_tensor> t, const std::string &target) {
    return nnc_checkpoint_save(target.c_str(), &meta, t.data(), int64_t(t.size()));
  };
  const std::string what = "cannot save checkpoint `" + path + "`: ";
  CHECK(saveOne({{"a", 1, dims, data}, {"a", 1, dims, data}}, path) == NNC_ERR_ARG);
  CHECK(err() == what + "two tensors are named `a`");
  CHECK(saveOne({{"", 1, dims, data}}, path) == NNC_ERR_ARG);
  CHECK(err() == what + "tensor 0 has no name");
  CHECK(saveOne({{"a", 1, negative, data}}, path) == NNC_ERR_ARG);
  CHECK(err() == what + "tensor `a` has invalid shape [-1]");
  CHECK(saveOne({{"a", 9, dims, data}}, path) == NNC_ERR_ARG);
  CHECK(err() == what + "tensor `a` has invalid rank 9");
  CHECK(saveOne({{"a", 1, dims, nullptr}}, path) == NNC_ERR_ARG);
  CHECK(err() == what + "tensor `a` has no data");
  CHECK(filesIn(tmp).empty());
  std::string nowhere = tmp.path("no/such/dir/x.ckpt");
  CHECK(saveOne({{"a", 1, dims, data}}, nowhere) == NNC_ERR_IO);
  CHECK(err() == "cannot create a temporary file next to checkpoint `" + nowhere + "`: No such file or directory");
  // A directory in the way is not replaced.
  fs::create_directory(tmp.path("d.ckpt"));
  CHECK(saveOne({{"a", 1, dims, data}}, tmp.path("d.ckpt")) == NNC_ERR_IO);
  CHECK(err() == "cannot write checkpoint `" + tmp.path("d.ckpt") + "`: it is a directory");
  CHECK(filesIn(tmp) == std::set<std::string>{"d.ckpt"});
  fs::remove(tmp.path("d.ckpt"));
  // An empty checkpoint (no tensors) is valid.
  CHECK(nnc_checkpoint_save(path.c_str(), &meta, nullptr, 0) == NNC_OK);
  CHECK(epochOf(path) == 1);
}
