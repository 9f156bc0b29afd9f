#include "CsvTable.h"
#include "trainer/TrainError.h"

#include <zlib.h>

#include <cerrno>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string_view>

namespace nnc::infer {

namespace {

using trainer::quoted;
using trainer::TrainError;

std::string readText(const std::string &path) {
  errno = 0;
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw TrainError("cannot open " + quoted(path) + ": " + (errno ? std::strerror(errno) : "out of memory"));
  std::string text;
  char buf[1 << 16];
  int got = 0;
  while ((got = gzread(f, buf, sizeof buf)) > 0)
    text.append(buf, static_cast<size_t>(got));
  int code = Z_OK;
  std::string why = got < 0 ? gzerror(f, &code) : "";
  gzclose(f);
  if (got < 0)
    throw TrainError((code == Z_ERRNO ? "cannot read " + quoted(path) + ": " + std::strerror(errno)
                                      : "corrupt gzip data in " + quoted(path) + ": " + why));
  return text;
}

struct Field {
  std::string text;
  int64_t line = 0, col = 0;
};

// Splits the text into records of fields (RFC 4180), skipping blank lines.
class Records {
public:
  Records(const std::string &path, std::string_view text) : path_(path), text_(text) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = lineStart_ = 3; // a UTF-8 byte order mark
    // A CRLF file's last line may end in a bare "\r".
    if (!text_.empty() && text_.back() == '\r') text_.remove_suffix(1);
  }

  std::string where(int64_t line, int64_t col) const {
    return quoted(path_) + ":" + std::to_string(line) + ":" + std::to_string(col);
  }

  // The next record's fields; false at the end of the text.
  bool next(std::vector<Field> &fields) {
    fields.clear();
    while (pos_ < text_.size() && atLineEnd())
      newline();
    if (pos_ >= text_.size()) return false;
    for (;;) {
      fields.push_back(field());
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size()) newline();
      return true;
    }
  }

private:
  // At "\n" or "\r\n".
  bool atLineEnd() const { return text_[pos_] == '\n' || text_.substr(pos_, 2) == "\r\n"; }

  void newline() {
    pos_ += text_[pos_] == '\r' ? 2 : 1;
    ++line_;
    lineStart_ = pos_;
  }

  Field field() {
    Field f{"", line_, static_cast<int64_t>(pos_ - lineStart_) + 1};
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] == ' ')
      ++pos_;
    if (pos_ >= text_.size() || text_[pos_] != '"') {
      pos_ = start;
      while (pos_ < text_.size() && text_[pos_] != ',' && !atLineEnd())
        ++pos_;
      f.text = text_.substr(start, pos_ - start);
      return f;
    }
    int64_t quoteLine = line_, quoteCol = static_cast<int64_t>(pos_ - lineStart_) + 1;
    for (++pos_;; ++pos_) {
      if (pos_ >= text_.size()) throw TrainError(where(quoteLine, quoteCol) + ": unterminated quoted field");
      char c = text_[pos_];
      if (c == '"' && text_.substr(pos_, 2) == "\"\"") {
        f.text += '"';
        ++pos_;
        continue;
      }
      if (c == '"') break;
      f.text += c;
      if (c == '\n') {
        ++line_;
        lineStart_ = pos_ + 1;
      }
    }
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] == ' ')
      ++pos_;
    if (pos_ < text_.size() && text_[pos_] != ',' && !atLineEnd())
      throw TrainError(where(line_, static_cast<int64_t>(pos_ - lineStart_) + 1) +
                       ": unexpected character after a closing quote");
    return f;
  }

  const std::string &path_;
  std::string_view text_;
  size_t pos_ = 0, lineStart_ = 0;
  int64_t line_ = 1;
};

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return std::string(s);
}

float number(const Records &r, const Field &f, const std::string &column) {
  std::string s = trim(f.text);
  std::string_view digits = s;
  if (digits.size() > 1 && digits.front() == '+' && digits[1] != '-' && digits[1] != '+') digits.remove_prefix(1);
  double d = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
  std::string shown = s.size() > 40 ? s.substr(0, 40) + "..." : s;
  std::string what = r.where(f.line, f.col) + ": field `" + shown + "` in column " + quoted(column);
  if (s.empty()) throw TrainError(r.where(f.line, f.col) + ": empty field in column " + quoted(column));
  if (end != digits.data() + digits.size() || (ec != std::errc() && ec != std::errc::result_out_of_range))
    throw TrainError(what + " is not a number");
  if (ec == std::errc() && !std::isfinite(d)) throw TrainError(what + " is not a finite number");
  if (ec == std::errc::result_out_of_range || std::fabs(d) > FLT_MAX)
    throw TrainError(what + " is out of range for f32");
  return static_cast<float>(d);
}

} // namespace

int CsvTable::find(const std::string &name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return static_cast<int>(i);
  return -1;
}

std::string CsvTable::names() const {
  std::string s;
  for (const std::string &c : columns)
    s += (s.empty() ? "" : ", ") + quoted(c);
  return s;
}

CsvTable readCsvTable(const std::string &path) {
  std::string text = readText(path);
  Records records(path, text);
  CsvTable t;
  t.path = path;
  std::vector<Field> fields;
  if (!records.next(fields)) throw TrainError(quoted(path) + ": empty CSV file (expected a header row)");
  for (const Field &f : fields)
    t.columns.push_back(trim(f.text));
  for (; records.next(fields); ++t.rows) {
    int64_t line = fields.front().line;
    if (fields.size() != t.columns.size())
      throw TrainError(quoted(path) + ":" + std::to_string(line) + ": row has " + std::to_string(fields.size()) +
                       " fields but the header has " + std::to_string(t.columns.size()));
    for (size_t i = 0; i < fields.size(); ++i)
      t.values.push_back(number(records, fields[i], t.columns[i]));
  }
  if (t.rows == 0) throw TrainError(quoted(path) + ": no data rows after the header");
  return t;
}

} // namespace nnc::infer
