#include "Options.h"
#include "DriverMain.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace nnc::trainer {

namespace {

uint64_t seedValue(const std::string &v) {
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size())
    usageError("--seed expects an integer from 0 to 18446744073709551615, got `" + v + "`");
  return n;
}

double learningRate(const std::string &v) {
  double x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || !std::isfinite(x) || x <= 0)
    usageError("--lr expects a positive number, got `" + v + "`");
  return x;
}

} // namespace

std::string usage(const std::string &argv0) {
  return "usage: " + argv0 +
         " [options]\n"
         "Trains the model compiled into this program on its data.\n"
         "\n"
         "options:\n"
         "  --epochs N      train until epoch N (counting epochs a resumed run already did)\n"
         "  --batch N       the batch size\n"
         "  --steps N       train on the first N batches of each epoch's order (a shorter epoch: a quick trial)\n"
         "  --lr X          the learning rate of every step (when the program has a constant one)\n"
         "  --seed N        the seed of the validation split and the shuffling\n"
         "                  (default: the data block's seed, or the resumed checkpoint's)\n"
         "  --threads N     the number of threads (default: $NNC_NUM_THREADS or every core)\n"
         "  --data DIR      read each data file from DIR instead of the path compiled in\n"
         "  --save PATH     write a checkpoint to PATH after every epoch (the previous one is kept as PATH.prev)\n"
         "  --resume PATH   continue from the checkpoint at PATH (or PATH.prev if PATH is damaged)\n"
         "  --quiet         print no summary and no per-epoch lines\n"
         "  --json          end with one line of JSON holding the final metrics\n"
         "  --log FILE      write a CSV row per epoch to FILE (epoch, step, metrics, validation, lr, seconds);\n"
         "                  with --resume, keep its rows up to the checkpoint's epoch and append\n"
         "  --plot FILE     draw the loss and metrics per epoch as an SVG chart in FILE, redrawn after\n"
         "                  each epoch (at most once a second) and at the end\n"
         "  --picture FILE  after training, draw the train block's `picture` setting as a PNG\n"
         "  --help          print this help\n"
         "\n"
         "exit status: 0 success, 1 failure (data, checkpoint, non-finite loss), 2 bad command line\n";
}

Options parseOptions(const std::vector<std::string> &args) {
  Options o;
  forEachOption(args, {"--quiet", "--json", "--help"},
                {"--epochs", "--batch", "--steps", "--lr", "--seed", "--threads", "--data", "--save", "--resume", "--log",
                 "--plot", "--picture"},
                [&](const std::string &name, const std::string &value) {
                  if (name == "--quiet" || name == "--json" || name == "--help")
                    (name == "--quiet" ? o.quiet : name == "--json" ? o.json : o.help) = true;
                  else if (name == "--epochs")
                    o.epochs = positiveInt(name, value, std::numeric_limits<int64_t>::max());
                  else if (name == "--batch")
                    o.batch = positiveInt(name, value, std::numeric_limits<int64_t>::max());
                  else if (name == "--steps")
                    o.steps = positiveInt(name, value, std::numeric_limits<int64_t>::max());
                  else if (name == "--threads")
                    o.threads = static_cast<int>(positiveInt(name, value, 256));
                  else if (name == "--lr")
                    o.lr = learningRate(value);
                  else if (name == "--seed")
                    o.seed = seedValue(value);
                  else if (name == "--log" || name == "--plot" || name == "--picture") {
                    if (value.empty()) usageError(name + " needs a file name");
                    (name == "--log" ? o.logPath : name == "--plot" ? o.plotPath : o.picturePath) = value;
                  } else {
                    if (value.empty()) usageError(name + " needs a non-empty value");
                    (name == "--data" ? o.dataDir : name == "--save" ? o.savePath : o.resumePath) = value;
                  }
                });
  return o;
}

} // namespace nnc::trainer
