// The statistics of the training rows that a data block's `standardize` and
// `scale` read (the manifest's `statistic` lines): per element of a row, the
// mean and population standard deviation, or the minimum and maximum, of a
// data graph output over the rows the model trains on, never the validation
// or test rows. Accumulated in double precision (Welford's update for the
// variance), chunk by chunk, as the data graph runs.
#ifndef NNC_TRAINER_DATA_STATISTICS_H
#define NNC_TRAINER_DATA_STATISTICS_H

#include "GraphRunner.h"
#include "Manifest.h"
#include "ModelState.h"

#include <string>
#include <vector>

namespace nnc::trainer {

class StatisticsAccumulator {
public:
  explicit StatisticsAccumulator(const Manifest &m);

  // Adds the rows of a run of the data graph (`rows` rows, split rows
  // first .. first + rows - 1) for which training[split row] is true.
  void add(const GraphRunner &r, int64_t first, int64_t rows, const std::vector<char> &training);
  // Writes each statistic into the tensor of `out` named like its input.
  // Throws TrainError when no training row was added.
  void finish(std::vector<StoredTensor> &out) const;

private:
  struct Moments {
    std::string of; // the data graph output
    int node = 0;
    int64_t count = 0;
    std::vector<double> mean, m2, min, max;
  };
  const Manifest &m_;
  std::vector<Moments> moments_; // one per distinct output
};

} // namespace nnc::trainer

#endif
