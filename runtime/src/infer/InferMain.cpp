// The inference executable: the options, the model's context, the rows in
// batches, one line per row, the accuracy. Every failure below surfaces here
// as a TrainError carrying the exit status.
#include "InferMain.h"
#include "InferData.h"
#include "InferOptions.h"
#include "ModelInfo.h"
#include "Predictions.h"
#include "trainer/GraphRunner.h"
#include "trainer/DriverMain.h"
#include "trainer/TrainError.h"

#include "nnc/model.h"
#include "nnc/threads.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

namespace nnc::infer {

namespace {

using trainer::kExitFailure;
using trainer::kExitUsage;
using trainer::quoted;
using trainer::TrainError;

using Clock = std::chrono::steady_clock;

struct DestroyModel {
  void operator()(nnc_model *m) const { nnc_model_destroy(m); }
};

std::string jsonNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

int infer(const nnc_program *p, const std::vector<std::string> &args, std::istream &in, std::ostream &out,
          const std::string &argv0) {
  InferOptions o = parseInferOptions(args);
  if (o.help) {
    out << inferUsage(argv0);
    return 0;
  }
  const ModelInfo *info = nullptr;
  if (modelInfo(p, &info)) throw TrainError(nnc_last_error());
  const Manifest &m = info->manifest;
  if (o.weights.empty() && p->num_weights == 0)
    throw TrainError("model " + quoted(m.model) + " has no weights compiled in: give a checkpoint with --weights PATH",
                     kExitUsage);
  if (!o.labels.empty() && !m.classifier)
    throw TrainError("--labels needs a classifier, and model " + quoted(m.model) + " is not one (its output " +
                         quoted(m.outputs.front().name) + " is not class scores)",
                     kExitUsage);
  if (o.threads) nnc_threads_set(*o.threads);

  std::unique_ptr<RowSource> rows = openRows(*info, *p, o.input, in, o.batch);
  std::vector<int32_t> labels;
  if (!o.labels.empty()) labels = readLabels(m, o.labels);
  auto labelCountError = [&](int64_t n) {
    return TrainError(quoted(o.labels) + " holds " + std::to_string(labels.size()) + " labels for " +
                      std::to_string(n) + " rows of " +
                      (o.input.empty() || o.input == "-" ? "standard input" : quoted(o.input)));
  };
  if (!o.labels.empty() && rows->rows() >= 0 && static_cast<int64_t>(labels.size()) != rows->rows())
    throw labelCountError(rows->rows());

  const int64_t batch = rows->rows() > 0 ? std::min(o.batch, rows->rows()) : o.batch;
  nnc_model *raw = nullptr;
  if (nnc_model_create(p, batch, o.weights.empty() ? nullptr : o.weights.c_str(), &raw))
    throw TrainError(nnc_last_error());
  std::unique_ptr<nnc_model, DestroyModel> model(raw);
  std::vector<trainer::Buffer> outputStorage;
  std::vector<void *> outputs;
  for (const Port &port : m.outputs) {
    outputStorage.emplace_back(trainer::tensorBytes(port.type, batch));
    outputs.push_back(outputStorage.back().data());
  }
  std::vector<const void *> inputs(m.inputs.size());

  int64_t done = 0, correct = 0;
  double seconds = 0;
  std::string text;
  for (;;) {
    int64_t n = rows->next(batch, inputs);
    if (n == 0) break;
    Clock::time_point start = Clock::now();
    if (nnc_model_predict(model.get(), n, inputs.data(), outputs.data())) throw TrainError(nnc_last_error());
    seconds += std::chrono::duration<double>(Clock::now() - start).count();
    text.clear();
    for (int64_t r = 0; r < n; ++r) {
      if (!o.quiet) {
        appendPrediction(m, outputs, r, text);
        text += '\n';
      }
      if (!labels.empty() && done + r < static_cast<int64_t>(labels.size())) {
        const Port &scores = m.outputs.front();
        correct += classify(outputs.front(), scores.type.dtype, scores.type.shape.rowElems(), r).label ==
                   labels[static_cast<size_t>(done + r)];
      }
    }
    out << text;
    done += n;
  }
  if (!o.labels.empty() && static_cast<int64_t>(labels.size()) != done) throw labelCountError(done);

  bool haveAccuracy = !o.labels.empty() && done > 0;
  double accuracy = haveAccuracy ? static_cast<double>(correct) / static_cast<double>(done) : 0;
  if (haveAccuracy) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "accuracy: %.4f (%lld of %lld)\n", accuracy, static_cast<long long>(correct),
                  static_cast<long long>(done));
    out << buf;
  }
  if (o.json)
    out << "{\"samples\": " << done << ", \"accuracy\": " << (haveAccuracy ? jsonNumber(accuracy) : "null")
        << ", \"seconds\": " << jsonNumber(seconds)
        << ", \"samples_per_s\": " << (seconds > 0 ? jsonNumber(static_cast<double>(done) / seconds) : "null") << "}\n";
  return 0;
}

} // namespace

int run(const nnc_program *program, const std::vector<std::string> &args, std::istream &in, std::ostream &out,
        std::ostream &err) {
  const std::string argv0 = args.empty() || args[0].empty() ? "predict" : args[0];
  return trainer::reportErrors(argv0, out, err, [&] { return infer(program, args, in, out, argv0); });
}

} // namespace nnc::infer

extern "C" int nnc_infer_main(const nnc_program *program, int argc, char **argv) {
  try {
    int status = nnc::infer::run(program, nnc::trainer::argumentsOf(argc, argv), std::cin, std::cout, std::cerr);
    std::cout.flush();
    return status;
  } catch (...) {
    return nnc::trainer::kExitFailure;
  }
}
