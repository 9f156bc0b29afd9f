// differentiate() as a pass: its errors, zeros for unused params, the
// relevant-set pruning, valid and readable output IR, and gradcheck's API.
#include "GradTestUtil.h"

using namespace nnc::autodiff::test;
using nnc::autodiff::GradError;

namespace {

ir::Attrs sumAll(int64_t rank) {
  Ints axes;
  for (int64_t i = 0; i < rank; ++i)
    axes.push_back(i);
  return {{"axes", axes}, {"keep", int64_t(0)}};
}

} // namespace

TEST_CASE("differentiate: a path only through argmax is an error naming it", "[differentiate]") {
  ir::Graph g;
  NodeId x = g.input("x", {DType::F32, Shape{kBatch, 4}});
  NodeId w = g.param("M/dense_1/W", {DType::F32, Shape{4, 3}});
  NodeId h = g.create(Op::MatMul, {x, w});
  g.setSource({"model.nn", 7, 10});
  NodeId pred = g.create(Op::ArgMax, {h}, {{"axis", int64_t(1)}, {"keep", int64_t(0)}});
  g.setSource({});
  NodeId asFloat = g.create(Op::Cast, {pred}, {{"dtype", std::string("f32")}});
  NodeId loss = g.create(Op::ReduceSum, {asFloat}, sumAll(1));
  g.addOutput("loss", loss);
  CHECK_THROWS_MATCHES(differentiate(g, loss, {w}), GradError,
                       Catch::Message("the gradient of `loss` with respect to `M/dense_1/W` would pass through "
                                      "`argmax` (model.nn:7:10), which has no gradient"));
}

TEST_CASE("differentiate: a comparison or cast to i32 cuts the path", "[differentiate]") {
  ir::Graph g;
  NodeId p = g.param("p", {DType::F64, Shape{3}});
  NodeId asInt = g.create(Op::Cast, {p}, {{"dtype", std::string("i32")}});
  NodeId back = g.create(Op::Cast, {asInt}, {{"dtype", std::string("f64")}});
  NodeId loss = g.create(Op::ReduceSum, {back}, sumAll(1));
  CHECK_THROWS_MATCHES(differentiate(g, loss, {p}), GradError,
                       Catch::Message("the gradient of `%3` with respect to `p` would pass through `cast`, which "
                                      "has no gradient"));
}

TEST_CASE("differentiate: another path carrying a gradient makes a cut path harmless", "[differentiate]") {
  GradCase c;
  NodeId p = c.param("p", {3});
  NodeId pred = c.op(Op::ArgMax, {p}, {{"axis", int64_t(0)}, {"keep", int64_t(0)}});
  NodeId picked = c.op(Op::Gather, {p, pred}); // indices from argmax: no gradient through them
  c.check(c.op(Op::Mul, {picked, c.op(Op::ReduceSum, {p}, sumAll(1))}));
}

TEST_CASE("differentiate: bad arguments", "[differentiate]") {
  ir::Graph g;
  NodeId p = g.param("p", {DType::F32, Shape{3}});
  NodeId n = g.param("n", {DType::I32, Shape{}});
  NodeId v = g.create(Op::Exp, {p});
  NodeId loss = g.create(Op::ReduceSum, {v}, sumAll(1));
  CHECK_THROWS_MATCHES(differentiate(g, v, {p}), GradError,
                       Catch::Message("the loss `%2` must be a floating-point scalar, got f32[3]"));
  CHECK_THROWS_MATCHES(differentiate(g, loss, {v}), GradError,
                       Catch::Message("can differentiate only with respect to a param or an input, not %2 (exp)"));
  CHECK_THROWS_MATCHES(
      differentiate(g, loss, {n}), GradError,
      Catch::Message("cannot differentiate with respect to `n` of type i32[]: it is not floating point"));
  CHECK_THROWS_AS(differentiate(g, 99, {p}), GradError);
  CHECK_THROWS_AS(differentiate(g, loss, {-1}), GradError);
}

TEST_CASE("differentiate: a param the loss ignores gets zeros", "[differentiate]") {
  GradCase c;
  NodeId used = c.param("used", {2});
  NodeId unused = c.param("unused", {kBatch, 3});
  NodeId loss = c.op(Op::ReduceSum, {c.op(Op::Mul, {used, used})}, sumAll(1));
  size_t before = c.g.size();
  std::vector<NodeId> grads = differentiate(c.g, loss, {used, unused});
  REQUIRE(grads.size() == 2);
  CHECK(c.g.type(grads[1]) == c.g.type(unused));
  std::vector<Tensor> values = interpret(c.g, c.b);
  CHECK(values[static_cast<size_t>(grads[1])] == Tensor(DType::F64, Shape{2, 3}, {0, 0, 0, 0, 0, 0}));
  const Tensor &u = c.b.params["used"];
  CHECK(values[static_cast<size_t>(grads[0])] == Tensor(DType::F64, Shape{2}, {2 * u.data[0], 2 * u.data[1]}));
  // The seed (constant, reshape, broadcast), mul's two products, their sum,
  // and the unused param's zeros (a scalar broadcast to [B, 3]).
  CHECK(c.g.size() - before == 8);
}

TEST_CASE("differentiate: only nodes between the sources and the loss get gradients", "[differentiate]") {
  ir::Graph g;
  NodeId x = g.input("x", {DType::F32, Shape{kBatch, 4}});
  NodeId w = g.param("W", {DType::F32, Shape{4, 2}});
  // An expensive branch that depends on the input alone needs no gradient.
  NodeId xx = g.create(Op::Exp, {g.create(Op::Tanh, {x})});
  NodeId h = g.create(Op::MatMul, {g.create(Op::Mul, {x, xx}), w});
  NodeId loss = g.create(Op::ReduceMean, {h}, sumAll(2));
  g.addOutput("loss", loss);
  size_t before = g.size();
  differentiate(g, loss, {w});
  for (size_t i = before; i < g.size(); ++i) {
    Op op = g.nodes()[i].op;
    INFO(ir::printNode(g, static_cast<NodeId>(i)));
    CHECK(op != Op::Tanh);
    CHECK(op != Op::Exp);
  }
  CHECK(ir::verify(g).empty());
}

TEST_CASE("differentiate: the gradient graph prints readably", "[differentiate]") {
  ir::Graph g;
  g.name = "dense";
  NodeId x = g.input("x", {DType::F32, Shape{kBatch, 3}});
  NodeId w = g.param("W", {DType::F32, Shape{3, 2}});
  NodeId b = g.param("b", {DType::F32, Shape{2}});
  g.setSource({"m.nn", 3, 9});
  NodeId y =
      g.create(Op::Add, {g.create(Op::MatMul, {x, w}), g.create(Op::Broadcast, {b}, {{"shape", Ints{kBatch, 2}}})});
  g.setSource({});
  NodeId loss = g.create(Op::ReduceSum, {y}, sumAll(2));
  std::vector<NodeId> grads = differentiate(g, loss, {w, b});
  g.addOutput("loss", loss);
  g.addOutput("grad_W", grads[0]);
  g.addOutput("grad_b", grads[1]);
  REQUIRE(ir::verify(g).empty());
  std::string text = ir::printGraph(g);
  INFO(text);
  CHECK_THAT(text, Catch::Contains("%7 = constant() {value = [1.0]} : f32[]\n"));
  CHECK_THAT(text, Catch::Contains("%9 = broadcast(%8) : f32[B, 2]\n"));
  CHECK_THAT(text, Catch::Contains("= transpose(%0) {perm = [1, 0]} : f32[3, B]  loc(\"m.nn\":3:9)\n"));
  CHECK_THAT(text, Catch::Contains("= matmul(%11, %9) : f32[3, 2]  loc(\"m.nn\":3:9)\n"));
  CHECK_THAT(text, Catch::Contains("= reduce_sum(%9) {axes = [0], keep = 0} : f32[2]  loc(\"m.nn\":3:9)\n"));
  CHECK_THAT(text, Catch::Contains("return loss = %6, grad_W = %12, grad_b = %10\n"));
}

TEST_CASE("gradcheck: reports every param and catches a wrong gradient", "[gradcheck]") {
  GradCase c;
  NodeId a = c.param("a", {3, 3}), b = c.param("b", {});
  NodeId y = c.op(Op::Mul, {c.op(Op::Sin, {a}), c.op(Op::Broadcast, {b}, {{"shape", Ints{3, 3}}})});
  c.finish(y);
  std::vector<GradCheckResult> r = gradcheck(c.g, "loss", c.b, 1e-6, 4);
  REQUIRE(r.size() == 2);
  CHECK(r[0].name == "a");
  CHECK(r[1].name == "b");
  CHECK(r[0].maxRelError < 1e-6);
  CHECK(r[1].maxAbsError < 1e-8);
  CHECK_THROWS_MATCHES(gradcheck(c.g, "nope", c.b), GradError, Catch::Message("the graph has no output named `nope`"));

  // floor has derivative 0 almost everywhere; at an integer the central
  // difference sees the jump, so gradcheck must report a large error there.
  GradCase d;
  NodeId p = d.param("p", {2});
  d.b.params["p"].data = {0.5, 1.0};
  d.finish(d.op(Op::Floor, {p}));
  std::vector<GradCheckResult> jump = gradcheck(d.g, "loss", d.b);
  REQUIRE(jump.size() == 1);
  CHECK(jump[0].maxRelError > 0.5);
}
