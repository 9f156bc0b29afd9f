// Writing manifests (runtime/include/nnc/program.h, nnc/model.h): the text
// that tells the runtime's drivers what the compiled graphs are.
#pragma once

#include "codegen/Kernel.h"
#include "codegen/MemoryPlan.h"
#include "frontend/Elaborator.h"

#include <sstream>
#include <string>
#include <vector>

namespace nnc::driver {

// A manifest string: double-quoted, with C escapes.
std::string quote(const std::string &s);
// "[B,784]", "[]".
std::string shapeText(const ir::Shape &s);
// "f32 [B,784]".
std::string typeText(const ir::TensorType &t);
// A number that reads back exactly.
std::string number(double v);

// The outputs of an update graph the runtime's trainer takes as the new
// values of params and states: "param/<p>" for param node <p>, "state/..."
// for the input of that name. The memory plan writes them in place.
std::vector<codegen::InPlaceUpdate> inPlaceUpdates(const ir::Graph &update);

class ManifestWriter {
public:
  std::ostringstream os;
  std::vector<ir::Graph> graphs; // as cleaned up and listed, graph i at index i
  // The kernels of graph i (codegen::planKernels); the values they keep in
  // registers are listed as `temp` nodes, which get no buffer.
  std::vector<std::vector<codegen::Kernel>> kernels;
  // Their memory plans (codegen::planMemory; updates in place for the
  // update graphs), given to the runtime as each value node's slot.
  std::vector<codegen::MemoryPlan> plans;

  // Cleans `raw` up, plans its kernels and lists it as the next graph.
  void graph(const ir::Graph &raw, const std::string &role, const std::string &owner);
  void source(const DataSource &src);
};

} // namespace nnc::driver
