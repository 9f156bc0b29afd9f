#include "Predictions.h"

#include <cmath>
#include <cstdio>

namespace nnc::infer {

namespace {

double element(const void *data, DType t, int64_t i) {
  switch (t) {
  case DType::F32:
    return static_cast<const float *>(data)[i];
  case DType::F64:
    return static_cast<const double *>(data)[i];
  case DType::I32:
    return static_cast<const int32_t *>(data)[i];
  case DType::Bool:
    return static_cast<const unsigned char *>(data)[i];
  }
  return 0;
}

void append(std::string &line, const char *fmt, double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, fmt, v);
  line += buf;
}

} // namespace

Prediction classify(const void *scores, DType dtype, int64_t k, int64_t r) {
  Prediction p;
  double best = element(scores, dtype, r * k), sum = 0;
  bool distribution = true;
  for (int64_t j = 0; j < k; ++j) {
    double v = element(scores, dtype, r * k + j);
    distribution = distribution && v >= 0 && v <= 1;
    sum += v;
    if (v > best) {
      best = v;
      p.label = static_cast<int32_t>(j);
    }
  }
  if (distribution && std::fabs(sum - 1) <= 1e-4) {
    p.probability = best;
    return p;
  }
  // softmax(s)[best] = 1 / sum_j exp(s_j - s_best), which cannot overflow.
  double denominator = 0;
  for (int64_t j = 0; j < k; ++j)
    denominator += std::exp(element(scores, dtype, r * k + j) - best);
  p.probability = 1 / denominator;
  return p;
}

void appendPrediction(const Manifest &m, const std::vector<void *> &outputs, int64_t r, std::string &line) {
  if (m.classifier) {
    const Port &scores = m.outputs.front();
    Prediction p = classify(outputs.front(), scores.type.dtype, scores.type.shape.rowElems(), r);
    line += std::to_string(p.label);
    append(line, " %.6f", p.probability);
    return;
  }
  bool first = true;
  for (size_t i = 0; i < m.outputs.size(); ++i) {
    const TensorType &t = m.outputs[i].type;
    int64_t n = t.shape.rowElems();
    bool integral = t.dtype == DType::I32 || t.dtype == DType::Bool;
    for (int64_t j = 0; j < n; ++j) {
      append(line, integral ? (first ? "%.0f" : " %.0f") : (first ? "%.9g" : " %.9g"),
             element(outputs[i], t.dtype, r * n + j));
      first = false;
    }
  }
}

} // namespace nnc::infer
