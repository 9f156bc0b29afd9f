// The round trip of one cache line between two threads pinned to CPUs 0 and
// 1, in nanoseconds: what every value one thread writes and the other reads
// costs. On a VM it tells where the host put the two vCPUs, which it changes
// while running: about 110 ns when they share a core complex (L3), about
// 460 ns when they do not. train_vs_pytorch.sh prints it beside each 2-thread
// result, which depends on it (bench/RESULTS.md).
// Build: g++ -O2 bench/core_to_core.cpp -lpthread -o core_to_core
#include "pin_cpu.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

namespace {

alignas(64) std::atomic<long> ball{0};

} // namespace

int main() {
  constexpr long kRounds = 100000;
  bool otherPinned = false;
  std::thread other([&] {
    otherPinned = pinToCpu(1);
    for (long i = 0; i < kRounds; ++i) {
      while (ball.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      ball.store(2 * i + 2, std::memory_order_release);
    }
  });
  bool pinned = pinToCpu(0);
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < kRounds; ++i) {
    ball.store(2 * i + 1, std::memory_order_release);
    while (ball.load(std::memory_order_acquire) != 2 * i + 2) {
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  other.join();
  std::printf("%.0f\n", seconds / kRounds * 1e9);
  return pinned && otherPinned ? 0 : 1;
}
