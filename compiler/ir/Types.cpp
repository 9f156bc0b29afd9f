#include "ir/Types.h"

namespace nnc::ir {

const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "f32";
  case DType::F64: return "f64";
  case DType::I32: return "i32";
  case DType::Bool: return "bool";
  }
  return "?";
}

std::optional<DType> parseDType(const std::string &s) {
  if (s == "f32") return DType::F32;
  if (s == "f64") return DType::F64;
  if (s == "i32") return DType::I32;
  if (s == "bool") return DType::Bool;
  return std::nullopt;
}

bool Shape::hasBatch() const { return batchAxis() >= 0; }

int Shape::batchAxis() const {
  for (size_t i = 0; i < dims_.size(); ++i)
    if (dims_[i] == kBatch) return static_cast<int>(i);
  return -1;
}

int64_t Shape::numel(int64_t batch) const {
  int64_t n = 1;
  for (Dim d : dims_) n *= (d == kBatch ? batch : d);
  return n;
}

Shape Shape::bind(int64_t batch) const {
  Shape s = *this;
  for (Dim &d : s.dims_)
    if (d == kBatch) d = batch;
  return s;
}

std::string Shape::str() const {
  std::string s = "[";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i) s += ", ";
    s += dims_[i] == kBatch ? std::string("B") : std::to_string(dims_[i]);
  }
  return s + "]";
}

std::string TensorType::str() const { return std::string(dtypeName(dtype)) + shape.str(); }

} // namespace nnc::ir
