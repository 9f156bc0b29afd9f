// The runtime's thread pool: every index once, contiguous chunks, nesting.
#include "nnc/threads.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <utility>
#include <vector>

namespace {

// Restores the pool's size when a test ends, so tests do not leak settings.
struct ThreadCountGuard {
  int saved = nnc_threads_get();
  ~ThreadCountGuard() { nnc_threads_set(saved); }
};

struct Coverage {
  std::vector<std::atomic<int>> hits;
  std::mutex mutex;
  std::vector<std::pair<int64_t, int64_t>> chunks;
  explicit Coverage(int64_t n) : hits(static_cast<size_t>(n)) {}
};

void countRange(void *ctx, int64_t begin, int64_t end) {
  auto &cov = *static_cast<Coverage *>(ctx);
  for (int64_t i = begin; i < end; ++i)
    cov.hits[static_cast<size_t>(i)]++;
  std::lock_guard<std::mutex> lock(cov.mutex);
  cov.chunks.emplace_back(begin, end);
}

void neverCalled(void *, int64_t, int64_t) { FAIL("body called for an empty range"); }

} // namespace

TEST_CASE("threads: set and get") {
  ThreadCountGuard guard;
  nnc_threads_set(3);
  CHECK(nnc_threads_get() == 3);
  nnc_threads_set(1);
  CHECK(nnc_threads_get() == 1);
  nnc_threads_set(100000);
  CHECK(nnc_threads_get() == 256);
  nnc_threads_set(0);
  CHECK(nnc_threads_get() >= 1);
}

TEST_CASE("threads: parallel_for covers every index exactly once") {
  ThreadCountGuard guard;
  for (int threads = 1; threads <= 4; ++threads) {
    nnc_threads_set(threads);
    for (int64_t n : {0, 1, 2, 7, 1000}) {
      CAPTURE(threads, n);
      Coverage cov(n);
      nnc_parallel_for(n, n == 0 ? neverCalled : countRange, &cov);
      for (int64_t i = 0; i < n; ++i)
        REQUIRE(cov.hits[static_cast<size_t>(i)] == 1);
      // Contiguous, non-empty chunks, at most one per thread.
      CHECK(cov.chunks.size() <= static_cast<size_t>(threads));
      for (auto [begin, end] : cov.chunks)
        CHECK(begin < end);
    }
  }
}

TEST_CASE("threads: the pool is reused across many calls") {
  ThreadCountGuard guard;
  nnc_threads_set(3);
  for (int round = 0; round < 200; ++round) {
    Coverage cov(10);
    nnc_parallel_for(10, countRange, &cov);
    for (auto &h : cov.hits)
      REQUIRE(h == 1);
  }
}

namespace {

struct Nested {
  std::vector<std::atomic<int>> hits; // outer index * inner size + inner index
  int64_t inner;
  Nested(int64_t outer, int64_t inner) : hits(static_cast<size_t>(outer * inner)), inner(inner) {}
};

struct InnerCtx {
  Nested *nested;
  int64_t row;
};

void innerBody(void *ctx, int64_t begin, int64_t end) {
  auto &c = *static_cast<InnerCtx *>(ctx);
  for (int64_t j = begin; j < end; ++j)
    c.nested->hits[static_cast<size_t>(c.row * c.nested->inner + j)]++;
}

void outerBody(void *ctx, int64_t begin, int64_t end) {
  auto &nested = *static_cast<Nested *>(ctx);
  for (int64_t i = begin; i < end; ++i) {
    InnerCtx inner{&nested, i};
    nnc_parallel_for(nested.inner, innerBody, &inner);
    // Changing the pool from inside a body is ignored rather than deadlocking.
    nnc_threads_set(1);
  }
}

} // namespace

TEST_CASE("threads: nested parallel_for runs inline") {
  ThreadCountGuard guard;
  for (int threads = 1; threads <= 4; ++threads) {
    nnc_threads_set(threads);
    Nested nested(13, 9);
    nnc_parallel_for(13, outerBody, &nested);
    for (auto &h : nested.hits)
      REQUIRE(h == 1);
    CHECK(nnc_threads_get() == threads);
  }
}
