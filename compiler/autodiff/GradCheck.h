// The gradient checker: compares what differentiate() computes with central
// finite differences, both evaluated by the interpreter in float64. The
// oracle for every gradient rule (tests/autodiff) and a debugging aid for
// users' graphs.
#pragma once

#include "ir/Interpreter.h"

#include <string>
#include <vector>

namespace nnc::autodiff {

struct GradCheckResult {
  std::string name;   // the param's name
  double maxAbsError; // max over the checked elements of |a - n|
  double maxRelError; // max over the checked elements of |a - n| / max(|a| + |n|, 1e-3)
};

// For each floating-point param of `g`, in creation order: differentiates a
// copy of `g` with respect to all of them at the output named `lossOutput`
// (a scalar float), evaluates the gradient `a` in Precision::F64, and compares
// it with the central difference n = (f(p + h) - f(p - h)) / 2h, also in F64,
// for every element of the param, or for `maxElements` elements spread evenly
// over a larger one (always the first and the last).
//
// The relative error's denominator has a floor of 1e-3 so that elements whose
// true derivative is zero, where n is pure rounding noise of about
// 1e-16 * |f| / h, do not read as large relative errors.
//
// `b` must bind every param and input. Throws GradError (Differentiate.h)
// when there is no such output or the gradient cannot be formed, and
// ir::InterpError when the graph cannot run on `b`.
std::vector<GradCheckResult> gradcheck(const ir::Graph &g, const std::string &lossOutput, const ir::Bindings &b,
                                       double h = 1e-6, int maxElements = 64);

} // namespace nnc::autodiff
