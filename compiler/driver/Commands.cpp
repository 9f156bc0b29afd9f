#include "driver/Commands.h"

#include "autodiff/GradCheck.h"
#include "codegen/Codegen.h"
#include "codegen/Fusion.h"
#include "codegen/MemoryPlan.h"
#include "driver/Driver.h"
#include "driver/FrontendStep.h"
#include "driver/ManifestWriter.h"
#include "driver/ReferenceTrainer.h"
#include "frontend/Frontend.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/Pipeline.h"

#include <cstdio>
#include <algorithm>
#include <iomanip>
#include <map>
#include <set>
#include <ostream>
#include <random>

namespace nnc::driver {

namespace {

// Values for a graph's inputs when a program's data cannot be read here:
// uniform floats, zero labels. Gradients are checked at any point.
ir::Tensor syntheticInput(const ir::TensorType &t, int64_t batch, std::mt19937 &rng) {
  ir::Shape shape = t.shape.bind(batch);
  std::vector<double> v(static_cast<size_t>(shape.numel()), 0.0);
  if (ir::isFloat(t.dtype)) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (double &x : v) x = u(rng);
  }
  return ir::Tensor(t.dtype, shape, std::move(v));
}

std::string nodeList(const std::set<ir::NodeId> &ids) {
  std::string s;
  for (ir::NodeId id : ids) s += (s.empty() ? "%" : " %") + std::to_string(id);
  return s.empty() ? "-" : s;
}

// "fashion_mlp.nn:5,6 optim.nn:30": the lines the kernel's nodes came from.
std::string sourceLines(const ir::Graph &g, const codegen::Kernel &k) {
  std::map<std::string, std::set<int>> lines;
  for (ir::NodeId id : k.nodes) {
    const ir::SourceTag &src = g.node(id).src;
    if (src.empty()) continue;
    lines[src.file.substr(src.file.find_last_of('/') + 1)].insert(src.line);
  }
  std::string s;
  for (const auto &[file, ls] : lines) {
    s += (s.empty() ? "" : " ") + file + ":";
    bool first = true;
    for (int l : ls) {
      s += (first ? "" : ",") + std::to_string(l);
      first = false;
    }
  }
  return s.empty() ? "(no source)" : s;
}


// The shape a fused kernel loops over: its elementwise nodes', its reductions' operands'
// (a GEMM's transposed operands aside).
ir::Shape domainOf(const ir::Graph &g, const codegen::Kernel &k) {
  for (ir::NodeId id : k.nodes) {
    const ir::Node &n = g.node(id);
    if (codegen::foldedConstant(g, id) || n.op == ir::Op::Transpose) continue;
    bool reduction = ir::opInfo(n.op).category == ir::OpCategory::Reduce;
    return reduction ? g.type(n.inputs[0]).shape : n.type.shape;
  }
  return {};
}

// "1024 + 3136*B bytes".
std::string arenaText(const codegen::ArenaBytes &a) {
  return std::to_string(a.fixed) + " + " + std::to_string(a.perRow) + "*B bytes";
}

// emit --fused: each kernel of `g`, its ops, where they came from, and the
// buffers it reads and writes (values in registers only are not listed);
// the arena of its memory plan, with `updates` in place where legal.
void printKernels(std::ostream &out, const ir::Graph &g, const std::vector<codegen::Kernel> &kernels,
                  const std::vector<codegen::InPlaceUpdate> &updates) {
  std::vector<bool> buffered = codegen::bufferedNodes(g, kernels);
  size_t values = 0, stored = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    if (g.nodes()[i].op == ir::Op::Input || g.nodes()[i].op == ir::Op::Param) continue;
    ++values;
    stored += buffered[i];
  }
  out << "graph \"" << g.name << "\": " << kernels.size() << " kernels, " << values << " values, " << stored
      << " stored\n";
  const codegen::MemoryPlan plan = codegen::planMemory(g, kernels, updates);
  size_t inPlace = 0;
  for (ir::NodeId b : plan.storedIn) inPlace += b >= 0;
  out << "  arena " << arenaText(plan.arena) << " in " << plan.slots.size() << " slots (a buffer per value: "
      << arenaText(plan.unshared) << ")";
  if (!updates.empty()) out << "; " << inPlace << " of " << updates.size() << " updates in place";
  out << "\n";
  for (size_t i = 0; i < kernels.size(); ++i) {
    const codegen::Kernel &k = kernels[i];
    std::set<ir::NodeId> here(k.nodes.begin(), k.nodes.end()), reads, writes;
    std::string ops;
    for (ir::NodeId id : k.nodes) {
      const ir::Node &n = g.node(id);
      if (!k.isInterior(id)) writes.insert(id);
      for (ir::NodeId in : n.inputs)
        if (!here.count(in) && !(k.fused && codegen::foldedConstant(g, in))) reads.insert(in);
      if (k.fused && codegen::foldedConstant(g, id)) continue; // an immediate in the loop
      ops += (ops.empty() ? "" : " ") + std::string(ir::opName(n.op));
    }
    out << "  kernel " << i << (k.fused ? " fused over " + domainOf(g, k).str() + ": " : " ") << ops << "\n";
    out << "    from   " << sourceLines(g, k) << "\n";
    out << "    reads  " << nodeList(reads) << "\n";
    out << "    writes " << nodeList(writes) << "\n";
  }
}

} // namespace

int commandCheck(const Options &opt, std::ostream &, std::ostream &err) {
  NNC_COMPILE_OR_RETURN(opt, err);
  (void)prog;
  return kExitOk;
}

int commandEmit(const Options &opt, std::ostream &out, std::ostream &err) {
  NNC_COMPILE_OR_RETURN(opt, err);
  bool first = true;
  auto print = [&](const ir::Graph &g) {
    if (!first) out << "\n";
    first = false;
    ir::printGraph(out, g);
  };
  if (opt.emitIr) {
    for (const ModelGraphs &m : prog.models) {
      print(m.init);
      print(m.forward);
    }
    for (const DataInfo &d : prog.datas) print(d.graph);
    for (const TrainInfo &t : prog.trains)
      for (const StepInfo &s : t.steps) print(s.graph);
    return kExitOk;
  }
  if (opt.emitFused) {
    auto show = [&](const ir::Graph &raw, bool update) {
      ir::Graph clean = passes::cleanup(raw);
      if (!first) out << "\n";
      first = false;
      printKernels(out, clean, codegen::fuseKernels(clean),
                   update ? inPlaceUpdates(clean) : std::vector<codegen::InPlaceUpdate>{});
    };
    for (const ModelGraphs &m : prog.models) show(m.forward, false);
    for (const TrainInfo &t : prog.trains)
      for (const StepInfo &s : t.steps) show(s.update, true);
    return kExitOk;
  }
  if (opt.emitLLVM || opt.emitAsm) {
    codegen::CodegenOptions co;
    co.cpu = opt.targetCpu;
    if (opt.optLevel >= 0) co.optLevel = opt.optLevel;
    std::vector<const ir::Graph *> graphs;
    for (const ModelGraphs &m : prog.models) graphs.push_back(&m.forward);
    for (const TrainInfo &t : prog.trains)
      for (const StepInfo &s : t.steps) graphs.push_back(&s.update);
    for (const ir::Graph *g : graphs) {
      try {
        ir::Graph clean = passes::cleanup(*g);
        out << (opt.emitLLVM ? codegen::emitLLVM(clean, co) : codegen::emitAsm(clean, co));
      } catch (const codegen::CodegenError &e) {
        err << "nnc: error: graph `" << g->name << "`: " << e.what() << "\n";
        return kExitDiagnostics;
      }
    }
    return kExitOk;
  }
  // --grad: the gradient graphs, cleaned up.
  for (const TrainInfo &t : prog.trains)
    for (const StepInfo &s : t.steps) {
      std::vector<passes::PassStats> stats;
      ir::Graph clean = passes::cleanup(s.gradient, &stats);
      if (opt.stats) {
        if (!first) out << "\n";
        out << "# " << s.gradient.name << ": " << s.gradient.size() << " nodes before clean-up, " << clean.size()
            << " after\n";
        for (const passes::PassStats &p : stats)
          out << "#   " << std::left << std::setw(10) << p.pass << std::right << std::setw(6) << p.before << " -> "
              << std::setw(6) << p.after << "\n";
        first = true;
      }
      print(clean);
    }
  if (prog.trains.empty()) err << "nnc: note: `" << opt.file << "` has no train block: there is nothing to differentiate\n";
  return kExitOk;
}

int commandGradcheck(const Options &opt, std::ostream &out, std::ostream &err) {
  NNC_COMPILE_OR_RETURN(opt, err);
  if (prog.trains.empty()) {
    err << "nnc: error: `" << opt.file << "` has no train block: there is no loss to check\n";
    return kExitDiagnostics;
  }
  std::mt19937 rng(static_cast<unsigned>(opt.seed));
  bool ok = true;
  // The interpreter runs the data block and the init graphs: what it rejects
  // (a division by zero in the data, a param too large) is the program's error.
  try {
    for (const TrainInfo &t : prog.trains) {
      // A few samples of the program's own data where it carries them.
      std::map<std::string, ir::Tensor> samples;
      const int64_t batch = 4;
      for (const DataInfo &d : prog.datas) {
        if (d.name != t.data) continue;
        try {
          Dataset ds = loadProgramData(d, opt.seed);
          std::vector<int64_t> rows;
          for (int64_t r = 0; r < std::min<int64_t>(batch, ds.trainSize); ++r) rows.push_back(r);
          samples = sliceRows(ds.train, rows);
        } catch (const TrainError &) {
          // Files: synthetic inputs below.
        }
      }
      ir::Bindings b;
      for (const ModelGraphs &m : prog.models) {
        ir::Bindings none;
        for (auto &[name, v] : ir::runOutputs(m.init, none)) b.params.emplace(name, v);
      }
      for (const StepInfo &s : t.steps) {
        for (ir::NodeId id : s.graph.inputs()) {
          const std::string name = s.graph.node(id).attrs.getString("name");
          if (name == "step") b.inputs.insert_or_assign(name, ir::Tensor::scalar(1.0));
          else if (samples.count(name)) b.inputs.insert_or_assign(name, samples.at(name));
          else if (!b.inputs.count(name)) b.inputs.emplace(name, syntheticInput(s.graph.type(id), batch, rng));
        }
        out << "step `" << s.name << "` of train " << t.model << " on " << t.data << ":\n";
        std::vector<autodiff::GradCheckResult> results;
        try {
          results = autodiff::gradcheck(s.graph, "loss", b);
        } catch (const std::exception &e) {
          err << "nnc: error: gradcheck of step `" << s.name << "`: " << e.what() << "\n";
          return kExitDiagnostics;
        }
        for (const autodiff::GradCheckResult &r : results) {
          bool pass = r.maxRelError <= opt.tolerance;
          ok &= pass;
          char line[256];
          std::snprintf(line, sizeof line, "  %-40s max abs error %.3e  max rel error %.3e  %s\n", r.name.c_str(),
                        r.maxAbsError, r.maxRelError, pass ? "ok" : "FAILED");
          out << line;
        }
      }
    }
  } catch (const ir::InterpError &e) {
    err << "nnc: error: " << e.what() << "\n";
    return kExitDiagnostics;
  }
  if (!ok) err << "nnc: error: some gradients differ from finite differences by more than " << opt.tolerance << "\n";
  return ok ? kExitOk : kExitDiagnostics;
}

int commandInterpret(const Options &opt, std::ostream &out, std::ostream &err) {
  NNC_COMPILE_OR_RETURN(opt, err);
  if (prog.trains.empty()) {
    err << "nnc: error: `" << opt.file << "` has no train block\n";
    return kExitDiagnostics;
  }
  TrainOptions to;
  to.epochs = opt.epochs;
  to.batch = opt.batch;
  to.seed = opt.seed;
  try {
    for (const TrainInfo &t : prog.trains) {
      TrainResult r = trainOnInterpreter(prog, t, to, &out);
      // Small params in full (the coefficients of a regression); large ones by shape.
      for (auto &[name, v] : r.params) {
        if (v.numel() <= 16) out << name << " = " << v.str() << "\n";
        else out << name << ": " << v.type.str() << "\n";
      }
    }
  } catch (const std::exception &e) {
    err << "nnc: error: " << e.what() << "\n";
    return kExitDiagnostics;
  }
  return kExitOk;
}

} // namespace nnc::driver
