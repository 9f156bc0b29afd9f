// f32 exp and log as straight-line IR (InlineMath.h). Every branch is
// a select, and every multiply-add an llvm.fmuladd, which the target fuses
// or not the same way in the vector body and the scalar tail: an element's
// bits do not depend on where a thread's share of the loop starts.
#include "codegen/InlineMath.h"

#include <llvm/IR/Intrinsics.h>

#include <cstdint>
#include <initializer_list>
#include <limits>

namespace nnc::codegen::detail {

using namespace llvm;

namespace {

// A float constant of x's type (splat for a vector).
Value *f32(Value *like, float v) { return ConstantFP::get(like->getType(), v); }

// i32 of x's shape.
Type *intType(IRBuilder<> &b, Value *like) {
  Type *t = like->getType();
  if (auto *vt = dyn_cast<VectorType>(t)) return VectorType::get(b.getInt32Ty(), vt->getElementCount());
  return b.getInt32Ty();
}

Value *fmuladd(IRBuilder<> &b, Value *x, Value *y, Value *z) {
  return b.CreateIntrinsic(Intrinsic::fmuladd, {x->getType()}, {x, y, z});
}

// c[0] x^n + ... + c[n], by Horner's rule.
Value *polynomial(IRBuilder<> &b, Value *x, std::initializer_list<float> c) {
  auto it = c.begin();
  Value *r = f32(x, *it);
  for (++it; it != c.end(); ++it)
    r = fmuladd(b, r, x, f32(x, *it));
  return r;
}

// 2^k for integer k in [-126, 127], built in the exponent field.
Value *powerOfTwo(IRBuilder<> &b, Value *k, Type *floatType) {
  Value *bits = b.CreateShl(b.CreateAdd(k, ConstantInt::get(k->getType(), 127)), ConstantInt::get(k->getType(), 23));
  return b.CreateBitCast(bits, floatType);
}

Value *isNaN(IRBuilder<> &b, Value *x) { return b.CreateFCmpUNO(x, x); }

} // namespace

// exp(x) = 2^n e^r with n = round(x / ln 2) and |r| <= ln 2 / 2, ln 2 taken in
// two parts so that r is exact; e^r by Cephes' degree-5 polynomial. 2^n is
// applied in two steps, since n reaches -150 (a subnormal result) and 128
// (infinity), beyond one exponent field.
Value *inlineExp(IRBuilder<> &b, Value *x) {
  Type *ft = x->getType();
  Type *it = intType(b, x);
  // Beyond [-104, 89] the result is 0 or infinity already; the clamp keeps n
  // in range. NaN goes through as 0 and is put back at the end.
  Value *xc = b.CreateSelect(isNaN(b, x), f32(x, 0.0f), x);
  xc = b.CreateSelect(b.CreateFCmpOGT(xc, f32(x, 89.0f)), f32(x, 89.0f), xc);
  xc = b.CreateSelect(b.CreateFCmpOLT(xc, f32(x, -104.0f)), f32(x, -104.0f), xc);
  Value *n = b.CreateUnaryIntrinsic(Intrinsic::floor, fmuladd(b, xc, f32(x, 1.44269504088896341f), f32(x, 0.5f)));
  Value *r = fmuladd(b, n, f32(x, -0.693359375f), xc);
  r = fmuladd(b, n, f32(x, 2.12194440e-4f), r);
  Value *p = polynomial(
      b, r,
      {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f});
  Value *er = b.CreateFAdd(fmuladd(b, p, b.CreateFMul(r, r), r), f32(x, 1.0f));
  Value *k = b.CreateFPToSI(n, it);
  Value *k1 = b.CreateAShr(k, ConstantInt::get(it, 1));
  Value *k2 = b.CreateSub(k, k1);
  Value *y = b.CreateFMul(b.CreateFMul(er, powerOfTwo(b, k1, ft)), powerOfTwo(b, k2, ft));
  return b.CreateSelect(isNaN(b, x), x, y);
}

// log(x) = e ln 2 + log(m) with x = m 2^e and m in [sqrt(1/2), sqrt(2)); log(m)
// = log(1 + f) by Cephes' degree-9 polynomial. Subnormal x is scaled by 2^23
// first. log(0) = -inf, log(x < 0) = NaN, log(inf) = inf.
Value *inlineLog(IRBuilder<> &b, Value *x) {
  Type *ft = x->getType();
  Type *it = intType(b, x);
  auto c = [&](int32_t v) { return ConstantInt::getSigned(it, v); };
  Value *subnormal = b.CreateFCmpOLT(x, f32(x, std::numeric_limits<float>::min()));
  Value *xs = b.CreateSelect(subnormal, b.CreateFMul(x, f32(x, 8388608.0f)), x);
  Value *bits = b.CreateBitCast(xs, it);
  Value *e = b.CreateSub(b.CreateAnd(b.CreateLShr(bits, c(23)), c(0xff)), c(126));
  e = b.CreateSub(e, b.CreateSelect(subnormal, c(23), c(0)));
  // m in [0.5, 1), then [sqrt(1/2), sqrt(2)) minus 1.
  Value *m = b.CreateBitCast(b.CreateOr(b.CreateAnd(bits, c(0x007fffff)), c(0x3f000000)), ft);
  Value *low = b.CreateFCmpOLT(m, f32(x, 0.707106781186547524f));
  e = b.CreateSub(e, b.CreateSelect(low, c(1), c(0)));
  Value *f = b.CreateFSub(b.CreateSelect(low, b.CreateFAdd(m, m), m), f32(x, 1.0f));
  Value *z = b.CreateFMul(f, f);
  Value *p = polynomial(b, f,
                        {7.0376836292e-2f, -1.1514610310e-1f, 1.1676998740e-1f, -1.2420140846e-1f, 1.4249322787e-1f,
                         -1.6668057665e-1f, 2.0000714765e-1f, -2.4999993993e-1f, 3.3333331174e-1f});
  Value *fe = b.CreateSIToFP(e, ft);
  Value *y = b.CreateFMul(b.CreateFMul(p, f), z);
  y = fmuladd(b, fe, f32(x, -2.12194440e-4f), y);
  y = fmuladd(b, z, f32(x, -0.5f), y);
  Value *r = fmuladd(b, fe, f32(x, 0.693359375f), b.CreateFAdd(f, y));
  const float inf = std::numeric_limits<float>::infinity();
  r = b.CreateSelect(b.CreateFCmpOEQ(x, f32(x, inf)), f32(x, inf), r);
  r = b.CreateSelect(b.CreateFCmpOEQ(x, f32(x, 0.0f)), f32(x, -inf), r);
  r = b.CreateSelect(b.CreateFCmpOLT(x, f32(x, 0.0f)), f32(x, std::numeric_limits<float>::quiet_NaN()), r);
  return b.CreateSelect(isNaN(b, x), x, r);
}

} // namespace nnc::codegen::detail
