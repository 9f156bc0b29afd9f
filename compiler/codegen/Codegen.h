// LLVM code generation for IR graphs: the public entry points that turn a
// graph into LLVM IR or assembly (Jit.h runs it in-process).
//
// The generated module holds one external function per graph,
//
//   void <graph>_run(int64_t batch, void **buffers)
//
// where buffers[id] points at the row-major data of node `id` (inputs and
// params bound by the caller, every other node a buffer the caller allocated
// for this batch size; generated code never allocates). Nodes interior to a
// fused kernel (Kernel.h's bufferedNodes is false) have no buffer: their
// entry is never read and may be null. The caller lays the buffers out by
// the graph's memory plan (MemoryPlan.h): nodes of one slot share storage.
// Each kernel is an internal function taking `batch` and one noalias pointer
// per storage it touches; loops over static dims have constant bounds, the
// batch dim is `batch`.
//
// Element representation: f32 float, f64 double, i32 int32_t, bool one byte
// holding 0 or 1. Semantics are the interpreter's (ir/Interpreter.h) with
// these exceptions, since generated code cannot throw: an i32 division by
// zero gives 0, gather / one_hot indices out of range give zeros, and
// scatter_add indices out of range add nothing. And since f32 convolutions
// are GEMMs over zero-padded patches, an Inf or NaN in the filter of conv2d
// (in dy of conv2d_grad_filter) gives NaN in windows that touch the padding,
// which the interpreter skips (nnc/conv.h).
//
// Every op is supported. conv2d, the pools and their adjoints are calls into
// the runtime (nnc/conv.h), matmul on f32 a call to nnc_sgemm; the rest are
// loops emitted inline.
#pragma once

#include "codegen/Kernel.h"
#include "ir/Graph.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace nnc::codegen {

struct CodegenError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct CodegenOptions {
  std::string cpu;    // an LLVM CPU name; empty means the host CPU and its features
  std::string triple; // an LLVM target triple; empty means the host's
  int optLevel = 3; // 0..3, LLVM's default pipelines
};

// The name of the generated entry point: "<graph name>_run", with characters
// other than [A-Za-z0-9_] replaced by '_' ("graph_run" for an unnamed graph).
std::string entryName(const ir::Graph &g);

// The optimized module as textual LLVM IR (`nnc emit --llvm`).
std::string emitLLVM(const ir::Graph &g, const CodegenOptions &opts = {});
std::string emitLLVM(const ir::Graph &g, const std::vector<Kernel> &kernels, const CodegenOptions &opts = {});

// The module compiled to assembly for the target CPU.
std::string emitAsm(const ir::Graph &g, const CodegenOptions &opts = {});

} // namespace nnc::codegen
