#include "ir/IRParser.h"

#include "ir/Printer.h"

#include <charconv>
#include <climits>
#include <limits>
#include <optional>
#include <unordered_map>

namespace nnc::ir {

namespace {

// Thrown inside the parser only; parseIR turns it into ParseResult::error.
struct ParseError {
  int line, col;
  std::string message;
};

enum class Tok { Ident, ValueId, Int, Float, String, LParen, RParen, LBrace, RBrace, LBracket, RBracket, Comma, Equal, Colon, Eof };

struct Token {
  Tok kind = Tok::Eof;
  std::string text; // identifier, value name without `%`, number text, or decoded string
  int line = 1, col = 1;
};

bool isIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }

// How a character appears in a message: printable ASCII as is, else \xHH.
std::string showChar(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string(1, c);
  static const char kHex[] = "0123456789abcdef";
  return std::string("\\x") + kHex[u >> 4] + kHex[u & 15];
}

class Lexer {
public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Token next() {
    skipSpaceAndComments();
    Token t;
    t.line = line_;
    t.col = col_;
    if (pos_ >= text_.size()) return t;
    char c = text_[pos_];
    if (isIdentStart(c)) return lexWhile(t, Tok::Ident, 0);
    if (c == '%') return lexValueId(t);
    if (isDigit(c) || c == '-') return lexNumber(t);
    if (c == '"') return lexString(t);
    switch (c) {
    case '(': return punct(t, Tok::LParen);
    case ')': return punct(t, Tok::RParen);
    case '{': return punct(t, Tok::LBrace);
    case '}': return punct(t, Tok::RBrace);
    case '[': return punct(t, Tok::LBracket);
    case ']': return punct(t, Tok::RBracket);
    case ',': return punct(t, Tok::Comma);
    case '=': return punct(t, Tok::Equal);
    case ':': return punct(t, Tok::Colon);
    default: break;
    }
    throw ParseError{t.line, t.col, "unexpected character `" + showChar(c) + "`"};
  }

private:
  char peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }

  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++pos_;
  }

  void skipSpaceAndComments() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') advance();
        continue;
      }
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      advance();
    }
  }

  Token punct(Token t, Tok kind) {
    t.kind = kind;
    t.text = std::string(1, text_[pos_]);
    advance();
    return t;
  }

  // Identifier characters starting `skip` characters in.
  Token lexWhile(Token t, Tok kind, size_t skip) {
    for (size_t k = 0; k < skip; ++k) advance();
    size_t start = pos_;
    while (pos_ < text_.size() && isIdentChar(text_[pos_])) advance();
    t.kind = kind;
    t.text = std::string(text_.substr(start, pos_ - start));
    return t;
  }

  Token lexValueId(Token t) {
    if (!isIdentChar(peek(1))) throw ParseError{t.line, t.col, "expected a value name after `%`"};
    return lexWhile(t, Tok::ValueId, 1);
  }

  Token lexNumber(Token t) {
    size_t start = pos_;
    if (peek() == '-') {
      if (text_.substr(pos_ + 1, 3) == "inf" && !isIdentChar(peek(4))) {
        for (int k = 0; k < 4; ++k) advance();
        t.kind = Tok::Float;
        t.text = "-inf";
        return t;
      }
      if (!isDigit(peek(1))) throw ParseError{t.line, t.col, "unexpected character `-`"};
      advance();
    }
    bool isFloat = false;
    while (isDigit(peek())) advance();
    if (peek() == '.') {
      isFloat = true;
      advance();
      while (isDigit(peek())) advance();
    }
    if (peek() == 'e' || peek() == 'E') {
      isFloat = true;
      advance();
      if (peek() == '+' || peek() == '-') advance();
      if (!isDigit(peek())) throw ParseError{t.line, t.col, "malformed number: the exponent has no digits"};
      while (isDigit(peek())) advance();
    }
    t.text = std::string(text_.substr(start, pos_ - start));
    if (isIdentChar(peek()) || peek() == '.')
      throw ParseError{t.line, t.col, "malformed number `" + t.text + showChar(peek()) + "`"};
    t.kind = isFloat ? Tok::Float : Tok::Int;
    return t;
  }

  Token lexString(Token t) {
    advance(); // the opening quote
    std::string s;
    for (;;) {
      if (pos_ >= text_.size() || peek() == '\n') throw ParseError{t.line, t.col, "unterminated string"};
      char c = peek();
      if (c == '"') break;
      if (c != '\\') {
        s += c;
        advance();
        continue;
      }
      s += lexEscape();
    }
    advance(); // the closing quote
    t.kind = Tok::String;
    t.text = std::move(s);
    return t;
  }

  char lexEscape() {
    int line = line_, col = col_;
    advance(); // the backslash
    char c = peek();
    if (pos_ < text_.size()) advance();
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'x': {
      int v = 0;
      for (int k = 0; k < 2; ++k) {
        int d = hexDigit(peek());
        if (d < 0) throw ParseError{line, col, "`\\x` needs two hex digits"};
        v = v * 16 + d;
        advance();
      }
      return static_cast<char>(v);
    }
    default: break;
    }
    throw ParseError{line, col, "unknown escape `\\" + showChar(c) + "` in string"};
  }

  static int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1, col_ = 1;
};

// Dimensions above this are certainly mistakes, and keeping element counts
// below 2^62 keeps every later size computation clear of int64 overflow.
constexpr int64_t kMaxDim = int64_t(1) << 40;
constexpr int64_t kMaxElements = int64_t(1) << 62;

class Parser {
public:
  explicit Parser(std::string_view text) : lex_(text) { tok_ = lex_.next(); }

  // module := graph+     (text with no graph is more likely a mistake than a request)
  void parseModule(std::vector<Graph> &out) {
    do {
      out.emplace_back();
      parseGraph(out.back());
    } while (tok_.kind != Tok::Eof);
  }

private:
  // graph := 'graph' name '{' node* ('return' outputs)? '}'
  void parseGraph(Graph &g) {
    if (!isKeyword("graph")) fail("expected `graph`, got " + describe(tok_));
    consume();
    g.name = parseName("a graph name");
    expect(Tok::LBrace, "`{`");
    values_.clear();
    while (tok_.kind == Tok::ValueId) parseNode(g);
    const char *expected = "a node (`%N = ...`), `return` or `}`";
    if (isKeyword("return")) {
      consume();
      parseOutputs(g);
      expected = "`}` after the outputs";
    }
    if (tok_.kind == Tok::Eof) fail("expected `}` to close graph " + formatName(g.name));
    if (tok_.kind != Tok::RBrace) fail(std::string("expected ") + expected + ", got " + describe(tok_));
    consume();
    g.setSource({});
  }

  // outputs := (name '=' value (',' name '=' value)*)?
  void parseOutputs(Graph &g) {
    if (tok_.kind == Tok::RBrace || tok_.kind == Tok::Eof) return;
    for (;;) {
      std::string name = parseName("an output name");
      expect(Tok::Equal, "`=`");
      g.addOutput(name, parseValueUse());
      if (tok_.kind != Tok::Comma) return;
      consume();
    }
  }

  // node := value '=' op '(' (value (',' value)*)? ')' attrs? ':' type loc?
  void parseNode(Graph &g) {
    Token def = consume();
    if (values_.count(def.text)) fail(def, "value `%" + def.text + "` is defined twice");
    expect(Tok::Equal, "`=`");
    Token opTok = tok_;
    if (tok_.kind != Tok::Ident) fail("expected an op name, got " + describe(tok_));
    std::optional<Op> op = parseOp(tok_.text);
    if (!op) fail("unknown op `" + tok_.text + "`");
    consume();
    std::vector<NodeId> operands = parseOperands();
    Attrs attrs;
    if (tok_.kind == Tok::LBrace) attrs = parseAttrs();
    expect(Tok::Colon, "`:` and the result type");
    Token typeTok = tok_;
    TensorType declared = parseType();
    g.setSource(isKeyword("loc") ? parseLoc() : SourceTag{});

    deriveImpliedAttrs(*op, declared, attrs);
    NodeId id;
    try {
      id = g.create(*op, std::move(operands), std::move(attrs));
    } catch (const IRError &e) {
      fail(opTok, e.what());
    }
    const TensorType &inferred = g.type(id);
    if (inferred != declared)
      fail(typeTok, "`%" + def.text + "` is declared " + declared.str() + " but " + opName(*op) + " gives " +
                        inferred.str());
    values_[def.text] = id;
  }

  std::vector<NodeId> parseOperands() {
    expect(Tok::LParen, "`(`");
    std::vector<NodeId> ids;
    if (tok_.kind == Tok::RParen) {
      consume();
      return ids;
    }
    for (;;) {
      ids.push_back(parseValueUse());
      if (tok_.kind == Tok::RParen) break;
      expect(Tok::Comma, "`,` or `)`");
    }
    consume();
    return ids;
  }

  NodeId parseValueUse() {
    if (tok_.kind != Tok::ValueId) fail("expected a value (`%N`), got " + describe(tok_));
    auto it = values_.find(tok_.text);
    if (it == values_.end()) fail("use of undefined value `%" + tok_.text + "`");
    consume();
    return it->second;
  }

  // attrs := '{' name '=' value (',' name '=' value)* '}'
  Attrs parseAttrs() {
    consume(); // '{'
    Attrs attrs;
    for (;;) {
      Token keyTok = tok_;
      std::string key = parseName("an attribute name");
      if (attrs.has(key)) fail(keyTok, "attribute `" + key + "` is given twice");
      expect(Tok::Equal, "`=`");
      attrs.set(key, parseAttrValue());
      if (tok_.kind == Tok::RBrace) break;
      expect(Tok::Comma, "`,` or `}`");
    }
    consume();
    return attrs;
  }

  // value := int | float | string | '[' numbers ']' | 'f' '[' numbers ']'
  AttrValue parseAttrValue() {
    switch (tok_.kind) {
    case Tok::Int: return parseInt();
    case Tok::Float: return parseFloat();
    case Tok::String: return consume().text;
    case Tok::LBracket: return parseList(false);
    case Tok::Ident:
      if (tok_.text == "inf" || tok_.text == "nan") return parseFloat();
      if (tok_.text == "f") {
        consume();
        if (tok_.kind != Tok::LBracket) fail("expected `[` after `f` (a float list), got " + describe(tok_));
        return parseList(true);
      }
      break;
    default:
      break;
    }
    fail("expected an attribute value (a number, a string or a list), got " + describe(tok_));
  }

  // A list is an int list unless it holds a float or is written `f[...]`.
  AttrValue parseList(bool forceFloat) {
    consume(); // '['
    std::vector<int64_t> ints;
    std::vector<double> floats;
    bool isFloat = forceFloat;
    while (tok_.kind != Tok::RBracket) {
      if (!ints.empty() || !floats.empty()) expect(Tok::Comma, "`,` or `]`");
      if (tok_.kind == Tok::Int) {
        int64_t v = parseInt();
        ints.push_back(v);
        floats.push_back(static_cast<double>(v));
      } else if (tok_.kind == Tok::Float || isKeyword("inf") || isKeyword("nan")) {
        isFloat = true;
        floats.push_back(parseFloat());
        ints.push_back(0);
      } else {
        fail("expected a number in the list, got " + describe(tok_));
      }
    }
    consume();
    if (isFloat) return floats;
    return ints;
  }

  int64_t parseInt() {
    if (tok_.kind != Tok::Int) fail("expected an integer, got " + describe(tok_));
    int64_t v = 0;
    const std::string &s = tok_.text;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) fail("integer `" + s + "` is out of range");
    consume();
    return v;
  }

  double parseFloat() {
    const std::string &s = tok_.text;
    double v = 0;
    if (s == "inf" || s == "-inf") {
      v = s[0] == '-' ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    } else if (s == "nan") {
      v = std::numeric_limits<double>::quiet_NaN();
    } else {
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || ptr != s.data() + s.size()) fail("float `" + s + "` is out of range");
    }
    consume();
    return v;
  }

  // type := dtype '[' (dim (',' dim)*)? ']'      dim := int | 'B'
  TensorType parseType() {
    if (tok_.kind != Tok::Ident) fail("expected a type like `f32[B, 10]`, got " + describe(tok_));
    std::optional<DType> dt = parseDType(tok_.text);
    if (!dt) fail("unknown element type `" + tok_.text + "`");
    Token start = consume();
    expect(Tok::LBracket, "`[` after the element type");
    std::vector<Dim> dims;
    int64_t elements = 1;
    while (tok_.kind != Tok::RBracket) {
      if (!dims.empty()) expect(Tok::Comma, "`,` or `]`");
      if (isKeyword("B")) {
        consume();
        dims.push_back(kBatch);
        continue;
      }
      Token dimTok = tok_;
      int64_t d = parseInt();
      if (d < 0 || d > kMaxDim) fail(dimTok, "dimension " + dimTok.text + " is out of range");
      if (d != 0 && elements > kMaxElements / d) fail(start, "type has too many elements");
      elements *= d;
      dims.push_back(d);
    }
    consume();
    return TensorType{*dt, Shape(std::move(dims))};
  }

  // loc := 'loc' '(' string ':' int ':' int ')'
  SourceTag parseLoc() {
    consume();
    expect(Tok::LParen, "`(` after `loc`");
    SourceTag tag;
    if (tok_.kind != Tok::String) fail("expected a file name in quotes, got " + describe(tok_));
    tag.file = consume().text;
    expect(Tok::Colon, "`:`");
    tag.line = parseLocNumber();
    expect(Tok::Colon, "`:`");
    tag.col = parseLocNumber();
    expect(Tok::RParen, "`)`");
    return tag;
  }

  int parseLocNumber() {
    Token t = tok_;
    int64_t v = parseInt();
    if (v < 0 || v > INT_MAX) fail(t, "source position " + t.text + " is out of range");
    return static_cast<int>(v);
  }

  // The printer leaves out what the result type implies; put it back.
  static void deriveImpliedAttrs(Op op, const TensorType &t, Attrs &attrs) {
    ImpliedAttrs imp = impliedByResultType(op);
    if (imp.shape && !attrs.has("shape")) attrs.set("shape", t.shape.dims());
    if (imp.dtype && !attrs.has("dtype")) attrs.set("dtype", std::string(dtypeName(t.dtype)));
  }

  std::string parseName(const char *what) {
    if (tok_.kind != Tok::Ident && tok_.kind != Tok::String) fail(std::string("expected ") + what + ", got " + describe(tok_));
    return consume().text;
  }

  bool isKeyword(const char *kw) const { return tok_.kind == Tok::Ident && tok_.text == kw; }

  Token consume() {
    Token t = std::move(tok_);
    tok_ = lex_.next();
    return t;
  }

  void expect(Tok kind, const char *what) {
    if (tok_.kind != kind) fail(std::string("expected ") + what + ", got " + describe(tok_));
    consume();
  }

  static std::string describe(const Token &t) {
    switch (t.kind) {
    case Tok::Eof: return "end of input";
    case Tok::ValueId: return "`%" + t.text + "`";
    case Tok::String: return "a string";
    case Tok::Ident: case Tok::Int: case Tok::Float: case Tok::LParen: case Tok::RParen: case Tok::LBrace:
    case Tok::RBrace: case Tok::LBracket: case Tok::RBracket: case Tok::Comma: case Tok::Equal: case Tok::Colon:
      return "`" + t.text + "`";
    }
    return "a token";
  }

  [[noreturn]] void fail(const std::string &msg) const { fail(tok_, msg); }
  [[noreturn]] static void fail(const Token &at, const std::string &msg) { throw ParseError{at.line, at.col, msg}; }

  Lexer lex_;
  Token tok_;
  std::unordered_map<std::string, NodeId> values_; // value name -> node, for the current graph
};

} // namespace

ParseResult parseIR(std::string_view text, std::string_view bufferName) {
  ParseResult r;
  auto report = [&](int line, int col, const std::string &msg) {
    r.error = std::string(bufferName) + ":" + std::to_string(line) + ":" + std::to_string(col) + ": error: " + msg;
  };
  try {
    Parser p(text);
    p.parseModule(r.graphs);
  } catch (const ParseError &e) {
    report(e.line, e.col, e.message);
  } catch (const std::exception &e) {
    // Only resource exhaustion gets here; still no exception leaves the API.
    report(1, 1, std::string("internal error: ") + e.what());
  }
  if (!r.ok() && !r.graphs.empty()) r.graphs.pop_back(); // the graph the error interrupted
  return r;
}

} // namespace nnc::ir
