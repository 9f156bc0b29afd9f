#include "InferOptions.h"
#include "trainer/DriverMain.h"

#include <charconv>

namespace nnc::infer {

using trainer::forEachOption;
using trainer::positiveInt;
using trainer::usageError;

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
  forEachOption(args, {"--quiet", "--json", "--help"}, {"--input", "--labels", "--weights", "--batch", "--threads"},
                [&](const std::string &name, const std::string &value) {
                  if (name == "--quiet" || name == "--json" || name == "--help")
                    (name == "--quiet" ? o.quiet : name == "--json" ? o.json : o.help) = true;
                  else if (name == "--batch")
                    o.batch = positiveInt(name, value, int64_t(1) << 24);
                  else if (name == "--threads")
                    o.threads = static_cast<int>(positiveInt(name, value, 256));
                  else {
                    if (value.empty()) usageError(name + " needs a non-empty value");
                    (name == "--input" ? o.input : name == "--labels" ? o.labels : o.weights) = value;
                  }
                });
  return o;
}

} // namespace nnc::infer
