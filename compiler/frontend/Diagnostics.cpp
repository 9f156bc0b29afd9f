#include "frontend/Diagnostics.h"

#include <algorithm>
#include <ostream>
#include <sstream>

namespace nnc {

bool DiagnosticEngine::isRepeat(Severity s, SourceRange r, const std::string &msg) const {
  auto same = [](SourceLoc a, SourceLoc b) { return a.file == b.file && a.line == b.line && a.col == b.col; };
  for (const Diagnostic &d : diags_)
    if (d.severity == s && d.message == msg && same(d.range.begin, r.begin) && same(d.range.end, r.end)) return true;
  return false;
}

void DiagnosticEngine::report(Severity s, SourceRange r, std::string msg) {
  if (s == Severity::Note) {
    if (!dropping_) diags_.push_back({s, r, std::move(msg)});
    return;
  }
  // A model elaborated once per train step that calls it would report the
  // same mistake once per call: say it once, with its notes.
  // It still counts as an error, so the stage that made it sees it failed.
  if (isRepeat(s, r, msg)) {
    if (s == Severity::Error) ++errorCount_;
    dropping_ = true;
    return;
  }
  if (s == Severity::Error) {
    if (shownErrors_ >= kMaxErrors) {
      ++errorCount_;
      dropping_ = true;
      droppedAny_ = true;
      return;
    }
    ++errorCount_;
    ++shownErrors_;
  }
  dropping_ = false;
  diags_.push_back({s, r, std::move(msg)});
}

std::string DiagnosticEngine::headline(const Diagnostic &d) const {
  std::string out;
  if (d.range.valid())
    out = sm_.path(d.range.begin.file) + ":" + std::to_string(d.range.begin.line) + ":" +
          std::to_string(d.range.begin.col) + ": ";
  switch (d.severity) {
  case Severity::Error: out += "error: "; break;
  case Severity::Warning: out += "warning: "; break;
  case Severity::Note: out += "note: "; break;
  }
  return out + d.message;
}

void DiagnosticEngine::print(std::ostream &os, bool color) const {
  const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "", *green = color ? "\033[1;32m" : "";
  for (const Diagnostic &d : diags_) {
    os << bold << headline(d) << reset << "\n";
    if (!d.range.valid()) continue;
    std::string line = sm_.lineText(d.range.begin.file, d.range.begin.line);
    if (line.empty() && d.range.begin.col > 1) continue;
    // Tabs become spaces so the caret lines up.
    std::replace(line.begin(), line.end(), '\t', ' ');
    os << "  " << line << "\n  ";
    int col = std::max(1, d.range.begin.col);
    int endCol = col + 1;
    if (d.range.end.valid() && d.range.end.line == d.range.begin.line && d.range.end.col > col) endCol = d.range.end.col;
    else if (d.range.end.valid() && d.range.end.line > d.range.begin.line) endCol = static_cast<int>(line.size()) + 1;
    endCol = std::max(col + 1, std::min(endCol, static_cast<int>(line.size()) + 1));
    os << green << std::string(static_cast<size_t>(col - 1), ' ') << '^'
       << std::string(static_cast<size_t>(endCol - col - 1), '~') << reset << "\n";
  }
  if (droppedAny_)
    os << "too many errors emitted, stopping now\n";
}

std::string DiagnosticEngine::str() const {
  std::ostringstream ss;
  print(ss, false);
  return ss.str();
}

// Edit distance counting a swap of two neighbours as one edit ("Nte" is one
// edit from "Net"), the mistakes people make when typing.
static size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

std::string closestMatch(const std::string &name, const std::vector<std::string> &candidates) {
  std::string best;
  size_t bestDist = std::max<size_t>(1, name.size() / 3) + 1;
  if (name.size() > 64) return best; // no one mistypes a 1 MiB name; keep the cost bounded
  for (const std::string &c : candidates) {
    if (c == name || c.size() > 64) continue;
    size_t d = editDistance(name, c);
    // An abbreviation or an extension of a name ("lrate" for "lr") is close too.
    bool prefix = std::min(c.size(), name.size()) >= 2 && (c.rfind(name, 0) == 0 || name.rfind(c, 0) == 0);
    if (prefix) d = std::min<size_t>(d, 1);
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best;
}

} // namespace nnc
