// Turns the ANTLR parse tree of a file into our AST. Private to the parser.
//
// The tree may come from a parse with syntax errors: pieces ANTLR could not
// parse are left out (a statement missing its value is dropped, not kept with
// a null), so the result is always a well-formed, if partial, AST.
//
// Also reports the errors that need the tree: statements not allowed where
// they appear (only settings in data and train blocks), and those of
// ExprBuilder.h.
#pragma once

#include "frontend/Ast.h"
#include "frontend/ParseInput.h"
#include "frontend/SyntaxErrors.h"

#include "NNParser.h"

namespace nnc {

// Adds the declarations of `tree` (a whole file or a chunk of one) to `module`.
void buildDecls(grammar::NNParser::FileContext *tree, const ParseInput &input, ParseDiags &diags, ast::Module &module);

} // namespace nnc
