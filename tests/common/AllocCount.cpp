// The malloc family replaced (or hooked) to count allocations; see
// AllocCount.h.
//
// Counting at malloc, not at operator new: the runtime allocates through
// malloc and aligned_alloc as well as new (and libstdc++'s operator new calls
// malloc), and glibc dropped its malloc hooks in 2.34. glibc lets a program
// define the malloc family itself ("Replacing malloc" in its manual); these
// forward to its own allocator through the __libc_* entry points. Under
// AddressSanitizer, which owns malloc, its documented allocation hooks count
// instead.
#include "common/AllocCount.h"

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
inline void counted() {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

// GCC says __SANITIZE_ADDRESS__, clang __has_feature(address_sanitizer).
#if defined(__SANITIZE_ADDRESS__)
#define NNC_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NNC_TEST_ASAN 1
#endif
#endif

#if defined(NNC_TEST_ASAN)
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                                         void (*free_hook)(const volatile void *));
namespace {
void mallocHook(const volatile void *, size_t) { counted(); }
void freeHook(const volatile void *) {}
const bool hooked = __sanitizer_install_malloc_and_free_hooks(mallocHook, freeHook) != 0;
} // namespace
#elif defined(__GLIBC__)
extern "C" {
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);
void __libc_free(void *);

void *malloc(size_t n) noexcept {
  counted();
  return __libc_malloc(n);
}
void *calloc(size_t n, size_t size) noexcept {
  counted();
  return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n) noexcept {
  counted();
  return __libc_realloc(p, n);
}
void *memalign(size_t align, size_t n) noexcept {
  counted();
  return __libc_memalign(align, n);
}
void *aligned_alloc(size_t align, size_t n) noexcept {
  counted();
  return __libc_memalign(align, n);
}
int posix_memalign(void **out, size_t align, size_t n) noexcept {
  counted();
  void *p = __libc_memalign(align, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
void free(void *p) noexcept { __libc_free(p); }
}
namespace {
const bool hooked = true;
} // namespace
#else
namespace {
const bool hooked = false;
} // namespace
#endif

namespace nnc::test {

bool canCountAllocations() { return hooked; }

long allocationsDuring(const std::function<void()> &body) {
  allocations = 0;
  counting = true;
  body();
  counting = false;
  return allocations.load();
}

} // namespace nnc::test

