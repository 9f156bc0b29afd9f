// Helpers for the runtime's C++ implementation files to report failures
// through nnc/error.h without crossing the C ABI with an exception.
#ifndef NNC_RUNTIME_ERROR_INTERNAL_H
#define NNC_RUNTIME_ERROR_INTERNAL_H

#include "nnc/error.h"

#include <cstdio>
#include <new>
#include <stdexcept>
#include <string>

namespace nnc::rt {

// Records `message` as this thread's last error and returns `code`.
int fail(int code, std::string message);

// Runs `body` (which returns an nnc_status), turning an allocation failure
// into NNC_ERR_NOMEM: exceptions must not escape through extern "C".
template <typename F> int guarded(F &&body) {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return fail(NNC_ERR_NOMEM, "out of memory");
  } catch (const std::length_error &) {
    return fail(NNC_ERR_NOMEM, "out of memory");
  }
}

// "`path`", the way every message names a file.
inline std::string quoted(const std::string &s) { return "`" + s + "`"; }

// A number the way %g writes it ("0.25", not std::to_string's "0.250000").
inline std::string formatG(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

} // namespace nnc::rt

#endif
