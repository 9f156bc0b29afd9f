// A fused kernel with a matmul (Kernel.h): one nnc_sgemm_ex call whose
// epilogue computes the kernel's other nodes on each block of the product
// as the GEMM finishes it, while the block is in cache: dense layers' bias
// and activation, the activation's mask in backprop and the bias gradient's
// sum over the batch, without a pass over the product in memory.
//
// The epilogue is an LLVM function of (ctx, i0, i1, j0, j1) (EmitOutlined.cpp):
// it runs the fused loop's element code (fusedElement) over the block. The runtime may call it from several
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
    if (!ir::isReduction(u.op)) continue;
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

  // An interior product lives in its destination's buffer until read.
  std::map<ir::NodeId, ir::NodeId> aliases;
  if (k.isInterior(mm)) aliases[mm] = *dest;
  initReductions(k);
  Outlined epilogue = outline("epilogue", 4, aliases, [&](KernelEmitter &e, const Values &block) {
    Value *i0 = block[0], *i1 = block[1], *j0 = block[2], *j1 = block[3];
    FusedSteps steps = e.fusedSteps(k, domain);
    Values domainStrides = e.strides(domain);
    e.loop(e.b.CreateSub(i1, i0), [&](Value *r) {
      Value *i = e.b.CreateAdd(i0, r);
      e.loop(e.b.CreateSub(j1, j0), [&](Value *c) {
        Values idx{i, e.b.CreateAdd(j0, c)};
        e.fusedElement(k, steps, e.dot(idx, domainStrides), idx);
      });
    });
  });
  call(epilogue.fn, epilogue.context);
  finishMeans(k, domain);
}

} // namespace nnc::codegen::detail
