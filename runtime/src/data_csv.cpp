// The CSV dataset reader: a header row, numeric fields, one named label
// column split off from the features.
//
// The whole file is read into memory (through zlib, so .csv.gz works too) and
// parsed record by record. Fields are RFC 4180: separated by commas, records
// by LF or CRLF, a field in double quotes may hold commas, newlines and ""
// for a quote. Numbers are parsed with std::from_chars, which ignores the C
// locale: a program that called setlocale still reads "0.5" as a half.
#include "nnc/data.h"

#include "data_internal.h"

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <vector>

using namespace nnc::rt;

namespace {

struct Field {
  std::string_view raw;  // the field's text in the file
  std::string unescaped; // a quoted field's contents, when it held ""
  bool escaped = false;
  int64_t line = 0;
  int64_t col = 0;
  // Not a stored view into `unescaped`: the vector of fields may move it.
  std::string_view text() const { return escaped ? std::string_view(unescaped) : raw; }
};

// Walks the file's text one record at a time, tracking line and column for
// messages.
class CsvParser {
public:
  CsvParser(const std::string &path, std::string_view text) : path_(path), text_(text) {
    // A UTF-8 byte order mark (as spreadsheets write) is not part of a name.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = lineStart_ = 3;
  }

  // Parses the next record into `fields` (blank lines are skipped). Sets
  // *done at the end of the text. Returns an nnc_status.
  int next(std::vector<Field> &fields, bool *done, int64_t *recordLine) {
    skipBlankLines();
    *done = pos_ >= text_.size();
    if (*done) return NNC_OK;
    *recordLine = line_;
    size_t count = 0;
    for (;;) {
      if (count == fields.size()) fields.emplace_back();
      Field &f = fields[count++];
      if (int rc = parseField(f)) return rc;
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      endLine();
      break;
    }
    fields.resize(count);
    return NNC_OK;
  }

  std::string where(int64_t line, int64_t col = 0) const {
    std::string s = quoted(path_) + ":" + std::to_string(line);
    return col ? s + ":" + std::to_string(col) : s;
  }

private:
  void skipBlankLines() {
    for (;;) {
      size_t p = pos_;
      if (p < text_.size() && text_[p] == '\r') ++p;
      if (p >= text_.size() || text_[p] != '\n') {
        if (p >= text_.size()) pos_ = p;
        return;
      }
      pos_ = p;
      endLine();
    }
  }

  // Consumes the record's end: "\n", "\r\n" or the end of the text.
  void endLine() {
    if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
    if (pos_ >= text_.size()) return;
    ++pos_; // the '\n'
    ++line_;
    lineStart_ = pos_;
  }

  int parseField(Field &f) {
    f.line = line_;
    f.col = static_cast<int64_t>(pos_ - lineStart_) + 1;
    f.unescaped.clear();
    f.escaped = false;
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] == ' ')
      ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '"') return parseQuoted(f);
    pos_ = start;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n')
      ++pos_;
    size_t end = pos_;
    if (end > start && text_[end - 1] == '\r' && (end == text_.size() || text_[end] == '\n')) --end;
    f.raw = text_.substr(start, end - start);
    return NNC_OK;
  }

  int parseQuoted(Field &f) {
    int64_t quoteLine = line_, quoteCol = static_cast<int64_t>(pos_ - lineStart_) + 1;
    size_t start = ++pos_;
    for (;;) {
      if (pos_ >= text_.size()) return fail(NNC_ERR_FORMAT, where(quoteLine, quoteCol) + ": unterminated quoted field");
      char c = text_[pos_++];
      if (c == '\n') {
        ++line_;
        lineStart_ = pos_;
      }
      if (c != '"') {
        if (f.escaped) f.unescaped += c;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '"') {
        // The first "" switches from a view of the file to a copy.
        if (!f.escaped) f.unescaped.assign(text_.substr(start, pos_ - 1 - start));
        f.escaped = true;
        f.unescaped += '"';
        ++pos_;
        continue;
      }
      break;
    }
    f.raw = text_.substr(start, pos_ - 1 - start);
    while (pos_ < text_.size() && text_[pos_] == ' ')
      ++pos_;
    size_t p = pos_;
    if (p < text_.size() && text_[p] == '\r' && (p + 1 == text_.size() || text_[p + 1] == '\n')) ++p;
    if (p >= text_.size() || text_[p] == ',' || text_[p] == '\n') return NNC_OK;
    return fail(NNC_ERR_FORMAT, where(line_, static_cast<int64_t>(pos_ - lineStart_) + 1) +
                                    ": unexpected character after a closing quote");
  }

  const std::string &path_;
  std::string_view text_;
  size_t pos_ = 0;
  size_t lineStart_ = 0;
  int64_t line_ = 1;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

int readAll(GzInput &in, std::string &text) {
  if (int rc = in.open()) return rc;
  char buf[1 << 16];
  for (;;) {
    int64_t got = in.read(buf, sizeof buf);
    if (got < 0) return NNC_ERR_IO;
    if (got == 0) return NNC_OK;
    text.append(buf, static_cast<size_t>(got));
  }
}

// Finds the label column in the header: exactly once, with a feature beside it.
int findLabel(const CsvParser &p, const std::vector<Field> &header, std::string_view label, size_t *index) {
  size_t found = 0;
  std::string names;
  for (size_t i = 0; i < header.size(); ++i) {
    std::string_view name = trim(header[i].text());
    names += (i ? ", " : "") + std::string(name);
    if (name != label) continue;
    if (found++)
      return fail(NNC_ERR_FORMAT, p.where(1) + ": the header names column `" + std::string(label) + "` twice");
    *index = i;
  }
  if (!found)
    return fail(NNC_ERR_NOT_FOUND,
                p.where(1) + ": no column named `" + std::string(label) + "` in the header (columns: " + names + ")");
  if (header.size() < 2)
    return fail(NNC_ERR_FORMAT,
                p.where(1) + ": no feature columns besides the label column `" + std::string(label) + "`");
  return NNC_OK;
}

int parseNumber(const CsvParser &p, const Field &f, std::string_view column, float *out) {
  std::string_view s = trim(f.text());
  auto complain = [&](const char *what) {
    // A runaway field (say, a binary file read as CSV) is shown in part.
    std::string shown = s.size() > 40 ? std::string(s.substr(0, 40)) + "..." : std::string(s);
    return fail(NNC_ERR_FORMAT,
                p.where(f.line, f.col) + ": field `" + shown + "` in column `" + std::string(column) + "` " + what);
  };
  if (s.empty())
    return fail(NNC_ERR_FORMAT, p.where(f.line, f.col) + ": empty field in column `" + std::string(column) + "`");
  std::string_view digits = s;
  // from_chars takes no '+'; a sign followed by another sign is still bad.
  if (digits.front() == '+' && digits.size() > 1 && digits[1] != '-' && digits[1] != '+') digits.remove_prefix(1);
  double d = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
  if (end != digits.data() + digits.size() || (ec != std::errc() && ec != std::errc::result_out_of_range))
    return complain("is not a number");
  if (ec == std::errc() && !std::isfinite(d)) return complain("is not a finite number");
  // Out of double's range (either way) or past float's largest value.
  if (ec == std::errc::result_out_of_range || std::fabs(d) > FLT_MAX) return complain("is out of range for f32");
  *out = static_cast<float>(d);
  return NNC_OK;
}

template <typename T> T *copyOut(const std::vector<T> &v) {
  auto *p = static_cast<T *>(std::malloc(std::max<size_t>(v.size(), 1) * sizeof(T)));
  if (p && !v.empty()) std::memcpy(p, v.data(), v.size() * sizeof(T));
  return p;
}

int readCsv(const char *path, const char *labelColumn, nnc_tensor_f32 *features, nnc_tensor_f32 *labels) {
  GzInput in(path);
  std::string text;
  if (int rc = readAll(in, text)) return rc;
  CsvParser p(in.path(), text);
  std::vector<Field> header, row;
  bool done = false;
  int64_t line = 0;
  if (int rc = p.next(header, &done, &line)) return rc;
  if (done) return fail(NNC_ERR_FORMAT, quoted(in.path()) + ": empty CSV file (expected a header row)");
  size_t label = 0;
  if (int rc = findLabel(p, header, labelColumn, &label)) return rc;
  std::vector<float> x, y;
  for (;;) {
    if (int rc = p.next(row, &done, &line)) return rc;
    if (done) break;
    if (row.size() != header.size())
      return fail(NNC_ERR_FORMAT, p.where(line) + ": row has " + std::to_string(row.size()) +
                                      " fields but the header has " + std::to_string(header.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      float v = 0;
      if (int rc = parseNumber(p, row[i], trim(header[i].text()), &v)) return rc;
      (i == label ? y : x).push_back(v);
    }
  }
  if (y.empty()) return fail(NNC_ERR_FORMAT, quoted(in.path()) + ": no data rows after the header");
  float *xs = copyOut(x), *ys = copyOut(y);
  if (!xs || !ys) {
    std::free(xs);
    std::free(ys);
    return fail(NNC_ERR_NOMEM, "out of memory");
  }
  int64_t rows = static_cast<int64_t>(y.size()), cols = static_cast<int64_t>(header.size()) - 1;
  *features = nnc_tensor_f32{xs, rows * cols, 2, {rows, cols}};
  *labels = nnc_tensor_f32{ys, rows, 1, {rows}};
  return NNC_OK;
}

} // namespace

extern "C" {

int nnc_csv_read(const char *path, const char *label_column, nnc_tensor_f32 *features, nnc_tensor_f32 *labels) {
  if (!features || !labels) return fail(NNC_ERR_ARG, "nnc_csv_read: no output tensor");
  *features = nnc_tensor_f32{};
  *labels = nnc_tensor_f32{};
  if (!path || !label_column) return fail(NNC_ERR_ARG, "nnc_csv_read: no path or label column");
  return guarded([&] { return readCsv(path, label_column, features, labels); });
}

int nnc_labels_to_i32(const nnc_tensor_f32 *labels, nnc_tensor_i32 *out) {
  if (!out) return fail(NNC_ERR_ARG, "nnc_labels_to_i32: no output tensor");
  *out = nnc_tensor_i32{};
  if (!labels || (labels->numel > 0 && !labels->data) || labels->numel < 0)
    return fail(NNC_ERR_ARG, "nnc_labels_to_i32: invalid input tensor");
  for (int64_t i = 0; i < labels->numel; ++i) {
    float v = labels->data[i];
    if (v != std::trunc(v) || !std::isfinite(v))
      return fail(NNC_ERR_FORMAT, "label " + formatG(v) + " at index " + std::to_string(i) + " is not an integer");
    if (v < -2147483648.0f || v >= 2147483648.0f)
      return fail(NNC_ERR_FORMAT, "label " + formatG(v) + " at index " + std::to_string(i) + " does not fit in int32");
  }
  auto *data = static_cast<int32_t *>(std::malloc(std::max<int64_t>(labels->numel, 1) * sizeof(int32_t)));
  if (!data) return fail(NNC_ERR_NOMEM, "out of memory");
  for (int64_t i = 0; i < labels->numel; ++i)
    data[i] = static_cast<int32_t>(labels->data[i]);
  out->data = data;
  out->numel = labels->numel;
  out->rank = labels->rank;
  for (int i = 0; i < NNC_MAX_RANK; ++i)
    out->dims[i] = labels->dims[i];
  return NNC_OK;
}

} // extern "C"
