// The abstract syntax tree of a .nn file. Built by Parser.cpp from the ANTLR
// parse tree; nothing past the parser sees an ANTLR type.
//
// Every node carries the source range it was parsed from, so any later stage
// can point a diagnostic at it.
#pragma once

#include "frontend/Source.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nnc::ast {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// A name as written, with where it was written.
struct Ident {
  std::string name;
  SourceRange range;
};

// A call argument: positional (name empty) or named (`lr = 1e-3`).
struct Arg {
  Ident name; // name.name empty when positional
  ExprPtr value;
  SourceRange range;
};

// One entry of an index expression `x[a, b:c:d, ...]`.
struct IndexItem {
  enum Kind { Index, Slice, Ellipsis, NewAxis } kind = Index;
  ExprPtr index;              // Index
  ExprPtr start, stop, step;  // Slice; each may be null
  SourceRange range;
};

enum class ExprKind {
  Int,      // intValue
  Float,    // floatValue
  Bool,     // boolValue
  String,   // text
  Name,     // text
  List,     // elems: `[a, b, c]`
  Tuple,    // elems: `(a, b)` (only from parenthesized comma lists)
  Unary,    // op ("-", "+", "not"), elems[0]
  Binary,   // op ("+","-","*","/","@","^","==","!=","<","<=",">",">=","and","or"), elems[0], elems[1]
  Cond,     // `a if c else b`: elems = {c, a, b}
  Call,     // callee (any expression, usually a Name), args
  Index,    // elems[0] is the base, indices
  Member,   // elems[0].text: `x.shape`, `data.train`
};

struct Expr {
  ExprKind kind;
  SourceRange range;
  int64_t intValue = 0;
  double floatValue = 0;
  bool boolValue = false;
  std::string text;     // String contents, Name, Member field
  std::string op;       // Unary and Binary operator spelling
  SourceRange opRange;  // where the operator was written
  std::vector<ExprPtr> elems;
  ExprPtr callee;
  std::vector<Arg> args;
  std::vector<IndexItem> indices;
};

// A type as written: `f32[B, 784]`, `f32` (a scalar f32), `int`, `float`,
// `bool`, `(f32[B, H], f32[B, H])`.
struct TypeExpr {
  enum Kind { Tensor, Int, Float, Bool, String, Tuple } kind = Tensor;
  std::string dtype;          // Tensor: "f32", "f64", "i32", "bool"
  bool hasDims = false;       // Tensor: false for a bare `f32`
  std::vector<ExprPtr> dims;  // Tensor: each a Name (shape variable), Int, or arithmetic
  std::vector<TypeExpr> elems; // Tuple
  SourceRange range;
};

enum class StmtKind {
  Assign,  // targets = value           (targets.size() > 1 destructures a tuple)
  Update,  // target op= value          (op: "-=", "+=", "*=", "/="), in optimizer bodies
  Param,   // param name: type = value  (value may be null: initialized with zeros)
  State,   // state name = value        (optimizer state, one per parameter)
  Return,  // return values...
  For,     // for targets[0] in value { body }: unrolled at compile time
};

struct Stmt {
  StmtKind kind;
  SourceRange range;
  std::vector<Ident> targets; // Assign, Update (one), Param (one), State (one)
  std::string op;             // Update
  std::optional<TypeExpr> type; // Param: required; Assign: optional annotation `x: f32[B] = ...`
  ExprPtr value;              // Assign, Update, Param, State
  std::vector<ExprPtr> values; // Return
  std::vector<Ident> updates; // Assign inside a train step: `optimizer = adam() updates D, E`
  std::vector<Stmt> body;     // For
};

// A parameter of a fn, model or optimizer: `x: f32[B, I]`, `units: int`, `init = glorot_uniform`.
struct FnParam {
  Ident name;
  std::optional<TypeExpr> type;
  ExprPtr dflt;
  SourceRange range;
};

// fn NAME(params) [-> type] { body }  or  fn NAME(params) [-> type] = expr
// model NAME(params) -> type { body }
// A `= expr` body is stored as a single Return statement.
struct FnDecl {
  Ident name;
  bool isModel = false;
  std::vector<FnParam> params;
  std::optional<TypeExpr> result;
  std::vector<Stmt> body;
  SourceRange range;
};

// optimizer NAME(params) { state ...; updates; param -= ... }
struct OptimizerDecl {
  Ident name;
  std::vector<FnParam> params;
  std::vector<Stmt> body;
  SourceRange range;
};

// data NAME { key = expr ... }: sources, preprocessing, splits.
struct DataDecl {
  Ident name;
  std::vector<Stmt> body; // Assign statements only
  SourceRange range;
};

// step NAME { settings }
struct StepDecl {
  Ident name;
  std::vector<Stmt> body;
  SourceRange range;
};

// train MODEL on DATA { settings; step NAME { ... } ... }
struct TrainDecl {
  Ident model;
  Ident data;
  std::vector<Stmt> body;      // settings shared by all steps (Assign statements)
  std::vector<StepDecl> steps; // empty: a single implicit step from `body`
  SourceRange range;
};

// import std | import layers.extra | import "path/to/file.nn"
struct ImportDecl {
  std::string path;   // as written: dotted name ("std", "a.b") or the string's contents
  bool isString = false;
  SourceRange range;
};

struct Module {
  FileId file = -1;
  std::vector<ImportDecl> imports;
  std::vector<FnDecl> fns;     // fns and models, in source order
  std::vector<OptimizerDecl> optimizers;
  std::vector<DataDecl> datas;
  std::vector<TrainDecl> trains;
};

} // namespace nnc::ast
