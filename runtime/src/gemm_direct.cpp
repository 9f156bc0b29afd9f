// The GEMM's direct path: products with few rows (batch-1 inference: x W
// with x one row) or few columns (a classifier's logits), computed without
// packing A.
//
// Packing pays off when each packed element is read many times: a B sliver
// by every kMR-row sliver of A. With a few rows, B is read a few times
// anyway, so copying it first adds memory traffic, and the kMR x kNR
// micro-kernel would compute kMR rows where M are wanted. Here a tile of R <=
// kSmallM rows and V vectors broadcasts A from where it lies and streams B's
// rows in place; only a transposed B goes through packB. The last partial
// vector of a row of B is read with a masked load (AVX2, AVX-512), which
// touches no memory past the row's end; without one it is packed too. With
// N <= kLanes a tile is kMR rows of one vector, where the packed kernel's
// two-vector tile would be at least half padding.
//
// Each element is accumulated exactly as the packed path does it: per K
// block of kKC, FMAs in k order into a zeroed register, then the same C
// update. So which path computes a product, and how its rows and columns
// are cut into tiles, never changes a bit of the result.
#include "gemm_kernel.h"

#include <algorithm>
#include <array>
#include <type_traits>
#include <utility>

namespace nnc::rt::gemm {

namespace {

// Tiles of few rows have at most this many.
constexpr int64_t kSmallM = 4;
// Products with at most this many rows take the direct path, which reads B
// once per kSmallM rows. Measured against the packed path (2-core AMD EPYC,
// AVX-512) at M = 4, 8, 12, 16, 24 on N x K = 128 x 784, 784 x 128,
// 128 x 128, 1024 x 1024 and 40 x 300: direct 3.7-4x faster at 4 rows,
// 1.3-1.8x at 16, 1.0-1.4x at 24.
constexpr int64_t kDirectMaxM = 16;

// Vectors per tile row for R rows: the R x V accumulators, V B vectors and
// one A broadcast fit in the registers; an even count keeps tiles on packed
// kNR-column slivers. R > kSmallM only occurs for narrow products (V = 1).
constexpr int kRegisters = kHas32Registers ? 32 : 16;
constexpr int kMaxV = 8;
constexpr int maxVectors(int R) {
  if (R > kSmallM) return 1;
  int v = std::min(kMaxV, (kRegisters - 1) / (R + 1));
  return v >= kNV ? v / kNV * kNV : v;
}

// Masked loads, where the instruction set has them: the first n lanes from
// p, zeros in the others, reading nothing past p + n.
#if defined(__AVX512F__)
constexpr bool kMasked512 = kLanes == 16;
#else
constexpr bool kMasked512 = false;
#endif
#if defined(__AVX2__)
constexpr bool kMasked256 = kLanes == 8;
#else
constexpr bool kMasked256 = false;
#endif
constexpr bool kMaskedLoads = kMasked512 || kMasked256;

// A template so that the branch for the other width is not instantiated.
template <typename B = Batch> B loadFirst(const float *p, int n) {
#if defined(__AVX512F__)
  if constexpr (kMasked512) return B(_mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p));
#endif
#if defined(__AVX2__)
  if constexpr (kMasked256)
    return B(
        _mm256_maskload_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))));
#endif
  (void)n;
  return B::load_unaligned(p); // not reached: kMaskedLoads is false
}

// One tile's operands for one K block.
struct TileRef {
  const float *a;   // op(A)(i, k0)
  int64_t aRow, aK; // op(A)'s strides between rows and along K
  const float *b;   // op(B)(k0, j), in place or in a packed sliver
  int64_t ldb;      // B's stride along K: its row stride, or kNR when packed
  int64_t panel;    // from one kNR-column sliver to the next: kNR in place
  int64_t kc;
  float alpha, beta;
  float *c;
  int64_t ldc;
  int n; // valid columns: V * kLanes, or fewer in the last vector
};

// C = alpha * acc + beta * C on one vector of C, as microKernel's update.
inline Batch updated(Batch acc, float alpha, float beta, const float *c) {
  if (beta == 0.0f) return Batch(alpha) * acc;
  return xsimd::fma(Batch(alpha), acc, Batch(beta) * Batch::load_unaligned(c));
}

// An R x V tile. MaskLast: the last vector holds n - (V - 1) * kLanes valid
// columns of B in place, loaded masked.
template <int R, int V, bool MaskLast = false> void tile(const TileRef &t) {
  Batch acc[R][V];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v)
      acc[r][v] = Batch(0.0f);
  int64_t off[V];
#pragma GCC unroll 8
  for (int v = 0; v < V; ++v)
    off[v] = v / kNV * t.panel + v % kNV * kLanes;
  const float *a = t.a, *b = t.b;
  for (int64_t k = 0; k < t.kc; ++k, a += t.aK, b += t.ldb) {
    Batch bv[V];
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
      if constexpr (MaskLast)
        bv[v] = v == V - 1 ? loadFirst(b + off[v], t.n - v * kLanes) : Batch::load_unaligned(b + off[v]);
      else
        bv[v] = Batch::load_unaligned(b + off[v]);
        // GCC would fold the load into each row's FMA, loading B R times;
        // an empty asm pins it to a register.
#if defined(__x86_64__) || defined(__i386__)
      if constexpr (R > 1) asm("" : "+v"(bv[v].data));
#endif
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      Batch ar(a[r * t.aRow]);
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v)
        acc[r][v] = xsimd::fma(ar, bv[v], acc[r][v]);
    }
  }
  // Whole vectors are stored directly; a partial last one goes through a
  // zeroed scratch vector, so beta == 0 reads no C and nothing is written
  // past column n.
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
      float *c = t.c + r * t.ldc + v * kLanes;
      int valid = t.n - v * kLanes;
      if (valid >= kLanes) {
        updated(acc[r][v], t.alpha, t.beta, c).store_unaligned(c);
        continue;
      }
      alignas(kAlign) float s[kLanes] = {};
      if (t.beta != 0.0f) std::copy(c, c + valid, s);
      updated(acc[r][v], t.alpha, t.beta, s).store_aligned(s);
      std::copy(s, s + valid, c);
    }
}

// tile<R, V> for R in 1..kMR and V in 1..maxVectors(R); null elsewhere.
using TileFn = void (*)(const TileRef &);
constexpr int kMaxR = std::max<int>(kMR, kSmallM);

template <int R, int V> constexpr TileFn tileFn() {
  if constexpr (V <= maxVectors(R))
    return &tile<R, V>;
  else
    return nullptr;
}

template <int R, int... V> constexpr std::array<TileFn, kMaxV> tileRow(std::integer_sequence<int, V...>) {
  return {tileFn<R, V + 1>()...};
}

template <int... R> constexpr std::array<std::array<TileFn, kMaxV>, kMaxR> tileTable(std::integer_sequence<int, R...>) {
  return {tileRow<R + 1>(std::make_integer_sequence<int, kMaxV>())...};
}

constexpr auto kTiles = tileTable(std::make_integer_sequence<int, kMaxR>());

// tile<R, 1, true> for R in 1..kMaxR: the masked last vector of a row.
template <int... R> constexpr std::array<TileFn, kMaxR> maskedTable(std::integer_sequence<int, R...>) {
  return {&tile<R + 1, 1, true>...};
}

constexpr auto kMaskedTiles = maskedTable(std::make_integer_sequence<int, kMaxR>());

int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

} // namespace

bool directFits(const Args &g) { return g.M <= kDirectMaxM || g.N <= kLanes; }

void gemmDirect(const Args &g, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  // Few columns: tiles of kMR rows of one vector. Else up to kSmallM rows.
  int rowsPerTile = j1 - j0 <= kLanes ? kMR : kSmallM;
  int64_t aRow = g.transA ? 1 : g.lda, aK = g.transA ? g.lda : 1;
  for (int64_t jc = j0; jc < j1; jc += kNC) {
    int64_t nc = std::min(kNC, j1 - jc);
    // Columns [jc, jc + inPlace) are read from B as it is, whole vectors,
    // then `masked` columns masked; the rest are packed.
    int64_t inPlace = g.transB ? 0 : nc / kLanes * kLanes;
    int masked = !g.transB && kMaskedLoads ? static_cast<int>(nc - inPlace) : 0;
    for (int64_t pc = 0; pc < g.K; pc += kKC) {
      int64_t kc = std::min(kKC, g.K - pc);
      // Later K blocks add onto what the first one wrote.
      float beta = pc == 0 ? g.beta : 1.0f;
      const float *Bp = nullptr;
      if (inPlace + masked < nc) {
        float *dst = packBufferB(static_cast<std::size_t>(roundUp(nc - inPlace, kNR) * kc));
        packB(g.transB, g.B, g.ldb, pc, jc + inPlace, kc, nc - inPlace, dst);
        Bp = dst;
      }
      for (int64_t i = i0; i < i1; i += rowsPerTile) {
        int R = static_cast<int>(std::min<int64_t>(rowsPerTile, i1 - i));
        int maxV = maxVectors(R);
        TileRef t{};
        t.a = g.transA ? g.A + pc * g.lda + i : g.A + i * g.lda + pc;
        t.aRow = aRow;
        t.aK = aK;
        t.kc = kc;
        t.alpha = g.alpha;
        t.beta = beta;
        t.ldc = g.ldc;
        float *cRow = g.C + i * g.ldc + jc;
        for (int64_t j = 0; j < inPlace;) {
          int V = static_cast<int>(std::min<int64_t>(maxV, (inPlace - j) / kLanes));
          t.b = g.B + pc * g.ldb + jc + j;
          t.ldb = g.ldb;
          t.panel = kNR;
          t.c = cRow + j;
          t.n = V * kLanes;
          kTiles[R - 1][V - 1](t);
          g.finish(pc, kc, i, i + R, jc + j, jc + j + t.n);
          j += V * kLanes;
        }
        if (masked) {
          t.b = g.B + pc * g.ldb + jc + inPlace;
          t.ldb = g.ldb;
          t.panel = kNR;
          t.c = cRow + inPlace;
          t.n = masked;
          kMaskedTiles[R - 1](t);
          g.finish(pc, kc, i, i + R, jc + inPlace, jc + nc);
        }
        // Packed columns, from a sliver boundary (maxV is even or 1).
        for (int64_t j = inPlace + masked; j < nc;) {
          int64_t rel = j - inPlace;
          int V = static_cast<int>(std::min<int64_t>(maxV, (nc - j + kLanes - 1) / kLanes));
          t.b = Bp + rel / kNR * kc * kNR + rel % kNR;
          t.ldb = kNR;
          t.panel = kc * kNR;
          t.c = cRow + j;
          t.n = static_cast<int>(std::min<int64_t>(V * kLanes, nc - j));
          kTiles[R - 1][V - 1](t);
          g.finish(pc, kc, i, i + R, jc + j, jc + j + t.n);
          j += V * kLanes;
        }
      }
    }
  }
}

} // namespace nnc::rt::gemm
