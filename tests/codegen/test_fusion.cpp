// The fusion pass (codegen/Fusion.h): which nodes share a kernel and which
// keep a buffer, and the fused loops' results against the interpreter. The
// JIT gives interior values no storage, so a fused loop that loaded or
// stored one would crash these tests.
#include "CodegenTestUtil.h"

#include "codegen/Fusion.h"

#include <algorithm>

using namespace nnc::codegen::test;
using nnc::codegen::bufferedNodes;
using nnc::codegen::fuseKernels;
using nnc::codegen::Kernel;

namespace {

Attrs shapeAttr(Shape s) {
  Attrs a;
  a.set("shape", s.dims());
  return a;
}

Attrs axesAttr(std::vector<int64_t> axes, bool keep = false) {
  Attrs a;
  a.set("axes", std::move(axes));
  a.set("keep", int64_t{keep});
  return a;
}

NodeId bcast(Graph &g, NodeId x, Shape s) { return g.create(Op::Broadcast, {x}, shapeAttr(std::move(s))); }

// The index of the kernel computing `id` and storing it if any does, else
// of the first computing it; -1 for none.
int kernelOf(const std::vector<Kernel> &ks, NodeId id) {
  int found = -1;
  for (size_t i = 0; i < ks.size(); ++i) {
    const auto &n = ks[i].nodes;
    if (std::find(n.begin(), n.end(), id) == n.end()) continue;
    if (!ks[i].isInterior(id)) return static_cast<int>(i);
    if (found < 0) found = static_cast<int>(i);
  }
  return found;
}

} // namespace

TEST_CASE("fusion: an elementwise chain with broadcasts is one loop with one store", "[codegen][fusion]") {
  // relu(x + bias) * 2, the bias and the constants broadcast.
  Graph g;
  g.name = "chain";
  NodeId x = g.input("x", f32({kBatch, 37}));
  NodeId bias = g.param("bias", f32({37}));
  NodeId z = g.create(Op::Add, {x, bcast(g, bias, {kBatch, 37})});
  NodeId r = g.create(Op::Maximum, {z, bcast(g, g.scalar(0), {kBatch, 37})});
  NodeId y = g.create(Op::Mul, {r, bcast(g, g.scalar(2), {kBatch, 37})});
  g.addOutput("y", y);
  std::vector<Kernel> ks = fuseKernels(g);
  REQUIRE(ks.size() == 1);
  CHECK(ks[0].fused);
  std::vector<bool> buffered = bufferedNodes(g, ks);
  for (NodeId id = 0; id < static_cast<NodeId>(g.size()); ++id) {
    INFO("node " << id);
    bool bound = id == x || id == bias;
    CHECK(buffered[static_cast<size_t>(id)] == (bound || id == y));
  }
  diffTest(g);
}

TEST_CASE("fusion: a reduction fuses with its producers, its consumers start a new loop", "[codegen][fusion]") {
  // A stable log-sum-exp's pieces: m = max(x), s = sum((x - m)^2 / 3) and
  // the mean over the batch, then s + m read from the reductions.
  Graph g;
  g.name = "reduce";
  NodeId x = g.input("x", f32({kBatch, 13}));
  NodeId m = g.create(Op::ReduceMax, {x}, axesAttr({1}, true));
  NodeId d = g.create(Op::Sub, {x, bcast(g, m, {kBatch, 13})});
  NodeId sq = g.create(Op::Div, {g.create(Op::Mul, {d, d}), bcast(g, g.scalar(3), {kBatch, 13})});
  NodeId s = g.create(Op::ReduceSum, {sq}, axesAttr({1}, true));
  NodeId mean = g.create(Op::ReduceMean, {sq}, axesAttr({0}));
  NodeId lo = g.create(Op::ReduceMin, {sq}, axesAttr({0, 1}));
  NodeId out = g.create(Op::Add, {s, m});
  g.addOutput("out", out);
  g.addOutput("mean", mean);
  g.addOutput("lo", lo);
  std::vector<Kernel> ks = fuseKernels(g);
  int k = kernelOf(ks, sq);
  CHECK(ks[static_cast<size_t>(k)].fused);
  CHECK(kernelOf(ks, s) == k);
  CHECK(kernelOf(ks, mean) == k);
  CHECK(kernelOf(ks, lo) == k);
  CHECK(kernelOf(ks, d) == k);
  CHECK(kernelOf(ks, out) != k);
  CHECK(ks[static_cast<size_t>(k)].isInterior(sq));
  CHECK_FALSE(ks[static_cast<size_t>(k)].isInterior(s));
  diffTest(g);
}

TEST_CASE("fusion: a value read inside and outside its kernel is stored once", "[codegen][fusion]") {
  Graph g;
  g.name = "shared";
  NodeId a = g.input("a", f32({kBatch, 8}));
  NodeId w = g.param("w", f32({8, 5}));
  NodeId t = g.create(Op::Mul, {a, a});
  NodeId u = g.create(Op::Sub, {t, a});
  NodeId mm = g.create(Op::MatMul, {t, w});
  g.addOutput("u", u);
  g.addOutput("mm", mm);
  std::vector<Kernel> ks = fuseKernels(g);
  int k = kernelOf(ks, t);
  CHECK(kernelOf(ks, u) == k);
  CHECK_FALSE(ks[static_cast<size_t>(k)].isInterior(t));
  CHECK(kernelOf(ks, mm) > k);
  diffTest(g);
}

TEST_CASE("fusion: a node feeding two kernels, and no kernel that depends on itself", "[codegen][fusion]") {
  // t feeds sin (a libm call: a kernel of its own) and a matmul; c reads t and the
  // matmul of t, so it cannot join t's kernel, which the matmul follows.
  Graph g;
  g.name = "two";
  NodeId a = g.input("a", f32({kBatch, 6}));
  NodeId w = g.param("w", f32({6, 6}));
  NodeId t = g.create(Op::Add, {a, a});
  NodeId e = g.create(Op::Sin, {t});
  NodeId mm = g.create(Op::MatMul, {t, w});
  NodeId c = g.create(Op::Mul, {t, mm});
  NodeId f = g.create(Op::Add, {c, e});
  g.addOutput("f", f);
  std::vector<Kernel> ks = fuseKernels(g);
  int kt = kernelOf(ks, t);
  CHECK(kernelOf(ks, e) != kt);
  CHECK(kernelOf(ks, c) != kt);
  CHECK(kernelOf(ks, mm) > kt);
  CHECK(kernelOf(ks, c) == kernelOf(ks, mm)); // the GEMM's epilogue
  CHECK(kernelOf(ks, f) == kernelOf(ks, c));
  diffTest(g);
}

TEST_CASE("fusion: an Adam update of one parameter is one loop over it", "[codegen][fusion]") {
  Graph g;
  g.name = "adam";
  Shape s{17, 5};
  NodeId p = g.param("p", f32(s));
  NodeId grad = g.input("g", f32(s)), m = g.input("m", f32(s)), v = g.input("v", f32(s));
  NodeId lr = g.input("lr", f32({}));
  auto k = [&](double c) { return bcast(g, g.scalar(c), s); };
  NodeId m2 = g.create(Op::Add, {g.create(Op::Mul, {k(0.9), m}), g.create(Op::Mul, {k(0.1), grad})});
  NodeId v2 = g.create(Op::Add,
                       {g.create(Op::Mul, {k(0.999), v}), g.create(Op::Mul, {k(0.001), g.create(Op::Mul, {grad, grad})})});
  NodeId step = g.create(Op::Div, {m2, g.create(Op::Add, {g.create(Op::Sqrt, {v2}), k(1e-8)})});
  NodeId p2 = g.create(Op::Sub, {p, g.create(Op::Mul, {bcast(g, lr, s), step})});
  g.addOutput("p", p2);
  g.addOutput("m", m2);
  g.addOutput("v", v2);
  std::vector<Kernel> ks = fuseKernels(g);
  REQUIRE(ks.size() == 1);
  std::vector<bool> buffered = bufferedNodes(g, ks);
  int stored = 0;
  for (NodeId id = 0; id < static_cast<NodeId>(g.size()); ++id)
    stored += buffered[static_cast<size_t>(id)] && g.node(id).op != Op::Input && g.node(id).op != Op::Param;
  CHECK(stored == 3);
  diffTest(g, 1e-5, [](Bindings &b) {
    for (double &x : b.inputs["v"].data) x = std::fabs(x);
  });
}

TEST_CASE("fusion: bool and i32 chains, select and casts fuse", "[codegen][fusion]") {
  Graph g;
  g.name = "mixed";
  NodeId a = g.input("a", f32({kBatch, 9})), n = g.input("n", i32({kBatch, 9}));
  NodeId pos = g.create(Op::Gt, {a, bcast(g, g.scalar(0), {kBatch, 9})});
  NodeId sel = g.create(Op::Select, {pos, a, g.create(Op::Neg, {a})});
  NodeId ni = g.create(Op::Cast, {sel}, {{"dtype", std::string("i32")}});
  NodeId sum = g.create(Op::Add, {ni, n});
  NodeId total = g.create(Op::ReduceSum, {sum}, axesAttr({0, 1}));
  g.addOutput("total", total);
  g.addOutput("pos", pos);
  std::vector<Kernel> ks = fuseKernels(g);
  REQUIRE(ks.size() == 1);
  CHECK(ks[0].isInterior(sel));
  CHECK_FALSE(ks[0].isInterior(pos));
  diffTest(g, 0);
}

TEST_CASE("fusion: one broadcast read by two layers' chains", "[codegen][fusion]") {
  // Two dense + relu layers sharing the broadcast zero, as CSE leaves them.
  Graph g;
  g.name = "mlp";
  NodeId x = g.input("x", f32({kBatch, 6}));
  NodeId w1 = g.param("w1", f32({6, 6})), w2 = g.param("w2", f32({6, 6}));
  NodeId b1 = g.param("b1", f32({6})), b2 = g.param("b2", f32({6}));
  NodeId zero = bcast(g, g.scalar(0), {kBatch, 6});
  NodeId h1 = g.create(Op::Maximum, {g.create(Op::Add, {g.create(Op::MatMul, {x, w1}), bcast(g, b1, {kBatch, 6})}), zero});
  NodeId h2 = g.create(Op::Maximum, {g.create(Op::Add, {g.create(Op::MatMul, {h1, w2}), bcast(g, b2, {kBatch, 6})}), zero});
  g.addOutput("y", h2);
  std::vector<Kernel> ks = fuseKernels(g);
  for (const Kernel &k : ks) {
    std::string s;
    for (NodeId id : k.nodes) s += " " + std::to_string(id) + (k.isInterior(id) ? "i" : "");
    UNSCOPED_INFO("kernel" << (k.fused ? " fused" : "") << ":" << s);
  }
  CHECK(ks.size() == 2); // each layer a GEMM with its bias and relu as the epilogue
  diffTest(g);
}
