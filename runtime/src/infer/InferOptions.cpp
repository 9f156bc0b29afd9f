#include "InferOptions.h"
#include "trainer/TrainError.h"

#include <charconv>

namespace nnc::infer {

namespace {

using trainer::kExitUsage;
using trainer::TrainError;

[[noreturn]] void usageError(const std::string &message) { throw TrainError(message, kExitUsage); }

int64_t positiveInt(const std::string &opt, const std::string &v, int64_t max) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < 1 || n > max)
    usageError(opt + " expects a positive integer up to " + std::to_string(max) + ", got `" + v + "`");
  return n;
}

} // namespace

std::string inferUsage(const std::string &argv0) {
  return "usage: " + argv0 +
         " [options]\n"
         "Predicts with the model compiled into this program, one line per row: a classifier's\n"
         "class and its probability, otherwise the values of the outputs.\n"
         "\n"
         "options:\n"
         "  --input FILE    the rows: IDX images (run through the data block's preprocessing when\n"
         "                  the program has it) or a CSV file with a header row; `-` or no --input:\n"
         "                  raw float32 rows of the model's first input on standard input\n"
         "  --labels FILE   the true classes (IDX, or CSV: the label column the model was trained\n"
         "                  with, or the only column): print the accuracy at the end\n"
         "  --batch N       rows per prediction (default 128)\n"
         "  --threads N     the number of threads (default: $NNC_NUM_THREADS or every core)\n"
         "  --weights PATH  read the weights from a checkpoint (needed when none are compiled in)\n"
         "  --quiet         print no line per row\n"
         "  --json          end with one line of JSON: samples, accuracy, seconds and samples per\n"
         "                  second spent predicting\n"
         "  --help          print this help\n"
         "\n"
         "exit status: 0 success, 1 failure (data, weights), 2 bad command line\n";
}

InferOptions parseInferOptions(const std::vector<std::string> &args) {
  InferOptions o;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string &arg = args[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") usageError("unexpected argument `" + arg + "` (see --help)");
    std::string name = arg, value;
    bool inlineValue = false;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inlineValue = true;
    }
    if (name == "--quiet" || name == "--json" || name == "--help") {
      if (inlineValue) usageError(name + " takes no value");
      (name == "--quiet" ? o.quiet : name == "--json" ? o.json : o.help) = true;
      continue;
    }
    if (name != "--input" && name != "--labels" && name != "--weights" && name != "--batch" && name != "--threads")
      usageError("unknown option `" + name + "` (see --help)");
    if (!inlineValue) {
      if (i + 1 >= args.size()) usageError(name + " needs a value");
      value = args[++i];
    }
    if (name == "--batch") {
      o.batch = positiveInt(name, value, int64_t(1) << 24);
      continue;
    }
    if (name == "--threads") {
      o.threads = static_cast<int>(positiveInt(name, value, 256));
      continue;
    }
    if (value.empty()) usageError(name + " needs a non-empty value");
    (name == "--input" ? o.input : name == "--labels" ? o.labels : o.weights) = value;
  }
  return o;
}

} // namespace nnc::infer
