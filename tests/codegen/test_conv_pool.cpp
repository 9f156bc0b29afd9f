// conv2d, the pools, scatter_add and their adjoints compiled with the JIT
// against the interpreter: strides, same / valid / asymmetric padding, f32
// and f64, batch 1 and 5, and a small CNN's forward and backward graph.
//
// Tolerance: f32 results are within 1e-5 of the interpreter relative to
// max(1, |value|) (checkClose). The interpreter sums in double and rounds
// once; the runtime sums a few hundred float terms at most, each below 4 in
// magnitude, whose rounding errors stay around 1e-6 of the result.
#include "CodegenTestUtil.h"

#include "codegen/Codegen.h"

using namespace nnc::codegen::test;

namespace {

using Ints = std::vector<int64_t>;

// A convolution or pool: window (filter) kh x kw, stride, pad {top, bottom,
// left, right} over x[B, h, w, c].
struct Geo {
  int64_t h, w, c, kh, kw, sh, sw;
  Ints pad;

  int64_t oh() const { return (h + pad[0] + pad[1] - kh) / sh + 1; }
  int64_t ow() const { return (w + pad[2] + pad[3] - kw) / sw + 1; }
  Shape x() const { return {kBatch, h, w, c}; }
  Shape y(int64_t f) const { return {kBatch, oh(), ow(), f}; }
  Shape filter(int64_t f) const { return {kh, kw, c, f}; }
  Attrs convAttrs() const { return {{"stride", Ints{sh, sw}}, {"pad", pad}}; }
  Attrs poolAttrs() const { return {{"window", Ints{kh, kw}}, {"stride", Ints{sh, sw}}, {"pad", pad}}; }
};

Attrs withShape(Attrs a, const Shape &s) {
  a.set("shape", s.dims());
  return a;
}

const Geo kGeos[] = {
    {7, 7, 3, 3, 3, 1, 1, {1, 1, 1, 1}},  // same
    {9, 8, 2, 3, 2, 2, 1, {0, 2, 1, 0}},  // asymmetric stride and padding
    {5, 5, 4, 1, 1, 1, 1, {0, 0, 0, 0}},  // 1x1
    {6, 6, 1, 5, 5, 2, 2, {0, 0, 0, 0}},  // valid, stride 2, one channel
    {4, 4, 17, 2, 2, 2, 2, {0, 0, 0, 0}}, // the classic 2x2 pool, 17 channels
    {3, 3, 5, 2, 2, 3, 3, {3, 3, 3, 3}},  // windows wholly in the padding
};

TensorType typed(DType t, Shape s) { return {t, std::move(s)}; }

} // namespace

TEST_CASE("codegen: conv2d and its adjoints match the interpreter", "[codegen]") {
  for (DType t : {DType::F32, DType::F64})
    for (const Geo &g : kGeos) {
      INFO(dtypeName(t) << " x " << g.x().str() << " filter " << g.filter(5).str());
      double tol = t == DType::F32 ? 1e-5 : 1e-12;
      const int64_t f = 5;
      diffTest(oneOp(Op::Conv2D, {typed(t, g.x()), typed(t, g.filter(f))}, g.convAttrs()), tol);
      diffTest(oneOp(Op::Conv2DGradInput, {typed(t, g.y(f)), typed(t, g.filter(f))}, withShape(g.convAttrs(), g.x())),
               tol);
      diffTest(oneOp(Op::Conv2DGradFilter, {typed(t, g.x()), typed(t, g.y(f))}, withShape(g.convAttrs(), g.filter(f))),
               tol);
    }
}

TEST_CASE("codegen: pools and their adjoints match the interpreter", "[codegen]") {
  for (DType t : {DType::F32, DType::F64})
    for (const Geo &g : kGeos) {
      INFO(dtypeName(t) << " x " << g.x().str() << " window " << g.kh << "x" << g.kw);
      double tol = t == DType::F32 ? 1e-5 : 1e-12;
      diffTest(oneOp(Op::MaxPool2D, {typed(t, g.x())}, g.poolAttrs()), 0);
      diffTest(oneOp(Op::AvgPool2D, {typed(t, g.x())}, g.poolAttrs()), tol);
      diffTest(oneOp(Op::MaxPool2DGrad, {typed(t, g.x()), typed(t, g.y(g.c))}, g.poolAttrs()), tol);
      diffTest(oneOp(Op::AvgPool2DGrad, {typed(t, g.y(g.c))}, withShape(g.poolAttrs(), g.x())), tol);
    }
}

TEST_CASE("codegen: convolutions and pools are runtime calls", "[codegen]") {
  const Geo &g = kGeos[0];
  std::string ir = nnc::codegen::emitLLVM(oneOp(Op::Conv2D, {f32(g.x()), f32(g.filter(2))}, g.convAttrs()));
  CHECK(ir.find("call void @nnc_conv2d_f32(") != std::string::npos);
  ir = nnc::codegen::emitLLVM(oneOp(Op::MaxPool2D, {typed(DType::F64, g.x())}, g.poolAttrs()));
  CHECK(ir.find("call void @nnc_max_pool2d_f64(") != std::string::npos);
}

TEST_CASE("codegen: max pooling with NaN and ties", "[codegen]") {
  const Geo g{5, 5, 3, 3, 3, 1, 1, {1, 1, 1, 1}};
  // Values on a coarse grid tie often; the first maximum takes the gradient.
  auto ties = [](Bindings &b) {
    for (double &v : b.inputs["a0"].data)
      v = std::round(v);
  };
  auto nans = [](Bindings &b) {
    for (size_t i = 0; i < b.inputs["a0"].data.size(); i += 7)
      b.inputs["a0"].data[i] = NAN;
  };
  for (const Adjust &adjust : {Adjust(ties), Adjust(nans)}) {
    diffTest(oneOp(Op::MaxPool2D, {f32(g.x())}, g.poolAttrs()), 0, adjust);
    diffTest(oneOp(Op::MaxPool2DGrad, {f32(g.x()), f32(g.y(g.c))}, g.poolAttrs()), 1e-5, adjust);
  }
}

TEST_CASE("codegen: scatter_add matches the interpreter", "[codegen]") {
  // Indices in range, with repeats, so rows accumulate.
  auto validIndices = [](int64_t n) {
    return [n](Bindings &b) {
      for (double &v : b.inputs["a1"].data)
        v = std::fmod(std::fabs(v) * 7, static_cast<double>(n));
    };
  };
  Attrs rows7{{"shape", Ints{7, 3}}};
  diffTest(oneOp(Op::ScatterAdd, {f32({kBatch, 5, 3}), i32({kBatch, 5})}, rows7), 1e-5, validIndices(7));
  diffTest(oneOp(Op::ScatterAdd, {{DType::F64, Shape{kBatch, 3}}, i32({kBatch})}, rows7), 1e-12, validIndices(7));
  diffTest(oneOp(Op::ScatterAdd, {i32({kBatch, 2}), i32({kBatch, 2})}, {{"shape", Ints{3}}}), 0, validIndices(3));
  diffTest(oneOp(Op::ScatterAdd, {f32({kBatch, 4}), i32({kBatch})}, {{"shape", Ints{17, 4}}}), 1e-5, validIndices(17));
}

TEST_CASE("codegen: scatter_add reports an out-of-range index and writes nothing for it", "[codegen]") {
  auto jit = jitCompile(oneOp(Op::ScatterAdd, {f32({3, 2}), i32({3})}, {{"shape", Ints{2, 2}}}));
  Bindings b;
  b.inputs["a0"] = Tensor(f32({3, 2}), {1, 2, 3, 4, 5, 6});
  b.inputs["a1"] = Tensor(i32({3}), {1, -1, 2});
  // The first bad index is reported (under ASan: nothing written outside r).
  CHECK_THROWS_WITH(runJit(*jit, b, 1), "jit: scatter_add: index -1 is out of range [0, 2)");
  b.inputs["a1"] = Tensor(i32({3}), {1, 0, 1});
  CHECK(runJit(*jit, b, 1).at("r").data == std::vector<double>{3, 4, 6, 8}); // the report was taken
}

namespace {

// A small CNN's forward pass and the backward ops autodiff would emit for it:
//   h = relu(conv2d(x, w1))  [B, 8, 8, 4]     same padding
//   p = max_pool2d(h)        [B, 4, 4, 4]     2x2, stride 2
//   a = avg_pool2d(p)        [B, 2, 2, 4]     2x2, stride 2
//   y = conv2d(a, w2)        [B, 1, 1, 3]     valid, 2x2
// with dy given, back through every op to dw1, dw2 and dx.
Graph smallCnn() {
  Graph g;
  g.name = "cnn";
  NodeId x = g.input("x", f32({kBatch, 8, 8, 2}));
  NodeId w1 = g.param("w1", f32({3, 3, 2, 4})), w2 = g.param("w2", f32({2, 2, 4, 3}));
  NodeId dy = g.input("dy", f32({kBatch, 1, 1, 3}));
  Attrs same{{"stride", Ints{1, 1}}, {"pad", Ints{1, 1, 1, 1}}};
  Attrs valid{{"stride", Ints{1, 1}}, {"pad", Ints{0, 0, 0, 0}}};
  Attrs pool{{"window", Ints{2, 2}}, {"stride", Ints{2, 2}}, {"pad", Ints{0, 0, 0, 0}}};
  Ints hShape{kBatch, 8, 8, 4};
  NodeId z = g.create(Op::Conv2D, {x, w1}, same);
  NodeId zero = g.create(Op::Broadcast, {g.scalar(0.0)}, {{"shape", hShape}});
  NodeId h = g.create(Op::Maximum, {z, zero});
  NodeId p = g.create(Op::MaxPool2D, {h}, pool);
  NodeId a = g.create(Op::AvgPool2D, {p}, pool);
  g.addOutput("y", g.create(Op::Conv2D, {a, w2}, valid));

  g.addOutput("dw2", g.create(Op::Conv2DGradFilter, {a, dy}, withShape(valid, Shape{2, 2, 4, 3})));
  NodeId da = g.create(Op::Conv2DGradInput, {dy, w2}, withShape(valid, Shape{kBatch, 2, 2, 4}));
  NodeId dp = g.create(Op::AvgPool2DGrad, {da}, withShape(pool, Shape{kBatch, 4, 4, 4}));
  NodeId dh = g.create(Op::MaxPool2DGrad, {h, dp}, pool);
  NodeId dz = g.create(Op::Select, {g.create(Op::Gt, {z, zero}), dh, zero});
  g.addOutput("dw1", g.create(Op::Conv2DGradFilter, {x, dz}, withShape(same, Shape{3, 3, 2, 4})));
  g.addOutput("dx", g.create(Op::Conv2DGradInput, {dz, w1}, withShape(same, Shape{kBatch, 8, 8, 2})));
  return g;
}

} // namespace

TEST_CASE("codegen: a small CNN forward and backward", "[codegen]") { diffTest(smallCnn(), 1e-5, {}, {1, 5, 32}); }
