/* Times an AOT-compiled Fashion-MNIST MLP (libfashion.a, fashion.h from
 * `nnc build --aot`): batch-1 latency (median of many calls) and batch-128
 * throughput, on one thread. Prints one line of JSON. Used by
 * bench/inference_vs_pytorch.sh. */
#include "fashion.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(void) {
  enum { kCalls = 20000, kBig = 128, kBigCalls = 2000 };
  fashion_ctx *ctx = fashion_create(kBig);
  if (!ctx) {
    fprintf(stderr, "%s\n", fashion_last_error());
    return 1;
  }
  fashion_set_threads(ctx, 1);
  static float x[kBig * 784], y[kBig * 10];
  for (int i = 0; i < kBig * 784; ++i) x[i] = (float)(i % 255) / 255.0f;
  static double t[kCalls];
  for (int i = 0; i < 1000; ++i) fashion_predict(ctx, x, 1, y); /* warm up */
  for (int i = 0; i < kCalls; ++i) {
    double s = now();
    fashion_predict(ctx, x, 1, y);
    t[i] = now() - s;
  }
  qsort(t, kCalls, sizeof t[0], cmp);
  double s = now();
  for (int i = 0; i < kBigCalls; ++i) fashion_predict(ctx, x, kBig, y);
  double big = now() - s;
  printf("{\"batch1_us\": %.3f, \"batch128_samples_per_s\": %.0f}\n", t[kCalls / 2] * 1e6,
         (double)kBig * kBigCalls / big);
  fashion_destroy(ctx);
  return 0;
}
