#include "frontend/ParseInput.h"

#include <algorithm>

namespace nnc {

namespace {

// An ANTLR char stream over text we decoded ourselves.
class CodePointStream : public antlr4::ANTLRInputStream {
public:
  explicit CodePointStream(std::u32string text) { _data = std::move(text); }
};

bool isContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlong
// forms, no surrogates, nothing past U+10FFFF), or 0 if it is not one.
size_t sequenceLength(std::string_view s, size_t i) {
  auto at = [&](size_t k) -> unsigned char { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
  unsigned char c = at(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return isContinuation(at(1)) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return at(1) >= lo && at(1) <= hi && isContinuation(at(2)) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return at(1) >= lo && at(1) <= hi && isContinuation(at(2)) && isContinuation(at(3)) ? 4 : 0;
  }
  return 0;
}

char32_t decode(std::string_view s, size_t i, size_t len) {
  auto b = [&](size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k])); };
  switch (len) {
  case 1:
    return b(0);
  case 2:
    return (b(0) & 0x1F) << 6 | (b(1) & 0x3F);
  case 3:
    return (b(0) & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
  default:
    return (b(0) & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F);
  }
}

} // namespace

ParseInput::ParseInput(FileId file, std::string_view bytes) : file_(file), bytes_(bytes) {
  lineStarts_.push_back(0);
  for (size_t i = 0; i < bytes.size(); ++i)
    if (bytes[i] == '\n') lineStarts_.push_back(i + 1);

  bool ascii = std::all_of(bytes.begin(), bytes.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  text_.reserve(bytes.size());
  if (ascii) {
    text_.assign(bytes.begin(), bytes.end());
    return;
  }
  cpToByte_.reserve(bytes.size() + 1);
  for (size_t i = 0; i < bytes.size();) {
    cpToByte_.push_back(i);
    size_t len = sequenceLength(bytes, i);
    if (len == 0) {
      text_.push_back(kInvalidByteBase + static_cast<unsigned char>(bytes[i]));
      ++i;
      continue;
    }
    text_.push_back(decode(bytes, i, len));
    i += len;
  }
  cpToByte_.push_back(bytes.size());
}

std::unique_ptr<antlr4::CharStream> ParseInput::takeStream() {
  numCodePoints_ = text_.size();
  return std::make_unique<CodePointStream>(std::move(text_));
}

bool ParseInput::isConjured(const antlr4::Token *tok) { return tok->getStartIndex() == INVALID_INDEX; }

size_t ParseInput::byteOfCodePoint(size_t cp) const {
  if (cpToByte_.empty()) return std::min(cp, bytes_.size());
  return cpToByte_[std::min(cp, cpToByte_.size() - 1)];
}

SourceLoc ParseInput::locOfByte(size_t byte) const {
  auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), byte);
  size_t line = static_cast<size_t>(it - lineStarts_.begin()); // >= 1: lineStarts_[0] == 0
  return {file_, static_cast<int>(line), static_cast<int>(byte - lineStarts_[line - 1] + 1)};
}

SourceRange ParseInput::rangeOf(const antlr4::Token *tok) const {
  if (!tok || isConjured(tok)) return {};
  // At the end of the file stop == start - 1: an empty range.
  size_t begin = byteOfCodePoint(tok->getStartIndex());
  size_t end = byteOfCodePoint(tok->getStopIndex() + 1);
  return {locOfByte(begin), locOfByte(std::max(begin, end))};
}

std::string_view ParseInput::textOf(const antlr4::Token *tok) const {
  if (!tok || isConjured(tok)) return {};
  size_t begin = byteOfCodePoint(tok->getStartIndex());
  size_t end = byteOfCodePoint(tok->getStopIndex() + 1);
  return end > begin ? bytes_.substr(begin, end - begin) : std::string_view();
}

} // namespace nnc
