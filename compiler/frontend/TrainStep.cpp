// The rest of a train step after its loss: gradients of the loss with respect
// to the params the step updates, then the optimizer's update of each.
#include "frontend/ElabContext.h"

#include "autodiff/Differentiate.h"

namespace nnc {

void Elab::buildUpdate(StepInfo &si, const ast::OptimizerDecl &opt, const std::map<std::string, Value> &args,
                       ir::NodeId loss, ir::NodeId step, SourceRange lossRange) {
  // A step updates the params of the models it names, and no others.
  std::vector<ir::NodeId> wrt;
  for (ir::NodeId p : si.graph.params()) {
    std::string name = si.graph.node(p).attrs.getString("name");
    for (const std::string &m : si.updates) {
      if (name.rfind(m + "/", 0) != 0) continue;
      wrt.push_back(p);
      si.params.push_back(name);
      break;
    }
  }
  if (wrt.empty()) {
    std::string models;
    for (const std::string &m : si.updates) models += (models.empty() ? "`" : ", `") + m + "`";
    error(lossRange, "the loss of step `" + si.name + "` uses no param of " + models + ": there is nothing to train");
    return;
  }

  si.gradient = si.graph;
  si.gradient.name = si.graph.name + ".grad";
  std::vector<ir::NodeId> grads;
  try {
    grads = autodiff::differentiate(si.gradient, loss, wrt);
  } catch (const autodiff::GradError &e) {
    error(lossRange, e.what());
    return;
  }
  for (size_t k = 0; k < wrt.size(); ++k) si.gradient.addOutput("grad/" + si.params[k], grads[k]);

  si.update = si.gradient;
  si.update.name = si.graph.name + ".update";
  si.stateInit.name = si.graph.name + ".state";
  GraphCtx ctx(&si.update);
  Restore<GraphCtx *> saveCtx(ctx_);
  ctx_ = &ctx;
  // The update graph copies the step graph node for node, so tensors of the
  // step graph (a learning-rate schedule) keep their ids.
  std::map<std::string, Value> local = args;
  for (auto &[_, v] : local)
    if (v.kind == Value::Tensor) v.graph = &si.update;
  // A learning rate given as a number becomes the input "hyper/lr", so that a
  // compiled trainer can take `--lr` without recompiling; its value stays in
  // si.optimizer.args. A schedule (a tensor of `step`) stays as it is.
  auto lr = local.find("lr");
  if (lr != local.end() && lr->second.isNumber())
    lr->second = Value::ofTensor(&si.update, si.update.input(kHyperPrefix + std::string("lr"),
                                                             ir::TensorType{ir::DType::F32, ir::Shape{}}));
  for (size_t k = 0; k < wrt.size(); ++k) {
    OptimizerTarget t;
    t.param = Value::ofTensor(&si.update, wrt[k]);
    t.grad = Value::ofTensor(&si.update, grads[k]);
    t.step = Value::ofTensor(&si.update, step);
    t.statePrefix = si.name + "/" + si.params[k];
    t.stateInit = &si.stateInit;
    if (!runOptimizer(opt, local, t)) return;
    si.update.addOutput("param/" + si.params[k], t.newParam.node);
    for (const auto &[name, v] : t.newStates) si.update.addOutput("state/" + t.statePrefix + "/" + name, v.node);
  }
}

std::map<std::string, double> hyperInputs(const StepInfo &s) {
  std::map<std::string, double> out;
  const std::string prefix = kHyperPrefix;
  for (ir::NodeId id : s.update.inputs()) {
    std::string name = s.update.node(id).attrs.getString("name");
    if (name.rfind(prefix, 0) != 0) continue;
    auto it = s.optimizer.args.find(name.substr(prefix.size()));
    if (it != s.optimizer.args.end()) out[name] = it->second;
  }
  return out;
}

} // namespace nnc
