// What training changes and a checkpoint holds: the params (by name) and the
// optimizer states (by their "state/..." names), each in storage of its own
// that the graphs read and the trainer overwrites after every update.
#ifndef NNC_TRAINER_MODEL_STATE_H
#define NNC_TRAINER_MODEL_STATE_H

#include "GraphRunner.h"
#include "Manifest.h"

#include "nnc/program.h"

#include <string>
#include <vector>

namespace nnc::trainer {

struct StoredTensor {
  std::string name;
  TensorType type; // never batched
  Buffer data;
};

struct ModelState {
  std::vector<StoredTensor> params, states;
  // The data graph's statistic inputs ("data/x/mean"), computed from the
  // training rows by loadDataset and saved with the params for inference;
  // a resumed run computes them again rather than loading them.
  std::vector<StoredTensor> statistics;

  // A param by its name, a state by its "state/..." name or a statistic by
  // its "data/..." name; null if none.
  StoredTensor *find(const std::string &name);
  int64_t paramCount() const; // elements over every param
};

// Allocates every param and state and fills them by running each init graph
// and each step's state_init graph once (batch 1, no inputs).
ModelState initModelState(const Manifest &m, const nnc_program &program);

} // namespace nnc::trainer

#endif
