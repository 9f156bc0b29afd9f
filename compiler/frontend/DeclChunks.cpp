#include "frontend/DeclChunks.h"

#include "NNLexer.h"

namespace nnc {

using grammar::NNLexer;

namespace {

// Enough tokens that the cost of a parser per chunk does not show.
constexpr size_t kMinChunkTokens = 4096;

} // namespace

std::unique_ptr<antlr4::Token> DeclChunker::pull() { return lexer_.nextToken(); }

bool DeclChunker::startsDeclaration(const antlr4::Token &tok) const {
  if (depth_ > 0 || tok.getChannel() != antlr4::Token::DEFAULT_CHANNEL) return false;
  switch (tok.getType()) {
  case NNLexer::KW_FN:
  case NNLexer::KW_IMPORT:
    return true;
  // Also names: only after a `}` or `;` can they not be part of an expression.
  case NNLexer::KW_MODEL:
  case NNLexer::KW_OPTIMIZER:
  case NNLexer::KW_DATA:
  case NNLexer::KW_TRAIN:
    return prevType_ == NNLexer::RBRACE || prevType_ == NNLexer::SEMI;
  default:
    return false;
  }
}

TokenList DeclChunker::next() {
  TokenList out;
  if (done_) return out;
  for (;;) {
    std::unique_ptr<antlr4::Token> tok = pending_ ? std::move(pending_) : pull();
    if (tok->getType() == antlr4::Token::EOF) {
      out.push_back(std::move(tok));
      done_ = true;
      return out;
    }
    if (out.size() >= kMinChunkTokens && startsDeclaration(*tok)) {
      auto eof = std::make_unique<antlr4::CommonToken>(
          std::make_pair(static_cast<antlr4::TokenSource *>(&lexer_), lexer_.getInputStream()), antlr4::Token::EOF,
          antlr4::Token::DEFAULT_CHANNEL, tok->getStartIndex(), tok->getStopIndex());
      eof->setLine(tok->getLine());
      eof->setCharPositionInLine(tok->getCharPositionInLine());
      out.push_back(std::move(eof));
      pending_ = std::move(tok);
      return out;
    }
    if (tok->getChannel() == antlr4::Token::DEFAULT_CHANNEL) {
      switch (tok->getType()) {
      case NNLexer::LPAREN:
      case NNLexer::LBRACK:
      case NNLexer::LBRACE:
        ++depth_;
        break;
      case NNLexer::RPAREN:
      case NNLexer::RBRACK:
      case NNLexer::RBRACE:
        depth_ = depth_ > 0 ? depth_ - 1 : 0;
        break;
      default:
        break;
      }
      prevType_ = tok->getType();
    }
    out.push_back(std::move(tok));
  }
}

std::unique_ptr<antlr4::Token> ChunkTokenSource::nextToken() {
  if (next_ < tokens_.size()) return std::move(tokens_[next_++]);
  // Past the chunk's EOF (token streams stop asking before this).
  return std::make_unique<antlr4::CommonToken>(antlr4::Token::EOF);
}

size_t ChunkTokenSource::getLine() const { return next_ < tokens_.size() ? tokens_[next_]->getLine() : 0; }

size_t ChunkTokenSource::getCharPositionInLine() {
  return next_ < tokens_.size() ? tokens_[next_]->getCharPositionInLine() : 0;
}

} // namespace nnc
