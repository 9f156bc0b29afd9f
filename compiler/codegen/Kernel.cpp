// The trivial kernel partition, and the buffers a partition needs.
#include "codegen/Kernel.h"

#include <algorithm>
#include <set>

namespace nnc::codegen {

bool Kernel::isInterior(ir::NodeId id) const { return std::binary_search(interior.begin(), interior.end(), id); }

std::optional<double> foldedConstant(const ir::Graph &g, ir::NodeId id) {
  const ir::Node &n = g.node(id);
  if (n.op == ir::Op::Broadcast) return foldedConstant(g, n.inputs[0]);
  if (n.op != ir::Op::Constant) return std::nullopt;
  std::vector<double> v = n.attrs.getFloats("value");
  if (v.size() != 1) return std::nullopt;
  return v.front();
}

std::optional<ir::NodeId> fusedMatMul(const ir::Graph &g, const Kernel &k) {
  if (!k.fused) return std::nullopt;
  for (ir::NodeId id : k.nodes)
    if (g.node(id).op == ir::Op::MatMul) return id;
  return std::nullopt;
}

std::optional<ir::NodeId> gemmDestination(const ir::Graph &g, const Kernel &k) {
  std::optional<ir::NodeId> mm = fusedMatMul(g, k);
  if (!mm || !k.isInterior(*mm)) return mm;
  for (ir::NodeId id : k.nodes) {
    const ir::Node &n = g.node(id);
    if (id > *mm && !k.isInterior(id) && !g.isOutput(id) && ir::opInfo(n.op).category == ir::OpCategory::Elementwise &&
        n.type == g.type(*mm))
      return id;
  }
  return std::nullopt;
}

std::vector<Kernel> oneKernelPerNode(const ir::Graph &g) {
  std::vector<Kernel> kernels;
  for (size_t i = 0; i < g.size(); ++i) {
    ir::Op op = g.nodes()[i].op;
    if (op == ir::Op::Input || op == ir::Op::Param) continue; // bound by the caller
    kernels.push_back(Kernel{{static_cast<ir::NodeId>(i)}, {}, false});
  }
  return kernels;
}

std::vector<bool> bufferedNodes(const ir::Graph &g, const std::vector<Kernel> &kernels) {
  std::vector<bool> buffered(g.size(), false);
  for (size_t i = 0; i < g.size(); ++i) {
    ir::Op op = g.nodes()[i].op;
    buffered[i] = op == ir::Op::Input || op == ir::Op::Param;
  }
  for (const Kernel &k : kernels)
    for (ir::NodeId id : k.nodes)
      if (!k.isInterior(id)) buffered[static_cast<size_t>(id)] = true;
  return buffered;
}

std::vector<ir::NodeId> kernelBuffers(const ir::Graph &g, const Kernel &k) {
  std::set<ir::NodeId> ids;
  for (ir::NodeId id : k.nodes) {
    ids.insert(id);
    ids.insert(g.node(id).inputs.begin(), g.node(id).inputs.end());
  }
  for (ir::NodeId id : k.interior) ids.erase(id);
  auto folded = [&](ir::NodeId id) {
    bool storedHere = std::find(k.nodes.begin(), k.nodes.end(), id) != k.nodes.end();
    return k.fused && !storedHere && foldedConstant(g, id).has_value();
  };
  std::vector<ir::NodeId> out;
  for (ir::NodeId id : ids)
    if (!folded(id)) out.push_back(id);
  return out;
}

} // namespace nnc::codegen
