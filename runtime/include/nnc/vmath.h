/* Vectorized transcendental functions over arrays of floats (xsimd), which
 * generated code calls for a kernel that is one exp, log or tanh: a loop
 * calling libm's scalar expf per element cannot be vectorized by LLVM.
 *
 * y[i] = f(x[i]) for i in [0, n); x and y may be the same array. Accuracy is
 * within a few ulp of the correctly rounded result; NaN gives NaN, and the
 * limits are libm's (exp overflows to inf, log(0) = -inf, log(x < 0) = NaN,
 * tanh(+-inf) = +-1). Long arrays are split over the thread pool
 * (nnc/threads.h), each element computed the same way at any thread count. */
#ifndef NNC_VMATH_H
#define NNC_VMATH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void nnc_vexp_f32(const float *x, float *y, int64_t n);
void nnc_vlog_f32(const float *x, float *y, int64_t n);
void nnc_vtanh_f32(const float *x, float *y, int64_t n);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NNC_VMATH_H */
