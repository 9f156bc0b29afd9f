// Expressions, calls and statements of elaboration.
#include "frontend/Elaborator.h"

#include "frontend/ElabContext.h"

#include <cmath>
#include <set>

namespace nnc {

namespace {
constexpr int kMaxCallDepth = 64;
constexpr int kMaxExprDepth = 400;
// `for` loops are unrolled into the graph: past this many iterations in one
// program the graphs would take longer to build than anyone wants to wait.
constexpr int64_t kMaxUnrolled = 100000;

} // namespace

Value Elab::error(SourceRange r, const std::string &msg) {
  diags_.error(r, msg);
  noteCallStack();
  return Value::err();
}

// Like clang's "in instantiation of" notes: an error inside a fn says which
// calls led there, innermost first, so a mistake in a user's argument that
// surfaces in the stdlib still points at the user's line.
void Elab::noteCallStack() {
  int shown = 0;
  for (size_t k = frames_.size(); k-- > 0 && shown < 4;) {
    const Frame &f = frames_[k];
    if (!f.fn || f.fn->isModel || !f.callSite.valid()) continue;
    diags_.note(f.callSite, "in the call to `" + f.fn->name.name + "` here");
    ++shown;
  }
}

std::vector<std::string> Elab::visibleNames() const {
  std::vector<std::string> names = prog_.symbols.allNames();
  for (const std::string &b : builtinNames()) names.push_back(b);
  if (!frames_.empty())
    for (auto &[n, _] : frames_.back().vars) names.push_back(n);
  return names;
}

// ---------------------------------------------------------------------------
// Expressions

Value Elab::eval(const ast::Expr &e) {
  if (exprDepth_ >= kMaxExprDepth) return error(e.range, "expression is nested too deeply");
  ++exprDepth_;
  struct Leave {
    int &d;
    ~Leave() { --d; }
  } leave{exprDepth_};
  switch (e.kind) {
  case ast::ExprKind::Int: return Value::ofInt(e.intValue);
  case ast::ExprKind::Float: return Value::ofFloat(e.floatValue);
  case ast::ExprKind::Bool: return Value::ofBool(e.boolValue);
  case ast::ExprKind::String: return Value::ofString(e.text);
  case ast::ExprKind::Name: return evalName(e);
  case ast::ExprKind::List:
  case ast::ExprKind::Tuple: {
    std::vector<Value> elems;
    for (const ast::ExprPtr &x : e.elems) {
      if (!x) return Value::err();
      elems.push_back(eval(*x));
      if (elems.back().isError()) return Value::err();
    }
    return Value::ofList(std::move(elems), e.kind == ast::ExprKind::List ? Value::List : Value::Tuple);
  }
  case ast::ExprKind::Unary: return evalUnary(e);
  case ast::ExprKind::Binary: return evalBinary(e);
  case ast::ExprKind::Cond: return evalCond(e);
  case ast::ExprKind::Call: return evalCall(e);
  case ast::ExprKind::Index: return evalIndex(e);
  case ast::ExprKind::Member:
    return error(e.range, "member access `." + e.text + "` is not supported");
  }
  return Value::err();
}

Value Elab::evalName(const ast::Expr &e) {
  if (!frames_.empty()) {
    auto &vars = frames_.back().vars;
    auto it = vars.find(e.text);
    if (it != vars.end()) return it->second;
  }
  const Symbols &sym = prog_.symbols;
  if (auto it = sym.fns.find(e.text); it != sym.fns.end()) {
    Value v;
    v.kind = Value::Function;
    v.fn = it->second;
    return v;
  }
  if (auto it = sym.optimizers.find(e.text); it != sym.optimizers.end()) {
    Value v;
    v.kind = Value::Optimizer;
    v.optimizer = it->second;
    return v;
  }
  if (e.text == "training") return Value::ofBool(ctx_ && ctx_->training);
  if (const Builtin *b = findBuiltin(e.text)) {
    Value v;
    v.kind = Value::Function;
    v.builtin = b;
    return v;
  }
  if (sym.datas.count(e.text)) return error(e.range, "data block `" + e.text + "` cannot be used as a value");
  diags_.error(e.range, "unknown name `" + e.text + "`");
  std::string hint = closestMatch(e.text, visibleNames());
  if (!hint.empty()) diags_.note(e.range, "did you mean `" + hint + "`?");
  return Value::err();
}

Value Elab::evalUnary(const ast::Expr &e) {
  if (e.elems.empty() || !e.elems[0]) return Value::err();
  Value v = eval(*e.elems[0]);
  if (v.isError()) return v;
  if (e.op == "+") return v;
  if (e.op == "not") {
    if (v.kind == Value::Bool) return Value::ofBool(!v.b);
    if (v.kind == Value::Tensor) return unaryTensor(ir::Op::Not, v, e.range);
    return error(e.range, "`not` needs a bool, got " + v.describe());
  }
  // "-"
  if (v.kind == Value::Int && !v.batch) return Value::ofInt(-v.i);
  if (v.kind == Value::Float) return Value::ofFloat(-v.f);
  if (v.kind == Value::Tensor) return unaryTensor(ir::Op::Neg, v, e.range);
  return error(e.range, "cannot negate " + v.describe());
}

static ir::Op binaryOp(const std::string &op) {
  if (op == "+") return ir::Op::Add;
  if (op == "-") return ir::Op::Sub;
  if (op == "*") return ir::Op::Mul;
  if (op == "/") return ir::Op::Div;
  if (op == "^") return ir::Op::Pow;
  if (op == "==") return ir::Op::Eq;
  if (op == "!=") return ir::Op::Ne;
  if (op == "<") return ir::Op::Lt;
  if (op == "<=") return ir::Op::Le;
  if (op == ">") return ir::Op::Gt;
  if (op == ">=") return ir::Op::Ge;
  if (op == "and") return ir::Op::And;
  if (op == "or") return ir::Op::Or;
  return ir::Op::MatMul;
}

Value Elab::foldNumbers(const std::string &op, const Value &a, const Value &b, SourceRange r) {
  if (a.kind == Value::Bool && b.kind == Value::Bool) {
    if (op == "and") return Value::ofBool(a.b && b.b);
    if (op == "or") return Value::ofBool(a.b || b.b);
    if (op == "==") return Value::ofBool(a.b == b.b);
    if (op == "!=") return Value::ofBool(a.b != b.b);
    return error(r, "operator `" + op + "` does not apply to bools");
  }
  // Lists (and tuples) concatenate: `hs = hs + [h]` collects a loop's results.
  if (op == "+" && a.kind == b.kind && (a.kind == Value::List || a.kind == Value::Tuple)) {
    std::vector<Value> elems = a.elems;
    elems.insert(elems.end(), b.elems.begin(), b.elems.end());
    return Value::ofList(std::move(elems), a.kind);
  }
  if (!a.isNumber() || !b.isNumber()) {
    if (a.kind == Value::String && b.kind == Value::String) {
      if (op == "+") return Value::ofString(a.s + b.s);
      if (op == "==") return Value::ofBool(a.s == b.s);
      if (op == "!=") return Value::ofBool(a.s != b.s);
    }
    if ((a.kind == Value::Int && a.batch) || (b.kind == Value::Int && b.batch))
      return error(r, "the batch dimension B has no value at compile time");
    return error(r, "operator `" + op + "` does not apply to " + a.describe() + " and " + b.describe());
  }
  bool ints = a.kind == Value::Int && b.kind == Value::Int;
  double x = a.number(), y = b.number();
  if (op == "+" || op == "-" || op == "*") {
    if (ints) {
      int64_t res;
      bool overflow = op == "+" ? __builtin_add_overflow(a.i, b.i, &res)
                      : op == "-" ? __builtin_sub_overflow(a.i, b.i, &res)
                                  : __builtin_mul_overflow(a.i, b.i, &res);
      if (overflow) return error(r, "integer overflow");
      return Value::ofInt(res);
    }
    return Value::ofFloat(op == "+" ? x + y : op == "-" ? x - y : x * y);
  }
  if (op == "/") {
    if (y == 0) return error(r, "division by zero");
    return Value::ofFloat(x / y);
  }
  if (op == "^") {
    if (ints && b.i >= 0 && b.i < 63) {
      int64_t res = 1;
      for (int64_t k = 0; k < b.i; ++k)
        if (__builtin_mul_overflow(res, a.i, &res)) return error(r, "integer overflow");
      return Value::ofInt(res);
    }
    return Value::ofFloat(std::pow(x, y));
  }
  if (op == "==") return Value::ofBool(x == y);
  if (op == "!=") return Value::ofBool(x != y);
  if (op == "<") return Value::ofBool(x < y);
  if (op == "<=") return Value::ofBool(x <= y);
  if (op == ">") return Value::ofBool(x > y);
  if (op == ">=") return Value::ofBool(x >= y);
  return error(r, "operator `" + op + "` does not apply to numbers");
}

Value Elab::evalBinary(const ast::Expr &e) {
  if (e.elems.size() != 2 || !e.elems[0] || !e.elems[1]) return Value::err();
  Value a = eval(*e.elems[0]);
  Value b = eval(*e.elems[1]);
  if (a.isError() || b.isError()) return Value::err();
  if (e.op == "@") {
    if (a.kind != Value::Tensor || b.kind != Value::Tensor)
      return error(e.opRange.valid() ? e.opRange : e.range, "`@` needs two tensors, got " + a.describe() + " and " + b.describe());
    return emit(ir::Op::MatMul, {a, b}, {}, e.range);
  }
  if (a.kind != Value::Tensor && b.kind != Value::Tensor) return foldNumbers(e.op, a, b, e.range);
  return binary(binaryOp(e.op), a, b, e.range, e.op);
}

Value Elab::evalCond(const ast::Expr &e) {
  if (e.elems.size() != 3 || !e.elems[0] || !e.elems[1] || !e.elems[2]) return Value::err();
  Value c = eval(*e.elems[0]);
  if (c.isError()) return c;
  if (c.kind == Value::Bool) return eval(c.b ? *e.elems[1] : *e.elems[2]);
  if (c.kind != Value::Tensor) return error(e.elems[0]->range, "condition must be a bool, got " + c.describe());
  Value a = eval(*e.elems[1]), b = eval(*e.elems[2]);
  if (a.isError() || b.isError()) return Value::err();
  if (c.type().dtype != ir::DType::Bool)
    return error(e.elems[0]->range, "condition must be a bool tensor, got " + c.describe());
  // select(c, a, b) with all three broadcast to one shape.
  Value ta = toTensor(a, e.elems[1]->range, b.kind == Value::Tensor ? &b : nullptr);
  Value tb = toTensor(b, e.elems[2]->range, &ta);
  if (ta.isError() || tb.isError()) return Value::err();
  Value zero = binary(ir::Op::Add, ta, tb, e.range, "if"); // only for the broadcast shape
  if (zero.isError()) return zero;
  const ir::Shape &shape = zero.type().shape;
  Value cc = broadcastTo(c, shape, e.elems[0]->range);
  Value aa = broadcastTo(ta, shape, e.elems[1]->range), bb = broadcastTo(tb, shape, e.elems[2]->range);
  if (cc.isError() || aa.isError() || bb.isError()) return Value::err();
  return emit(ir::Op::Select, {cc, aa, bb}, {}, e.range);
}

Value Elab::evalCall(const ast::Expr &e) {
  if (!e.callee) return Value::err();
  Value callee = eval(*e.callee);
  std::vector<Value> args;
  std::vector<std::string> names;
  std::vector<SourceRange> ranges;
  bool bad = callee.isError();
  for (const ast::Arg &a : e.args) {
    if (!a.value) return Value::err();
    args.push_back(eval(*a.value));
    bad |= args.back().isError();
    names.push_back(a.name.name);
    ranges.push_back(a.range.valid() ? a.range : a.value->range);
  }
  if (bad) return Value::err();
  return call(callee, std::move(args), std::move(names), std::move(ranges), e.range);
}

Value Elab::call(const Value &callee, std::vector<Value> args, std::vector<std::string> names,
                 std::vector<SourceRange> ranges, SourceRange callRange) {
  if (callee.kind == Value::Function && callee.fn) return callFn(*callee.fn, args, names, ranges, callRange);
  if (callee.kind == Value::Function && callee.builtin) return callBuiltin(*callee.builtin, args, names, ranges, callRange);
  if (callee.kind == Value::Optimizer) {
    // An optimizer call only records its arguments; train blocks apply it.
    Value v = callee;
    std::set<std::string> known;
    for (const ast::FnParam &p : callee.optimizer->params) known.insert(p.name.name);
    for (size_t k = 0; k < args.size(); ++k) {
      if (names[k].empty()) {
        if (k >= callee.optimizer->params.size())
          return error(ranges[k], "optimizer `" + callee.optimizer->name.name + "` takes " +
                                      std::to_string(callee.optimizer->params.size()) + " arguments");
        names[k] = callee.optimizer->params[k].name.name;
      } else if (!known.count(names[k])) {
        diags_.error(ranges[k], "optimizer `" + callee.optimizer->name.name + "` has no parameter named `" + names[k] + "`");
        std::string hint = closestMatch(names[k], {known.begin(), known.end()});
        if (!hint.empty()) diags_.note(ranges[k], "did you mean `" + hint + "`?");
        return Value::err();
      }
      bool scalarTensor = args[k].kind == Value::Tensor && args[k].type().shape.rank() == 0 && ir::isFloat(args[k].type().dtype);
      if (!args[k].isNumber() && !scalarTensor)
        return error(ranges[k], "optimizer arguments must be numbers or scalar tensors, got " + args[k].describe());
    }
    v.elems = std::move(args);
    v.names = std::move(names);
    return v;
  }
  if (callee.isError()) return callee;
  return error(callRange, "cannot call " + callee.describe());
}

// Binds call arguments to parameters: positional first, then named, then
// defaults. Reports arity and naming errors at the offending argument.
bool Elab::bindParams(const std::string &callee, const std::vector<ast::FnParam> &params, std::vector<Value> &args,
                      const std::vector<std::string> &names, std::vector<SourceRange> &ranges, SourceRange callRange,
                      Frame &frame) {
  std::vector<int> slot(params.size(), -1);
  std::vector<std::string> pnames;
  for (const ast::FnParam &p : params) pnames.push_back(p.name.name);
  bool ok = true;
  size_t positional = 0;
  for (size_t k = 0; k < args.size(); ++k) {
    size_t idx;
    if (names[k].empty()) {
      idx = positional++;
      if (idx >= params.size()) {
        diags_.error(ranges[k], "`" + callee + "` takes " + std::to_string(params.size()) + " argument" +
                                    (params.size() == 1 ? "" : "s") + ", but " + std::to_string(args.size()) + " were given");
        return false;
      }
    } else {
      auto it = std::find(pnames.begin(), pnames.end(), names[k]);
      if (it == pnames.end()) {
        diags_.error(ranges[k], "`" + callee + "` has no parameter named `" + names[k] + "`");
        std::string hint = closestMatch(names[k], pnames);
        if (!hint.empty()) diags_.note(ranges[k], "did you mean `" + hint + "`?");
        ok = false;
        continue;
      }
      idx = static_cast<size_t>(it - pnames.begin());
    }
    if (slot[idx] >= 0) {
      diags_.error(ranges[k], "argument `" + pnames[idx] + "` of `" + callee + "` is given twice");
      ok = false;
      continue;
    }
    slot[idx] = static_cast<int>(k);
  }
  if (!ok) return false;
  for (size_t i = 0; i < params.size(); ++i) {
    const ast::FnParam &p = params[i];
    Value v;
    SourceRange r = callRange;
    if (slot[i] >= 0) {
      v = args[static_cast<size_t>(slot[i])];
      r = ranges[static_cast<size_t>(slot[i])];
    } else if (p.dflt) {
      // Defaults are evaluated in the callee, after the parameters before them.
      frames_.push_back(frame);
      v = eval(*p.dflt);
      frame = std::move(frames_.back());
      frames_.pop_back();
      if (v.isError()) return false;
    } else {
      diags_.error(callRange, "missing argument `" + p.name.name + "` in call to `" + callee + "`");
      diags_.note(p.name.range, "`" + p.name.name + "` is declared here");
      return false;
    }
    if (p.type && !checkType(v, *p.type, frame, r, "argument `" + p.name.name + "` of `" + callee + "`")) return false;
    frame.vars[p.name.name] = v;
  }
  return true;
}

static std::string typeText(const ast::TypeExpr &t);

static std::string dimText(const ast::Expr &d) {
  switch (d.kind) {
  case ast::ExprKind::Int: return std::to_string(d.intValue);
  case ast::ExprKind::Name: return d.text;
  case ast::ExprKind::Binary:
    if (d.elems.size() == 2 && d.elems[0] && d.elems[1]) return dimText(*d.elems[0]) + " " + d.op + " " + dimText(*d.elems[1]);
    return "?";
  default: return "?";
  }
}

static std::string typeText(const ast::TypeExpr &t) {
  switch (t.kind) {
  case ast::TypeExpr::Int: return "int";
  case ast::TypeExpr::Float: return "float";
  case ast::TypeExpr::Bool: return "bool";
  case ast::TypeExpr::String: return "string";
  case ast::TypeExpr::Tuple: {
    std::string s = "(";
    for (size_t k = 0; k < t.elems.size(); ++k) s += (k ? ", " : "") + typeText(t.elems[k]);
    return s + ")";
  }
  case ast::TypeExpr::Tensor: {
    std::string s = t.dtype + "[";
    for (size_t k = 0; k < t.dims.size(); ++k) s += (k ? ", " : "") + (t.dims[k] ? dimText(*t.dims[k]) : "?");
    return s + "]";
  }
  }
  return "?";
}

bool Elab::checkType(const Value &v, const ast::TypeExpr &t, Frame &frame, SourceRange r, const std::string &what) {
  auto mismatch = [&](const std::string &detail) {
    diags_.error(r, what + " expects " + typeText(t) + ", got " + v.describe() + (detail.empty() ? "" : ": " + detail));
    if (v.kind == Value::Tensor && v.origin.valid())
      diags_.note(v.origin, v.describe() + " is produced by " + (v.originWhat.empty() ? "this expression" : v.originWhat) + " here");
    noteCallStack();
    return false;
  };
  switch (t.kind) {
  case ast::TypeExpr::Int:
    if (v.kind == Value::Int && !v.batch) return true;
    return mismatch("");
  case ast::TypeExpr::Float:
    if (v.isNumber()) return true;
    return mismatch("");
  case ast::TypeExpr::Bool:
    if (v.kind == Value::Bool) return true;
    return mismatch("");
  case ast::TypeExpr::String:
    if (v.kind == Value::String) return true;
    return mismatch("");
  case ast::TypeExpr::Tuple: {
    if (v.kind != Value::Tuple || v.elems.size() != t.elems.size()) return mismatch("");
    for (size_t k = 0; k < t.elems.size(); ++k)
      if (!checkType(v.elems[k], t.elems[k], frame, r, what + " (element " + std::to_string(k) + ")")) return false;
    return true;
  }
  case ast::TypeExpr::Tensor:
    break;
  }
  if (v.kind != Value::Tensor) return mismatch("");
  const ir::TensorType &tt = v.type();
  auto dt = ir::parseDType(t.dtype);
  if (dt && *dt != tt.dtype) return mismatch("element types differ");
  if (!t.hasDims) return tt.shape.rank() == 0 ? true : mismatch("expected a scalar");
  if (t.dims.size() != tt.shape.rank())
    return mismatch("expected rank " + std::to_string(t.dims.size()) + ", got rank " + std::to_string(tt.shape.rank()));
  for (size_t k = 0; k < t.dims.size(); ++k) {
    if (!t.dims[k]) return false;
    const ast::Expr &d = *t.dims[k];
    ir::Dim actual = tt.shape[k];
    auto dimName = [](ir::Dim x) { return x == ir::kBatch ? std::string("B") : std::to_string(x); };
    if (d.kind == ast::ExprKind::Name && !frame.vars.count(d.text)) {
      // An unbound shape variable: binds here. A global fn or model of the
      // same name (the user's `fn I(x)`, seen from the stdlib's dense) is no
      // dimension, so it cannot be what the name means.
      frame.vars[d.text] = actual == ir::kBatch ? Value::ofBatch() : Value::ofInt(actual);
      continue;
    }
    frames_.push_back(frame);
    Value dv = eval(d);
    frames_.pop_back();
    if (dv.isError()) return false;
    int64_t whole = 0;
    if (!dv.batch && !dv.wholeNumber(whole)) {
      diags_.error(d.range, "a dimension must be an int, got " + dv.describe());
      return false;
    }
    ir::Dim expected = dv.batch ? ir::kBatch : whole;
    if (expected != actual)
      return mismatch("dimension " + std::to_string(k) + " is " + dimName(actual) + ", expected " + dimName(expected) +
                      (d.kind == ast::ExprKind::Name ? " (`" + d.text + "`)" : ""));
  }
  return true;
}

bool Elab::evalType(const ast::TypeExpr &t, ir::TensorType &out) {
  if (t.kind != ast::TypeExpr::Tensor) {
    diags_.error(t.range, "expected a tensor type such as f32[3, 4], got `" + typeText(t) + "`");
    return false;
  }
  auto dt = ir::parseDType(t.dtype);
  if (!dt) return false;
  out.dtype = *dt;
  std::vector<ir::Dim> dims;
  for (const ast::ExprPtr &d : t.dims) {
    if (!d) return false;
    Value v = eval(*d);
    if (v.isError()) return false;
    int64_t whole = 0;
    if (!v.batch && !v.wholeNumber(whole)) {
      diags_.error(d->range, "a dimension must be an int, got " + v.describe());
      return false;
    }
    if (!v.batch && (whole < 1 || whole > (int64_t(1) << 40))) {
      diags_.error(d->range, "a dimension must be between 1 and 2^40, got " + std::to_string(whole));
      return false;
    }
    dims.push_back(v.batch ? ir::kBatch : whole);
  }
  out.shape = ir::Shape(dims);
  return true;
}

Value Elab::callFn(const ast::FnDecl &fn, std::vector<Value> args, std::vector<std::string> names,
                   std::vector<SourceRange> ranges, SourceRange callRange) {
  // A model called again on the same tensors (positionally) reuses the result.
  std::pair<const ast::FnDecl *, std::vector<ir::NodeId>> memoKey{&fn, {}};
  bool memoizable = fn.isModel;
  for (size_t k = 0; k < args.size() && memoizable; ++k) {
    memoizable = names[k].empty() && args[k].kind == Value::Tensor && args[k].graph == ctx().graph;
    if (memoizable) memoKey.second.push_back(args[k].node);
  }
  if (memoizable) {
    auto hit = ctx().modelCalls.find(memoKey);
    if (hit != ctx().modelCalls.end()) return hit->second;
  }
  if (frames_.size() >= kMaxCallDepth)
    return error(callRange, "calls nested more than " + std::to_string(kMaxCallDepth) + " deep (is `" + fn.name.name +
                                "` recursive?)");
  Frame frame;
  frame.fn = &fn;
  frame.callSite = callRange;
  if (fn.isModel) {
    frame.path = fn.name.name; // one instance: every call shares its params
  } else {
    std::string parent = frames_.empty() ? "" : frames_.back().path;
    int n = frames_.empty() ? 1 : ++frames_.back().callCounts[fn.name.name];
    frame.path = (parent.empty() ? "" : parent + "/") + fn.name.name + "_" + std::to_string(n);
  }
  if (!bindParams(fn.name.name, fn.params, args, names, ranges, callRange, frame)) return Value::err();
  frames_.push_back(std::move(frame));
  Restore<std::string> seedPath(seedPath_);
  Value result = runBody(fn.body, fn.name.range, fn.name.name);
  Frame done = std::move(frames_.back());
  frames_.pop_back();
  if (result.isError()) return result;
  if (fn.result) {
    SourceRange r = callRange;
    if (!checkType(result, *fn.result, done, r, "the result of `" + fn.name.name + "`")) {
      diags_.note(fn.result->range, "the result type is declared here");
      return Value::err();
    }
  }
  if (result.kind == Value::Tensor) {
    result.origin = callRange;
    result.originWhat = "the `" + fn.name.name + "` call";
  }
  if (memoizable) ctx().modelCalls[memoKey] = result;
  return result;
}

Value Elab::callBuiltin(const Builtin &b, std::vector<Value> args, std::vector<std::string> names,
                        std::vector<SourceRange> ranges, SourceRange callRange) {
  std::vector<Value> bound(b.params.size());
  std::vector<SourceRange> boundRanges(b.params.size(), callRange);
  std::vector<bool> given(b.params.size(), false);
  std::vector<std::string> pnames;
  for (const BuiltinParam &p : b.params) pnames.push_back(p.name);
  size_t positional = 0;
  for (size_t k = 0; k < args.size(); ++k) {
    size_t idx;
    if (names[k].empty()) {
      idx = positional++;
      if (idx >= b.params.size())
        return error(ranges[k], "`" + std::string(b.name) + "` takes " + std::to_string(b.params.size()) + " argument" +
                                    (b.params.size() == 1 ? "" : "s") + ", but " + std::to_string(args.size()) + " were given");
    } else {
      auto it = std::find(pnames.begin(), pnames.end(), names[k]);
      if (it == pnames.end()) {
        diags_.error(ranges[k], "`" + std::string(b.name) + "` has no parameter named `" + names[k] + "`");
        std::string hint = closestMatch(names[k], pnames);
        if (!hint.empty()) diags_.note(ranges[k], "did you mean `" + hint + "`?");
        return Value::err();
      }
      idx = static_cast<size_t>(it - pnames.begin());
    }
    if (given[idx]) return error(ranges[k], "argument `" + pnames[idx] + "` of `" + b.name + "` is given twice");
    given[idx] = true;
    bound[idx] = args[k];
    boundRanges[idx] = ranges[k];
  }
  for (size_t i = 0; i < b.params.size(); ++i)
    if (b.params[i].required && !given[i])
      return error(callRange, "missing argument `" + std::string(b.params[i].name) + "` in call to `" + b.name + "`");
  Value v = b.impl(*this, bound, boundRanges, callRange);
  if (v.kind == Value::Tensor && !v.origin.valid()) {
    v.origin = callRange;
    v.originWhat = "the `" + std::string(b.name) + "` call";
  }
  return v;
}

// ---------------------------------------------------------------------------
// Statements

void Elab::assign(const ast::Stmt &s, const Value &v) {
  Frame &f = frames_.back();
  if (s.targets.size() == 1) {
    if (s.type && !v.isError()) {
      if (!checkType(v, *s.type, f, s.value ? s.value->range : s.range, "`" + s.targets[0].name + "`")) {
        f.vars[s.targets[0].name] = Value::err();
        return;
      }
    }
    f.vars[s.targets[0].name] = v;
    return;
  }
  if (v.isError()) {
    for (const ast::Ident &t : s.targets) f.vars[t.name] = v;
    return;
  }
  if (v.kind != Value::Tuple && v.kind != Value::List) {
    error(s.value ? s.value->range : s.range,
          "cannot unpack " + v.describe() + " into " + std::to_string(s.targets.size()) + " names");
    for (const ast::Ident &t : s.targets) f.vars[t.name] = Value::err();
    return;
  }
  if (v.elems.size() != s.targets.size()) {
    error(s.value ? s.value->range : s.range, "cannot unpack " + std::to_string(v.elems.size()) + " values into " +
                                                  std::to_string(s.targets.size()) + " names");
    for (const ast::Ident &t : s.targets) f.vars[t.name] = Value::err();
    return;
  }
  for (size_t k = 0; k < s.targets.size(); ++k) f.vars[s.targets[k].name] = v.elems[k];
}

static uint64_t fnv1a(const std::string &s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

int64_t Elab::nextSeed() {
  uint64_t h = fnv1a(seedPath_ + "#" + std::to_string(seedCounter_++));
  return static_cast<int64_t>(h & 0x7fffffffffffffffull);
}

void Elab::execParam(const ast::Stmt &s) {
  Frame &f = frames_.back();
  const std::string &name = s.targets.empty() ? std::string() : s.targets[0].name;
  if (!s.type) return;
  ir::TensorType type;
  if (!evalType(*s.type, type)) {
    f.vars[name] = Value::err();
    return;
  }
  // A param belongs to a model: its init graph creates it and a train step
  // updates it. One created by a data block or a loss would be neither.
  bool inModel = false;
  for (const Frame &fr : frames_)
    inModel |= fr.fn && fr.fn->isModel;
  if (!inModel) {
    error(s.range, "param `" + name + "` is created outside a model: layers with weights belong in a model block");
    f.vars[name] = Value::err();
    return;
  }
  if (type.shape.hasBatch()) {
    error(s.type->range, "param `" + name + "` cannot have the batch dimension in its shape " + type.shape.str());
    f.vars[name] = Value::err();
    return;
  }
  std::string path = f.path.empty() ? name : f.path + "/" + name;
  GraphCtx &g = ctx();
  auto it = g.params.find(path);
  if (it != g.params.end()) {
    if (g.graph->type(it->second) != type) {
      error(s.range, "param `" + path + "` is " + type.str() + " here but " + g.graph->type(it->second).str() +
                         " where it was first created");
      f.vars[name] = Value::err();
      return;
    }
    f.vars[name] = Value::ofTensor(g.graph, it->second);
    return;
  }
  ir::NodeId node;
  tagSource(s.range);
  try {
    node = g.graph->param(path, type);
  } catch (const ir::IRError &e) {
    error(s.range, e.what());
    f.vars[name] = Value::err();
    return;
  }
  g.params[path] = node;
  Value pv = Value::ofTensor(g.graph, node);
  pv.origin = s.targets[0].range;
  pv.originWhat = "param `" + name + "`";
  f.vars[name] = pv;

  if (!g.init) return;
  // The initializer runs in the init graph: `= init` calls init(shape),
  // `= 0.5` fills, `= expr` must produce the param's shape.
  ir::Graph *forward = g.graph;
  g.graph = g.init;
  Restore<std::string> seedPath(seedPath_);
  Restore<int> seedCounter(seedCounter_);
  seedPath_ = path;
  seedCounter_ = 0;
  std::vector<Value> dims;
  for (ir::Dim d : type.shape.dims()) dims.push_back(Value::ofInt(d));
  Value shapeV = Value::ofList(dims);
  Value init;
  SourceRange r = s.value ? s.value->range : s.range;
  if (!s.value) {
    init = Value::ofFloat(0);
  } else {
    bool hadShape = f.vars.count("shape") != 0;
    Value saved = hadShape ? f.vars["shape"] : Value();
    if (!hadShape) f.vars["shape"] = shapeV;
    init = eval(*s.value);
    if (!hadShape) frames_.back().vars.erase("shape");
    else frames_.back().vars["shape"] = saved;
  }
  if (init.kind == Value::Function)
    init = call(init, {shapeV}, {""}, {r}, r);
  if (init.isNumber()) {
    std::vector<double> one{init.number()};
    init = Value::ofTensor(g.graph, g.graph->constant(one, type));
  }
  if (!init.isError()) {
    if (init.kind != Value::Tensor || init.graph != g.init) {
      error(r, "the initializer of `" + name + "` must be a number, an initializer such as `glorot_uniform`, or a tensor; got " +
                   init.describe());
    } else {
      if (init.type().dtype != type.dtype)
        init = emit(ir::Op::Cast, {init}, ir::Attrs{{"dtype", std::string(ir::dtypeName(type.dtype))}}, r);
      Value b = broadcastTo(init, type.shape, r);
      if (!b.isError()) g.init->addOutput(path, b.node);
    }
  }
  g.graph = forward;
}

Value Elab::runBody(const std::vector<ast::Stmt> &body, SourceRange fnRange, const std::string &fnName) {
  for (size_t k = 0; k < body.size(); ++k) {
    const ast::Stmt &s = body[k];
    if (diags_.tooMany()) return Value::err();
    if (s.kind != ast::StmtKind::Return) {
      execStmt(s);
      continue;
    }
    if (k + 1 < body.size()) diags_.warning(body[k + 1].range, "statement after `return` is never run");
    if (s.values.size() == 1) return s.values[0] ? eval(*s.values[0]) : Value::err();
    std::vector<Value> vals;
    for (const ast::ExprPtr &e : s.values) {
      vals.push_back(e ? eval(*e) : Value::err());
      if (vals.back().isError()) return Value::err();
    }
    return Value::ofList(std::move(vals), Value::Tuple);
  }
  return error(fnRange, "`" + fnName + "` does not return a value");
}

void Elab::execStmt(const ast::Stmt &s) {
  switch (s.kind) {
  case ast::StmtKind::Assign:
    if (!s.value) return;
    if (!s.updates.empty()) {
      error(s.updates[0].range, "`updates` is only allowed on the optimizer of a train step");
      return;
    }
    assign(s, eval(*s.value));
    return;
  case ast::StmtKind::Param:
    execParam(s);
    return;
  case ast::StmtKind::For:
    execFor(s);
    return;
  case ast::StmtKind::Return: // runBody handles a fn body's own
    error(s.range, "`return` cannot be inside a `for` loop; bind the result to a name and return it after the loop");
    return;
  case ast::StmtKind::State:
    error(s.range, "`state` is only allowed in an optimizer");
    return;
  case ast::StmtKind::Update:
    error(s.range, "`" + s.op + "` is only allowed in an optimizer");
    return;
  }
}

// for NAME in LIST { BODY }: the body runs once per element, in the
// enclosing frame, so the names it binds carry from one iteration to the
// next (and out of the loop). That is the whole of a recurrent layer's time
// loop: the graph holds the body unrolled, one copy per element.
void Elab::execFor(const ast::Stmt &s) {
  if (s.targets.empty() || !s.value) return;
  const std::string &var = s.targets[0].name;
  Value seq = eval(*s.value);
  if (!seq.isError() && seq.kind != Value::List && seq.kind != Value::Tuple)
    seq = error(s.value->range, "`for` iterates over a list such as range(n), got " + seq.describe());
  if (!seq.isError() && unrolled_ + static_cast<int64_t>(seq.elems.size()) > kMaxUnrolled)
    seq = error(s.value->range, "`for` loops would unroll more than " + std::to_string(kMaxUnrolled) +
                                    " iterations in this program");
  if (seq.isError()) {
    // The names the body would bind are unusable too; mark them so that
    // their uses say nothing more.
    Frame &frame = frames_.back();
    frame.vars[var] = seq;
    for (const ast::Stmt &b : s.body)
      for (const ast::Ident &t : b.targets) frame.vars[t.name] = seq;
    return;
  }
  unrolled_ += static_cast<int64_t>(seq.elems.size());
  int before = diags_.errorCount();
  for (const Value &v : seq.elems) {
    frames_.back().vars[var] = v;
    for (const ast::Stmt &b : s.body) {
      if (diags_.tooMany()) return;
      execStmt(b);
    }
    // A mistake in the body is the same in every iteration: report it once.
    if (diags_.errorCount() != before) return;
  }
}

} // namespace nnc
