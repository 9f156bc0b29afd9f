// Test helpers: write a .nn program (and files it imports) into a fresh
// temporary directory, load and elaborate it, and return the diagnostics
// with the directory stripped from their paths.
#pragma once

#include "frontend/Frontend.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

namespace nnc::test {

struct CheckResult {
  std::vector<std::string> errors; // headlines of errors: "main.nn:3:7: error: ..."
  std::vector<std::string> notes;  // headlines of notes
  std::string text;                // everything, as printed
  FrontendResult frontend; // owns the ASTs the program points into
  const ElaboratedProgram &program() const { return frontend.program; }
};

inline std::string scratchDir() {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("nnc_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  std::filesystem::create_directories(dir);
  return dir.string();
}

inline CheckResult checkFiles(const std::map<std::string, std::string> &files, const std::string &root = "main.nn") {
  std::string dir = scratchDir();
  for (const auto &[name, text] : files) {
    std::filesystem::path p = std::filesystem::path(dir) / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  SourceManager sm;
  DiagnosticEngine diags(sm);
  CheckResult r;
  r.frontend = runFrontend(dir + "/" + root, sm, diags);
  auto strip = [&](std::string s) {
    for (size_t at; (at = s.find(dir + "/")) != std::string::npos;) s.erase(at, dir.size() + 1);
    return s;
  };
  for (const Diagnostic &d : diags.diagnostics()) {
    if (d.severity == Severity::Error) r.errors.push_back(strip(diags.headline(d)));
    if (d.severity == Severity::Note) r.notes.push_back(strip(diags.headline(d)));
  }
  r.text = strip(diags.str());
  std::filesystem::remove_all(dir);
  return r;
}

inline CheckResult check(const std::string &source) { return checkFiles({{"main.nn", source}}); }

// The one error a program must produce.
inline std::string firstError(const std::string &source) {
  CheckResult r = check(source);
  return r.errors.empty() ? std::string("<no error>\n") + r.text : r.errors[0];
}

} // namespace nnc::test
