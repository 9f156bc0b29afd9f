#include "GraphRunner.h"
#include "TrainError.h"

#include <cstring>
#include <new>

namespace nnc::trainer {

namespace {
constexpr size_t kAlign = 64;
size_t roundUp(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }
} // namespace

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

GraphRunner::GraphRunner(const Graph &graph, nnc_graph_fn fn, int64_t maxBatch)
    : graph_(&graph), fn_(fn), maxBatch_(maxBatch), buffers_(graph.nodes.size(), nullptr) {
  if (!fn) throw TrainError("the program has no function for " + graph.describe());
  size_t total = 0;
  for (const Node &n : graph.nodes)
    if (n.kind == Node::Value && n.buffered) total += roundUp(tensorBytes(n.type, maxBatch));
  arena_ = Buffer(total);
  size_t offset = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node &n = graph.nodes[i];
    if (n.kind != Node::Value || !n.buffered) continue; // a temp's entry stays null
    buffers_[i] = arena_.as<unsigned char>() + offset;
    offset += roundUp(tensorBytes(n.type, maxBatch));
  }
}

void GraphRunner::bind(int id, void *storage) {
  if (id < 0 || static_cast<size_t>(id) >= buffers_.size() ||
      graph_->nodes[static_cast<size_t>(id)].kind == Node::Value)
    throw TrainError("internal error: binding node " + std::to_string(id) + " of " + graph_->describe());
  buffers_[static_cast<size_t>(id)] = storage;
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
}

} // namespace nnc::trainer
