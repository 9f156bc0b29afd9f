#include "InferData.h"
#include "CsvTable.h"
#include "trainer/DataSources.h"
#include "trainer/GraphRunner.h"
#include "trainer/TrainError.h"

#include "nnc/data.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace nnc::infer {

namespace {

using trainer::Buffer;
using trainer::Node;
using trainer::quoted;
using trainer::RawField;
using trainer::RawSplit;
using trainer::TrainError;

// A rowwise data graph runs on chunks of this many rows, as in training.
constexpr int64_t kChunkRows = 4096;

// IDX files start with two zero bytes, text never with one; gzread sees
// through gzip compression.
bool isIdx(const std::string &path) {
  errno = 0;
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw TrainError("cannot open " + quoted(path) + ": " + (errno ? std::strerror(errno) : "out of memory"));
  unsigned char first = 1;
  int got = gzread(f, &first, 1);
  gzclose(f);
  return got == 1 && first == 0;
}

// The csv source the model was trained on, which names the label column.
const trainer::Source *csvSource(const Manifest &m) {
  for (const trainer::Source &s : m.sources)
    if (s.kind == trainer::Source::Csv) return &s;
  return nullptr;
}

template <typename T, void (*Free)(T *)> std::shared_ptr<T> readerTensor() {
  return std::shared_ptr<T>(new T{}, [](T *t) {
    Free(t);
    delete t;
  });
}

// A file as the fields a source of its kind provides: IDX "image"; CSV
// "features" (every column but the model's label column) and "label".
RawSplit readFile(const Manifest &m, const std::string &path) {
  RawSplit raw;
  if (isIdx(path)) {
    auto t = readerTensor<nnc_tensor_f32, nnc_tensor_f32_free>();
    trainer::check(nnc_idx_read_f32(path.c_str(), t.get()));
    raw.rows = t->dims[0];
    raw.fields.push_back(
        {"image", DType::F32, std::vector<int64_t>(t->dims + 1, t->dims + t->rank), raw.rows, t->data, path, 0, t});
    return raw;
  }
  CsvTable table = readCsvTable(path);
  const trainer::Source *src = csvSource(m);
  int label = src ? table.find(src->labelColumn) : -1;
  int64_t cols = static_cast<int64_t>(table.columns.size()), features = cols - (label >= 0);
  if (label >= 0 && features == 0)
    throw TrainError(quoted(path) + " holds only the label column " + quoted(src->labelColumn));
  raw.rows = table.rows;
  auto x = std::make_shared<Buffer>(static_cast<size_t>(raw.rows * features) * sizeof(float));
  auto y = std::make_shared<Buffer>(static_cast<size_t>(raw.rows) * sizeof(float));
  for (int64_t r = 0, k = 0; r < raw.rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      float v = table.values[static_cast<size_t>(r * cols + c)];
      if (c == label)
        y->as<float>()[r] = v;
      else
        x->as<float>()[k++] = v;
    }
  raw.fields.push_back({"features", DType::F32, {features}, raw.rows, x->data(), path, 0, x});
  if (label >= 0) raw.fields.push_back({"label", DType::F32, {}, raw.rows, y->data(), path, 0, y});
  return raw;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Converts count floats (rows of rowElems) to `t`; integers must be exact.
void fromFloats(const float *src, int64_t count, int64_t rowElems, DType t, void *dst, const std::string &what) {
  for (int64_t i = 0; i < count; ++i) {
    float v = src[i];
    bool integral = v == std::floor(v);
    switch (t) {
    case DType::F32:
      static_cast<float *>(dst)[i] = v;
      continue;
    case DType::F64:
      static_cast<double *>(dst)[i] = v;
      continue;
    case DType::I32:
      if (integral && v >= -2147483648.0f && v < 2147483648.0f) {
        static_cast<int32_t *>(dst)[i] = static_cast<int32_t>(v);
        continue;
      }
      break;
    case DType::Bool:
      if (v == 0 || v == 1) {
        static_cast<unsigned char *>(dst)[i] = v != 0;
        continue;
      }
      break;
    }
    throw TrainError(what + ": row " + std::to_string(i / rowElems + 1) + " holds " + number(v) + ", which is not a " +
                     trainer::dtypeName(t));
  }
}

// The rows of every model input, computed before the first batch.
class ArrayRows : public RowSource {
public:
  ArrayRows(int64_t rows, std::vector<std::shared_ptr<Buffer>> arrays, std::vector<int64_t> rowBytes)
      : rows_(rows), arrays_(std::move(arrays)), rowBytes_(std::move(rowBytes)) {}

  int64_t next(int64_t maxRows, std::vector<const void *> &inputs) override {
    int64_t n = std::min(maxRows, rows_ - next_);
    for (size_t i = 0; i < arrays_.size(); ++i)
      inputs[i] = arrays_[i]->as<unsigned char>() + next_ * rowBytes_[i];
    next_ += n;
    return n;
  }
  int64_t rows() const override { return rows_; }

private:
  int64_t rows_, next_ = 0;
  std::vector<std::shared_ptr<Buffer>> arrays_;
  std::vector<int64_t> rowBytes_;
};

// Why the data graph cannot compute the model's inputs from `raw`; "" when it
// can. The label field may be missing: no model input depends on it.
std::string dataGraphGap(const Manifest &m, const RawSplit &raw, const std::string &path) {
  const Graph *g = m.dataGraph;
  if (!g) return "the program has no data preprocessing";
  for (const Port &in : m.inputs)
    if (!g->findOutput(in.name))
      return "the data block " + quoted(m.data) + " computes no field " + quoted(in.name) + " for the model's input";
  // A data block that generates its samples reads no file field: its graph
  // would replace the file's values with fresh random ones.
  bool readsFields = false;
  for (const Node &n : g->nodes) readsFields |= n.kind == Node::Input && n.name != "label";
  if (!readsFields) return "the data block " + quoted(m.data) + " generates its samples rather than reading files";
  std::string have;
  for (const RawField &f : raw.fields)
    have += (have.empty() ? "" : ", ") + quoted(f.name);
  for (const Node &n : g->nodes)
    if (n.kind == Node::Input && n.name != "label" && !raw.find(n.name))
      return "the data block " + quoted(m.data) + " reads field " + quoted(n.name) + ", which " + quoted(path) +
             " does not provide (it provides " + have + ")";
  return "";
}

// Runs the data graph over the file's rows (in chunks when it is rowwise)
// and keeps the outputs that are model inputs.
std::unique_ptr<RowSource> viaDataGraph(const Manifest &m, const nnc_program &p, RawSplit &raw) {
  const Graph &g = *m.dataGraph;
  std::vector<int> inputNodes;
  for (size_t id = 0; id < g.nodes.size(); ++id) {
    const Node &n = g.nodes[id];
    if (n.kind != Node::Input) continue;
    inputNodes.push_back(static_cast<int>(id));
    if (!n.type.shape.batched || n.type.shape.innerBatch() > 0)
      throw TrainError("invalid program manifest: input " + quoted(n.name) + " of " + g.describe() + " is " +
                       n.type.str() + ": a source field has the batch dimension first, and only there");
    auto *f = const_cast<RawField *>(raw.find(n.name));
    if (!f) { // the label field: zeros
      auto zeros = std::make_shared<Buffer>(trainer::tensorBytes(n.type, raw.rows));
      raw.fields.push_back({n.name, n.type.dtype, n.type.shape.dims, raw.rows, zeros->data(), "", 0, zeros});
      continue;
    }
    std::string what = quoted(f->file) + ": field " + quoted(f->name);
    if (f->rowDims != n.type.shape.dims)
      throw TrainError(what + " has rows of shape " + trainer::dimsString(f->rowDims) +
                       ", but the program was compiled for " + trainer::dimsString(n.type.shape.dims));
    if (f->dtype == DType::F32 && n.type.dtype == DType::I32) trainer::convertToI32(*f);
    if (f->dtype != n.type.dtype)
      throw TrainError(what + " is " + trainer::dtypeName(f->dtype) + ", but the program was compiled for " +
                       trainer::dtypeName(n.type.dtype));
  }
  std::vector<std::shared_ptr<Buffer>> arrays;
  std::vector<int64_t> rowBytes;
  for (const Port &in : m.inputs) {
    arrays.push_back(std::make_shared<Buffer>(trainer::tensorBytes(in.type, raw.rows)));
    rowBytes.push_back(in.type.rowBytes());
  }
  int64_t chunk = g.rowwise ? std::min(raw.rows, kChunkRows) : raw.rows;
  trainer::GraphRunner runner(g, p.graphs[g.index], chunk);
  for (int64_t first = 0; first < raw.rows; first += chunk) {
    int64_t rows = std::min(chunk, raw.rows - first);
    for (int id : inputNodes) {
      const Node &n = g.nodes[static_cast<size_t>(id)];
      auto *base = static_cast<unsigned char *>(const_cast<void *>(raw.find(n.name)->data));
      runner.bind(id, base + first * n.type.rowBytes());
    }
    runner.run(rows);
    for (size_t i = 0; i < m.inputs.size(); ++i)
      std::memcpy(arrays[i]->as<unsigned char>() + first * rowBytes[i],
                  runner.buffer(g.findOutput(m.inputs[i].name)->id), static_cast<size_t>(rows * rowBytes[i]));
  }
  return std::make_unique<ArrayRows>(raw.rows, std::move(arrays), std::move(rowBytes));
}

// Raw float32 rows of the model's one input, read a batch at a time.
class StreamRows : public RowSource {
public:
  StreamRows(std::istream &in, const Port &input, int64_t maxRows)
      : in_(in), input_(input), floats_(static_cast<size_t>(maxRows * input.type.shape.rowElems()) * sizeof(float)),
        converted_(input.type.dtype == DType::F32 ? 0 : trainer::tensorBytes(input.type, maxRows)) {}

  int64_t next(int64_t maxRows, std::vector<const void *> &inputs) override {
    int64_t rowElems = input_.type.shape.rowElems(), rowBytes = rowElems * static_cast<int64_t>(sizeof(float));
    in_.read(floats_.as<char>(), static_cast<std::streamsize>(maxRows * rowBytes));
    int64_t got = in_.gcount();
    if (in_.bad()) throw TrainError("cannot read standard input");
    if (got % rowBytes != 0)
      throw TrainError("standard input ends inside row " + std::to_string(read_ + got / rowBytes + 1) + ": a row of " +
                       quoted(input_.name) + " is " + std::to_string(rowElems) + " float32 values (" +
                       std::to_string(rowBytes) + " bytes)");
    int64_t n = got / rowBytes;
    inputs[0] = floats_.data();
    if (input_.type.dtype != DType::F32) {
      fromFloats(floats_.as<float>(), n * rowElems, rowElems, input_.type.dtype, converted_.data(),
                 "standard input (from row " + std::to_string(read_ + 1) + ")");
      inputs[0] = converted_.data();
    }
    read_ += n;
    return n;
  }
  int64_t rows() const override { return -1; }

private:
  std::istream &in_;
  const Port &input_;
  Buffer floats_, converted_;
  int64_t read_ = 0;
};

} // namespace

std::unique_ptr<RowSource> openRows(const ModelInfo &info, const nnc_program &p, const std::string &path,
                                    std::istream &in, int64_t maxRows) {
  const Manifest &m = info.manifest;
  if (path.empty() || path == "-") {
    if (m.inputs.size() != 1)
      throw TrainError("model " + quoted(m.model) + " has " + std::to_string(m.inputs.size()) +
                       " inputs, and raw rows on standard input feed one: give --input FILE");
    return std::make_unique<StreamRows>(in, m.inputs.front(), maxRows);
  }
  RawSplit raw = readFile(m, path);
  std::string gap = dataGraphGap(m, raw, path);
  if (gap.empty()) return viaDataGraph(m, p, raw);
  // The file's values (the first field) as the model's one input.
  const RawField &values = raw.fields.front();
  const Port &input = m.inputs.front();
  int64_t rowElems = trainer::Shape{false, values.rowDims}.rowElems();
  if (m.inputs.size() != 1 || rowElems != input.type.shape.rowElems())
    throw TrainError("cannot feed " + quoted(path) + " to model " + quoted(m.model) + ": " + gap + ", and " +
                     (m.inputs.size() != 1
                          ? "the model has " + std::to_string(m.inputs.size()) + " inputs"
                          : "its rows of " + trainer::dimsString(values.rowDims) + " do not fit input " +
                                quoted(input.name) + " (" + input.type.str() + ")"));
  auto array = std::make_shared<Buffer>(trainer::tensorBytes(input.type, raw.rows));
  fromFloats(static_cast<const float *>(values.data), raw.rows * rowElems, rowElems, input.type.dtype, array->data(),
             quoted(path));
  return std::make_unique<ArrayRows>(raw.rows, std::vector<std::shared_ptr<Buffer>>{array},
                                     std::vector<int64_t>{input.type.rowBytes()});
}

std::vector<int32_t> readLabels(const Manifest &m, const std::string &path) {
  if (isIdx(path)) {
    auto t = readerTensor<nnc_tensor_i32, nnc_tensor_i32_free>();
    trainer::check(nnc_idx_read_i32(path.c_str(), t.get()));
    if (t->rank > 2 || (t->rank == 2 && t->dims[1] != 1))
      throw TrainError(quoted(path) + " holds labels of shape " +
                       trainer::dimsString(std::vector<int64_t>(t->dims, t->dims + t->rank)) +
                       "; expected one label per row");
    return std::vector<int32_t>(t->data, t->data + t->dims[0]);
  }
  CsvTable table = readCsvTable(path);
  const trainer::Source *src = csvSource(m);
  int col = src ? table.find(src->labelColumn) : -1;
  if (col < 0 && table.columns.size() == 1) col = 0;
  if (col < 0)
    throw TrainError(quoted(path) + " has the columns " + table.names() + ": which holds the labels? (expected " +
                     (src ? "the label column " + quoted(src->labelColumn) + " the model was trained with, or " : "") +
                     "a file of one column)");
  std::vector<int32_t> labels;
  size_t cols = table.columns.size();
  for (int64_t r = 0; r < table.rows; ++r) {
    float v = table.values[static_cast<size_t>(r) * cols + static_cast<size_t>(col)];
    if (v != std::floor(v) || v < -2147483648.0f || v >= 2147483648.0f)
      throw TrainError(quoted(path) + ": row " + std::to_string(r + 1) + " of column " +
                       quoted(table.columns[static_cast<size_t>(col)]) + " holds " + number(v) +
                       ", which is not a class number");
    labels.push_back(static_cast<int32_t>(v));
  }
  return labels;
}

} // namespace nnc::infer
