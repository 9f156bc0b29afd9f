// The training executable's command line: `--opt V` or `--opt=V`, parsed
// into what overrides the program's own settings.
#ifndef NNC_TRAINER_OPTIONS_H
#define NNC_TRAINER_OPTIONS_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nnc::trainer {

struct Options {
  std::optional<int64_t> epochs, batch, steps;
  std::optional<double> lr;
  std::optional<uint64_t> seed;
  std::optional<int> threads;
  std::string dataDir, savePath, resumePath; // "" when not given
  std::string logPath, plotPath;             // --log CSV, --plot SVG: "" when not given
  std::string picturePath;                   // --picture PNG: "" when not given
  bool quiet = false, json = false, help = false;
};

// Parses args[1..] (args[0] names the program). Throws TrainError with
// status kExitUsage for an unknown option or a bad value.
Options parseOptions(const std::vector<std::string> &args);

// The --help text.
std::string usage(const std::string &argv0);

} // namespace nnc::trainer

#endif
