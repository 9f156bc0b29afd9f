// Parsing a .nn file into an AST: the ANTLR-generated parser plus the
// visitor that builds our own tree. Syntax errors become diagnostics.
#pragma once

#include "frontend/Ast.h"
#include "frontend/Diagnostics.h"

#include <memory>

namespace nnc {

// Parses the file `file` already added to the source manager. Returns the
// module even when there were syntax errors (with what could be recovered);
// callers check diags.hasErrors().
std::unique_ptr<ast::Module> parseModule(const SourceManager &sm, FileId file, DiagnosticEngine &diags);

} // namespace nnc
