// Builds AST expressions and types from their ANTLR parse trees, and the
// helpers all of AST building shares (source ranges, names, string values).
// Private to the parser; ParseTreeBuilder.cpp builds the rest of the tree.
//
// Each function returns null (or nullopt) only for a tree that has a syntax
// error in it, already reported, or an error it reports itself: unknown type
// names, integer literals past 64 bits, bad string escapes, and expressions
// too deep for later passes to recurse over.
#pragma once

#include "frontend/Ast.h"
#include "frontend/ParseInput.h"
#include "frontend/SyntaxErrors.h"

#include "NNBaseVisitor.h"

#include <optional>
#include <string>

namespace nnc {

// Past this depth an expression's AST is cut off with an error: every later
// pass recurses over expressions. Only long operator chains (`a + b + ...`)
// get here; brackets and prefix operators stop at kMaxNesting, before parsing.
constexpr int kMaxExprDepth = 1000;

// Public inheritance is for the generated accept() functions, which find
// their visit method by dynamic_cast; nothing else calls the visit methods.
class ExprBuilder : public grammar::NNBaseVisitor {
  using P = grammar::NNParser;

public:
  ExprBuilder(const ParseInput &input, ParseDiags &diags) : input_(input), diags_(diags) {}

  ast::ExprPtr expr(P::ExprContext *ctx);
  std::optional<ast::TypeExpr> type(P::TypeContext *ctx);

  SourceRange range(antlr4::ParserRuleContext *ctx) const;
  SourceRange range(antlr4::Token *tok) const { return input_.rangeOf(tok); }
  std::string text(antlr4::Token *tok) const { return std::string(input_.textOf(tok)); }
  std::optional<ast::Ident> ident(P::NameContext *ctx) const;
  std::optional<std::string> stringValue(antlr4::Token *tok);

  ParseDiags &diags() { return diags_; }

private:
  // The labeled alternatives of binExpr and dimExpr: each leaves its result
  // in result_.
  antlrcpp::Any visitBinaryExpr(P::BinaryExprContext *ctx) override;
  antlrcpp::Any visitUnaryExpr(P::UnaryExprContext *ctx) override;
  antlrcpp::Any visitCallExpr(P::CallExprContext *ctx) override;
  antlrcpp::Any visitIndexExpr(P::IndexExprContext *ctx) override;
  antlrcpp::Any visitMemberExpr(P::MemberExprContext *ctx) override;
  antlrcpp::Any visitNameExpr(P::NameExprContext *ctx) override;
  antlrcpp::Any visitParamExpr(P::ParamExprContext *ctx) override;
  antlrcpp::Any visitIntExpr(P::IntExprContext *ctx) override;
  antlrcpp::Any visitFloatExpr(P::FloatExprContext *ctx) override;
  antlrcpp::Any visitStringExpr(P::StringExprContext *ctx) override;
  antlrcpp::Any visitBoolExpr(P::BoolExprContext *ctx) override;
  antlrcpp::Any visitParenExpr(P::ParenExprContext *ctx) override;
  antlrcpp::Any visitListExpr(P::ListExprContext *ctx) override;
  antlrcpp::Any visitDimUnary(P::DimUnaryContext *ctx) override;
  antlrcpp::Any visitDimBinary(P::DimBinaryContext *ctx) override;
  antlrcpp::Any visitDimInt(P::DimIntContext *ctx) override;
  antlrcpp::Any visitDimName(P::DimNameContext *ctx) override;
  antlrcpp::Any visitDimParen(P::DimParenContext *ctx) override;

  antlrcpp::Any visitChildren(antlr4::tree::ParseTree *node) override;

  // Dispatches to the visit methods above, counting depth.
  ast::ExprPtr build(antlr4::ParserRuleContext *ctx);
  // Counts one more level of nesting, or reports that there are too many.
  bool enter(antlr4::ParserRuleContext *ctx);
  ast::ExprPtr cond(P::ExprContext *ctx);
  ast::ExprPtr binExpr(P::BinExprContext *ctx) { return build(ctx); }
  ast::ExprPtr dimExpr(P::DimExprContext *ctx) { return build(ctx); }
  antlrcpp::Any done(ast::ExprPtr e);

  std::optional<ast::TypeExpr> namedType(P::NamedTypeContext *ctx);
  ast::ExprPtr unary(antlr4::ParserRuleContext *ctx, antlr4::Token *op, ast::ExprPtr operand);
  ast::ExprPtr binary(antlr4::ParserRuleContext *ctx, antlr4::Token *op, ast::ExprPtr lhs, ast::ExprPtr rhs);
  std::optional<ast::IndexItem> indexItem(P::IndexItemContext *ctx);
  ast::ExprPtr sequence(antlr4::ParserRuleContext *ctx, ast::ExprKind kind, const std::vector<P::ExprContext *> &items);
  ast::ExprPtr nameExpr(antlr4::Token *tok);
  ast::ExprPtr intLiteral(antlr4::tree::TerminalNode *node);
  ast::ExprPtr floatLiteral(antlr4::tree::TerminalNode *node);

  const ParseInput &input_;
  ParseDiags &diags_;
  ast::ExprPtr result_;
  int depth_ = 0;
};

} // namespace nnc
