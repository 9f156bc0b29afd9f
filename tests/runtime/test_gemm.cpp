// nnc_sgemm against a naive double-precision product: awkward sizes, all
// transposes, strided submatrices, alpha/beta, and thread-count invariance.
#include "nnc/gemm.h"
#include "nnc/threads.h"

#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace {

struct ThreadCountGuard {
  int saved = nnc_threads_get();
  ~ThreadCountGuard() { nnc_threads_set(saved); }
};

// Deterministic values in [-1, 1).
struct Lcg {
  uint64_t state;
  float next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>(state >> 40) / 8388608.0f - 1.0f;
  }
};

// Fill value for the padding around a submatrix: must survive untouched.
constexpr float kSentinel = 12345.0f;

struct Problem {
  int64_t M, N, K;
  bool transA, transB;
  float alpha, beta;
  // Row strides exceed row lengths by `pad`, so operands are submatrices.
  int64_t pad = 3;

  int64_t aRows() const { return transA ? K : M; }
  int64_t aCols() const { return transA ? M : K; }
  int64_t bRows() const { return transB ? N : K; }
  int64_t bCols() const { return transB ? K : N; }
  int64_t lda() const { return aCols() + pad; }
  int64_t ldb() const { return bCols() + pad; }
  int64_t ldc() const { return N + pad; }
};

struct Operands {
  std::vector<float> A, B, C;
};

// A matrix of `rows` x `cols` with stride `ld`, padding set to the sentinel.
std::vector<float> randomMatrix(Lcg &rng, int64_t rows, int64_t cols, int64_t ld) {
  std::vector<float> m(static_cast<size_t>(rows * ld), kSentinel);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      m[static_cast<size_t>(i * ld + j)] = rng.next();
  return m;
}

Operands makeOperands(const Problem &p, uint64_t seed) {
  Lcg rng{seed};
  Operands o;
  o.A = randomMatrix(rng, p.aRows(), p.aCols(), p.lda());
  o.B = randomMatrix(rng, p.bRows(), p.bCols(), p.ldb());
  o.C = randomMatrix(rng, p.M, p.N, p.ldc());
  if (p.beta == 0.0f)
    for (int64_t i = 0; i < p.M; ++i)
      for (int64_t j = 0; j < p.N; ++j)
        o.C[static_cast<size_t>(i * p.ldc() + j)] = std::nanf("");
  return o;
}

float at(const std::vector<float> &m, int64_t ld, bool trans, int64_t i, int64_t j) {
  return trans ? m[static_cast<size_t>(j * ld + i)] : m[static_cast<size_t>(i * ld + j)];
}

void run(const Problem &p, Operands &o) {
  nnc_sgemm(p.transA, p.transB, p.M, p.N, p.K, p.alpha, o.A.data(), p.lda(), o.B.data(), p.ldb(), p.beta, o.C.data(),
            p.ldc());
}

// Checks `out` (the result for inputs `in`) element by element against the
// product in double. The tolerance is the classic bound for a K-term float
// sum computed with FMAs, plus the alpha/beta update: (K + 3) ulps of the sum
// of the terms' magnitudes.
void checkAgainstReference(const Problem &p, const Operands &in, const Operands &out) {
  for (int64_t i = 0; i < p.M; ++i) {
    for (int64_t j = 0; j < p.N; ++j) {
      double sum = 0, mag = 0;
      for (int64_t k = 0; k < p.K; ++k) {
        double t = static_cast<double>(at(in.A, p.lda(), p.transA, i, k)) * at(in.B, p.ldb(), p.transB, k, j);
        sum += t;
        mag += std::fabs(t);
      }
      double want = p.alpha * sum, scale = std::fabs(p.alpha) * mag;
      if (p.beta != 0.0f) {
        double c = in.C[static_cast<size_t>(i * p.ldc() + j)];
        want += p.beta * c;
        scale += std::fabs(p.beta * c);
      }
      double got = out.C[static_cast<size_t>(i * p.ldc() + j)];
      double tol = (static_cast<double>(p.K) + 3) * FLT_EPSILON * scale + 1e-30;
      if (!(std::fabs(got - want) <= tol)) {
        CAPTURE(i, j, got, want, tol);
        FAIL_CHECK("element differs from the reference");
        return;
      }
    }
    // The padding of each row of C is never written.
    for (int64_t j = p.N; j < p.ldc(); ++j)
      REQUIRE(out.C[static_cast<size_t>(i * p.ldc() + j)] == kSentinel);
  }
}

void checkProblem(const Problem &p) {
  CAPTURE(p.M, p.N, p.K, p.transA, p.transB, p.alpha, p.beta);
  Operands in = makeOperands(p, static_cast<uint64_t>(p.M * 1000003 + p.N * 1009 + p.K));
  Operands out = in;
  run(p, out);
  CHECK(out.A == in.A);
  CHECK(out.B == in.B);
  checkAgainstReference(p, in, out);
}

struct Shape {
  int64_t M, N, K;
};

// Drawn from {1, 3, 7, 17, 64, 129, 257}: the all-ones and degenerate
// vectors, primes that leave edge tiles in every dimension, exact multiples
// of the tile widths, and K = 257 crossing a K block.
const Shape kShapes[] = {
    {1, 1, 1},     {1, 1, 257},    {257, 1, 1},     {1, 257, 1},   {1, 129, 64},    {129, 1, 17}, {7, 1, 129},
    {3, 7, 17},    {7, 17, 3},     {17, 3, 7},      {3, 257, 3},   {64, 64, 64},    {64, 129, 7}, {129, 17, 257},
    {17, 257, 64}, {257, 64, 129}, {129, 129, 129}, {257, 3, 257}, {257, 257, 257},
};

} // namespace

TEST_CASE("gemm: matches the reference for awkward sizes and all transposes") {
  ThreadCountGuard guard;
  nnc_threads_set(1);
  for (const Shape &s : kShapes)
    for (bool transA : {false, true})
      for (bool transB : {false, true})
        for (float beta : {0.0f, 1.0f, 0.5f})
          checkProblem({s.M, s.N, s.K, transA, transB, 1.5f, beta});
}

TEST_CASE("gemm: blocks in every dimension") {
  ThreadCountGuard guard;
  nnc_threads_set(1);
  // N beyond one B block, M beyond one A block, K over several K blocks.
  for (Shape s : {Shape{3, 1100, 5}, Shape{300, 9, 600}, Shape{5, 1100, 600}})
    for (bool transA : {false, true})
      for (bool transB : {false, true})
        checkProblem({s.M, s.N, s.K, transA, transB, -0.75f, 0.5f});
}

TEST_CASE("gemm: dense operands and alpha = 1") {
  ThreadCountGuard guard;
  nnc_threads_set(1);
  for (bool transA : {false, true})
    for (bool transB : {false, true}) {
      Problem p{17, 33, 19, transA, transB, 1.0f, 0.0f};
      p.pad = 0;
      checkProblem(p);
    }
}

TEST_CASE("gemm: K == 0 and alpha == 0 only scale C") {
  for (int64_t K : {0, 5}) {
    float alpha = K == 0 ? 1.0f : 0.0f;
    Problem p{4, 5, K, false, false, alpha, 0.5f};
    Operands in = makeOperands(p, 7), out = in;
    // Non-finite inputs must not leak into C when nothing is multiplied.
    std::fill(out.A.begin(), out.A.end(), std::numeric_limits<float>::infinity());
    run(p, out);
    for (int64_t i = 0; i < p.M; ++i)
      for (int64_t j = 0; j < p.N; ++j) {
        size_t ix = static_cast<size_t>(i * p.ldc() + j);
        REQUIRE(out.C[ix] == 0.5f * in.C[ix]);
      }
    p.beta = 0.0f;
    Operands zeroed = makeOperands(p, 8);
    run(p, zeroed);
    for (int64_t i = 0; i < p.M; ++i)
      for (int64_t j = 0; j < p.N; ++j)
        REQUIRE(zeroed.C[static_cast<size_t>(i * p.ldc() + j)] == 0.0f);
  }
}

TEST_CASE("gemm: empty products touch nothing") {
  float c = 3.0f;
  nnc_sgemm(0, 0, 0, 1, 1, 1.0f, nullptr, 1, nullptr, 1, 0.0f, &c, 1);
  nnc_sgemm(0, 0, 1, 0, 1, 1.0f, nullptr, 1, nullptr, 1, 0.0f, &c, 1);
  CHECK(c == 3.0f);
}

TEST_CASE("gemm: results are bitwise identical for any thread count") {
  ThreadCountGuard guard;
  // Large enough to be split; the first ones split by columns, the next by
  // rows, all with edge tiles; where whole rows of tiles divide unevenly
  // between the threads ({300, 70, 300} and the MLP's batch of 128 at 2
  // threads, most shapes at 3), by tiles in row-major order. {8, 1100, 300}
  // (few rows) and {2000, 10, 128} (few columns) take the direct path. Deep
  // narrow products are summed in halves of K, one half per thread: the
  // MLP's first layer {128, 128, 784}, {600, 128, 520} in two panels of rows
  // and {6, 40, 700} on the direct path.
  const Shape shapes[] = {{129, 257, 64},  {40, 1100, 64}, {257, 129, 129}, {257, 40, 129},  {300, 70, 300},
                          {128, 128, 784}, {8, 1100, 300}, {2000, 10, 128}, {600, 128, 520}, {6, 40, 700}};
  for (const Shape &s : shapes)
    for (bool transA : {false, true})
      for (bool transB : {false, true}) {
        Problem p{s.M, s.N, s.K, transA, transB, 1.25f, 0.5f};
        CAPTURE(s.M, s.N, s.K, transA, transB);
        Operands in = makeOperands(p, 99);
        std::vector<std::vector<float>> results;
        for (int threads : {1, 2, 3}) {
          nnc_threads_set(threads);
          Operands out = in;
          run(p, out);
          results.push_back(out.C);
        }
        for (size_t t = 1; t < results.size(); ++t)
          REQUIRE(std::memcmp(results[0].data(), results[t].data(), results[0].size() * sizeof(float)) == 0);
        if (transA == transB) checkAgainstReference(p, in, Operands{in.A, in.B, results[2]});
      }
}

// The direct path (gemm_direct.cpp): products of at most 16 rows, or of at
// most one vector of columns, skip packing A.
TEST_CASE("gemm: few rows or few columns match the reference") {
  ThreadCountGuard guard;
  nnc_threads_set(1);
  // K = 300 crosses a K block; N from 1 to 40 covers partial vectors and
  // slivers at every width (AVX-512, AVX2 and SSE); M = 1 to 5 and 13 cover
  // tiles of 1 to 4 rows and their remainders; M = 17 is the first product
  // past the few-rows case.
  for (int64_t M : {1, 2, 3, 4, 5, 13, 17})
    for (int64_t N = 1; N <= 40; ++N)
      for (int64_t K : {1, 9, 300})
        for (bool transA : {false, true})
          for (bool transB : {false, true})
            for (float beta : {0.0f, 1.0f}) {
              Problem p{M, N, K, transA, transB, 1.5f, beta};
              p.pad = 5 + (N % 3);
              checkProblem(p);
            }
  // Few columns under many rows: tiles of one vector, edge rows.
  for (int64_t M : {13, 37})
    for (int64_t N : {1, 5, 10, 16})
      for (bool transA : {false, true})
        for (bool transB : {false, true})
          checkProblem({M, N, 129, transA, transB, -0.5f, 0.5f});
}

TEST_CASE("gemm: a row of C has the same bits computed alone or with others") {
  ThreadCountGuard guard;
  // The MLP's layers at batch 37 against batch 1: the rows go through the
  // packed path in one case and the direct one in the other. The first layer
  // ({37, 128, 784}) is summed in halves of K either way.
  const Shape shapes[] = {{37, 128, 784}, {37, 10, 128}, {37, 40, 300}, {37, 784, 128}};
  for (int threads : {1, 2})
    for (const Shape &s : shapes)
      for (bool transA : {false, true})
        for (bool transB : {false, true}) {
          nnc_threads_set(threads);
          Problem p{s.M, s.N, s.K, transA, transB, 1.0f, 1.0f};
          CAPTURE(threads, s.M, s.N, s.K, transA, transB);
          Operands all = makeOperands(p, 5);
          Operands in = all;
          run(p, all);
          for (int64_t i = 0; i < p.M; ++i) {
            // Row i alone: op(A) row i is at A + i * lda, or column i when
            // transposed; C row i at C + i * ldc.
            std::vector<float> row(in.C.begin() + i * p.ldc(), in.C.begin() + (i + 1) * p.ldc());
            const float *a = in.A.data() + (transA ? i : i * p.lda());
            nnc_sgemm(transA, transB, 1, p.N, p.K, p.alpha, a, p.lda(), in.B.data(), p.ldb(), p.beta, row.data(),
                      p.ldc());
            REQUIRE(std::memcmp(row.data(), all.C.data() + i * p.ldc(), static_cast<size_t>(p.N) * sizeof(float)) == 0);
          }
        }
}
