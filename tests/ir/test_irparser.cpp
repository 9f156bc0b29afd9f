// The IR text parser: round trips through the printer for every op, exact
// floats and strings, and errors with exact positions for bad text.
#include "ir/IRParser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <set>

using namespace nnc::ir;

namespace {

using Ints = std::vector<int64_t>;

constexpr Op kAllOps[] = {
#define OP(Enum, Name, Category, Arity) Op::Enum,
#include "ir/Ops.def"
};

// A graph that uses every op in Ops.def, with every attribute kind, names
// that need quoting and some source tags.
Graph everyOp() {
  Graph g;
  g.name = "AllOps";
  const TensorType f32x4{DType::F32, Shape{kBatch, 4}};
  g.setSource({"all \"ops\".nn", 1, 1});
  NodeId x = g.input("x", f32x4);
  NodeId w = g.param("Model/dense_1/W", {DType::F32, Shape{4, 4}});
  g.setSource({});
  NodeId c = g.constant({1, 2.5, -0.0, 1e-30}, {DType::F32, Shape{4}});
  NodeId key = g.constant({7}, {DType::I32, Shape{}});
  g.create(Op::RandomUniform, {}, {{"shape", Ints{2, 3}}, {"dtype", std::string("f32")}, {"seed", int64_t(1)}});
  g.create(Op::RandomNormal, {key}, {{"shape", Ints{3}}, {"dtype", std::string("f64")}, {"seed", int64_t(-5)}});
  for (Op op : {Op::Neg, Op::Abs, Op::Sign, Op::Exp, Op::Log, Op::Sqrt, Op::Tanh, Op::Sin, Op::Cos, Op::Floor, Op::StopGradient})
    g.create(op, {x});
  NodeId b = g.create(Op::Lt, {x, x});
  g.create(Op::Not, {b});
  g.create(Op::Cast, {x}, {{"dtype", std::string("i32")}});
  for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Pow, Op::Maximum, Op::Minimum, Op::Eq, Op::Ne, Op::Le,
                Op::Gt, Op::Ge})
    g.create(op, {x, x});
  g.create(Op::And, {b, b});
  g.create(Op::Or, {b, b});
  g.setSource({"model.nn", 12, 7});
  g.create(Op::Select, {b, x, x});
  g.setSource({});
  g.create(Op::Broadcast, {c}, {{"shape", Ints{kBatch, 4}}});
  g.create(Op::ReduceSum, {x}, {{"axes", Ints{0, 1}}, {"keep", int64_t(1)}});
  g.create(Op::ReduceMax, {x}, {{"axes", Ints{1}}, {"keep", int64_t(0)}});
  g.create(Op::ReduceMin, {x}, {{"axes", Ints{0}}});
  g.create(Op::ReduceMean, {x}, {{"axes", Ints{1}}, {"keep", int64_t(0)}});
  NodeId idx = g.create(Op::ArgMax, {x}, {{"axis", int64_t(1)}, {"keep", int64_t(0)}});
  g.create(Op::Reshape, {x}, {{"shape", Ints{kBatch, 2, 2}}});
  g.create(Op::Transpose, {x}, {{"perm", Ints{1, 0}}});
  g.create(Op::Slice, {x}, {{"begin", Ints{0, 1}}, {"end", Ints{kBatch, 4}}, {"stride", Ints{1, 2}}});
  g.create(Op::Pad, {x}, {{"lo", Ints{0, 1}}, {"hi", Ints{0, 2}}, {"value", 0.1}});
  g.create(Op::Concat, {x, x, x}, {{"axis", int64_t(1)}});
  NodeId h = g.create(Op::MatMul, {x, w});
  g.create(Op::Gather, {w, idx});
  g.create(Op::OneHot, {idx}, {{"depth", int64_t(4)}, {"dtype", std::string("f32")}});
  NodeId img = g.input("img\n\"1\"", {DType::F32, Shape{kBatch, 8, 8, 3}});
  NodeId k = g.param("k", {DType::F32, Shape{3, 3, 3, 5}});
  g.create(Op::Conv2D, {img, k}, {{"stride", Ints{2, 2}}, {"pad", Ints{1, 1, 0, 1}}});
  Attrs pool{{"window", Ints{2, 2}}, {"stride", Ints{2, 2}}, {"pad", Ints{0, 0, 0, 0}}};
  g.create(Op::MaxPool2D, {img}, pool);
  NodeId pooled = g.create(Op::AvgPool2D, {img}, pool);
  // The backward ops; their `shape` is implied by the result type.
  g.create(Op::ScatterAdd, {h, idx}, {{"shape", Ints{4, 4}}});
  Attrs conv{{"stride", Ints{2, 2}}, {"pad", Ints{1, 1, 0, 1}}, {"shape", Ints{kBatch, 8, 8, 3}}};
  NodeId y = g.create(Op::Conv2D, {img, k}, {{"stride", Ints{2, 2}}, {"pad", Ints{1, 1, 0, 1}}});
  g.create(Op::Conv2DGradInput, {y, k}, conv);
  conv.set("shape", Ints{3, 3, 3, 5});
  g.create(Op::Conv2DGradFilter, {img, y}, conv);
  g.create(Op::MaxPool2DGrad, {img, pooled}, pool);
  Attrs avg = pool;
  avg.set("shape", Ints{kBatch, 8, 8, 3});
  g.create(Op::AvgPool2DGrad, {pooled}, avg);
  g.addOutput("logits", h);
  g.addOutput("Model/pred", idx);
  return g;
}

void checkSameNodes(const Graph &a, const Graph &b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("node %" << i << ": " << printNode(a, static_cast<NodeId>(i)));
    const Node &x = a.nodes()[i], &y = b.nodes()[i];
    CHECK(x.op == y.op);
    CHECK(x.inputs == y.inputs);
    CHECK(x.type == y.type);
    CHECK(x.attrs == y.attrs);
    CHECK(x.src.file == y.src.file);
    CHECK(x.src.line == y.src.line);
    CHECK(x.src.col == y.src.col);
  }
  CHECK(a.name == b.name);
  CHECK(a.outputs() == b.outputs());
}

std::string parseError(const std::string &text) {
  ParseResult r = parseIR(text);
  return r.error;
}

uint64_t bits(double d) { return std::bit_cast<uint64_t>(d); }

} // namespace

TEST_CASE("irparser: every op round-trips through the printer", "[irparser]") {
  Graph g = everyOp();
  std::set<Op> used;
  for (const Node &n : g.nodes()) used.insert(n.op);
  for (Op op : kAllOps) {
    INFO("op " << opName(op));
    CHECK(used.count(op));
  }
  REQUIRE(verify(g).empty());

  std::string text = printGraph(g);
  ParseResult r = parseIR(text);
  INFO(text);
  REQUIRE(r.error == "");
  REQUIRE(r.graphs.size() == 1);
  CHECK(printGraph(r.graphs[0]) == text);
  checkSameNodes(g, r.graphs[0]);
  CHECK(verify(r.graphs[0]).empty());
}

TEST_CASE("irparser: several graphs in one module", "[irparser]") {
  Graph empty;
  empty.name = "empty graph";
  std::vector<Graph> graphs{everyOp(), empty, everyOp()};
  std::string text = printGraphs(graphs);
  ParseResult r = parseIR(text);
  REQUIRE(r.ok());
  REQUIRE(r.graphs.size() == 3);
  CHECK(printGraphs(r.graphs) == text);
  CHECK(r.graphs[1].name == "empty graph");
  CHECK(r.graphs[1].size() == 0);
}

TEST_CASE("irparser: floats round-trip bit for bit", "[irparser]") {
  const double values[] = {0.1, 1e-30, -0.0, 0.0, 1.0 / 3.0, 5e-324, 2.2250738585072014e-308,
                           1.7976931348623157e308, -123456789.125, 1e21, 3.0,
                           std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  std::vector<double> list(std::begin(values), std::end(values));
  Graph g;
  g.name = "floats";
  NodeId c = g.constant(list, {DType::F64, Shape{static_cast<int64_t>(list.size())}});
  g.create(Op::Pad, {c}, {{"lo", Ints{1}}, {"hi", Ints{0}}, {"value", -0.0}});
  g.createUnchecked(Node{Op::Neg, {0}, g.type(0), {{"nan", std::nan("")}, {"empty", std::vector<double>{}}}, {}});
  ParseResult r = parseIR(printGraph(g));
  REQUIRE(r.ok());
  const Graph &p = r.graphs[0];
  std::vector<double> back = p.node(0).attrs.getFloats("value");
  REQUIRE(back.size() == list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    INFO(formatFloat(list[i]));
    CHECK(bits(back[i]) == bits(list[i]));
  }
  CHECK(bits(p.node(1).attrs.getFloat("value")) == bits(-0.0));
  CHECK(std::isnan(p.node(2).attrs.getFloat("nan")));
  // An empty float list stays a float list.
  CHECK(std::holds_alternative<std::vector<double>>(p.node(2).attrs.entries().at("empty")));
}

TEST_CASE("irparser: strings with quotes, escapes and UTF-8 round-trip", "[irparser]") {
  const std::string names[] = {"a\"b", "back\\slash", "tab\there", "line\nbreak", std::string("nul\0byte", 8),
                               "\x7f\x1b", "caf\xc3\xa9", ""};
  Graph g;
  g.name = "strings";
  for (const std::string &n : names) g.input(n, {DType::F32, Shape{1}});
  g.addOutput("we\"ird", 0);
  ParseResult r = parseIR(printGraph(g));
  REQUIRE(r.ok());
  for (size_t i = 0; i < std::size(names); ++i) CHECK(r.graphs[0].node(static_cast<NodeId>(i)).attrs.getString("name") == names[i]);
  CHECK(r.graphs[0].outputs()[0].first == "we\"ird");
}

TEST_CASE("irparser: hand-written text: names, comments, hex escapes, no locations", "[irparser]") {
  ParseResult r = parseIR(R"(# a comment line
graph "tiny" {   # trailing comment
  %x = input() {name = "x\x41"} : f32[B, 3]
  %two = constant() {value = [2]} : f32[B, 3]
}
)");
  // value = [2] is an int list; constant reads it as floats, but the shape is batched.
  CHECK(r.error == "ir:4:10: error: constant: a constant cannot have the batch dimension");

  r = parseIR(R"(graph tiny {
  %x = input() {name = "x\x41"} : f32[B, 3]
  %two = constant() {value = f[2, 3, 4]} : f32[3]
  %b = broadcast(%two) : f32[B, 3]
  %y = mul(%x, %b) : f32[B, 3]  loc("t.nn":3:9)
  return y = %y, "x again" = %x
})");
  REQUIRE(r.error == "");
  const Graph &g = r.graphs[0];
  CHECK(g.node(0).attrs.getString("name") == "xA");
  CHECK(g.node(1).attrs.getFloats("value") == std::vector<double>{2, 3, 4});
  CHECK(g.node(3).inputs == std::vector<NodeId>{0, 2});
  CHECK(g.node(3).src.file == "t.nn");
  CHECK(g.node(3).src.line == 3);
  CHECK(g.node(2).src.empty());
  CHECK(g.outputs()[1] == std::pair<std::string, NodeId>{"x again", 0});
  CHECK(verify(g).empty());
}

TEST_CASE("irparser: errors point at the offending token", "[irparser]") {
  const std::string head = "graph g {\n  %0 = input() {name = \"x\"} : f32[B, 784]\n";
  CHECK(parseError(head + "  %1 = matmull(%0, %0) : f32[B, 784]\n}\n") == "ir:3:8: error: unknown op `matmull`");
  CHECK(parseError(head + "  %1 = neg(%7) : f32[B, 784]\n}\n") == "ir:3:12: error: use of undefined value `%7`");
  CHECK(parseError(head + "  %1 = neg(%1) : f32[B, 784]\n}\n") == "ir:3:12: error: use of undefined value `%1`");
  CHECK(parseError(head + "  %1 = neg(%0) : f32[B, 10]\n}\n") ==
        "ir:3:18: error: `%1` is declared f32[B, 10] but neg gives f32[B, 784]");
  CHECK(parseError(head + "  %1 = param() {name = \"w\"} : f32[10, 128]\n  %2 = matmul(%0, %1) : f32[B, 128]\n}\n") ==
        "ir:4:8: error: matmul: inner dimensions differ: f32[B, 784] @ f32[10, 128] (784 vs 10)");
  CHECK(parseError(head + "  %0 = neg(%0) : f32[B, 784]\n}\n") == "ir:3:3: error: value `%0` is defined twice");
  CHECK(parseError(head + "  %1 = reduce_sum(%0) {axes = [1,} : f32[B]\n}\n") ==
        "ir:3:34: error: expected a number in the list, got `}`");
  CHECK(parseError(head + "  %1 = reduce_sum(%0) {axes [1]} : f32[B]\n}\n") ==
        "ir:3:29: error: expected `=`, got `[`");
  CHECK(parseError(head + "  %1 = reduce_sum(%0) {axes = [1], axes = [0]} : f32[B]\n}\n") ==
        "ir:3:36: error: attribute `axes` is given twice");
  CHECK(parseError(head + "  %1 = reduce_sum(%0) {axes = B} : f32[B]\n}\n") ==
        "ir:3:31: error: expected an attribute value (a number, a string or a list), got `B`");
  CHECK(parseError(head + "  %1 = neg(%0) : f16[B, 784]\n}\n") == "ir:3:18: error: unknown element type `f16`");
  CHECK(parseError(head + "  %1 = neg(%0)\n}\n") == "ir:4:1: error: expected `:` and the result type, got `}`");
  CHECK(parseError(head + "  %1 = neg(%0 %0) : f32[B, 784]\n}\n") == "ir:3:15: error: expected `,` or `)`, got `%0`");
  CHECK(parseError(head + "  return y = %0\n  %1 = neg(%0) : f32[B, 784]\n}\n") ==
        "ir:4:3: error: expected `}` after the outputs, got `%1`");
}

TEST_CASE("irparser: errors at the ends of the text", "[irparser]") {
  CHECK(parseError("") == "ir:1:1: error: expected `graph`, got end of input");
  CHECK(parseError("  # only a comment\n\n") == "ir:3:1: error: expected `graph`, got end of input");
  CHECK(parseError("graph g {\n  %0 = input() {name = \"x\"} : f32[2]\n") ==
        "ir:3:1: error: expected `}` to close graph g");
  CHECK(parseError("graph g {\n  %0 = input() {name = \"x\"} : f32[2]") ==
        "ir:2:37: error: expected `}` to close graph g");
  CHECK(parseError("graph") == "ir:1:6: error: expected a graph name, got end of input");
  CHECK(parseError("hello world") == "ir:1:1: error: expected `graph`, got `hello`");
  CHECK(parseError("graph g {}\n$$$") == "ir:2:1: error: unexpected character `$`");
  CHECK(parseError(std::string("graph g {\x01}")) == "ir:1:10: error: unexpected character `\\x01`");
}

TEST_CASE("irparser: lexical errors", "[irparser]") {
  const std::string head = "graph g {\n  %0 = input() {name = ";
  CHECK(parseError(head + "\"x} : f32[2]\n}") == "ir:2:24: error: unterminated string");
  CHECK(parseError(head + "\"x\\q\"} : f32[2]\n}") == "ir:2:26: error: unknown escape `\\q` in string");
  CHECK(parseError(head + "\"x\\x4\"} : f32[2]\n}") == "ir:2:26: error: `\\x` needs two hex digits");
  CHECK(parseError(head + "1.5.2} : f32[2]\n}") == "ir:2:24: error: malformed number `1.5.`");
  CHECK(parseError(head + "12abc} : f32[2]\n}") == "ir:2:24: error: malformed number `12a`");
  CHECK(parseError(head + "1e} : f32[2]\n}") == "ir:2:24: error: malformed number: the exponent has no digits");
  CHECK(parseError(head + "- 1} : f32[2]\n}") == "ir:2:24: error: unexpected character `-`");
  CHECK(parseError(head + "99999999999999999999} : f32[2]\n}") ==
        "ir:2:24: error: integer `99999999999999999999` is out of range");
  CHECK(parseError(head + "1e999} : f32[2]\n}") == "ir:2:24: error: float `1e999` is out of range");
  CHECK(parseError("graph g {\n  % = neg() : f32[]\n}") == "ir:2:3: error: expected a value name after `%`");
}

TEST_CASE("irparser: types and locations are range-checked", "[irparser]") {
  const std::string head = "graph g {\n  %0 = input() {name = \"x\"} : ";
  CHECK(parseError(head + "f32[B, -3]\n}") == "ir:2:38: error: dimension -3 is out of range");
  CHECK(parseError(head + "f32[1099511627777]\n}") == "ir:2:35: error: dimension 1099511627777 is out of range");
  CHECK(parseError(head + "f32[1000000, 1000000, 1000000, 1000000]\n}") == "ir:2:31: error: type has too many elements");
  CHECK(parseError(head + "f32[B, B]\n}") == "ir:2:8: error: input: shape [B, B] has more than one batch dimension");
  CHECK(parseError(head + "f32[2]  loc(\"f\":-1:2)\n}") == "ir:2:47: error: source position -1 is out of range");
  CHECK(parseError(head + "f32[2]  loc(f:1:2)\n}") == "ir:2:43: error: expected a file name in quotes, got `f`");
}

TEST_CASE("irparser: an error keeps the graphs parsed before it", "[irparser]") {
  ParseResult r = parseIR("graph a {\n}\ngraph b {\n  %0 = nope() : f32[]\n}\n");
  CHECK(r.error == "ir:4:8: error: unknown op `nope`");
  REQUIRE(r.graphs.size() == 1);
  CHECK(r.graphs[0].name == "a");
}

TEST_CASE("irparser: truncated and mutated text never crashes", "[irparser]") {
  std::string text = printGraph(everyOp());
  // Every prefix either parses (it ends a graph) or reports an error.
  for (size_t n = 0; n < text.size(); n += 3) {
    ParseResult r = parseIR(std::string_view(text).substr(0, n));
    CHECK((r.ok() || r.error.rfind("ir:", 0) == 0));
  }
  std::mt19937 rng(1234);
  const char alphabet[] = "%=(){}[],:\"\\-.e0123456789Bf# \nxaz";
  for (int trial = 0; trial < 2000; ++trial) {
    std::string t = text;
    for (int k = 0; k < 3; ++k) {
      size_t at = rng() % t.size();
      switch (rng() % 3) {
      case 0: t[at] = alphabet[rng() % (sizeof alphabet - 1)]; break;
      case 1: t.erase(at, 1 + rng() % 8); break;
      default: t.insert(at, 1, static_cast<char>(rng() % 256)); break;
      }
      if (t.empty()) t = "x";
    }
    ParseResult r = parseIR(t);
    if (r.ok()) {
      // Whatever parses is well typed and prints back to text that parses.
      for (const Graph &g : r.graphs) CHECK(parseIR(printGraph(g)).ok());
    }
  }
}
