// The values of elaboration. Elaboration runs a .nn function at compile time:
// integers, floats, bools, strings and lists are computed on the spot, while
// tensor values are nodes of the IR graph being built.
#pragma once

#include "frontend/Ast.h"
#include "ir/Graph.h"

#include <string>
#include <vector>

namespace nnc {

struct Builtin;

struct Value {
  enum Kind { None, Error, Int, Float, Bool, String, Tensor, List, Tuple, Function, Optimizer };
  Kind kind = None;
  int64_t i = 0;    // Int; with `batch` set, the symbolic batch dimension
  bool batch = false;
  double f = 0;     // Float
  bool b = false;   // Bool
  std::string s;    // String
  ir::Graph *graph = nullptr; // Tensor: the graph that owns `node`
  ir::NodeId node = -1;       // Tensor
  std::vector<Value> elems;   // List, Tuple; Optimizer: argument values
  std::vector<std::string> names; // Optimizer: argument names
  const ast::FnDecl *fn = nullptr;          // Function: a fn or model
  const Builtin *builtin = nullptr;         // Function: a builtin
  const ast::OptimizerDecl *optimizer = nullptr; // Optimizer
  // Where a tensor was produced, for hints in shape errors.
  SourceRange origin;
  std::string originWhat; // e.g. "the `dense` call"

  static Value none() { return {}; }
  // The value of an expression that already reported an error: every use of
  // it yields Error again, silently, so one mistake gives one diagnostic.
  static Value err() { Value r; r.kind = Error; return r; }
  bool isError() const { return kind == Error; }
  static Value ofInt(int64_t v) { Value r; r.kind = Int; r.i = v; return r; }
  static Value ofBatch() { Value r; r.kind = Int; r.batch = true; return r; }
  static Value ofFloat(double v) { Value r; r.kind = Float; r.f = v; return r; }
  static Value ofBool(bool v) { Value r; r.kind = Bool; r.b = v; return r; }
  static Value ofString(std::string v) { Value r; r.kind = String; r.s = std::move(v); return r; }
  static Value ofTensor(ir::Graph *g, ir::NodeId n) { Value r; r.kind = Tensor; r.graph = g; r.node = n; return r; }
  static Value ofList(std::vector<Value> e, Kind k = List) { Value r; r.kind = k; r.elems = std::move(e); return r; }

  bool isNumber() const { return (kind == Int && !batch) || kind == Float; }
  double number() const { return kind == Int ? static_cast<double>(i) : f; }
  // An int, or a float with a whole value (`n / 2` where n is even), as an
  // index or a dimension; false otherwise.
  bool wholeNumber(int64_t &out) const;
  const ir::TensorType &type() const { return graph->type(node); }
  // "f32[B, 784]", "int 3", "float 0.5", "list of 2", ...
  std::string describe() const;
  // The kind's name as a user reads it: "tensor", "int", "function", ...
  std::string kindName() const;
};

} // namespace nnc
