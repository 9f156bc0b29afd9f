/* Inference with a compiled model: what an ahead-of-time library's C
 * functions (`nnc build --aot`) and an `--infer` executable call.
 *
 * The program (nnc/program.h) carries a model manifest and the forward graph;
 * its weights are embedded in it or read from a checkpoint. A context
 * (nnc_model) runs the forward graph on up to max_batch rows per call:
 *
 *   nnc_model *m = NULL;
 *   if (nnc_model_create(&my_program, 128, NULL, &m) != NNC_OK)
 *     fprintf(stderr, "%s\n", nnc_last_error());
 *   const void *in[] = {pixels};          // [n, 784] floats, row-major
 *   void *out[] = {scores};               // [n, 10] floats
 *   nnc_model_predict(m, n, in, out);
 *   nnc_model_destroy(m);
 *
 * Memory: a context allocates everything it needs in nnc_model_create, in one
 * block (the value of every node of the forward graph at max_batch rows,
 * plus the weights when they come from a checkpoint); nnc_model_predict
 * allocates nothing, the first call included. For that, nnc_model_create
 * also readies the runtime: it starts the thread pool's workers
 * (nnc/threads.h) and grows the GEMM packing buffers (nnc_sgemm_reserve,
 * under 1 MiB each) of the calling thread and of every pool thread. A thread
 * other than the creator's, or a pool resized by nnc_threads_set after the
 * context was made, allocates those on its first prediction instead.
 *
 * Threads: contexts are independent and hold no lock between calls, so
 * several may predict at once on different threads; embedded weights are
 * shared read-only. One context is used by one thread at a time. Kernels
 * share the process's thread pool (nnc/threads.h); while one prediction uses
 * it, the others run on their own thread.
 *
 * Errors: functions returning int return an nnc_status (nnc/error.h) unless
 * said otherwise, with nnc_last_error() saying why.
 */
#ifndef NNC_MODEL_H
#define NNC_MODEL_H

#include "nnc/error.h"
#include "nnc/program.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nnc_model nnc_model;

/* Element types of inputs and outputs: f32 float, f64 double, i32 int32_t,
 * bool one byte (0 or 1). */
typedef enum nnc_dtype { NNC_DTYPE_F32 = 0, NNC_DTYPE_F64 = 1, NNC_DTYPE_I32 = 2, NNC_DTYPE_BOOL = 3 } nnc_dtype;

/* Creates a context for up to max_batch rows per prediction (>= 1).
 * weights_path NULL: the weights embedded in the program (NNC_ERR_ARG if it
 * has none). Otherwise a checkpoint (nnc/checkpoint.h), such as the trainer's
 * --save file, holding every param of the model with its shape; other tensors
 * in it (optimizer states, other models' params) are ignored. A missing
 * param or a different shape fails, naming the file, the param and both
 * shapes. On failure *out is NULL. */
int nnc_model_create(const nnc_program *p, int64_t max_batch, const char *weights_path, nnc_model **out);

/* Frees the context. NULL is fine. */
void nnc_model_destroy(nnc_model *m);

/* The number of threads this context's predictions may use: n >= 1, at most
 * the pool's size (nnc_threads_set); 0 restores the default, the whole pool.
 * Negative n is NNC_ERR_ARG. */
int nnc_model_set_threads(nnc_model *m, int n);

/* Runs the model on n rows, 1 <= n <= max_batch (else NNC_ERR_ARG).
 * inputs[i] and outputs[i] are caller-owned row-major buffers of input and
 * output i in manifest order (see the queries below), n rows each, in the
 * element type of the input or output. Inputs are only read. */
int nnc_model_predict(nnc_model *m, int64_t n, const void *const *inputs, void *const *outputs);

/* The context's max_batch (0 for NULL). */
int64_t nnc_model_max_batch(const nnc_model *m);

/* The bytes the context allocated for its graph's values and loaded weights
 * (0 for NULL). */
int64_t nnc_model_arena_bytes(const nnc_model *m);

/* ---- What the model is --------------------------------------------------
 * Queries on the program need no context. They check the program the first
 * time (its manifest is parsed once per process) and then answer from memory.
 * Counts and indices are -1, names NULL, dims 0 when the program is not a
 * valid model or an index is out of range, with nnc_last_error() saying why. */

/* The model's name, as in the .nn file. */
const char *nnc_model_name(const nnc_program *p);

/* 1 when output 0 is [B, K] class scores (logits or probabilities), else 0. */
int nnc_model_is_classifier(const nnc_program *p);

int nnc_model_num_inputs(const nnc_program *p);
int nnc_model_num_outputs(const nnc_program *p);

/* Input or output i: its name, its rank (the batch dimension included), its
 * dimension `axis` (-1 for the batch dimension, which is axis 0), the
 * elements of one row (the product of the other dimensions), its element type
 * (an nnc_dtype). */
const char *nnc_model_input_name(const nnc_program *p, int i);
int nnc_model_input_rank(const nnc_program *p, int i);
int64_t nnc_model_input_dim(const nnc_program *p, int i, int axis);
int64_t nnc_model_input_row_elems(const nnc_program *p, int i);
int nnc_model_input_dtype(const nnc_program *p, int i);

const char *nnc_model_output_name(const nnc_program *p, int i);
int nnc_model_output_rank(const nnc_program *p, int i);
int64_t nnc_model_output_dim(const nnc_program *p, int i, int axis);
int64_t nnc_model_output_row_elems(const nnc_program *p, int i);
int nnc_model_output_dtype(const nnc_program *p, int i);

/* The index of the input or output called `name`, or -1. */
int nnc_model_input_index(const nnc_program *p, const char *name);
int nnc_model_output_index(const nnc_program *p, const char *name);

/* ---- The `--infer` executable -------------------------------------------- */

/* The main of an inference executable: reads rows (an IDX or CSV file, or
 * raw float32 rows on standard input), predicts in batches, prints one line
 * per row (a classifier's class and its probability, else the output values)
 * and, given labels, the accuracy. See its --help. Returns the exit status:
 * 0 success, 1 a failure (data, weights), 2 a bad command line. */
int nnc_infer_main(const nnc_program *p, int argc, char **argv);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NNC_MODEL_H */
