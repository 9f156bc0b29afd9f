// The data a run trains on: each split's sources read, checked against the
// shapes the program was compiled for, and either run through the data
// graph and kept as one contiguous [rows, row] array per field the steps
// read, or, when the data graph is rowwise, kept as the source's rows (IDX
// elements in the file's own type), which FieldBatch runs through the data
// graph batch by batch; the training split divided into validation and
// training rows by nnc_split_indices (and, first, a test split taken from it
// when the program asks for one).
#ifndef NNC_TRAINER_DATASET_H
#define NNC_TRAINER_DATASET_H

#include "DataSources.h"
#include "GraphRunner.h"
#include "Manifest.h"
#include "ModelState.h"

#include "nnc/program.h"

#include <functional>
#include <string>
#include <vector>

namespace nnc::trainer {

// A field's rows, or, for a field without the batch dimension (a constant
// of the data block such as a dataset statistic), its one value: then
// rowBytes is the whole tensor's size and the array holds it once.
struct FieldArray {
  std::string name;
  TensorType type;
  int64_t rowBytes = 0;
  Buffer data; // rows * rowBytes bytes, or rowBytes when not batched
};

struct SplitData {
  int64_t rows = 0;
  std::vector<FieldArray> fields; // in the order of Manifest::fields
  // Instead of fields: the source's rows, which the rowwise data graph
  // turns into fields a batch at a time. Preprocessing a split whole would
  // hold it as f32 (4x the u8 pixels of an IDX file).
  bool sourceRows = false;
  RawSplit raw;
};

struct Dataset {
  SplitData train, test;
  bool hasTest = false;
  // A test split of its own files, kept as its source's rows, is read and
  // checked when the dataset loads, then dropped until the evaluation after
  // training, when readTest reads it again in place of the training rows:
  // the two never take memory together. Null once read, or when the test
  // split stays in memory throughout.
  std::function<RawSplit()> deferredTest;

  // Frees the training split's rows and reads the deferred test split, if
  // any: after the last step, before the test split is evaluated. Throws
  // TrainError when its files no longer hold what they held at the start.
  void readTest();
  // nnc_split_indices of the training split: the validation rows, ascending,
  // then the training rows, ascending.
  std::vector<int64_t> split;
  int64_t validationRows = 0;

  const int64_t *validation() const { return split.data(); }
  const int64_t *training() const { return split.data() + validationRows; }
  int64_t trainingRows() const { return train.rows - validationRows; }
};

// Reads and preprocesses every split. `seed` drives the validation split;
// the data block's seed (m.settings.seed) a test split taken from the train
// source (`setting test`). Computes the statistics the data graph reads
// (standardize, scale) over the training rows alone, into `statistics`
// (ModelState::statistics), before preprocessing any split with them; those
// tensors must outlive the dataset when a split keeps its source's rows.
// Throws TrainError naming the file or the field at fault.
Dataset loadDataset(const Manifest &m, const nnc_program &program, const std::string &dataDir, uint64_t seed,
                    std::vector<StoredTensor> &statistics);

} // namespace nnc::trainer

#endif
