// The GEMM driver (nnc/gemm.h): the choice between the packed and the direct
// path, cache blocking over the packed operands, per-thread scratch, and the
// split of C over the thread pool.
#include "nnc/gemm.h"

#include "gemm_kernel.h"
#include "nnc/threads.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <new>

namespace nnc::rt::gemm {

namespace {

// The packing buffers of one thread. Allocated on the thread's first GEMM
// that packs (or by nnc_sgemm_reserve) and grown when a bigger one needs more
// (at most kMC x kKC floats for A and kKC x kNC for B, about 0.75 MiB with
// AVX-512), then reused: a GEMM in the steady state allocates nothing. Freed
// when the thread exits.
class Scratch {
public:
  Scratch() = default;
  Scratch(const Scratch &) = delete;
  Scratch &operator=(const Scratch &) = delete;
  ~Scratch() {
    release(a_);
    release(b_);
    release(h_);
  }

  float *a(std::size_t floats) { return reserve(a_, aCap_, floats); }
  float *b(std::size_t floats) { return reserve(b_, bCap_, floats); }
  float *halves(std::size_t floats) { return reserve(h_, hCap_, floats); }

private:
  static void release(float *p) { ::operator delete[](p, std::align_val_t(kAlign)); }

  // Out of memory leaves no way to compute the product or report it through
  // a void C function; with buffers this small the process is lost anyway.
  static float *reserve(float *&buf, std::size_t &cap, std::size_t floats) {
    if (floats <= cap) return buf;
    release(buf);
    buf = static_cast<float *>(::operator new[](floats * sizeof(float), std::align_val_t(kAlign), std::nothrow));
    if (!buf) {
      std::fputs("nnc: out of memory for GEMM packing buffers\n", stderr);
      std::abort();
    }
    cap = floats;
    return buf;
  }

  float *a_ = nullptr, *b_ = nullptr, *h_ = nullptr;
  std::size_t aCap_ = 0, bCap_ = 0, hCap_ = 0;
};

Scratch &threadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Tiles of `tile` that cover n, and n rounded up to whole tiles.
int64_t tileCount(int64_t n, int64_t tile) { return (n + tile - 1) / tile; }
int64_t roundUp(int64_t x, int64_t m) { return tileCount(x, m) * m; }

} // namespace

float *packBufferA(std::size_t floats) { return threadScratch().a(floats); }
float *packBufferB(std::size_t floats) { return threadScratch().b(floats); }
float *halvesBuffer(std::size_t floats) { return threadScratch().halves(floats); }

void gemmPacked(const Args &g, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  int64_t kcMax = std::min(kKC, g.K);
  float *Ap = packBufferA(static_cast<std::size_t>(roundUp(std::min(kMC, i1 - i0), kMR) * kcMax));
  float *Bp = packBufferB(static_cast<std::size_t>(roundUp(std::min(kNC, j1 - j0), kNR) * kcMax));
  for (int64_t jc = j0; jc < j1; jc += kNC) {
    int64_t nc = std::min(kNC, j1 - jc);
    for (int64_t pc = 0; pc < g.K; pc += kKC) {
      int64_t kc = std::min(kKC, g.K - pc);
      // Later K blocks add onto what the first one wrote.
      float beta = pc == 0 ? g.beta : 1.0f;
      packB(g.transB, g.B, g.ldb, pc, jc, kc, nc, Bp);
      for (int64_t ic = i0; ic < i1; ic += kMC) {
        int64_t mc = std::min(kMC, i1 - ic);
        packA(g.transA, g.A, g.lda, ic, pc, mc, kc, Ap);
        for (int64_t ir = 0; ir < mc; ir += kMR) {
          int m = static_cast<int>(std::min<int64_t>(kMR, mc - ir));
          for (int64_t jr = 0; jr < nc; jr += kNR) {
            int n = static_cast<int>(std::min<int64_t>(kNR, nc - jr));
            microKernel(kc, Ap + ir * kc, Bp + jr * kc, g.alpha, beta, g.C + (ic + ir) * g.ldc + jc + jr, g.ldc, m, n);
          }
          // The epilogue sees whole rows of the block, still in L1, rather
          // than one tile: it streams what it reads (an optimizer's state)
          // along kMR rows instead of jumping between them per tile.
          g.finish(pc, kc, ic + ir, ic + ir + m, jc, jc + nc);
        }
      }
    }
  }
}

namespace {

// C = beta * C, for the products that contribute nothing (K == 0 or alpha
// == 0). beta == 0 stores zeros without reading C.
void scaleC(const Args &g) {
  for (int64_t i = 0; i < g.M; ++i) {
    float *row = g.C + i * g.ldc;
    if (g.beta == 0.0f)
      std::fill(row, row + g.N, 0.0f);
    else if (g.beta != 1.0f)
      for (int64_t j = 0; j < g.N; ++j)
        row[j] *= g.beta;
  }
}

// A thread's share is a range of whole tiles: of rows of tiles, of columns
// of tiles, or of the tiles in row-major order (a partial row of tiles, whole
// rows, a partial row), so the split never cuts through a tile.
enum class SplitBy { Rows, Columns, Tiles };

using Block = void (*)(const Args &, int64_t, int64_t, int64_t, int64_t);

struct Split {
  const Args *g;
  SplitBy by;
  int64_t colTiles;
  Block block; // gemmPacked, gemmDirect or addSecondHalf
};

void runShare(void *ctx, int64_t begin, int64_t end) {
  const Split &s = *static_cast<const Split *>(ctx);
  const Args &g = *s.g;
  // Rows [r0, r1) x columns [c0, c1) of tiles.
  auto tiles = [&](int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    s.block(g, r0 * kMR, std::min(r1 * kMR, g.M), c0 * kNR, std::min(c1 * kNR, g.N));
  };
  switch (s.by) {
  case SplitBy::Columns:
    s.block(g, 0, g.M, begin * kNR, std::min(end * kNR, g.N));
    return;
  case SplitBy::Rows:
    s.block(g, begin * kMR, std::min(end * kMR, g.M), 0, g.N);
    return;
  case SplitBy::Tiles:
    for (int64_t t = begin; t < end;) {
      int64_t r = t / s.colTiles, c = t % s.colTiles;
      if (c == 0 && end - t >= s.colTiles) {
        int64_t rEnd = end / s.colTiles;
        tiles(r, rEnd, 0, s.colTiles);
        t = rEnd * s.colTiles;
      } else {
        int64_t cEnd = std::min(s.colTiles, c + (end - t));
        tiles(r, r + 1, c, cEnd);
        t += cEnd - c;
      }
    }
    return;
  }
}

// How to cut the product's tiles between `threads` threads. Columns give each
// thread its own slice of packed B and repack A per thread, rows the reverse:
// cut the dimension with more tiles, unless the epilogue's wish to see whole
// columns (or rows) on one thread leaves only the other. Where cutting whole
// rows of tiles leaves the threads uneven shares (the 11 rows of tiles of a
// 128-row batch: 6 and 5), cut the row-major order of tiles instead: the
// threads then share one row of tiles, whose sliver of A both pack.
SplitBy chooseSplit(bool keepColumns, bool keepRows, int64_t rowTiles, int64_t colTiles, int threads) {
  if (keepColumns) return SplitBy::Columns;
  if (keepRows || colTiles < rowTiles) {
    auto largest = [&](int64_t n) {
      int64_t chunks = std::min<int64_t>(threads, n);
      return (n + chunks - 1) / chunks;
    };
    bool uneven = largest(rowTiles * colTiles) < largest(rowTiles) * colTiles;
    return !keepRows && uneven ? SplitBy::Tiles : SplitBy::Rows;
  }
  return SplitBy::Columns;
}

bool worthThreads(const Args &g) {
  // Compare in double: M * N * K can exceed int64 for absurd shapes.
  double work = static_cast<double>(g.M) * static_cast<double>(g.N) * static_cast<double>(g.K);
  return work >= static_cast<double>(kParallelMinWork) && nnc_threads_get() > 1;
}

// Runs `block` on all of g's C: on the calling thread, or cut between the
// threads as the epilogue's wishes (g.keep) allow. Every element comes out
// as on one thread, whatever the cut.
void runBlocks(const Args &g, Block block, bool parallel) {
  int64_t rowTiles = tileCount(g.M, kMR), colTiles = tileCount(g.N, kNR);
  bool keepColumns = g.keep & NNC_GEMM_KEEP_COLUMNS, keepRows = g.keep & NNC_GEMM_KEEP_ROWS;
  if (!parallel || (keepColumns && keepRows)) {
    block(g, 0, g.M, 0, g.N);
    return;
  }
  Split split{&g, chooseSplit(keepColumns, keepRows, rowTiles, colTiles, nnc_threads_get()), colTiles, block};
  int64_t n = split.by == SplitBy::Columns ? colTiles : split.by == SplitBy::Rows ? rowTiles : rowTiles * colTiles;
  if (n == 1)
    block(g, 0, g.M, 0, g.N);
  else
    nnc_parallel_for(n, runShare, &split);
}

Block blockFor(const Args &g) { return directFits(g) ? gemmDirect : gemmPacked; }

// Where K's first half ends for a product summed in halves (a multiple of
// kMR), or 0 for one summed whole. It depends on the shape of B alone, so
// a row of C has the same bits whatever M is. The cut falls where a row
// split of B's gradient (op(A)^T dC, kMR rows to a tile, as gemm splits it
// between two threads) cuts it, so that each half of B is read by the
// thread that updated it.
int64_t firstHalfDepth(const Args &g) {
  if (g.K < kHalvesDepth || g.K < kHalvesRatio * g.N || g.N > kHalvesMaxN) return 0;
  return (tileCount(g.K, kMR) + 1) / 2 * kMR;
}

// C[i0:i1, j0:j1] += the second half's sums (c.A, row stride c.lda), then
// the epilogue on those rows kMR at a time, as the kernels would hand them.
void addSecondHalf(const Args &c, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  for (int64_t ir = i0; ir < i1; ir += kMR) {
    int64_t ie = std::min(ir + kMR, i1);
    for (int64_t i = ir; i < ie; ++i) {
      float *row = c.C + i * c.ldc;
      const float *add = c.A + i * c.lda;
      int64_t j = j0;
      for (; j + kLanes <= j1; j += kLanes)
        (Batch::load_unaligned(row + j) + Batch::load_unaligned(add + j)).store_unaligned(row + j);
      for (; j < j1; ++j)
        row[j] += add[j];
    }
    c.finish(0, c.K, ir, ie, j0, j1);
  }
}

// The two halves of one panel of rows, their tiles in row-major order one
// half after the other: with two threads, each computes one half.
struct Halves {
  Split split[2];
  int64_t tiles; // of one half
};

void halvesShare(void *ctx, int64_t begin, int64_t end) {
  Halves &h = *static_cast<Halves *>(ctx);
  for (int64_t p = 0; p < 2; ++p) {
    int64_t b = std::max(begin, p * h.tiles), e = std::min(end, (p + 1) * h.tiles);
    if (b < e) runShare(&h.split[p], b - p * h.tiles, e - p * h.tiles);
  }
}

// C = (alpha * op(A)[:, :h] op(B)[:h, :] + beta * C) + alpha * op(A)[:, h:]
// op(B)[h:, :], then the epilogue: panels of rows at a time, the first half
// summed into C and the second into this thread's halves buffer.
void gemmInHalves(const Args &g, int64_t h) {
  const bool parallel = worthThreads(g);
  const int64_t panelRows = std::max<int64_t>(kMR, kHalvesScratch / g.N / kMR * kMR);
  float *second = halvesBuffer(static_cast<std::size_t>(std::min(panelRows, g.M) * g.N));
  for (int64_t r0 = 0; r0 < g.M; r0 += panelRows) {
    const int64_t rows = std::min(panelRows, g.M - r0);
    Args first = g;
    first.M = rows;
    first.K = h;
    first.A = g.transA ? g.A + r0 : g.A + r0 * g.lda;
    first.C = g.C + r0 * g.ldc;
    first.epilogue = nullptr;
    first.keep = 0;
    Args rest = first;
    rest.K = g.K - h;
    rest.A = g.transA ? first.A + h * g.lda : first.A + h;
    rest.B = g.transB ? g.B + h : g.B + h * g.ldb;
    rest.beta = 0.0f;
    rest.C = second;
    rest.ldc = g.N;
    const int64_t colTiles = tileCount(g.N, kNR);
    Halves halves{
        {{&first, SplitBy::Tiles, colTiles, blockFor(first)}, {&rest, SplitBy::Tiles, colTiles, blockFor(rest)}},
        tileCount(rows, kMR) * colTiles};
    if (parallel)
      nnc_parallel_for(2 * halves.tiles, halvesShare, &halves);
    else
      halvesShare(&halves, 0, 2 * halves.tiles);
    Args sum = g;
    sum.M = rows;
    sum.C = first.C;
    sum.A = second;
    sum.lda = g.N;
    sum.row0 = g.row0 + r0;
    runBlocks(sum, addSecondHalf, parallel);
  }
}

void gemm(const Args &g) {
  if (g.M <= 0 || g.N <= 0) return;
  if (g.K <= 0 || g.alpha == 0.0f) {
    scaleC(g);
    if (g.epilogue) g.epilogue(g.ctx, 0, g.M, 0, g.N);
    return;
  }
  if (int64_t h = firstHalfDepth(g)) return gemmInHalves(g, h);
  // The cheap tests come first: batch-1 products never reach the pool.
  runBlocks(g, blockFor(g), worthThreads(g));
}

} // namespace

} // namespace nnc::rt::gemm

extern "C" void nnc_sgemm_reserve(void) {
  using namespace nnc::rt::gemm;
  packBufferA(static_cast<std::size_t>(kMC * kKC));
  packBufferB(static_cast<std::size_t>(kKC * kNC));
  halvesBuffer(static_cast<std::size_t>(kHalvesScratch));
}

extern "C" void nnc_sgemm(int transA, int transB, int64_t M, int64_t N, int64_t K, float alpha, const float *A,
                          int64_t lda, const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
  nnc::rt::gemm::gemm({transA != 0, transB != 0, M, N, K, alpha, beta, A, B, C, lda, ldb, ldc});
}

extern "C" void nnc_sgemm_ex(int transA, int transB, int64_t M, int64_t N, int64_t K, float alpha, const float *A,
                             int64_t lda, const float *B, int64_t ldb, float beta, float *C, int64_t ldc,
                             nnc_gemm_epilogue_fn epilogue, void *ctx, int keep) {
  nnc::rt::gemm::gemm({transA != 0, transB != 0, M, N, K, alpha, beta, A, B, C, lda, ldb, ldc, epilogue, ctx, keep});
}
