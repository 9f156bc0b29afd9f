// Pieces shared by the dataset readers (data_idx.cpp, data_csv.cpp): a gzip-
// or-plain input file and the malloc-owned buffers the C API hands out.
#ifndef NNC_RUNTIME_DATA_INTERNAL_H
#define NNC_RUNTIME_DATA_INTERNAL_H

#include "error_internal.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>

namespace nnc::rt {

// A file opened with zlib's gzopen, which reads gzip data and plain files
// alike (it sniffs the gzip magic), closed on destruction. Every failure is
// reported through fail() with the file's name.
class GzInput {
public:
  explicit GzInput(const char *path) : path_(path) {}
  ~GzInput() {
    if (file_) gzclose(file_);
  }
  GzInput(const GzInput &) = delete;
  GzInput &operator=(const GzInput &) = delete;

  int open() {
    errno = 0;
    file_ = gzopen(path_.c_str(), "rb");
    if (!file_) {
      const char *why = errno ? std::strerror(errno) : "out of memory";
      return fail(NNC_ERR_IO, "cannot open " + quoted(path_) + ": " + why);
    }
    gzbuffer(file_, 1 << 18);
    return NNC_OK;
  }

  // Reads up to n bytes into buf; fewer only at the end of the file. Returns
  // the count, or -1 after reporting a read error or corrupt gzip data.
  int64_t read(void *buf, int64_t n) {
    auto *p = static_cast<unsigned char *>(buf);
    int64_t done = 0;
    while (done < n) {
      // gzread takes an unsigned and returns an int, hence the chunks.
      unsigned chunk = static_cast<unsigned>(std::min<int64_t>(n - done, 1 << 30));
      int got = gzread(file_, p + done, chunk);
      if (got < 0) return readError();
      if (got == 0) break;
      done += got;
    }
    return done;
  }

  // Whether the gzip stream ended in the middle (zlib then returns what it
  // could decompress and records Z_BUF_ERROR), to explain a short read.
  bool cutShort() {
    int code = Z_OK;
    gzerror(file_, &code);
    return code == Z_BUF_ERROR;
  }

  const std::string &path() const { return path_; }

private:
  int64_t readError() {
    int code = Z_OK;
    const char *msg = gzerror(file_, &code);
    if (code == Z_ERRNO)
      fail(NNC_ERR_IO, "cannot read " + quoted(path_) + ": " + std::strerror(errno));
    else
      fail(NNC_ERR_FORMAT, "corrupt gzip data in " + quoted(path_) + ": " + msg);
    return -1;
  }

  std::string path_;
  gzFile file_ = nullptr;
};

} // namespace nnc::rt

#endif
