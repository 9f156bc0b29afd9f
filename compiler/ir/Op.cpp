#include "ir/Op.h"

#include <iterator>

namespace nnc::ir {

namespace {
constexpr OpInfo kOpTable[] = {
#define OP(Enum, Name, Category, Arity) {Name, OpCategory::Category, Arity},
#include "ir/Ops.def"
};
} // namespace

const OpInfo &opInfo(Op op) { return kOpTable[static_cast<size_t>(op)]; }

std::optional<Op> parseOp(std::string_view name) {
  for (size_t i = 0; i < std::size(kOpTable); ++i)
    if (name == kOpTable[i].name) return static_cast<Op>(i);
  return std::nullopt;
}

const char *categoryName(OpCategory c) {
  switch (c) {
  case OpCategory::Source: return "source";
  case OpCategory::Elementwise: return "elementwise";
  case OpCategory::Broadcast: return "broadcast";
  case OpCategory::Reduce: return "reduce";
  case OpCategory::Layout: return "layout";
  case OpCategory::Opaque: return "opaque";
  }
  return "?";
}

bool isPredicate(Op op) {
  switch (op) {
  case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge:
  case Op::And: case Op::Or: case Op::Not:
    return true;
  default:
    return false;
  }
}

} // namespace nnc::ir
