#include "FieldBatch.h"

#include <cstring>

namespace nnc::trainer {

FieldBatch::FieldBatch(const Manifest &m, const nnc_program &program, const Dataset &data,
                       std::vector<StoredTensor> &statistics, int64_t maxRows) {
  for (const std::string &name : m.fields) {
    const int output = m.dataGraph->findOutput(name)->id;
    const TensorType &t = m.dataGraph->nodes[static_cast<size_t>(output)].type;
    layout_.push_back({output, t.rowBytes(), t.shape.batched});
    fields_.emplace_back(static_cast<size_t>((t.shape.batched ? maxRows : 1) * t.rowBytes()));
  }
  if (data.train.sourceRows || data.test.sourceRows) feed_.emplace(m, program, statistics, maxRows, true);
}

void FieldBatch::gather(const SplitData &split, const int64_t *rows, int64_t n) {
  if (split.sourceRows) {
    feed_->run(split.raw, rows, 0, n);
    for (size_t k = 0; k < layout_.size(); ++k) {
      const Field &f = layout_[k];
      std::memcpy(fields_[k].data(), feed_->runner().buffer(f.output),
                  static_cast<size_t>((f.batched ? n : 1) * f.rowBytes));
    }
    return;
  }
  for (size_t k = 0; k < split.fields.size(); ++k) {
    const FieldArray &f = split.fields[k];
    const auto *src = f.data.as<const unsigned char>();
    auto *dst = fields_[k].as<unsigned char>();
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
