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
  std::string manifest;

  // The spec for codegen (pointing into `graphs`: keep this alive).
  codegen::ProgramSpec spec(const std::string &mainCalls) const;
};

// Assembles train block `t` of `prog`.
TrainProgram assembleTrainProgram(const ElaboratedProgram &prog, const TrainInfo &t);

// Whether every output row of data graph `g` depends only on the same input
// row, so the graph may run on chunks of rows: no random ops, and no op
// that drops or moves the batch dimension of a batched operand.
bool isRowwise(const ir::Graph &g);

} // namespace nnc::driver
