// Loading a program: the root file, then every file it imports, transitively.
//
// `import std` finds stdlib/std.nn; `import a.b` finds a/b.nn next to the
// importing file, then in the stdlib directory; `import "path.nn"` is a path
// relative to the importing file. Cycles and missing files are diagnostics.
// The loader also builds the global symbol table: every fn, model,
// optimizer, data and train declaration of every loaded file, and reports
// duplicate definitions.
#pragma once

#include "frontend/Ast.h"
#include "frontend/Diagnostics.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nnc {

struct Symbols {
  std::map<std::string, const ast::FnDecl *> fns; // fns and models
  std::map<std::string, const ast::OptimizerDecl *> optimizers;
  std::map<std::string, const ast::DataDecl *> datas;
  std::vector<const ast::TrainDecl *> trains; // of the root file only
  // Every defined name, for "did you mean" hints.
  std::vector<std::string> allNames() const;
};

struct LoadedProgram {
  std::vector<std::unique_ptr<ast::Module>> modules; // root first
  Symbols symbols;
  FileId root = -1;
};

// The directory holding std.nn: $NNC_STDLIB if set, else the one the build
// recorded, else `../share/nnc/stdlib` next to the executable.
std::string stdlibDir();

// Loads `path` and its imports. Returns what could be loaded; check
// diags.hasErrors(). A missing root file is an error without a location.
LoadedProgram loadProgram(const std::string &path, SourceManager &sm, DiagnosticEngine &diags);

} // namespace nnc
