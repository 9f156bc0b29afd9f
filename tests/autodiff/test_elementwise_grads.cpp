// Gradient checks of the elementwise ops, broadcasting and fan-out, against
// float64 central differences.
#include "GradTestUtil.h"

using namespace nnc::autodiff::test;

TEST_CASE("grad: unary elementwise ops", "[grad]") {
  struct Unary {
    Op op;
    double lo, hi;
  };
  // Ranges keep each op smooth: log and sqrt on positives, abs away from 0,
  // floor away from integers (its derivative is 0 there as everywhere else).
  const Unary ops[] = {{Op::Neg, -1, 1},      {Op::Abs, 0.2, 1}, {Op::Exp, -1, 1}, {Op::Log, 0.5, 2},
                       {Op::Sqrt, 0.5, 2},    {Op::Tanh, -1, 1}, {Op::Sin, -2, 2}, {Op::Cos, -2, 2},
                       {Op::Floor, 0.1, 0.9}, {Op::Sign, 0.2, 1}};
  for (const Unary &u : ops) {
    INFO("op " << opName(u.op));
    GradCase c;
    NodeId p = c.param("p", {2, 3}, u.lo, u.hi);
    if (u.op == Op::Abs) p = c.op(Op::Neg, {p}); // negative operands too
    c.check(c.op(u.op, {p}));
  }
}

TEST_CASE("grad: cast between float types", "[grad]") {
  GradCase c;
  NodeId p = c.param("p", {3}, -1, 1, DType::F32);
  NodeId wide = c.op(Op::Cast, {p}, {{"dtype", std::string("f64")}});
  c.check(c.op(Op::Mul, {wide, wide}), 1e-6);
}

TEST_CASE("grad: binary elementwise ops", "[grad]") {
  for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Pow, Op::Maximum, Op::Minimum}) {
    INFO("op " << opName(op));
    GradCase c;
    // Positive operands keep div and pow smooth; random values never tie.
    NodeId a = c.param("a", {2, 3}, 0.5, 2), b = c.param("b", {2, 3}, 0.5, 2);
    c.check(c.op(op, {a, b}));
  }
}

TEST_CASE("grad: pow with a zero base and a negative base", "[grad]") {
  GradCase c;
  // d/db of a^b at a = 0 is taken as 0, and a negative base with an integral
  // exponent is smooth in a; only a is checked there.
  NodeId a = c.input("a", {DType::F64, Shape{3}}, {0.0, -1.5, 2.0});
  NodeId e = c.param("e", {3});
  c.b.params["e"].data = {2.5, 3.0, 0.5};
  NodeId y = c.op(Op::Pow, {a, e});
  NodeId loss = c.finish(y);
  NodeId grad = differentiate(c.g, loss, {e})[0];
  Tensor v = interpret(c.g, c.b)[static_cast<size_t>(grad)];
  const Tensor &w = c.b.inputs["weights"];
  CHECK(v.data[0] == 0.0); // a = 0
  CHECK(v.data[1] == 0.0); // a < 0: guarded
  CHECK(v.data[2] == Approx(w.data[2] * std::sqrt(2.0) * std::log(2.0)));
}

TEST_CASE("grad: a^0 has gradient 0 in a, at a = 0 too", "[grad]") {
  // e a^(e-1) would be 0 * inf = NaN at a = 0, e = 0: a^0 is 1 whatever a is.
  GradCase c;
  NodeId a = c.param("a", {4});
  c.b.params["a"].data = {0.0, -2.0, 3.0, 0.0};
  NodeId e = c.input("e", {DType::F64, Shape{4}}, {0.0, 0.0, 0.0, 2.0});
  NodeId loss = c.finish(c.op(Op::Pow, {a, e}));
  NodeId grad = differentiate(c.g, loss, {a})[0];
  Tensor v = interpret(c.g, c.b)[static_cast<size_t>(grad)];
  CHECK(v.data == std::vector<double>{0.0, 0.0, 0.0, 0.0}); // the last: 2 * 0^1
}

TEST_CASE("grad: select and maximum route the gradient by the condition", "[grad]") {
  GradCase c;
  NodeId a = c.param("a", {2, 3}), b = c.param("b", {2, 3});
  NodeId cond = c.input("cond", {DType::Bool, Shape{2, 3}}, {1, 0, 0, 1, 1, 0});
  NodeId s = c.op(Op::Select, {cond, a, b});
  // relu written as select(x > 0, x, 0): the condition depends on `a` too.
  NodeId zero = c.g.constant({0.0}, {DType::F64, Shape{2, 3}});
  NodeId relu = c.op(Op::Select, {c.op(Op::Gt, {a, zero}), a, zero});
  c.check(c.op(Op::Add, {s, relu}));
}

TEST_CASE("grad: broadcast [3] to [2, 3] and [2, 1] to [2, 3]", "[grad]") {
  GradCase c;
  NodeId row = c.param("row", {3}), col = c.param("col", {2, 1}), s = c.param("s", {});
  NodeId x = c.param("x", {2, 3});
  auto to23 = [&](NodeId v) { return c.op(Op::Broadcast, {v}, {{"shape", Ints{2, 3}}}); };
  NodeId sum = c.op(Op::Add, {c.op(Op::Mul, {x, to23(row)}), to23(col)});
  c.check(c.op(Op::Mul, {sum, to23(s)}));
}

TEST_CASE("grad: broadcast along the batch dimension", "[grad]") {
  GradCase c;
  NodeId bias = c.param("bias", {3});
  NodeId x = c.input("x", {DType::F64, Shape{kBatch, 3}}, {0.5, -1, 2, 1.5, 0.25, -0.75});
  NodeId scale = c.param("scale", {kBatch, 1}); // a batch-shaped param, bound with B = 2
  NodeId biasB = c.op(Op::Broadcast, {bias}, {{"shape", Ints{kBatch, 3}}});
  NodeId scaleB = c.op(Op::Broadcast, {scale}, {{"shape", Ints{kBatch, 3}}});
  c.check(c.op(Op::Mul, {c.op(Op::Add, {x, biasB}), scaleB}));
}

TEST_CASE("grad: a param used three times sums its cotangents", "[grad]") {
  GradCase c;
  NodeId p = c.param("p", {4});
  NodeId y = c.op(Op::Add, {c.op(Op::Mul, {p, p}), c.op(Op::Exp, {p})});
  c.check(y);

  // Hand-checked: d/dp (p*p + exp p) = 2p + exp p.
  GradCase d;
  NodeId q = d.param("q", {});
  d.b.params["q"].data = {0.5};
  NodeId loss = d.op(Op::Add, {d.op(Op::Mul, {q, q}), d.op(Op::Exp, {q})});
  d.g.addOutput("loss", loss);
  NodeId grad = differentiate(d.g, loss, {q})[0];
  CHECK(interpret(d.g, d.b)[static_cast<size_t>(grad)].data[0] == Approx(1.0 + std::exp(0.5)));
}
