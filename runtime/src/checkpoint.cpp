// The checkpoint format of nnc/checkpoint.h: the atomic writer and the
// verifying reader.
//
// The writer streams straight from the caller's tensors to the temporary
// file, computing the CRC as it goes, so saving needs no second copy of the
// model in memory. The reader loads the whole file and verifies length and
// checksum before it parses anything, so a damaged file is reported as
// truncated or corrupt rather than as whatever garbage it happens to hold.
#include "nnc/checkpoint.h"

#include "atomic_file.h"
#include "error_internal.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

using namespace nnc::rt;

namespace {

constexpr char kMagic[8] = {'N', 'N', 'C', 'C', 'K', 'P', 'T', '\0'};
// magic, version, reserved, file size, epoch, step, rng words, count.
constexpr uint64_t kHeaderBytes = 8 + 4 + 4 + 8 + 8 + 8 + 8 * NNC_CKPT_RNG_WORDS + 8;
constexpr uint64_t kChecksumBytes = 4;
constexpr uint32_t kDtypeF32 = 0;
constexpr size_t kMaxNameBytes = 4096;
constexpr size_t kChunk = size_t(1) << 20;

std::string shapeString(int32_t rank, const int64_t *dims) {
  std::string s = "[";
  for (int32_t i = 0; i < rank; ++i)
    s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::string errnoText() { return std::strerror(errno); }

// ---- Writing ----------------------------------------------------------------

// Buffered little-endian output to a FILE, with a running CRC-32.
class Writer {
public:
  explicit Writer(FILE *f) : f_(f) {}

  void bytes(const void *p, size_t n) {
    const auto *b = static_cast<const unsigned char *>(p);
    for (size_t done = 0; done < n;) {
      size_t chunk = std::min(n - done, kChunk);
      crc_ = crc32(crc_, b + done, static_cast<uInt>(chunk));
      ok_ = ok_ && std::fwrite(b + done, 1, chunk, f_) == chunk;
      done += chunk;
    }
  }
  template <typename T> void le(T v) {
    unsigned char b[sizeof(T)];
    auto u = static_cast<std::make_unsigned_t<T>>(v);
    for (size_t i = 0; i < sizeof(T); ++i)
      b[i] = static_cast<unsigned char>(u >> (8 * i));
    bytes(b, sizeof b);
  }
  void floats(const float *p, int64_t n) {
    if constexpr (std::endian::native == std::endian::little) {
      bytes(p, static_cast<size_t>(n) * 4);
    } else {
      for (int64_t i = 0; i < n; ++i)
        le(std::bit_cast<uint32_t>(p[i]));
    }
  }
  // The checksum covers everything before it, so it is written unhashed.
  void checksum() {
    uint32_t c = static_cast<uint32_t>(crc_);
    unsigned char b[4] = {uint8_t(c), uint8_t(c >> 8), uint8_t(c >> 16), uint8_t(c >> 24)};
    ok_ = ok_ && std::fwrite(b, 1, 4, f_) == 4;
  }
  bool ok() const { return ok_; }

private:
  FILE *f_;
  uLong crc_ = crc32(0, nullptr, 0);
  bool ok_ = true;
};

int64_t numelOf(const nnc_ckpt_tensor &t) {
  int64_t n = 1;
  for (int32_t i = 0; i < t.rank; ++i)
    n *= t.dims[i];
  return n;
}

// Checks the caller's tensors and computes the file's size.
int validate(const std::string &path, const nnc_ckpt_tensor *tensors, int64_t count, uint64_t *size) {
  const std::string what = "cannot save checkpoint " + quoted(path) + ": ";
  if (count < 0 || (count > 0 && !tensors)) return fail(NNC_ERR_ARG, what + "invalid tensor list");
  std::unordered_map<std::string, int64_t> seen;
  uint64_t total = kHeaderBytes + kChecksumBytes;
  for (int64_t i = 0; i < count; ++i) {
    const nnc_ckpt_tensor &t = tensors[i];
    std::string tensor = "tensor " + std::to_string(i);
    if (!t.name || !*t.name) return fail(NNC_ERR_ARG, what + tensor + " has no name");
    std::string name = t.name;
    if (name.size() > kMaxNameBytes) return fail(NNC_ERR_ARG, what + tensor + " has a name over 4096 bytes");
    tensor = "tensor " + quoted(name);
    if (!seen.emplace(name, i).second) return fail(NNC_ERR_ARG, what + "two tensors are named " + quoted(name));
    if (t.rank < 0 || t.rank > NNC_MAX_RANK || (t.rank > 0 && !t.dims))
      return fail(NNC_ERR_ARG, what + tensor + " has invalid rank " + std::to_string(t.rank));
    for (int32_t d = 0; d < t.rank; ++d)
      if (t.dims[d] < 0 || t.dims[d] > (int64_t(1) << 40))
        return fail(NNC_ERR_ARG, what + tensor + " has invalid shape " + shapeString(t.rank, t.dims));
    int64_t n = 1;
    for (int32_t d = 0; d < t.rank; ++d)
      if (__builtin_mul_overflow(n, t.dims[d], &n) || n > (int64_t(1) << 40))
        return fail(NNC_ERR_ARG, what + tensor + " is too large");
    if (n > 0 && !t.data) return fail(NNC_ERR_ARG, what + tensor + " has no data");
    total += 4 + name.size() + 4 + 4 + 8 * uint64_t(t.rank) + 4 * uint64_t(n);
  }
  *size = total;
  return NNC_OK;
}

void writeAll(Writer &w, uint64_t size, const nnc_ckpt_meta &meta, const nnc_ckpt_tensor *tensors, int64_t count) {
  w.bytes(kMagic, sizeof kMagic);
  w.le<uint32_t>(NNC_CKPT_VERSION);
  w.le<uint32_t>(0);
  w.le<uint64_t>(size);
  w.le<int64_t>(meta.epoch);
  w.le<int64_t>(meta.global_step);
  for (uint64_t word : meta.rng)
    w.le<uint64_t>(word);
  w.le<uint64_t>(static_cast<uint64_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const nnc_ckpt_tensor &t = tensors[i];
    size_t len = std::strlen(t.name);
    w.le<uint32_t>(static_cast<uint32_t>(len));
    w.bytes(t.name, len);
    w.le<uint32_t>(kDtypeF32);
    w.le<uint32_t>(static_cast<uint32_t>(t.rank));
    for (int32_t d = 0; d < t.rank; ++d)
      w.le<int64_t>(t.dims[d]);
    w.floats(t.data, numelOf(t));
  }
  w.checksum();
}

int save(const std::string &path, const nnc_ckpt_meta &meta, const nnc_ckpt_tensor *tensors, int64_t count) {
  uint64_t size = 0;
  if (int rc = validate(path, tensors, count, &size)) return rc;
  std::string why = replaceFileAtomically(
      path, "checkpoint",
      [&](FILE *f) {
        Writer w(f);
        writeAll(w, size, meta, tensors, count);
        return w.ok();
      },
      AtomicWrite{.durable = true, .keepPrevious = true});
  return why.empty() ? NNC_OK : fail(NNC_ERR_IO, why);
}

// ---- Reading ----------------------------------------------------------------

struct Entry {
  std::string name;
  int32_t rank = 0;
  int64_t dims[NNC_MAX_RANK] = {};
  int64_t numel = 1;
  uint64_t offset = 0; // of the data in the file
};

} // namespace

struct nnc_checkpoint {
  std::string path;
  nnc_ckpt_meta meta{};
  std::vector<unsigned char> bytes;
  std::vector<Entry> entries;
  std::unordered_map<std::string, size_t> byName;
};

namespace {

uint64_t loadLE(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i)
    v = v << 8 | p[i];
  return v;
}

// Bounds-checked little-endian reads over the file's bytes.
class Reader {
public:
  Reader(const std::vector<unsigned char> &b, uint64_t pos, uint64_t end) : b_(b), pos_(pos), end_(end) {}
  bool has(uint64_t n) const { return n <= end_ - pos_; }
  uint64_t u64() { return take(8); }
  uint32_t u32() { return static_cast<uint32_t>(take(4)); }
  const unsigned char *skip(uint64_t n) {
    const unsigned char *p = b_.data() + pos_;
    pos_ += n;
    return p;
  }
  uint64_t pos() const { return pos_; }

private:
  uint64_t take(int n) { return loadLE(skip(static_cast<uint64_t>(n)), n); }
  const std::vector<unsigned char> &b_;
  uint64_t pos_, end_;
};

int readFile(const std::string &path, std::vector<unsigned char> &bytes) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) return fail(NNC_ERR_IO, "cannot open checkpoint " + quoted(path) + ": " + errnoText());
  std::vector<unsigned char> buf(kChunk);
  for (;;) {
    size_t got = std::fread(buf.data(), 1, buf.size(), f);
    bytes.insert(bytes.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(got));
    if (got < buf.size()) break;
  }
  bool bad = std::ferror(f);
  int err = errno;
  std::fclose(f);
  errno = err;
  if (bad) return fail(NNC_ERR_IO, "cannot read checkpoint " + quoted(path) + ": " + errnoText());
  return NNC_OK;
}

int truncated(const nnc_checkpoint &c, const std::string &expected) {
  return fail(NNC_ERR_FORMAT, "checkpoint " + quoted(c.path) + " is truncated: expected " + expected +
                                  " bytes, found " + std::to_string(c.bytes.size()));
}

int malformed(const nnc_checkpoint &c, const std::string &why) {
  return fail(NNC_ERR_FORMAT, "checkpoint " + quoted(c.path) + " is malformed: " + why);
}

// Magic, version, length and checksum: everything that can be checked
// without trusting the contents.
int verifyEnvelope(const nnc_checkpoint &c) {
  const std::vector<unsigned char> &b = c.bytes;
  uint64_t size = b.size();
  if (size > 0 && std::memcmp(b.data(), kMagic, std::min<size_t>(size, sizeof kMagic)) != 0)
    return fail(NNC_ERR_FORMAT, quoted(c.path) + " is not an nnc checkpoint (bad magic)");
  if (size < kHeaderBytes + kChecksumBytes)
    return truncated(c, "at least " + std::to_string(kHeaderBytes + kChecksumBytes));
  uint32_t version = static_cast<uint32_t>(loadLE(b.data() + 8, 4));
  if (version != NNC_CKPT_VERSION)
    return fail(NNC_ERR_FORMAT, "checkpoint " + quoted(c.path) + " has format version " + std::to_string(version) +
                                    ", but this runtime reads version " + std::to_string(NNC_CKPT_VERSION));
  uint64_t declared = loadLE(b.data() + 16, 8);
  if (size < declared) return truncated(c, std::to_string(declared));
  if (size > declared)
    return fail(NNC_ERR_FORMAT, "checkpoint " + quoted(c.path) + " has " + std::to_string(size - declared) +
                                    " unexpected bytes after its end (expected " + std::to_string(declared) +
                                    " bytes)");
  uLong crc = crc32(0, nullptr, 0);
  for (uint64_t done = 0, n = size - kChecksumBytes; done < n;) {
    uint64_t chunk = std::min<uint64_t>(n - done, kChunk);
    crc = crc32(crc, b.data() + done, static_cast<uInt>(chunk));
    done += chunk;
  }
  uint32_t stored = static_cast<uint32_t>(loadLE(b.data() + size - kChecksumBytes, 4));
  if (stored != static_cast<uint32_t>(crc)) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "checksum mismatch (stored 0x%08x, computed 0x%08x)", stored,
                  static_cast<unsigned>(crc));
    return fail(NNC_ERR_FORMAT, "checkpoint " + quoted(c.path) + " is corrupt: " + buf);
  }
  return NNC_OK;
}

// One tensor's record. Only a writer bug (or a checksum collision) gets a
// verified file here with bad contents, but the reader stays bounds-checked.
int parseEntry(nnc_checkpoint &c, Reader &r, Entry &e) {
  if (!r.has(4)) return malformed(c, "a tensor record runs past the end");
  uint32_t len = r.u32();
  if (len == 0 || len > kMaxNameBytes || !r.has(len + 8)) return malformed(c, "bad tensor name length");
  const unsigned char *name = r.skip(len);
  e.name.assign(reinterpret_cast<const char *>(name), len);
  uint32_t dtype = r.u32();
  if (dtype != kDtypeF32)
    return malformed(c, "tensor " + quoted(e.name) + " has unknown dtype " + std::to_string(dtype));
  uint32_t rank = r.u32();
  if (rank > NNC_MAX_RANK || !r.has(8 * uint64_t(rank)))
    return malformed(c, "tensor " + quoted(e.name) + " has bad rank " + std::to_string(rank));
  e.rank = static_cast<int32_t>(rank);
  for (uint32_t d = 0; d < rank; ++d) {
    e.dims[d] = static_cast<int64_t>(r.u64());
    if (e.dims[d] < 0 || e.dims[d] > (int64_t(1) << 40) || __builtin_mul_overflow(e.numel, e.dims[d], &e.numel))
      return malformed(c, "tensor " + quoted(e.name) + " has a bad shape");
  }
  if (uint64_t(e.numel) > (uint64_t(1) << 61) || !r.has(4 * uint64_t(e.numel)))
    return malformed(c, "the data of tensor " + quoted(e.name) + " runs past the end");
  e.offset = r.pos();
  r.skip(4 * uint64_t(e.numel));
  return NNC_OK;
}

int parse(nnc_checkpoint &c) {
  Reader r(c.bytes, sizeof kMagic + 8, c.bytes.size() - kChecksumBytes);
  r.u64(); // the file size, already checked
  c.meta.epoch = static_cast<int64_t>(r.u64());
  c.meta.global_step = static_cast<int64_t>(r.u64());
  for (uint64_t &word : c.meta.rng)
    word = r.u64();
  uint64_t count = r.u64();
  // Each record takes at least 12 bytes, which bounds a sane count.
  if (count > c.bytes.size() / 12) return malformed(c, "bad tensor count");
  c.entries.resize(count);
  for (Entry &e : c.entries) {
    if (int rc = parseEntry(c, r, e)) return rc;
    if (!c.byName.emplace(e.name, static_cast<size_t>(&e - c.entries.data())).second)
      return malformed(c, "two tensors are named " + quoted(e.name));
  }
  if (r.has(1)) return malformed(c, "unexpected bytes after the last tensor");
  return NNC_OK;
}

int openCheckpoint(const char *path, nnc_checkpoint **out) {
  auto c = std::make_unique<nnc_checkpoint>();
  c->path = path;
  if (int rc = readFile(c->path, c->bytes)) return rc;
  if (int rc = verifyEnvelope(*c)) return rc;
  if (int rc = parse(*c)) return rc;
  *out = c.release();
  return NNC_OK;
}

const Entry *findEntry(const nnc_checkpoint *c, const char *name) {
  auto it = c->byName.find(name);
  return it == c->byName.end() ? nullptr : &c->entries[it->second];
}

int notFound(const nnc_checkpoint *c, const char *name) {
  return fail(NNC_ERR_NOT_FOUND, "checkpoint " + quoted(c->path) + " has no tensor " + quoted(name));
}

} // namespace

extern "C" {

int nnc_checkpoint_save(const char *path, const nnc_ckpt_meta *meta, const nnc_ckpt_tensor *tensors, int64_t count) {
  if (!path || !*path || !meta) return fail(NNC_ERR_ARG, "nnc_checkpoint_save: no path or metadata");
  return guarded([&] { return save(path, *meta, tensors, count); });
}

int nnc_checkpoint_open(const char *path, nnc_checkpoint **out) {
  if (!out) return fail(NNC_ERR_ARG, "nnc_checkpoint_open: no output");
  *out = nullptr;
  if (!path) return fail(NNC_ERR_ARG, "nnc_checkpoint_open: no path");
  return guarded([&] { return openCheckpoint(path, out); });
}

int nnc_checkpoint_open_latest(const char *path, nnc_checkpoint **out, int *used_prev) {
  if (used_prev) *used_prev = 0;
  int rc = nnc_checkpoint_open(path, out);
  if (rc == NNC_OK || !path || !out) return rc;
  return guarded([&] {
    std::string why = nnc_last_error();
    std::string prev = std::string(path) + ".prev";
    if (nnc_checkpoint_open(prev.c_str(), out) != NNC_OK) return fail(rc, why + "; and " + nnc_last_error());
    if (used_prev) *used_prev = 1;
    fail(NNC_OK, why);
    return int(NNC_OK);
  });
}

void nnc_checkpoint_close(nnc_checkpoint *ckpt) { delete ckpt; }

const nnc_ckpt_meta *nnc_checkpoint_meta(const nnc_checkpoint *ckpt) { return ckpt ? &ckpt->meta : nullptr; }

int64_t nnc_checkpoint_count(const nnc_checkpoint *ckpt) {
  return ckpt ? static_cast<int64_t>(ckpt->entries.size()) : 0;
}

const char *nnc_checkpoint_name(const nnc_checkpoint *ckpt, int64_t i) {
  if (!ckpt || i < 0 || i >= nnc_checkpoint_count(ckpt)) return nullptr;
  return ckpt->entries[static_cast<size_t>(i)].name.c_str();
}

int nnc_checkpoint_shape(const nnc_checkpoint *ckpt, const char *name, int32_t *rank, int64_t dims[NNC_MAX_RANK]) {
  if (!ckpt || !name || !rank || !dims) return fail(NNC_ERR_ARG, "nnc_checkpoint_shape: invalid arguments");
  return guarded([&] {
    const Entry *e = findEntry(ckpt, name);
    if (!e) return notFound(ckpt, name);
    *rank = e->rank;
    for (int i = 0; i < NNC_MAX_RANK; ++i)
      dims[i] = i < e->rank ? e->dims[i] : 0;
    return int(NNC_OK);
  });
}

int nnc_checkpoint_load(const nnc_checkpoint *ckpt, const char *name, int32_t rank, const int64_t *dims, float *out) {
  if (!ckpt || !name || rank < 0 || rank > NNC_MAX_RANK || (rank > 0 && !dims))
    return fail(NNC_ERR_ARG, "nnc_checkpoint_load: invalid arguments");
  return guarded([&] {
    const Entry *e = findEntry(ckpt, name);
    if (!e) return notFound(ckpt, name);
    if (e->rank != rank || !std::equal(dims, dims + rank, e->dims))
      return fail(NNC_ERR_SHAPE, "checkpoint " + quoted(ckpt->path) + " has " + quoted(e->name) + " as " +
                                     shapeString(e->rank, e->dims) + " but the model needs " + shapeString(rank, dims));
    if (e->numel > 0 && !out) return fail(NNC_ERR_ARG, "nnc_checkpoint_load: no output buffer");
    const unsigned char *p = ckpt->bytes.data() + e->offset;
    if constexpr (std::endian::native == std::endian::little) {
      if (e->numel > 0) std::memcpy(out, p, static_cast<size_t>(e->numel) * 4);
    } else {
      for (int64_t i = 0; i < e->numel; ++i)
        out[i] = std::bit_cast<float>(static_cast<uint32_t>(loadLE(p + 4 * i, 4)));
    }
    return int(NNC_OK);
  });
}

} // extern "C"
