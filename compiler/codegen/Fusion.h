// Fusion: which nodes of a graph share a generated function and a loop.
//
// Chains of elementwise ops of one shape, with the broadcasts feeding them
// and the reductions they feed, become one fused kernel (Kernel.h): one loop
// nest over the shape, each element computed in registers and stored only
// where something outside the kernel (or the graph's caller) reads it. The
// forward activations, their masks times dy in the backward pass, a loss and
// its gradient, and each parameter's optimizer update fuse this way.
//
// An f32 matrix product (rank 2) is the other seed of a fused kernel: the
// elementwise ops reading its result, the broadcasts they read and their
// reductions along one axis become the GEMM's epilogue (EmitFusedGemm.cpp),
// computed on each block of the product while it is in cache: a dense
// layer's bias and relu, relu's mask times the gradient in backprop and the
// bias gradient's sum over the batch, the first steps of the optimizer
// update of a weight from its gradient. The product gets no buffer when
// nothing else reads it and a stored value of the kernel can hold it; a
// transposed operand that only the GEMM reads joins it too, read in place
// (transA / transB) rather than copied.
//
// What stays a kernel of its own: other opaque ops (conv, pools, gather,
// ...), layout ops, argmax, non-splat constants and random ops, and the
// elementwise ops whose scalar form is a libm call (exp, log, tanh, sin,
// cos, pow), so that no fused loop calls a function per element; alone, f32
// exp, log and tanh are array calls into the runtime (nnc/vmath.h). A
// reduction's result is read only by other kernels, and a broadcast only
// reads values from other kernels, so every value of a fused loop is
// element-aligned. Splat constants and their broadcasts are immediates in the
// loops that read them.
#pragma once

#include "codegen/Kernel.h"

namespace nnc::codegen {

// The fused kernels of `g`, in an order that computes every operand first.
std::vector<Kernel> fuseKernels(const ir::Graph &g);

// The kernels codegen uses when the caller names none: fuseKernels, or
// oneKernelPerNode when the environment sets NNC_FUSION=0 (to measure what
// fusion buys).
std::vector<Kernel> planKernels(const ir::Graph &g);

} // namespace nnc::codegen
