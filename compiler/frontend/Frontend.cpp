#include "frontend/Frontend.h"

#include "frontend/Resolver.h"

namespace nnc {

FrontendResult runFrontend(const std::string &path, SourceManager &sm, DiagnosticEngine &diags) {
  FrontendResult r;
  r.loaded = loadProgram(path, sm, diags);
  if (!diags.hasErrors()) resolveNames(r.loaded, diags);
  if (!diags.hasErrors()) r.program = elaborate(r.loaded, diags);
  return r;
}

} // namespace nnc
