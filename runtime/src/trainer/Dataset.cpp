#include "Dataset.h"
#include "DataGraphFeed.h"
#include "DataSources.h"
#include "DataStatistics.h"
#include "TrainError.h"

#include "nnc/data.h"

#include <algorithm>
#include <cstring>
#include <optional>

namespace nnc::trainer {

namespace {

// A rowwise data graph computes the statistics over chunks of this many rows,
// so its buffers stay small whatever the dataset's size (training itself runs
// it per batch).
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
    if (n.kind != Node::Input || !n.type.shape.hasBatch()) continue; // statistics: checkManifest's
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
      convertToI32(*f);
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

// The statistic inputs of the data graph, bound to their storage: zeros
// until the statistics are known, which the values they are computed from
// never depend on (the compiler forbids transforming a transformed value).
void bindStatistics(const Manifest &m, GraphRunner &r, std::vector<StoredTensor> &statistics) {
  for (StoredTensor &t : statistics)
    r.bind(m.dataGraph->findInput(t.name), t.data.data());
}

// Which rows of the training split train the model: not the validation rows.
std::vector<char> trainingRows(const Dataset &ds) {
  std::vector<char> training(static_cast<size_t>(ds.train.rows), 0);
  for (int64_t i = 0; i < ds.trainingRows(); ++i)
    training[static_cast<size_t>(ds.training()[i])] = 1;
  return training;
}

void splitValidation(const Manifest &m, int64_t rows, uint64_t seed, Dataset &ds) {
  ds.split.resize(static_cast<size_t>(rows));
  check(nnc_split_indices(rows, m.settings.validation, seed, ds.split.data(), &ds.validationRows));
}

// Generated data: one run of the data graph over every split's rows, so that
// the splits never share random draws. With statistics, a first run computes
// them (random draws depend only on the seed and the row, so both runs draw
// the same values).
void loadGenerated(const Manifest &m, const nnc_program &p, const Source &train, const Source *test, uint64_t seed,
                   std::vector<StoredTensor> &statistics, Dataset &ds) {
  for (const Node &n : m.dataGraph->nodes)
    if (n.kind == Node::Input && n.type.shape.batched)
      throw TrainError("the data graph reads field " + quoted(n.name) + ", but generated data provides no fields");
  int64_t total = train.rows + (test ? test->rows : 0);
  GraphRunner r(*m.dataGraph, p.graphs[m.dataGraph->index], total);
  bindStatistics(m, r, statistics);
  ds.train.rows = train.rows;
  splitValidation(m, train.rows, seed, ds);
  if (!m.statistics.empty()) {
    StatisticsAccumulator acc(m);
    r.run(total);
    acc.add(r, 0, train.rows, trainingRows(ds));
    acc.finish(statistics);
  }
  r.run(total);
  allocateFields(m, ds.train, train.rows);
  keepOutputs(m, r, 0, train.rows, ds.train, 0);
  if (test) {
    allocateFields(m, ds.test, test->rows);
    keepOutputs(m, r, train.rows, test->rows, ds.test, 0);
  }
}

int64_t chunkRows(const Graph &g, int64_t rows) { return g.rowwise ? std::min(rows, kChunkRows) : rows; }

// Runs the data graph over `raw` chunk by chunk, calling done(first, rows)
// after each run.
template <typename Done> void runChunks(const Manifest &m, DataGraphFeed &feed, const RawSplit &raw, Done done) {
  int64_t chunk = chunkRows(*m.dataGraph, raw.rows);
  for (int64_t first = 0; first < raw.rows; first += chunk) {
    int64_t rows = std::min(chunk, raw.rows - first);
    feed.run(raw, nullptr, first, rows);
    done(first, rows);
  }
}

// `setting test`: a seeded fraction of the train source's rows becomes the
// test split (nnc/data.h: NNC_TEST_SPLIT_SALT), the rest stays training data.
// Seeded by the data block's seed, not --seed, so the test rows stay the same
// whatever the run's seed.
void splitOffTest(const Manifest &m, RawSplit &train, RawSplit &test) {
  std::vector<int64_t> order(static_cast<size_t>(train.rows));
  int64_t testRows = 0;
  check(nnc_split_indices(train.rows, m.settings.test, m.settings.seed ^ NNC_TEST_SPLIT_SALT, order.data(), &testRows));
  if (testRows == 0)
    throw TrainError("a test fraction of " + std::to_string(m.settings.test) + " of " + std::to_string(train.rows) +
                     " rows leaves no test rows");
  test = selectRows(train, order.data(), testRows);
  train = selectRows(train, order.data() + testRows, train.rows - testRows);
}

// One split read from its source and checked against the data graph's inputs.
RawSplit readSplit(const Manifest &m, const Source &src, const std::string &dataDir) {
  if (src.kind == Source::Generated)
    throw TrainError("invalid program manifest: the test split is generated but the train split is not");
  RawSplit raw = readSource(src, dataDir);
  if (raw.rows < 1) throw TrainError("the " + src.split + " split has no rows");
  matchInputs(*m.dataGraph, src, raw);
  return raw;
}

// The test split's source, read and checked now, before the training split,
// and then dropped: Dataset::readTest reads it again after training.
void deferTest(const Manifest &m, const Source &src, const std::string &dataDir, Dataset &ds) {
  ds.test.rows = readSplit(m, src, dataDir).rows;
  ds.test.sourceRows = true;
  ds.deferredTest = [&m, &src, dataDir, rows = ds.test.rows] {
    RawSplit raw = readSplit(m, src, dataDir);
    if (raw.rows != rows) {
      std::string file =
          raw.fields.empty() || raw.fields[0].file.empty() ? "the test source" : quoted(raw.fields[0].file);
      throw TrainError(file + " changed during training: it held " + std::to_string(rows) + " rows, now " +
                       std::to_string(raw.rows));
    }
    return raw;
  };
}

// Data read from files or literal rows. A rowwise data graph computes the
// statistics over the training rows in chunks; each split then keeps its
// source's rows for FieldBatch. Otherwise the data graph runs over each
// split whole (in place, so narrow IDX elements are widened to f32 first),
// and the source's rows are dropped once a split's fields are kept.
void loadRead(const Manifest &m, const nnc_program &p, const std::string &dataDir, uint64_t seed,
              std::vector<StoredTensor> &statistics, Dataset &ds) {
  struct Pending {
    RawSplit raw;
    SplitData *dst;
  };
  const bool perBatch = m.dataGraph->rowwise;
  const Source *testSource = m.source("test");
  // Kept as its source's rows, the test split is not needed until the
  // training ends. (Preprocessed whole, it is kept as fields, and those are
  // computed now.)
  if (perBatch && testSource) deferTest(m, *testSource, dataDir, ds);
  std::vector<Pending> splits;
  splits.push_back({readSplit(m, *m.source("train"), dataDir), &ds.train});
  if (testSource && !ds.deferredTest) splits.push_back({readSplit(m, *testSource, dataDir), &ds.test});
  if (m.settings.test > 0) {
    if (m.source("test")) throw TrainError("invalid program manifest: a test source and a test fraction");
    Pending test{{}, &ds.test};
    splitOffTest(m, splits[0].raw, test.raw);
    splits.push_back(std::move(test));
    ds.hasTest = true;
  }
  if (!perBatch)
    for (Pending &s : splits)
      for (RawField &f : s.raw.fields)
        widen(f);
  int64_t maxChunk = 1;
  for (const Pending &s : splits)
    maxChunk = std::max(maxChunk, chunkRows(*m.dataGraph, s.raw.rows));
  std::optional<DataGraphFeed> feed;
  if (!perBatch || !m.statistics.empty()) feed.emplace(m, p, statistics, maxChunk, perBatch);
  const RawSplit &train = splits[0].raw;
  splitValidation(m, train.rows, seed, ds);
  ds.train.rows = train.rows;
  if (!m.statistics.empty()) {
    StatisticsAccumulator acc(m);
    std::vector<char> training = trainingRows(ds);
    runChunks(m, *feed, train, [&](int64_t first, int64_t rows) { acc.add(feed->runner(), first, rows, training); });
    acc.finish(statistics);
  }
  for (Pending &s : splits) {
    if (perBatch) {
      s.dst->rows = s.raw.rows;
      s.dst->sourceRows = true;
      s.dst->raw = std::move(s.raw);
      continue;
    }
    allocateFields(m, *s.dst, s.raw.rows);
    runChunks(m, *feed, s.raw,
              [&](int64_t first, int64_t rows) { keepOutputs(m, feed->runner(), 0, rows, *s.dst, first); });
    s.raw = RawSplit{};
  }
}

} // namespace

void Dataset::readTest() {
  if (!deferredTest) return;
  train.raw = RawSplit{};
  test.raw = deferredTest();
  deferredTest = nullptr;
}

Dataset loadDataset(const Manifest &m, const nnc_program &program, const std::string &dataDir, uint64_t seed,
                    std::vector<StoredTensor> &statistics) {
  Dataset ds;
  const Source *train = m.source("train");
  const Source *test = m.source("test");
  ds.hasTest = test != nullptr;
  if (train->kind == Source::Generated) {
    if (test && test->kind != Source::Generated)
      throw TrainError("invalid program manifest: the train split is generated but the test split is not");
    if (m.settings.test > 0) throw TrainError("invalid program manifest: a test fraction of generated data");
    loadGenerated(m, program, *train, test, seed, statistics, ds);
  } else {
    loadRead(m, program, dataDir, seed, statistics, ds);
  }
  return ds;
}

} // namespace nnc::trainer
