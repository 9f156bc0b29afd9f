// The reference interpreter, op by op, against hand-computed values:
// elementwise ops, precision, broadcast, reductions and layout ops. Kernels,
// random ops and errors have files of their own (test_interp_*.cpp).
#include "ir/Interpreter.h"

#include "InterpTestUtil.h"

#include <cmath>
#include <numbers>

using namespace nnc::ir;
using namespace nnc::ir::test;

static const double kNaN = NAN;

TEST_CASE("Tensor: construction, access and printing", "[interp]") {
  Tensor t = F32({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(t.numel() == 6);
  CHECK(t.at({1, 2}) == 6);
  CHECK(t.at({0, 1}) == 2);
  CHECK_THROWS_AS(t.at({2, 0}), std::out_of_range);
  CHECK_THROWS_AS(t.at({0}), std::out_of_range);
  CHECK(t.str() == "f32[2, 3] {1, 2, 3, 4, 5, 6}");
  CHECK(Tensor::scalar(0.5).str() == "f32[] {0.5}");
  CHECK(Tensor::filled({DType::I32, Shape{2}}, 7) == I32({2}, {7, 7}));
  CHECK_THROWS_WITH(F32({2, 2}, {1, 2, 3}), "tensor f32[2, 2] needs 4 values, got 3");
  CHECK_THROWS_WITH(F32({kBatch, 2}, {1, 2}), "tensor type f32[B, 2] is not a concrete shape");
}

TEST_CASE("Unary elementwise ops", "[interp]") {
  CHECK(apply(Op::Neg, {F64({3}, {1, -2, 0})}) == F64({3}, {-1, 2, 0}));
  CHECK(apply(Op::Abs, {F64({3}, {-1.5, 2, 0})}) == F64({3}, {1.5, 2, 0}));
  checkNear(apply(Op::Sign, {F64({4}, {-3, 0, 2.5, kNaN})}), F64({4}, {-1, 0, 1, kNaN}), 0);
  CHECK(apply(Op::Sign, {I32({3}, {-7, 0, 9})}) == I32({3}, {-1, 0, 1}));
  checkNear(apply(Op::Exp, {F64({2}, {0, 1})}), F64({2}, {1, 2.718281828459045}));
  checkNear(apply(Op::Log, {F64({3}, {1, 2.718281828459045, 0})}), F64({3}, {0, 1, -INFINITY}));
  checkNear(apply(Op::Log, {F64({1}, {-1})}), F64({1}, {kNaN}));
  checkNear(apply(Op::Sqrt, {F64({2}, {4, 2})}), F64({2}, {2, 1.4142135623730951}), 0);
  checkNear(apply(Op::Tanh, {F64({3}, {0, 1, -1})}), F64({3}, {0, 0.7615941559557649, -0.7615941559557649}));
  checkNear(apply(Op::Sin, {F64({2}, {0, std::numbers::pi / 2})}), F64({2}, {0, 1}));
  checkNear(apply(Op::Cos, {F64({2}, {0, std::numbers::pi})}), F64({2}, {1, -1}));
  CHECK(apply(Op::Floor, {F64({4}, {1.5, -1.5, 2, -0.25})}) == F64({4}, {1, -2, 2, -1}));
  CHECK(apply(Op::StopGradient, {F64({2}, {1.5, -3})}) == F64({2}, {1.5, -3}));
  CHECK(apply(Op::Not, {Bool({2}, {1, 0})}) == Bool({2}, {0, 1}));
}

TEST_CASE("Integer unary ops wrap like 32-bit arithmetic", "[interp]") {
  CHECK(apply(Op::Neg, {I32({2}, {-2147483648.0, 5})}) == I32({2}, {-2147483648.0, -5}));
  CHECK(apply(Op::Abs, {I32({2}, {-2147483648.0, -5})}) == I32({2}, {-2147483648.0, 5}));
}

TEST_CASE("Cast", "[interp]") {
  Tensor x = F32({6}, {1.7, -1.7, 0, 3e9, -3e9, kNaN});
  CHECK(apply(Op::Cast, {x}, {{"dtype", std::string("i32")}}) == I32({6}, {1, -1, 0, 2147483647.0, -2147483648.0, 0}));
  CHECK(apply(Op::Cast, {x}, {{"dtype", std::string("bool")}}) == Bool({6}, {1, 1, 0, 1, 1, 1}));
  CHECK(apply(Op::Cast, {I32({2}, {3, -4})}, {{"dtype", std::string("f32")}}) == F32({2}, {3, -4}));
  CHECK(apply(Op::Cast, {Bool({2}, {1, 0})}, {{"dtype", std::string("i32")}}) == I32({2}, {1, 0}));
  // f64 -> f32 rounds only in F32 mode.
  Tensor tenth = F64({1}, {0.1});
  Attrs toF32{{"dtype", std::string("f32")}};
  CHECK(apply(Op::Cast, {tenth}, toF32, Precision::F64).data[0] == 0.1);
  CHECK(apply(Op::Cast, {tenth}, toF32, Precision::F32).data[0] == static_cast<double>(0.1f));
}

TEST_CASE("Binary arithmetic", "[interp]") {
  Tensor a = F64({3}, {1, 2, 3}), b = F64({3}, {4, 5, 6});
  CHECK(apply(Op::Add, {a, b}) == F64({3}, {5, 7, 9}));
  CHECK(apply(Op::Sub, {a, b}) == F64({3}, {-3, -3, -3}));
  CHECK(apply(Op::Mul, {a, b}) == F64({3}, {4, 10, 18}));
  CHECK(apply(Op::Div, {a, b}) == F64({3}, {0.25, 0.4, 0.5}));
  CHECK(apply(Op::Div, {F64({2}, {1, -1}), F64({2}, {0, 0})}) == F64({2}, {INFINITY, -INFINITY}));
  CHECK(apply(Op::Pow, {F64({3}, {2, 9, 4}), F64({3}, {3, 0.5, -1})}) == F64({3}, {8, 3, 0.25}));
  CHECK(apply(Op::Maximum, {F64({3}, {1, 5, -2}), F64({3}, {3, 2, -2})}) == F64({3}, {3, 5, -2}));
  CHECK(apply(Op::Minimum, {F64({3}, {1, 5, -2}), F64({3}, {3, 2, -2})}) == F64({3}, {1, 2, -2}));
  // maximum and minimum propagate NaN.
  checkNear(apply(Op::Maximum, {F64({2}, {kNaN, 1}), F64({2}, {1, kNaN})}), F64({2}, {kNaN, kNaN}), 0);
  checkNear(apply(Op::Minimum, {F64({2}, {kNaN, 1}), F64({2}, {1, kNaN})}), F64({2}, {kNaN, kNaN}), 0);
}

TEST_CASE("Integer arithmetic truncates and wraps", "[interp]") {
  CHECK(apply(Op::Div, {I32({4}, {7, -7, 7, -7}), I32({4}, {2, 2, -2, -2})}) == I32({4}, {3, -3, -3, 3}));
  CHECK(apply(Op::Div, {I32({1}, {-2147483648.0}), I32({1}, {-1})}) == I32({1}, {-2147483648.0}));
  CHECK(apply(Op::Mul, {I32({2}, {65536, 46341}), I32({2}, {65536, 46341})}) == I32({2}, {0, -2147479015.0}));
  CHECK(apply(Op::Add, {I32({2}, {2147483647.0, -2147483648.0}), I32({2}, {1, -1})}) ==
        I32({2}, {-2147483648.0, 2147483647.0}));
  CHECK(apply(Op::Sub, {I32({1}, {-2147483648.0}), I32({1}, {1})}) == I32({1}, {2147483647.0}));
  CHECK(apply(Op::Maximum, {I32({2}, {-3, 4}), I32({2}, {2, 1})}) == I32({2}, {2, 4}));
}

TEST_CASE("Comparisons and logic", "[interp]") {
  Tensor a = F32({3}, {1, 2, 3}), b = F32({3}, {2, 2, 2});
  CHECK(apply(Op::Eq, {a, b}) == Bool({3}, {0, 1, 0}));
  CHECK(apply(Op::Ne, {a, b}) == Bool({3}, {1, 0, 1}));
  CHECK(apply(Op::Lt, {a, b}) == Bool({3}, {1, 0, 0}));
  CHECK(apply(Op::Le, {a, b}) == Bool({3}, {1, 1, 0}));
  CHECK(apply(Op::Gt, {a, b}) == Bool({3}, {0, 0, 1}));
  CHECK(apply(Op::Ge, {a, b}) == Bool({3}, {0, 1, 1}));
  CHECK(apply(Op::Lt, {I32({2}, {-1, 5}), I32({2}, {0, 5})}) == Bool({2}, {1, 0}));
  // NaN compares unequal to everything.
  CHECK(apply(Op::Eq, {F64({1}, {kNaN}), F64({1}, {kNaN})}) == Bool({1}, {0}));
  CHECK(apply(Op::Ne, {F64({1}, {kNaN}), F64({1}, {kNaN})}) == Bool({1}, {1}));
  Tensor p = Bool({4}, {0, 0, 1, 1}), q = Bool({4}, {0, 1, 0, 1});
  CHECK(apply(Op::And, {p, q}) == Bool({4}, {0, 0, 0, 1}));
  CHECK(apply(Op::Or, {p, q}) == Bool({4}, {0, 1, 1, 1}));
  CHECK(apply(Op::Eq, {p, q}) == Bool({4}, {1, 0, 0, 1}));
  CHECK(apply(Op::Select, {Bool({3}, {1, 0, 1}), F32({3}, {1, 2, 3}), F32({3}, {10, 20, 30})}) == F32({3}, {1, 20, 3}));
}

TEST_CASE("F32 mode rounds every f32 result; F64 mode rounds nothing", "[interp]") {
  Graph g;
  NodeId one = g.scalar(1.0), tiny = g.scalar(1e-10);
  NodeId sum = g.create(Op::Add, {one, tiny});
  NodeId a = g.scalar(0.1), b = g.scalar(0.2);
  NodeId ab = g.create(Op::Add, {a, b});
  NodeId d1 = g.scalar(1.0, DType::F64), d2 = g.scalar(1e-10, DType::F64);
  NodeId dsum = g.create(Op::Add, {d1, d2});
  NodeId third = g.create(Op::Div, {one, g.scalar(3.0)});

  auto f32 = interpret(g, {}, Precision::F32);
  CHECK(f32[sum].data[0] == 1.0);
  CHECK(f32[tiny].data[0] == static_cast<double>(1e-10f));
  CHECK(f32[ab].data[0] == static_cast<double>(0.1f + 0.2f)); // exactly float addition
  CHECK(f32[third].data[0] == static_cast<double>(1.0f / 3.0f));
  CHECK(f32[dsum].data[0] == 1.0 + 1e-10); // f64 values never round

  auto f64 = interpret(g, {}, Precision::F64);
  CHECK(f64[sum].data[0] != 1.0);
  CHECK(f64[sum].data[0] == 1.0 + 1e-10);
  CHECK(f64[ab].data[0] == 0.1 + 0.2);

  // Rounding overflows to infinity as float arithmetic would.
  NodeId big = g.scalar(3e38);
  NodeId twice = g.create(Op::Add, {big, big});
  CHECK(interpret(g, {}, Precision::F32)[twice].data[0] == INFINITY);
  CHECK(interpret(g, {}, Precision::F64)[twice].data[0] == 6e38);
}

TEST_CASE("Constants splat or hold every value", "[interp]") {
  Graph g;
  NodeId s = g.constant({2.5}, {DType::F32, Shape{2, 2}});
  NodeId full = g.constant({1, 2, 3}, {DType::I32, Shape{3}});
  NodeId flag = g.constant({0, 2}, {DType::Bool, Shape{2}});
  auto v = interpret(g, {});
  CHECK(v[s] == F32({2, 2}, {2.5, 2.5, 2.5, 2.5}));
  CHECK(v[full] == I32({3}, {1, 2, 3}));
  CHECK(v[flag] == Bool({2}, {0, 1}));
}

TEST_CASE("Broadcast aligns right, expands size-1 dims and binds B", "[interp]") {
  Graph g;
  NodeId x = g.input("x", {DType::F32, Shape{kBatch, 1}});
  NodeId wide = g.create(Op::Broadcast, {x}, {{"shape", std::vector<int64_t>{kBatch, 3}}});
  NodeId row = g.constant({1, 2, 3}, {DType::F32, Shape{3}});
  NodeId rows = g.create(Op::Broadcast, {row}, {{"shape", std::vector<int64_t>{kBatch, 2, 3}}});
  NodeId col = g.constant({1, 2}, {DType::F32, Shape{2, 1}});
  NodeId cols = g.create(Op::Broadcast, {col}, {{"shape", std::vector<int64_t>{2, 3}}});
  Bindings b;
  b.inputs["x"] = F32({2, 1}, {1, 2});
  auto v = interpret(g, b);
  CHECK(v[wide] == F32({2, 3}, {1, 1, 1, 2, 2, 2}));
  CHECK(v[rows] == F32({2, 2, 3}, {1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}));
  CHECK(v[cols] == F32({2, 3}, {1, 1, 1, 2, 2, 2}));
  CHECK(apply(Op::Broadcast, {F32({}, {7})}, {{"shape", std::vector<int64_t>{2}}}) == F32({2}, {7, 7}));
}

// x[i, j, k] = 6i + 2j + k over [2, 3, 2].
static Tensor iota232(DType dt = DType::F64) {
  std::vector<double> v;
  for (int i = 0; i < 12; ++i)
    v.push_back(i);
  return T(dt, {2, 3, 2}, v);
}

static Attrs axesAttr(std::vector<int64_t> axes, bool keep) {
  return {{"axes", std::move(axes)}, {"keep", int64_t(keep)}};
}

TEST_CASE("Reductions over several axes, with and without keep", "[interp]") {
  Tensor x = iota232();
  CHECK(apply(Op::ReduceSum, {x}, axesAttr({0, 2}, false)) == F64({3}, {14, 22, 30}));
  CHECK(apply(Op::ReduceSum, {x}, axesAttr({0, 2}, true)) == F64({1, 3, 1}, {14, 22, 30}));
  CHECK(apply(Op::ReduceSum, {x}, axesAttr({}, false)) == x);
  CHECK(apply(Op::ReduceMax, {x}, axesAttr({1}, false)) == F64({2, 2}, {4, 5, 10, 11}));
  CHECK(apply(Op::ReduceMax, {x}, axesAttr({0, 1}, true)) == F64({1, 1, 2}, {10, 11}));
  CHECK(apply(Op::ReduceMin, {x}, axesAttr({0, 1, 2}, false)) == F64({}, {0}));
  CHECK(apply(Op::ReduceMin, {x}, axesAttr({2, 0}, false)) == F64({3}, {0, 2, 4}));
  CHECK(apply(Op::ReduceMean, {x}, axesAttr({2}, true)) == F64({2, 3, 1}, {0.5, 2.5, 4.5, 6.5, 8.5, 10.5}));
  CHECK(apply(Op::ReduceMean, {x}, axesAttr({0, 1, 2}, false)) == F64({}, {5.5}));
  CHECK(apply(Op::ReduceSum, {iota232(DType::I32)}, axesAttr({1, 2}, false)) == I32({2}, {15, 51}));
  checkNear(apply(Op::ReduceMax, {F64({3}, {1, kNaN, 2})}, axesAttr({0}, false)), F64({}, {kNaN}), 0);
}

TEST_CASE("Reductions over the batch axis", "[interp]") {
  Graph g;
  NodeId x = g.input("x", {DType::F32, Shape{kBatch, 2}});
  NodeId mean = g.create(Op::ReduceMean, {x}, axesAttr({0}, false));
  NodeId sum = g.create(Op::ReduceSum, {x}, axesAttr({1}, true));
  Bindings b;
  b.inputs["x"] = F32({3, 2}, {1, 2, 3, 4, 5, 9});
  auto v = interpret(g, b);
  CHECK(v[mean] == F32({2}, {3, 5}));
  CHECK(v[sum] == F32({3, 1}, {3, 7, 14}));
}

TEST_CASE("ArgMax picks the first maximum", "[interp]") {
  Tensor x = F32({2, 4}, {1, 3, 3, 0, 5, 5, 5, 5});
  CHECK(apply(Op::ArgMax, {x}, {{"axis", int64_t(1)}, {"keep", int64_t(0)}}) == I32({2}, {1, 0}));
  CHECK(apply(Op::ArgMax, {x}, {{"axis", int64_t(1)}, {"keep", int64_t(1)}}) == I32({2, 1}, {1, 0}));
  Tensor y = F32({2, 3}, {1, 5, 2, 4, 5, 1});
  CHECK(apply(Op::ArgMax, {y}, {{"axis", int64_t(0)}, {"keep", int64_t(0)}}) == I32({3}, {1, 0, 0}));
  CHECK(apply(Op::ArgMax, {y}, {{"axis", int64_t(0)}, {"keep", int64_t(1)}}) == I32({1, 3}, {1, 0, 0}));
  CHECK(apply(Op::ArgMax, {I32({4}, {-1, 7, 2, 7})}, {{"axis", int64_t(0)}}) == I32({}, {1}));
  CHECK(apply(Op::ArgMax, {F32({3}, {1, kNaN, 2})}, {{"axis", int64_t(0)}}) == I32({}, {1}));
}

TEST_CASE("Reshape and transpose", "[interp]") {
  Tensor x = F32({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK(apply(Op::Reshape, {x}, {{"shape", std::vector<int64_t>{3, 2}}}) == F32({3, 2}, {1, 2, 3, 4, 5, 6}));
  CHECK(apply(Op::Reshape, {x}, {{"shape", std::vector<int64_t>{6}}}) == F32({6}, {1, 2, 3, 4, 5, 6}));
  CHECK(apply(Op::Transpose, {x}, {{"perm", std::vector<int64_t>{1, 0}}}) == F32({3, 2}, {1, 4, 2, 5, 3, 6}));
  // out[a, b, 0] = in[b, 0, a] for perm [2, 0, 1].
  Tensor y = F32({2, 1, 3}, {0, 1, 2, 3, 4, 5});
  CHECK(apply(Op::Transpose, {y}, {{"perm", std::vector<int64_t>{2, 0, 1}}}) == F32({3, 2, 1}, {0, 3, 1, 4, 2, 5}));
}

static Attrs sliceAttr(std::vector<int64_t> begin, std::vector<int64_t> end, std::vector<int64_t> stride) {
  return {{"begin", std::move(begin)}, {"end", std::move(end)}, {"stride", std::move(stride)}};
}

TEST_CASE("Slices with strides", "[interp]") {
  Tensor x = F32({2, 5}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(apply(Op::Slice, {x}, sliceAttr({0, 1}, {2, 5}, {1, 2})) == F32({2, 2}, {1, 3, 6, 8}));
  CHECK(apply(Op::Slice, {x}, sliceAttr({1, 0}, {2, 5}, {1, 3})) == F32({1, 2}, {5, 8}));
  CHECK(apply(Op::Slice, {x}, sliceAttr({0, 2}, {2, 5}, {2, 1})) == F32({1, 3}, {2, 3, 4}));

  Graph g;
  NodeId in = g.input("x", {DType::F32, Shape{kBatch, 4}});
  NodeId s = g.create(Op::Slice, {in}, sliceAttr({0, 1}, {kBatch, 4}, {1, 2}));
  Bindings b;
  b.inputs["x"] = F32({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(interpret(g, b)[s] == F32({2, 2}, {2, 4, 6, 8}));
}

TEST_CASE("Pad and concat", "[interp]") {
  Tensor x = F32({2, 2}, {1, 2, 3, 4});
  Attrs padAttrs{{"lo", std::vector<int64_t>{1, 0}}, {"hi", std::vector<int64_t>{0, 1}}, {"value", 9.0}};
  CHECK(apply(Op::Pad, {x}, padAttrs) == F32({3, 3}, {9, 9, 9, 1, 2, 9, 3, 4, 9}));
  Attrs zeroPad{{"lo", std::vector<int64_t>{0, 1}}, {"hi", std::vector<int64_t>{0, 0}}};
  CHECK(apply(Op::Pad, {x}, zeroPad) == F32({2, 3}, {0, 1, 2, 0, 3, 4}));

  Tensor a = F32({2, 1}, {1, 2}), b = F32({2, 2}, {3, 4, 5, 6});
  CHECK(apply(Op::Concat, {a, b}, {{"axis", int64_t(1)}}) == F32({2, 3}, {1, 3, 4, 2, 5, 6}));
  Tensor c = F32({1, 2}, {7, 8});
  CHECK(apply(Op::Concat, {b, c, c}, {{"axis", int64_t(0)}}) == F32({4, 2}, {3, 4, 5, 6, 7, 8, 7, 8}));
  CHECK(apply(Op::Concat, {c}, {{"axis", int64_t(1)}}) == c);
}
