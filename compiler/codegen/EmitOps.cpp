// Loop nests for the elementwise, broadcast, reduction and layout ops. Most
// layout ops are one strided copy: each result element reads the operand at
// base + <index, steps>, as in the interpreter.
#include "codegen/KernelEmitter.h"

#include <llvm/IR/Function.h>
#include <llvm/IR/Module.h>

#include <set>

namespace nnc::codegen::detail {

using namespace llvm;
using ir::DType;
using ir::Op;

// The runtime's array function (nnc/vmath.h) for a float unary op LLVM
// cannot vectorize itself (it would call libm per element), or nullptr.
static const char *vectorMathFunction(const ir::Node &n, DType in) {
  if (n.type.dtype != DType::F32 || in != DType::F32) return nullptr;
  switch (n.op) {
  case Op::Exp:
    return "nnc_vexp_f32";
  case Op::Log:
    return "nnc_vlog_f32";
  case Op::Tanh:
    return "nnc_vtanh_f32";
  default:
    return nullptr;
  }
}

void KernelEmitter::elementwise(ir::NodeId id) {
  const ir::Node &n = node(id);
  if (const char *fn = vectorMathFunction(n, g.type(n.inputs[0]).dtype)) {
    llvm::Module *m = b.GetInsertBlock()->getModule();
    llvm::Type *ptrTy = llvm::PointerType::getUnqual(m->getContext());
    llvm::FunctionCallee f = m->getOrInsertFunction(fn, b.getVoidTy(), ptrTy, ptrTy, b.getInt64Ty());
    b.CreateCall(f, {ptr(n.inputs[0], i64(0)), ptr(id, i64(0)), numel(n.type.shape)});
    return;
  }
  bool select = n.op == Op::Select;
  // Select's condition is bool; its other operands carry the data type.
  DType in = g.type(n.inputs[select ? 1 : 0]).dtype;
  loop(numel(n.type.shape), [&](Value *i) {
    Values args;
    for (ir::NodeId x : n.inputs)
      args.push_back(load(x, i));
    if (select) args[0] = isTrue(g.type(n.inputs[0]).dtype, args[0]);
    store(id, i, scalarOp(n.op, in, n.type.dtype, args));
  });
}

void KernelEmitter::broadcast(ir::NodeId id) {
  const ir::Shape &in = g.type(operand(id, 0)).shape, &out = node(id).type.shape;
  size_t off = out.rank() - in.rank();
  Values inStrides = strides(in), steps(out.rank(), i64(0));
  // Operand dims align right; a size-1 dim that expands reads the same element.
  for (size_t i = 0; i < in.rank(); ++i)
    if (in[i] == out[off + i]) steps[off + i] = inStrides[i];
  stridedCopy(id, operand(id, 0), i64(0), steps);
}

void KernelEmitter::reduce(ir::NodeId id) {
  const ir::Node &n = node(id);
  ir::NodeId x = n.inputs[0];
  const ir::Shape &in = g.type(x).shape;
  DType t = n.type.dtype;
  auto axesList = n.attrs.getInts("axes");
  std::set<int64_t> axes(axesList.begin(), axesList.end());

  // The result position of each operand element is <index, steps>, steps 0
  // along the reduced axes; keeping them as size 1 or dropping them gives the
  // same row-major layout.
  ir::Shape kept = in;
  for (int64_t ax : axes)
    kept[static_cast<size_t>(ax)] = 1;
  Values steps = strides(kept);
  for (int64_t ax : axes)
    steps[static_cast<size_t>(ax)] = i64(0);

  bool fp = ir::isFloat(t);
  fill(id, reductionStart(n.op, t));

  Values inStrides = strides(in);
  loopNest(dims(in), [&](const Values &idx) {
    Value *o = dot(idx, steps);
    Value *acc = load(id, o), *v = load(x, dot(idx, inStrides));
    Value *r = n.op == Op::ReduceMax   ? maxOf(t, acc, v)
               : n.op == Op::ReduceMin ? minOf(t, acc, v)
               : fp                    ? b.CreateFAdd(acc, v)
                                       : b.CreateAdd(acc, v); // i32 sums wrap, like the interpreter's
    store(id, o, r);
  });
  if (n.op != Op::ReduceMean) return;

  // The mean of nothing is NaN, as 0 / 0 gives.
  Value *count = i64(1);
  for (int64_t ax : axes)
    count = b.CreateMul(count, dim(in[static_cast<size_t>(ax)]));
  Value *divisor = b.CreateSIToFP(count, elemType(t));
  loop(numel(n.type.shape), [&](Value *i) { store(id, i, b.CreateFDiv(load(id, i), divisor)); });
}

void KernelEmitter::argMax(ir::NodeId id) {
  const ir::Node &n = node(id);
  ir::NodeId x = n.inputs[0];
  const ir::Shape &in = g.type(x).shape;
  DType t = g.type(x).dtype;
  bool fp = ir::isFloat(t);
  auto axis = static_cast<size_t>(n.attrs.getInt("axis"));
  Value *outer = product(in, 0, axis), *len = dim(in[axis]), *inner = product(in, axis + 1, in.rank());

  // Two passes, so that no long chain of dependent instructions runs along
  // the axis: the maximum (one max per element, the only carried value),
  // and whether a NaN occurs; then, backwards, the first index holding the
  // maximum, or the first NaN, which counts as the maximum. That is the
  // first index whose value no later one strictly exceeds, as in the
  // interpreter. (One pass, carrying the best value and its index through
  // an ordered compare, took about 15 cycles an element.)
  AllocaInst *best = slot(elemType(t)), *sawNaN = slot(b.getInt1Ty()), *bestAt = slot(b.getInt64Ty());
  loopNest({outer, inner}, [&](const Values &oi) {
    Value *base = b.CreateAdd(b.CreateMul(b.CreateMul(oi[0], len), inner), oi[1]);
    auto at = [&](Value *k) { return load(x, b.CreateAdd(base, b.CreateMul(k, inner))); };
    // From the lowest value rather than the first element, which an empty
    // axis lacks: a row of lowest values still finds its first element.
    b.CreateStore(constantOf(t, -INFINITY), best);
    b.CreateStore(b.getFalse(), sawNaN);
    loop(len, [&](Value *k) {
      Value *v = at(k), *cur = b.CreateLoad(elemType(t), best);
      b.CreateStore(b.CreateSelect(fp ? b.CreateFCmpOGT(v, cur) : b.CreateICmpSGT(v, cur), v, cur), best);
      if (fp) b.CreateStore(b.CreateOr(b.CreateLoad(b.getInt1Ty(), sawNaN), b.CreateFCmpUNO(v, v)), sawNaN);
    });
    Value *max = b.CreateLoad(elemType(t), best), *anyNaN = b.CreateLoad(b.getInt1Ty(), sawNaN);
    b.CreateStore(i64(0), bestAt);
    loop(len, [&](Value *j) {
      Value *k = b.CreateSub(b.CreateSub(len, i64(1)), j), *v = at(k);
      Value *hit = fp ? b.CreateSelect(anyNaN, b.CreateFCmpUNO(v, v), b.CreateFCmpOEQ(v, max)) : b.CreateICmpEQ(v, max);
      b.CreateStore(b.CreateSelect(hit, k, b.CreateLoad(b.getInt64Ty(), bestAt)), bestAt);
    });
    Value *o = b.CreateAdd(b.CreateMul(oi[0], inner), oi[1]);
    store(id, o, b.CreateTrunc(b.CreateLoad(b.getInt64Ty(), bestAt), b.getInt32Ty()));
  });
}

void KernelEmitter::copy(ir::NodeId id) {
  // Row-major data does not move; a later memory plan can make this an alias.
  ir::NodeId x = operand(id, 0);
  loop(numel(node(id).type.shape), [&](Value *i) { store(id, i, load(x, i)); });
}

void KernelEmitter::transpose(ir::NodeId id) {
  ir::NodeId x = operand(id, 0);
  Values inStrides = strides(g.type(x).shape), steps;
  for (int64_t p : node(id).attrs.getInts("perm"))
    steps.push_back(inStrides[static_cast<size_t>(p)]); // result dim i is operand dim perm[i]
  stridedCopy(id, x, i64(0), steps);
}

void KernelEmitter::slice(ir::NodeId id) {
  ir::NodeId x = operand(id, 0);
  auto begin = node(id).attrs.getInts("begin"), stride = node(id).attrs.getInts("stride");
  Values inStrides = strides(g.type(x).shape), steps;
  Value *base = i64(0);
  // The batch axis has begin 0 and stride 1, so the same formula covers it.
  for (size_t i = 0; i < inStrides.size(); ++i) {
    base = b.CreateAdd(base, b.CreateMul(i64(begin[i]), inStrides[i]));
    steps.push_back(b.CreateMul(i64(stride[i]), inStrides[i]));
  }
  stridedCopy(id, x, base, steps);
}

void KernelEmitter::pad(ir::NodeId id) {
  const ir::Node &n = node(id);
  ir::NodeId x = n.inputs[0];
  fill(id, constantOf(n.type.dtype, n.attrs.getFloat("value", 0.0)));
  auto lo = n.attrs.getInts("lo");
  Values outStrides = strides(n.type.shape);
  Value *base = i64(0);
  for (size_t i = 0; i < lo.size(); ++i)
    base = b.CreateAdd(base, b.CreateMul(i64(lo[i]), outStrides[i]));
  const ir::Shape &in = g.type(x).shape;
  Values inStrides = strides(in);
  loopNest(dims(in), [&](const Values &idx) {
    store(id, b.CreateAdd(base, dot(idx, outStrides)), load(x, dot(idx, inStrides)));
  });
}

void KernelEmitter::concat(ir::NodeId id) {
  const ir::Node &n = node(id);
  const ir::Shape &out = n.type.shape;
  auto axis = static_cast<size_t>(n.attrs.getInt("axis"));
  Value *outer = product(out, 0, axis), *inner = product(out, axis + 1, out.rank());
  Value *outBlock = b.CreateMul(dim(out[axis]), inner);
  // Each operand contributes a block of shape[axis] * inner elements per outer index.
  Value *offset = i64(0);
  for (ir::NodeId x : n.inputs) {
    Value *block = b.CreateMul(dim(g.type(x).shape[axis]), inner);
    loopNest({outer, block}, [&](const Values &oj) {
      Value *dst = b.CreateAdd(b.CreateAdd(b.CreateMul(oj[0], outBlock), offset), oj[1]);
      store(id, dst, load(x, b.CreateAdd(b.CreateMul(oj[0], block), oj[1])));
    });
    offset = b.CreateAdd(offset, block);
  }
}

} // namespace nnc::codegen::detail
