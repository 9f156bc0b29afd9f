// The inference executable's command line: `--opt V` or `--opt=V`.
#ifndef NNC_INFER_INFER_OPTIONS_H
#define NNC_INFER_INFER_OPTIONS_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nnc::infer {

struct InferOptions {
  std::string input;   // "" or "-": raw float32 rows on standard input
  std::string labels;  // "" when not given
  std::string weights; // "": the embedded weights
  int64_t batch = 128;
  std::optional<int> threads;
  bool quiet = false, json = false, help = false;
};

// Parses args[1..] (args[0] names the program). Throws TrainError with
// status kExitUsage for an unknown option or a bad value.
InferOptions parseInferOptions(const std::vector<std::string> &args);

// The --help text.
std::string inferUsage(const std::string &argv0);

} // namespace nnc::infer

#endif
