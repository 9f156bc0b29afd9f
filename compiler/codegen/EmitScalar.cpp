// Scalar semantics of the elementwise ops and casts, matching the reference
// interpreter (ir/Interpreter.h): i32 wraps, maximum/minimum propagate NaN,
// casts to i32 truncate and saturate.
#include "codegen/KernelEmitter.h"

#include "codegen/Codegen.h"
#include "codegen/InlineMath.h"

#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Module.h>

#include <cassert>

namespace nnc::codegen::detail {

using namespace llvm;
using ir::DType;
using ir::Op;

namespace {

bool isFP(DType t) { return t == DType::F32 || t == DType::F64; }

} // namespace

Value *KernelEmitter::isTrue(DType t, Value *v) {
  // NaN != 0, as in the interpreter's `x != 0`.
  if (isFP(t)) return b.CreateFCmpUNE(v, ConstantFP::get(v->getType(), 0.0));
  return b.CreateICmpNE(v, ConstantInt::get(v->getType(), 0));
}

Value *KernelEmitter::convert(Value *v, DType from, DType to) {
  if (from == to) return v;
  Type *dst = elemType(to);
  if (to == DType::Bool) return b.CreateZExt(isTrue(from, v), dst);
  if (from == DType::Bool) return isFP(to) ? b.CreateUIToFP(v, dst) : b.CreateZExt(v, dst);
  if (isFP(from) && isFP(to)) return b.CreateFPCast(v, dst);
  if (isFP(to)) return b.CreateSIToFP(v, dst);
  // float -> i32: fptosi.sat truncates, saturates and maps NaN to 0, exactly castTo.
  return b.CreateIntrinsic(Intrinsic::fptosi_sat, {dst, v->getType()}, {v});
}

Value *KernelEmitter::maxOf(DType t, Value *x, Value *y) {
  if (!isFP(t)) return b.CreateBinaryIntrinsic(Intrinsic::smax, x, y);
  Value *r = b.CreateSelect(b.CreateFCmpOLT(x, y), y, x);
  return b.CreateSelect(b.CreateFCmpUNO(x, y), ConstantFP::getNaN(x->getType()), r);
}

Value *KernelEmitter::minOf(DType t, Value *x, Value *y) {
  if (!isFP(t)) return b.CreateBinaryIntrinsic(Intrinsic::smin, x, y);
  Value *r = b.CreateSelect(b.CreateFCmpOLT(y, x), y, x);
  return b.CreateSelect(b.CreateFCmpUNO(x, y), ConstantFP::getNaN(x->getType()), r);
}

namespace {

// The libm function for an op LLVM has no intrinsic for.
Value *callLibm(IRBuilder<> &b, const char *f32Name, const char *f64Name, Value *x) {
  Module *m = b.GetInsertBlock()->getModule();
  bool single = x->getType()->isFloatTy();
  FunctionCallee fn = m->getOrInsertFunction(single ? f32Name : f64Name, x->getType(), x->getType());
  return b.CreateCall(fn, {x});
}

Value *fpUnary(IRBuilder<> &b, Intrinsic::ID id, Value *x) { return b.CreateUnaryIntrinsic(id, x); }

// Comparisons: ordered for floats (NaN compares false) except `ne`, which
// NaN satisfies, as C's operators do; signed for integers and bools.
Value *compare(IRBuilder<> &b, Op op, bool fp, Value *x, Value *y) {
  using P = CmpInst::Predicate;
  auto pick = [&](P f, P i) { return fp ? b.CreateFCmp(f, x, y) : b.CreateICmp(i, x, y); };
  if (op == Op::Eq) return pick(P::FCMP_OEQ, P::ICMP_EQ);
  if (op == Op::Ne) return pick(P::FCMP_UNE, P::ICMP_NE);
  if (op == Op::Lt) return pick(P::FCMP_OLT, P::ICMP_SLT);
  if (op == Op::Le) return pick(P::FCMP_OLE, P::ICMP_SLE);
  if (op == Op::Gt) return pick(P::FCMP_OGT, P::ICMP_SGT);
  assert(op == Op::Ge && "compare() takes comparison ops only");
  return pick(P::FCMP_OGE, P::ICMP_SGE);
}

// i32 division truncates toward zero. Division by zero, which the interpreter
// reports, gives 0 here; INT_MIN / -1 wraps to INT_MIN. Neither reaches sdiv,
// where both are undefined.
Value *divI32(IRBuilder<> &b, Value *x, Value *y) {
  Value *zero = b.getInt32(0), *minusOne = b.getInt32(static_cast<uint32_t>(-1));
  Value *isZero = b.CreateICmpEQ(y, zero), *isMinusOne = b.CreateICmpEQ(y, minusOne);
  Value *safe = b.CreateSelect(b.CreateOr(isZero, isMinusOne), b.getInt32(1), y);
  Value *q = b.CreateSDiv(x, safe);
  q = b.CreateSelect(isMinusOne, b.CreateSub(zero, x), q);
  return b.CreateSelect(isZero, zero, q);
}

} // namespace

Value *KernelEmitter::scalarOp(Op op, DType in, DType out, const Values &a) {
  bool fp = isFP(in);
  Type *t = elemType(in);
  auto boolResult = [&](Value *i1) { return b.CreateZExt(i1, elemType(DType::Bool)); };
  switch (op) {
  case Op::Neg:
    return fp ? b.CreateFNeg(a[0]) : b.CreateSub(ConstantInt::get(t, 0), a[0]);
  case Op::Abs:
    return fp ? fpUnary(b, Intrinsic::fabs, a[0]) : b.CreateBinaryIntrinsic(Intrinsic::abs, a[0], b.getFalse());
  case Op::Sign: {
    if (!fp) {
      Value *zero = ConstantInt::get(t, 0);
      Value *neg = b.CreateSelect(b.CreateICmpSLT(a[0], zero), ConstantInt::getSigned(t, -1), zero);
      return b.CreateSelect(b.CreateICmpSGT(a[0], zero), ConstantInt::get(t, 1), neg);
    }
    Value *zero = ConstantFP::get(t, 0.0);
    Value *r = b.CreateSelect(b.CreateFCmpUNO(a[0], a[0]), a[0], zero); // NaN stays NaN
    r = b.CreateSelect(b.CreateFCmpOLT(a[0], zero), ConstantFP::get(t, -1.0), r);
    return b.CreateSelect(b.CreateFCmpOGT(a[0], zero), ConstantFP::get(t, 1.0), r);
  }
  // f32 exp and log inline, so that the fused loops computing them
  // vectorize (Fusion.cpp fuses them only into such loops); f64 calls libm.
  case Op::Exp:
    return in == DType::F32 ? inlineExp(b, a[0]) : fpUnary(b, Intrinsic::exp, a[0]);
  case Op::Log:
    return in == DType::F32 ? inlineLog(b, a[0]) : fpUnary(b, Intrinsic::log, a[0]);
  case Op::Sqrt:
    return fpUnary(b, Intrinsic::sqrt, a[0]);
  case Op::Tanh:
    return callLibm(b, "tanhf", "tanh", a[0]);
  case Op::Sin:
    return fpUnary(b, Intrinsic::sin, a[0]);
  case Op::Cos:
    return fpUnary(b, Intrinsic::cos, a[0]);
  case Op::Floor:
    return fp ? fpUnary(b, Intrinsic::floor, a[0]) : a[0];
  case Op::Not:
    return boolResult(b.CreateNot(isTrue(in, a[0])));
  case Op::Cast:
    return convert(a[0], in, out);
  case Op::StopGradient:
    return a[0];

  case Op::Add:
    return fp ? b.CreateFAdd(a[0], a[1]) : b.CreateAdd(a[0], a[1]);
  case Op::Sub:
    return fp ? b.CreateFSub(a[0], a[1]) : b.CreateSub(a[0], a[1]);
  case Op::Mul:
    return fp ? b.CreateFMul(a[0], a[1]) : b.CreateMul(a[0], a[1]);
  case Op::Div:
    return fp ? b.CreateFDiv(a[0], a[1]) : divI32(b, a[0], a[1]);
  case Op::Pow:
    return b.CreateBinaryIntrinsic(Intrinsic::pow, a[0], a[1]);
  case Op::Maximum:
    return maxOf(in, a[0], a[1]);
  case Op::Minimum:
    return minOf(in, a[0], a[1]);
  case Op::Eq:
  case Op::Ne:
  case Op::Lt:
  case Op::Le:
  case Op::Gt:
  case Op::Ge:
    return boolResult(compare(b, op, fp, a[0], a[1]));
  case Op::And:
    return boolResult(b.CreateAnd(isTrue(in, a[0]), isTrue(in, a[1])));
  case Op::Or:
    return boolResult(b.CreateOr(isTrue(in, a[0]), isTrue(in, a[1])));
  case Op::Select: // the caller passes the condition as an i1
    return b.CreateSelect(a[0], a[1], a[2]);

  case Op::Input: case Op::Param: case Op::Constant: case Op::RandomUniform: case Op::RandomNormal:
  case Op::Broadcast: case Op::ReduceSum: case Op::ReduceMax: case Op::ReduceMin: case Op::ReduceMean:
  case Op::ArgMax: case Op::Reshape: case Op::Transpose: case Op::Slice: case Op::Pad: case Op::Concat:
  case Op::MatMul: case Op::Gather: case Op::OneHot: case Op::Conv2D: case Op::MaxPool2D: case Op::AvgPool2D:
  case Op::ScatterAdd: case Op::Conv2DGradInput: case Op::Conv2DGradFilter: case Op::MaxPool2DGrad:
  case Op::AvgPool2DGrad:
    break;
  }
  throw CodegenError(std::string("codegen: op ") + ir::opName(op) + " is not elementwise");
}

} // namespace nnc::codegen::detail
