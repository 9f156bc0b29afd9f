// Dead-code elimination: the clean-up pass that drops what no output needs.
#pragma once

#include "ir/Graph.h"

namespace nnc::passes {

// The graph without the nodes that no output depends on. Inputs and params
// stay, in order, even when unused: they are the graph's interface. The
// surviving nodes keep their relative order, attributes and source tags, and
// the outputs keep their names and order.
ir::Graph eliminateDeadCode(const ir::Graph &g);

} // namespace nnc::passes
