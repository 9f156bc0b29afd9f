// nnc_model_predict allocates nothing: every allocation of the process is
// counted while predictions run.
//
// Counting at malloc, not at operator new: the runtime allocates through
// malloc and aligned_alloc as well as new (and libstdc++'s operator new calls
// malloc), and glibc dropped its malloc hooks in 2.34. glibc lets a program
// define the malloc family itself ("Replacing malloc" in its manual); these
// forward to its own allocator through the __libc_* entry points. Under
// AddressSanitizer, which owns malloc, its documented allocation hooks count
// instead.
#include "ModelTestUtil.h"

#include <cerrno>
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

using namespace model_test;

namespace {

void *volatile sink; // keeps the compiler from eliding a malloc/free pair

// Allocations made while `body` runs.
template <typename F> long allocationsDuring(F &&body) {
  allocations = 0;
  counting = true;
  body();
  counting = false;
  return allocations.load();
}

} // namespace

TEST_CASE("model: predict allocates nothing", "[model]") {
  if (!hooked) {
    WARN("no way to count allocations in this build");
    return;
  }
  // The counter counts.
  CHECK(allocationsDuring([] {
          sink = std::malloc(64);
          std::free(sink);
          sink = std::aligned_alloc(64, 64);
          std::free(sink);
        }) == 2);

  int saved = nnc_threads_get();
  nnc_threads_set(2);
  auto clf = clfProgram();
  auto reg = regProgram();
  TempDir tmp;
  std::string ckpt = tmp.path("clf.ckpt");
  saveClfCheckpoint(ckpt);
  Model a, b, c;
  REQUIRE(nnc_model_create(&clf->desc, 64, nullptr, &a.m) == NNC_OK);
  REQUIRE(nnc_model_create(&clf->desc, 64, ckpt.c_str(), &b.m) == NNC_OK);
  REQUIRE(nnc_model_create(&reg->desc, 64, nullptr, &c.m) == NNC_OK);
  REQUIRE(nnc_model_set_threads(b.m, 1) == NNC_OK);
  std::vector<float> x(128, 0.25f), logits(192), y(64), echo(64);
  const void *in[] = {x.data()};
  void *outClf[] = {logits.data()}, *outReg[] = {y.data(), echo.data()};
  // The counter sees the runtime's allocations: creating a context makes some.
  CHECK(allocationsDuring([&] {
          Model d;
          nnc_model_create(&clf->desc, 64, nullptr, &d.m);
        }) > 0);
  // The pool starts its workers on first use: once per process, not per call.
  REQUIRE(nnc_model_predict(a.m, 64, in, outClf) == NNC_OK);

  // Statuses are checked after the window: Catch's assertions may allocate.
  int status[4][3];
  const int64_t rows[4] = {64, 1, 17, 64};
  long n = allocationsDuring([&] {
    for (int k = 0; k < 4; ++k) {
      status[k][0] = nnc_model_predict(a.m, rows[k], in, outClf);
      status[k][1] = nnc_model_predict(b.m, rows[k], in, outClf);
      status[k][2] = nnc_model_predict(c.m, rows[k], in, outReg);
    }
  });
  CHECK(n == 0);
  for (auto &s : status)
    CHECK((s[0] == NNC_OK && s[1] == NNC_OK && s[2] == NNC_OK));
  nnc_threads_set(saved);
}
