// Whole programs in one module: the graphs, the manifest and the descriptor
// of nnc/program.h, and optionally a `main` that hands them to a driver.
#include "codegen/Program.h"

#include "codegen/JitEngine.h"
#include "codegen/Fusion.h"
#include "codegen/ModuleBuilder.h"

#include "nnc/program.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/Support/raw_ostream.h>

namespace nnc::codegen {

using namespace llvm;

std::string programGraphSymbol(size_t index) { return "nnc_graph_" + std::to_string(index); }

namespace {

GlobalVariable *privateConstant(Module &m, Constant *init, const std::string &name) {
  auto *g = new GlobalVariable(m, init->getType(), true, GlobalValue::PrivateLinkage, init, name);
  g->setAlignment(Align(64)); // weights are read by vector loads
  return g;
}

// A private constant array of pointers.
Constant *pointerTable(Module &m, const std::vector<Constant *> &items, const std::string &name) {
  auto *ty = ArrayType::get(PointerType::getUnqual(m.getContext()), items.size());
  return privateConstant(m, ConstantArray::get(ty, items), name);
}

GlobalVariable *addDescriptor(Module &m, const std::vector<Function *> &graphs, const ProgramSpec &spec) {
  LLVMContext &ctx = m.getContext();
  Type *i32 = Type::getInt32Ty(ctx), *ptr = PointerType::getUnqual(ctx);
  Constant *text = privateConstant(m, ConstantDataArray::getString(ctx, spec.manifest, true), "nnc_manifest");
  Constant *table = pointerTable(m, std::vector<Constant *>(graphs.begin(), graphs.end()), "nnc_graphs");
  std::vector<Constant *> names, data;
  for (size_t i = 0; i < spec.weights.size(); ++i) {
    const EmbeddedWeight &w = spec.weights[i];
    names.push_back(privateConstant(m, ConstantDataArray::getString(ctx, w.name, true), "nnc_weight_name"));
    data.push_back(privateConstant(m, ConstantDataArray::get(ctx, ArrayRef<float>(w.values)), "nnc_weight"));
  }
  Constant *nullPtr = ConstantPointerNull::get(PointerType::getUnqual(ctx));
  Constant *nameTable = names.empty() ? nullPtr : pointerTable(m, names, "nnc_weight_names");
  Constant *dataTable = data.empty() ? nullPtr : pointerTable(m, data, "nnc_weight_data");
  // Mirrors struct nnc_program: {u32 abi_version, u32 num_graphs, ptr manifest, ptr graphs,
  // u32 num_weights, ptr weight_names, ptr weight_data}.
  auto *descTy = StructType::get(ctx, {i32, i32, ptr, ptr, i32, ptr, ptr});
  Constant *desc = ConstantStruct::get(
      descTy, {ConstantInt::get(i32, NNC_PROGRAM_ABI), ConstantInt::get(i32, graphs.size()), text, table,
               ConstantInt::get(i32, spec.weights.size()), nameTable, dataTable});
  return new GlobalVariable(m, descTy, true, GlobalValue::ExternalLinkage, desc, spec.descriptorSymbol);
}

// int main(int argc, char **argv) { return driver(&desc, argc, argv); }
void addMain(Module &m, GlobalVariable *desc, const std::string &driver) {
  LLVMContext &ctx = m.getContext();
  Type *i32 = Type::getInt32Ty(ctx), *ptr = PointerType::getUnqual(ctx);
  FunctionCallee callee = m.getOrInsertFunction(driver, FunctionType::get(i32, {ptr, i32, ptr}, false));
  Function *main = Function::Create(FunctionType::get(i32, {i32, ptr}, false), GlobalValue::ExternalLinkage, "main", m);
  IRBuilder<> b(BasicBlock::Create(ctx, "entry", main));
  b.CreateRet(b.CreateCall(callee, {desc, main->getArg(0), main->getArg(1)}));
}

std::unique_ptr<Module> buildProgram(LLVMContext &ctx, const ProgramSpec &spec, TargetMachine &tm) {
  auto m = detail::createModule(ctx, spec.name.empty() ? "program" : spec.name, tm);
  std::vector<Function *> graphs;
  for (size_t i = 0; i < spec.graphs.size(); ++i) {
    const ProgramGraph &pg = spec.graphs[i];
    const std::vector<Kernel> kernels = pg.kernels.empty() ? planKernels(*pg.graph) : pg.kernels;
    const MemoryPlan plan = pg.memory ? *pg.memory : planMemory(*pg.graph, kernels);
    Function *f = detail::addGraph(*m, *pg.graph, kernels, plan, tm, programGraphSymbol(i));
    f->setLinkage(GlobalValue::InternalLinkage); // reached through the descriptor only
    graphs.push_back(f);
  }
  GlobalVariable *desc = addDescriptor(*m, graphs, spec);
  if (!spec.mainCalls.empty()) addMain(*m, desc, spec.mainCalls);
  detail::verify(*m);
  return m;
}

class LoadedProgram : public JitProgram {
public:
  LoadedProgram(std::unique_ptr<orc::LLJIT> jit, const void *desc) : jit_(std::move(jit)), desc_(desc) {}
  const void *descriptor() const override { return desc_; }

private:
  std::unique_ptr<orc::LLJIT> jit_;
  const void *desc_;
};

} // namespace

std::string emitProgramObject(const ProgramSpec &spec, const CodegenOptions &opts) {
  return emitProgramObjects(spec, opts, 1).front();
}

std::vector<std::string> emitProgramObjects(const ProgramSpec &spec, const CodegenOptions &opts, unsigned partitions) {
  auto tm = detail::createTargetMachine(opts, false);
  LLVMContext ctx;
  auto m = buildProgram(ctx, spec, *tm);
  return detail::emitObjects(*m, opts, partitions);
}

std::string emitProgramLLVM(const ProgramSpec &spec, const CodegenOptions &opts) {
  auto tm = detail::createTargetMachine(opts, false);
  LLVMContext ctx;
  auto m = buildProgram(ctx, spec, *tm);
  detail::optimize(*m, *tm, opts.optLevel);
  std::string text;
  raw_string_ostream os(text);
  m->print(os, nullptr);
  return os.str();
}

std::unique_ptr<JitProgram> jitProgram(const ProgramSpec &spec, const CodegenOptions &opts) {
  if (!spec.mainCalls.empty()) throw CodegenError("jit: a program loaded in-process has no main");
  auto tm = detail::createTargetMachine(opts, true);
  auto ctx = std::make_unique<LLVMContext>();
  auto m = buildProgram(*ctx, spec, *tm);
  detail::optimize(*m, *tm, opts.optLevel);
  auto jit = detail::jitModule(std::move(m), std::move(ctx), *tm);
  const void *desc = detail::jitLookup(*jit, spec.descriptorSymbol);
  return std::make_unique<LoadedProgram>(std::move(jit), desc);
}

} // namespace nnc::codegen
