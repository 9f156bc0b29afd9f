// Reading a split's source (an IDX pair, a CSV file, literal rows or none for
// generated data) into the fields the data graph takes as inputs, using the
// runtime's readers (nnc/data.h).
#ifndef NNC_TRAINER_DATA_SOURCES_H
#define NNC_TRAINER_DATA_SOURCES_H

#include "Manifest.h"

#include <memory>
#include <string>
#include <vector>

namespace nnc::trainer {

// One field as a source provides it: `rows` rows of `rowDims`, row-major.
struct RawField {
  std::string name;
  DType dtype = DType::F32; // what the data graph reads
  std::vector<int64_t> rowDims;
  int64_t rows = 0;
  const void *data = nullptr;
  std::string file; // where it came from, for messages ("" for literal data)
  // Nonzero: data holds an IDX file's own elements, of this nnc_idx_type
  // (u8 pixels take a quarter of their size as f32), which copyRows
  // converts to dtype (f32) row by row. Zero: data holds dtype.
  int32_t idxType = 0;
  std::shared_ptr<void> storage; // owns what data points into

  int64_t rowElems() const;
  size_t rowBytes() const; // as stored
};

struct RawSplit {
  int64_t rows = 0;
  std::vector<RawField> fields;
  const RawField *find(const std::string &name) const;
};

// The path a source's file is read from: `dataDir`/<basename of path> when
// --data was given, else the path as compiled.
std::string resolveDataPath(const std::string &path, const std::string &dataDir);

// Reads the source's files (if any). Throws TrainError with the reader's
// message, which names the file.
RawSplit readSource(const Source &src, const std::string &dataDir);

// The rows rows[0..n) of `split`, in that order, as a split of their own
// (stored as `split` stores them).
RawSplit selectRows(const RawSplit &split, const int64_t *rows, int64_t n);

// Writes rows rows[0..n) of `field` (rows first .. first + n - 1 when rows
// is null) one after another to dst as its dtype, converting narrow IDX
// elements. Allocates nothing.
void copyRows(const RawField &field, const int64_t *rows, int64_t first, int64_t n, void *dst);

// Makes a field that holds narrow IDX elements hold its dtype (f32), for
// the uses that read a whole field in place; other fields stay as they are.
void widen(RawField &field);

// Makes `field` int32, as an input typed i32 needs (CSV labels are read as
// floats); fails naming the file for a non-integer.
void convertToI32(RawField &field);

} // namespace nnc::trainer

#endif
