// Builds the LLVM module of a graph (a function per kernel plus the entry
// point) and runs the optimization pipeline over it.
#include "codegen/ModuleBuilder.h"

#include "codegen/KernelEmitter.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/PassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/SubtargetFeature.h>

#include <cctype>
#include <mutex>
#include <set>

namespace nnc::codegen {

std::string entryName(const ir::Graph &g) {
  std::string name = g.name.empty() ? "graph" : g.name;
  for (char &c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  return name + "_run";
}

namespace detail {

using namespace llvm;

void initializeLLVM() {
  static std::once_flag once;
  std::call_once(once, [] {
    InitializeNativeTarget();
    InitializeNativeTargetAsmPrinter();
    InitializeNativeTargetAsmParser();
  });
}

std::unique_ptr<TargetMachine> createTargetMachine(const CodegenOptions &opts) {
  initializeLLVM();
  std::string triple = sys::getProcessTriple();
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target) throw CodegenError("codegen: no LLVM target for " + triple + ": " + error);
  std::string cpu = opts.cpu, features;
  if (cpu.empty() || cpu == "host") {
    cpu = sys::getHostCPUName().str();
    SubtargetFeatures f;
    for (const auto &feature : sys::getHostCPUFeatures())
      f.AddFeature(feature.getKey(), feature.getValue());
    features = f.getString();
  }
  auto level = opts.optLevel <= 0 ? CodeGenOptLevel::None
               : opts.optLevel == 1 ? CodeGenOptLevel::Less
               : opts.optLevel == 2 ? CodeGenOptLevel::Default
                                    : CodeGenOptLevel::Aggressive;
  TargetOptions to;
  std::unique_ptr<TargetMachine> tm(
      target->createTargetMachine(triple, cpu, features, to, Reloc::PIC_, std::nullopt, level, /*JIT=*/true));
  if (!tm) throw CodegenError("codegen: cannot create a target machine for cpu '" + cpu + "'");
  return tm;
}

namespace {

// The buffers a kernel touches: its nodes and their operands, each once, so
// that marking every pointer noalias is true.
std::vector<ir::NodeId> kernelBuffers(const ir::Graph &g, const Kernel &k) {
  std::set<ir::NodeId> ids;
  for (ir::NodeId id : k.nodes) {
    ids.insert(id);
    ids.insert(g.node(id).inputs.begin(), g.node(id).inputs.end());
  }
  return {ids.begin(), ids.end()};
}

void checkKernels(const ir::Graph &g, const std::vector<Kernel> &kernels) {
  std::vector<bool> computed(g.size(), false);
  for (const Kernel &k : kernels)
    for (ir::NodeId id : k.nodes) {
      if (id < 0 || static_cast<size_t>(id) >= g.size()) throw CodegenError("codegen: kernel names no node " + std::to_string(id));
      for (ir::NodeId in : g.node(id).inputs) {
        ir::Op op = g.node(in).op;
        if (!computed[static_cast<size_t>(in)] && op != ir::Op::Input && op != ir::Op::Param)
          throw CodegenError("codegen: kernels compute node " + std::to_string(id) + " before its operand " +
                             std::to_string(in));
      }
      computed[static_cast<size_t>(id)] = true;
    }
  for (const auto &[name, id] : g.outputs()) {
    ir::Op op = g.node(id).op;
    if (!computed[static_cast<size_t>(id)] && op != ir::Op::Input && op != ir::Op::Param)
      throw CodegenError("codegen: no kernel computes output '" + name + "'");
  }
}

void setTargetAttrs(Function *f, TargetMachine &tm) {
  f->addFnAttr("target-cpu", tm.getTargetCPU());
  f->addFnAttr("target-features", tm.getTargetFeatureString());
  f->addFnAttr(Attribute::NoUnwind);
}

Function *emitKernel(Module &m, const ir::Graph &g, const Kernel &k, size_t index, TargetMachine &tm,
                     const std::vector<ir::NodeId> &buffers) {
  LLVMContext &ctx = m.getContext();
  std::vector<Type *> params{Type::getInt64Ty(ctx)};
  params.insert(params.end(), buffers.size(), PointerType::getUnqual(ctx));
  auto *fnTy = FunctionType::get(Type::getVoidTy(ctx), params, false);
  std::string name = "kernel" + std::to_string(index) + "_" + ir::opName(g.node(k.nodes.front()).op);
  Function *f = Function::Create(fnTy, GlobalValue::InternalLinkage, name, m);
  setTargetAttrs(f, tm);
  std::map<ir::NodeId, Value *> bufs;
  for (size_t i = 0; i < buffers.size(); ++i) {
    Argument *arg = f->getArg(static_cast<unsigned>(i + 1));
    arg->addAttr(Attribute::NoAlias);
    arg->setName("n" + std::to_string(buffers[i]));
    bufs[buffers[i]] = arg;
  }
  IRBuilder<> b(BasicBlock::Create(ctx, "entry", f));
  KernelEmitter e(b, g, f->getArg(0), std::move(bufs));
  for (ir::NodeId id : k.nodes)
    e.emitNode(id);
  b.CreateRetVoid();
  return f;
}

} // namespace

std::unique_ptr<Module> buildModule(LLVMContext &ctx, const ir::Graph &g, const std::vector<Kernel> &kernels,
                                    TargetMachine &tm) {
  checkKernels(g, kernels);
  auto m = std::make_unique<Module>(g.name.empty() ? "graph" : g.name, ctx);
  m->setDataLayout(tm.createDataLayout());
  m->setTargetTriple(tm.getTargetTriple().str());

  Type *i64 = Type::getInt64Ty(ctx), *ptr = PointerType::getUnqual(ctx);
  auto *entryTy = FunctionType::get(Type::getVoidTy(ctx), {i64, ptr}, false);
  Function *entry = Function::Create(entryTy, GlobalValue::ExternalLinkage, entryName(g), *m);
  setTargetAttrs(entry, tm);
  entry->getArg(0)->setName("batch");
  entry->getArg(1)->setName("buffers");
  IRBuilder<> b(BasicBlock::Create(ctx, "entry", entry));
  for (size_t i = 0; i < kernels.size(); ++i) {
    std::vector<ir::NodeId> buffers = kernelBuffers(g, kernels[i]);
    Function *kernel = emitKernel(*m, g, kernels[i], i, tm, buffers);
    std::vector<Value *> args{entry->getArg(0)};
    for (ir::NodeId id : buffers) {
      Value *slot = b.CreateInBoundsGEP(ptr, entry->getArg(1), b.getInt64(static_cast<uint64_t>(id)));
      args.push_back(b.CreateLoad(ptr, slot, "n" + std::to_string(id)));
    }
    b.CreateCall(kernel, args);
  }
  b.CreateRetVoid();

  std::string err;
  raw_string_ostream os(err);
  if (verifyModule(*m, &os)) throw CodegenError("codegen: internal error, invalid LLVM module: " + os.str());
  return m;
}

void optimize(Module &m, TargetMachine &tm, int optLevel) {
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  ModulePassManager mpm;
  if (optLevel <= 0)
    mpm = pb.buildO0DefaultPipeline(OptimizationLevel::O0);
  else
    mpm = pb.buildPerModuleDefaultPipeline(optLevel == 1   ? OptimizationLevel::O1
                                           : optLevel == 2 ? OptimizationLevel::O2
                                                           : OptimizationLevel::O3);
  mpm.run(m, mam);
}

} // namespace detail
} // namespace nnc::codegen
