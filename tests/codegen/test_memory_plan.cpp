// The memory plan (codegen/MemoryPlan.h): slots shared by values never alive
// together, in place only where legal, outputs kept; and the generated code
// run on the plan's shared buffers (the JIT lays its buffers out by it)
// against the interpreter.
#include "CodegenTestUtil.h"
#include "MemoryPlanCheck.h"

#include "codegen/Fusion.h"
#include "codegen/MemoryPlan.h"

using namespace nnc::codegen::test;
using nnc::codegen::fuseKernels;
using nnc::codegen::InPlaceUpdate;
using nnc::codegen::Kernel;
using nnc::codegen::MemoryPlan;
using nnc::codegen::planMemory;

namespace {

Attrs shapeAttr(Shape s) {
  Attrs a;
  a.set("shape", s.dims());
  return a;
}

NodeId bcast(Graph &g, NodeId x, Shape s) { return g.create(Op::Broadcast, {x}, shapeAttr(std::move(s))); }

NodeId relu(Graph &g, NodeId x) {
  return g.create(Op::Maximum, {x, bcast(g, g.scalar(0), g.type(x).shape)});
}

// Four dense layers of one width: each matmul's operand is dead once the
// next layer's matmul ran.
Graph deepChain() {
  Graph g;
  g.name = "chain";
  NodeId h = g.input("x", f32({kBatch, 8}));
  for (int i = 0; i < 4; ++i) h = relu(g, g.create(Op::MatMul, {h, g.param("w" + std::to_string(i), f32({8, 8}))}));
  g.addOutput("y", h);
  return g;
}

} // namespace

TEST_CASE("memory plan: a chain of layers reuses two slots", "[codegen][memplan]") {
  Graph g = deepChain();
  std::vector<Kernel> ks = fuseKernels(g);
  MemoryPlan plan = planMemory(g, ks);
  checkMemoryPlan(g, ks, plan);
  // Each relu holds its layer's product (the GEMM's epilogue) and is read
  // by the next GEMM, so that relu goes into the other slot; the last one
  // is the output, which holds no product: that matmul keeps a buffer.
  CHECK(plan.slots.size() == 2);
  CHECK(plan.arena.perRow == 2 * 8 * 4);
  CHECK(plan.unshared.perRow == 5 * 8 * 4);
  CHECK(plan.arena.fixed == 0);
  diffTest(g);
}

TEST_CASE("memory plan: an elementwise op takes its operand's slot only as its last use", "[codegen][memplan]") {
  Graph g;
  g.name = "inplace";
  NodeId x = g.input("x", f32({kBatch, 5}));
  NodeId a = g.create(Op::Sin, {x}); // sin (a libm call) is a kernel of its own
  // b reads a elementwise, a's last use: b takes a's slot.
  NodeId b = g.create(Op::Mul, {a, bcast(g, g.scalar(3), {kBatch, 5})});
  NodeId c = g.create(Op::Sin, {b});
  // d reads c, but so does f after it: d needs a slot of its own.
  NodeId d = g.create(Op::Add, {c, bcast(g, g.scalar(1), {kBatch, 5})});
  NodeId e = g.create(Op::Sin, {d});
  NodeId f = g.create(Op::Sub, {e, c});
  g.addOutput("d", d);
  g.addOutput("f", f);
  std::vector<Kernel> ks = fuseKernels(g);
  MemoryPlan plan = planMemory(g, ks);
  CHECK(checkMemoryPlan(g, ks, plan) >= 2);
  auto slotOf = [&](NodeId id) { return plan.slot[static_cast<size_t>(id)]; };
  CHECK(slotOf(b) == slotOf(a));
  CHECK(slotOf(d) != slotOf(c));
  // f is e - c in place over one of them: both die there.
  CHECK((slotOf(f) == slotOf(e) || slotOf(f) == slotOf(c)));
  diffTest(g);
}

TEST_CASE("memory plan: a GEMM's epilogue stores nothing over the GEMM's operands or its destination",
          "[codegen][memplan]") {
  Graph g;
  g.name = "gemm_inplace";
  NodeId x = g.input("x", f32({kBatch, 5}));
  NodeId w = g.param("w", f32({5, 5}));
  NodeId a = g.create(Op::Sin, {x});
  NodeId q = g.create(Op::Sin, {g.create(Op::Neg, {x})});
  NodeId r = g.create(Op::Sin, {g.create(Op::Sqrt, {x})});
  // y = a w, read by its epilogue with a (the GEMM's operand, last read
  // here), q and r (the epilogue's alone, last read here).
  NodeId y = g.create(Op::MatMul, {a, w});
  NodeId s = g.create(Op::Add, {y, a});   // holds the product: a stored value, no output
  NodeId t = g.create(Op::Mul, {s, q});   // may be stored over q: only the epilogue reads q
  NodeId u = g.create(Op::Sub, {t, r});   // the output
  g.addOutput("t", t);
  g.addOutput("u", u);
  g.addOutput("s2", g.create(Op::Sin, {s}));
  std::vector<Kernel> ks = fuseKernels(g);
  const Kernel *gemm = nullptr;
  for (const Kernel &k : ks)
    if (std::find(k.nodes.begin(), k.nodes.end(), y) != k.nodes.end()) gemm = &k;
  REQUIRE(gemm);
  REQUIRE(gemm->fused);
  REQUIRE(gemm->isInterior(y));
  REQUIRE(nnc::codegen::gemmDestination(g, *gemm) == s);
  MemoryPlan plan = planMemory(g, ks);
  CHECK(checkMemoryPlan(g, ks, plan) >= 1);
  auto slotOf = [&](NodeId id) { return plan.slot[static_cast<size_t>(id)]; };
  CHECK(slotOf(s) != slotOf(a)); // the GEMM reads a whole while s is stored block by block
  CHECK(slotOf(s) != slotOf(q)); // the product lands in s's storage before q is read
  CHECK(slotOf(s) != slotOf(r));
  CHECK((slotOf(t) == slotOf(q) || slotOf(u) == slotOf(r) || slotOf(u) == slotOf(q)));
  diffTest(g);
}

TEST_CASE("memory plan: outputs are never overwritten", "[codegen][memplan]") {
  Graph g;
  g.name = "outputs";
  NodeId x = g.input("x", f32({kBatch, 6}));
  NodeId h = x;
  for (int i = 0; i < 3; ++i) {
    h = relu(g, g.create(Op::MatMul, {h, g.param("w" + std::to_string(i), f32({6, 6}))}));
    g.addOutput("h" + std::to_string(i), h);
  }
  std::vector<Kernel> ks = fuseKernels(g);
  MemoryPlan plan = planMemory(g, ks);
  checkMemoryPlan(g, ks, plan);
  for (const auto &[name, id] : g.outputs())
    for (const auto &[other, id2] : g.outputs())
      if (id != id2) CHECK(plan.slot[static_cast<size_t>(id)] != plan.slot[static_cast<size_t>(id2)]);
  diffTest(g);
}

TEST_CASE("memory plan: batched and unbatched values never share a slot", "[codegen][memplan]") {
  Graph g;
  g.name = "kinds";
  NodeId x = g.input("x", f32({kBatch, 4}));
  NodeId w = g.param("w", f32({4, 4}));
  NodeId a = g.create(Op::MatMul, {x, w});                 // [B,4]
  NodeId ww = g.create(Op::MatMul, {w, w});                // [4,4], 64 bytes like a at B = 4
  NodeId b = g.create(Op::MatMul, {a, ww});                // a and ww die here
  NodeId c = g.create(Op::MatMul, {w, g.create(Op::MatMul, {w, w})}); // unbatched again
  g.addOutput("b", b);
  g.addOutput("c", c);
  std::vector<Kernel> ks = fuseKernels(g);
  MemoryPlan plan = planMemory(g, ks);
  checkMemoryPlan(g, ks, plan);
  CHECK(plan.slot[static_cast<size_t>(a)] != plan.slot[static_cast<size_t>(ww)]);
  for (size_t i = 0; i < g.size(); ++i) {
    int s = plan.slot[i];
    if (s >= 0) CHECK(plan.slots[static_cast<size_t>(s)].batched == g.nodes()[i].type.shape.hasBatch());
  }
  diffTest(g);
}

TEST_CASE("memory plan: an update is written into its param once nothing reads the old value",
          "[codegen][memplan]") {
  // w' = w - 0.1 * g, with g = x^T x: the update reads w elementwise, last.
  Graph g;
  g.name = "update";
  NodeId x = g.input("x", f32({3, 3}));
  NodeId w = g.param("w", f32({3, 3}));
  NodeId y = g.create(Op::MatMul, {x, w});
  NodeId grad = g.create(Op::MatMul, {x, y});
  NodeId step = g.create(Op::Mul, {grad, bcast(g, g.scalar(0.1), {3, 3})});
  NodeId w2 = g.create(Op::Sub, {w, step});
  g.addOutput("param/w", w2);
  std::vector<Kernel> ks = fuseKernels(g);
  // The update is the gradient GEMM's epilogue; being an output, it does
  // not hold the product (which would land on w before the epilogue reads it).
  const Kernel &last = ks.back();
  REQUIRE(std::find(last.nodes.begin(), last.nodes.end(), w2) != last.nodes.end());
  CHECK(nnc::codegen::gemmDestination(g, last) == grad);
  std::vector<InPlaceUpdate> updates{{w2, w}};
  MemoryPlan plan = planMemory(g, ks, updates);
  CHECK(checkMemoryPlan(g, ks, plan, updates) >= 1);
  CHECK(plan.storedIn[static_cast<size_t>(w2)] == w);
  CHECK(plan.storageKey(w2) == plan.storageKey(w));

  // Read again after the update (an output that is w itself): not in place.
  Graph h = g;
  h.addOutput("old", w);
  std::vector<Kernel> hk = fuseKernels(h);
  MemoryPlan kept = planMemory(h, hk, updates);
  checkMemoryPlan(h, hk, kept, updates);
  CHECK(kept.storedIn[static_cast<size_t>(w2)] == -1);
  CHECK(kept.slot[static_cast<size_t>(w2)] >= 0);

  // A type that differs from the param's: not in place.
  MemoryPlan wrong = planMemory(g, ks, {{y, x}});
  CHECK(wrong.storedIn[static_cast<size_t>(y)] == -1);

  // An update the GEMM reads (w2 = w - x w): never in place, the product
  // reads w whole while the epilogue stores.
  Graph r;
  r.name = "update_read_by_gemm";
  NodeId rx = r.input("x", f32({3, 3}));
  NodeId rw = r.param("w", f32({3, 3}));
  NodeId rw2 = r.create(Op::Sub, {rw, r.create(Op::MatMul, {rx, rw})});
  r.addOutput("param/w", rw2);
  std::vector<Kernel> rk = fuseKernels(r);
  std::vector<InPlaceUpdate> rupdates{{rw2, rw}};
  MemoryPlan rplan = planMemory(r, rk, rupdates);
  checkMemoryPlan(r, rk, rplan, rupdates);
  CHECK(rplan.storedIn[static_cast<size_t>(rw2)] == -1);
}
