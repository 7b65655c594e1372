/* Emission of the converter IR as an ExecuTorch program: one method,
 * "forward", one chain; constants in a 16-byte aligned constant segment;
 * every run-time tensor placed by the memory plan in memory id 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/passes.h"
#include "compiler/pte_writer.h"
#include "wick/util.h"

typedef struct emitter {
  wc_graph *g;
  wick_pte_writer *w;
  wick_pte_method *m;
  int32_t *ev;            /* IR value id -> EValue index (-1: not yet emitted) */
  uint64_t constant_bytes;
  wick_sha256_ctx sha;       /* constants in emission (= buffer index) order       */
} emitter;

static int32_t ev(emitter *e, int32_t id) {
  if (e->ev[id] >= 0) return e->ev[id];
  wc_value *v = &e->g->values[id];
  int32_t sizes[WICK_MAX_DIM];
  for (int k = 0; k < v->rank; k++) sizes[k] = (int32_t)v->dims[k];
  int32_t out = -1;
  switch (v->kind) {
    case WICK_VAL_TENSOR:
      if (v->data) {
        size_t n = wc_nbytes(v);
        uint32_t idx = wick_pte_add_constant(e->w, v->data, n);
        e->constant_bytes += n;
        wick_sha256_constant(&e->sha, v->data, n);
        out = wick_pte_const_tensor(e->m, v->dtype, v->rank, sizes, idx);
      } else {
        out = wick_pte_planned_tensor(e->m, v->dtype, v->rank, sizes, 1, v->mem_offset);
      }
      break;
    case WICK_VAL_INT: out = wick_pte_int(e->m, v->i); break;
    case WICK_VAL_BOOL: out = wick_pte_bool(e->m, v->i != 0); break;
    case WICK_VAL_DOUBLE: out = wick_pte_double(e->m, v->d); break;
    case WICK_VAL_NONE: out = wick_pte_null(e->m); break;
    case WICK_VAL_STRING: out = wick_pte_string(e->m, v->str); break;
    case WICK_VAL_INT_LIST: out = wick_pte_int_list_of(e->m, v->ints, v->n); break;
    case WICK_VAL_DOUBLE_LIST: out = wick_pte_double_list(e->m, v->dbls, v->n); break;
    case WICK_VAL_TENSOR_LIST:
    case WICK_VAL_OPT_TENSOR_LIST: {
      int32_t *items = malloc((v->n ? v->n : 1) * sizeof(int32_t));
      if (!items) abort();
      for (uint32_t k = 0; k < v->n; k++) {
        int32_t member = e->g->values[id].ids[k];
        items[k] = member < 0 ? -1 : ev(e, member);
      }
      v = &e->g->values[id];
      out = v->kind == WICK_VAL_TENSOR_LIST ? wick_pte_tensor_list(e->m, items, v->n)
                                            : wick_pte_opt_tensor_list(e->m, items, v->n);
      free(items);
      break;
    }
    default: out = wick_pte_null(e->m); break;
  }
  e->ev[id] = out;
  return out;
}

/* Appends "key=value\n" with newlines in the value turned into spaces. */
static void meta_line(char *buf, size_t cap, size_t *len, const char *key, const char *value) {
  if (value == NULL) return;
  int n = snprintf(buf + *len, cap - *len, "%s=", key);
  if (n < 0 || (size_t)n >= cap - *len) return;
  *len += (size_t)n;
  for (const char *c = value; *c && *len + 2 < cap; c++)
    buf[(*len)++] = *c == '\n' || *c == '\r' ? ' ' : *c;
  buf[(*len)++] = '\n';
  buf[*len] = '\0';
}

static void add_metadata(emitter *e, const wc_model_info *info) {
  uint8_t digest[WICK_SHA256_BYTES];
  char hex[2 * WICK_SHA256_BYTES + 1];
  wick_sha256_final(&e->sha, digest);
  wick_sha256_hex(digest, hex);
  size_t cap = 256, len = 0;
  const char *fields[4] = {info->name, info->version, info->producer, info->created};
  for (int k = 0; k < 4; k++) cap += fields[k] ? strlen(fields[k]) : 0;
  char *buf = malloc(cap);
  if (!buf) abort();
  buf[0] = '\0';
  meta_line(buf, cap, &len, "format", "wick-metadata-1");
  meta_line(buf, cap, &len, "name", info->name);
  meta_line(buf, cap, &len, "version", info->version);
  meta_line(buf, cap, &len, "producer", info->producer);
  meta_line(buf, cap, &len, "constants_sha256", hex);
  meta_line(buf, cap, &len, "created", info->created);
  wick_pte_add_named_data(e->w, WICK_METADATA_KEY, buf, len);
  free(buf);
}

wick_status wc_emit_pte(wc_graph *g, const wc_plan *plan, const wick_convert_options *opt,
                        const wc_model_info *info, uint8_t **pte, size_t *size,
                        uint32_t *instructions, uint64_t *constant_bytes, wick_diag *d) {
  emitter e;
  memset(&e, 0, sizeof e);
  wick_sha256_init(&e.sha);
  e.g = g;
  e.w = wick_pte_writer_new();
  if (opt && opt->inline_constants) wick_pte_writer_set_inline_constants(e.w, true);
  e.m = wick_pte_add_method(e.w, "forward");
  e.ev = malloc((g->num_values ? g->num_values : 1) * sizeof(int32_t));
  if (!e.w || !e.m || !e.ev) abort();
  for (uint32_t i = 0; i < g->num_values; i++) e.ev[i] = -1;
  wick_pte_add_arena(e.m, plan->arena_bytes);
  int32_t *io = malloc((g->num_inputs + g->num_outputs + 1) * sizeof(int32_t));
  if (!io) abort();
  for (uint32_t k = 0; k < g->num_inputs; k++) io[k] = ev(&e, g->inputs[k]);
  wick_pte_set_inputs(e.m, io, g->num_inputs);
  uint32_t count = 0;
  int32_t args[64];
  /* Instruction index of every node (labels: the next instruction), for jumps. */
  int32_t *at = malloc((g->num_nodes + 1) * sizeof(int32_t));
  if (!at) abort();
  int32_t next = 0;
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    at[i] = next;
    if (!g->nodes[i].dead && !wc_is_label(&g->nodes[i])) next++;
  }
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    const wc_node *n = &g->nodes[i];
    if (n->dead || wc_is_label(n)) continue;
    if (strcmp(n->op, WC_OP_JUMP_FALSE) == 0) {
      int32_t label = (int32_t)g->values[n->args[1]].i;
      wick_pte_jump_false(e.m, ev(&e, n->args[0]), at[label]);
      continue;
    }
    if (strcmp(n->op, WC_OP_MOVE) == 0) {
      int32_t from = ev(&e, n->args[0]);
      wick_pte_move(e.m, from, ev(&e, n->args[1]));
      continue;
    }
    if (n->nargs + n->nouts > 64) {
      free(io);
      free(at);
      free(e.ev);
      wick_pte_writer_free(e.w);
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "%s: too many arguments", n->op);
    }
    uint32_t na = 0;
    for (uint32_t a = 0; a < n->nargs; a++) args[na++] = ev(&e, g->nodes[i].args[a]);
    /* ExecuTorch call sites repeat each Tensor out as the op's return value. */
    for (uint32_t a = n->nargs - n->nouts; a < n->nargs; a++)
      if (g->values[n->args[a]].kind == WICK_VAL_TENSOR) args[na++] = args[a];
    char name[128];
    const char *dot = strrchr(n->op, '.');
    size_t nl = dot ? (size_t)(dot - n->op) : strlen(n->op);
    if (nl >= sizeof name) nl = sizeof name - 1;
    memcpy(name, n->op, nl);
    name[nl] = '\0';
    wick_pte_kernel_named(e.m, name, dot ? dot + 1 : "", args, na);
    count++;
  }
  free(at);
  for (uint32_t k = 0; k < g->num_outputs; k++) io[k] = ev(&e, g->outputs[k]);
  wick_pte_set_outputs(e.m, io, g->num_outputs);
  free(io);
  /* Input and output names, kept as named data "wick.io_names.forward":
   * one line per value, "in NAME" / "out NAME", in order. */
  size_t cap = 64, len = 0;
  for (uint32_t k = 0; k < g->num_inputs + g->num_outputs; k++) {
    const wc_value *v = &g->values[k < g->num_inputs ? g->inputs[k] : g->outputs[k - g->num_inputs]];
    cap += 8 + (v->name ? strlen(v->name) : 0);
  }
  char *names = malloc(cap);
  if (!names) abort();
  for (uint32_t k = 0; k < g->num_inputs + g->num_outputs; k++) {
    bool in = k < g->num_inputs;
    const wc_value *v = &g->values[in ? g->inputs[k] : g->outputs[k - g->num_inputs]];
    len += (size_t)snprintf(names + len, cap - len, "%s %s\n", in ? "in" : "out",
                            v->name ? v->name : "");
  }
  wick_pte_add_named_data(e.w, "wick.io_names.forward", names, len);
  free(names);
  if (info) add_metadata(&e, info);
  wick_status s = wick_pte_writer_finish(e.w, pte, size, d);
  wick_pte_writer_free(e.w);
  free(e.ev);
  if (instructions) *instructions = count;
  if (constant_bytes) *constant_bytes = e.constant_bytes;
  return s;
}
