// The GEMM's building blocks, shared by its driver (gemm.cpp), packing
// (gemm_pack.cpp), micro-kernel (gemm_microkernel.cpp) and the direct path
// for small products (gemm_direct.cpp).
//
// The algorithm is Goto's / BLIS's: C is computed in blocks, with the operand
// slices of a block copied ("packed") into contiguous buffers laid out in the
// exact order the micro-kernel reads them. The micro-kernel computes one
// kMR x kNR tile of C in registers from a kMR-row sliver of packed A and a
// kNR-column sliver of packed B.
//
// Loop nest (driver), from outer to inner, and where each operand lives:
//   jc over N by kNC   |
//   pc over K by kKC   |  pack op(B)[pc:+kc, jc:+nc] -> Bp   (~L2, reused by every A sliver)
//   ic over M by kMC   |  pack op(A)[ic:+mc, pc:+kc] -> Ap
//   ir over mc by kMR  |  A sliver kMR x kc              (~L1, reused by every B sliver)
//   jr over nc by kNR  |  micro-kernel on one tile, B sliver streamed from L2
//
// Every C element is accumulated the same way wherever its tile falls: per
// K block, FMAs in k order into a zeroed register, then one C update. That is
// what makes results independent of the M/N split between threads, and of
// which path (packed or direct) computes the element.
#ifndef NNC_RUNTIME_GEMM_KERNEL_H
#define NNC_RUNTIME_GEMM_KERNEL_H

#include <xsimd/xsimd.hpp>

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace nnc::rt::gemm {

// The widest instruction set the runtime is compiled for (-march).
using Arch = xsimd::default_arch;
using Batch = xsimd::batch<float, Arch>;
constexpr int kLanes = static_cast<int>(Batch::size);

// AVX-512 has 32 vector registers, the older x86 sets 16. A tile needs
// kMR * kNV accumulators + kNV B vectors + one A broadcast: 12x2 + 3 = 27 of
// 32, and 6x2 + 3 = 15 of 16.
constexpr bool kHas32Registers = std::is_base_of_v<xsimd::avx512f, Arch>;
constexpr int kNV = 2;                        // vectors per tile row
constexpr int kNR = kNV * kLanes;             // tile columns: 32 (AVX-512), 16 (AVX2), 8 (SSE)
constexpr int kMR = kHas32Registers ? 12 : 6; // tile rows

// Cache blocking. A kMR x kKC sliver of A (12 KiB with AVX-512) stays in the
// 48 KiB L1 while the kKC x kNC packed B block (512 KiB) streams from L2.
// kMC only bounds the size of packed A; it is a multiple of kMR.
constexpr int64_t kKC = 256;
constexpr int64_t kNC = 512;
constexpr int64_t kMC = 20 * kMR;
static_assert(kNC % kNR == 0, "B blocks hold whole slivers");
static_assert(kMC % kMR == 0, "A blocks hold whole slivers");

// Packed buffers are aligned for aligned vector loads of B slivers.
constexpr std::size_t kAlign = 64;

// Products smaller than this many multiply-adds run on the calling thread:
// below it, waking workers costs more than it saves.
constexpr int64_t kParallelMinWork = int64_t{1} << 20;

// Products at least kHalvesDepth deep, kHalvesRatio times deeper than they
// are wide and at most kHalvesMaxN wide (the first dense layer of a network:
// 784 -> 128) are summed in two halves of K (see nnc/gemm.h), each computed
// by its own threads. Split by rows instead, every thread would read all of
// B: in training, weights the other thread has just updated, which cost more
// to fetch from its cache than the product itself when the two CPUs do not
// share one. The sum of the second half waits in a per-thread buffer of
// kHalvesScratch floats, which bounds the rows done at once to
// kHalvesScratch / N: at least 256, so B is packed once per 256 rows or more.
constexpr int64_t kHalvesDepth = 512;
constexpr int64_t kHalvesRatio = 4;
constexpr int64_t kHalvesMaxN = 256;
constexpr int64_t kHalvesScratch = 256 * kHalvesMaxN;

// One product, as nnc_sgemm_ex received it (see nnc/gemm.h).
struct Args {
  bool transA, transB;
  int64_t M, N, K;
  float alpha, beta;
  const float *A, *B;
  float *C;
  int64_t lda, ldb, ldc;
  void (*epilogue)(void *, int64_t, int64_t, int64_t, int64_t) = nullptr;
  void *ctx = nullptr;
  int keep = 0;
  // Where row 0 of this product lies in the epilogue's C: nonzero for a
  // panel of a larger product (gemmInHalves).
  int64_t row0 = 0;

  // Runs the epilogue, if any, on rows [i0, i1) x columns [j0, j1) of C
  // after the K block at k0 of kc rows: only the last one completes C.
  void finish(int64_t k0, int64_t kc, int64_t i0, int64_t i1, int64_t j0, int64_t j1) const {
    if (epilogue && k0 + kc == K) epilogue(ctx, row0 + i0, row0 + i1, j0, j1);
  }
};

// This thread's packing buffers, grown to at least `floats` floats (aligned
// to kAlign) and kept for the thread's later products; see gemm.cpp.
float *packBufferA(std::size_t floats);
float *packBufferB(std::size_t floats);
// This thread's buffer for the second half of a product summed in halves.
float *halvesBuffer(std::size_t floats);

// Rows [i0, i1) x columns [j0, j1) of C by the packed algorithm above.
void gemmPacked(const Args &g, int64_t i0, int64_t i1, int64_t j0, int64_t j1);

// Whether gemmDirect computes this product: few rows (batch-1 inference) or
// few columns (a classifier's logits), where packing costs more than it
// saves or the kMR x kNR tile would be mostly padding.
bool directFits(const Args &g);

// Rows [i0, i1) x columns [j0, j1) of C without packing A, and without
// packing B unless it is transposed: small tiles broadcast A and read B's
// rows where they lie (gemm_direct.cpp). Every element is accumulated
// exactly as by gemmPacked, so the bits are the same.
void gemmDirect(const Args &g, int64_t i0, int64_t i1, int64_t j0, int64_t j1);

// Copies op(A)[i0:+mc, k0:+kc] into `dst` as ceil(mc / kMR) slivers, each
// kc columns of kMR consecutive floats (a[k * kMR + r]); rows past mc are
// zero. op(A)(i, k) is A[i * lda + k], or A[k * lda + i] when transposed.
void packA(bool trans, const float *A, int64_t lda, int64_t i0, int64_t k0, int64_t mc, int64_t kc, float *dst);

// Copies op(B)[k0:+kc, j0:+nc] into `dst` as ceil(nc / kNR) slivers, each kc
// rows of kNR consecutive floats (b[k * kNR + c]); columns past nc are zero.
// op(B)(k, j) is B[k * ldb + j], or B[j * ldb + k] when transposed.
void packB(bool trans, const float *B, int64_t ldb, int64_t k0, int64_t j0, int64_t kc, int64_t nc, float *dst);

// C[0:m, 0:n] = alpha * (Ap sliver x Bp sliver) + beta * C[0:m, 0:n], for a
// tile of m <= kMR rows and n <= kNR columns; beta == 0 does not read C.
// `a` and `b` are slivers as packA/packB lay them out, `b` aligned to kAlign.
void microKernel(int64_t kc, const float *a, const float *b, float alpha, float beta, float *C, int64_t ldc, int m,
                 int n);

} // namespace nnc::rt::gemm

#endif
