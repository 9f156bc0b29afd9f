// Constant folding: the clean-up pass that computes at compile time what
// depends on constants alone.
#pragma once

#include "ir/Graph.h"

namespace nnc::passes {

// The graph with every node whose operands are all constants (after folding
// the nodes before it) replaced by a constant holding its value, computed by
// the reference interpreter: exactly for f64 results, rounded to float for
// f32 ones (ir::Precision::F32), i32 wrapping, just as the program would.
// A result whose elements are all equal is stored as one splat value.
//
// Left alone: sources (random ops draw numbers at run time), results with the
// batch dimension, results over 1 << 20 elements, opaque ops (matmul, conv2d,
// ...) whose result size times largest operand exceeds 1 << 26 (a bound on
// their work), results that are not splats and hold more elements than their
// operands together (folding a broadcast or an outer product only makes the
// program bigger), and ops the interpreter rejects on these values (an
// integer division by zero, an index out of range): those fail at run time
// as they would have.
ir::Graph foldConstants(const ir::Graph &g);

} // namespace nnc::passes
