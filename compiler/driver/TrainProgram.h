// A train block as a whole program for the runtime's trainer: its graphs
// (data, model inits, optimizer-state inits, each step's update and
// evaluation), cleaned up, and the manifest that describes them
// (runtime/include/nnc/program.h). `nnc build` compiles it to an executable,
// `nnc run` loads it with the JIT.
#pragma once

#include "codegen/Program.h"
#include "frontend/Elaborator.h"

#include <string>
#include <vector>

namespace nnc::driver {

struct TrainProgram {
  std::vector<ir::Graph> graphs; // graph i of the manifest
  std::vector<std::vector<codegen::Kernel>> kernels; // graph i's, as the manifest's buffers assume
  std::vector<codegen::MemoryPlan> plans;             // graph i's, as the manifest gives them
  std::string manifest;

  // The spec for codegen (pointing into `graphs`: keep this alive).
  codegen::ProgramSpec spec(const std::string &mainCalls) const;
};

// Assembles train block `t` of `prog`.
TrainProgram assembleTrainProgram(const ElaboratedProgram &prog, const TrainInfo &t);

// The data graph output holding the value statistic `st` is computed over:
// its input's name without the kind, "data/x" for "data/x/mean".
std::string statisticOutput(const DataStatistic &st);

// Whether every output row of data graph `g` depends only on the same input
// row, so the graph may run on chunks of rows: no random ops, and no op
// that drops or moves the batch dimension of a batched operand.
bool isRowwise(const ir::Graph &g);

} // namespace nnc::driver
