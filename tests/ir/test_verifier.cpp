// The verifier: valid graphs pass, and graphs broken by hand (through
// Graph::createUnchecked) give messages that name the node.
#include "ir/Verifier.h"

#include <catch2/catch.hpp>

using namespace nnc::ir;

namespace {

using Ints = std::vector<int64_t>;
using Messages = std::vector<std::string>;

const TensorType kX{DType::F32, Shape{kBatch, 784}};

Attrs sourceAttrs(const std::string &name, const TensorType &t) {
  return {{"name", name}, {"dtype", std::string(dtypeName(t.dtype))}, {"shape", t.shape.dims()}};
}

// A graph with one input `x: f32[B, 784]` as %0.
Graph withInput() {
  Graph g;
  g.name = "g";
  g.input("x", kX);
  return g;
}

} // namespace

TEST_CASE("verifier: valid graphs have no messages", "[verifier]") {
  CHECK(verify(Graph{}).empty());
  Graph g = withInput();
  NodeId w = g.param("W", {DType::F32, Shape{784, 10}});
  NodeId y = g.create(Op::MatMul, {0, w});
  // An input and a param may share a name: they are looked up separately.
  g.param("x", {DType::F32, Shape{10}});
  g.addOutput("y", y);
  g.addOutput("x", 0);
  CHECK(verify(g) == Messages{});
}

TEST_CASE("verifier: operands must be earlier nodes", "[verifier]") {
  Graph g = withInput();
  g.createUnchecked(Node{Op::Neg, {5}, kX, {}, {}});
  g.createUnchecked(Node{Op::Neg, {2}, kX, {}, {}});
  g.createUnchecked(Node{Op::Neg, {-1}, kX, {}, {}});
  CHECK(verify(g) == Messages{"%1 (neg): operand %5 is not an earlier node",
                              "%2 (neg): operand %2 is not an earlier node",
                              "%3 (neg): operand %-1 is not an earlier node"});
}

TEST_CASE("verifier: arity", "[verifier]") {
  Graph g = withInput();
  g.createUnchecked(Node{Op::Add, {0}, kX, {}, {}});
  g.createUnchecked(Node{Op::Input, {0}, kX, sourceAttrs("y", kX), {}});
  CHECK(verify(g) == Messages{"%1 (add): expects 2 operands, got 1", "%2 (input): expects 0 operands, got 1"});
}

TEST_CASE("verifier: the stored type must be what the shape rule gives", "[verifier]") {
  Graph g = withInput();
  g.createUnchecked(Node{Op::Neg, {0}, {DType::F32, Shape{kBatch, 10}}, {}, {}});
  g.createUnchecked(Node{Op::Lt, {0, 0}, kX, {}, {}});
  CHECK(verify(g) == Messages{"%1 (neg): stored type f32[B, 10] differs from the inferred type f32[B, 784]",
                              "%2 (lt): stored type f32[B, 784] differs from the inferred type bool[B, 784]"});
}

TEST_CASE("verifier: shape-rule failures name the node", "[verifier]") {
  Graph g = withInput();
  g.param("W", {DType::F32, Shape{10, 128}});
  g.createUnchecked(Node{Op::MatMul, {0, 1}, {DType::F32, Shape{kBatch, 128}}, {}, {}});
  g.createUnchecked(Node{Op::Constant, {}, {DType::F32, Shape{2}}, {{"value", std::vector<double>{1, 2, 3}}, {"shape", Ints{2}}}, {}});
  CHECK(verify(g) == Messages{"%2 (matmul): inner dimensions differ: f32[B, 784] @ f32[10, 128] (784 vs 10)",
                              "%3 (constant): 3 values do not fill f32[2]"});
}

TEST_CASE("verifier: malformed stored types do not cascade", "[verifier]") {
  Graph g = withInput();
  TensorType twoBatch{DType::F32, Shape{kBatch, kBatch}};
  g.createUnchecked(Node{Op::Neg, {0}, twoBatch, {}, {}});
  g.createUnchecked(Node{Op::Neg, {1}, kX, {}, {}}); // reported at its operand only
  g.createUnchecked(Node{Op::Neg, {0}, {DType::F32, Shape{kBatch, -7}}, {}, {}});
  CHECK(verify(g) == Messages{"%1 (neg): result shape [B, B] has more than one batch dimension",
                              "%3 (neg): result shape has the negative dimension -7"});
}

TEST_CASE("verifier: attributes are known, of the right kind and present when required", "[verifier]") {
  Graph g = withInput();
  TensorType sum{DType::F32, Shape{kBatch}};
  g.createUnchecked(Node{Op::ReduceSum, {0}, sum, {{"axis", int64_t(1)}}, {}});
  g.createUnchecked(Node{Op::ReduceSum, {0}, sum, {{"axes", 1.5}}, {}});
  g.createUnchecked(Node{Op::ReduceSum, {0}, sum, {{"axes", int64_t(1)}, {"keep", std::string("no")}}, {}});
  g.createUnchecked(Node{Op::Pad, {0}, kX, {{"lo", Ints{0, 0}}, {"hi", Ints{0, 0}}, {"value", int64_t(1)}}, {}});
  Messages got = verify(g);
  CHECK(got == Messages{"%1 (reduce_sum): unknown attribute `axis`",
                        "%1 (reduce_sum): missing attribute `axes`",
                        "%1 (reduce_sum): stored type f32[B] differs from the inferred type f32[B, 784]",
                        "%2 (reduce_sum): attribute `axes` must be an integer list, got a float",
                        "%2 (reduce_sum): stored type f32[B] differs from the inferred type f32[B, 784]",
                        "%3 (reduce_sum): attribute `keep` must be an integer, got a string"});
}

TEST_CASE("verifier: input and param names are non-empty and unique", "[verifier]") {
  Graph g = withInput();
  g.createUnchecked(Node{Op::Input, {}, kX, sourceAttrs("x", kX), {}});
  g.createUnchecked(Node{Op::Input, {}, kX, sourceAttrs("", kX), {}});
  g.createUnchecked(Node{Op::Input, {}, kX, {{"shape", kX.shape.dims()}}, {}});
  g.param("W", {DType::F32, Shape{3}});
  g.param("W", {DType::F32, Shape{3}});
  g.param("W", {DType::F32, Shape{3}});
  CHECK(verify(g) == Messages{"%3 (input): missing attribute `name`",
                              "%1 (input): name `x` is already used by %0",
                              "%2 (input): the name is empty",
                              "%5 (param): name `W` is already used by %4",
                              "%6 (param): name `W` is already used by %4"});
}

TEST_CASE("verifier: outputs exist and have unique non-empty names", "[verifier]") {
  Graph g = withInput();
  g.addOutput("y", 0);
  g.addOutput("z", 9);
  g.addOutput("", 0);
  g.addOutput("y", 0);
  g.addOutput("", -2);
  CHECK(verify(g) == Messages{"output `z` refers to %9, which does not exist",
                              "output #2 has an empty name",
                              "output `y` is returned twice",
                              "output #4 refers to %-2, which does not exist",
                              "output #4 has an empty name"});
}

TEST_CASE("verifier: graphs built through create pass", "[verifier]") {
  Graph g;
  NodeId img = g.input("img", {DType::F32, Shape{kBatch, 28, 28, 1}});
  NodeId k = g.param("k", {DType::F32, Shape{3, 3, 1, 8}});
  NodeId c = g.create(Op::Conv2D, {img, k}, {{"stride", Ints{1, 1}}, {"pad", Ints{1, 1, 1, 1}}});
  NodeId p = g.create(Op::MaxPool2D, {c}, {{"window", Ints{2, 2}}, {"stride", Ints{2, 2}}, {"pad", Ints{0, 0, 0, 0}}});
  NodeId f = g.create(Op::Reshape, {p}, {{"shape", Ints{kBatch, 14 * 14 * 8}}});
  NodeId lbl = g.input("label", {DType::I32, Shape{kBatch}});
  NodeId oh = g.create(Op::OneHot, {lbl}, {{"depth", int64_t(10)}});
  g.addOutput("features", f);
  g.addOutput("onehot", oh);
  CHECK(verify(g).empty());
}
