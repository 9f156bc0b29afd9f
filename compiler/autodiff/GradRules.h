// Private to autodiff: the gradient rule of every primitive op, one `case` per
// op in GradRules.cpp, next to nothing else, so the rules read as a table.
#pragma once

#include "autodiff/GradBuilder.h"

#include <vector>

namespace nnc::autodiff {

// No cotangent for an operand.
constexpr ir::NodeId kNoGrad = -1;

// The cotangents of node `y`'s operands, given the cotangent `dy` of its
// (floating-point) result; one entry per operand. Rules build nodes only for
// operands with needs[i] set; the others get kNoGrad. A needed operand also
// gets kNoGrad when no gradient can flow into it: an operand that is not
// floating point (indices, conditions, random keys), or an op whose gradient
// is not implemented (max_pool2d_grad). The caller decides whether that is an
// error (see Differentiate.cpp).
std::vector<ir::NodeId> gradRule(GradBuilder &b, ir::NodeId y, ir::NodeId dy, const std::vector<bool> &needs);

} // namespace nnc::autodiff
