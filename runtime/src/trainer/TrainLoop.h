// The training loop proper: mini-batches of the training rows in each
// epoch's seeded order, every step's update graph run in turn, writing the
// new params and states into the model's own storage (the manifest's `@`
// values; any others are copied back); and the evaluation of a split with
// each step's evaluate graph. Every buffer is allocated by the constructor,
// which also reserves the runtime's scratch, so the batch loop allocates
// nothing.
#ifndef NNC_TRAINER_TRAIN_LOOP_H
#define NNC_TRAINER_TRAIN_LOOP_H

#include "Dataset.h"
#include "FieldBatch.h"
#include "GraphRunner.h"
#include "Manifest.h"
#include "ModelState.h"
#include "TrainError.h"

#include "nnc/program.h"

#include <functional>
#include <string>
#include <vector>

namespace nnc::trainer {

// A non-finite loss: training stops (and writes no checkpoint after it).
struct NonFiniteLoss : TrainError {
  using TrainError::TrainError;
};

struct LoopConfig {
  int64_t batch = 32; // at most the number of training rows
  uint64_t seed = 0;  // of each epoch's order
  bool shuffle = true;
  int64_t steps = 0; // batches per epoch, the first of its order (--steps); 0 for all
  std::vector<double> hypers; // the value of each of Manifest::hypers (after --lr)
};

// "loss" and the metrics of every step's update graph, in order, prefixed
// "<step>." when there are several steps; and those of the evaluate graphs.
std::vector<std::string> trainMetricNames(const Manifest &m);
std::vector<std::string> evalMetricNames(const Manifest &m);

// Called after each batch with its 1-based number, the batch count, the rows
// done so far in this epoch and the running sums (weighted by rows) of the
// training metrics.
using BatchCallback =
    std::function<void(int64_t batch, int64_t batches, int64_t rows, const std::vector<double> &sums)>;

class TrainLoop {
public:
  TrainLoop(const Manifest &m, const nnc_program &program, const Dataset &data, ModelState &state,
            const LoopConfig &config);

  // trainMetricNames and evalMetricNames of the manifest.
  const std::vector<std::string> &trainNames() const { return trainNames_; }
  const std::vector<std::string> &evalNames() const { return evalNames_; }

  // Trains one epoch (1-based) over the training rows (the first
  // LoopConfig::steps batches of its order, when set); returns the metrics
  // averaged over its samples (valid until the next call). Throws
  // NonFiniteLoss, also for params the epoch's last update made non-finite.
  const std::vector<double> &trainEpoch(int64_t epoch, const BatchCallback &onBatch);
  // The samples one epoch trains on.
  int64_t epochRows() const;

  // The evaluate graphs over rows[0..n) of `split`, in order; the metrics
  // averaged over the samples (empty when n is 0; valid until the next call).
  const std::vector<double> &evaluate(const SplitData &split, const int64_t *rows, int64_t n);
  const std::vector<double> &evaluateValidation();
  const std::vector<double> &evaluateTest();

  int64_t globalStep = 0;

private:
  struct Copy {
    const void *from;
    void *to;
    size_t bytes;
  };
  struct StepRun {
    const Step *step;
    GraphRunner update;
    std::vector<GraphRunner> evaluate; // zero or one
    std::vector<Copy> copyBack;        // "param/" and "state/" outputs not written in place
    std::vector<const float *> trainValues, evalValues;
  };

  void bindStepGraph(GraphRunner &r, const Step &s);
  // Throws NonFiniteLoss when a param holds NaN or an infinity.
  void checkParamsFinite(int64_t epoch) const;

  const Manifest &m_;
  const Dataset &data_;
  ModelState &state_;
  LoopConfig config_;
  std::vector<StepRun> steps_;
  FieldBatch batch_;                // what the step graphs' field inputs read
  std::vector<Buffer> hyperValues_;  // f32[] per Manifest::hypers entry
  Buffer stepValue_;                 // f32[]: the global step
  std::vector<int64_t> order_, testRows_;
  std::vector<double> sums_, means_, evalSums_, noMetrics_;
  std::vector<std::string> trainNames_, evalNames_;
};

} // namespace nnc::trainer

#endif
