/* wick's converter IR: a straight-line list of operator calls over typed values.
 *
 * Nodes name ExecuTorch operators exactly as the .pte will ("aten::add.out"),
 * with arguments in schema order and the out tensors last, so the emitter maps
 * a node to one KernelCall. Every argument is a value: tensors (with static
 * shapes and, for constants, their data), Ints, Doubles, Bools, None, int
 * lists, double lists, strings and tensor lists. Constant folding and
 * calibration execute nodes with the runtime's own kernels (wc_eval_node), so
 * each op has exactly one implementation of its semantics.
 */
#ifndef WICK_COMPILER_IR_H
#define WICK_COMPILER_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/kernel.h"
#include "wick/status.h"
#include "wick/tensor.h"

typedef struct wc_value {
  uint8_t kind;                 /* wick_value_kind                                */
  /* Tensor */
  uint8_t dtype;                /* wick_dtype                                     */
  uint8_t rank;
  int64_t dims[WICK_MAX_DIM];   /* (rank) static sizes                            */
  void *data;                   /* constant contents (owned, 64-byte aligned) or NULL */
  /* Int / Bool (i) and Double (d) */
  int64_t i;
  double d;
  /* IntList (ints), DoubleList (dbls), BoolList (ints as 0/1), TensorList and
   * OptionalTensorList (ids: value ids, -1 = None) */
  int64_t *ints;
  double *dbls;
  int32_t *ids;
  uint32_t n;
  char *str;                    /* String                                         */
  char *name;                   /* source name (ONNX value name) or NULL          */
  /* Graph bookkeeping */
  int32_t producer;             /* node writing this tensor, -1 if none           */
  int32_t input_index;          /* position among graph inputs, -1 if none        */
  int32_t output_index;         /* position among graph outputs, -1 if none       */
  int32_t uses;                 /* live nodes reading it (computed by passes)     */
  /* Memory plan (tensors computed at run time) */
  int32_t mem_id;               /* 0: not planned                                 */
  uint64_t mem_offset;
} wc_value;

typedef struct wc_node {
  const char *op;    /* "aten::add.out" (static string)                           */
  int32_t *args;     /* (nargs) value ids in schema order, outs last              */
  uint32_t nargs;
  uint32_t nouts;    /* trailing args the node writes                             */
  bool dead;         /* removed by a pass                                          */
  char *origin;      /* source node ("Conv 'conv1'") for messages, or NULL        */
} wc_node;

typedef struct wc_graph {
  wc_value *values;
  uint32_t num_values, cap_values;
  wc_node *nodes;
  uint32_t num_nodes, cap_nodes;
  int32_t *inputs;   /* graph input tensor ids, in order                            */
  uint32_t num_inputs;
  int32_t *outputs;  /* graph output tensor ids, in order                           */
  uint32_t num_outputs;
  const char *current_origin; /* attached to nodes as they are added              */
} wc_graph;

wc_graph *wc_graph_new(void);
void wc_graph_free(wc_graph *g);

/* ---- building values ---- */
int32_t wc_tensor(wc_graph *g, int dtype, int rank, const int64_t *dims);
/* A constant tensor; the data is copied (nbytes must match the shape). */
int32_t wc_const_tensor(wc_graph *g, int dtype, int rank, const int64_t *dims, const void *data);
/* A constant tensor taking ownership of malloc'd, 64-byte aligned data (wc_alloc). */
int32_t wc_const_tensor_owned(wc_graph *g, int dtype, int rank, const int64_t *dims, void *data);
int32_t wc_scalar_f32(wc_graph *g, float v); /* rank-0 float32 constant */
int32_t wc_int(wc_graph *g, int64_t v);
int32_t wc_double(wc_graph *g, double v);
int32_t wc_bool(wc_graph *g, bool v);
int32_t wc_none(wc_graph *g);
int32_t wc_int_list(wc_graph *g, const int64_t *v, uint32_t n);
int32_t wc_double_list(wc_graph *g, const double *v, uint32_t n);
int32_t wc_string(wc_graph *g, const char *s);
int32_t wc_tensor_list(wc_graph *g, const int32_t *ids, uint32_t n, bool optional);
/* Same shape and dtype as value `like`. */
int32_t wc_tensor_like(wc_graph *g, int32_t like);

/* ---- building nodes ---- */
/* Appends a node; args include the outs (the last nouts). Returns its index. */
int32_t wc_node_add(wc_graph *g, const char *op, const int32_t *args, uint32_t nargs,
                    uint32_t nouts);

/* ---- control flow (src/compiler/lower_control.c) ----
 * Control nodes emit as ExecuTorch MoveCall / JumpFalseCall instead of a
 * KernelCall; labels emit nothing. A label is referred to by an Int value
 * holding the label's node index, resolved to an instruction index at
 * emission:
 *   wick::jump_false [cond, label]  jump to label when cond (a Bool, or a bool
 *                                   tensor: all true) is false; a constant
 *                                   false Bool makes an unconditional jump
 *   wick::move       [from, to]     the EValue `to` becomes `from` (aliases
 *                                   its tensor; nouts 1)
 *   wick::label      []             a jump target
 *   wick::loop_begin [] / wick::loop_end []
 *                                   labels that also bound a loop body: the
 *                                   planner keeps every tensor touched inside
 *                                   alive across the whole region
 * Passes keep control nodes live (wc_dce). */
#define WC_OP_JUMP_FALSE "wick::jump_false"
#define WC_OP_MOVE "wick::move"
#define WC_OP_LABEL "wick::label"
#define WC_OP_LOOP_BEGIN "wick::loop_begin"
#define WC_OP_LOOP_END "wick::loop_end"
/* True for the control nodes above. */
bool wc_is_control(const wc_node *n);
/* True for nodes that emit no instruction (labels). */
bool wc_is_label(const wc_node *n);

/* ---- queries ---- */
static inline wc_value *wc_val(wc_graph *g, int32_t id) { return &g->values[id]; }
size_t wc_numel(const wc_value *v);
size_t wc_nbytes(const wc_value *v);
bool wc_is_const(const wc_graph *g, int32_t id); /* a tensor with data, or a non-tensor */
/* 64-byte aligned allocation, zeroed (free with wc_free). */
void *wc_alloc(size_t n);
void wc_free(void *p);
/* "float32[1,3,224,224]" */
const char *wc_describe(const wc_value *v, char *buf, size_t n);

/* ---- execution with the runtime's kernels ---- */
/* Runs node `ni` when its tensor inputs are all constant: allocates the outs'
 * data and marks them constant. Fails if the kernel is missing or rejects the
 * arguments (a converter bug: the message names the node). */
wick_status wc_eval_node(wc_graph *g, int32_t ni, wick_diag *d);
/* Runs the node with tensor data supplied by data_of(user, value id) for every
 * tensor it touches (inputs, outs, list members); outs must have room. */
typedef void *(*wc_data_fn)(void *user, int32_t id);
wick_status wc_run_node(wc_graph *g, int32_t ni, wc_data_fn data_of, void *user, wick_diag *d);

/* Dumps the graph in a readable text form. */
void wc_graph_print(const wc_graph *g, void *file /* FILE* */);

#endif
