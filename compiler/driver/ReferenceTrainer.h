// Training on the reference interpreter: the oracle for compiled training.
//
// Runs a train block exactly as its graphs say (init, optimizer state init,
// update steps over shuffled mini-batches, evaluation), with every op on the
// interpreter. Slow, and meant to be: simple enough to trust. It reads the
// data a program carries itself (literal rows and generated samples); data
// files are the runtime's job.
#pragma once

#include "frontend/Elaborator.h"
#include "ir/Interpreter.h"

#include <iosfwd>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace nnc::driver {

struct TrainError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TrainOptions {
  int64_t epochs = -1; // -1: the train block's setting
  int64_t batch = -1;
  uint64_t seed = 0;   // shuffling
  ir::Precision precision = ir::Precision::F32;
};

struct EpochLog {
  int64_t epoch = 0;
  std::map<std::string, double> train; // "loss" and each metric, averaged over samples
  std::map<std::string, double> validation;
};

struct TrainResult {
  std::vector<EpochLog> epochs;
  std::map<std::string, ir::Tensor> params;
};

// The samples of a data block, field by field (each with the batch
// dimension bound to the number of samples), split into training and
// validation, and the test split of generated data (`test_samples`).
// Throws TrainError for data that is not in the program.
struct Dataset {
  std::map<std::string, ir::Tensor> train, validation, test;
  int64_t trainSize = 0, validationSize = 0, testSize = 0;
};
Dataset loadProgramData(const DataInfo &data, uint64_t seed);

// Rows [begin, end) of every field.
std::map<std::string, ir::Tensor> sliceRows(const std::map<std::string, ir::Tensor> &fields,
                                            const std::vector<int64_t> &rows);

// Runs every epoch of `train`; logs one line per epoch to `log` if given.
TrainResult trainOnInterpreter(const ElaboratedProgram &prog, const TrainInfo &train, const TrainOptions &opt,
                               std::ostream *log = nullptr);

} // namespace nnc::driver
