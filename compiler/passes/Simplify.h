// Algebraic simplification: the clean-up pass that rewrites nodes into
// cheaper equivalents by a table of local rules.
#pragma once

#include "ir/Graph.h"

namespace nnc::passes {

// The graph with these rewrites applied wherever they match, each node
// rewritten repeatedly until no rule applies:
//
//   x * 1, 1 * x, x / 1, x ^ 1           -> x
//   x + 0, 0 + x, x - 0                  -> x
//   0 - x, x * -1, -1 * x                -> neg x
//   neg(neg x)                           -> x
//   select(c, x, x)                      -> x
//   select(c, x, y), c known everywhere  -> x or y   (c a splat, or a
//                                                    comparison of two)
//   cast x to its own dtype              -> x
//   reduce_* over no axes                -> x       (whatever `keep` says)
//   reshape or broadcast to x's shape    -> x
//   transpose by the identity            -> x
//   transpose(transpose x)               -> one transpose (the composed permutation)
//   reshape(reshape x)                   -> one reshape
//   broadcast(broadcast x)               -> one broadcast
//   reshape(broadcast x), x one element  -> broadcast x to the reshape's shape
//   stop_gradient x                      -> x       (so never run it before
//                                                    differentiating a graph)
//
// "The constant k" is a splat constant, or any chain of broadcasts, reshapes
// and transposes of one, so mul(x, broadcast(constant 1)) -> x.
//
// The rules are exact in IEEE arithmetic but for the sign of a zero: x + 0
// gives +0 for x = -0, and 0 - x gives +0 for x = +0 where neg gives -0.
// Rewritten-away nodes stay in the graph; eliminateDeadCode drops them.
ir::Graph simplify(const ir::Graph &g);

} // namespace nnc::passes
