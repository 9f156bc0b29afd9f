// Shape inference for every op category, through Graph::create, with the
// symbolic batch dimension B, and the exact messages of some failures.
#include "ir/Graph.h"

#include <catch2/catch.hpp>

using namespace nnc::ir;

namespace {

using Ints = std::vector<int64_t>;

TensorType f32(Shape s) { return {DType::F32, std::move(s)}; }
TensorType i32(Shape s) { return {DType::I32, std::move(s)}; }

// Builds `op` on fresh inputs of the given types; returns the result type.
TensorType infer(Op op, const std::vector<TensorType> &operands, Attrs attrs = {}) {
  Graph g;
  std::vector<NodeId> ids;
  for (size_t i = 0; i < operands.size(); ++i) ids.push_back(g.input("in" + std::to_string(i), operands[i]));
  return g.type(g.create(op, ids, std::move(attrs)));
}

// The IRError message of building `op`, or "" when it builds.
std::string error(Op op, const std::vector<TensorType> &operands, Attrs attrs = {}) {
  try {
    infer(op, operands, std::move(attrs));
  } catch (const IRError &e) {
    return e.what();
  }
  return "";
}

const TensorType kX = f32({kBatch, 784});

} // namespace

TEST_CASE("shape rules: sources", "[shape]") {
  Graph g;
  CHECK(g.type(g.input("x", kX)) == kX);
  CHECK(g.type(g.param("W", f32({784, 128}))) == f32({784, 128}));
  CHECK(g.type(g.scalar(2, DType::I32)) == i32({}));
  CHECK(g.type(g.constant({0.5}, f32({2, 3}))) == f32({2, 3})); // one value splats
  CHECK(g.type(g.constant({1, 2, 3, 4, 5, 6}, f32({2, 3}))) == f32({2, 3}));
  CHECK_THROWS_WITH(g.constant({1, 2, 3}, f32({2})), "constant: 3 values do not fill f32[2]");
  CHECK_THROWS_WITH(g.constant({1}, f32({kBatch})), "constant: a constant cannot have the batch dimension");
  CHECK_THROWS_WITH(g.input("y", f32({kBatch, kBatch})), "input: shape [B, B] has more than one batch dimension");

  Attrs rnd{{"shape", Ints{kBatch, 4}}, {"seed", int64_t(3)}};
  CHECK(infer(Op::RandomUniform, {}, rnd) == f32({kBatch, 4}));
  CHECK(infer(Op::RandomNormal, {i32({})}, rnd) == f32({kBatch, 4}));
  CHECK(error(Op::RandomNormal, {f32({})}, rnd) == "random_normal: the key must be i32[], got f32[]");
  CHECK(error(Op::RandomUniform, {}, {{"shape", Ints{2}}, {"dtype", std::string("i32")}}) ==
        "random_uniform: expects a floating-point operand, got i32[2]");
}

TEST_CASE("shape rules: elementwise", "[shape]") {
  CHECK(infer(Op::Add, {kX, kX}) == kX);
  CHECK(infer(Op::Lt, {kX, kX}) == TensorType{DType::Bool, kX.shape});
  CHECK(infer(Op::Neg, {i32({3})}) == i32({3}));
  CHECK(infer(Op::Cast, {kX}, {{"dtype", std::string("i32")}}) == i32(kX.shape));
  TensorType cond{DType::Bool, kX.shape};
  CHECK(infer(Op::Select, {cond, kX, kX}) == kX);
  CHECK(error(Op::Add, {kX, f32({784})}) == "add: operands differ: f32[B, 784] and f32[784]");
  CHECK(error(Op::Add, {kX}) == "add: expects 2 operands, got 1");
  CHECK(error(Op::Exp, {i32({3})}) == "exp: expects a floating-point operand, got i32[3]");
  CHECK(error(Op::Not, {kX}) == "not: expects a bool operand, got f32[B, 784]");
  CHECK(error(Op::Select, {kX, kX, kX}) == "select: condition must be bool, got f32[B, 784]");
  CHECK(error(Op::Cast, {kX}, {{"dtype", std::string("f16")}}) == "cast: unknown dtype `f16`");

  Graph g;
  g.input("x", kX);
  CHECK_THROWS_WITH(g.create(Op::Neg, {5}), "neg: operand %5 does not exist");
}

TEST_CASE("shape rules: broadcast", "[shape]") {
  CHECK(infer(Op::Broadcast, {f32({784})}, {{"shape", Ints{kBatch, 784}}}) == kX);
  CHECK(infer(Op::Broadcast, {f32({1, 3})}, {{"shape", Ints{4, 3}}}) == f32({4, 3}));
  CHECK(infer(Op::Broadcast, {f32({})}, {{"shape", Ints{kBatch, 2}}}) == f32({kBatch, 2}));
  CHECK(error(Op::Broadcast, {f32({3})}, {{"shape", Ints{kBatch, 4}}}) ==
        "broadcast: cannot broadcast [3] to [B, 4]: dimension 3 does not match 4");
  CHECK(error(Op::Broadcast, {f32({2, 3})}, {{"shape", Ints{3}}}) ==
        "broadcast: cannot broadcast [2, 3] to the smaller rank of [3]");
}

TEST_CASE("shape rules: reductions", "[shape]") {
  CHECK(infer(Op::ReduceSum, {kX}, {{"axes", Ints{1}}}) == f32({kBatch}));
  CHECK(infer(Op::ReduceSum, {kX}, {{"axes", Ints{0}}}) == f32({784})); // over the batch
  CHECK(infer(Op::ReduceMean, {kX}, {{"axes", Ints{0}}, {"keep", int64_t(1)}}) == f32({1, 784}));
  CHECK(infer(Op::ReduceMax, {kX}, {{"axes", Ints{0, 1}}}) == f32({}));
  CHECK(infer(Op::ReduceMin, {i32({2, 3})}, {{"axes", Ints{1}}, {"keep", int64_t(1)}}) == i32({2, 1}));
  CHECK(infer(Op::ArgMax, {kX}, {{"axis", int64_t(1)}}) == i32({kBatch}));
  CHECK(error(Op::ReduceSum, {kX}, {{"axes", Ints{2}}}) == "reduce_sum: axis 2 is out of range for f32[B, 784]");
  CHECK(error(Op::ReduceSum, {kX}, {{"axes", Ints{1, 1}}}) == "reduce_sum: axis 1 appears twice");
  CHECK(error(Op::ReduceMean, {i32({3})}, {{"axes", Ints{0}}}) ==
        "reduce_mean: expects a floating-point operand, got i32[3]");
}

TEST_CASE("shape rules: layout", "[shape]") {
  SECTION("reshape keeps the batch dimension") {
    CHECK(infer(Op::Reshape, {f32({kBatch, 28, 28})}, {{"shape", Ints{kBatch, 784}}}) == kX);
    CHECK(infer(Op::Reshape, {kX}, {{"shape", Ints{28, kBatch, 28}}}) == f32({28, kBatch, 28}));
    CHECK(error(Op::Reshape, {kX}, {{"shape", Ints{784}}}) ==
          "reshape: cannot reshape [B, 784] to [784]: the batch dimension must be kept");
    CHECK(error(Op::Reshape, {kX}, {{"shape", Ints{kBatch, 785}}}) ==
          "reshape: cannot reshape [B, 784] (784 elements per batch entry) to [B, 785] (785)");
  }
  SECTION("transpose") {
    CHECK(infer(Op::Transpose, {f32({kBatch, 3, 5})}, {{"perm", Ints{2, 0, 1}}}) == f32({5, kBatch, 3}));
    CHECK(error(Op::Transpose, {kX}, {{"perm", Ints{1, 1}}}) == "transpose: attribute `perm` is not a permutation");
    CHECK(error(Op::Transpose, {kX}, {{"perm", Ints{0}}}) == "transpose: permutation has the wrong length for f32[B, 784]");
  }
  SECTION("slice") {
    Attrs a{{"begin", Ints{0, 2}}, {"end", Ints{kBatch, 8}}, {"stride", Ints{1, 3}}};
    CHECK(infer(Op::Slice, {f32({kBatch, 10})}, a) == f32({kBatch, 2}));
    CHECK(infer(Op::Slice, {f32({4, 10})}, {{"begin", Ints{1, 0}}, {"end", Ints{4, 10}}, {"stride", Ints{1, 1}}}) ==
          f32({3, 10}));
    CHECK(error(Op::Slice, {f32({kBatch, 10})}, {{"begin", Ints{0, 2}}, {"end", Ints{kBatch, 11}}, {"stride", Ints{1, 1}}}) ==
          "slice: range 2:11 is out of bounds for dimension 1 of size 10");
    CHECK(error(Op::Slice, {f32({kBatch, 10})}, {{"begin", Ints{1, 0}}, {"end", Ints{kBatch, 10}}, {"stride", Ints{1, 1}}}) ==
          "slice: the batch dimension cannot be sliced");
    CHECK(error(Op::Slice, {f32({10})}, {{"begin", Ints{5}}, {"end", Ints{5}}, {"stride", Ints{1}}}) ==
          "slice: range 5:5 is out of bounds for dimension 0 of size 10");
    CHECK(error(Op::Slice, {f32({10})}, {{"begin", Ints{0}}}) == "slice: attribute `end` needs 1 values");
  }
  SECTION("pad") {
    CHECK(infer(Op::Pad, {f32({kBatch, 3})}, {{"lo", Ints{0, 1}}, {"hi", Ints{0, 2}}}) == f32({kBatch, 6}));
    CHECK(error(Op::Pad, {f32({kBatch, 3})}, {{"lo", Ints{1, 0}}, {"hi", Ints{0, 0}}}) ==
          "pad: the batch dimension cannot be padded");
  }
  SECTION("concat") {
    CHECK(infer(Op::Concat, {f32({kBatch, 3}), f32({kBatch, 5})}, {{"axis", int64_t(1)}}) == f32({kBatch, 8}));
    CHECK(infer(Op::Concat, {f32({2, 3}), f32({4, 3}), f32({1, 3})}) == f32({7, 3}));
    CHECK(error(Op::Concat, {kX, kX}) == "concat: the concatenation axis cannot be the batch dimension");
    CHECK(error(Op::Concat, {f32({2, 3}), f32({2, 4})}) ==
          "concat: operands differ outside axis 0: f32[2, 3] and f32[2, 4]");
    CHECK(error(Op::Concat, {}) == "concat: needs at least one operand");
  }
}

TEST_CASE("shape rules: matmul", "[shape]") {
  CHECK(infer(Op::MatMul, {kX, f32({784, 128})}) == f32({kBatch, 128}));
  CHECK(infer(Op::MatMul, {f32({2, 3, 4}), f32({2, 4, 5})}) == f32({2, 3, 5}));
  CHECK(error(Op::MatMul, {kX, f32({10, 128})}) ==
        "matmul: inner dimensions differ: f32[B, 784] @ f32[10, 128] (784 vs 10)");
  CHECK(error(Op::MatMul, {f32({784}), f32({784, 2})}) ==
        "matmul: operands must have the same rank, at least 2: f32[784] and f32[784, 2]");
  CHECK(error(Op::MatMul, {f32({kBatch, 3}), f32({3, kBatch})}) == "matmul: result would have two batch dimensions");
}

TEST_CASE("shape rules: convolution and pooling", "[shape]") {
  Attrs valid{{"stride", Ints{1, 1}}, {"pad", Ints{0, 0, 0, 0}}};
  CHECK(infer(Op::Conv2D, {f32({kBatch, 28, 28, 1}), f32({5, 5, 1, 6})}, valid) == f32({kBatch, 24, 24, 6}));
  Attrs strided{{"stride", Ints{2, 2}}, {"pad", Ints{1, 1, 1, 1}}};
  CHECK(infer(Op::Conv2D, {f32({kBatch, 28, 28, 3}), f32({3, 3, 3, 8})}, strided) == f32({kBatch, 14, 14, 8}));
  Attrs uneven{{"stride", Ints{3, 1}}, {"pad", Ints{0, 2, 1, 0}}};
  // H: (10 + 2 - 3) / 3 + 1 = 4; W: (7 + 1 - 2) / 1 + 1 = 7.
  CHECK(infer(Op::Conv2D, {f32({2, 10, 7, 1}), f32({3, 2, 1, 4})}, uneven) == f32({2, 4, 7, 4}));
  CHECK(error(Op::Conv2D, {f32({kBatch, 28, 28, 3}), f32({3, 3, 4, 8})}, valid) ==
        "conv2d: input has 3 channels but the filter expects 4");
  CHECK(error(Op::Conv2D, {kX, f32({3, 3, 4, 8})}, valid) == "conv2d: input must be [N, H, W, C], got f32[B, 784]");

  Attrs pool{{"window", Ints{2, 2}}, {"stride", Ints{2, 2}}, {"pad", Ints{0, 0, 0, 0}}};
  CHECK(infer(Op::MaxPool2D, {f32({kBatch, 28, 28, 6})}, pool) == f32({kBatch, 14, 14, 6}));
  Attrs overlap{{"window", Ints{3, 3}}, {"stride", Ints{2, 2}}, {"pad", Ints{0, 1, 0, 1}}};
  CHECK(infer(Op::AvgPool2D, {f32({kBatch, 28, 28, 6})}, overlap) == f32({kBatch, 14, 14, 6}));
  Attrs big{{"window", Ints{5, 5}}, {"stride", Ints{1, 1}}, {"pad", Ints{0, 0, 0, 0}}};
  CHECK(error(Op::MaxPool2D, {f32({kBatch, 4, 4, 1})}, big) == "max_pool2d: window 5 is larger than the padded input 4");
  CHECK(error(Op::AvgPool2D, {f32({kBatch, 4, 4, 1})}, {{"window", Ints{2, 2}}}) ==
        "avg_pool2d: attribute `stride` needs 2 values");
}

TEST_CASE("shape rules: gather and one_hot", "[shape]") {
  CHECK(infer(Op::Gather, {f32({1000, 64}), i32({kBatch, 20})}) == f32({kBatch, 20, 64}));
  CHECK(infer(Op::Gather, {f32({10}), i32({kBatch})}) == f32({kBatch}));
  CHECK(error(Op::Gather, {f32({1000, 64}), f32({kBatch})}) == "gather: indices must be i32, got f32[B]");
  CHECK(error(Op::Gather, {f32({kBatch, 64}), i32({3})}) ==
        "gather: the table's first dimension cannot be the batch dimension");

  CHECK(infer(Op::OneHot, {i32({kBatch})}, {{"depth", int64_t(10)}}) == f32({kBatch, 10}));
  CHECK(infer(Op::OneHot, {i32({kBatch, 3})}, {{"depth", int64_t(4)}, {"dtype", std::string("f64")}}) ==
        TensorType{DType::F64, Shape{kBatch, 3, 4}});
  CHECK(error(Op::OneHot, {i32({kBatch})}) == "one_hot: depth must be positive");
  CHECK(error(Op::OneHot, {kX}, {{"depth", int64_t(3)}}) == "one_hot: indices must be i32, got f32[B, 784]");
}
