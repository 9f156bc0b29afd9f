// Test helper: parse a string as the file "test.nn" and keep the AST and the
// diagnostics' headlines ("test.nn:1:2: error: ...").
#pragma once

#include "frontend/Parser.h"

#include <memory>
#include <string>
#include <vector>

namespace nnc::test {

struct Parsed {
  std::unique_ptr<ast::Module> module;
  std::vector<std::string> errors;
  std::vector<std::string> notes;
};

inline Parsed parse(const std::string &text) {
  SourceManager sm;
  DiagnosticEngine diags(sm);
  FileId f = sm.add("test.nn", text);
  Parsed p;
  p.module = parseModule(sm, f, diags);
  for (const Diagnostic &d : diags.diagnostics())
    (d.severity == Severity::Note ? p.notes : p.errors).push_back(diags.headline(d));
  return p;
}

} // namespace nnc::test
