// Shape inference through elaboration: the types of model outputs, params,
// data fields and train outputs, with the symbolic batch dimension.
#include "CheckUtil.h"

#include <catch2/catch.hpp>

using nnc::test::check;

namespace {

const nnc::ModelGraphs &onlyModel(const nnc::test::CheckResult &r) {
  INFO(r.text);
  REQUIRE(r.errors.empty());
  REQUIRE(r.program().models.size() == 1);
  return r.program().models[0];
}

std::string outputType(const nnc::ir::Graph &g, size_t k = 0) {
  REQUIRE(g.outputs().size() > k);
  return g.type(g.outputs()[k].second).str();
}

std::vector<std::string> paramList(const nnc::ir::Graph &g) {
  std::vector<std::string> out;
  for (nnc::ir::NodeId id : g.params()) out.push_back(g.node(id).attrs.getString("name") + ":" + g.type(id).str());
  return out;
}

} // namespace

TEST_CASE("shapes: the MLP's params are named by call path") {
  auto r = check("import std\nmodel Classifier(x: f32[B, 784]) -> f32[B, 10] {\n  h = relu(dense(x, 128))\n"
                 "  h = relu(dense(h, 128))\n  return dense(h, 10)\n}\n");
  const auto &m = onlyModel(r);
  CHECK(outputType(m.forward) == "f32[B, 10]");
  CHECK(paramList(m.forward) == std::vector<std::string>{
                                    "Classifier/dense_1/W:f32[784, 128]", "Classifier/dense_1/b:f32[128]",
                                    "Classifier/dense_2/W:f32[128, 128]", "Classifier/dense_2/b:f32[128]",
                                    "Classifier/dense_3/W:f32[128, 10]", "Classifier/dense_3/b:f32[10]"});
  // The init graph computes every param, by name, with its shape.
  REQUIRE(m.init.outputs().size() == 6);
  CHECK(m.init.outputs()[0].first == "Classifier/dense_1/W");
  CHECK(m.init.type(m.init.outputs()[0].second).str() == "f32[784, 128]");
  CHECK(m.init.type(m.init.outputs()[5].second).str() == "f32[10]");
}

TEST_CASE("shapes: nested fns get nested paths") {
  auto r = check("import std\nfn block(x, n: int) = relu(dense(x, n))\n"
                 "model M(x: f32[B, 8]) {\n  return block(block(x, 4), 2)\n}\n");
  const auto &m = onlyModel(r);
  CHECK(outputType(m.forward) == "f32[B, 2]");
  auto ps = paramList(m.forward);
  REQUIRE(ps.size() == 4);
  CHECK(ps[0] == "M/block_1/dense_1/W:f32[8, 4]");
  CHECK(ps[2] == "M/block_2/dense_1/W:f32[4, 2]");
}

TEST_CASE("shapes: broadcasting follows numpy with the batch dimension") {
  auto r = check("model M(x: f32[B, 3], v: f32[3], s: f32[B, 1]) {\n  return x + v * s + 1\n}\n");
  CHECK(outputType(onlyModel(r).forward) == "f32[B, 3]");
}

TEST_CASE("shapes: reductions, keep, argmax") {
  auto r = check("model M(x: f32[B, 4, 5]) {\n  return sum(x, -1), mean(x, [1, 2], keep = true), max(x), argmax(x, 1)\n}\n");
  const auto &m = onlyModel(r);
  CHECK(outputType(m.forward, 0) == "f32[B, 4]");
  CHECK(outputType(m.forward, 1) == "f32[B, 1, 1]");
  CHECK(outputType(m.forward, 2) == "f32[]");
  CHECK(outputType(m.forward, 3) == "i32[B, 5]");
}

TEST_CASE("shapes: indexing and slicing") {
  auto r = check("model M(x: f32[B, 50, 8]) {\n  return x[:, -1, :], x[:, 10:20:2], x[..., 0], x[:, :, 1:]\n}\n");
  const auto &m = onlyModel(r);
  CHECK(outputType(m.forward, 0) == "f32[B, 8]");
  CHECK(outputType(m.forward, 1) == "f32[B, 5, 8]");
  CHECK(outputType(m.forward, 2) == "f32[B, 50]");
  CHECK(outputType(m.forward, 3) == "f32[B, 50, 7]");
}

TEST_CASE("shapes: reshape, flatten, transpose, concat") {
  auto r = check("model M(x: f32[B, 28, 28]) {\n  y = reshape(x, [B, 28, 28, 1])\n"
                 "  return y, flatten(x), transpose(x, [0, 2, 1]), concat([x, x], -1), reshape(x, [B, -1])\n}\n");
  const auto &m = onlyModel(r);
  CHECK(outputType(m.forward, 0) == "f32[B, 28, 28, 1]");
  CHECK(outputType(m.forward, 1) == "f32[B, 784]");
  CHECK(outputType(m.forward, 2) == "f32[B, 28, 28]");
  CHECK(outputType(m.forward, 3) == "f32[B, 28, 56]");
  CHECK(outputType(m.forward, 4) == "f32[B, 784]");
}

TEST_CASE("shapes: a small CNN") {
  auto r = check("import std\nmodel Cnn(x: f32[B, 28, 28, 1]) -> f32[B, 10] {\n"
                 "  h = max_pool(relu(conv(x, 32)))\n"          // same padding: 28 -> pool 14
                 "  h = max_pool(relu(conv(h, 64, padding = \"valid\")))\n" // 14 -> 12 -> 6
                 "  return dense(flatten(h), 10)\n}\n");
  const auto &m = onlyModel(r);
  CHECK(outputType(m.forward) == "f32[B, 10]");
  auto ps = paramList(m.forward);
  CHECK(ps[0] == "Cnn/conv_1/K:f32[3, 3, 1, 32]");
  CHECK(ps[2] == "Cnn/conv_2/K:f32[3, 3, 32, 64]");
  CHECK(ps[4] == "Cnn/dense_1/W:f32[2304, 10]");
}

TEST_CASE("shapes: strided convolution and pooling sizes") {
  auto r = check("model M(x: f32[B, 9, 9, 2], w: f32[3, 3, 2, 4]) {\n"
                 "  return conv2d(x, w, 2), conv2d(x, w, 2, \"same\"), avg_pool(x, 3), max_pool(x, 2, 1, \"same\")\n}\n");
  const auto &m = onlyModel(r);
  CHECK(outputType(m.forward, 0) == "f32[B, 4, 4, 4]");
  CHECK(outputType(m.forward, 1) == "f32[B, 5, 5, 4]");
  CHECK(outputType(m.forward, 2) == "f32[B, 3, 3, 2]");
  CHECK(outputType(m.forward, 3) == "f32[B, 9, 9, 2]");
}

TEST_CASE("shapes: embeddings and one-hot") {
  auto r = check("import std\nmodel M(ids: i32[B, 20]) {\n  return embedding(ids, 1000, 16), one_hot(ids, 7)\n}\n");
  const auto &m = onlyModel(r);
  CHECK(outputType(m.forward, 0) == "f32[B, 20, 16]");
  CHECK(outputType(m.forward, 1) == "f32[B, 20, 7]");
}

TEST_CASE("shapes: tuples and conditionals") {
  auto r = check("fn split(x: f32[B, N]) = (x[:, :N / 2], x[:, N / 2:])\n"
                 "model M(x: f32[B, 6]) {\n  a, b = split(x)\n  c = a if 2 > 1 else b * 0\n"
                 "  return a if rank(a) == 3 else b, where(c > 0, c, 0.0)\n}\n");
  const auto &m = onlyModel(r);
  CHECK(outputType(m.forward, 0) == "f32[B, 3]");
  CHECK(outputType(m.forward, 1) == "f32[B, 3]");
}

TEST_CASE("shapes: data fields and train outputs") {
  auto r = check("import std\nmodel Net(x: f32[B, 2]) -> f32[B, 1] {\n  return sigmoid(dense(x, 1))\n}\n"
                 "data d {\n  samples = 100\n  c = floor(uniform([1], 0.0, 2.0))\n  x = normal([2]) + c\n  y = c\n}\n"
                 "train Net on d {\n  loss = bce(Net(x), y)\n  optimizer = adam(lr = 0.01)\n  epochs = 3\n"
                 "  batch = 10\n  metrics = [binary_accuracy]\n}\n");
  INFO(r.text);
  REQUIRE(r.errors.empty());
  REQUIRE(r.program().datas.size() == 1);
  const auto &d = r.program().datas[0].graph;
  REQUIRE(d.outputs().size() == 3);
  CHECK(d.outputs()[1].first == "x");
  CHECK(d.type(d.outputs()[1].second).str() == "f32[B, 2]");
  REQUIRE(r.program().trains.size() == 1);
  const auto &t = r.program().trains[0];
  CHECK(t.epochs == 3);
  CHECK(t.batch == 10);
  REQUIRE(t.steps.size() == 1);
  CHECK(t.steps[0].optimizer.name == "adam");
  CHECK(t.steps[0].optimizer.args.at("lr") == 0.01);
  CHECK(t.steps[0].optimizer.args.at("b2") == 0.999);
  const auto &g = t.steps[0].graph;
  REQUIRE(g.outputs().size() == 2);
  CHECK(g.outputs()[0].first == "loss");
  CHECK(g.type(g.outputs()[0].second).str() == "f32[]");
  CHECK(g.outputs()[1].first == "binary_accuracy");
  // The metric reuses the model's params: one set, named once.
  CHECK(paramList(g) == std::vector<std::string>{"Net/dense_1/W:f32[2, 1]", "Net/dense_1/b:f32[1]"});
}

TEST_CASE("shapes: a GAN's two steps share the models' params") {
  auto r = check("import std\n"
                 "model G(z: f32[B, 4]) -> f32[B, 2] {\n  return dense(relu(dense(z, 16)), 2)\n}\n"
                 "model D(x: f32[B, 2]) -> f32[B, 1] {\n  return sigmoid(dense(relu(dense(x, 16)), 1))\n}\n"
                 "data ring {\n  samples = 64\n  real = normal([2])\n  z = normal([4])\n}\n"
                 "train G on ring {\n  epochs = 2\n"
                 "  step discriminator {\n    loss = bce(D(real), 1) + bce(D(G(z)), 0)\n"
                 "    optimizer = adam(lr = 2e-4) updates D\n  }\n"
                 "  step generator {\n    loss = bce(D(G(z)), 1)\n    optimizer = adam(lr = 2e-4) updates G\n  }\n}\n");
  INFO(r.text);
  REQUIRE(r.errors.empty());
  const auto &t = r.program().trains[0];
  REQUIRE(t.steps.size() == 2);
  CHECK(t.steps[0].name == "discriminator");
  CHECK(t.steps[0].updates == std::vector<std::string>{"D"});
  CHECK(t.steps[1].updates == std::vector<std::string>{"G"});
  CHECK(paramList(t.steps[0].graph).size() == 8); // D's four, G's four: D called twice, params once
}

TEST_CASE("shapes: dropout is random while training and the identity otherwise") {
  auto r = check("import std\nmodel M(x: f32[B, 4]) {\n  return dense(dropout(x, 0.5), 1)\n}\n"
                 "data d {\n  x = [[1, 2, 3, 4]]\n}\n"
                 "train M on d {\n  loss = mean(M(x))\n  optimizer = sgd()\n}\n");
  INFO(r.text);
  REQUIRE(r.errors.empty());
  auto count = [](const nnc::ir::Graph &g, nnc::ir::Op op) {
    int n = 0;
    for (const auto &node : g.nodes()) n += node.op == op;
    return n;
  };
  const auto &step = r.program().trains[0].steps[0];
  CHECK(count(r.program().models[0].forward, nnc::ir::Op::RandomUniform) == 0);
  CHECK(count(step.evaluate, nnc::ir::Op::RandomUniform) == 0);
  REQUIRE(count(step.graph, nnc::ir::Op::RandomUniform) == 1);
  // Keyed by the step number, so every step draws a new mask.
  for (const auto &node : step.graph.nodes())
    if (node.op == nnc::ir::Op::RandomUniform) CHECK(node.inputs.size() == 1);
}

TEST_CASE("shapes: a user's fn named like a stdlib signature's shape variable stays out of it") {
  // dense(x: f32[B, I], ...): the user's `fn I` is no dimension, so `I` still
  // binds to x's width there.
  auto r = check("import std\nfn I(x) = x\nmodel M(x: f32[B, 4]) -> f32[B, 3] {\n  return I(dense(x, 3))\n}\n");
  const auto &m = onlyModel(r);
  CHECK(outputType(m.forward) == "f32[B, 3]");
  CHECK(paramList(m.forward) == std::vector<std::string>{"M/dense_1/W:f32[4, 3]", "M/dense_1/b:f32[3]"});
}
