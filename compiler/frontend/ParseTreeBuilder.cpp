#include "frontend/ParseTreeBuilder.h"

#include "frontend/ExprBuilder.h"

#include <optional>
#include <type_traits>

namespace nnc {

using P = grammar::NNParser;
using ast::ExprPtr;

namespace {

ast::Stmt makeStmt(ast::StmtKind kind, SourceRange r) {
  ast::Stmt s;
  s.kind = kind;
  s.range = r;
  return s;
}

// Declarations and statements; expressions and types go to ExprBuilder.
class Builder {
public:
  Builder(const ParseInput &input, ParseDiags &diags) : ex_(input, diags) {}

  void decls(P::FileContext *ctx, ast::Module &m);

private:
  void topItem(P::TopItemContext *ctx, ast::Module &m);
  std::optional<ast::ImportDecl> importDecl(P::ImportDeclContext *ctx);
  template <class Ctx> std::optional<ast::FnDecl> fnDecl(Ctx *ctx, bool isModel);
  std::optional<ast::OptimizerDecl> optimizerDecl(P::OptimizerDeclContext *ctx);
  std::optional<ast::DataDecl> dataDecl(P::DataDeclContext *ctx);
  std::optional<ast::TrainDecl> trainDecl(P::TrainDeclContext *ctx);
  std::vector<ast::FnParam> params(P::ParamListContext *ctx);

  std::vector<ast::Stmt> block(P::BlockContext *ctx);
  void stmt(P::StmtContext *ctx, std::vector<ast::Stmt> &out);
  std::optional<ast::Stmt> assignStmt(P::AssignStmtContext *ctx);
  std::optional<ast::Stmt> updateStmt(P::StmtContext *ctx, ast::Ident target, P::UpdateOpContext *op,
                                      P::ExprContext *value);
  void keepSettings(std::vector<ast::Stmt> &body, const char *where, bool allowUpdates);

  ExprBuilder ex_;
};

// ---------------------------------------------------------------- declarations

// file : topItem* EOF
void Builder::decls(P::FileContext *ctx, ast::Module &m) {
  if (!ctx) return;
  for (P::TopItemContext *item : ctx->topItem())
    topItem(item, m);
}

// topItem : importDecl | fnDecl | modelDecl | optimizerDecl | dataDecl | trainDecl | ';'
void Builder::topItem(P::TopItemContext *ctx, ast::Module &m) {
  if (auto *c = ctx->importDecl()) {
    if (auto d = importDecl(c)) m.imports.push_back(std::move(*d));
  } else if (auto *c = ctx->fnDecl()) {
    if (auto d = fnDecl(c, false)) m.fns.push_back(std::move(*d));
  } else if (auto *c = ctx->modelDecl()) {
    if (auto d = fnDecl(c, true)) m.fns.push_back(std::move(*d));
  } else if (auto *c = ctx->optimizerDecl()) {
    if (auto d = optimizerDecl(c)) m.optimizers.push_back(std::move(*d));
  } else if (auto *c = ctx->dataDecl()) {
    if (auto d = dataDecl(c)) m.datas.push_back(std::move(*d));
  } else if (auto *c = ctx->trainDecl()) {
    if (auto d = trainDecl(c)) m.trains.push_back(std::move(*d));
  }
}

// importDecl : 'import' (dottedName | STRING)      dottedName : name ('.' name)*
std::optional<ast::ImportDecl> Builder::importDecl(P::ImportDeclContext *ctx) {
  ast::ImportDecl d;
  d.range = ex_.range(ctx);
  if (antlr4::tree::TerminalNode *str = ctx->STRING()) {
    std::optional<std::string> path = ex_.stringValue(str->getSymbol());
    if (!path) return std::nullopt;
    d.path = std::move(*path);
    d.isString = true;
    return d;
  }
  if (!ctx->dottedName()) return std::nullopt;
  for (P::NameContext *n : ctx->dottedName()->name()) {
    std::optional<ast::Ident> id = ex_.ident(n);
    if (!id) return std::nullopt;
    d.path += (d.path.empty() ? "" : ".") + id->name;
  }
  if (d.path.empty()) return std::nullopt;
  return d;
}

// fnDecl    : 'fn' name '(' paramList? ')' ('->' type)? ('=' expr | block)
// modelDecl : 'model' name '(' paramList? ')' ('->' type)? block
template <class Ctx> std::optional<ast::FnDecl> Builder::fnDecl(Ctx *ctx, bool isModel) {
  std::optional<ast::Ident> name = ex_.ident(ctx->name());
  if (!name) return std::nullopt;
  ast::FnDecl d;
  d.name = std::move(*name);
  d.isModel = isModel;
  d.range = ex_.range(ctx);
  d.params = params(ctx->paramList());
  if (ctx->type()) d.result = ex_.type(ctx->type());
  if (ctx->block()) {
    d.body = block(ctx->block());
    return d;
  }
  if constexpr (std::is_same_v<Ctx, P::FnDeclContext>) {
    // `fn f(x) = expr` is shorthand for a body that returns expr.
    if (ExprPtr value = ex_.expr(ctx->expr())) {
      ast::Stmt ret = makeStmt(ast::StmtKind::Return, value->range);
      ret.values.push_back(std::move(value));
      d.body.push_back(std::move(ret));
    }
  }
  return d;
}

// paramList : param (',' param)* ','?      param : name (':' type)? ('=' expr)?
std::vector<ast::FnParam> Builder::params(P::ParamListContext *ctx) {
  std::vector<ast::FnParam> out;
  if (!ctx) return out;
  for (P::ParamContext *p : ctx->param()) {
    std::optional<ast::Ident> name = ex_.ident(p->name());
    if (!name) continue;
    ast::FnParam param;
    param.name = std::move(*name);
    param.range = ex_.range(p);
    if (p->type()) param.type = ex_.type(p->type());
    if (p->ASSIGN()) param.dflt = ex_.expr(p->expr());
    out.push_back(std::move(param));
  }
  return out;
}

// optimizerDecl : 'optimizer' name ('(' paramList? ')')? block
std::optional<ast::OptimizerDecl> Builder::optimizerDecl(P::OptimizerDeclContext *ctx) {
  std::optional<ast::Ident> name = ex_.ident(ctx->name());
  if (!name) return std::nullopt;
  ast::OptimizerDecl d;
  d.name = std::move(*name);
  d.params = params(ctx->paramList());
  d.body = block(ctx->block());
  d.range = ex_.range(ctx);
  return d;
}

// dataDecl : 'data' name block
std::optional<ast::DataDecl> Builder::dataDecl(P::DataDeclContext *ctx) {
  std::optional<ast::Ident> name = ex_.ident(ctx->name());
  if (!name) return std::nullopt;
  ast::DataDecl d;
  d.name = std::move(*name);
  d.body = block(ctx->block());
  d.range = ex_.range(ctx);
  keepSettings(d.body, "data block", /*allowUpdates=*/false);
  return d;
}

// trainDecl : 'train' name 'on' name '{' (stepDecl | stmt)* '}'
// stepDecl  : 'step' name block
std::optional<ast::TrainDecl> Builder::trainDecl(P::TrainDeclContext *ctx) {
  std::optional<ast::Ident> model = ex_.ident(ctx->model), data = ex_.ident(ctx->data);
  if (!model || !data) return std::nullopt;
  ast::TrainDecl d;
  d.model = std::move(*model);
  d.data = std::move(*data);
  d.range = ex_.range(ctx);
  for (P::TrainItemContext *item : ctx->trainItem()) {
    if (P::StmtContext *s = item->stmt()) {
      stmt(s, d.body);
      continue;
    }
    P::StepDeclContext *step = item->stepDecl();
    std::optional<ast::Ident> stepName = step ? ex_.ident(step->name()) : std::nullopt;
    if (!stepName) continue;
    ast::StepDecl sd;
    sd.name = std::move(*stepName);
    sd.body = block(step->block());
    sd.range = ex_.range(step);
    keepSettings(sd.body, "train step", /*allowUpdates=*/true);
    d.steps.push_back(std::move(sd));
  }
  keepSettings(d.body, "train block", /*allowUpdates=*/true);
  return d;
}

// Data and train blocks hold settings, `name = value`, and nothing else;
// drops (and reports) any other statement.
void Builder::keepSettings(std::vector<ast::Stmt> &body, const char *where, bool allowUpdates) {
  std::erase_if(body, [&](const ast::Stmt &s) {
    bool ok =
        s.kind == ast::StmtKind::Assign && s.targets.size() == 1 && !s.type && (allowUpdates || s.updates.empty());
    if (!ok) ex_.diags().error(s.range, std::string("only `name = value` settings are allowed in a ") + where);
    return !ok;
  });
}

// ---------------------------------------------------------------- statements

// block : '{' stmt* '}'
std::vector<ast::Stmt> Builder::block(P::BlockContext *ctx) {
  std::vector<ast::Stmt> out;
  if (!ctx) return out;
  for (P::StmtContext *s : ctx->stmt())
    stmt(s, out);
  return out;
}

void Builder::stmt(P::StmtContext *ctx, std::vector<ast::Stmt> &out) {
  // 'param' name ':' type ('=' expr)?
  if (auto *c = dynamic_cast<P::ParamStmtContext *>(ctx)) {
    std::optional<ast::Ident> name = ex_.ident(c->name());
    std::optional<ast::TypeExpr> ty = ex_.type(c->type());
    ExprPtr value = c->ASSIGN() ? ex_.expr(c->expr()) : nullptr;
    if (!name || !ty || (c->ASSIGN() && !value)) return;
    ast::Stmt s = makeStmt(ast::StmtKind::Param, ex_.range(c));
    s.type = std::move(ty);
    s.value = std::move(value);
    s.targets.push_back(std::move(*name));
    out.push_back(std::move(s));
    return;
  }
  // 'param' ('-=' | '+=' | '*=' | '/=') expr
  if (auto *c = dynamic_cast<P::ParamUpdateStmtContext *>(ctx)) {
    ast::Ident target{"param", ex_.range(c->KW_PARAM()->getSymbol())};
    if (auto s = updateStmt(c, std::move(target), c->updateOp(), c->expr())) out.push_back(std::move(*s));
    return;
  }
  // name ('-=' | '+=' | '*=' | '/=') expr
  if (auto *c = dynamic_cast<P::UpdateStmtContext *>(ctx)) {
    std::optional<ast::Ident> target = ex_.ident(c->name());
    if (!target) return;
    if (auto s = updateStmt(c, std::move(*target), c->updateOp(), c->expr())) out.push_back(std::move(*s));
    return;
  }
  // 'state' name '=' expr (',' name '=' expr)*: one State statement each.
  if (auto *c = dynamic_cast<P::StateStmtContext *>(ctx)) {
    for (P::StateEntryContext *entry : c->stateEntry()) {
      std::optional<ast::Ident> name = ex_.ident(entry->name());
      ExprPtr value = ex_.expr(entry->expr());
      if (!name || !value) continue;
      SourceRange r = ex_.range(entry);
      if (entry == c->stateEntry(0)) r.begin = ex_.range(c).begin; // the first includes `state`
      ast::Stmt s = makeStmt(ast::StmtKind::State, r);
      s.value = std::move(value);
      s.targets.push_back(std::move(*name));
      out.push_back(std::move(s));
    }
    return;
  }
  // 'return' expr (',' expr)*
  if (auto *c = dynamic_cast<P::ReturnStmtContext *>(ctx)) {
    ast::Stmt s = makeStmt(ast::StmtKind::Return, ex_.range(c));
    for (P::ExprContext *e : c->expr()) {
      ExprPtr value = ex_.expr(e);
      if (!value) return;
      s.values.push_back(std::move(value));
    }
    if (!s.values.empty()) out.push_back(std::move(s));
    return;
  }
  // 'for' name 'in' expr block
  if (auto *c = dynamic_cast<P::ForStmtContext *>(ctx)) {
    std::optional<ast::Ident> name = ex_.ident(c->name());
    ExprPtr value = ex_.expr(c->expr());
    if (!name || !value || !c->block()) return;
    ast::Stmt s = makeStmt(ast::StmtKind::For, ex_.range(c));
    s.targets.push_back(std::move(*name));
    s.value = std::move(value);
    s.body = block(c->block());
    out.push_back(std::move(s));
    return;
  }
  // name ':' type '=' expr
  if (auto *c = dynamic_cast<P::TypedAssignStmtContext *>(ctx)) {
    std::optional<ast::Ident> name = ex_.ident(c->name());
    std::optional<ast::TypeExpr> ty = ex_.type(c->type());
    ExprPtr value = ex_.expr(c->expr());
    if (!name || !ty || !value) return;
    ast::Stmt s = makeStmt(ast::StmtKind::Assign, ex_.range(c));
    s.type = std::move(ty);
    s.value = std::move(value);
    s.targets.push_back(std::move(*name));
    out.push_back(std::move(s));
    return;
  }
  if (auto *c = dynamic_cast<P::AssignStmtContext *>(ctx)) {
    if (auto s = assignStmt(c)) out.push_back(std::move(*s));
  }
  // ';' and statements ANTLR could not make sense of: nothing to keep.
}

// name (',' name)* '=' expr ('updates' name (',' name)*)?
std::optional<ast::Stmt> Builder::assignStmt(P::AssignStmtContext *ctx) {
  ast::Stmt s = makeStmt(ast::StmtKind::Assign, ex_.range(ctx));
  for (P::NameContext *n : ctx->targets) {
    std::optional<ast::Ident> id = ex_.ident(n);
    if (!id) return std::nullopt;
    s.targets.push_back(std::move(*id));
  }
  for (P::NameContext *n : ctx->updated) {
    std::optional<ast::Ident> id = ex_.ident(n);
    if (!id) return std::nullopt;
    s.updates.push_back(std::move(*id));
  }
  s.value = ex_.expr(ctx->expr());
  if (s.targets.empty() || !s.value) return std::nullopt;
  return s;
}

std::optional<ast::Stmt> Builder::updateStmt(P::StmtContext *ctx, ast::Ident target, P::UpdateOpContext *op,
                                             P::ExprContext *value) {
  antlr4::Token *opTok = op ? op->getStart() : nullptr;
  if (!opTok || ParseInput::isConjured(opTok) || opTok->getType() == antlr4::Token::EOF) return std::nullopt;
  ast::Stmt s = makeStmt(ast::StmtKind::Update, ex_.range(ctx));
  s.op = ex_.text(opTok);
  s.value = ex_.expr(value);
  if (!s.value) return std::nullopt;
  s.targets.push_back(std::move(target));
  return s;
}

} // namespace

void buildDecls(grammar::NNParser::FileContext *tree, const ParseInput &input, ParseDiags &diags, ast::Module &module) {
  Builder(input, diags).decls(tree, module);
}

} // namespace nnc
