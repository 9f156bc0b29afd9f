// Running IR graphs in-process: compiles a graph with LLVM (Codegen.h) and
// loads it with ORC's LLJIT.
#pragma once

#include "codegen/Codegen.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nnc::codegen {

// A compiled graph. It owns the buffers of its intermediate results (one per
// slot of the graph's memory plan, MemoryPlan.h),
// allocated once per batch size, so one JitGraph must not run on two threads
// at once.
class JitGraph {
public:
  virtual ~JitGraph() = default;

  // Runs the graph with its batch dimension bound to `batch` (>= 1). Tensors
  // are row-major in the representation of Codegen.h, named by the `name`
  // attribute of the input/param (inputs, params) or by the output name
  // (outputs). Every input and param must be bound; outputs left out are not
  // copied. CodegenError on a missing binding, an unknown output name or a
  // bad batch size.
  virtual void run(int64_t batch, const std::map<std::string, const void *> &inputs,
                   const std::map<std::string, const void *> &params,
                   const std::map<std::string, void *> &outputs) = 0;

  virtual const ir::Graph &graph() const = 0;
};

// Compiles `g` (the kernels of planKernels, Fusion.h, unless given) and
// loads it; CodegenError on an op that codegen does not support.
std::unique_ptr<JitGraph> jitCompile(const ir::Graph &g, const CodegenOptions &opts = {});
std::unique_ptr<JitGraph> jitCompile(const ir::Graph &g, const std::vector<Kernel> &kernels,
                                     const CodegenOptions &opts = {});

} // namespace nnc::codegen
