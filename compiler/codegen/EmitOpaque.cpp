// Loop nests for the source ops (constant, random_*) and the opaque ops:
// matmul (the runtime's nnc_sgemm for f32), gather, one_hot, scatter_add, and
// calls into the runtime (nnc/conv.h) for conv2d, the pools and their
// adjoints.
#include "codegen/KernelEmitter.h"

#include "codegen/Codegen.h"
#include "nnc/conv.h"
#include "nnc/rng.h"

#include <llvm/IR/Module.h>

namespace nnc::codegen::detail {

using namespace llvm;
using ir::DType;
using ir::Op;

void KernelEmitter::constant(ir::NodeId id) {
  const ir::Node &n = node(id);
  DType t = n.type.dtype;
  std::vector<double> values = n.attrs.getFloats("value");
  if (values.size() == 1) return fill(id, constantOf(t, values[0]));
  // The shape rule guarantees one value per element; constants have no batch dim.
  std::vector<Constant *> elems;
  for (double v : values)
    elems.push_back(constantOf(t, v));
  ArrayType *arrayTy = ArrayType::get(elemType(t), elems.size());
  Module *m = b.GetInsertBlock()->getModule();
  auto *data = new GlobalVariable(*m, arrayTy, /*isConstant=*/true, GlobalValue::PrivateLinkage,
                                  ConstantArray::get(arrayTy, elems), "const" + std::to_string(id));
  loop(i64(static_cast<int64_t>(elems.size())), [&](Value *i) {
    store(id, i, b.CreateLoad(elemType(t), b.CreateInBoundsGEP(elemType(t), data, i)));
  });
}

namespace {

// splitmix64's finalizer, nnc_rng_mix64 of nnc/rng.h.
Value *mix64(IRBuilder<> &b, Value *z) {
  z = b.CreateMul(b.CreateXor(z, b.CreateLShr(z, 30)), b.getInt64(0xBF58476D1CE4E5B9ull));
  z = b.CreateMul(b.CreateXor(z, b.CreateLShr(z, 27)), b.getInt64(0x94D049BB133111EBull));
  return b.CreateXor(z, b.CreateLShr(z, 31));
}

} // namespace

void KernelEmitter::random(ir::NodeId id) {
  const ir::Node &n = node(id);
  DType t = n.type.dtype;
  Value *seed = i64(n.attrs.getInt("seed"));
  // The optional key operand is an i32 scalar, sign-extended as the interpreter does.
  Value *key = n.inputs.empty() ? i64(0) : b.CreateSExt(load(n.inputs[0], i64(0)), b.getInt64Ty());

  if (n.op == Op::RandomNormal) {
    // Box-Muller depends on libm's log and cos; calling the runtime's copy of
    // nnc_rng_normal keeps it bit-identical to the interpreter.
    Module *m = b.GetInsertBlock()->getModule();
    FunctionCallee normal = m->getOrInsertFunction("nnc_rng_normal_at", b.getDoubleTy(), b.getInt64Ty(),
                                                   b.getInt64Ty(), b.getInt64Ty());
    loop(numel(n.type.shape), [&](Value *i) {
      store(id, i, b.CreateFPCast(b.CreateCall(normal, {seed, key, i}), elemType(t)));
    });
    return;
  }
  // nnc_rng_uniform inlined: stream hoisted, 24 random bits scaled exactly.
  Value *stream = mix64(b, b.CreateXor(mix64(b, b.CreateAdd(seed, b.getInt64(NNC_RNG_GOLDEN))), key));
  loop(numel(n.type.shape), [&](Value *i) {
    Value *counter = b.CreateMul(b.CreateAdd(i, i64(1)), b.getInt64(NNC_RNG_GOLDEN));
    Value *bits = b.CreateLShr(mix64(b, b.CreateAdd(stream, counter)), 40);
    Value *u = b.CreateFMul(b.CreateUIToFP(bits, b.getFloatTy()), ConstantFP::get(b.getFloatTy(), 1.0 / 16777216.0));
    store(id, i, b.CreateFPCast(u, elemType(t)));
  });
}

void KernelEmitter::matMul(ir::NodeId id) {
  const ir::Node &n = node(id);
  ir::NodeId x = n.inputs[0], w = n.inputs[1];
  const ir::Shape &xs = g.type(x).shape;
  size_t rank = xs.rank();
  Value *m = dim(xs[rank - 2]), *k = dim(xs[rank - 1]), *nn = dim(g.type(w).shape[rank - 1]);
  Value *batches = product(xs, 0, rank - 2);
  Value *mk = b.CreateMul(m, k), *kn = b.CreateMul(k, nn), *mn = b.CreateMul(m, nn);
  DType t = n.type.dtype;

  if (t == DType::F32) {
    Module *mod = b.GetInsertBlock()->getModule();
    Type *i32 = b.getInt32Ty(), *i64T = b.getInt64Ty(), *f32 = b.getFloatTy(), *p = b.getPtrTy();
    FunctionCallee sgemm = mod->getOrInsertFunction("nnc_sgemm", b.getVoidTy(), i32, i32, i64T, i64T, i64T, f32, p,
                                                    i64T, p, i64T, f32, p, i64T);
    Constant *one = ConstantFP::get(f32, 1.0), *zero = ConstantFP::get(f32, 0.0);
    loop(batches, [&](Value *bi) {
      b.CreateCall(sgemm, {b.getInt32(0), b.getInt32(0), m, nn, k, one, ptr(x, b.CreateMul(bi, mk)), k,
                           ptr(w, b.CreateMul(bi, kn)), nn, zero, ptr(id, b.CreateMul(bi, mn)), nn});
    });
    return;
  }
  // f64 (matmul takes floats only): i-k-j loops, the inner loop contiguous in w and the result.
  bool fp = t == DType::F64;
  fill(id, constantOf(t, 0));
  loopNest({batches, m, k}, [&](const Values &bik) {
    Value *a = load(x, b.CreateAdd(b.CreateMul(bik[0], mk), b.CreateAdd(b.CreateMul(bik[1], k), bik[2])));
    Value *wRow = b.CreateAdd(b.CreateMul(bik[0], kn), b.CreateMul(bik[2], nn));
    Value *rRow = b.CreateAdd(b.CreateMul(bik[0], mn), b.CreateMul(bik[1], nn));
    loop(nn, [&](Value *j) {
      Value *prod = fp ? b.CreateFMul(a, load(w, b.CreateAdd(wRow, j))) : b.CreateMul(a, load(w, b.CreateAdd(wRow, j)));
      Value *at = b.CreateAdd(rRow, j), *acc = load(id, at);
      store(id, at, fp ? b.CreateFAdd(acc, prod) : b.CreateAdd(acc, prod));
    });
  });
}

// An index out of range is reported (nnc_index_error) rather than trusted:
// the generated code never reads or writes outside its buffers, and its
// caller stops with the message the interpreter would give.
void KernelEmitter::reportBadIndex(ir::NodeId id, Value *index, Value *bound) {
  const ir::Node &n = node(id);
  std::string op = ir::opName(n.op);
  if (!n.src.empty()) op = n.src.str() + ": " + op;
  Module *m = b.GetInsertBlock()->getModule();
  FunctionCallee report =
      m->getOrInsertFunction("nnc_index_error", b.getVoidTy(), b.getPtrTy(), b.getInt64Ty(), b.getInt64Ty());
  b.CreateCall(report, {b.CreateGlobalString(op, "index_error_op", 0, m), index, bound});
}

void KernelEmitter::gather(ir::NodeId id) {
  ir::NodeId table = operand(id, 0), indices = operand(id, 1);
  const ir::Shape &ts = g.type(table).shape;
  Value *rows = dim(ts[0]), *rowSize = product(ts, 1, ts.rank());
  Constant *zero = constantOf(node(id).type.dtype, 0);
  loop(numel(g.type(indices).shape), [&](Value *i) {
    Value *row = b.CreateSExt(load(indices, i), b.getInt64Ty());
    Value *dst = b.CreateMul(i, rowSize);
    Value *inRange = b.CreateAnd(b.CreateICmpSGE(row, i64(0)), b.CreateICmpSLT(row, rows));
    ifThenElse(
        inRange,
        [&] {
          Value *src = b.CreateMul(row, rowSize);
          loop(rowSize, [&](Value *j) { store(id, b.CreateAdd(dst, j), load(table, b.CreateAdd(src, j))); });
        },
        [&] {
          reportBadIndex(id, row, rows);
          loop(rowSize, [&](Value *j) { store(id, b.CreateAdd(dst, j), zero); });
        });
  });
}

void KernelEmitter::oneHot(ir::NodeId id) {
  ir::NodeId indices = operand(id, 0);
  DType t = node(id).type.dtype;
  Value *depth = i64(node(id).attrs.getInt("depth"));
  Constant *one = constantOf(t, 1), *zero = constantOf(t, 0);
  loop(numel(g.type(indices).shape), [&](Value *i) {
    Value *index = b.CreateSExt(load(indices, i), b.getInt64Ty());
    Value *outOfRange = b.CreateOr(b.CreateICmpSLT(index, i64(0)), b.CreateICmpSGE(index, depth));
    ifThenElse(
        outOfRange, [&] { reportBadIndex(id, index, depth); }, [] {});
    // An index out of range matches no position: a zero row.
    Value *row = b.CreateMul(i, depth);
    loop(depth, [&](Value *j) { store(id, b.CreateAdd(row, j), b.CreateSelect(b.CreateICmpEQ(index, j), one, zero)); });
  });
}

void KernelEmitter::scatterAdd(ir::NodeId id) {
  ir::NodeId updates = operand(id, 0), indices = operand(id, 1);
  const ir::Shape &out = node(id).type.shape;
  DType t = node(id).type.dtype;
  Value *rows = dim(out[0]), *rowSize = product(out, 1, out.rank());
  fill(id, constantOf(t, 0));
  // Rows add in index order, as in the interpreter; an index out of range
  // adds nothing.
  loop(numel(g.type(indices).shape), [&](Value *i) {
    Value *row = b.CreateSExt(load(indices, i), b.getInt64Ty());
    Value *inRange = b.CreateAnd(b.CreateICmpSGE(row, i64(0)), b.CreateICmpSLT(row, rows));
    ifThenElse(
        inRange,
        [&] {
          Value *dst = b.CreateMul(row, rowSize), *src = b.CreateMul(i, rowSize);
          loop(rowSize, [&](Value *j) {
            Value *at = b.CreateAdd(dst, j);
            store(id, at, scalarOp(Op::Add, t, t, {load(id, at), load(updates, b.CreateAdd(src, j))}));
          });
        },
        [&] { reportBadIndex(id, row, rows); });
  });
}

namespace {

// The runtime's kernels come in f32 and f64 flavours (conv2d, the pools and
// their adjoints take floats only).
std::string runtimeName(const char *base, DType t) { return std::string(base) + (t == DType::F64 ? "_f64" : "_f32"); }

// Calls the runtime function `name`, which returns void and takes pointers.
void callRuntime(IRBuilder<> &b, const std::string &name, ArrayRef<Value *> args) {
  Module *m = b.GetInsertBlock()->getModule();
  std::vector<Type *> params(args.size(), b.getPtrTy());
  b.CreateCall(m->getOrInsertFunction(name, FunctionType::get(b.getVoidTy(), params, false)), args);
}

static_assert(sizeof(nnc_window2d) == 13 * sizeof(int64_t), "nnc_window2d is 13 int64_t fields, in this order");

} // namespace

Value *KernelEmitter::window2d(const ir::Shape &x, const ir::Shape &y, int64_t kh, int64_t kw, const ir::Attrs &a) {
  auto stride = a.getInts("stride"), pad = a.getInts("pad");
  // Field by field as nnc_window2d declares them; pad_bottom and pad_right
  // are implied by y's extent.
  Values fields = {dim(x[0]), dim(x[1]), dim(x[2]),      dim(x[3]),      dim(y[1]),   dim(y[2]),  dim(y[3]),
                   i64(kh),   i64(kw),   i64(stride[0]), i64(stride[1]), i64(pad[0]), i64(pad[2])};
  ArrayType *type = ArrayType::get(b.getInt64Ty(), fields.size());
  AllocaInst *window = slot(type);
  for (size_t i = 0; i < fields.size(); ++i)
    b.CreateStore(fields[i], b.CreateConstInBoundsGEP2_64(type, window, 0, i));
  return window;
}

void KernelEmitter::conv2d(ir::NodeId id) {
  const ir::Node &n = node(id);
  ir::NodeId a0 = n.inputs[0], a1 = n.inputs[1];
  const ir::Shape &r = n.type.shape, &s0 = g.type(a0).shape, &s1 = g.type(a1).shape;
  // The window is always the forward op's: input x, result y, filter w.
  switch (n.op) {
  case Op::Conv2D: // (x, w) -> y
    return callRuntime(b, runtimeName("nnc_conv2d", n.type.dtype),
                       {window2d(s0, r, s1[0], s1[1], n.attrs), ptr(a0, i64(0)), ptr(a1, i64(0)), ptr(id, i64(0))});
  case Op::Conv2DGradInput: // (dy, w) -> dx
    return callRuntime(b, runtimeName("nnc_conv2d_grad_input", n.type.dtype),
                       {window2d(r, s0, s1[0], s1[1], n.attrs), ptr(a0, i64(0)), ptr(a1, i64(0)), ptr(id, i64(0))});
  case Op::Conv2DGradFilter: // (x, dy) -> dw
    return callRuntime(b, runtimeName("nnc_conv2d_grad_filter", n.type.dtype),
                       {window2d(s0, s1, r[0], r[1], n.attrs), ptr(a0, i64(0)), ptr(a1, i64(0)), ptr(id, i64(0))});
  default:
    throw CodegenError(std::string("codegen: not a convolution: ") + ir::opName(n.op));
  }
}

void KernelEmitter::pool2d(ir::NodeId id) {
  const ir::Node &n = node(id);
  ir::NodeId a0 = n.inputs[0];
  const ir::Shape &r = n.type.shape, &s0 = g.type(a0).shape;
  auto window = n.attrs.getInts("window");
  DType t = n.type.dtype;
  switch (n.op) {
  case Op::MaxPool2D: // x -> y
  case Op::AvgPool2D:
    return callRuntime(b, runtimeName(n.op == Op::MaxPool2D ? "nnc_max_pool2d" : "nnc_avg_pool2d", t),
                       {window2d(s0, r, window[0], window[1], n.attrs), ptr(a0, i64(0)), ptr(id, i64(0))});
  case Op::MaxPool2DGrad: { // (x, dy) -> dx
    ir::NodeId dy = n.inputs[1];
    return callRuntime(b, runtimeName("nnc_max_pool2d_grad", t),
                       {window2d(s0, g.type(dy).shape, window[0], window[1], n.attrs), ptr(a0, i64(0)), ptr(dy, i64(0)),
                        ptr(id, i64(0))});
  }
  case Op::AvgPool2DGrad: // dy -> dx
    return callRuntime(b, runtimeName("nnc_avg_pool2d_grad", t),
                       {window2d(r, s0, window[0], window[1], n.attrs), ptr(a0, i64(0)), ptr(id, i64(0))});
  default:
    throw CodegenError(std::string("codegen: not a pool: ") + ir::opName(n.op));
  }
}

} // namespace nnc::codegen::detail
