// --plot: a run's history drawn as a hand-written SVG chart that a person
// reads at a glance. A title, then one panel for the losses and one for the
// other metrics (absent when there are none), epoch on the x axis; training
// curves solid, validation curves dashed in the same colour; axes with
// 1-2-5 ticks, a legend beside each panel, the test metrics in the subtitle
// once they are known. Each point carries a tooltip with its value.
#ifndef NNC_TRAINER_LEARNING_CURVES_H
#define NNC_TRAINER_LEARNING_CURVES_H

#include "TrainingLog.h"

#include <string>
#include <vector>

namespace nnc::trainer {

// The chart of `h` as a complete SVG document.
std::string learningCurvesSvg(const History &h, const std::string &title);

// Atomically replaces `path` with the chart. Throws TrainError.
void writeLearningCurves(const std::string &path, const History &h, const std::string &title);

// About `target` evenly spaced round values (1, 2 or 5 times a power of ten
// apart) from at or below `lo` to at or above `hi`; `integers` keeps the
// spacing at least 1 (epochs).
std::vector<double> niceTicks(double lo, double hi, int target, bool integers = false);

} // namespace nnc::trainer

#endif
