/* Memory planning: lifetime-based greedy placement of every run-time tensor in
 * one arena (memory id 1): tensors are placed one by one, each at the lowest
 * 16-byte aligned offset that does not overlap a tensor alive at the same
 * time. The order matters, so several orders are tried (largest first, by
 * size x lifetime, longest-lived first, earliest first) and the smallest arena
 * wins. Graph inputs stay alive for the whole method, so a caller may set
 * inputs once and execute many times. The lower bound reported beside the
 * arena is the peak of live bytes over the schedule.
 *
 * View aliasing: the output of a same-bytes copy (view_copy, squeeze_copy,
 * unsqueeze_copy, clone: same dtype and element count, both contiguous) is
 * placed at its input's offset, the pair being one allocation alive over the
 * union of their lifetimes; the kernel then finds out->data == self->data
 * and moves nothing. That is safe when neither tensor is written by any other
 * node (each has exactly one writer, and no control instruction touches
 * them): the bytes at that offset are written by the input's producer and
 * then rewritten, unchanged, by the view, so every read of either tensor sees
 * what a separate copy would hold, wherever the reads are. A graph input
 * (written by the caller before the run, alive for the whole method) may be
 * viewed in place too. Not done for views inside loop regions, nor when the
 * class would hold two graph inputs / outputs (outputs stay distinct from
 * inputs and from each other). */
#include <stdlib.h>
#include <string.h>

#include "compiler/passes.h"

#define PLAN_ALIGN 16u

typedef struct span {
  int32_t id;
  uint32_t first, last; /* schedule steps the tensor is alive in */
  uint64_t size;        /* aligned bytes                           */
  uint64_t offset;
} span;

/* Orders tried for the greedy placement (qsort comparators on spans). */
static int by_size_desc(const void *a, const void *b) {
  const span *x = a, *y = b;
  if (x->size != y->size) return x->size < y->size ? 1 : -1;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  return x->id - y->id;
}
static int by_area_desc(const void *a, const void *b) {
  const span *x = a, *y = b;
  uint64_t ax = x->size * (x->last - x->first + 1), ay = y->size * (y->last - y->first + 1);
  if (ax != ay) return ax < ay ? 1 : -1;
  return by_size_desc(a, b);
}
static int by_length_desc(const void *a, const void *b) {
  const span *x = a, *y = b;
  uint32_t lx = x->last - x->first, ly = y->last - y->first;
  if (lx != ly) return lx < ly ? 1 : -1;
  return by_size_desc(a, b);
}
static int by_first(const void *a, const void *b) {
  const span *x = a, *y = b;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  return by_size_desc(a, b);
}

static int by_offset(const void *a, const void *b) {
  const span *x = *(const span *const *)a, *y = *(const span *const *)b;
  return x->offset < y->offset ? -1 : x->offset > y->offset ? 1 : 0;
}

/* Places spans in their array order; returns the arena size. */
static uint64_t place(span *sp, uint32_t count, span **placed, span **conflicts) {
  uint64_t arena = 0;
  uint32_t nplaced = 0;
  for (uint32_t k = 0; k < count; k++) {
    span *s = &sp[k];
    uint32_t nc = 0;
    for (uint32_t j = 0; j < nplaced; j++)
      if (placed[j]->first <= s->last && s->first <= placed[j]->last) conflicts[nc++] = placed[j];
    qsort(conflicts, nc, sizeof *conflicts, by_offset);
    uint64_t off = 0;
    for (uint32_t j = 0; j < nc; j++) {
      if (conflicts[j]->offset >= off + s->size) break; /* fits in the gap before it */
      uint64_t end = conflicts[j]->offset + conflicts[j]->size;
      if (end > off) off = end;
    }
    s->offset = off;
    placed[nplaced++] = s;
    if (off + s->size > arena) arena = off + s->size;
  }
  return arena;
}

/* Alias classes (union-find over value ids; root = the class's first tensor). */
static int32_t find(int32_t *rep, int32_t id) {
  while (rep[id] != id) id = rep[id] = rep[rep[id]];
  return id;
}

static void touch(span *sp, int32_t *slot, int32_t *rep, int32_t id, uint32_t step,
                  uint32_t *count) {
  id = find(rep, id);
  if (slot[id] < 0) {
    slot[id] = (int32_t)(*count)++;
    sp[slot[id]].id = id;
    sp[slot[id]].first = step;
    sp[slot[id]].last = step;
  }
  span *s = &sp[slot[id]];
  if (step < s->first) s->first = step;
  if (step > s->last) s->last = step;
}

static void widen(span *s, uint32_t first, uint32_t last, bool *changed) {
  if (first < s->first) s->first = first, *changed = true;
  if (last > s->last) s->last = last, *changed = true;
}

/* Control flow (lower_control.c): the schedule is no longer straight-line.
 * - A loop body runs again after its end: every tensor touched between
 *   wick::loop_begin and wick::loop_end stays alive across the whole region
 *   (values from before the loop and loop-carried buffers included).
 * - wick::move(from, to) makes `to` alias from's tensor: from's memory must
 *   live as long as `to` is read, and `to` from the move on.
 * Repeated until nothing changes (moves inside loops, nested regions). */
static void extend_control(wc_graph *g, span *sp, int32_t *slot, int32_t *rep) {
  uint32_t nb = 0, *begin = malloc((g->num_nodes + 1) * sizeof(uint32_t));
  uint32_t *region_first = malloc((g->num_nodes + 1) * sizeof(uint32_t));
  uint32_t *region_last = malloc((g->num_nodes + 1) * sizeof(uint32_t));
  if (!begin || !region_first || !region_last) abort();
  uint32_t nregions = 0, step = 1;
  bool any_move = false;
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    const wc_node *n = &g->nodes[i];
    if (n->dead) continue;
    if (strcmp(n->op, WC_OP_LOOP_BEGIN) == 0) begin[nb++] = step;
    if (strcmp(n->op, WC_OP_LOOP_END) == 0 && nb > 0) {
      region_first[nregions] = begin[--nb];
      region_last[nregions++] = step;
    }
    if (strcmp(n->op, WC_OP_MOVE) == 0) any_move = true;
    step++;
  }
  bool changed = nregions > 0 || any_move;
  while (changed) {
    changed = false;
    for (uint32_t r = 0; r < nregions; r++)
      for (uint32_t i = 0; i < g->num_values; i++) {
        if (rep[i] != (int32_t)i || slot[i] < 0) continue;
        span *s = &sp[slot[i]];
        if (s->first <= region_last[r] && region_first[r] <= s->last)
          widen(s, region_first[r], region_last[r], &changed);
      }
    for (uint32_t i = 0; i < g->num_nodes; i++) {
      const wc_node *n = &g->nodes[i];
      if (n->dead || strcmp(n->op, WC_OP_MOVE) != 0) continue;
      int32_t f = slot[find(rep, n->args[0])], t = slot[find(rep, n->args[1])];
      if (t < 0) continue;
      if (f >= 0) widen(&sp[f], sp[f].first, sp[t].last, &changed);
    }
  }
  free(begin);
  free(region_first);
  free(region_last);
}

static bool is_view_op(const char *op) {
  return strcmp(op, "aten::view_copy.out") == 0 ||
         strcmp(op, "aten::squeeze_copy.dims_out") == 0 ||
         strcmp(op, "aten::unsqueeze_copy.out") == 0 || strcmp(op, "aten::clone.out") == 0;
}

static bool planned_tensor(const wc_value *v) {
  return v->kind == WICK_VAL_TENSOR && v->data == NULL;
}

/* Finds the views whose output may share its input's memory (see the top of
 * the file) and joins them in rep[]; returns how many. */
static uint32_t alias_views(wc_graph *g, int32_t *rep) {
  uint32_t nv = g->num_values ? g->num_values : 1, aliased = 0;
  uint8_t *writers = calloc(nv, 1);   /* nodes writing the value (saturates at 2) */
  bool *control = calloc(nv, sizeof(bool)); /* touched by a control node           */
  bool *io = calloc(nv, sizeof(bool));      /* class holds a graph input or output */
  bool *in_loop = calloc(g->num_nodes + 1, sizeof(bool));
  if (!writers || !control || !io || !in_loop) abort();
  uint32_t depth = 0;
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    const wc_node *n = &g->nodes[i];
    if (n->dead) continue;
    if (strcmp(n->op, WC_OP_LOOP_BEGIN) == 0) depth++;
    in_loop[i] = depth > 0;
    if (strcmp(n->op, WC_OP_LOOP_END) == 0 && depth > 0) depth--;
    bool ctl = wc_is_control(n);
    for (uint32_t a = 0; a < n->nargs; a++) {
      int32_t id = n->args[a];
      const wc_value *v = &g->values[id];
      bool out = a >= n->nargs - n->nouts;
      if (ctl) control[id] = true;
      if (out && v->kind == WICK_VAL_TENSOR && writers[id] < 2) writers[id]++;
      if (v->kind == WICK_VAL_TENSOR_LIST || v->kind == WICK_VAL_OPT_TENSOR_LIST)
        for (uint32_t j = 0; j < v->n; j++) {
          int32_t m = v->ids[j];
          if (m < 0) continue;
          if (ctl) control[m] = true;
          if (out && writers[m] < 2) writers[m]++;
        }
    }
  }
  for (uint32_t k = 0; k < g->num_inputs; k++) io[g->inputs[k]] = true;
  for (uint32_t k = 0; k < g->num_outputs; k++) io[g->outputs[k]] = true;
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    const wc_node *n = &g->nodes[i];
    if (n->dead || in_loop[i] || n->nouts != 1 || n->nargs < 2 || !is_view_op(n->op)) continue;
    int32_t x = n->args[0], y = n->args[n->nargs - 1];
    const wc_value *vx = &g->values[x], *vy = &g->values[y];
    if (x == y || !planned_tensor(vx) || !planned_tensor(vy)) continue;
    if (vx->dtype != vy->dtype || wc_numel(vx) != wc_numel(vy)) continue;
    /* x: written once, by its producer or (a graph input) by the caller before
     * the run; y: only by this view. */
    if (writers[x] != (vx->input_index >= 0 ? 0 : 1) || vy->input_index >= 0) continue;
    if (writers[y] != 1 || control[x] || control[y]) continue;
    int32_t rx = find(rep, x), ry = find(rep, y);
    /* A class holds at most one graph input or output: outputs stay distinct
     * from inputs and from each other. */
    if (rx == ry || (io[rx] && io[ry])) continue;
    rep[ry] = rx;
    io[rx] = io[rx] || io[ry];
    aliased++;
  }
  free(writers);
  free(control);
  free(io);
  free(in_loop);
  return aliased;
}

wick_status wc_plan_memory(wc_graph *g, bool view_alias, wc_plan *plan, wick_diag *d) {
  (void)d;
  memset(plan, 0, sizeof *plan);
  int32_t *slot = malloc((g->num_values ? g->num_values : 1) * sizeof(int32_t));
  int32_t *rep = malloc((g->num_values ? g->num_values : 1) * sizeof(int32_t));
  span *sp = calloc(g->num_values ? g->num_values : 1, sizeof(span));
  if (!slot || !rep || !sp) abort();
  for (uint32_t i = 0; i < g->num_values; i++) slot[i] = -1, rep[i] = (int32_t)i;
  if (view_alias) plan->aliased_views = alias_views(g, rep);
  uint32_t count = 0, step = 1;
  for (uint32_t k = 0; k < g->num_inputs; k++) touch(sp, slot, rep, g->inputs[k], 0, &count);
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    const wc_node *n = &g->nodes[i];
    if (n->dead) continue;
    for (uint32_t a = 0; a < n->nargs; a++) {
      const wc_value *v = &g->values[n->args[a]];
      if (v->kind == WICK_VAL_TENSOR && v->data == NULL)
        touch(sp, slot, rep, n->args[a], step, &count);
      if (v->kind == WICK_VAL_TENSOR_LIST || v->kind == WICK_VAL_OPT_TENSOR_LIST)
        for (uint32_t j = 0; j < v->n; j++)
          if (v->ids[j] >= 0 && g->values[v->ids[j]].data == NULL)
            touch(sp, slot, rep, v->ids[j], step, &count);
    }
    step++;
  }
  for (uint32_t k = 0; k < g->num_outputs; k++)
    if (g->values[g->outputs[k]].data == NULL) touch(sp, slot, rep, g->outputs[k], step, &count);
  for (uint32_t k = 0; k < g->num_inputs; k++) touch(sp, slot, rep, g->inputs[k], step, &count);
  extend_control(g, sp, slot, rep);
  for (uint32_t k = 0; k < count; k++)
    sp[k].size = (wc_nbytes(&g->values[sp[k].id]) + PLAN_ALIGN - 1) / PLAN_ALIGN * PLAN_ALIGN;

  /* Lower bound: the largest sum of live sizes at any step. */
  uint64_t *live = calloc(step + 1, sizeof(uint64_t));
  if (!live) abort();
  for (uint32_t k = 0; k < count; k++)
    for (uint32_t s = sp[k].first; s <= sp[k].last; s++) live[s] += sp[k].size;
  for (uint32_t s = 0; s <= step; s++)
    if (live[s] > plan->lower_bound) plan->lower_bound = live[s];
  free(live);

  /* Greedy placement in each order; keep the smallest arena. */
  span **placed = malloc((count ? count : 1) * sizeof(span *));
  span **conflicts = malloc((count ? count : 1) * sizeof(span *));
  if (!placed || !conflicts) abort();
  int (*const orders[])(const void *, const void *) = {by_size_desc, by_area_desc, by_length_desc,
                                                       by_first};
  uint64_t best = UINT64_MAX;
  size_t best_order = 0;
  for (size_t o = 0; o < sizeof orders / sizeof orders[0]; o++) {
    qsort(sp, count, sizeof *sp, orders[o]);
    uint64_t arena = place(sp, count, placed, conflicts);
    if (arena < best) {
      best = arena;
      best_order = o;
    }
  }
  qsort(sp, count, sizeof *sp, orders[best_order]);
  plan->arena_bytes = place(sp, count, placed, conflicts);
  for (uint32_t k = 0; k < count; k++) {
    g->values[sp[k].id].mem_id = 1;
    g->values[sp[k].id].mem_offset = sp[k].offset;
  }
  /* Aliased tensors take their class's placement. */
  for (uint32_t i = 0; i < g->num_values; i++) {
    int32_t r = find(rep, (int32_t)i);
    if (r == (int32_t)i || slot[r] < 0) continue;
    g->values[i].mem_id = g->values[r].mem_id;
    g->values[i].mem_offset = g->values[r].mem_offset;
  }
  plan->num_tensors = count;
  free(placed);
  free(conflicts);
  free(sp);
  free(slot);
  free(rep);
  return WICK_OK;
}
