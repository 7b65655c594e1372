/* The converter IR: values, nodes, and execution of nodes with the runtime's
 * kernels (constant folding, calibration). */
#include "compiler/ir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (q == NULL) {
    fprintf(stderr, "wick: out of memory\n");
    abort();
  }
  return q;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = xrealloc(NULL, n);
  memcpy(p, s, n);
  return p;
}

void *wc_alloc(size_t n) {
  void *p = NULL;
  if (posix_memalign(&p, 64, n ? n : 1) != 0) {
    fprintf(stderr, "wick: out of memory (%zu bytes)\n", n);
    abort();
  }
  memset(p, 0, n ? n : 1);
  return p;
}

void wc_free(void *p) { free(p); }

wc_graph *wc_graph_new(void) {
  wc_graph *g = xrealloc(NULL, sizeof *g);
  memset(g, 0, sizeof *g);
  return g;
}

void wc_graph_free(wc_graph *g) {
  if (g == NULL) return;
  for (uint32_t i = 0; i < g->num_values; i++) {
    wc_value *v = &g->values[i];
    wc_free(v->data);
    free(v->ints);
    free(v->dbls);
    free(v->ids);
    free(v->str);
    free(v->name);
  }
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    free(g->nodes[i].args);
    free(g->nodes[i].origin);
  }
  free(g->values);
  free(g->nodes);
  free(g->inputs);
  free(g->outputs);
  free(g);
}

static int32_t new_value(wc_graph *g, int kind) {
  if (g->num_values == g->cap_values) {
    g->cap_values = g->cap_values ? g->cap_values * 2 : 64;
    g->values = xrealloc(g->values, g->cap_values * sizeof *g->values);
  }
  wc_value *v = &g->values[g->num_values];
  memset(v, 0, sizeof *v);
  v->kind = (uint8_t)kind;
  v->producer = -1;
  v->input_index = -1;
  v->output_index = -1;
  return (int32_t)g->num_values++;
}

int32_t wc_tensor(wc_graph *g, int dtype, int rank, const int64_t *dims) {
  int32_t id = new_value(g, WICK_VAL_TENSOR);
  wc_value *v = &g->values[id];
  v->dtype = (uint8_t)dtype;
  v->rank = (uint8_t)rank;
  for (int k = 0; k < rank; k++) v->dims[k] = dims[k];
  return id;
}

int32_t wc_const_tensor_owned(wc_graph *g, int dtype, int rank, const int64_t *dims, void *data) {
  int32_t id = wc_tensor(g, dtype, rank, dims);
  g->values[id].data = data;
  return id;
}

int32_t wc_const_tensor(wc_graph *g, int dtype, int rank, const int64_t *dims, const void *data) {
  int32_t id = wc_tensor(g, dtype, rank, dims);
  size_t n = wc_nbytes(&g->values[id]);
  void *copy = wc_alloc(n);
  if (n) memcpy(copy, data, n);
  g->values[id].data = copy;
  return id;
}

int32_t wc_scalar_f32(wc_graph *g, float v) { return wc_const_tensor(g, WICK_F32, 0, NULL, &v); }

int32_t wc_int(wc_graph *g, int64_t v) {
  int32_t id = new_value(g, WICK_VAL_INT);
  g->values[id].i = v;
  return id;
}

int32_t wc_double(wc_graph *g, double v) {
  int32_t id = new_value(g, WICK_VAL_DOUBLE);
  g->values[id].d = v;
  return id;
}

int32_t wc_bool(wc_graph *g, bool v) {
  int32_t id = new_value(g, WICK_VAL_BOOL);
  g->values[id].i = v;
  return id;
}

int32_t wc_none(wc_graph *g) { return new_value(g, WICK_VAL_NONE); }

int32_t wc_int_list(wc_graph *g, const int64_t *v, uint32_t n) {
  int32_t id = new_value(g, WICK_VAL_INT_LIST);
  wc_value *x = &g->values[id];
  x->ints = xrealloc(NULL, (n ? n : 1) * sizeof(int64_t));
  if (n) memcpy(x->ints, v, n * sizeof(int64_t));
  x->n = n;
  return id;
}

int32_t wc_double_list(wc_graph *g, const double *v, uint32_t n) {
  int32_t id = new_value(g, WICK_VAL_DOUBLE_LIST);
  wc_value *x = &g->values[id];
  x->dbls = xrealloc(NULL, (n ? n : 1) * sizeof(double));
  if (n) memcpy(x->dbls, v, n * sizeof(double));
  x->n = n;
  return id;
}

int32_t wc_string(wc_graph *g, const char *s) {
  int32_t id = new_value(g, WICK_VAL_STRING);
  g->values[id].str = xstrdup(s);
  return id;
}

int32_t wc_tensor_list(wc_graph *g, const int32_t *ids, uint32_t n, bool optional) {
  int32_t id = new_value(g, optional ? WICK_VAL_OPT_TENSOR_LIST : WICK_VAL_TENSOR_LIST);
  wc_value *x = &g->values[id];
  x->ids = xrealloc(NULL, (n ? n : 1) * sizeof(int32_t));
  if (n) memcpy(x->ids, ids, n * sizeof(int32_t));
  x->n = n;
  return id;
}

int32_t wc_tensor_like(wc_graph *g, int32_t like) {
  wc_value v = g->values[like];
  return wc_tensor(g, v.dtype, v.rank, v.dims);
}

int32_t wc_node_add(wc_graph *g, const char *op, const int32_t *args, uint32_t nargs,
                    uint32_t nouts) {
  if (g->num_nodes == g->cap_nodes) {
    g->cap_nodes = g->cap_nodes ? g->cap_nodes * 2 : 64;
    g->nodes = xrealloc(g->nodes, g->cap_nodes * sizeof *g->nodes);
  }
  int32_t ni = (int32_t)g->num_nodes++;
  wc_node *n = &g->nodes[ni];
  memset(n, 0, sizeof *n);
  n->op = op;
  n->args = xrealloc(NULL, (nargs ? nargs : 1) * sizeof(int32_t));
  if (nargs) memcpy(n->args, args, nargs * sizeof(int32_t));
  n->nargs = nargs;
  n->nouts = nouts;
  n->origin = g->current_origin ? xstrdup(g->current_origin) : NULL;
  for (uint32_t k = nargs - nouts; k < nargs; k++) {
    wc_value *o = &g->values[args[k]];
    if (o->kind == WICK_VAL_TENSOR) o->producer = ni;
    if (o->kind == WICK_VAL_TENSOR_LIST)
      for (uint32_t j = 0; j < o->n; j++) g->values[o->ids[j]].producer = ni;
  }
  return ni;
}

bool wc_is_control(const wc_node *n) {
  return strcmp(n->op, WC_OP_JUMP_FALSE) == 0 || strcmp(n->op, WC_OP_MOVE) == 0 ||
         wc_is_label(n);
}

bool wc_is_label(const wc_node *n) {
  return strcmp(n->op, WC_OP_LABEL) == 0 || strcmp(n->op, WC_OP_LOOP_BEGIN) == 0 ||
         strcmp(n->op, WC_OP_LOOP_END) == 0;
}

size_t wc_numel(const wc_value *v) {
  size_t n = 1;
  for (int k = 0; k < v->rank; k++) n *= (size_t)v->dims[k];
  return n;
}

size_t wc_nbytes(const wc_value *v) { return wc_numel(v) * wick_dtype_size(v->dtype); }

bool wc_is_const(const wc_graph *g, int32_t id) {
  const wc_value *v = &g->values[id];
  if (v->kind == WICK_VAL_TENSOR) return v->data != NULL;
  if (v->kind == WICK_VAL_TENSOR_LIST || v->kind == WICK_VAL_OPT_TENSOR_LIST) {
    for (uint32_t k = 0; k < v->n; k++)
      if (v->ids[k] >= 0 && g->values[v->ids[k]].data == NULL) return false;
  }
  return true;
}

const char *wc_describe(const wc_value *v, char *buf, size_t n) {
  if (v->kind != WICK_VAL_TENSOR) {
    snprintf(buf, n, "%s", wick_value_kind_name(v->kind));
    return buf;
  }
  const char *dn = wick_dtype_name(v->dtype);
  size_t used = (size_t)snprintf(buf, n, "%s[", dn ? dn : "?");
  for (int k = 0; k < v->rank && used < n; k++)
    used += (size_t)snprintf(buf + used, n - used, k ? ",%lld" : "%lld", (long long)v->dims[k]);
  if (used < n) snprintf(buf + used, n - used, "]");
  return buf;
}

/* ---- execution ---- */

static void make_tensor(const wc_value *v, void *data, wick_tensor *t) {
  memset(t, 0, sizeof *t);
  t->dtype = v->dtype;
  t->dim = v->rank;
  for (int k = 0; k < v->rank; k++) {
    t->sizes[k] = (int32_t)v->dims[k];
    t->dim_order[k] = (uint8_t)k;
  }
  wick_tensor_update_strides(t);
  t->data = data;
  t->capacity = wc_nbytes(v);
}

wick_status wc_run_node(wc_graph *g, int32_t ni, wc_data_fn data_of, void *user, wick_diag *d) {
  wc_node *n = &g->nodes[ni];
  const wick_kernel *k = wick_find_kernel(n->op);
  if (k == NULL)
    return wick_diag_set(d, WICK_ERR_MISSING_KERNEL, "%s%s%s: no kernel for %s",
                         n->origin ? n->origin : "node", n->origin ? "" : "", "", n->op);
  /* Count tensors, including list members, to size the scratch arrays. */
  uint32_t ntens = 0, nptrs = 0;
  for (uint32_t a = 0; a < n->nargs; a++) {
    const wc_value *v = &g->values[n->args[a]];
    if (v->kind == WICK_VAL_TENSOR) ntens++;
    if (v->kind == WICK_VAL_TENSOR_LIST || v->kind == WICK_VAL_OPT_TENSOR_LIST) {
      ntens += v->n;
      nptrs += v->n;
    }
  }
  wick_value *vals = calloc(n->nargs ? n->nargs : 1, sizeof *vals);
  wick_value **argv = calloc(n->nargs ? n->nargs : 1, sizeof *argv);
  wick_tensor *tens = calloc(ntens ? ntens : 1, sizeof *tens);
  wick_tensor **ptrs = calloc(nptrs ? nptrs : 1, sizeof *ptrs);
  if (!vals || !argv || !tens || !ptrs) abort();
  uint32_t ti = 0, pi = 0;
  for (uint32_t a = 0; a < n->nargs; a++) {
    const wc_value *v = &g->values[n->args[a]];
    wick_value *w = &vals[a];
    argv[a] = w;
    w->kind = v->kind;
    switch (v->kind) {
      case WICK_VAL_TENSOR:
        make_tensor(v, data_of(user, n->args[a]), &tens[ti]);
        w->u.t = &tens[ti++];
        break;
      case WICK_VAL_INT: w->u.i = v->i; break;
      case WICK_VAL_BOOL: w->u.b = v->i != 0; break;
      case WICK_VAL_DOUBLE: w->u.d = v->d; break;
      case WICK_VAL_STRING:
        w->u.s.ptr = v->str;
        w->u.s.len = (uint32_t)strlen(v->str);
        break;
      case WICK_VAL_INT_LIST:
        w->u.il.items = v->ints;
        w->u.il.src = NULL;
        w->u.il.n = v->n;
        break;
      case WICK_VAL_DOUBLE_LIST:
        w->u.dl.items = v->dbls;
        w->u.dl.n = v->n;
        break;
      case WICK_VAL_TENSOR_LIST:
      case WICK_VAL_OPT_TENSOR_LIST:
        w->u.tl.items = &ptrs[pi];
        w->u.tl.n = v->n;
        for (uint32_t j = 0; j < v->n; j++) {
          if (v->ids[j] < 0) {
            ptrs[pi++] = NULL;
            continue;
          }
          make_tensor(&g->values[v->ids[j]], data_of(user, v->ids[j]), &tens[ti]);
          ptrs[pi++] = &tens[ti++];
        }
        break;
      default:
        break;
    }
  }
  wick_diag kd = {WICK_OK, ""};
  wick_kernel_ctx ctx = {&kd, n->op, (uint32_t)ni, NULL, 0, NULL};
  wick_status s = k->fn(&ctx, argv, n->nargs);
  if (s == WICK_OK) {
    /* The kernel may have resized a dynamic out; the IR's static shapes must agree. */
    for (uint32_t a = n->nargs - n->nouts; a < n->nargs; a++) {
      const wc_value *v = &g->values[n->args[a]];
      if (v->kind != WICK_VAL_TENSOR) continue;
      const wick_tensor *t = vals[a].u.t;
      bool same = t->dim == v->rank;
      for (int q = 0; same && q < v->rank; q++) same = t->sizes[q] == v->dims[q];
      if (!same) {
        char b1[96], b2[96];
        s = wick_diag_set(d, WICK_ERR_KERNEL, "%s: %s produced %s, converter expected %s",
                          n->origin ? n->origin : "node", n->op,
                          wick_tensor_describe(t, b1, sizeof b1), wc_describe(v, b2, sizeof b2));
        break;
      }
    }
  } else {
    wick_diag_set(d, s, "%s: %s", n->origin ? n->origin : "node", kd.msg);
  }
  free(vals);
  free(argv);
  free(tens);
  free(ptrs);
  return s;
}

static void *const_data(void *user, int32_t id) {
  wc_graph *g = user;
  return g->values[id].data;
}

wick_status wc_eval_node(wc_graph *g, int32_t ni, wick_diag *d) {
  wc_node *n = &g->nodes[ni];
  for (uint32_t a = n->nargs - n->nouts; a < n->nargs; a++) {
    wc_value *v = &g->values[n->args[a]];
    if (v->kind == WICK_VAL_TENSOR && v->data == NULL) v->data = wc_alloc(wc_nbytes(v));
    if (v->kind == WICK_VAL_TENSOR_LIST)
      for (uint32_t j = 0; j < v->n; j++) {
        wc_value *m = &g->values[v->ids[j]];
        if (m->data == NULL) m->data = wc_alloc(wc_nbytes(m));
      }
  }
  return wc_run_node(g, ni, const_data, g, d);
}

void wc_graph_print(const wc_graph *g, void *file) {
  FILE *f = file;
  char buf[128];
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    const wc_node *n = &g->nodes[i];
    if (n->dead) continue;
    fprintf(f, "%4u %-34s", i, n->op);
    for (uint32_t a = 0; a < n->nargs; a++) {
      const wc_value *v = &g->values[n->args[a]];
      if (a == n->nargs - n->nouts) fprintf(f, " ->");
      switch (v->kind) {
        case WICK_VAL_TENSOR:
          fprintf(f, " %%%d:%s%s", n->args[a], wc_describe(v, buf, sizeof buf),
                  v->data ? "(c)" : "");
          break;
        case WICK_VAL_INT: fprintf(f, " %lld", (long long)v->i); break;
        case WICK_VAL_BOOL: fprintf(f, " %s", v->i ? "true" : "false"); break;
        case WICK_VAL_DOUBLE: fprintf(f, " %g", v->d); break;
        case WICK_VAL_NONE: fprintf(f, " None"); break;
        case WICK_VAL_STRING: fprintf(f, " '%s'", v->str); break;
        case WICK_VAL_INT_LIST:
          fprintf(f, " [");
          for (uint32_t k = 0; k < v->n; k++) fprintf(f, k ? ",%lld" : "%lld", (long long)v->ints[k]);
          fprintf(f, "]");
          break;
        default: fprintf(f, " <%s>", wick_value_kind_name(v->kind)); break;
      }
    }
    fprintf(f, "\n");
  }
}
