// Test helpers: run the `nnc` driver in-process and capture what it prints.
#pragma once

#include "driver/Driver.h"

#include <sstream>
#include <string>
#include <vector>

namespace nnc::test {

struct RunResult {
  int code;
  std::string out;
  std::string err;
};

inline RunResult runNnc(const std::vector<std::string> &args) {
  std::ostringstream out, err;
  int code = nnc::driver::run(args, out, err);
  return {code, out.str(), err.str()};
}

inline std::string sourcePath(const std::string &rel) { return std::string(NNC_SOURCE_DIR) + "/" + rel; }

} // namespace nnc::test
