// Whole programs (codegen/Program.h): what the optimizer makes of a module
// holding several graphs.
#include "CodegenTestUtil.h"

#include "codegen/Program.h"

#include <regex>

using namespace nnc::codegen::test;

namespace {

NodeId broadcastScalar(Graph &g, double v, int64_t width) {
  Attrs a;
  a.set("shape", std::vector<int64_t>{kBatch, width});
  return g.create(Op::Broadcast, {g.scalar(v)}, a);
}

// relu(x + 1) over rows of `width`: one fused kernel.
Graph reluPlusOne(const std::string &name, int64_t width) {
  Graph g;
  g.name = name;
  NodeId x = g.input("x", f32({kBatch, width}));
  NodeId sum = g.create(Op::Add, {x, broadcastScalar(g, 1, width)});
  g.addOutput("y", g.create(Op::Maximum, {sum, broadcastScalar(g, 0, width)}));
  return g;
}

size_t kernelDefinitions(const std::string &llvm) {
  std::regex def("\ndefine [^\n]*@nnc_graph_[0-9]+_kernel");
  return static_cast<size_t>(std::distance(std::sregex_iterator(llvm.begin(), llvm.end(), def), std::sregex_iterator()));
}

std::string programLLVM(const Graph &a, const Graph &b) {
  nnc::codegen::ProgramSpec spec;
  spec.graphs = {{&a, {}, {}}, {&b, {}, {}}};
  spec.manifest = "test";
  return nnc::codegen::emitProgramLLVM(spec);
}

} // namespace

TEST_CASE("program: graphs that repeat a kernel share one function", "[codegen][program]") {
  // As a trainer's evaluate graph repeats the forward kernels of its update.
  Graph a = reluPlusOne("a", 16), b = reluPlusOne("b", 16), c = reluPlusOne("c", 17);
  CHECK(kernelDefinitions(programLLVM(a, b)) == 1);
  CHECK(kernelDefinitions(programLLVM(a, c)) == 2); // another trip count: another loop
}
