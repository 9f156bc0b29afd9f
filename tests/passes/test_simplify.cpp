// simplify: one check per rule of its table, on textual IR. Most checks run
// dead-code elimination after it, so the expected text shows only what the
// outputs still use.
#include "passes/DeadCode.h"
#include "passes/Simplify.h"

#include "PassTestUtil.h"

using namespace nnc;
using passes::test::check;

namespace {

ir::Graph simplifyDce(const ir::Graph &g) { return passes::eliminateDeadCode(passes::simplify(g)); }

// A graph `g` with input x : f32[B, 4], the constant `k` (scalar, broadcast
// to x's shape) and the output y = op(x, k) or op(k, x).
std::string binaryWithConstant(const std::string &op, const std::string &k, bool constantFirst) {
  std::string args = constantFirst ? "(%kb, %x)" : "(%x, %kb)";
  return "graph g {\n"
         "  %x = input() {name = \"x\"} : f32[B, 4]\n"
         "  %k = constant() {value = [" + k + "]} : f32[]\n"
         "  %kb = broadcast(%k) : f32[B, 4]\n"
         "  %y = " + op + args + " : f32[B, 4]\n"
         "  return y = %y\n"
         "}\n";
}

const char *kIdentity = R"(graph g {
  %x = input() {name = "x"} : f32[B, 4]
  return y = %x
})";

const char *kNegX = R"(graph g {
  %x = input() {name = "x"} : f32[B, 4]
  %n = neg(%x) : f32[B, 4]
  return y = %n
})";

} // namespace

TEST_CASE("simplify: x*1 and 1*x through a broadcast", "[simplify]") {
  check(simplifyDce, binaryWithConstant("mul", "1.0", false), kIdentity);
  check(simplifyDce, binaryWithConstant("mul", "1.0", true), kIdentity);
}

TEST_CASE("simplify: x+0, 0+x, x-0", "[simplify]") {
  check(simplifyDce, binaryWithConstant("add", "0.0", false), kIdentity);
  check(simplifyDce, binaryWithConstant("add", "0.0", true), kIdentity);
  check(simplifyDce, binaryWithConstant("add", "-0.0", false), kIdentity);
  check(simplifyDce, binaryWithConstant("sub", "0.0", false), kIdentity);
}

TEST_CASE("simplify: x/1 and x^1", "[simplify]") {
  check(simplifyDce, binaryWithConstant("div", "1.0", false), kIdentity);
  check(simplifyDce, binaryWithConstant("pow", "1.0", false), kIdentity);
}

TEST_CASE("simplify: x^2 becomes x*x for floats", "[simplify]") {
  check(simplifyDce, binaryWithConstant("pow", "2.0", false), R"(graph g {
  %x = input() {name = "x"} : f32[B, 4]
  %m = mul(%x, %x) : f32[B, 4]
  return y = %m
})");
  std::string twoToTheX = binaryWithConstant("pow", "2.0", true);
  check(passes::simplify, twoToTheX, twoToTheX);
}

TEST_CASE("simplify: 0-x, x*-1 and -1*x become neg", "[simplify]") {
  check(simplifyDce, binaryWithConstant("sub", "0.0", true), kNegX);
  check(simplifyDce, binaryWithConstant("mul", "-1.0", false), kNegX);
  check(simplifyDce, binaryWithConstant("mul", "-1.0", true), kNegX);
}

TEST_CASE("simplify: rules that do not apply leave the node alone", "[simplify]") {
  // 1/x, 1-x, 1^x, x*2 and x+1 are no identities.
  for (auto [op, k, first] : {std::tuple{"div", "1.0", true}, {"sub", "1.0", true}, {"pow", "1.0", true},
                              {"mul", "2.0", false}, {"add", "1.0", false}, {"mul", "nan", false}}) {
    std::string text = binaryWithConstant(op, k, first);
    check(passes::simplify, text, text);
  }
}

TEST_CASE("simplify: constants of a whole tensor match when every element is k", "[simplify]") {
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : f32[2]
  %one = constant() {value = [1.0, 1.0]} : f32[2]
  %y = mul(%x, %one) : f32[2]
  return y = %y
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[2]
  return y = %x
})");
  std::string notAllOnes = R"(graph g {
  %x = input() {name = "x"} : f32[2]
  %c = constant() {value = [1.0, 2.0]} : f32[2]
  %y = mul(%x, %c) : f32[2]
  return y = %y
})";
  check(passes::simplify, notAllOnes, notAllOnes);
}

TEST_CASE("simplify: the constant may sit behind reshapes and transposes too", "[simplify]") {
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : i32[3, 2]
  %one = constant() {value = [1.0]} : i32[2, 3]
  %t = transpose(%one) {perm = [1, 0]} : i32[3, 2]
  %r = reshape(%t) : i32[3, 2]
  %y = mul(%r, %x) : i32[3, 2]
  return y = %y
})",
        R"(graph g {
  %x = input() {name = "x"} : i32[3, 2]
  return y = %x
})");
}

TEST_CASE("simplify: neg(neg x) -> x", "[simplify]") {
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : f32[B, 4]
  %a = neg(%x) : f32[B, 4]
  %b = neg(%a) : f32[B, 4]
  %c = neg(%b) : f32[B, 4]
  return y = %b, z = %c
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[B, 4]
  %a = neg(%x) : f32[B, 4]
  return y = %x, z = %a
})");
}

TEST_CASE("simplify: select(c, x, x) -> x", "[simplify]") {
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : f32[3]
  %c = input() {name = "c"} : bool[3]
  %s = select(%c, %x, %x) : f32[3]
  return y = %s
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[3]
  %c = input() {name = "c"} : bool[3]
  return y = %x
})");
}

TEST_CASE("simplify: select of a condition known everywhere -> the side it picks", "[simplify]") {
  // pow's gradient: 0 where the exponent is 0, which a constant exponent decides.
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : f32[B, 3]
  %y = input() {name = "y"} : f32[B, 3]
  %two = constant() {value = [2.0]} : f32[]
  %zero = constant() {value = [0.0]} : f32[]
  %e = broadcast(%two) : f32[B, 3]
  %z = broadcast(%zero) : f32[B, 3]
  %isZero = eq(%e, %z) : bool[B, 3]
  %a = select(%isZero, %z, %x) : f32[B, 3]
  %gt = gt(%e, %z) : bool[B, 3]
  %b = select(%gt, %x, %y) : f32[B, 3]
  %nan = constant() {value = [nan]} : f32[]
  %n = broadcast(%nan) : f32[B, 3]
  %ne = ne(%n, %n) : bool[B, 3]
  %c = select(%ne, %x, %y) : f32[B, 3]
  %true = constant() {value = [1.0]} : bool[]
  %t = broadcast(%true) : bool[B, 3]
  %d = select(%t, %y, %x) : f32[B, 3]
  return a = %a, b = %b, c = %c, d = %d
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[B, 3]
  %y = input() {name = "y"} : f32[B, 3]
  return a = %x, b = %x, c = %x, d = %y
})");
  // A condition not known stays.
  const char *unknown = R"(graph g {
  %x = input() {name = "x"} : f32[B, 3]
  %k = input() {name = "k"} : f32[B, 3]
  %zero = constant() {value = [0.0]} : f32[]
  %z = broadcast(%zero) : f32[B, 3]
  %isZero = eq(%k, %z) : bool[B, 3]
  %a = select(%isZero, %z, %x) : f32[B, 3]
  return a = %a
})";
  check(simplifyDce, unknown, unknown);
}

TEST_CASE("simplify: cast to the same dtype -> x, to another stays", "[simplify]") {
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : f32[3]
  %a = cast(%x) : f32[3]
  %b = cast(%a) : i32[3]
  return y = %b
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[3]
  %b = cast(%x) : i32[3]
  return y = %b
})");
}

TEST_CASE("simplify: reductions over no axes -> x, with or without keep", "[simplify]") {
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : f32[B, 3]
  %a = reduce_sum(%x) {axes = [], keep = 0} : f32[B, 3]
  %b = reduce_max(%a) {axes = [], keep = 1} : f32[B, 3]
  %c = reduce_min(%b) {axes = []} : f32[B, 3]
  %d = reduce_mean(%c) {axes = [], keep = 1} : f32[B, 3]
  %e = reduce_sum(%d) {axes = [1], keep = 1} : f32[B, 1]
  return y = %e
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[B, 3]
  %e = reduce_sum(%x) {axes = [1], keep = 1} : f32[B, 1]
  return y = %e
})");
}

TEST_CASE("simplify: reshape and broadcast to the same shape -> x", "[simplify]") {
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : f32[B, 3]
  %a = reshape(%x) : f32[B, 3]
  %b = broadcast(%a) : f32[B, 3]
  return y = %b
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[B, 3]
  return y = %x
})");
}

TEST_CASE("simplify: transpose by the identity -> x, a square transpose stays", "[simplify]") {
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : f32[3, 3]
  %a = transpose(%x) {perm = [0, 1]} : f32[3, 3]
  %b = transpose(%a) {perm = [1, 0]} : f32[3, 3]
  return y = %b
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[3, 3]
  %b = transpose(%x) {perm = [1, 0]} : f32[3, 3]
  return y = %b
})");
}

TEST_CASE("simplify: transpose of transpose composes", "[simplify]") {
  // [2, 3, 4] -perm [1, 2, 0]-> [3, 4, 2] -perm [2, 0, 1]-> [2, 3, 4]: the identity.
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : f32[2, 3, 4]
  %a = transpose(%x) {perm = [1, 2, 0]} : f32[3, 4, 2]
  %b = transpose(%a) {perm = [2, 0, 1]} : f32[2, 3, 4]
  return y = %b
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[2, 3, 4]
  return y = %x
})");
  // [2, 3, 4] -perm [1, 2, 0]-> [3, 4, 2] -perm [1, 0, 2]-> [4, 3, 2] = x by [2, 1, 0].
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : f32[2, 3, 4]
  %a = transpose(%x) {perm = [1, 2, 0]} : f32[3, 4, 2]
  %b = transpose(%a) {perm = [1, 0, 2]} : f32[4, 3, 2]
  return y = %b
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[2, 3, 4]
  %b = transpose(%x) {perm = [2, 1, 0]} : f32[4, 3, 2]
  return y = %b
})");
}

TEST_CASE("simplify: reshape of reshape -> one reshape, or none", "[simplify]") {
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : f32[B, 12]
  %a = reshape(%x) : f32[B, 3, 4]
  %b = reshape(%a) : f32[B, 2, 6]
  %c = reshape(%b) : f32[B, 12]
  return y = %b, z = %c
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[B, 12]
  %b = reshape(%x) : f32[B, 2, 6]
  return y = %b, z = %x
})");
}

TEST_CASE("simplify: broadcast of broadcast -> one broadcast", "[simplify]") {
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : f32[1, 4]
  %a = broadcast(%x) : f32[3, 4]
  %b = broadcast(%a) : f32[B, 3, 4]
  return y = %b
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[1, 4]
  %b = broadcast(%x) : f32[B, 3, 4]
  return y = %b
})");
}

TEST_CASE("simplify: without DCE, replaced nodes stay and the rest is copied as is", "[simplify]") {
  check(passes::simplify, R"(graph g {
  %x = input() {name = "x"} : f32[3]
  %w = param() {name = "w"} : f32[3]
  %one = constant() {value = [1.0]} : f32[3]
  %a = mul(%x, %one) : f32[3]
  %b = add(%a, %w) : f32[3]
  return y = %b
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[3]
  %w = param() {name = "w"} : f32[3]
  %one = constant() {value = [1.0]} : f32[3]
  %b = add(%x, %w) : f32[3]
  return y = %b
})");
}

TEST_CASE("simplify: rules chain through one node (x*1 of neg of neg)", "[simplify]") {
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : f32[3]
  %m = constant() {value = [-1.0]} : f32[3]
  %a = neg(%x) : f32[3]
  %b = mul(%a, %m) : f32[3]
  return y = %b
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[3]
  return y = %x
})");
}

TEST_CASE("simplify: a reshape of a one-element broadcast is a broadcast", "[simplify]") {
  // The loss's gradient: 1/B spread to [B], reshaped to [B, 1], broadcast to [B, 10].
  check(simplifyDce, R"(graph g {
  %s = input() {name = "s"} : f32[1]
  %a = broadcast(%s) : f32[B]
  %b = reshape(%a) : f32[B, 1]
  %c = broadcast(%b) : f32[B, 10]
  return y = %c, z = %b
})",
        R"(graph g {
  %s = input() {name = "s"} : f32[1]
  %b = broadcast(%s) : f32[B, 1]
  %c = broadcast(%s) : f32[B, 10]
  return y = %c, z = %b
})");
}

TEST_CASE("simplify: a reshape of a broadcast of more than one element stays", "[simplify]") {
  const char *g = R"(graph g {
  %s = input() {name = "s"} : f32[3]
  %a = broadcast(%s) : f32[2, 3]
  %b = reshape(%a) : f32[6]
  return y = %b
})";
  check(simplifyDce, g, g);
  // A one-element operand of a higher rank than the reshape stays too.
  const char *higher = R"(graph g {
  %s = input() {name = "s"} : f32[1, 1]
  %a = broadcast(%s) : f32[3, 2]
  %b = reshape(%a) : f32[6]
  return y = %b
})";
  check(simplifyDce, higher, higher);
}

TEST_CASE("simplify: stop_gradient x -> x", "[simplify]") {
  check(simplifyDce, R"(graph g {
  %x = input() {name = "x"} : f32[B, 4]
  %s = stop_gradient(%x) : f32[B, 4]
  %y = sub(%x, %s) : f32[B, 4]
  return y = %y
})",
        R"(graph g {
  %x = input() {name = "x"} : f32[B, 4]
  %y = sub(%x, %x) : f32[B, 4]
  return y = %y
})");
}
