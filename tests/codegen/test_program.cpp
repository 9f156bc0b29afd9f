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

TEST_CASE("program: an executable's code in several objects, the same on every call", "[codegen][program]") {
  // Linked and run, such objects are every trainer the driver tests build.
  // 200 graphs of a kernel each (another width, another loop): 400 functions
  // with their entry points, enough for three partitions of at least 128.
  std::vector<Graph> graphs;
  for (int64_t width = 1; width <= 200; ++width)
    graphs.push_back(reluPlusOne("g" + std::to_string(width), width));
  nnc::codegen::ProgramSpec spec;
  for (const Graph &g : graphs)
    spec.graphs.push_back({&g, {}, {}});
  spec.manifest = "test";
  auto isElf = [](const std::string &bytes) { return bytes.rfind("\177ELF", 0) == 0; };
  std::vector<std::string> objects = nnc::codegen::emitProgramObjects(spec, {}, 3);
  REQUIRE(objects.size() == 3);
  for (const std::string &o : objects)
    CHECK(isElf(o));
  // However the threads happen to run, each partition comes out the same.
  CHECK(nnc::codegen::emitProgramObjects(spec, {}, 3) == objects);
  CHECK(nnc::codegen::emitProgramObjects(spec, {}, 1).size() == 1);
  // A program of few kernels is not worth cutting.
  spec.graphs.resize(20);
  std::vector<std::string> one = nnc::codegen::emitProgramObjects(spec, {}, 3);
  REQUIRE(one.size() == 1);
  CHECK(one.front() == nnc::codegen::emitProgramObject(spec));
}
