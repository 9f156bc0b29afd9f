// One batch of every field the steps read (Manifest::fields order),
// gathered from a split by row number: copied from the split's preprocessed
// arrays, or, for a split kept as its source's rows (SplitData::sourceRows),
// those rows run through the data graph right then, so that the
// preprocessed split never exists whole; the graph's outputs are then the
// batch. Every buffer is allocated by the constructor: gather allocates
// nothing.
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
  FieldBatch(const Manifest &m, const nnc_program &program, const Dataset &data, std::vector<StoredTensor> &statistics,
             int64_t maxRows);

  // Fills the batch with rows rows[0..n) of `split`, 1 <= n <= maxRows.
  void gather(const SplitData &split, const int64_t *rows, int64_t n);
  // Field k's batch: n rows, or its one value for a field without rows.
  // The same storage for every batch, so a graph may be bound to it once.
  void *field(size_t k) const { return fields_[k]; }

private:
  std::optional<DataGraphFeed> feed_; // when the splits keep their source's rows
  std::vector<Buffer> arrays_;        // otherwise: the batch, copied from the split's arrays
  std::vector<void *> fields_;        // field k's batch: in arrays_, or the data graph's output
};

} // namespace nnc::trainer

#endif
