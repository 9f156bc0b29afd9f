/* The nnc runtime's thread pool: how kernels (GEMM, generated loops) spread
 * work over cores.
 *
 * One process-wide pool of worker threads. nnc_parallel_for splits [0, n)
 * into contiguous chunks, one per thread, and returns when all have run; the
 * calling thread runs the first chunk itself. Which chunk a thread gets is
 * the only thing that depends on the thread count, so a kernel whose
 * per-element arithmetic ignores the split gives bitwise-identical results
 * for any count.
 *
 * Calls from inside a running nnc_parallel_for body (nested calls) run the
 * whole range inline on the calling thread, as does a call made while another
 * thread is using the pool: the pool never waits on itself.
 */
#ifndef NNC_THREADS_H
#define NNC_THREADS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A body of nnc_parallel_for: processes indices [begin, end). */
typedef void (*nnc_range_fn)(void *ctx, int64_t begin, int64_t end);

/* Sets the number of threads the pool uses, the caller included. n < 1 means
 * the default: $NNC_NUM_THREADS if set, else the number of hardware threads.
 * Values above 256 are clamped. Ignored when called from inside a parallel
 * body. */
void nnc_threads_set(int n);

/* The number of threads nnc_parallel_for uses when called from this thread
 * (at least 1): the pool's size, or this thread's cap when that is smaller. */
int nnc_threads_get(void);

/* Caps the threads that nnc_parallel_for calls made from the calling thread
 * use, the caller included, at n (still at most the pool's size); n < 1
 * removes the cap. Other threads are unaffected: this is how each model
 * context (nnc/model.h) gets a thread count of its own out of the one pool.
 * A cap of 1 keeps this thread's calls off the pool altogether. Returns the
 * previous cap (0 for none), so a caller can restore it. */
int nnc_threads_limit_local(int n);

/* Runs fn(ctx, begin, end) over contiguous chunks covering [0, n) exactly
 * once, at most one chunk per thread, and returns when all are done. With one
 * thread, n == 1, or when nested, it is a plain call fn(ctx, 0, n). Does
 * nothing when n <= 0. */
void nnc_parallel_for(int64_t n, nnc_range_fn fn, void *ctx);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NNC_THREADS_H */
