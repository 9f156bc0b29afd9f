#include "passes/CommonSubexpressions.h"

#include "passes/Rewrite.h"

#include <string>
#include <unordered_map>

namespace nnc::passes {

ir::Graph eliminateCommonSubexpressions(const ir::Graph &g) {
  GraphRewriter rw(g);
  // Keyed by nodes of the new graph, whose operands are already merged, so
  // whole repeated subtrees collapse in one sweep.
  std::unordered_map<std::string, ir::NodeId> seen;
  for (size_t i = 0; i < g.size(); ++i) {
    ir::NodeId oldId = static_cast<ir::NodeId>(i);
    if (isInterface(g.nodes()[i].op)) {
      rw.copy(oldId);
      continue;
    }
    ir::Node probe = g.nodes()[i];
    probe.inputs = rw.mappedInputs(oldId);
    auto [it, inserted] = seen.emplace(nodeKey(probe), -1);
    if (!inserted) {
      rw.map(oldId, it->second);
      continue;
    }
    it->second = rw.copy(oldId);
  }
  return rw.finish();
}

} // namespace nnc::passes
