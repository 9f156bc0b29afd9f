// `for NAME in LIST { ... }`, the compile-time loop that recurrent layers
// unroll their time steps with: its AST, how it elaborates (names carry
// across iterations, `param`s are shared, layer calls are not), the list
// builtins it uses (range, stack, list `+`), and its errors.
#include "CheckUtil.h"
#include "ParseTestUtil.h"

#include <catch2/catch.hpp>

using nnc::test::check;
using nnc::test::firstError;

namespace {

// A model body wrapped in the lines every case needs; the body starts on line 3.
std::string model(const std::string &body, const std::string &sig = "x: f32[B, 4]") {
  return "import std\nmodel M(" + sig + ") {\n" + body + "\n}\n";
}

const nnc::ModelGraphs &onlyModel(const nnc::test::CheckResult &r) {
  INFO(r.text);
  REQUIRE(r.errors.empty());
  REQUIRE(r.program().models.size() == 1);
  return r.program().models[0];
}

std::string outputType(const nnc::ir::Graph &g, size_t k = 0) {
  REQUIRE(g.outputs().size() > k);
  return g.type(g.outputs()[k].second).str();
}

std::vector<std::string> paramNames(const nnc::ir::Graph &g) {
  std::vector<std::string> out;
  for (nnc::ir::NodeId id : g.params())
    out.push_back(g.node(id).attrs.getString("name"));
  return out;
}

} // namespace

TEST_CASE("for: the AST of a loop, nested loops and the loop variable") {
  auto p = nnc::test::parse("fn f(x) {\n  for t in range(3) {\n    for u in [1, 2] { x = x + u }\n    y = x * t\n  }\n"
                            "  return y\n}\n");
  REQUIRE(p.errors.empty());
  const auto &body = p.module->fns.at(0).body;
  REQUIRE(body.size() == 2);
  const nnc::ast::Stmt &loop = body[0];
  CHECK(loop.kind == nnc::ast::StmtKind::For);
  CHECK(loop.targets.at(0).name == "t");
  CHECK(loop.targets[0].range.begin.line == 2);
  CHECK(loop.targets[0].range.begin.col == 7);
  REQUIRE(loop.value);
  CHECK(loop.value->kind == nnc::ast::ExprKind::Call);
  REQUIRE(loop.body.size() == 2);
  CHECK(loop.body[0].kind == nnc::ast::StmtKind::For);
  CHECK(loop.body[0].value->kind == nnc::ast::ExprKind::List);
  CHECK(loop.body[0].body.size() == 1);
  CHECK(loop.body[1].kind == nnc::ast::StmtKind::Assign);
  // Newlines mean nothing: a loop fits on one line.
  auto q = nnc::test::parse("fn f(x) { for t in range(3) { x = x + t } return x }");
  CHECK(q.errors.empty());
}

TEST_CASE("for: syntax errors, and `for` and `in` are reserved") {
  auto missingIn = nnc::test::parse("fn f(x) {\n  for t range(3) { x = x + t }\n  return x\n}\n");
  REQUIRE(!missingIn.errors.empty());
  CHECK(missingIn.errors[0] == "test.nn:2:9: error: expected `in`");
  auto missingBody = nnc::test::parse("fn f(x) {\n  for t in range(3) x = x + t\n  return x\n}\n");
  REQUIRE(!missingBody.errors.empty());
  CHECK(missingBody.errors[0].rfind("test.nn:2:21: error: ", 0) == 0);
  auto reserved = nnc::test::parse("fn f(in) = in\n");
  REQUIRE(!reserved.errors.empty());
  CHECK(reserved.errors[0].rfind("test.nn:1:6: error: ", 0) == 0);
  CHECK(!nnc::test::parse("fn f(x) {\n  for = 3\n  return x\n}\n").errors.empty());
}

TEST_CASE("for: names bound in the body carry across iterations and out of the loop") {
  // h doubles three times; hs collects each value; t is 2 after the loop.
  auto r = check(model("  h = x\n  hs = []\n  for t in range(3) {\n    h = h * 2.0\n    hs = hs + [h]\n  }\n"
                       "  return stack(hs, axis = 1) * float(t)"));
  const auto &m = onlyModel(r);
  CHECK(outputType(m.forward) == "f32[B, 3, 4]");
}

TEST_CASE("for: a `param` in the body is one param, shared by every iteration") {
  auto r =
      check(model("  h = x\n  for t in range(5) {\n    param w: f32[4, 4] = glorot_uniform\n    h = tanh(h @ w)\n  }\n"
                  "  return h"));
  const auto &m = onlyModel(r);
  CHECK(paramNames(m.forward) == std::vector<std::string>{"M/w"});
  CHECK(m.init.outputs().size() == 1);
}

TEST_CASE("for: each layer call in the body is a new call, with its own params") {
  auto r = check(model("  h = x\n  for units in [8, 6, 2] {\n    h = relu(dense(h, units))\n  }\n  return h"));
  const auto &m = onlyModel(r);
  CHECK(outputType(m.forward) == "f32[B, 2]");
  CHECK(paramNames(m.forward) == std::vector<std::string>{"M/dense_1/W", "M/dense_1/b", "M/dense_2/W", "M/dense_2/b",
                                                          "M/dense_3/W", "M/dense_3/b"});
}

TEST_CASE("for: range and list concatenation follow Python") {
  // A list's length, read off the error of indexing one past its end (the
  // elements are folded at compile time, so the error is the only output).
  auto length = [](const std::string &list) {
    std::string e = firstError(model("  r = " + list + "\n  return x * float(r[100000])"));
    size_t at = e.find("out of range for ");
    return at == std::string::npos ? e : e.substr(at + 17);
  };
  CHECK(length("range(5)") == "5 elements");
  CHECK(length("range(2, 10, 3)") == "3 elements");
  CHECK(length("range(5, 0, -2)") == "3 elements");
  CHECK(length("range(0)") == "0 elements");
  CHECK(length("range(9223372036854775800, 9223372036854775807)") == "7 elements");
  CHECK(length("[1] + [2, 3]") == "3 elements");
  CHECK(length("range(2) + range(3)") == "5 elements");
  // The elements themselves: range(2, 10, 3) is 2, 5, 8.
  auto idx = check(model("  r = range(2, 10, 3)\n  return x * float(r[0] + r[1] - r[2] + 1)"));
  CHECK(idx.errors.empty());
  CHECK(firstError(model("  r = range(2, 10, 3)\n  return x[:, r[2]]")) ==
        "main.nn:4:15: error: index 8 is out of range for dimension 1 of size 4");
}

TEST_CASE("for: a loop over anything but a list") {
  CHECK(firstError(model("  for t in 3 {\n    x = x + 1.0\n  }\n  return x")) ==
        "main.nn:3:12: error: `for` iterates over a list such as range(n), got int 3");
  CHECK(firstError(model("  for t in x {\n    x = x + 1.0\n  }\n  return x")) ==
        "main.nn:3:12: error: `for` iterates over a list such as range(n), got f32[B, 4]");
}

TEST_CASE("for: a mistake in the body is reported once, not once per iteration") {
  auto r = check(model("  h = x\n  for t in range(50) {\n    h = h @ x\n  }\n  return h"));
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].rfind("main.nn:5:9: error: ", 0) == 0);
}

TEST_CASE("for: `return` in a loop, and loops outside fn and model bodies") {
  CHECK(firstError(model("  for t in range(3) {\n    return x\n  }\n  return x")) ==
        "main.nn:4:5: error: `return` cannot be inside a `for` loop; bind the result to a name and return it after the "
        "loop");
  CHECK(firstError("optimizer o(lr = 0.1) {\n  for t in range(2) {\n    param -= lr * grad\n  }\n}\n") ==
        "main.nn:2:3: error: `for` is only allowed in the body of a fn or a model");
  CHECK(firstError("data d {\n  samples = 4\n  for t in range(2) {\n    x = 1\n  }\n}\n") ==
        "main.nn:3:3: error: only `name = value` settings are allowed in a data block");
}

TEST_CASE("for: range's arguments and limits") {
  CHECK(firstError(model("  for t in range(0, 10, 0) {\n    x = x + 1.0\n  }\n  return x")) ==
        "main.nn:3:25: error: the step of `range` cannot be 0");
  CHECK(firstError(model("  for t in range(2.5) {\n    x = x + 1.0\n  }\n  return x")) ==
        "main.nn:3:18: error: `range` takes ints, got float 2.5");
  CHECK(firstError(model("  for t in range(100000000) {\n    x = x + 1.0\n  }\n  return x")) ==
        "main.nn:3:12: error: `range` is limited to 100000 elements, got 100000000");
  // Every loop of a program counts towards one limit on unrolled iterations.
  CHECK(firstError(model("  for t in range(60000) {}\n  for t in range(60000) {}\n  return x")) ==
        "main.nn:4:12: error: `for` loops would unroll more than 100000 iterations in this program");
}

TEST_CASE("for: stack joins tensors of one type along a new axis") {
  auto r = check(model("  return stack([x, x * 2.0, x], axis = -1)"));
  CHECK(outputType(onlyModel(r).forward) == "f32[B, 4, 3]");
  auto one = check(model("  return stack([x])"));
  CHECK(outputType(onlyModel(one).forward) == "f32[1, B, 4]");
  CHECK(firstError(model("  return stack([x, sum(x, 1)])")) ==
        "main.nn:3:16: error: `stack` needs tensors of one type, got f32[B, 4] and f32[B]");
  CHECK(firstError(model("  return stack([])")) == "main.nn:3:16: error: `stack` needs at least one tensor");
  CHECK(firstError(model("  return stack(x)")) ==
        "main.nn:3:16: error: `stack` takes a list of tensors, got f32[B, 4]");
  CHECK(firstError(model("  return stack([x], axis = 3)")) ==
        "main.nn:3:21: error: axis 3 is out of range for a tensor of rank 3");
}
