// Saving and restoring a run through the runtime's checkpoints
// (nnc/checkpoint.h): every param by name, every optimizer state by its
// "state/..." name, the data statistics by their "data/..." names (for
// inference: a resumed run computes them again), and where training stands.
#ifndef NNC_TRAINER_CHECKPOINT_IO_H
#define NNC_TRAINER_CHECKPOINT_IO_H

#include "ModelState.h"

#include "nnc/checkpoint.h"

#include <string>
#include <vector>

namespace nnc::trainer {

// Where a checkpointed run stands.
struct RunPosition {
  int64_t epoch = 0;      // the last completed epoch
  int64_t globalStep = 0; // updates done
  uint64_t seed = 0;      // the split and shuffling seed (rng[0])
};

// Saves a ModelState again and again: the tensor list is built once, so an
// epoch's save allocates nothing of its own.
class CheckpointWriter {
public:
  // Throws TrainError if a param or state is not f32 (checkpoints hold f32).
  explicit CheckpointWriter(const ModelState &state);
  // Atomically replaces `path`; throws TrainError with the runtime's message.
  void save(const std::string &path, const RunPosition &pos) const;

private:
  std::vector<std::vector<int64_t>> dims_;
  std::vector<nnc_ckpt_tensor> tensors_;
};

struct Restored {
  RunPosition pos;
  std::string warning; // set when PATH was damaged and PATH.prev was used
};

// Loads every param and state of `state` from the checkpoint at `path` (or
// PATH.prev): a missing tensor, a different shape or a tensor the model does
// not have is a TrainError naming the checkpoint.
Restored restoreCheckpoint(const std::string &path, ModelState &state);

} // namespace nnc::trainer

#endif
