#include "ModelState.h"

#include <cstring>

namespace nnc::trainer {

namespace {

// Runs a graph without inputs and copies each output into the tensor of
// the same name.
void runInto(const Graph &g, const nnc_program &p, ModelState &state) {
  GraphRunner r(g, p.graphs[g.index], 1);
  r.run(1);
  for (const Output &o : g.outputs) {
    StoredTensor *t = state.find(o.name);
    std::memcpy(t->data.data(), r.buffer(o.id), t->data.size());
  }
}

} // namespace

StoredTensor *ModelState::find(const std::string &name) {
  for (auto *list : {&params, &states, &statistics})
    for (StoredTensor &t : *list)
      if (t.name == name) return &t;
  return nullptr;
}

int64_t ModelState::paramCount() const {
  int64_t n = 0;
  for (const StoredTensor &t : params)
    n += t.type.shape.rowElems();
  return n;
}

ModelState initModelState(const Manifest &m, const nnc_program &program) {
  ModelState state;
  for (const Param &p : m.params)
    state.params.push_back({p.name, p.type, Buffer(tensorBytes(p.type, 1))});
  for (const Step &s : m.steps) {
    if (!s.stateInit) continue;
    for (const Output &o : s.stateInit->outputs) {
      const TensorType &t = s.stateInit->nodes[static_cast<size_t>(o.id)].type;
      state.states.push_back({o.name, t, Buffer(tensorBytes(t, 1))});
    }
  }
  for (const Statistic &st : m.statistics) {
    const TensorType &t = m.dataGraph->nodes[static_cast<size_t>(m.dataGraph->findInput(st.input))].type;
    state.statistics.push_back({st.input, t, Buffer(tensorBytes(t, 1))});
  }
  for (const Graph *g : m.initGraphs)
    runInto(*g, program, state);
  for (const Step &s : m.steps)
    if (s.stateInit) runInto(*s.stateInit, program, state);
  return state;
}

} // namespace nnc::trainer
