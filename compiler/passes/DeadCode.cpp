#include "passes/DeadCode.h"

#include "passes/Rewrite.h"

namespace nnc::passes {

namespace {

// Marks every node an output reaches. Operands have smaller ids than their
// users, so one sweep from the last node down sees every user before its operands.
std::vector<bool> liveNodes(const ir::Graph &g) {
  std::vector<bool> live(g.size(), false);
  for (const auto &[name, id] : g.outputs())
    if (id >= 0 && static_cast<size_t>(id) < g.size()) live[static_cast<size_t>(id)] = true;
  for (size_t i = g.size(); i-- > 0;) {
    if (!live[i]) continue;
    for (ir::NodeId in : g.nodes()[i].inputs)
      if (in >= 0 && static_cast<size_t>(in) < i) live[static_cast<size_t>(in)] = true;
  }
  return live;
}

} // namespace

ir::Graph eliminateDeadCode(const ir::Graph &g) {
  std::vector<bool> live = liveNodes(g);
  GraphRewriter rw(g);
  for (size_t i = 0; i < g.size(); ++i)
    if (live[i] || isInterface(g.nodes()[i].op)) rw.copy(static_cast<ir::NodeId>(i));
  return rw.finish();
}

} // namespace nnc::passes
