// A fused kernel (Kernel.h) as one loop nest over its domain: each element of
// every node computed in registers from the values before it, stored only
// when the node has a buffer, and reductions accumulated into theirs.
#include "codegen/KernelEmitter.h"

#include "codegen/Codegen.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/Module.h>

#include <map>
#include <optional>
#include <set>

namespace nnc::codegen::detail {

using namespace llvm;
using ir::DType;
using ir::Op;

// The loop domain of fused kernel `k`, after checking that every node is
// element-aligned with it (fuseKernels builds only such kernels; this guards
// hand-made ones).
static ir::Shape fusedDomain(const ir::Graph &g, const Kernel &k) {
  std::set<ir::NodeId> in(k.nodes.begin(), k.nodes.end());
  std::optional<ir::Shape> domain;
  auto fail = [&](ir::NodeId id, const std::string &why) {
    throw CodegenError("codegen: fused kernel node " + std::to_string(id) + " (" + ir::opName(g.node(id).op) + ") " +
                       why);
  };
  for (ir::NodeId id : k.nodes) {
    const ir::Node &n = g.node(id);
    if (foldedConstant(g, id)) continue;
    if (n.op == Op::Transpose && k.isInterior(id)) continue; // a GEMM operand, read transposed in place
    ir::OpCategory cat = ir::opInfo(n.op).category;
    if (cat != ir::OpCategory::Elementwise && cat != ir::OpCategory::Broadcast && !ir::isReduction(n.op) &&
        n.op != Op::MatMul && n.op != Op::Reshape)
      fail(id, "is not elementwise, a broadcast, a reduction, a reshape or a matmul");
    const ir::Shape &s = ir::isReduction(n.op) ? g.type(n.inputs[0]).shape : n.type.shape;
    if (!domain) domain = s;
    if (s != *domain) fail(id, "has shape " + s.str() + ", the kernel's domain is " + domain->str());
    for (ir::NodeId x : n.inputs) {
      if (!in.count(x) || foldedConstant(g, x)) continue;
      if (n.op == Op::Broadcast) fail(id, "broadcasts a value of its own kernel");
      if (n.op == Op::MatMul && !(g.node(x).op == Op::Transpose && k.isInterior(x)))
        fail(id, "multiplies a value of its own kernel");
      if (ir::isReduction(g.node(x).op)) fail(id, "reads a reduction of its own kernel");
    }
    if (ir::isReduction(n.op) && k.isInterior(id)) fail(id, "is a reduction without a buffer");
  }
  return domain.value_or(ir::Shape{});
}

namespace {

// A fused loop over fewer elements than this runs on the calling thread:
// below it, handing chunks to the pool costs more than it saves.
constexpr int64_t kParallelElements = 32768;
// A flat loop is split into blocks of this many elements (whole vectors,
// and no two threads storing into one cache line).
constexpr int64_t kFlatBlock = 64;

// The axis of the domain that threads may split a loop nest over: the
// outermost that no reduction of `k` sums along, so that each result
// element is accumulated by one thread, in the order of the whole loop
// (the results do not depend on the thread count). None when every axis is
// reduced along, or when the domain can never be large enough to split.
std::optional<size_t> parallelAxis(const ir::Graph &g, const Kernel &k, const ir::Shape &domain) {
  int64_t fixed = 1; // the elements per batch row, or all of them
  for (ir::Dim d : domain.dims())
    fixed *= d == ir::kBatch ? 1 : d;
  // With the batch dimension a batch of 128 rows or more, the usual, reaches the threshold.
  if (fixed * (domain.hasBatch() ? 128 : 1) < kParallelElements) return std::nullopt;
  std::vector<bool> reduced(domain.rank(), false);
  for (ir::NodeId id : k.nodes)
    if (ir::isReduction(g.node(id).op))
      for (int64_t ax : g.node(id).attrs.getInts("axes"))
        reduced[static_cast<size_t>(ax)] = true;
  for (size_t a = 0; a < domain.rank(); ++a)
    if (!reduced[a]) return a;
  return std::nullopt;
}

} // namespace

void KernelEmitter::fused(const Kernel &k) {
  const ir::Shape domain = fusedDomain(g, k);
  if (std::optional<ir::NodeId> mm = fusedMatMul(g, k)) return fusedGemm(k, *mm, domain);
  bool nest = false; // broadcasts and reductions need the multi-index
  for (ir::NodeId id : k.nodes)
    nest |= node(id).op == Op::Broadcast || ir::isReduction(node(id).op);
  initReductions(k);
  // The loops over [begin, end) of the split axis (of blocks, when flat).
  auto loops = [&](KernelEmitter &e, std::optional<size_t> axis, Value *begin, Value *end) {
    FusedSteps steps = e.fusedSteps(k, domain);
    if (nest) {
      Values extents = e.dims(domain), domainStrides = e.strides(domain);
      if (axis) extents[*axis] = e.b.CreateSub(end, begin);
      e.loopNest(extents, [&](const Values &at) {
        Values idx = at;
        if (axis) idx[*axis] = e.b.CreateAdd(idx[*axis], begin);
        e.fusedElement(k, steps, e.dot(idx, domainStrides), idx);
      });
    } else if (axis) {
      Value *first = e.b.CreateMul(begin, e.i64(kFlatBlock));
      Value *last = e.b.CreateBinaryIntrinsic(Intrinsic::smin, e.b.CreateMul(end, e.i64(kFlatBlock)), e.numel(domain));
      e.loop(e.b.CreateSub(last, first), [&](Value *i) { e.fusedElement(k, steps, e.b.CreateAdd(first, i), {}); });
    } else {
      e.loop(e.numel(domain), [&](Value *i) { e.fusedElement(k, steps, i, {}); });
    }
  };
  std::optional<size_t> axis = parallelAxis(g, k, domain);
  if (axis && !nest) axis = 0; // blocks of the flat index
  if (!axis) {
    loops(*this, std::nullopt, nullptr, nullptr);
    return finishMeans(k, domain);
  }
  // Large enough to split: chunks of the split axis on the runtime's threads.
  Outlined range = outline("range", 2, {}, [&](KernelEmitter &e, const Values &r) { loops(e, axis, r[0], r[1]); });
  Value *n = nest ? dim(domain[*axis]) : b.CreateUDiv(b.CreateAdd(numel(domain), i64(kFlatBlock - 1)), i64(kFlatBlock));
  Module *m = b.GetInsertBlock()->getModule();
  Type *p = b.getPtrTy();
  FunctionCallee parallelFor = m->getOrInsertFunction("nnc_parallel_for", b.getVoidTy(), b.getInt64Ty(), p, p);
  ifThenElse(
      b.CreateICmpSGE(numel(domain), i64(kParallelElements)),
      [&] {
        b.CreateCall(parallelFor, {n, range.fn, range.context});
      },
      [&] {
        b.CreateCall(range.fn, {range.context, i64(0), n});
      });
  finishMeans(k, domain);
}

KernelEmitter::FusedSteps KernelEmitter::fusedSteps(const Kernel &k, const ir::Shape &domain) {
  FusedSteps steps;
  for (ir::NodeId id : k.nodes) {
    const ir::Node &n = node(id);
    if (n.op == Op::Broadcast) {
      const ir::Shape &from = g.type(n.inputs[0]).shape;
      size_t off = domain.rank() - from.rank();
      Values fromStrides = strides(from), st(domain.rank(), i64(0));
      for (size_t i = 0; i < from.rank(); ++i)
        if (from[i] == domain[off + i]) st[off + i] = fromStrides[i];
      steps[id] = st;
    } else if (ir::isReduction(n.op)) {
      auto axes = n.attrs.getInts("axes");
      ir::Shape kept = domain;
      for (int64_t ax : axes)
        kept[static_cast<size_t>(ax)] = 1;
      Values st = strides(kept);
      for (int64_t ax : axes)
        st[static_cast<size_t>(ax)] = i64(0);
      steps[id] = st;
    }
  }
  return steps;
}

void KernelEmitter::initReductions(const Kernel &k) {
  for (ir::NodeId id : k.nodes) {
    const ir::Node &n = node(id);
    if (!ir::isReduction(n.op)) continue;
    fill(id, reductionStart(n.op, n.type.dtype));
  }
}

void KernelEmitter::fusedElement(const Kernel &k, const FusedSteps &steps, Value *linear, const Values &idx) {
  std::map<ir::NodeId, Value *> vals;
  auto value = [&](ir::NodeId x) -> Value * {
    if (std::optional<double> v = foldedConstant(g, x)) return constantOf(node(x).type.dtype, *v);
    if (auto it = vals.find(x); it != vals.end()) return it->second;
    // Computed before this kernel, element-aligned; loaded once, before any
    // store of this element, since the memory plan may store a value over
    // its operand in place (MemoryPlan.h).
    return vals[x] = load(x, linear);
  };
  for (ir::NodeId id : k.nodes) {
    const ir::Node &n = node(id);
    Value *v = nullptr;
    if (foldedConstant(g, id)) {
      v = value(id);
    } else if (n.op == Op::Transpose) {
      continue; // the GEMM's operand, read in place
    } else if (n.op == Op::MatMul) {
      // The GEMM's product, read once: its buffer may be a later node's.
      vals[id] = load(id, linear);
      continue;
    } else if (n.op == Op::Reshape) {
      v = value(n.inputs[0]); // the same flat element (Fusion.cpp)
    } else if (n.op == Op::Broadcast) {
      ir::NodeId x = n.inputs[0];
      v = foldedConstant(g, x) ? value(x) : load(x, dot(idx, steps.at(id)));
    } else if (ir::isReduction(n.op)) {
      DType t = n.type.dtype;
      Value *o = dot(idx, steps.at(id));
      Value *acc = load(id, o), *x = value(n.inputs[0]);
      Value *r = n.op == Op::ReduceMax   ? maxOf(t, acc, x)
                 : n.op == Op::ReduceMin ? minOf(t, acc, x)
                 : ir::isFloat(t)        ? b.CreateFAdd(acc, x)
                                         : b.CreateAdd(acc, x); // i32 sums wrap, like the interpreter's
      store(id, o, r);
      continue;
    } else {
      bool select = n.op == Op::Select;
      DType in = g.type(n.inputs[select ? 1 : 0]).dtype;
      Values args;
      for (ir::NodeId x : n.inputs)
        args.push_back(value(x));
      if (select) args[0] = isTrue(g.type(n.inputs[0]).dtype, args[0]);
      v = scalarOp(n.op, in, n.type.dtype, args);
    }
    vals[id] = v;
    if (!k.isInterior(id)) store(id, linear, v);
  }
}

void KernelEmitter::finishMeans(const Kernel &k, const ir::Shape &domain) {
  // Means divide once the sums are complete; the mean of nothing is NaN, as 0 / 0 gives.
  for (ir::NodeId id : k.nodes) {
    const ir::Node &n = node(id);
    if (n.op != Op::ReduceMean) continue;
    Value *count = i64(1);
    for (int64_t ax : n.attrs.getInts("axes"))
      count = b.CreateMul(count, dim(domain[static_cast<size_t>(ax)]));
    Value *divisor = b.CreateSIToFP(count, elemType(n.type.dtype));
    loop(numel(n.type.shape), [&](Value *i) { store(id, i, b.CreateFDiv(load(id, i), divisor)); });
  }
}

} // namespace nnc::codegen::detail
