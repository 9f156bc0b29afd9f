#include "frontend/ExprBuilder.h"

#include <algorithm>
#include <charconv>

namespace nnc {

using P = grammar::NNParser;
using ast::ExprKind;
using ast::ExprPtr;

namespace {

const std::vector<std::string> kTypeNames = {"f32", "f64", "i32", "bool", "int", "float", "string"};

// The type name `name` was probably meant to be, or empty.
std::string suggestType(const std::string &name) {
  std::string best = closestMatch(name, kTypeNames);
  if (!best.empty()) return best;
  // closestMatch counts swapped letters as two edits, but `f23` is one typo.
  for (const std::string &t : kTypeNames)
    if (std::is_permutation(t.begin(), t.end(), name.begin(), name.end())) return t;
  return {};
}

// "`abc`" with long text shortened, for messages.
std::string backticked(std::string_view text) {
  if (text.size() > 24) return "`" + std::string(text.substr(0, 20)) + "...`";
  return "`" + std::string(text) + "`";
}

// Whether a float literal that from_chars found out of range is too large
// (rather than too small, which rounds to zero): its value is at least 1.
bool floatOverflows(std::string_view s) {
  size_t e = std::min(s.find_first_of("eE"), s.size());
  std::string_view mantissa = s.substr(0, e);
  size_t point = std::min(mantissa.find('.'), mantissa.size());
  size_t first = mantissa.find_first_not_of("0.");
  if (first == std::string_view::npos) return false; // zero
  // The power of ten of the first significant digit, plus one.
  long magnitude = first < point ? static_cast<long>(point - first) : -static_cast<long>(first - point - 1);
  long exp = 0;
  for (size_t k = e + 1; k < s.size(); ++k)
    if (s[k] >= '0' && s[k] <= '9') exp = std::min(exp * 10 + (s[k] - '0'), 1000000L);
  if (e + 1 < s.size() && s[e + 1] == '-') exp = -exp;
  return magnitude + exp > 0;
}

ExprPtr node(ExprKind kind, SourceRange r) {
  auto e = std::make_unique<ast::Expr>();
  e->kind = kind;
  e->range = r;
  return e;
}

} // namespace

// ---------------------------------------------------------------- shared helpers

SourceRange ExprBuilder::range(antlr4::ParserRuleContext *ctx) const {
  antlr4::Token *start = ctx->getStart(), *stop = ctx->getStop();
  SourceRange r = input_.rangeOf(start);
  // A rule that matched nothing (error recovery) ends before it starts.
  if (stop && start && stop->getTokenIndex() >= start->getTokenIndex()) r.end = input_.rangeOf(stop).end;
  return r;
}

// name : ID | 'step' | 'updates' | 'on' | 'state' | 'data' | 'train' | 'optimizer' | 'model'
std::optional<ast::Ident> ExprBuilder::ident(P::NameContext *ctx) const {
  if (!ctx) return std::nullopt;
  for (antlr4::tree::ParseTree *child : ctx->children) {
    auto *term = dynamic_cast<antlr4::tree::TerminalNode *>(child);
    if (!term || dynamic_cast<antlr4::tree::ErrorNode *>(child) || ParseInput::isConjured(term->getSymbol())) continue;
    return ast::Ident{text(term->getSymbol()), range(term->getSymbol())};
  }
  return std::nullopt;
}

// STRING : '"' ( ~["\\\r\n] | '\\' ~[\r\n] )* '"'    escapes: \" \\ \n \t
std::optional<std::string> ExprBuilder::stringValue(antlr4::Token *tok) {
  if (!tok || ParseInput::isConjured(tok)) return std::nullopt;
  std::string_view s = input_.textOf(tok);
  SourceRange r = range(tok);
  std::string out;
  // Starts past the opening quote; an unterminated string has no closing one.
  for (size_t i = 1; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char e = s[++i];
    switch (e) {
    case '"':
      out += '"';
      continue;
    case '\\':
      out += '\\';
      continue;
    case 'n':
      out += '\n';
      continue;
    case 't':
      out += '\t';
      continue;
    default:
      break;
    }
    // Strings sit on one line, so columns inside them are offsets.
    size_t len = 1;
    while (i + len < s.size() && (static_cast<unsigned char>(s[i + len]) & 0xC0) == 0x80)
      ++len;
    SourceLoc b = r.begin, en = r.begin;
    b.col += static_cast<int>(i - 1);
    en.col += static_cast<int>(i + len);
    diags_.error({b, en}, "unknown escape sequence `\\" + std::string(s.substr(i, len)) + "` in string");
    out += s.substr(i, len);
    i += len - 1;
  }
  return out;
}

// ---------------------------------------------------------------- types

// type : name ('[' (dimExpr (',' dimExpr)*)? ']')?  |  '(' type (',' type)+ ')'
std::optional<ast::TypeExpr> ExprBuilder::type(P::TypeContext *ctx) {
  if (auto *named = dynamic_cast<P::NamedTypeContext *>(ctx)) return namedType(named);
  auto *tuple = dynamic_cast<P::TupleTypeContext *>(ctx);
  if (!tuple) return std::nullopt;
  ast::TypeExpr t;
  t.kind = ast::TypeExpr::Tuple;
  t.range = range(tuple);
  for (P::TypeContext *elem : tuple->type()) {
    std::optional<ast::TypeExpr> e = type(elem);
    if (!e) return std::nullopt;
    t.elems.push_back(std::move(*e));
  }
  return t;
}

std::optional<ast::TypeExpr> ExprBuilder::namedType(P::NamedTypeContext *ctx) {
  std::optional<ast::Ident> name = ident(ctx->name());
  if (!name) return std::nullopt;
  bool hasDims = ctx->LBRACK() != nullptr;
  ast::TypeExpr t;
  t.range = range(ctx);
  const std::string &n = name->name;
  if (n == "bool" && !hasDims) {
    t.kind = ast::TypeExpr::Bool;
    return t;
  }
  if (n == "int" || n == "float" || n == "string") {
    if (hasDims) {
      diags_.error(range(ctx), "type `" + n + "` has no dimensions (tensors are f32, f64, i32 or bool)");
      return std::nullopt;
    }
    t.kind = n == "int" ? ast::TypeExpr::Int : n == "float" ? ast::TypeExpr::Float : ast::TypeExpr::String;
    return t;
  }
  if (n != "f32" && n != "f64" && n != "i32" && n != "bool") {
    diags_.error(name->range, "unknown type " + backticked(n));
    std::string suggestion = suggestType(n);
    if (!suggestion.empty()) diags_.note(name->range, "did you mean `" + suggestion + "`?");
    return std::nullopt;
  }
  // A tensor; a bare `f32` is a scalar.
  t.kind = ast::TypeExpr::Tensor;
  t.dtype = n;
  t.hasDims = hasDims;
  for (P::DimExprContext *d : ctx->dimExpr()) {
    ExprPtr dim = dimExpr(d);
    if (!dim) return std::nullopt;
    t.dims.push_back(std::move(dim));
  }
  return t;
}

// dimExpr : ('-' | '+') dimExpr | dimExpr ('*' | '/') dimExpr | dimExpr ('+' | '-') dimExpr
//         | INT | name | '(' dimExpr ')'
antlrcpp::Any ExprBuilder::visitDimUnary(P::DimUnaryContext *c) { return done(unary(c, c->op, dimExpr(c->dimExpr()))); }

antlrcpp::Any ExprBuilder::visitDimBinary(P::DimBinaryContext *c) {
  ExprPtr lhs = dimExpr(c->dimExpr(0));
  return done(lhs ? binary(c, c->op, std::move(lhs), dimExpr(c->dimExpr(1))) : nullptr);
}

antlrcpp::Any ExprBuilder::visitDimInt(P::DimIntContext *c) { return done(intLiteral(c->INT())); }

antlrcpp::Any ExprBuilder::visitDimName(P::DimNameContext *c) {
  std::optional<ast::Ident> id = ident(c->name());
  if (!id) return done(nullptr);
  ExprPtr e = node(ExprKind::Name, id->range);
  e->text = std::move(id->name);
  return done(std::move(e));
}

antlrcpp::Any ExprBuilder::visitDimParen(P::DimParenContext *c) { return done(dimExpr(c->dimExpr())); }

// ---------------------------------------------------------------- expressions

bool ExprBuilder::enter(antlr4::ParserRuleContext *ctx) {
  if (depth_ < kMaxExprDepth) {
    ++depth_;
    return true;
  }
  diags_.error(range(ctx), "expression too complex (more than " + std::to_string(kMaxExprDepth) +
                               " nested operations); split it with intermediate names");
  return false;
}

ExprPtr ExprBuilder::build(antlr4::ParserRuleContext *ctx) {
  if (!ctx || !enter(ctx)) return nullptr;
  result_ = nullptr;
  // A context none of whose alternatives matched (a syntax error) has no
  // visit method of its own and lands in visitChildren, which does nothing.
  ctx->accept(this);
  --depth_;
  return std::move(result_);
}

antlrcpp::Any ExprBuilder::visitChildren(antlr4::tree::ParseTree *) { return {}; }

antlrcpp::Any ExprBuilder::done(ExprPtr e) {
  result_ = std::move(e);
  return {};
}

// expr : binExpr ('if' binExpr 'else' expr)?
ExprPtr ExprBuilder::expr(P::ExprContext *ctx) {
  if (!ctx || !enter(ctx)) return nullptr;
  ExprPtr e = cond(ctx);
  --depth_;
  return e;
}

ExprPtr ExprBuilder::cond(P::ExprContext *ctx) {
  ExprPtr value = binExpr(ctx->value);
  if (!value || !ctx->KW_IF()) return value;
  ExprPtr cond = binExpr(ctx->condition);
  ExprPtr otherwise = cond ? expr(ctx->otherwise) : nullptr;
  if (!otherwise) return nullptr;
  ExprPtr e = node(ExprKind::Cond, range(ctx));
  e->opRange = range(ctx->KW_IF()->getSymbol());
  e->elems.push_back(std::move(cond));
  e->elems.push_back(std::move(value));
  e->elems.push_back(std::move(otherwise));
  return e;
}

// binExpr op binExpr, for every binary operator
antlrcpp::Any ExprBuilder::visitBinaryExpr(P::BinaryExprContext *c) {
  ExprPtr lhs = binExpr(c->binExpr(0));
  return done(lhs ? binary(c, c->op, std::move(lhs), binExpr(c->binExpr(1))) : nullptr);
}

// ('-' | '+' | 'not') binExpr
antlrcpp::Any ExprBuilder::visitUnaryExpr(P::UnaryExprContext *c) {
  return done(unary(c, c->op, binExpr(c->binExpr())));
}

ExprPtr ExprBuilder::unary(antlr4::ParserRuleContext *ctx, antlr4::Token *op, ExprPtr operand) {
  if (!op || !operand || ParseInput::isConjured(op)) return nullptr;
  ExprPtr e = node(ExprKind::Unary, range(ctx));
  e->op = text(op);
  e->opRange = range(op);
  e->elems.push_back(std::move(operand));
  return e;
}

ExprPtr ExprBuilder::binary(antlr4::ParserRuleContext *ctx, antlr4::Token *op, ExprPtr lhs, ExprPtr rhs) {
  if (!op || !lhs || !rhs || ParseInput::isConjured(op)) return nullptr;
  ExprPtr e = node(ExprKind::Binary, range(ctx));
  e->op = text(op);
  e->opRange = range(op);
  e->elems.push_back(std::move(lhs));
  e->elems.push_back(std::move(rhs));
  return e;
}

// binExpr '(' argList? ')'      argList : arg (',' arg)* ','?      arg : (name '=')? expr
antlrcpp::Any ExprBuilder::visitCallExpr(P::CallExprContext *c) {
  ExprPtr callee = binExpr(c->binExpr());
  if (!callee) return done(nullptr);
  ExprPtr e = node(ExprKind::Call, range(c));
  e->callee = std::move(callee);
  if (!c->argList()) return done(std::move(e));
  for (P::ArgContext *a : c->argList()->arg()) {
    ast::Arg arg;
    arg.range = range(a);
    if (a->ASSIGN()) {
      std::optional<ast::Ident> name = ident(a->name());
      if (!name) return done(nullptr);
      arg.name = std::move(*name);
    }
    arg.value = expr(a->expr());
    if (!arg.value) return done(nullptr);
    e->args.push_back(std::move(arg));
  }
  return done(std::move(e));
}

// binExpr '[' indexItem (',' indexItem)* ']'
antlrcpp::Any ExprBuilder::visitIndexExpr(P::IndexExprContext *c) {
  ExprPtr base = binExpr(c->binExpr());
  if (!base || !c->indexList()) return done(nullptr);
  ExprPtr e = node(ExprKind::Index, range(c));
  e->elems.push_back(std::move(base));
  for (P::IndexItemContext *item : c->indexList()->indexItem()) {
    std::optional<ast::IndexItem> it = indexItem(item);
    if (!it) return done(nullptr);
    e->indices.push_back(std::move(*it));
  }
  return done(std::move(e));
}

// indexItem : '...' | expr (':' expr? (':' expr?)?)? | ':' expr? (':' expr?)?
std::optional<ast::IndexItem> ExprBuilder::indexItem(P::IndexItemContext *ctx) {
  ast::IndexItem item;
  item.range = range(ctx);
  if (dynamic_cast<P::EllipsisItemContext *>(ctx)) {
    item.kind = ast::IndexItem::Ellipsis;
    return item;
  }
  P::ExprContext *lo = nullptr, *hi = nullptr, *stride = nullptr;
  bool slice = true;
  if (auto *c = dynamic_cast<P::ExprItemContext *>(ctx)) {
    lo = c->lo, hi = c->hi, stride = c->stride;
    slice = !c->COLON().empty();
    if (!lo) return std::nullopt;
  } else if (auto *c = dynamic_cast<P::SliceItemContext *>(ctx)) {
    hi = c->hi, stride = c->stride;
  } else {
    return std::nullopt;
  }
  if (!slice) {
    item.index = expr(lo);
    if (!item.index) return std::nullopt;
    return item;
  }
  // Each part is optional, but one that was written must build.
  item.kind = ast::IndexItem::Slice;
  if (lo && !(item.start = expr(lo))) return std::nullopt;
  if (hi && !(item.stop = expr(hi))) return std::nullopt;
  if (stride && !(item.step = expr(stride))) return std::nullopt;
  return item;
}

// binExpr '.' name
antlrcpp::Any ExprBuilder::visitMemberExpr(P::MemberExprContext *c) {
  ExprPtr base = binExpr(c->binExpr());
  std::optional<ast::Ident> field = ident(c->name());
  if (!base || !field) return done(nullptr);
  ExprPtr e = node(ExprKind::Member, range(c));
  e->text = std::move(field->name);
  e->elems.push_back(std::move(base));
  return done(std::move(e));
}

antlrcpp::Any ExprBuilder::visitNameExpr(P::NameExprContext *c) { return done(nameExpr(c->nameToken)); }

ExprPtr ExprBuilder::nameExpr(antlr4::Token *tok) {
  if (!tok || ParseInput::isConjured(tok)) return nullptr;
  ExprPtr e = node(ExprKind::Name, range(tok));
  e->text = text(tok);
  return e;
}

// 'param' in an optimizer body: the parameter being updated.
antlrcpp::Any ExprBuilder::visitParamExpr(P::ParamExprContext *c) {
  ExprPtr e = node(ExprKind::Name, range(c));
  e->text = "param";
  return done(std::move(e));
}

antlrcpp::Any ExprBuilder::visitIntExpr(P::IntExprContext *c) { return done(intLiteral(c->INT())); }
antlrcpp::Any ExprBuilder::visitFloatExpr(P::FloatExprContext *c) { return done(floatLiteral(c->FLOAT())); }

antlrcpp::Any ExprBuilder::visitStringExpr(P::StringExprContext *c) {
  std::optional<std::string> value = stringValue(c->STRING() ? c->STRING()->getSymbol() : nullptr);
  if (!value) return done(nullptr);
  ExprPtr e = node(ExprKind::String, range(c));
  e->text = std::move(*value);
  return done(std::move(e));
}

antlrcpp::Any ExprBuilder::visitBoolExpr(P::BoolExprContext *c) {
  ExprPtr e = node(ExprKind::Bool, range(c));
  e->boolValue = c->KW_TRUE() != nullptr;
  return done(std::move(e));
}

// '(' expr (',' (expr (',' expr)* ','?)?)? ')': parentheses around one
// expression leave no trace in the AST; with a comma they make a tuple.
antlrcpp::Any ExprBuilder::visitParenExpr(P::ParenExprContext *c) {
  if (c->COMMA().empty()) return done(expr(c->expr(0)));
  return done(sequence(c, ExprKind::Tuple, c->expr()));
}

// '[' (expr (',' expr)* ','?)? ']'
antlrcpp::Any ExprBuilder::visitListExpr(P::ListExprContext *c) { return done(sequence(c, ExprKind::List, c->expr())); }

ExprPtr ExprBuilder::sequence(antlr4::ParserRuleContext *ctx, ExprKind kind,
                              const std::vector<P::ExprContext *> &items) {
  ExprPtr e = node(kind, range(ctx));
  for (P::ExprContext *item : items) {
    ExprPtr elem = expr(item);
    if (!elem) return nullptr;
    e->elems.push_back(std::move(elem));
  }
  return e;
}

// INT : [0-9]+
ExprPtr ExprBuilder::intLiteral(antlr4::tree::TerminalNode *n) {
  if (!n || ParseInput::isConjured(n->getSymbol())) return nullptr;
  std::string_view s = input_.textOf(n->getSymbol());
  ExprPtr e = node(ExprKind::Int, range(n->getSymbol()));
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), e->intValue);
  if (ec == std::errc() && end == s.data() + s.size()) return e;
  diags_.error(e->range, "integer literal " + backticked(s) + " is too large (the largest is 9223372036854775807)");
  return nullptr;
}

// FLOAT : 1.0 | 1. | .5 | 1e-3 | 2.5E+4
ExprPtr ExprBuilder::floatLiteral(antlr4::tree::TerminalNode *n) {
  if (!n || ParseInput::isConjured(n->getSymbol())) return nullptr;
  std::string_view s = input_.textOf(n->getSymbol());
  ExprPtr e = node(ExprKind::Float, range(n->getSymbol()));
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), e->floatValue);
  if (ec == std::errc() && end == s.data() + s.size()) return e;
  if (ec == std::errc::result_out_of_range && !floatOverflows(s)) {
    e->floatValue = 0; // too small to represent: rounds to zero, as in C
    return e;
  }
  diags_.error(e->range, "number " + backticked(s) + " is too large for a 64-bit float");
  return nullptr;
}

} // namespace nnc
