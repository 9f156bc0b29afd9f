// Cross-checks of a parsed manifest: each graph's inputs, params and outputs
// against the declarations and the other graphs, so that binding buffers
// later is a matter of lookups that cannot fail.
#include "Manifest.h"
#include "TrainError.h"

#include <map>
#include <set>

namespace nnc::trainer {

namespace {

[[noreturn]] void bad(const std::string &message) { throw TrainError("invalid program manifest: " + message); }

bool startsWith(const std::string &s, const char *prefix) { return s.rfind(prefix, 0) == 0; }

const TensorType kScalarF32{DType::F32, Shape{}};

// Input and param nodes have distinct names; params are declared, typed alike.
void checkNodeNames(const Manifest &m, const Graph &g) {
  std::set<std::string> seen;
  for (const Node &n : g.nodes) {
    if (n.kind == Node::Value) continue;
    if (!seen.insert(n.name).second) bad(g.describe() + " has two input or param nodes named " + quoted(n.name));
    if (n.kind == Node::Param) {
      const Param *p = m.findParam(n.name);
      if (!p) bad(g.describe() + " reads param " + quoted(n.name) + ", which is not declared");
      if (!(p->type == n.type))
        bad(g.describe() + " reads param " + quoted(n.name) + " as " + n.type.str() + ", declared " + p->type.str());
    }
  }
}

// A value written into an input's or param's storage (`@<id>`) is an update
// graph's new value of that param ("param/<name>") or state (the input's
// name): the trainer binds those nodes to the model's own storage, so the
// update lands there and needs no copy.
void checkStoredIn(const Graph &g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node &n = g.nodes[i];
    if (n.storedIn < 0) continue;
    const Node &t = g.nodes[static_cast<size_t>(n.storedIn)];
    std::string expected = t.kind == Node::Param ? "param/" + t.name : t.name;
    bool named = false;
    for (const Output &o : g.outputs)
      named = named || (o.id == static_cast<int>(i) && o.name == expected);
    if (g.role != Role::Update || !named || (t.kind == Node::Input && !startsWith(t.name, "state/")))
      bad(g.describe() + " writes node " + std::to_string(i) + " into the storage of " + quoted(t.name) +
          ", which only an update graph's output " + quoted(expected) + " of a param or state may be");
  }
}

// A data graph computes fields from a source's: it reads no param.
void checkDataGraph(const Graph &g) {
  for (const Node &n : g.nodes)
    if (n.kind == Node::Param) bad(g.describe() + " reads param " + quoted(n.name));
}

// Each statistic feeds an unbatched f32 input of the data graph from a
// batched f32 output with rows of the input's shape; every unbatched input
// is such a statistic.
void checkStatistics(const Manifest &m) {
  const Graph &g = *m.dataGraph;
  for (const Statistic &st : m.statistics) {
    std::string what = "the statistic on manifest line " + std::to_string(st.line);
    int in = g.findInput(st.input);
    if (in < 0) bad(what + " feeds " + quoted(st.input) + ", which " + g.describe() + " does not read");
    const Output *of = g.findOutput(st.of);
    if (!of) bad(what + " is of " + quoted(st.of) + ", which " + g.describe() + " does not output");
    const TensorType &it = g.nodes[static_cast<size_t>(in)].type, &ot = g.nodes[static_cast<size_t>(of->id)].type;
    if (it.dtype != DType::F32 || it.shape.hasBatch() || ot.dtype != DType::F32 || !ot.shape.batched ||
        ot.shape.innerBatch() > 0 || ot.shape.dims != it.shape.dims)
      bad(what + " feeds " + quoted(st.input) + " (" + it.str() + ") from " + quoted(st.of) + " (" + ot.str() +
          "): expected f32 rows of the input's shape");
  }
  for (const Node &n : g.nodes) {
    if (n.kind != Node::Input || n.type.shape.hasBatch()) continue;
    bool fed = false;
    for (const Statistic &st : m.statistics)
      fed = fed || st.input == n.name;
    if (!fed) bad(g.describe() + " reads " + quoted(n.name) + " (" + n.type.str() + "), which no statistic feeds");
  }
}

const Port *findPort(const std::vector<Port> &ports, const std::string &name) {
  for (const Port &p : ports)
    if (p.name == name) return &p;
  return nullptr;
}

struct Checker {
  Manifest &m;
  std::map<std::string, TensorType> states; // every state_init output
  std::map<std::string, Step *> steps;

  void requireNoInputs(const Graph &g) {
    for (const Node &n : g.nodes)
      if (n.kind != Node::Value) bad(g.describe() + " must not read anything, but reads " + quoted(n.name));
  }

  Step &stepOf(const Graph &g) {
    auto it = steps.find(g.owner);
    if (it == steps.end()) bad(g.describe() + " belongs to no declared step");
    return *it->second;
  }

  void addInit(const Graph &g, std::map<std::string, const Graph *> &initOf) {
    requireNoInputs(g);
    for (const Output &o : g.outputs) {
      const Param *p = m.findParam(o.name);
      if (!p) bad(g.describe() + " outputs " + quoted(o.name) + ", which is not a declared param");
      if (!(g.nodes[o.id].type == p->type))
        bad(g.describe() + " outputs param " + quoted(o.name) + " as " + g.nodes[o.id].type.str() + ", declared " +
            p->type.str());
      if (!initOf.emplace(o.name, &g).second) bad("param " + quoted(o.name) + " is initialized by two graphs");
    }
    m.initGraphs.push_back(&g);
  }

  void addStateInit(const Graph &g) {
    Step &s = stepOf(g);
    if (s.stateInit) bad("step " + quoted(s.name) + " has two state_init graphs");
    s.stateInit = &g;
    requireNoInputs(g);
    for (const Output &o : g.outputs) {
      const TensorType &t = g.nodes[o.id].type;
      if (!startsWith(o.name, "state/")) bad(g.describe() + " outputs " + quoted(o.name) + ", not a state/ name");
      if (t.shape.hasBatch()) bad(g.describe() + " outputs state " + quoted(o.name) + " with the batch dimension");
      if (!states.emplace(o.name, t).second) bad("state " + quoted(o.name) + " is initialized twice");
    }
  }

  // The value the trainer binds to an input of an update or evaluate graph.
  void checkStepInput(const Graph &g, const Node &n, const Step &s) {
    const std::string &name = n.name;
    auto expect = [&](const TensorType &t, const std::string &what) {
      if (!(n.type == t))
        bad(g.describe() + " reads " + what + " " + quoted(name) + " as " + n.type.str() + ", expected " + t.str());
    };
    if (name == "step") return expect(kScalarF32, "the step counter");
    if (startsWith(name, "hyper/")) {
      if (g.role != Role::Update) bad(g.describe() + " reads hyperparameter " + quoted(name));
      bool found = false;
      for (const Hyper &h : m.hypers)
        found = found || (h.step == s.name && "hyper/" + h.name == name);
      if (!found)
        bad(g.describe() + " reads " + quoted(name) + ", but no `hyper` line gives step " + quoted(s.name) +
            " a value for it");
      return expect(kScalarF32, "hyperparameter");
    }
    if (startsWith(name, "state/")) {
      if (g.role != Role::Update) bad(g.describe() + " reads state " + quoted(name));
      auto it = states.find(name);
      if (it == states.end())
        bad(g.describe() + " reads state " + quoted(name) + ", which no state_init graph outputs");
      return expect(it->second, "state");
    }
    checkFieldInput(g, n);
  }

  // An input that is a data field: the data graph's output of that name.
  void checkFieldInput(const Graph &g, const Node &n) {
    const std::string &name = n.name;
    const Output *o = m.dataGraph->findOutput(name);
    if (!o) bad(g.describe() + " reads field " + quoted(name) + ", which the data graph does not output");
    const TensorType &t = m.dataGraph->nodes[static_cast<size_t>(o->id)].type;
    if (!(n.type == t))
      bad(g.describe() + " reads field " + quoted(name) + " as " + n.type.str() + ", expected " + t.str());
    if (n.type.shape.innerBatch() > 0)
      bad(g.describe() + " reads field " + quoted(name) + " as " + n.type.str() +
          ": a field has the batch dimension first or nowhere");
    bool known = false;
    for (const std::string &f : m.fields)
      known = known || f == name;
    if (!known) m.fields.push_back(name);
  }

  std::vector<Metric> checkStepOutputs(const Graph &g) {
    std::vector<Metric> metrics;
    bool haveLoss = false;
    for (const Output &o : g.outputs) {
      const TensorType &t = g.nodes[o.id].type;
      if (o.name.find('/') == std::string::npos) {
        if (!(t == kScalarF32))
          bad(g.describe() + " outputs " + quoted(o.name) + " as " + t.str() + "; loss and metrics are f32[]");
        Metric mt{o.name, o.id};
        if (o.name == "loss") {
          haveLoss = true;
          metrics.insert(metrics.begin(), mt);
        } else {
          metrics.push_back(mt);
        }
        continue;
      }
      if (g.role == Role::Update && startsWith(o.name, "grad/")) continue;
      if (g.role == Role::Update && startsWith(o.name, "param/")) {
        const Param *p = m.findParam(o.name.substr(6));
        if (!p) bad(g.describe() + " outputs " + quoted(o.name) + " for an undeclared param");
        if (!(p->type == t))
          bad(g.describe() + " outputs " + quoted(o.name) + " as " + t.str() + ", declared " + p->type.str());
        continue;
      }
      if (g.role == Role::Update && startsWith(o.name, "state/")) {
        auto it = states.find(o.name);
        if (it == states.end())
          bad(g.describe() + " outputs state " + quoted(o.name) + ", which no state_init graph initializes");
        if (!(it->second == t))
          bad(g.describe() + " outputs state " + quoted(o.name) + " as " + t.str() + ", initialized as " +
              it->second.str());
        continue;
      }
      bad(g.describe() + " has an unexpected output " + quoted(o.name));
    }
    if (!haveLoss) bad(g.describe() + " has no `loss` output");
    return metrics;
  }

  void checkStepGraph(const Graph &g, const Step &s) {
    for (const Node &n : g.nodes)
      if (n.kind == Node::Input) checkStepInput(g, n, s);
  }

  // Fields in; images f32[B,H,W] all alike, or points f32[B,2], out.
  void checkPicture(const Graph &g) {
    for (const Node &n : g.nodes)
      if (n.kind == Node::Input) checkFieldInput(g, n);
    if (g.outputs.empty()) bad(g.describe() + " has no output");
    const TensorType &first = g.nodes[static_cast<size_t>(g.outputs[0].id)].type;
    for (const Output &o : g.outputs) {
      const TensorType &t = g.nodes[static_cast<size_t>(o.id)].type;
      bool ok = t.dtype == DType::F32 && t.shape.batched && t.shape.innerBatch() == 0;
      if (g.owner == "scatter") ok = ok && t.shape.dims == std::vector<int64_t>{2};
      else ok = ok && t.shape.dims.size() == 2 && t == first;
      if (!ok)
        bad(g.describe() + " outputs " + quoted(o.name) + " as " + t.str() + "; expected " +
            (g.owner == "scatter" ? std::string("f32[B, 2]") : "f32[B, H, W] like " + quoted(g.outputs[0].name)));
    }
  }

  void run() {
    if (m.kind != Manifest::Program)
      bad("this is an inference model (`nnc-model`), not a training program (`nnc-program`)");
    if (m.stepNames.empty()) bad("no `step` line");
    if (!m.source("train")) bad("no source for the train split");
    m.steps.clear();
    m.steps.reserve(m.stepNames.size());
    for (const std::string &name : m.stepNames) {
      m.steps.push_back(Step{});
      m.steps.back().name = name;
    }
    for (Step &s : m.steps)
      steps[s.name] = &s;

    std::map<std::string, const Graph *> initOf;
    for (const Graph &g : m.graphs) {
      if (g.role == Role::Forward) bad(g.describe() + " belongs in a model manifest, not in a training program");
      checkNodeNames(m, g);
      checkStoredIn(g);
      switch (g.role) {
      case Role::Data:
        if (m.dataGraph) bad("two data graphs (" + m.dataGraph->describe() + " and " + g.describe() + ")");
        if (g.owner != m.data)
          bad(g.describe() + " is not for the data block " + quoted(m.data) + " of the train line");
        checkDataGraph(g);
        m.dataGraph = &g;
        break;
      case Role::Forward: // refused above
        break;
      case Role::Init:
        addInit(g, initOf);
        break;
      case Role::StateInit:
        addStateInit(g);
        break;
      case Role::Update:
      case Role::Evaluate: {
        Step &s = stepOf(g);
        const Graph *&slot = g.role == Role::Update ? s.update : s.evaluate;
        if (slot) bad("step " + quoted(s.name) + " has two " + roleName(g.role) + " graphs");
        slot = &g;
        break;
      }
      case Role::Picture:
        if (m.pictureGraph) bad("two picture graphs (" + m.pictureGraph->describe() + " and " + g.describe() + ")");
        if (g.owner != "images" && g.owner != "scatter")
          bad(g.describe() + " is of an unknown kind (expected \"images\" or \"scatter\")");
        m.pictureGraph = &g;
        break;
      }
    }
    if (!m.dataGraph) bad("no data graph");
    checkStatistics(m);
    for (const Param &p : m.params)
      if (!initOf.count(p.name)) bad("param " + quoted(p.name) + " is initialized by no init graph");
    for (Step &s : m.steps) {
      if (!s.update) bad("step " + quoted(s.name) + " has no update graph");
      checkStepGraph(*s.update, s);
      s.trainMetrics = checkStepOutputs(*s.update);
      if (s.evaluate) {
        checkStepGraph(*s.evaluate, s);
        s.evalMetrics = checkStepOutputs(*s.evaluate);
      }
    }
    if (m.pictureGraph) checkPicture(*m.pictureGraph);
  }
};

} // namespace

void checkManifest(Manifest &m) {
  m.dataGraph = m.pictureGraph = nullptr;
  m.initGraphs.clear();
  m.fields.clear();
  Checker{m, {}, {}}.run();
}

void checkModelManifest(Manifest &m) {
  if (m.kind != Manifest::Model)
    bad("this is a training program (`nnc-program`), not an inference model (`nnc-model`)");
  m.dataGraph = m.forwardGraph = nullptr;
  if (m.inputs.empty()) bad("the model declares no `input`");
  if (m.outputs.empty()) bad("the model declares no `output`");
  for (const Graph &g : m.graphs) {
    switch (g.role) {
    case Role::Data:
      if (m.dataGraph) bad("two data graphs (" + m.dataGraph->describe() + " and " + g.describe() + ")");
      checkDataGraph(g);
      m.dataGraph = &g;
      m.data = g.owner;
      break;
    case Role::Forward:
      if (m.forwardGraph) bad("two forward graphs (" + m.forwardGraph->describe() + " and " + g.describe() + ")");
      if (g.owner != m.model) bad(g.describe() + " is not for the model " + quoted(m.model) + " of the model line");
      m.forwardGraph = &g;
      break;
    case Role::Init:
    case Role::StateInit:
    case Role::Update:
    case Role::Evaluate:
    case Role::Picture:
      bad(g.describe() + " belongs in a training program, not in a model manifest");
    }
    checkNodeNames(m, g);
    checkStoredIn(g);
  }
  if (!m.forwardGraph) bad("no forward graph");
  const Graph &f = *m.forwardGraph;
  for (const Node &n : f.nodes) {
    if (n.kind != Node::Input) continue;
    const Port *in = findPort(m.inputs, n.name);
    if (!in) bad(f.describe() + " reads input " + quoted(n.name) + ", which is not a declared model input");
    if (!(in->type == n.type))
      bad(f.describe() + " reads input " + quoted(n.name) + " as " + n.type.str() + ", declared " + in->type.str());
  }
  for (const Output &o : f.outputs) {
    const Port *out = findPort(m.outputs, o.name);
    const TensorType &t = f.nodes[static_cast<size_t>(o.id)].type;
    if (!out) bad(f.describe() + " outputs " + quoted(o.name) + ", which is not a declared model output");
    if (!(out->type == t))
      bad(f.describe() + " outputs " + quoted(o.name) + " as " + t.str() + ", declared " + out->type.str());
  }
  for (const Port &out : m.outputs)
    if (!f.findOutput(out.name)) bad("model output " + quoted(out.name) + " is not an output of " + f.describe());
  const TensorType &scores = m.outputs.front().type;
  if (m.classifier && (scores.shape.dims.size() != 1 || (scores.dtype != DType::F32 && scores.dtype != DType::F64)))
    bad("a classifier's first output holds class scores as f32[B, K] or f64[B, K], but " +
        quoted(m.outputs.front().name) + " is " + scores.str());
  if (!m.dataGraph) return;
  for (const Output &o : m.dataGraph->outputs) {
    const Port *in = findPort(m.inputs, o.name);
    const TensorType &t = m.dataGraph->nodes[static_cast<size_t>(o.id)].type;
    if (in && !(in->type == t))
      bad(m.dataGraph->describe() + " outputs field " + quoted(o.name) + " as " + t.str() + ", but model input " +
          quoted(o.name) + " is " + in->type.str());
  }
}

} // namespace nnc::trainer
