#include "driver/TrainProgram.h"

#include "driver/ManifestWriter.h"
#include "passes/DeadCode.h"

#include <set>

namespace nnc::driver {

namespace {

const DataInfo &findData(const ElaboratedProgram &prog, const std::string &name) {
  for (const DataInfo &d : prog.datas)
    if (d.name == name) return d;
  throw std::logic_error("train block on unknown data `" + name + "`");
}

// The data graph with the values whose statistics it reads as outputs too,
// so the runtime can compute them before binding its statistic inputs.
ir::Graph withStatisticOutputs(const DataInfo &data) {
  ir::Graph g = data.graph;
  std::string last;
  for (const DataStatistic &st : data.statistics)
    if (statisticOutput(st) != last) g.addOutput(last = statisticOutput(st), st.of);
  return g;
}

} // namespace

std::string statisticOutput(const DataStatistic &st) { return st.input.substr(0, st.input.rfind('/')); }

bool isRowwise(const ir::Graph &g) {
  for (const ir::Node &n : g.nodes()) {
    if (n.op == ir::Op::RandomUniform || n.op == ir::Op::RandomNormal) return false;
    bool batchedResult = n.type.shape.rank() > 0 && n.type.shape[0] == ir::kBatch;
    for (ir::NodeId in : n.inputs)
      if (g.type(in).shape.hasBatch() && !batchedResult) return false;
    // A batch dim anywhere but first means rows were moved.
    for (size_t i = 1; i < n.type.shape.rank(); ++i)
      if (n.type.shape[i] == ir::kBatch) return false;
  }
  return true;
}

namespace {

// Each model's init graph, less the params an earlier model's initializes: a
// model that calls another initializes the other's params too (to the same
// values, whose seeds follow their names), and each param has one init.
std::vector<ir::Graph> ownInits(const ElaboratedProgram &prog) {
  std::set<std::string> initialized;
  std::vector<ir::Graph> inits;
  for (const ModelGraphs &m : prog.models) {
    ir::Graph g;
    g.name = m.init.name;
    for (const ir::Node &n : m.init.nodes())
      g.createUnchecked(n);
    for (const auto &[name, id] : m.init.outputs())
      if (initialized.insert(name).second) g.addOutput(name, id);
    inits.push_back(passes::eliminateDeadCode(g));
  }
  return inits;
}

} // namespace

TrainProgram assembleTrainProgram(const ElaboratedProgram &prog, const TrainInfo &t) {
  const DataInfo &data = findData(prog, t.data);
  ManifestWriter w;
  w.os << "nnc-program 1\n";
  w.os << "train " << quote(t.model) << " " << quote(t.data) << "\n";
  w.os << "setting epochs " << t.epochs << "\n";
  w.os << "setting batch " << t.batch << "\n";
  w.os << "setting seed " << data.seed << "\n";
  w.os << "setting validation " << number(data.validation) << "\n";
  w.os << "setting shuffle " << (data.shuffle ? 1 : 0) << "\n";
  if (data.testFraction > 0) w.os << "setting test " << number(data.testFraction) << "\n";
  std::vector<ir::Graph> inits = ownInits(prog);
  for (const ir::Graph &init : inits)
    for (const auto &[name, id] : init.outputs()) w.os << "param " << quote(name) << " " << typeText(init.type(id)) << "\n";
  for (const StepInfo &s : t.steps) w.os << "step " << quote(s.name) << "\n";
  for (const StepInfo &s : t.steps)
    for (const auto &[name, value] : hyperInputs(s))
      w.os << "hyper " << quote(s.name) << " " << quote(name.substr(std::string(kHyperPrefix).size())) << " "
           << number(value) << "\n";
  for (const DataSource &src : data.sources) w.source(src);
  for (const DataStatistic &st : data.statistics)
    w.os << "statistic " << quote(st.input) << " " << st.kind << " " << quote(statisticOutput(st)) << "\n";
  w.graph(withStatisticOutputs(data), "data", data.name);
  for (size_t k = 0; k < inits.size(); ++k) w.graph(inits[k], "init", prog.models[k].name);
  for (const StepInfo &s : t.steps) {
    w.graph(s.stateInit, "state_init", s.name);
    w.graph(s.update, "update", s.name);
    w.graph(s.evaluate, "evaluate", s.name);
  }
  if (!t.picture.kind.empty()) w.graph(t.picture.graph, "picture", t.picture.kind);
  w.os << "end\n";
  TrainProgram p;
  p.manifest = w.os.str();
  p.graphs = std::move(w.graphs);
  p.kernels = std::move(w.kernels);
  p.plans = std::move(w.plans);
  return p;
}

codegen::ProgramSpec TrainProgram::spec(const std::string &mainCalls) const {
  codegen::ProgramSpec s;
  s.name = "train";
  s.manifest = manifest;
  s.mainCalls = mainCalls;
  for (size_t i = 0; i < graphs.size(); ++i) s.graphs.push_back({&graphs[i], kernels.at(i), plans.at(i)});
  return s;
}

} // namespace nnc::driver
