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
#include <llvm/Transforms/IPO/MergeFunctions.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/Triple.h>
#include <llvm/TargetParser/SubtargetFeature.h>

#include <cctype>
#include <mutex>
#include <algorithm>
#include <map>
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

std::unique_ptr<TargetMachine> createTargetMachine(const CodegenOptions &opts, bool forJit) {
  initializeLLVM();
  std::string hostTriple = sys::getProcessTriple();
  std::string triple = opts.triple.empty() ? hostTriple : Triple::normalize(opts.triple);
  if (triple != hostTriple) {
    // Other architectures are registered only when asked for.
    static std::once_flag all;
    std::call_once(all, [] {
      InitializeAllTargetInfos();
      InitializeAllTargets();
      InitializeAllTargetMCs();
      InitializeAllAsmPrinters();
    });
  }
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target) throw CodegenError("codegen: no LLVM target for '" + triple + "': " + error);
  std::string cpu = opts.cpu, features;
  bool host = cpu.empty() || cpu == "host";
  if (host && triple != hostTriple) cpu = "generic"; // the host's features mean nothing elsewhere
  else if (host) {
    cpu = sys::getHostCPUName().str();
    SubtargetFeatures f;
    for (const auto &feature : sys::getHostCPUFeatures())
      f.AddFeature(feature.getKey(), feature.getValue());
    features = f.getString();
  }
  const MCSubtargetInfo *info = target->createMCSubtargetInfo(triple, "", "");
  bool known = !info || info->isCPUStringValid(cpu);
  delete info;
  if (!known) throw CodegenError("codegen: unknown CPU '" + cpu + "' for " + triple + " (try x86-64-v2, x86-64-v3, znver4)");
  // A 32-bit x86 CPU (i386, pentium4) is a valid name that cannot run 64-bit
  // code: LLVM would abort the process when it builds the subtarget.
  if (Triple(triple).getArch() == Triple::x86_64) {
    std::unique_ptr<MCSubtargetInfo> chosen(target->createMCSubtargetInfo(triple, cpu, features));
    if (chosen && !chosen->checkFeatures("+64bit"))
      throw CodegenError("codegen: CPU '" + cpu + "' cannot run 64-bit code, which " + triple +
                         " needs (try x86-64, x86-64-v2, x86-64-v3)");
  }
  auto level = opts.optLevel <= 0 ? CodeGenOptLevel::None
               : opts.optLevel == 1 ? CodeGenOptLevel::Less
               : opts.optLevel == 2 ? CodeGenOptLevel::Default
                                    : CodeGenOptLevel::Aggressive;
  TargetOptions to;
  std::unique_ptr<TargetMachine> tm(
      target->createTargetMachine(triple, cpu, features, to, Reloc::PIC_, std::nullopt, level, forJit));
  if (!tm) throw CodegenError("codegen: cannot create a target machine for cpu '" + cpu + "'");
  return tm;
}

namespace {

// A kernel's pointer arguments: one per distinct storage among the buffers
// it touches (Kernel.h's kernelBuffers), so that marking every pointer
// noalias is true even where the memory plan stores a value over its operand
// in place. Each lists its nodes, ascending.
std::vector<std::vector<ir::NodeId>> kernelArguments(const ir::Graph &g, const Kernel &k, const MemoryPlan &plan) {
  std::map<int64_t, std::vector<ir::NodeId>> byStorage;
  for (ir::NodeId id : kernelBuffers(g, k)) byStorage[plan.storageKey(id)].push_back(id);
  std::vector<std::vector<ir::NodeId>> args;
  for (auto &[key, nodes] : byStorage) args.push_back(std::move(nodes));
  std::sort(args.begin(), args.end());
  return args;
}

// Every operand is computed before it is read: by an earlier node of the
// same kernel, or stored by an earlier kernel; every output is stored.
void checkKernels(const ir::Graph &g, const std::vector<Kernel> &kernels) {
  auto bound = [&](ir::NodeId id) { return g.node(id).op == ir::Op::Input || g.node(id).op == ir::Op::Param; };
  std::vector<bool> stored(g.size(), false);
  for (const Kernel &k : kernels) {
    std::set<ir::NodeId> here;
    for (ir::NodeId id : k.nodes) {
      if (id < 0 || static_cast<size_t>(id) >= g.size()) throw CodegenError("codegen: kernel names no node " + std::to_string(id));
      for (ir::NodeId in : g.node(id).inputs)
        if (!here.count(in) && !stored[static_cast<size_t>(in)] && !bound(in))
          throw CodegenError("codegen: kernels compute node " + std::to_string(id) + " before its operand " +
                             std::to_string(in) + " is stored");
      here.insert(id);
    }
    for (ir::NodeId id : k.interior)
      if (!here.count(id)) throw CodegenError("codegen: interior node " + std::to_string(id) + " is not in its kernel");
    for (ir::NodeId id : k.nodes)
      if (!k.isInterior(id)) stored[static_cast<size_t>(id)] = true;
  }
  for (const auto &[name, id] : g.outputs())
    if (!stored[static_cast<size_t>(id)] && !bound(id)) throw CodegenError("codegen: no kernel stores output '" + name + "'");
}

void setTargetAttrs(Function *f, TargetMachine &tm) {
  f->addFnAttr("target-cpu", tm.getTargetCPU());
  f->addFnAttr("target-features", tm.getTargetFeatureString());
  f->addFnAttr(Attribute::NoUnwind);
}

Function *emitKernel(Module &m, const ir::Graph &g, const Kernel &k, const std::string &prefix, size_t index,
                     TargetMachine &tm, const std::vector<std::vector<ir::NodeId>> &buffers) {
  LLVMContext &ctx = m.getContext();
  std::vector<Type *> params{Type::getInt64Ty(ctx)};
  params.insert(params.end(), buffers.size(), PointerType::getUnqual(ctx));
  auto *fnTy = FunctionType::get(Type::getVoidTy(ctx), params, false);
  std::string name = prefix + "kernel" + std::to_string(index) + "_" + (k.fused ? "fused_" : "") +
                     ir::opName(g.node(k.nodes.back()).op);
  Function *f = Function::Create(fnTy, GlobalValue::InternalLinkage, name, m);
  setTargetAttrs(f, tm);
  // Each kernel is called once, so LLVM would inline them all into the entry
  // point: one function with thousands of loop nests (an unrolled LSTM),
  // which its function passes optimize in superlinear time (100 s at window
  // 50). Kernels stay functions; fusion decides what shares a loop.
  f->addFnAttr(Attribute::NoInline);
  std::map<ir::NodeId, Value *> bufs;
  for (size_t i = 0; i < buffers.size(); ++i) {
    Argument *arg = f->getArg(static_cast<unsigned>(i + 1));
    arg->addAttr(Attribute::NoAlias);
    arg->setName("n" + std::to_string(buffers[i].front()));
    for (ir::NodeId id : buffers[i]) bufs[id] = arg;
  }
  IRBuilder<> b(BasicBlock::Create(ctx, "entry", f));
  KernelEmitter e(b, g, f->getArg(0), std::move(bufs));
  if (k.fused)
    e.fused(k);
  else
    for (ir::NodeId id : k.nodes)
      e.emitNode(id);
  b.CreateRetVoid();
  return f;
}

} // namespace

std::unique_ptr<Module> createModule(LLVMContext &ctx, const std::string &name, TargetMachine &tm) {
  auto m = std::make_unique<Module>(name, ctx);
  m->setDataLayout(tm.createDataLayout());
  m->setTargetTriple(tm.getTargetTriple().str());
  return m;
}

Function *addGraph(Module &m, const ir::Graph &g, const std::vector<Kernel> &kernels, const MemoryPlan &plan,
                   TargetMachine &tm, const std::string &entryName) {
  checkKernels(g, kernels);
  LLVMContext &ctx = m.getContext();
  Type *i64 = Type::getInt64Ty(ctx), *ptr = PointerType::getUnqual(ctx);
  auto *entryTy = FunctionType::get(Type::getVoidTy(ctx), {i64, ptr}, false);
  Function *entry = Function::Create(entryTy, GlobalValue::ExternalLinkage, entryName, m);
  setTargetAttrs(entry, tm);
  entry->getArg(0)->setName("batch");
  entry->getArg(1)->setName("buffers");
  IRBuilder<> b(BasicBlock::Create(ctx, "entry", entry));
  // Kernel names start with the entry's, so graphs can share a module.
  std::string prefix = entryName.substr(0, entryName.size() - (entryName.ends_with("_run") ? 3 : 0));
  if (!prefix.ends_with("_")) prefix += "_";
  for (size_t i = 0; i < kernels.size(); ++i) {
    std::vector<std::vector<ir::NodeId>> buffers = kernelArguments(g, kernels[i], plan);
    Function *kernel = emitKernel(m, g, kernels[i], prefix, i, tm, buffers);
    std::vector<Value *> args{entry->getArg(0)};
    for (const std::vector<ir::NodeId> &nodes : buffers) {
      // The caller gives every node of one storage the same pointer.
      ir::NodeId id = nodes.front();
      Value *slot = b.CreateInBoundsGEP(ptr, entry->getArg(1), b.getInt64(static_cast<uint64_t>(id)));
      args.push_back(b.CreateLoad(ptr, slot, "n" + std::to_string(id)));
    }
    b.CreateCall(kernel, args);
  }
  b.CreateRetVoid();
  return entry;
}

void verify(Module &m) {
  std::string err;
  raw_string_ostream os(err);
  if (verifyModule(m, &os)) throw CodegenError("codegen: internal error, invalid LLVM module: " + os.str());
}

std::unique_ptr<Module> buildModule(LLVMContext &ctx, const ir::Graph &g, const std::vector<Kernel> &kernels,
                                    const MemoryPlan &plan, TargetMachine &tm) {
  auto m = createModule(ctx, g.name.empty() ? "graph" : g.name, tm);
  addGraph(*m, g, kernels, plan, tm, entryName(g));
  verify(*m);
  return m;
}

void mergeFunctions(Module &m) {
  ModuleAnalysisManager mam; // the pass asks for no analysis
  MergeFunctionsPass().run(m, mam);
}

void optimize(Module &m, TargetMachine &tm, int optLevel) {
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  // No loop unrolling pass: kernels' inner loops have constant trip counts,
  // which it unrolls fully (28 x 32 accesses for a conv bias gradient), and
  // the vectorizer's dependence analysis is quadratic in the accesses of the
  // unrolled body: 8 minutes for a small CNN. The vectorizer still
  // interleaves the loops it vectorizes.
  PipelineTuningOptions tuning;
  tuning.LoopUnrolling = false;
  PassBuilder pb(&tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  ModulePassManager mpm;
  if (optLevel <= 0)
    mpm = pb.buildO0DefaultPipeline(OptimizationLevel::O0);
  else {
    // Graphs of a program repeat kernels (evaluate runs the model's forward
    // kernels as update does, Adam the same loops for same-sized params):
    // merging identical functions first spares the pipeline and instruction
    // selection a third of the MLP's kernels.
    mpm.addPass(MergeFunctionsPass());
    mpm.addPass(pb.buildPerModuleDefaultPipeline(optLevel == 1   ? OptimizationLevel::O1
                                                 : optLevel == 2 ? OptimizationLevel::O2
                                                                 : OptimizationLevel::O3));
  }
  mpm.run(m, mam);
}

} // namespace detail
} // namespace nnc::codegen
