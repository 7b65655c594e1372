/* Graph passes over the converter IR: use counts, dead-code elimination,
 * Conv+BatchNorm folding, mm+add -> addmm, and view/permute chain cleanup. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/passes.h"

/* Counts, for every value, the live nodes reading it (list members count via
 * their list) plus graph outputs. */
void wc_count_uses(wc_graph *g) {
  for (uint32_t i = 0; i < g->num_values; i++) g->values[i].uses = 0;
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    const wc_node *n = &g->nodes[i];
    if (n->dead) continue;
    for (uint32_t a = 0; a < n->nargs - n->nouts; a++) {
      wc_value *v = &g->values[n->args[a]];
      v->uses++;
      if (v->kind == WICK_VAL_TENSOR_LIST || v->kind == WICK_VAL_OPT_TENSOR_LIST)
        for (uint32_t j = 0; j < v->n; j++)
          if (v->ids[j] >= 0) g->values[v->ids[j]].uses++;
    }
  }
  for (uint32_t k = 0; k < g->num_outputs; k++) g->values[g->outputs[k]].uses++;
}

static bool node_output_used(const wc_graph *g, const wc_node *n) {
  for (uint32_t a = n->nargs - n->nouts; a < n->nargs; a++) {
    const wc_value *v = &g->values[n->args[a]];
    if (v->uses > 0) return true;
    if (v->kind == WICK_VAL_TENSOR_LIST)
      for (uint32_t j = 0; j < v->n; j++)
        if (g->values[v->ids[j]].uses > 0) return true;
  }
  return false;
}

uint32_t wc_dce(wc_graph *g) {
  uint32_t removed = 0;
  bool changed = true;
  while (changed) {
    changed = false;
    wc_count_uses(g);
    for (uint32_t i = g->num_nodes; i-- > 0;) {
      wc_node *n = &g->nodes[i];
      /* Control nodes stay: jumps and labels write nothing, and a move's
       * destination is read through aliasing the use counts cannot see. */
      if (n->dead || wc_is_control(n) || node_output_used(g, n)) continue;
      n->dead = true;
      removed++;
      changed = true;
    }
  }
  wc_count_uses(g);
  return removed;
}

static bool is_op(const wc_node *n, const char *op) { return !n->dead && strcmp(n->op, op) == 0; }

static const float *f32_const(const wc_graph *g, int32_t id, size_t want) {
  const wc_value *v = &g->values[id];
  if (v->kind != WICK_VAL_TENSOR || v->data == NULL || v->dtype != WICK_F32) return NULL;
  if (wc_numel(v) != want) return NULL;
  return v->data;
}

/* convolution -> batch_norm(no training): scale the conv weights per output
 * channel and fold the shift into the bias. */
static uint32_t fold_conv_bn(wc_graph *g) {
  uint32_t folded = 0;
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    wc_node *bn = &g->nodes[i];
    if (!is_op(bn, "aten::_native_batch_norm_legit_no_training.out")) continue;
    int32_t x = bn->args[0];
    const int32_t conv_index = g->values[x].producer;
    if (conv_index < 0 || g->values[x].uses != 1) continue;
    wc_node *conv = &g->nodes[conv_index];
    if (!is_op(conv, "aten::convolution.out")) continue;
    if (g->values[conv->args[6]].i != 0) continue; /* transposed */
    int32_t w = conv->args[1], b = conv->args[2];
    const wc_value *wv = &g->values[w];
    int64_t cout = wv->dims[0];
    size_t per = wc_numel(wv) / (size_t)(cout ? cout : 1);
    const float *wd = f32_const(g, w, wc_numel(wv));
    const float *bd = g->values[b].kind == WICK_VAL_NONE ? NULL : f32_const(g, b, (size_t)cout);
    if (wd == NULL || (g->values[b].kind != WICK_VAL_NONE && bd == NULL)) continue;
    const float *gamma = g->values[bn->args[1]].kind == WICK_VAL_NONE
                             ? NULL
                             : f32_const(g, bn->args[1], (size_t)cout);
    const float *beta = g->values[bn->args[2]].kind == WICK_VAL_NONE
                            ? NULL
                            : f32_const(g, bn->args[2], (size_t)cout);
    const float *mean = f32_const(g, bn->args[3], (size_t)cout);
    const float *var = f32_const(g, bn->args[4], (size_t)cout);
    double eps = g->values[bn->args[6]].d;
    if (mean == NULL || var == NULL) continue;
    if ((g->values[bn->args[1]].kind != WICK_VAL_NONE && gamma == NULL) ||
        (g->values[bn->args[2]].kind != WICK_VAL_NONE && beta == NULL))
      continue;
    float *nw = wc_alloc(wc_nbytes(wv));
    float *nb = wc_alloc((size_t)cout * sizeof(float));
    for (int64_t c = 0; c < cout; c++) {
      double s = (gamma ? gamma[c] : 1.0) / sqrt((double)var[c] + eps);
      for (size_t k = 0; k < per; k++) nw[(size_t)c * per + k] = (float)(wd[(size_t)c * per + k] * s);
      nb[c] = (float)(((bd ? bd[c] : 0.0) - mean[c]) * s + (beta ? beta[c] : 0.0));
    }
    int32_t nwid = wc_const_tensor_owned(g, WICK_F32, wv->rank, wv->dims, nw);
    int64_t cdim = cout;
    int32_t nbid = wc_const_tensor_owned(g, WICK_F32, 1, &cdim, nb);
    conv = &g->nodes[conv_index];
    bn = &g->nodes[i];
    conv->args[1] = nwid;
    conv->args[2] = nbid;
    conv->args[conv->nargs - 1] = bn->args[bn->nargs - 3]; /* write BN's output directly */
    g->values[bn->args[bn->nargs - 3]].producer = conv_index;
    bn->dead = true;
    folded++;
    wc_count_uses(g);
  }
  return folded;
}

/* mm(a, b) -> [view] -> add(t, bias) with a constant bias broadcast over rows:
 * addmm(bias, a, b) [-> view]. */
static uint32_t fuse_addmm(wc_graph *g) {
  uint32_t fused = 0;
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    wc_node *add = &g->nodes[i];
    if (!is_op(add, "aten::add.out")) continue;
    const wc_value *alpha = &g->values[add->args[2]];
    if (!(alpha->kind == WICK_VAL_INT && alpha->i == 1)) continue;
    for (int side = 0; side < 2; side++) {
      int32_t t = add->args[side], bias = add->args[1 - side];
      wc_value *tv = &g->values[t];
      const wc_value *bv = &g->values[bias];
      if (tv->producer < 0 || tv->uses != 1 || bv->data == NULL) continue;
      wc_node *prod = &g->nodes[tv->producer];
      wc_node *view = NULL;
      if (is_op(prod, "aten::view_copy.out")) {
        wc_value *src = &g->values[prod->args[0]];
        if (src->producer < 0 || src->uses != 1) continue;
        view = prod;
        prod = &g->nodes[src->producer];
      }
      if (!is_op(prod, "aten::mm.out")) continue;
      const wc_value *mv = &g->values[prod->args[2]];
      int64_t ncol = mv->dims[1];
      /* The bias must broadcast to every row: shape [n] or [1,...,1,n]. */
      bool ok = bv->rank >= 1 && bv->dims[bv->rank - 1] == ncol && bv->dtype == mv->dtype;
      for (int q = 0; ok && q < bv->rank - 1; q++) ok = bv->dims[q] == 1;
      if (!ok) continue;
      const wc_value *av = &g->values[add->args[add->nargs - 1]];
      if (av->dtype != mv->dtype || !(av->rank == tv->rank)) continue;
      bool same = true;
      for (int q = 0; q < av->rank; q++) same = same && av->dims[q] == tv->dims[q];
      if (!same) continue;
      int32_t b1 = bias;
      if (bv->rank != 1) {
        int64_t d1 = ncol;
        b1 = wc_const_tensor(g, bv->dtype, 1, &d1, g->values[bias].data);
      }
      int32_t mm_out = prod->args[2];
      int32_t a = prod->args[0], b = prod->args[1];
      int32_t one = wc_int(g, 1);
      int32_t args[6] = {b1, a, b, one, one, mm_out};
      /* Replace mm by addmm writing the same value; the add becomes dead and
       * its output is rewired to the add's input (view or mm output). */
      int32_t mm_index = (int32_t)(prod - g->nodes);
      int32_t view_index = view ? (int32_t)(view - g->nodes) : -1;
      wc_node *m = &g->nodes[mm_index];
      free(m->args);
      m->args = malloc(sizeof args);
      if (!m->args) abort();
      memcpy(m->args, args, sizeof args);
      m->nargs = 6;
      m->op = "aten::addmm.out";
      add = &g->nodes[i];
      int32_t add_out = add->args[add->nargs - 1];
      /* The add's consumers read add_out: make the producer of t write add_out. */
      wc_node *last = view_index >= 0 ? &g->nodes[view_index] : &g->nodes[mm_index];
      last->args[last->nargs - 1] = add_out;
      g->values[add_out].producer = view_index >= 0 ? view_index : mm_index;
      add->dead = true;
      fused++;
      wc_count_uses(g);
      break;
    }
  }
  return fused;
}

/* view_copy(view_copy(x)) -> view_copy(x); permute(permute(x)) -> permute(x). */
static uint32_t merge_chains(wc_graph *g) {
  uint32_t merged = 0;
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    wc_node *n = &g->nodes[i];
    if (is_op(n, "aten::view_copy.out")) {
      wc_value *src = &g->values[n->args[0]];
      if (src->producer < 0) continue;
      wc_node *p = &g->nodes[src->producer];
      if (!is_op(p, "aten::view_copy.out")) continue;
      n->args[0] = p->args[0];
      merged++;
    } else if (is_op(n, "aten::permute_copy.out")) {
      wc_value *src = &g->values[n->args[0]];
      if (src->producer < 0) continue;
      wc_node *p = &g->nodes[src->producer];
      if (!is_op(p, "aten::permute_copy.out")) continue;
      const wc_value *p1 = &g->values[p->args[1]], *p2 = &g->values[n->args[1]];
      int64_t comb[WICK_MAX_DIM];
      bool identity = true;
      for (uint32_t k = 0; k < p2->n; k++) {
        comb[k] = p1->ints[p2->ints[k]];
        identity = identity && comb[k] == (int64_t)k;
      }
      n->args[0] = p->args[0];
      n->args[1] = wc_int_list(g, comb, p2->n);
      (void)identity;
      merged++;
    }
  }
  if (merged) wc_count_uses(g);
  return merged;
}

wick_status wc_optimize(wc_graph *g, uint32_t *fused, wick_diag *d) {
  (void)d;
  uint32_t total = 0;
  wc_dce(g);
  total += fold_conv_bn(g);
  total += fuse_addmm(g);
  total += merge_chains(g);
  total += wc_dce(g);
  if (fused) *fused = total;
  return WICK_OK;
}
