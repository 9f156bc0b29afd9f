// nnc_model_predict allocates nothing, not even the first one: every
// allocation of the process is counted while predictions run.
#include "ModelTestUtil.h"
#include "common/AllocCount.h"

#include "nnc/gemm.h"

#include <cstdlib>
#include <thread>

using namespace model_test;

using nnc::test::allocationsDuring;

namespace {
void *volatile sink; // keeps the compiler from eliding a malloc/free pair
const bool hooked = nnc::test::canCountAllocations();
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

namespace {

// A dense layer through nnc_sgemm, y = x W with x f32[B,256], W f32[256,128]:
// at 64 rows the GEMM packs its operands and is split over two threads, each
// with packing buffers of its own; at one row it packs nothing.
constexpr int64_t kIn = 256, kOut = 128;

void denseForward(int64_t batch, void **b) {
  nnc_sgemm(0, 0, batch, kOut, kIn, 1.0f, static_cast<const float *>(b[0]), kIn, static_cast<const float *>(b[1]), kOut,
            0.0f, static_cast<float *>(b[2]), kOut);
}

const char *kDenseManifest = "nnc-model 1\n"
                             "model \"Dense\"\n"
                             "param \"Dense/W\" f32 [256,128]\n"
                             "input \"x\" f32 [B,256]\n"
                             "output \"y\" f32 [B,128]\n"
                             "classifier 0\n"
                             "graph 0 forward \"Dense\" 3 0\n"
                             "node 0 input \"x\" f32 [B,256]\n"
                             "node 1 param \"Dense/W\" f32 [256,128]\n"
                             "node 2 value \"\" f32 [B,128]\n"
                             "output \"y\" 2\n"
                             "end\n";

} // namespace

TEST_CASE("model: the first prediction on a new thread allocates nothing", "[model]") {
  if (!hooked) {
    WARN("no way to count allocations in this build");
    return;
  }
  static const std::vector<float> w(static_cast<size_t>(kIn * kOut), 0.5f);
  static const nnc_graph_fn graphs[] = {denseForward};
  static const char *names[] = {"Dense/W"};
  static const void *data[] = {w.data()};
  nnc_program p{};
  p.abi_version = NNC_PROGRAM_ABI;
  p.num_graphs = 1;
  p.manifest = kDenseManifest;
  p.graphs = graphs;
  p.num_weights = 1;
  p.weight_names = names;
  p.weight_data = data;

  int saved = nnc_threads_get();
  // A pool of two whose workers have not started: nnc_model_create starts
  // them and grows their GEMM scratch, and the new thread's own.
  nnc_threads_set(1);
  nnc_threads_set(2);
  int created = -1, status[2] = {-1, -1};
  long n = -1;
  std::thread fresh([&] {
    Model m;
    created = nnc_model_create(&p, 64, nullptr, &m.m);
    if (created != NNC_OK) return;
    std::vector<float> x(static_cast<size_t>(64 * kIn), 0.25f), y(static_cast<size_t>(64 * kOut));
    const void *in[] = {x.data()};
    void *out[] = {y.data()};
    n = allocationsDuring([&] {
      status[0] = nnc_model_predict(m.m, 64, in, out);
      status[1] = nnc_model_predict(m.m, 1, in, out);
    });
  });
  fresh.join();
  REQUIRE(created == NNC_OK);
  CHECK(status[0] == NNC_OK);
  CHECK(status[1] == NNC_OK);
  CHECK(n == 0);
  nnc_threads_set(saved);
}
