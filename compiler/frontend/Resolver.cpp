#include "frontend/Resolver.h"

#include "frontend/ElabContext.h"

#include <set>

namespace nnc {

namespace {

class Resolver {
public:
  Resolver(const LoadedProgram &prog, DiagnosticEngine &diags) : prog_(prog), diags_(diags) {
    for (const std::string &n : prog.symbols.allNames()) globals_.insert(n);
    for (const std::string &n : builtinNames()) globals_.insert(n);
    globals_.insert("training");
  }

  void fn(const ast::FnDecl &f) {
    std::set<std::string> scope;
    for (const ast::FnParam &p : f.params) {
      if (p.type) declareShapeVars(*p.type, scope);
      if (p.dflt) expr(*p.dflt, scope);
      scope.insert(p.name.name);
    }
    // Shape variables of the result type may be bound by the result itself.
    std::set<std::string> resultScope = scope;
    body(f.body, scope);
    if (f.result) {
      for (const std::string &n : scope) resultScope.insert(n);
      declareShapeVars(*f.result, resultScope);
    }
  }

  void optimizer(const ast::OptimizerDecl &o) {
    std::set<std::string> scope{"param", "grad", "step"};
    for (const ast::FnParam &p : o.params) {
      if (p.dflt) expr(*p.dflt, scope);
      scope.insert(p.name.name);
    }
    body(o.body, scope);
  }

private:
  bool known(const std::string &n, const std::set<std::string> &scope) const {
    return scope.count(n) || globals_.count(n);
  }

  // Names in a type's dims that are not known yet are shape variables.
  void declareShapeVars(const ast::TypeExpr &t, std::set<std::string> &scope) {
    for (const ast::TypeExpr &e : t.elems) declareShapeVars(e, scope);
    for (const ast::ExprPtr &d : t.dims) {
      if (!d) continue;
      if (d->kind == ast::ExprKind::Name && !known(d->text, scope)) scope.insert(d->text);
      else expr(*d, scope);
    }
  }

  void body(const std::vector<ast::Stmt> &stmts, std::set<std::string> &scope) {
    for (const ast::Stmt &s : stmts) {
      switch (s.kind) {
      case ast::StmtKind::Param: {
        if (s.type)
          for (const ast::ExprPtr &d : s.type->dims)
            if (d) expr(*d, scope);
        std::set<std::string> initScope = scope;
        initScope.insert("shape"); // an initializer expression may use the param's shape
        if (s.value) expr(*s.value, initScope);
        break;
      }
      case ast::StmtKind::Assign:
      case ast::StmtKind::State:
      case ast::StmtKind::Update:
        if (s.value) expr(*s.value, scope);
        break;
      case ast::StmtKind::Return:
        for (const ast::ExprPtr &v : s.values)
          if (v) expr(*v, scope);
        break;
      case ast::StmtKind::For:
        // The loop variable and the names the body binds stay bound after
        // the loop, as in Python.
        if (s.value) expr(*s.value, scope);
        if (!s.targets.empty()) scope.insert(s.targets[0].name);
        body(s.body, scope);
        break;
      }
      if (s.kind == ast::StmtKind::Update && !s.targets.empty() && !known(s.targets[0].name, scope))
        unknown(s.targets[0], scope);
      if (s.kind != ast::StmtKind::Update)
        for (const ast::Ident &t : s.targets) scope.insert(t.name);
    }
  }

  void unknown(const ast::Ident &id, const std::set<std::string> &scope) {
    diags_.error(id.range, "unknown name `" + id.name + "`");
    std::vector<std::string> cands(scope.begin(), scope.end());
    cands.insert(cands.end(), globals_.begin(), globals_.end());
    std::string hint = closestMatch(id.name, cands);
    if (!hint.empty()) diags_.note(id.range, "did you mean `" + hint + "`?");
  }

  void expr(const ast::Expr &e, const std::set<std::string> &scope) {
    if (diags_.tooMany()) return;
    if (e.kind == ast::ExprKind::Name && !known(e.text, scope)) unknown({e.text, e.range}, scope);
    for (const ast::ExprPtr &x : e.elems)
      if (x) expr(*x, scope);
    if (e.callee) expr(*e.callee, scope);
    for (const ast::Arg &a : e.args)
      if (a.value) expr(*a.value, scope);
    for (const ast::IndexItem &it : e.indices)
      for (const ast::ExprPtr *x : {&it.index, &it.start, &it.stop, &it.step})
        if (*x) expr(**x, scope);
  }

  const LoadedProgram &prog_;
  DiagnosticEngine &diags_;
  std::set<std::string> globals_;
};

} // namespace

bool resolveNames(const LoadedProgram &prog, DiagnosticEngine &diags) {
  int before = diags.errorCount();
  Resolver r(prog, diags);
  for (const auto &m : prog.modules) {
    for (const ast::FnDecl &f : m->fns) r.fn(f);
    for (const ast::OptimizerDecl &o : m->optimizers) r.optimizer(o);
  }
  return diags.errorCount() == before;
}

} // namespace nnc
