// Private to codegen: building, optimizing and targeting the LLVM module of
// a graph; shared by the textual emitters (Codegen.cpp) and the JIT (Jit.cpp).
#pragma once

#include "codegen/Codegen.h"
#include "codegen/MemoryPlan.h"

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

#include <memory>

namespace nnc::codegen::detail {

// Registers the native target with LLVM, once per process.
void initializeLLVM();

// The target machine for opts.triple and opts.cpu (the host's when empty),
// configured for in-process code (forJit) or for object files.
std::unique_ptr<llvm::TargetMachine> createTargetMachine(const CodegenOptions &opts, bool forJit);

// An empty module with tm's data layout and triple.
std::unique_ptr<llvm::Module> createModule(llvm::LLVMContext &ctx, const std::string &name, llvm::TargetMachine &tm);

// Adds graph `g` to `m`: one internal function per kernel and the external
// entry point `entryName(batch, buffers)` calling them in order. The caller
// lays buffers out by `plan` (planMemory of g and kernels): nodes of one
// storage reach a kernel as one pointer. CodegenError for unsupported ops or
// kernels that do not cover the graph.
llvm::Function *addGraph(llvm::Module &m, const ir::Graph &g, const std::vector<Kernel> &kernels,
                         const MemoryPlan &plan, llvm::TargetMachine &tm, const std::string &entryName);

// `m` as one relocatable object file (bytes) or assembly for tm's target.
std::string emitMachineCode(llvm::Module &m, llvm::TargetMachine &tm, llvm::CodeGenFileType type);

// `m`, not yet optimized, as up to `partitions` object files for opts'
// target, optimized (optimize) and compiled on up to as many threads: fewer
// for a module of few functions, one when partitions <= 1. The partitions
// reach each other's internal functions and constants as hidden external
// symbols: link them into one executable together. How `m` is cut depends
// on `m` and `partitions` alone, never on the machine's cores.
std::vector<std::string> emitObjects(llvm::Module &m, const CodegenOptions &opts, unsigned partitions);

// Runs LLVM's verifier; CodegenError (an internal error) if `m` is invalid.
void verify(llvm::Module &m);

// The module for `g`: one internal function per kernel and the entry point
// entryName(g), with tm's data layout, triple, CPU and features. Verified;
// CodegenError for unsupported ops or kernels that do not cover the graph.
std::unique_ptr<llvm::Module> buildModule(llvm::LLVMContext &ctx, const ir::Graph &g,
                                          const std::vector<Kernel> &kernels, const MemoryPlan &plan,
                                          llvm::TargetMachine &tm);

// Merges `m`'s identical functions (a trainer's evaluate graph repeats its
// update's forward kernels), as optimize does first.
void mergeFunctions(llvm::Module &m);

// Runs LLVM's default pipeline for optLevel (0..3) over `m`.
void optimize(llvm::Module &m, llvm::TargetMachine &tm, int optLevel);

} // namespace nnc::codegen::detail
