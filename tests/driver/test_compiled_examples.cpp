// Every example's compiled training step against the reference interpreter:
// the update graph (forward, gradients, optimizer) as `nnc build` compiles
// it (fused), run by the JIT and by the f32 interpreter on the same inputs, params
// and optimizer states, every output compared.
#include "codegen/CodegenTestUtil.h"
#include "codegen/Fusion.h"
#include "driver/DriverUtil.h"
#include "driver/TrainProgram.h"
#include "frontend/Frontend.h"
#include "passes/Pipeline.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

namespace {

using namespace nnc;
using namespace nnc::codegen::test;

std::vector<std::string> exampleFiles() {
  std::vector<std::string> files;
  for (const auto &e : std::filesystem::directory_iterator(nnc::test::sourcePath("examples")))
    if (e.path().extension() == ".nn") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// Inputs a trained step could see: small positive labels, step 3, the
// optimizer's own hyperparameters, positive states. (Adam's second moment
// goes under a square root; a state and gradient both near zero would make
// m / sqrt(v) amplify rounding differences of the gradient without bound.)
Bindings stepBindings(const Graph &g, const StepInfo &s, const std::map<std::string, Tensor> &params, int64_t batch,
                      std::mt19937 &rng) {
  Bindings b;
  b.batch = batch;
  std::map<std::string, double> hypers = hyperInputs(s);
  for (NodeId id : g.inputs()) {
    const std::string name = g.node(id).attrs.getString("name");
    TensorType t{g.type(id).dtype, g.type(id).shape.bind(batch)};
    Tensor v = randomTensor(t, rng);
    if (name == "step") v = Tensor::scalar(3);
    else if (hypers.count(name)) v = Tensor::scalar(hypers.at(name));
    else if (name.rfind("state/", 0) == 0)
      for (double &x : v.data) x = std::fabs(x) * 0.01 + 1e-3;
    else if (t.dtype == DType::I32)
      for (double &x : v.data) x = std::fabs(x) < 1 ? 0 : 1;
    b.inputs[name] = v;
  }
  for (NodeId id : g.params()) b.params[g.node(id).attrs.getString("name")] = params.at(g.node(id).attrs.getString("name"));
  return b;
}

} // namespace

TEST_CASE("compiled examples: each step's update graph equals the interpreter's") {
  for (const std::string &file : exampleFiles()) {
    INFO(file);
    SourceManager sm;
    DiagnosticEngine diags(sm);
    FrontendResult fe = runFrontend(file, sm, diags);
    REQUIRE(!diags.hasErrors());
    std::map<std::string, Tensor> params;
    for (const ModelGraphs &m : fe.program.models)
      for (auto &[name, t] : runOutputs(m.init, Bindings{}, Precision::F32)) params[name] = t;
    std::mt19937 rng(99);
    for (const TrainInfo &t : fe.program.trains)
      for (const StepInfo &s : t.steps) {
        INFO("step " << s.name);
        Graph g = passes::cleanup(s.update);
        // Fused, as `nnc build` compiles it; the JIT gives the values fused
        // loops keep in registers no storage.
        std::unique_ptr<JitGraph> jit = jitCompile(g, codegen::fuseKernels(g));
        for (int64_t batch : {1, 7}) {
          INFO("batch " << batch);
          Bindings b = stepBindings(g, s, params, batch, rng);
          std::map<std::string, Tensor> want = runOutputs(g, b, Precision::F32);
          std::map<std::string, Tensor> got = runJit(*jit, b, batch);
          for (const auto &[name, w] : want) {
            INFO("output " << name);
            checkClose(got.at(name), w, 1e-5);
          }
        }
      }
  }
}

TEST_CASE("compiled examples: data graphs that may run on chunks of rows") {
  Graph g;
  NodeId x = g.input("x", {DType::F32, Shape{kBatch, 4}});
  NodeId s = g.create(Op::Mul, {x, x});
  g.addOutput("y", s);
  CHECK(driver::isRowwise(g));
  NodeId total = g.create(Op::ReduceSum, {x}, [] {
    Attrs a;
    a.set("axes", std::vector<int64_t>{0});
    return a;
  }());
  g.addOutput("total", total);
  CHECK_FALSE(driver::isRowwise(g));
}
