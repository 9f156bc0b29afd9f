/* Single-precision matrix multiply (GEMM) for generated code: dense layers
 * and their gradients.
 *
 * Row-major, BLAS-like: C = alpha * op(A) * op(B) + beta * C, where op(X) is
 * X or its transpose, op(A) is M x K, op(B) is K x N and C is M x N. The
 * leading dimensions are row strides in elements: A is stored as M rows of
 * lda (K rows of lda when transposed), likewise B and C, so a submatrix is
 * passed by pointing at its first element with the parent's stride.
 *
 * beta == 0 ignores C's old contents, NaN and Inf included. Large products
 * are split over the nnc_threads pool by rows or columns of C. A product at
 * least 512 deep, 4 times deeper than wide and at most 256 wide (a network's
 * first dense layer) is summed in two halves of K, each on its own threads:
 * C = (alpha * A1 B1 + beta * C) + alpha * A2 B2, the cut depending on K
 * alone. The summation order of every element depends only on K and N, never
 * on the thread count or on M, so results are bitwise identical for any
 * thread count, and a row of C has the same bits whether computed alone
 * (M = 1) or with others.
 */
#ifndef NNC_GEMM_H
#define NNC_GEMM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* transA/transB: nonzero to use the transpose. Preconditions (unchecked, as
 * in BLAS): lda >= (transA ? M : K), ldb >= (transB ? K : N), ldc >= N, and C
 * does not overlap A or B. Does nothing when M <= 0 or N <= 0; when K <= 0 or
 * alpha == 0, only scales C by beta. */
void nnc_sgemm(int transA, int transB, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
               const float *B, int64_t ldb, float beta, float *C, int64_t ldc);

/* A GEMM epilogue: code run on C while it is still in cache, fused into
 * the product (a bias, an activation, the mask of an activation's gradient,
 * a reduction of the result). nnc_sgemm_ex calls fn(ctx, i0, i1, j0, j1)
 * on blocks of C (rows [i0, i1), columns [j0, j1)) that partition it, each
 * once all of alpha * op(A) * op(B) + beta * C is stored in it; fn may read
 * and rewrite the block and anything else it owns, not other blocks of C.
 * Blocks are small (a few rows by a few vectors of columns, as the kernels
 * tile C, or all of C when nothing is multiplied) and may come from the
 * threads of the nnc_threads pool, concurrently. On any one thread, the
 * blocks holding a given row come in increasing column order and those
 * holding a given column in increasing row order. `keep` asks for more:
 * NNC_GEMM_KEEP_COLUMNS puts each column's blocks on one thread (so fn can
 * accumulate a sum over rows in row order), NNC_GEMM_KEEP_ROWS each row's
 * (a reduction along the row), both: every block on the calling thread.
 * Either way the blocks, and so the bits of what fn computes, do not depend
 * on the thread count. */
typedef void (*nnc_gemm_epilogue_fn)(void *ctx, int64_t i0, int64_t i1, int64_t j0, int64_t j1);
enum { NNC_GEMM_KEEP_COLUMNS = 1, NNC_GEMM_KEEP_ROWS = 2 };

/* nnc_sgemm, then `epilogue` (if not null) on every block of C as above;
 * `keep` is a combination of the NNC_GEMM_KEEP flags. */
void nnc_sgemm_ex(int transA, int transB, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
                  const float *B, int64_t ldb, float beta, float *C, int64_t ldc, nnc_gemm_epilogue_fn epilogue,
                  void *ctx, int keep);

/* Grows the calling thread's GEMM scratch (packing buffers, under 1 MiB) to
 * the most any product needs, so that no later nnc_sgemm on this thread
 * allocates. Without it, a thread's first products allocate the scratch they
 * need. Aborts when out of memory, as nnc_sgemm does. */
void nnc_sgemm_reserve(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NNC_GEMM_H */
