// Private to codegen: the state and helpers shared by the per-op emitters,
// which write the loop nest of one IR node into the current kernel function.
#pragma once

#include "codegen/Kernel.h"
#include "ir/Graph.h"

#include <llvm/IR/IRBuilder.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace nnc::codegen::detail {

using Values = std::vector<llvm::Value *>;

class KernelEmitter {
public:
  KernelEmitter(llvm::IRBuilder<> &b, const ir::Graph &g, llvm::Value *batch, std::map<ir::NodeId, llvm::Value *> bufs)
      : b(b), g(g), batch(batch), bufs_(std::move(bufs)) {}

  // Emits the loops computing node `id` into its buffer. CodegenError for
  // ops codegen does not support.
  void emitNode(ir::NodeId id);
  // Emits fused kernel `k` as one loop nest (EmitFused.cpp); CodegenError
  // when its nodes are not element-aligned over one domain.
  void fused(const Kernel &k);

  // The pieces of a fused kernel's loop nest (EmitFused.cpp), which a fused
  // GEMM runs as its epilogue (EmitFusedGemm.cpp). Per broadcast and
  // reduction: the steps from the domain's multi-index to its operand's
  // element or its result's.
  using FusedSteps = std::map<ir::NodeId, Values>;
  FusedSteps fusedSteps(const Kernel &k, const ir::Shape &domain);
  // Fills the reductions' buffers with their identities.
  void initReductions(const Kernel &k);
  // Every node of `k` at one element of the domain: its linear index and
  // (with broadcasts or reductions) its multi-index.
  void fusedElement(const Kernel &k, const FusedSteps &steps, llvm::Value *linear, const Values &idx);
  // Divides the means' sums by their counts.
  void finishMeans(const Kernel &k, const ir::Shape &domain);
  // Fused kernel `k` with matmul `mm`: nnc_sgemm_ex with the kernel's other
  // nodes as its epilogue, an LLVM function over blocks of the domain.
  void fusedGemm(const Kernel &k, ir::NodeId mm, const ir::Shape &domain);

  // A loop body outlined from the current kernel for the runtime to call
  // back (EmitOutlined.cpp): `fn` is void(ptr ctx, i64 x nArgs); `context`,
  // filled here in the kernel, is the ctx to pass it. `body` emits the loops
  // with its own emitter over the kernel's buffers (each node in `aliases`
  // reading its holder's), given the nArgs values.
  struct Outlined {
    llvm::Function *fn;
    llvm::Value *context;
  };
  Outlined outline(const std::string &suffix, unsigned nArgs, const std::map<ir::NodeId, ir::NodeId> &aliases,
                   const std::function<void(KernelEmitter &, const Values &)> &body);

  llvm::IRBuilder<> &b;
  const ir::Graph &g;
  llvm::Value *batch; // i64

  // --- Types and constants ---
  llvm::Type *elemType(ir::DType t);
  llvm::Value *i64(int64_t v) { return b.getInt64(static_cast<uint64_t>(v)); }
  // `v` as a constant of dtype t, converted like the interpreter's castTo.
  llvm::Constant *constantOf(ir::DType t, double v);
  // What reduction `op` starts from: 0, or the lowest (highest) value of t
  // for a maximum (minimum), -inf or INT32_MIN as constantOf saturates.
  llvm::Constant *reductionStart(ir::Op op, ir::DType t) {
    return constantOf(t, op == ir::Op::ReduceMax ? -INFINITY : op == ir::Op::ReduceMin ? INFINITY : 0.0);
  }

  // --- Shapes, with the batch dim bound to `batch` ---
  llvm::Value *dim(ir::Dim d) { return d == ir::kBatch ? batch : i64(d); }
  Values dims(const ir::Shape &s);
  llvm::Value *numel(const ir::Shape &s);
  llvm::Value *product(const ir::Shape &s, size_t from, size_t to); // dims [from, to)
  Values strides(const ir::Shape &s);                               // row-major
  llvm::Value *dot(const Values &idx, const Values &steps);

  // --- Memory ---
  llvm::Value *load(ir::NodeId id, llvm::Value *index);
  void store(ir::NodeId id, llvm::Value *index, llvm::Value *v);
  llvm::Value *ptr(ir::NodeId id, llvm::Value *index); // &buffer[index]
  // A stack slot in the function's entry block, so SROA promotes it.
  llvm::AllocaInst *slot(llvm::Type *t);

  // --- Control flow ---
  // for (i = 0; i < n; ++i) body(i)
  void loop(llvm::Value *n, const std::function<void(llvm::Value *)> &body);
  // Nested loops over `extents`, outermost first; rank 0 runs body once.
  void loopNest(const Values &extents, const std::function<void(const Values &)> &body);
  void ifThenElse(llvm::Value *cond, const std::function<void()> &then, const std::function<void()> &otherwise);
  // for (i < numel(type(dst))) dst[i] = v
  void fill(ir::NodeId dst, llvm::Value *v);

  // --- Scalars (EmitScalar.cpp) ---
  // `v` of dtype `from` converted to `to` with the interpreter's cast rules.
  llvm::Value *convert(llvm::Value *v, ir::DType from, ir::DType to);
  // One elementwise op on scalars: operands of dtype `in`, result of `out`.
  llvm::Value *scalarOp(ir::Op op, ir::DType in, ir::DType out, const Values &args);
  // The interpreter's NaN-propagating maximum / minimum (x, y of dtype t).
  llvm::Value *maxOf(ir::DType t, llvm::Value *x, llvm::Value *y);
  llvm::Value *minOf(ir::DType t, llvm::Value *x, llvm::Value *y);
  llvm::Value *isTrue(ir::DType t, llvm::Value *v); // v != 0 as i1

  // --- Per-category emitters (EmitOps.cpp, EmitOpaque.cpp) ---
  void elementwise(ir::NodeId id);
  void broadcast(ir::NodeId id);
  void reduce(ir::NodeId id);
  void argMax(ir::NodeId id);
  void copy(ir::NodeId id); // reshape
  void transpose(ir::NodeId id);
  void slice(ir::NodeId id);
  void pad(ir::NodeId id);
  void concat(ir::NodeId id);
  void constant(ir::NodeId id);
  void random(ir::NodeId id);
  void matMul(ir::NodeId id);
  void gather(ir::NodeId id);
  void oneHot(ir::NodeId id);
  void scatterAdd(ir::NodeId id);
  // Tells the runtime (nnc_index_error) that node `id` met `index` outside
  // [0, bound), naming the node's op and .nn source.
  void reportBadIndex(ir::NodeId id, llvm::Value *index, llvm::Value *bound);
  // Calls into the runtime (nnc/conv.h): conv2d and its two adjoints; the
  // pools and their adjoints.
  void conv2d(ir::NodeId id);
  void pool2d(ir::NodeId id);

  const ir::Node &node(ir::NodeId id) const { return g.node(id); }
  ir::NodeId operand(ir::NodeId id, size_t i) const { return g.node(id).inputs.at(i); }

private:
  // An nnc_window2d on the stack for a forward op with input shape x, result
  // shape y, a kh x kw window and the stride / pad attributes of `a`.
  llvm::Value *window2d(const ir::Shape &x, const ir::Shape &y, int64_t kh, int64_t kw, const ir::Attrs &a);

  // Writes dst[k] = src[base + <idx, steps>] over dst's multi-index idx.
  void stridedCopy(ir::NodeId dst, ir::NodeId src, llvm::Value *base, const Values &steps);

  std::map<ir::NodeId, llvm::Value *> bufs_;
};

// Names of the runtime functions generated code calls, and their addresses
// for the JIT (RuntimeSymbols.cpp).
struct RuntimeSymbol {
  const char *name;
  void *address;
};
std::vector<RuntimeSymbol> runtimeSymbols();

} // namespace nnc::codegen::detail
