// The driver: the stages of a training run in order, each a line. Options,
// the manifest, params (or a checkpoint), the log and plot, the data, the
// epochs, the test split, the summary. Every failure below surfaces here as
// a TrainError.
#include "Trainer.h"
#include "CheckpointIO.h"
#include "Dataset.h"
#include "DriverMain.h"
#include "LearningCurves.h"
#include "Manifest.h"
#include "ModelState.h"
#include "Options.h"
#include "Picture.h"
#include "Report.h"
#include "TrainError.h"
#include "TrainLoop.h"
#include "TrainingLog.h"

#include "nnc/threads.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <optional>

namespace nnc::trainer {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Each hyperparameter's value, with --lr replacing every "lr".
std::vector<double> hyperValues(const Manifest &m, const Options &o) {
  std::vector<double> values;
  bool haveLr = false;
  for (const Hyper &h : m.hypers) {
    bool lr = h.name == "lr";
    haveLr = haveLr || lr;
    values.push_back(lr && o.lr ? *o.lr : h.value);
  }
  if (o.lr && !haveLr)
    throw TrainError("the learning rate of this program is a schedule or absent; --lr cannot override it", kExitUsage);
  return values;
}

const nnc_program &checkedProgram(const nnc_program *p) {
  if (!p) throw TrainError("no program");
  if (p->abi_version != NNC_PROGRAM_ABI)
    throw TrainError("the program was built for runtime ABI " + std::to_string(p->abi_version) +
                     ", but this runtime is ABI " + std::to_string(NNC_PROGRAM_ABI));
  if (p->num_graphs > 0 && !p->graphs) throw TrainError("the program has no graph table");
  return *p;
}

// "Classifier on fashion — train": the chart's title.
std::string chartTitle(const Manifest &m, const std::string &argv0) {
  return m.model + " on " + m.data + " \xE2\x80\x94 " + argv0.substr(argv0.rfind('/') + 1);
}

int train(const nnc_program *programPtr, const std::vector<std::string> &args, std::ostream &out, std::ostream &err,
          bool interactive) {
  const Clock::time_point start = Clock::now();
  const std::string argv0 = args.empty() || args[0].empty() ? "train" : args[0];
  Options o = parseOptions(args);
  if (o.help) {
    out << usage(argv0);
    return 0;
  }
  const nnc_program &program = checkedProgram(programPtr);
  Manifest m = parseManifest(program.manifest, program.num_graphs);
  checkManifest(m);
  if (!o.picturePath.empty()) requirePicture(m);
  LoopConfig config;
  config.hypers = hyperValues(m, o);
  if (o.threads) nnc_threads_set(*o.threads);

  ModelState state = initModelState(m, program);
  RunPosition pos{0, 0, m.settings.seed};
  if (!o.resumePath.empty()) {
    Restored r = restoreCheckpoint(o.resumePath, state);
    if (!r.warning.empty()) err << argv0 << ": warning: " << r.warning << "\n";
    pos = r.pos;
  }
  if (o.seed) pos.seed = *o.seed;
  std::optional<CheckpointWriter> writer;
  if (!o.savePath.empty()) writer.emplace(state);

  // --log and --plot are written once before the data is read, so that a bad
  // path stops the run before it spends any time.
  History history = emptyHistory(m);
  std::optional<TrainingLog> log;
  if (!o.logPath.empty())
    log.emplace(o.logPath, history, o.resumePath.empty() ? std::nullopt : std::optional<int64_t>(pos.epoch));
  // A resumed log's seconds go on from its last row.
  const double secondsBefore = history.epochs.empty() ? 0 : history.epochs.back().seconds;
  const std::vector<double> rates = stepRates(m, config.hypers);
  const std::string title = chartTitle(m, argv0);
  // Redrawn after an epoch at most once a second, so that a run of many
  // tiny epochs does not spend its time redrawing a growing chart; always
  // after the last one and when training stops.
  Clock::time_point plotted{};
  auto plot = [&](bool now) {
    if (o.plotPath.empty() || (!now && Clock::now() - plotted < std::chrono::seconds(1))) return;
    writeLearningCurves(o.plotPath, history, title);
    plotted = Clock::now();
  };
  plot(true);

  Dataset data = loadDataset(m, program, o.dataDir, pos.seed, state.statistics);
  const int64_t epochs = o.epochs.value_or(m.settings.epochs);
  config.batch = std::min(o.batch.value_or(m.settings.batch), data.trainingRows());
  config.seed = pos.seed;
  config.shuffle = m.settings.shuffle;
  config.steps = o.steps.value_or(0);
  TrainLoop loop(m, program, data, state, config);
  loop.globalStep = pos.globalStep;

  Reporter report(out, o.quiet, o.json, interactive);
  report.summary(m, state, data);
  if (!o.resumePath.empty()) report.resumed(o.resumePath, pos.epoch, pos.globalStep);
  RunSummary summary;
  summary.train.names = loop.trainNames();
  summary.validation.names = loop.evalNames();
  // Which checkpoint a failure leaves behind, for its message.
  int64_t savedEpoch = !o.resumePath.empty() && o.resumePath == o.savePath ? pos.epoch : -1;

  for (int64_t epoch = pos.epoch + 1; epoch <= epochs; ++epoch) {
    const Clock::time_point epochStart = Clock::now();
    auto onBatch = [&](int64_t b, int64_t batches, int64_t rows, const std::vector<double> &sums) {
      report.batch(epoch, epochs, b, batches, rows, summary.train.names, sums);
    };
    try {
      summary.train.values = loop.trainEpoch(epoch, onBatch);
    } catch (const NonFiniteLoss &e) {
      report.interrupt();
      plot(true);
      std::string kept = savedEpoch >= 0 ? "; the last checkpoint " + quoted(o.savePath) + " (epoch " +
                                               std::to_string(savedEpoch) + ") is kept"
                                         : "";
      throw TrainError(e.what() + kept);
    }
    summary.trainSeconds += secondsSince(epochStart);
    summary.samplesTrained += loop.epochRows();
    summary.validation.values = loop.evaluateValidation();
    if (writer) {
      writer->save(o.savePath, {epoch, loop.globalStep, pos.seed});
      savedEpoch = epoch;
    }
    summary.epochs = epoch;
    history.epochs.push_back({epoch, loop.globalStep, summary.train.values, summary.validation.values, rates,
                              secondsBefore + secondsSince(start)});
    if (history.epochs.back().validation.empty())
      history.epochs.back().validation.assign(history.validation.size(), std::nan(""));
    if (log) log->append(history.epochs.back());
    plot(epoch == epochs);
    report.epoch(epoch, epochs, secondsSince(epochStart), summary.train, summary.validation);
  }
  summary.epochs = std::max(summary.epochs, pos.epoch);

  if (data.hasTest) {
    data.readTest();
    summary.test = Metrics{loop.evalNames(), loop.evaluateTest()};
    report.test(*summary.test);
    history.testNames = summary.test->names;
    history.test = summary.test->values;
    plot(true);
  }
  if (!o.picturePath.empty()) writePicture(o.picturePath, m, program, data, state);
  summary.seconds = secondsSince(start);
  report.json(summary);
  return 0;
}

} // namespace

int run(const nnc_program *program, const std::vector<std::string> &args, std::ostream &out, std::ostream &err,
        bool interactive) {
  const std::string argv0 = args.empty() || args[0].empty() ? "train" : args[0];
  return reportErrors(argv0, out, err, [&] { return train(program, args, out, err, interactive); });
}

} // namespace nnc::trainer

extern "C" int nnc_train_main(const nnc_program *program, int argc, char **argv) {
  try {
    int status = nnc::trainer::run(program, nnc::trainer::argumentsOf(argc, argv), std::cout, std::cerr,
                                   isatty(STDOUT_FILENO) != 0);
    std::cout.flush();
    return status;
  } catch (...) {
    return nnc::trainer::kExitFailure;
  }
}
