// The op enumeration and its table of static facts, generated from Ops.def.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nnc::ir {

enum class Op {
#define OP(Enum, Name, Category, Arity) Enum,
#include "ir/Ops.def"
};

enum class OpCategory { Source, Elementwise, Broadcast, Reduce, Layout, Opaque };

struct OpInfo {
  const char *name;
  OpCategory category;
  int arity; // -1: variadic
};

const OpInfo &opInfo(Op op);
inline const char *opName(Op op) { return opInfo(op).name; }
// The reductions to a value per kept element (sum, max, min, mean); not argmax.
inline bool isReduction(Op op) {
  return op == Op::ReduceSum || op == Op::ReduceMax || op == Op::ReduceMin || op == Op::ReduceMean;
}
std::optional<Op> parseOp(std::string_view name);
const char *categoryName(OpCategory c);

// Comparisons and logical ops produce bool.
bool isPredicate(Op op);

} // namespace nnc::ir
