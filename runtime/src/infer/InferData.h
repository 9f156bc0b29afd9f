// What an inference executable predicts on and checks against: the rows of
// the model's inputs, from a file (through the data block's preprocessing
// when the program has it) or raw float32 rows on standard input, and the
// true classes.
#ifndef NNC_INFER_INFER_DATA_H
#define NNC_INFER_INFER_DATA_H

#include "ModelInfo.h"

#include "nnc/program.h"

#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <vector>

namespace nnc::infer {

// The model's inputs, batch after batch.
class RowSource {
public:
  virtual ~RowSource() = default;
  // Points inputs[i] at the next rows of model input i, at most maxRows of
  // them, and returns their count: 0 at the end. Throws TrainError.
  virtual int64_t next(int64_t maxRows, std::vector<const void *> &inputs) = 0;
  // The number of rows, or -1 when not known before the end.
  virtual int64_t rows() const = 0;
};

// Rows from the file at `path` (IDX or CSV, told apart by their contents) or,
// for "" and "-", raw float32 rows of input 0 read from `in`, up to
// maxRows at a time. A file feeds the model through the data graph when the
// program has one that computes every model input from what the file holds,
// else directly when the model has one input and the file's rows have its
// size. Throws TrainError naming the file.
std::unique_ptr<RowSource> openRows(const ModelInfo &info, const nnc_program &p, const std::string &path,
                                    std::istream &in, int64_t maxRows);

// The classes in a label file: IDX integers, or a CSV column (the label
// column of the model's csv source if the file has it, else its only
// column). Throws TrainError naming the file.
std::vector<int32_t> readLabels(const Manifest &m, const std::string &path);

} // namespace nnc::infer

#endif
