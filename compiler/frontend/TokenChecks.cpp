#include "frontend/TokenChecks.h"

#include "NNLexer.h"

#include <cstdio>

namespace nnc {

using grammar::NNLexer;

namespace {

std::string hex(unsigned value, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*X", digits, value);
  return buf;
}

// Says which character is not allowed, naming invisible ones by code point.
std::string describeInvalid(std::string_view text) {
  if (text.empty()) return "invalid character";
  auto c = static_cast<unsigned char>(text[0]);
  if (c >= 0x80 && text.size() == 1) return "invalid UTF-8 byte 0x" + hex(c, 2);
  if (c < 0x20 || c == 0x7F) return "invalid character U+" + hex(c, 4);
  if (c == '`') return "invalid character '`'";
  if (c < 0x80) return "invalid character `" + std::string(1, static_cast<char>(c)) + "`";
  // A well-formed multi-byte sequence (ParseInput decoded it as one).
  unsigned cp = c & (text.size() == 2 ? 0x1F : text.size() == 3 ? 0x0F : 0x07);
  for (size_t i = 1; i < text.size(); ++i)
    cp = cp << 6 | (static_cast<unsigned char>(text[i]) & 0x3F);
  return "invalid character `" + std::string(text) + "` (U+" + hex(cp, 4) + ")";
}

bool adjacent(const antlr4::Token *a, const antlr4::Token *b) { return a->getStopIndex() + 1 == b->getStartIndex(); }

} // namespace

void checkLexicalErrors(const std::vector<antlr4::Token *> &tokens, const ParseInput &input, ParseDiags &diags) {
  const antlr4::Token *runStart = nullptr, *runEnd = nullptr;
  // A run of adjacent invalid characters (binary garbage, a pasted emoji
  // sequence) is one mistake: report it once, naming its first character.
  auto flushRun = [&] {
    if (!runStart) return;
    diags.error({input.rangeOf(runStart).begin, input.rangeOf(runEnd).end}, describeInvalid(input.textOf(runStart)));
    runStart = runEnd = nullptr;
  };
  for (antlr4::Token *tok : tokens) {
    if (tok->getType() == NNLexer::INVALID_CHAR) {
      if (runEnd && adjacent(runEnd, tok)) {
        runEnd = tok;
        continue;
      }
      flushRun();
      runStart = runEnd = tok;
      continue;
    }
    flushRun();
    if (tok->getType() != NNLexer::UNTERMINATED_STRING) continue;
    diags.error(input.rangeOf(tok), "unterminated string");
    if (auto *w = dynamic_cast<antlr4::WritableToken *>(tok)) w->setType(NNLexer::STRING);
  }
  flushRun();
}

namespace {

// Tokens after which `-` and `+` are binary.
bool endsOperand(size_t t) {
  switch (t) {
  case NNLexer::INT:
  case NNLexer::FLOAT:
  case NNLexer::STRING:
  case NNLexer::UNTERMINATED_STRING:
  case NNLexer::ID:
  case NNLexer::KW_TRUE:
  case NNLexer::KW_FALSE:
  case NNLexer::KW_PARAM:
  case NNLexer::KW_STEP:
  case NNLexer::KW_UPDATES:
  case NNLexer::KW_ON:
  case NNLexer::KW_STATE:
  case NNLexer::KW_DATA:
  case NNLexer::KW_TRAIN:
  case NNLexer::KW_OPTIMIZER:
  case NNLexer::KW_MODEL:
  case NNLexer::RPAREN:
  case NNLexer::RBRACK:
    return true;
  default:
    return false;
  }
}

// Tokens that end every expression open at the current bracket level.
bool endsExpressions(size_t t) {
  switch (t) {
  case NNLexer::COMMA:
  case NNLexer::SEMI:
  case NNLexer::COLON:
  case NNLexer::ASSIGN:
  case NNLexer::SUB_ASSIGN:
  case NNLexer::ADD_ASSIGN:
  case NNLexer::MUL_ASSIGN:
  case NNLexer::DIV_ASSIGN:
  case NNLexer::ARROW:
  case NNLexer::KW_RETURN:
  case NNLexer::KW_FOR:
  case NNLexer::KW_IN:
  case NNLexer::KW_FN:
  case NNLexer::KW_IMPORT:
    return true;
  default:
    return false;
  }
}

bool isBinaryOperator(size_t t) {
  switch (t) {
  case NNLexer::STAR:
  case NNLexer::SLASH:
  case NNLexer::AT:
  case NNLexer::PLUS:
  case NNLexer::MINUS:
  case NNLexer::EQ:
  case NNLexer::NE:
  case NNLexer::LT:
  case NNLexer::LE:
  case NNLexer::GT:
  case NNLexer::GE:
    return true;
  default:
    return false;
  }
}

// Simulates the parser's recursion depth. Each bracket level holds a stack of
// open right-nested constructs; a construct closes when an operator of lower
// precedence ends its operand:
//   Tight: prefix `-`/`+` and `^` (operand: powers and postfix only)
//   Not:   `not` (operand: down to comparisons)
//   Else:  the branch after `else` (operand: everything)
class NestingTracker {
public:
  int depth() const { return depth_; }

  void openBracket() {
    levels_.emplace_back();
    ++depth_;
  }
  void closeBracket() {
    if (levels_.size() == 1) return; // unbalanced: the parser will say so
    depth_ -= static_cast<int>(levels_.back().size()) + 1;
    levels_.pop_back();
  }
  void endAll() {
    depth_ -= static_cast<int>(levels_.back().size());
    levels_.back().clear();
  }
  enum Kind { Tight, Not, Else };
  void open(Kind k) {
    levels_.back().push_back(k);
    ++depth_;
  }
  // Ends the constructs whose operand cannot contain an operator that ends
  // constructs up to `upTo`.
  void endUpTo(Kind upTo) {
    std::vector<Kind> &open = levels_.back();
    while (!open.empty() && open.back() <= upTo) {
      open.pop_back();
      --depth_;
    }
  }

private:
  std::vector<std::vector<Kind>> levels_{1};
  int depth_ = 0;
};

} // namespace

bool checkNesting(const std::vector<antlr4::Token *> &tokens, const ParseInput &input, ParseDiags &diags) {
  NestingTracker nest;
  size_t prev = antlr4::Token::INVALID_TYPE;
  for (antlr4::Token *tok : tokens) {
    if (tok->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    size_t t = tok->getType();
    switch (t) {
    case NNLexer::LPAREN:
    case NNLexer::LBRACK:
    case NNLexer::LBRACE:
      nest.openBracket();
      break;
    case NNLexer::RPAREN:
    case NNLexer::RBRACK:
    case NNLexer::RBRACE:
      nest.closeBracket();
      break;
    case NNLexer::KW_NOT:
      nest.open(NestingTracker::Not);
      break;
    case NNLexer::CARET:
      nest.open(NestingTracker::Tight);
      break;
    case NNLexer::KW_AND:
    case NNLexer::KW_OR:
    case NNLexer::KW_IF:
      nest.endUpTo(NestingTracker::Not);
      break;
    case NNLexer::KW_ELSE:
      nest.endUpTo(NestingTracker::Not);
      nest.open(NestingTracker::Else);
      break;
    default:
      if ((t == NNLexer::MINUS || t == NNLexer::PLUS) && !endsOperand(prev))
        nest.open(NestingTracker::Tight);
      else if (isBinaryOperator(t))
        nest.endUpTo(NestingTracker::Tight);
      else if (endsExpressions(t))
        nest.endAll();
      break;
    }
    prev = t;
    if (nest.depth() <= kMaxNesting) continue;
    diags.error(input.rangeOf(tok),
                "expressions nested too deeply (more than " + std::to_string(kMaxNesting) + " levels)");
    return false;
  }
  return true;
}

} // namespace nnc
