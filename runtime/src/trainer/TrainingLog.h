// The record of a run, epoch by epoch, and --log: the same record as a CSV
// file with a header row, one row appended and flushed per epoch, so that a
// run that crashes keeps the rows of the epochs it finished.
//
// Columns: epoch, step (the global step at the epoch's end), each training
// metric by its name ("loss", "accuracy"; "D.loss", "G.loss" with several
// steps), "val_" and each evaluate metric (empty cells without a validation
// split), the learning rate ("lr", or "<step>.lr" with several steps; empty
// when it is a schedule, which only the compiled graph computes), and seconds
// since the run started. Numbers are written with enough digits to read
// back as the same float.
//
// On --resume the log is rewritten consistently with the checkpoint: the rows
// of epochs up to the checkpoint's are kept (later ones belong to a run that
// is being redone), the header must be this program's, and new rows follow;
// seconds continue from the last kept row. Without --resume the file is
// started afresh.
#ifndef NNC_TRAINER_TRAINING_LOG_H
#define NNC_TRAINER_TRAINING_LOG_H

#include "Manifest.h"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nnc::trainer {

// One epoch's numbers; NaN where nothing was measured (an empty cell).
struct EpochRecord {
  int64_t epoch = 0, step = 0;
  std::vector<double> train, validation, rates; // in History's name order
  double seconds = 0;
};

struct History {
  std::vector<std::string> train;      // the training metrics' names
  std::vector<std::string> validation; // the evaluate metrics' names, without "val_"
  std::vector<std::string> rates;      // "lr" or "<step>.lr", one per step
  std::vector<EpochRecord> epochs;
  // The test metrics measured after the last epoch, if any.
  std::vector<std::string> testNames;
  std::vector<double> test;

  std::vector<std::string> columns() const; // the CSV header
};

// The names of a program's history, no epochs yet.
History emptyHistory(const Manifest &m);

// Each step's learning rate: its "lr" hyperparameter as `hypers` (one per
// Manifest::hypers) sets it, or NaN when it has none (a schedule).
std::vector<double> stepRates(const Manifest &m, const std::vector<double> &hypers);

struct CloseFile {
  void operator()(std::FILE *f) const { std::fclose(f); }
};

class TrainingLog {
public:
  // Opens the log at `path` for a run of `history`'s columns. With
  // `resumedEpoch`, keeps the file's rows up to that epoch and loads them
  // into history.epochs (a missing file starts empty); otherwise replaces
  // the file. Throws TrainError naming the path when it cannot be written,
  // or when a resumed log has other columns.
  TrainingLog(const std::string &path, History &history, std::optional<int64_t> resumedEpoch);

  // Appends `r` as a row and flushes it. Throws TrainError.
  void append(const EpochRecord &r);

private:
  std::string path_;
  std::unique_ptr<std::FILE, CloseFile> file_;
};

// The CSV text of a history's header and rows (what the log holds).
std::string csvHeader(const History &h);
std::string csvRow(const EpochRecord &r);

} // namespace nnc::trainer

#endif
