// The trivial kernel partition, used until fusion groups nodes.
#include "codegen/Kernel.h"

namespace nnc::codegen {

std::vector<Kernel> oneKernelPerNode(const ir::Graph &g) {
  std::vector<Kernel> kernels;
  for (size_t i = 0; i < g.size(); ++i) {
    ir::Op op = g.nodes()[i].op;
    if (op == ir::Op::Input || op == ir::Op::Param) continue; // bound by the caller
    kernels.push_back(Kernel{{static_cast<ir::NodeId>(i)}});
  }
  return kernels;
}

} // namespace nnc::codegen
