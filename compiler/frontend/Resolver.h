// Name resolution: every name used in a fn, model or optimizer body must be
// a parameter, a shape variable, an earlier assignment, a declaration of the
// program or a builtin. Runs before elaboration, over every body, so a typo
// in a fn that nothing calls yet is still reported.
#pragma once

#include "frontend/Diagnostics.h"
#include "frontend/Loader.h"

namespace nnc {

// Reports unknown names, with "did you mean" hints. Returns false on errors.
bool resolveNames(const LoadedProgram &prog, DiagnosticEngine &diags);

} // namespace nnc
