/* The nnc runtime's C ABI: what generated code calls. Usable from C and C++;
 * it depends on nothing in the compiler. Kernels (GEMM, convolution, data
 * readers, checkpoints) join it with code generation. */
#ifndef NNC_RUNTIME_H
#define NNC_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The runtime's version, "MAJOR.MINOR.PATCH"; a static string. */
const char *nnc_runtime_version(void);

/* Fills out[0..n) with the random values the IR's random_uniform and
 * random_normal ops define: element i depends only on (seed, key, i), so a
 * compiled program, the reference interpreter and any thread count agree. */
void nnc_fill_uniform_f32(float *out, int64_t n, uint64_t seed, uint64_t key);
void nnc_fill_normal_f32(float *out, int64_t n, uint64_t seed, uint64_t key);

#ifdef __cplusplus
}
#endif

#endif
