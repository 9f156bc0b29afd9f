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
  // matmul, relu in place over it, the next matmul in the other slot, ...
  CHECK(plan.slots.size() == 2);
  CHECK(plan.arena.perRow == 2 * 8 * 4);
  CHECK(plan.unshared.perRow == 8 * 8 * 4);
  CHECK(plan.arena.fixed == 0);
  diffTest(g);
}

TEST_CASE("memory plan: an elementwise op takes its operand's slot only as its last use", "[codegen][memplan]") {
  Graph g;
  g.name = "inplace";
  NodeId x = g.input("x", f32({kBatch, 5}));
  NodeId w = g.param("w", f32({5, 5}));
  NodeId a = g.create(Op::MatMul, {x, w});
  // b reads a elementwise, a's last use: b takes a's slot.
  NodeId b = g.create(Op::Mul, {a, bcast(g, g.scalar(3), {kBatch, 5})});
  NodeId c = g.create(Op::MatMul, {b, w});
  // d reads c, but so does e after it: d needs a slot of its own.
  NodeId d = g.create(Op::Add, {c, bcast(g, g.scalar(1), {kBatch, 5})});
  NodeId e = g.create(Op::MatMul, {d, g.create(Op::Transpose, {w}, [] {
                                      Attrs t;
                                      t.set("perm", std::vector<int64_t>{1, 0});
                                      return t;
                                    }())});
  NodeId f = g.create(Op::Sub, {e, c});
  g.addOutput("d", d);
  g.addOutput("f", f);
  std::vector<Kernel> ks = fuseKernels(g);
  MemoryPlan plan = planMemory(g, ks);
  CHECK(checkMemoryPlan(g, ks, plan) >= 1);
  auto slotOf = [&](NodeId id) { return plan.slot[static_cast<size_t>(id)]; };
  CHECK(slotOf(b) == slotOf(a));
  CHECK(slotOf(d) != slotOf(c));
  // f is e - c in place over one of them: both die there.
  CHECK((slotOf(f) == slotOf(e) || slotOf(f) == slotOf(c)));
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
}
