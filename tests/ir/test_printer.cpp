// The IR's textual form: exact text for small graphs, attribute formatting,
// implied attributes left out, locations on and off.
#include "ir/Printer.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>

using namespace nnc::ir;

namespace {

Graph classifier() {
  Graph g;
  g.name = "Classifier";
  NodeId x = g.input("x", {DType::F32, Shape{kBatch, 784}});
  NodeId w = g.param("Classifier/dense_1/W", {DType::F32, Shape{784, 128}});
  g.setSource({"fashion_mlp.nn", 4, 12});
  NodeId h = g.create(Op::MatMul, {x, w});
  g.setSource({});
  NodeId s = g.create(Op::ReduceSum, {h}, {{"axes", std::vector<int64_t>{1}}, {"keep", int64_t(0)}});
  g.scalar(0.5);
  g.addOutput("logits", h);
  g.addOutput("probs", s);
  return g;
}

} // namespace

TEST_CASE("printer: a small graph prints exactly", "[printer]") {
  const char *expected = R"(graph Classifier {
  %0 = input() {name = "x"} : f32[B, 784]
  %1 = param() {name = "Classifier/dense_1/W"} : f32[784, 128]
  %2 = matmul(%0, %1) : f32[B, 128]  loc("fashion_mlp.nn":4:12)
  %3 = reduce_sum(%2) {axes = [1], keep = 0} : f32[B]
  %4 = constant() {value = [0.5]} : f32[]
  return logits = %2, probs = %3
}
)";
  CHECK(printGraph(classifier()) == expected);
}

TEST_CASE("printer: locations can be left out", "[printer]") {
  std::string text = printGraph(classifier(), PrintOptions{false});
  CHECK(text.find("loc(") == std::string::npos);
  CHECK(text.find("  %2 = matmul(%0, %1) : f32[B, 128]\n") != std::string::npos);
}

TEST_CASE("printer: the stream and string forms agree", "[printer]") {
  std::ostringstream os;
  printGraph(os, classifier());
  CHECK(os.str() == printGraph(classifier()));
  CHECK(printNode(classifier(), 3) == "%3 = reduce_sum(%2) {axes = [1], keep = 0} : f32[B]");
}

TEST_CASE("printer: floats print the shortest text that reads back exactly", "[printer]") {
  CHECK(formatFloat(0.1) == "0.1");
  CHECK(formatFloat(1.0) == "1.0");
  CHECK(formatFloat(-2.0) == "-2.0");
  CHECK(formatFloat(-0.0) == "-0.0");
  CHECK(formatFloat(0.0) == "0.0");
  CHECK(formatFloat(1e-30) == "1e-30");
  CHECK(formatFloat(1e20) == "1e+20");
  CHECK(formatFloat(123456789.0) == "123456789.0");
  CHECK(formatFloat(1.0 / 3.0) == "0.3333333333333333");
  CHECK(formatFloat(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(formatFloat(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(formatFloat(std::nan("")) == "nan");
}

TEST_CASE("printer: strings and names are quoted and escaped", "[printer]") {
  CHECK(quoteString("plain") == "\"plain\"");
  CHECK(quoteString("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(quoteString("l1\nl2\tx\r") == "\"l1\\nl2\\tx\\r\"");
  CHECK(quoteString(std::string("\x01\x7f", 2)) == "\"\\x01\\x7f\"");
  CHECK(quoteString("caf\xc3\xa9") == "\"caf\xc3\xa9\""); // UTF-8 passes through
  CHECK(formatName("logits") == "logits");
  CHECK(formatName("_x1") == "_x1");
  CHECK(formatName("1x") == "\"1x\"");
  CHECK(formatName("a/b") == "\"a/b\"");
  CHECK(formatName("") == "\"\"");
}

TEST_CASE("printer: attributes of every kind, sorted by name", "[printer]") {
  Graph g;
  g.name = "my graph";
  NodeId x = g.input("x", {DType::F32, Shape{2, 3}});
  // Unknown attributes print too: the printer shows whatever a node holds.
  g.createUnchecked(Node{Op::Neg, {x}, {DType::F32, Shape{2, 3}},
                         Attrs{{"z", std::vector<double>{}},
                               {"s", std::string("q\"")},
                               {"f", 2.5},
                               {"i", int64_t(-7)},
                               {"e", std::vector<int64_t>{}},
                               {"fl", std::vector<double>{1.0, 0.25}}},
                         {}});
  g.addOutput("out/0", 1);
  CHECK(printGraph(g) == "graph \"my graph\" {\n"
                         "  %0 = input() {name = \"x\"} : f32[2, 3]\n"
                         "  %1 = neg(%0) {e = [], f = 2.5, fl = [1.0, 0.25], i = -7, s = \"q\\\"\", z = f[]} : f32[2, 3]\n"
                         "  return \"out/0\" = %1\n"
                         "}\n");
}

TEST_CASE("printer: implied attributes are left out only when they agree", "[printer]") {
  Graph g;
  g.name = "g";
  NodeId x = g.input("x", {DType::I32, Shape{kBatch, 4}});
  g.create(Op::Cast, {x}, {{"dtype", std::string("f32")}});
  g.create(Op::OneHot, {x}, {{"depth", int64_t(3)}, {"dtype", std::string("f64")}});
  g.create(Op::Reshape, {x}, {{"shape", std::vector<int64_t>{kBatch, 2, 2}}});
  g.create(Op::Broadcast, {x}, {{"shape", std::vector<int64_t>{5, kBatch, 4}}});
  g.create(Op::RandomNormal, {}, {{"shape", std::vector<int64_t>{2}}, {"seed", int64_t(9)}});
  // A stale dtype (a broken graph) prints, so the reader sees the disagreement.
  g.createUnchecked(Node{Op::Cast, {x}, {DType::F64, Shape{kBatch, 4}}, {{"dtype", std::string("f32")}}, {}});
  CHECK(printGraph(g) == "graph g {\n"
                         "  %0 = input() {name = \"x\"} : i32[B, 4]\n"
                         "  %1 = cast(%0) : f32[B, 4]\n"
                         "  %2 = one_hot(%0) {depth = 3} : f64[B, 4, 3]\n"
                         "  %3 = reshape(%0) : i32[B, 2, 2]\n"
                         "  %4 = broadcast(%0) : i32[5, B, 4]\n"
                         "  %5 = random_normal() {seed = 9} : f32[2]\n"
                         "  %6 = cast(%0) {dtype = \"f32\"} : f64[B, 4]\n"
                         "}\n");
}

TEST_CASE("printer: several graphs are separated by a blank line", "[printer]") {
  Graph a, b;
  a.name = "a";
  b.name = "b";
  b.scalar(1, DType::I32);
  CHECK(printGraphs({a, b}) == "graph a {\n}\n\ngraph b {\n  %0 = constant() {value = [1.0]} : i32[]\n}\n");
  CHECK(printGraphs({}).empty());
}

TEST_CASE("printer: implied attributes by op", "[printer]") {
  CHECK(impliedByResultType(Op::Input).shape);
  CHECK(impliedByResultType(Op::Constant).dtype);
  CHECK(impliedByResultType(Op::Reshape).shape);
  CHECK_FALSE(impliedByResultType(Op::Reshape).dtype);
  CHECK(impliedByResultType(Op::OneHot).dtype);
  CHECK_FALSE(impliedByResultType(Op::MatMul).shape);
  CHECK_FALSE(impliedByResultType(Op::Add).dtype);
}
