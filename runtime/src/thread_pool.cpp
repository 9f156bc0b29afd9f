// The runtime's thread pool (nnc/threads.h): persistent workers woken per
// parallel_for, each running one fixed chunk of the range. Waiting threads
// spin briefly before they sleep (a training step runs dozens of short
// parallel loops; a system call to wake a worker for each costs more than
// the loop on a small batch).
//
// The chunks are static (chunk c of T always goes to thread c) rather than
// work-stolen: kernels are split into equal-cost pieces anyway, and a fixed
// assignment keeps per-thread caches (GEMM scratch) warm across calls.
#include "nnc/threads.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace nnc::rt {

namespace {

constexpr int kMaxThreads = 256;

// True on pool workers, and on a caller while it runs a parallel body: a
// parallel_for made there runs inline instead of waiting on the pool.
thread_local bool tlInParallel = false;

// nnc_threads_limit_local's cap for this thread's jobs; 0 for none.
thread_local int tlCap = 0;

int capped(int size) { return tlCap > 0 ? std::min(size, tlCap) : size; }

int defaultThreadCount() {
  if (const char *env = std::getenv("NNC_NUM_THREADS")) {
    char *end = nullptr;
    long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n >= 1) return static_cast<int>(std::min<long>(n, kMaxThreads));
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(std::min<unsigned>(hw, kMaxThreads));
}

// [begin, end) of chunk c when [0, n) is cut into `chunks` near-equal pieces.
void chunkBounds(int64_t n, int chunks, int c, int64_t &begin, int64_t &end) {
  int64_t base = n / chunks, rem = n % chunks;
  begin = c * base + std::min<int64_t>(c, rem);
  end = begin + base + (c < rem ? 1 : 0);
}

class ThreadPool {
public:
  ThreadPool() : size_(defaultThreadCount()) {}
  ~ThreadPool() { stopWorkers(); }
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  // Lock-free: a parallel body may ask (GEMM does) while the pool is busy.
  int size() const { return size_.load(std::memory_order_relaxed); }

  void resize(int n) {
    std::lock_guard<std::mutex> lock(dispatch_);
    n = n < 1 ? defaultThreadCount() : std::min(n, kMaxThreads);
    if (n == size_) return;
    stopWorkers();
    size_.store(n, std::memory_order_relaxed);
  }

  void run(int64_t n, nnc_range_fn fn, void *ctx) {
    // Another thread owns the pool: computing inline beats waiting for it.
    std::unique_lock<std::mutex> owner(dispatch_, std::try_to_lock);
    if (!owner.owns_lock() || capped(size_) == 1) {
      if (owner.owns_lock()) owner.unlock();
      fn(ctx, 0, n);
      return;
    }
    startWorkers();
    if (workers_.empty()) {
      owner.unlock();
      fn(ctx, 0, n);
      return;
    }
    // Every worker has acknowledged the last job, so none reads these now.
    // Workers past the cap see no chunk of theirs and only acknowledge.
    int chunks = static_cast<int>(std::min<int64_t>(capped(size_), n));
    fn_ = fn;
    ctx_ = ctx;
    n_ = n;
    chunks_ = chunks;
    pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_); // a worker about to sleep sees the job
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all(); // no system call when every worker is spinning
    int64_t begin, end;
    chunkBounds(n, chunks, 0, begin, end);
    tlInParallel = true;
    fn(ctx, begin, end);
    tlInParallel = false;
    for (int i = 0; i < kSpins && pending_.load(std::memory_order_acquire) != 0; ++i) pause();
    if (pending_.load(std::memory_order_acquire) != 0) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    }
  }

private:
  // Spins a waiting thread makes before it sleeps, each a pause instruction:
  // tens of microseconds, about the gap between the parallel loops of one
  // training step, so that a step's jobs reach running workers without a
  // system call to wake them, while idle workers soon stop using a core.
  static constexpr int kSpins = 4000;

  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
  }

  // Called with dispatch_ held, so no job runs. New workers start from the
  // current generation so they do not rerun the last job. When the system
  // refuses more threads, the pool shrinks to those it got.
  void startWorkers() {
    if (!workers_.empty()) return;
    stop_.store(false);
    uint64_t generation = generation_.load();
    try {
      for (int w = 1; w < size_; ++w)
        workers_.emplace_back([this, w, generation] { workerLoop(w, generation); });
    } catch (const std::system_error &) {
      size_.store(static_cast<int>(workers_.size()) + 1, std::memory_order_relaxed);
    }
  }

  void stopWorkers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_.store(true);
    }
    wake_.notify_all();
    for (std::thread &t : workers_)
      t.join();
    workers_.clear();
  }

  // Worker w runs chunk w of every job that has more than w chunks, and
  // acknowledges every job.
  void workerLoop(int w, uint64_t seen) {
    tlInParallel = true;
    for (;;) {
      auto ready = [&] { return stop_.load() || generation_.load(std::memory_order_acquire) != seen; };
      for (int i = 0; i < kSpins && !ready(); ++i) pause();
      if (!ready()) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, ready);
      }
      if (stop_.load()) return;
      seen = generation_.load(std::memory_order_acquire); // one job later: the caller waits for every acknowledgment
      if (w < chunks_) {
        int64_t begin, end;
        chunkBounds(n_, chunks_, w, begin, end);
        fn_(ctx_, begin, end);
      }
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mutex_); // the caller is waiting or will see 0
        done_.notify_one();
      }
    }
  }

  std::mutex dispatch_;   // held by the one thread running a job, and by resize
  std::atomic<int> size_; // threads in the pool, the caller included
  std::vector<std::thread> workers_;

  // The current job, written by the caller while every worker is between
  // jobs and read by the workers after they see its generation.
  nnc_range_fn fn_ = nullptr;
  void *ctx_ = nullptr;
  int64_t n_ = 0;
  int chunks_ = 0;
  std::atomic<uint64_t> generation_{0}; // bumped per job; workers run each generation once
  std::atomic<int> pending_{0};         // workers that have not acknowledged the current job
  std::atomic<bool> stop_{false};

  std::mutex mutex_; // for sleeping on wake_ and done_ without missing a job or its end
  std::condition_variable wake_, done_;
};

ThreadPool &pool() {
  static ThreadPool instance;
  return instance;
}

} // namespace

} // namespace nnc::rt

extern "C" {

void nnc_threads_set(int n) {
  // The pool is busy with this very call's parallel body: resizing would
  // wait on it forever.
  if (nnc::rt::tlInParallel) return;
  nnc::rt::pool().resize(n);
}

int nnc_threads_get(void) { return nnc::rt::capped(nnc::rt::pool().size()); }

int nnc_threads_limit_local(int n) {
  int previous = nnc::rt::tlCap;
  nnc::rt::tlCap = n < 1 ? 0 : n;
  return previous;
}

void nnc_parallel_for(int64_t n, nnc_range_fn fn, void *ctx) {
  if (n <= 0) return;
  if (n == 1 || nnc::rt::tlInParallel || nnc::rt::tlCap == 1) {
    fn(ctx, 0, n);
    return;
  }
  nnc::rt::pool().run(n, fn, ctx);
}

} // extern "C"
