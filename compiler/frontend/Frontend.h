// The front end's pipeline, one stage a line: load the file and its imports,
// resolve names, elaborate into IR graphs. Each stage runs only when the one
// before it reported no error.
#pragma once

#include "frontend/Elaborator.h"
#include "frontend/Loader.h"

namespace nnc {

struct FrontendResult {
  LoadedProgram loaded;     // the ASTs; `program` points into them
  ElaboratedProgram program;
};

FrontendResult runFrontend(const std::string &path, SourceManager &sm, DiagnosticEngine &diags);

} // namespace nnc
