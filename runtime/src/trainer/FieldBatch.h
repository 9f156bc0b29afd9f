// One batch of every field the steps read (Manifest::fields order),
// gathered from a split by row number: copied from the split's preprocessed
// arrays, or, for a split kept as its source's rows (SplitData::sourceRows),
// those rows run through the data graph right then, so that the
// preprocessed split never exists whole. Every buffer is allocated by the
// constructor: gather allocates nothing.
#ifndef NNC_TRAINER_FIELD_BATCH_H
#define NNC_TRAINER_FIELD_BATCH_H

#include "DataGraphFeed.h"
#include "Dataset.h"
#include "GraphRunner.h"
#include "Manifest.h"
#include "ModelState.h"

#include "nnc/program.h"

#include <optional>
#include <vector>

namespace nnc::trainer {

class FieldBatch {
public:
  // For batches of at most `maxRows` rows of the splits of `data`.
  // `statistics` (ModelState::statistics) must outlive the batch.
  FieldBatch(const Manifest &m, const nnc_program &program, const Dataset &data,
             std::vector<StoredTensor> &statistics, int64_t maxRows);

  // Fills the batch with rows rows[0..n) of `split`, 1 <= n <= maxRows.
  void gather(const SplitData &split, const int64_t *rows, int64_t n);
  // Field k's batch: n rows, or its one value for a field without rows.
  void *field(size_t k) const { return fields_[k].data(); }

private:
  struct Field {
    int output = 0; // the data graph's output node
    int64_t rowBytes = 0;
    bool batched = true;
  };
  std::vector<Field> layout_;
  std::vector<Buffer> fields_;
  std::optional<DataGraphFeed> feed_; // when a split keeps its source's rows
};

} // namespace nnc::trainer

#endif
