// Turning a dataset into batches: the seeded per-epoch order, the seeded
// train/validation split and the gathering of a batch's rows.
//
// Shuffles are Fisher-Yates driven by the counter-based generator of
// nnc/rng.h, so an order is a pure function of (seed, key): rerunning epoch 7
// after a restart from a checkpoint gives epoch 7's order again.
#include "nnc/data.h"

#include "error_internal.h"
#include "nnc/rng.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace nnc::rt;

namespace {

// A uniform integer in [0, bound) from 64 random bits by Lemire's multiply-
// shift. Its bias is at most bound / 2^64, far below anything measurable for
// datasets that fit in memory.
uint64_t below(uint64_t bits, uint64_t bound) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(bits) * bound) >> 64);
}

// Shuffles v[0..n) in place with the stream (seed, key).
void shuffle(int64_t *v, int64_t n, uint64_t seed, uint64_t key) {
  uint64_t stream = nnc_rng_stream(seed, key);
  for (int64_t i = n - 1; i > 0; --i) {
    int64_t j = static_cast<int64_t>(below(nnc_rng_at(stream, static_cast<uint64_t>(i)), static_cast<uint64_t>(i) + 1));
    std::swap(v[i], v[j]);
  }
}

template <typename T>
int gather(const T *src, int64_t srcRows, int64_t rowElems, const int64_t *order, int64_t nOrder, int64_t batch,
           int64_t batchSize, T *out, int64_t *outRows) {
  if (outRows) *outRows = 0;
  if (!src || !order || !out || !outRows || srcRows < 0 || rowElems < 0 || nOrder < 0 || batchSize <= 0)
    return fail(NNC_ERR_ARG, "nnc_gather_rows: invalid arguments");
  int64_t batches = nnc_batch_count(nOrder, batchSize);
  if (batch < 0 || batch >= batches)
    return fail(NNC_ERR_ARG, "nnc_gather_rows: batch " + std::to_string(batch) + " is out of range (an epoch of " +
                                 std::to_string(nOrder) + " rows has " + std::to_string(batches) + " batches of " +
                                 std::to_string(batchSize) + ")");
  int64_t first = batch * batchSize;
  int64_t rows = std::min(batchSize, nOrder - first);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t row = order[first + r];
    if (row < 0 || row >= srcRows)
      return fail(NNC_ERR_ARG, "nnc_gather_rows: row index " + std::to_string(row) + " at position " +
                                   std::to_string(first + r) + " is outside the " + std::to_string(srcRows) +
                                   " rows of the data");
    std::memcpy(out + r * rowElems, src + row * rowElems, static_cast<size_t>(rowElems) * sizeof(T));
  }
  *outRows = rows;
  return NNC_OK;
}

} // namespace

extern "C" {

int nnc_epoch_order(const int64_t *indices, int64_t n, uint64_t seed, uint64_t epoch, int64_t *order) {
  if (n < 0 || (n > 0 && !order)) return fail(NNC_ERR_ARG, "nnc_epoch_order: invalid arguments");
  for (int64_t i = 0; i < n; ++i)
    order[i] = indices ? indices[i] : i;
  shuffle(order, n, seed, epoch);
  return NNC_OK;
}

int nnc_split_indices(int64_t n, double val_fraction, uint64_t seed, int64_t *indices, int64_t *n_val) {
  if (n_val) *n_val = 0;
  if (n <= 0 || !indices || !n_val) return fail(NNC_ERR_ARG, "nnc_split_indices: invalid arguments");
  // Written so that NaN fails too.
  if (!(val_fraction >= 0.0 && val_fraction < 1.0))
    return fail(NNC_ERR_ARG, "validation fraction " + formatG(val_fraction) + " is not in [0, 1)");
  int64_t nv = std::llround(static_cast<double>(n) * val_fraction);
  if (nv >= n)
    return fail(NNC_ERR_ARG, "a validation fraction of " + formatG(val_fraction) + " leaves none of the " +
                                 std::to_string(n) + " rows for training");
  for (int64_t i = 0; i < n; ++i)
    indices[i] = i;
  shuffle(indices, n, seed, NNC_SPLIT_KEY);
  // Ascending within each part: evaluation reads rows in file order, and an
  // epoch's order depends on the split's membership, not on its shuffle.
  std::sort(indices, indices + nv);
  std::sort(indices + nv, indices + n);
  *n_val = nv;
  return NNC_OK;
}

int64_t nnc_batch_count(int64_t n, int64_t batch_size) {
  if (n <= 0 || batch_size <= 0) return 0;
  return n / batch_size + (n % batch_size != 0);
}

int nnc_gather_rows_f32(const float *src, int64_t src_rows, int64_t row_elems, const int64_t *order, int64_t n_order,
                        int64_t batch, int64_t batch_size, float *out, int64_t *out_rows) {
  return guarded([&] { return gather(src, src_rows, row_elems, order, n_order, batch, batch_size, out, out_rows); });
}

int nnc_gather_rows_i32(const int32_t *src, int64_t src_rows, int64_t row_elems, const int64_t *order, int64_t n_order,
                        int64_t batch, int64_t batch_size, int32_t *out, int64_t *out_rows) {
  return guarded([&] { return gather(src, src_rows, row_elems, order, n_order, batch, batch_size, out, out_rows); });
}

} // extern "C"
