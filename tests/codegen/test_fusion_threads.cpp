// Fused loops on the runtime's threads (codegen/EmitFused.cpp): a loop of
// 32768 elements or more is split over the outermost axis no reduction
// sums along (blocks of the flat index when it has no multi-index), so the
// results are the interpreter's and the same bits at any thread count.
#include "CodegenTestUtil.h"

#include "codegen/Codegen.h"
#include "codegen/Fusion.h"
#include "nnc/threads.h"

using namespace nnc::codegen::test;
using nnc::codegen::fuseKernels;

namespace {

NodeId bcast(Graph &g, NodeId x, Shape s) {
  Attrs a;
  a.set("shape", s.dims());
  return g.create(Op::Broadcast, {x}, a);
}

NodeId reduce(Graph &g, Op op, NodeId x, std::vector<int64_t> axes) {
  Attrs a;
  a.set("axes", std::move(axes));
  a.set("keep", int64_t{0});
  return g.create(op, {x}, a);
}

// Batches below the threshold (serial), just above it with a partial last
// block (300 * 111 = 33300 elements), and well above it.
const std::vector<int64_t> kBatches = {5, 111, 400};

// The interpreter's values, and the same bits at 1, 2 and 3 threads.
void sameBitsAtEveryThreadCount(const Graph &g, double tol = 1e-5) {
  diffTest(g, tol, {}, kBatches);
  int saved = nnc_threads_get();
  std::unique_ptr<JitGraph> jit = jitCompile(g, fuseKernels(g));
  std::mt19937 rng(7);
  for (int64_t batch : kBatches) {
    Bindings b = randomBindings(g, batch, rng);
    nnc_threads_set(1);
    std::map<std::string, Tensor> want = runJit(*jit, b, batch);
    for (int threads : {2, 3}) {
      nnc_threads_set(threads);
      std::map<std::string, Tensor> got = runJit(*jit, b, batch);
      for (const auto &[name, t] : want) {
        INFO("output " << name << ", batch " << batch << ", " << threads << " threads");
        checkClose(got.at(name), t, 0);
      }
    }
  }
  nnc_threads_set(saved);
}

size_t count(const std::string &text, const std::string &what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

} // namespace

TEST_CASE("fusion threads: a large elementwise chain is split in blocks of its flat index", "[codegen][fusion]") {
  Graph g;
  g.name = "flat";
  NodeId x = g.input("x", f32({kBatch, 300})), y = g.input("y", f32({kBatch, 300}));
  NodeId z = g.create(Op::Mul, {g.create(Op::Add, {x, y}), g.create(Op::Sub, {x, y})});
  g.addOutput("z", g.create(Op::Maximum, {z, bcast(g, g.scalar(0), {kBatch, 300})}));
  std::string ir = nnc::codegen::emitLLVM(g, fuseKernels(g));
  CHECK(count(ir, "call void @nnc_parallel_for") == 1);
  sameBitsAtEveryThreadCount(g);
}

TEST_CASE("fusion threads: exp and log written inline give the same bits on any thread", "[codegen][fusion]") {
  // A flat loop (split in blocks) and a loop nest with a row sum (split by
  // rows), each computing exp and log in the loop (codegen/InlineMath.h).
  Graph g;
  g.name = "math";
  NodeId x = g.input("x", f32({kBatch, 300}));
  NodeId e = g.create(Op::Exp, {g.create(Op::Mul, {x, x})});
  g.addOutput("flat", g.create(Op::Log, {g.create(Op::Add, {e, x})}));
  NodeId shifted = g.create(Op::Sub, {x, bcast(g, g.param("c", f32({300})), {kBatch, 300})});
  g.addOutput("rows", reduce(g, Op::ReduceSum, g.create(Op::Exp, {shifted}), {1}));
  std::string ir = nnc::codegen::emitLLVM(g, fuseKernels(g));
  CHECK(count(ir, "call void @nnc_parallel_for") == 2);
  CHECK(count(ir, "nnc_vexp_f32") == 0);
  CHECK(count(ir, "nnc_vlog_f32") == 0);
  sameBitsAtEveryThreadCount(g, 1e-5);
}

TEST_CASE("fusion threads: a loop nest is split along an axis no reduction sums over", "[codegen][fusion]") {
  // A bias gradient (sum over the batch: split by columns), row maxima and
  // means (split by rows), and a total over both axes (not split).
  Graph g;
  g.name = "nest";
  NodeId dy = g.input("dy", f32({kBatch, 300})), h = g.input("h", f32({kBatch, 300}));
  NodeId bias = g.param("b", f32({300}));
  NodeId zero = bcast(g, g.scalar(0), {kBatch, 300});
  NodeId z = g.create(Op::Add, {h, bcast(g, bias, {kBatch, 300})});
  NodeId masked = g.create(Op::Select, {g.create(Op::Gt, {z, zero}), dy, zero});
  g.addOutput("masked", masked);
  g.addOutput("db", reduce(g, Op::ReduceSum, masked, {0}));
  NodeId sq = g.create(Op::Mul, {dy, dy});
  g.addOutput("rowmax", reduce(g, Op::ReduceMax, sq, {1}));
  g.addOutput("rowmean", reduce(g, Op::ReduceMean, sq, {1}));
  NodeId cube = g.create(Op::Mul, {sq, h});
  g.addOutput("total", reduce(g, Op::ReduceSum, cube, {0, 1}));
  std::vector<nnc::codegen::Kernel> ks = fuseKernels(g);
  std::string ir = nnc::codegen::emitLLVM(g, ks);
  // Every fused kernel but the total's is split.
  size_t fused = 0;
  for (const auto &k : ks)
    fused += k.fused;
  CHECK(fused >= 2);
  CHECK(count(ir, "call void @nnc_parallel_for") == fused - 1);
  sameBitsAtEveryThreadCount(g, 1e-4);
}

TEST_CASE("fusion threads: small and unbatched loops stay on the calling thread", "[codegen][fusion]") {
  Graph g;
  g.name = "small";
  NodeId x = g.input("x", f32({kBatch, 10})), w = g.param("w", f32({100, 100}));
  g.addOutput("y", g.create(Op::Mul, {x, x}));
  g.addOutput("w2", g.create(Op::Sub, {w, g.create(Op::Mul, {w, bcast(g, g.scalar(0.5), {100, 100})})}));
  std::string ir = nnc::codegen::emitLLVM(g, fuseKernels(g));
  CHECK(count(ir, "nnc_parallel_for") == 0);
  sameBitsAtEveryThreadCount(g);

  // An Adam-sized update of a 784 x 128 weight is split.
  Graph u;
  u.name = "update";
  NodeId p = u.param("p", f32({784, 128})), grad = u.input("g", f32({784, 128}));
  u.addOutput("p2", u.create(Op::Sub, {p, u.create(Op::Mul, {grad, bcast(u, u.scalar(1e-3), {784, 128})})}));
  CHECK(count(nnc::codegen::emitLLVM(u, fuseKernels(u)), "call void @nnc_parallel_for") == 1);
  sameBitsAtEveryThreadCount(u);
}

TEST_CASE("fusion threads: a reshape is read in place by the loop that consumes it", "[codegen][fusion]") {
  // A data block's flatten(image) / 255, and a row sum of the flattened
  // rows (a loop nest): each one loop reading the image where it lies, with
  // no copy of the reshaped rows. Then a GEMM's epilogue with a reshape.
  Graph g;
  g.name = "flatten";
  NodeId image = g.input("image", f32({kBatch, 3, 100}));
  Attrs flat;
  flat.set("shape", std::vector<int64_t>{kBatch, 300});
  NodeId rows = g.create(Op::Reshape, {image}, flat);
  g.addOutput("x", g.create(Op::Div, {rows, bcast(g, g.scalar(255), {kBatch, 300})}));
  NodeId again = g.create(Op::Reshape, {image}, flat);
  g.addOutput("sums", reduce(g, Op::ReduceSum, g.create(Op::Mul, {again, again}), {1}));
  std::vector<nnc::codegen::Kernel> ks = fuseKernels(g);
  REQUIRE(ks.size() == 2);
  for (const auto &k : ks) {
    CHECK(k.fused);
    CHECK((k.isInterior(rows) || k.isInterior(again)));
  }
  CHECK(count(nnc::codegen::emitLLVM(g, ks), "call void @nnc_parallel_for") == 2);
  sameBitsAtEveryThreadCount(g, 1e-4);

  // A reshape to the product's own shape joins a GEMM's epilogue.
  Graph e;
  e.name = "epilogue";
  NodeId x = e.input("x", f32({kBatch, 300})), w = e.param("w", f32({300, 40}));
  Attrs same;
  same.set("shape", std::vector<int64_t>{kBatch, 40});
  NodeId r = e.create(Op::Reshape, {e.create(Op::MatMul, {x, w})}, same);
  e.addOutput("y", e.create(Op::Maximum, {r, bcast(e, e.scalar(0), {kBatch, 40})}));
  REQUIRE(fuseKernels(e).size() == 1);
  sameBitsAtEveryThreadCount(e, 1e-4);
}
