#include "passes/Simplify.h"

#include "passes/Rewrite.h"

#include <cassert>
#include <optional>

namespace nnc::passes {

using ir::Graph;
using ir::NodeId;
using ir::Op;

namespace {

// A node about to be built in the new graph, its operands already there, and
// the type whatever replaces it must have.
struct Candidate {
  Op op;
  std::vector<NodeId> in;
  ir::Attrs attrs;
  ir::TensorType type;
};

// What a rule turns a candidate into: a node the new graph already has, or a
// new node, itself simplified before it is built.
struct Rewrite {
  std::optional<NodeId> existing;
  std::optional<Candidate> build;
};

using RuleResult = std::optional<Rewrite>;
constexpr std::nullopt_t kNoMatch = std::nullopt;

Rewrite to(NodeId id) { return Rewrite{id, std::nullopt}; }
Rewrite build(const Candidate &c, Op op, std::vector<NodeId> in, ir::Attrs attrs = {}) {
  return Rewrite{std::nullopt, Candidate{op, std::move(in), std::move(attrs), c.type}};
}

bool is(const Graph &g, NodeId id, double k) { return isConstantValue(g, id, k); }
const ir::Node &producer(const Graph &g, NodeId id) { return g.node(id); }

bool isIdentityPerm(const std::vector<int64_t> &perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return true;
}

// --- The rules, one function each, in the order the table tries them. ---

// x * 1 -> x, 1 * x -> x
RuleResult mulByOne(const Graph &g, const Candidate &c) {
  if (c.op != Op::Mul) return kNoMatch;
  if (is(g, c.in[1], 1)) return to(c.in[0]);
  if (is(g, c.in[0], 1)) return to(c.in[1]);
  return kNoMatch;
}

// x * -1 -> neg x, -1 * x -> neg x
RuleResult mulByMinusOne(const Graph &g, const Candidate &c) {
  if (c.op != Op::Mul) return kNoMatch;
  if (is(g, c.in[1], -1)) return build(c, Op::Neg, {c.in[0]});
  if (is(g, c.in[0], -1)) return build(c, Op::Neg, {c.in[1]});
  return kNoMatch;
}

// x + 0 -> x, 0 + x -> x
RuleResult addZero(const Graph &g, const Candidate &c) {
  if (c.op != Op::Add) return kNoMatch;
  if (is(g, c.in[1], 0)) return to(c.in[0]);
  if (is(g, c.in[0], 0)) return to(c.in[1]);
  return kNoMatch;
}

// x - 0 -> x
RuleResult subZero(const Graph &g, const Candidate &c) {
  if (c.op != Op::Sub || !is(g, c.in[1], 0)) return kNoMatch;
  return to(c.in[0]);
}

// 0 - x -> neg x
RuleResult zeroMinus(const Graph &g, const Candidate &c) {
  if (c.op != Op::Sub || !is(g, c.in[0], 0)) return kNoMatch;
  return build(c, Op::Neg, {c.in[1]});
}

// x / 1 -> x
RuleResult divByOne(const Graph &g, const Candidate &c) {
  if (c.op != Op::Div || !is(g, c.in[1], 1)) return kNoMatch;
  return to(c.in[0]);
}

// x ^ 1 -> x
RuleResult powOne(const Graph &g, const Candidate &c) {
  if (c.op != Op::Pow || !is(g, c.in[1], 1)) return kNoMatch;
  return to(c.in[0]);
}

// x ^ 2 -> x * x for floats: exact where libm's pow may be off by an ulp,
// and an elementwise product that fuses rather than a pow call per element
// (Adam's and RMSprop's squared gradient, mse).
RuleResult powTwo(const Graph &g, const Candidate &c) {
  if (c.op != Op::Pow || !ir::isFloat(c.type.dtype) || !is(g, c.in[1], 2)) return kNoMatch;
  if (g.type(c.in[0]) != c.type) return kNoMatch; // x itself broadcast by the pow
  return build(c, Op::Mul, {c.in[0], c.in[0]});
}

// neg(neg x) -> x
RuleResult negNeg(const Graph &g, const Candidate &c) {
  if (c.op != Op::Neg || producer(g, c.in[0]).op != Op::Neg) return kNoMatch;
  return to(producer(g, c.in[0]).inputs[0]);
}

// select(c, x, x) -> x
RuleResult selectSame(const Graph &, const Candidate &c) {
  if (c.op != Op::Select || c.in[1] != c.in[2]) return kNoMatch;
  return to(c.in[1]);
}

// Whether every element of condition `id` is known true or known false: a
// splat, or a comparison of two splats (as C compares doubles: only `ne`
// holds for NaN, as in the interpreter).
std::optional<bool> knownCondition(const Graph &g, NodeId id) {
  if (std::optional<double> v = splatValue(g, id)) return *v != 0;
  const ir::Node &n = g.node(id);
  if (n.inputs.size() != 2) return std::nullopt;
  std::optional<double> a = splatValue(g, n.inputs[0]), b = splatValue(g, n.inputs[1]);
  if (!a || !b) return std::nullopt;
  switch (n.op) {
  case Op::Eq: return *a == *b;
  case Op::Ne: return *a != *b;
  case Op::Lt: return *a < *b;
  case Op::Le: return *a <= *b;
  case Op::Gt: return *a > *b;
  case Op::Ge: return *a >= *b;
  default: return std::nullopt;
  }
}

// select(c, x, y) -> x or y where c is known everywhere: pow's gradient
// guards e = 0, which a constant exponent decides before anything runs.
RuleResult selectKnown(const Graph &g, const Candidate &c) {
  if (c.op != Op::Select) return kNoMatch;
  std::optional<bool> cond = knownCondition(g, c.in[0]);
  if (!cond) return kNoMatch;
  return to(*cond ? c.in[1] : c.in[2]);
}

// cast x to x's dtype -> x
RuleResult castSame(const Graph &g, const Candidate &c) {
  if (c.op != Op::Cast || g.type(c.in[0]).dtype != c.type.dtype) return kNoMatch;
  return to(c.in[0]);
}

// reduce_*(x) over no axes -> x; with no axes `keep` changes nothing either.
RuleResult reduceNoAxes(const Graph &, const Candidate &c) {
  if (ir::opInfo(c.op).category != ir::OpCategory::Reduce) return kNoMatch;
  if (!c.attrs.has("axes") || !c.attrs.getInts("axes").empty()) return kNoMatch; // argmax has `axis`
  return to(c.in[0]);
}

// reshape or broadcast to x's own shape -> x; transpose by the identity -> x
RuleResult identityLayout(const Graph &g, const Candidate &c) {
  if ((c.op == Op::Reshape || c.op == Op::Broadcast) && g.type(c.in[0]) == c.type) return to(c.in[0]);
  // A square transpose keeps the type but not the values: look at the permutation.
  if (c.op == Op::Transpose && isIdentityPerm(c.attrs.getInts("perm"))) return to(c.in[0]);
  return kNoMatch;
}

// transpose(transpose(x, p), q) -> transpose(x, r) with r[i] = p[q[i]]
RuleResult transposeTranspose(const Graph &g, const Candidate &c) {
  if (c.op != Op::Transpose || producer(g, c.in[0]).op != Op::Transpose) return kNoMatch;
  const ir::Node &inner = producer(g, c.in[0]);
  std::vector<int64_t> p = inner.attrs.getInts("perm"), q = c.attrs.getInts("perm"), r;
  for (int64_t axis : q)
    r.push_back(p.at(static_cast<size_t>(axis)));
  return build(c, Op::Transpose, {inner.inputs[0]}, ir::Attrs{{"perm", r}});
}

// reshape(reshape(x)) -> reshape(x): both read the data in row-major order.
// broadcast(broadcast(x)) -> broadcast(x): a dimension is either x's own or
// expanded from 1, through one broadcast or two.
RuleResult layoutOfLayout(const Graph &g, const Candidate &c) {
  if (c.op != Op::Reshape && c.op != Op::Broadcast) return kNoMatch;
  if (producer(g, c.in[0]).op != c.op) return kNoMatch;
  return build(c, c.op, {producer(g, c.in[0]).inputs[0]}, c.attrs);
}

// reshape(broadcast(x)) -> broadcast(x) where x holds one element: every
// element of the reshape is that element, so x broadcasts to the reshape's
// shape directly. The loss's gradient spreads 1/B as [] -> [B] -> [B, 1] ->
// [B, 10]: a loop and a copy of B elements, which this and the rule above
// turn into one broadcast that the loop reading it computes in place.
RuleResult reshapeOfUnitBroadcast(const Graph &g, const Candidate &c) {
  if (c.op != Op::Reshape || producer(g, c.in[0]).op != Op::Broadcast) return kNoMatch;
  NodeId x = producer(g, c.in[0]).inputs[0];
  const ir::Shape &xs = g.type(x).shape;
  if (xs.hasBatch() || xs.staticNumel() != 1 || xs.rank() > c.type.shape.rank()) return kNoMatch;
  return build(c, Op::Broadcast, {x}, c.attrs);
}

// stop_gradient(x) -> x: it only tells differentiation where to stop, and
// the clean-up runs after differentiation (Pipeline.h). Kept, it copies x.
RuleResult stopGradient(const Graph &, const Candidate &c) {
  if (c.op != Op::StopGradient) return kNoMatch;
  return to(c.in[0]);
}

struct Rule {
  const char *name;
  RuleResult (*apply)(const Graph &, const Candidate &);
};

const Rule kRules[] = {
    {"x*1 -> x", mulByOne},
    {"x*-1 -> neg x", mulByMinusOne},
    {"x+0 -> x", addZero},
    {"x-0 -> x", subZero},
    {"0-x -> neg x", zeroMinus},
    {"x/1 -> x", divByOne},
    {"x^1 -> x", powOne},
    {"x^2 -> x*x", powTwo},
    {"neg neg x -> x", negNeg},
    {"select(c, x, x) -> x", selectSame},
    {"select(known c, x, y) -> x or y", selectKnown},
    {"cast to own dtype -> x", castSame},
    {"reduce over no axes -> x", reduceNoAxes},
    {"identity layout -> x", identityLayout},
    {"transpose of transpose", transposeTranspose},
    {"reshape of reshape, broadcast of broadcast", layoutOfLayout},
    {"reshape of a one-element broadcast", reshapeOfUnitBroadcast},
    {"stop_gradient x -> x", stopGradient},
};

// A rewrite never needs more steps than this on one node; the bound only
// guards against two rules that would undo each other.
constexpr int kMaxDepth = 16;

class Simplifier {
public:
  Simplifier(GraphRewriter &rw, const ir::SourceTag &src) : rw_(rw), src_(src) {}

  // The node `c` simplifies to: found in the new graph or created there.
  NodeId build(const Candidate &c, int depth = 0) {
    for (const Rule &rule : kRules) {
      RuleResult r = rule.apply(rw_.graph(), c);
      if (!r) continue;
      std::optional<NodeId> id = r->existing;
      if (!id && depth < kMaxDepth) id = build(*r->build, depth + 1);
      if (!id) continue;
      assert(rw_.graph().type(*id) == c.type && "a simplification rule changed a node's type");
      if (rw_.graph().type(*id) == c.type) return *id;
    }
    return rw_.create(c.op, c.in, c.attrs, src_);
  }

private:
  GraphRewriter &rw_;
  const ir::SourceTag &src_;
};

} // namespace

ir::Graph simplify(const ir::Graph &g) {
  GraphRewriter rw(g);
  for (size_t i = 0; i < g.size(); ++i) {
    NodeId oldId = static_cast<NodeId>(i);
    const ir::Node &n = g.nodes()[i];
    if (ir::opInfo(n.op).category == ir::OpCategory::Source) {
      rw.copy(oldId);
      continue;
    }
    Simplifier s(rw, n.src);
    rw.map(oldId, s.build(Candidate{n.op, rw.mappedInputs(oldId), n.attrs, n.type}));
  }
  return rw.finish();
}

} // namespace nnc::passes
