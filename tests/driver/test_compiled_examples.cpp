// Every example's compiled training step against the reference interpreter:
// the update graph (forward, gradients, optimizer) as `nnc build` compiles
// it (fused, on its memory plan), run by the JIT and by the f32 interpreter
// on the same inputs, params and optimizer states, every output compared.
#include "codegen/CodegenTestUtil.h"
#include "codegen/Fusion.h"
#include "codegen/MemoryPlanCheck.h"
#include "codegen/Program.h"
#include "driver/DriverUtil.h"
#include "driver/ManifestWriter.h"
#include "driver/TrainProgram.h"
#include "trainer/GraphRunner.h"
#include "trainer/Manifest.h"
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

TEST_CASE("compiled examples: update graphs writing params and states in place equal the interpreter's") {
  // As the trainer runs them: the program's update graph with its manifest's
  // memory plan, on a GraphRunner whose params and states are bound to
  // storage the new values are written into. The unrolled LSTM and GRU
  // take seconds each to compile; the RNN stands for them.
  for (const std::string &file : exampleFiles()) {
    if (file.find("lstm_") != std::string::npos || file.find("gru_") != std::string::npos) continue;
    INFO(file);
    SourceManager sm;
    DiagnosticEngine diags(sm);
    FrontendResult fe = runFrontend(file, sm, diags);
    REQUIRE(!diags.hasErrors());
    std::map<std::string, Tensor> params;
    for (const ModelGraphs &m : fe.program.models)
      for (auto &[name, t] : runOutputs(m.init, Bindings{}, Precision::F32)) params[name] = t;
    std::mt19937 rng(7);
    for (const TrainInfo &t : fe.program.trains) {
      driver::TrainProgram tp = driver::assembleTrainProgram(fe.program, t);
      trainer::Manifest manifest = trainer::parseManifest(tp.manifest.c_str(), static_cast<uint32_t>(tp.graphs.size()));
      for (const StepInfo &s : t.steps) {
        INFO("step " << s.name);
        size_t index = 0;
        while (manifest.graphs[index].role != trainer::Role::Update || manifest.graphs[index].owner != s.name) ++index;
        const Graph &g = tp.graphs[index];
        std::vector<codegen::InPlaceUpdate> updates = driver::inPlaceUpdates(g);
        checkMemoryPlan(g, tp.kernels[index], tp.plans[index], updates);
        codegen::ProgramSpec spec;
        spec.graphs.push_back({&g, tp.kernels[index], tp.plans[index]});
        codegen::CodegenOptions fast;
        fast.optLevel = 1; // cheaper to compile; the noalias arguments still matter
        std::unique_ptr<codegen::JitProgram> jit = codegen::jitProgram(spec, fast);
        auto fn = static_cast<const nnc_program *>(jit->descriptor())->graphs[0];
        const int64_t batch = 2;
        Bindings b = stepBindings(g, s, params, batch, rng);
        std::map<std::string, Tensor> want = runOutputs(g, b, Precision::F32);
        trainer::GraphRunner runner(manifest.graphs[index], fn, batch);
        std::vector<std::vector<uint8_t>> bound;
        for (NodeId id : g.inputs()) bound.push_back(toBytes(b.inputs.at(g.node(id).attrs.getString("name"))));
        for (NodeId id : g.params()) bound.push_back(toBytes(b.params.at(g.node(id).attrs.getString("name"))));
        size_t next = 0;
        for (NodeId id : g.inputs()) runner.bind(id, bound[next++].data());
        for (NodeId id : g.params()) runner.bind(id, bound[next++].data());
        runner.run(batch);
        size_t inPlace = 0;
        for (const auto &[name, id] : g.outputs()) {
          INFO("output " << name);
          const TensorType type{g.type(id).dtype, g.type(id).shape.bind(batch)};
          const auto *p = static_cast<const uint8_t *>(runner.buffer(id));
          std::vector<uint8_t> bytes(p, p + type.shape.numel() * static_cast<int64_t>(dtypeBytes(type.dtype)));
          bytes.resize(bytes.size() + 8);
          checkClose(fromBytes(bytes, type), want.at(name), 1e-5);
          for (const codegen::InPlaceUpdate &u : updates)
            if (u.value == id && tp.plans[index].storedIn[static_cast<size_t>(id)] == u.bound) {
              CHECK(runner.buffer(id) == runner.buffer(u.bound));
              ++inPlace;
            }
        }
        // Every example's optimizer updates in place.
        CHECK(inPlace == updates.size());
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
