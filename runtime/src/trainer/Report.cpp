#include "Report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace nnc::trainer {

namespace {

std::string fixed4(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

// Enough digits for a double to read back as the same float or double.
std::string jsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string jsonString(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// " - loss: 0.4123 - accuracy: 0.8512"
std::string metricText(const Metrics &m, const std::string &prefix) {
  std::string s;
  for (size_t i = 0; i < m.names.size() && i < m.values.size(); ++i)
    s += " - " + prefix + m.names[i] + ": " + fixed4(m.values[i]);
  return s;
}

void jsonMetrics(std::string &s, const Metrics &m, const std::string &prefix) {
  for (size_t i = 0; i < m.names.size(); ++i)
    s += ", " + jsonString(prefix + m.names[i]) + ": " + (i < m.values.size() ? jsonNumber(m.values[i]) : "null");
}

std::string epochPrefix(int64_t epoch, int64_t epochs) {
  return "Epoch " + std::to_string(epoch) + "/" + std::to_string(epochs);
}

} // namespace

void Reporter::summary(const Manifest &m, const ModelState &state, const Dataset &data) {
  if (quiet_) return;
  out_ << "Model: " << m.model << " (data: " << m.data << ")\n";
  out_ << "Samples: " << data.trainingRows() << " train, " << data.validationRows << " validation, "
       << (data.hasTest ? std::to_string(data.test.rows) : std::string("no")) << " test\n";
  size_t nameW = 5, shapeW = 5, countW = 5;
  for (const StoredTensor &p : state.params) {
    nameW = std::max(nameW, p.name.size());
    shapeW = std::max(shapeW, dimsString(p.type.shape.dims).size());
    countW = std::max(countW, std::to_string(p.type.shape.rowElems()).size());
  }
  auto row = [&](const std::string &a, const std::string &b, const std::string &c) {
    out_ << a << std::string(nameW - a.size() + 2, ' ') << b << std::string(shapeW - b.size() + 2, ' ')
         << std::string(countW - c.size(), ' ') << c << "\n";
  };
  row("Param", "Shape", "Count");
  for (const StoredTensor &p : state.params)
    row(p.name, dimsString(p.type.shape.dims), std::to_string(p.type.shape.rowElems()));
  out_ << "Total params: " << state.paramCount() << "\n";
  out_.flush();
}

void Reporter::resumed(const std::string &path, int64_t epoch, int64_t globalStep) {
  if (quiet_) return;
  out_ << "Resumed from `" << path << "` after epoch " << epoch << " (global step " << globalStep << ")\n";
}

void Reporter::batch(int64_t epoch, int64_t epochs, int64_t batch, int64_t batches, int64_t rows,
                     const std::vector<std::string> &names, const std::vector<double> &sums) {
  if (quiet_ || !interactive_) return;
  auto now = std::chrono::steady_clock::now();
  if (batch > 1 && now - lastDraw_ < std::chrono::milliseconds(100)) return;
  lastDraw_ = now;
  // Built in a reused string with snprintf: the batch loop stays free of
  // allocations once the line has reached its length.
  constexpr int64_t kWidth = 30;
  int64_t done = batches ? batch * kWidth / batches : kWidth;
  char buf[96];
  line_.clear();
  std::snprintf(buf, sizeof buf, "\rEpoch %lld/%lld [", static_cast<long long>(epoch), static_cast<long long>(epochs));
  line_ += buf;
  for (int64_t i = 0; i < kWidth; ++i)
    line_ += i < done ? '=' : i == done ? '>' : ' ';
  std::snprintf(buf, sizeof buf, "] %lld/%lld", static_cast<long long>(batch), static_cast<long long>(batches));
  line_ += buf;
  for (size_t i = 0; i < names.size(); ++i) {
    line_ += " - ";
    line_ += names[i];
    std::snprintf(buf, sizeof buf, ": %.4f", sums[i] / static_cast<double>(rows));
    line_ += buf;
  }
  size_t width = line_.size() - 1; // without the \r
  if (width < barWidth_) line_.append(barWidth_ - width, ' ');
  out_ << line_;
  out_.flush();
  barWidth_ = width;
}

void Reporter::epoch(int64_t epoch, int64_t epochs, double seconds, const Metrics &train, const Metrics &validation) {
  if (quiet_) return;
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1fs", seconds);
  std::string line = epochPrefix(epoch, epochs) + " - " + secs + metricText(train, "") + metricText(validation, "val_");
  if (barWidth_) {
    if (line.size() < barWidth_) line += std::string(barWidth_ - line.size(), ' ');
    out_ << '\r';
    barWidth_ = 0;
  }
  out_ << line << "\n";
  out_.flush();
}

void Reporter::test(const Metrics &test) {
  if (quiet_) return;
  std::string line = metricText(test, "");
  // "test: loss: 0.3300 - accuracy: 0.8813"
  out_ << "test:" << (line.size() > 2 ? line.substr(2) : line) << "\n";
}

void Reporter::json(const RunSummary &s) {
  if (!json_) return;
  std::string line = "{\"epochs\": " + std::to_string(s.epochs);
  jsonMetrics(line, s.train, "");
  jsonMetrics(line, s.validation, "val_");
  if (s.test) jsonMetrics(line, *s.test, "test_");
  line += ", \"samples_per_s\": " +
          (s.trainSeconds > 0 ? jsonNumber(static_cast<double>(s.samplesTrained) / s.trainSeconds) : "null");
  line += ", \"seconds\": " + jsonNumber(s.seconds) + "}";
  out_ << line << "\n";
  out_.flush();
}

void Reporter::interrupt() {
  if (!barWidth_) return;
  out_ << "\n";
  out_.flush();
  barWidth_ = 0;
}

} // namespace nnc::trainer
