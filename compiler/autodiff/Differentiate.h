// Reverse-mode automatic differentiation as an IR-to-IR pass.
//
// differentiate() appends to a graph the nodes that compute the gradient of a
// scalar loss with respect to some of its params or inputs, walking the graph
// once backwards from the loss and applying each op's gradient rule
// (GradRules.cpp). Only nodes on a path from a differentiated source to the
// loss get gradient nodes; a node used several times sums its cotangents.
// The result is ordinary IR: the interpreter runs it, the passes optimize it,
// and the verifier accepts it.
//
// Integer and bool values carry no gradient: a path through a comparison, an
// argmax or a cast to i32 simply contributes nothing (the gradient of relu
// written as select(x > 0, x, 0) flows through the branches, not the
// condition). It is an error only when *no* path can carry a gradient from a
// source the loss depends on; see GradError.
#pragma once

#include "ir/Graph.h"

#include <stdexcept>
#include <vector>

namespace nnc::autodiff {

// A gradient that cannot be formed: the loss is not a scalar float, a source
// is not a float param or input, or every path from a source to the loss
// passes through an op with no gradient (or, a compiler bug, a gradient rule
// built an ill-typed node). The message names the op with its location and
// the source, e.g.
//   the gradient of `loss` with respect to `M/dense_1/W` would pass through
//   `argmax` (model.nn:7:10), which has no gradient
struct GradError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Appends to `g` the nodes computing d(loss)/d(w) for each w in `wrt` (param
// or input nodes of a floating-point type) and returns their ids, in the
// order of `wrt`; each has the type of its w. `loss` must be a scalar float
// node (called by its output name in messages, or `%id` when unnamed). A w
// the loss does not depend on gets zeros. Throws GradError as described
// above; `g` may then hold unused gradient nodes.
std::vector<ir::NodeId> differentiate(ir::Graph &g, ir::NodeId loss, const std::vector<ir::NodeId> &wrt);

} // namespace nnc::autodiff
