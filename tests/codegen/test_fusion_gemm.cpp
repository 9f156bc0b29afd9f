// GEMM epilogues (codegen/EmitFusedGemm.cpp): a matmul and the elementwise
// ops and one-axis reductions reading it as one kernel, against the
// interpreter, and bit for bit against the unfused kernels at 1 and 3
// threads. Batches 1 and 5 take the GEMM's direct path, 40 the packed one;
// K = 300 crosses a K block.
#include "CodegenTestUtil.h"

#include "codegen/Fusion.h"
#include "nnc/threads.h"

#include <algorithm>

using namespace nnc::codegen::test;
using nnc::codegen::fuseKernels;
using nnc::codegen::Kernel;
using nnc::codegen::oneKernelPerNode;

namespace {

NodeId bcast(Graph &g, NodeId x, Shape s) {
  Attrs a;
  a.set("shape", s.dims());
  return g.create(Op::Broadcast, {x}, a);
}

NodeId reduceSum(Graph &g, NodeId x, std::vector<int64_t> axes) {
  Attrs a;
  a.set("axes", std::move(axes));
  a.set("keep", int64_t{0});
  return g.create(Op::ReduceSum, {x}, a);
}

NodeId transpose(Graph &g, NodeId x) {
  Attrs a;
  a.set("perm", std::vector<int64_t>{1, 0});
  return g.create(Op::Transpose, {x}, a);
}

// The kernel holding node `id`.
const Kernel &kernelWith(const std::vector<Kernel> &ks, NodeId id) {
  for (const Kernel &k : ks)
    if (std::find(k.nodes.begin(), k.nodes.end(), id) != k.nodes.end()) return k;
  FAIL("no kernel computes node " << id);
  return ks.front();
}

bool holds(const Kernel &k, NodeId id) { return std::find(k.nodes.begin(), k.nodes.end(), id) != k.nodes.end(); }

const std::vector<int64_t> kBatches = {1, 5, 40};

// The fused and the unfused kernels give the same bits, at 1 and 3 threads.
void sameBitsAsUnfused(const Graph &g) {
  int saved = nnc_threads_get();
  std::unique_ptr<JitGraph> fused = jitCompile(g, fuseKernels(g)), plain = jitCompile(g, oneKernelPerNode(g));
  std::mt19937 rng(99);
  for (int64_t batch : kBatches) {
    Bindings b = randomBindings(g, batch, rng);
    std::map<std::string, Tensor> want = runJit(*plain, b, batch);
    for (int threads : {1, 3}) {
      nnc_threads_set(threads);
      std::map<std::string, Tensor> got = runJit(*fused, b, batch);
      for (const auto &[name, t] : want) {
        INFO("output " << name << ", batch " << batch << ", " << threads << " threads");
        checkClose(got.at(name), t, 0);
      }
    }
  }
  nnc_threads_set(saved);
}

} // namespace

TEST_CASE("fusion gemm: a dense layer's bias, relu and backprop mask are the GEMM's epilogue", "[codegen][fusion]") {
  // relu(x W + b) and the mask relu's gradient reads, as a training step has them.
  Graph g;
  g.name = "dense";
  NodeId x = g.input("x", f32({kBatch, 300}));
  NodeId w = g.param("w", f32({300, 37})), bias = g.param("b", f32({37}));
  NodeId zero = bcast(g, g.scalar(0), {kBatch, 37});
  NodeId mm = g.create(Op::MatMul, {x, w});
  NodeId z = g.create(Op::Add, {mm, bcast(g, bias, {kBatch, 37})});
  NodeId h = g.create(Op::Maximum, {z, zero});
  NodeId mask = g.create(Op::Gt, {z, zero});
  // h is read by the next layer (a kernel of its own); an output would not
  // hold the product (Kernel.h: an update may write it into a param).
  NodeId next = g.create(Op::Sin, {h});
  g.addOutput("next", next);
  g.addOutput("mask", mask);
  std::vector<Kernel> ks = fuseKernels(g);
  REQUIRE(ks.size() == 2);
  CHECK(ks[0].fused);
  CHECK(ks[0].isInterior(mm));
  CHECK(ks[0].isInterior(z));
  CHECK(nnc::codegen::gemmDestination(g, ks[0]) == h);
  diffTest(g, 1e-4, {}, kBatches);
  sameBitsAsUnfused(g);

  // With h an output, the product keeps a buffer of its own.
  g.addOutput("h", h);
  std::vector<Kernel> kept = fuseKernels(g);
  CHECK_FALSE(kept[0].isInterior(mm));
  CHECK(nnc::codegen::gemmDestination(g, kept[0]) == mm);
  diffTest(g, 1e-4, {}, kBatches);
  sameBitsAsUnfused(g);
}

TEST_CASE("fusion gemm: the masked gradient and the bias gradient's sum over the batch", "[codegen][fusion]") {
  // dh = select(mask, dy W^T, 0), db = sum of dh over the batch; a row
  // maximum too (kept rows); a sum over both axes stays out of the GEMM.
  Graph g;
  g.name = "backprop";
  NodeId dy = g.input("dy", f32({kBatch, 300})), mask = g.input("mask", boolean({kBatch, 29}));
  NodeId w = g.param("w", f32({29, 300}));
  NodeId wt = transpose(g, w);
  NodeId mm = g.create(Op::MatMul, {dy, wt});
  NodeId dh = g.create(Op::Select, {mask, mm, bcast(g, g.scalar(0), {kBatch, 29})});
  NodeId db = reduceSum(g, dh, {0});
  Attrs rowAxes;
  rowAxes.set("axes", std::vector<int64_t>{1});
  rowAxes.set("keep", int64_t{1});
  NodeId rowMax = g.create(Op::ReduceMax, {dh}, rowAxes);
  NodeId total = reduceSum(g, dh, {0, 1});
  g.addOutput("dx", g.create(Op::MatMul, {dh, w})); // the next layer back reads dh
  g.addOutput("rowmax", rowMax);
  g.addOutput("db", db);
  g.addOutput("total", total);
  std::vector<Kernel> ks = fuseKernels(g);
  const Kernel &k = kernelWith(ks, mm);
  CHECK(k.fused);
  CHECK(k.isInterior(mm));
  CHECK(k.isInterior(wt)); // read in place, transposed
  CHECK(holds(k, dh));
  CHECK(holds(k, db));
  CHECK(holds(k, rowMax));
  CHECK_FALSE(holds(k, total));
  diffTest(g, 1e-4, {}, kBatches);
  sameBitsAsUnfused(g);
}

TEST_CASE("fusion gemm: a product read elsewhere, or with no stored value to hold it, keeps its buffer",
          "[codegen][fusion]") {
  Graph g;
  g.name = "kept";
  NodeId x = g.input("x", f32({kBatch, 19})), y = g.input("y", f32({kBatch, 19}));
  NodeId w = g.param("w", f32({19, 19}));
  // p: only a bool comes out of its epilogue; q: read by a second matmul.
  NodeId p = g.create(Op::MatMul, {x, w});
  NodeId pos = g.create(Op::Gt, {p, bcast(g, g.scalar(0), {kBatch, 19})});
  NodeId q = g.create(Op::MatMul, {y, w});
  NodeId q2 = g.create(Op::Mul, {q, q});
  NodeId r = g.create(Op::MatMul, {q, w});
  g.addOutput("pos", pos);
  g.addOutput("q2", q2);
  g.addOutput("r", r);
  std::vector<Kernel> ks = fuseKernels(g);
  CHECK_FALSE(kernelWith(ks, p).isInterior(p));
  CHECK(holds(kernelWith(ks, p), pos));
  CHECK_FALSE(kernelWith(ks, q).isInterior(q));
  CHECK(holds(kernelWith(ks, q), q2));
  CHECK_FALSE(kernelWith(ks, r).fused); // a lone GEMM: no epilogue
  diffTest(g, 1e-4, {}, kBatches);
  sameBitsAsUnfused(g);
}

TEST_CASE("fusion gemm: transposed operands are read in place", "[codegen][fusion]") {
  // A weight gradient x^T dy alone (no epilogue), and x^T x^T with one
  // transpose read twice; a transpose read elsewhere too keeps its copy.
  Graph g;
  g.name = "transposed";
  NodeId x = g.input("x", f32({kBatch, 300})), dy = g.input("dy", f32({kBatch, 23}));
  NodeId s = g.param("s", f32({31, 31}));
  NodeId xt = transpose(g, x);
  NodeId dw = g.create(Op::MatMul, {xt, dy});
  NodeId st = transpose(g, s);
  NodeId ss = g.create(Op::MatMul, {st, st});
  NodeId dyt = transpose(g, dy);
  NodeId d2 = g.create(Op::MatMul, {dyt, dy});
  g.addOutput("dw", dw);
  g.addOutput("ss", ss);
  g.addOutput("d2", d2);
  g.addOutput("dyt", dyt);
  std::vector<Kernel> ks = fuseKernels(g);
  CHECK(kernelWith(ks, dw).isInterior(xt));
  CHECK(kernelWith(ks, ss).isInterior(st));
  CHECK_FALSE(holds(kernelWith(ks, d2), dyt));
  diffTest(g, 1e-4, {}, kBatches);
  sameBitsAsUnfused(g);
}
