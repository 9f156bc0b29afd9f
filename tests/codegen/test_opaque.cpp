// Generated sources (constant, random), matmul, gather, one_hot, a small MLP
// and its gradient-like graph against the interpreter.
#include "CodegenTestUtil.h"

#include "codegen/Codegen.h"

using namespace nnc::codegen::test;

namespace {

using Ints = std::vector<int64_t>;

// A one-node source graph with output "r".
Graph sourceGraph(Op op, Attrs attrs, std::vector<TensorType> keys = {}) {
  Graph g;
  g.name = opName(op);
  std::vector<NodeId> ins;
  for (size_t i = 0; i < keys.size(); ++i)
    ins.push_back(g.input("a" + std::to_string(i), keys[i]));
  g.addOutput("r", g.create(op, ins, std::move(attrs)));
  return g;
}

} // namespace

TEST_CASE("codegen: constants, splat and per element", "[codegen]") {
  for (DType t : {DType::F32, DType::F64, DType::I32, DType::Bool}) {
    INFO(dtypeName(t));
    Graph g;
    g.name = "consts";
    g.addOutput("splat", g.constant({2.75}, {t, Shape{3, 7}}));
    g.addOutput("values", g.constant({1, -2.5, 0, 3.25, 1e10, -7}, {t, Shape{2, 3}}));
    diffTest(g, 0);
  }
}

TEST_CASE("codegen: random ops are bit-exact with the interpreter", "[codegen]") {
  for (Op op : {Op::RandomUniform, Op::RandomNormal}) {
    for (DType t : {DType::F32, DType::F64}) {
      INFO(opName(op) << " " << dtypeName(t));
      Attrs a{{"shape", Ints{kBatch, 17}}, {"dtype", std::string(dtypeName(t))}, {"seed", int64_t{42}}};
      diffTest(sourceGraph(op, a), 0);
      diffTest(sourceGraph(op, a, {i32({})}), 0, [](Bindings &b) { b.inputs["a0"].data = {-3}; });
    }
  }
}

TEST_CASE("codegen: matmul (nnc_sgemm for f32, loops otherwise)", "[codegen]") {
  diffTest(oneOp(Op::MatMul, {f32({kBatch, 17}), f32({17, 7})}), 1e-5);
  diffTest(oneOp(Op::MatMul, {f32({3, 7, 17}), f32({3, 17, 5})}), 1e-5);
  diffTest(oneOp(Op::MatMul, {f32({17, kBatch}), f32({kBatch, 3})}), 1e-5); // K is the batch
  diffTest(oneOp(Op::MatMul, {f32({1, 1}), f32({1, 1})}), 1e-5);
  diffTest(oneOp(Op::MatMul, {{DType::F64, Shape{kBatch, 7}}, {DType::F64, Shape{7, 3}}}), 1e-12);
}

TEST_CASE("codegen: gather and one_hot", "[codegen]") {
  auto validIndices = [](int64_t n) {
    return [n](Bindings &b) {
      for (double &v : b.inputs["a1"].data)
        v = std::fmod(std::fabs(v) * 7, static_cast<double>(n));
    };
  };
  diffTest(oneOp(Op::Gather, {f32({7, 3}), i32({kBatch, 5})}), 0, validIndices(7));
  diffTest(oneOp(Op::Gather, {i32({17}), i32({kBatch})}), 0, validIndices(17));
  Graph oh = oneOp(Op::OneHot, {i32({kBatch})}, {{"depth", int64_t{7}}, {"dtype", std::string("f32")}});
  diffTest(oh, 0, [](Bindings &b) {
    for (double &v : b.inputs["a0"].data)
      v = std::fabs(v);
  });
}

TEST_CASE("codegen: an out-of-range index is reported with its op and source, never read", "[codegen]") {
  // Under ASan this also shows that nothing outside the table is read.
  Graph g = oneOp(Op::Gather, {f32({3, 2}), i32({3})});
  auto jit = jitCompile(g);
  Bindings b;
  b.inputs["a0"] = Tensor(f32({3, 2}), {1, 2, 3, 4, 5, 6});
  b.inputs["a1"] = Tensor(i32({3}), {2, -1, 3});
  CHECK_THROWS_WITH(runJit(*jit, b, 1), "jit: gather: index -1 is out of range [0, 3)");
  b.inputs["a1"] = Tensor(i32({3}), {2, 0, 1});
  CHECK(runJit(*jit, b, 1).at("r").data == std::vector<double>{5, 6, 1, 2, 3, 4});

  // one_hot of class labels: one the model has no class for, and where the
  // .nn source asked for it.
  Graph oh;
  oh.name = "labels";
  NodeId y = oh.input("y", i32({kBatch}));
  oh.setSource({"model.nn", 12, 7});
  oh.addOutput("r", oh.create(Op::OneHot, {y}, {{"depth", int64_t{5}}, {"dtype", std::string("f32")}}));
  auto ohJit = jitCompile(oh);
  Bindings labels;
  labels.inputs["y"] = Tensor(i32({4}), {0, 4, 7, -2});
  CHECK_THROWS_WITH(runJit(*ohJit, labels, 4), "jit: model.nn:12:7: one_hot: index 7 is out of range [0, 5)");
  labels.inputs["y"] = Tensor(i32({2}), {4, 0});
  CHECK(runJit(*ohJit, labels, 2).at("r").data == std::vector<double>{0, 0, 0, 0, 1, 1, 0, 0, 0, 0});
}

namespace {

// x[B, 17] -> relu(x W1 + b1)[B, 7] -> (h W2 + b2)[B, 3], and the gradient-like
// products of the backward pass: dW = x^T dy, dx = dy W^T, db = sum_B dy.
Graph mlp() {
  Graph g;
  g.name = "mlp";
  NodeId x = g.input("x", f32({kBatch, 17}));
  NodeId w1 = g.param("w1", f32({17, 7})), b1 = g.param("b1", f32({7}));
  NodeId w2 = g.param("w2", f32({7, 3})), b2 = g.param("b2", f32({3}));
  NodeId dy = g.input("dy", f32({kBatch, 3}));
  NodeId z1 = g.create(Op::Add, {g.create(Op::MatMul, {x, w1}),
                                 g.create(Op::Broadcast, {b1}, {{"shape", Ints{kBatch, 7}}})});
  NodeId zero = g.create(Op::Broadcast, {g.scalar(0.0)}, {{"shape", Ints{kBatch, 7}}});
  NodeId h = g.create(Op::Maximum, {z1, zero});
  NodeId y = g.create(Op::Add, {g.create(Op::MatMul, {h, w2}),
                                g.create(Op::Broadcast, {b2}, {{"shape", Ints{kBatch, 3}}})});
  g.addOutput("y", y);
  Ints t{1, 0};
  g.addOutput("dw2", g.create(Op::MatMul, {g.create(Op::Transpose, {h}, {{"perm", t}}), dy}));
  NodeId dh = g.create(Op::MatMul, {dy, g.create(Op::Transpose, {w2}, {{"perm", t}})});
  NodeId dz1 = g.create(Op::Select, {g.create(Op::Gt, {z1, zero}), dh, zero});
  g.addOutput("dw1", g.create(Op::MatMul, {g.create(Op::Transpose, {x}, {{"perm", t}}), dz1}));
  g.addOutput("db1", g.create(Op::ReduceSum, {dz1}, {{"axes", Ints{0}}, {"keep", int64_t{0}}}));
  g.addOutput("db2", g.create(Op::ReduceSum, {dy}, {{"axes", Ints{0}}, {"keep", int64_t{0}}}));
  return g;
}

} // namespace

TEST_CASE("codegen: MLP forward and its gradient-like graph", "[codegen]") {
  diffTest(mlp(), 1e-5, {}, {1, 5, 64});
}

TEST_CASE("codegen: emitted LLVM IR has the entry point and noalias kernels", "[codegen]") {
  std::string ir = nnc::codegen::emitLLVM(mlp(), {"", "", 0});
  CHECK(ir.find("define void @mlp_run(i64") != std::string::npos);
  CHECK(ir.find("noalias") != std::string::npos);
  CHECK(ir.find("nnc_sgemm") != std::string::npos);
  CHECK(nnc::codegen::emitAsm(mlp()).find("mlp_run") != std::string::npos);
}

TEST_CASE("codegen: bad runs are rejected", "[codegen]") {
  auto jit = jitCompile(oneOp(Op::Neg, {f32({kBatch})}));
  float x[2] = {1, 2}, r[2];
  CHECK_THROWS_AS(jit->run(0, {{"a0", x}}, {}, {{"r", r}}), CodegenError);
  CHECK_THROWS_AS(jit->run(2, {}, {}, {{"r", r}}), CodegenError);
  CHECK_THROWS_AS(jit->run(2, {{"a0", x}}, {}, {{"nope", r}}), CodegenError);
  jit->run(2, {{"a0", x}}, {}, {{"r", r}});
  CHECK(r[1] == -2.0f);
}
