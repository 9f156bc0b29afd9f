#include "CheckpointIO.h"
#include "TrainError.h"

#include <memory>

namespace nnc::trainer {

namespace {

void requireF32(const StoredTensor &t) {
  if (t.type.dtype != DType::F32)
    throw TrainError("cannot checkpoint " + quoted(t.name) + ": it is " + t.type.str() +
                     " and checkpoints hold f32 tensors only");
}

struct CloseCheckpoint {
  void operator()(nnc_checkpoint *c) const { nnc_checkpoint_close(c); }
};

} // namespace

CheckpointWriter::CheckpointWriter(const ModelState &state) {
  for (const auto *list : {&state.params, &state.states, &state.statistics})
    for (const StoredTensor &t : *list) {
      requireF32(t);
      dims_.push_back(t.type.shape.dims);
    }
  size_t i = 0;
  for (const auto *list : {&state.params, &state.states, &state.statistics})
    for (const StoredTensor &t : *list) {
      const std::vector<int64_t> &d = dims_[i++];
      tensors_.push_back({t.name.c_str(), static_cast<int32_t>(d.size()), d.data(), t.data.as<float>()});
    }
}

void CheckpointWriter::save(const std::string &path, const RunPosition &pos) const {
  nnc_ckpt_meta meta{};
  meta.epoch = pos.epoch;
  meta.global_step = pos.globalStep;
  meta.rng[0] = pos.seed;
  check(nnc_checkpoint_save(path.c_str(), &meta, tensors_.data(), static_cast<int64_t>(tensors_.size())));
}

Restored restoreCheckpoint(const std::string &path, ModelState &state) {
  Restored r;
  nnc_checkpoint *raw = nullptr;
  int usedPrev = 0;
  check(nnc_checkpoint_open_latest(path.c_str(), &raw, &usedPrev));
  std::unique_ptr<nnc_checkpoint, CloseCheckpoint> ckpt(raw);
  std::string used = usedPrev ? path + ".prev" : path;
  if (usedPrev) r.warning = std::string(nnc_last_error()) + "; resuming from " + quoted(used);

  const nnc_ckpt_meta *meta = nnc_checkpoint_meta(ckpt.get());
  if (meta->epoch < 0 || meta->global_step < 0)
    throw TrainError("checkpoint " + quoted(used) + " has a negative epoch or step count");
  r.pos = {meta->epoch, meta->global_step, meta->rng[0]};

  for (auto *list : {&state.params, &state.states})
    for (StoredTensor &t : *list) {
      requireF32(t);
      const std::vector<int64_t> &d = t.type.shape.dims;
      check(nnc_checkpoint_load(ckpt.get(), t.name.c_str(), static_cast<int32_t>(d.size()), d.data(),
                                t.data.as<float>()));
    }
  for (int64_t i = 0; i < nnc_checkpoint_count(ckpt.get()); ++i) {
    const char *name = nnc_checkpoint_name(ckpt.get(), i);
    if (!state.find(name))
      throw TrainError("checkpoint " + quoted(used) + " has " + quoted(name) +
                       ", which this model does not have: it was saved by a different program");
  }
  return r;
}

} // namespace nnc::trainer
