/* Lowering of ONNX control flow: If and Loop.
 *
 * A condition known at conversion time folds away: the taken If branch is
 * imported inline, and a Loop with a constant trip count (at most
 * UNROLL_MAX iterations) whose condition stays constant is unrolled, scan
 * outputs concatenated at the end. Conditions computed at run time lower to
 * the program's own control instructions (ir.h "control flow"), as
 * ExecuTorch's emitter does for torch.cond and while loops:
 *
 *   If:    jump_false(cond, ELSE)
 *          <then nodes>  move(then_out_k -> res_k)  jump_false(False, END)
 *   ELSE:  <else nodes>  move(else_out_k -> res_k)
 *   END:
 *
 *   Loop:  C_k = clone(v_init_k); i = 0; c = cond_init (or True)
 *   BEGIN: go = (i < M) & c;  jump_false(go, END)
 *          <body nodes on (i, c, C_k)>
 *          C_k = clone(v_out_k); c = clone(cond_out); i = i + 1
 *          jump_false(False, BEGIN)
 *   END:   results are C_k
 *
 * Branch results are moved (the result value aliases the branch's tensor:
 * the planner keeps that tensor alive while the result is read). Loop-carried
 * state is copied into fixed buffers instead, so no iteration's tensor is
 * aliased by the next. Shapes are static: both branches must produce the same
 * shapes, and loop-carried values must keep theirs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/import.h"

static const int64_t kScalar[1] = {0}; /* dims of rank-0 tensors */

#define V(id) (&im->g->values[(id)])
#define UNROLL_MAX 64
#define MAX_IO 64

/* Appends a node without folding (control nodes, and copies into run-time
 * buffers that must stay run-time tensors). */
static int32_t add_node(wc_import *im, const char *op, const int32_t *args, uint32_t nargs,
                        uint32_t nouts) {
  im->g->current_origin = im->origin;
  int32_t ni = wc_node_add(im->g, op, args, nargs, nouts);
  im->g->current_origin = NULL;
  return ni;
}

static int32_t add_label(wc_import *im, const char *op, int32_t label_value) {
  int32_t ni = add_node(im, op, NULL, 0, 0);
  if (label_value >= 0) V(label_value)->i = ni;
  return ni;
}

static void jump_false(wc_import *im, int32_t cond, int32_t label_value) {
  int32_t args[2] = {cond, label_value};
  add_node(im, WC_OP_JUMP_FALSE, args, 2, 0);
}

/* out = clone(src), never folded. */
static void copy_into(wc_import *im, int32_t src, int32_t out) {
  int32_t args[3] = {src, wc_none(im->g), out};
  add_node(im, "aten::clone.out", args, 3, 1);
}

static int32_t fresh_copy(wc_import *im, int32_t src) {
  int32_t t = wc_tensor_like(im->g, src);
  copy_into(im, src, t);
  return t;
}

static bool same_shape(const wc_value *a, const wc_value *b) {
  if (a->kind != b->kind || a->dtype != b->dtype || a->rank != b->rank) return false;
  for (int q = 0; q < a->rank; q++)
    if (a->dims[q] != b->dims[q]) return false;
  return true;
}

static wick_status need_tensor(wc_import *im, int32_t id, const char *what) {
  if (V(id)->kind != WICK_VAL_TENSOR)
    return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "%s is not a tensor", what);
  return WICK_OK;
}

/* Value of a constant condition tensor (all elements true). */
static bool const_truth(const wc_value *v) {
  size_t cnt = wc_numel(v);
  size_t es = wick_dtype_size(v->dtype);
  for (size_t k = 0; k < cnt; k++) {
    const uint8_t *p = (const uint8_t *)v->data + k * es;
    bool nz = false;
    for (size_t b = 0; b < es; b++) nz = nz || p[b];
    if (!nz) return false;
  }
  return true;
}

/* A run-time bool condition for jump_false. */
static int32_t bool_cond(wc_import *im, int32_t c) {
  if (V(c)->dtype == WICK_BOOL) return c;
  return imp_cast(im, c, WICK_BOOL);
}

/* ---- If ---- */

/* Moves the branch's outputs into the results (creating them on the first
 * branch). Outputs not computed inside the branch (constants, outer values)
 * are copied first so a result never aliases a constant or an input. */
static wick_status move_outputs(wc_import *im, const int32_t *outs, uint32_t nout,
                                int32_t first_node, int32_t *res, bool create) {
  for (uint32_t k = 0; k < nout; k++) {
    int32_t o = outs[k];
    wick_status s = need_tensor(im, o, "If branch output");
    if (s != WICK_OK) return s;
    if (create) {
      res[k] = wc_tensor_like(im->g, o);
    } else if (!same_shape(V(o), V(res[k]))) {
      char a[64], b[64];
      return imp_fail(im, WICK_ERR_NOT_SUPPORTED,
                      "If branches produce output %u as %s and %s (static shapes must match)", k,
                      wc_describe(V(res[k]), a, sizeof a), wc_describe(V(o), b, sizeof b));
    }
    int32_t p = V(o)->producer;
    bool inside = V(o)->data == NULL && V(o)->input_index < 0 && p >= first_node &&
                  !im->g->nodes[p].dead;
    int32_t src = inside ? o : fresh_copy(im, o);
    int32_t args[2] = {src, res[k]};
    add_node(im, WC_OP_MOVE, args, 2, 1);
  }
  return WICK_OK;
}

static wick_status lower_if(wc_import *im, const wick_onnx_node *n) {
  int32_t cond = imp_req(im, n, 0);
  if (cond < 0) return im->d->status;
  const wick_onnx_graph *tg = NULL, *eg = NULL;
  if (wick_onnx_attr_graph(n, "then_branch", &tg, im->d) != WICK_OK ||
      wick_onnx_attr_graph(n, "else_branch", &eg, im->d) != WICK_OK)
    return imp_fail(im, im->d->status, "missing branch");
  if (tg->num_outputs != n->num_outputs || eg->num_outputs != n->num_outputs ||
      n->num_outputs > MAX_IO)
    return imp_fail(im, WICK_ERR_MALFORMED, "If has %u outputs, branches %u and %u",
                    n->num_outputs, tg->num_outputs, eg->num_outputs);
  wick_status s = need_tensor(im, cond, "If condition");
  if (s != WICK_OK) return s;
  if (wc_numel(V(cond)) != 1)
    return imp_fail(im, WICK_ERR_MALFORMED, "If condition has %zu elements", wc_numel(V(cond)));
  int32_t outs[MAX_IO], res[MAX_IO];
  if (V(cond)->data) { /* known now: inline the taken branch */
    const wick_onnx_graph *taken = const_truth(V(cond)) ? tg : eg;
    s = imp_subgraph(im, taken, taken == tg ? "then_branch" : "else_branch", outs);
    if (s != WICK_OK) return s;
    for (uint32_t k = 0; k < n->num_outputs; k++) imp_out(im, n, k, outs[k]);
    return WICK_OK;
  }
  cond = bool_cond(im, cond);
  if (cond < 0) return im->d->status;
  int32_t to_else = wc_int(im->g, -1), to_end = wc_int(im->g, -1);
  jump_false(im, cond, to_else);
  int32_t first = (int32_t)im->g->num_nodes;
  s = imp_subgraph(im, tg, "then_branch", outs);
  if (s == WICK_OK) s = move_outputs(im, outs, n->num_outputs, first, res, true);
  if (s != WICK_OK) return s;
  jump_false(im, wc_bool(im->g, false), to_end);
  add_label(im, WC_OP_LABEL, to_else);
  first = (int32_t)im->g->num_nodes;
  s = imp_subgraph(im, eg, "else_branch", outs);
  if (s == WICK_OK) s = move_outputs(im, outs, n->num_outputs, first, res, false);
  if (s != WICK_OK) return s;
  add_label(im, WC_OP_LABEL, to_end);
  for (uint32_t k = 0; k < n->num_outputs; k++) imp_out(im, n, k, res[k]);
  return WICK_OK;
}

/* ---- Loop ---- */

typedef struct loop_io {
  const wick_onnx_graph *body;
  uint32_t ncarried, nscan;
  int32_t trip, cond;            /* -1 when absent                          */
  int32_t init[MAX_IO];          /* initial loop-carried values              */
} loop_io;

static int32_t scalar_i64(wc_import *im, int64_t v) {
  return wc_const_tensor(im->g, WICK_I64, 0, kScalar, &v);
}

static int32_t scalar_bool(wc_import *im, bool v) {
  uint8_t b = v;
  return wc_const_tensor(im->g, WICK_BOOL, 0, kScalar, &b);
}

static void bind_body_inputs(wc_import *im, const loop_io *L, int32_t iter, int32_t cond,
                             const int32_t *carried) {
  const wick_onnx_graph *b = L->body;
  if (b->num_inputs > 0) imp_bind(im, b->inputs[0].name, iter);
  if (b->num_inputs > 1) imp_bind(im, b->inputs[1].name, cond);
  for (uint32_t k = 0; k < L->ncarried && 2 + k < b->num_inputs; k++)
    imp_bind(im, b->inputs[2 + k].name, carried[k]);
}

/* Unrolls a loop with a constant trip count. Returns 1 when done, 0 when the
 * condition turned out to be computed at run time (nodes added are dropped
 * and the caller emits a real loop), -1 on failure. */
static int unroll(wc_import *im, const wick_onnx_node *n, const loop_io *L, int64_t trips) {
  uint32_t first_node = im->g->num_nodes;
  int32_t cur[MAX_IO], outs[MAX_IO];
  int32_t *scans = NULL;
  uint32_t nscan = L->nscan;
  if (nscan) {
    scans = calloc((size_t)nscan * (size_t)(trips ? trips : 1), sizeof(int32_t));
    if (!scans) abort();
  }
  memcpy(cur, L->init, L->ncarried * sizeof(int32_t));
  bool go = L->cond < 0 || const_truth(V(L->cond));
  int32_t c = L->cond >= 0 ? L->cond : scalar_bool(im, true);
  int64_t it = 0;
  for (; go && it < trips; it++) {
    bind_body_inputs(im, L, scalar_i64(im, it), c, cur);
    char scope[48];
    snprintf(scope, sizeof scope, "body (iteration %lld)", (long long)it);
    if (imp_subgraph(im, L->body, scope, outs) != WICK_OK) {
      free(scans);
      return -1;
    }
    c = outs[0];
    if (V(c)->kind != WICK_VAL_TENSOR || V(c)->data == NULL) {
      for (uint32_t i = first_node; i < im->g->num_nodes; i++) im->g->nodes[i].dead = true;
      free(scans);
      return 0;
    }
    go = const_truth(V(c));
    memcpy(cur, outs + 1, L->ncarried * sizeof(int32_t));
    for (uint32_t j = 0; j < nscan; j++) scans[(size_t)j * trips + it] = outs[1 + L->ncarried + j];
  }
  for (uint32_t k = 0; k < L->ncarried; k++) imp_out(im, n, k, cur[k]);
  for (uint32_t j = 0; j < nscan; j++) {
    if (it == 0) {
      free(scans);
      imp_fail(im, WICK_ERR_NOT_SUPPORTED, "scan output %u of a loop that runs no iteration", j);
      return -1;
    }
    int32_t parts[UNROLL_MAX];
    wc_value v0 = *V(scans[(size_t)j * trips]);
    int64_t d[WICK_MAX_DIM + 1];
    d[0] = 1;
    for (int q = 0; q < v0.rank; q++) d[q + 1] = v0.dims[q];
    if (v0.rank + 1 > WICK_MAX_DIM) {
      free(scans);
      imp_fail(im, WICK_ERR_NOT_SUPPORTED, "scan output %u has rank %d", j, v0.rank);
      return -1;
    }
    for (int64_t t = 0; t < it; t++) {
      int32_t s = scans[(size_t)j * trips + t];
      if (!same_shape(V(s), &v0)) {
        free(scans);
        imp_fail(im, WICK_ERR_NOT_SUPPORTED, "scan output %u changes shape across iterations", j);
        return -1;
      }
      parts[t] = imp_view(im, s, v0.rank + 1, d);
      if (parts[t] < 0) {
        free(scans);
        return -1;
      }
    }
    int32_t r;
    if (it == 1) {
      r = parts[0];
    } else {
      d[0] = it;
      int32_t args[2] = {wc_tensor_list(im->g, parts, (uint32_t)it, false), wc_int(im->g, 0)};
      r = imp_call(im, "aten::cat.out", args, 2, v0.dtype, v0.rank + 1, d);
    }
    if (r < 0) {
      free(scans);
      return -1;
    }
    imp_out(im, n, L->ncarried + j, r);
  }
  free(scans);
  return 1;
}

static wick_status real_loop(wc_import *im, const wick_onnx_node *n, const loop_io *L) {
  if (L->nscan)
    return imp_fail(im, WICK_ERR_NOT_SUPPORTED,
                    "Loop scan outputs need a trip count known at conversion time (at most %d) "
                    "and a constant condition: their shape depends on the iterations run",
                    UNROLL_MAX);
  if (L->trip >= 0 && (need_tensor(im, L->trip, "Loop trip count") != WICK_OK ||
                       wc_numel(V(L->trip)) != 1))
    return imp_fail(im, WICK_ERR_MALFORMED, "Loop trip count must be one integer");
  if (L->cond >= 0 && (need_tensor(im, L->cond, "Loop condition") != WICK_OK ||
                       wc_numel(V(L->cond)) != 1))
    return imp_fail(im, WICK_ERR_MALFORMED, "Loop condition must be one boolean");
  /* Loop state in run-time buffers. */
  int32_t carried[MAX_IO], outs[MAX_IO];
  for (uint32_t k = 0; k < L->ncarried; k++) {
    wick_status s = need_tensor(im, L->init[k], "Loop-carried value");
    if (s != WICK_OK) return s;
    carried[k] = fresh_copy(im, L->init[k]);
  }
  int64_t zero = 0;
  int32_t i_buf = fresh_copy(im, wc_const_tensor(im->g, WICK_I64, 0, kScalar, &zero));
  int32_t c0 = L->cond >= 0 ? bool_cond(im, L->cond) : scalar_bool(im, true);
  if (c0 < 0) return im->d->status;
  int32_t c_buf = fresh_copy(im, c0);
  int32_t trip = L->trip;
  if (trip >= 0 && V(trip)->dtype != WICK_I64) trip = imp_cast(im, trip, WICK_I64);
  if (trip < 0 && L->trip >= 0) return im->d->status;

  int32_t to_begin = wc_int(im->g, -1), to_end = wc_int(im->g, -1);
  add_label(im, WC_OP_LOOP_BEGIN, to_begin);
  int32_t go = c_buf;
  if (trip >= 0) {
    int rank;
    int64_t dims[WICK_MAX_DIM];
    imp_broadcast(V(i_buf), V(trip), &rank, dims);
    int32_t args[3] = {i_buf, trip, wc_tensor(im->g, WICK_BOOL, rank, dims)};
    add_node(im, "aten::lt.Tensor_out", args, 3, 1);
    int32_t lt = args[2];
    if (L->cond >= 0) {
      imp_broadcast(V(lt), V(c_buf), &rank, dims);
      int32_t a2[3] = {lt, c_buf, wc_tensor(im->g, WICK_BOOL, rank, dims)};
      add_node(im, "aten::logical_and.out", a2, 3, 1);
      go = a2[2];
    } else {
      go = lt;
    }
  }
  jump_false(im, go, to_end);
  bind_body_inputs(im, L, i_buf, c_buf, carried);
  wick_status s = imp_subgraph(im, L->body, "body", outs);
  if (s != WICK_OK) return s;
  /* New state: values that are themselves loop state are copied out first,
   * so writing one buffer never changes another's next value. */
  int32_t next[MAX_IO + 1];
  for (uint32_t k = 0; k <= L->ncarried; k++) {
    int32_t o = outs[k], buf = k == 0 ? c_buf : carried[k - 1];
    if ((s = need_tensor(im, o, "Loop body output")) != WICK_OK) return s;
    if (k == 0 && V(o)->dtype != WICK_BOOL) o = imp_cast(im, o, WICK_BOOL);
    if (o < 0) return im->d->status;
    if (k == 0 && wc_numel(V(o)) == 1 && !same_shape(V(o), V(buf)))
      o = imp_view(im, o, V(buf)->rank, V(buf)->dims);
    if (o < 0) return im->d->status;
    if (!same_shape(V(o), V(buf))) {
      char a[64], b[64];
      return imp_fail(im, WICK_ERR_NOT_SUPPORTED,
                      "Loop-carried value %u changes from %s to %s in the body (static shapes)",
                      k, wc_describe(V(buf), a, sizeof a), wc_describe(V(o), b, sizeof b));
    }
    bool is_state = o == i_buf || o == c_buf;
    for (uint32_t j = 0; j < L->ncarried; j++) is_state = is_state || o == carried[j];
    next[k] = o == buf ? -1 : is_state ? fresh_copy(im, o) : o;
  }
  for (uint32_t k = 0; k <= L->ncarried; k++)
    if (next[k] >= 0) copy_into(im, next[k], k == 0 ? c_buf : carried[k - 1]);
  int32_t a3[4] = {i_buf, scalar_i64(im, 1), wc_int(im->g, 1),
                   wc_tensor(im->g, WICK_I64, 0, kScalar)};
  add_node(im, "aten::add.out", a3, 4, 1);
  copy_into(im, a3[3], i_buf);
  jump_false(im, wc_bool(im->g, false), to_begin);
  add_label(im, WC_OP_LOOP_END, to_end);
  for (uint32_t k = 0; k < L->ncarried; k++) imp_out(im, n, k, carried[k]);
  return WICK_OK;
}

static wick_status lower_loop(wc_import *im, const wick_onnx_node *n) {
  loop_io L;
  memset(&L, 0, sizeof L);
  if (wick_onnx_attr_graph(n, "body", &L.body, im->d) != WICK_OK)
    return imp_fail(im, im->d->status, "missing body");
  if (n->num_inputs < 2 || n->num_inputs - 2 > MAX_IO)
    return imp_fail(im, WICK_ERR_MALFORMED, "Loop has %u inputs", n->num_inputs);
  L.ncarried = n->num_inputs - 2;
  if (L.body->num_inputs != 2 + L.ncarried || L.body->num_outputs < 1 + L.ncarried)
    return imp_fail(im, WICK_ERR_MALFORMED,
                    "Loop body has %u inputs and %u outputs for %u loop-carried values",
                    L.body->num_inputs, L.body->num_outputs, L.ncarried);
  L.nscan = L.body->num_outputs - 1 - L.ncarried;
  if (L.nscan > MAX_IO || n->num_outputs > L.ncarried + L.nscan)
    return imp_fail(im, WICK_ERR_MALFORMED, "Loop has %u outputs", n->num_outputs);
  L.trip = imp_in(im, n, 0);
  L.cond = imp_in(im, n, 1);
  if (L.trip == -2 || L.cond == -2) return im->d->status;
  for (uint32_t k = 0; k < L.ncarried; k++) {
    L.init[k] = imp_req(im, n, 2 + k);
    if (L.init[k] < 0) return im->d->status;
  }
  bool const_cond = L.cond < 0 || (V(L.cond)->kind == WICK_VAL_TENSOR && V(L.cond)->data);
  if (L.trip >= 0 && V(L.trip)->kind == WICK_VAL_TENSOR && V(L.trip)->data && const_cond) {
    double t = 0;
    if (imp_const_scalar(im, L.trip, "Loop trip count", &t) != WICK_OK) return im->d->status;
    if (t < 0) t = 0;
    if (t <= UNROLL_MAX) {
      int r = unroll(im, n, &L, (int64_t)t);
      if (r < 0) return im->d->status ? im->d->status : WICK_ERR_MALFORMED;
      if (r > 0) return WICK_OK;
    }
  }
  return real_loop(im, n, &L);
}

const imp_op wc_lower_control[] = {
    {"If", lower_if},
    {"Loop", lower_loop},
    {NULL, NULL},
};
