// eliminateCommonSubexpressions and eliminateDeadCode on textual IR.
#include "passes/CommonSubexpressions.h"
#include "passes/DeadCode.h"

#include "PassTestUtil.h"

using namespace nnc;
using passes::test::check;

namespace {

ir::Graph cseDce(const ir::Graph &g) { return passes::eliminateDeadCode(passes::eliminateCommonSubexpressions(g)); }

} // namespace

TEST_CASE("cse: identical nodes merge, and whole repeated subtrees with them", "[cse]") {
  check(cseDce, R"(graph g {
  %x = input() {name = "x"} : f32[B, 4]
  %a = exp(%x) : f32[B, 4]
  %b = exp(%x) : f32[B, 4]
  %c = add(%a, %x) : f32[B, 4]
  %d = add(%b, %x) : f32[B, 4]
  %e = mul(%c, %d) : f32[B, 4]
  return y = %e, z = %d
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[B, 4]
  %a = exp(%x) : f32[B, 4]
  %c = add(%a, %x) : f32[B, 4]
  %e = mul(%c, %c) : f32[B, 4]
  return y = %e, z = %c
})");
}

TEST_CASE("cse: different operand order, attributes or types stay apart", "[cse]") {
  std::string text = R"(graph g {
  %x = input() {name = "x"} : f32[2, 3]
  %y = input() {name = "y"} : f32[2, 3]
  %a = sub(%x, %y) : f32[2, 3]
  %b = sub(%y, %x) : f32[2, 3]
  %c = reduce_sum(%x) {axes = [0], keep = 0} : f32[3]
  %d = reduce_sum(%x) {axes = [0], keep = 1} : f32[1, 3]
  %e = cast(%x) : i32[2, 3]
  %f = cast(%x) : f64[2, 3]
  return a = %a, b = %b, c = %c, d = %d, e = %e, f = %f
})";
  check(cseDce, text, text);
}

TEST_CASE("cse: constants with equal values merge, a splat with its spelled-out form", "[cse]") {
  check(cseDce, R"(graph g {
  %x = input() {name = "x"} : f32[2]
  %a = constant() {value = [2.0]} : f32[2]
  %b = constant() {value = [2.0, 2.0]} : f32[2]
  %c = constant() {value = [2.0]} : f32[2]
  %d = constant() {value = [2.0]} : f64[2]
  %m = mul(%x, %a) : f32[2]
  %n = mul(%x, %b) : f32[2]
  %o = mul(%x, %c) : f32[2]
  return m = %m, n = %n, o = %o, d = %d
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[2]
  %a = constant() {value = [2.0]} : f32[2]
  %d = constant() {value = [2.0]} : f64[2]
  %m = mul(%x, %a) : f32[2]
  return m = %m, n = %m, o = %m, d = %d
})");
}

TEST_CASE("cse: 0.0 and -0.0 differ, NaN matches NaN", "[cse]") {
  check(cseDce, R"(graph g {
  %a = constant() {value = [0.0]} : f32[]
  %b = constant() {value = [-0.0]} : f32[]
  %c = constant() {value = [nan]} : f32[]
  %d = constant() {value = [nan]} : f32[]
  return a = %a, b = %b, c = %c, d = %d
})",
        R"(graph g {
  %a = constant() {value = [0.0]} : f32[]
  %b = constant() {value = [-0.0]} : f32[]
  %c = constant() {value = [nan]} : f32[]
  return a = %a, b = %b, c = %c, d = %c
})");
}

TEST_CASE("cse: inputs and params never merge", "[cse]") {
  std::string text = R"(graph g {
  %x = input() {name = "x"} : f32[2]
  %y = input() {name = "y"} : f32[2]
  %w = param() {name = "w"} : f32[2]
  %v = param() {name = "v"} : f32[2]
  return x = %x, y = %y
})";
  check(cseDce, text, text);
}

TEST_CASE("cse: random ops merge only with the same seed, attributes and key", "[cse]") {
  // Equal seed, shape and key draw the same numbers, so one op serves both;
  // any difference keeps them apart.
  check(cseDce, R"(graph g {
  %k = constant() {value = [7.0]} : i32[]
  %j = constant() {value = [8.0]} : i32[]
  %a = random_uniform() {seed = 1} : f32[3]
  %b = random_uniform() {seed = 1} : f32[3]
  %c = random_uniform() {seed = 2} : f32[3]
  %d = random_normal() {seed = 1} : f32[3]
  %e = random_uniform() {seed = 1} : f32[4]
  %f = random_uniform(%k) {seed = 1} : f32[3]
  %g = random_uniform(%j) {seed = 1} : f32[3]
  %h = random_uniform(%k) {seed = 1} : f32[3]
  return a = %a, b = %b, c = %c, d = %d, e = %e, f = %f, g = %g, h = %h
})",
        R"(graph g {
  %k = constant() {value = [7.0]} : i32[]
  %j = constant() {value = [8.0]} : i32[]
  %a = random_uniform() {seed = 1} : f32[3]
  %c = random_uniform() {seed = 2} : f32[3]
  %d = random_normal() {seed = 1} : f32[3]
  %e = random_uniform() {seed = 1} : f32[4]
  %f = random_uniform(%k) {seed = 1} : f32[3]
  %g = random_uniform(%j) {seed = 1} : f32[3]
  return a = %a, b = %a, c = %c, d = %d, e = %e, f = %f, g = %g, h = %f
})");
}

TEST_CASE("dce: drops what no output needs, keeps unused inputs and params in order", "[dce]") {
  check(passes::eliminateDeadCode, R"(graph g {
  %w = param() {name = "w"} : f32[2]
  %x = input() {name = "x"} : f32[2]
  %dead = exp(%x) : f32[2]
  %v = param() {name = "v"} : f32[2]
  %deader = log(%dead) : f32[2]
  %live = neg(%x) : f32[2]
  %y = input() {name = "y"} : f32[2]
  return b = %live, a = %x
})",
        R"(graph g {
  %w = param() {name = "w"} : f32[2]
  %x = input() {name = "x"} : f32[2]
  %v = param() {name = "v"} : f32[2]
  %live = neg(%x) : f32[2]
  %y = input() {name = "y"} : f32[2]
  return b = %live, a = %x
})");
}

TEST_CASE("dce: a graph without outputs keeps only its interface", "[dce]") {
  check(passes::eliminateDeadCode, R"(graph g {
  %x = input() {name = "x"} : f32[2]
  %r = random_normal() {seed = 3} : f32[2]
  %a = add(%x, %r) : f32[2]
  return
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[2]
  return
})");
}

TEST_CASE("dce: keeps the graph name and source locations", "[dce]") {
  ir::Graph g = passes::test::parse(R"(graph "my model" {
  %x = input() {name = "x"} : f32[2]
  %a = exp(%x) : f32[2]  loc("m.nn":3:5)
  return y = %a
})");
  ir::Graph out = passes::eliminateDeadCode(g);
  CHECK(out.name == "my model");
  CHECK(ir::printGraph(out) == ir::printGraph(g));
}
