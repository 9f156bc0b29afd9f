// nnc_sgemm_ex's epilogue against nnc_sgemm followed by the same loop over
// C: bitwise, on both paths (packed and direct), all transposes, edge
// tiles, beta != 0, 1 and 3 threads; each element seen exactly once; sums
// along columns or rows accumulated in order under NNC_GEMM_KEEP_*.
#include "nnc/gemm.h"
#include "nnc/threads.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

struct ThreadCountGuard {
  int saved = nnc_threads_get();
  ~ThreadCountGuard() { nnc_threads_set(saved); }
};

// Deterministic values in [-1, 1).
float lcg(uint64_t &state) {
  state = state * 6364136223846793005ull + 1442695040888963407ull;
  return static_cast<float>(state >> 40) / 8388608.0f - 1.0f;
}

std::vector<float> randoms(size_t n, uint64_t seed) {
  std::vector<float> v(n);
  for (float &x : v)
    x = lcg(seed);
  return v;
}

// What a fused dense layer and its gradient do to C: bias per column, then
// relu, or the mask of a relu's gradient; sums along columns (a bias
// gradient) or rows.
struct Epilogue {
  int64_t N;
  float *C;
  int64_t ldc;
  const float *bias;   // [N], or null
  const uint8_t *mask; // [M, N], or null: C = mask ? C : 0
  bool relu;
  float *colSums, *rowSums; // [N] / [M], or null
  int *seen;                // [M, N]: calls per element

  void element(int64_t i, int64_t j) const {
    float &c = C[i * ldc + j];
    float v = c;
    if (bias) v += bias[j];
    if (relu) v = v < 0.0f ? 0.0f : v;
    if (mask) v = mask[i * N + j] ? v : 0.0f;
    c = v;
    if (colSums) colSums[j] += v;
    if (rowSums) rowSums[i] += v;
    if (seen) ++seen[i * N + j];
  }
};

void epilogueBlock(void *ctx, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  const Epilogue &e = *static_cast<const Epilogue *>(ctx);
  for (int64_t i = i0; i < i1; ++i)
    for (int64_t j = j0; j < j1; ++j)
      e.element(i, j);
}

struct Case {
  int64_t M, N, K;
  bool transA, transB;
  float beta;
  int keep;
};

void check(const Case &c) {
  CAPTURE(c.M, c.N, c.K, c.transA, c.transB, c.beta, c.keep);
  int64_t lda = (c.transA ? c.M : c.K) + 1, ldb = (c.transB ? c.K : c.N) + 2, ldc = c.N + 3;
  std::vector<float> A = randoms(static_cast<size_t>((c.transA ? c.K : c.M) * lda), 1);
  std::vector<float> B = randoms(static_cast<size_t>((c.transB ? c.N : c.K) * ldb), 2);
  std::vector<float> C0 = randoms(static_cast<size_t>(c.M * ldc), 3), bias = randoms(static_cast<size_t>(c.N), 4);
  std::vector<uint8_t> mask(static_cast<size_t>(c.M * c.N));
  uint64_t s = 5;
  for (uint8_t &m : mask)
    m = lcg(s) > 0.0f;

  for (int variant = 0; variant < 2; ++variant) {
    CAPTURE(variant);
    // Forward (bias, relu) and backward (mask) epilogues, each with the sum
    // its keep flags allow.
    auto make = [&](std::vector<float> &C, std::vector<float> &cols, std::vector<float> &rows) {
      cols.assign(static_cast<size_t>(c.N), 0.0f);
      rows.assign(static_cast<size_t>(c.M), 0.0f);
      Epilogue e{c.N, C.data(), ldc, nullptr, nullptr, false, nullptr, nullptr, nullptr};
      if (variant == 0) {
        e.bias = bias.data();
        e.relu = true;
      } else {
        e.mask = mask.data();
      }
      if (c.keep & NNC_GEMM_KEEP_COLUMNS) e.colSums = cols.data();
      if (c.keep & NNC_GEMM_KEEP_ROWS) e.rowSums = rows.data();
      return e;
    };
    std::vector<float> want = C0, wantCols, wantRows;
    Epilogue ref = make(want, wantCols, wantRows);
    nnc_sgemm(c.transA, c.transB, c.M, c.N, c.K, 1.25f, A.data(), lda, B.data(), ldb, c.beta, want.data(), ldc);
    epilogueBlock(&ref, 0, c.M, 0, c.N);

    for (int threads : {1, 3}) {
      CAPTURE(threads);
      nnc_threads_set(threads);
      std::vector<float> got = C0, gotCols, gotRows;
      std::vector<int> seen(static_cast<size_t>(c.M * c.N), 0);
      Epilogue e = make(got, gotCols, gotRows);
      e.seen = seen.data();
      nnc_sgemm_ex(c.transA, c.transB, c.M, c.N, c.K, 1.25f, A.data(), lda, B.data(), ldb, c.beta, got.data(), ldc,
                   epilogueBlock, &e, c.keep);
      REQUIRE(std::count(seen.begin(), seen.end(), 1) == static_cast<std::ptrdiff_t>(seen.size()));
      REQUIRE(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0);
      REQUIRE(std::memcmp(gotCols.data(), wantCols.data(), gotCols.size() * sizeof(float)) == 0);
      REQUIRE(std::memcmp(gotRows.data(), wantRows.data(), gotRows.size() * sizeof(float)) == 0);
    }
  }
}

} // namespace

TEST_CASE("gemm epilogue: matches gemm then the same loop, bitwise, at any thread count") {
  ThreadCountGuard guard;
  // Packed products split by rows or columns, with edge tiles and a second
  // K block; the direct path's few rows ({8, 300, 300}, masked and packed
  // columns) and few columns ({300, 10, 40}); K = 0 (only beta * C). Deep
  // narrow products are summed in halves of K and the epilogue runs as the
  // halves are added: {600, 128, 520} in two panels of rows (512 and 88),
  // {5, 40, 700} on the direct path.
  const Case shapes[] = {{129, 257, 64, false, false, 0.0f, 0},  {257, 70, 300, false, false, 0.5f, 0},
                         {8, 300, 300, false, false, 0.0f, 0},   {300, 10, 40, false, false, 0.5f, 0},
                         {13, 37, 0, false, false, 0.5f, 0},     {3, 5, 7, false, false, 0.0f, 0},
                         {600, 128, 520, false, false, 0.5f, 0}, {5, 40, 700, false, false, 0.0f, 0}};
  for (Case c : shapes)
    for (bool transA : {false, true})
      for (bool transB : {false, true})
        for (int keep : {0, 1, 2, 3}) { // every combination of NNC_GEMM_KEEP_*
          c.transA = transA;
          c.transB = transB;
          c.keep = keep;
          check(c);
        }
}

TEST_CASE("gemm epilogue: a null epilogue is nnc_sgemm") {
  std::vector<float> A = randoms(6 * 4, 1), B = randoms(4 * 5, 2), C = randoms(6 * 5, 3), D = C;
  nnc_sgemm(0, 0, 6, 5, 4, 1.0f, A.data(), 4, B.data(), 5, 0.5f, C.data(), 5);
  nnc_sgemm_ex(0, 0, 6, 5, 4, 1.0f, A.data(), 4, B.data(), 5, 0.5f, D.data(), 5, nullptr, nullptr, 0);
  CHECK(C == D);
}
