// Syntax diagnostics for the parser: where they are collected, and the ANTLR
// hooks that word them for people ("expected `)` or `,`" rather than
// "mismatched input ')' expecting {',', ')'}"). Private to the parser.
#pragma once

#include "frontend/Diagnostics.h"
#include "frontend/ParseInput.h"

#include <antlr4-runtime.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace nnc {

// Collects the parser's diagnostics and hands them on in source order, so
// lexical, syntax and AST-building errors interleave the way a reader meets
// them. Reports the first error at each location only: ANTLR's recovery can
// trip twice over the same token.
class ParseDiags {
public:
  // The parser reports from three passes (tokens, grammar, AST), each in
  // source order, so keeping the first kMaxErrors + 1 of each keeps the first
  // of all, and garbage input cannot pile up millions of diagnostics.
  enum Pass { Tokens, Grammar, Ast, NumPasses };
  void setPass(Pass p) { pass_ = p; }
  // Whether pass `p` has reported all the errors anyone will see.
  bool full(Pass p) const { return passErrors_[p] > DiagnosticEngine::kMaxErrors; }

  void error(SourceRange r, std::string msg);
  // Attaches to the error reported just before it (dropped with it).
  void note(SourceRange r, std::string msg);

  bool hasErrors() const { return !entries_.empty(); }
  void flushTo(DiagnosticEngine &diags);

private:
  struct Entry {
    Diagnostic error;
    std::vector<Diagnostic> notes;
  };
  std::vector<Entry> entries_;
  std::set<std::pair<int, int>> seen_; // (line, col) of reported errors
  Pass pass_ = Tokens;
  int passErrors_[NumPasses] = {};
  bool dropNotes_ = false;
};

// Reports ANTLR's errors (parser and lexer) into ParseDiags.
class SyntaxErrorListener : public antlr4::BaseErrorListener {
public:
  SyntaxErrorListener(const ParseInput &input, FileId file, ParseDiags &diags)
      : input_(input), file_(file), diags_(diags) {}
  void syntaxError(antlr4::Recognizer *recognizer, antlr4::Token *offendingSymbol, size_t line,
                   size_t charPositionInLine, const std::string &msg, std::exception_ptr e) override;

private:
  const ParseInput &input_;
  FileId file_;
  ParseDiags &diags_;
};

// ANTLR's default recovery, with our wording for each kind of error.
class SyntaxErrorStrategy : public antlr4::DefaultErrorStrategy {
public:
  SyntaxErrorStrategy(const ParseInput &input, const ParseDiags &diags) : input_(input), diags_(diags) {}

protected:
  void reportNoViableAlternative(antlr4::Parser *recognizer, const antlr4::NoViableAltException &e) override;
  void reportInputMismatch(antlr4::Parser *recognizer, const antlr4::InputMismatchException &e) override;
  void reportFailedPredicate(antlr4::Parser *recognizer, const antlr4::FailedPredicateException &e) override;
  void reportUnwantedToken(antlr4::Parser *recognizer) override;
  void reportMissingToken(antlr4::Parser *recognizer) override;
  antlr4::Token *singleTokenDeletion(antlr4::Parser *recognizer) override;

private:
  // "expected X" at `tok`, or "unexpected `tok`" when X would be a long list.
  std::string expectedMessage(antlr4::Parser *recognizer, antlr4::Token *tok,
                              const antlr4::misc::IntervalSet &expected);
  std::string unexpectedMessage(antlr4::Token *tok);
  void emit(antlr4::Parser *recognizer, antlr4::Token *tok, const std::string &msg);
  // Past the error cap nobody reads the message: skip the work of wording it.
  bool muted() const { return diags_.full(ParseDiags::Grammar); }

  const ParseInput &input_;
  const ParseDiags &diags_;
};

} // namespace nnc
