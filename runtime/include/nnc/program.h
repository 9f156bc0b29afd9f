/* A compiled nnc program as the runtime's drivers see it: the contract
 * between the code `nnc build` / `nnc run` generate and the drivers that run
 * it: the training loop (nnc_train_main, below) and inference model contexts
 * (nnc/model.h).
 *
 * Generated code provides the graphs as functions
 *
 *   void graph(int64_t batch, void **buffers)
 *
 * where buffers[id] is the row-major storage of node `id` of that graph:
 * inputs and params are bound by the caller; every other node ("value") is a
 * buffer the caller allocated with room for the node's shape at this batch
 * size, except "temp" nodes: values computed inside a fused kernel and kept
 * in registers, whose entry generated code never reads (leave it NULL).
 * The manifest gives each value its place (the compiler's memory plan):
 * values of one slot must get the same storage, as large as the largest of
 * them (the plan found them never alive together, and generated code may
 * write a value over an operand of its slot in place); a value stored in an
 * input or param node (`@<id>`) must get that node's storage. Generated code
 * never allocates, only reads inputs and params other than those, and writes
 * every value node. Element representation: f32 float, f64 double,
 * i32 int32_t, bool one byte (0 or 1).
 *
 * and a manifest: text describing the program, one item per line, tokens
 * separated by single spaces, strings double-quoted with C escapes (\" \\ \n
 * \t \xHH). A shape is written `[]`, `[B,784]` or `[784,128]`; `B` is the
 * batch dimension, bound at run time. Data fields, inputs and outputs have it
 * first, if at all; an intermediate value may have it anywhere (`[8,B]`, a
 * transposed batch) and more than once is not possible. Lines, in order:
 *
 *   nnc-program 1
 *   train "<model>" "<data block>"
 *   setting <name> <number>          epochs, batch, seed (the data block's),
 *                                    validation (fraction held out of the
 *                                    training split), shuffle (0 or 1),
 *                                    test (optional: the fraction of the
 *                                    train source held out as the test
 *                                    split, nnc/data.h NNC_TEST_SPLIT_SALT)
 *   param "<name>" <dtype> <shape>   every parameter, in declaration order
 *   step "<name>"                    the steps of the train block, in order
 *   hyper "<step>" "<name>" <value>  a hyperparameter the trainer feeds as the
 *                                    f32[] input "hyper/<name>" of that step's
 *                                    update graph (`--lr` overrides "lr")
 *   source <split> idx "<images>" "<labels>"
 *                                    split is train or test; provides the
 *                                    fields "image" f32[B,...] (the file's
 *                                    dims after the first) and "label" i32[B]
 *   source <split> csv "<file>" "<label column>"
 *                                    fields "features" f32[B,n], "label" f32[B]
 *   source <split> literal <rows> <fields>
 *     literal "<field>" <dtype> <shape> <count> <v1> ... <vcount>
 *                                    the next <fields> lines hold the rows
 *   source <split> generated <rows>  no fields: the data graph computes every
 *                                    field (random ops). With a train and a
 *                                    test split, the data graph runs once with
 *                                    batch = train rows + test rows: the first
 *                                    train rows are the training split, the
 *                                    rest the test split (so the two never
 *                                    share random draws).
 *   statistic "<input>" <kind> "<output>"
 *                                    kind is mean, std (population), min or
 *                                    max: before preprocessing, the trainer
 *                                    computes it per element of a row of the
 *                                    data graph's output over the training
 *                                    rows (no validation or test row) and
 *                                    binds it to the data graph's unbatched
 *                                    f32 input; checkpoints save it under the
 *                                    input's name ("data/x/mean")
 *   graph <index> <role> "<owner>" <nodes> <rowwise>
 *     node <id> <kind> "<name>" <dtype> <shape> [<storage>]
 *                                    ids 0..nodes-1, in order; storage, for
 *                                    a value only (optional): its slot, a
 *                                    number below <nodes>, or @<id>: stored
 *                                    in the storage of that input or param
 *                                    node, of the same type (an update
 *                                    graph's output "param/<p>" of param
 *                                    <p>, or "state/..." of the input of
 *                                    that name, at most one per node). A
 *                                    value without one has storage of its
 *                                    own.
 *     output "<name>" <id>
 *   ... (the next graph line starts the next graph)
 *   end                              once, after the last graph
 *
 * Graph roles (owner in quotes):
 *   data        the data block: inputs are source fields, outputs the
 *               fields the train block reads. rowwise 1 means each output row
 *               depends only on the same input row, so the graph may run on
 *               chunks of rows; 0 (random ops inside) means it must run on a
 *               whole split at once.
 *   init        a model: no inputs; one output per param, named like it.
 *   state_init  a step: no inputs; outputs "state/<step>/<param>/<s>".
 *   update      a step: inputs are data fields, "step" (f32[], the global
 *               update count starting at 1), "hyper/<name>" and the states;
 *               params; outputs "loss" (f32[]), the metrics (f32[] each,
 *               names without '/'), "grad/<param>", "param/<param>" (the new
 *               value) and "state/..." (the new states).
 *   evaluate    a step without training behaviour (no dropout): inputs as
 *               update minus states and hypers; outputs "loss" and the
 *               metrics. Used for validation and test.
 *   picture     the train block's `picture` setting, at most one graph; the
 *               owner is its kind, "images" or "scatter". Inputs: data
 *               fields; params; outputs: what to draw, in order, each named
 *               by the source text that computed it. images: f32[B,H,W]
 *               each, all the same shape, values 0 (black) to 1 (white),
 *               drawn side by side per row; scatter: f32[B,2] each, one
 *               color per output. `--picture FILE.png` runs it once after
 *               training on the first rows of the test split (the training
 *               split when there is none): 32 rows for images, 2000 for
 *               scatter, or all the split has if fewer.
 * <rowwise> is 0 for every role but data.
 * kind is input, param, value or temp (a value without a buffer, see above);
 * the name is "" for values and temps. dtype is f32, f64, i32 or bool. An
 * output may be an input or param node itself (a data field passed through
 * unchanged), never a temp.
 *
 * An inference model (nnc/model.h: `nnc build --aot` / `--infer`) has a
 * model manifest, in the same syntax:
 *
 *   nnc-model 1
 *   model "<name>"
 *   param "<name>" <dtype> <shape>   every param the forward graph reads, in
 *                                    order (the order of weight_names)
 *   input "<name>" <dtype> <shape>   the model's inputs, in order, B first
 *   output "<name>" <dtype> <shape>  the model's outputs, in order, B first
 *   classifier <0|1>                 1: output 0 is [B,K] class scores
 *                                    (logits or probabilities)
 *   source ...                       optional, as above: the data the model
 *                                    was trained on (idx or csv)
 *   graph <i> data "<data block>" <nodes> <rowwise>
 *                                    optional: the preprocessing, so that an
 *                                    `--infer` executable can read raw files;
 *                                    its outputs feed the model inputs of the
 *                                    same name (statistics are constants here)
 *   graph <i> forward "<model>" <nodes> 0
 *                                    inputs: model inputs (an input the
 *                                    outputs ignore may be absent); params;
 *                                    outputs: every model output, by name
 *   end
 */
#ifndef NNC_PROGRAM_H
#define NNC_PROGRAM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NNC_PROGRAM_ABI 1

typedef void (*nnc_graph_fn)(int64_t batch, void **buffers);

/* Called by generated code when a gather, one_hot or scatter_add meets an
 * index outside [0, bound): `op` is the op and where its .nn source is
 * ("model.nn:12:7: one_hot"), a string that lives as long as the program.
 * The kernel goes on with a zero row, never reading or writing outside its
 * buffers; the first such index of a run on this thread is kept. Those
 * kernels run on the thread that called the graph function. */
void nnc_index_error(const char *op, int64_t index, int64_t bound);

/* For the caller of a graph function, after it returns: 1 when the run met
 * an index out of range, with the message ("model.nn:12:7: one_hot: index 7
 * is out of range [0, 5)") in nnc_last_error(); 0 when it met none. Forgets
 * the index either way. */
int nnc_take_index_error(void);

/* What generated code exports (as the symbol `nnc_program_desc`, or a
 * library's own name). */
typedef struct nnc_program {
  uint32_t abi_version; /* NNC_PROGRAM_ABI */
  uint32_t num_graphs;
  const char *manifest;       /* NUL-terminated, see above */
  const nnc_graph_fn *graphs; /* graphs[index] for `graph <index> ...` */
  /* Parameter values compiled into the program (a model's embedded weights):
   * weight_names[i] names param i of the manifest and weight_data[i] points
   * at its row-major values in the param's dtype. num_weights is 0 when the
   * weights are external (read from a checkpoint) and for training programs,
   * which ignore these fields. */
  uint32_t num_weights;
  const char *const *weight_names;
  const void *const *weight_data;
} nnc_program;

/* Trains the program: parses argv (the trainer's options, see `--help`),
 * reads the data, runs every epoch, prints the progress, writes checkpoints.
 * Returns the process exit status: 0 on success, 1 for a user error (bad
 * option, missing or corrupt data, a checkpoint that does not match, a
 * non-finite loss), 2 for a bad command line. argv[0] names the program in
 * messages. */
int nnc_train_main(const nnc_program *program, int argc, char **argv);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NNC_PROGRAM_H */
