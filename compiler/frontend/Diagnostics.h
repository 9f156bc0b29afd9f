// Diagnostics in clang's form:
//
//   model.nn:12:7: error: unknown function `dense2`
//     h = dense2(x, 128)
//         ^~~~~~
//   model.nn:12:7: note: did you mean `dense`?
//
// Errors are collected so one run can report several; callers check
// hasErrors() between stages. A cap stops runaway cascades.
#pragma once

#include "frontend/Source.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace nnc {

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity;
  SourceRange range; // may be invalid for errors with no location
  std::string message;
};

class DiagnosticEngine {
public:
  explicit DiagnosticEngine(const SourceManager &sm) : sm_(sm) {}

  void error(SourceRange r, std::string msg) { report(Severity::Error, r, std::move(msg)); }
  void warning(SourceRange r, std::string msg) { report(Severity::Warning, r, std::move(msg)); }
  // A note attaches to the diagnostic reported just before it.
  void note(SourceRange r, std::string msg) { report(Severity::Note, r, std::move(msg)); }
  void report(Severity s, SourceRange r, std::string msg);

  bool hasErrors() const { return errorCount_ > 0; }
  // Every error reported, repeats and dropped ones included: a stage compares
  // it before and after to learn whether it failed.
  int errorCount() const { return errorCount_; }
  // The errors printed: each distinct one once, at most kMaxErrors.
  int shownErrorCount() const { return shownErrors_; }
  // Past this many errors, later ones are dropped (one line says so), and
  // tooMany() tells the stages to stop looking for more.
  static constexpr int kMaxErrors = 20;
  bool tooMany() const { return droppedAny_; }

  const std::vector<Diagnostic> &diagnostics() const { return diags_; }
  // Renders every diagnostic, clang style, with source lines and carets.
  void print(std::ostream &os, bool color = false) const;
  std::string str() const; // print() into a string, without color
  // "file:line:col: error: message" for one diagnostic, without the source line.
  std::string headline(const Diagnostic &d) const;

  const SourceManager &sources() const { return sm_; }

private:
  // An error or warning already reported at the same place in the same words.
  bool isRepeat(Severity s, SourceRange r, const std::string &msg) const;

  const SourceManager &sm_;
  std::vector<Diagnostic> diags_;
  int errorCount_ = 0;
  int shownErrors_ = 0;
  bool dropping_ = false;   // the last error was dropped: drop its notes too
  bool droppedAny_ = false; // some error was dropped: say so once at the end
};

// The candidate closest to `name` by edit distance, if close enough to
// suggest ("did you mean ...?"); empty otherwise.
std::string closestMatch(const std::string &name, const std::vector<std::string> &candidates);

} // namespace nnc
