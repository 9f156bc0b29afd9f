// The in-process runner: the optimized module loaded by ORC's LLJIT, and the
// caller-side wrapper that owns the intermediate buffers.
#include "codegen/Jit.h"

#include "codegen/JitEngine.h"
#include "codegen/KernelEmitter.h"
#include "codegen/Fusion.h"
#include "codegen/ModuleBuilder.h"
#include "nnc/error.h"
#include "nnc/program.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/Error.h>

#include <cstring>

namespace nnc::codegen {

using namespace llvm;

namespace {

using EntryFn = void (*)(int64_t, void **);

std::string message(Error e) { return toString(std::move(e)); }

bool isBound(ir::Op op) { return op == ir::Op::Input || op == ir::Op::Param; }

class LoadedGraph : public JitGraph {
public:
  LoadedGraph(const ir::Graph &g, MemoryPlan plan, std::unique_ptr<orc::LLJIT> jit, EntryFn entry)
      : graph_(g), plan_(std::move(plan)), jit_(std::move(jit)), entry_(entry), storage_(plan_.slots.size()) {}

  void run(int64_t batch, const std::map<std::string, const void *> &inputs,
           const std::map<std::string, const void *> &params, const std::map<std::string, void *> &outputs) override {
    if (batch < 1) throw CodegenError("jit: the batch size must be positive, got " + std::to_string(batch));
    for (const auto &[name, ptr] : outputs)
      if (!findOutput(name)) throw CodegenError("jit: the graph has no output '" + name + "'");
    allocate(batch);
    std::vector<void *> buffers(graph_.size(), nullptr);
    for (size_t i = 0; i < graph_.size(); ++i) {
      const ir::Node &n = graph_.nodes()[i];
      if (!isBound(n.op)) {
        // Values interior to a fused kernel have no storage: null, so that
        // generated code touching one would crash rather than pass.
        int slot = plan_.slot[i];
        buffers[i] = slot >= 0 ? storage_[static_cast<size_t>(slot)].data() : nullptr;
        continue;
      }
      const auto &pool = n.op == ir::Op::Input ? inputs : params;
      std::string name = n.attrs.getString("name");
      auto it = pool.find(name);
      if (it == pool.end() || !it->second)
        throw CodegenError(std::string("jit: missing ") + ir::opName(n.op) + " '" + name + "'");
      buffers[i] = const_cast<void *>(it->second); // generated code only reads sources
    }
    entry_(batch, buffers.data());
    if (nnc_take_index_error()) throw CodegenError(std::string("jit: ") + nnc_last_error());
    for (const auto &[name, id] : graph_.outputs()) {
      auto it = outputs.find(name);
      if (it == outputs.end()) continue;
      const ir::TensorType &t = graph_.type(id);
      size_t bytes = static_cast<size_t>(t.shape.numel(batch)) * ir::dtypeBytes(t.dtype);
      if (bytes) std::memmove(it->second, buffers[static_cast<size_t>(id)], bytes);
    }
  }

  const ir::Graph &graph() const override { return graph_; }

private:
  const ir::NodeId *findOutput(const std::string &name) const {
    for (const auto &out : graph_.outputs())
      if (out.first == name) return &out.second;
    return nullptr;
  }

  // A buffer per slot of the memory plan, sized for `batch`; kept while the
  // batch size stays the same. Never empty, so data() is never null.
  void allocate(int64_t batch) {
    if (batch == allocatedBatch_) return;
    for (size_t s = 0; s < plan_.slots.size(); ++s) {
      const MemorySlot &slot = plan_.slots[s];
      auto bytes = static_cast<size_t>(slot.bytes * (slot.batched ? batch : 1));
      storage_[s].assign((bytes + 7) / 8 + 1, 0.0);
    }
    allocatedBatch_ = batch;
  }

  ir::Graph graph_;
  MemoryPlan plan_; // no in-place updates: params and inputs are only read
  std::unique_ptr<orc::LLJIT> jit_;
  EntryFn entry_;
  std::vector<std::vector<double>> storage_; // per slot; doubles: 8-byte aligned for every dtype
  int64_t allocatedBatch_ = 0;
};

// Binds the runtime functions generated code calls, by address, and lets
// everything else (libm) resolve from the process.
void addRuntimeSymbols(orc::LLJIT &jit) {
  orc::JITDylib &jd = jit.getMainJITDylib();
  auto search = orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(jit.getDataLayout().getGlobalPrefix());
  if (!search) throw CodegenError("jit: " + message(search.takeError()));
  jd.addGenerator(std::move(*search));
  orc::SymbolMap symbols;
  for (const detail::RuntimeSymbol &s : detail::runtimeSymbols())
    symbols[jit.mangleAndIntern(s.name)] = {orc::ExecutorAddr::fromPtr(s.address),
                                            JITSymbolFlags::Exported | JITSymbolFlags::Callable};
  if (Error e = jd.define(orc::absoluteSymbols(std::move(symbols)))) throw CodegenError("jit: " + message(std::move(e)));
}


} // namespace

namespace detail {

std::unique_ptr<orc::LLJIT> jitModule(std::unique_ptr<Module> m, std::unique_ptr<LLVMContext> ctx, TargetMachine &tm) {
  orc::JITTargetMachineBuilder jtmb(tm.getTargetTriple());
  jtmb.setCPU(tm.getTargetCPU().str());
  jtmb.addFeatures(std::vector<std::string>{tm.getTargetFeatureString().str()});
  jtmb.setCodeGenOptLevel(tm.getOptLevel());
  auto jit = orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(jtmb)).create();
  if (!jit) throw CodegenError("jit: " + message(jit.takeError()));
  addRuntimeSymbols(**jit);
  if (Error e = (*jit)->addIRModule(orc::ThreadSafeModule(std::move(m), std::move(ctx))))
    throw CodegenError("jit: " + message(std::move(e)));
  return std::move(*jit);
}

void *jitLookup(orc::LLJIT &jit, const std::string &symbol) {
  auto sym = jit.lookup(symbol);
  if (!sym) throw CodegenError("jit: " + message(sym.takeError()));
  return sym->toPtr<void *>();
}

} // namespace detail

std::unique_ptr<JitGraph> jitCompile(const ir::Graph &g, const std::vector<Kernel> &kernels,
                                     const CodegenOptions &opts) {
  auto tm = detail::createTargetMachine(opts, true);
  auto ctx = std::make_unique<LLVMContext>();
  MemoryPlan plan = planMemory(g, kernels);
  auto m = detail::buildModule(*ctx, g, kernels, plan, *tm);
  detail::optimize(*m, *tm, opts.optLevel);
  auto jit = detail::jitModule(std::move(m), std::move(ctx), *tm);
  auto entry = reinterpret_cast<EntryFn>(detail::jitLookup(*jit, entryName(g)));
  return std::make_unique<LoadedGraph>(g, std::move(plan), std::move(jit), entry);
}

std::unique_ptr<JitGraph> jitCompile(const ir::Graph &g, const CodegenOptions &opts) {
  return jitCompile(g, planKernels(g), opts);
}

} // namespace nnc::codegen
