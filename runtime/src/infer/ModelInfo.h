// A program's model manifest, parsed and checked once per process and kept
// for the rest of it: the model contexts and the queries of nnc/model.h read
// it, and the names the queries return must outlive any one call.
#ifndef NNC_INFER_MODEL_INFO_H
#define NNC_INFER_MODEL_INFO_H

#include "trainer/Manifest.h"

#include "nnc/program.h"

#include <vector>

namespace nnc::infer {

using trainer::DType;
using trainer::Graph;
using trainer::Manifest;
using trainer::Port;
using trainer::TensorType;

struct ModelInfo {
  Manifest manifest; // a checked model manifest (checkModelManifest)
  // The forward graph's node reading input i, or -1 when the graph ignores
  // it; the node holding output i.
  std::vector<int> inputNode, outputNode;

  const Graph &forwardGraph() const { return *manifest.forwardGraph; }
};

// Sets *out to the model of `p`, checked (ABI version, graph table,
// manifest), and returns NNC_OK; or records why not with nnc_set_error and
// returns the code (NNC_ERR_ARG for a null program, NNC_ERR_FORMAT for a bad
// one). Thread-safe; never throws.
int modelInfo(const nnc_program *p, const ModelInfo **out);

} // namespace nnc::infer

#endif
