// The parser's view of a source file: its UTF-8 bytes decoded into the code
// points ANTLR lexes, and the way back from ANTLR's code point positions to
// our byte-based SourceLocs. Private to the parser (Parser.cpp and friends).
//
// We decode ourselves instead of letting ANTLRInputStream do it because the
// runtime's decoder throws on invalid UTF-8. Each invalid byte B becomes the
// lone surrogate 0xDC00 + B (Python's "surrogateescape"): valid UTF-8 never
// decodes to a surrogate, so the lexer sees one unmatchable character per bad
// byte and we can still say which byte it was.
#pragma once

#include "frontend/Source.h"

#include <antlr4-runtime.h>

#include <string>
#include <string_view>
#include <vector>

namespace nnc {

class ParseInput {
public:
  ParseInput(FileId file, std::string_view bytes);

  // The decoded text, ready for the lexer. Call once: it moves the data out.
  std::unique_ptr<antlr4::CharStream> takeStream();

  // Where a token was written; missing tokens conjured by ANTLR's error
  // recovery have no position and get an invalid range.
  SourceRange rangeOf(const antlr4::Token *tok) const;
  // The token's text as written in the file (its bytes, not re-encoded).
  std::string_view textOf(const antlr4::Token *tok) const;
  // A location just past the end of the file.
  SourceLoc endLoc() const { return locOfByte(bytes_.size()); }

  // True for tokens the parser made up while recovering from an error.
  static bool isConjured(const antlr4::Token *tok);
  // True for the end of the file itself. The parser also sees an EOF token
  // where it stops between declarations (see DeclChunks.h); that one stands
  // for the next token, and messages should name that token.
  bool isEndOfFile(const antlr4::Token *tok) const {
    return !tok || (tok->getType() == antlr4::Token::EOF && tok->getStartIndex() >= numCodePoints_);
  }

private:
  static constexpr char32_t kInvalidByteBase = 0xDC00;

  size_t byteOfCodePoint(size_t cp) const;
  SourceLoc locOfByte(size_t byte) const;

  FileId file_;
  std::string_view bytes_;
  std::u32string text_;
  size_t numCodePoints_ = 0;
  // cpToByte_[i] is the byte offset of code point i (one extra entry for the
  // end). Empty when the file is ASCII, where the two are the same.
  std::vector<size_t> cpToByte_;
  std::vector<size_t> lineStarts_;
};

} // namespace nnc
