// The interpreter's opaque kernels (matmul, gather, one_hot, conv2d, pools)
// against hand-computed values.
#include "ir/Interpreter.h"

#include "InterpTestUtil.h"

#include <chrono>

using namespace nnc::ir;
using namespace nnc::ir::test;

TEST_CASE("MatMul, rank 2 and batched rank 3", "[interp]") {
  Tensor a = F32({2, 3}, {1, 2, 3, 4, 5, 6}), b = F32({3, 2}, {7, 8, 9, 10, 11, 12});
  CHECK(apply(Op::MatMul, {a, b}) == F32({2, 2}, {58, 64, 139, 154}));

  // Batch 0: [[1,2],[3,4]] @ I; batch 1: ones @ [[2,3],[4,5]].
  Tensor x = F64({2, 2, 2}, {1, 2, 3, 4, 1, 1, 1, 1});
  Tensor w = F64({2, 2, 2}, {1, 0, 0, 1, 2, 3, 4, 5});
  CHECK(apply(Op::MatMul, {x, w}) == F64({2, 2, 2}, {1, 2, 3, 4, 6, 8, 6, 8}));
}

TEST_CASE("MatMul with the batch dimension", "[interp]") {
  Graph g;
  NodeId x = g.input("x", {DType::F32, Shape{kBatch, 2}});
  NodeId w = g.param("w", {DType::F32, Shape{2, 1}});
  NodeId y = g.create(Op::MatMul, {x, w});
  // A batched matmul whose leading dimension is B.
  NodeId xs = g.input("xs", {DType::F32, Shape{kBatch, 1, 2}});
  NodeId ws = g.input("ws", {DType::F32, Shape{kBatch, 2, 1}});
  NodeId dots = g.create(Op::MatMul, {xs, ws});
  Bindings b;
  b.inputs["x"] = F32({3, 2}, {1, 2, 3, 4, 5, 6});
  b.params["w"] = F32({2, 1}, {1, 10});
  b.inputs["xs"] = F32({3, 1, 2}, {1, 2, 3, 4, 5, 6});
  b.inputs["ws"] = F32({3, 2, 1}, {1, 1, 2, 2, 3, 3});
  auto v = interpret(g, b);
  CHECK(v[y] == F32({3, 1}, {21, 43, 65}));
  CHECK(v[dots] == F32({3, 1, 1}, {3, 14, 33}));
}

TEST_CASE("MatMul of 128x784 by 784x128 is fast", "[interp]") {
  std::vector<double> xv(128 * 784), wv(784 * 128);
  for (size_t i = 0; i < xv.size(); ++i)
    xv[i] = static_cast<double>(i % 7) - 3;
  for (size_t i = 0; i < wv.size(); ++i)
    wv[i] = static_cast<double>(i % 5) * 0.5;
  auto start = std::chrono::steady_clock::now();
  Tensor r = apply(Op::MatMul, {F32({128, 784}, xv), F32({784, 128}, wv)}, {}, Precision::F32);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // r[0, 0] by a plain loop; the values are small multiples of 0.5, exact in float.
  double want = 0;
  for (int k = 0; k < 784; ++k)
    want += xv[static_cast<size_t>(k)] * wv[static_cast<size_t>(k) * 128];
  CHECK(r.at({0, 0}) == want);
  INFO("128x784x128 matmul took " << seconds << " s");
  CHECK(seconds < 5.0); // generous: sanitizer builds are slow, Debug takes ~0.1 s
}

TEST_CASE("Gather rows along axis 0", "[interp]") {
  Tensor table = F32({3, 2}, {1, 2, 3, 4, 5, 6});
  CHECK(apply(Op::Gather, {table, I32({2, 2}, {2, 0, 1, 2})}) == F32({2, 2, 2}, {5, 6, 1, 2, 3, 4, 5, 6}));
  CHECK(apply(Op::Gather, {table, I32({}, {1})}) == F32({2}, {3, 4}));
  CHECK(apply(Op::Gather, {I32({4}, {10, 20, 30, 40}), I32({3}, {3, 3, 0})}) == I32({3}, {40, 40, 10}));
}

TEST_CASE("OneHot", "[interp]") {
  CHECK(apply(Op::OneHot, {I32({3}, {0, 2, 1})}, {{"depth", int64_t(3)}}) == F32({3, 3}, {1, 0, 0, 0, 0, 1, 0, 1, 0}));
  CHECK(apply(Op::OneHot, {I32({}, {1})}, {{"depth", int64_t(4)}, {"dtype", std::string("i32")}}) ==
        I32({4}, {0, 1, 0, 0}));
}

TEST_CASE("Conv2D with stride 2 and 'same' padding", "[interp]") {
  // x = 1..16 as 4x4; an asymmetric filter, so a flipped (true) convolution
  // would give other values. Same padding for 4 -> 2 at stride 2 is
  // [top 0, bottom 1, left 0, right 1], as in TensorFlow.
  std::vector<double> xv;
  for (int i = 1; i <= 16; ++i)
    xv.push_back(i);
  Tensor x = F32({1, 4, 4, 1}, xv);
  Tensor w = F32({3, 3, 1, 1}, {1, 2, 0, 0, 1, 0, 0, 0, -1});
  Attrs attrs{{"stride", std::vector<int64_t>{2, 2}}, {"pad", std::vector<int64_t>{0, 1, 0, 1}}};
  // (0,0): 1*1 + 2*2 + 1*6 - 11 = 0    (0,1): 1*3 + 2*4 + 1*8 - pad = 19
  // (1,0): 1*9 + 2*10 + 1*14 - pad = 43 (1,1): 1*11 + 2*12 + 1*16 - pad = 51
  CHECK(apply(Op::Conv2D, {x, w}, attrs) == F32({1, 2, 2, 1}, {0, 19, 43, 51}));
}

TEST_CASE("Conv2D with several channels and filters", "[interp]") {
  // x: 3x3x2 = 1..18; w[i] = (7i mod 5) - 2 over [3, 3, 2, 2]; pad 1 on every side.
  std::vector<double> xv, wv;
  for (int i = 1; i <= 18; ++i)
    xv.push_back(i);
  for (int i = 0; i < 36; ++i)
    wv.push_back((i * 7) % 5 - 2);
  Attrs attrs{{"stride", std::vector<int64_t>{1, 1}}, {"pad", std::vector<int64_t>{1, 1, 1, 1}}};
  Tensor r = apply(Op::Conv2D, {F64({1, 3, 3, 2}, xv), F64({3, 3, 2, 2}, wv)}, attrs);
  CHECK(r == F64({1, 3, 3, 2}, {5, -22, 14, -25, -22, 18, -11, -17, 20, -38, -15, 22, -34, 35, 2, -8, 41, -3}));
}

TEST_CASE("Conv2D over a batch of two images", "[interp]") {
  Graph g;
  NodeId x = g.input("x", {DType::F32, Shape{kBatch, 2, 2, 1}});
  NodeId w = g.constant({1, 1, 1, 1}, {DType::F32, Shape{2, 2, 1, 1}});
  NodeId y =
      g.create(Op::Conv2D, {x, w}, {{"stride", std::vector<int64_t>{1, 1}}, {"pad", std::vector<int64_t>{0, 0, 0, 0}}});
  Bindings b;
  b.inputs["x"] = F32({2, 2, 2, 1}, {1, 2, 3, 4, 10, 20, 30, 40});
  CHECK(interpret(g, b)[y] == F32({2, 1, 1, 1}, {10, 100}));
}

static Attrs poolAttrs() {
  return {{"window", std::vector<int64_t>{2, 2}},
          {"stride", std::vector<int64_t>{2, 2}},
          {"pad", std::vector<int64_t>{0, 1, 0, 1}}};
}

TEST_CASE("Pools ignore the padding", "[interp]") {
  // x = -1..-9 as 3x3: zero padding would win the max; it must not.
  Tensor neg = F32({1, 3, 3, 1}, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
  CHECK(apply(Op::MaxPool2D, {neg}, poolAttrs()) == F32({1, 2, 2, 1}, {-1, -3, -7, -9}));
  Tensor pos = F32({1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(apply(Op::MaxPool2D, {pos}, poolAttrs()) == F32({1, 2, 2, 1}, {5, 6, 8, 9}));
  // Averages divide by the in-bounds count: 12/4, 9/2, 15/2, 9/1.
  CHECK(apply(Op::AvgPool2D, {pos}, poolAttrs()) == F32({1, 2, 2, 1}, {3, 4.5, 7.5, 9}));
}

TEST_CASE("Pools keep channels apart", "[interp]") {
  Tensor x = F64({1, 2, 2, 2}, {1, 10, 2, 20, 3, 30, 4, 40});
  Attrs attrs{{"window", std::vector<int64_t>{2, 2}},
              {"stride", std::vector<int64_t>{1, 1}},
              {"pad", std::vector<int64_t>{0, 0, 0, 0}}};
  CHECK(apply(Op::MaxPool2D, {x}, attrs) == F64({1, 1, 1, 2}, {4, 40}));
  CHECK(apply(Op::AvgPool2D, {x}, attrs) == F64({1, 1, 1, 2}, {2.5, 25}));
}

TEST_CASE("Pool windows wholly in the padding", "[interp]") {
  // Window [2, 1] with 2 rows of top padding over one pixel: the first window
  // sees only padding (max -inf, average 0), the second sees the pixel.
  Tensor x = F32({1, 1, 1, 1}, {5});
  Attrs attrs{{"window", std::vector<int64_t>{2, 1}},
              {"stride", std::vector<int64_t>{1, 1}},
              {"pad", std::vector<int64_t>{2, 0, 0, 0}}};
  CHECK(apply(Op::MaxPool2D, {x}, attrs) == F32({1, 2, 1, 1}, {-INFINITY, 5}));
  CHECK(apply(Op::AvgPool2D, {x}, attrs) == F32({1, 2, 1, 1}, {0, 5}));
}

TEST_CASE("A huge window over a tiny input stays cheap", "[interp]") {
  const int64_t k = int64_t(1) << 30;
  Tensor x = F32({1, 1, 1, 1}, {5});
  Attrs attrs{{"window", std::vector<int64_t>{k, k}},
              {"stride", std::vector<int64_t>{k, k}},
              {"pad", std::vector<int64_t>{k, k, k, k}}};
  CHECK(apply(Op::AvgPool2D, {x}, attrs) == F32({1, 2, 2, 1}, {0, 0, 0, 5}));
  CHECK(apply(Op::MaxPool2D, {x}, attrs) == F32({1, 2, 2, 1}, {-INFINITY, -INFINITY, -INFINITY, 5}));
}
