// One graph of the program ready to run: the buffers of its value nodes
// (temps, computed inside fused kernels, have none),
// allocated once at the largest batch it will see, and the bindings of its
// inputs and params, which the caller points at storage it owns.
#ifndef NNC_TRAINER_GRAPH_RUNNER_H
#define NNC_TRAINER_GRAPH_RUNNER_H

#include "Manifest.h"

#include "nnc/program.h"

#include <cstdint>
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

class GraphRunner {
public:
  GraphRunner(const Graph &graph, nnc_graph_fn fn, int64_t maxBatch);

  const Graph &graph() const { return *graph_; }
  int64_t maxBatch() const { return maxBatch_; }

  // Points input or param node `id` at caller-owned storage.
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
  Buffer arena_; // every value node but temps, each at a 64-byte boundary
  std::vector<void *> buffers_;
};

} // namespace nnc::trainer

#endif
