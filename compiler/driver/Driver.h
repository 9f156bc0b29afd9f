// The `nnc` command line: parses arguments and runs the stages a command needs.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace nnc::driver {

// Exit codes.
constexpr int kExitOk = 0;
constexpr int kExitDiagnostics = 1; // the input has errors
constexpr int kExitUsage = 2;       // the command line is wrong

// Runs `nnc` with `args` (without the program name), writing results to
// `out` and diagnostics to `err`.
int run(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);
int run(int argc, char **argv);

} // namespace nnc::driver
