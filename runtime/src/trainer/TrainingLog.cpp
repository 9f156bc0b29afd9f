#include "TrainingLog.h"
#include "TrainError.h"
#include "TrainLoop.h"
#include "atomic_file.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace nnc::trainer {

namespace {

// A name as a CSV field: quoted only when it holds a separator or a quote.
std::string csvField(const std::string &s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// %.9g reads back as the same float; NaN is an empty cell.
void appendNumber(std::string &line, double v) {
  line += ',';
  if (std::isnan(v)) return;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  line += buf;
}

std::vector<std::string> splitFields(const std::string &line) {
  std::vector<std::string> fields(1);
  for (char c : line) {
    if (c == ',')
      fields.emplace_back();
    else
      fields.back() += c;
  }
  return fields;
}

std::optional<double> cellValue(const std::string &cell) {
  if (cell.empty()) return std::nan("");
  char *end = nullptr;
  double v = std::strtod(cell.c_str(), &end);
  if (end != cell.c_str() + cell.size()) return std::nullopt;
  return v;
}

std::optional<int64_t> cellInt(const std::string &cell) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), n);
  if (cell.empty() || ec != std::errc() || p != cell.data() + cell.size()) return std::nullopt;
  return n;
}

// A row of the log as `h` lays it out, or nothing for a malformed one (the
// last line of a run killed while writing it).
std::optional<EpochRecord> parseRow(const std::string &line, const History &h) {
  std::vector<std::string> cells = splitFields(line);
  if (cells.size() != 3 + h.train.size() + h.validation.size() + h.rates.size()) return std::nullopt;
  EpochRecord r;
  auto epoch = cellInt(cells[0]), step = cellInt(cells[1]);
  auto seconds = cellValue(cells.back());
  if (!epoch || !step || !seconds) return std::nullopt;
  r.epoch = *epoch;
  r.step = *step;
  r.seconds = std::isnan(*seconds) ? 0 : *seconds;
  size_t at = 2;
  for (auto *values : {&r.train, &r.validation, &r.rates}) {
    size_t n = values == &r.train ? h.train.size() : values == &r.validation ? h.validation.size() : h.rates.size();
    for (size_t i = 0; i < n; ++i) {
      auto v = cellValue(cells[at++]);
      if (!v) return std::nullopt;
      values->push_back(*v);
    }
  }
  return r;
}

// The rows of the log at `path` up to epoch `last`, into h.epochs. A missing
// file has none; a log of other columns is refused.
void readKeptRows(const std::string &path, History &h, int64_t last) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  std::string line;
  if (!std::getline(in, line)) return;
  std::string header = csvHeader(h);
  header.pop_back(); // the newline
  if (line != header)
    throw TrainError("log " + quoted(path) + " has the columns `" + line + "`, not those of this program (`" + header +
                     "`); give --log another path");
  while (std::getline(in, line)) {
    std::optional<EpochRecord> r = parseRow(line, h);
    if (r && r->epoch <= last) h.epochs.push_back(std::move(*r));
  }
}

} // namespace

std::vector<std::string> History::columns() const {
  std::vector<std::string> c{"epoch", "step"};
  c.insert(c.end(), train.begin(), train.end());
  for (const std::string &n : validation)
    c.push_back("val_" + n);
  c.insert(c.end(), rates.begin(), rates.end());
  c.push_back("seconds");
  return c;
}

History emptyHistory(const Manifest &m) {
  History h;
  h.train = trainMetricNames(m);
  h.validation = evalMetricNames(m);
  for (const Step &s : m.steps)
    h.rates.push_back(m.steps.size() == 1 ? "lr" : s.name + ".lr");
  return h;
}

std::vector<double> stepRates(const Manifest &m, const std::vector<double> &hypers) {
  std::vector<double> rates;
  for (const Step &s : m.steps) {
    double lr = std::nan("");
    for (size_t i = 0; i < m.hypers.size(); ++i)
      if (m.hypers[i].step == s.name && m.hypers[i].name == "lr") lr = hypers.at(i);
    rates.push_back(lr);
  }
  return rates;
}

std::string csvHeader(const History &h) {
  std::string line;
  for (const std::string &c : h.columns())
    line += (line.empty() ? "" : ",") + csvField(c);
  return line + "\n";
}

std::string csvRow(const EpochRecord &r) {
  std::string line = std::to_string(r.epoch) + "," + std::to_string(r.step);
  for (const auto *values : {&r.train, &r.validation, &r.rates})
    for (double v : *values)
      appendNumber(line, v);
  char buf[32];
  std::snprintf(buf, sizeof buf, ",%.3f\n", r.seconds);
  return line + buf;
}

TrainingLog::TrainingLog(const std::string &path, History &history, std::optional<int64_t> resumedEpoch) : path_(path) {
  std::string text = csvHeader(history);
  if (resumedEpoch) {
    readKeptRows(path, history, *resumedEpoch);
    for (const EpochRecord &r : history.epochs)
      text += csvRow(r);
  }
  // The kept rows replace the file whole, so a failure leaves the old log.
  std::string why = rt::replaceFileAtomically(path, "log", text);
  if (!why.empty()) throw TrainError(why);
  file_.reset(std::fopen(path.c_str(), "ab"));
  if (!file_) throw TrainError("cannot write log " + quoted(path) + ": " + std::strerror(errno));
}

void TrainingLog::append(const EpochRecord &r) {
  std::string row = csvRow(r);
  if (std::fwrite(row.data(), 1, row.size(), file_.get()) != row.size() || std::fflush(file_.get()) != 0)
    throw TrainError("cannot write log " + quoted(path_) + ": " + std::strerror(errno));
}

} // namespace nnc::trainer
