// A model's forward graph as a whole program for inference: the graph
// cleaned up for inference, its weights read from a checkpoint, the data
// block's preprocessing (so `--infer` reads the files the model was trained
// on), and the model manifest (runtime/include/nnc/model.h).
#pragma once

#include "codegen/Program.h"
#include "frontend/Elaborator.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace nnc::driver {

struct ModelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ModelIO {
  std::string name;
  ir::TensorType type; // batch first
};

struct ModelProgram {
  std::string model;
  std::vector<ir::Graph> graphs; // [data,] forward
  std::vector<std::vector<codegen::Kernel>> kernels; // graph i's, as the manifest's buffers assume
  std::vector<codegen::MemoryPlan> plans;             // graph i's, as the manifest gives them
  std::string manifest;
  std::vector<ModelIO> params, inputs, outputs;
  bool classifier = false;
  std::vector<codegen::EmbeddedWeight> weights; // empty: loaded at run time

  codegen::ProgramSpec spec(const std::string &mainCalls, const std::string &descriptorSymbol) const;
  // Bytes of the buffers a context allocates: fixed + perRow * max_batch.
  int64_t arenaFixedBytes = 0, arenaBytesPerRow = 0;
};

// The model to compile: `name` if given, else the model of the program's
// train block, else its only model. ModelError when there is none to pick.
const ModelGraphs &pickModel(const ElaboratedProgram &prog, const std::string &name);

// Assembles `model` for inference; reads its weights from `checkpoint` and
// embeds them unless `externalWeights` (then only checks they match).
// ModelError for a checkpoint that cannot be read or does not fit.
ModelProgram assembleModelProgram(const ElaboratedProgram &prog, const ModelGraphs &model, const std::string &checkpoint,
                                  bool externalWeights);

} // namespace nnc::driver
