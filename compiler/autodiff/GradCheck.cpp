#include "autodiff/GradCheck.h"

#include "autodiff/Differentiate.h"

#include <algorithm>
#include <cmath>

namespace nnc::autodiff {

using ir::Bindings;
using ir::Graph;
using ir::NodeId;
using ir::Tensor;

namespace {

NodeId findOutput(const Graph &g, const std::string &name) {
  for (const auto &[out, id] : g.outputs())
    if (out == name) return id;
  throw GradError("the graph has no output named `" + name + "`");
}

// Up to `max` element positions of a tensor of `count` elements, spread
// evenly and including the first and the last.
std::vector<size_t> sample(size_t count, int max) {
  std::vector<size_t> at;
  auto m = static_cast<size_t>(std::max(max, 2));
  if (count <= m) {
    for (size_t i = 0; i < count; ++i)
      at.push_back(i);
    return at;
  }
  for (size_t k = 0; k < m; ++k)
    at.push_back(k * (count - 1) / (m - 1));
  return at;
}

double lossAt(const Graph &g, NodeId loss, const Bindings &b) {
  return ir::interpret(g, b, ir::Precision::F64)[static_cast<size_t>(loss)].data.at(0);
}

// The finite-difference check of one param whose analytic gradient is `grad`.
GradCheckResult checkParam(const Graph &g, NodeId loss, const Bindings &b, const std::string &name, const Tensor &grad,
                           double h, int maxElements) {
  GradCheckResult r{name, 0, 0};
  Bindings probe = b;
  std::vector<double> &value = probe.params.at(name).data;
  for (size_t i : sample(value.size(), maxElements)) {
    double saved = value[i];
    value[i] = saved + h;
    double up = lossAt(g, loss, probe);
    value[i] = saved - h;
    double down = lossAt(g, loss, probe);
    value[i] = saved;
    double numeric = (up - down) / (2 * h), analytic = grad.data.at(i);
    double abs = std::fabs(analytic - numeric);
    double rel = abs / std::max(std::fabs(analytic) + std::fabs(numeric), 1e-3);
    // NaN compares false: make it win so that a broken gradient cannot pass.
    r.maxAbsError = std::isnan(abs) ? abs : std::max(r.maxAbsError, abs);
    r.maxRelError = std::isnan(rel) ? rel : std::max(r.maxRelError, rel);
  }
  return r;
}

} // namespace

std::vector<GradCheckResult> gradcheck(const Graph &g, const std::string &lossOutput, const Bindings &b, double h,
                                       int maxElements) {
  NodeId loss = findOutput(g, lossOutput);
  std::vector<NodeId> params;
  for (NodeId p : g.params())
    if (ir::isFloat(g.type(p).dtype)) params.push_back(p);
  Graph withGrads = g;
  std::vector<NodeId> grads = differentiate(withGrads, loss, params);
  std::vector<Tensor> values = ir::interpret(withGrads, b, ir::Precision::F64);
  std::vector<GradCheckResult> results;
  for (size_t k = 0; k < params.size(); ++k) {
    std::string name = g.node(params[k]).attrs.getString("name");
    results.push_back(checkParam(g, loss, b, name, values[static_cast<size_t>(grads[k])], h, maxElements));
  }
  return results;
}

} // namespace nnc::autodiff
