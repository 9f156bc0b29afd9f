/* Checkpoints: a training run's parameters, optimizer states and progress,
 * saved so that an interrupted run can resume exactly where it stopped.
 *
 * File format, version 1 (all integers little-endian):
 *
 *   magic        8 bytes  "NNCCKPT\0"
 *   version      u32      NNC_CKPT_VERSION
 *   reserved     u32      0
 *   file size    u64      the whole file's length, checksum included
 *   epoch        i64
 *   global step  i64
 *   rng state    u64 x NNC_CKPT_RNG_WORDS
 *   count        u64      number of tensors, then for each tensor:
 *     name length u32, name (UTF-8, no terminator), dtype u32 (0 = f32),
 *     rank u32, dims i64 x rank, data (f32 little-endian, row-major)
 *   checksum     u32      CRC-32 (zlib) of every byte before it
 *
 * A checkpoint holds whatever named tensors the program gives it, typically
 * the parameters ("M/dense_1/W") and the optimizer's state for each of them.
 *
 * Saving is atomic: the file is written to a temporary file next to PATH,
 * flushed and fsync'ed, and renamed over PATH; the directory is then fsync'ed.
 * A crash at any moment leaves PATH either the old checkpoint or the new one,
 * never a partial file. The checkpoint that PATH held before is kept as
 * PATH.prev, so a damaged PATH still leaves one to resume from.
 *
 * Loading verifies the magic, version, length and checksum before anything
 * is read, and checks each tensor's shape against what the model needs.
 * Functions returning int return an nnc_status (nnc/error.h).
 */
#ifndef NNC_CHECKPOINT_H
#define NNC_CHECKPOINT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NNC_CKPT_VERSION 1
#define NNC_CKPT_RNG_WORDS 4
#ifndef NNC_MAX_RANK
#define NNC_MAX_RANK 8 /* also defined by nnc/data.h */
#endif

/* Where training stands, saved with the tensors. */
typedef struct nnc_ckpt_meta {
  int64_t epoch;
  int64_t global_step;
  uint64_t rng[NNC_CKPT_RNG_WORDS]; /* e.g. the seed and the next key */
} nnc_ckpt_meta;

/* One named tensor to save: rank <= NNC_MAX_RANK, dims[0..rank) >= 0, data
 * holding their product of floats, row-major. Names must be non-empty,
 * unique, and at most 4096 bytes. */
typedef struct nnc_ckpt_tensor {
  const char *name;
  int32_t rank;
  const int64_t *dims;
  const float *data;
} nnc_ckpt_tensor;

/* Atomically replaces PATH with a checkpoint of `meta` and tensors[0..count),
 * keeping the previous PATH as PATH.prev. On failure PATH is untouched and
 * no temporary file is left behind. */
int nnc_checkpoint_save(const char *path, const nnc_ckpt_meta *meta, const nnc_ckpt_tensor *tensors, int64_t count);

/* A checkpoint read into memory and verified. */
typedef struct nnc_checkpoint nnc_checkpoint;

/* Reads and verifies PATH. On success *out must be released with
 * nnc_checkpoint_close; on failure *out is NULL. */
int nnc_checkpoint_open(const char *path, nnc_checkpoint **out);

/* Opens PATH, or PATH.prev when PATH is missing or damaged (*used_prev is
 * then 1, and nnc_last_error() still says what was wrong with PATH). When
 * both fail the message gives both reasons. */
int nnc_checkpoint_open_latest(const char *path, nnc_checkpoint **out, int *used_prev);

void nnc_checkpoint_close(nnc_checkpoint *ckpt);

/* The saved metadata; valid until the checkpoint is closed. */
const nnc_ckpt_meta *nnc_checkpoint_meta(const nnc_checkpoint *ckpt);

/* The number of tensors, and the name of tensor i in saved order (NULL when
 * i is out of range); names stay valid until the checkpoint is closed. */
int64_t nnc_checkpoint_count(const nnc_checkpoint *ckpt);
const char *nnc_checkpoint_name(const nnc_checkpoint *ckpt, int64_t i);

/* The saved shape of tensor `name` (NNC_ERR_NOT_FOUND if there is none). */
int nnc_checkpoint_shape(const nnc_checkpoint *ckpt, const char *name, int32_t *rank, int64_t dims[NNC_MAX_RANK]);

/* Copies tensor `name` into out, which the model expects to have shape
 * dims[0..rank). A different saved shape is NNC_ERR_SHAPE: "checkpoint
 * `x.ckpt` has `M/dense_1/W` as [784, 64] but the model needs [784, 128]". */
int nnc_checkpoint_load(const nnc_checkpoint *ckpt, const char *name, int32_t rank, const int64_t *dims, float *out);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NNC_CHECKPOINT_H */
