#include "driver/ManifestWriter.h"

#include "codegen/Fusion.h"
#include "driver/TrainProgram.h"
#include "passes/Pipeline.h"

#include <cstdio>

namespace nnc::driver {

std::string quote(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\')
      out += {'\\', static_cast<char>(c)};
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else
      out += static_cast<char>(c);
  }
  return out + "\"";
}

std::string shapeText(const ir::Shape &s) {
  std::string out = "[";
  for (size_t i = 0; i < s.rank(); ++i) {
    if (i) out += ",";
    out += s[i] == ir::kBatch ? std::string("B") : std::to_string(s[i]);
  }
  return out + "]";
}

std::string typeText(const ir::TensorType &t) { return std::string(ir::dtypeName(t.dtype)) + " " + shapeText(t.shape); }

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::vector<codegen::InPlaceUpdate> inPlaceUpdates(const ir::Graph &update) {
  std::vector<codegen::InPlaceUpdate> out;
  for (const auto &[name, id] : update.outputs()) {
    bool param = name.rfind("param/", 0) == 0;
    if (!param && name.rfind("state/", 0) != 0) continue;
    const std::string bound = param ? name.substr(6) : name;
    for (ir::NodeId b : param ? update.params() : update.inputs())
      if (update.node(b).attrs.getString("name") == bound) out.push_back({id, b});
  }
  return out;
}

namespace {
const char *kindOf(ir::Op op, bool buffered) {
  return op == ir::Op::Input ? "input" : op == ir::Op::Param ? "param" : buffered ? "value" : "temp";
}

// A value's storage in the manifest: its slot, or `@<id>` of the bound node
// it is written into.
std::string storageText(const codegen::MemoryPlan &plan, size_t i) {
  if (plan.storedIn[i] >= 0) return " @" + std::to_string(plan.storedIn[i]);
  return " " + std::to_string(plan.slot[i]);
}
} // namespace

void ManifestWriter::graph(const ir::Graph &raw, const std::string &role, const std::string &owner) {
  ir::Graph g = passes::cleanup(raw);
  bool rowwise = role == "data" && isRowwise(g);
  std::vector<codegen::Kernel> ks = codegen::planKernels(g);
  std::vector<bool> buffered = codegen::bufferedNodes(g, ks);
  std::vector<codegen::InPlaceUpdate> updates;
  if (role == "update") updates = inPlaceUpdates(g);
  codegen::MemoryPlan plan = codegen::planMemory(g, ks, updates);
  os << "graph " << graphs.size() << " " << role << " " << quote(owner) << " " << g.size() << " " << rowwise << "\n";
  for (size_t i = 0; i < g.size(); ++i) {
    const ir::Node &n = g.nodes()[i];
    bool named = n.op == ir::Op::Input || n.op == ir::Op::Param;
    os << "node " << i << " " << kindOf(n.op, buffered[i]) << " " << quote(named ? n.attrs.getString("name") : "") << " "
       << typeText(n.type) << (buffered[i] && !named ? storageText(plan, i) : "") << "\n";
  }
  for (const auto &[name, id] : g.outputs())
    os << "output " << quote(name) << " " << id << "\n";
  graphs.push_back(std::move(g));
  kernels.push_back(std::move(ks));
  plans.push_back(std::move(plan));
}

void ManifestWriter::source(const DataSource &src) {
  os << "source " << src.split << " ";
  switch (src.kind) {
  case DataSource::Idx:
    os << "idx " << quote(src.files.at(0)) << " " << quote(src.files.at(1)) << "\n";
    return;
  case DataSource::Csv:
    os << "csv " << quote(src.files.at(0)) << " " << quote(src.files.at(1)) << "\n";
    return;
  case DataSource::Generated:
    os << "generated " << src.samples << "\n";
    return;
  case DataSource::Literal:
    os << "literal " << src.samples << " " << src.fields.size() << "\n";
    for (size_t k = 0; k < src.fields.size(); ++k) {
      const ir::TensorType &t = src.types[k];
      os << "literal " << quote(src.fields[k]) << " " << ir::dtypeName(t.dtype) << " " << shapeText(t.shape) << " "
         << src.literal[k].size();
      for (double v : src.literal[k])
        os << " " << number(v);
      os << "\n";
    }
    return;
  }
}

} // namespace nnc::driver
