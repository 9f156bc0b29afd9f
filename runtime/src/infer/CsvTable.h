// A numeric CSV file read whole, every column kept: what an inference
// executable needs for inputs that are only features and for label files of
// one column, both of which nnc_csv_read (nnc/data.h), built for training
// data with a label column beside the features, rejects.
#ifndef NNC_INFER_CSV_TABLE_H
#define NNC_INFER_CSV_TABLE_H

#include <cstdint>
#include <string>
#include <vector>

namespace nnc::infer {

struct CsvTable {
  std::string path;
  std::vector<std::string> columns; // the header's names, trimmed
  int64_t rows = 0;
  std::vector<float> values; // row-major, rows x columns.size()

  // The index of the column called `name`, or -1.
  int find(const std::string &name) const;
  // The columns' names as "`a`, `b`" for messages.
  std::string names() const;
};

// Reads `path` (gzip-compressed or not) with the syntax nnc_csv_read accepts:
// a header row, RFC 4180 fields separated by commas, LF or CRLF line ends,
// blank lines skipped, numbers that fit f32. Throws TrainError naming the file
// and line:column of the first fault.
CsvTable readCsvTable(const std::string &path);

} // namespace nnc::infer

#endif
