// Tests for the parser's diagnostics (compiler/frontend/Parser.h): syntax
// errors checked to the column, and input meant to crash or hang it.
#include "ParseTestUtil.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace nnc;

namespace {

using nnc::test::Parsed;
using nnc::test::parse;

// The one error `text` should produce.
std::string errorOf(const std::string &text) {
  Parsed p = parse(text);
  INFO(text.substr(0, 200));
  REQUIRE(p.errors.size() == 1);
  return p.errors[0];
}

const char *kProgram = R"(import std
model M(x: f32[B, 784]) -> f32[B, 10] {
  h = relu(dense(x, 128))[:, -1, ...]
  return dense(h, 10) if not a else (h, x.shape)
}
optimizer sgd(lr = 0.1) { state m = zeros; param -= lr * grad ^ 2 }
data d { x = "a\"b"; y = [1, 2.5e-3] }
train M on d { step s { optimizer = sgd() updates M } }
)";

} // namespace

TEST_CASE("parser: syntax errors point at the offending token") {
  // A missing `)`, inside a block and at the end of the file.
  CHECK(errorOf("fn f(x) {\n  y = g(x, 1\n}\n") == "test.nn:3:1: error: expected `)`");
  CHECK(errorOf("fn f(x) = g(x, 1\n") == "test.nn:2:1: error: unexpected end of file, expected `)`");
  CHECK(errorOf("fn f(x) { y = g(x 1) }") == "test.nn:1:19: error: expected `)`");
  // A stray closing brace.
  CHECK(errorOf("fn f(x) {\n  y = x\n}\n}\n") == "test.nn:4:1: error: unexpected `}`");
  CHECK(errorOf("fn f(x) { y = f(x)) }") == "test.nn:1:19: error: unexpected `)`");
  // Unterminated strings, invalid characters and bytes.
  CHECK(errorOf("fn f(x) {\n  s = \"abc\n  y = 2\n}\n") == "test.nn:2:7: error: unterminated string");
  CHECK(errorOf("fn f(x) = x $ 2") == "test.nn:1:13: error: invalid character `$`");
  CHECK(errorOf("fn f(x) = x \x07 2") == "test.nn:1:13: error: invalid character U+0007");
  CHECK(errorOf("fn f(x) = \xC3\xA9") == "test.nn:1:11: error: invalid character `\xC3\xA9` (U+00E9)");
  CHECK(errorOf("fn f(x) = x \xFF\xFE\x80 2") == "test.nn:1:13: error: invalid UTF-8 byte 0xFF");
  CHECK(errorOf(std::string("fn f(x) = x\n\0\0", 14)) == "test.nn:2:1: error: invalid character U+0000");
  // `fn` without a name.
  CHECK(errorOf("fn (x) = x") == "test.nn:1:4: error: expected a name");
  // End of file inside a block.
  CHECK(errorOf("model M(x) {\n  y = x\n") == "test.nn:3:1: error: unexpected end of file, expected `}`");
  CHECK(errorOf("model M(x) {") == "test.nn:1:13: error: unexpected end of file, expected `}`");
  // Expressions, declarations, statements.
  CHECK(errorOf("fn f(x) = ") == "test.nn:1:11: error: unexpected end of file, expected expression");
  CHECK(errorOf("fn f(x) { y = }") == "test.nn:1:15: error: expected expression");
  CHECK(errorOf("fn f(x) { y = (a, }") == "test.nn:1:19: error: expected expression or `)`");
  CHECK(errorOf("fn f(x) { y = [1, 2 }") == "test.nn:1:21: error: expected `]` or `,`");
  CHECK(errorOf("fn f(x) { y = a if b }") == "test.nn:1:22: error: expected `else`");
  CHECK(errorOf("fn f(x) }") == "test.nn:1:9: error: expected `{`, `->` or `=`");
  CHECK(errorOf("fn f(x) { 3 = x }") == "test.nn:1:11: error: expected a statement or `}`");
  CHECK(errorOf("fn f(x: ) = x") == "test.nn:1:9: error: expected a type");
  CHECK(errorOf("train M { }") == "test.nn:1:9: error: expected `on`");
  CHECK(errorOf("import") == "test.nn:1:7: error: unexpected end of file, expected a name or a string");
  CHECK(errorOf("x = 1") ==
        "test.nn:1:1: error: expected a declaration (`fn`, `model`, `optimizer`, `data`, `train` or `import`)");
}

TEST_CASE("parser: errors found while building the AST") {
  Parsed p = parse("fn f(x: f23) = x");
  REQUIRE(p.errors == std::vector<std::string>{"test.nn:1:9: error: unknown type `f23`"});
  CHECK(p.notes == std::vector<std::string>{"test.nn:1:9: note: did you mean `f32`?"});
  p = parse("fn f(x: tensor) = x");
  CHECK(p.errors == std::vector<std::string>{"test.nn:1:9: error: unknown type `tensor`"});
  CHECK(p.notes.empty());
  CHECK(errorOf("fn f(x: int[3]) = x") ==
        "test.nn:1:9: error: type `int` has no dimensions (tensors are f32, f64, i32 or bool)");
  CHECK(
      errorOf("fn f(x) = 99999999999999999999") ==
      "test.nn:1:11: error: integer literal `99999999999999999999` is too large (the largest is 9223372036854775807)");
  CHECK(errorOf("fn f(x) = 1e999") == "test.nn:1:11: error: number `1e999` is too large for a 64-bit float");
  CHECK(errorOf("fn f(x) = \"a\\qb\"") == "test.nn:1:13: error: unknown escape sequence `\\q` in string");
  CHECK(errorOf("data d {\n  x = 1\n  return x\n}\n") ==
        "test.nn:3:3: error: only `name = value` settings are allowed in a data block");
  CHECK(errorOf("data d { a, b = f() }") ==
        "test.nn:1:10: error: only `name = value` settings are allowed in a data block");
  CHECK(errorOf("data d { a = f() updates G }") ==
        "test.nn:1:10: error: only `name = value` settings are allowed in a data block");
  CHECK(errorOf("train a on b { param w: f32 }") ==
        "test.nn:1:16: error: only `name = value` settings are allowed in a train block");
  CHECK(errorOf("train a on b { step s { x += 1 } }") ==
        "test.nn:1:25: error: only `name = value` settings are allowed in a train step");
}

TEST_CASE("parser: errors past the cap are dropped") {
  std::string text;
  for (int i = 0; i < 100; ++i)
    text += "fn f" + std::to_string(i) + "(x) = $\n";
  Parsed p = parse(text);
  CHECK(p.errors.size() == DiagnosticEngine::kMaxErrors);
  CHECK(p.errors.front() == "test.nn:1:12: error: invalid character `$`");
  CHECK(p.module->fns.size() == 100);
}

// ---------------------------------------------------------------- robustness

TEST_CASE("parser: deep nesting is an error, not a stack overflow") {
  const std::string tooDeep = "test.nn:1:211: error: expressions nested too deeply (more than 200 levels)";
  CHECK(errorOf("fn f(x) = " + std::string(100000, '(') + "x" + std::string(100000, ')')) == tooDeep);
  CHECK(errorOf("fn f(x) = " + std::string(100000, '-') + "x") == tooDeep);
  CHECK(errorOf("fn f(x) = " + std::string(100000, '[')) == tooDeep);
  std::string pow, nots, conds, chain;
  for (int i = 0; i < 20000; ++i)
    pow += "a^", nots += "not ", conds += "a if b else ", chain += "a + ";
  CHECK_THAT(errorOf("fn f(x) = " + pow + "x"), Catch::Contains("nested too deeply"));
  CHECK_THAT(errorOf("fn f(x) = " + nots + "x"), Catch::Contains("nested too deeply"));
  CHECK_THAT(errorOf("fn f(x) = " + conds + "x"), Catch::Contains("nested too deeply"));
  CHECK(errorOf("fn f(x) = " + chain + "x") ==
        "test.nn:1:11: error: expression too complex (more than 1000 nested operations); split it with "
        "intermediate names");
  // Just under the limits parses.
  CHECK(parse("fn f(x) {" + std::string(199, '(') + "x" + std::string(199, ')') + "}").errors.size() == 1);
  CHECK(parse("fn f(x) = " + std::string(199, '(') + "x" + std::string(199, ')')).errors.empty());
  std::string sum = "x";
  for (int i = 0; i < 900; ++i)
    sum += " + x";
  CHECK(parse("fn f(x) = " + sum).errors.empty());
  // Long but flat is fine.
  std::string args = "f(";
  for (int i = 0; i < 20000; ++i)
    args += "-x, ";
  CHECK(parse("fn f(x) = " + args + ")").errors.empty());
}

TEST_CASE("parser: garbage never crashes") {
  std::string bytes;
  uint32_t seed = 12345;
  for (int i = 0; i < 200000; ++i) {
    seed = seed * 1664525 + 1013904223;
    bytes += static_cast<char>(seed >> 24);
  }
  Parsed p = parse(bytes);
  CHECK_FALSE(p.errors.empty());
  // Every prefix of a valid file, and shuffled pieces of one.
  std::string program = kProgram;
  for (size_t n = 0; n <= program.size(); ++n)
    parse(program.substr(0, n));
  CHECK(parse(program).errors.empty());
  std::string soup;
  const char *pieces[] = {"fn",    "(",    ")",       "[",  "]",   "{",     "}",  "x",  "=",   "-",
                          "^",     "if",   "else",    ",",  ":",   "...",   "\"", "1.", "not", "param",
                          "state", "step", "updates", "->", "f32", "train", "on", ";"};
  for (int i = 0; i < 20000; ++i) {
    seed = seed * 1664525 + 1013904223;
    soup += std::string(pieces[(seed >> 16) % (sizeof pieces / sizeof *pieces)]) + " ";
  }
  CHECK_FALSE(parse(soup).errors.empty());
}

TEST_CASE("parser: columns count bytes") {
  // `é` is two bytes: the error column is a byte offset, as SourceLoc says.
  CHECK(errorOf("fn f(x) = \"\xC3\xA9\" + $") == "test.nn:1:18: error: invalid character `$`");
  CHECK(errorOf("# caf\xC3\xA9\nfn f(x) = x +") == "test.nn:2:14: error: unexpected end of file, expected expression");
  CHECK(errorOf("fn f(x) =\r\n  x $") == "test.nn:2:5: error: invalid character `$`");
}
