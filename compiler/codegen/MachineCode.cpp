// Machine code from a module: assembly, or object files optimized and
// generated on several threads. LLVM's function passes, instruction
// selection and register allocation take most of a build's time (an
// unrolled GRU's 2,300 kernels: about 2.4 s of 3.4), and each kernel's are
// independent of the others': kernels are never inlined (ModuleBuilder.cpp).
#include "codegen/ModuleBuilder.h"

#include <llvm/ADT/SmallString.h>
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Transforms/Utils/SplitModule.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <system_error>
#include <thread>

namespace nnc::codegen::detail {

using namespace llvm;

std::string emitMachineCode(Module &m, TargetMachine &tm, CodeGenFileType type) {
  SmallString<0> bytes;
  raw_svector_ostream os(bytes);
  legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr, type))
    throw CodegenError(std::string("codegen: the target cannot emit ") +
                       (type == CodeGenFileType::ObjectFile ? "object files" : "assembly"));
  pm.run(m);
  return std::string(bytes.str());
}

// Below this many functions a partition costs more (bitcode written and
// read, a target machine) than its thread saves: a CNN's 100 kernels
// compiled in 8 partitions took 0.76 s of CPU against 0.62 in one.
constexpr size_t kFunctionsPerPartition = 128;

std::vector<std::string> emitObjects(Module &m, const CodegenOptions &opts, unsigned partitions) {
  size_t functions = 0;
  for (const Function &f : m.functions())
    functions += !f.isDeclaration();
  partitions = static_cast<unsigned>(std::min<size_t>(partitions, functions / kFunctionsPerPartition));
  auto compile = [&opts](Module &part) {
    auto tm = createTargetMachine(opts, false);
    optimize(part, *tm, opts.optLevel);
    return emitMachineCode(part, *tm, CodeGenFileType::ObjectFile);
  };
  if (partitions <= 1) return {compile(m)};
  // Identical kernels merge across the whole module, before it is cut.
  mergeFunctions(m);
  // A context is not thread-safe: each partition travels as bitcode to a
  // context of its own. Round robin deals the kernels out in graph order,
  // so every partition gets a share of each graph's large and small ones.
  // Locals another partition uses become hidden externals, so the objects
  // link only into one executable, not into a library of several programs.
  std::vector<SmallString<0>> bitcode;
  SplitModule(
      m, partitions,
      [&](std::unique_ptr<Module> part) {
        raw_svector_ostream os(bitcode.emplace_back());
        WriteBitcodeToFile(*part, os);
      },
      false, true);

  std::vector<std::string> objects(bitcode.size());
  std::vector<std::exception_ptr> errors(bitcode.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < bitcode.size();) {
      try {
        LLVMContext ctx;
        Expected<std::unique_ptr<Module>> part =
            parseBitcodeFile(MemoryBufferRef(StringRef(bitcode[i].data(), bitcode[i].size()), "partition"), ctx);
        if (!part) throw CodegenError("codegen: internal error, a partition's bitcode: " + toString(part.takeError()));
        objects[i] = compile(**part);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, partitions);
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error &) {
      break; // no thread to be had: the ones started, and this one, do all
    }
  }
  work();
  for (std::thread &t : pool)
    t.join();
  for (const std::exception_ptr &e : errors)
    if (e) std::rethrow_exception(e);
  return objects;
}

} // namespace nnc::codegen::detail
