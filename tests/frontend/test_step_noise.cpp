// Random values drawn inside a train step, such as a GAN's noise
// `normal([B, 8])`: B is the batch there, and every step draws anew.
#include "CheckUtil.h"

#include <catch2/catch.hpp>

using nnc::test::check;

TEST_CASE("step noise: normal([B, 8]) in a step is keyed by the step number, the same draw in evaluation") {
  auto r = check("import std\n"
                 "model G(z: f32[B, 8]) -> f32[B, 2] {\n  return dense(z, 2)\n}\n"
                 "model D(p: f32[B, 2]) -> f32[B, 1] {\n  return dense(p, 1)\n}\n"
                 "data d {\n  samples = 16\n  real = normal([2])\n}\n"
                 "train G on d {\n"
                 "  step discriminator {\n    loss = mean(D(real)) - mean(D(G(normal([B, 8]))))\n"
                 "    optimizer = sgd() updates D\n  }\n"
                 "  step generator {\n    loss = mean(D(G(normal([B, 8]))))\n    optimizer = sgd() updates G\n  }\n}\n");
  INFO(r.text);
  REQUIRE(r.errors.empty());
  std::vector<int64_t> seeds;
  for (const auto &step : r.program().trains[0].steps) {
    int draws = 0;
    for (const auto &n : step.graph.nodes()) {
      if (n.op != nnc::ir::Op::RandomNormal) continue;
      ++draws;
      CHECK(n.type.str() == "f32[B, 8]");
      CHECK(n.inputs.size() == 1); // the step number: a new draw every batch
      seeds.push_back(n.attrs.getInt("seed"));
    }
    CHECK(draws == 1);
    for (const auto &n : step.evaluate.nodes())
      if (n.op == nnc::ir::Op::RandomNormal) CHECK(n.inputs.empty());
  }
  REQUIRE(seeds.size() == 2);
  CHECK(seeds[0] != seeds[1]); // the two steps draw different noise
}

TEST_CASE("step noise: a data field named B is not the batch") {
  auto r = check("import std\nmodel M(x: f32[B, 1]) {\n  return dense(x, 1)\n}\n"
                 "data d {\n  x = [[1], [2]]\n  B = [[3], [4]]\n}\n"
                 "train M on d {\n  loss = mean(M(x) * B)\n  optimizer = sgd()\n}\n");
  INFO(r.text);
  CHECK(r.errors.empty());
}
