#include "ir/Printer.h"

#include <charconv>
#include <cmath>
#include <ostream>
#include <sstream>

namespace nnc::ir {

ImpliedAttrs impliedByResultType(Op op) {
  switch (op) {
  case Op::Input: case Op::Param: case Op::Constant: case Op::RandomUniform: case Op::RandomNormal:
    return {true, true};
  case Op::Broadcast: case Op::Reshape:
  case Op::ScatterAdd: case Op::Conv2DGradInput: case Op::Conv2DGradFilter: case Op::AvgPool2DGrad:
    return {true, false};
  case Op::Cast: case Op::OneHot:
    return {false, true};
  case Op::Neg: case Op::Abs: case Op::Sign: case Op::Exp: case Op::Log: case Op::Sqrt: case Op::Tanh:
  case Op::Sin: case Op::Cos: case Op::Floor: case Op::Not: case Op::StopGradient:
  case Op::Add: case Op::Sub: case Op::Mul: case Op::Div: case Op::Pow: case Op::Maximum: case Op::Minimum:
  case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::And: case Op::Or:
  case Op::Select:
  case Op::ReduceSum: case Op::ReduceMax: case Op::ReduceMin: case Op::ReduceMean: case Op::ArgMax:
  case Op::Transpose: case Op::Slice: case Op::Pad: case Op::Concat:
  case Op::MatMul: case Op::Gather: case Op::Conv2D: case Op::MaxPool2D: case Op::AvgPool2D:
  case Op::MaxPool2DGrad:
    return {false, false};
  }
  return {false, false};
}

std::string formatFloat(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  // to_chars without a precision gives the shortest text that reads back to
  // exactly `v`, so "0.1" stays "0.1" rather than %.17g's "0.10000000000000001".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, res.ptr);
  // Mark integral values as floats so the parser keeps the attribute's kind.
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string quoteString(const std::string &s) {
  static const char kHex[] = "0123456789abcdef";
  std::string r = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
    case '"': r += "\\\""; continue;
    case '\\': r += "\\\\"; continue;
    case '\n': r += "\\n"; continue;
    case '\t': r += "\\t"; continue;
    case '\r': r += "\\r"; continue;
    default: break;
    }
    if (u < 0x20 || u == 0x7f) {
      r += "\\x";
      r += kHex[u >> 4];
      r += kHex[u & 15];
      continue;
    }
    r += c; // bytes of UTF-8 sequences pass through unchanged
  }
  return r + "\"";
}

static bool isIdentifier(const std::string &s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

std::string formatName(const std::string &s) { return isIdentifier(s) ? s : quoteString(s); }

namespace {

void printValue(std::ostream &os, const AttrValue &v) {
  if (auto *i = std::get_if<int64_t>(&v)) {
    os << *i;
    return;
  }
  if (auto *d = std::get_if<double>(&v)) {
    os << formatFloat(*d);
    return;
  }
  if (auto *s = std::get_if<std::string>(&v)) {
    os << quoteString(*s);
    return;
  }
  if (auto *is = std::get_if<std::vector<int64_t>>(&v)) {
    os << '[';
    for (size_t k = 0; k < is->size(); ++k) os << (k ? ", " : "") << (*is)[k];
    os << ']';
    return;
  }
  const auto &ds = std::get<std::vector<double>>(v);
  if (ds.empty()) {
    os << "f[]"; // `[]` alone reads back as an empty int list
    return;
  }
  os << '[';
  for (size_t k = 0; k < ds.size(); ++k) os << (k ? ", " : "") << formatFloat(ds[k]);
  os << ']';
}

// Whether attribute `key` of `n` is implied by its result type and agrees
// with it, so printing it would only repeat the type.
bool isImplied(const Node &n, const std::string &key, const AttrValue &v) {
  ImpliedAttrs imp = impliedByResultType(n.op);
  if (key == "shape" && imp.shape) {
    auto *dims = std::get_if<std::vector<int64_t>>(&v);
    return dims && *dims == n.type.shape.dims();
  }
  if (key == "dtype" && imp.dtype) {
    auto *name = std::get_if<std::string>(&v);
    return name && *name == dtypeName(n.type.dtype);
  }
  return false;
}

void printAttrs(std::ostream &os, const Node &n) {
  bool first = true;
  for (const auto &[key, value] : n.attrs.entries()) {
    if (isImplied(n, key, value)) continue;
    os << (first ? " {" : ", ") << formatName(key) << " = ";
    printValue(os, value);
    first = false;
  }
  if (!first) os << '}';
}

void printNodeLine(std::ostream &os, const Graph &g, NodeId id, const PrintOptions &opts) {
  const Node &n = g.node(id);
  os << '%' << id << " = " << opName(n.op) << '(';
  for (size_t k = 0; k < n.inputs.size(); ++k) os << (k ? ", %" : "%") << n.inputs[k];
  os << ')';
  printAttrs(os, n);
  os << " : " << n.type.str();
  if (opts.locations && !n.src.empty())
    os << "  loc(" << quoteString(n.src.file) << ':' << n.src.line << ':' << n.src.col << ')';
}

} // namespace

void printGraph(std::ostream &os, const Graph &g, const PrintOptions &opts) {
  os << "graph " << formatName(g.name) << " {\n";
  for (size_t i = 0; i < g.size(); ++i) {
    os << "  ";
    printNodeLine(os, g, static_cast<NodeId>(i), opts);
    os << '\n';
  }
  if (!g.outputs().empty()) {
    os << "  return ";
    for (size_t k = 0; k < g.outputs().size(); ++k) {
      const auto &[name, id] = g.outputs()[k];
      os << (k ? ", " : "") << formatName(name) << " = %" << id;
    }
    os << '\n';
  }
  os << "}\n";
}

std::string printGraph(const Graph &g, const PrintOptions &opts) {
  std::ostringstream os;
  printGraph(os, g, opts);
  return os.str();
}

std::string printGraphs(const std::vector<Graph> &graphs, const PrintOptions &opts) {
  std::ostringstream os;
  for (size_t k = 0; k < graphs.size(); ++k) {
    if (k) os << '\n';
    printGraph(os, graphs[k], opts);
  }
  return os.str();
}

std::string printNode(const Graph &g, NodeId id, const PrintOptions &opts) {
  std::ostringstream os;
  printNodeLine(os, g, id, opts);
  return os.str();
}

} // namespace nnc::ir
