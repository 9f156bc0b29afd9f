// Classifies the Fashion-MNIST test images with an AOT-compiled model, from
// C++: the same library and header as examples/embed_c, behind a small RAII
// wrapper, with several contexts predicting on threads of their own.
//
//   build/nnc build examples/fashion_mlp.nn --aot --weights fashion.ckpt -o libfashion.a
//   c++ -std=c++17 -I. examples/embed_cpp/main.cpp libfashion.a -pthread -o classify_cpp
//   ./classify_cpp t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz
#include "fashion.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kBatch = 100, kPixels = 784, kClasses = 10, kThreads = 2;

// The bytes of an IDX file of unsigned bytes with `dims` dimensions.
std::vector<unsigned char> readIdx(const std::string &path, int dims) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) throw std::runtime_error("cannot open " + path);
  unsigned char head[4];
  if (gzread(f.get(), head, 4) != 4 || head[2] != 0x08 || head[3] != dims)
    throw std::runtime_error(path + " is not an IDX file of bytes");
  size_t total = 1;
  for (int d = 0; d < dims; ++d) {
    unsigned char b[4];
    if (gzread(f.get(), b, 4) != 4) throw std::runtime_error(path + " is truncated");
    total *= (size_t(b[0]) << 24) | (size_t(b[1]) << 16) | (size_t(b[2]) << 8) | b[3];
  }
  std::vector<unsigned char> data(total);
  if (gzread(f.get(), data.data(), static_cast<unsigned>(total)) != static_cast<int>(total))
    throw std::runtime_error(path + " is truncated");
  return data;
}

// One context, destroyed with the object.
class Classifier {
public:
  explicit Classifier(int maxBatch) : ctx_(fashion_create(maxBatch), fashion_destroy) {
    if (!ctx_) throw std::runtime_error(std::string("fashion_create: ") + fashion_last_error());
    fashion_set_threads(ctx_.get(), 1); // this program runs one context per thread
  }
  void predict(const float *x, int rows, float *scores) {
    if (fashion_predict(ctx_.get(), x, rows, scores) != 0)
      throw std::runtime_error(std::string("fashion_predict: ") + fashion_last_error());
  }

private:
  std::unique_ptr<fashion_ctx, void (*)(fashion_ctx *)> ctx_;
};

// Correct predictions among rows [begin, end).
long countCorrect(const std::vector<unsigned char> &images, const std::vector<unsigned char> &labels, long begin,
                  long end) {
  Classifier model(kBatch);
  std::vector<float> x(kBatch * kPixels), scores(kBatch * kClasses);
  long correct = 0;
  for (long b = begin; b < end; b += kBatch) {
    int rows = static_cast<int>(std::min<long>(kBatch, end - b));
    for (long i = 0; i < long(rows) * kPixels; ++i) x[i] = float(images[b * kPixels + i]) / 255.0f;
    model.predict(x.data(), rows, scores.data());
    for (int r = 0; r < rows; ++r) {
      const float *row = &scores[r * kClasses];
      correct += std::max_element(row, row + kClasses) - row == labels[b + r];
    }
  }
  return correct;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s IMAGES.idx.gz LABELS.idx.gz\n", argv[0]);
    return 2;
  }
  try {
    std::vector<unsigned char> images = readIdx(argv[1], 3), labels = readIdx(argv[2], 1);
    long n = long(labels.size());
    if (long(images.size()) != n * kPixels) throw std::runtime_error("images and labels do not match");
    std::vector<long> correct(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] { correct[t] = countCorrect(images, labels, n * t / kThreads, n * (t + 1) / kThreads); });
    for (std::thread &t : threads) t.join();
    long total = 0;
    for (long c : correct) total += c;
    std::printf("accuracy: %.4f (%ld of %ld)\n", double(total) / double(n), total, n);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
