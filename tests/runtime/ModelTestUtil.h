// Hand-written inference programs for the model contexts (nnc/model.h) and
// the inference executable's tests: forward and data graphs as C functions
// following nnc/program.h, and the model manifests that describe them.
//
// The classifier "Clf" takes x f32[B,2] and gives logits f32[B,3] = x W + b
// with params "Clf/W" f32[2,3] and "Clf/b" f32[3]; with kW and kB below its
// class is 0 when x0 is largest, 1 when x1 is, 2 when both are below 0.5.
// The regressor "Reg" takes x f32[B,1] and gives y = w x + b and x itself
// (output "echo", an input node passed through).
#pragma once

#include "TrainerTestUtil.h"
#include "infer/InferMain.h"

#include "nnc/model.h"
#include "nnc/threads.h"

#include <atomic>
#include <fstream>
#include <istream>

namespace model_test {

using trainer_test::TempDir;

inline float *F(void **b, int i) { return static_cast<float *>(b[i]); }

// ---- graphs ---------------------------------------------------------------

// The thread count the last forward call saw, the way generated kernels ask.
inline std::atomic<int> forwardThreads{0};

struct ClfArgs {
  const float *x, *W, *b;
  float *logits;
};

inline void clfRows(void *ctx, int64_t begin, int64_t end) {
  const ClfArgs &a = *static_cast<const ClfArgs *>(ctx);
  for (int64_t r = begin; r < end; ++r)
    for (int j = 0; j < 3; ++j)
      a.logits[r * 3 + j] = a.x[r * 2] * a.W[j] + a.x[r * 2 + 1] * a.W[3 + j] + a.b[j];
}

// forward of Clf. Nodes: 0 x, 1 W, 2 b, 3 logits; rows split over threads as
// generated kernels do.
inline void clfForward(int64_t batch, void **b) {
  forwardThreads = nnc_threads_get();
  ClfArgs a{F(b, 0), F(b, 1), F(b, 2), F(b, 3)};
  nnc_parallel_for(batch, clfRows, &a);
}

// forward of Reg. Nodes: 0 x, 1 w, 2 b, 3 y.
inline void regForward(int64_t batch, void **b) {
  for (int64_t r = 0; r < batch; ++r)
    F(b, 3)[r] = *F(b, 1) * F(b, 0)[r] + *F(b, 2);
}

// data (idx): x = image / 10, y = label. Nodes: 0 image f32[B,2], 1 label
// i32[B], 2 x, 3 y.
inline void dataIdx(int64_t batch, void **b) {
  for (int64_t i = 0; i < 2 * batch; ++i)
    F(b, 2)[i] = F(b, 0)[i] / 10;
  for (int64_t i = 0; i < batch; ++i)
    static_cast<int32_t *>(b[3])[i] = static_cast<const int32_t *>(b[1])[i];
}

// data (csv): x = features / 10. Nodes: 0 features f32[B,2], 1 x.
inline void dataCsv(int64_t batch, void **b) {
  for (int64_t i = 0; i < 2 * batch; ++i)
    F(b, 1)[i] = F(b, 0)[i] / 10;
}

enum GraphIndex { kClfForward, kRegForward, kDataIdx, kDataCsv, kNumGraphs };
inline const nnc_graph_fn kGraphs[kNumGraphs] = {clfForward, regForward, dataIdx, dataCsv};

// ---- manifests --------------------------------------------------------------

inline const char *kClfForwardGraph = "graph 0 forward \"Clf\" 4 0\n"
                                      "node 0 input \"x\" f32 [B,2]\n"
                                      "node 1 param \"Clf/W\" f32 [2,3]\n"
                                      "node 2 param \"Clf/b\" f32 [3]\n"
                                      "node 3 value \"\" f32 [B,3]\n"
                                      "output \"logits\" 3\n";

inline const char *kDataIdxGraph = "graph 2 data \"d\" 4 1\n"
                                   "node 0 input \"image\" f32 [B,2]\n"
                                   "node 1 input \"label\" i32 [B]\n"
                                   "node 2 value \"\" f32 [B,2]\n"
                                   "node 3 value \"\" i32 [B]\n"
                                   "output \"x\" 2\n"
                                   "output \"y\" 3\n";

inline const char *kDataCsvGraph = "graph 3 data \"d\" 2 1\n"
                                   "node 0 input \"features\" f32 [B,2]\n"
                                   "node 1 value \"\" f32 [B,2]\n"
                                   "output \"x\" 1\n";

// The classifier's manifest; `extra` goes before the graphs (sources),
// `dataGraph` before the forward graph.
inline std::string clfManifest(const std::string &extra = "", const std::string &dataGraph = "") {
  return "nnc-model 1\n"
         "model \"Clf\"\n"
         "param \"Clf/W\" f32 [2,3]\n"
         "param \"Clf/b\" f32 [3]\n"
         "input \"x\" f32 [B,2]\n"
         "output \"logits\" f32 [B,3]\n"
         "classifier 1\n" +
         extra + dataGraph + kClfForwardGraph + "end\n";
}

inline std::string regManifest() {
  return "nnc-model 1\n"
         "model \"Reg\"\n"
         "param \"Reg/w\" f32 []\n"
         "param \"Reg/b\" f32 []\n"
         "input \"x\" f32 [B,1]\n"
         "output \"y\" f32 [B,1]\n"
         "output \"echo\" f32 [B,1]\n"
         "classifier 0\n"
         "graph 1 forward \"Reg\" 4 0\n"
         "node 0 input \"x\" f32 [B,1]\n"
         "node 1 param \"Reg/w\" f32 []\n"
         "node 2 param \"Reg/b\" f32 []\n"
         "node 3 value \"\" f32 [B,1]\n"
         "output \"y\" 3\n"
         "output \"echo\" 0\n"
         "end\n";
}

// The classifier's weights: logits = [x0, x1, 0.5].
inline const float kW[6] = {1, 0, 0, 0, 1, 0};
inline const float kB[3] = {0, 0, 0.5f};
inline const float kRegW = 2, kRegB = 1;

// A program owning its manifest, with the weights embedded or not.
struct Program {
  std::string manifest;
  nnc_program desc{};
  std::vector<const char *> names;
  std::vector<const void *> data;
  Program(std::string text, std::vector<const char *> weightNames, std::vector<const void *> weightData)
      : manifest(std::move(text)), names(std::move(weightNames)), data(std::move(weightData)) {
    desc.abi_version = NNC_PROGRAM_ABI;
    desc.num_graphs = kNumGraphs;
    desc.manifest = manifest.c_str();
    desc.graphs = kGraphs;
    desc.num_weights = static_cast<uint32_t>(names.size());
    desc.weight_names = names.empty() ? nullptr : names.data();
    desc.weight_data = data.empty() ? nullptr : data.data();
  }
  Program(const Program &) = delete;
};

inline std::unique_ptr<Program> clfProgram(bool embedded = true, const std::string &extra = "",
                                           const std::string &dataGraph = "") {
  if (!embedded)
    return std::make_unique<Program>(clfManifest(extra, dataGraph), std::vector<const char *>{},
                                     std::vector<const void *>{});
  return std::make_unique<Program>(clfManifest(extra, dataGraph), std::vector<const char *>{"Clf/W", "Clf/b"},
                                   std::vector<const void *>{kW, kB});
}

inline std::unique_ptr<Program> regProgram() {
  return std::make_unique<Program>(regManifest(), std::vector<const char *>{"Reg/w", "Reg/b"},
                                   std::vector<const void *>{&kRegW, &kRegB});
}

// Saves the classifier's params (and an optimizer state, which inference
// ignores) as a checkpoint; `wDims` lets a test save W with another shape.
inline void saveClfCheckpoint(const std::string &path, std::vector<int64_t> wDims = {2, 3}, bool withBias = true) {
  std::vector<float> w(kW, kW + 6), state(6, 7.0f);
  w.resize(static_cast<size_t>(wDims[0] * wDims[1]), 0);
  const int64_t bDims[] = {3}, sDims[] = {2, 3};
  std::vector<nnc_ckpt_tensor> t = {{"Clf/W", 2, wDims.data(), w.data()},
                                    {"state/train/Clf/W/m", 2, sDims, state.data()}};
  if (withBias) t.push_back({"Clf/b", 1, bDims, kB});
  nnc_ckpt_meta meta{};
  REQUIRE(nnc_checkpoint_save(path.c_str(), &meta, t.data(), static_cast<int64_t>(t.size())) == NNC_OK);
}

// Owns a context.
struct Model {
  nnc_model *m = nullptr;
  ~Model() { nnc_model_destroy(m); }
  nnc_model *operator->() const { return m; }
};

// The class of each row of [n, 3] logits.
inline std::vector<int> classes(const std::vector<float> &logits) {
  std::vector<int> out;
  for (size_t r = 0; r + 2 < logits.size(); r += 3) {
    int best = 0;
    for (int j = 1; j < 3; ++j)
      if (logits[r + static_cast<size_t>(j)] > logits[r + static_cast<size_t>(best)]) best = j;
    out.push_back(best);
  }
  return out;
}

// ---- data files ---------------------------------------------------------------

using Bytes = std::vector<unsigned char>;

// An IDX file of unsigned bytes with the given dims.
inline Bytes idxU8(const std::vector<uint32_t> &dims, const Bytes &data) {
  Bytes b = {0, 0, 0x08, static_cast<unsigned char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8)
      b.push_back(static_cast<unsigned char>(d >> shift));
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

inline void writeBytes(const std::string &path, const Bytes &b) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(b.data()), std::streamsize(b.size()));
}

inline void writeText(const std::string &path, const std::string &text) { std::ofstream(path) << text; }

// ---- the inference executable ----------------------------------------------

struct Result {
  int status = -1;
  std::string out, err;
  std::vector<std::string> lines() const {
    std::vector<std::string> v;
    std::istringstream s(out);
    for (std::string line; std::getline(s, line);)
      v.push_back(line);
    return v;
  }
};

// Runs the inference executable's core with `stdinBytes` as standard input.
inline Result infer(const Program &p, std::vector<std::string> args, const std::string &stdinBytes = "") {
  args.insert(args.begin(), "predict");
  std::istringstream in(stdinBytes);
  std::ostringstream out, err;
  Result r;
  r.status = nnc::infer::run(&p.desc, args, in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// Rows of floats as the raw bytes `--input -` reads.
inline std::string rawRows(const std::vector<float> &values) {
  return std::string(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(float));
}

} // namespace model_test
