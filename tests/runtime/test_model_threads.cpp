// Model contexts and threads: a thread-local cap on the pool
// (nnc_threads_limit_local), each context's thread count, and several
// contexts predicting at once on different threads.
#include "ModelTestUtil.h"

#include <mutex>
#include <thread>

using namespace model_test;

namespace {

// Restores the pool's size and this thread's cap when a test ends.
struct ThreadsGuard {
  int saved = nnc_threads_get();
  ~ThreadsGuard() {
    nnc_threads_limit_local(0);
    nnc_threads_set(saved);
  }
};

struct Chunks {
  std::mutex mutex;
  int count = 0;
};

void countChunk(void *ctx, int64_t, int64_t) {
  auto &c = *static_cast<Chunks *>(ctx);
  std::lock_guard<std::mutex> lock(c.mutex);
  ++c.count;
}

int chunksOf(int64_t n) {
  Chunks c;
  nnc_parallel_for(n, countChunk, &c);
  return c.count;
}

// Rows with every class, different in each row.
std::vector<float> manyRows(int64_t n) {
  std::vector<float> x;
  for (int64_t i = 0; i < n; ++i) {
    x.push_back(static_cast<float>(i % 7) / 7.0f);
    x.push_back(static_cast<float>(i % 5) / 5.0f);
  }
  return x;
}

std::vector<float> predict(nnc_model *m, const std::vector<float> &x) {
  std::vector<float> y(x.size() / 2 * 3);
  const void *in[] = {x.data()};
  void *out[] = {y.data()};
  if (nnc_model_predict(m, static_cast<int64_t>(x.size() / 2), in, out) != NNC_OK) y.clear();
  return y;
}

} // namespace

TEST_CASE("threads: a thread-local cap limits this thread's parallel_for only", "[model]") {
  ThreadsGuard guard;
  nnc_threads_set(4);
  CHECK(chunksOf(100) == 4);
  CHECK(nnc_threads_limit_local(2) == 0);
  CHECK(nnc_threads_get() == 2);
  CHECK(chunksOf(100) == 2);
  // Other threads keep the whole pool.
  int other = 0, otherChunks = 0;
  std::thread([&] {
    other = nnc_threads_get();
    otherChunks = chunksOf(100);
  }).join();
  CHECK(other == 4);
  CHECK(otherChunks == 4);
  // A cap above the pool's size is the pool's size; 1 runs inline.
  CHECK(nnc_threads_limit_local(16) == 2);
  CHECK(nnc_threads_get() == 4);
  CHECK(nnc_threads_limit_local(1) == 16);
  CHECK(chunksOf(100) == 1);
  CHECK(nnc_threads_limit_local(-3) == 1);
  CHECK(nnc_threads_get() == 4);
  CHECK(nnc_threads_limit_local(0) == 0);
}

TEST_CASE("model: each context predicts with its own thread count", "[model]") {
  ThreadsGuard guard;
  nnc_threads_set(4);
  auto p = clfProgram();
  Model m;
  REQUIRE(nnc_model_create(&p->desc, 64, nullptr, &m.m) == NNC_OK);
  std::vector<float> x = manyRows(64);
  std::vector<float> all = predict(m.m, x);
  CHECK(forwardThreads == 4);
  for (int n : {1, 2, 3}) {
    REQUIRE(nnc_model_set_threads(m.m, n) == NNC_OK);
    CHECK(predict(m.m, x) == all);
    CHECK(forwardThreads == n);
    // The cap is the context's, for the duration of its predictions only.
    CHECK(nnc_threads_get() == 4);
  }
  REQUIRE(nnc_model_set_threads(m.m, 0) == NNC_OK);
  predict(m.m, x);
  CHECK(forwardThreads == 4);
  CHECK(nnc_model_set_threads(m.m, -1) == NNC_ERR_ARG);
  CHECK(nnc_model_set_threads(nullptr, 1) == NNC_ERR_ARG);
}

TEST_CASE("model: two contexts predict at once on two threads, as one does alone", "[model]") {
  ThreadsGuard guard;
  nnc_threads_set(3);
  TempDir tmp;
  std::string ckpt = tmp.path("clf.ckpt");
  saveClfCheckpoint(ckpt);
  auto p = clfProgram();
  // One context with the embedded weights, one with loaded ones; one using
  // the pool, one with a thread of its own.
  Model a, b;
  REQUIRE(nnc_model_create(&p->desc, 500, nullptr, &a.m) == NNC_OK);
  REQUIRE(nnc_model_create(&p->desc, 500, ckpt.c_str(), &b.m) == NNC_OK);
  REQUIRE(nnc_model_set_threads(b.m, 1) == NNC_OK);
  std::vector<float> x = manyRows(500);
  const std::vector<float> expected = predict(a.m, x);
  REQUIRE(expected.size() == 1500);

  std::atomic<int> mismatches{0};
  auto work = [&](nnc_model *m) {
    for (int k = 0; k < 200; ++k)
      if (predict(m, x) != expected) ++mismatches;
  };
  std::thread ta(work, a.m), tb(work, b.m);
  ta.join();
  tb.join();
  CHECK(mismatches == 0);
}
