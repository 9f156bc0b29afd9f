// What the two drivers of a compiled program (nnc_train_main, nnc_infer_main)
// share at their edges: reading the command line and turning errors into a
// message and an exit status.
#ifndef NNC_TRAINER_DRIVER_MAIN_H
#define NNC_TRAINER_DRIVER_MAIN_H

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <vector>

namespace nnc::trainer {

// A bad command line: TrainError with kExitUsage.
[[noreturn]] void usageError(const std::string &message);

// `v` as an integer in [1, max]; usageError naming `opt` otherwise.
int64_t positiveInt(const std::string &opt, const std::string &v, int64_t max);

// Calls each(name, value) for args[1..] in order: `--flag` for the names in
// `flags` (value ""), `--name value` or `--name=value` for those in `valued`.
// usageError for anything else, a flag given a value, or a missing value.
void forEachOption(const std::vector<std::string> &args, std::initializer_list<const char *> flags,
                   std::initializer_list<const char *> valued,
                   const std::function<void(const std::string &name, const std::string &value)> &each);

// argv[0..argc) as strings (a null entry as "").
std::vector<std::string> argumentsOf(int argc, char **argv);

// Runs `body` and returns its status; a TrainError becomes "<argv0>: error:
// ..." on `err` and its status (with a pointer to --help for usage errors),
// anything else exit status 1.
int reportErrors(const std::string &argv0, std::ostream &out, std::ostream &err, const std::function<int()> &body);

} // namespace nnc::trainer

#endif
