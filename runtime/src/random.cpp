// Bulk random fills over the counter-based generator of nnc/rng.h.
#include "nnc/runtime.h"

#include "nnc/rng.h"

extern "C" {

const char *nnc_runtime_version(void) { return "0.1.0"; }

void nnc_fill_uniform_f32(float *out, int64_t n, uint64_t seed, uint64_t key) {
  for (int64_t i = 0; i < n; ++i) out[i] = nnc_rng_uniform(seed, key, static_cast<uint64_t>(i));
}

void nnc_fill_normal_f32(float *out, int64_t n, uint64_t seed, uint64_t key) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(nnc_rng_normal(seed, key, static_cast<uint64_t>(i)));
}

} // extern "C"

extern "C" double nnc_rng_normal_at(uint64_t seed, uint64_t key, uint64_t index) {
  return nnc_rng_normal(seed, key, index);
}
