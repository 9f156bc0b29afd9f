// Model contexts (nnc/model.h): the forward graph's buffer table, filled once
// in nnc_model_create (params bound to the weights, values to one arena), so
// that a prediction only points the inputs at the caller's rows, runs the
// graph and copies the outputs out.
#include "ModelInfo.h"
#include "trainer/GraphRunner.h"
#include "trainer/TrainError.h"

#include "nnc/checkpoint.h"
#include "nnc/error.h"
#include "nnc/gemm.h"
#include "nnc/model.h"
#include "nnc/program.h"
#include "nnc/threads.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

using nnc::infer::ModelInfo;
using nnc::trainer::quoted;

struct nnc_model {
  const ModelInfo *info = nullptr;
  nnc_graph_fn forward = nullptr;
  int64_t maxBatch = 0;
  int threads = 0; // 0: the pool's
  nnc::trainer::Buffer arena;
  std::vector<void *> buffers; // forward node id -> storage
};

namespace nnc::infer {

namespace {

constexpr size_t kAlign = 64; // as GraphRunner's buffers, for vector loads

size_t roundUp(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// A failure with a message built in C++; returns the code.
int fail(int code, const std::string &message) { return nnc_set_error(code, "%s", message.c_str()); }

struct CloseCheckpoint {
  void operator()(nnc_checkpoint *c) const { nnc_checkpoint_close(c); }
};

// Points every param node at the program's embedded weights, which must be
// the manifest's params, in order.
int bindEmbedded(const nnc_program &p, nnc_model &m) {
  const Manifest &man = m.info->manifest;
  if (p.num_weights == 0)
    return fail(NNC_ERR_ARG,
                "model " + quoted(man.model) + " has no embedded weights: give a checkpoint to read them from");
  if (p.num_weights != man.params.size() || !p.weight_names || !p.weight_data)
    return fail(NNC_ERR_FORMAT, "the program embeds " + std::to_string(p.num_weights) + " weights for " +
                                    std::to_string(man.params.size()) + " params");
  const Graph &f = m.info->forwardGraph();
  for (size_t i = 0; i < man.params.size(); ++i) {
    const char *name = p.weight_names[i];
    if (!name || name != man.params[i].name || !p.weight_data[i])
      return fail(NNC_ERR_FORMAT, "embedded weight " + std::to_string(i) + " is " +
                                      (name ? quoted(name) : std::string("unnamed")) + ", but param " +
                                      std::to_string(i) + " of the manifest is " + quoted(man.params[i].name));
    for (size_t id = 0; id < f.nodes.size(); ++id)
      if (f.nodes[id].kind == trainer::Node::Param && f.nodes[id].name == name)
        m.buffers[id] = const_cast<void *>(p.weight_data[i]);
  }
  return NNC_OK;
}

// Reads every param the forward graph reads from the checkpoint at `path`
// into the arena at `offset`, and points the param's node there.
int loadCheckpoint(const char *path, nnc_model &m, size_t offset) {
  nnc_checkpoint *raw = nullptr;
  if (int rc = nnc_checkpoint_open(path, &raw)) return rc;
  std::unique_ptr<nnc_checkpoint, CloseCheckpoint> ckpt(raw);
  const Graph &f = m.info->forwardGraph();
  for (size_t id = 0; id < f.nodes.size(); ++id) {
    const trainer::Node &n = f.nodes[id];
    if (n.kind != trainer::Node::Param) continue;
    if (n.type.dtype != DType::F32)
      return fail(NNC_ERR_FORMAT,
                  "param " + quoted(n.name) + " is " + n.type.str() + ", and checkpoints hold f32 tensors only");
    void *dst = m.arena.as<unsigned char>() + offset;
    const std::vector<int64_t> &dims = n.type.shape.dims;
    int rc = nnc_checkpoint_load(ckpt.get(), n.name.c_str(), static_cast<int32_t>(dims.size()), dims.data(),
                                 static_cast<float *>(dst));
    if (rc == NNC_ERR_NOT_FOUND)
      return fail(rc, std::string(nnc_last_error()) + ", a param of model " + quoted(m.info->manifest.model) + " (" +
                          n.type.str() + "): was it saved by a different program?");
    if (rc) return rc;
    m.buffers[id] = dst;
    offset += roundUp(trainer::tensorBytes(n.type, 1));
  }
  return NNC_OK;
}

int create(const nnc_program *p, int64_t maxBatch, const char *weightsPath, nnc_model **out) {
  if (!out) return nnc_set_error(NNC_ERR_ARG, "nnc_model_create: no place for the context (out is NULL)");
  *out = nullptr;
  const ModelInfo *info = nullptr;
  if (int rc = modelInfo(p, &info)) return rc;
  if (maxBatch < 1) return nnc_set_error(NNC_ERR_ARG, "max_batch must be at least 1, got %lld", (long long)maxBatch);
  const Graph &f = info->forwardGraph();
  auto m = std::make_unique<nnc_model>();
  m->info = info;
  m->maxBatch = maxBatch;
  m->forward = p->graphs[f.index];
  if (!m->forward) return fail(NNC_ERR_FORMAT, "the program has no function for " + f.describe());

  // The arena: loaded weights first, then the value nodes at max_batch rows
  // as the memory plan lays them out (temps live in registers).
  size_t weightBytes = 0;
  for (const trainer::Node &n : f.nodes) {
    if (n.kind == trainer::Node::Param && weightsPath) weightBytes += roundUp(trainer::tensorBytes(n.type, 1));
    if (n.kind != trainer::Node::Value || !n.buffered) continue;
    // Guards the sizes below against overflow.
    double bytes = static_cast<double>(n.type.shape.rowElems()) * 8;
    for (int k = (n.type.shape.batched ? 1 : 0) + n.type.shape.innerBatch(); k > 0; --k)
      bytes *= static_cast<double>(maxBatch);
    if (bytes > 1e15)
      return fail(NNC_ERR_ARG, "max_batch " + std::to_string(maxBatch) + " is too large for this model");
  }
  const trainer::ArenaLayout layout = trainer::arenaLayout(f, maxBatch);
  m->arena = trainer::Buffer(weightBytes + layout.bytes);
  m->buffers.assign(f.nodes.size(), nullptr);
  for (size_t id = 0; id < f.nodes.size(); ++id)
    if (layout.offset[id] != trainer::ArenaLayout::kNone)
      m->buffers[id] = m->arena.as<unsigned char>() + weightBytes + layout.offset[id];
  int rc = weightsPath ? loadCheckpoint(weightsPath, *m, 0) : bindEmbedded(*p, *m);
  if (rc) return rc;
  trainer::reserveRuntime(); // what a first prediction would allocate
  *out = m.release();
  return NNC_OK;
}

int predict(nnc_model &m, int64_t n, const void *const *inputs, void *const *outputs) {
  const ModelInfo &info = *m.info;
  const Manifest &man = info.manifest;
  if (n < 1 || n > m.maxBatch)
    return nnc_set_error(NNC_ERR_ARG, "predict on %lld rows: this context takes 1 to %lld", (long long)n,
                         (long long)m.maxBatch);
  if (!inputs || !outputs)
    return nnc_set_error(NNC_ERR_ARG, "predict: the %s array is NULL", inputs ? "outputs" : "inputs");
  for (size_t i = 0; i < man.inputs.size(); ++i) {
    if (!inputs[i])
      return nnc_set_error(NNC_ERR_ARG, "predict: input %zu (`%s`) is NULL", i, man.inputs[i].name.c_str());
    if (info.inputNode[i] >= 0) m.buffers[static_cast<size_t>(info.inputNode[i])] = const_cast<void *>(inputs[i]);
  }
  for (size_t i = 0; i < man.outputs.size(); ++i)
    if (!outputs[i])
      return nnc_set_error(NNC_ERR_ARG, "predict: output %zu (`%s`) is NULL", i, man.outputs[i].name.c_str());
  int saved = m.threads > 0 ? nnc_threads_limit_local(m.threads) : 0;
  m.forward(n, m.buffers.data());
  if (m.threads > 0) nnc_threads_limit_local(saved);
  if (nnc_take_index_error()) return NNC_ERR_ARG; // the message is nnc_last_error()'s
  // memmove: an output may be an input passed through, in a buffer the caller
  // also passed as that output.
  for (size_t i = 0; i < man.outputs.size(); ++i)
    std::memmove(outputs[i], m.buffers[static_cast<size_t>(info.outputNode[i])],
                 trainer::tensorBytes(man.outputs[i].type, n));
  return NNC_OK;
}

} // namespace

} // namespace nnc::infer

extern "C" {

int nnc_model_create(const nnc_program *p, int64_t max_batch, const char *weights_path, nnc_model **out) {
  try {
    return nnc::infer::create(p, max_batch, weights_path, out);
  } catch (const std::bad_alloc &) {
    return nnc_set_error(NNC_ERR_NOMEM, "out of memory for a context of %lld rows", (long long)max_batch);
  } catch (const std::exception &e) {
    return nnc_set_error(NNC_ERR_FORMAT, "internal error: %s", e.what());
  }
}

void nnc_model_destroy(nnc_model *m) { delete m; }

int nnc_model_set_threads(nnc_model *m, int n) {
  if (!m) return nnc_set_error(NNC_ERR_ARG, "nnc_model_set_threads: no context (NULL)");
  if (n < 0) return nnc_set_error(NNC_ERR_ARG, "nnc_model_set_threads: %d threads (expected 0 for all, or more)", n);
  m->threads = n;
  return NNC_OK;
}

int nnc_model_predict(nnc_model *m, int64_t n, const void *const *inputs, void *const *outputs) {
  if (!m) return nnc_set_error(NNC_ERR_ARG, "nnc_model_predict: no context (NULL)");
  return nnc::infer::predict(*m, n, inputs, outputs);
}

int64_t nnc_model_max_batch(const nnc_model *m) { return m ? m->maxBatch : 0; }

int64_t nnc_model_arena_bytes(const nnc_model *m) { return m ? static_cast<int64_t>(m->arena.size()) : 0; }

} // extern "C"
