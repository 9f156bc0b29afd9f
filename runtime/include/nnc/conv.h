/* 2-D convolution and pooling over NHWC images for generated code: the IR's
 * conv2d, max_pool2d, avg_pool2d and their backward ops (compiler/ir/Ops.def
 * defines them; the reference interpreter is the oracle these agree with).
 *
 * Layout, row-major: images x[N, H, W, C]; filters w[KH, KW, C, F]; results
 * y[N, OH, OW, F] (F = C for the pools). Result row oy's window starts at
 * input row oy * stride_h - pad_top and spans KH rows, likewise for columns;
 * rows and columns outside the image are padding, which contributes nothing:
 * no product to a convolution, no element to a pool. A window wholly in the
 * padding gives 0 (conv2d, avg_pool2d) or -inf (max_pool2d). max_pool2d
 * propagates NaN; its gradient goes to the first maximum of each window in
 * row-major window order, a NaN counting as the maximum.
 *
 * Every function overwrites its result; none reads it first. Results are
 * bitwise identical for any nnc_threads count: work is split over images or
 * over rows of the result, and each element's arithmetic is the same in
 * every split (conv2d_grad_filter sums its per-image products in chunks
 * fixed by the shapes alone; see conv.cpp).
 *
 * f32 convolutions are im2col + nnc_sgemm, on blocks of im2col rows. Scratch
 * memory: each thread keeps buffers that grow to the largest request it has
 * seen and are reused, so the steady state of a training loop allocates
 * nothing; they are freed when the thread exits. That is 256 KiB of im2col
 * block per thread (more only for a single window larger than that) and, on
 * the calling thread, up to 4 MiB of partial sums for conv2d_grad_filter.
 * f64 kernels are plain loops, meant for gradient checks rather than speed.
 *
 * One difference follows: im2col multiplies the padding as zeros, so where
 * the filter (conv2d) or dy (conv2d_grad_filter) holds Inf or NaN, f32
 * windows that touch the padding give NaN where the plain loops skip those
 * taps. Finite data gives the same results up to rounding.
 */
#ifndef NNC_CONV_H
#define NNC_CONV_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The geometry of one convolution or pool, as the forward op sees it. The
 * bottom and right padding are implied by out_h and out_w. Preconditions
 * (unchecked): every extent >= 1, stride >= 1, pad >= 0, and
 * out_h = (in_h + pad_top + pad_bottom - kernel_h) / stride_h + 1 for some
 * pad_bottom >= 0 (likewise out_w). */
typedef struct nnc_window2d {
  int64_t batch, in_h, in_w, in_c; /* x[batch, in_h, in_w, in_c] */
  int64_t out_h, out_w, out_c;     /* y[batch, out_h, out_w, out_c]; pools: out_c = in_c */
  int64_t kernel_h, kernel_w;      /* filter [kernel_h, kernel_w, in_c, out_c] or pooling window */
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left;
} nnc_window2d;

/* y = conv2d(x, w). */
void nnc_conv2d_f32(const nnc_window2d *g, const float *x, const float *w, float *y);
void nnc_conv2d_f64(const nnc_window2d *g, const double *x, const double *w, double *y);

/* dx = d conv2d(x, w) / dx applied to dy: dx[batch, in_h, in_w, in_c]. */
void nnc_conv2d_grad_input_f32(const nnc_window2d *g, const float *dy, const float *w, float *dx);
void nnc_conv2d_grad_input_f64(const nnc_window2d *g, const double *dy, const double *w, double *dx);

/* dw = d conv2d(x, w) / dw applied to dy: dw[kernel_h, kernel_w, in_c, out_c]. */
void nnc_conv2d_grad_filter_f32(const nnc_window2d *g, const float *x, const float *dy, float *dw);
void nnc_conv2d_grad_filter_f64(const nnc_window2d *g, const double *x, const double *dy, double *dw);

/* y = max_pool2d(x) / avg_pool2d(x); avg divides by the in-bounds count. */
void nnc_max_pool2d_f32(const nnc_window2d *g, const float *x, float *y);
void nnc_max_pool2d_f64(const nnc_window2d *g, const double *x, double *y);
void nnc_avg_pool2d_f32(const nnc_window2d *g, const float *x, float *y);
void nnc_avg_pool2d_f64(const nnc_window2d *g, const double *x, double *y);

/* The pools' adjoints: dx[batch, in_h, in_w, in_c] from dy[batch, out_h,
 * out_w, in_c]; max_pool2d's needs the forward input x to find the maxima. */
void nnc_max_pool2d_grad_f32(const nnc_window2d *g, const float *x, const float *dy, float *dx);
void nnc_max_pool2d_grad_f64(const nnc_window2d *g, const double *x, const double *dy, double *dx);
void nnc_avg_pool2d_grad_f32(const nnc_window2d *g, const float *dy, float *dx);
void nnc_avg_pool2d_grad_f64(const nnc_window2d *g, const double *dy, double *dx);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NNC_CONV_H */
