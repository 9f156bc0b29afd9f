#include "GraphRunner.h"
#include "TrainError.h"

#include "nnc/error.h"
#include "nnc/gemm.h"
#include "nnc/program.h"
#include "nnc/threads.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace nnc::trainer {

namespace {
constexpr size_t kAlign = 64;
size_t roundUp(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// One chunk per thread, each growing its own thread's scratch.
void reserveShare(void *, int64_t, int64_t) { nnc_sgemm_reserve(); }
} // namespace

void reserveRuntime() {
  nnc_sgemm_reserve();
  nnc_parallel_for(nnc_threads_get(), reserveShare, nullptr);
}

Buffer::Buffer(size_t bytes) : size_(bytes) {
  size_t n = roundUp(bytes ? bytes : 1);
  void *p = std::aligned_alloc(kAlign, n);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, n);
  p_.reset(p);
}

size_t tensorBytes(const TensorType &type, int64_t batch) {
  return static_cast<size_t>(type.shape.elems(batch)) * dtypeSize(type.dtype);
}

ArenaLayout arenaLayout(const Graph &graph, int64_t maxBatch) {
  ArenaLayout a;
  a.offset.assign(graph.nodes.size(), ArenaLayout::kNone);
  std::vector<size_t> slotBytes(graph.nodes.size(), 0);
  for (const Node &n : graph.nodes)
    if (n.kind == Node::Value && n.buffered && n.slot >= 0) {
      size_t &b = slotBytes[static_cast<size_t>(n.slot)];
      b = std::max(b, roundUp(tensorBytes(n.type, maxBatch)));
    }
  std::vector<size_t> slotOffset(graph.nodes.size(), ArenaLayout::kNone);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node &n = graph.nodes[i];
    if (n.kind != Node::Value || !n.buffered || n.storedIn >= 0) continue; // a temp's entry stays null
    if (n.slot < 0) {
      a.offset[i] = a.bytes;
      a.bytes += roundUp(tensorBytes(n.type, maxBatch));
      continue;
    }
    size_t &at = slotOffset[static_cast<size_t>(n.slot)];
    if (at == ArenaLayout::kNone) {
      at = a.bytes;
      a.bytes += slotBytes[static_cast<size_t>(n.slot)];
    }
    a.offset[i] = at;
  }
  return a;
}

GraphRunner::GraphRunner(const Graph &graph, nnc_graph_fn fn, int64_t maxBatch)
    : graph_(&graph), fn_(fn), maxBatch_(maxBatch), buffers_(graph.nodes.size(), nullptr) {
  if (!fn) throw TrainError("the program has no function for " + graph.describe());
  ArenaLayout layout = arenaLayout(graph, maxBatch);
  arena_ = Buffer(layout.bytes);
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (layout.offset[i] != ArenaLayout::kNone) buffers_[i] = arena_.as<unsigned char>() + layout.offset[i];
}

void GraphRunner::bind(int id, void *storage) {
  if (id < 0 || static_cast<size_t>(id) >= buffers_.size() ||
      graph_->nodes[static_cast<size_t>(id)].kind == Node::Value)
    throw TrainError("internal error: binding node " + std::to_string(id) + " of " + graph_->describe());
  buffers_[static_cast<size_t>(id)] = storage;
  for (size_t i = 0; i < buffers_.size(); ++i)
    if (graph_->nodes[i].storedIn == id) buffers_[i] = storage;
}

void GraphRunner::run(int64_t batch) {
  if (batch < 1 || batch > maxBatch_)
    throw TrainError("internal error: " + graph_->describe() + " run on " + std::to_string(batch) +
                     " rows, allocated for " + std::to_string(maxBatch_));
  for (size_t i = 0; i < buffers_.size(); ++i)
    if (!buffers_[i] && graph_->nodes[i].buffered)
      throw TrainError("internal error: node " + std::to_string(i) + " (" + quoted(graph_->nodes[i].name) + ") of " +
                       graph_->describe() + " is not bound");
  fn_(batch, buffers_.data());
  // A label the model has no class for, a token past the vocabulary.
  if (nnc_take_index_error()) throw TrainError(nnc_last_error());
}

} // namespace nnc::trainer
