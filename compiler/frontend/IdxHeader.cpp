// Reading the header of an IDX file (the MNIST format), gzip-compressed or not.
#include "frontend/ElabContext.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace nnc {

bool readIdxHeader(const std::string &path, std::vector<int64_t> &dims, int &typeCode, std::string &err) {
  gzFile f = gzopen(path.c_str(), "rb"); // reads plain files too
  if (!f) {
    err = "cannot open `" + path + "`: " + std::strerror(errno);
    return false;
  }
  unsigned char magic[4];
  int n = gzread(f, magic, 4);
  auto fail = [&](const std::string &why) {
    gzclose(f);
    err = "`" + path + "` is not a valid IDX file: " + why;
    return false;
  };
  if (n != 4) return fail("it is shorter than its header");
  if (magic[0] != 0 || magic[1] != 0) return fail("bad magic number");
  typeCode = magic[2];
  if (typeCode != 0x08 && typeCode != 0x09 && typeCode != 0x0B && typeCode != 0x0C && typeCode != 0x0D && typeCode != 0x0E)
    return fail("unknown element type 0x" + std::to_string(typeCode));
  int rank = magic[3];
  if (rank < 1 || rank > 8) return fail("bad rank " + std::to_string(rank));
  dims.clear();
  for (int k = 0; k < rank; ++k) {
    unsigned char b[4];
    if (gzread(f, b, 4) != 4) return fail("it is shorter than its header");
    int64_t d = (int64_t(b[0]) << 24) | (int64_t(b[1]) << 16) | (int64_t(b[2]) << 8) | int64_t(b[3]);
    if (d < 1) return fail("dimension " + std::to_string(k) + " is zero");
    dims.push_back(d);
  }
  gzclose(f);
  return true;
}

} // namespace nnc
