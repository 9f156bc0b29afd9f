// The manifests of nnc/program.h as data: what the generated code says about
// its params, steps, data sources and graphs (a training program), or about
// its inputs, outputs and forward graph (an inference model). parseManifest
// reads either kind, checking the syntax line by line; checkManifest or
// checkModelManifest (ManifestCheck.cpp) then checks that the graphs fit
// together and resolves them, so the trainer and the model contexts
// (nnc/model.h) can trust every name they look up.
#ifndef NNC_TRAINER_MANIFEST_H
#define NNC_TRAINER_MANIFEST_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nnc::trainer {

enum class DType { F32, F64, I32, Bool };

size_t dtypeSize(DType t);
const char *dtypeName(DType t);

// A shape whose first dimension may be the batch dimension B. Data, params
// and states have B first or nowhere; intermediate values of a graph may
// also have it elsewhere (the transpose of an [B, n] activation in a
// backward graph is [n, B]), stored in `dims` as kBatch.
inline constexpr int64_t kBatch = -1;

struct Shape {
  bool batched = false;      // the first dimension is B
  std::vector<int64_t> dims; // the dimensions after that leading B (all of them when not batched)

  // How many of `dims` are B.
  int innerBatch() const;
  bool hasBatch() const { return batched || innerBatch() > 0; }
  // Elements per row: the product of the dims other than B (1 for []).
  int64_t rowElems() const;
  // Elements at a batch size: every B bound to `batch`.
  int64_t elems(int64_t batch) const;
  std::string str() const; // "[B, 784]", "[]"
  bool operator==(const Shape &) const = default;
};

struct TensorType {
  DType dtype = DType::F32;
  Shape shape;
  std::string str() const; // "f32[B, 784]"
  int64_t rowBytes() const { return shape.rowElems() * static_cast<int64_t>(dtypeSize(dtype)); }
  bool operator==(const TensorType &) const = default;
};

// "[28, 28]": a per-row shape as a file has it.
std::string dimsString(const std::vector<int64_t> &dims);

struct Node {
  enum Kind { Input, Param, Value } kind = Value;
  std::string name; // "" for values
  TensorType type;
  // False for a value computed inside a fused kernel and never stored (kind
  // `temp` in the manifest): it gets no buffer, and nothing reads it.
  bool buffered = true;
  // A value's place in the arena: values of one slot share a region (the
  // memory plan found them never alive together); -1 gives a region of its
  // own. storedIn >= 0: the value is written into that input or param node's
  // storage instead (an update in place).
  int slot = -1, storedIn = -1;
};

struct Output {
  std::string name;
  int id = 0;
};

enum class Role { Data, Init, StateInit, Update, Evaluate, Forward, Picture };
const char *roleName(Role r);

struct Graph {
  int index = 0;
  Role role = Role::Data;
  std::string owner;
  bool rowwise = false;
  std::vector<Node> nodes;
  std::vector<Output> outputs;
  int line = 0; // of its `graph` line, for messages

  // The id of the input node called `name`, or -1.
  int findInput(const std::string &name) const;
  const Output *findOutput(const std::string &name) const;
  // "graph 3 (update of step `train`)", the way messages name a graph.
  std::string describe() const;
};

struct Param {
  std::string name;
  TensorType type;
};

// A model's input or output: a name and a type with B first.
using Port = Param;

struct Hyper {
  std::string step, name;
  double value = 0;
};

struct LiteralField {
  std::string name;
  TensorType type; // batched: one row per sample
  std::vector<double> values;
};

struct Source {
  enum Kind { Idx, Csv, Literal, Generated } kind = Generated;
  std::string split;              // "train" or "test"
  std::vector<std::string> files; // idx: images, labels; csv: the file
  std::string labelColumn;        // csv
  int64_t rows = 0;               // literal and generated
  std::vector<LiteralField> literal;
  int line = 0;
};

struct Settings {
  int64_t epochs = 1;
  int64_t batch = 32;
  uint64_t seed = 0;
  double validation = 0;
  bool shuffle = true;
  double test = 0; // the fraction of the train source held out as the test split
};

// `statistic "<input>" <kind> "<output>"`: the data graph's input `input`
// receives, per element of a row, the `kind` of its output `of` over the
// training rows.
struct Statistic {
  enum Kind { Mean, Std, Min, Max } kind = Mean;
  std::string input, of;
  int line = 0;
};

// A scalar output of an update or evaluate graph that is averaged over the
// samples of an epoch: "loss" (always first) and the metrics.
struct Metric {
  std::string name; // as the graph names it
  int node = 0;
};

// One step of the train block with its graphs resolved by checkManifest.
struct Step {
  std::string name;
  const Graph *update = nullptr;
  const Graph *evaluate = nullptr;  // may be absent: no validation or test metrics
  const Graph *stateInit = nullptr; // absent for optimizers without state
  std::vector<Metric> trainMetrics, evalMetrics;
};

// Holds pointers into its own graphs once checked: movable, not copyable.
// Its kind is set by the first line: `nnc-program` (training) or `nnc-model`.
struct Manifest {
  Manifest() = default;
  Manifest(const Manifest &) = delete;
  Manifest &operator=(const Manifest &) = delete;
  Manifest(Manifest &&) = default;
  Manifest &operator=(Manifest &&) = default;

  enum Kind { Program, Model } kind = Program;
  std::string model, data;
  Settings settings;
  std::vector<Param> params;
  std::vector<std::string> stepNames;
  std::vector<Hyper> hypers;
  std::vector<Source> sources;
  std::vector<Statistic> statistics;
  std::vector<Graph> graphs;
  // Model manifests only.
  std::vector<Port> inputs, outputs;
  bool classifier = false;

  // Filled by checkManifest.
  const Graph *dataGraph = nullptr;
  std::vector<const Graph *> initGraphs;
  std::vector<Step> steps;
  std::vector<std::string> fields;     // data graph outputs the update/evaluate/picture graphs read
  const Graph *pictureGraph = nullptr; // the `picture` setting's, if any (owner "images" or "scatter")
  const Graph *forwardGraph = nullptr; // by checkModelManifest

  const Source *source(const std::string &split) const;
  const Param *findParam(const std::string &name) const;
};

// Parses the manifest text. Throws TrainError naming the line of the first
// malformed item, or a graph index not below num_graphs.
Manifest parseManifest(const char *text, uint32_t numGraphs);

// Checks that the graphs agree with each other and with the declarations
// (every param initialized once, every input of a step bound to a field, the
// step counter, a hyperparameter or a state, matching types) and fills the
// resolved members. Throws TrainError, also for a model manifest.
void checkManifest(Manifest &m);

// The same for a model manifest: one forward graph reading declared inputs
// and params and producing every declared output with its type; B first in
// every input and output; a classifier's output 0 is [B, K]; an optional
// data graph whose outputs named like inputs have their types. Fills
// dataGraph (or null), forwardGraph and data (the data graph's owner).
// Throws TrainError, also for a training manifest.
void checkModelManifest(Manifest &m);

} // namespace nnc::trainer

#endif
