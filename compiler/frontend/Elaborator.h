// Elaboration: running the declarations of a loaded program at compile time
// to produce IR graphs, checking names, arity and shapes on the way.
//
// - a model becomes a forward graph (its inputs, params and outputs) and an
//   init graph (one output per param, computing its initial value);
// - a data block becomes a preprocessing graph from its sources to its fields;
// - a train block becomes, per step, a graph from data fields and params to
//   the loss and the metrics.
// fn calls are inlined; each call site owns the params it declares, named by
// path (`Classifier/dense_1/W`). Models are single instances: every call of a
// model uses the same params.
#pragma once

#include "frontend/Diagnostics.h"
#include "frontend/Loader.h"
#include "ir/Graph.h"

#include <map>
#include <string>
#include <vector>

namespace nnc {

struct ModelGraphs {
  std::string name;
  const ast::FnDecl *decl = nullptr;
  ir::Graph forward;
  ir::Graph init;
};

// Where a data block's samples come from.
struct DataSource {
  enum Kind { Idx, Csv, Literal, Generated } kind = Generated;
  std::string split;              // "train" or "test"
  std::vector<std::string> files; // Idx: images, labels; Csv: the file
  std::vector<std::string> fields; // the fields it provides
  std::vector<ir::TensorType> types;
  std::vector<std::vector<double>> literal; // Literal: one vector per field
  int64_t samples = 0;
  SourceRange range;
};

// A statistic of the training rows that a data-block transform reads
// (`standardize`, `scale`): the data graph's input `input`, one value per
// element of a row, receives the `kind` (mean, std, min or max) of node `of`
// over the rows the model trains on (the test and validation rows excluded),
// computed by the runtime before the data graph runs.
struct DataStatistic {
  std::string input;  // "data/x/mean"
  std::string kind;   // "mean", "std", "min", "max"
  ir::NodeId of = -1; // the transformed value: [B, ...] f32 in the data graph
};

struct DataInfo {
  std::string name;
  const ast::DataDecl *decl = nullptr;
  ir::Graph graph; // inputs: source fields; outputs: every defined field
  std::vector<DataSource> sources;
  double validation = 0; // fraction of the training split held out
  bool shuffle = true;
  int64_t seed = 0;
  int64_t samples = 0;     // generated data: samples in the training split
  int64_t testSamples = 0; // generated data: samples in the test split (0: none)
  double testFraction = 0; // read data: the fraction of the train source held out as the test split
  std::vector<DataStatistic> statistics; // inputs of `graph` the runtime computes
  // After an error: a source that could not be read, and the fields whose
  // definitions failed. Their uses are poisoned, not reported again.
  bool brokenSource = false;
  std::vector<std::string> poisonedFields;
};

// Inputs of an update graph named kHyperPrefix + name (f32[]) take the value
// of that optimizer argument at run time: "hyper/lr" for a numeric `lr`.
inline constexpr const char *kHyperPrefix = "hyper/";

// An optimizer and the arguments it was given in a train block.
struct OptimizerUse {
  std::string name;
  // Every parameter of the optimizer with a number for a value, defaults
  // filled in; a parameter given as a tensor (a schedule of `step`) is absent.
  std::map<std::string, double> args;
};

// One `step` of a train block (a block without steps has one, "train").
// Its graphs grow stage by stage; each is complete on its own:
//   graph     inputs: the data's fields and `step` (f32[], counting from 1);
//             params: the models' params; outputs: "loss", then the metrics.
//   gradient  graph plus "grad/<param>" for each updated param.
//   update    gradient plus the optimizer: "param/<param>" (the new value) and
//             "state/<step>/<param>/<s>" (new optimizer states, which are also
//             inputs of the same name); a numeric learning rate is the f32[]
//             input "hyper/lr" (kHyperPrefix), its value in optimizer.args.
//   stateInit the initial optimizer states, outputs named like the inputs.
//   evaluate  like graph, with `training` false (no dropout): validation and test.
struct StepInfo {
  std::string name;
  ir::Graph graph;
  ir::Graph evaluate;
  ir::Graph gradient;
  ir::Graph update;
  ir::Graph stateInit;
  OptimizerUse optimizer;
  std::vector<std::string> updates; // models whose params this step updates
  std::vector<std::string> params;  // the params it updates, by path
};

// The inputs "hyper/<name>" of s.update with their values from the train
// block (what a trainer binds unless told otherwise).
std::map<std::string, double> hyperInputs(const StepInfo &s);

// A train block's `picture` setting, what its trainer draws with --picture:
// `images(a, ...)` puts image tensors side by side, `scatter(a, ...)` plots
// 2-D points, one color per argument. graph reads the data's fields and the
// params and outputs the arguments in order, each named by its source text:
// images as f32[B, H, W] (all alike), points as f32[B, 2]. kind is ""
// when the block has no picture.
struct PictureInfo {
  std::string kind; // "images" or "scatter"
  ir::Graph graph;
};

struct TrainInfo {
  std::string model;
  std::string data;
  const ast::TrainDecl *decl = nullptr;
  int64_t epochs = 1;
  int64_t batch = 32;
  std::vector<StepInfo> steps;
  PictureInfo picture;
};

struct ElaboratedProgram {
  std::vector<ModelGraphs> models;
  std::vector<DataInfo> datas;
  std::vector<TrainInfo> trains;
};

// Elaborates every model, data block and train block of the program, and
// checks every fn and optimizer. Errors go to `diags`.
ElaboratedProgram elaborate(const LoadedProgram &prog, DiagnosticEngine &diags);

} // namespace nnc
