#include "DataGraphFeed.h"
#include "TrainError.h"

namespace nnc::trainer {

DataGraphFeed::DataGraphFeed(const Manifest &m, const nnc_program &program, std::vector<StoredTensor> &statistics,
                             int64_t maxRows, bool staged)
    : runner_(*m.dataGraph, program.graphs[m.dataGraph->index], maxRows), staged_(staged) {
  const Graph &g = *m.dataGraph;
  for (StoredTensor &t : statistics)
    runner_.bind(g.findInput(t.name), t.data.data());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node &n = g.nodes[i];
    if (n.kind != Node::Input || !n.type.shape.batched) continue;
    Input in;
    in.node = static_cast<int>(i);
    in.field = n.name;
    in.rowBytes = static_cast<size_t>(n.type.rowBytes());
    if (staged) {
      in.staging = Buffer(tensorBytes(n.type, maxRows));
      runner_.bind(in.node, in.staging.data());
    }
    inputs_.push_back(std::move(in));
  }
}

void DataGraphFeed::run(const RawSplit &raw, const int64_t *rows, int64_t first, int64_t n) {
  for (Input &in : inputs_) {
    const RawField *f = raw.find(in.field);
    if (!f) throw TrainError("internal error: the source provides no field " + quoted(in.field));
    if (staged_) {
      copyRows(*f, rows, first, n, in.staging.data());
      continue;
    }
    if (rows || f->idxType || f->rowBytes() != in.rowBytes)
      throw TrainError("internal error: field " + quoted(in.field) + " cannot be read in place");
    // Inputs are only read, so the graph reads the source's rows in place.
    auto *base = static_cast<unsigned char *>(const_cast<void *>(f->data));
    runner_.bind(in.node, base + static_cast<size_t>(first) * in.rowBytes);
  }
  runner_.run(n);
}

} // namespace nnc::trainer
