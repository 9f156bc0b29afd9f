// No input crashes `nnc check`: mutated copies of the examples (truncated,
// shuffled, spliced, garbage-filled), deep nesting and very large files each
// end in exit 0 or a diagnostic with exit 1, never a crash or a hang.
// Under ASan/UBSan this doubles as a memory-safety check of the front end.
#include "DriverUtil.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

using nnc::test::runNnc;
using nnc::test::sourcePath;

namespace {

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> splitLines(const std::string &s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::string joinLines(const std::vector<std::string> &lines) {
  std::string s;
  for (const std::string &l : lines) s += l + "\n";
  return s;
}

// One random mutation of `src`.
std::string mutate(const std::string &src, std::mt19937 &rng) {
  auto pick = [&](size_t n) { return n == 0 ? size_t(0) : std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  std::string s = src;
  static const char *tokens[] = {"(", ")", "[", "]", "{", "}", ",", "=", "@", "^", "-", "if", "else", "return",
                                 "param", "fn", "model", "import", "\"", "#", "1e99999", "999999999999999999999",
                                 "f32[", "B", "x", ":", "...", "step", "state", "updates", "\xff\xfe", "\t", "\0"};
  switch (pick(8)) {
  case 0: // truncate
    return s.substr(0, pick(s.size() + 1));
  case 1: { // delete a range
    size_t a = pick(s.size() + 1), n = pick(40);
    return s.erase(a, n);
  }
  case 2: { // duplicate a range somewhere else
    size_t a = pick(s.size() + 1), n = pick(80);
    std::string piece = s.substr(a, n);
    return s.insert(pick(s.size() + 1), piece);
  }
  case 3: { // swap two lines
    auto lines = splitLines(s);
    if (lines.size() > 1) std::swap(lines[pick(lines.size())], lines[pick(lines.size())]);
    return joinLines(lines);
  }
  case 4: { // shuffle all lines
    auto lines = splitLines(s);
    std::shuffle(lines.begin(), lines.end(), rng);
    return joinLines(lines);
  }
  case 5: { // insert a token
    std::string t = tokens[pick(std::size(tokens))];
    if (t.empty()) t = std::string(1, '\0');
    return s.insert(pick(s.size() + 1), " " + t + " ");
  }
  case 6: { // overwrite bytes with garbage
    for (int k = 0, n = static_cast<int>(pick(8)) + 1; k < n && !s.empty(); ++k) s[pick(s.size())] = static_cast<char>(pick(256));
    return s;
  }
  default: { // replace a number with another
    size_t at = s.find_first_of("0123456789", pick(s.size() + 1));
    if (at == std::string::npos) return s;
    static const char *numbers[] = {"0", "-1", "3", "100000000", "1.5", "0.0", "7"};
    return s.replace(at, 1, numbers[pick(std::size(numbers))]);
  }
  }
}

struct TempFile {
  std::string path;
  explicit TempFile(const std::string &name) {
    path = (std::filesystem::temp_directory_path() / ("nnc_mut_" + std::to_string(getpid()) + "_" + name)).string();
  }
  ~TempFile() { std::filesystem::remove(path); }
  void write(const std::string &text) const { std::ofstream(path, std::ios::binary) << text; }
};

void expectCleanExit(const TempFile &f, const std::string &what) {
  auto r = runNnc({"check", "--no-color", f.path});
  INFO(what);
  INFO(r.err.substr(0, 2000));
  REQUIRE((r.code == 0 || r.code == 1));
  if (r.code == 1) REQUIRE(r.err.find("error: ") != std::string::npos);
}

} // namespace

TEST_CASE("mutations: mutated examples never crash the checker") {
  std::mt19937 rng(20261123);
  int perExample = 60;
  for (const char *ex : {"examples/fashion_mlp.nn", "examples/linear_regression.nn", "examples/logistic_regression.nn",
                         "examples/xor.nn", "examples/multi_linear_regression.nn", "examples/rnn_forecast.nn",
                         "examples/lstm_forecast.nn", "examples/gru_forecast.nn"}) {
    std::string src = readFile(sourcePath(ex));
    REQUIRE(!src.empty());
    // The examples use a data root; keep them loadable from the temp dir.
    TempFile f("mut.nn");
    for (int k = 0; k < perExample; ++k) {
      std::string m = src;
      for (int n = 1 + static_cast<int>(rng() % 3); n > 0; --n) m = mutate(m, rng);
      f.write(m);
      expectCleanExit(f, std::string(ex) + " mutant " + std::to_string(k) + ":\n" + m);
    }
  }
}

TEST_CASE("mutations: deep nesting, long chains and huge files") {
  TempFile f("big.nn");
  f.write("fn f(x) = " + std::string(100000, '(') + "x" + std::string(100000, ')') + "\n");
  expectCleanExit(f, "100000 nested parentheses");
  f.write("fn f(x) = " + std::string(100000, '-') + "x\n");
  expectCleanExit(f, "100000 unary minuses");
  std::string chain = "fn f(x) = x";
  for (int k = 0; k < 50000; ++k) chain += " + x";
  f.write(chain + "\n");
  expectCleanExit(f, "a chain of 50000 additions");
  std::string many;
  for (int k = 0; k < 20000; ++k) many += "fn f" + std::to_string(k) + "(x) = x * 2 + 1\n";
  f.write(many);
  expectCleanExit(f, "20000 functions");
  f.write(std::string(1 << 20, 'a'));
  expectCleanExit(f, "a 1 MiB identifier");
  std::string garbage;
  std::mt19937 rng(7);
  for (int k = 0; k < 200000; ++k) garbage += static_cast<char>(rng() & 0xff);
  f.write(garbage);
  expectCleanExit(f, "binary garbage");
  f.write("");
  expectCleanExit(f, "an empty file");
}

TEST_CASE("mutations: deep call chains in the language are cut off") {
  TempFile f("calls.nn");
  std::string src;
  for (int k = 0; k < 300; ++k) src += "fn f" + std::to_string(k) + "(x) = f" + std::to_string(k + 1) + "(x)\n";
  src += "fn f300(x) = x\nmodel M(x: f32[B, 2]) {\n  return f0(x)\n}\n";
  f.write(src);
  auto r = runNnc({"check", f.path});
  CHECK(r.code == 1);
  CHECK(r.err.find("calls nested more than 64 deep") != std::string::npos);
}
