// What handing data from one CPU to the other costs, per 64-byte line, with
// two threads pinned to CPUs 0 and 1: reading lines the other CPU has just
// written, and writing lines the other CPU has just read (each write must
// first take the line away from it). Every value a parallel training step
// passes between its threads (activations, gradients, weights updated by one
// thread and read by the other) pays one or both. Each is measured for a
// sequential sweep and for sixteen rows swept side by side, the order in
// which GEMM packing reads a matrix, against the same sweep of lines this
// CPU already holds. core_to_core.cpp gives the round trip of one line;
// this gives the throughput of many, with the CPUs' prefetchers at work.
// Usage: line_handoff [KiB]  (default 32: half a 128 x 128 f32 matrix)
// Build: g++ -O2 bench/line_handoff.cpp -lpthread -o line_handoff
#include "pin_cpu.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

constexpr int kLine = 64;
constexpr int kRounds = 400;

struct alignas(kLine) Line {
  int64_t v[kLine / sizeof(int64_t)];
};

// Line indices in the order of a sweep: all of them in turn, or sixteen
// equal rows a line of each at a time.
std::vector<size_t> sweepOrder(size_t lines, bool rows) {
  std::vector<size_t> order;
  const size_t rowCount = rows ? 16 : 1, perRow = lines / rowCount;
  for (size_t k = 0; k < perRow; ++k)
    for (size_t r = 0; r < rowCount; ++r)
      order.push_back(r * perRow + k);
  return order;
}

int64_t readLines(const Line *buf, const std::vector<size_t> &order) {
  int64_t sum = 0;
  for (size_t i : order)
    sum += buf[i].v[0];
  return sum;
}

// The fence waits for the stores to leave the store buffer: until then a
// write has not taken its line.
void writeLines(Line *buf, const std::vector<size_t> &order, int64_t value) {
  for (size_t i : order)
    buf[i].v[0] = value;
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

double nsPerLine(std::chrono::steady_clock::time_point start, size_t lines) {
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
         static_cast<double>(lines);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  const long kib = argc > 1 ? std::atol(argv[1]) : 32;
  if (kib < 1 || kib > (1 << 20)) {
    std::fprintf(stderr, "usage: %s [KiB from 1 to 1048576]\n", argv[0]);
    return 2;
  }
  const size_t lines = static_cast<size_t>(kib) * 1024 / kLine / 16 * 16;
  std::vector<Line> buf(lines);
  // The other thread's turns: step 2 t + 1 writes every line, 2 t + 2 reads every line.
  std::atomic<long> turn{0}, done{0};
  volatile int64_t sink = 0;
  bool otherPinned = false;
  std::thread other([&] {
    otherPinned = pinToCpu(1);
    const std::vector<size_t> order = sweepOrder(lines, false);
    for (long t = 1; t <= 4L * kRounds; ++t) {
      while (turn.load(std::memory_order_acquire) != t) {
      }
      if (t % 2)
        writeLines(buf.data(), order, t);
      else
        sink = sink + readLines(buf.data(), order);
      done.store(t, std::memory_order_release);
    }
  });
  bool pinned = pinToCpu(0);
  long t = 0;
  auto otherTurn = [&] {
    turn.store(++t, std::memory_order_release);
    while (done.load(std::memory_order_acquire) != t) {
    }
  };
  std::printf("%ld KiB (%zu lines), ns per line   remote   local\n", kib, lines);
  for (bool rows : {false, true}) {
    const std::vector<size_t> order = sweepOrder(lines, rows);
    std::vector<double> readRemote, readLocal, writeRemote, writeLocal;
    for (int r = 0; r < kRounds; ++r) {
      otherTurn(); // it writes every line
      auto start = std::chrono::steady_clock::now();
      sink = sink + readLines(buf.data(), order);
      readRemote.push_back(nsPerLine(start, lines));
      start = std::chrono::steady_clock::now();
      sink = sink + readLines(buf.data(), order);
      readLocal.push_back(nsPerLine(start, lines));
      otherTurn(); // it reads every line
      start = std::chrono::steady_clock::now();
      writeLines(buf.data(), order, r);
      writeRemote.push_back(nsPerLine(start, lines));
      start = std::chrono::steady_clock::now();
      writeLines(buf.data(), order, r + 1);
      writeLocal.push_back(nsPerLine(start, lines));
    }
    const char *how = rows ? "16 rows side by side" : "sequential          ";
    std::printf("read  the other CPU's writes, %s %6.1f %7.1f\n", how, median(readRemote), median(readLocal));
    std::printf("write over the other's reads, %s %6.1f %7.1f\n", how, median(writeRemote), median(writeLocal));
  }
  other.join();
  return pinned && otherPinned ? 0 : 1;
}
