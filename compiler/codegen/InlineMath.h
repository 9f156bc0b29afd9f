// Private to codegen: f32 exp and log written out in LLVM IR, with no call,
// so that a fused loop computing them vectorizes. Cephes' single
// precision algorithms, as xsimd's (the runtime's array versions), within a
// few ulp of libm; NaN, infinities, zeros and subnormals behave as libm's.
#pragma once

#include <llvm/IR/IRBuilder.h>

namespace nnc::codegen::detail {

// x must be a float (or a vector of floats).
llvm::Value *inlineExp(llvm::IRBuilder<> &b, llvm::Value *x);
llvm::Value *inlineLog(llvm::IRBuilder<> &b, llvm::Value *x);

} // namespace nnc::codegen::detail
