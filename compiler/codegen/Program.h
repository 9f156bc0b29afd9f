// Whole programs: several graphs compiled into one module together with the
// descriptor the runtime's drivers read (runtime/include/nnc/program.h).
//
// The module defines, for graph i of the spec, the internal function
// `nnc_graph_<i>(batch, buffers)`; the external constant spec.descriptorSymbol
// (an nnc_program: ABI version, graph count, manifest text, graph table,
// embedded weights); and,
// when spec.mainCalls names a driver such as "nnc_train_main", an
// `int main(int argc, char **argv)` that returns driver(&nnc_program_desc,
// argc, argv). The object file is linked against the runtime by the driver
// (compiler/driver/Linker.h); the JIT resolves the runtime from the process.
#pragma once

#include "codegen/Codegen.h"
#include "codegen/MemoryPlan.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nnc::codegen {

struct ProgramGraph {
  const ir::Graph *graph = nullptr;
  std::vector<Kernel> kernels; // empty: planKernels(*graph) (Fusion.h)
  // The layout the manifest gives the runtime; absent: planMemory(*graph,
  // kernels) (MemoryPlan.h), which is also what it must then say.
  std::optional<MemoryPlan> memory;
};

// A parameter's values compiled into the program (AOT libraries embed their
// weights), row-major f32.
struct EmbeddedWeight {
  std::string name;
  std::vector<float> values;
};

struct ProgramSpec {
  std::string name; // the module's name
  std::vector<ProgramGraph> graphs;
  std::string manifest;
  std::string mainCalls; // empty: no main
  std::vector<EmbeddedWeight> weights;
  // The descriptor's symbol; libraries name it after themselves so that
  // several can be linked into one program.
  std::string descriptorSymbol = "nnc_program_desc";
};

// The symbol of graph i: "nnc_graph_<i>".
std::string programGraphSymbol(size_t index);

// The program as a relocatable object file for opts' target (bytes).
std::string emitProgramObject(const ProgramSpec &spec, const CodegenOptions &opts = {});

// The program as up to `partitions` object files (fewer for few kernels)
// whose machine code is generated on several threads (a recurrent model's
// thousands of kernels), for one
// executable: they share the kernels as hidden external symbols, which two
// programs in one link would both define, so a library takes the one object
// of emitProgramObject. The same objects whatever the machine's core count.
std::vector<std::string> emitProgramObjects(const ProgramSpec &spec, const CodegenOptions &opts, unsigned partitions);

// The program's optimized module as textual LLVM IR.
std::string emitProgramLLVM(const ProgramSpec &spec, const CodegenOptions &opts = {});

// A program loaded in this process by the JIT.
class JitProgram {
public:
  virtual ~JitProgram() = default;
  // The nnc_program descriptor (see nnc/program.h), valid while this lives.
  virtual const void *descriptor() const = 0;
};

std::unique_ptr<JitProgram> jitProgram(const ProgramSpec &spec, const CodegenOptions &opts = {});

} // namespace nnc::codegen
