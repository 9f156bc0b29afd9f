// Loop bodies outlined from a kernel for the runtime to call back: a GEMM's
// epilogue (nnc_sgemm_ex) and a fused loop's range (nnc_parallel_for).
//
// The runtime calls fn(ctx, i64 args...), where ctx, on the kernel's stack,
// holds the batch and the kernel's distinct buffer pointers. fn loads them
// and calls the body, a function of (batch, args..., buffers...) whose
// pointers are marked noalias as a kernel's are (one per storage, so the
// mark stays true where the memory plan stores a value over its operand),
// inlined into fn: the loops see unaliased buffers and vectorize as the
// kernel's own would.
#include "codegen/KernelEmitter.h"

#include <llvm/IR/Module.h>

#include <algorithm>

namespace nnc::codegen::detail {

using namespace llvm;

KernelEmitter::Outlined KernelEmitter::outline(const std::string &suffix, unsigned nArgs,
                                               const std::map<ir::NodeId, ir::NodeId> &aliases,
                                               const std::function<void(KernelEmitter &, const Values &)> &body) {
  Function *kernel = b.GetInsertBlock()->getParent();
  Module *m = kernel->getParent();
  LLVMContext &ctx = b.getContext();
  Type *i64T = b.getInt64Ty(), *p = b.getPtrTy();

  // The distinct pointers of the kernel's buffers, and which nodes each holds.
  std::vector<Value *> pointers;
  std::vector<std::vector<ir::NodeId>> holds;
  for (const auto &[id, buf] : bufs_) {
    auto it = std::find(pointers.begin(), pointers.end(), buf);
    if (it == pointers.end()) {
      pointers.push_back(buf);
      holds.emplace_back();
      it = pointers.end() - 1;
    }
    holds[static_cast<size_t>(it - pointers.begin())].push_back(id);
  }
  StructType *ctxTy = StructType::get(ctx, {i64T, ArrayType::get(p, pointers.size())});
  auto pointerSlot = [&](IRBuilder<> &at, Value *c, size_t i) {
    return at.CreateInBoundsGEP(ctxTy, c, {at.getInt32(0), at.getInt32(1), at.getInt64(i)});
  };
  // The kernel's function attributes (its target), not its parameters'.
  AttrBuilder fnAttrs(ctx, kernel->getAttributes().getFnAttrs());

  std::vector<Type *> params(1 + nArgs, i64T);
  params.insert(params.end(), pointers.size(), p);
  Function *inner = Function::Create(FunctionType::get(b.getVoidTy(), params, false), GlobalValue::InternalLinkage,
                                     kernel->getName() + "_" + suffix + "_body", m);
  inner->addFnAttrs(fnAttrs);
  inner->removeFnAttr(Attribute::NoInline);
  inner->addFnAttr(Attribute::AlwaysInline);
  {
    std::map<ir::NodeId, Value *> bufs;
    for (size_t i = 0; i < pointers.size(); ++i) {
      Argument *arg = inner->getArg(static_cast<unsigned>(1 + nArgs + i));
      arg->addAttr(Attribute::NoAlias);
      for (ir::NodeId id : holds[i]) bufs[id] = arg;
    }
    for (const auto &[id, holder] : aliases) bufs[id] = bufs.at(holder);
    IRBuilder<> bb(BasicBlock::Create(ctx, "entry", inner));
    KernelEmitter e(bb, g, inner->getArg(0), std::move(bufs));
    Values args;
    for (unsigned a = 0; a < nArgs; ++a) args.push_back(inner->getArg(1 + a));
    body(e, args);
    bb.CreateRetVoid();
  }

  std::vector<Type *> outerParams{p};
  outerParams.insert(outerParams.end(), nArgs, i64T);
  Function *outer = Function::Create(FunctionType::get(b.getVoidTy(), outerParams, false),
                                     GlobalValue::InternalLinkage, kernel->getName() + "_" + suffix, m);
  outer->addFnAttrs(fnAttrs);
  {
    IRBuilder<> ob(BasicBlock::Create(ctx, "entry", outer));
    Value *c = outer->getArg(0);
    std::vector<Value *> args{ob.CreateLoad(i64T, ob.CreateStructGEP(ctxTy, c, 0))};
    for (unsigned a = 0; a < nArgs; ++a) args.push_back(outer->getArg(1 + a));
    for (size_t i = 0; i < pointers.size(); ++i)
      args.push_back(ob.CreateLoad(p, pointerSlot(ob, c, i)));
    ob.CreateCall(inner, args);
    ob.CreateRetVoid();
  }

  AllocaInst *context = slot(ctxTy);
  b.CreateStore(batch, b.CreateStructGEP(ctxTy, context, 0));
  for (size_t i = 0; i < pointers.size(); ++i)
    b.CreateStore(pointers[i], pointerSlot(b, context, i));
  return {outer, context};
}

} // namespace nnc::codegen::detail
