// The memory planner: lifetimes in kernel order, then one pass over the
// kernels giving each value computed there a slot: its operand's (in place),
// a free slot of the closest size, or a new one.
#include "codegen/MemoryPlan.h"

#include <algorithm>
#include <map>
#include <optional>

namespace nnc::codegen {

int64_t MemoryPlan::storageKey(ir::NodeId id) const {
  size_t i = static_cast<size_t>(id);
  if (storedIn[i] >= 0) return storedIn[i];
  if (slot[i] >= 0) return static_cast<int64_t>(slot.size()) + slot[i];
  return id;
}

namespace {

using ir::NodeId;

bool isBound(const ir::Node &n) { return n.op == ir::Op::Input || n.op == ir::Op::Param; }

// A value's bytes: per row when its shape has B.
MemorySlot sizeOf(const ir::TensorType &t) {
  return {t.shape.hasBatch(), t.shape.numel(1) * static_cast<int64_t>(ir::dtypeBytes(t.dtype))};
}

void add(ArenaBytes &a, const MemorySlot &s) { (s.batched ? a.perRow : a.fixed) += s.bytes; }

class Planner {
public:
  Planner(const ir::Graph &g, const std::vector<Kernel> &kernels)
      : g_(g), kernels_(kernels), def_(g.size(), -1), last_(g.size(), -1) {
    plan_.slot.assign(g.size(), -1);
    plan_.storedIn.assign(g.size(), -1);
    for (size_t k = 0; k < kernels.size(); ++k) {
      buffers_.push_back(kernelBuffers(g, kernels[k]));
      gemms_.push_back(fusedMatMul(g, kernels[k]));
      destinations_.push_back(gemmDestination(g, kernels[k]));
      for (NodeId id : kernels[k].nodes)
        if (!kernels[k].isInterior(id)) def_[static_cast<size_t>(id)] = static_cast<int>(k);
      for (NodeId id : buffers_.back()) last_[static_cast<size_t>(id)] = static_cast<int>(k);
    }
    // Outputs live to the end: the caller reads them after the run.
    for (const auto &[name, id] : g.outputs()) last_[static_cast<size_t>(id)] = static_cast<int>(kernels.size());
  }

  MemoryPlan run(const std::vector<InPlaceUpdate> &updates) {
    std::map<NodeId, NodeId> into; // value -> bound node
    std::vector<bool> taken(g_.size(), false);
    for (const InPlaceUpdate &u : updates)
      if (legalUpdate(u) && !into.count(u.value) && !taken[static_cast<size_t>(u.bound)]) {
        into[u.value] = u.bound;
        taken[static_cast<size_t>(u.bound)] = true;
      }
    for (size_t k = 0; k < kernels_.size(); ++k)
      for (NodeId id : kernels_[k].nodes) {
        if (def_[static_cast<size_t>(id)] != static_cast<int>(k)) continue; // interior
        const MemorySlot size = sizeOf(g_.type(id));
        add(plan_.unshared, size);
        if (auto it = into.find(id); it != into.end()) {
          plan_.storedIn[static_cast<size_t>(id)] = it->second;
          continue;
        }
        int s = inPlaceSlot(id, k);
        if (s < 0) s = freeSlot(size, static_cast<int>(k));
        if (s < 0) {
          s = static_cast<int>(slots_.size());
          slots_.push_back({size, -1, -1});
        }
        Slot &slot = slots_[static_cast<size_t>(s)];
        slot.size.bytes = std::max(slot.size.bytes, size.bytes);
        slot.last = last_[static_cast<size_t>(id)];
        slot.occupant = id;
        plan_.slot[static_cast<size_t>(id)] = s;
      }
    for (const Slot &s : slots_) {
      plan_.slots.push_back(s.size);
      add(plan_.arena, s.size);
    }
    return std::move(plan_);
  }

private:
  struct Slot {
    MemorySlot size;
    int last;         // the last kernel reading its latest member
    NodeId occupant;  // that member
  };

  // Whether kernel k may store `value` over `operand` at the same element:
  // k is one fused loop, `value` is elementwise over it, they are alike, no
  // broadcast of k reads the operand (at other elements), and a node of k
  // up to `value` reads it: the loop computes its nodes in order and loads
  // an operand's element once, when first read (EmitFused.cpp), so the load
  // comes before the store. In a GEMM kernel the epilogue stores block by
  // block while the product still reads its operands whole, and the product
  // is written into its destination's buffer before the epilogue reads
  // anything else there (EmitFusedGemm.cpp): neither is ever shared.
  bool inPlace(NodeId value, NodeId operand, size_t k) const {
    const Kernel &kernel = kernels_[k];
    const ir::Node &n = g_.node(value);
    if (!kernel.fused || ir::opInfo(n.op).category != ir::OpCategory::Elementwise || foldedConstant(g_, value))
      return false;
    if (g_.type(operand) != n.type) return false;
    if (const std::optional<NodeId> &mm = gemms_[k]) {
      if (destinations_[k] == value || gemmReads(kernel, *mm, operand)) return false;
    }
    bool readFirst = false, seen = false;
    for (NodeId id : kernel.nodes) {
      const ir::Node &m = g_.node(id);
      bool reads = std::find(m.inputs.begin(), m.inputs.end(), operand) != m.inputs.end();
      if (reads && m.op == ir::Op::Broadcast) return false;
      readFirst = readFirst || (reads && !seen);
      seen = seen || id == value;
    }
    return readFirst;
  }

  // Whether matmul `mm` of kernel k reads `operand`, directly or through a
  // transpose of k that it reads in place.
  bool gemmReads(const Kernel &k, NodeId mm, NodeId operand) const {
    for (NodeId in : g_.node(mm).inputs) {
      if (in == operand) return true;
      const ir::Node &t = g_.node(in);
      if (t.op == ir::Op::Transpose && k.isInterior(in) && t.inputs[0] == operand) return true;
    }
    return false;
  }

  // An update is legal when its value is stored by some kernel, has the
  // bound node's type, and no kernel after it reads the bound node (nor the
  // caller: an output that is the node itself), or only its own kernel does,
  // in place.
  bool legalUpdate(const InPlaceUpdate &u) const {
    if (u.value < 0 || u.bound < 0 || static_cast<size_t>(u.value) >= g_.size() ||
        static_cast<size_t>(u.bound) >= g_.size())
      return false;
    int k = def_[static_cast<size_t>(u.value)], lastRead = last_[static_cast<size_t>(u.bound)];
    if (k < 0 || !isBound(g_.node(u.bound)) || g_.type(u.value) != g_.type(u.bound)) return false;
    return lastRead < k || (lastRead == k && inPlace(u.value, u.bound, static_cast<size_t>(k)));
  }

  // The slot of a value kernel k reads last, when `id` may be stored over
  // it: its operands first.
  int inPlaceSlot(NodeId id, size_t k) const {
    std::vector<NodeId> candidates = g_.node(id).inputs;
    for (NodeId in : buffers_[k]) candidates.push_back(in);
    for (NodeId in : candidates) {
      int s = plan_.slot[static_cast<size_t>(in)];
      if (s < 0) continue;
      const Slot &slot = slots_[static_cast<size_t>(s)];
      if (slot.occupant == in && slot.last == static_cast<int>(k) && inPlace(id, in, k)) return s;
    }
    return -1;
  }

  // A slot of the same kind whose members are all dead before kernel k: the
  // smallest that holds `size`, else the largest (which grows the least).
  int freeSlot(const MemorySlot &size, int k) const {
    int fit = -1, grow = -1;
    for (size_t s = 0; s < slots_.size(); ++s) {
      const Slot &c = slots_[s];
      if (c.last >= k || c.size.batched != size.batched) continue;
      if (c.size.bytes >= size.bytes) {
        if (fit < 0 || c.size.bytes < slots_[static_cast<size_t>(fit)].size.bytes) fit = static_cast<int>(s);
      } else if (grow < 0 || c.size.bytes > slots_[static_cast<size_t>(grow)].size.bytes) {
        grow = static_cast<int>(s);
      }
    }
    return fit >= 0 ? fit : grow;
  }

  const ir::Graph &g_;
  const std::vector<Kernel> &kernels_;
  std::vector<std::vector<NodeId>> buffers_; // per kernel
  std::vector<std::optional<NodeId>> gemms_, destinations_; // per kernel: fusedMatMul, gemmDestination
  std::vector<int> def_, last_;              // per node: kernel indices, -1 for none
  std::vector<Slot> slots_;
  MemoryPlan plan_;
};

} // namespace

MemoryPlan planMemory(const ir::Graph &g, const std::vector<Kernel> &kernels,
                      const std::vector<InPlaceUpdate> &updates) {
  return Planner(g, kernels).run(updates);
}

} // namespace nnc::codegen
