// The per-thread last-error message behind nnc/error.h, and the index
// errors generated code reports (nnc/program.h).
#include "nnc/error.h"
#include "nnc/program.h"

#include "error_internal.h"

#include <cstdarg>
#include <cstdio>
#include <vector>

namespace {
// Per thread so that concurrent runtime calls keep their own messages.
thread_local std::string lastError;

// The first index out of range a graph run on this thread met. Plain data:
// recording it allocates nothing, formatting waits for nnc_take_index_error.
struct IndexError {
  const char *op = nullptr;
  int64_t index = 0, bound = 0;
};
thread_local IndexError indexError;
} // namespace

int nnc::rt::fail(int code, std::string message) {
  lastError = std::move(message);
  return code;
}

extern "C" {

const char *nnc_last_error(void) { return lastError.c_str(); }

void nnc_clear_error(void) { lastError.clear(); }

int nnc_set_error(int code, const char *fmt, ...) {
  va_list args, copy;
  va_start(args, fmt);
  va_copy(copy, args);
  // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_copy set it.
  int n = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  // Formatting allocates; an allocation failure must not escape to C callers.
  try {
    if (n < 0) {
      lastError = fmt;
    } else {
      std::vector<char> buf(static_cast<size_t>(n) + 1);
      std::vsnprintf(buf.data(), buf.size(), fmt, args);
      lastError.assign(buf.data(), static_cast<size_t>(n));
    }
  } catch (...) {
    lastError.clear();
  }
  va_end(args);
  return code;
}

void nnc_index_error(const char *op, int64_t index, int64_t bound) {
  if (!indexError.op) indexError = IndexError{op, index, bound};
}

int nnc_take_index_error(void) {
  IndexError e = indexError;
  indexError = IndexError{};
  if (!e.op) return 0;
  nnc_set_error(NNC_ERR_ARG, "%s: index %lld is out of range [0, %lld)", e.op, static_cast<long long>(e.index),
                static_cast<long long>(e.bound));
  return 1;
}

} // extern "C"
