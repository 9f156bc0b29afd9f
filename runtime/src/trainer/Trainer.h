// The training driver behind nnc_train_main (nnc/program.h), with its
// streams passed in, so tests can run it and read what it prints.
#ifndef NNC_TRAINER_TRAINER_H
#define NNC_TRAINER_TRAINER_H

#include "nnc/program.h"

#include <ostream>
#include <string>
#include <vector>

namespace nnc::trainer {

// Runs a whole training session: args[0] names the program in messages,
// args[1..] are the options (see --help). Progress and results go to `out`,
// errors to `err` as "<args[0]>: error: ...". `interactive` draws a progress
// bar during each epoch (nnc_train_main passes isatty(stdout)). Returns the
// exit status: 0, 1 (a failure) or 2 (a bad command line). Never throws.
int run(const nnc_program *program, const std::vector<std::string> &args, std::ostream &out, std::ostream &err,
        bool interactive = false);

} // namespace nnc::trainer

#endif
