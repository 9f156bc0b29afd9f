// Checks on the whole token stream, run between lexing and parsing. Private
// to the parser.
#pragma once

#include "frontend/ParseInput.h"
#include "frontend/SyntaxErrors.h"

#include <antlr4-runtime.h>

#include <vector>

namespace nnc {

// Reports invalid characters and unterminated strings. Unterminated strings
// are retyped as strings so the parser goes on as if they were closed.
void checkLexicalErrors(const std::vector<antlr4::Token *> &tokens, const ParseInput &input, ParseDiags &diags);

// The parser is recursive descent: each bracket, prefix operator (`-`, `not`),
// `^` and `else` may nest a call. Returns false, having reported an error,
// when the input nests deeper than kMaxNesting, so that a pathological file
// gets a diagnostic instead of overflowing the stack.
bool checkNesting(const std::vector<antlr4::Token *> &tokens, const ParseInput &input, ParseDiags &diags);
constexpr int kMaxNesting = 200;

} // namespace nnc
