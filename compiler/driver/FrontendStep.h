// The front end as the commands run it: parse, elaborate, verify the graphs,
// print the diagnostics.
#pragma once

#include "driver/Commands.h"
#include "driver/Driver.h"
#include "frontend/Frontend.h"

#include <iosfwd>

namespace nnc::driver {

// Runs the front end on opt.file and prints its diagnostics. False on errors.
bool compile(const Options &opt, SourceManager &sm, DiagnosticEngine &diags, FrontendResult &fe, std::ostream &err);

// The front end, or exit code 1.
#define NNC_COMPILE_OR_RETURN(opt, err)                                                                                \
  SourceManager sm;                                                                                                    \
  DiagnosticEngine diags(sm);                                                                                          \
  FrontendResult fe;                                                                                                   \
  if (!compile(opt, sm, diags, fe, err)) return kExitDiagnostics;                                                      \
  const ElaboratedProgram &prog = fe.program

} // namespace nnc::driver
