// The backward ops autodiff emits (scatter_add, conv2d_grad_input,
// conv2d_grad_filter, max_pool2d_grad, avg_pool2d_grad): shape rules and
// interpreter kernels against hand-computed values.
#include "ir/Interpreter.h"

#include "InterpTestUtil.h"

using namespace nnc::ir;
using namespace nnc::ir::test;

namespace {

using Ints = std::vector<int64_t>;

std::string buildError(Op op, const std::vector<TensorType> &operands, Attrs attrs) {
  Graph g;
  std::vector<NodeId> ids;
  for (size_t i = 0; i < operands.size(); ++i)
    ids.push_back(g.input("in" + std::to_string(i), operands[i]));
  try {
    g.create(op, ids, std::move(attrs));
  } catch (const IRError &e) {
    return e.what();
  }
  return "";
}

Attrs convAttrs(Ints shape, Ints stride, Ints pad) {
  return {{"shape", std::move(shape)}, {"stride", std::move(stride)}, {"pad", std::move(pad)}};
}

} // namespace

TEST_CASE("scatter_add adds rows at repeated indices", "[interp][grad-ops]") {
  // Rows 0, 2, 0 of the result receive [1, 2], [3, 4], [5, 6].
  Tensor updates = F32({3, 2}, {1, 2, 3, 4, 5, 6});
  CHECK(apply(Op::ScatterAdd, {updates, I32({3}, {0, 2, 0})}, {{"shape", Ints{4, 2}}}) ==
        F32({4, 2}, {6, 8, 0, 0, 3, 4, 0, 0}));
  // Scalar indices, rank-1 result.
  CHECK(apply(Op::ScatterAdd, {F64({}, {7}), I32({}, {1})}, {{"shape", Ints{3}}}) == F64({3}, {0, 7, 0}));
  CHECK_THROWS_MATCHES(apply(Op::ScatterAdd, {F32({1}, {1}), I32({1}, {3})}, {{"shape", Ints{3}}}), InterpError,
                       Catch::Message("scatter_add: index 3 is out of range [0, 3)"));
}

TEST_CASE("scatter_add shape rule", "[shape][grad-ops]") {
  TensorType upd{DType::F32, Shape{kBatch, 5, 3}}, idx{DType::I32, Shape{kBatch, 5}};
  CHECK(buildError(Op::ScatterAdd, {upd, idx}, {{"shape", Ints{10, 3}}}) == "");
  CHECK(buildError(Op::ScatterAdd, {upd, idx}, {{"shape", Ints{10, 4}}}) ==
        "scatter_add: updates f32[B, 5, 3] do not fit indices i32[B, 5] and result shape [10, 4]");
  CHECK(buildError(Op::ScatterAdd, {upd, idx}, {{"shape", Ints{kBatch, 3}}}) ==
        "scatter_add: the result's first dimension cannot be the batch dimension");
  CHECK(buildError(Op::ScatterAdd, {upd, {DType::F32, Shape{kBatch, 5}}}, {{"shape", Ints{10, 3}}}) ==
        "scatter_add: indices must be i32, got f32[B, 5]");
}

TEST_CASE("conv2d_grad_input and conv2d_grad_filter", "[interp][grad-ops]") {
  // x is 1x3x3x1, w is 2x2x1x1 = [[1, 2], [3, 4]], stride 1, no padding, so
  // y is 1x2x2x1. With dy = [[1, 0], [0, 2]]:
  //   dx = sum over outputs of dy * w placed at the window:
  //        [[1, 2, 0], [3, 4+2, 4], [0, 6, 8]]
  //   dw[ky][kx] = sum_y,x dy[y][x] * x[y+ky][x+kx] with x = 1..9:
  //        [[1*1 + 2*5, 1*2 + 2*6], [1*4 + 2*8, 1*5 + 2*9]] = [[11, 14], [20, 23]]
  Tensor dy = F64({1, 2, 2, 1}, {1, 0, 0, 2});
  Tensor w = F64({2, 2, 1, 1}, {1, 2, 3, 4});
  Tensor x = F64({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(apply(Op::Conv2DGradInput, {dy, w}, convAttrs({1, 3, 3, 1}, {1, 1}, {0, 0, 0, 0})) ==
        F64({1, 3, 3, 1}, {1, 2, 0, 3, 6, 4, 0, 6, 8}));
  CHECK(apply(Op::Conv2DGradFilter, {x, dy}, convAttrs({2, 2, 1, 1}, {1, 1}, {0, 0, 0, 0})) ==
        F64({2, 2, 1, 1}, {11, 14, 20, 23}));
}

TEST_CASE("conv2d backward ops with stride, padding and channels", "[interp][grad-ops]") {
  // x is 1x2x2x2 (channels c0, c1), w is 1x1x2x2, stride 2, pad 1 on top and
  // left: y is 1x2x2x2 and only output (1, 1) sees the input, at x[1][1]; the
  // other outputs lie in the padding.
  Attrs a = convAttrs({1, 2, 2, 2}, {2, 2}, {1, 0, 1, 0});
  Tensor dy = F64({1, 2, 2, 2}, {9, 9, 9, 9, 9, 9, 1, 10});
  Tensor w = F64({1, 1, 2, 2}, {1, 2, 3, 4}); // w[c][f]
  // dx[1][1][c] = sum_f dy[1][1][f] * w[c][f] = [1*1 + 10*2, 1*3 + 10*4].
  CHECK(apply(Op::Conv2DGradInput, {dy, w}, a) == F64({1, 2, 2, 2}, {0, 0, 0, 0, 0, 0, 21, 43}));
  Tensor x = F64({1, 2, 2, 2}, {7, 8, 7, 8, 7, 8, 5, 6});
  a.set("shape", Ints{1, 1, 2, 2});
  // dw[c][f] = x[1][1][c] * dy[1][1][f].
  CHECK(apply(Op::Conv2DGradFilter, {x, dy}, a) == F64({1, 1, 2, 2}, {5, 50, 6, 60}));
}

TEST_CASE("conv2d backward shape rules check the forward op", "[shape][grad-ops]") {
  TensorType dy{DType::F32, Shape{kBatch, 4, 4, 8}}, w{DType::F32, Shape{3, 3, 2, 8}};
  CHECK(buildError(Op::Conv2DGradInput, {dy, w}, convAttrs({kBatch, 8, 8, 2}, {2, 2}, {1, 0, 1, 0})) == "");
  CHECK(buildError(Op::Conv2DGradInput, {dy, w}, convAttrs({kBatch, 8, 8, 2}, {1, 1}, {1, 0, 1, 0})) ==
        "conv2d_grad_input: the gradient f32[B, 4, 4, 8] does not match the forward result f32[B, 7, 7, 8]");
  TensorType x{DType::F32, Shape{kBatch, 8, 8, 2}};
  CHECK(buildError(Op::Conv2DGradFilter, {x, dy}, convAttrs({3, 3, 2, 8}, {2, 2}, {1, 0, 1, 0})) == "");
  CHECK(buildError(Op::Conv2DGradFilter, {x, dy}, convAttrs({3, 3, 3, 8}, {2, 2}, {1, 0, 1, 0})) ==
        "conv2d_grad_filter: input has 2 channels but the filter expects 3");
}

TEST_CASE("max_pool2d_grad routes to the first maximum", "[interp][grad-ops]") {
  // 2x2 windows, stride 1, over a 2x3 input: windows [0..1] x [0..1], [0..1] x [1..2].
  // Window 0 holds 1, 5, 4, 5: the first 5 (at (0, 1)) takes dy = 10.
  // Window 1 holds 5, 2, 5, 3: the 5 at (0, 1) again takes dy = 100.
  Tensor x = F64({1, 2, 3, 1}, {1, 5, 2, 4, 5, 3});
  Tensor dy = F64({1, 1, 2, 1}, {10, 100});
  Attrs a{{"window", Ints{2, 2}}, {"stride", Ints{1, 1}}, {"pad", Ints{0, 0, 0, 0}}};
  CHECK(apply(Op::MaxPool2DGrad, {x, dy}, a) == F64({1, 2, 3, 1}, {0, 110, 0, 0, 0, 0}));
  // A window wholly in the padding sends its gradient nowhere.
  Attrs padded{{"window", Ints{1, 1}}, {"stride", Ints{1, 1}}, {"pad", Ints{1, 0, 0, 0}}};
  CHECK(apply(Op::MaxPool2DGrad, {F64({1, 1, 1, 1}, {3}), F64({1, 2, 1, 1}, {7, 8})}, padded) ==
        F64({1, 1, 1, 1}, {8}));
}

TEST_CASE("avg_pool2d_grad shares dy among in-bounds elements", "[interp][grad-ops]") {
  // 2x2 windows, stride 2, pad 1 at the bottom and right of a 3x3 input:
  // windows hold 4, 2, 2 and 1 in-bounds elements.
  Attrs a{{"shape", Ints{1, 3, 3, 1}}, {"window", Ints{2, 2}}, {"stride", Ints{2, 2}}, {"pad", Ints{0, 1, 0, 1}}};
  Tensor dy = F64({1, 2, 2, 1}, {4, 8, 2, 5});
  CHECK(apply(Op::AvgPool2DGrad, {dy}, a) == F64({1, 3, 3, 1}, {1, 1, 4, 1, 1, 4, 1, 1, 5}));
  TensorType bad{DType::F64, Shape{1, 3, 3, 1}};
  CHECK(buildError(Op::AvgPool2DGrad, {bad}, a) ==
        "avg_pool2d_grad: the gradient f64[1, 3, 3, 1] does not match the forward result f64[1, 2, 2, 1]");
}

TEST_CASE("matmul may contract over the batch dimension", "[shape][interp]") {
  Graph g;
  NodeId xt = g.input("xt", {DType::F32, Shape{2, kBatch}});
  NodeId dy = g.input("dy", {DType::F32, Shape{kBatch, 1}});
  NodeId dw = g.create(Op::MatMul, {xt, dy});
  CHECK(g.type(dw) == TensorType{DType::F32, Shape{2, 1}});
  Bindings b;
  b.inputs["xt"] = F32({2, 3}, {1, 2, 3, 4, 5, 6});
  b.inputs["dy"] = F32({3, 1}, {1, 1, 2});
  CHECK(interpret(g, b)[static_cast<size_t>(dw)] == F32({2, 1}, {9, 21}));
  NodeId x = g.input("x", {DType::F32, Shape{kBatch, 2}});
  CHECK_THROWS_MATCHES(g.create(Op::MatMul, {x, dy}), IRError,
                       Catch::Message("matmul: inner dimensions differ: f32[B, 2] @ f32[B, 1] (2 vs B)"));
}
