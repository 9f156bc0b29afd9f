// f32 exp and log written inline in fused loops (codegen/InlineMath.h):
// within a few ulp of the correctly rounded result over the whole f32 range,
// libm's special values, the same bits wherever an element falls in the
// loop (vector body or scalar tail), and fused only into loops that
// vectorize (codegen/Fusion.cpp).
#include "CodegenTestUtil.h"

#include "codegen/Fusion.h"

#include <limits>

using namespace nnc::codegen::test;
using nnc::codegen::fuseKernels;
using nnc::codegen::Kernel;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// A float's place on a line of integers where neighbouring floats are
// neighbours (-0 and +0 both 0): the distance of two finite values in ulps.
int64_t onLine(float f) {
  int32_t i;
  std::memcpy(&i, &f, sizeof i);
  return i < 0 ? -static_cast<int64_t>(i & 0x7fffffff) : i;
}

int64_t ulps(float a, float b) { return std::llabs(onLine(a) - onLine(b)); }

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// `op` of every value, by a compiled graph of one fused kernel over [n]:
// the inline code, not the runtime's array function.
std::vector<float> compiled(Op op, const std::vector<float> &xs) {
  const auto n = static_cast<int64_t>(xs.size());
  Graph g = oneOp(op, {f32({n})});
  std::vector<Kernel> ks = fuseKernels(g);
  REQUIRE(ks.size() == 1);
  REQUIRE(ks[0].fused);
  std::unique_ptr<JitGraph> jit = jitCompile(g, ks);
  Bindings b;
  b.batch = 1;
  b.inputs["a0"] = Tensor(f32({n}), std::vector<double>(xs.begin(), xs.end()));
  Tensor r = runJit(*jit, b, 1).at("r");
  return std::vector<float>(r.data.begin(), r.data.end());
}

// The largest distance from the correctly rounded result (through float64)
// over `xs`; -1 where a result is infinite and that one is not, or the
// other way round.
int64_t worstUlps(Op op, const std::vector<float> &xs) {
  std::vector<float> got = compiled(op, xs);
  int64_t worst = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    double x = xs[i];
    auto want = static_cast<float>(op == Op::Exp ? std::exp(x) : std::log(x));
    if (std::isinf(want) || std::isinf(got[i]) || !std::isfinite(got[i])) {
      if (got[i] == want) continue;
      UNSCOPED_INFO(opName(op) << "(" << xs[i] << "): got " << got[i] << ", want " << want);
      return -1;
    }
    worst = std::max(worst, ulps(got[i], want));
  }
  return worst;
}

// The first index where the bits differ, or -1.
int64_t firstDifference(const std::vector<float> &a, const std::vector<float> &b) {
  for (size_t i = 0; i < a.size(); ++i)
    if (bitsOf(a[i]) != bitsOf(b[i])) return static_cast<int64_t>(i);
  return -1;
}

} // namespace

TEST_CASE("inline math: exp within 2 ulp from underflow to overflow", "[codegen][inline-math]") {
  // 300001 values evenly apart on [-104, 89], from below the smallest
  // subnormal result to past the largest finite one; every 40009th float of
  // magnitude below 1, of both signs; the edges of the range.
  std::vector<float> xs;
  for (int i = 0; i <= 300000; ++i)
    xs.push_back(static_cast<float>(-104.0 + 193.0 * i / 300000));
  for (uint32_t u = 1; u < 0x3f800000u; u += 40009) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    xs.push_back(f);
    xs.push_back(-f);
  }
  for (float edge : {-103.97208f, -103.2789f, -87.33655f, -87.33654f, 88.72283f, 88.72284f, -1e-30f, 1e-30f})
    for (int k = -3; k <= 3; ++k)
      xs.push_back(edge + static_cast<float>(k) * std::abs(edge) * 1e-7f);
  REQUIRE(xs.size() > 350000);
  int64_t worst = worstUlps(Op::Exp, xs);
  CHECK(worst >= 0);
  CHECK(worst <= 2);
}

TEST_CASE("inline math: log within 2 ulp of every positive float, subnormals included", "[codegen][inline-math]") {
  std::vector<float> xs;
  for (uint32_t u = 1; u < 0x7f800000u; u += 4093) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    xs.push_back(f);
  }
  for (float edge :
       {std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::min(), std::numeric_limits<float>::max(),
        0.70710677f, 0.70710683f, 1.0f, std::nextafter(1.0f, 0.0f), std::nextafter(1.0f, 2.0f), 2.0f})
    xs.push_back(edge);
  REQUIRE(xs.size() > 500000);
  int64_t worst = worstUlps(Op::Log, xs);
  CHECK(worst >= 0);
  CHECK(worst <= 2);
}

TEST_CASE("inline math: special values are libm's", "[codegen][inline-math]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> xs = {nan, kInf, -kInf, 0.0f, -0.0f, 1.0f, -1.0f, 200.0f, -200.0f};
  xs.resize(32, 0.5f); // a loop long enough to be fused
  std::vector<float> e = compiled(Op::Exp, xs), l = compiled(Op::Log, xs);
  CHECK(std::isnan(e[0]));
  CHECK(e[1] == kInf);
  CHECK(bitsOf(e[2]) == bitsOf(0.0f));
  CHECK(e[3] == 1.0f);
  CHECK(e[4] == 1.0f);
  CHECK(e[7] == kInf);
  CHECK(bitsOf(e[8]) == bitsOf(0.0f));
  CHECK(std::isnan(l[0]));
  CHECK(l[1] == kInf);
  CHECK(std::isnan(l[2]));
  CHECK(l[3] == -kInf);
  CHECK(l[4] == -kInf);
  CHECK(bitsOf(l[5]) == bitsOf(0.0f));
  CHECK(std::isnan(l[6]));
}

TEST_CASE("inline math: an element's bits do not depend on where the loop computes it", "[codegen][inline-math]") {
  // Shifting the values by 1 to 17 places moves each between the vector
  // body and the scalar tail, and between lanes.
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-20.0f, 20.0f);
  std::vector<float> xs(301);
  for (float &x : xs)
    x = dist(rng);
  for (Op op : {Op::Exp, Op::Log}) {
    std::vector<float> in = xs;
    if (op == Op::Log)
      for (float &x : in)
        x = std::abs(x);
    std::vector<float> want = compiled(op, in);
    for (size_t shift = 1; shift <= 17; ++shift) {
      std::vector<float> shifted(shift, 1.0f);
      shifted.insert(shifted.end(), in.begin(), in.end());
      std::vector<float> got = compiled(op, shifted);
      got.erase(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(shift));
      INFO(opName(op) << " shifted by " << shift);
      CHECK(firstDifference(got, want) == -1);
    }
  }
}

TEST_CASE("inline math: exp and log fuse into loops that vectorize only", "[codegen][fusion][inline-math]") {
  // A softmax over `width` classes: max, exp of the shifted values, their
  // sum, the log of the sum.
  auto softmax = [](int64_t width, DType t) {
    Graph g;
    g.name = "softmax";
    NodeId z = g.input("z", {t, Shape{kBatch, width}});
    Attrs row;
    row.set("axes", std::vector<int64_t>{1});
    row.set("keep", int64_t{1});
    Attrs wide;
    wide.set("shape", std::vector<int64_t>{kBatch, width});
    NodeId m = g.create(Op::ReduceMax, {z}, row);
    NodeId shifted = g.create(Op::Sub, {z, g.create(Op::Broadcast, {m}, wide)});
    NodeId e = g.create(Op::Exp, {shifted});
    NodeId s = g.create(Op::ReduceSum, {e}, row);
    g.addOutput("e", e);
    g.addOutput("lse", g.create(Op::Log, {s}));
    return g;
  };
  auto ownKernel = [](const Graph &g, Op op) {
    for (const Kernel &k : fuseKernels(g))
      for (NodeId id : k.nodes)
        if (g.node(id).op == op) return !k.fused;
    FAIL("no " << opName(op) << " node");
    return false;
  };
  // 100 classes: the shifted values, exp and the sum are one loop. The log
  // of the [B, 1] sums runs one element per row: the array version.
  Graph wide = softmax(100, DType::F32);
  CHECK_FALSE(ownKernel(wide, Op::Exp));
  CHECK(ownKernel(wide, Op::Log));
  diffTest(wide, 1e-5, {}, {1, 5, 40});
  // 10 classes: a loop of 10 would run exp one element at a time.
  Graph narrow = softmax(10, DType::F32);
  CHECK(ownKernel(narrow, Op::Exp));
  diffTest(narrow, 1e-5, {}, {1, 5, 40});
  // f64 calls libm.
  CHECK(ownKernel(softmax(100, DType::F64), Op::Exp));
}
