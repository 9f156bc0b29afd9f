/* Classifies the Fashion-MNIST test images with an AOT-compiled model, from
 * plain C: the library and header `nnc build --aot` wrote, nothing else.
 *
 *   build/nnc build examples/fashion_mlp.nn --aot --weights fashion.ckpt -o libfashion.a
 *   cc -I. examples/embed_c/main.c libfashion.a -lstdc++ -lm -lpthread -o classify
 *   ./classify t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz
 *
 * The model takes what the data block computes, flatten(image) / 255.0, so
 * this program does that itself. The IDX files are read with zlib, whose
 * gz* functions the library carries. */
#include "fashion.h"

#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

enum { kBatch = 100, kPixels = 784, kClasses = 10 };

/* Reads an IDX file of unsigned bytes: its dims and data. */
static unsigned char *read_idx(const char *path, int want_dims, long *count) {
  gzFile f = gzopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(1);
  }
  unsigned char head[4];
  if (gzread(f, head, 4) != 4 || head[0] || head[1] || head[2] != 0x08 || head[3] != want_dims) {
    fprintf(stderr, "%s is not an IDX file of %d-dimensional bytes\n", path, want_dims);
    exit(1);
  }
  long total = 1;
  for (int d = 0; d < want_dims; ++d) {
    unsigned char b[4];
    if (gzread(f, b, 4) != 4) exit(1);
    long dim = ((long)b[0] << 24) | ((long)b[1] << 16) | ((long)b[2] << 8) | b[3];
    if (d == 0) *count = dim;
    total *= dim;
  }
  unsigned char *data = malloc((size_t)total);
  if (!data || gzread(f, data, (unsigned)total) != total) {
    fprintf(stderr, "%s is truncated\n", path);
    exit(1);
  }
  gzclose(f);
  return data;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s IMAGES.idx.gz LABELS.idx.gz\n", argv[0]);
    return 2;
  }
  long n = 0, labels_n = 0;
  unsigned char *images = read_idx(argv[1], 3, &n);
  unsigned char *labels = read_idx(argv[2], 1, &labels_n);
  if (n != labels_n) {
    fprintf(stderr, "%ld images but %ld labels\n", n, labels_n);
    return 1;
  }
  fashion_ctx *ctx = fashion_create(kBatch);
  if (!ctx) {
    fprintf(stderr, "fashion_create: %s\n", fashion_last_error());
    return 1;
  }
  static float x[kBatch * kPixels], scores[kBatch * kClasses];
  long correct = 0;
  for (long begin = 0; begin < n; begin += kBatch) {
    int rows = n - begin < kBatch ? (int)(n - begin) : kBatch;
    for (long i = 0; i < (long)rows * kPixels; ++i) x[i] = (float)images[begin * kPixels + i] / 255.0f;
    if (fashion_predict(ctx, x, rows, scores) != 0) {
      fprintf(stderr, "fashion_predict: %s\n", fashion_last_error());
      return 1;
    }
    for (int r = 0; r < rows; ++r) {
      int best = 0;
      for (int k = 1; k < kClasses; ++k)
        if (scores[r * kClasses + k] > scores[r * kClasses + best]) best = k;
      correct += best == labels[begin + r];
    }
  }
  fashion_destroy(ctx);
  printf("accuracy: %.4f (%ld of %ld)\n", (double)correct / (double)n, correct, n);
  free(images);
  free(labels);
  return 0;
}
