// What an inference executable prints for a row: a classifier's class and
// its probability, or the values of every output.
#ifndef NNC_INFER_PREDICTIONS_H
#define NNC_INFER_PREDICTIONS_H

#include "ModelInfo.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nnc::infer {

struct Prediction {
  int32_t label = 0;      // the class with the highest score (the first, on a tie)
  double probability = 0; // its probability
};

// Row `r` of class scores [B, K] (f32 or f64). The scores are taken as
// probabilities when they are a distribution already (each in [0, 1], summing
// to 1 within 1e-4), else as logits, whose softmax gives the probability.
Prediction classify(const void *scores, DType dtype, int64_t k, int64_t r);

// Appends row `r`'s line, without the newline: "<class> <probability>" for
// a classifier, else every output's values in order, separated by spaces.
void appendPrediction(const Manifest &m, const std::vector<void *> &outputs, int64_t r, std::string &line);

} // namespace nnc::infer

#endif
