// The manifest's syntax (nnc/program.h): one item per line, tokens separated
// by single spaces, strings double-quoted with C escapes. Strict on purpose:
// the text is written by the compiler, so anything unexpected is a bug or a
// version mismatch between the compiler and the runtime, and stopping at the
// line that shows it is the most useful thing the runtime can do.
#include "Manifest.h"
#include "TrainError.h"

#include "nnc/program.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <string_view>

namespace nnc::trainer {

namespace {

std::string visible(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", u);
      out += buf;
    }
  }
  return out.size() > 60 ? out.substr(0, 57) + "..." : out;
}

// Reads the tokens of one line, left to right.
class LineParser {
public:
  LineParser(std::string_view line, int lineNo) : line_(line), lineNo_(lineNo) {}

  [[noreturn]] void error(const std::string &message) const {
    throw TrainError("malformed program manifest, line " + std::to_string(lineNo_) + ": " + message);
  }

  bool atEnd() const { return pos_ == line_.size(); }

  void end() {
    if (atEnd()) return;
    size_t from = pos_ + 1 < line_.size() && line_[pos_] == ' ' ? pos_ + 1 : pos_;
    error("unexpected `" + visible(line_.substr(from)) + "` at the end of the line");
  }

  std::string_view word(const char *what) {
    separator(what);
    size_t start = pos_;
    while (pos_ < line_.size() && line_[pos_] != ' ')
      ++pos_;
    return line_.substr(start, pos_ - start);
  }

  void keyword(std::string_view expected) {
    std::string_view w = word(std::string(expected).c_str());
    if (w != expected) error("expected `" + std::string(expected) + "`, got `" + visible(w) + "`");
  }

  std::string str(const char *what) {
    separator(what);
    if (line_[pos_] != '"')
      error(std::string("expected ") + what + " as a quoted string, got `" + visible(rest()) + "`");
    ++pos_;
    std::string out;
    for (;;) {
      if (pos_ >= line_.size()) error(std::string("unterminated string (") + what + ")");
      char c = line_[pos_++];
      if (c == '"') break;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= line_.size()) error(std::string("unterminated string (") + what + ")");
      char e = line_[pos_++];
      switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'x': {
        int v = 0;
        for (int k = 0; k < 2; ++k) {
          char h = pos_ < line_.size() ? line_[pos_++] : '\0';
          int d = h >= '0' && h <= '9'   ? h - '0'
                  : h >= 'a' && h <= 'f' ? h - 'a' + 10
                  : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                         : -1;
          if (d < 0) error("bad \\x escape in a string: two hex digits expected");
          v = v * 16 + d;
        }
        out += static_cast<char>(v);
        break;
      }
      default:
        error("unknown escape `\\" + visible(std::string_view(&e, 1)) + "` in a string");
      }
    }
    if (pos_ < line_.size() && line_[pos_] != ' ') error("a string must be followed by a space or the end of the line");
    return out;
  }

  int64_t integer(const char *what, int64_t min, int64_t max) {
    std::string_view w = word(what);
    int64_t v = 0;
    auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc() || p != w.data() + w.size())
      error(std::string("expected ") + what + " as an integer, got `" + visible(w) + "`");
    if (v < min || v > max)
      error(std::string(what) + " " + std::to_string(v) + " is out of range [" + std::to_string(min) + ", " +
            std::to_string(max) + "]");
    return v;
  }

  double number(const char *what) {
    std::string_view w = word(what);
    double v = 0;
    auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc() || p != w.data() + w.size())
      error(std::string("expected ") + what + " as a number, got `" + visible(w) + "`");
    return v;
  }

  DType dtype() {
    std::string_view w = word("a dtype");
    if (w == "f32") return DType::F32;
    if (w == "f64") return DType::F64;
    if (w == "i32") return DType::I32;
    if (w == "bool") return DType::Bool;
    error("expected a dtype (f32, f64, i32, bool), got `" + visible(w) + "`");
  }

  // `[]`, `[B,784]`, `[784,128]`: B only first, other dims positive.
  Shape shape() {
    std::string_view w = word("a shape");
    if (w.size() < 2 || w.front() != '[' || w.back() != ']')
      error("expected a shape like [B,784], got `" + visible(w) + "`");
    Shape s;
    std::string_view body = w.substr(1, w.size() - 2);
    if (body.empty()) return s;
    size_t start = 0;
    for (int k = 0;; ++k) {
      size_t comma = body.find(',', start);
      std::string_view d = body.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (d == "B") {
        if (k == 0)
          s.batched = true;
        else
          s.dims.push_back(kBatch);
      } else {
        int64_t v = 0;
        auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), v);
        if (d.empty() || ec != std::errc() || p != d.data() + d.size() || v < 1)
          error("bad dimension `" + visible(d) + "` in shape `" + visible(w) + "`");
        s.dims.push_back(v);
      }
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    // Guards the products the trainer computes from shapes.
    double numel = 1;
    for (int64_t d : s.dims)
      if (d != kBatch) numel *= static_cast<double>(d);
    if (numel > 1e15) error("shape `" + visible(w) + "` is too large");
    return s;
  }

  TensorType type() {
    TensorType t;
    t.dtype = dtype();
    t.shape = shape();
    return t;
  }

  // A value's storage: `<slot>` or `@<node id>`, each below `nodes`.
  void storage(int64_t nodes, Node &n) {
    std::string_view w = word("the value's slot");
    bool bound = !w.empty() && w.front() == '@';
    std::string_view digits = bound ? w.substr(1) : w;
    int v = -1;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || v < 0 || v >= nodes)
      error("expected the value's slot or @<node id> below " + std::to_string(nodes) + ", got `" + visible(w) + "`");
    (bound ? n.storedIn : n.slot) = v;
  }

private:
  std::string_view rest() const { return line_.substr(pos_); }

  // Before every token but the first: exactly one space, then the token.
  void separator(const char *what) {
    if (pos_ > 0) {
      if (pos_ >= line_.size()) error(std::string("the line ends where ") + what + " was expected");
      if (line_[pos_] != ' ') error("tokens must be separated by single spaces");
      ++pos_;
    }
    if (pos_ >= line_.size()) error(std::string("the line ends where ") + what + " was expected");
    if (line_[pos_] == ' ') error("tokens must be separated by single spaces");
  }

  std::string_view line_;
  int lineNo_;
  size_t pos_ = 0;
};

bool isFiniteNumber(double v) { return std::isfinite(v); }

void parseSetting(LineParser &lp, Settings &s, std::set<std::string> &seen) {
  std::string name(lp.word("a setting name"));
  if (!seen.insert(name).second) lp.error("setting `" + name + "` is given twice");
  constexpr int64_t big = std::numeric_limits<int64_t>::max();
  if (name == "epochs") {
    s.epochs = lp.integer("the number of epochs", 1, big);
  } else if (name == "batch") {
    s.batch = lp.integer("the batch size", 1, big);
  } else if (name == "seed") {
    // The data block's seed; a negative one is the same 64 bits unsigned.
    s.seed = static_cast<uint64_t>(lp.integer("the seed", std::numeric_limits<int64_t>::min(), big));
  } else if (name == "validation") {
    s.validation = lp.number("the validation fraction");
    if (!(s.validation >= 0 && s.validation < 1)) lp.error("the validation fraction must lie in [0, 1)");
  } else if (name == "shuffle") {
    s.shuffle = lp.integer("shuffle", 0, 1) != 0;
  } else if (name == "test") {
    s.test = lp.number("the test fraction");
    if (!(s.test > 0 && s.test < 1)) lp.error("the test fraction must lie in (0, 1)");
  } else {
    lp.error("unknown setting `" + name + "` (expected epochs, batch, seed, validation, shuffle or test)");
  }
}

Source parseSource(LineParser &lp, int lineNo) {
  Source src;
  src.line = lineNo;
  src.split = std::string(lp.word("a split"));
  if (src.split != "train" && src.split != "test")
    lp.error("a source's split must be `train` or `test`, got `" + visible(src.split) + "`");
  std::string_view kind = lp.word("a source kind");
  constexpr int64_t maxRows = int64_t(1) << 40;
  if (kind == "idx") {
    src.kind = Source::Idx;
    src.files.push_back(lp.str("the images file"));
    src.files.push_back(lp.str("the labels file"));
  } else if (kind == "csv") {
    src.kind = Source::Csv;
    src.files.push_back(lp.str("the csv file"));
    src.labelColumn = lp.str("the label column");
  } else if (kind == "literal") {
    src.kind = Source::Literal;
    src.rows = lp.integer("the number of rows", 1, maxRows);
    src.literal.resize(static_cast<size_t>(lp.integer("the number of fields", 1, 1 << 20)));
  } else if (kind == "generated") {
    src.kind = Source::Generated;
    src.rows = lp.integer("the number of rows", 1, maxRows);
  } else {
    lp.error("unknown source kind `" + visible(kind) + "` (expected idx, csv, literal or generated)");
  }
  for (const std::string &f : src.files)
    if (f.empty()) lp.error("a source's file name is empty");
  lp.end();
  return src;
}

// `statistic "<input>" <mean|std|min|max> "<output>"`
Statistic parseStatistic(LineParser &lp, int lineNo) {
  Statistic st;
  st.line = lineNo;
  st.input = lp.str("the statistic's input");
  std::string_view kind = lp.word("a statistic kind");
  if (kind == "mean")
    st.kind = Statistic::Mean;
  else if (kind == "std")
    st.kind = Statistic::Std;
  else if (kind == "min")
    st.kind = Statistic::Min;
  else if (kind == "max")
    st.kind = Statistic::Max;
  else
    lp.error("unknown statistic `" + visible(kind) + "` (expected mean, std, min or max)");
  st.of = lp.str("the statistic's output");
  lp.end();
  if (st.input.empty() || st.of.empty()) lp.error("a statistic with an empty name");
  return st;
}

// `literal "<field>" <dtype> <shape> <count> <v1> ... <vcount>`
LiteralField parseLiteral(LineParser &lp, int64_t rows) {
  LiteralField f;
  f.name = lp.str("the field name");
  if (f.name.empty()) lp.error("a literal field has an empty name");
  f.type = lp.type();
  // The row dimension is B; a literal count equal to the rows is accepted too.
  if (f.type.shape.innerBatch() > (f.type.shape.batched ? 0 : 1))
    lp.error("literal field `" + f.name + "` has the batch dimension B elsewhere than first");
  if (!f.type.shape.batched) {
    if (f.type.shape.dims.empty() || f.type.shape.dims[0] != rows)
      lp.error("the shape of literal field `" + f.name + "` must start with B (the source has " + std::to_string(rows) +
               " rows)");
    f.type.shape.dims.erase(f.type.shape.dims.begin());
    f.type.shape.batched = true;
  }
  int64_t expected = rows * f.type.shape.rowElems();
  int64_t count = lp.integer("the number of values", 0, std::numeric_limits<int64_t>::max());
  if (count != expected)
    lp.error("literal field `" + f.name + "` has " + std::to_string(count) + " values; " + std::to_string(rows) +
             " rows of " + f.type.shape.str() + " need " + std::to_string(expected));
  f.values.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    double v = lp.number("a value");
    switch (f.type.dtype) {
    case DType::F32:
    case DType::F64:
      break;
    case DType::I32:
      if (v != std::floor(v) || v < -2147483648.0 || v > 2147483647.0)
        lp.error("value " + std::to_string(v) + " of i32 field `" + f.name + "` is not an i32");
      break;
    case DType::Bool:
      if (v != 0 && v != 1) lp.error("value of bool field `" + f.name + "` must be 0 or 1");
      break;
    }
    f.values.push_back(v);
  }
  lp.end();
  return f;
}

Role parseRole(LineParser &lp) {
  std::string_view w = lp.word("a graph role");
  for (Role r : {Role::Data, Role::Init, Role::StateInit, Role::Update, Role::Evaluate, Role::Forward, Role::Picture})
    if (w == roleName(r)) return r;
  lp.error("unknown graph role `" + visible(w) +
           "` (expected data, init, state_init, update, evaluate, forward or picture)");
}

// `param`, `input` or `output` "<name>" <dtype> <shape>. Only a param may
// lack the batch dimension, and only an input or output may have it (first).
Param parseDeclaration(LineParser &lp, std::string_view item, std::set<std::string> &seen) {
  std::string what(item);
  Param p;
  p.name = lp.str(("the " + what + " name").c_str());
  p.type = lp.type();
  lp.end();
  if (p.name.empty()) lp.error("a " + what + " with an empty name");
  if (item == "param" && p.type.shape.hasBatch())
    lp.error("param `" + p.name + "` has the batch dimension B in its shape");
  if (item != "param" && (!p.type.shape.batched || p.type.shape.innerBatch() > 0))
    lp.error(what + " `" + p.name + "` is " + p.type.str() + ": a model's " + what +
             " has the batch dimension B first, and only there");
  if (!seen.insert(p.name).second) lp.error(what + " `" + p.name + "` is declared twice");
  return p;
}

// The items of a model manifest's preamble; false for any other item.
struct ModelItems {
  std::set<std::string> inputs, outputs;
  bool haveClassifier = false;
};
bool parseModelItem(LineParser &lp, std::string_view item, Manifest &m, ModelItems &seen) {
  if (item == "input") {
    m.inputs.push_back(parseDeclaration(lp, item, seen.inputs));
  } else if (item == "output") {
    m.outputs.push_back(parseDeclaration(lp, item, seen.outputs));
  } else if (item == "classifier") {
    if (seen.haveClassifier) lp.error("a second `classifier` line");
    m.classifier = lp.integer("classifier", 0, 1) != 0;
    lp.end();
    seen.haveClassifier = true;
  } else {
    return false;
  }
  return true;
}

// A value stored in a bound node's storage (`@<id>`) names an input or param
// of its own type, and no other value names the same one.
void checkStorage(const LineParser &lp, const Graph &g) {
  std::set<int> targets;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node &n = g.nodes[i];
    if (n.storedIn < 0) continue;
    const Node &t = g.nodes[static_cast<size_t>(n.storedIn)];
    std::string what = "node " + std::to_string(i) + " of " + g.describe() + " is stored in node " +
                       std::to_string(n.storedIn);
    if (t.kind == Node::Value) lp.error(what + ", which is not an input or param");
    if (!(t.type == n.type)) lp.error(what + ", of type " + t.type.str() + " rather than " + n.type.str());
    if (!targets.insert(n.storedIn).second) lp.error(what + ", as another value is");
  }
}

} // namespace

Manifest parseManifest(const char *text, uint32_t numGraphs) {
  if (!text) throw TrainError("the program has no manifest");
  Manifest m;
  std::string_view all(text);
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < all.size();) {
    size_t nl = all.find('\n', start);
    if (nl == std::string_view::npos) nl = all.size();
    lines.push_back(all.substr(start, nl - start));
    start = nl + 1;
  }

  enum class Section { Header, Preamble, Graphs, Done } section = Section::Header;
  bool haveHead = false; // the train line, or a model manifest's model line
  const char *headItem = "train";
  std::set<std::string> settings, params, steps, hypers, outputs;
  ModelItems modelItems;
  std::set<int64_t> graphIndices;
  Graph *graph = nullptr;
  int64_t graphNodes = 0;
  Source *literalSource = nullptr; // a literal source still expecting field lines
  size_t literalNext = 0;

  auto closeGraph = [&](const LineParser &lp) {
    if (graph && static_cast<int64_t>(graph->nodes.size()) != graphNodes)
      lp.error(graph->describe() + " declares " + std::to_string(graphNodes) + " nodes but lists " +
               std::to_string(graph->nodes.size()));
    if (graph) checkStorage(lp, *graph);
    graph = nullptr;
  };

  for (size_t i = 0; i < lines.size(); ++i) {
    int lineNo = static_cast<int>(i) + 1;
    LineParser lp(lines[i], lineNo);
    if (section == Section::Done) lp.error("text after `end`");
    if (lines[i].empty()) lp.error("empty line");
    std::string_view item = lp.word("an item");

    if (section == Section::Header) {
      if (item != "nnc-program" && item != "nnc-model")
        lp.error("expected `nnc-program " + std::to_string(NNC_PROGRAM_ABI) + "` or `nnc-model " +
                 std::to_string(NNC_PROGRAM_ABI) + "` first");
      if (item == "nnc-model") {
        m.kind = Manifest::Model;
        headItem = "model";
      }
      int64_t v = lp.integer("the manifest version", 0, std::numeric_limits<int32_t>::max());
      if (v != NNC_PROGRAM_ABI)
        lp.error("manifest version " + std::to_string(v) + ", but this runtime reads version " +
                 std::to_string(NNC_PROGRAM_ABI) + " (rebuild the program with a matching nnc)");
      lp.end();
      section = Section::Preamble;
      continue;
    }
    if (literalSource) {
      if (item != "literal")
        lp.error("expected `literal` (field " + std::to_string(literalNext + 1) + " of " +
                 std::to_string(literalSource->literal.size()) + " of the literal source on line " +
                 std::to_string(literalSource->line) + ")");
      LiteralField f = parseLiteral(lp, literalSource->rows);
      for (size_t k = 0; k < literalNext; ++k)
        if (literalSource->literal[k].name == f.name) lp.error("literal field `" + f.name + "` is given twice");
      literalSource->literal[literalNext++] = std::move(f);
      if (literalNext == literalSource->literal.size()) literalSource = nullptr;
      continue;
    }

    // In a model's preamble, `output` declares a model output.
    bool graphItem = item == "graph" || item == "node" || item == "end" ||
                     (item == "output" && (m.kind == Manifest::Program || section == Section::Graphs));
    if (graphItem) {
      if (!haveHead) lp.error("expected a `" + std::string(headItem) + "` line before `" + std::string(item) + "`");
      if (item == "end") {
        lp.end();
        closeGraph(lp);
        section = Section::Done;
        continue;
      }
      if (item == "graph") {
        closeGraph(lp);
        section = Section::Graphs;
        Graph g;
        g.line = lineNo;
        g.index = static_cast<int>(lp.integer("the graph index", 0, std::numeric_limits<int32_t>::max()));
        if (static_cast<uint64_t>(g.index) >= numGraphs)
          lp.error("graph index " + std::to_string(g.index) + " is not below the program's " +
                   std::to_string(numGraphs) + " graphs");
        if (!graphIndices.insert(g.index).second) lp.error("graph " + std::to_string(g.index) + " is listed twice");
        g.role = parseRole(lp);
        g.owner = lp.str("the owner");
        graphNodes = lp.integer("the number of nodes", 0, 1 << 24);
        g.rowwise = lp.integer("rowwise", 0, 1) != 0;
        if (g.rowwise && g.role != Role::Data) lp.error("only a data graph may be rowwise");
        lp.end();
        m.graphs.push_back(std::move(g));
        graph = &m.graphs.back();
        outputs.clear();
        continue;
      }
      if (!graph) lp.error("`" + std::string(item) + "` outside a graph");
      if (item == "node") {
        if (static_cast<int64_t>(graph->nodes.size()) == graphNodes)
          lp.error(graph->describe() + " declares " + std::to_string(graphNodes) + " nodes; this is one more");
        int64_t id = lp.integer("the node id", 0, graphNodes);
        if (id != static_cast<int64_t>(graph->nodes.size()))
          lp.error("node ids must count up from 0: expected " + std::to_string(graph->nodes.size()) + ", got " +
                   std::to_string(id));
        Node n;
        std::string_view kind = lp.word("a node kind");
        if (kind == "input")
          n.kind = Node::Input;
        else if (kind == "param")
          n.kind = Node::Param;
        else if (kind == "value")
          n.kind = Node::Value;
        else if (kind == "temp")
          n.buffered = false;
        else
          lp.error("unknown node kind `" + visible(kind) + "` (expected input, param, value or temp)");
        n.name = lp.str("the node name");
        if (n.kind == Node::Value && !n.name.empty()) lp.error("a value node has a name");
        if (n.kind != Node::Value && n.name.empty()) lp.error("an input or param node without a name");
        n.type = lp.type();
        if (n.kind == Node::Value && n.buffered && !lp.atEnd()) lp.storage(graphNodes, n);
        lp.end();
        graph->nodes.push_back(std::move(n));
        continue;
      }
      // output
      if (static_cast<int64_t>(graph->nodes.size()) != graphNodes)
        lp.error("an output before all " + std::to_string(graphNodes) + " nodes of " + graph->describe());
      Output o;
      o.name = lp.str("the output name");
      if (o.name.empty()) lp.error("an output with an empty name");
      o.id = static_cast<int>(lp.integer("the output's node id", 0, graphNodes - 1));
      if (!graph->nodes[static_cast<size_t>(o.id)].buffered)
        lp.error("output `" + o.name + "` is node " + std::to_string(o.id) + ", a temp, which has no storage");
      lp.end();
      if (!outputs.insert(o.name).second) lp.error("output `" + o.name + "` is listed twice");
      graph->outputs.push_back(std::move(o));
      continue;
    }

    if (section != Section::Preamble) lp.error("`" + visible(item) + "` after the graphs");
    if (item == headItem) {
      if (haveHead) lp.error("a second `" + std::string(headItem) + "` line");
      m.model = lp.str("the model name");
      if (m.kind == Manifest::Program) m.data = lp.str("the data block name");
      lp.end();
      haveHead = true;
      continue;
    }
    if (!haveHead)
      lp.error(m.kind == Manifest::Program ? "expected `train \"<model>\" \"<data>\"` after the version line"
                                           : "expected `model \"<name>\"` after the version line");
    if (item == "param") {
      m.params.push_back(parseDeclaration(lp, item, params));
    } else if (item == "source") {
      Source src = parseSource(lp, lineNo);
      if (m.source(src.split)) lp.error("a second source for the " + src.split + " split");
      m.sources.push_back(std::move(src));
      if (m.sources.back().kind == Source::Literal) {
        literalSource = &m.sources.back();
        literalNext = 0;
      }
    } else if (m.kind == Manifest::Model) {
      if (!parseModelItem(lp, item, m, modelItems))
        lp.error("unknown item `" + visible(item) + "` in a model manifest");
    } else if (item == "setting") {
      parseSetting(lp, m.settings, settings);
      lp.end();
    } else if (item == "statistic") {
      m.statistics.push_back(parseStatistic(lp, lineNo));
      for (size_t k = 0; k + 1 < m.statistics.size(); ++k)
        if (m.statistics[k].input == m.statistics.back().input)
          lp.error("statistic `" + m.statistics.back().input + "` is given twice");
    } else if (item == "step") {
      std::string name = lp.str("the step name");
      lp.end();
      if (name.empty()) lp.error("a step with an empty name");
      if (!steps.insert(name).second) lp.error("step `" + name + "` is declared twice");
      m.stepNames.push_back(std::move(name));
    } else if (item == "hyper") {
      Hyper h;
      h.step = lp.str("the step name");
      h.name = lp.str("the hyperparameter name");
      h.value = lp.number("the hyperparameter's value");
      lp.end();
      if (!steps.count(h.step)) lp.error("hyperparameter `" + h.name + "` of unknown step `" + h.step + "`");
      if (!isFiniteNumber(h.value)) lp.error("hyperparameter `" + h.name + "` is not finite");
      if (!hypers.insert(h.step + "\n" + h.name).second)
        lp.error("hyperparameter `" + h.name + "` of step `" + h.step + "` is given twice");
      m.hypers.push_back(std::move(h));
    } else {
      lp.error("unknown item `" + visible(item) + "`");
    }
  }
  LineParser last("", static_cast<int>(lines.size()) + 1);
  if (section == Section::Header) last.error("empty manifest");
  if (literalSource)
    last.error("the manifest ends inside the literal source of line " + std::to_string(literalSource->line));
  if (section != Section::Done) last.error("the manifest does not end with `end`");
  return m;
}

} // namespace nnc::trainer
