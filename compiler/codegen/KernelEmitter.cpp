// The kernel emitter's shared helpers (shapes, memory, loops) and its one
// switch over ir::Op.
#include "codegen/KernelEmitter.h"

#include "codegen/Codegen.h"

#include <llvm/IR/Function.h>

#include <algorithm>
#include <cmath>

namespace nnc::codegen::detail {

using namespace llvm;
using ir::DType;
using ir::Op;

void KernelEmitter::emitNode(ir::NodeId id) {
  switch (node(id).op) {
  case Op::Input:
  case Op::Param:
    return; // bound by the caller
  case Op::Constant:
    return constant(id);
  case Op::RandomUniform:
  case Op::RandomNormal:
    return random(id);

  case Op::Neg: case Op::Abs: case Op::Sign: case Op::Exp: case Op::Log: case Op::Sqrt: case Op::Tanh:
  case Op::Sin: case Op::Cos: case Op::Floor: case Op::Not: case Op::Cast: case Op::StopGradient:
  case Op::Add: case Op::Sub: case Op::Mul: case Op::Div: case Op::Pow: case Op::Maximum: case Op::Minimum:
  case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::And: case Op::Or:
  case Op::Select:
    return elementwise(id);

  case Op::Broadcast:
    return broadcast(id);
  case Op::ReduceSum:
  case Op::ReduceMax:
  case Op::ReduceMin:
  case Op::ReduceMean:
    return reduce(id);
  case Op::ArgMax:
    return argMax(id);

  case Op::Reshape:
    return copy(id);
  case Op::Transpose:
    return transpose(id);
  case Op::Slice:
    return slice(id);
  case Op::Pad:
    return pad(id);
  case Op::Concat:
    return concat(id);

  case Op::MatMul:
    return matMul(id);
  case Op::Gather:
    return gather(id);
  case Op::OneHot:
    return oneHot(id);

  case Op::Conv2D:
  case Op::Conv2DGradInput:
  case Op::Conv2DGradFilter:
    return conv2d(id);
  case Op::MaxPool2D:
  case Op::AvgPool2D:
  case Op::MaxPool2DGrad:
  case Op::AvgPool2DGrad:
    return pool2d(id);
  case Op::ScatterAdd:
    return scatterAdd(id);
  }
  throw CodegenError("codegen: unknown op");
}

Type *KernelEmitter::elemType(DType t) {
  switch (t) {
  case DType::F32:
    return b.getFloatTy();
  case DType::F64:
    return b.getDoubleTy();
  case DType::I32:
    return b.getInt32Ty();
  case DType::Bool:
    return b.getInt8Ty();
  }
  return b.getInt8Ty();
}

Constant *KernelEmitter::constantOf(DType t, double v) {
  switch (t) {
  case DType::F32:
    return ConstantFP::get(b.getFloatTy(), v);
  case DType::F64:
    return ConstantFP::get(b.getDoubleTy(), v);
  case DType::I32: {
    // The interpreter's castTo: truncate toward zero, saturate, NaN is 0.
    double c = std::isnan(v) ? 0.0 : std::clamp(std::trunc(v), -2147483648.0, 2147483647.0);
    return b.getInt32(static_cast<uint32_t>(static_cast<int32_t>(c)));
  }
  case DType::Bool:
    return b.getInt8(v != 0 ? 1 : 0);
  }
  return b.getInt8(0);
}

Values KernelEmitter::dims(const ir::Shape &s) {
  Values out;
  for (ir::Dim d : s.dims())
    out.push_back(dim(d));
  return out;
}

Value *KernelEmitter::product(const ir::Shape &s, size_t from, size_t to) {
  Value *p = i64(1);
  for (size_t i = from; i < to; ++i)
    p = b.CreateMul(p, dim(s[i]));
  return p;
}

Value *KernelEmitter::numel(const ir::Shape &s) { return product(s, 0, s.rank()); }

Values KernelEmitter::strides(const ir::Shape &s) {
  Values st(s.rank(), i64(1));
  for (size_t i = s.rank(); i-- > 1;)
    st[i - 1] = b.CreateMul(st[i], dim(s[i]));
  return st;
}

Value *KernelEmitter::dot(const Values &idx, const Values &steps) {
  Value *s = i64(0);
  for (size_t i = 0; i < idx.size(); ++i)
    s = b.CreateAdd(s, b.CreateMul(idx[i], steps[i]));
  return s;
}

Value *KernelEmitter::ptr(ir::NodeId id, Value *index) {
  return b.CreateInBoundsGEP(elemType(node(id).type.dtype), bufs_.at(id), index);
}

Value *KernelEmitter::load(ir::NodeId id, Value *index) {
  return b.CreateLoad(elemType(node(id).type.dtype), ptr(id, index));
}

void KernelEmitter::store(ir::NodeId id, Value *index, Value *v) { b.CreateStore(v, ptr(id, index)); }

AllocaInst *KernelEmitter::slot(Type *t) {
  BasicBlock &entry = b.GetInsertBlock()->getParent()->getEntryBlock();
  IRBuilder<> tmp(&entry, entry.begin());
  return tmp.CreateAlloca(t);
}

void KernelEmitter::loop(Value *n, const std::function<void(Value *)> &body) {
  Function *f = b.GetInsertBlock()->getParent();
  LLVMContext &ctx = b.getContext();
  BasicBlock *pre = b.GetInsertBlock();
  BasicBlock *head = BasicBlock::Create(ctx, "loop", f);
  BasicBlock *bodyBB = BasicBlock::Create(ctx, "body", f);
  BasicBlock *exit = BasicBlock::Create(ctx, "exit", f);
  b.CreateBr(head);
  b.SetInsertPoint(head);
  PHINode *i = b.CreatePHI(b.getInt64Ty(), 2, "i");
  i->addIncoming(i64(0), pre);
  b.CreateCondBr(b.CreateICmpSLT(i, n), bodyBB, exit);
  b.SetInsertPoint(bodyBB);
  body(i);
  // i < n <= INT64_MAX, so the increment cannot wrap.
  Value *next = b.CreateAdd(i, i64(1), "", /*HasNUW=*/true, /*HasNSW=*/true);
  i->addIncoming(next, b.GetInsertBlock());
  b.CreateBr(head);
  b.SetInsertPoint(exit);
}

void KernelEmitter::loopNest(const Values &extents, const std::function<void(const Values &)> &body) {
  Values idx;
  std::function<void(size_t)> level = [&](size_t d) {
    if (d == extents.size()) return body(idx);
    loop(extents[d], [&](Value *i) {
      idx.push_back(i);
      level(d + 1);
      idx.pop_back();
    });
  };
  level(0);
}

void KernelEmitter::ifThenElse(Value *cond, const std::function<void()> &then, const std::function<void()> &otherwise) {
  Function *f = b.GetInsertBlock()->getParent();
  LLVMContext &ctx = b.getContext();
  BasicBlock *thenBB = BasicBlock::Create(ctx, "then", f);
  BasicBlock *elseBB = BasicBlock::Create(ctx, "else", f);
  BasicBlock *join = BasicBlock::Create(ctx, "join", f);
  b.CreateCondBr(cond, thenBB, elseBB);
  b.SetInsertPoint(thenBB);
  then();
  b.CreateBr(join);
  b.SetInsertPoint(elseBB);
  otherwise();
  b.CreateBr(join);
  b.SetInsertPoint(join);
}

void KernelEmitter::fill(ir::NodeId dst, Value *v) {
  loop(numel(node(dst).type.shape), [&](Value *i) { store(dst, i, v); });
}

void KernelEmitter::stridedCopy(ir::NodeId dst, ir::NodeId src, Value *base, const Values &steps) {
  const ir::Shape &out = node(dst).type.shape;
  Values outStrides = strides(out);
  loopNest(dims(out), [&](const Values &idx) {
    store(dst, dot(idx, outStrides), load(src, b.CreateAdd(base, dot(idx, steps))));
  });
}

} // namespace nnc::codegen::detail
