/* The counter-based random number generator shared by the IR interpreter,
 * the runtime and generated code.
 *
 * A value depends only on (seed, key, index): `seed` is the op's attribute,
 * `key` the value of its optional i32[] key operand (0 when absent; the
 * training loop passes e.g. the step number so each step draws fresh noise),
 * and `index` the element's row-major flat index in the result. There is no
 * hidden state, so results are bit-identical whatever order or thread computes
 * an element: the interpreter, compiled code and any thread count agree.
 *
 * The mixer is splitmix64 (Steele, Lea, Flood 2014): (seed, key) select a
 * stream, and element i of the stream is mix64(stream + (i + 1) * golden),
 * which is exactly splitmix64's i-th output from that state.
 *
 * Header-only and C-compatible (C99 and C++), so the runtime can compile it to
 * bitcode for LLVM to inline.
 */
#ifndef NNC_RNG_H
#define NNC_RNG_H

#include <math.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NNC_RNG_GOLDEN 0x9E3779B97F4A7C15ull
/* Separates random_normal's stream from random_uniform's for the same seed,
 * so a model using both does not get correlated values. */
#define NNC_RNG_NORMAL_TAG 0x6A09E667F3BCC909ull

/* The splitmix64 finalizer: a bijection on 64 bits with full avalanche. */
static inline uint64_t nnc_rng_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* The stream state for (seed, key). Hoist it out of a loop over indices. */
static inline uint64_t nnc_rng_stream(uint64_t seed, uint64_t key) {
  return nnc_rng_mix64(nnc_rng_mix64(seed + NNC_RNG_GOLDEN) ^ key);
}

/* 64 random bits: element `index` of the stream. */
static inline uint64_t nnc_rng_at(uint64_t stream, uint64_t index) {
  return nnc_rng_mix64(stream + (index + 1) * NNC_RNG_GOLDEN);
}

static inline uint64_t nnc_rng_u64(uint64_t seed, uint64_t key, uint64_t index) {
  return nnc_rng_at(nnc_rng_stream(seed, key), index);
}

/* Uniform in [0, 1) with 24 random bits: every value is exactly a float, so
 * f32 and f64 consumers see the same number. */
static inline float nnc_rng_uniform(uint64_t seed, uint64_t key, uint64_t index) {
  return (float)(nnc_rng_u64(seed, key, index) >> 40) * (1.0f / 16777216.0f);
}

/* Standard normal N(0, 1) by Box-Muller from two independent 53-bit uniforms
 * (elements 2*index and 2*index+1 of a stream of its own). Returned as a
 * double; an f32 consumer rounds it to float. u1 lies in (0, 1], so log(u1)
 * is finite. The value depends on libm's log, sqrt and cos, which the
 * interpreter and compiled code share within one process. */
static inline double nnc_rng_normal(uint64_t seed, uint64_t key, uint64_t index) {
  uint64_t stream = nnc_rng_stream(seed ^ NNC_RNG_NORMAL_TAG, key);
  const double scale = 1.0 / 9007199254740992.0; /* 2^-53 */
  double u1 = (double)((nnc_rng_at(stream, 2 * index) >> 11) + 1) * scale;
  double u2 = (double)(nnc_rng_at(stream, 2 * index + 1) >> 11) * scale;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* nnc_rng_normal with an address: the function generated code calls. */
double nnc_rng_normal_at(uint64_t seed, uint64_t key, uint64_t index);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NNC_RNG_H */
