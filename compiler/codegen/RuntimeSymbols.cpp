// The runtime functions generated code calls, by name and address, so the JIT
// binds them explicitly rather than hoping the static linker kept them.
#include "codegen/KernelEmitter.h"

#include "nnc/conv.h"
#include "nnc/gemm.h"
#include "nnc/program.h"
#include "nnc/rng.h"
#include "nnc/threads.h"
#include "nnc/vmath.h"

namespace nnc::codegen::detail {

std::vector<RuntimeSymbol> runtimeSymbols() {
  return {
      {"nnc_sgemm", reinterpret_cast<void *>(&nnc_sgemm)},
      {"nnc_sgemm_ex", reinterpret_cast<void *>(&nnc_sgemm_ex)},
      {"nnc_rng_normal_at", reinterpret_cast<void *>(&nnc_rng_normal_at)},
      {"nnc_parallel_for", reinterpret_cast<void *>(&nnc_parallel_for)},
#define NNC_SYMBOL(name) {#name, reinterpret_cast<void *>(&name)}
      NNC_SYMBOL(nnc_index_error),
      NNC_SYMBOL(nnc_vexp_f32),
      NNC_SYMBOL(nnc_vlog_f32),
      NNC_SYMBOL(nnc_vtanh_f32),
      NNC_SYMBOL(nnc_conv2d_f32),
      NNC_SYMBOL(nnc_conv2d_f64),
      NNC_SYMBOL(nnc_conv2d_grad_input_f32),
      NNC_SYMBOL(nnc_conv2d_grad_input_f64),
      NNC_SYMBOL(nnc_conv2d_grad_filter_f32),
      NNC_SYMBOL(nnc_conv2d_grad_filter_f64),
      NNC_SYMBOL(nnc_max_pool2d_f32),
      NNC_SYMBOL(nnc_max_pool2d_f64),
      NNC_SYMBOL(nnc_avg_pool2d_f32),
      NNC_SYMBOL(nnc_avg_pool2d_f64),
      NNC_SYMBOL(nnc_max_pool2d_grad_f32),
      NNC_SYMBOL(nnc_max_pool2d_grad_f64),
      NNC_SYMBOL(nnc_avg_pool2d_grad_f32),
      NNC_SYMBOL(nnc_avg_pool2d_grad_f64),
#undef NNC_SYMBOL
  };
}

} // namespace nnc::codegen::detail
