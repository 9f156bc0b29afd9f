// The reference interpreter of the tensor IR: the oracle that autodiff, the
// passes and the generated code are checked against.
//
// It favours obvious correctness over speed: every tensor is a row-major
// std::vector<double> whatever its dtype (i32 and bool values are exact
// integers, bool is 0 or 1) and every op is a plain loop. Two precisions:
//   F64  nothing is rounded; used for float64 gradient checks.
//   F32  every f32-typed result is rounded to float after being computed in
//        double, which reproduces float arithmetic exactly for + - * / sqrt
//        and to within an ulp or so for the rest. f64 results never round.
// Choices the generated code must match:
//   - i32 arithmetic wraps modulo 2^32; i32 division truncates toward zero.
//   - cast to i32 truncates toward zero and saturates; NaN becomes 0.
//   - maximum, minimum, reduce_max/min and max_pool2d propagate NaN; argmax
//     returns the first maximum, a NaN counting as the maximum.
//   - a pooling window wholly in the padding gives -inf (max) or 0 (avg).
//   - random ops: element i is nnc_rng_*(seed, key, i) (runtime/include/nnc/rng.h).
//
// Run-time errors (a missing or mis-shaped input, an index out of range, an
// integer division by zero) throw InterpError; no graph and no binding can
// make the interpreter crash or invoke undefined behaviour.
#pragma once

#include "ir/Graph.h"

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace nnc::ir {

struct InterpError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Precision { F32, F64 };

// A concrete tensor value: type.shape has no batch dimension.
struct Tensor {
  TensorType type;
  std::vector<double> data;

  Tensor() = default;
  // Throws InterpError when the shape is not concrete or `data` does not fill it.
  Tensor(TensorType type, std::vector<double> data);
  Tensor(DType dtype, Shape shape, std::vector<double> data)
      : Tensor(TensorType{dtype, std::move(shape)}, std::move(data)) {}

  static Tensor filled(const TensorType &type, double value);
  static Tensor scalar(double value, DType dtype = DType::F32);

  const Shape &shape() const { return type.shape; }
  DType dtype() const { return type.dtype; }
  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  // The element at a full multi-index; throws std::out_of_range when invalid.
  double at(const std::vector<int64_t> &index) const;

  std::string str() const; // "f32[2, 2] {1, 2, 3, 4}"
  // Exact comparison of type and values (so NaN != NaN).
  bool operator==(const Tensor &o) const { return type == o.type && data == o.data; }
};

std::ostream &operator<<(std::ostream &os, const Tensor &t);

// The values bound to a graph's sources, by their `name` attribute. Names the
// graph does not use are ignored, so one Bindings can serve a model's forward
// and gradient graphs.
struct Bindings {
  std::map<std::string, Tensor> inputs;
  std::map<std::string, Tensor> params;
  // The batch size; needed only when no input or param has the batch dimension
  // (then it defaults to 1). When inputs bind it too, they must agree.
  std::optional<int64_t> batch;
};

// The batch size the bindings give the graph's batch dimension; InterpError
// when a source is missing, does not match its declared type, or disagrees.
int64_t bindBatch(const Graph &g, const Bindings &b);

// Runs the graph and returns the value of every node, indexed by NodeId.
std::vector<Tensor> interpret(const Graph &g, const Bindings &b, Precision p = Precision::F64);

// Runs the graph and returns its named outputs.
std::map<std::string, Tensor> runOutputs(const Graph &g, const Bindings &b, Precision p = Precision::F64);

} // namespace nnc::ir
