// Element types and shapes of IR tensors.
//
// Every dimension is static except the batch dimension, which is a symbol
// (printed `B`) bound to a number only when a graph runs. A shape holds at
// most one batch dimension.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nnc::ir {

enum class DType { F32, F64, I32, Bool };

const char *dtypeName(DType t);                       // "f32", "f64", "i32", "bool"
std::optional<DType> parseDType(const std::string &s);
// Bytes of one element: f32 and i32 4, f64 8, bool 1.
inline size_t dtypeBytes(DType t) { return t == DType::F64 ? 8 : t == DType::Bool ? 1 : 4; }
inline bool isFloat(DType t) { return t == DType::F32 || t == DType::F64; }

using Dim = int64_t;
constexpr Dim kBatch = -1; // the symbolic batch dimension

class Shape {
public:
  Shape() = default;
  Shape(std::initializer_list<Dim> d) : dims_(d) {}
  explicit Shape(std::vector<Dim> d) : dims_(std::move(d)) {}

  size_t rank() const { return dims_.size(); }
  Dim operator[](size_t i) const { return dims_[i]; }
  Dim &operator[](size_t i) { return dims_[i]; }
  const std::vector<Dim> &dims() const { return dims_; }
  std::vector<Dim> &dims() { return dims_; }
  bool hasBatch() const;
  int batchAxis() const; // -1 when none
  // Number of elements with the batch dimension bound to `batch`.
  int64_t numel(int64_t batch = 1) const;
  // Number of elements per batch entry (the product of the static dims).
  int64_t staticNumel() const { return numel(1); }
  // The shape with the batch dimension replaced by `batch`.
  Shape bind(int64_t batch) const;
  std::string str() const; // "[B, 784]"
  bool operator==(const Shape &o) const { return dims_ == o.dims_; }
  bool operator!=(const Shape &o) const { return dims_ != o.dims_; }

private:
  std::vector<Dim> dims_;
};

struct TensorType {
  DType dtype = DType::F32;
  Shape shape;
  std::string str() const; // "f32[B, 784]", a scalar prints "f32[]"
  bool operator==(const TensorType &o) const { return dtype == o.dtype && shape == o.shape; }
  bool operator!=(const TensorType &o) const { return !(*this == o); }
};

} // namespace nnc::ir
