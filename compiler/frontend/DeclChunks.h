// Cutting a file's tokens into chunks of whole declarations, so the parser
// handles a large file a piece at a time. Private to the parser.
//
// ANTLR keeps every token and every parse tree node until the parser is
// destroyed: several hundred bytes per token. Parsing chunk by chunk, and
// building the AST of each before the next, keeps memory bounded by the
// chunk instead of the file, which is what makes multi-megabyte files fast.
//
// A chunk ends before `fn` or `import` (reserved words that only start
// declarations) or before `model`, `optimizer`, `data` or `train` right after
// a `}` or `;`, outside all brackets, once it holds enough tokens. In a
// well-formed file that is always between two declarations.
#pragma once

#include <antlr4-runtime.h>

#include <memory>
#include <vector>

namespace nnc {

using TokenList = std::vector<std::unique_ptr<antlr4::Token>>;

class DeclChunker {
public:
  explicit DeclChunker(antlr4::Lexer &lexer) : lexer_(lexer) {}

  // The next chunk's tokens, hidden ones included, ending in an EOF token:
  // the file's own, or one standing in for the token the next chunk starts
  // with (same position). Empty once the file's EOF has been handed out.
  TokenList next();

private:
  std::unique_ptr<antlr4::Token> pull();
  bool startsDeclaration(const antlr4::Token &tok) const;

  antlr4::Lexer &lexer_;
  std::unique_ptr<antlr4::Token> pending_; // first token of the next chunk
  bool done_ = false;
  int depth_ = 0; // bracket depth, never below 0
  size_t prevType_ = antlr4::Token::INVALID_TYPE;
};

// Hands a chunk's tokens to a CommonTokenStream.
class ChunkTokenSource : public antlr4::TokenSource {
public:
  ChunkTokenSource(antlr4::Lexer &lexer, TokenList tokens) : lexer_(lexer), tokens_(std::move(tokens)) {}

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override;
  size_t getCharPositionInLine() override;
  antlr4::CharStream *getInputStream() override { return lexer_.getInputStream(); }
  std::string getSourceName() override { return lexer_.getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken> *getTokenFactory() override { return lexer_.getTokenFactory(); }

private:
  antlr4::Lexer &lexer_;
  TokenList tokens_;
  size_t next_ = 0;
};

} // namespace nnc
