// One graph of the program ready to run: the buffers of its value nodes
// (temps, computed inside fused kernels, have none) in one arena laid out by
// the memory plan the manifest gives (a region per slot), allocated once at
// the largest batch it will see, and the bindings of its inputs and params,
// which the caller points at storage it owns.
#ifndef NNC_TRAINER_GRAPH_RUNNER_H
#define NNC_TRAINER_GRAPH_RUNNER_H

#include "Manifest.h"

#include "nnc/program.h"

#include <cstdint>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <vector>

namespace nnc::trainer {

// Zero-filled bytes aligned for any vector load (64 bytes), never null.
class Buffer {
public:
  Buffer() = default;
  explicit Buffer(size_t bytes);
  void *data() const { return p_.get(); }
  size_t size() const { return size_; }
  template <typename T> T *as() const { return static_cast<T *>(data()); }

private:
  struct Free {
    void operator()(void *p) const { std::free(p); }
  };
  std::unique_ptr<void, Free> p_;
  size_t size_ = 0;
};

// The bytes of a tensor of `type` at `batch` rows.
size_t tensorBytes(const TensorType &type, int64_t batch);

// Where the value nodes of a graph live in one arena for `maxBatch` rows:
// the values of one slot share a region as large as the largest of them,
// a value without a slot has a region of its own, each region starts at a
// 64-byte boundary. Inputs, params, temps and values stored in a bound node
// (Node::storedIn) have none.
struct ArenaLayout {
  static constexpr size_t kNone = SIZE_MAX;
  std::vector<size_t> offset; // per node, or kNone
  size_t bytes = 0;
};
ArenaLayout arenaLayout(const Graph &graph, int64_t maxBatch);

// What the runtime would otherwise allocate when graphs first run, done now:
// the GEMM scratch of the calling thread and of every pool thread, and the
// pool's workers.
void reserveRuntime();

class GraphRunner {
public:
  GraphRunner(const Graph &graph, nnc_graph_fn fn, int64_t maxBatch);

  const Graph &graph() const { return *graph_; }
  int64_t maxBatch() const { return maxBatch_; }

  // Points input or param node `id` at caller-owned storage, and the values
  // the graph writes into that storage (Node::storedIn) with it.
  void bind(int id, void *storage);
  // Runs the graph on `batch` rows (1 <= batch <= maxBatch) after checking
  // that every input and param is bound.
  void run(int64_t batch);
  // Node `id`'s storage: its value buffer, or what it is bound to.
  void *buffer(int id) const { return buffers_[static_cast<size_t>(id)]; }

private:
  const Graph *graph_;
  nnc_graph_fn fn_;
  int64_t maxBatch_;
  Buffer arena_; // arenaLayout's
  std::vector<void *> buffers_;
};

} // namespace nnc::trainer

#endif
