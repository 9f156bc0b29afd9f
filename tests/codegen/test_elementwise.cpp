// Generated elementwise code against the interpreter: every op, every dtype
// it accepts, awkward sizes and two batch sizes.
#include "CodegenTestUtil.h"

using namespace nnc::codegen::test;

namespace {

// Puts NaN, infinities and signed zeros into the first elements of every f32
// input, so the NaN rules get exercised.
void specials(Bindings &b) {
  const double vals[] = {NAN, INFINITY, -INFINITY, -0.0, 0.0};
  for (auto &[name, t] : b.inputs) {
    if (t.dtype() != DType::F32) continue;
    size_t k = name == "a1" ? 1 : 0; // offset the second operand, so NaN meets numbers
    for (size_t i = 0; i < 5 && i + k < t.data.size(); ++i)
      t.data[i + k] = vals[i];
  }
}

} // namespace

TEST_CASE("codegen: f32 unary ops match the interpreter", "[codegen]") {
  for (Op op : {Op::Neg, Op::Abs, Op::Sign, Op::Exp, Op::Log, Op::Sqrt, Op::Tanh, Op::Sin, Op::Cos, Op::Floor,
                Op::StopGradient}) {
    for (const Shape &s : awkwardShapes()) {
      INFO(opName(op) << " " << s.str());
      diffTest(oneOp(op, {f32(s)}), 1e-5, specials);
    }
  }
}

TEST_CASE("codegen: i32 and bool unary ops match the interpreter", "[codegen]") {
  for (Op op : {Op::Neg, Op::Abs, Op::Sign, Op::StopGradient}) {
    INFO(opName(op));
    diffTest(oneOp(op, {i32({kBatch, 17})}));
  }
  diffTest(oneOp(Op::Not, {boolean({kBatch, 3})}));
  // Wrapping: -INT_MIN and |INT_MIN| are INT_MIN.
  Graph g = oneOp(Op::Neg, {i32({3})});
  g.addOutput("abs", g.create(Op::Abs, {0}));
  diffTest(g, 0, [](Bindings &b) { b.inputs["a0"].data = {-2147483648.0, 2147483647.0, 0}; });
}

TEST_CASE("codegen: casts between every pair of dtypes", "[codegen]") {
  for (DType from : {DType::F32, DType::F64, DType::I32, DType::Bool}) {
    for (DType to : {DType::F32, DType::F64, DType::I32, DType::Bool}) {
      INFO(dtypeName(from) << " -> " << dtypeName(to));
      Graph g = oneOp(Op::Cast, {{from, Shape{kBatch, 7}}}, {{"dtype", std::string(dtypeName(to))}});
      diffTest(g, 0, [from](Bindings &b) {
        // Saturation and NaN -> 0 for float -> i32.
        if (isFloat(from)) b.inputs["a0"].data[0] = NAN;
        if (isFloat(from)) b.inputs["a0"].data[1] = 1e10;
        if (isFloat(from)) b.inputs["a0"].data[2] = -3.7;
      });
    }
  }
}

TEST_CASE("codegen: f32 binary ops match the interpreter", "[codegen]") {
  for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Pow, Op::Maximum, Op::Minimum, Op::Eq, Op::Ne, Op::Lt,
                Op::Le, Op::Gt, Op::Ge}) {
    for (const Shape &s : awkwardShapes()) {
      INFO(opName(op) << " " << s.str());
      diffTest(oneOp(op, {f32(s), f32(s)}), 1e-5, specials);
    }
  }
}

TEST_CASE("codegen: i32 binary ops wrap like the interpreter", "[codegen]") {
  for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Maximum, Op::Minimum, Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt,
                Op::Ge}) {
    INFO(opName(op));
    Graph g = oneOp(op, {i32({kBatch, 17}), i32({kBatch, 17})});
    diffTest(g, 0, [](Bindings &b) {
      std::vector<double> &x = b.inputs["a0"].data, &y = b.inputs["a1"].data;
      for (double &v : y)
        if (v == 0) v = 3; // the interpreter rejects division by zero
      x[0] = 2147483647, y[0] = 2;  // overflow wraps
      x[1] = -2147483648.0, y[1] = -1; // INT_MIN / -1 wraps to INT_MIN
      x[2] = 65537, y[2] = 65537;
    });
  }
}

TEST_CASE("codegen: i32 division by zero gives 0", "[codegen]") {
  Graph g = oneOp(Op::Div, {i32({2}), i32({2})});
  auto jit = jitCompile(g);
  Bindings b;
  b.inputs["a0"] = Tensor(i32({2}), {7, -7});
  b.inputs["a1"] = Tensor(i32({2}), {0, 2});
  Tensor r = runJit(*jit, b, 1).at("r");
  CHECK(r.data == std::vector<double>{0, -3});
}

TEST_CASE("codegen: logic on bools and select", "[codegen]") {
  for (Op op : {Op::And, Op::Or, Op::Eq, Op::Ne})
    diffTest(oneOp(op, {boolean({kBatch, 17}), boolean({kBatch, 17})}));
  for (DType t : {DType::F32, DType::I32, DType::Bool, DType::F64}) {
    INFO(dtypeName(t));
    diffTest(oneOp(Op::Select, {boolean({kBatch, 7}), {t, Shape{kBatch, 7}}, {t, Shape{kBatch, 7}}}));
  }
}
