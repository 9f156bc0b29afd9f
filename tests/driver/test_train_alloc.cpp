// Training allocates nothing once set up: a compiled program (dense layers,
// Adam, a validation split) loaded by the JIT and trained epoch by epoch by
// the trainer's loop while every allocation of the process is counted. The
// first layer (600 -> 32) is deep enough to be summed in halves of K
// (nnc/gemm.h), on two threads for the full batches of 64 and on one for the
// last, of 32.
#include "common/AllocCount.h"
#include "driver/DriverUtil.h"
#include "driver/LoadedTrainer.h"
#include "driver/TrainProgram.h"
#include "frontend/Frontend.h"
#include "trainer/Dataset.h"
#include "trainer/Manifest.h"
#include "trainer/ModelState.h"
#include "trainer/TrainLoop.h"

#include "nnc/threads.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace nnc;

namespace {

void *volatile sink; // keeps the compiler from eliding the malloc/free pair

const char *kProgram = R"(import std
model M(x: f32[B, 600]) -> f32[B, 6] {
  h = relu(dense(x, 32))
  return dense(relu(dense(h, 16)), 6)
}
data d {
  samples = 200
  seed = 3
  validation = 0.2
  x = uniform([600], -1.0, 1.0)
  y = uniform([6], -1.0, 1.0)
}
train M on d {
  loss = mse(M(x), y)
  optimizer = adam(lr = 0.01)
  batch = 64
}
)";

} // namespace

TEST_CASE("training: epochs allocate nothing after the loop is set up", "[train][alloc]") {
  if (!test::canCountAllocations()) {
    WARN("no way to count allocations in this build");
    return;
  }
  auto path = std::filesystem::temp_directory_path() / ("nnc_alloc_" + std::to_string(getpid()) + ".nn");
  std::ofstream(path) << kProgram;
  SourceManager sm;
  DiagnosticEngine diags(sm);
  FrontendResult fe = runFrontend(path.string(), sm, diags);
  std::filesystem::remove(path);
  INFO(diags.str());
  REQUIRE(!diags.hasErrors());
  driver::TrainProgram tp = driver::assembleTrainProgram(fe.program, fe.program.trains.at(0));
  std::unique_ptr<codegen::JitProgram> jit = codegen::jitProgram(tp.spec(""));
  const auto &program = *static_cast<const nnc_program *>(jit->descriptor());

  int saved = nnc_threads_get();
  nnc_threads_set(2);
  test::LoadedTrainer t(program, ".");
  trainer::TrainLoop loop(t.m, program, t.data, t.state, t.loopConfig());

  double first = 0, last = 0;
  size_t validation = 0;
  long n = test::allocationsDuring([&] {
    first = loop.trainEpoch(1, {}).at(0);
    for (int64_t e = 2; e <= 4; ++e)
      last = loop.trainEpoch(e, {}).at(0);
    validation = loop.evaluateValidation().size();
  });
  nnc_threads_set(saved);
  CHECK(n == 0);
  // The counter counts in this binary too.
  CHECK(test::allocationsDuring([] {
          sink = std::malloc(64);
          std::free(sink);
        }) == 1);
  // It trained: the loss went down.
  CHECK(last < first);
  CHECK(validation == 1);
}
