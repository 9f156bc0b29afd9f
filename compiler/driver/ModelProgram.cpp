#include "driver/ModelProgram.h"

#include "driver/ManifestWriter.h"

#include "nnc/checkpoint.h"
#include "nnc/error.h"

#include <algorithm>
#include <memory>

namespace nnc::driver {

namespace {

const TrainInfo *trainOf(const ElaboratedProgram &prog, const std::string &model) {
  for (const TrainInfo &t : prog.trains)
    if (t.model == model) return &t;
  return nullptr;
}

const DataInfo *dataOf(const ElaboratedProgram &prog, const TrainInfo *t) {
  if (!t) return nullptr;
  for (const DataInfo &d : prog.datas)
    if (d.name == t->data) return &d;
  return nullptr;
}

// Class labels are i32: a model trained on them with [B, K] scores out is a
// classifier, whose predictions are a class and its probability.
bool isClassifier(const ModelGraphs &m, const TrainInfo *t) {
  if (!t || t->steps.empty() || m.forward.outputs().empty()) return false;
  const ir::Shape &out = m.forward.type(m.forward.outputs().front().second).shape;
  if (out.rank() != 2 || out[1] < 2) return false;
  const ir::Graph &g = t->steps.front().graph;
  for (ir::NodeId id : g.inputs())
    if (g.type(id).dtype == ir::DType::I32) return true;
  return false;
}

struct CheckpointCloser {
  void operator()(nnc_checkpoint *c) const { nnc_checkpoint_close(c); }
};

// The values of each param from the checkpoint, checked against the model.
std::vector<codegen::EmbeddedWeight> readWeights(const std::string &path, const std::vector<ModelIO> &params) {
  nnc_checkpoint *raw = nullptr;
  if (nnc_checkpoint_open(path.c_str(), &raw) != NNC_OK) throw ModelError(nnc_last_error());
  std::unique_ptr<nnc_checkpoint, CheckpointCloser> ckpt(raw);
  std::vector<codegen::EmbeddedWeight> out;
  for (const ModelIO &p : params) {
    if (p.type.dtype != ir::DType::F32)
      throw ModelError("param `" + p.name + "` is " + ir::dtypeName(p.type.dtype) + "; checkpoints hold f32 only");
    std::vector<int64_t> dims(p.type.shape.dims().begin(), p.type.shape.dims().end());
    codegen::EmbeddedWeight w{p.name, std::vector<float>(static_cast<size_t>(p.type.shape.numel()))};
    if (nnc_checkpoint_load(ckpt.get(), p.name.c_str(), static_cast<int32_t>(dims.size()), dims.data(), w.values.data()) != NNC_OK)
      throw ModelError(std::string(nnc_last_error()) + " (is `" + path + "` a checkpoint of this model?)");
    out.push_back(std::move(w));
  }
  return out;
}

// The data graph with its statistic inputs (standardize, scale) replaced by
// constants: the training split's statistics, as the trainer saved them in
// the checkpoint, so inference transforms raw rows exactly as training did.
ir::Graph withSavedStatistics(const DataInfo &data, const std::string &checkpoint) {
  if (data.statistics.empty()) return data.graph;
  if (checkpoint.empty())
    throw ModelError("data block `" + data.name + "` standardizes or scales with statistics of its training split: " +
                     "give the checkpoint that holds them with --weights CKPT");
  nnc_checkpoint *raw = nullptr;
  if (nnc_checkpoint_open(checkpoint.c_str(), &raw) != NNC_OK) throw ModelError(nnc_last_error());
  std::unique_ptr<nnc_checkpoint, CheckpointCloser> ckpt(raw);
  ir::Graph g;
  g.name = data.graph.name;
  for (const ir::Node &n : data.graph.nodes()) {
    const std::string name = n.op == ir::Op::Input ? n.attrs.getString("name") : "";
    bool statistic = false;
    for (const DataStatistic &st : data.statistics)
      statistic |= !name.empty() && st.input == name;
    if (!statistic) {
      g.createUnchecked(n);
      continue;
    }
    std::vector<int64_t> dims(n.type.shape.dims().begin(), n.type.shape.dims().end());
    std::vector<float> values(static_cast<size_t>(n.type.shape.numel()));
    bool present = false;
    for (int64_t i = 0; i < nnc_checkpoint_count(ckpt.get()); ++i)
      present |= name == nnc_checkpoint_name(ckpt.get(), i);
    if (!present)
      throw ModelError("checkpoint `" + checkpoint + "` has no `" + name + "`, the statistic data block `" + data.name +
                       "` needs: it was saved by a trainer of another program, or one that predates data statistics");
    if (nnc_checkpoint_load(ckpt.get(), name.c_str(), static_cast<int32_t>(dims.size()), dims.data(), values.data()) !=
        NNC_OK)
      throw ModelError(nnc_last_error());
    ir::Node c = n;
    c.op = ir::Op::Constant;
    c.attrs = ir::Attrs{{"value", std::vector<double>(values.begin(), values.end())},
                        {"dtype", std::string(ir::dtypeName(n.type.dtype))},
                        {"shape", n.type.shape.dims()}};
    g.createUnchecked(std::move(c)); // the same id: later nodes' inputs stay valid
  }
  for (const auto &[name, id] : data.graph.outputs()) g.addOutput(name, id);
  return g;
}

} // namespace

const ModelGraphs &pickModel(const ElaboratedProgram &prog, const std::string &name) {
  if (!name.empty()) {
    for (const ModelGraphs &m : prog.models)
      if (m.name == name) return m;
    throw ModelError("there is no model `" + name + "`");
  }
  if (prog.trains.size() == 1)
    for (const ModelGraphs &m : prog.models)
      if (m.name == prog.trains.front().model) return m;
  if (prog.models.size() == 1) return prog.models.front();
  if (prog.models.empty()) throw ModelError("there is no model to compile");
  std::string names;
  for (const ModelGraphs &m : prog.models) names += (names.empty() ? "`" : ", `") + m.name + "`";
  throw ModelError("there are several models (" + names + "): pick one with --model NAME");
}

ModelProgram assembleModelProgram(const ElaboratedProgram &prog, const ModelGraphs &model, const std::string &checkpoint,
                                  bool externalWeights) {
  ModelProgram mp;
  mp.model = model.name;
  const TrainInfo *train = trainOf(prog, model.name);
  const DataInfo *data = dataOf(prog, train);
  mp.classifier = isClassifier(model, train);

  ManifestWriter w;
  w.os << "nnc-model 1\n";
  w.os << "model " << quote(model.name) << "\n";
  if (data) w.graph(withSavedStatistics(*data, checkpoint), "data", data->name);
  w.graph(model.forward, "forward", model.name);
  const ir::Graph &fwd = w.graphs.back();
  for (ir::NodeId id : fwd.params()) mp.params.push_back({fwd.node(id).attrs.getString("name"), fwd.type(id)});
  // Inputs in the model's declared order, even those the outputs ignore.
  for (ir::NodeId id : model.forward.inputs())
    mp.inputs.push_back({model.forward.node(id).attrs.getString("name"), model.forward.type(id)});
  for (const auto &[name, id] : fwd.outputs()) mp.outputs.push_back({name, fwd.type(id)});
  // A prediction is one row per input row: B first, and only there.
  for (const auto &[what, list] : {std::pair{"input", &mp.inputs}, std::pair{"output", &mp.outputs}})
    for (const ModelIO &io : *list)
      if (io.type.shape.batchAxis() != 0 ||
          std::count(io.type.shape.dims().begin(), io.type.shape.dims().end(), ir::kBatch) != 1)
        throw ModelError("model `" + model.name + "`'s " + what + " `" + io.name + "` is " + io.type.str() +
                         ": a model built for inference takes and gives one row per sample, with the batch "
                         "dimension B first and only there");
  // The values' slots (the temps of fused kernels have none).
  mp.arenaBytesPerRow = w.plans.back().arena.perRow;
  mp.arenaFixedBytes = w.plans.back().arena.fixed;

  std::ostringstream head;
  for (const ModelIO &p : mp.params) head << "param " << quote(p.name) << " " << typeText(p.type) << "\n";
  for (const ModelIO &in : mp.inputs) head << "input " << quote(in.name) << " " << typeText(in.type) << "\n";
  for (const ModelIO &out : mp.outputs) head << "output " << quote(out.name) << " " << typeText(out.type) << "\n";
  head << "classifier " << (mp.classifier ? 1 : 0) << "\n";
  if (data)
    for (const DataSource &src : data->sources)
      if (src.kind == DataSource::Idx || src.kind == DataSource::Csv) {
        ManifestWriter sw;
        sw.source(src);
        head << sw.os.str();
      }
  // The header lines go before the graphs.
  std::string graphsText = w.os.str();
  size_t firstGraph = graphsText.find("graph ");
  mp.manifest = graphsText.substr(0, firstGraph) + head.str() + graphsText.substr(firstGraph) + "end\n";
  mp.graphs = std::move(w.graphs);
  mp.kernels = std::move(w.kernels);
  mp.plans = std::move(w.plans);

  // External weights are only checked, when a checkpoint is given at all.
  if (!checkpoint.empty()) {
    std::vector<codegen::EmbeddedWeight> weights = readWeights(checkpoint, mp.params);
    if (!externalWeights) mp.weights = std::move(weights);
  } else if (!externalWeights) {
    throw ModelError("embedding the weights needs a checkpoint: --weights CKPT (or --weights-external)");
  }
  return mp;
}

codegen::ProgramSpec ModelProgram::spec(const std::string &mainCalls, const std::string &descriptorSymbol) const {
  codegen::ProgramSpec s;
  s.name = model;
  s.manifest = manifest;
  s.mainCalls = mainCalls;
  s.weights = weights;
  s.descriptorSymbol = descriptorSymbol;
  for (size_t i = 0; i < graphs.size(); ++i) s.graphs.push_back({&graphs[i], kernels.at(i), plans.at(i)});
  return s;
}

} // namespace nnc::driver
