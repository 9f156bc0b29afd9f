// Generated broadcast, reduction and layout code against the interpreter.
#include "CodegenTestUtil.h"

using namespace nnc::codegen::test;

namespace {

using Ints = std::vector<int64_t>;

// Rounds f32 inputs to halves, so ties occur, and plants a NaN in the last
// element of the first input when `nan`.
Adjust ties(bool nan) {
  return [nan](Bindings &b) {
    for (auto &[name, t] : b.inputs)
      if (t.dtype() == DType::F32)
        for (double &v : t.data)
          v = std::round(v * 2) / 2;
    if (nan) b.inputs["a0"].data.back() = NAN;
  };
}

// Rounds f32 inputs to whole numbers and signs the zeros by position, so
// rows hold +0 and -0 beside each other; then plants a NaN in every
// `nanEvery`-th element (none when 0) and an infinity beside each.
Adjust zerosAndNaNs(size_t nanEvery) {
  return [nanEvery](Bindings &b) {
    std::vector<double> &d = b.inputs["a0"].data;
    for (size_t i = 0; i < d.size(); ++i) {
      d[i] = std::round(d[i]);
      if (d[i] == 0) d[i] = i % 2 ? -0.0 : 0.0;
      if (nanEvery && i % nanEvery == 3) d[i] = NAN;
      if (nanEvery && i % nanEvery == 4) d[i] = i % 3 ? INFINITY : -INFINITY;
    }
  };
}

// Every element of the first input set to `v`.
Adjust lowest(double v) {
  return [v](Bindings &b) {
    for (double &d : b.inputs["a0"].data)
      d = v;
  };
}

} // namespace

TEST_CASE("codegen: broadcast", "[codegen]") {
  diffTest(oneOp(Op::Broadcast, {f32({7})}, {{"shape", Ints{kBatch, 3, 7}}}));
  diffTest(oneOp(Op::Broadcast, {f32({3, 1})}, {{"shape", Ints{kBatch, 3, 7}}}));
  diffTest(oneOp(Op::Broadcast, {i32({})}, {{"shape", Ints{kBatch, 17}}}));
  diffTest(oneOp(Op::Broadcast, {boolean({kBatch, 1})}, {{"shape", Ints{kBatch, 5}}}));
}

TEST_CASE("codegen: reductions over every axis set", "[codegen]") {
  std::vector<Ints> axesSets{{0}, {1}, {2}, {0, 2}, {0, 1, 2}, {}};
  for (Op op : {Op::ReduceSum, Op::ReduceMax, Op::ReduceMin, Op::ReduceMean}) {
    for (const Ints &axes : axesSets) {
      for (int64_t keep : {0, 1}) {
        INFO(opName(op) << " axes " << axes.size() << " keep " << keep);
        Attrs a{{"axes", axes}, {"keep", keep}};
        diffTest(oneOp(op, {f32({kBatch, 3, 7})}, a), 1e-5);
        diffTest(oneOp(op, {f32({kBatch, 3, 7})}, a), 1e-5, ties(true));
        if (op != Op::ReduceMean) diffTest(oneOp(op, {i32({kBatch, 3, 7})}, a), 0);
      }
    }
  }
}

TEST_CASE("codegen: argmax keeps the first maximum and counts NaN as the maximum", "[codegen]") {
  for (int64_t axis : {0, 1, 2}) {
    for (int64_t keep : {0, 1}) {
      INFO("axis " << axis << " keep " << keep);
      Attrs a{{"axis", axis}, {"keep", keep}};
      diffTest(oneOp(Op::ArgMax, {f32({kBatch, 3, 7})}, a), 0, ties(false));
      diffTest(oneOp(Op::ArgMax, {f32({kBatch, 3, 7})}, a), 0, ties(true));
      diffTest(oneOp(Op::ArgMax, {i32({kBatch, 3, 7})}, a), 0);
      for (size_t nanEvery : {0, 5, 7, 11})
        diffTest(oneOp(Op::ArgMax, {f32({kBatch, 3, 7})}, a), 0, zerosAndNaNs(nanEvery));
      // Rows of nothing but the lowest value: the first element is the maximum.
      diffTest(oneOp(Op::ArgMax, {f32({kBatch, 3, 7})}, a), 0, lowest(-INFINITY));
      diffTest(oneOp(Op::ArgMax, {i32({kBatch, 3, 7})}, a), 0, lowest(INT32_MIN));
    }
  }
}

TEST_CASE("codegen: reshape, transpose, slice", "[codegen]") {
  diffTest(oneOp(Op::Reshape, {f32({kBatch, 3, 7})}, {{"shape", Ints{kBatch, 21}}}), 0);
  diffTest(oneOp(Op::Transpose, {f32({3, kBatch, 7})}, {{"perm", Ints{2, 0, 1}}}), 0);
  diffTest(oneOp(Op::Transpose, {i32({17, 3})}, {{"perm", Ints{1, 0}}}), 0);
  diffTest(oneOp(Op::Slice, {f32({kBatch, 17, 3})},
                 {{"begin", Ints{0, 1, 0}}, {"end", Ints{kBatch, 16, 3}}, {"stride", Ints{1, 3, 2}}}),
           0);
  diffTest(oneOp(Op::Slice, {boolean({7, 1})}, {{"begin", Ints{2, 0}}, {"end", Ints{7, 1}}, {"stride", Ints{1, 1}}}), 0);
}

TEST_CASE("codegen: pad and concat", "[codegen]") {
  diffTest(oneOp(Op::Pad, {f32({kBatch, 3})}, {{"lo", Ints{0, 1}}, {"hi", Ints{0, 2}}, {"value", 1.5}}), 0);
  diffTest(oneOp(Op::Pad, {i32({3, 7, 1})}, {{"lo", Ints{1, 0, 3}}, {"hi", Ints{2, 1, 0}}, {"value", -2.0}}), 0);
  diffTest(oneOp(Op::Concat, {f32({3, 7}), f32({1, 7})}, {{"axis", int64_t{0}}}), 0);
  diffTest(oneOp(Op::Concat, {f32({kBatch, 3}), f32({kBatch, 1}), f32({kBatch, 7})}, {{"axis", int64_t{1}}}), 0);
  diffTest(oneOp(Op::Concat, {i32({kBatch, 2, 3}), i32({kBatch, 5, 3})}, {{"axis", int64_t{1}}}), 0);
}
