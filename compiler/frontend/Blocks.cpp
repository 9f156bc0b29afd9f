// Elaboration of the top-level declarations: models, data blocks, train
// blocks and optimizers.
#include "frontend/ElabContext.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace nnc {

namespace {

const ast::Expr *callee(const ast::Expr *e) {
  if (!e || e->kind != ast::ExprKind::Call || !e->callee || e->callee->kind != ast::ExprKind::Name) return nullptr;
  return e->callee.get();
}

std::string outputName(size_t k, size_t n) { return n == 1 ? "output" : "output_" + std::to_string(k); }

} // namespace

ElaboratedProgram Elab::run() {
  ElaboratedProgram out;
  for (const auto &mod : prog_.modules) {
    for (const ast::FnDecl &f : mod->fns)
      if (f.isModel && prog_.symbols.fns.count(f.name.name) && prog_.symbols.fns.at(f.name.name) == &f) elaborateModel(f, out);
    for (const ast::OptimizerDecl &o : mod->optimizers) checkOptimizer(o);
  }
  for (const auto &mod : prog_.modules)
    for (const ast::DataDecl &d : mod->datas)
      if (prog_.symbols.datas.count(d.name.name) && prog_.symbols.datas.at(d.name.name) == &d) elaborateData(d, out);
  for (const ast::TrainDecl *t : prog_.symbols.trains) elaborateTrain(*t, out);
  return out;
}

// ---------------------------------------------------------------------------
// Models

void Elab::elaborateModel(const ast::FnDecl &m, ElaboratedProgram &out) {
  out.models.emplace_back();
  ModelGraphs &mg = out.models.back();
  mg.name = m.name.name;
  mg.decl = &m;
  mg.forward.name = mg.name;
  mg.init.name = mg.name + ".init";
  GraphCtx ctx(&mg.forward, &mg.init);
  Restore<GraphCtx *> saveCtx(ctx_);
  ctx_ = &ctx;
  Frame frame;
  frame.fn = &m;
  frame.path = mg.name;
  std::string batchName;
  bool ok = true;
  for (const ast::FnParam &p : m.params) {
    if (p.dflt) diags_.error(p.dflt->range, "a model input cannot have a default value");
    if (!p.type || p.type->kind != ast::TypeExpr::Tensor) {
      diags_.error(p.name.range, "model input `" + p.name.name + "` needs a tensor type such as f32[B, 784]");
      ok = false;
      continue;
    }
    // The first unknown dimension name is the batch; every other dim must be known.
    for (const ast::ExprPtr &d : p.type->dims) {
      if (!d || d->kind != ast::ExprKind::Name || frame.vars.count(d->text)) continue;
      if (batchName.empty()) {
        batchName = d->text;
        frame.vars[d->text] = Value::ofBatch();
        continue;
      }
      diags_.error(d->range, "unknown dimension `" + d->text + "`: a model input's dimensions must be known, except the batch `" +
                                 batchName + "`");
      ok = false;
    }
    if (!ok) continue;
    frames_.push_back(frame);
    ir::TensorType type;
    bool typed = evalType(*p.type, type);
    frames_.pop_back();
    if (!typed) {
      ok = false;
      continue;
    }
    if (type.shape.hasBatch() && type.shape.batchAxis() != 0)
      diags_.warning(p.type->range, "the batch dimension is usually the first");
    Value v = Value::ofTensor(&mg.forward, mg.forward.input(p.name.name, type));
    v.origin = p.name.range;
    v.originWhat = "input `" + p.name.name + "`";
    frame.vars[p.name.name] = v;
  }
  if (!ok) return;
  frames_.push_back(std::move(frame));
  Restore<std::string> seedPath(seedPath_);
  seedPath_ = mg.name;
  Value result = runBody(m.body, m.name.range, mg.name);
  Frame done = std::move(frames_.back());
  frames_.pop_back();
  if (result.isError()) return;
  if (m.result && !checkType(result, *m.result, done, m.result->range, "the result of model `" + mg.name + "`")) return;
  std::vector<Value> outs = result.kind == Value::Tuple ? result.elems : std::vector<Value>{result};
  for (size_t k = 0; k < outs.size(); ++k) {
    if (outs[k].kind != Value::Tensor) {
      error(m.name.range, "model `" + mg.name + "` must return tensors, got " + outs[k].describe());
      return;
    }
    mg.forward.addOutput(outputName(k, outs.size()), outs[k].node);
  }
  models_[mg.name] = out.models.size() - 1;
}

// ---------------------------------------------------------------------------
// Data blocks

namespace {

std::string resolveDataPath(const std::string &file, const std::string &root, const std::string &nnFile) {
  fs::path p(file);
  if (p.is_absolute()) return file;
  fs::path base = root.empty() ? fs::path(nnFile).parent_path() : fs::path(root);
  if (!root.empty() && fs::path(root).is_relative()) base = fs::path(nnFile).parent_path() / root;
  return (base / p).lexically_normal().string();
}

} // namespace

struct BlockElab {
  // Adds (or, for a second split, checks) the input node of a source field.
  static bool sourceField(Elab &el, DataInfo &info, Frame &frame, const std::string &name, const ir::TensorType &type,
                          SourceRange r) {
    auto it = el.ctx().inputs.find(name);
    if (it != el.ctx().inputs.end()) {
      const ir::TensorType &prev = info.graph.type(it->second);
      if (prev != type) {
        el.error(r, "field `" + name + "` is " + type.str() + " here but " + prev.str() + " in the training split");
        return false;
      }
      return true;
    }
    ir::NodeId id;
    try {
      id = info.graph.input(name, type);
    } catch (const ir::IRError &e) { // a file's header can claim any shape
      el.error(r, "field `" + name + "`: " + e.what());
      return false;
    }
    el.ctx().inputs[name] = id;
    Value v = Value::ofTensor(&info.graph, id);
    v.origin = r;
    v.originWhat = "data field `" + name + "`";
    frame.vars[name] = v;
    return true;
  }

  static void idxSource(Elab &el, DataInfo &info, Frame &frame, const std::string &split, const ast::Expr &call,
                        const std::string &root, const std::string &nnFile) {
    if (call.args.size() != 2) {
      el.error(call.range, "`idx` takes two files: images and labels");
      return;
    }
    DataSource src;
    src.kind = DataSource::Idx;
    src.split = split;
    src.range = call.range;
    const char *fieldNames[2] = {"image", "label"};
    for (size_t k = 0; k < 2; ++k) {
      const ast::Arg &a = call.args[k];
      if (!a.value || a.value->kind != ast::ExprKind::String) {
        el.error(a.range, "`idx` takes file names as strings");
        return;
      }
      std::string path = resolveDataPath(a.value->text, root, nnFile);
      std::vector<int64_t> dims;
      int code = 0;
      std::string err;
      if (!readIdxHeader(path, dims, code, err)) {
        el.error(a.value->range, err);
        return;
      }
      if (src.samples && dims[0] != src.samples) {
        el.error(a.value->range, "`" + a.value->text + "` holds " + std::to_string(dims[0]) + " labels but the images are " +
                                     std::to_string(src.samples));
        return;
      }
      src.samples = dims[0];
      std::vector<ir::Dim> shape{ir::kBatch};
      shape.insert(shape.end(), dims.begin() + 1, dims.end());
      ir::TensorType type{k == 0 ? ir::DType::F32 : ir::DType::I32, ir::Shape(shape)};
      if (k == 1 && dims.size() != 1) {
        el.error(a.value->range, "labels must be one number per sample, got shape " + ir::Shape(dims).str());
        return;
      }
      src.files.push_back(path);
      src.fields.push_back(fieldNames[k]);
      src.types.push_back(type);
      if (!sourceField(el, info, frame, fieldNames[k], type, a.value->range)) return;
    }
    info.sources.push_back(std::move(src));
  }

  // csv("file.csv", label = "column") -> fields `features` f32[B, n] and `label` f32[B].
  static void csvSource(Elab &el, DataInfo &info, Frame &frame, const std::string &split, const ast::Expr &call,
                        const std::string &root, const std::string &nnFile) {
    std::string file, label;
    for (size_t k = 0; k < call.args.size(); ++k) {
      const ast::Arg &a = call.args[k];
      if (!a.value || a.value->kind != ast::ExprKind::String) {
        el.error(a.range, "`csv` takes strings: csv(\"file.csv\", label = \"column\")");
        return;
      }
      if (a.name.name.empty() && k == 0) file = a.value->text;
      else if (a.name.name == "label") label = a.value->text;
      else {
        el.error(a.range, "`csv` takes a file name and `label = \"column\"`");
        return;
      }
    }
    if (file.empty()) {
      el.error(call.range, "`csv` needs a file name");
      return;
    }
    std::string path = resolveDataPath(file, root, nnFile);
    std::ifstream in(path);
    std::string header;
    if (!in || !std::getline(in, header)) {
      el.error(call.args[0].value->range, "cannot read `" + path + "`");
      return;
    }
    std::vector<std::string> cols;
    std::string cur;
    for (char c : header) {
      if (c == ',') {
        cols.push_back(cur);
        cur.clear();
      } else if (c != '\r' && c != '"') {
        cur += c;
      }
    }
    cols.push_back(cur);
    int64_t rows = 0;
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line != "\r") ++rows;
    if (cols.size() < 2 || rows == 0) {
      el.error(call.args[0].value->range, "`" + path + "` needs a header and at least one row with two columns");
      return;
    }
    if (label.empty()) label = cols.back();
    if (std::find(cols.begin(), cols.end(), label) == cols.end()) {
      el.error(call.range, "`" + path + "` has no column `" + label + "`");
      return;
    }
    DataSource src;
    src.kind = DataSource::Csv;
    src.split = split;
    src.range = call.range;
    src.files = {path, label};
    src.samples = rows;
    src.fields = {"features", "label"};
    src.types = {{ir::DType::F32, ir::Shape{ir::kBatch, static_cast<ir::Dim>(cols.size() - 1)}},
                 {ir::DType::F32, ir::Shape{ir::kBatch}}};
    for (size_t k = 0; k < 2; ++k)
      if (!sourceField(el, info, frame, src.fields[k], src.types[k], call.range)) return;
    info.sources.push_back(std::move(src));
  }
};

void Elab::elaborateData(const ast::DataDecl &d, ElaboratedProgram &out) {
  out.datas.emplace_back();
  DataInfo &info = out.datas.back();
  info.name = d.name.name;
  info.decl = &d;
  info.graph.name = info.name;
  GraphCtx ctx(&info.graph, nullptr, true);
  ctx.statistics = &info.statistics;
  Restore<GraphCtx *> saveCtx(ctx_);
  ctx_ = &ctx;
  frames_.emplace_back();
  frames_.back().path = info.name;
  Restore<std::string> seedPath(seedPath_);
  seedPath_ = info.name;
  std::string root;
  std::string nnFile = diags_.sources().path(d.name.range.begin.file);
  std::vector<std::string> fields;
  DataSource literal;
  literal.kind = DataSource::Literal;
  literal.split = "train";
  SourceRange testSamplesAt, testFractionAt;
  std::map<std::string, SourceRange> assigned;
  for (const ast::Stmt &s : d.body) {
    if (s.kind != ast::StmtKind::Assign || s.targets.size() != 1 || !s.value) {
      error(s.range, "only `name = value` settings are allowed in a data block");
      continue;
    }
    const std::string &key = s.targets[0].name;
    const ast::Expr &e = *s.value;
    // Each setting and field once: a second `x = ...` would be a second
    // field of the same name. (The splits' sources have rules of their own.)
    if (auto [at, first] = assigned.emplace(key, s.targets[0].range); !first && key != "train" && key != "test") {
      error(s.targets[0].range, "`" + key + "` is set twice in data block `" + info.name + "`");
      diags_.note(at->second, "first set here");
      continue;
    }
    if (key == "step") {
      error(s.targets[0].range, "`step` is the name of the training step's counter, which the steps read: name the "
                                "field otherwise");
      continue;
    }
    if (key == "test" && !callee(&e)) {
      // `test = 0.2`: a seeded fraction of the train source's rows.
      Value v = eval(e);
      if (v.isError()) continue;
      if (!v.isNumber() || v.number() <= 0 || v.number() >= 1)
        error(e.range, "`test` must be a source such as csv(...) or a fraction in (0, 1) of the training source, got " +
                           v.describe());
      else info.testFraction = v.number();
      testFractionAt = s.targets[0].range;
      continue;
    }
    if (key == "train" || key == "test") {
      const ast::Expr *c = callee(&e);
      size_t before = info.sources.size();
      if (c && c->text == "idx") BlockElab::idxSource(*this, info, frames_.back(), key, e, root, nnFile);
      else if (c && c->text == "csv") BlockElab::csvSource(*this, info, frames_.back(), key, e, root, nnFile);
      else error(e.range, "`" + key + "` must be a source: idx(images, labels) or csv(file, label = \"column\")");
      if (info.sources.size() == before) {
        // The source's error was said once: its fields, and what is computed
        // from them, are poisoned rather than unknown names.
        info.brokenSource = true;
        for (const char *f : c && c->text == "idx" ? std::vector<const char *>{"image", "label"}
                             : c && c->text == "csv" ? std::vector<const char *>{"features", "label"}
                                                     : std::vector<const char *>{})
          frames_.back().vars.try_emplace(f, Value::err());
      }
      if (key == "test" && info.sources.size() == 1 && info.sources[0].split == "test")
        error(s.targets[0].range, "the `test` split needs a `train` split before it");
      continue;
    }
    ctx.dataField = key;
    Value v = eval(e);
    if (v.isError()) {
      frames_.back().vars[key] = v;
      info.poisonedFields.push_back(key);
      continue;
    }
    if (key == "root") {
      if (v.kind != Value::String) error(e.range, "`root` must be a directory name, got " + v.describe());
      else root = v.s;
      continue;
    }
    if (key == "validation") {
      if (!v.isNumber() || v.number() < 0 || v.number() >= 1) error(e.range, "`validation` must be a fraction in [0, 1), got " + v.describe());
      else info.validation = v.number();
      continue;
    }
    if (key == "shuffle") {
      if (v.kind != Value::Bool) error(e.range, "`shuffle` must be true or false, got " + v.describe());
      else info.shuffle = v.b;
      continue;
    }
    if (key == "seed" || key == "samples" || key == "test_samples") {
      // Rows, like a dimension, at most 2^40 (and their sum never overflows).
      constexpr int64_t kMaxRows = int64_t(1) << 40;
      if (v.kind != Value::Int || v.batch || v.i < (key == "seed" ? 0 : 1))
        error(e.range, "`" + key + "` must be a " + (key == "seed" ? "non-negative" : "positive") + " int, got " + v.describe());
      else if (key != "seed" && v.i > kMaxRows)
        error(e.range, "`" + key + "` must be at most 2^40, got " + std::to_string(v.i));
      else (key == "seed" ? info.seed : key == "samples" ? info.samples : info.testSamples) = v.i;
      if (key == "test_samples") testSamplesAt = s.targets[0].range;
      continue;
    }
    // A field: a literal table (one row per sample) or a per-sample tensor.
    if (v.kind == Value::List) {
      std::vector<ir::Dim> dims;
      std::vector<double> values;
      if (!flattenLiteral(v, dims, values)) {
        error(e.range, "a literal field must be a rectangular list of numbers, one row per sample");
        continue;
      }
      ir::TensorType type{ir::DType::F32, ir::Shape(dims)};
      int64_t rows = type.shape.rank() ? type.shape[0] : 0;
      if (rows == 0) {
        error(e.range, "a literal field needs one row per sample");
        continue;
      }
      if (literal.samples && rows != literal.samples) {
        error(e.range, "`" + key + "` has " + std::to_string(rows) + " rows but earlier fields have " + std::to_string(literal.samples));
        continue;
      }
      literal.samples = rows;
      type.shape[0] = ir::kBatch;
      if (type.shape.rank() == 1) type.shape = ir::Shape{ir::kBatch, 1};
      literal.fields.push_back(key);
      literal.types.push_back(type);
      literal.literal.push_back(std::move(values));
      literal.range = e.range;
      if (!BlockElab::sourceField(*this, info, frames_.back(), key, type, e.range)) continue;
      fields.push_back(key);
      continue;
    }
    if (v.kind != Value::Tensor) {
      error(e.range, "a data field must be a tensor or a list of rows, got " + v.describe());
      continue;
    }
    if (v.type().shape.batchAxis() != 0) {
      error(e.range, "a data field must have one row per sample (a first dimension B), got " + v.describe());
      continue;
    }
    frames_.back().vars[key] = v;
    fields.push_back(key);
  }
  if (!literal.fields.empty()) info.sources.push_back(literal);
  bool generated = false;
  for (const ir::Node &n : info.graph.nodes())
    generated |= n.op == ir::Op::RandomUniform || n.op == ir::Op::RandomNormal;
  if (generated && info.samples == 0 && info.sources.empty())
    error(d.name.range, "data block `" + info.name + "` generates samples: say how many with `samples = N`");
  if (testSamplesAt.valid() && (!generated || !info.sources.empty())) {
    error(testSamplesAt, "`test_samples` sizes the test split of generated data, but data block `" + info.name + "` " +
                             (info.sources.empty() ? "generates nothing (no random values)" : "reads its samples") +
                             "; give a source instead: `test = idx(...)` or `test = csv(...)`");
    info.testSamples = 0;
  }
  if (testFractionAt.valid() && !info.brokenSource) {
    bool readTrain = false, testSource = false;
    for (const DataSource &src : info.sources) {
      readTrain |= src.split == "train" && src.kind != DataSource::Generated;
      testSource |= src.split == "test";
    }
    if (testSource) error(testFractionAt, "data block `" + info.name + "` has a `test` source and a `test` fraction");
    else if (!readTrain)
      error(testFractionAt, "a `test` fraction splits the rows of a `train` source or literal rows; generated data "
                            "sizes its test split with `test_samples = N`");
  }
  if (generated && info.sources.empty()) {
    // Both splits come from one run of the data graph over train + test
    // rows (runtime/include/nnc/program.h), so they share no random draw.
    for (auto [split, samples] : {std::pair{"train", info.samples}, std::pair{"test", info.testSamples}}) {
      DataSource g;
      g.kind = DataSource::Generated;
      g.split = split;
      g.samples = samples;
      g.range = d.name.range;
      if (samples > 0) info.sources.push_back(g);
    }
  }
  if (info.sources.empty() && !diags_.hasErrors())
    error(d.name.range, "data block `" + info.name + "` has no samples: give a source (`train = idx(...)`), literal rows, or `samples = N`");
  for (const std::string &f : fields) info.graph.addOutput(f, frames_.back().vars[f].node);
  frames_.pop_back();
  datas_[info.name] = out.datas.size() - 1;
}

// ---------------------------------------------------------------------------
// Train blocks

bool Elab::optimizerUse(const Value &v, SourceRange r, OptimizerUse &out, std::map<std::string, Value> &args) {
  if (v.isError()) return false;
  if (v.kind != Value::Optimizer) {
    error(r, "`optimizer` must be an optimizer such as adam(lr = 1e-3), got " + v.describe());
    return false;
  }
  out.name = v.optimizer->name.name;
  for (size_t k = 0; k < v.names.size(); ++k) args[v.names[k]] = v.elems[k];
  for (const ast::FnParam &p : v.optimizer->params) {
    if (args.count(p.name.name)) continue;
    if (!p.dflt) {
      error(r, "optimizer `" + out.name + "` needs an argument `" + p.name.name + "`");
      return false;
    }
    frames_.emplace_back();
    Value d = eval(*p.dflt);
    frames_.pop_back();
    if (!d.isNumber()) return false;
    args[p.name.name] = d;
  }
  for (const auto &[name, value] : args)
    if (value.isNumber()) out.args[name] = value.number();
  return true;
}

void Elab::elaborateTrain(const ast::TrainDecl &t, ElaboratedProgram &out) {
  auto fit = prog_.symbols.fns.find(t.model.name);
  if (fit == prog_.symbols.fns.end() || !fit->second->isModel) {
    diags_.error(t.model.range, "unknown model `" + t.model.name + "`");
    std::vector<std::string> models;
    for (auto &[n, f] : prog_.symbols.fns)
      if (f->isModel) models.push_back(n);
    std::string hint = closestMatch(t.model.name, models);
    if (!hint.empty()) diags_.note(t.model.range, "did you mean `" + hint + "`?");
    return;
  }
  auto dit = datas_.find(t.data.name);
  if (dit == datas_.end()) {
    if (!prog_.symbols.datas.count(t.data.name)) {
      diags_.error(t.data.range, "unknown data block `" + t.data.name + "`");
      std::vector<std::string> names;
      for (auto &[n, _] : prog_.symbols.datas) names.push_back(n);
      std::string hint = closestMatch(t.data.name, names);
      if (!hint.empty()) diags_.note(t.data.range, "did you mean `" + hint + "`?");
    }
    return;
  }
  const DataInfo &data = out.datas[dit->second];
  out.trains.emplace_back();
  TrainInfo &ti = out.trains.back();
  ti.model = t.model.name;
  ti.data = t.data.name;
  ti.decl = &t;

  static const std::vector<std::string> trainKeys = {"epochs", "batch", "loss", "optimizer", "metrics", "picture"};
  auto unknownKey = [&](const ast::Ident &id, const std::vector<std::string> &keys) {
    diags_.error(id.range, "unknown setting `" + id.name + "`");
    std::string hint = closestMatch(id.name, keys);
    if (!hint.empty()) diags_.note(id.range, "did you mean `" + hint + "`?");
  };

  // Settings of the whole block.
  const ast::Stmt *picture = nullptr;
  for (const ast::Stmt &s : t.body) {
    if (s.kind != ast::StmtKind::Assign || s.targets.size() != 1 || !s.value) {
      error(s.range, "only `name = value` settings are allowed in a train block");
      continue;
    }
    const std::string &key = s.targets[0].name;
    if (std::find(trainKeys.begin(), trainKeys.end(), key) == trainKeys.end()) {
      unknownKey(s.targets[0], trainKeys);
      continue;
    }
    if (key == "picture") {
      picture = &s;
      continue;
    }
    if (key != "epochs" && key != "batch") {
      if (!t.steps.empty() && key != "metrics")
        error(s.targets[0].range, "`" + key + "` belongs in a `step` when the train block has steps");
      continue;
    }
    frames_.emplace_back();
    Value v = eval(*s.value);
    frames_.pop_back();
    if (v.isError()) continue;
    if (v.kind != Value::Int || v.batch || v.i < 1) {
      error(s.value->range, "`" + key + "` must be a positive int, got " + v.describe());
      continue;
    }
    (key == "epochs" ? ti.epochs : ti.batch) = v.i;
  }

  std::vector<StepSrc> steps;
  if (t.steps.empty()) {
    StepSrc s{"train", {}, t.model.range};
    for (const ast::Stmt &st : t.body) s.stmts.push_back(&st);
    steps.push_back(s);
  } else {
    std::map<std::string, SourceRange> named;
    for (const ast::StepDecl &sd : t.steps) {
      if (auto [at, first] = named.emplace(sd.name.name, sd.name.range); !first) {
        error(sd.name.range, "step `" + sd.name.name + "` is declared twice");
        diags_.note(at->second, "first declared here");
        continue;
      }
      StepSrc s{sd.name.name, {}, sd.name.range};
      for (const ast::Stmt &st : t.body)
        if (st.kind == ast::StmtKind::Assign && st.targets.size() == 1 && st.targets[0].name == "metrics") s.stmts.push_back(&st);
      for (const ast::Stmt &st : sd.body) s.stmts.push_back(&st);
      steps.push_back(s);
    }
  }

  for (const StepSrc &src : steps) {
    ti.steps.emplace_back();
    StepInfo &si = ti.steps.back();
    si.name = src.name;
    int before = diags_.errorCount();
    StepOutcome o = elaborateStep(ti, data, *fit->second, src, !t.steps.empty(), true, si, si.graph);
    if (diags_.errorCount() != before || !o.optimizer || o.loss < 0) continue; // a poisoned loss was said before
    // The same step without training behaviour (no dropout): validation and test.
    elaborateStep(ti, data, *fit->second, src, !t.steps.empty(), false, si, si.evaluate);
    buildUpdate(si, *o.optimizer, o.optimizerArgs, o.loss, o.step, o.lossRange);
  }
  if (picture) elaboratePicture(ti, data, *picture);
}

// One step's graph: data fields and `step` in; loss and metrics out.
Elab::StepOutcome Elab::elaborateStep(TrainInfo &ti, const DataInfo &data, const ast::FnDecl &model, const StepSrc &src,
                                      bool hasSteps, bool training, StepInfo &si, ir::Graph &graph) {
  StepOutcome out;
  static const std::vector<std::string> stepKeys = {"loss", "optimizer", "metrics"};
  auto unknownKey = [&](const ast::Ident &id, const std::vector<std::string> &keys) {
    diags_.error(id.range, "unknown setting `" + id.name + "`");
    std::string hint = closestMatch(id.name, keys);
    if (!hint.empty()) diags_.note(id.range, "did you mean `" + hint + "`?");
  };
  graph.name = ti.model + "." + si.name + (training ? "" : ".eval");
  GraphCtx ctx(&graph);
  Restore<GraphCtx *> saveCtx(ctx_);
  ctx_ = &ctx;
  frames_.emplace_back();
  Restore<std::string> seedPath(seedPath_);
  seedPath_ = ti.model + "." + si.name;
  // The data's fields are the step's inputs, with the step number.
  for (const auto &[name, id] : data.graph.outputs()) {
    Value v = Value::ofTensor(&graph, graph.input(name, data.graph.type(id)));
    v.originWhat = "data field `" + name + "`";
    frames_.back().vars[name] = v;
  }
  for (const std::string &name : data.poisonedFields)
    frames_.back().vars[name] = Value::err();
  // `B`, the batch, sizes what a step draws itself: normal([B, 8]).
  if (!frames_.back().vars.count("B")) frames_.back().vars["B"] = Value::ofBatch();
  out.step = graph.input("step", ir::TensorType{ir::DType::F32, ir::Shape{}});
  frames_.back().vars["step"] = Value::ofTensor(&graph, out.step);
  ctx.training = training;
  if (training) ctx.randomKey = graph.create(ir::Op::Cast, {out.step}, ir::Attrs{{"dtype", std::string("i32")}});
  bool haveLoss = false, haveOpt = false;
  Value metricsV;
  SourceRange metricsRange;
  for (const ast::Stmt *s : src.stmts) {
    if (s->kind != ast::StmtKind::Assign || s->targets.size() != 1 || !s->value) {
      if (hasSteps) error(s->range, "only `name = value` settings are allowed in a step");
      continue;
    }
    const std::string &key = s->targets[0].name;
    if (key == "epochs" || key == "batch" || key == "picture") {
      if (hasSteps) error(s->targets[0].range, "`" + key + "` belongs to the train block, not to a step");
      continue;
    }
    if (std::find(stepKeys.begin(), stepKeys.end(), key) == stepKeys.end()) {
      if (hasSteps) unknownKey(s->targets[0], stepKeys);
      continue;
    }
    if (!s->updates.empty() && key != "optimizer") error(s->updates[0].range, "`updates` belongs on the `optimizer` setting");
    if (key == "metrics") {
      metricsV = eval(*s->value);
      metricsRange = s->value->range;
      continue;
    }
    if (key == "optimizer" && !training) continue;
    Value v = eval(*s->value);
    if (key == "loss") {
      haveLoss = true;
      if (v.isError()) continue;
      if (v.kind != Value::Tensor || v.type().shape.rank() != 0 || !ir::isFloat(v.type().dtype)) {
        error(s->value->range, "the loss must be a scalar such as f32[], got " + v.describe());
        if (v.kind == Value::Tensor && v.type().shape.rank() > 0) note(s->value->range, "reduce it with mean(...) or sum(...)");
        continue;
      }
      graph.addOutput("loss", v.node);
      out.loss = v.node;
      out.lossRange = s->value->range;
      continue;
    }
    // optimizer
    haveOpt = true;
    si.updates.clear();
    if (!optimizerUse(v, s->value->range, si.optimizer, out.optimizerArgs)) continue;
    out.optimizer = v.optimizer;
    for (const ast::Ident &u : s->updates) {
      auto m = prog_.symbols.fns.find(u.name);
      if (m == prog_.symbols.fns.end() || !m->second->isModel) {
        error(u.range, "`updates` names models; `" + u.name + "` is not one");
        continue;
      }
      si.updates.push_back(u.name);
    }
  }
  if (training) {
    if (si.updates.empty()) si.updates.push_back(ti.model);
    if (!haveLoss) error(src.range, "step `" + si.name + "` needs a `loss`");
    if (!haveOpt) error(src.range, "step `" + si.name + "` needs an `optimizer`, such as `optimizer = adam(lr = 1e-3)`");
  }
  // Metrics: a fn f means f(Model(x), y); an expression is used as it is.
  if (metricsV.kind == Value::List || metricsV.kind == Value::Tuple) {
    for (size_t k = 0; k < metricsV.elems.size(); ++k) {
      const Value &m = metricsV.elems[k];
      std::string name = m.fn ? m.fn->name.name : m.builtin ? m.builtin->name : "metric_" + std::to_string(k);
      Value val = m;
      if (m.kind == Value::Function) {
        auto &vars = frames_.back().vars;
        if (!vars.count("x") || !vars.count("y")) {
          error(metricsRange, "metric `" + name + "` is applied to (" + ti.model + "(x), y), but data `" + ti.data +
                                  "` has no fields `x` and `y`");
          continue;
        }
        if (vars["x"].isError() || vars["y"].isError()) continue; // said where x or y was defined
        Value modelFn;
        modelFn.kind = Value::Function;
        modelFn.fn = &model;
        Value pred = call(modelFn, {vars["x"]}, {""}, {metricsRange}, metricsRange);
        if (pred.isError()) continue;
        val = call(m, {pred, vars["y"]}, {"", ""}, {metricsRange, metricsRange}, metricsRange);
      }
      if (val.isError()) continue;
      if (val.kind != Value::Tensor || val.type().shape.rank() != 0) {
        error(metricsRange, "metric `" + name + "` must be a scalar, got " + val.describe());
        continue;
      }
      // The trainer averages metrics as f32 and reports them by name.
      if (val.type().dtype != ir::DType::F32) {
        error(metricsRange, "metric `" + name + "` must be an f32 scalar, got " + val.type().str() +
                                ": convert it with float(...)");
        continue;
      }
      bool taken = false;
      for (const auto &[out, id] : graph.outputs())
        taken |= out == name;
      if (taken) {
        error(metricsRange, name == "loss" ? "a metric named `loss` would report under the loss's name: rename its fn"
                                           : "metric `" + name + "` is listed twice");
        continue;
      }
      graph.addOutput(name, val.node);
    }
  } else if (!metricsV.isError() && metricsV.kind != Value::None) {
    error(metricsRange, "`metrics` must be a list such as [accuracy], got " + metricsV.describe());
  }
  frames_.pop_back();
  return out;
}

ElaboratedProgram elaborate(const LoadedProgram &prog, DiagnosticEngine &diags) {
  return Elab(prog, diags).run();
}

} // namespace nnc
