// Helpers for the differential tests of generated code: random inputs, and
// running a graph both through the JIT and through the reference interpreter.
#pragma once

#include "codegen/Jit.h"
#include "ir/Interpreter.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace nnc::codegen::test {

using namespace nnc::ir;
using codegen::CodegenError;
using codegen::jitCompile;
using codegen::JitGraph;

// Random values valid for the dtype: floats in [-2, 2), i32 in [-5, 5], bools.
inline Tensor randomTensor(const TensorType &t, std::mt19937 &rng) {
  std::vector<double> v(static_cast<size_t>(t.shape.numel()));
  std::uniform_real_distribution<float> f(-2.0f, 2.0f);
  std::uniform_int_distribution<int> i(-5, 5), b(0, 1);
  for (double &x : v)
    x = isFloat(t.dtype) ? f(rng) : t.dtype == DType::I32 ? i(rng) : b(rng);
  return Tensor(t, std::move(v));
}

// A tensor in the generated code's representation (Codegen.h).
inline std::vector<uint8_t> toBytes(const Tensor &t) {
  std::vector<uint8_t> out;
  auto put = [&](const auto &x) {
    const auto *p = reinterpret_cast<const uint8_t *>(&x);
    out.insert(out.end(), p, p + sizeof x);
  };
  for (double v : t.data) {
    switch (t.dtype()) {
    case DType::F32: put(static_cast<float>(v)); break;
    case DType::F64: put(v); break;
    case DType::I32: put(static_cast<int32_t>(v)); break;
    case DType::Bool: put(static_cast<uint8_t>(v != 0)); break;
    }
  }
  out.resize(out.size() + 8); // never empty
  return out;
}

inline Tensor fromBytes(const std::vector<uint8_t> &bytes, const TensorType &t) {
  std::vector<double> v(static_cast<size_t>(t.shape.numel()));
  for (size_t i = 0; i < v.size(); ++i) {
    switch (t.dtype) {
    case DType::F32: { float f; std::memcpy(&f, &bytes[i * 4], 4); v[i] = f; break; }
    case DType::F64: std::memcpy(&v[i], &bytes[i * 8], 8); break;
    case DType::I32: { int32_t x; std::memcpy(&x, &bytes[i * 4], 4); v[i] = x; break; }
    case DType::Bool: v[i] = bytes[i]; break;
    }
  }
  return Tensor(t, std::move(v));
}

// Runs a compiled graph on interpreter-style bindings; returns its outputs.
inline std::map<std::string, Tensor> runJit(JitGraph &jit, const Bindings &b, int64_t batch) {
  const Graph &g = jit.graph();
  std::map<std::string, std::vector<uint8_t>> in, par, out;
  std::map<std::string, const void *> inPtr, parPtr;
  std::map<std::string, void *> outPtr;
  for (const auto &[name, t] : b.inputs) inPtr[name] = (in[name] = toBytes(t)).data();
  for (const auto &[name, t] : b.params) parPtr[name] = (par[name] = toBytes(t)).data();
  for (const auto &[name, id] : g.outputs()) {
    auto &buf = out[name];
    buf.assign(static_cast<size_t>(g.type(id).shape.numel(batch)) * 8 + 8, 0);
    outPtr[name] = buf.data();
  }
  jit.run(batch, inPtr, parPtr, outPtr);
  std::map<std::string, Tensor> result;
  for (const auto &[name, id] : g.outputs())
    result[name] = fromBytes(out[name], TensorType{g.type(id).dtype, g.type(id).shape.bind(batch)});
  return result;
}

// Same type; floats within relative `tol` (NaN matches NaN), others exact.
inline void checkClose(const Tensor &got, const Tensor &want, double tol) {
  INFO("got  " << got.str());
  INFO("want " << want.str());
  REQUIRE(got.type == want.type);
  bool exact = !isFloat(want.dtype()) || tol == 0;
  for (size_t i = 0; i < want.data.size(); ++i) {
    INFO("at index " << i);
    double a = got.data[i], w = want.data[i];
    if (std::isnan(w)) {
      CHECK(std::isnan(a));
      continue;
    }
    if (exact || std::isinf(w))
      CHECK(a == w);
    else
      CHECK(std::fabs(a - w) <= tol * std::max(1.0, std::fabs(w)));
  }
}

// Seeded random values for every input and param of `g` at `batch`.
inline Bindings randomBindings(const Graph &g, int64_t batch, std::mt19937 &rng) {
  Bindings b;
  b.batch = batch;
  for (NodeId id : g.inputs())
    b.inputs[g.node(id).attrs.getString("name")] = randomTensor({g.type(id).dtype, g.type(id).shape.bind(batch)}, rng);
  for (NodeId id : g.params())
    b.params[g.node(id).attrs.getString("name")] = randomTensor({g.type(id).dtype, g.type(id).shape.bind(batch)}, rng);
  return b;
}

// Adjusts the random bindings of one run before both sides see them.
using Adjust = std::function<void(Bindings &)>;

// Compiles `g` once, then for each batch size runs it through the JIT and the
// F32 interpreter on the same seeded random inputs and compares every output.
inline void diffTest(const Graph &g, double tol = 1e-5, const Adjust &adjust = {},
                     const std::vector<int64_t> &batches = {1, 5}) {
  std::unique_ptr<JitGraph> jit = jitCompile(g);
  std::mt19937 rng(1234);
  for (int64_t batch : batches) {
    INFO("batch " << batch);
    Bindings b = randomBindings(g, batch, rng);
    if (adjust) adjust(b);
    std::map<std::string, Tensor> want = runOutputs(g, b, Precision::F32);
    std::map<std::string, Tensor> got = runJit(*jit, b, batch);
    for (const auto &[name, t] : want) {
      INFO("output " << name);
      checkClose(got.at(name), t, tol);
    }
  }
}

// A one-op graph over inputs a0, a1, ... of the given types, output "r".
inline Graph oneOp(Op op, const std::vector<TensorType> &args, Attrs attrs = {}) {
  Graph g;
  g.name = std::string("t_") + opName(op);
  std::vector<NodeId> ids;
  for (size_t i = 0; i < args.size(); ++i)
    ids.push_back(g.input("a" + std::to_string(i), args[i]));
  g.addOutput("r", g.create(op, ids, std::move(attrs)));
  return g;
}

inline TensorType f32(Shape s) { return {DType::F32, std::move(s)}; }
inline TensorType i32(Shape s) { return {DType::I32, std::move(s)}; }
inline TensorType boolean(Shape s) { return {DType::Bool, std::move(s)}; }

// Shapes with awkward sizes, with and without the batch dim.
inline std::vector<Shape> awkwardShapes() { return {Shape{}, Shape{1}, Shape{17}, Shape{kBatch, 7}, Shape{3, kBatch, 7}}; }

} // namespace nnc::codegen::test
