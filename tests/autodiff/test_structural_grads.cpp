// Gradient checks of reductions, layout ops, matmul, gather, conv2d, the
// pools and the backward ops themselves, against float64 central differences.
#include "GradTestUtil.h"

using namespace nnc::autodiff::test;

namespace {

ir::Attrs reduceAttrs(Ints axes, int64_t keep) { return {{"axes", std::move(axes)}, {"keep", keep}}; }

} // namespace

TEST_CASE("grad: reductions over several axes, with and without keep", "[grad]") {
  for (Op op : {Op::ReduceSum, Op::ReduceMean, Op::ReduceMax, Op::ReduceMin}) {
    for (int64_t keep : {0, 1}) {
      INFO("op " << opName(op) << " keep " << keep);
      GradCase c;
      NodeId p = c.param("p", {2, 3, 4});
      c.check(c.op(op, {p}, reduceAttrs({0, 2}, keep)));
    }
  }
}

TEST_CASE("grad: reductions over every axis and over the batch axis", "[grad]") {
  for (Op op : {Op::ReduceSum, Op::ReduceMean, Op::ReduceMax, Op::ReduceMin}) {
    INFO("op " << opName(op));
    GradCase all;
    all.check(all.op(op, {all.param("p", {3, 2})}, reduceAttrs({0, 1}, 0)));
    GradCase batch;
    batch.batch = 3;
    batch.check(batch.op(op, {batch.param("p", {kBatch, 4})}, reduceAttrs({0}, 0)));
  }
}

TEST_CASE("grad: reduce_max shares the gradient among ties", "[grad]") {
  GradCase c;
  NodeId p = c.param("p", {4});
  c.b.params["p"].data = {1, 3, 3, 2};
  NodeId m = c.op(Op::ReduceMax, {p}, reduceAttrs({0}, 0));
  c.g.addOutput("loss", m);
  NodeId grad = differentiate(c.g, m, {p})[0];
  CHECK(interpret(c.g, c.b)[static_cast<size_t>(grad)] == Tensor(DType::F64, Shape{4}, {0, 0.5, 0.5, 0}));
}

TEST_CASE("grad: reshape and transpose", "[grad]") {
  GradCase c;
  NodeId p = c.param("p", {2, 3, 4});
  NodeId t = c.op(Op::Transpose, {p}, {{"perm", Ints{2, 0, 1}}});
  c.check(c.op(Op::Reshape, {t}, {{"shape", Ints{4, 6}}}));
}

TEST_CASE("grad: slice with strides, and along a batched tensor", "[grad]") {
  GradCase c;
  NodeId p = c.param("p", {5, 7});
  c.check(c.op(Op::Slice, {p}, {{"begin", Ints{1, 0}}, {"end", Ints{5, 7}}, {"stride", Ints{2, 3}}}));

  GradCase d;
  NodeId q = d.param("q", {kBatch, 6});
  d.check(d.op(Op::Slice, {q}, {{"begin", Ints{0, 1}}, {"end", Ints{kBatch, 5}}, {"stride", Ints{1, 3}}}));
}

TEST_CASE("grad: pad and concat", "[grad]") {
  GradCase c;
  NodeId p = c.param("p", {kBatch, 2, 3});
  c.check(c.op(Op::Pad, {p}, {{"lo", Ints{0, 1, 0}}, {"hi", Ints{0, 2, 1}}, {"value", 0.5}}));

  GradCase d;
  NodeId a = d.param("a", {2, 1}), b = d.param("b", {2, 3}), e = d.param("e", {2, 2});
  d.check(d.op(Op::Concat, {a, b, e}, {{"axis", int64_t(1)}}));
}

TEST_CASE("grad: matmul, batched matmul and a dense layer over the batch", "[grad]") {
  GradCase c;
  c.check(c.op(Op::MatMul, {c.param("x", {2, 3}), c.param("w", {3, 4})}));

  GradCase batched;
  batched.check(batched.op(Op::MatMul, {batched.param("x", {2, 2, 3}), batched.param("w", {2, 3, 4})}));

  // The weight gradient contracts over the batch dimension: x^T[3, B] @ dy[B, 4].
  GradCase dense;
  dense.batch = 3;
  NodeId x = dense.param("x", {kBatch, 3}), w = dense.param("w", {3, 4});
  dense.check(dense.op(Op::Tanh, {dense.op(Op::MatMul, {x, w})}));
}

TEST_CASE("grad: gather with repeated indices", "[grad]") {
  GradCase c;
  NodeId table = c.param("table", {4, 3});
  NodeId idx = c.input("idx", {DType::I32, Shape{kBatch, 3}}, {1, 3, 1, 0, 1, 1});
  c.check(c.op(Op::Gather, {table, idx}));
}

TEST_CASE("grad: conv2d with stride 2 and padding", "[grad]") {
  GradCase c;
  NodeId x = c.param("x", {kBatch, 5, 5, 2}), w = c.param("w", {3, 3, 2, 3});
  c.check(c.op(Op::Conv2D, {x, w}, {{"stride", Ints{2, 2}}, {"pad", Ints{1, 1, 0, 1}}}));
}

TEST_CASE("grad: max and average pools with padding", "[grad]") {
  for (Op op : {Op::MaxPool2D, Op::AvgPool2D}) {
    INFO("op " << opName(op));
    GradCase c;
    NodeId x = c.param("x", {kBatch, 5, 4, 2});
    c.check(c.op(op, {x}, {{"window", Ints{3, 2}}, {"stride", Ints{2, 2}}, {"pad", Ints{1, 1, 0, 1}}}));
  }
}

TEST_CASE("grad: the backward ops have gradients too", "[grad]") {
  GradCase s;
  NodeId idx = s.input("idx", {DType::I32, Shape{5}}, {2, 0, 2, 1, 2});
  s.check(s.op(Op::ScatterAdd, {s.param("u", {5, 2}), idx}, {{"shape", Ints{3, 2}}}));

  ir::Attrs conv{{"stride", Ints{2, 1}}, {"pad", Ints{1, 0, 1, 1}}};
  GradCase gi;
  ir::Attrs in = conv;
  in.set("shape", Ints{2, 5, 4, 2});
  gi.check(gi.op(Op::Conv2DGradInput, {gi.param("dy", {2, 2, 4, 3}), gi.param("w", {3, 3, 2, 3})}, in));

  GradCase gf;
  ir::Attrs filter = conv;
  filter.set("shape", Ints{3, 3, 2, 3});
  gf.check(gf.op(Op::Conv2DGradFilter, {gf.param("x", {2, 5, 4, 2}), gf.param("dy", {2, 2, 4, 3})}, filter));

  GradCase ap;
  ap.check(
      ap.op(Op::AvgPool2DGrad, {ap.param("dy", {1, 3, 2, 2})},
            {{"shape", Ints{1, 5, 4, 2}}, {"window", Ints{3, 2}}, {"stride", Ints{2, 2}}, {"pad", Ints{1, 1, 0, 1}}}));
}

TEST_CASE("grad: a small network end to end", "[grad]") {
  // dense -> relu (maximum) -> dense -> softmax cross-entropy, written with primitives.
  GradCase c;
  c.batch = 3;
  NodeId x = c.input("x", {DType::F64, Shape{kBatch, 4}}, c.values(Shape{kBatch, 4}, -1, 1));
  NodeId w1 = c.param("W1", {4, 5}), b1 = c.param("b1", {5}), w2 = c.param("W2", {5, 3});
  NodeId h = c.op(Op::Add, {c.op(Op::MatMul, {x, w1}), c.op(Op::Broadcast, {b1}, {{"shape", Ints{kBatch, 5}}})});
  NodeId zero = c.op(Op::Broadcast, {c.g.scalar(0.0, DType::F64)}, {{"shape", Ints{kBatch, 5}}});
  NodeId logits = c.op(Op::MatMul, {c.op(Op::Maximum, {h, zero}), w2});
  NodeId m = c.op(Op::Broadcast, {c.op(Op::ReduceMax, {logits}, reduceAttrs({1}, 1))}, {{"shape", Ints{kBatch, 3}}});
  NodeId e = c.op(Op::Exp, {c.op(Op::Sub, {logits, m})});
  NodeId sum = c.op(Op::Broadcast, {c.op(Op::ReduceSum, {e}, reduceAttrs({1}, 1))}, {{"shape", Ints{kBatch, 3}}});
  NodeId logp = c.op(Op::Log, {c.op(Op::Div, {e, sum})});
  NodeId label = c.input("label", {DType::I32, Shape{kBatch}}, {0, 2, 1});
  NodeId onehot = c.op(Op::OneHot, {label}, {{"depth", int64_t(3)}, {"dtype", std::string("f64")}});
  NodeId nll = c.op(Op::Neg, {c.op(Op::ReduceSum, {c.op(Op::Mul, {onehot, logp})}, reduceAttrs({1}, 0))});
  NodeId loss = c.op(Op::ReduceMean, {nll}, reduceAttrs({0}, 0));
  c.g.addOutput("loss", loss);
  for (const GradCheckResult &r : gradcheck(c.g, "loss", c.b)) {
    INFO("param " << r.name << ": " << r.maxRelError);
    CHECK(r.maxRelError < 1e-6);
  }
}
