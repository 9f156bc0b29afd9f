// The interpreter's driver: binding sources, checking the graph, and the one
// switch over ir::Op that says what every op computes.
#include "ir/Interpreter.h"

#include "ir/InterpreterKernels.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ostream>

namespace nnc::ir {

using interp::Call;

namespace {

// No single result may hold more elements than this (2 GiB of doubles), so a
// huge declared shape fails cleanly instead of exhausting memory.
constexpr int64_t kMaxElements = int64_t(1) << 28;

// The element count of a concrete shape; nullopt when a dimension is negative
// or the product overflows.
std::optional<int64_t> checkedNumel(const Shape &s) {
  int64_t n = 1;
  for (Dim d : s.dims()) {
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) return std::nullopt;
  }
  return n;
}

// The element count the shape would have with its zero dimensions read as 1.
// Bounding it for every value bounds every product of dimensions the kernels
// form (strides, counts), even in empty tensors such as [0, 2^40, 2^40].
std::optional<int64_t> extent(const Shape &s) {
  int64_t n = 1;
  for (Dim d : s.dims()) {
    if (d < 0 || __builtin_mul_overflow(n, std::max<Dim>(d, 1), &n)) return std::nullopt;
  }
  return n;
}

std::string formatNumber(double v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

std::string where(const Node &n) {
  if (n.src.empty()) return "";
  return n.src.str() + ": ";
}

std::string nodeName(const Graph &g, NodeId id) {
  return "%" + std::to_string(id) + " (" + opName(g.node(id).op) + ")";
}

// Every node must be well typed and refer only to earlier nodes; graphs built
// with createUnchecked or by the IR parser may not be, and the kernels rely on it.
void checkGraph(const Graph &g) {
  for (size_t i = 0; i < g.size(); ++i) {
    const Node &n = g.nodes()[i];
    NodeId id = static_cast<NodeId>(i);
    std::vector<TensorType> types;
    for (NodeId in : n.inputs) {
      if (in < 0 || in >= id)
        throw InterpError(where(n) + nodeName(g, id) + ": operand %" + std::to_string(in) + " is not an earlier node");
      types.push_back(g.type(in));
    }
    TensorType expected;
    try {
      expected = inferType(n.op, types, n.attrs);
    } catch (const IRError &e) {
      throw InterpError(where(n) + nodeName(g, id) + " is ill-typed: " + e.what());
    }
    if (expected != n.type)
      throw InterpError(where(n) + nodeName(g, id) + " has type " + n.type.str() + " but its operands give " +
                        expected.str());
  }
  for (const auto &[name, id] : g.outputs()) {
    if (id < 0 || static_cast<size_t>(id) >= g.size())
      throw InterpError("output '" + name + "' refers to the missing node %" + std::to_string(id));
  }
}

bool isSource(Op op) { return op == Op::Input || op == Op::Param; }
const char *sourceKind(Op op) { return op == Op::Input ? "input" : "param"; }

const Tensor *lookupSource(const Node &n, const Bindings &b) {
  const auto &map = n.op == Op::Input ? b.inputs : b.params;
  auto it = map.find(n.attrs.getString("name"));
  return it == map.end() ? nullptr : &it->second;
}

// Values of an i32 or bool source must be what such a tensor can hold; the
// kernels convert i32 values to integers and rely on it.
void checkSourceValues(const std::string &what, const Tensor &t) {
  for (size_t i = 0; i < t.data.size(); ++i) {
    double v = t.data[i];
    bool ok = true;
    if (t.dtype() == DType::I32) ok = std::isfinite(v) && v == std::trunc(v) && v >= -2147483648.0 && v <= 2147483647.0;
    if (t.dtype() == DType::Bool) ok = v == 0 || v == 1;
    if (!ok)
      throw InterpError(what + ": value " + formatNumber(v) + " at index " + std::to_string(i) + " is not a valid " +
                        dtypeName(t.dtype()));
  }
}

// Checks one bound source against its declaration and binds the batch size
// from it; `boundBy` names whatever bound the batch size first.
void checkSource(const Node &n, const Tensor &t, std::optional<int64_t> &batch, std::string &boundBy) {
  const TensorType &decl = n.type;
  std::string what = std::string(sourceKind(n.op)) + " '" + n.attrs.getString("name") + "'";
  auto mismatch = [&] { return InterpError(what + ": expected " + decl.str() + ", got " + t.type.str()); };
  if (t.dtype() != decl.dtype || t.shape().rank() != decl.shape.rank()) throw mismatch();
  for (size_t i = 0; i < decl.shape.rank(); ++i) {
    Dim want = decl.shape[i], got = t.shape()[i];
    if (want != kBatch) {
      if (got != want) throw mismatch();
      continue;
    }
    if (got < 1) throw InterpError(what + ": the batch size must be positive, got " + std::to_string(got));
    if (batch && *batch != got)
      throw InterpError(what + ": batch size " + std::to_string(got) + " does not match batch size " +
                        std::to_string(*batch) + " bound by " + boundBy);
    if (batch) continue;
    batch = got;
    boundBy = what;
  }
  auto count = checkedNumel(t.shape());
  if (!count || *count != t.numel())
    throw InterpError(what + ": " + std::to_string(t.data.size()) + " values do not fill " + t.type.str());
  checkSourceValues(what, t);
}

// Rounds or normalizes a result to what its dtype can hold at this precision.
void finalize(Tensor &t, Precision p) {
  switch (t.dtype()) {
  case DType::F32:
    if (p == Precision::F32)
      for (double &v : t.data)
        v = interp::roundF32(v);
    return;
  case DType::F64:
    return;
  case DType::I32:
    for (double &v : t.data)
      v = interp::wrapI32(v);
    return;
  case DType::Bool:
    for (double &v : t.data)
      v = v != 0 ? 1.0 : 0.0;
    return;
  }
}

double signOf(double x) {
  if (std::isnan(x)) return x;
  return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0;
}

// maximum/minimum propagate NaN, like numpy and IEEE 754-2019 maximum.
double maxOf(double x, double y) {
  if (std::isnan(x) || std::isnan(y)) return NAN;
  return x < y ? y : x;
}

double minOf(double x, double y) {
  if (std::isnan(x) || std::isnan(y)) return NAN;
  return y < x ? y : x;
}

// i32 operands are exact integers, so int64 holds their product exactly;
// finalize wraps it into the i32 range.
double mulI32(double x, double y) { return static_cast<double>(static_cast<int64_t>(x) * static_cast<int64_t>(y)); }

// Truncates toward zero like C; int64 cannot overflow on i32 operands, and
// finalize wraps INT_MIN / -1 back to INT_MIN.
int64_t divI32(int64_t x, int64_t y) { return x / y; }

double boolOf(bool b) { return b ? 1.0 : 0.0; }

Tensor evalNode(const Call &c) {
  using namespace interp;
  switch (c.node.op) {
  case Op::Input:
  case Op::Param:
    return *lookupSource(c.node, c.bindings); // bindBatch checked it exists and fits
  case Op::Constant:
    return constant(c);
  case Op::RandomUniform:
    return randomUniform(c);
  case Op::RandomNormal:
    return randomNormal(c);

  case Op::Neg:
    return unary(c, [](double x) { return -x; });
  case Op::Abs:
    return unary(c, [](double x) { return std::fabs(x); });
  case Op::Sign:
    return unary(c, signOf);
  case Op::Exp:
    return unary(c, [](double x) { return std::exp(x); });
  case Op::Log:
    return unary(c, [](double x) { return std::log(x); });
  case Op::Sqrt:
    return unary(c, [](double x) { return std::sqrt(x); });
  case Op::Tanh:
    return unary(c, [](double x) { return std::tanh(x); });
  case Op::Sin:
    return unary(c, [](double x) { return std::sin(x); });
  case Op::Cos:
    return unary(c, [](double x) { return std::cos(x); });
  case Op::Floor:
    return unary(c, [](double x) { return std::floor(x); });
  case Op::StopGradient:
    return unary(c, [](double x) { return x; });
  case Op::Not:
    return unary(c, [](double x) { return boolOf(x == 0); });
  case Op::Cast: {
    DType to = c.type.dtype;
    return unary(c, [to](double x) { return castTo(to, x); });
  }

  case Op::Add:
    return binary(c, [](double x, double y) { return x + y; });
  case Op::Sub:
    return binary(c, [](double x, double y) { return x - y; });
  case Op::Mul:
    if (c.isInt()) return binary(c, mulI32);
    return binary(c, [](double x, double y) { return x * y; });
  case Op::Div:
    if (c.isInt()) {
      return binary(c, [&c](double x, double y) {
        if (y == 0) fail(c, "integer division by zero");
        return static_cast<double>(divI32(static_cast<int64_t>(x), static_cast<int64_t>(y)));
      });
    }
    return binary(c, [](double x, double y) { return x / y; });
  case Op::Pow:
    return binary(c, [](double x, double y) { return std::pow(x, y); });
  case Op::Maximum:
    return binary(c, maxOf);
  case Op::Minimum:
    return binary(c, minOf);
  case Op::Eq:
    return binary(c, [](double x, double y) { return boolOf(x == y); });
  case Op::Ne:
    return binary(c, [](double x, double y) { return boolOf(x != y); });
  case Op::Lt:
    return binary(c, [](double x, double y) { return boolOf(x < y); });
  case Op::Le:
    return binary(c, [](double x, double y) { return boolOf(x <= y); });
  case Op::Gt:
    return binary(c, [](double x, double y) { return boolOf(x > y); });
  case Op::Ge:
    return binary(c, [](double x, double y) { return boolOf(x >= y); });
  case Op::And:
    return binary(c, [](double x, double y) { return boolOf(x != 0 && y != 0); });
  case Op::Or:
    return binary(c, [](double x, double y) { return boolOf(x != 0 || y != 0); });
  case Op::Select:
    return ternary(c, [](double p, double x, double y) { return p != 0 ? x : y; });

  case Op::Broadcast:
    return broadcast(c);
  case Op::ReduceSum:
    return reduce(c, Reduction::Sum);
  case Op::ReduceMax:
    return reduce(c, Reduction::Max);
  case Op::ReduceMin:
    return reduce(c, Reduction::Min);
  case Op::ReduceMean:
    return reduce(c, Reduction::Mean);
  case Op::ArgMax:
    return argMax(c);

  case Op::Reshape:
    return reshape(c);
  case Op::Transpose:
    return transpose(c);
  case Op::Slice:
    return slice(c);
  case Op::Pad:
    return pad(c);
  case Op::Concat:
    return concat(c);

  case Op::MatMul:
    return matMul(c);
  case Op::Gather:
    return gather(c);
  case Op::OneHot:
    return oneHot(c);
  case Op::Conv2D:
    return conv2d(c);
  case Op::MaxPool2D:
    return maxPool2d(c);
  case Op::AvgPool2D:
    return avgPool2d(c);
  case Op::ScatterAdd:
    return scatterAdd(c);
  case Op::Conv2DGradInput:
    return conv2dGradInput(c);
  case Op::Conv2DGradFilter:
    return conv2dGradFilter(c);
  case Op::MaxPool2DGrad:
    return maxPool2dGrad(c);
  case Op::AvgPool2DGrad:
    return avgPool2dGrad(c);
  }
  fail(c, "unknown op");
}

} // namespace

Tensor::Tensor(TensorType t, std::vector<double> d) : type(std::move(t)), data(std::move(d)) {
  auto n = checkedNumel(type.shape);
  if (!n) throw InterpError("tensor type " + type.str() + " is not a concrete shape");
  if (*n != numel())
    throw InterpError("tensor " + type.str() + " needs " + std::to_string(*n) + " values, got " +
                      std::to_string(data.size()));
}

Tensor Tensor::filled(const TensorType &type, double value) {
  auto n = checkedNumel(type.shape);
  if (!n || *n > kMaxElements) throw InterpError("cannot allocate a tensor of type " + type.str());
  return Tensor(type, std::vector<double>(static_cast<size_t>(*n), value));
}

Tensor Tensor::scalar(double value, DType dtype) { return Tensor(TensorType{dtype, Shape{}}, {value}); }

double Tensor::at(const std::vector<int64_t> &index) const {
  if (index.size() != shape().rank()) throw std::out_of_range("Tensor::at: index rank differs from " + type.str());
  int64_t flat = 0;
  for (size_t i = 0; i < index.size(); ++i) {
    if (index[i] < 0 || index[i] >= shape()[i])
      throw std::out_of_range("Tensor::at: index out of range for " + type.str());
    flat = flat * shape()[i] + index[i];
  }
  return data.at(static_cast<size_t>(flat));
}

std::string Tensor::str() const {
  constexpr size_t kShown = 64;
  std::string s = type.str() + " {";
  for (size_t i = 0; i < data.size() && i < kShown; ++i)
    s += (i ? ", " : "") + formatNumber(data[i]);
  if (data.size() > kShown) s += ", ...";
  return s + "}";
}

std::ostream &operator<<(std::ostream &os, const Tensor &t) { return os << t.str(); }

int64_t bindBatch(const Graph &g, const Bindings &b) {
  std::optional<int64_t> batch = b.batch;
  std::string boundBy = "the bindings";
  if (batch && *batch < 1) throw InterpError("the batch size must be positive, got " + std::to_string(*batch));
  for (const Node &n : g.nodes()) {
    if (!isSource(n.op)) continue;
    const Tensor *t = lookupSource(n, b);
    if (!t) throw InterpError(std::string("missing ") + sourceKind(n.op) + " '" + n.attrs.getString("name") + "'");
    checkSource(n, *t, batch, boundBy);
  }
  return batch.value_or(1);
}

std::vector<Tensor> interpret(const Graph &g, const Bindings &b, Precision p) {
  checkGraph(g);
  int64_t batch = bindBatch(g, b);
  std::vector<Tensor> values;
  values.reserve(g.size());
  for (size_t i = 0; i < g.size(); ++i) {
    const Node &n = g.nodes()[i];
    TensorType type{n.type.dtype, n.type.shape.bind(batch)};
    auto size = extent(type.shape);
    if (!size || *size > kMaxElements)
      throw InterpError(where(n) + nodeName(g, static_cast<NodeId>(i)) + ": result " + type.str() +
                        " is too large for the interpreter");
    std::vector<const Tensor *> args;
    for (NodeId in : n.inputs)
      args.push_back(&values[static_cast<size_t>(in)]);
    Call call{n, args, type, b};
    Tensor r;
    try {
      r = evalNode(call);
    } catch (const InterpError &e) {
      if (n.src.empty()) throw;
      throw InterpError(where(n) + e.what());
    }
    finalize(r, p);
    values.push_back(std::move(r));
  }
  return values;
}

std::map<std::string, Tensor> runOutputs(const Graph &g, const Bindings &b, Precision p) {
  std::vector<Tensor> values = interpret(g, b, p);
  std::map<std::string, Tensor> out;
  for (const auto &[name, id] : g.outputs())
    out[name] = values[static_cast<size_t>(id)];
  return out;
}

} // namespace nnc::ir
