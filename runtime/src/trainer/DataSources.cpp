#include "DataSources.h"
#include "GraphRunner.h"
#include "TrainError.h"

#include "nnc/data.h"
#include "nnc/threads.h"

#include <cmath>
#include <cstring>

namespace nnc::trainer {

namespace {

// Owns a reader's tensor; frees it with the reader's function.
template <typename T, void (*Free)(T *)> std::shared_ptr<T> ownTensor() {
  return std::shared_ptr<T>(new T{}, [](T *t) {
    Free(t);
    delete t;
  });
}

std::vector<int64_t> dimsAfterFirst(int32_t rank, const int64_t *dims) {
  return std::vector<int64_t>(dims + 1, dims + rank);
}

// The images stay in the file's element type (u8 for (Fashion-)MNIST), at
// a quarter of their size as floats; the labels, small, become int32.
void readIdx(const Source &src, const std::string &dataDir, RawSplit &out) {
  std::string images = resolveDataPath(src.files[0], dataDir), labels = resolveDataPath(src.files[1], dataDir);
  auto img = ownTensor<nnc_tensor_idx, nnc_tensor_idx_free>();
  check(nnc_idx_read(images.c_str(), img.get()));
  auto lab = ownTensor<nnc_tensor_i32, nnc_tensor_i32_free>();
  check(nnc_idx_read_i32(labels.c_str(), lab.get()));
  if (img->dims[0] != lab->dims[0])
    throw TrainError(quoted(images) + " holds " + std::to_string(img->dims[0]) + " images but " + quoted(labels) +
                     " holds " + std::to_string(lab->dims[0]) + " labels");
  out.rows = img->dims[0];
  out.fields.push_back(
      {"image", DType::F32, dimsAfterFirst(img->rank, img->dims), out.rows, img->data, images, img->type, img});
  out.fields.push_back(
      {"label", DType::I32, dimsAfterFirst(lab->rank, lab->dims), out.rows, lab->data, labels, 0, lab});
}

void readCsv(const Source &src, const std::string &dataDir, RawSplit &out) {
  std::string file = resolveDataPath(src.files[0], dataDir);
  auto features = ownTensor<nnc_tensor_f32, nnc_tensor_f32_free>();
  auto labels = ownTensor<nnc_tensor_f32, nnc_tensor_f32_free>();
  check(nnc_csv_read(file.c_str(), src.labelColumn.c_str(), features.get(), labels.get()));
  out.rows = features->dims[0];
  out.fields.push_back({"features", DType::F32, dimsAfterFirst(features->rank, features->dims), out.rows,
                        features->data, file, 0, features});
  out.fields.push_back({"label", DType::F32, {}, out.rows, labels->data, file, 0, labels});
}

void readLiteral(const Source &src, RawSplit &out) {
  out.rows = src.rows;
  for (const LiteralField &f : src.literal) {
    auto buf = std::make_shared<Buffer>(tensorBytes(f.type, src.rows));
    for (size_t i = 0; i < f.values.size(); ++i) {
      double v = f.values[i];
      switch (f.type.dtype) {
      case DType::F32:
        buf->as<float>()[i] = static_cast<float>(v);
        break;
      case DType::F64:
        buf->as<double>()[i] = v;
        break;
      case DType::I32:
        buf->as<int32_t>()[i] = static_cast<int32_t>(v);
        break;
      case DType::Bool:
        buf->as<unsigned char>()[i] = v != 0;
        break;
      }
    }
    out.fields.push_back({f.name, f.type.dtype, f.type.shape.dims, src.rows, buf->data(), "", 0, buf});
  }
}

} // namespace

// Computed in place, not through a Shape, which would copy rowDims: the
// batch loop copies rows and must not allocate.
int64_t RawField::rowElems() const {
  int64_t n = 1;
  for (int64_t d : rowDims)
    n *= d;
  return n;
}

size_t RawField::rowBytes() const {
  return static_cast<size_t>(rowElems() *
                             (idxType ? nnc_idx_element_size(idxType) : static_cast<int64_t>(dtypeSize(dtype))));
}

const RawField *RawSplit::find(const std::string &name) const {
  for (const RawField &f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

std::string resolveDataPath(const std::string &path, const std::string &dataDir) {
  if (dataDir.empty()) return path;
  size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return dataDir.back() == '/' ? dataDir + base : dataDir + "/" + base;
}

RawSplit readSource(const Source &src, const std::string &dataDir) {
  RawSplit out;
  switch (src.kind) {
  case Source::Idx:
    readIdx(src, dataDir, out);
    break;
  case Source::Csv:
    readCsv(src, dataDir, out);
    break;
  case Source::Literal:
    readLiteral(src, out);
    break;
  case Source::Generated:
    out.rows = src.rows;
    break;
  }
  return out;
}

RawSplit selectRows(const RawSplit &split, const int64_t *rows, int64_t n) {
  RawSplit out;
  out.rows = n;
  for (const RawField &f : split.fields) {
    const size_t rowBytes = f.rowBytes();
    auto buf = std::make_shared<Buffer>(rowBytes * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(buf->as<unsigned char>() + static_cast<size_t>(i) * rowBytes,
                  static_cast<const unsigned char *>(f.data) + static_cast<size_t>(rows[i]) * rowBytes, rowBytes);
    out.fields.push_back({f.name, f.dtype, f.rowDims, n, buf->data(), f.file, f.idxType, buf});
  }
  return out;
}

namespace {

struct RowCopy {
  const RawField &field;
  const int64_t *rows;
  int64_t first;
  void *dst;
};

// Gathered rows lie anywhere in a split of tens of megabytes: each is a TLB
// and cache miss the hardware prefetcher cannot foresee. Asking for the row
// a few ahead overlaps those misses with the conversion of this one.
constexpr int64_t kPrefetchRows = 4;

void prefetchRow(const unsigned char *row, size_t bytes) {
  for (size_t b = 0; b < bytes; b += 64)
    __builtin_prefetch(row + b);
}

// Rows [begin, end) of a copyRows call.
void copyRowRange(void *ctx, int64_t begin, int64_t end) {
  const RowCopy &c = *static_cast<const RowCopy *>(ctx);
  const size_t rowBytes = c.field.rowBytes();
  const auto *src = static_cast<const unsigned char *>(c.field.data);
  auto source = [&](int64_t i) { return src + static_cast<size_t>(c.rows ? c.rows[i] : c.first + i) * rowBytes; };
  if (!c.field.idxType) {
    for (int64_t i = begin; i < end; ++i)
      std::memcpy(static_cast<unsigned char *>(c.dst) + static_cast<size_t>(i) * rowBytes, source(i), rowBytes);
    return;
  }
  const int64_t elems = c.field.rowElems();
  for (int64_t i = begin; i < end; ++i) {
    if (c.rows && i + kPrefetchRows < end) prefetchRow(source(i + kPrefetchRows), rowBytes);
    nnc_idx_to_f32(source(i), c.field.idxType, elems, static_cast<float *>(c.dst) + i * elems);
  }
}

} // namespace

void copyRows(const RawField &field, const int64_t *rows, int64_t first, int64_t n, void *dst) {
  // The threads cannot report an error: the type is checked here, once.
  if (field.idxType && nnc_idx_element_size(field.idxType) == 0)
    throw TrainError("internal error: IDX element type " + std::to_string(field.idxType));
  RowCopy c{field, rows, first, dst};
  // A batch of images is worth splitting over the threads (the training
  // loop gathers one per step); a few small rows are not.
  if (n * static_cast<int64_t>(field.rowBytes()) >= (int64_t{1} << 16))
    nnc_parallel_for(n, copyRowRange, &c);
  else
    copyRowRange(&c, 0, n);
}

void widen(RawField &field) {
  if (!field.idxType) return;
  auto buf = std::make_shared<Buffer>(tensorBytes(TensorType{field.dtype, Shape{true, field.rowDims}}, field.rows));
  copyRows(field, nullptr, 0, field.rows, buf->data());
  field.data = buf->data();
  field.idxType = 0;
  field.storage = buf; // frees the narrow elements
}

void convertToI32(RawField &field) {
  widen(field);
  if (field.dtype != DType::F32) throw TrainError("internal error: converting a non-f32 field to i32");
  nnc_tensor_f32 in{};
  in.data = static_cast<float *>(const_cast<void *>(field.data));
  in.rank = 1;
  in.dims[0] = field.rows * Shape{false, field.rowDims}.rowElems();
  in.numel = in.dims[0];
  auto out = ownTensor<nnc_tensor_i32, nnc_tensor_i32_free>();
  if (nnc_labels_to_i32(&in, out.get()) != 0)
    throw TrainError((field.file.empty() ? "" : quoted(field.file) + ": ") + "field " + quoted(field.name) +
                     " must hold integers for this program: " + nnc_last_error());
  field.data = out->data;
  field.dtype = DType::I32;
  field.storage = out;
}

} // namespace nnc::trainer
