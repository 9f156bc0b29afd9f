// foldConstants: what folds, into what form (splat or spelled out), in which
// precision, and what must be left alone.
#include "passes/ConstantFolding.h"
#include "passes/DeadCode.h"

#include "PassTestUtil.h"

using namespace nnc;
using passes::test::check;

namespace {

ir::Graph foldDce(const ir::Graph &g) { return passes::eliminateDeadCode(passes::foldConstants(g)); }

} // namespace

TEST_CASE("fold: a chain of constant ops becomes one constant", "[fold]") {
  check(foldDce, R"(graph g {
  %a = constant() {value = [1.0, 2.0, 3.0, 4.0]} : f64[2, 2]
  %b = constant() {value = [10.0]} : f64[2, 2]
  %s = add(%a, %b) : f64[2, 2]
  %t = transpose(%s) {perm = [1, 0]} : f64[2, 2]
  %r = reduce_sum(%t) {axes = [1], keep = 0} : f64[2]
  return y = %r
})",
        R"(graph g {
  %r = constant() {value = [24.0, 26.0]} : f64[2]
  return y = %r
})");
}

TEST_CASE("fold: the folded node keeps its place; without DCE its operands stay", "[fold]") {
  check(passes::foldConstants, R"(graph g {
  %x = input() {name = "x"} : f32[2]
  %a = constant() {value = [2.0]} : f32[2]
  %b = mul(%a, %a) : f32[2]
  %y = add(%x, %b) : f32[2]
  return y = %y
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[2]
  %a = constant() {value = [2.0]} : f32[2]
  %b = constant() {value = [4.0]} : f32[2]
  %y = add(%x, %b) : f32[2]
  return y = %y
})");
}

TEST_CASE("fold: splat results store one value", "[fold]") {
  check(foldDce, R"(graph g {
  %a = constant() {value = [3.0, -3.0]} : f32[2]
  %b = abs(%a) : f32[2]
  %c = constant() {value = [2.0]} : f32[]
  %d = broadcast(%c) : f32[4, 5]
  return y = %b, z = %d
})",
        R"(graph g {
  %b = constant() {value = [3.0]} : f32[2]
  %d = constant() {value = [2.0]} : f32[4, 5]
  return y = %b, z = %d
})");
}

TEST_CASE("fold: f32 results round to float, f64 results do not", "[fold]") {
  check(foldDce, R"(graph g {
  %a = constant() {value = [1.0]} : f32[]
  %b = constant() {value = [3.0]} : f32[]
  %c = div(%a, %b) : f32[]
  %d = constant() {value = [1.0]} : f64[]
  %e = constant() {value = [3.0]} : f64[]
  %f = div(%d, %e) : f64[]
  return y = %c, z = %f
})",
        R"(graph g {
  %c = constant() {value = [0.3333333432674408]} : f32[]
  %f = constant() {value = [0.3333333333333333]} : f64[]
  return y = %c, z = %f
})");
}

TEST_CASE("fold: i32 and bool results follow the interpreter", "[fold]") {
  check(foldDce, R"(graph g {
  %a = constant() {value = [2147483647.0, 7.0]} : i32[2]
  %b = constant() {value = [1.0, -2.0]} : i32[2]
  %s = add(%a, %b) : i32[2]
  %q = div(%a, %b) : i32[2]
  %l = lt(%a, %b) : bool[2]
  return s = %s, q = %q, l = %l
})",
        R"(graph g {
  %s = constant() {value = [-2147483648.0, 5.0]} : i32[2]
  %q = constant() {value = [2147483647.0, -3.0]} : i32[2]
  %l = constant() {value = [0.0]} : bool[2]
  return s = %s, q = %q, l = %l
})");
}

TEST_CASE("fold: random ops are never folded, even with a constant key", "[fold]") {
  std::string text = R"(graph g {
  %k = constant() {value = [7.0]} : i32[]
  %r = random_uniform(%k) {seed = 1} : f32[3]
  %u = random_normal() {seed = 2} : f32[3]
  return r = %r, u = %u
})";
  check(passes::foldConstants, text, text);
}

TEST_CASE("fold: results with the batch dimension or on inputs stay", "[fold]") {
  std::string text = R"(graph g {
  %x = input() {name = "x"} : f32[B, 2]
  %c = constant() {value = [2.0]} : f32[]
  %b = broadcast(%c) : f32[B, 2]
  %y = mul(%x, %b) : f32[B, 2]
  return y = %y
})";
  check(passes::foldConstants, text, text);
}

TEST_CASE("fold: nothing that would make the graph bigger or fail at run time", "[fold]") {
  // Spelling out a broadcast of a vector, or an outer product, only grows the
  // graph; an integer division by zero must still fail when the program runs.
  std::string text = R"(graph g {
  %v = constant() {value = [1.0, 2.0, 3.0]} : f32[3]
  %b = broadcast(%v) : f32[4, 3]
  %c = reshape(%v) : f32[3, 1]
  %r = reshape(%v) : f32[1, 3]
  %o = matmul(%c, %r) : f32[3, 3]
  %i = constant() {value = [1.0]} : i32[]
  %z = constant() {value = [0.0]} : i32[]
  %d = div(%i, %z) : i32[]
  return b = %b, o = %o, d = %d
})";
  check(foldDce, text, R"(graph g {
  %v = constant() {value = [1.0, 2.0, 3.0]} : f32[3]
  %b = broadcast(%v) : f32[4, 3]
  %c = constant() {value = [1.0, 2.0, 3.0]} : f32[3, 1]
  %r = constant() {value = [1.0, 2.0, 3.0]} : f32[1, 3]
  %o = matmul(%c, %r) : f32[3, 3]
  %i = constant() {value = [1.0]} : i32[]
  %z = constant() {value = [0.0]} : i32[]
  %d = div(%i, %z) : i32[]
  return b = %b, o = %o, d = %d
})");
}

TEST_CASE("fold: results over 1 << 20 elements stay", "[fold]") {
  std::string text = R"(graph g {
  %c = constant() {value = [1.0]} : f32[]
  %b = broadcast(%c) : f32[1025, 1024]
  return b = %b
})";
  check(passes::foldConstants, text, text);
}

TEST_CASE("fold: NaN and signed zeros survive", "[fold]") {
  check(foldDce, R"(graph g {
  %a = constant() {value = [0.0, -1.0]} : f64[2]
  %l = log(%a) : f64[2]
  %s = sqrt(%l) : f64[2]
  %z = constant() {value = [0.0]} : f64[]
  %n = neg(%z) : f64[]
  return s = %s, n = %n
})",
        R"(graph g {
  %s = constant() {value = [nan]} : f64[2]
  %n = constant() {value = [-0.0]} : f64[]
  return s = %s, n = %n
})");
}

TEST_CASE("fold: opaque and layout ops fold through the interpreter", "[fold]") {
  check(foldDce, R"(graph g {
  %a = constant() {value = [1.0, 2.0, 3.0, 4.0]} : f64[2, 2]
  %b = constant() {value = [1.0, 0.0, 0.0, 2.0]} : f64[2, 2]
  %m = matmul(%a, %b) : f64[2, 2]
  %c = concat(%m, %a) {axis = 0} : f64[4, 2]
  %s = slice(%c) {begin = [1, 0], end = [4, 2], stride = [2, 1]} : f64[2, 2]
  return y = %s
})",
        R"(graph g {
  %s = constant() {value = [3.0, 8.0, 3.0, 4.0]} : f64[2, 2]
  return y = %s
})");
}
