// Test helper: compile one of examples/*.nn with `nnc build` into a test's
// temporary directory.
#pragma once

#include "DriverUtil.h"
#include "common/TempDir.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace nnc::test {

// Builds examples/NAME.nn, with `extra` arguments after the file (`--infer`,
// `-O0`, ...), into DIR/EXE (EXE defaults to NAME); returns its path.
inline std::string buildExample(const TempDir &dir, const std::string &name, const std::vector<std::string> &extra = {},
                                const std::string &exe = "") {
  std::string path = dir.path(exe.empty() ? name : exe);
  std::vector<std::string> args{"build", sourcePath("examples/" + name + ".nn"), "-o", path};
  args.insert(args.end(), extra.begin(), extra.end());
  RunResult r = runNnc(args);
  INFO(r.err);
  REQUIRE(r.code == 0);
  return path;
}

} // namespace nnc::test
