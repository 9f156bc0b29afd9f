// Hand-written programs for the training driver's tests: graphs as C
// functions following nnc/program.h, and the manifest text that describes
// them, assembled per test from a data source, settings and graph blocks.
//
// The model is linear regression y = w * x + b with params "Lin/w" and
// "Lin/b" (both f32[]). Its update graph computes loss = mean((w x + b - y)^2)
// and SGD with momentum 0.9 (states "state/train/Lin/{w,b}/v"), or plain SGD;
// both output two metrics: "rows" (the batch size, to see the partial batch)
// and "xmean" (the batch's mean x, to see which rows a split holds).
#pragma once

#include "common/TempDir.h"
#include "nnc/checkpoint.h"
#include "nnc/program.h"
#include "nnc/rng.h"
#include "trainer/Trainer.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace trainer_test {

namespace fs = std::filesystem;

// A fresh directory for one test's files, removed afterwards.
struct TempDir : nnc::test::TempDir {
  TempDir() : nnc::test::TempDir("nnc_trainer") {}
};

inline float *F(void **b, int i) { return static_cast<float *>(b[i]); }

// ---- graphs ---------------------------------------------------------------

// data (literal): x = xs / 2, y = ys (the input itself).
inline void dataLiteral(int64_t batch, void **b) {
  for (int64_t i = 0; i < batch; ++i)
    F(b, 2)[i] = F(b, 0)[i] * 0.5f;
}

// init: w = 0, b = 0.
inline void initLinear(int64_t, void **b) {
  *F(b, 0) = 0;
  *F(b, 1) = 0;
}

// The step's shared arithmetic: loss, gradients and the two metrics.
struct Forward {
  float loss = 0, gw = 0, gb = 0, rows = 0, xmean = 0;
};
inline Forward forward(int64_t batch, const float *x, const float *y, float w, float bias) {
  Forward f;
  float xs = 0;
  for (int64_t i = 0; i < batch; ++i) {
    float e = w * x[i] + bias - y[i];
    f.loss += e * e;
    f.gw += 2 * e * x[i];
    f.gb += 2 * e;
    xs += x[i];
  }
  float n = static_cast<float>(batch);
  f.loss /= n;
  f.gw /= n;
  f.gb /= n;
  f.rows = n;
  f.xmean = xs / n;
  return f;
}

// Set by a test to make the loss NaN at that global step (0: never).
inline int nanAtStep = 0;

// update with momentum. Nodes: 0 x, 1 y, 2 step, 3 hyper/<lr>, 4-5 states,
// 6-7 params, 8 loss, 9 rows, 10 xmean, 11-12 grads, 13-14 new params,
// 15-16 new states.
inline void updateMomentum(int64_t batch, void **b) {
  Forward f = forward(batch, F(b, 0), F(b, 1), *F(b, 6), *F(b, 7));
  float lr = *F(b, 3);
  if (nanAtStep && *F(b, 2) == static_cast<float>(nanAtStep)) f.loss = std::numeric_limits<float>::quiet_NaN();
  *F(b, 8) = f.loss;
  *F(b, 9) = f.rows;
  *F(b, 10) = f.xmean;
  *F(b, 11) = f.gw;
  *F(b, 12) = f.gb;
  *F(b, 15) = 0.9f * *F(b, 4) + f.gw;
  *F(b, 16) = 0.9f * *F(b, 5) + f.gb;
  *F(b, 13) = *F(b, 6) - lr * *F(b, 15);
  *F(b, 14) = *F(b, 7) - lr * *F(b, 16);
}

// plain SGD. Nodes: 0 x, 1 y, 2 step, 3 hyper/lr, 4-5 params, 6 loss,
// 7 rows, 8 xmean, 9-10 new params.
inline void updateSgd(int64_t batch, void **b) {
  Forward f = forward(batch, F(b, 0), F(b, 1), *F(b, 4), *F(b, 5));
  float lr = *F(b, 3);
  *F(b, 6) = f.loss;
  *F(b, 7) = f.rows;
  *F(b, 8) = f.xmean;
  *F(b, 9) = *F(b, 4) - lr * f.gw;
  *F(b, 10) = *F(b, 5) - lr * f.gb;
}

// evaluate. Nodes: 0 x, 1 y, 2 params w, 3 b, 4 loss, 5 rows, 6 xmean.
inline void evaluateLinear(int64_t batch, void **b) {
  Forward f = forward(batch, F(b, 0), F(b, 1), *F(b, 2), *F(b, 3));
  *F(b, 4) = f.loss;
  *F(b, 5) = f.rows;
  *F(b, 6) = f.xmean;
}

inline void stateInitMomentum(int64_t, void **b) {
  *F(b, 0) = 0;
  *F(b, 1) = 0;
}

// data (generated): row i of the whole run is x = i / 1000, y = 2 x + 1, so
// the test rows (the last ones) have larger x than the training rows.
inline void dataGenerated(int64_t batch, void **b) {
  for (int64_t i = 0; i < batch; ++i) {
    F(b, 0)[i] = static_cast<float>(i) / 1000.0f;
    F(b, 1)[i] = 2 * F(b, 0)[i] + 1;
  }
}

// Batch sizes the file-reading data graphs were called with.
inline std::vector<int64_t> dataBatches;

// data (idx): x = image[r, 0] + image[r, 1], y = label as f32.
inline void dataIdx(int64_t batch, void **b) {
  dataBatches.push_back(batch);
  const int32_t *label = static_cast<const int32_t *>(b[1]);
  for (int64_t i = 0; i < batch; ++i) {
    F(b, 2)[i] = F(b, 0)[2 * i] + F(b, 0)[2 * i + 1];
    F(b, 3)[i] = static_cast<float>(label[i]);
  }
}

// data (csv): x = features[r, 0] + features[r, 1], y = label.
inline void dataCsv(int64_t batch, void **b) {
  dataBatches.push_back(batch);
  for (int64_t i = 0; i < batch; ++i)
    F(b, 2)[i] = F(b, 0)[2 * i] + F(b, 0)[2 * i + 1];
}

// Graph indices in the table every test program uses.
enum GraphIndex {
  kDataLiteral,
  kInit,
  kUpdateMomentum,
  kEvaluate,
  kStateInit,
  kDataGenerated,
  kDataIdx,
  kDataCsv,
  kUpdateSgd,
  kNumGraphs
};
inline const nnc_graph_fn kGraphs[kNumGraphs] = {dataLiteral,    initLinear,        updateMomentum,
                                                 evaluateLinear, stateInitMomentum, dataGenerated,
                                                 dataIdx,        dataCsv,           updateSgd};

// ---- manifest blocks --------------------------------------------------------

inline std::string header(const std::string &settings, const std::string &hyper = "lr", double lr = 0.02) {
  std::ostringstream s;
  s << "nnc-program 1\n"
       "train \"Lin\" \"d\"\n"
    << settings
    << "param \"Lin/w\" f32 []\n"
       "param \"Lin/b\" f32 []\n"
       "step \"train\"\n"
       "hyper \"train\" \""
    << hyper << "\" " << lr << "\n";
  return s.str();
}

// `literal` source of n rows: xs = 0..n-1, ys = 3 xs + 1 (so y = 6 x + 1).
inline std::string literalSource(const std::string &split, int n) {
  std::string xs, ys;
  for (int i = 0; i < n; ++i) {
    xs += " " + std::to_string(i);
    ys += " " + std::to_string(3 * i + 1);
  }
  return "source " + split + " literal " + std::to_string(n) + " 2\n" + "literal \"xs\" f32 [B] " + std::to_string(n) +
         xs + "\nliteral \"ys\" f32 [B] " + std::to_string(n) + ys + "\n";
}

inline const char *kDataLiteralGraph = "graph 0 data \"d\" 3 1\n"
                                       "node 0 input \"xs\" f32 [B]\n"
                                       "node 1 input \"ys\" f32 [B]\n"
                                       "node 2 value \"\" f32 [B]\n"
                                       "output \"x\" 2\n"
                                       "output \"y\" 1\n";

inline const char *kDataGeneratedGraph = "graph 5 data \"d\" 2 0\n"
                                         "node 0 value \"\" f32 [B]\n"
                                         "node 1 value \"\" f32 [B]\n"
                                         "output \"x\" 0\n"
                                         "output \"y\" 1\n";

inline std::string dataIdxGraph(const std::string &imageShape = "[B,2]") {
  return "graph 6 data \"d\" 4 1\n"
         "node 0 input \"image\" f32 " +
         imageShape +
         "\n"
         "node 1 input \"label\" i32 [B]\n"
         "node 2 value \"\" f32 [B]\n"
         "node 3 value \"\" f32 [B]\n"
         "output \"x\" 2\n"
         "output \"y\" 3\n";
}

inline const char *kDataCsvGraph = "graph 7 data \"d\" 3 1\n"
                                   "node 0 input \"features\" f32 [B,2]\n"
                                   "node 1 input \"label\" f32 [B]\n"
                                   "node 2 value \"\" f32 [B]\n"
                                   "output \"x\" 2\n"
                                   "output \"y\" 1\n";

inline std::string initGraph() {
  return "graph 1 init \"Lin\" 2 0\n"
         "node 0 value \"\" f32 []\n"
         "node 1 value \"\" f32 []\n"
         "output \"Lin/w\" 0\n"
         "output \"Lin/b\" 1\n";
}

// The update, evaluate and state_init graphs of step `step`, with the
// hyperparameter input `hyper/<hyper>`.
inline std::string momentumStepGraphs(const std::string &hyper = "lr") {
  return "graph 2 update \"train\" 17 0\n"
         "node 0 input \"x\" f32 [B]\n"
         "node 1 input \"y\" f32 [B]\n"
         "node 2 input \"step\" f32 []\n"
         "node 3 input \"hyper/" +
         hyper +
         "\" f32 []\n"
         "node 4 input \"state/train/Lin/w/v\" f32 []\n"
         "node 5 input \"state/train/Lin/b/v\" f32 []\n"
         "node 6 param \"Lin/w\" f32 []\n"
         "node 7 param \"Lin/b\" f32 []\n"
         "node 8 value \"\" f32 []\n"
         "node 9 value \"\" f32 []\n"
         "node 10 value \"\" f32 []\n"
         "node 11 value \"\" f32 []\n"
         "node 12 value \"\" f32 []\n"
         "node 13 value \"\" f32 []\n"
         "node 14 value \"\" f32 []\n"
         "node 15 value \"\" f32 []\n"
         "node 16 value \"\" f32 []\n"
         "output \"loss\" 8\n"
         "output \"rows\" 9\n"
         "output \"xmean\" 10\n"
         "output \"grad/Lin/w\" 11\n"
         "output \"grad/Lin/b\" 12\n"
         "output \"param/Lin/w\" 13\n"
         "output \"param/Lin/b\" 14\n"
         "output \"state/train/Lin/w/v\" 15\n"
         "output \"state/train/Lin/b/v\" 16\n"
         "graph 4 state_init \"train\" 2 0\n"
         "node 0 value \"\" f32 []\n"
         "node 1 value \"\" f32 []\n"
         "output \"state/train/Lin/w/v\" 0\n"
         "output \"state/train/Lin/b/v\" 1\n";
}

inline std::string evaluateGraph(int index = 3, const std::string &step = "train") {
  return "graph " + std::to_string(index) + " evaluate \"" + step + "\" 7 0\n" +
         "node 0 input \"x\" f32 [B]\n"
         "node 1 input \"y\" f32 [B]\n"
         "node 2 param \"Lin/w\" f32 []\n"
         "node 3 param \"Lin/b\" f32 []\n"
         "node 4 value \"\" f32 []\n"
         "node 5 value \"\" f32 []\n"
         "node 6 value \"\" f32 []\n"
         "output \"loss\" 4\n"
         "output \"rows\" 5\n"
         "output \"xmean\" 6\n";
}

// The literal-data program: n training rows, optional test rows.
inline std::string literalProgram(const std::string &settings, int n = 10, int testRows = 0) {
  std::string m = header(settings) + literalSource("train", n);
  if (testRows) m += literalSource("test", testRows);
  return m + kDataLiteralGraph + initGraph() + momentumStepGraphs() + evaluateGraph() + "end\n";
}

// A program owning its manifest text.
struct Program {
  std::string manifest;
  nnc_program desc{};
  explicit Program(std::string text) : manifest(std::move(text)) {
    desc.abi_version = NNC_PROGRAM_ABI;
    desc.num_graphs = kNumGraphs;
    desc.manifest = manifest.c_str();
    desc.graphs = kGraphs;
  }
  Program(const Program &) = delete;
};

// ---- running ----------------------------------------------------------------

struct Result {
  int status = -1;
  std::string out, err;
  // The last line of stdout.
  std::string lastLine() const {
    std::string s = out;
    while (!s.empty() && s.back() == '\n')
      s.pop_back();
    size_t nl = s.rfind('\n');
    return nl == std::string::npos ? s : s.substr(nl + 1);
  }
};

inline Result train(const Program &p, std::vector<std::string> args, bool interactive = false) {
  args.insert(args.begin(), "lin-train");
  std::ostringstream out, err;
  Result r;
  r.status = nnc::trainer::run(&p.desc, args, out, err, interactive);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// The number after `"key": ` in a JSON line; NaN for null; fails if absent.
inline double jsonValue(const std::string &line, const std::string &key) {
  std::string k = "\"" + key + "\": ";
  size_t at = line.find(k);
  INFO("key " << key << " in " << line);
  REQUIRE(at != std::string::npos);
  std::string rest = line.substr(at + k.size());
  if (rest.rfind("null", 0) == 0) return std::nan("");
  return std::strtod(rest.c_str(), nullptr);
}

inline bool hasKey(const std::string &line, const std::string &key) {
  return line.find("\"" + key + "\": ") != std::string::npos;
}

// A param or state saved in a checkpoint.
inline float savedValue(const std::string &path, const std::string &name) {
  nnc_checkpoint *c = nullptr;
  REQUIRE(nnc_checkpoint_open(path.c_str(), &c) == 0);
  float v = 0;
  int rc = nnc_checkpoint_load(c, name.c_str(), 0, nullptr, &v);
  nnc_checkpoint_close(c);
  REQUIRE(rc == 0);
  return v;
}

inline nnc_ckpt_meta savedMeta(const std::string &path) {
  nnc_checkpoint *c = nullptr;
  REQUIRE(nnc_checkpoint_open(path.c_str(), &c) == 0);
  nnc_ckpt_meta m = *nnc_checkpoint_meta(c);
  nnc_checkpoint_close(c);
  return m;
}

inline uint32_t bitsOf(float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  return u;
}

} // namespace trainer_test
