// Optimizers: running an update rule on one parameter, and checking every
// optimizer declaration by running it on a stand-in parameter.
#include "frontend/ElabContext.h"

#include <set>

namespace nnc {

// Runs the body of `o` for one parameter in the current graph. `args` holds
// the optimizer's parameters (numbers, or tensors such as a learning-rate
// schedule of `step`). Each `state s` becomes an input named
// "state/<prefix>/s" whose initial value is built into `t.stateInit`.
bool Elab::runOptimizer(const ast::OptimizerDecl &o, const std::map<std::string, Value> &args, OptimizerTarget &t) {
  Frame frame;
  frame.path = "optimizer." + o.name.name;
  frame.vars = args;
  frame.vars["param"] = t.param;
  frame.vars["grad"] = t.grad;
  frame.vars["step"] = t.step;
  frames_.push_back(std::move(frame));
  Restore<std::string> seedPath(seedPath_);
  seedPath_ = t.statePrefix;
  const ir::TensorType pt = t.param.type();
  std::vector<Value> dims;
  for (ir::Dim d : pt.shape.dims()) dims.push_back(Value::ofInt(d));
  int before = diags_.errorCount();
  bool updated = false;
  std::set<std::string> states;
  for (const ast::Stmt &s : o.body) {
    switch (s.kind) {
    case ast::StmtKind::State: {
      const std::string &name = s.targets[0].name;
      std::string full = "state/" + t.statePrefix + "/" + name;
      // The initial value is built like a param initializer, in the init graph.
      ir::Graph *graph = ctx_->graph;
      ctx_->graph = t.stateInit;
      Value iv = s.value ? eval(*s.value) : Value::ofFloat(0);
      SourceRange r = s.value ? s.value->range : s.range;
      if (iv.kind == Value::Function) iv = call(iv, {Value::ofList(dims)}, {""}, {r}, r);
      if (iv.isNumber()) iv = toTensor(iv, r);
      if (!iv.isError() && iv.kind != Value::Tensor)
        error(r, "a state starts as a number or an initializer such as `zeros`, got " + iv.describe());
      else if (!iv.isError()) {
        Value b = broadcastTo(iv, pt.shape, r);
        if (!b.isError()) t.stateInit->addOutput(full, b.node);
      }
      ctx_->graph = graph;
      states.insert(name);
      Value sv = Value::ofTensor(ctx_->graph, ctx_->graph->input(full, pt));
      frames_.back().vars[name] = sv;
      t.stateInputs.emplace_back(name, sv);
      continue;
    }
    case ast::StmtKind::Assign:
      if (s.value) assign(s, eval(*s.value));
      continue;
    case ast::StmtKind::Update: {
      if (!s.value) continue;
      const std::string &name = s.targets.empty() ? std::string("param") : s.targets[0].name;
      if (name != "param" && !states.count(name)) {
        error(s.range, "an optimizer updates `param` or its states; `" + name + "` is neither");
        continue;
      }
      Value rhs = eval(*s.value);
      if (rhs.isError()) continue;
      ir::Op op = s.op == "+=" ? ir::Op::Add : s.op == "*=" ? ir::Op::Mul : s.op == "/=" ? ir::Op::Div : ir::Op::Sub;
      Value nv = binary(op, frames_.back().vars[name], rhs, s.range, s.op);
      if (!nv.isError() && nv.type() != pt) {
        error(s.value->range, "the update of `" + name + "` must have the parameter's type " + pt.str() + ", got " + rhs.describe());
        continue;
      }
      frames_.back().vars[name] = nv;
      updated |= name == "param";
      continue;
    }
    case ast::StmtKind::Param:
      error(s.range, "an optimizer cannot declare params; use `state`");
      continue;
    case ast::StmtKind::Return:
      error(s.range, "an optimizer does not return; it updates `param`");
      continue;
    case ast::StmtKind::For:
      error(s.range, "`for` is only allowed in the body of a fn or a model");
      continue;
    }
  }
  if (!updated && diags_.errorCount() == before)
    error(o.name.range, "optimizer `" + o.name.name + "` never updates `param` (write `param -= ...`)");
  Frame done = std::move(frames_.back());
  frames_.pop_back();
  if (diags_.errorCount() != before) return false;
  t.newParam = done.vars["param"];
  for (const auto &[name, _] : t.stateInputs) t.newStates.emplace_back(name, done.vars[name]);
  return true;
}

// Every optimizer is run once on a stand-in f32[3, 4] parameter, so that a
// mistake in one is reported even before a train block uses it.
void Elab::checkOptimizer(const ast::OptimizerDecl &o) {
  ir::Graph g, init;
  g.name = "optimizer." + o.name.name;
  GraphCtx ctx(&g, &init);
  Restore<GraphCtx *> saveCtx(ctx_);
  ctx_ = &ctx;
  ir::TensorType pt{ir::DType::F32, ir::Shape{3, 4}};
  std::map<std::string, Value> args;
  for (const ast::FnParam &p : o.params) {
    Value v = Value::ofFloat(0.01);
    if (p.dflt) {
      frames_.emplace_back();
      v = eval(*p.dflt);
      frames_.pop_back();
      if (!v.isError() && !v.isNumber())
        error(p.dflt->range, "an optimizer's default must be a number, got " + v.describe());
    }
    args[p.name.name] = v;
  }
  OptimizerTarget t;
  t.param = Value::ofTensor(&g, g.param("param", pt));
  t.grad = Value::ofTensor(&g, g.input("grad", pt));
  t.step = Value::ofTensor(&g, g.input("step", ir::TensorType{ir::DType::F32, ir::Shape{}}));
  t.statePrefix = "param";
  t.stateInit = &init;
  runOptimizer(o, args, t);
}

} // namespace nnc
