#include "FieldBatch.h"
#include "TrainError.h"

#include <cstring>

namespace nnc::trainer {

FieldBatch::FieldBatch(const Manifest &m, const nnc_program &program, const Dataset &data,
                       std::vector<StoredTensor> &statistics, int64_t maxRows) {
  // Read splits keep their source's rows all or none (loadDataset).
  if (data.train.sourceRows) feed_.emplace(m, program, statistics, maxRows, true);
  for (const std::string &name : m.fields) {
    const int output = m.dataGraph->findOutput(name)->id;
    const TensorType &t = m.dataGraph->nodes[static_cast<size_t>(output)].type;
    // The data graph's own output buffer is the field's batch: its storage
    // stays put (the feed binds its inputs once), so nothing is copied.
    if (feed_)
      fields_.push_back(feed_->runner().buffer(output));
    else
      fields_.push_back(
          arrays_.emplace_back(static_cast<size_t>((t.shape.batched ? maxRows : 1) * t.rowBytes())).data());
    if (!fields_.back()) throw TrainError("internal error: the data graph's output " + quoted(name) + " has no buffer");
  }
}

void FieldBatch::gather(const SplitData &split, const int64_t *rows, int64_t n) {
  if (split.sourceRows != feed_.has_value())
    throw TrainError("internal error: a split kept as its source's rows beside one kept preprocessed");
  if (split.sourceRows) {
    feed_->run(split.raw, rows, 0, n);
    return;
  }
  for (size_t k = 0; k < split.fields.size(); ++k) {
    const FieldArray &f = split.fields[k];
    const auto *src = f.data.as<const unsigned char>();
    auto *dst = static_cast<unsigned char *>(fields_[k]);
    auto bytes = static_cast<size_t>(f.rowBytes);
    if (!f.type.shape.batched) {
      std::memcpy(dst, src, bytes);
      continue;
    }
    for (int64_t r = 0; r < n; ++r)
      std::memcpy(dst + r * f.rowBytes, src + rows[r] * f.rowBytes, bytes);
  }
}

} // namespace nnc::trainer
