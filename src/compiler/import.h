/* ONNX -> IR import: shared machinery for the per-operator lowering files
 * (src/compiler/lower_*.c). Each lowering reads its node's inputs as IR value
 * ids, computes static output shapes, appends IR nodes with imp_call, and
 * binds the ONNX output names. Nodes whose inputs are all constant are
 * evaluated at once (eager constant folding), so shape arithmetic
 * (Shape -> Gather -> Concat -> Reshape) resolves to constants during import.
 */
#ifndef WICK_COMPILER_IMPORT_H
#define WICK_COMPILER_IMPORT_H

#include "compiler/ir.h"
#include "compiler/onnx/onnx.h"
#include "wick/compiler.h"

typedef struct wc_import wc_import;

struct wc_import {
  wc_graph *g;
  const wick_onnx_model *model;
  const wick_convert_options *opt;
  int64_t opset;               /* default-domain opset version                 */
  wick_diag *d;
  /* name -> value id (open addressing) */
  char **names;
  int32_t *ids;
  uint32_t cap;
  uint32_t count;
  uint32_t folded;             /* nodes evaluated during import                */
  char origin[160];            /* "node 12 (Conv 'conv1')"                      */
};

typedef wick_status (*imp_lower_fn)(wc_import *im, const wick_onnx_node *n);

typedef struct imp_op {
  const char *op_type;  /* ONNX op name                                         */
  imp_lower_fn fn;
} imp_op;

/* Lowering tables (one per lowering file), terminated by {NULL, NULL}. */
extern const imp_op wc_lower_core[];
extern const imp_op wc_lower_shape[];
extern const imp_op wc_lower_nn[];
extern const imp_op wc_lower_math[];
extern const imp_op wc_lower_control[];

/* ---- subgraphs (If branches, Loop bodies) ---- */
/* Imports subgraph `sg` inline into the current graph: its initializers
 * become constants and its nodes are lowered in order, with the current name
 * table (outer-scope values resolve by name). The caller binds the
 * subgraph's inputs first. `scope` names it in messages ("then_branch").
 * Writes the ids of its outputs to outs (sg->num_outputs entries). */
wick_status imp_subgraph(wc_import *im, const wick_onnx_graph *sg, const char *scope,
                         int32_t *outs);

/* ---- names ---- */
void imp_bind(wc_import *im, const char *name, int32_t id);
int32_t imp_lookup(wc_import *im, const char *name); /* -1 when unknown */

/* ---- reading a node ---- */
/* Input k as a value id; -1 when absent (k past the end or name ""). Fails
 * (returns -2 after setting the diag) when the name is unknown. */
int32_t imp_in(wc_import *im, const wick_onnx_node *n, uint32_t k);
/* Input k, required: fails with a message when absent. */
int32_t imp_req(wc_import *im, const wick_onnx_node *n, uint32_t k);
/* Binds output k's name to id (ignored when the output is absent). */
void imp_out(wc_import *im, const wick_onnx_node *n, uint32_t k, int32_t id);
/* Fails the import, naming the node. */
wick_status imp_fail(wc_import *im, wick_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Constant integer vector from a constant tensor input (int32/int64); fails
 * when the value is not constant. `what` names it in messages. */
wick_status imp_const_ints(wc_import *im, int32_t id, const char *what, int64_t *out,
                           uint32_t max, uint32_t *n);
/* Constant scalar (first element) of a constant tensor as double. */
wick_status imp_const_scalar(wc_import *im, int32_t id, const char *what, double *out);
/* Attributes (errors name node and attribute). */
int64_t imp_attr_int(wc_import *im, const wick_onnx_node *n, const char *name, int64_t dflt);
float imp_attr_float(wc_import *im, const wick_onnx_node *n, const char *name, float dflt);
const char *imp_attr_str(wc_import *im, const wick_onnx_node *n, const char *name,
                         const char *dflt);
/* Int list attribute copied into out (max entries); returns the count, or -1
 * when absent. */
int imp_attr_ints(wc_import *im, const wick_onnx_node *n, const char *name, int64_t *out,
                  uint32_t max);
/* True once any import step failed. */
static inline bool imp_failed(const wc_import *im) { return im->d && im->d->status != WICK_OK; }

/* ---- emitting ---- */
/* Appends node `op` with args (outs included) and folds it when every input is
 * constant. Returns the node index or -1 on failure. */
int32_t imp_node(wc_import *im, const char *op, const int32_t *args, uint32_t nargs,
                 uint32_t nouts);
/* One-output convenience: creates the out tensor (dtype, rank, dims), appends
 * op(args..., out) and returns the out id (-1 on failure). */
int32_t imp_call(wc_import *im, const char *op, const int32_t *args, uint32_t nargs, int dtype,
                 int rank, const int64_t *dims);
/* Common shapes of derived tensors. */
int32_t imp_view(wc_import *im, int32_t x, int rank, const int64_t *dims);   /* view_copy */
int32_t imp_permute(wc_import *im, int32_t x, const int64_t *perm);          /* permute_copy */
int32_t imp_cast(wc_import *im, int32_t x, int dtype);                        /* _to_copy */
/* Broadcast shape of a and b (false if not broadcastable). */
bool imp_broadcast(const wc_value *a, const wc_value *b, int *rank, int64_t *dims);
/* ATen dtype promotion of two tensor dtypes. */
int imp_promote(int a, int b);
/* Normalizes an axis into [0, rank) (fails on out of range). */
bool imp_axis(wc_import *im, int64_t axis, int rank, int *out);

#endif
