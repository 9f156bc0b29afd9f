// The textual emitters: a graph's optimized module as LLVM IR or assembly.
#include "codegen/Codegen.h"

#include "codegen/Fusion.h"
#include "codegen/ModuleBuilder.h"

#include <llvm/Support/raw_ostream.h>

namespace nnc::codegen {

using namespace llvm;

std::string emitLLVM(const ir::Graph &g, const std::vector<Kernel> &kernels, const CodegenOptions &opts) {
  auto tm = detail::createTargetMachine(opts, false);
  LLVMContext ctx;
  auto m = detail::buildModule(ctx, g, kernels, planMemory(g, kernels), *tm);
  detail::optimize(*m, *tm, opts.optLevel);
  std::string text;
  raw_string_ostream os(text);
  m->print(os, nullptr);
  return os.str();
}

std::string emitLLVM(const ir::Graph &g, const CodegenOptions &opts) { return emitLLVM(g, planKernels(g), opts); }

std::string emitAsm(const ir::Graph &g, const CodegenOptions &opts) {
  auto tm = detail::createTargetMachine(opts, false);
  LLVMContext ctx;
  const std::vector<Kernel> kernels = planKernels(g);
  auto m = detail::buildModule(ctx, g, kernels, planMemory(g, kernels), *tm);
  detail::optimize(*m, *tm, opts.optLevel);
  return detail::emitMachineCode(*m, *tm, CodeGenFileType::AssemblyFile);
}

} // namespace nnc::codegen
