#include "DataStatistics.h"
#include "TrainError.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nnc::trainer {

StatisticsAccumulator::StatisticsAccumulator(const Manifest &m) : m_(m) {
  for (const Statistic &st : m.statistics) {
    bool known = false;
    for (const Moments &mo : moments_)
      known = known || mo.of == st.of;
    if (known) continue;
    Moments mo;
    mo.of = st.of;
    mo.node = m.dataGraph->findOutput(st.of)->id;
    auto n = static_cast<size_t>(m.dataGraph->nodes[static_cast<size_t>(mo.node)].type.shape.rowElems());
    mo.mean.assign(n, 0);
    mo.m2.assign(n, 0);
    mo.min.assign(n, std::numeric_limits<double>::infinity());
    mo.max.assign(n, -std::numeric_limits<double>::infinity());
    moments_.push_back(std::move(mo));
  }
}

void StatisticsAccumulator::add(const GraphRunner &r, int64_t first, int64_t rows, const std::vector<char> &training) {
  for (Moments &mo : moments_) {
    const auto *values = static_cast<const float *>(r.buffer(mo.node));
    size_t n = mo.mean.size();
    for (int64_t row = 0; row < rows; ++row) {
      if (!training[static_cast<size_t>(first + row)]) continue;
      ++mo.count;
      const float *v = values + static_cast<size_t>(row) * n;
      for (size_t i = 0; i < n; ++i) {
        double x = v[i], delta = x - mo.mean[i];
        mo.mean[i] += delta / static_cast<double>(mo.count);
        mo.m2[i] += delta * (x - mo.mean[i]);
        mo.min[i] = std::min(mo.min[i], x);
        mo.max[i] = std::max(mo.max[i], x);
      }
    }
  }
}

void StatisticsAccumulator::finish(std::vector<StoredTensor> &out) const {
  for (const Statistic &st : m_.statistics) {
    const Moments *mo = nullptr;
    for (const Moments &c : moments_)
      if (c.of == st.of) mo = &c;
    if (mo->count == 0) throw TrainError("no training rows to compute statistic " + quoted(st.input) + " from");
    StoredTensor *t = nullptr;
    for (StoredTensor &c : out)
      if (c.name == st.input) t = &c;
    if (!t) throw TrainError("internal error: no storage for statistic " + quoted(st.input));
    float *dst = t->data.as<float>();
    for (size_t i = 0; i < mo->mean.size(); ++i) {
      double v = 0;
      switch (st.kind) {
      case Statistic::Mean:
        v = mo->mean[i];
        break;
      case Statistic::Std:
        v = std::sqrt(mo->m2[i] / static_cast<double>(mo->count));
        break;
      case Statistic::Min:
        v = mo->min[i];
        break;
      case Statistic::Max:
        v = mo->max[i];
        break;
      }
      dst[i] = static_cast<float>(v);
    }
  }
}

} // namespace nnc::trainer
