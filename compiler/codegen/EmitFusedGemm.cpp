// A fused kernel with a matmul (Kernel.h): one nnc_sgemm_ex call whose
// epilogue computes the kernel's other nodes on each block of the product
// as the GEMM finishes it, while the block is in cache: dense layers' bias
// and activation, the activation's mask in backprop and the bias gradient's
// sum over the batch, without a pass over the product in memory.
//
// The epilogue is an LLVM function of (ctx, i0, i1, j0, j1): ctx holds the
// batch and the kernel's buffers; it runs the fused loop's element code
// (fusedElement) over the block. The runtime may call it from several
// threads; a reduction along axis 0 (1) asks it to keep each column (row)
// on one thread, where blocks arrive in row (column) order, so sums add in
// the order of the unfused loop, bit for bit.
#include "codegen/KernelEmitter.h"

#include "codegen/Codegen.h"
#include "nnc/gemm.h"

#include <llvm/IR/Module.h>

namespace nnc::codegen::detail {

using namespace llvm;
using ir::Op;

namespace {

bool isReduction(Op op) {
  return op == Op::ReduceSum || op == Op::ReduceMax || op == Op::ReduceMin || op == Op::ReduceMean;
}

} // namespace

void KernelEmitter::fusedGemm(const Kernel &k, ir::NodeId mm, const ir::Shape &domain) {
  const ir::Node &n = node(mm);
  std::optional<ir::NodeId> dest = gemmDestination(g, k);
  if (n.type.dtype != ir::DType::F32 || domain.rank() != 2 || g.type(n.inputs[0]).shape.rank() != 2 || !dest)
    throw CodegenError("codegen: fused matmul node " + std::to_string(mm) +
                       " is not an f32 matrix product with a buffer for its result");
  // An operand transposed in the kernel is read in place, transposed.
  auto stored = [&](ir::NodeId x, int &trans) {
    trans = node(x).op == Op::Transpose && k.isInterior(x);
    return trans ? node(x).inputs[0] : x;
  };
  int transA = 0, transB = 0;
  ir::NodeId a = stored(n.inputs[0], transA), w = stored(n.inputs[1], transB);
  int keep = 0;
  bool work = false; // anything for an epilogue to do
  for (ir::NodeId id : k.nodes) {
    const ir::Node &u = node(id);
    if (u.op == Op::Transpose && id != n.inputs[0] && id != n.inputs[1])
      throw CodegenError("codegen: fused transpose node " + std::to_string(id) + " is not an operand of the GEMM");
    work |= u.op != Op::Transpose && u.op != Op::MatMul;
    if (!isReduction(u.op)) continue;
    for (int64_t ax : u.attrs.getInts("axes")) keep |= ax == 0 ? NNC_GEMM_KEEP_COLUMNS : NNC_GEMM_KEEP_ROWS;
  }
  const ir::Shape &xs = g.type(n.inputs[0]).shape;
  Value *rows = dim(xs[0]), *inner = dim(xs[1]), *cols = dim(domain[1]);
  Value *lda = dim(g.type(a).shape[1]), *ldb = dim(g.type(w).shape[1]);
  Module *m = b.GetInsertBlock()->getModule();
  Type *i32 = b.getInt32Ty(), *f32 = b.getFloatTy(), *i64T = b.getInt64Ty(), *p = b.getPtrTy();
  FunctionCallee sgemm = m->getOrInsertFunction("nnc_sgemm_ex", b.getVoidTy(), i32, i32, i64T, i64T, i64T, f32, p,
                                                i64T, p, i64T, f32, p, i64T, p, p, i32);
  auto call = [&](Value *epilogue, Value *context) {
    b.CreateCall(sgemm, {b.getInt32(transA), b.getInt32(transB), rows, cols, inner, ConstantFP::get(f32, 1.0),
                         ptr(a, i64(0)), lda, ptr(w, i64(0)), ldb, ConstantFP::get(f32, 0.0), ptr(*dest, i64(0)), cols,
                         epilogue, context, b.getInt32(keep)});
  };
  if (!work) return call(ConstantPointerNull::get(b.getPtrTy()), ConstantPointerNull::get(b.getPtrTy()));

  Function *kernel = b.GetInsertBlock()->getParent();
  LLVMContext &ctx = b.getContext();
  // The context: the batch, then the kernel's buffers in node order.
  std::vector<ir::NodeId> ids;
  for (const auto &[id, buf] : bufs_) ids.push_back(id);
  StructType *ctxTy = StructType::get(ctx, {i64T, ArrayType::get(p, ids.size())});
  auto bufferSlot = [&](IRBuilder<> &at, Value *c, size_t i) {
    return at.CreateInBoundsGEP(ctxTy, c, {at.getInt32(0), at.getInt32(1), at.getInt64(i)});
  };

  // The block's element code, over buffers marked noalias (as a kernel's
  // are), inlined into the epilogue that unpacks the context.
  std::vector<Type *> params(5, i64T); // batch, i0, i1, j0, j1
  params.insert(params.end(), ids.size(), p);
  Function *body = Function::Create(FunctionType::get(b.getVoidTy(), params, false), GlobalValue::InternalLinkage,
                                    kernel->getName() + "_block", m);
  // The kernel's function attributes (its target), not its parameters'.
  AttrBuilder fnAttrs(ctx, kernel->getAttributes().getFnAttrs());
  body->addFnAttrs(fnAttrs);
  body->removeFnAttr(Attribute::NoInline);
  body->addFnAttr(Attribute::AlwaysInline);
  {
    std::map<ir::NodeId, Value *> bufs;
    for (size_t i = 0; i < ids.size(); ++i) {
      Argument *arg = body->getArg(static_cast<unsigned>(5 + i));
      arg->addAttr(Attribute::NoAlias);
      bufs[ids[i]] = arg;
    }
    // An interior product lives in its destination's buffer until read.
    if (k.isInterior(mm)) bufs[mm] = bufs.at(*dest);
    IRBuilder<> bb(BasicBlock::Create(ctx, "entry", body));
    KernelEmitter e(bb, g, body->getArg(0), std::move(bufs));
    Value *i0 = body->getArg(1), *i1 = body->getArg(2), *j0 = body->getArg(3), *j1 = body->getArg(4);
    FusedSteps steps = e.fusedSteps(k, domain);
    Values domainStrides = e.strides(domain);
    e.loop(bb.CreateSub(i1, i0), [&](Value *r) {
      Value *i = bb.CreateAdd(i0, r);
      e.loop(bb.CreateSub(j1, j0), [&](Value *c) {
        Values idx{i, bb.CreateAdd(j0, c)};
        e.fusedElement(k, steps, e.dot(idx, domainStrides), idx);
      });
    });
    bb.CreateRetVoid();
  }

  Function *epilogue = Function::Create(FunctionType::get(b.getVoidTy(), {p, i64T, i64T, i64T, i64T}, false),
                                        GlobalValue::InternalLinkage, kernel->getName() + "_epilogue", m);
  epilogue->addFnAttrs(fnAttrs);
  {
    IRBuilder<> eb(BasicBlock::Create(ctx, "entry", epilogue));
    Value *c = epilogue->getArg(0);
    std::vector<Value *> args{eb.CreateLoad(i64T, eb.CreateStructGEP(ctxTy, c, 0))};
    for (unsigned a = 1; a < 5; ++a) args.push_back(epilogue->getArg(a));
    for (size_t i = 0; i < ids.size(); ++i)
      args.push_back(eb.CreateLoad(p, bufferSlot(eb, c, i)));
    eb.CreateCall(body, args);
    eb.CreateRetVoid();
  }

  initReductions(k);
  AllocaInst *context = slot(ctxTy);
  b.CreateStore(batch, b.CreateStructGEP(ctxTy, context, 0));
  for (size_t i = 0; i < ids.size(); ++i)
    b.CreateStore(bufs_.at(ids[i]), bufferSlot(b, context, i));
  call(epilogue, context);
  finishMeans(k, domain);
}

} // namespace nnc::codegen::detail
