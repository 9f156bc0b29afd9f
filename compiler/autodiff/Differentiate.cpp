#include "autodiff/Differentiate.h"

#include "autodiff/GradRules.h"

#include <string>

namespace nnc::autodiff {

using ir::Graph;
using ir::NodeId;
using ir::Op;

namespace {

bool isFloatNode(const Graph &g, NodeId id) { return ir::isFloat(g.type(id).dtype); }

std::string sourceName(const Graph &g, NodeId id) { return g.node(id).attrs.getString("name"); }

std::string lossName(const Graph &g, NodeId loss) {
  for (const auto &[name, id] : g.outputs())
    if (id == loss) return name;
  return "%" + std::to_string(loss);
}

std::string location(const ir::SourceTag &src) {
  if (src.empty()) return "";
  return " (" + src.str() + ")";
}

void checkArguments(const Graph &g, NodeId loss, const std::vector<NodeId> &wrt) {
  auto exists = [&](NodeId id) { return id >= 0 && static_cast<size_t>(id) < g.size(); };
  if (!exists(loss)) throw GradError("the loss %" + std::to_string(loss) + " is not a node of the graph");
  const ir::TensorType &t = g.type(loss);
  if (!ir::isFloat(t.dtype) || t.shape.rank() != 0)
    throw GradError("the loss `" + lossName(g, loss) + "` must be a floating-point scalar, got " + t.str());
  for (NodeId w : wrt) {
    if (!exists(w))
      throw GradError("cannot differentiate with respect to %" + std::to_string(w) + ", which does not exist");
    Op op = g.node(w).op;
    if (op != Op::Param && op != Op::Input)
      throw GradError("can differentiate only with respect to a param or an input, not %" + std::to_string(w) + " (" +
                      ir::opName(op) + ")");
    if (!isFloatNode(g, w))
      throw GradError("cannot differentiate with respect to `" + sourceName(g, w) + "` of type " + g.type(w).str() +
                      ": it is not floating point");
  }
}

// Which nodes depend on any of `from` (themselves included).
std::vector<bool> dependents(const Graph &g, const std::vector<NodeId> &from, size_t n) {
  std::vector<bool> dep(n, false);
  for (NodeId w : from)
    if (static_cast<size_t>(w) < n) dep[static_cast<size_t>(w)] = true;
  for (size_t i = 0; i < n; ++i)
    for (NodeId in : g.node(static_cast<NodeId>(i)).inputs)
      if (dep[static_cast<size_t>(in)]) dep[i] = true;
  return dep;
}

// Which nodes `loss` depends on (itself included).
std::vector<bool> ancestors(const Graph &g, NodeId loss) {
  std::vector<bool> anc(static_cast<size_t>(loss) + 1, false);
  anc[static_cast<size_t>(loss)] = true;
  for (NodeId i = loss; i >= 0; --i) {
    if (!anc[static_cast<size_t>(i)]) continue;
    for (NodeId in : g.node(i).inputs)
      anc[static_cast<size_t>(in)] = true;
  }
  return anc;
}

class Backprop {
public:
  Backprop(Graph &g, NodeId loss, const std::vector<NodeId> &wrt)
      : g_(g), b_(g), loss_(loss), n_(static_cast<size_t>(loss) + 1), wrt_(wrt), onPath_(n_, false),
        cotangent_(n_, kNoGrad) {
    std::vector<bool> dep = dependents(g, wrt, n_), anc = ancestors(g, loss);
    for (size_t i = 0; i < n_; ++i)
      onPath_[i] = dep[i] && anc[i];
  }

  std::vector<NodeId> run() {
    if (onPath_[static_cast<size_t>(loss_)]) cotangent_[static_cast<size_t>(loss_)] = b_.fullLike(loss_, 1.0);
    for (NodeId id = loss_; id >= 0; --id)
      visit(id);
    std::vector<NodeId> result;
    for (NodeId w : wrt_)
      result.push_back(gradientOf(w));
    return result;
  }

private:
  // Sends node `id`'s cotangent on to its operands that lie on a path from
  // a differentiated source.
  void visit(NodeId id) {
    NodeId dy = cotangent_[static_cast<size_t>(id)];
    if (dy == kNoGrad) return;
    std::vector<NodeId> inputs = g_.node(id).inputs;
    std::vector<bool> needs(inputs.size());
    bool any = false;
    for (size_t i = 0; i < inputs.size(); ++i) {
      needs[i] = onPath_[static_cast<size_t>(inputs[i])] && isFloatNode(g_, inputs[i]);
      any = any || needs[i];
    }
    if (!any) return;
    std::vector<NodeId> grads;
    try {
      grads = gradRule(b_, id, dy, needs);
    } catch (const ir::IRError &e) {
      // A rule built an ill-typed node: a compiler bug, reported rather than crashing.
      throw GradError(std::string("internal error: the gradient rule of `") + ir::opName(g_.node(id).op) + "`" +
                      location(g_.node(id).src) + " built an ill-typed node: " + e.what());
    }
    for (size_t i = 0; i < inputs.size(); ++i)
      if (needs[i] && grads[i] != kNoGrad) accumulate(inputs[i], grads[i]);
  }

  void accumulate(NodeId x, NodeId dx) {
    NodeId &ct = cotangent_[static_cast<size_t>(x)];
    ct = ct == kNoGrad ? dx : b_.add(ct, dx);
  }

  NodeId gradientOf(NodeId w) {
    if (static_cast<size_t>(w) < n_ && cotangent_[static_cast<size_t>(w)] != kNoGrad)
      return cotangent_[static_cast<size_t>(w)];
    if (static_cast<size_t>(w) < n_ && onPath_[static_cast<size_t>(w)]) blocked(w);
    return b_.fullLike(w, 0.0);
  }

  // The loss depends on w, yet no gradient reached it: every path was cut
  // where a float value turns into an integer or bool (argmax, a comparison,
  // a cast) or at an op without a gradient rule. Names the first such op.
  [[noreturn]] void blocked(NodeId w) {
    std::vector<bool> dep = dependents(g_, {w}, n_), anc = ancestors(g_, loss_);
    for (size_t i = 0; i < n_; ++i) {
      if (!dep[i] || !anc[i]) continue;
      const ir::Node &n = g_.node(static_cast<NodeId>(i));
      bool floatIn = false;
      for (NodeId in : n.inputs)
        floatIn = floatIn || (dep[static_cast<size_t>(in)] && isFloatNode(g_, in));
      bool cuts = !ir::isFloat(n.type.dtype) || n.op == Op::MaxPool2DGrad;
      if (floatIn && cuts) throw GradError(message(w, n));
    }
    throw GradError("the gradient of `" + lossName(g_, loss_) + "` with respect to `" + sourceName(g_, w) +
                    "` cannot be computed");
  }

  std::string message(NodeId w, const ir::Node &n) const {
    return "the gradient of `" + lossName(g_, loss_) + "` with respect to `" + sourceName(g_, w) +
           "` would pass through `" + ir::opName(n.op) + "`" + location(n.src) + ", which has no gradient";
  }

  Graph &g_;
  GradBuilder b_;
  NodeId loss_;
  size_t n_; // nodes up to the loss; later ones cannot affect it
  std::vector<NodeId> wrt_;
  std::vector<bool> onPath_;
  std::vector<NodeId> cotangent_;
};

} // namespace

std::vector<NodeId> differentiate(Graph &g, NodeId loss, const std::vector<NodeId> &wrt) {
  checkArguments(g, loss, wrt);
  return Backprop(g, loss, wrt).run();
}

} // namespace nnc::autodiff
