// cleanup(): the whole pipeline on hand-written and randomly generated graphs.
// Its output must verify, keep the interface and outputs, compute the same
// values as its input in the reference interpreter, and be a fixed point.
#include "passes/Pipeline.h"

#include "ir/Interpreter.h"
#include "PassTestUtil.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

using namespace nnc;
using ir::DType;
using ir::Graph;
using ir::NodeId;
using ir::Op;
using ir::kBatch;
using Ints = std::vector<int64_t>;

namespace {

std::vector<std::string> sourceNames(const Graph &g, const std::vector<NodeId> &ids) {
  std::vector<std::string> names;
  for (NodeId id : ids)
    names.push_back(g.node(id).attrs.getString("name"));
  return names;
}

std::vector<std::string> outputNames(const Graph &g) {
  std::vector<std::string> names;
  for (const auto &[name, id] : g.outputs())
    names.push_back(name);
  return names;
}

// Random values for every input and param of `g`, with batch size 3.
ir::Bindings randomBindings(const Graph &g, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-2, 2);
  ir::Bindings b;
  for (const ir::Node &n : g.nodes()) {
    if (n.op != Op::Input && n.op != Op::Param) continue;
    ir::TensorType t{n.type.dtype, n.type.shape.bind(3)};
    std::vector<double> data(static_cast<size_t>(t.shape.numel()));
    for (double &v : data)
      v = t.dtype == DType::Bool ? double(rng() % 2) : t.dtype == DType::I32 ? double(int(rng() % 7) - 3) : dist(rng);
    auto &map = n.op == Op::Input ? b.inputs : b.params;
    map[n.attrs.getString("name")] = ir::Tensor(t, std::move(data));
  }
  return b;
}

// Both run on the same bindings and give the same outputs: exactly (NaN
// matching NaN) when tol is 0, else to within tol relative to the magnitude.
void checkSameValues(const Graph &before, const Graph &after, ir::Precision p, double tol, unsigned seed) {
  ir::Bindings b = randomBindings(before, seed);
  auto want = ir::runOutputs(before, b, p);
  auto got = ir::runOutputs(after, b, p);
  REQUIRE(want.size() == got.size());
  for (const auto &[name, w] : want) {
    INFO("output " << name);
    const ir::Tensor &o = got.at(name);
    REQUIRE(o.type == w.type);
    for (size_t i = 0; i < w.data.size(); ++i) {
      double x = w.data[i], y = o.data[i];
      if (std::isnan(x) && std::isnan(y)) continue;
      INFO("element " << i << ": " << x << " vs " << y);
      if (tol == 0) CHECK(x == y);
      else CHECK(std::fabs(x - y) <= tol * std::max(1.0, std::fabs(x)));
    }
  }
}

// Everything cleanup() promises about its result, short of values.
Graph checkedCleanup(const Graph &g) {
  std::vector<passes::PassStats> stats;
  Graph out = passes::cleanup(g, &stats);
  INFO(ir::printGraph(g) << "\n->\n" << ir::printGraph(out));
  CHECK(ir::verify(out).empty());
  CHECK(out.name == g.name);
  CHECK(sourceNames(out, out.inputs()) == sourceNames(g, g.inputs()));
  CHECK(sourceNames(out, out.params()) == sourceNames(g, g.params()));
  CHECK(outputNames(out) == outputNames(g));
  CHECK(out.size() <= g.size());
  // Four passes a round, one to eight rounds; each starts where the last ended.
  REQUIRE(stats.size() % 4 == 0);
  CHECK(stats.size() >= 4);
  CHECK(stats.size() <= 32);
  CHECK(stats.front().before == g.size());
  CHECK(stats.back().after == out.size());
  const char *names[] = {"simplify", "fold-constants", "cse", "dce"};
  for (size_t i = 0; i < stats.size(); ++i) {
    CHECK(stats[i].pass == names[i % 4]);
    CHECK(stats[i].ms >= 0);
    if (i) CHECK(stats[i].before == stats[i - 1].after);
  }
  // A fixed point: running it again changes nothing.
  CHECK(ir::printGraph(passes::cleanup(out)) == ir::printGraph(out));
  return out;
}

// Builds random graphs over x : dt[B, 4] whose nodes give the rules, folding
// and CSE plenty to do: multiplications by broadcast ones, transposes and
// reshapes that undo each other, constant-only subtrees, repeated nodes.
class RandomGraph {
public:
  RandomGraph(unsigned seed, DType dt) : rng_(seed), dt_(dt) {
    g_.name = "random" + std::to_string(seed);
    pool_.push_back(g_.input("x", type(Ints{kBatch, 4})));
    g_.param("unused", type(Ints{2}));
    w_ = g_.param("w", type(Ints{4, 4}));
    g_.input("mask", ir::TensorType{DType::Bool, ir::Shape{kBatch, 4}});
  }

  Graph build(int steps) {
    for (int i = 0; i < steps; ++i)
      pool_.push_back(step());
    for (int i = 0; i < 3; ++i)
      g_.addOutput("out" + std::to_string(i), pick());
    return std::move(g_);
  }

private:
  ir::TensorType type(Ints dims) const { return ir::TensorType{dt_, ir::Shape(std::move(dims))}; }
  NodeId pick() { return pool_[rng_() % pool_.size()]; }
  // Recent nodes more often, so the graph grows deep rather than wide.
  NodeId pickRecent() { return pool_[pool_.size() - 1 - rng_() % std::min<size_t>(pool_.size(), 3)]; }
  NodeId create(Op op, std::vector<NodeId> in, ir::Attrs a = {}) { return g_.create(op, std::move(in), std::move(a)); }
  NodeId toBatch(NodeId id) { return create(Op::Broadcast, {id}, {{"shape", Ints{kBatch, 4}}}); }
  NodeId splat(double k) { return toBatch(g_.constant({k}, type(Ints{}))); }
  double someK() {
    const double ks[] = {0, 1, -1, 2, 0.5, -0.0};
    return ks[rng_() % std::size(ks)];
  }
  NodeId constantRow() {
    std::vector<double> v;
    for (int i = 0; i < 4; ++i)
      v.push_back(double(int(rng_() % 9) - 4) / 4);
    return g_.constant(v, type(Ints{4}));
  }

  NodeId step() {
    NodeId a = pickRecent(), b = pick();
    switch (rng_() % 20) {
    case 0: return create(Op::Add, {a, b});
    case 1: return create(Op::Mul, {a, b});
    case 2: return create(Op::Sub, {a, b});
    case 3: return create(Op::Mul, {a, splat(someK())});
    case 4: return create(Op::Add, {splat(someK()), a});
    case 5: return create(Op::Sub, {splat(someK()), a});
    case 6: return create(Op::Div, {a, splat(someK() == 0 ? 1 : 2)});
    case 7: return create(Op::Neg, {create(Op::Neg, {a})});
    case 8: return create(Op::Tanh, {a});
    case 9: {
      NodeId t = create(Op::Transpose, {a}, {{"perm", Ints{1, 0}}});
      return create(Op::Transpose, {t}, {{"perm", Ints{1, 0}}});
    }
    case 10: {
      NodeId r = create(Op::Reshape, {a}, {{"shape", Ints{kBatch, 2, 2}}});
      return create(Op::Reshape, {r}, {{"shape", Ints{kBatch, 4}}});
    }
    case 11: return create(Op::MatMul, {a, w_});
    case 12: {
      NodeId s = create(Op::ReduceSum, {a}, {{"axes", Ints{1}}, {"keep", int64_t(1)}});
      return create(Op::Broadcast, {s}, {{"shape", Ints{kBatch, 4}}});
    }
    case 13: return create(Op::ReduceMax, {a}, {{"axes", Ints{}}, {"keep", int64_t(rng_() % 2)}});
    case 14: {
      NodeId m = g_.inputs()[1];
      return create(Op::Select, {m, a, rng_() % 2 ? a : b});
    }
    case 15: return create(Op::Pow, {create(Op::Abs, {a}), splat(rng_() % 2 ? 1 : 2)});
    case 16: return create(Op::Cast, {a}, {{"dtype", std::string(ir::dtypeName(dt_))}});
    case 17: {
      // A constant-only subtree for the folder.
      NodeId e = create(Op::Exp, {constantRow()});
      NodeId s = create(Op::Mul, {e, constantRow()});
      return create(Op::Add, {a, toBatch(s)});
    }
    case 18: {
      NodeId one = g_.constant({1}, type(Ints{1}));
      NodeId row = create(Op::Broadcast, {one}, {{"shape", Ints{4}}});
      return create(Op::Mul, {toBatch(row), a});
    }
    case 19: {
      // A node repeated for CSE.
      const ir::Node n = g_.node(pickRecent());
      if (n.op == Op::Input || n.op == Op::Param) return create(Op::Exp, {n.inputs.empty() ? a : n.inputs[0]});
      return create(n.op, n.inputs, n.attrs);
    }
    }
    return a;
  }

  std::mt19937 rng_;
  DType dt_;
  Graph g_;
  NodeId w_;
  std::vector<NodeId> pool_;
};

} // namespace

TEST_CASE("cleanup: random f64 graphs keep their values exactly", "[pipeline]") {
  for (unsigned seed = 1; seed <= 60; ++seed) {
    INFO("seed " << seed);
    Graph g = RandomGraph(seed, DType::F64).build(12);
    REQUIRE(ir::verify(g).empty());
    Graph out = checkedCleanup(g);
    checkSameValues(g, out, ir::Precision::F64, 0, seed);
  }
}

TEST_CASE("cleanup: random f32 graphs: exact in f32, within 1e-6 in f64", "[pipeline]") {
  for (unsigned seed = 100; seed < 160; ++seed) {
    INFO("seed " << seed);
    Graph g = RandomGraph(seed, DType::F32).build(12);
    Graph out = checkedCleanup(g);
    checkSameValues(g, out, ir::Precision::F32, 0, seed);
    checkSameValues(g, out, ir::Precision::F64, 1e-6, seed);
  }
}

TEST_CASE("cleanup: random graphs shrink", "[pipeline]") {
  size_t before = 0, after = 0;
  for (unsigned seed = 200; seed < 220; ++seed) {
    Graph g = RandomGraph(seed, DType::F32).build(16);
    before += g.size();
    after += passes::cleanup(g).size();
  }
  CHECK(after < before * 3 / 4);
}

// A dense layer, softmax cross-entropy and the hand-written backward pass an
// unoptimized autodiff would emit: a seed gradient of ones, multiplications
// by it, neg(neg), transposes of transposes, repeated subexpressions.
const char *kMlp = R"(graph mlp {
  %x = input() {name = "x"} : f32[B, 4]
  %t = input() {name = "t"} : f32[B, 3]
  %w = param() {name = "w"} : f32[4, 3]
  %bias = param() {name = "b"} : f32[3]
  %h = matmul(%x, %w) : f32[B, 3]
  %bb = broadcast(%bias) : f32[B, 3]
  %z = add(%h, %bb) : f32[B, 3]
  %m = reduce_max(%z) {axes = [1], keep = 1} : f32[B, 1]
  %mb = broadcast(%m) : f32[B, 3]
  %s = sub(%z, %mb) : f32[B, 3]
  %e = exp(%s) : f32[B, 3]
  %se = reduce_sum(%e) {axes = [1], keep = 1} : f32[B, 1]
  %seb = broadcast(%se) : f32[B, 3]
  %p = div(%e, %seb) : f32[B, 3]
  %lp = log(%p) : f32[B, 3]
  %tl = mul(%t, %lp) : f32[B, 3]
  %l1 = reduce_sum(%tl) {axes = [0, 1], keep = 0} : f32[]
  %loss = neg(%l1) : f32[]
  %one = constant() {value = [1.0]} : f32[]
  %g0 = neg(%one) : f32[]
  %g1 = broadcast(%g0) : f32[B, 3]
  %g2 = mul(%g1, %t) : f32[B, 3]
  %g3 = div(%g2, %p) : f32[B, 3]
  %pg = mul(%g3, %p) : f32[B, 3]
  %ps = reduce_sum(%pg) {axes = [1], keep = 1} : f32[B, 1]
  %psb = broadcast(%ps) : f32[B, 3]
  %p2 = div(%e, %seb) : f32[B, 3]
  %q = mul(%p2, %psb) : f32[B, 3]
  %dz = sub(%pg, %q) : f32[B, 3]
  %xt = transpose(%x) {perm = [1, 0]} : f32[4, B]
  %xtt = transpose(%xt) {perm = [1, 0]} : f32[B, 4]
  %xt2 = transpose(%xtt) {perm = [1, 0]} : f32[4, B]
  %dw = matmul(%xt2, %dz) : f32[4, 3]
  %onesb = constant() {value = [1.0]} : f32[3]
  %onesbb = broadcast(%onesb) : f32[B, 3]
  %dz1 = mul(%dz, %onesbb) : f32[B, 3]
  %db = reduce_sum(%dz1) {axes = [0], keep = 0} : f32[3]
  %lr = constant() {value = [0.1]} : f32[]
  %lrw = broadcast(%lr) : f32[4, 3]
  %uw = mul(%lrw, %dw) : f32[4, 3]
  %nw = sub(%w, %uw) : f32[4, 3]
  %lrb = broadcast(%lr) : f32[3]
  %ub = mul(%lrb, %db) : f32[3]
  %nb = sub(%bias, %ub) : f32[3]
  return loss = %loss, w = %nw, b = %nb
})";

TEST_CASE("cleanup: a hand-written forward and backward pass", "[pipeline]") {
  Graph g = passes::test::parse(kMlp);
  Graph out = checkedCleanup(g);
  checkSameValues(g, out, ir::Precision::F32, 0, 7);
  checkSameValues(g, out, ir::Precision::F64, 1e-6, 7);
  std::string text = passes::test::print(out);
  INFO(text);
  CHECK(text.find("transpose") == text.rfind("transpose")); // one transpose left
  CHECK(out.size() + 8 <= g.size());
}

TEST_CASE("cleanup: two random ops with different seeds stay distinct", "[pipeline]") {
  // dropout-like masks: x * (r1 < 0.5) and x * (r2 < 0.5). Merging the two
  // random ops would make the outputs equal; it must not happen.
  Graph g = passes::test::parse(R"(graph g {
  %x = input() {name = "x"} : f32[4]
  %h = constant() {value = [0.5]} : f32[4]
  %r1 = random_uniform() {seed = 1} : f32[4]
  %r2 = random_uniform() {seed = 2} : f32[4]
  %c1 = lt(%r1, %h) : bool[4]
  %c2 = lt(%r2, %h) : bool[4]
  %m1 = cast(%c1) : f32[4]
  %m2 = cast(%c2) : f32[4]
  %y1 = mul(%x, %m1) : f32[4]
  %y2 = mul(%x, %m2) : f32[4]
  return y1 = %y1, y2 = %y2
})");
  Graph out = checkedCleanup(g);
  CHECK(passes::test::print(out) == passes::test::print(g));
  checkSameValues(g, out, ir::Precision::F32, 0, 1);
}

TEST_CASE("cleanup: a graph with nothing to do comes back unchanged after one round", "[pipeline]") {
  Graph g = passes::test::parse(R"(graph g {
  %x = input() {name = "x"} : f32[B, 4]
  %w = param() {name = "w"} : f32[4, 2]
  %y = matmul(%x, %w) : f32[B, 2]
  return y = %y
})");
  std::vector<passes::PassStats> stats;
  Graph out = passes::cleanup(g, &stats);
  CHECK(passes::test::print(out) == passes::test::print(g));
  CHECK(stats.size() == 4);
}

TEST_CASE("cleanup: NNC_DUMP_PASSES prints every pass to stderr", "[pipeline]") {
  Graph g = passes::test::parse(R"(graph dumped {
  %x = input() {name = "x"} : f32[2]
  %one = constant() {value = [1.0]} : f32[2]
  %y = mul(%x, %one) : f32[2]
  return y = %y
})");
  char path[] = "/tmp/nnc_passes_dumpXXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  setenv("NNC_DUMP_PASSES", "1", 1);
  passes::cleanup(g);
  unsetenv("NNC_DUMP_PASSES");
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fd);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(path);
  std::string dump = text.str();
  CHECK(dump.find("// after simplify: 3 -> 2 nodes") != std::string::npos);
  CHECK(dump.find("// after dce: 2 -> 1 nodes") != std::string::npos);
  CHECK(dump.find("graph dumped {") != std::string::npos);
}

TEST_CASE("cleanup: malformed graphs throw rather than crash", "[pipeline]") {
  Graph g = passes::test::parse(R"(graph g {
  %x = input() {name = "x"} : f32[2]
  return y = %x
})");
  Graph forward = g;
  forward.createUnchecked(ir::Node{Op::Neg, {5}, ir::TensorType{DType::F32, ir::Shape{2}}, {}, {}});
  forward.addOutput("z", 1);
  CHECK_THROWS(passes::cleanup(forward));
  Graph missing = g;
  missing.addOutput("z", 9);
  CHECK_THROWS(passes::cleanup(missing));
}
