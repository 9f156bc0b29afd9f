// Memory planning: which storage each value of a graph occupies while its
// kernels run, so that one arena per compiled graph holds every value and
// values that are never alive at the same time share a region of it.
//
// A value lives from the kernel that computes it to the last kernel that
// reads it; a graph output lives to the end. Values whose lifetimes do not
// overlap share a slot (greedy, in kernel order, best fit by size). Sizes
// depend on the batch: a shape has B at most once, so a value's bytes are
// a constant or a constant times B; slots hold one kind or the other.
//
// In place: a value computed elementwise in a fused kernel may take the slot
// of a value of the same type that the kernel reads, elementwise, for the
// last time, and an optimizer's new param or state may be written into the
// old one's storage (a caller-owned input or param) once nothing else reads
// the old value. Within that kernel the two nodes are one buffer: codegen
// passes them as one pointer (ModuleBuilder.cpp), and the fused loop loads
// the old element (read by a node up to the new value, in kernel order)
// before it stores the new one.
#pragma once

#include "codegen/Kernel.h"

#include <cstdint>
#include <vector>

namespace nnc::codegen {

// An output `value` the caller wants written into the storage of the input or
// param node `bound` (the param or state it replaces).
struct InPlaceUpdate {
  ir::NodeId value = -1, bound = -1;
};

// Bytes of an arena: fixed + perRow * batch.
struct ArenaBytes {
  int64_t fixed = 0, perRow = 0;
  int64_t at(int64_t batch) const { return fixed + perRow * batch; }
};

struct MemorySlot {
  bool batched = false; // bytes are per row
  int64_t bytes = 0;    // the largest member's
};

struct MemoryPlan {
  // Per node: its slot, or -1 for inputs, params, temps and values stored
  // in a bound node (storedIn).
  std::vector<int> slot;
  // Per node: the input or param whose storage holds this value, or -1.
  std::vector<ir::NodeId> storedIn;
  std::vector<MemorySlot> slots;
  // The arena of the plan, and of one region per stored value (no reuse).
  ArenaBytes arena, unshared;

  // Nodes with equal keys share memory: a bound node's id (also for the
  // values stored in it), or the graph size plus the slot. A temp's is its id.
  int64_t storageKey(ir::NodeId id) const;
};

// The plan of `g` run as `kernels` (in order). `updates` that are not legal
// (a later kernel reads the bound value, types differ, a value named twice)
// are left out: the caller copies those outputs itself.
MemoryPlan planMemory(const ir::Graph &g, const std::vector<Kernel> &kernels,
                      const std::vector<InPlaceUpdate> &updates = {});

} // namespace nnc::codegen
