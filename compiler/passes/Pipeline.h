// The clean-up pipeline run after differentiation: simplification, constant
// folding, CSE and dead-code elimination, repeated to a fixed point.
#pragma once

#include "ir/Graph.h"

#include <cstddef>
#include <string>
#include <vector>

namespace nnc::passes {

// One pass run: its name, the node counts before and after, and its time.
struct PassStats {
  std::string pass;
  size_t before;
  size_t after;
  double ms;
};

// Runs simplify, foldConstants, eliminateCommonSubexpressions and
// eliminateDeadCode, in that order, round after round until a round leaves the
// graph unchanged (at most 8 rounds). Appends one PassStats per pass run to
// `stats` when given.
//
// With the environment variable NNC_DUMP_PASSES set, prints the IR after
// every pass to stderr, headed by the pass's name, node counts and time. In
// builds without NDEBUG, verifies the graph after every pass and throws
// std::logic_error naming the pass when it is invalid.
ir::Graph cleanup(const ir::Graph &g, std::vector<PassStats> *stats = nullptr);

} // namespace nnc::passes
