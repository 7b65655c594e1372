/* Activation fusion: a float32 conv / addmm / add whose result only feeds a
 * relu, hardtanh (relu6) or clamp with scalar bounds becomes one wick::
 * fused op that clamps its own out (src/kernels/portable/op_wick_fused.c,
 * docs/OPS.md "wick:: operators"):
 *
 *   convolution(x, w, b, ...) -> relu      =>  wick::convolution_act(x, w, b, ..., 0, None)
 *   addmm(s, a, b, beta, alpha) -> hardtanh =>  wick::addmm_act(s, a, b, beta, alpha, lo, hi)
 *   add(x, y, alpha) -> clamp              =>  wick::add_act(x, y, alpha, lo, hi)
 *
 * The fused op writes the activation's out; the activation node dies. Only
 * when the intermediate has that single use (not a graph output) and both
 * the intermediate and the activation's out are float32. */
#include <stdlib.h>
#include <string.h>

#include "compiler/passes.h"

uint32_t wc_fuse_activations(wc_graph *g);

static bool live_op(const wc_node *n, const char *op) { return !n->dead && strcmp(n->op, op) == 0; }

static bool is_scalar_or_none(const wc_value *v) {
  return v->kind == WICK_VAL_INT || v->kind == WICK_VAL_DOUBLE || v->kind == WICK_VAL_NONE;
}

uint32_t wc_fuse_activations(wc_graph *g) {
  uint32_t fused = 0;
  /* Runs after quantization (convert.c), which matches conv + relu itself. */
  wc_count_uses(g);
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    wc_node *act = &g->nodes[i];
    int32_t lo, hi;
    if (live_op(act, "aten::relu.out")) {
      lo = wc_double(g, 0.0);
      hi = wc_none(g);
    } else if (live_op(act, "aten::hardtanh.out") || live_op(act, "aten::clamp.out")) {
      lo = act->args[1];
      hi = act->args[2];
      if (!is_scalar_or_none(&g->values[lo]) || !is_scalar_or_none(&g->values[hi])) continue;
      if (g->values[lo].kind == WICK_VAL_NONE && g->values[hi].kind == WICK_VAL_NONE) continue;
    } else {
      continue;
    }
    act = &g->nodes[i]; /* wc_double / wc_none may grow the value array, not nodes */
    int32_t x = act->args[0], y = act->args[act->nargs - 1];
    const wc_value *xv = &g->values[x], *yv = &g->values[y];
    if (xv->kind != WICK_VAL_TENSOR || xv->data != NULL || xv->producer < 0 || xv->uses != 1 ||
        xv->output_index >= 0 || xv->dtype != WICK_F32 || yv->dtype != WICK_F32 ||
        xv->rank != yv->rank)
      continue;
    bool same = true;
    for (int q = 0; q < xv->rank; q++) same = same && xv->dims[q] == yv->dims[q];
    if (!same) continue;
    int32_t pi = xv->producer;
    wc_node *p = &g->nodes[pi];
    const char *op;
    uint32_t keep; /* producer args kept before (min, max, out) */
    if (live_op(p, "aten::convolution.out") && p->nargs == 10) op = "wick::convolution_act.out", keep = 9;
    else if (live_op(p, "aten::addmm.out") && p->nargs == 6) op = "wick::addmm_act.out", keep = 5;
    else if (live_op(p, "aten::add.out") && p->nargs == 4) op = "wick::add_act.out", keep = 3;
    else continue;
    if (p->nouts != 1 || p->args[p->nargs - 1] != x) continue;
    int32_t *args = malloc(sizeof(int32_t) * (keep + 3));
    if (args == NULL) abort();
    memcpy(args, p->args, sizeof(int32_t) * keep);
    args[keep] = lo;
    args[keep + 1] = hi;
    args[keep + 2] = y;
    free(p->args);
    p->args = args;
    p->nargs = keep + 3;
    p->op = op;
    g->values[y].producer = pi;
    g->nodes[i].dead = true;
    fused++;
    wc_count_uses(g);
  }
  return fused;
}
