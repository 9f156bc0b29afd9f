#include "frontend/SyntaxErrors.h"

#include "NNParser.h"

#include <algorithm>

namespace nnc {

using grammar::NNParser;

// ---------------------------------------------------------------- ParseDiags

void ParseDiags::error(SourceRange r, std::string msg) {
  dropNotes_ = true;
  if (full(pass_)) return;
  if (r.valid() && !seen_.insert({r.begin.line, r.begin.col}).second) return;
  ++passErrors_[pass_];
  entries_.push_back({{Severity::Error, r, std::move(msg)}, {}});
  dropNotes_ = false;
}

void ParseDiags::note(SourceRange r, std::string msg) {
  if (dropNotes_ || entries_.empty()) return;
  entries_.back().notes.push_back({Severity::Note, r, std::move(msg)});
}

void ParseDiags::flushTo(DiagnosticEngine &diags) {
  auto key = [](const Entry &e) {
    const SourceLoc &l = e.error.range.begin;
    return e.error.range.valid() ? std::make_pair(l.line, l.col) : std::make_pair(0, 0);
  };
  std::stable_sort(entries_.begin(), entries_.end(), [&](const Entry &a, const Entry &b) { return key(a) < key(b); });
  for (Entry &e : entries_) {
    diags.report(e.error.severity, e.error.range, std::move(e.error.message));
    for (Diagnostic &n : e.notes)
      diags.report(n.severity, n.range, std::move(n.message));
  }
  entries_.clear();
}

// ---------------------------------------------------------------- wording

namespace {

bool isNameToken(size_t t) {
  switch (t) {
  case NNParser::ID:
  case NNParser::KW_STEP:
  case NNParser::KW_UPDATES:
  case NNParser::KW_ON:
  case NNParser::KW_STATE:
  case NNParser::KW_DATA:
  case NNParser::KW_TRAIN:
  case NNParser::KW_OPTIMIZER:
  case NNParser::KW_MODEL:
    return true;
  default:
    return false;
  }
}

// Tokens that could continue the expression just parsed. After `f(x`, ANTLR
// expects `)`, `,` and every binary operator; only the first two help.
bool isContinuation(size_t t) {
  switch (t) {
  case NNParser::DOT:
  case NNParser::LPAREN:
  case NNParser::LBRACK:
  case NNParser::CARET:
  case NNParser::STAR:
  case NNParser::SLASH:
  case NNParser::AT:
  case NNParser::PLUS:
  case NNParser::MINUS:
  case NNParser::EQ:
  case NNParser::NE:
  case NNParser::LT:
  case NNParser::LE:
  case NNParser::GT:
  case NNParser::GE:
  case NNParser::KW_AND:
  case NNParser::KW_OR:
  case NNParser::KW_IF:
  case NNParser::KW_UPDATES:
    return true;
  default:
    return false;
  }
}

bool isCloser(size_t t) { return t == NNParser::RPAREN || t == NNParser::RBRACK || t == NNParser::RBRACE; }

// "`)`" for a literal token, "end of file" for EOF.
std::string tokenTypeName(size_t t, const antlr4::dfa::Vocabulary &vocab) {
  if (t == antlr4::Token::EOF) return "end of file";
  std::string lit = vocab.getLiteralName(t);
  if (lit.size() >= 2 && lit.front() == '\'') return "`" + lit.substr(1, lit.size() - 2) + "`";
  switch (t) {
  case NNParser::INT:
    return "an integer";
  case NNParser::FLOAT:
    return "a number";
  case NNParser::STRING:
    return "a string";
  default:
    return vocab.getSymbolicName(t);
  }
}

std::string joinOr(const std::vector<std::string> &items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

// What the parser wanted, in a few words ("`)` or `,`", "expression",
// "a name"), or empty when that would be a long list nobody reads.
std::string describeExpected(const antlr4::misc::IntervalSet &set, const antlr4::dfa::Vocabulary &vocab, bool atEof) {
  std::vector<size_t> types;
  for (ssize_t t : set.toList())
    if (t >= 0 || static_cast<size_t>(t) == antlr4::Token::EOF) types.push_back(static_cast<size_t>(t));
  auto has = [&](size_t t) { return std::find(types.begin(), types.end(), t) != types.end(); };
  bool exprCanStart = has(NNParser::INT);

  if (has(NNParser::KW_FN)) return "a declaration (`fn`, `model`, `optimizer`, `data`, `train` or `import`)";
  std::vector<std::string> items;
  if (std::any_of(types.begin(), types.end(), isCloser)) {
    // Inside brackets: what closes them matters more than what might follow.
    // At the end of the file, only the closing brackets are worth saying.
    if (exprCanStart) items.push_back("expression");
    if (has(NNParser::KW_RETURN) && !atEof) items.push_back("a statement");
    for (size_t t : {NNParser::RPAREN, NNParser::RBRACK, NNParser::RBRACE, NNParser::COMMA})
      if (has(t)) items.push_back(tokenTypeName(t, vocab));
    return joinOr(items);
  }
  if (exprCanStart) return "expression";
  // A name or a parenthesis but no literal: only a type starts like that.
  if (has(NNParser::ID) && has(NNParser::LPAREN)) return "a type";

  bool onlyContinuations = std::all_of(types.begin(), types.end(), isContinuation);
  if (has(NNParser::ID)) items.push_back("a name");
  for (size_t t : types) {
    if (isNameToken(t) && has(NNParser::ID)) continue;
    if (isContinuation(t) && !onlyContinuations) continue;
    items.push_back(tokenTypeName(t, vocab));
  }
  if (items.empty() || items.size() > 4) return {};
  return joinOr(items);
}

} // namespace

// ---------------------------------------------------------------- strategy

std::string SyntaxErrorStrategy::unexpectedMessage(antlr4::Token *tok) {
  if (input_.isEndOfFile(tok)) return "unexpected end of file";
  std::string text(input_.textOf(tok));
  if (text.size() > 24) text = text.substr(0, 20) + "...";
  return "unexpected `" + text + "`";
}

std::string SyntaxErrorStrategy::expectedMessage(antlr4::Parser *recognizer, antlr4::Token *tok,
                                                 const antlr4::misc::IntervalSet &expected) {
  std::string phrase = describeExpected(expected, recognizer->getVocabulary(), input_.isEndOfFile(tok));
  if (input_.isEndOfFile(tok))
    return phrase.empty() ? "unexpected end of file" : "unexpected end of file, expected " + phrase;
  return phrase.empty() ? unexpectedMessage(tok) : "expected " + phrase;
}

antlr4::Token *SyntaxErrorStrategy::singleTokenDeletion(antlr4::Parser *recognizer) {
  // ANTLR drops an unexpected token when the one after it fits. Not these:
  // deleting an opening bracket unbalances everything after it (in `fn (x)`
  // it would take `x` for the name and stumble over `)`; conjuring the name
  // reads the rest as written), and deleting `fn` would swallow the next
  // declaration into the broken one before it.
  switch (recognizer->getInputStream()->LA(1)) {
  case NNParser::LPAREN:
  case NNParser::LBRACK:
  case NNParser::LBRACE:
  case NNParser::KW_FN:
  case NNParser::KW_IMPORT:
    return nullptr;
  default:
    return DefaultErrorStrategy::singleTokenDeletion(recognizer);
  }
}

void SyntaxErrorStrategy::emit(antlr4::Parser *recognizer, antlr4::Token *tok, const std::string &msg) {
  recognizer->notifyErrorListeners(tok, msg, nullptr);
}

void SyntaxErrorStrategy::reportNoViableAlternative(antlr4::Parser *recognizer, const antlr4::NoViableAltException &e) {
  if (muted()) return;
  antlr4::Token *tok = e.getOffendingToken();
  // When prediction failed past the first token, the expected set (computed
  // at the decision) would describe the wrong place.
  if (tok != e.getStartToken()) return emit(recognizer, tok, unexpectedMessage(tok));
  emit(recognizer, tok, expectedMessage(recognizer, tok, e.getExpectedTokens()));
}

void SyntaxErrorStrategy::reportInputMismatch(antlr4::Parser *recognizer, const antlr4::InputMismatchException &e) {
  if (muted()) return;
  antlr4::Token *tok = e.getOffendingToken();
  emit(recognizer, tok, expectedMessage(recognizer, tok, e.getExpectedTokens()));
}

void SyntaxErrorStrategy::reportFailedPredicate(antlr4::Parser *recognizer, const antlr4::FailedPredicateException &e) {
  if (muted()) return;
  antlr4::Token *tok = e.getOffendingToken();
  emit(recognizer, tok, unexpectedMessage(tok));
}

void SyntaxErrorStrategy::reportUnwantedToken(antlr4::Parser *recognizer) {
  if (inErrorRecoveryMode(recognizer)) return;
  beginErrorCondition(recognizer);
  if (muted()) return;
  antlr4::Token *tok = recognizer->getCurrentToken();
  // A stray closing bracket is best called just that: "expected `}`" at an
  // extra `)` would send the reader looking for the wrong mistake. But `}`
  // where `]` belongs is a missing `]`.
  antlr4::misc::IntervalSet expected = getExpectedTokens(recognizer);
  bool innerCloserExpected = expected.contains(static_cast<size_t>(NNParser::RPAREN)) ||
                             expected.contains(static_cast<size_t>(NNParser::RBRACK));
  if (!input_.isEndOfFile(tok) && isCloser(tok->getType()) && !innerCloserExpected)
    return emit(recognizer, tok, unexpectedMessage(tok));
  emit(recognizer, tok, expectedMessage(recognizer, tok, expected));
}

void SyntaxErrorStrategy::reportMissingToken(antlr4::Parser *recognizer) {
  if (inErrorRecoveryMode(recognizer)) return;
  beginErrorCondition(recognizer);
  if (muted()) return;
  antlr4::Token *tok = recognizer->getCurrentToken();
  emit(recognizer, tok, expectedMessage(recognizer, tok, getExpectedTokens(recognizer)));
}

// ---------------------------------------------------------------- listener

void SyntaxErrorListener::syntaxError(antlr4::Recognizer *recognizer, antlr4::Token *offendingSymbol, size_t line,
                                      size_t charPositionInLine, const std::string &msg, std::exception_ptr) {
  SourceRange r = input_.rangeOf(offendingSymbol);
  if (!r.valid()) {
    SourceLoc l{file_, static_cast<int>(line), static_cast<int>(charPositionInLine) + 1};
    r = {l, l};
  }
  // The lexer has a catch-all rule, so this is a safety net, and ANTLR's
  // wording ("token recognition error at: ...") is not for users.
  if (dynamic_cast<antlr4::Lexer *>(recognizer)) return diags_.error(r, "invalid character");
  // Right after an invalid character the parser is bound to stumble (in
  // `x $ 2`, `$` was meant as an operator); the first error says it all.
  auto *stream = dynamic_cast<antlr4::BufferedTokenStream *>(recognizer->getInputStream());
  size_t index = offendingSymbol ? offendingSymbol->getTokenIndex() : INVALID_INDEX;
  if (stream && index != INVALID_INDEX && index > 0 && stream->get(index - 1)->getType() == NNParser::INVALID_CHAR)
    return;
  diags_.error(r, msg);
}

} // namespace nnc
