// The fusion pass: grows groups of nodes in graph order, each node joining
// the fused groups of its operands when the shapes match and merging them
// creates no cycle between groups; then orders the groups and decides which
// of their values need buffers.
#include "codegen/Fusion.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <queue>
#include <set>
#include <stdexcept>

namespace nnc::codegen {

namespace {

using ir::NodeId;
using ir::Op;

// Elements in a vector register: an innermost loop at least this long
// vectorizes.
constexpr ir::Dim kVectorLanes = 16;

// Math that stays out of fused loops, a kernel of its own (the runtime's
// array version, or a loop calling libm): a fused loop would make a libm
// call per element. f32 exp and log are written inline (InlineMath.h), as
// straight-line code that pays off only where the loop around it
// vectorizes: its innermost extent is the batch or at least a vector. On a
// short innermost axis (the 10 classes of a softmax) it would run one
// element at a time, slower than the array version.
bool unfusedMath(const ir::Node &n) {
  if (n.op == Op::Exp || n.op == Op::Log) {
    if (n.type.dtype != ir::DType::F32) return true;
    const ir::Shape &s = n.type.shape;
    return s.rank() > 0 && s[s.rank() - 1] != ir::kBatch && s[s.rank() - 1] < kVectorLanes;
  }
  return n.op == Op::Tanh || n.op == Op::Sin || n.op == Op::Cos || n.op == Op::Pow;
}

bool fusable(const ir::Node &n) {
  // Row-major throughout: element i of a reshape is element i of its
  // operand, which a fused loop loads at its own flat index.
  if (n.op == Op::Reshape) return true;
  switch (ir::opInfo(n.op).category) {
  case ir::OpCategory::Elementwise:
    return !unfusedMath(n);
  case ir::OpCategory::Broadcast:
    return true;
  case ir::OpCategory::Reduce:
    return ir::isReduction(n.op);
  case ir::OpCategory::Source:
  case ir::OpCategory::Layout:
  case ir::OpCategory::Opaque:
    return false;
  }
  return false;
}

// An f32 matrix product (rank 2) whose operands are stored: a GEMM that the
// elementwise ops reading its result may join as its epilogue.
bool gemm(const ir::Graph &g, const std::vector<bool> &folded, NodeId id) {
  const ir::Node &n = g.node(id);
  if (n.op != Op::MatMul || n.type.dtype != ir::DType::F32 || n.type.shape.rank() != 2) return false;
  for (NodeId in : n.inputs)
    if (folded[static_cast<size_t>(in)]) return false; // an immediate, without a buffer to multiply
  return true;
}

struct Group {
  std::vector<NodeId> nodes; // ascending
  bool fused = false;
  ir::Shape domain;
  bool alive = true;
};

class Fuser {
public:
  explicit Fuser(const ir::Graph &g) : g_(g), users_(g.size()), group_(g.size(), -1), folded_(g.size()) {
    for (size_t i = 0; i < g.size(); ++i)
      folded_[i] = foldedConstant(g, static_cast<NodeId>(i)).has_value();
    for (size_t i = 0; i < g.size(); ++i)
      for (NodeId in : g.nodes()[i].inputs)
        users_[static_cast<size_t>(in)].push_back(static_cast<NodeId>(i));
  }

  std::vector<Kernel> run() {
    for (size_t i = 0; i < g_.size(); ++i)
      place(static_cast<NodeId>(i));
    return kernels();
  }

private:
  const ir::Node &node(NodeId id) const { return g_.node(id); }
  int groupOf(NodeId id) const { return group_[static_cast<size_t>(id)]; }

  const ir::Shape &domainOf(NodeId id) const {
    const ir::Node &n = node(id);
    return ir::isReduction(n.op) ? g_.type(n.inputs[0]).shape : n.type.shape;
  }

  int newGroup(NodeId id, bool fused) {
    groups_.push_back(Group{{id}, fused, domainOf(id), true});
    group_[static_cast<size_t>(id)] = static_cast<int>(groups_.size() - 1);
    return static_cast<int>(groups_.size() - 1);
  }

  void place(NodeId id) {
    const ir::Node &n = node(id);
    if (n.op == Op::Input || n.op == Op::Param || folded_[static_cast<size_t>(id)]) return; // bound, or folded in later
    if (gemm(g_, folded_, id)) { // its readers may join; it joins no one, as it reads every element of its operands
      int c = newGroup(id, true);
      for (NodeId in : n.inputs)
        if (transposedOperand(in, id)) absorb(in, c);
      return;
    }
    if (!fusable(n)) {
      newGroup(id, false);
      return;
    }
    const ir::Shape &dom = domainOf(id);
    std::vector<int> members;
    for (NodeId in : n.inputs) {
      int c = groupOf(in);
      // A broadcast reads its operand at other indices, and a reduction's
      // result is complete only after the loop: neither is element-aligned.
      if (c < 0 || n.op == Op::Broadcast || ir::isReduction(node(in).op)) continue;
      if (!groups_[static_cast<size_t>(c)].fused || groups_[static_cast<size_t>(c)].domain != dom) continue;
      if (std::find(members.begin(), members.end(), c) != members.end()) continue;
      std::vector<int> trial = members;
      trial.push_back(c);
      if (legal(trial, id)) members = std::move(trial);
    }
    if (members.empty()) {
      newGroup(id, true);
      return;
    }
    int into = *std::min_element(members.begin(), members.end());
    Group &target = groups_[static_cast<size_t>(into)];
    for (int c : members) {
      if (c == into) continue;
      Group &other = groups_[static_cast<size_t>(c)];
      for (NodeId u : other.nodes)
        group_[static_cast<size_t>(u)] = into;
      target.nodes.insert(target.nodes.end(), other.nodes.begin(), other.nodes.end());
      other.nodes.clear();
      other.alive = false;
    }
    target.nodes.push_back(id);
    std::sort(target.nodes.begin(), target.nodes.end());
    group_[static_cast<size_t>(id)] = into;
  }

  // A transpose that only matmul `mm` reads, which the GEMM can read in place
  // (transA / transB) rather than from a transposed copy.
  bool transposedOperand(NodeId t, NodeId mm) const {
    const ir::Node &n = node(t);
    if (n.op != Op::Transpose || n.type.shape.rank() != 2 || g_.isOutput(t) ||
        folded_[static_cast<size_t>(n.inputs[0])])
      return false;
    if (groupOf(t) < 0 || groups_[static_cast<size_t>(groupOf(t))].nodes.size() != 1) return false;
    for (NodeId u : users_[static_cast<size_t>(t)])
      if (u != mm) return false;
    return true;
  }

  // Moves node `t`, alone in its group, into group `into`.
  void absorb(NodeId t, int into) {
    Group &from = groups_[static_cast<size_t>(groupOf(t))];
    if (&from == &groups_[static_cast<size_t>(into)]) return; // matmul(t, t)
    from.nodes.clear();
    from.alive = false;
    Group &target = groups_[static_cast<size_t>(into)];
    target.nodes.insert(target.nodes.begin(), t);
    std::sort(target.nodes.begin(), target.nodes.end());
    group_[static_cast<size_t>(t)] = into;
  }

  // Whether node `id` may join the union of groups `members`: every value
  // it and they read from each other is element-aligned, and no path leaves
  // the union and comes back to it (or to an operand of `id`), which would
  // make the merged kernel depend on itself. A union with a GEMM holds no
  // other, and its reductions are along one axis, which the GEMM's epilogue
  // accumulates in the order of a loop over the domain.
  bool legal(const std::vector<int> &members, NodeId id) const {
    auto inUnion = [&](int c) { return std::find(members.begin(), members.end(), c) != members.end(); };
    auto aligned = [&](NodeId u) {
      for (NodeId in : node(u).inputs) {
        int c = groupOf(in);
        if (c < 0 || !inUnion(c)) continue;
        if (node(u).op == Op::MatMul && node(in).op == Op::Transpose && c == groupOf(u)) continue; // read in place
        if (node(u).op == Op::Broadcast || node(u).op == Op::MatMul || node(u).op == Op::Transpose ||
            ir::isReduction(node(in).op))
          return false;
      }
      return true;
    };
    int gemms = 0, reductionsAcrossAxes = 0;
    auto count = [&](NodeId u) {
      gemms += node(u).op == Op::MatMul;
      reductionsAcrossAxes += ir::isReduction(node(u).op) && node(u).attrs.getInts("axes").size() != 1;
    };
    if (!aligned(id)) return false;
    count(id);
    for (int c : members)
      for (NodeId u : groups_[static_cast<size_t>(c)].nodes) {
        if (!aligned(u)) return false;
        count(u);
      }
    if (gemms > 1 || (gemms == 1 && reductionsAcrossAxes > 0)) return false;

    std::set<int> targets; // groups feeding `id` from outside the union
    for (NodeId in : node(id).inputs)
      if (int c = groupOf(in); c >= 0 && !inUnion(c)) targets.insert(c);
    std::vector<char> seen(groups_.size(), 0);
    std::vector<int> stack;
    // Edges between members stay inside the union; a path that leaves it
    // and reaches a member again is a cycle.
    auto pushUsers = [&](int c, bool fromUnion) {
      for (NodeId u : groups_[static_cast<size_t>(c)].nodes)
        for (NodeId w : users_[static_cast<size_t>(u)]) {
          int wc = w < id ? groupOf(w) : -1; // later nodes are not placed yet
          if (wc < 0 || wc == c || (fromUnion && inUnion(wc)) || seen[static_cast<size_t>(wc)]) continue;
          seen[static_cast<size_t>(wc)] = 1;
          stack.push_back(wc);
        }
    };
    for (int c : members)
      pushUsers(c, true);
    while (!stack.empty()) {
      int c = stack.back();
      stack.pop_back();
      if (inUnion(c) || targets.count(c)) return false;
      pushUsers(c, false);
    }
    return true;
  }

  // The groups in dependency order (the smallest node id first among those
  // ready, so the order stays close to the graph's), constants folded
  // into the fused kernels that read them, and the interior values marked.
  std::vector<Kernel> kernels() {
    std::vector<Kernel> out;
    // Folded constants (splats and their broadcasts) that some non-fused
    // kernel or the caller reads get a kernel of their own, first (with the
    // splat a broadcast reads); the others live in the loops that read them.
    std::vector<std::vector<NodeId>> folded(groups_.size());
    std::vector<bool> own(g_.size(), false);
    for (size_t i = g_.size(); i-- > 0;) { // users first
      if (!folded_[i]) continue;
      bool needed = g_.isOutput(static_cast<NodeId>(i)) || users_[i].empty();
      for (NodeId u : users_[i])
        needed = needed || (folded_[static_cast<size_t>(u)] ? own[static_cast<size_t>(u)]
                                                            : !groups_[static_cast<size_t>(groupOf(u))].fused);
      own[i] = needed;
    }
    for (size_t i = 0; i < g_.size(); ++i) {
      if (!folded_[i]) continue;
      if (own[i]) {
        out.push_back(Kernel{{static_cast<NodeId>(i)}, {}, false});
        continue;
      }
      for (NodeId u : users_[i]) {
        if (folded_[static_cast<size_t>(u)]) continue;
        // The node and the chain it broadcasts, so each is computed in the kernel.
        std::vector<NodeId> &f = folded[static_cast<size_t>(groupOf(u))];
        for (NodeId c = static_cast<NodeId>(i);; c = node(c).inputs[0]) {
          if (std::find(f.begin(), f.end(), c) == f.end()) f.push_back(c);
          if (node(c).op != Op::Broadcast) break;
        }
      }
    }
    for (std::vector<NodeId> &f : folded)
      std::sort(f.begin(), f.end());

    std::vector<std::set<int>> next(groups_.size());
    std::vector<int> pending(groups_.size(), 0);
    for (size_t c = 0; c < groups_.size(); ++c)
      for (NodeId u : groups_[c].nodes)
        for (NodeId in : node(u).inputs) {
          int ic = groupOf(in);
          if (ic >= 0 && ic != static_cast<int>(c) && next[static_cast<size_t>(ic)].insert(static_cast<int>(c)).second)
            ++pending[c];
        }
    using Ready = std::pair<NodeId, int>; // (first node, group)
    std::priority_queue<Ready, std::vector<Ready>, std::greater<>> ready;
    for (size_t c = 0; c < groups_.size(); ++c)
      if (groups_[c].alive && pending[c] == 0) ready.push({groups_[c].nodes.front(), static_cast<int>(c)});
    while (!ready.empty()) {
      int c = ready.top().second;
      ready.pop();
      out.push_back(kernelOf(static_cast<size_t>(c), folded[static_cast<size_t>(c)]));
      for (int d : next[static_cast<size_t>(c)])
        if (--pending[static_cast<size_t>(d)] == 0) ready.push({groups_[static_cast<size_t>(d)].nodes.front(), d});
    }
    for (size_t c = 0; c < groups_.size(); ++c)
      if (groups_[c].alive && pending[c] > 0)
        throw std::logic_error("fusion: the kernels depend on each other in a cycle");
    return out;
  }

  Kernel kernelOf(size_t c, const std::vector<NodeId> &splats) const {
    const Group &grp = groups_[c];
    Kernel k;
    k.fused = grp.fused;
    k.nodes = splats;
    k.interior = splats;
    k.nodes.insert(k.nodes.end(), grp.nodes.begin(), grp.nodes.end());
    if (grp.fused)
      for (NodeId u : grp.nodes) {
        if (ir::isReduction(node(u).op) || g_.isOutput(u)) continue;
        bool inside = true;
        for (NodeId w : users_[static_cast<size_t>(u)])
          inside &= groupOf(w) == static_cast<int>(c);
        if (inside) k.interior.push_back(u);
      }
    std::sort(k.interior.begin(), k.interior.end());
    // A GEMM needs somewhere to put the product: its own buffer unless a
    // stored value of the kernel can hold it.
    if (std::optional<NodeId> mm = fusedMatMul(g_, k); mm && !gemmDestination(g_, k))
      k.interior.erase(std::find(k.interior.begin(), k.interior.end(), *mm));
    // A GEMM nothing joined needs no epilogue.
    if (grp.nodes.size() == 1 && node(grp.nodes[0]).op == Op::MatMul) k.fused = false;
    return k;
  }

  const ir::Graph &g_;
  std::vector<std::vector<NodeId>> users_;
  std::vector<int> group_;   // per node; -1 for inputs, params and folded constants
  std::vector<bool> folded_; // per node: foldedConstant has a value
  std::vector<Group> groups_;
};

} // namespace

std::vector<Kernel> fuseKernels(const ir::Graph &g) { return Fuser(g).run(); }

std::vector<Kernel> planKernels(const ir::Graph &g) {
  const char *env = std::getenv("NNC_FUSION");
  if (env && std::strcmp(env, "0") == 0) return oneKernelPerNode(g);
  return fuseKernels(g);
}

} // namespace nnc::codegen
