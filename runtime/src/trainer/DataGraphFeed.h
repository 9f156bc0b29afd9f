// The data graph run on rows of a split's source: each field input (the
// inputs with the batch dimension) either bound to the source's rows in
// place, or gathered into a staging buffer of its own, which converts rows
// stored narrow (u8 IDX pixels) to the input's f32 on the way; the
// statistic inputs bound to their storage. Everything is allocated by the
// constructor: run allocates nothing, so the training loop may call it per
// batch.
#ifndef NNC_TRAINER_DATA_GRAPH_FEED_H
#define NNC_TRAINER_DATA_GRAPH_FEED_H

#include "DataSources.h"
#include "GraphRunner.h"
#include "Manifest.h"
#include "ModelState.h"

#include "nnc/program.h"

#include <vector>

namespace nnc::trainer {

class DataGraphFeed {
public:
  // For runs of at most `maxRows` rows. staged: gather rows into staging
  // buffers (any rows, any stored type); otherwise bind the source's rows in
  // place (consecutive rows stored as the input's dtype only), which costs no
  // copy of a split read whole. `statistics` (ModelState::statistics) must
  // outlive the feed; the graph reads their values when it runs.
  DataGraphFeed(const Manifest &m, const nnc_program &program, std::vector<StoredTensor> &statistics,
                int64_t maxRows, bool staged);

  // Runs the data graph on rows rows[0..n) of `raw`, or rows first .. first
  // + n - 1 when rows is null; 1 <= n <= maxRows. The outputs are then in
  // runner()'s buffers, row i of them from the i-th row named.
  void run(const RawSplit &raw, const int64_t *rows, int64_t first, int64_t n);
  const GraphRunner &runner() const { return runner_; }

private:
  struct Input {
    int node = 0;
    std::string field;
    size_t rowBytes = 0; // as the graph reads it
    Buffer staging;      // maxRows rows, when staged
  };
  GraphRunner runner_;
  bool staged_;
  std::vector<Input> inputs_;
};

} // namespace nnc::trainer

#endif
