// Helpers shared by the interpreter's tests: literal tensors, and running one
// op on literal operands.
#pragma once

#include "ir/Interpreter.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace nnc::ir::test {

inline Tensor T(DType dt, Shape s, std::vector<double> v) { return Tensor(dt, std::move(s), std::move(v)); }
inline Tensor F64(Shape s, std::vector<double> v) { return T(DType::F64, std::move(s), std::move(v)); }
inline Tensor F32(Shape s, std::vector<double> v) { return T(DType::F32, std::move(s), std::move(v)); }
inline Tensor I32(Shape s, std::vector<double> v) { return T(DType::I32, std::move(s), std::move(v)); }
inline Tensor Bool(Shape s, std::vector<double> v) { return T(DType::Bool, std::move(s), std::move(v)); }

// Applies `op` to inputs a0, a1, ... bound to `args` (declared with their
// exact concrete types) and returns the result.
inline Tensor apply(Op op, const std::vector<Tensor> &args, Attrs attrs = {}, Precision p = Precision::F64) {
  Graph g;
  Bindings b;
  std::vector<NodeId> ids;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = "a" + std::to_string(i);
    ids.push_back(g.input(name, args[i].type));
    b.inputs[name] = args[i];
  }
  NodeId r = g.create(op, ids, std::move(attrs));
  return interpret(g, b, p)[static_cast<size_t>(r)];
}

// Same type, and values equal to within `tol` (NaN matches NaN).
inline void checkNear(const Tensor &got, const Tensor &want, double tol = 1e-12) {
  INFO("got  " << got.str());
  INFO("want " << want.str());
  REQUIRE(got.type == want.type);
  for (size_t i = 0; i < want.data.size(); ++i) {
    INFO("at index " << i);
    if (std::isnan(want.data[i]))
      CHECK(std::isnan(got.data[i]));
    else
      CHECK((got.data[i] == want.data[i] || std::fabs(got.data[i] - want.data[i]) <= tol));
  }
}

} // namespace nnc::ir::test
