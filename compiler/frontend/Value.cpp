#include "frontend/Value.h"

#include <cmath>
#include <sstream>

namespace nnc {

bool Value::wholeNumber(int64_t &out) const {
  if (kind == Int && !batch) {
    out = i;
    return true;
  }
  if (kind == Float && f == std::floor(f) && std::fabs(f) < 9.0e15) {
    out = static_cast<int64_t>(f);
    return true;
  }
  return false;
}

std::string Value::kindName() const {
  switch (kind) {
  case None: return "nothing";
  case Error: return "<error>";
  case Int: return batch ? "the batch dimension" : "int";
  case Float: return "float";
  case Bool: return "bool";
  case String: return "string";
  case Tensor: return "tensor";
  case List: return "list";
  case Tuple: return "tuple";
  case Function: return "function";
  case Optimizer: return "optimizer";
  }
  return "?";
}

std::string Value::describe() const {
  std::ostringstream ss;
  switch (kind) {
  case Int:
    if (batch) return "the batch dimension B";
    ss << "int " << i;
    return ss.str();
  case Float:
    ss << "float " << f;
    return ss.str();
  case Bool: return b ? "bool true" : "bool false";
  case String: return "string \"" + s + "\"";
  case Tensor: return graph->type(node).str();
  case List:
  case Tuple: {
    ss << (kind == List ? "[" : "(");
    for (size_t k = 0; k < elems.size(); ++k) ss << (k ? ", " : "") << elems[k].describe();
    ss << (kind == List ? "]" : ")");
    return ss.str();
  }
  case Function:
  case Optimizer:
  case None:
  case Error:
    return kindName();
  }
  return kindName();
}

} // namespace nnc
