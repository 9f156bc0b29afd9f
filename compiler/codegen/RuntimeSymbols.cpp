// The runtime functions generated code calls, by name and address, so the JIT
// binds them explicitly rather than hoping the static linker kept them.
#include "codegen/KernelEmitter.h"

#include "nnc/gemm.h"
#include "nnc/rng.h"

// nnc_rng_normal is static inline in nnc/rng.h; generated code needs an
// address. A later runtime may export it (then this wrapper goes away).
extern "C" double nnc_codegen_rng_normal(uint64_t seed, uint64_t key, uint64_t index) {
  return nnc_rng_normal(seed, key, index);
}

namespace nnc::codegen::detail {

std::vector<RuntimeSymbol> runtimeSymbols() {
  return {
      {"nnc_sgemm", reinterpret_cast<void *>(&nnc_sgemm)},
      {"nnc_codegen_rng_normal", reinterpret_cast<void *>(&nnc_codegen_rng_normal)},
  };
}

} // namespace nnc::codegen::detail
