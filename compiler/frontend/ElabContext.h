// The elaborator's internal state and the operations that builtins, data
// blocks and train blocks share. Not part of the front end's public API.
#pragma once

#include "frontend/Elaborator.h"
#include "frontend/Value.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace nnc {

class Elab;

// Restores a variable's value when the scope ends.
template <class T> struct Restore {
  T &ref;
  T saved;
  explicit Restore(T &r) : ref(r), saved(r) {}
  ~Restore() { ref = saved; }
  Restore(const Restore &) = delete;
  Restore &operator=(const Restore &) = delete;
};

// A builtin function: a primitive op or a compile-time helper.
struct BuiltinParam {
  const char *name;
  bool required;
};
struct Builtin {
  const char *name;
  std::vector<BuiltinParam> params;
  // args[i] is the value of params[i]: Value::None when not given.
  Value (*impl)(Elab &, std::vector<Value> &args, const std::vector<SourceRange> &argRanges, SourceRange call);
};
const Builtin *findBuiltin(const std::string &name);
// The data-block transforms with statistics of the training rows (DataTransforms.cpp).
Value standardizeFn(Elab &el, std::vector<Value> &args, const std::vector<SourceRange> &argRanges, SourceRange call);
Value scaleFn(Elab &el, std::vector<Value> &args, const std::vector<SourceRange> &argRanges, SourceRange call);
std::vector<std::string> builtinNames();

// The graph being built and the params it holds, by path.
struct GraphCtx {
  explicit GraphCtx(ir::Graph *g, ir::Graph *initGraph = nullptr, bool perSampleData = false)
      : graph(g), init(initGraph), perSample(perSampleData) {}
  ir::Graph *graph = nullptr;
  std::map<std::string, ir::NodeId> params;
  ir::Graph *init = nullptr; // when set, param initializers are built into it
  bool perSample = false;    // data blocks: random values get a batch dimension
  // Data blocks: the field being defined, and where `standardize` and
  // `scale` record the statistics they read (null elsewhere: not allowed).
  std::string dataField;
  std::vector<DataStatistic> *statistics = nullptr;
  std::map<std::string, ir::NodeId> inputs;
  // Train step graphs: `training` is true there (dropout is on), and random
  // ops are keyed by the step number so each step draws new values.
  bool training = false;
  ir::NodeId randomKey = -1;
  // Model calls already made in this graph, by model and input nodes: a
  // model applied twice to the same tensors is computed once.
  std::map<std::pair<const ast::FnDecl *, std::vector<ir::NodeId>>, Value> modelCalls;
};

// One parameter an optimizer updates, and what the update produced.
struct OptimizerTarget {
  Value param, grad, step;   // tensors of the current graph
  std::string statePrefix;   // states are named "state/<statePrefix>/<name>"
  ir::Graph *stateInit = nullptr; // where the states' initial values are built
  std::vector<std::pair<std::string, Value>> stateInputs; // filled by runOptimizer
  Value newParam;
  std::vector<std::pair<std::string, Value>> newStates;
};

// One activation of a fn or model.
struct Frame {
  std::map<std::string, Value> vars;
  std::string path; // param path prefix: "Classifier/dense_1"
  std::map<std::string, int> callCounts;
  const ast::FnDecl *fn = nullptr;
  SourceRange callSite; // where this activation was called from
};

class Elab {
public:
  Elab(const LoadedProgram &prog, DiagnosticEngine &diags) : prog_(prog), diags_(diags) {}

  ElaboratedProgram run();

  // --- shared with builtins and blocks -------------------------------------
  Value error(SourceRange r, const std::string &msg);
  void tagSource(SourceRange r);
  void noteCallStack();
  void note(SourceRange r, const std::string &msg) { diags_.note(r, msg); }
  DiagnosticEngine &diags() { return diags_; }
  GraphCtx &ctx() { return *ctx_; }

  // Converts a number, a nested list of numbers, or a tensor to a tensor of
  // the current graph. `like` gives the dtype for numbers (f32 if none).
  Value toTensor(const Value &v, SourceRange r, const Value *like = nullptr);
  // Creates a node; an IR shape-rule failure becomes a diagnostic at `r`.
  Value emit(ir::Op op, std::vector<Value> operands, ir::Attrs attrs, SourceRange r);
  // An elementwise op with numpy broadcasting (and folding of compile-time numbers).
  Value binary(ir::Op op, const Value &a, const Value &b, SourceRange r, const std::string &spelling);
  Value broadcastTo(const Value &t, const ir::Shape &shape, SourceRange r);
  Value unaryTensor(ir::Op op, const Value &v, SourceRange r);
  // The seed of the next random op: derived from the param path being
  // initialized, or from the call site, so results do not depend on order.
  int64_t nextSeed();
  // Normalizes axis `a` (negative counts from the end) for rank `rank`; -1 on error.
  int64_t normalizeAxis(int64_t a, size_t rank, SourceRange r);
  // A list of ints (dims may be the batch dimension) from a List value.
  // A list of ints (or one) as dims, B as ir::kBatch. With `positive`, a
  // plain int below 1 is an error (an int -1 is no B, though the IR spells
  // B as -1).
  bool toDims(const Value &v, std::vector<ir::Dim> &out, SourceRange r, const char *what, bool positive = false);
  Value call(const Value &callee, std::vector<Value> args, std::vector<std::string> names,
             std::vector<SourceRange> ranges, SourceRange callRange);

  Value eval(const ast::Expr &e);

private:
  friend struct BlockElab;
  // Expressions.
  Value evalName(const ast::Expr &e);
  Value evalUnary(const ast::Expr &e);
  Value evalBinary(const ast::Expr &e);
  Value evalCond(const ast::Expr &e);
  Value evalCall(const ast::Expr &e);
  Value evalIndex(const ast::Expr &e);
  Value foldNumbers(const std::string &op, const Value &a, const Value &b, SourceRange r);

  // Calls.
  Value callFn(const ast::FnDecl &fn, std::vector<Value> args, std::vector<std::string> names,
               std::vector<SourceRange> ranges, SourceRange callRange);
  Value callBuiltin(const Builtin &b, std::vector<Value> args, std::vector<std::string> names,
                    std::vector<SourceRange> ranges, SourceRange callRange);
  bool bindParams(const std::string &callee, const std::vector<ast::FnParam> &params, std::vector<Value> &args,
                  const std::vector<std::string> &names, std::vector<SourceRange> &ranges, SourceRange callRange,
                  Frame &frame);
  // Checks `v` against a declared type, binding shape variables in `frame`.
  bool checkType(const Value &v, const ast::TypeExpr &t, Frame &frame, SourceRange r, const std::string &what);
  // Evaluates a declared tensor type whose dims are all known.
  bool evalType(const ast::TypeExpr &t, ir::TensorType &out);
  Value runBody(const std::vector<ast::Stmt> &body, SourceRange fnRange, const std::string &fnName);
  // One statement other than a fn body's `return`.
  void execStmt(const ast::Stmt &s);
  void execFor(const ast::Stmt &s);
  void execParam(const ast::Stmt &s);
  void assign(const ast::Stmt &s, const Value &v);

  // Top-level declarations.
  void elaborateModel(const ast::FnDecl &m, ElaboratedProgram &out);
  void elaborateData(const ast::DataDecl &d, ElaboratedProgram &out);
  void elaborateTrain(const ast::TrainDecl &t, ElaboratedProgram &out);
  // The statements of one step: its own, and the train block's shared ones.
  struct StepSrc {
    std::string name;
    std::vector<const ast::Stmt *> stmts;
    SourceRange range;
  };
  struct StepOutcome {
    ir::NodeId loss = -1, step = -1;
    SourceRange lossRange;
    const ast::OptimizerDecl *optimizer = nullptr;
    std::map<std::string, Value> optimizerArgs;
  };
  StepOutcome elaborateStep(TrainInfo &ti, const DataInfo &data, const ast::FnDecl &model, const StepSrc &src,
                            bool hasSteps, bool training, StepInfo &si, ir::Graph &graph);
  // The `picture` setting: fills ti.picture (Picture.cpp).
  void elaboratePicture(TrainInfo &ti, const DataInfo &data, const ast::Stmt &s);
  void checkOptimizer(const ast::OptimizerDecl &o);
  bool runOptimizer(const ast::OptimizerDecl &o, const std::map<std::string, Value> &args, OptimizerTarget &t);
  bool optimizerUse(const Value &v, SourceRange r, OptimizerUse &out, std::map<std::string, Value> &args);
  // Differentiates a step's loss and applies its optimizer: fills
  // si.gradient, si.update and si.stateInit from si.graph.
  void buildUpdate(StepInfo &si, const ast::OptimizerDecl &opt, const std::map<std::string, Value> &args,
                   ir::NodeId loss, ir::NodeId step, SourceRange lossRange);

  std::vector<std::string> visibleNames() const;

  const LoadedProgram &prog_;
  DiagnosticEngine &diags_;
  GraphCtx *ctx_ = nullptr;
  std::vector<Frame> frames_;
  int exprDepth_ = 0;
  std::string seedPath_; // the param path being initialized, or the call site
  int seedCounter_ = 0;
  int64_t unrolled_ = 0; // `for` iterations run so far, against kMaxUnrolled
  std::map<std::string, size_t> models_; // index into ElaboratedProgram::models
  std::map<std::string, size_t> datas_;
};

// Flattens a rectangular nested list of numbers (bools count as 0/1) into
// its shape and row-major values; false if it is not rectangular.
bool flattenLiteral(const Value &v, std::vector<ir::Dim> &shape, std::vector<double> &data);

// Reads the dimensions of an IDX file (gzip or not) without reading its data.
// Returns false with `err` set when the file is missing or malformed.
bool readIdxHeader(const std::string &path, std::vector<int64_t> &dims, int &typeCode, std::string &err);

} // namespace nnc
