#include "Dataset.h"
#include "DataSources.h"
#include "TrainError.h"

#include "nnc/data.h"

#include <algorithm>
#include <cstring>
#include <optional>

namespace nnc::trainer {

namespace {

// A rowwise data graph runs on chunks of this many rows, so its intermediate
// buffers stay small whatever the dataset's size.
constexpr int64_t kChunkRows = 4096;

const char *kindName(Source::Kind k) {
  switch (k) {
  case Source::Idx:
    return "idx";
  case Source::Csv:
    return "csv";
  case Source::Literal:
    return "literal";
  case Source::Generated:
    return "generated";
  }
  return "?";
}

// Checks that the split provides every input of the data graph with the
// dtype and per-row shape the program was compiled for.
void matchInputs(const Graph &g, const Source &src, RawSplit &raw) {
  for (const Node &n : g.nodes) {
    if (n.kind != Node::Input) continue;
    RawField *f = const_cast<RawField *>(raw.find(n.name));
    std::string where =
        "the " + src.split + " source (" + kindName(src.kind) + ", manifest line " + std::to_string(src.line) + ")";
    if (!f) {
      std::string have;
      for (const RawField &r : raw.fields)
        have += (have.empty() ? "" : ", ") + quoted(r.name);
      throw TrainError("the data graph reads field " + quoted(n.name) + ", which " + where + " does not provide" +
                       (have.empty() ? "" : " (it provides " + have + ")"));
    }
    if (!n.type.shape.batched || n.type.shape.innerBatch() > 0)
      throw TrainError("invalid program manifest: input " + quoted(n.name) + " of " + g.describe() + " is " +
                       n.type.str() + ": a source field has the batch dimension first, and only there");
    std::string what = (f->file.empty() ? where : quoted(f->file)) + ": field " + quoted(f->name);
    if (f->rowDims != n.type.shape.dims)
      throw TrainError(what + " has rows of shape " + dimsString(f->rowDims) + ", but the program was compiled for " +
                       dimsString(n.type.shape.dims));
    if (f->dtype == n.type.dtype) continue;
    if (f->dtype == DType::F32 && n.type.dtype == DType::I32) {
      convertToI32(raw, *f);
      continue;
    }
    throw TrainError(what + " is " + dtypeName(f->dtype) + ", but the program was compiled for " +
                     dtypeName(n.type.dtype));
  }
}

void allocateFields(const Manifest &m, SplitData &s, int64_t rows) {
  s.rows = rows;
  for (const std::string &name : m.fields) {
    const TensorType &t = m.dataGraph->nodes[static_cast<size_t>(m.dataGraph->findOutput(name)->id)].type;
    FieldArray f;
    f.name = name;
    f.type = t;
    f.rowBytes = t.rowBytes();
    f.data = Buffer(static_cast<size_t>((t.shape.batched ? rows : 1) * f.rowBytes));
    s.fields.push_back(std::move(f));
  }
}

// Copies rows [from, from + rows) of the data graph's field outputs to rows
// [to, to + rows) of the split; a field without rows is copied whole (it is
// the same in every chunk: a rowwise graph cannot compute it from rows).
void keepOutputs(const Manifest &m, const GraphRunner &r, int64_t from, int64_t rows, SplitData &dst, int64_t to) {
  for (FieldArray &f : dst.fields) {
    const auto *src = static_cast<const unsigned char *>(r.buffer(m.dataGraph->findOutput(f.name)->id));
    if (!f.type.shape.batched) {
      std::memcpy(f.data.data(), src, static_cast<size_t>(f.rowBytes));
      continue;
    }
    std::memcpy(f.data.as<unsigned char>() + to * f.rowBytes, src + from * f.rowBytes,
                static_cast<size_t>(rows * f.rowBytes));
  }
}

// Generated data: one run of the data graph over every split's rows, so that
// the splits never share random draws.
void loadGenerated(const Manifest &m, const nnc_program &p, const Source &train, const Source *test, Dataset &ds) {
  for (const Node &n : m.dataGraph->nodes)
    if (n.kind == Node::Input)
      throw TrainError("the data graph reads field " + quoted(n.name) + ", but generated data provides no fields");
  int64_t total = train.rows + (test ? test->rows : 0);
  GraphRunner r(*m.dataGraph, p.graphs[m.dataGraph->index], total);
  r.run(total);
  allocateFields(m, ds.train, train.rows);
  keepOutputs(m, r, 0, train.rows, ds.train, 0);
  if (test) {
    allocateFields(m, ds.test, test->rows);
    keepOutputs(m, r, train.rows, test->rows, ds.test, 0);
  }
}

int64_t chunkRows(const Graph &g, int64_t rows) { return g.rowwise ? std::min(rows, kChunkRows) : rows; }

// Data read from files or literal rows: the data graph over each split, in
// chunks when it is rowwise.
void loadRead(const Manifest &m, const nnc_program &p, const std::string &dataDir, Dataset &ds) {
  struct Pending {
    const Source *src;
    RawSplit raw;
    SplitData *dst;
  };
  std::vector<Pending> splits;
  for (const char *name : {"train", "test"}) {
    const Source *src = m.source(name);
    if (!src) continue;
    if (src->kind == Source::Generated)
      throw TrainError("invalid program manifest: the test split is generated but the train split is not");
    Pending s{src, readSource(*src, dataDir), std::string(name) == "train" ? &ds.train : &ds.test};
    if (s.raw.rows < 1) throw TrainError("the " + std::string(name) + " split has no rows");
    matchInputs(*m.dataGraph, *src, s.raw);
    splits.push_back(std::move(s));
  }
  int64_t maxChunk = 1;
  for (const Pending &s : splits)
    maxChunk = std::max(maxChunk, chunkRows(*m.dataGraph, s.raw.rows));
  GraphRunner r(*m.dataGraph, p.graphs[m.dataGraph->index], maxChunk);
  for (Pending &s : splits) {
    allocateFields(m, *s.dst, s.raw.rows);
    int64_t chunk = chunkRows(*m.dataGraph, s.raw.rows);
    for (int64_t first = 0; first < s.raw.rows; first += chunk) {
      int64_t rows = std::min(chunk, s.raw.rows - first);
      // Inputs are only read, so the graph reads the source's rows in place.
      for (size_t i = 0; i < m.dataGraph->nodes.size(); ++i) {
        const Node &n = m.dataGraph->nodes[i];
        if (n.kind != Node::Input) continue;
        const RawField *f = s.raw.find(n.name);
        auto *base = static_cast<unsigned char *>(const_cast<void *>(f->data));
        r.bind(static_cast<int>(i), base + first * n.type.rowBytes());
      }
      r.run(rows);
      keepOutputs(m, r, 0, rows, *s.dst, first);
    }
  }
}

} // namespace

Dataset loadDataset(const Manifest &m, const nnc_program &program, const std::string &dataDir, uint64_t seed) {
  Dataset ds;
  const Source *train = m.source("train");
  const Source *test = m.source("test");
  ds.hasTest = test != nullptr;
  if (train->kind == Source::Generated) {
    if (test && test->kind != Source::Generated)
      throw TrainError("invalid program manifest: the train split is generated but the test split is not");
    loadGenerated(m, program, *train, test, ds);
  } else {
    loadRead(m, program, dataDir, ds);
  }
  ds.split.resize(static_cast<size_t>(ds.train.rows));
  check(nnc_split_indices(ds.train.rows, m.settings.validation, seed, ds.split.data(), &ds.validationRows));
  return ds;
}

} // namespace nnc::trainer
