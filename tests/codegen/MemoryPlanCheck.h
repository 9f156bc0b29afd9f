// What a memory plan (codegen/MemoryPlan.h) must guarantee, checked from the
// kernels alone: two values sharing storage are never alive at once, except
// a value stored over another in place, which only a fused kernel's
// elementwise op may be, in the kernel that last reads the old value, which
// a node up to the new one reads (so the loop loads it first) and no
// broadcast does, and in a GEMM kernel is neither the product's destination
// nor stored over what the GEMM reads; outputs are never overwritten; bound nodes take only the
// updates asked for; every slot holds its members.
#pragma once

#include "codegen/MemoryPlan.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

namespace nnc::codegen::test {

// Checks `plan` of `g` run as `kernels`; returns how many values were
// stored over an operand (a slot's or a bound node's) in the kernel that
// last reads it.
inline int checkMemoryPlan(const ir::Graph &g, const std::vector<Kernel> &kernels, const MemoryPlan &plan,
                           const std::vector<InPlaceUpdate> &updates = {}) {
  const int end = static_cast<int>(kernels.size());
  std::vector<int> def(g.size(), -1), last(g.size(), -1);
  for (size_t k = 0; k < kernels.size(); ++k) {
    for (ir::NodeId id : kernels[k].nodes)
      if (!kernels[k].isInterior(id)) def[static_cast<size_t>(id)] = static_cast<int>(k);
    for (ir::NodeId id : kernelBuffers(g, kernels[k])) last[static_cast<size_t>(id)] = static_cast<int>(k);
  }
  for (const auto &[name, id] : g.outputs()) last[static_cast<size_t>(id)] = end;
  auto bound = [&](ir::NodeId id) { return g.node(id).op == ir::Op::Input || g.node(id).op == ir::Op::Param; };

  std::map<int64_t, std::vector<ir::NodeId>> members; // by storage key
  for (size_t i = 0; i < g.size(); ++i) {
    ir::NodeId id = static_cast<ir::NodeId>(i);
    INFO("node " << i << " (" << ir::opName(g.node(id).op) << ")");
    bool stored = def[i] >= 0;
    if (bound(id)) {
      CHECK(plan.slot[i] < 0);
      CHECK(plan.storedIn[i] < 0);
      members[plan.storageKey(id)].push_back(id);
      continue;
    }
    CHECK(stored == (plan.slot[i] >= 0 || plan.storedIn[i] >= 0));
    if (!stored) continue;
    if (plan.storedIn[i] >= 0) {
      bool asked = std::any_of(updates.begin(), updates.end(), [&](const InPlaceUpdate &u) {
        return u.value == id && u.bound == plan.storedIn[i];
      });
      CHECK(asked);
    } else {
      const MemorySlot &s = plan.slots.at(static_cast<size_t>(plan.slot[i]));
      CHECK(s.batched == g.type(id).shape.hasBatch());
      CHECK(s.bytes >= g.type(id).shape.numel(1) * static_cast<int64_t>(ir::dtypeBytes(g.type(id).dtype)));
    }
    members[plan.storageKey(id)].push_back(id);
  }

  int inPlace = 0;
  for (const auto &[key, ids] : members)
    for (size_t a = 0; a < ids.size(); ++a)
      for (size_t b = a + 1; b < ids.size(); ++b) {
        // u is alive first (a bound node from the start), v after it.
        ir::NodeId u = ids[a], v = ids[b];
        auto from = [&](ir::NodeId id) { return bound(id) ? -1 : def[static_cast<size_t>(id)]; };
        if (from(v) < from(u)) std::swap(u, v);
        INFO("nodes " << u << " and " << v << " share storage");
        REQUIRE(!bound(v)); // two bound nodes never share a key
        int lu = last[static_cast<size_t>(u)], dv = def[static_cast<size_t>(v)];
        if (lu < dv) continue;
        // Overlapping: only v stored over u in place, in u's last kernel.
        REQUIRE(lu == dv);
        const Kernel &k = kernels[static_cast<size_t>(dv)];
        const ir::Node &n = g.node(v);
        CHECK(k.fused);
        CHECK(ir::opInfo(n.op).category == ir::OpCategory::Elementwise);
        CHECK(g.type(u) == n.type);
        bool readFirst = false, seen = false;
        for (ir::NodeId id : k.nodes) {
          const ir::Node &m = g.node(id);
          bool reads = std::find(m.inputs.begin(), m.inputs.end(), u) != m.inputs.end();
          CHECK(!(reads && m.op == ir::Op::Broadcast));
          readFirst = readFirst || (reads && !seen);
          seen = seen || id == v;
        }
        CHECK(readFirst);
        // A GEMM reads its operands whole while its epilogue stores block by
        // block, and writes the product into its destination first.
        if (std::optional<ir::NodeId> mm = fusedMatMul(g, k)) {
          CHECK(gemmDestination(g, k) != v);
          for (ir::NodeId in : g.node(*mm).inputs) {
            CHECK(in != u);
            if (g.node(in).op == ir::Op::Transpose && k.isInterior(in)) CHECK(g.node(in).inputs[0] != u);
          }
        }
        ++inPlace;
      }
  return inPlace;
}

} // namespace nnc::codegen::test
