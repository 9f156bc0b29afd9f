// The inference executable behind nnc_infer_main (nnc/model.h), with its
// streams passed in, so tests can run it and read what it prints.
#ifndef NNC_INFER_INFER_MAIN_H
#define NNC_INFER_INFER_MAIN_H

#include "nnc/program.h"

#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace nnc::infer {

// Runs a whole inference session: args[0] names the program in messages,
// args[1..] are the options (see --help). Raw rows are read from `in`,
// predictions and results go to `out`, errors to `err` as "<args[0]>: error:
// ...". Returns the exit status: 0, 1 (a failure) or 2 (a bad command line).
// Never throws.
int run(const nnc_program *program, const std::vector<std::string> &args, std::istream &in, std::ostream &out,
        std::ostream &err);

} // namespace nnc::infer

#endif
