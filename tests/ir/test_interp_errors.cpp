// The interpreter's run-time errors: each is an InterpError with a message
// that names what went wrong, never a crash.
#include "ir/Interpreter.h"

#include "InterpTestUtil.h"

using namespace nnc::ir;
using namespace nnc::ir::test;
using Catch::Message;

namespace {

// x: f32[B, 4] and y: f32[B, 1], both feeding the graph's output.
Graph twoInputs() {
  Graph g;
  NodeId x = g.input("x", {DType::F32, Shape{kBatch, 4}});
  NodeId y = g.input("y", {DType::F32, Shape{kBatch, 1}});
  NodeId yb = g.create(Op::Broadcast, {y}, {{"shape", std::vector<int64_t>{kBatch, 4}}});
  g.addOutput("sum", g.create(Op::Add, {x, yb}));
  return g;
}

Bindings batchOf(int64_t xb, int64_t yb) {
  Bindings b;
  b.inputs["x"] = Tensor::filled({DType::F32, Shape{xb, 4}}, 1);
  b.inputs["y"] = Tensor::filled({DType::F32, Shape{yb, 1}}, 2);
  return b;
}

} // namespace

TEST_CASE("Sources bind the batch size", "[interp][errors]") {
  Graph g = twoInputs();
  CHECK(bindBatch(g, batchOf(3, 3)) == 3);
  auto out = runOutputs(g, batchOf(2, 2));
  REQUIRE(out.count("sum") == 1);
  CHECK(out["sum"] == Tensor::filled({DType::F32, Shape{2, 4}}, 3));

  Graph noBatch;
  noBatch.input("x", {DType::F32, Shape{2}});
  CHECK(bindBatch(noBatch, {{{"x", F32({2}, {1, 2})}}, {}, std::nullopt}) == 1);
  CHECK(bindBatch(noBatch, {{{"x", F32({2}, {1, 2})}}, {}, 5}) == 5);
  // Names the graph does not use are ignored.
  CHECK(bindBatch(noBatch, {{{"x", F32({2}, {1, 2})}, {"unused", F32({}, {0})}}, {}, std::nullopt}) == 1);
}

TEST_CASE("Missing sources", "[interp][errors]") {
  Graph g = twoInputs();
  Bindings b = batchOf(2, 2);
  b.inputs.erase("y");
  CHECK_THROWS_MATCHES(interpret(g, b), InterpError, Message("missing input 'y'"));

  Graph p;
  p.param("dense/W", {DType::F32, Shape{2, 2}});
  CHECK_THROWS_MATCHES(interpret(p, {}), InterpError, Message("missing param 'dense/W'"));
  // An input of the same name does not stand in for a param.
  Bindings wrongKind;
  wrongKind.inputs["dense/W"] = F32({2, 2}, {1, 2, 3, 4});
  CHECK_THROWS_MATCHES(interpret(p, wrongKind), InterpError, Message("missing param 'dense/W'"));
}

TEST_CASE("Sources that do not match their declaration", "[interp][errors]") {
  Graph g = twoInputs();
  Bindings b = batchOf(2, 2);
  b.inputs["x"] = F32({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK_THROWS_MATCHES(interpret(g, b), InterpError, Message("input 'x': expected f32[B, 4], got f32[2, 3]"));
  b.inputs["x"] = F32({8}, {1, 2, 3, 4, 5, 6, 7, 8});
  CHECK_THROWS_MATCHES(interpret(g, b), InterpError, Message("input 'x': expected f32[B, 4], got f32[8]"));
  b.inputs["x"] = Tensor::filled({DType::F64, Shape{2, 4}}, 0);
  CHECK_THROWS_MATCHES(interpret(g, b), InterpError, Message("input 'x': expected f32[B, 4], got f64[2, 4]"));
  b.inputs["x"].type.dtype = DType::F32;
  b.inputs["x"].data.pop_back();
  CHECK_THROWS_MATCHES(interpret(g, b), InterpError, Message("input 'x': 7 values do not fill f32[2, 4]"));
}

TEST_CASE("Inconsistent batch sizes", "[interp][errors]") {
  Graph g = twoInputs();
  CHECK_THROWS_MATCHES(interpret(g, batchOf(2, 3)), InterpError,
                       Message("input 'y': batch size 3 does not match batch size 2 bound by input 'x'"));
  Bindings b = batchOf(2, 2);
  b.batch = 3;
  CHECK_THROWS_MATCHES(interpret(g, b), InterpError,
                       Message("input 'x': batch size 2 does not match batch size 3 bound by the bindings"));
  b.batch = 0;
  CHECK_THROWS_MATCHES(interpret(g, b), InterpError, Message("the batch size must be positive, got 0"));
  CHECK_THROWS_MATCHES(interpret(g, batchOf(0, 0)), InterpError,
                       Message("input 'x': the batch size must be positive, got 0"));
}

TEST_CASE("i32 and bool sources must hold valid values", "[interp][errors]") {
  Graph g;
  g.input("i", {DType::I32, Shape{3}});
  Bindings b;
  b.inputs["i"] = I32({3}, {1, 1.5, 2});
  CHECK_THROWS_MATCHES(interpret(g, b), InterpError, Message("input 'i': value 1.5 at index 1 is not a valid i32"));
  b.inputs["i"] = I32({3}, {1, 2, 3e9});
  CHECK_THROWS_MATCHES(interpret(g, b), InterpError, Message("input 'i': value 3e+09 at index 2 is not a valid i32"));
  Graph h;
  h.param("mask", {DType::Bool, Shape{2}});
  Bindings m;
  m.params["mask"] = Bool({2}, {0, 2});
  CHECK_THROWS_MATCHES(interpret(h, m), InterpError, Message("param 'mask': value 2 at index 1 is not a valid bool"));
}

TEST_CASE("Indices out of range", "[interp][errors]") {
  Tensor table = Tensor::filled({DType::F32, Shape{10, 2}}, 0);
  CHECK_THROWS_MATCHES(apply(Op::Gather, {table, I32({3}, {1, 12, 0})}), InterpError,
                       Message("gather: index 12 is out of range [0, 10)"));
  CHECK_THROWS_MATCHES(apply(Op::Gather, {table, I32({1}, {-1})}), InterpError,
                       Message("gather: index -1 is out of range [0, 10)"));
  CHECK_THROWS_MATCHES(apply(Op::OneHot, {I32({2}, {0, 4})}, {{"depth", int64_t(4)}}), InterpError,
                       Message("one_hot: index 4 is out of range [0, 4)"));
}

TEST_CASE("Integer division by zero", "[interp][errors]") {
  CHECK_THROWS_MATCHES(apply(Op::Div, {I32({2}, {1, 2}), I32({2}, {1, 0})}), InterpError,
                       Message("div: integer division by zero"));
}

TEST_CASE("Errors name the source location when the node has one", "[interp][errors]") {
  Graph g;
  NodeId table = g.constant({1, 2, 3}, {DType::F32, Shape{3}});
  NodeId idx = g.constant({3}, {DType::I32, Shape{}});
  g.setSource({"model.nn", 3, 7});
  g.create(Op::Gather, {table, idx});
  CHECK_THROWS_MATCHES(interpret(g, {}), InterpError, Message("model.nn:3:7: gather: index 3 is out of range [0, 3)"));
}

TEST_CASE("Empty reductions", "[interp][errors]") {
  Tensor empty = Tensor::filled({DType::F32, Shape{2, 0}}, 0);
  CHECK_THROWS_MATCHES(apply(Op::ReduceMax, {empty}, {{"axes", std::vector<int64_t>{1}}}), InterpError,
                       Message("reduce_max: the max of an empty axis is undefined"));
  CHECK_THROWS_MATCHES(apply(Op::ArgMax, {empty}, {{"axis", int64_t(1)}}), InterpError,
                       Message("argmax: axis 1 is empty"));
  CHECK(apply(Op::ReduceSum, {empty}, {{"axes", std::vector<int64_t>{1}}}) == F32({2}, {0, 0}));
  Tensor mean = apply(Op::ReduceMean, {empty}, {{"axes", std::vector<int64_t>{1}}});
  CHECK(std::isnan(mean.data[0]));
  // Reducing the non-empty axis of an empty tensor is fine: no result elements.
  CHECK(apply(Op::ReduceMax, {empty}, {{"axes", std::vector<int64_t>{0}}}).numel() == 0);
}

TEST_CASE("Graphs that bypass the shape rules are rejected, not run", "[interp][errors]") {
  Graph g;
  NodeId a = g.scalar(1.0);
  NodeId b = g.scalar(2.0, DType::F64);
  g.createUnchecked(Node{Op::Add, {a, b}, {DType::F32, Shape{}}, {}, {}});
  CHECK_THROWS_MATCHES(interpret(g, {}), InterpError,
                       Message("%2 (add) is ill-typed: add: operands differ: f32[] and f64[]"));

  Graph fwd;
  fwd.createUnchecked(Node{Op::Neg, {1}, {DType::F32, Shape{}}, {}, {}});
  fwd.scalar(1.0);
  CHECK_THROWS_MATCHES(interpret(fwd, {}), InterpError, Message("%0 (neg): operand %1 is not an earlier node"));

  Graph lying;
  NodeId c = lying.scalar(1.0);
  lying.createUnchecked(Node{Op::Neg, {c}, {DType::F32, Shape{4}}, {}, {}});
  CHECK_THROWS_MATCHES(interpret(lying, {}), InterpError,
                       Message("%1 (neg) has type f32[4] but its operands give f32[]"));

  Graph badOut;
  badOut.scalar(1.0);
  badOut.addOutput("y", 5);
  CHECK_THROWS_MATCHES(runOutputs(badOut, {}), InterpError, Message("output 'y' refers to the missing node %5"));
}

TEST_CASE("Results too large for the interpreter fail cleanly", "[interp][errors]") {
  Graph g;
  NodeId one = g.scalar(1.0);
  g.create(Op::Broadcast, {one}, {{"shape", std::vector<int64_t>{1 << 20, 1 << 20}}});
  CHECK_THROWS_MATCHES(interpret(g, {}), InterpError,
                       Message("%1 (broadcast): result f32[1048576, 1048576] is too large for the interpreter"));
}

TEST_CASE("Empty tensors with huge dimensions are too large too", "[interp][errors]") {
  // Zero elements, but strides would overflow int64.
  Graph g;
  g.constant({}, {DType::F32, Shape{0, int64_t(1) << 40, int64_t(1) << 40}});
  CHECK_THROWS_MATCHES(interpret(g, {}), InterpError,
                       Message("%0 (constant): result f32[0, 1099511627776, 1099511627776] is too large for the "
                               "interpreter"));
}
