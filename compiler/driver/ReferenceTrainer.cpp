#include "driver/ReferenceTrainer.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <ostream>
#include <random>

namespace nnc::driver {

namespace {

const DataInfo &findData(const ElaboratedProgram &prog, const std::string &name) {
  for (const DataInfo &d : prog.datas)
    if (d.name == name) return d;
  throw TrainError("no data block `" + name + "`");
}

const ModelGraphs &findModel(const ElaboratedProgram &prog, const std::string &name) {
  for (const ModelGraphs &m : prog.models)
    if (m.name == name) return m;
  throw TrainError("no model `" + name + "`");
}

std::vector<std::string> scalarOutputs(const ir::Graph &g) {
  std::vector<std::string> names;
  for (const auto &[name, id] : g.outputs())
    if (g.type(id).shape.rank() == 0 && name.find('/') == std::string::npos) names.push_back(name);
  return names;
}

} // namespace

std::map<std::string, ir::Tensor> sliceRows(const std::map<std::string, ir::Tensor> &fields,
                                            const std::vector<int64_t> &rows) {
  std::map<std::string, ir::Tensor> out;
  for (const auto &[name, t] : fields) {
    int64_t n = t.shape()[0], per = n ? t.numel() / n : 0;
    std::vector<double> data;
    data.reserve(rows.size() * static_cast<size_t>(per));
    for (int64_t r : rows) data.insert(data.end(), t.data.begin() + r * per, t.data.begin() + (r + 1) * per);
    ir::Shape shape = t.shape();
    shape[0] = static_cast<ir::Dim>(rows.size());
    out.emplace(name, ir::Tensor(t.dtype(), shape, std::move(data)));
  }
  return out;
}

Dataset loadProgramData(const DataInfo &data, uint64_t seed) {
  if (!data.statistics.empty())
    throw TrainError("data `" + data.name + "` standardizes or scales with statistics of its training rows, which " +
                     "the reference trainer does not compute; train with `nnc run` or `nnc build`");
  if (data.testFraction > 0)
    throw TrainError("data `" + data.name + "` holds a test fraction out of its rows, which the reference trainer " +
                     "does not split; train with `nnc run` or `nnc build`");
  ir::Bindings b;
  int64_t samples = 0, testSamples = 0;
  for (const DataSource &src : data.sources) {
    if (src.kind == DataSource::Generated && src.split == "test") testSamples = src.samples;
    if (src.split != "train") continue;
    switch (src.kind) {
    case DataSource::Literal:
      for (size_t k = 0; k < src.fields.size(); ++k)
        b.inputs.emplace(src.fields[k], ir::Tensor(src.types[k].dtype, src.types[k].shape.bind(src.samples), src.literal[k]));
      samples = src.samples;
      break;
    case DataSource::Generated:
      samples = src.samples;
      break;
    case DataSource::Idx:
    case DataSource::Csv:
      throw TrainError("data `" + data.name + "` reads files; the reference trainer takes literal or generated data");
    }
  }
  if (samples <= 0) throw TrainError("data `" + data.name + "` has no training samples");
  // Generated data: one run over train + test rows, the test rows last, as
  // the runtime does it (runtime/include/nnc/program.h).
  b.batch = samples + testSamples;
  std::map<std::string, ir::Tensor> all = ir::runOutputs(data.graph, b, ir::Precision::F32);
  std::vector<int64_t> order(static_cast<size_t>(samples));
  std::iota(order.begin(), order.end(), 0);
  if (data.shuffle) std::shuffle(order.begin(), order.end(), std::mt19937_64(seed ^ static_cast<uint64_t>(data.seed)));
  Dataset ds;
  ds.validationSize = static_cast<int64_t>(std::floor(data.validation * static_cast<double>(samples)));
  ds.trainSize = samples - ds.validationSize;
  std::vector<int64_t> trainRows(order.begin(), order.begin() + ds.trainSize);
  std::vector<int64_t> valRows(order.begin() + ds.trainSize, order.end());
  ds.train = sliceRows(all, trainRows);
  if (ds.validationSize > 0) ds.validation = sliceRows(all, valRows);
  ds.testSize = testSamples;
  if (testSamples > 0) {
    std::vector<int64_t> testRows(static_cast<size_t>(testSamples));
    std::iota(testRows.begin(), testRows.end(), samples);
    ds.test = sliceRows(all, testRows);
  }
  return ds;
}

TrainResult trainOnInterpreter(const ElaboratedProgram &prog, const TrainInfo &train, const TrainOptions &opt,
                               std::ostream *log) {
  const DataInfo &data = findData(prog, train.data);
  Dataset ds = loadProgramData(data, opt.seed);
  int64_t epochs = opt.epochs > 0 ? opt.epochs : train.epochs;
  int64_t batch = std::min(opt.batch > 0 ? opt.batch : train.batch, ds.trainSize);

  TrainResult result;
  // Params: every model's init graph; optimizer states: each step's.
  for (const ModelGraphs &m : prog.models) {
    ir::Bindings none;
    for (auto &[name, t] : ir::runOutputs(m.init, none, opt.precision)) result.params.emplace(name, t);
  }
  (void)findModel(prog, train.model);
  std::map<std::string, ir::Tensor> states;
  for (const StepInfo &s : train.steps) {
    if (s.update.outputs().empty()) throw TrainError("step `" + s.name + "` has no update graph");
    ir::Bindings none;
    for (auto &[name, t] : ir::runOutputs(s.stateInit, none, opt.precision)) states.emplace(name, t);
  }

  std::mt19937_64 rng(opt.seed);
  int64_t step = 0;
  for (int64_t epoch = 1; epoch <= epochs; ++epoch) {
    EpochLog logLine;
    logLine.epoch = epoch;
    std::vector<int64_t> order(static_cast<size_t>(ds.trainSize));
    std::iota(order.begin(), order.end(), 0);
    if (data.shuffle) std::shuffle(order.begin(), order.end(), rng);
    std::map<std::string, double> sums;
    // The last batch may be smaller: every sample is used once per epoch.
    for (int64_t begin = 0; begin < ds.trainSize; begin += batch) {
      int64_t end = std::min(begin + batch, ds.trainSize);
      std::vector<int64_t> rows(order.begin() + begin, order.begin() + end);
      ++step;
      ir::Bindings b;
      b.inputs = sliceRows(ds.train, rows);
      b.inputs.emplace("step", ir::Tensor::scalar(static_cast<double>(step)));
      b.params = result.params;
      for (const StepInfo &s : train.steps) {
        for (auto &[name, t] : states) b.inputs.insert_or_assign(name, t);
        for (auto &[name, v] : hyperInputs(s)) b.inputs.insert_or_assign(name, ir::Tensor::scalar(v));
        for (auto &[name, t] : result.params) b.params.insert_or_assign(name, t);
        std::map<std::string, ir::Tensor> out = ir::runOutputs(s.update, b, opt.precision);
        const std::string prefix = train.steps.size() == 1 ? "" : s.name + ".";
        for (const std::string &name : scalarOutputs(s.update)) {
          double v = out.at(name).data.at(0);
          if (name == "loss" && !std::isfinite(v))
            throw TrainError("the loss of step `" + s.name + "` is " + std::to_string(v) + " at epoch " +
                             std::to_string(epoch) + ", step " + std::to_string(step));
          sums[prefix + name] += v * static_cast<double>(end - begin);
        }
        for (auto &[name, t] : out) {
          if (name.rfind("param/", 0) == 0) result.params.insert_or_assign(name.substr(6), t);
          else if (name.rfind("state/", 0) == 0) states.insert_or_assign(name, t);
        }
      }
    }
    // The losses come before each update: the epoch's last one is checked here.
    for (const auto &[name, t] : result.params)
      for (double v : t.data)
        if (!std::isfinite(v))
          throw TrainError("param `" + name + "` holds " + std::to_string(v) + " after epoch " +
                           std::to_string(epoch) + ", step " + std::to_string(step) +
                           ", though the losses were finite: an update divided by zero or overflowed");
    for (auto &[name, sum] : sums) logLine.train[name] = sum / static_cast<double>(ds.trainSize);
    if (ds.validationSize > 0) {
      std::map<std::string, double> vsums;
      for (const StepInfo &s : train.steps) {
        std::vector<int64_t> rows;
        for (int64_t begin = 0; begin < ds.validationSize; begin += batch) {
          int64_t end = std::min(begin + batch, ds.validationSize);
          rows.resize(static_cast<size_t>(end - begin));
          std::iota(rows.begin(), rows.end(), begin);
          ir::Bindings b;
          b.inputs = sliceRows(ds.validation, rows);
          b.inputs.emplace("step", ir::Tensor::scalar(static_cast<double>(step)));
          b.params = result.params;
          auto out = ir::runOutputs(s.evaluate, b, opt.precision);
          const std::string prefix = train.steps.size() == 1 ? "" : s.name + ".";
          for (const std::string &name : scalarOutputs(s.evaluate))
            vsums[prefix + name] += out.at(name).data.at(0) * static_cast<double>(end - begin);
        }
      }
      for (auto &[name, sum] : vsums) logLine.validation[name] = sum / static_cast<double>(ds.validationSize);
    }
    if (log) {
      *log << "epoch " << epoch << "/" << epochs;
      for (auto &[name, v] : logLine.train) *log << "  " << name << " " << v;
      for (auto &[name, v] : logLine.validation) *log << "  val_" << name << " " << v;
      *log << "\n";
    }
    result.epochs.push_back(std::move(logLine));
  }
  return result;
}

} // namespace nnc::driver
