// What a training run prints on stdout, Keras style: a model summary, a
// progress bar rewritten in place while an epoch runs (on a terminal only),
// one line per epoch, the test line, and optionally a final line of JSON.
#ifndef NNC_TRAINER_REPORT_H
#define NNC_TRAINER_REPORT_H

#include "Dataset.h"
#include "Manifest.h"
#include "ModelState.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace nnc::trainer {

// A metric's name and its value; no value prints as null in JSON.
struct Metrics {
  std::vector<std::string> names;
  std::vector<double> values; // empty: not measured
};

// The numbers of the final JSON line.
struct RunSummary {
  int64_t epochs = 0;          // epochs completed, a resumed run's included
  Metrics train;               // of the last epoch trained in this run
  Metrics validation;          // "val_" + name
  std::optional<Metrics> test; // "test_" + name, when there is a test split
  int64_t samplesTrained = 0;
  double trainSeconds = 0, seconds = 0;
};

class Reporter {
public:
  Reporter(std::ostream &out, bool quiet, bool json, bool interactive)
      : out_(out), quiet_(quiet), json_(json), interactive_(interactive) {}

  void summary(const Manifest &m, const ModelState &state, const Dataset &data);
  void resumed(const std::string &path, int64_t epoch, int64_t globalStep);
  // Progress within epoch `epoch` of `epochs`: on a terminal, at most ten
  // redraws a second of "Epoch 3/10 [=====>    ] 201/422 - loss: 0.4100".
  void batch(int64_t epoch, int64_t epochs, int64_t batch, int64_t batches, int64_t rows,
             const std::vector<std::string> &names, const std::vector<double> &sums);
  void epoch(int64_t epoch, int64_t epochs, double seconds, const Metrics &train, const Metrics &validation);
  void test(const Metrics &test);
  void json(const RunSummary &s);
  // Ends a progress bar left on the line, before an error is printed.
  void interrupt();

private:
  std::ostream &out_;
  bool quiet_, json_, interactive_;
  size_t barWidth_ = 0; // characters of the progress bar on the line, 0 if none
  std::string line_;    // the progress bar being drawn
  std::chrono::steady_clock::time_point lastDraw_{};
};

} // namespace nnc::trainer

#endif
