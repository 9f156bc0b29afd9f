// The textual emitters: a graph's optimized module as LLVM IR or assembly.
#include "codegen/Codegen.h"

#include "codegen/Fusion.h"
#include "codegen/ModuleBuilder.h"

#include <llvm/ADT/SmallString.h>
#include <llvm/IR/LegacyPassManager.h>
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
  SmallString<0> text;
  raw_svector_ostream os(text);
  legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr, CodeGenFileType::AssemblyFile))
    throw CodegenError("codegen: the target cannot emit assembly");
  pm.run(*m);
  return std::string(text.str());
}

} // namespace nnc::codegen
