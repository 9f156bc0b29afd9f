#include "DriverMain.h"
#include "TrainError.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <new>
#include <ostream>

namespace nnc::trainer {

void usageError(const std::string &message) { throw TrainError(message, kExitUsage); }

int64_t positiveInt(const std::string &opt, const std::string &v, int64_t max) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < 1 || n > max)
    usageError(opt + " expects a positive integer" +
               (max < std::numeric_limits<int64_t>::max() ? " up to " + std::to_string(max) : "") + ", got `" + v +
               "`");
  return n;
}

void forEachOption(const std::vector<std::string> &args, std::initializer_list<const char *> flags,
                   std::initializer_list<const char *> valued,
                   const std::function<void(const std::string &, const std::string &)> &each) {
  auto among = [](const std::string &name, std::initializer_list<const char *> names) {
    return std::any_of(names.begin(), names.end(), [&](const char *n) { return name == n; });
  };
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
    if (among(name, flags)) {
      if (inlineValue) usageError(name + " takes no value");
      each(name, "");
      continue;
    }
    if (!among(name, valued)) usageError("unknown option `" + name + "` (see --help)");
    if (!inlineValue) {
      if (i + 1 >= args.size()) usageError(name + " needs a value");
      value = args[++i];
    }
    each(name, value);
  }
}

std::vector<std::string> argumentsOf(int argc, char **argv) {
  std::vector<std::string> args;
  for (int i = 0; i < argc && argv; ++i) args.emplace_back(argv[i] ? argv[i] : "");
  return args;
}

int reportErrors(const std::string &argv0, std::ostream &out, std::ostream &err, const std::function<int()> &body) {
  try {
    return body();
  } catch (const TrainError &e) {
    out.flush();
    err << argv0 << ": error: " << e.what() << "\n";
    if (e.status == kExitUsage) err << "run `" << argv0 << " --help` for the options\n";
    return e.status;
  } catch (const std::bad_alloc &) {
    out.flush();
    err << argv0 << ": error: out of memory\n";
  } catch (const std::exception &e) {
    out.flush();
    err << argv0 << ": error: internal error: " << e.what() << "\n";
  }
  return kExitFailure;
}

} // namespace nnc::trainer
