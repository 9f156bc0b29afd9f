/* Training data for compiled nnc programs: dataset readers (IDX, CSV) and the
 * helpers that turn a dataset into batches (seeded shuffling, a seeded
 * train/validation split, gathering rows into a contiguous batch buffer).
 *
 * Every function returning int returns an nnc_status (nnc/error.h): 0 on
 * success; otherwise nnc_last_error() says what went wrong, naming the file
 * (and line:column for CSV). Tensors returned by the readers own their data;
 * release them with the matching *_free function. On failure an output tensor
 * is left empty (data NULL, numel 0), so freeing it is always safe.
 */
#ifndef NNC_DATA_H
#define NNC_DATA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The most dimensions a tensor read from a file may have. */
#ifndef NNC_MAX_RANK
#define NNC_MAX_RANK 8 /* also defined by nnc/checkpoint.h */
#endif

/* A row-major tensor of floats: dims[0..rank) hold the shape, numel their
 * product. */
typedef struct nnc_tensor_f32 {
  float *data;
  int64_t numel;
  int32_t rank;
  int64_t dims[NNC_MAX_RANK];
} nnc_tensor_f32;

/* The same for 32-bit integers (class labels). */
typedef struct nnc_tensor_i32 {
  int32_t *data;
  int64_t numel;
  int32_t rank;
  int64_t dims[NNC_MAX_RANK];
} nnc_tensor_i32;

/* Frees a tensor's data and empties it. NULL and empty tensors are fine. */
void nnc_tensor_f32_free(nnc_tensor_f32 *t);
void nnc_tensor_i32_free(nnc_tensor_i32 *t);

/* ---- IDX (the MNIST format) ------------------------------------------- */

/* Reads an IDX file, gzip-compressed or not (detected from its contents).
 * The shape is the file's, e.g. [60000, 28, 28]. Every element type of the
 * format (u8, i8, i16, i32, f32, f64, big-endian) is converted to float;
 * values are not rescaled (pixels stay 0..255).
 *
 * Rejected with a message naming the file: a file that cannot be opened,
 * corrupt gzip data, a truncated header or data, a bad magic number, an
 * unknown element type code, no dimensions or more than NNC_MAX_RANK, a zero
 * or negative dimension, more than 2^34 elements, and bytes after the data
 * (trailing garbage usually means the wrong file or a bad concatenation, so
 * it is an error rather than silently ignored). */
int nnc_idx_read_f32(const char *path, nnc_tensor_f32 *out);

/* Reads an IDX file of integers (u8, i8, i16 or i32), e.g. class labels, as
 * int32. Float element types are an error. */
int nnc_idx_read_i32(const char *path, nnc_tensor_i32 *out);

/* The element types of the IDX format, by their type codes. */
typedef enum nnc_idx_type {
  NNC_IDX_U8 = 0x08,
  NNC_IDX_I8 = 0x09,
  NNC_IDX_I16 = 0x0B,
  NNC_IDX_I32 = 0x0C,
  NNC_IDX_F32 = 0x0D,
  NNC_IDX_F64 = 0x0E
} nnc_idx_type;

/* A row-major tensor in an IDX file's own element type (`type`, an
 * nnc_idx_type), in the host's byte order: a u8 file takes a quarter of the
 * memory it would as floats. */
typedef struct nnc_tensor_idx {
  void *data;
  int32_t type;
  int64_t numel;
  int32_t rank;
  int64_t dims[NNC_MAX_RANK];
} nnc_tensor_idx;

void nnc_tensor_idx_free(nnc_tensor_idx *t);

/* Reads an IDX file as nnc_idx_read_f32 does (the same checks and
 * messages), keeping its element type. */
int nnc_idx_read(const char *path, nnc_tensor_idx *out);

/* The bytes of one element of IDX element type `type`; 0 for an unknown type. */
int nnc_idx_element_size(int32_t type);

/* Converts n elements of IDX element type `type` at src to float, giving
 * exactly the values nnc_idx_read_f32 gives (an f64 beyond float's range
 * saturates to infinity). Allocates nothing. An unknown type is an error. */
int nnc_idx_to_f32(const void *src, int32_t type, int64_t n, float *out);

/* ---- CSV ---------------------------------------------------------------- */

/* Reads a CSV file (gzip-compressed or not) with a header row naming the
 * columns and numeric fields (RFC 4180 quoting allowed; LF or CRLF line ends;
 * blank lines skipped). The column named `label_column` is split off:
 * `features` gets the other columns as [rows, columns - 1] and `labels` the
 * label column as [rows], both as floats (nnc_labels_to_i32 converts class
 * labels).
 *
 * Errors name the file and line[:column]: an empty file, a header without
 * the label column (or with it twice), a header with no feature column, a
 * ragged row, an empty, non-numeric, non-finite or out-of-f32-range field, an
 * unterminated quoted field, and a file with no data rows. */
int nnc_csv_read(const char *path, const char *label_column, nnc_tensor_f32 *features, nnc_tensor_f32 *labels);

/* Converts float labels to int32, failing on a value that is not an integer
 * in int32's range. `out` gets the same shape. */
int nnc_labels_to_i32(const nnc_tensor_f32 *labels, nnc_tensor_i32 *out);

/* ---- Batching ------------------------------------------------------------ */

/* Writes to order[0..n) the elements of indices[0..n) (or of 0..n-1 when
 * indices is NULL) in a seeded random order: a Fisher-Yates shuffle driven
 * by the counter-based generator nnc_rng_u64(seed, epoch, i). The result
 * depends only on (indices, n, seed, epoch): not on earlier epochs, call
 * order or thread count. order and indices may not overlap. */
int nnc_epoch_order(const int64_t *indices, int64_t n, uint64_t seed, uint64_t epoch, int64_t *order);

/* The seeded train/validation split of rows 0..n-1. round(n * val_fraction)
 * rows, chosen by a shuffle with key NNC_SPLIT_KEY (never an epoch number),
 * go to validation. indices[0..n) receives the validation rows, ascending,
 * followed by the training rows, ascending; *n_val gets the validation
 * count, so the training rows are indices + *n_val. val_fraction must lie in
 * [0, 1) and leave at least one training row. */
#define NNC_SPLIT_KEY 0xFFFFFFFFFFFFFFFFull
/* A test split taken from a training source (a data block's `test = 0.2`) is
 * the validation rows of nnc_split_indices(n, test, seed ^
 * NNC_TEST_SPLIT_SALT, ...), seed being the data block's: the test rows, and
 * the rest training data, both ascending. */
#define NNC_TEST_SPLIT_SALT 0x7465737473706c74ull /* "testsplt" */
int nnc_split_indices(int64_t n, double val_fraction, uint64_t seed, int64_t *indices, int64_t *n_val);

/* The number of batches of `batch_size` rows in n rows, the last one partial
 * when batch_size does not divide n: ceil(n / batch_size). 0 for n <= 0 or
 * batch_size <= 0. */
int64_t nnc_batch_count(int64_t n, int64_t batch_size);

/* Gathers batch number `batch` of an epoch: rows order[batch * batch_size ..]
 * of src, a row-major [src_rows, row_elems] array, copied one after another
 * into out (room for batch_size * row_elems elements). *out_rows receives the
 * number of rows gathered: batch_size, or fewer for the last, partial batch.
 * A batch past the end, or a row index outside [0, src_rows), is an error. */
int nnc_gather_rows_f32(const float *src, int64_t src_rows, int64_t row_elems, const int64_t *order, int64_t n_order,
                        int64_t batch, int64_t batch_size, float *out, int64_t *out_rows);
int nnc_gather_rows_i32(const int32_t *src, int64_t src_rows, int64_t row_elems, const int64_t *order, int64_t n_order,
                        int64_t batch, int64_t batch_size, int32_t *out, int64_t *out_rows);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NNC_DATA_H */
