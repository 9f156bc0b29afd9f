#include "TrainLoop.h"

#include "nnc/data.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace nnc::trainer {

namespace {

std::string metricName(const Manifest &m, const Step &s, const Metric &metric) {
  return m.steps.size() == 1 ? metric.name : s.name + "." + metric.name;
}

std::string numberText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

} // namespace

std::vector<std::string> trainMetricNames(const Manifest &m) {
  std::vector<std::string> names;
  for (const Step &s : m.steps)
    for (const Metric &mt : s.trainMetrics)
      names.push_back(metricName(m, s, mt));
  return names;
}

std::vector<std::string> evalMetricNames(const Manifest &m) {
  std::vector<std::string> names;
  for (const Step &s : m.steps)
    for (const Metric &mt : s.evalMetrics)
      names.push_back(metricName(m, s, mt));
  return names;
}

TrainLoop::TrainLoop(const Manifest &m, const nnc_program &program, const Dataset &data, ModelState &state,
                     const LoopConfig &config)
    : m_(m), data_(data), state_(state), config_(config), batch_(m, program, data, state.statistics, config.batch),
      stepValue_(sizeof(float)), trainNames_(trainMetricNames(m)), evalNames_(evalMetricNames(m)) {
  for (size_t i = 0; i < m.hypers.size(); ++i) {
    hyperValues_.emplace_back(sizeof(float));
    *hyperValues_.back().as<float>() = static_cast<float>(config.hypers.at(i));
  }
  order_.resize(static_cast<size_t>(data.trainingRows()));
  testRows_.resize(static_cast<size_t>(data.test.rows));
  std::iota(testRows_.begin(), testRows_.end(), int64_t(0));
  sums_.resize(trainNames_.size());
  means_.resize(trainNames_.size());
  evalSums_.resize(evalNames_.size());

  steps_.reserve(m.steps.size());
  for (size_t i = 0; i < m.steps.size(); ++i) {
    const Step &s = m.steps[i];
    steps_.push_back(
        StepRun{&s, GraphRunner(*s.update, program.graphs[s.update->index], config.batch), {}, {}, {}, {}});
    StepRun &run = steps_.back();
    bindStepGraph(run.update, s);
    for (const Metric &mt : s.trainMetrics)
      run.trainValues.push_back(static_cast<const float *>(run.update.buffer(mt.node)));
    for (const Output &o : s.update->outputs) {
      bool param = o.name.rfind("param/", 0) == 0, stateOut = o.name.rfind("state/", 0) == 0;
      if (!param && !stateOut) continue;
      StoredTensor *t = state.find(param ? o.name.substr(6) : o.name);
      const void *from = run.update.buffer(o.id);
      // An output written into the param's or state's storage (or that is
      // the param or state itself) needs no copy.
      if (from != t->data.data()) run.copyBack.push_back({from, t->data.data(), t->data.size()});
    }
    if (s.evaluate) {
      run.evaluate.emplace_back(*s.evaluate, program.graphs[s.evaluate->index], config.batch);
      bindStepGraph(run.evaluate.back(), s);
      for (const Metric &mt : s.evalMetrics)
        run.evalValues.push_back(static_cast<const float *>(run.evaluate.back().buffer(mt.node)));
    }
  }
  reserveRuntime();
}

void TrainLoop::bindStepGraph(GraphRunner &r, const Step &s) {
  const Graph &g = r.graph();
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node &n = g.nodes[i];
    int id = static_cast<int>(i);
    if (n.kind == Node::Value) continue;
    if (n.kind == Node::Param) {
      r.bind(id, state_.find(n.name)->data.data());
      continue;
    }
    if (n.name == "step") {
      r.bind(id, stepValue_.data());
    } else if (n.name.rfind("hyper/", 0) == 0) {
      for (size_t h = 0; h < m_.hypers.size(); ++h)
        if (m_.hypers[h].step == s.name && "hyper/" + m_.hypers[h].name == n.name) r.bind(id, hyperValues_[h].data());
    } else if (n.name.rfind("state/", 0) == 0) {
      r.bind(id, state_.find(n.name)->data.data());
    } else {
      size_t k = static_cast<size_t>(std::find(m_.fields.begin(), m_.fields.end(), n.name) - m_.fields.begin());
      r.bind(id, batch_.field(k));
    }
  }
}

const std::vector<double> &TrainLoop::trainEpoch(int64_t epoch, const BatchCallback &onBatch) {
  const int64_t n = data_.trainingRows();
  if (config_.shuffle)
    check(nnc_epoch_order(data_.training(), n, config_.seed, static_cast<uint64_t>(epoch), order_.data()));
  else
    std::copy(data_.training(), data_.training() + n, order_.begin());
  const int64_t batches = nnc_batch_count(epochRows(), config_.batch);
  std::fill(sums_.begin(), sums_.end(), 0.0);
  for (int64_t b = 0; b < batches; ++b) {
    const int64_t first = b * config_.batch, rows = std::min(config_.batch, n - first);
    batch_.gather(data_.train, order_.data() + first, rows);
    ++globalStep;
    *stepValue_.as<float>() = static_cast<float>(globalStep);
    size_t at = 0;
    for (StepRun &run : steps_) {
      run.update.run(rows);
      double loss = *run.trainValues[0];
      if (!std::isfinite(loss))
        throw NonFiniteLoss("the loss of step " + quoted(run.step->name) + " is " + numberText(loss) + " at epoch " +
                            std::to_string(epoch) + ", batch " + std::to_string(b + 1) + " of " +
                            std::to_string(batches) + " (global step " + std::to_string(globalStep) + ")");
      for (const float *v : run.trainValues)
        sums_[at++] += static_cast<double>(*v) * static_cast<double>(rows);
      for (const Copy &c : run.copyBack)
        std::memcpy(c.to, c.from, c.bytes);
    }
    if (onBatch) onBatch(b + 1, batches, first + rows, sums_);
  }
  // The loss is computed before each update, so the epoch's last update is
  // checked here, before anything evaluates or saves the params.
  checkParamsFinite(epoch);
  for (size_t i = 0; i < sums_.size(); ++i)
    means_[i] = sums_[i] / static_cast<double>(epochRows());
  return means_;
}

void TrainLoop::checkParamsFinite(int64_t epoch) const {
  for (const StoredTensor &p : state_.params) {
    if (p.type.dtype != DType::F32) continue;
    const float *v = p.data.as<const float>();
    const int64_t n = p.type.shape.elems(1);
    for (int64_t i = 0; i < n; ++i)
      if (!std::isfinite(v[i]))
        throw NonFiniteLoss("param " + quoted(p.name) + " holds " + numberText(v[i]) + " after epoch " +
                            std::to_string(epoch) + " (global step " + std::to_string(globalStep) +
                            "), though the losses were finite: an update divided by zero or overflowed");
  }
}

int64_t TrainLoop::epochRows() const {
  const int64_t n = data_.trainingRows();
  const bool fewer = config_.steps > 0 && config_.steps < nnc_batch_count(n, config_.batch);
  return fewer ? config_.steps * config_.batch : n;
}

const std::vector<double> &TrainLoop::evaluate(const SplitData &split, const int64_t *rows, int64_t n) {
  if (n <= 0) return noMetrics_;
  std::vector<double> &sums = evalSums_;
  std::fill(sums.begin(), sums.end(), 0.0);
  *stepValue_.as<float>() = static_cast<float>(globalStep);
  size_t at = 0;
  for (StepRun &run : steps_) {
    if (run.evaluate.empty()) continue;
    GraphRunner &r = run.evaluate.front();
    for (int64_t first = 0; first < n; first += config_.batch) {
      int64_t count = std::min(config_.batch, n - first);
      batch_.gather(split, rows + first, count);
      r.run(count);
      for (size_t k = 0; k < run.evalValues.size(); ++k)
        sums[at + k] += static_cast<double>(*run.evalValues[k]) * static_cast<double>(count);
    }
    at += run.evalValues.size();
  }
  for (double &s : sums)
    s /= static_cast<double>(n);
  return sums;
}

const std::vector<double> &TrainLoop::evaluateValidation() {
  return evaluate(data_.train, data_.validation(), data_.validationRows);
}

const std::vector<double> &TrainLoop::evaluateTest() { return evaluate(data_.test, testRows_.data(), data_.test.rows); }

} // namespace nnc::trainer
