// The IDX reader (the format of MNIST and Fashion-MNIST) and the tensors the
// dataset readers hand out.
//
// IDX: a 4-byte magic 0x00 0x00 TYPE RANK, RANK big-endian int32 dimensions,
// then the elements, big-endian, row-major. The data is decoded in chunks
// into a buffer that grows as it fills, so a header that promises more data
// than the file holds costs no giant allocation before the short read is
// noticed (large files get their whole buffer at once, but only as address
// space: see reserveHuge).
#include "nnc/data.h"

#include "data_internal.h"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <vector>

#include <sys/mman.h>

using namespace nnc::rt;

namespace {

// More elements than this is surely a corrupt header, not a dataset.
constexpr int64_t kMaxElements = int64_t(1) << 34;
// Elements decoded per read: large enough to amortize the call overhead.
constexpr int64_t kChunkElements = int64_t(1) << 16;

enum IdxType : int { U8 = NNC_IDX_U8, I8 = NNC_IDX_I8, I16 = NNC_IDX_I16, I32 = NNC_IDX_I32, F32 = NNC_IDX_F32, F64 = NNC_IDX_F64 };

struct IdxHeader {
  int type = 0;
  int rank = 0;
  int64_t dims[NNC_MAX_RANK] = {};
  int64_t numel = 1;
  int elemSize = 0;
};

int elementSize(int type) {
  switch (type) {
  case U8:
  case I8:
    return 1;
  case I16:
    return 2;
  case I32:
  case F32:
    return 4;
  case F64:
    return 8;
  }
  return 0;
}

const char *typeName(int type) {
  switch (type) {
  case U8:
    return "u8";
  case I8:
    return "i8";
  case I16:
    return "i16";
  case I32:
    return "i32";
  case F32:
    return "f32";
  case F64:
    return "f64";
  }
  return "?";
}

uint32_t bigEndian32(const unsigned char *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

uint64_t bigEndian64(const unsigned char *p) { return uint64_t(bigEndian32(p)) << 32 | bigEndian32(p + 4); }

std::string hex(uint32_t v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", digits, static_cast<unsigned>(v));
  return buf;
}

std::string shapeString(const IdxHeader &h) {
  std::string s = "[";
  for (int i = 0; i < h.rank; ++i)
    s += (i ? ", " : "") + std::to_string(h.dims[i]);
  return s + "]";
}

int truncatedHeader(GzInput &in, int64_t expected, int64_t found) {
  return fail(NNC_ERR_FORMAT, quoted(in.path()) + ": truncated IDX header: expected " + std::to_string(expected) +
                                  " bytes, found " + std::to_string(found));
}

int readDims(GzInput &in, IdxHeader &h) {
  unsigned char buf[4 * NNC_MAX_RANK];
  int64_t want = int64_t(4) * h.rank;
  int64_t got = in.read(buf, want);
  if (got < 0) return NNC_ERR_IO;
  if (got < want) return truncatedHeader(in, 4 + want, 4 + got);
  for (int i = 0; i < h.rank; ++i) {
    h.dims[i] = static_cast<int32_t>(bigEndian32(buf + size_t(4) * size_t(i)));
    if (h.dims[i] <= 0)
      return fail(NNC_ERR_FORMAT,
                  quoted(in.path()) + ": IDX dimension " + std::to_string(i) + " is " + std::to_string(h.dims[i]));
  }
  // Each factor is below 2^31 and the running product at most 2^34, so
  // checking after every step keeps the product from overflowing.
  for (int i = 0; i < h.rank; ++i) {
    h.numel *= h.dims[i];
    if (h.numel > kMaxElements)
      return fail(NNC_ERR_FORMAT, quoted(in.path()) + ": IDX shape " + shapeString(h) + " has more than 2^34 elements");
  }
  return NNC_OK;
}

int readHeader(GzInput &in, IdxHeader &h) {
  unsigned char magic[4];
  int64_t got = in.read(magic, 4);
  if (got < 0) return NNC_ERR_IO;
  if (got < 4) return truncatedHeader(in, 4, got);
  if (magic[0] != 0 || magic[1] != 0)
    return fail(NNC_ERR_FORMAT, quoted(in.path()) + ": bad IDX magic number " + hex(bigEndian32(magic), 8) +
                                    " (the first two bytes must be zero)");
  h.type = magic[2];
  h.elemSize = elementSize(h.type);
  if (h.elemSize == 0)
    return fail(NNC_ERR_FORMAT, quoted(in.path()) + ": unknown IDX element type code " + hex(magic[2], 2) +
                                    " (expected 0x08 u8, 0x09 i8, 0x0b i16, 0x0c i32, 0x0d f32 "
                                    "or 0x0e f64)");
  h.rank = magic[3];
  if (h.rank == 0) return fail(NNC_ERR_FORMAT, quoted(in.path()) + ": IDX file declares no dimensions");
  if (h.rank > NNC_MAX_RANK)
    return fail(NNC_ERR_FORMAT, quoted(in.path()) + ": IDX file declares " + std::to_string(h.rank) +
                                    " dimensions; at most " + std::to_string(NNC_MAX_RANK) + " are supported");
  return readDims(in, h);
}

float floatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

double doubleFromBits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

// A double outside float's range would be undefined as a float: saturate.
float narrow(double d) { return d > FLT_MAX ? HUGE_VALF : d < -FLT_MAX ? -HUGE_VALF : float(d); }

// An element's value as T: what a cast gives, but saturating for a double
// that becomes a float.
template <typename T, typename V> T convert(V v) {
  if constexpr (std::is_same_v<T, float> && std::is_same_v<V, double>)
    return narrow(v);
  else
    return static_cast<T>(v);
}

template <typename T, typename F> void decodeEach(const unsigned char *p, int64_t n, int size, T *out, F one) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = convert<T>(one(p + i * size));
}

// Decodes n big-endian elements of the header's type into out: converted
// to T, or kept as they are when T is the file's own element type. (Float
// types only reach T = float or their own type: readIdx rejects them for
// integer output.)
template <typename T> void decode(const IdxHeader &h, const unsigned char *p, int64_t n, T *out) {
  using P = const unsigned char *;
  switch (h.type) {
  case U8:
    return decodeEach(p, n, 1, out, [](P q) { return q[0]; });
  case I8:
    return decodeEach(p, n, 1, out, [](P q) { return int(q[0]) - (q[0] >= 128 ? 256 : 0); });
  case I16:
    return decodeEach(p, n, 2, out, [](P q) { return int16_t(uint16_t(q[0] << 8 | q[1])); });
  case I32:
    return decodeEach(p, n, 4, out, [](P q) { return int32_t(bigEndian32(q)); });
  case F32:
    return decodeEach(p, n, 4, out, [](P q) { return floatFromBits(bigEndian32(q)); });
  case F64:
    return decodeEach(p, n, 8, out, [](P q) { return doubleFromBits(bigEndian64(q)); });
  }
}

// Grows a malloc'd buffer to hold `need` elements of T (at least doubling),
// never past `limit`. Returns false when out of memory.
template <typename T> bool reserve(T *&data, int64_t &capacity, int64_t need, int64_t limit) {
  if (need <= capacity) return true;
  int64_t grown = std::min(std::max(need, capacity * 2), limit);
  void *p = std::realloc(data, static_cast<size_t>(grown) * sizeof(T));
  if (!p) return false;
  data = static_cast<T *>(p);
  capacity = grown;
  return true;
}

int checkNoTrailingBytes(GzInput &in, int64_t dataBytes) {
  unsigned char buf[4096];
  int64_t extra = 0;
  for (;;) {
    int64_t got = in.read(buf, sizeof buf);
    if (got < 0) return NNC_ERR_IO;
    if (got == 0) break;
    extra += got;
  }
  // zlib returns all the data even when the gzip trailer (its CRC and
  // length) is cut off; the file is still truncated.
  if (extra == 0 && in.cutShort())
    return fail(NNC_ERR_FORMAT, quoted(in.path()) + ": truncated gzip stream (the data is complete but the "
                                                    "gzip trailer is missing)");
  if (extra == 0) return NNC_OK;
  return fail(NNC_ERR_FORMAT, quoted(in.path()) + ": " + std::to_string(extra) + " trailing bytes after the " +
                                  std::to_string(dataBytes) + " bytes of IDX data");
}

// A buffer for all `numel` elements at once, in transparent huge pages, when
// the data is large enough to gain from them and the promise small enough to
// reserve as address space alone (pages are touched only as they fill, so a
// header that lies costs no memory); else null. The trainer gathers each
// batch's rows from anywhere in a training split of tens of megabytes: with
// 4 KiB pages, every row is a TLB miss.
template <typename T> T *reserveHuge(int64_t numel) {
#if defined(MADV_HUGEPAGE)
  constexpr size_t kHugePage = size_t(2) << 20;
  const size_t bytes = static_cast<size_t>(numel) * sizeof(T);
  if (bytes < 4 * kHugePage || bytes > (size_t(1) << 30)) return nullptr;
  void *p = nullptr;
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  if (posix_memalign(&p, kHugePage, rounded) != 0) return nullptr;
  madvise(p, rounded, MADV_HUGEPAGE); // only advice: without it, plain pages
  return static_cast<T *>(p);
#else
  (void)numel;
  return nullptr;
#endif
}

// Reads the elements after the header into *data (malloc'd, numel long).
template <typename T> int readData(GzInput &in, const IdxHeader &h, T *&data) {
  int64_t capacity = 0, done = 0;
  if ((data = reserveHuge<T>(h.numel))) capacity = h.numel;
  std::vector<unsigned char> raw(static_cast<size_t>(kChunkElements * h.elemSize));
  while (done < h.numel) {
    int64_t n = std::min(kChunkElements, h.numel - done);
    int64_t got = in.read(raw.data(), n * h.elemSize);
    if (got < 0) return NNC_ERR_IO;
    if (got < n * h.elemSize) {
      std::string msg = quoted(in.path()) + ": truncated IDX data: expected " + std::to_string(h.numel * h.elemSize) +
                        " bytes of data, found " + std::to_string(done * h.elemSize + got);
      if (in.cutShort()) msg += " (the gzip stream ends early)";
      return fail(NNC_ERR_FORMAT, msg);
    }
    if (!reserve(data, capacity, done + n, h.numel)) return fail(NNC_ERR_NOMEM, "out of memory");
    decode(h, raw.data(), n, data + done);
    // Like the CSV reader: a NaN, an infinity or an f64 beyond f32's range
    // (what training computes in) would only surface as a NaN loss, or as a
    // NaN test score printed with exit 0.
    if constexpr (std::is_floating_point_v<T>)
      for (int64_t i = done; i < done + n; ++i)
        if (!std::isfinite(data[i]) || std::fabs(static_cast<double>(data[i])) > FLT_MAX)
          return fail(NNC_ERR_FORMAT, quoted(in.path()) + ": element " + std::to_string(i) + " is " +
                                          (std::isnan(data[i]) ? "NaN" : "infinite or beyond f32's range") +
                                          ": IDX data must be finite f32 numbers");
    done += n;
  }
  return checkNoTrailingBytes(in, h.numel * h.elemSize);
}

// Opens `path`, reads its header and has read(in, header, data) read the
// elements into *data (malloc'd, freed here on failure), filling *out.
template <typename Tensor, typename Read> int readIdx(const char *path, Tensor *out, Read read) {
  if (!out) return fail(NNC_ERR_ARG, "nnc_idx_read: no output tensor");
  *out = Tensor{};
  if (!path) return fail(NNC_ERR_ARG, "nnc_idx_read: no path");
  return guarded([&] {
    GzInput in(path);
    IdxHeader h;
    if (int rc = in.open()) return rc;
    if (int rc = readHeader(in, h)) return rc;
    decltype(out->data) data = nullptr;
    if (int rc = read(in, h, data)) {
      std::free(data);
      return rc;
    }
    out->data = data;
    out->numel = h.numel;
    out->rank = h.rank;
    for (int i = 0; i < h.rank; ++i)
      out->dims[i] = h.dims[i];
    return int(NNC_OK);
  });
}

// Calls f(T{}) with T the C type of IDX element type `type`; false for an
// unknown type.
template <typename F> bool withElementType(int type, F f) {
  switch (type) {
  case U8:
    return f(uint8_t{}), true;
  case I8:
    return f(int8_t{}), true;
  case I16:
    return f(int16_t{}), true;
  case I32:
    return f(int32_t{}), true;
  case F32:
    return f(float{}), true;
  case F64:
    return f(double{}), true;
  }
  return false;
}

// readData into a buffer of the file's own element type.
int readAnyType(GzInput &in, const IdxHeader &h, void *&out) {
  int rc = NNC_OK;
  bool known = withElementType(h.type, [&](auto t) {
    decltype(t) *data = nullptr;
    rc = readData(in, h, data);
    out = data;
  });
  return known ? rc : fail(NNC_ERR_FORMAT, "internal error: IDX element type " + hex(uint32_t(h.type), 2));
}

// The trainer converts every batch's u8 pixels with this: vectorized, which
// GCC's -O2 (its very cheap cost model) does not do for a loop of unknown count.
#if defined(__GNUC__) && !defined(__clang__)
#define NNC_VECTORIZE [[gnu::optimize("vect-cost-model=dynamic")]]
#else
#define NNC_VECTORIZE
#endif
template <typename T> NNC_VECTORIZE void toF32(const void *src, int64_t n, float *out) {
  const T *p = static_cast<const T *>(src);
  for (int64_t i = 0; i < n; ++i)
    out[i] = convert<float>(p[i]);
}

} // namespace

extern "C" {

int nnc_idx_read_f32(const char *path, nnc_tensor_f32 *out) {
  return readIdx(path, out, [](GzInput &in, const IdxHeader &h, float *&data) { return readData(in, h, data); });
}

int nnc_idx_read_i32(const char *path, nnc_tensor_i32 *out) {
  return readIdx(path, out, [](GzInput &in, const IdxHeader &h, int32_t *&data) {
    if (h.type == F32 || h.type == F64)
      return fail(NNC_ERR_FORMAT, quoted(in.path()) + ": IDX element type " + typeName(h.type) +
                                      " is not an integer type; cannot read it as int32");
    return readData(in, h, data);
  });
}

int nnc_idx_read(const char *path, nnc_tensor_idx *out) {
  int rc = readIdx(path, out, [&](GzInput &in, const IdxHeader &h, void *&data) {
    out->type = h.type;
    return readAnyType(in, h, data);
  });
  if (rc != NNC_OK && out) *out = nnc_tensor_idx{};
  return rc;
}

int nnc_idx_element_size(int32_t type) { return elementSize(type); }

int nnc_idx_to_f32(const void *src, int32_t type, int64_t n, float *out) {
  if (n > 0 && (!src || !out)) return fail(NNC_ERR_ARG, "nnc_idx_to_f32: no data");
  if (!withElementType(type, [&](auto t) { toF32<decltype(t)>(src, n, out); }))
    return fail(NNC_ERR_ARG, "nnc_idx_to_f32: unknown IDX element type " + std::to_string(type));
  return NNC_OK;
}

void nnc_tensor_f32_free(nnc_tensor_f32 *t) {
  if (!t) return;
  std::free(t->data);
  *t = nnc_tensor_f32{};
}

void nnc_tensor_i32_free(nnc_tensor_i32 *t) {
  if (!t) return;
  std::free(t->data);
  *t = nnc_tensor_i32{};
}

void nnc_tensor_idx_free(nnc_tensor_idx *t) {
  if (!t) return;
  std::free(t->data);
  *t = nnc_tensor_idx{};
}

} // extern "C"
