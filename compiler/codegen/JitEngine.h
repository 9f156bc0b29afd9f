// Private to codegen: loading an optimized module into an ORC LLJIT with the
// runtime's symbols bound; shared by graphs (Jit.cpp) and programs
// (Program.cpp).
#pragma once

#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <string>

namespace nnc::codegen::detail {

// A JIT for tm's target holding `m`; CodegenError on failure.
std::unique_ptr<llvm::orc::LLJIT> jitModule(std::unique_ptr<llvm::Module> m, std::unique_ptr<llvm::LLVMContext> ctx,
                                            llvm::TargetMachine &tm);

// The address of `symbol` in `jit`; CodegenError when it is not there.
void *jitLookup(llvm::orc::LLJIT &jit, const std::string &symbol);

} // namespace nnc::codegen::detail
