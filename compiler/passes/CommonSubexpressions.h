// Common-subexpression elimination: the clean-up pass that computes each
// distinct value once.
#pragma once

#include "ir/Graph.h"

namespace nnc::passes {

// The graph with every node that repeats an earlier one (the same op, the same
// operands after merging, the same attributes and result type) replaced by
// that earlier node; users and outputs are redirected to it. Constants with
// equal values merge too, a splat with its spelled-out form; floats compare
// bit for bit, so 0.0 and -0.0 stay apart.
//
// Inputs and params never merge. Random ops merge only when seed, attributes
// and key operand are all the same: such ops draw the very same numbers (each
// element is a pure function of seed, key and index), so sharing one is
// exact; different seeds or keys keep them apart.
//
// Merged-away nodes are left dead in place; eliminateDeadCode removes them.
ir::Graph eliminateCommonSubexpressions(const ir::Graph &g);

} // namespace nnc::passes
