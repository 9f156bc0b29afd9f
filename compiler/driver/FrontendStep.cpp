#include "driver/FrontendStep.h"

#include "ir/Verifier.h"

#include <ostream>

namespace nnc::driver {

bool compile(const Options &opt, SourceManager &sm, DiagnosticEngine &diags, FrontendResult &fe, std::ostream &err) {
  fe = runFrontend(opt.file, sm, diags);
  const ElaboratedProgram &prog = fe.program;
  // Graphs are built through shape-checked constructors; the verifier
  // catches a bug in the front end before anything later trusts them.
  if (!diags.hasErrors()) {
    auto check = [&](const ir::Graph &g) {
      for (const std::string &m : ir::verify(g)) diags.error({}, "internal error: graph `" + g.name + "`: " + m);
    };
    for (const ModelGraphs &m : prog.models) {
      check(m.init);
      check(m.forward);
    }
    for (const DataInfo &d : prog.datas) check(d.graph);
    for (const TrainInfo &t : prog.trains)
      for (const StepInfo &s : t.steps)
        for (const ir::Graph *g : {&s.graph, &s.evaluate, &s.gradient, &s.update, &s.stateInit}) check(*g);
  }
  diags.print(err, opt.color);
  if (diags.hasErrors()) {
    err << diags.shownErrorCount() << " error" << (diags.shownErrorCount() == 1 ? "" : "s") << " generated.\n";
    return false;
  }
  return true;
}

} // namespace nnc::driver
