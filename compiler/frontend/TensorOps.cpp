// Building tensor nodes during elaboration: conversions of compile-time
// values, numpy-style broadcasting, and indexing.
#include "frontend/ElabContext.h"

#include <cmath>

namespace nnc {

namespace {

std::string dimStr(ir::Dim d) { return d == ir::kBatch ? std::string("B") : std::to_string(d); }

// Flattens a rectangular nested list of numbers; false if it is not one.
bool flattenList(const Value &v, std::vector<ir::Dim> &shape, std::vector<double> &out, size_t depth, bool &anyFloat) {
  if (v.isNumber() || v.kind == Value::Bool) {
    if (depth != shape.size()) return false;
    anyFloat |= v.kind == Value::Float;
    out.push_back(v.kind == Value::Bool ? (v.b ? 1 : 0) : v.number());
    return true;
  }
  if (v.kind != Value::List && v.kind != Value::Tuple) return false;
  if (depth == shape.size()) shape.push_back(static_cast<ir::Dim>(v.elems.size()));
  else if (shape[depth] != static_cast<ir::Dim>(v.elems.size())) return false;
  if (v.elems.empty()) return false;
  for (const Value &e : v.elems)
    if (!flattenList(e, shape, out, depth + 1, anyFloat)) return false;
  return true;
}

} // namespace

bool flattenLiteral(const Value &v, std::vector<ir::Dim> &shape, std::vector<double> &data) {
  bool anyFloat = false;
  return flattenList(v, shape, data, 0, anyFloat);
}

// Nodes are tagged with a line of the user's file: inside a stdlib fn, the
// line of the call that led there, so later stages can say which line of the
// model a kernel came from.
void Elab::tagSource(SourceRange r) {
  SourceRange at = r;
  for (size_t k = frames_.size(); k-- > 0 && at.valid() && at.begin.file != prog_.root;)
    if (frames_[k].callSite.valid()) at = frames_[k].callSite;
  if (!at.valid() || at.begin.file != prog_.root) {
    ctx().graph->setSource({});
    return;
  }
  ctx().graph->setSource({diags_.sources().path(at.begin.file), at.begin.line, at.begin.col});
}

Value Elab::emit(ir::Op op, std::vector<Value> operands, ir::Attrs attrs, SourceRange r) {
  std::vector<ir::NodeId> ids;
  for (const Value &v : operands) {
    if (v.isError()) return v;
    if (v.kind != Value::Tensor) return error(r, std::string("`") + ir::opName(op) + "` needs a tensor, got " + v.describe());
    if (v.graph != ctx().graph)
      return error(r, "this tensor belongs to another graph: a param initializer cannot use the model's inputs");
    ids.push_back(v.node);
  }
  ir::Graph &g = *ctx().graph;
  tagSource(r);
  try {
    return Value::ofTensor(&g, g.create(op, std::move(ids), std::move(attrs)));
  } catch (const ir::IRError &e) {
    return error(r, e.what());
  }
}

Value Elab::toTensor(const Value &v, SourceRange r, const Value *like) {
  if (v.isError() || v.kind == Value::Tensor) return v;
  ir::DType dt = like && like->kind == Value::Tensor ? like->type().dtype : ir::DType::F32;
  if (v.kind == Value::Int && v.batch) return error(r, "the batch dimension B has no value at compile time");
  if (v.isNumber() || v.kind == Value::Bool) {
    if (v.kind == Value::Bool) dt = ir::DType::Bool;
    else if (dt == ir::DType::Bool) return error(r, "cannot use " + v.describe() + " as a bool");
    if (dt == ir::DType::I32 && v.kind == Value::Float && v.f != std::floor(v.f))
      return error(r, "cannot use " + v.describe() + " with an i32 tensor");
    double x = v.kind == Value::Bool ? (v.b ? 1 : 0) : v.number();
    ir::Graph &g = *ctx().graph;
    tagSource(r);
    return Value::ofTensor(&g, g.constant({x}, ir::TensorType{dt, ir::Shape{}}));
  }
  if (v.kind == Value::List || v.kind == Value::Tuple) {
    std::vector<ir::Dim> shape;
    std::vector<double> data;
    bool anyFloat = false;
    if (!flattenList(v, shape, data, 0, anyFloat))
      return error(r, "expected a tensor or a rectangular list of numbers, got " + v.describe());
    ir::Graph &g = *ctx().graph;
    tagSource(r);
    return Value::ofTensor(&g, g.constant(data, ir::TensorType{dt, ir::Shape(shape)}));
  }
  return error(r, "expected a tensor, got " + v.describe());
}

Value Elab::unaryTensor(ir::Op op, const Value &v, SourceRange r) {
  Value t = toTensor(v, r);
  if (t.isError()) return t;
  return emit(op, {t}, {}, r);
}

Value Elab::broadcastTo(const Value &t, const ir::Shape &shape, SourceRange r) {
  if (t.isError()) return t;
  if (t.type().shape == shape) return t;
  return emit(ir::Op::Broadcast, {t}, ir::Attrs{{"shape", shape.dims()}}, r);
}

Value Elab::binary(ir::Op op, const Value &a0, const Value &b0, SourceRange r, const std::string &spelling) {
  Value a = toTensor(a0, r, b0.kind == Value::Tensor ? &b0 : nullptr);
  Value b = toTensor(b0, r, a.kind == Value::Tensor ? &a : nullptr);
  if (a.isError() || b.isError()) return Value::err();
  const ir::TensorType &ta = a.type(), &tb = b.type();
  if (ta.dtype != tb.dtype)
    return error(r, "operator `" + spelling + "` needs operands of one element type, got " + ta.str() + " and " + tb.str() +
                        " (convert one with float(...) or int(...))");
  // numpy broadcasting: align right; equal dims stay, a 1 expands.
  size_t rank = std::max(ta.shape.rank(), tb.shape.rank());
  std::vector<ir::Dim> out(rank);
  for (size_t k = 0; k < rank; ++k) {
    ir::Dim da = k + ta.shape.rank() >= rank ? ta.shape[k + ta.shape.rank() - rank] : 1;
    ir::Dim db = k + tb.shape.rank() >= rank ? tb.shape[k + tb.shape.rank() - rank] : 1;
    if (da == db || db == 1) out[k] = da;
    else if (da == 1) out[k] = db;
    else {
      diags_.error(r, "cannot apply `" + spelling + "` to " + ta.str() + " and " + tb.str() + ": dimension " + dimStr(da) +
                          " does not match " + dimStr(db));
      for (const Value *v : {&a0, &b0})
        if (v->kind == Value::Tensor && v->origin.valid())
          diags_.note(v->origin, v->describe() + " is produced by " + (v->originWhat.empty() ? "this expression" : v->originWhat) + " here");
      noteCallStack();
      return Value::err();
    }
  }
  ir::Shape shape(out);
  Value ba = broadcastTo(a, shape, r), bb = broadcastTo(b, shape, r);
  return emit(op, {ba, bb}, {}, r);
}

int64_t Elab::normalizeAxis(int64_t a, size_t rank, SourceRange r) {
  int64_t n = static_cast<int64_t>(rank);
  if (a < -n || a >= n) {
    error(r, "axis " + std::to_string(a) + " is out of range for a tensor of rank " + std::to_string(rank));
    return -1;
  }
  return a < 0 ? a + n : a;
}

bool Elab::toDims(const Value &v, std::vector<ir::Dim> &out, SourceRange r, const char *what, bool positive) {
  if (v.isError()) return false;
  const std::vector<Value> single{v};
  const std::vector<Value> &elems = v.kind == Value::List || v.kind == Value::Tuple ? v.elems : single;
  for (const Value &e : elems) {
    if (e.kind != Value::Int) {
      error(r, std::string(what) + " must be a list of ints, got " + v.describe());
      return false;
    }
    if (positive && !e.batch && e.i < 1) {
      error(r, "dimensions must be positive, got " + v.describe());
      return false;
    }
    out.push_back(e.batch ? ir::kBatch : e.i);
  }
  return true;
}

// x[i], x[a:b:c], x[..., i], and list[i].
Value Elab::evalIndex(const ast::Expr &e) {
  if (e.elems.empty() || !e.elems[0]) return Value::err();
  Value base = eval(*e.elems[0]);
  if (base.isError()) return base;
  auto evalInt = [&](const ast::ExprPtr &x, int64_t dflt, bool &ok) -> int64_t {
    if (!x) return dflt;
    Value v = eval(*x);
    if (v.isError()) {
      ok = false;
      return 0;
    }
    int64_t i;
    if (!v.wholeNumber(i)) {
      error(x->range, "an index must be an int, got " + v.describe());
      ok = false;
      return 0;
    }
    return i;
  };
  if (base.kind == Value::List || base.kind == Value::Tuple) {
    if (e.indices.size() != 1 || e.indices[0].kind != ast::IndexItem::Index)
      return error(e.range, "a list takes a single int index");
    bool ok = true;
    int64_t i = evalInt(e.indices[0].index, 0, ok);
    if (!ok) return Value::err();
    int64_t n = static_cast<int64_t>(base.elems.size());
    if (i < -n || i >= n) return error(e.indices[0].range, "index " + std::to_string(i) + " is out of range for " + std::to_string(n) + " elements");
    return base.elems[static_cast<size_t>(i < 0 ? i + n : i)];
  }
  if (base.kind != Value::Tensor) return error(e.range, "cannot index " + base.describe());
  const ir::Shape &shape = base.type().shape;
  size_t rank = shape.rank();
  size_t ellipses = 0, consumed = 0;
  for (const ast::IndexItem &it : e.indices) {
    if (it.kind == ast::IndexItem::Ellipsis) ++ellipses;
    else if (it.kind != ast::IndexItem::NewAxis) ++consumed;
  }
  if (ellipses > 1) return error(e.range, "an index can hold only one `...`");
  if (consumed > rank)
    return error(e.range, "too many indices for " + base.describe() + ": " + std::to_string(consumed) + " given");
  std::vector<int64_t> begin, end, stride;
  std::vector<ir::Dim> outDims;
  size_t axis = 0;
  bool ok = true;
  for (const ast::IndexItem &it : e.indices) {
    if (it.kind == ast::IndexItem::Ellipsis) {
      for (size_t k = 0; k < rank - consumed; ++k, ++axis) {
        begin.push_back(0);
        end.push_back(shape[axis] == ir::kBatch ? ir::kBatch : shape[axis]);
        stride.push_back(1);
        outDims.push_back(shape[axis]);
      }
      continue;
    }
    if (it.kind == ast::IndexItem::NewAxis) return error(it.range, "new axes are not supported in indexing");
    ir::Dim d = shape[axis];
    if (d == ir::kBatch) {
      bool full = it.kind == ast::IndexItem::Slice && !it.start && !it.stop && !it.step;
      if (!full) return error(it.range, "the batch dimension cannot be indexed or sliced");
      begin.push_back(0);
      end.push_back(ir::kBatch);
      stride.push_back(1);
      outDims.push_back(ir::kBatch);
      ++axis;
      continue;
    }
    if (it.kind == ast::IndexItem::Index) {
      int64_t i = evalInt(it.index, 0, ok);
      if (!ok) return Value::err();
      if (i < -d || i >= d)
        return error(it.range, "index " + std::to_string(i) + " is out of range for dimension " + std::to_string(axis) +
                                   " of size " + std::to_string(d));
      if (i < 0) i += d;
      begin.push_back(i);
      end.push_back(i + 1);
      stride.push_back(1);
      ++axis;
      continue; // dropped from the result
    }
    int64_t st = evalInt(it.step, 1, ok);
    int64_t b = evalInt(it.start, 0, ok);
    int64_t en = evalInt(it.stop, d, ok);
    if (!ok) return Value::err();
    if (st < 1) return error(it.range, "a slice step must be positive");
    if (b < 0) b += d;
    if (en < 0) en += d;
    b = std::clamp<int64_t>(b, 0, d);
    en = std::clamp<int64_t>(en, 0, d);
    if (b >= en) return error(it.range, "the slice is empty for dimension " + std::to_string(axis) + " of size " + std::to_string(d));
    begin.push_back(b);
    end.push_back(en);
    stride.push_back(st);
    outDims.push_back((en - b + st - 1) / st);
    ++axis;
  }
  for (; axis < rank; ++axis) {
    begin.push_back(0);
    end.push_back(shape[axis] == ir::kBatch ? ir::kBatch : shape[axis]);
    stride.push_back(1);
    outDims.push_back(shape[axis]);
  }
  Value sliced = emit(ir::Op::Slice, {base}, ir::Attrs{{"begin", begin}, {"end", end}, {"stride", stride}}, e.range);
  if (sliced.isError() || sliced.type().shape == ir::Shape(outDims)) return sliced;
  return emit(ir::Op::Reshape, {sliced}, ir::Attrs{{"shape", outDims}}, e.range);
}

} // namespace nnc
