// Helpers for the gradient tests: a small graph under construction with its
// bindings, random but deterministic values, and the standard loss
// reduce_sum(out * weights) whose fixed random weights make the cotangent of
// `out` something other than all ones.
#pragma once

#include "autodiff/Differentiate.h"
#include "autodiff/GradCheck.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

namespace nnc::autodiff::test {

namespace ir = nnc::ir;
using autodiff::differentiate;
using autodiff::gradcheck;
using autodiff::GradCheckResult;
using ir::DType;
using ir::kBatch;
using ir::NodeId;
using ir::Op;
using ir::Shape;
using ir::Tensor;
using ir::TensorType;
using Ints = std::vector<int64_t>;

struct GradCase {
  ir::Graph g;
  ir::Bindings b;
  std::mt19937 rng{12345};
  int64_t batch = 2; // what B binds to

  std::vector<double> values(const Shape &s, double lo, double hi) {
    std::uniform_real_distribution<double> dist(lo, hi);
    std::vector<double> v(static_cast<size_t>(s.numel(batch)));
    for (double &x : v)
      x = dist(rng);
    return v;
  }

  // A param of `shape` bound to random values in [lo, hi].
  NodeId param(const std::string &name, const Shape &shape, double lo = -1, double hi = 1, DType dt = DType::F64) {
    b.params[name] = Tensor(dt, shape.bind(batch), values(shape, lo, hi));
    return g.param(name, {dt, shape});
  }

  NodeId input(const std::string &name, const TensorType &t, std::vector<double> v) {
    b.inputs[name] = Tensor(t.dtype, t.shape.bind(batch), std::move(v));
    return g.input(name, t);
  }

  NodeId op(Op o, std::vector<NodeId> in, ir::Attrs a = {}) { return g.create(o, std::move(in), std::move(a)); }

  // loss = reduce_sum(out * weights) over every axis, weights random inputs.
  NodeId finish(NodeId out) {
    TensorType t = g.type(out);
    NodeId w = input("weights", t, values(t.shape, 0.5, 1.5));
    Ints axes;
    for (size_t i = 0; i < t.shape.rank(); ++i)
      axes.push_back(static_cast<int64_t>(i));
    NodeId prod = g.create(Op::Mul, {out, w});
    NodeId loss = axes.empty() ? prod : g.create(Op::ReduceSum, {prod}, {{"axes", axes}, {"keep", int64_t(0)}});
    g.addOutput("loss", loss);
    return loss;
  }

  // Finishes the graph on `out` and checks every param's gradient.
  void check(NodeId out, double tol = 1e-6) {
    finish(out);
    std::vector<GradCheckResult> results = gradcheck(g, "loss", b);
    REQUIRE(!results.empty());
    for (const GradCheckResult &r : results) {
      INFO("param " << r.name << ": max abs error " << r.maxAbsError << ", max rel error " << r.maxRelError);
      CHECK(r.maxRelError < tol);
    }
    // The gradient graph is valid IR.
    ir::Graph copy = g;
    differentiate(copy, g.outputs()[0].second, g.params());
    INFO(ir::printGraph(copy));
    CHECK(ir::verify(copy).empty());
  }
};

} // namespace nnc::autodiff::test
