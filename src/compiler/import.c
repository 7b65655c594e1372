/* ONNX -> IR import: names, inputs, initializers, node dispatch, and the
 * helpers the lowering files share (see import.h). */
#include "compiler/import.h"
#include "compiler/passes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- name table ---- */

static uint32_t hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

static void grow(wc_import *im) {
  uint32_t old = im->cap;
  char **names = im->names;
  int32_t *ids = im->ids;
  im->cap = old ? old * 2 : 256;
  im->names = calloc(im->cap, sizeof *im->names);
  im->ids = calloc(im->cap, sizeof *im->ids);
  if (!im->names || !im->ids) abort();
  im->count = 0;
  for (uint32_t i = 0; i < old; i++)
    if (names[i]) {
      uint32_t h = hash(names[i]) & (im->cap - 1);
      while (im->names[h]) h = (h + 1) & (im->cap - 1);
      im->names[h] = names[i];
      im->ids[h] = ids[i];
      im->count++;
    }
  free(names);
  free(ids);
}

void imp_bind(wc_import *im, const char *name, int32_t id) {
  if (name == NULL || name[0] == '\0') return;
  if ((im->count + 1) * 2 > im->cap) grow(im);
  uint32_t h = hash(name) & (im->cap - 1);
  while (im->names[h]) {
    if (strcmp(im->names[h], name) == 0) {
      im->ids[h] = id;
      return;
    }
    h = (h + 1) & (im->cap - 1);
  }
  size_t len = strlen(name) + 1;
  im->names[h] = malloc(len);
  if (!im->names[h]) abort();
  memcpy(im->names[h], name, len);
  im->ids[h] = id;
  im->count++;
  wc_value *v = &im->g->values[id];
  if (v->name == NULL && v->kind == WICK_VAL_TENSOR) {
    v->name = malloc(len);
    if (!v->name) abort();
    memcpy(v->name, name, len);
  }
}

int32_t imp_lookup(wc_import *im, const char *name) {
  if (im->cap == 0 || name == NULL) return -1;
  uint32_t h = hash(name) & (im->cap - 1);
  while (im->names[h]) {
    if (strcmp(im->names[h], name) == 0) return im->ids[h];
    h = (h + 1) & (im->cap - 1);
  }
  return -1;
}

/* ---- errors and inputs ---- */

wick_status imp_fail(wc_import *im, wick_status s, const char *fmt, ...) {
  if (imp_failed(im)) return im->d->status;
  char msg[WICK_DIAG_LEN];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return wick_diag_set(im->d, s, "%s: %s", im->origin, msg);
}

int32_t imp_in(wc_import *im, const wick_onnx_node *n, uint32_t k) {
  if (k >= n->num_inputs || n->inputs[k][0] == '\0') return -1;
  int32_t id = imp_lookup(im, n->inputs[k]);
  if (id < 0) {
    imp_fail(im, WICK_ERR_MALFORMED, "input %u '%s' is not produced by any earlier node", k,
             n->inputs[k]);
    return -2;
  }
  return id;
}

int32_t imp_req(wc_import *im, const wick_onnx_node *n, uint32_t k) {
  int32_t id = imp_in(im, n, k);
  if (id == -1) imp_fail(im, WICK_ERR_MALFORMED, "required input %u is missing", k);
  return id < 0 ? -2 : id;
}

void imp_out(wc_import *im, const wick_onnx_node *n, uint32_t k, int32_t id) {
  if (k < n->num_outputs && id >= 0) imp_bind(im, n->outputs[k], id);
}

wick_status imp_const_ints(wc_import *im, int32_t id, const char *what, int64_t *out,
                           uint32_t max, uint32_t *n) {
  wc_value *v = &im->g->values[id];
  if (v->kind != WICK_VAL_TENSOR || v->data == NULL)
    return imp_fail(im, WICK_ERR_NOT_SUPPORTED,
                    "%s must be known at conversion time (it is computed at run time)", what);
  size_t cnt = wc_numel(v);
  if (cnt > max) return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "%s has %zu entries", what, cnt);
  for (size_t k = 0; k < cnt; k++) {
    switch (v->dtype) {
      case WICK_I64: out[k] = ((const int64_t *)v->data)[k]; break;
      case WICK_I32: out[k] = ((const int32_t *)v->data)[k]; break;
      default:
        return imp_fail(im, WICK_ERR_MALFORMED, "%s must be int32 or int64, not %s", what,
                        wick_dtype_name(v->dtype));
    }
  }
  *n = (uint32_t)cnt;
  return WICK_OK;
}

wick_status imp_const_scalar(wc_import *im, int32_t id, const char *what, double *out) {
  wc_value *v = &im->g->values[id];
  if (v->kind != WICK_VAL_TENSOR || v->data == NULL)
    return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "%s must be a constant", what);
  if (wc_numel(v) < 1) return imp_fail(im, WICK_ERR_MALFORMED, "%s is empty", what);
  switch (v->dtype) {
    case WICK_F32: *out = ((const float *)v->data)[0]; break;
    case WICK_F64: *out = ((const double *)v->data)[0]; break;
    case WICK_F16: *out = wick_f16_to_f32(((const uint16_t *)v->data)[0]); break;
    case WICK_I64: *out = (double)((const int64_t *)v->data)[0]; break;
    case WICK_I32: *out = ((const int32_t *)v->data)[0]; break;
    case WICK_I16: *out = ((const int16_t *)v->data)[0]; break;
    case WICK_I8: *out = ((const int8_t *)v->data)[0]; break;
    case WICK_U8: case WICK_BOOL: *out = ((const uint8_t *)v->data)[0]; break;
    default:
      return imp_fail(im, WICK_ERR_NOT_SUPPORTED, "%s has dtype %s", what,
                      wick_dtype_name(v->dtype));
  }
  return WICK_OK;
}

int64_t imp_attr_int(wc_import *im, const wick_onnx_node *n, const char *name, int64_t dflt) {
  int64_t v = dflt;
  if (wick_onnx_attr_int(n, name, dflt, &v, im->d) != WICK_OK) return dflt;
  return v;
}

float imp_attr_float(wc_import *im, const wick_onnx_node *n, const char *name, float dflt) {
  float v = dflt;
  if (wick_onnx_attr_float(n, name, dflt, &v, im->d) != WICK_OK) return dflt;
  return v;
}

const char *imp_attr_str(wc_import *im, const wick_onnx_node *n, const char *name,
                         const char *dflt) {
  const char *v = dflt;
  if (wick_onnx_attr_string(n, name, dflt, &v, im->d) != WICK_OK) return dflt;
  return v;
}

int imp_attr_ints(wc_import *im, const wick_onnx_node *n, const char *name, int64_t *out,
                  uint32_t max) {
  const int64_t *items = NULL;
  uint32_t cnt = 0;
  if (wick_onnx_node_attr(n, name) == NULL) return -1;
  if (wick_onnx_attr_ints(n, name, &items, &cnt, im->d) != WICK_OK) return -1;
  if (cnt > max) {
    imp_fail(im, WICK_ERR_NOT_SUPPORTED, "attribute '%s' has %u entries (max %u)", name, cnt,
             max);
    return -1;
  }
  for (uint32_t k = 0; k < cnt; k++) out[k] = items[k];
  return (int)cnt;
}

bool imp_axis(wc_import *im, int64_t axis, int rank, int *out) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= (rank ? rank : 1)) {
    imp_fail(im, WICK_ERR_MALFORMED, "axis %lld out of range for rank %d", (long long)axis, rank);
    return false;
  }
  *out = (int)a;
  return true;
}

/* ---- emitting ---- */

/* Output bytes above which a foldable node is kept as a run-time op, when
 * folding would also grow the constants (Expand/ConstantOfShape of big shapes). */
#define FOLD_MAX_GROWTH (1u << 20)

int32_t imp_node(wc_import *im, const char *op, const int32_t *args, uint32_t nargs,
                 uint32_t nouts) {
  if (imp_failed(im)) return -1;
  for (uint32_t k = 0; k < nargs; k++)
    if (args[k] < 0) {
      imp_fail(im, WICK_ERR_MALFORMED, "internal: argument %u of %s is invalid", k, op);
      return -1;
    }
  im->g->current_origin = im->origin;
  int32_t ni = wc_node_add(im->g, op, args, nargs, nouts);
  im->g->current_origin = NULL;
  bool foldable = true;
  size_t in_bytes = 0, out_bytes = 0;
  for (uint32_t k = 0; k < nargs - nouts; k++) {
    if (!wc_is_const(im->g, args[k])) foldable = false;
    in_bytes += wc_nbytes(&im->g->values[args[k]]) * (im->g->values[args[k]].kind == WICK_VAL_TENSOR);
  }
  for (uint32_t k = nargs - nouts; k < nargs; k++) {
    const wc_value *v = &im->g->values[args[k]];
    if (v->kind == WICK_VAL_TENSOR) out_bytes += wc_nbytes(v);
    if (v->kind == WICK_VAL_TENSOR_LIST)
      for (uint32_t j = 0; j < v->n; j++) out_bytes += wc_nbytes(&im->g->values[v->ids[j]]);
  }
  if (foldable && out_bytes > FOLD_MAX_GROWTH && out_bytes > 4 * in_bytes) foldable = false;
  if (foldable) {
    if (wc_eval_node(im->g, ni, im->d) != WICK_OK) return -1;
    im->g->nodes[ni].dead = true;
    im->folded++;
  }
  return ni;
}

int32_t imp_call(wc_import *im, const char *op, const int32_t *args, uint32_t nargs, int dtype,
                 int rank, const int64_t *dims) {
  if (imp_failed(im)) return -1;
  int32_t all[16];
  if (nargs + 1 > 16) return -1;
  memcpy(all, args, nargs * sizeof(int32_t));
  int32_t out = wc_tensor(im->g, dtype, rank, dims);
  all[nargs] = out;
  if (imp_node(im, op, all, nargs + 1, 1) < 0) return -1;
  return out;
}

int32_t imp_view(wc_import *im, int32_t x, int rank, const int64_t *dims) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value *v = &im->g->values[x];
  bool same = v->rank == rank;
  for (int k = 0; same && k < rank; k++) same = v->dims[k] == dims[k];
  if (same) return x;
  int32_t args[2] = {x, wc_int_list(im->g, dims, (uint32_t)rank)};
  return imp_call(im, "aten::view_copy.out", args, 2, im->g->values[x].dtype, rank, dims);
}

int32_t imp_permute(wc_import *im, int32_t x, const int64_t *perm) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value v = im->g->values[x];
  int64_t dims[WICK_MAX_DIM];
  bool identity = true;
  for (int k = 0; k < v.rank; k++) {
    dims[k] = v.dims[perm[k]];
    identity = identity && perm[k] == k;
  }
  if (identity) return x;
  int32_t args[2] = {x, wc_int_list(im->g, perm, v.rank)};
  return imp_call(im, "aten::permute_copy.out", args, 2, v.dtype, v.rank, dims);
}

int32_t imp_cast(wc_import *im, int32_t x, int dtype) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value v = im->g->values[x];
  if (v.dtype == dtype) return x;
  int32_t args[3] = {x, wc_bool(im->g, false), wc_none(im->g)};
  return imp_call(im, "aten::_to_copy.out", args, 3, dtype, v.rank, v.dims);
}

bool imp_broadcast(const wc_value *a, const wc_value *b, int *rank, int64_t *dims) {
  int r = a->rank > b->rank ? a->rank : b->rank;
  for (int k = 0; k < r; k++) {
    int ia = k - (r - a->rank), ib = k - (r - b->rank);
    int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    if (da != db && da != 1 && db != 1) return false;
    dims[k] = da == 1 ? db : da;
  }
  *rank = r;
  return true;
}

static int dtype_rank(int dt) {
  switch (dt) {
    case WICK_BOOL: return 0;
    case WICK_U8: return 1;
    case WICK_I8: return 2;
    case WICK_I16: return 3;
    case WICK_I32: return 4;
    case WICK_I64: return 5;
    case WICK_F16: return 6;
    case WICK_BF16: return 6;
    case WICK_F32: return 7;
    case WICK_F64: return 8;
    default: return 7;
  }
}

int imp_promote(int a, int b) {
  if (a == b) return a;
  if ((a == WICK_U8 && b == WICK_I8) || (a == WICK_I8 && b == WICK_U8)) return WICK_I16;
  if ((a == WICK_F16 && b == WICK_BF16) || (a == WICK_BF16 && b == WICK_F16)) return WICK_F32;
  return dtype_rank(a) >= dtype_rank(b) ? a : b;
}

/* ---- the import driver ---- */

static const imp_op *find_lowering(const char *op_type) {
  const imp_op *tables[] = {wc_lower_core, wc_lower_shape, wc_lower_nn, wc_lower_math,
                            wc_lower_control};
  for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
    for (const imp_op *o = tables[t]; o->op_type; o++)
      if (strcmp(o->op_type, op_type) == 0) return o;
  return NULL;
}

/* "name=1x3x224x224" for this input, if the user pinned it. */
static bool pinned_shape(const wick_convert_options *opt, const char *name, int *rank,
                         int64_t *dims) {
  if (opt == NULL) return false;
  size_t nl = strlen(name);
  for (uint32_t i = 0; i < opt->num_input_shapes; i++) {
    const char *s = opt->input_shapes[i];
    if (strncmp(s, name, nl) != 0 || s[nl] != '=') continue;
    const char *p = s + nl + 1;
    int r = 0;
    while (*p && r < WICK_MAX_DIM) {
      char *end;
      long long v = strtoll(p, &end, 10);
      if (end == p || v < 0) return false;
      dims[r++] = v;
      p = end;
      if (*p == 'x' || *p == 'X' || *p == ',') p++;
    }
    *rank = r;
    return true;
  }
  return false;
}

/* Initializers become constants. */
static wick_status import_initializers(wc_import *im, const wick_onnx_graph *og) {
  for (uint32_t i = 0; i < og->num_initializers; i++) {
    const wick_onnx_tensor *t = &og->initializers[i];
    wick_onnx_array a;
    if (wick_onnx_tensor_data(im->model, t, &a, im->d) != WICK_OK) {
      wick_diag_prefix(im->d, "initializer '%s'", t->name);
      return im->d->status;
    }
    if (a.rank > WICK_MAX_DIM) {
      wick_onnx_array_free(&a);
      return wick_diag_set(im->d, WICK_ERR_NOT_SUPPORTED, "initializer '%s' has rank %u", t->name,
                           a.rank);
    }
    int32_t id = wc_const_tensor(im->g, a.dtype, (int)a.rank, a.dims, a.data);
    imp_bind(im, t->name, id);
    wick_onnx_array_free(&a);
  }
  return WICK_OK;
}

static wick_status import_inputs(wc_import *im) {
  const wick_onnx_graph *og = &im->model->graph;
  wick_status si = import_initializers(im, og);
  if (si != WICK_OK) return si;
  /* Graph inputs that are not initializers are the method's inputs. */
  for (uint32_t i = 0; i < og->num_inputs; i++) {
    const wick_onnx_value_info *vi = &og->inputs[i];
    if (imp_lookup(im, vi->name) >= 0) continue; /* initializer listed as input (old IR) */
    if (vi->type.kind != WICK_ONNX_TYPE_TENSOR)
      return wick_diag_set(im->d, WICK_ERR_NOT_SUPPORTED,
                           "graph input '%s' is not a tensor (sequences, maps and optionals are "
                           "not supported)",
                           vi->name);
    int dtype = wick_onnx_dtype(vi->type.elem_type);
    if (dtype < 0)
      return wick_diag_set(im->d, WICK_ERR_NOT_SUPPORTED, "graph input '%s' has element type %s",
                           vi->name, wick_onnx_data_type_name(vi->type.elem_type));
    int rank = 0;
    int64_t dims[WICK_MAX_DIM];
    if (!pinned_shape(im->opt, vi->name, &rank, dims)) {
      if (!vi->type.has_shape)
        return wick_diag_set(im->d, WICK_ERR_INVALID_ARGUMENT,
                             "graph input '%s' has no shape; pass --input-shape %s=DxDx...",
                             vi->name, vi->name);
      if (vi->type.rank > WICK_MAX_DIM)
        return wick_diag_set(im->d, WICK_ERR_NOT_SUPPORTED, "graph input '%s' has rank %u",
                             vi->name, vi->type.rank);
      rank = (int)vi->type.rank;
      for (int k = 0; k < rank; k++) {
        const wick_onnx_dim *dd = &vi->type.dims[k];
        if (!dd->has_value || dd->value < 0)
          return wick_diag_set(im->d, WICK_ERR_INVALID_ARGUMENT,
                               "graph input '%s' dim %d is symbolic ('%s'); pin it with "
                               "--input-shape %s=DxDx...",
                               vi->name, k, dd->param ? dd->param : "?", vi->name);
        dims[k] = dd->value;
      }
    }
    int32_t id = wc_tensor(im->g, dtype, rank, dims);
    im->g->values[id].input_index = (int32_t)im->g->num_inputs;
    im->g->inputs = realloc(im->g->inputs, (im->g->num_inputs + 1) * sizeof(int32_t));
    if (!im->g->inputs) abort();
    im->g->inputs[im->g->num_inputs++] = id;
    imp_bind(im, vi->name, id);
  }
  return WICK_OK;
}

/* Lowers the nodes of og in order; `scope` prefixes node origins ("" for
 * the main graph, "node 3 (If) then_branch " inside a subgraph). */
static wick_status import_nodes(wc_import *im, const wick_onnx_graph *og, const char *scope) {
  wick_status s = WICK_OK;
  for (uint32_t i = 0; s == WICK_OK && i < og->num_nodes; i++) {
    const wick_onnx_node *n = &og->nodes[i];
    snprintf(im->origin, sizeof im->origin, "%snode %u (%s%s%s%s)", scope, i, n->op_type,
             n->name[0] ? " '" : "", n->name, n->name[0] ? "'" : "");
    if (!wick_onnx_is_default_domain(n->domain)) {
      s = imp_fail(im, WICK_ERR_NOT_SUPPORTED, "operator domain '%s' is not supported",
                   n->domain);
      break;
    }
    const imp_op *op = find_lowering(n->op_type);
    if (op == NULL) {
      s = imp_fail(im, WICK_ERR_NOT_SUPPORTED,
                   "ONNX operator %s (opset %lld) is not supported by wick convert yet",
                   n->op_type, (long long)im->opset);
      break;
    }
    s = op->fn(im, n);
    if (s == WICK_OK && imp_failed(im)) s = im->d->status;
    if (s == WICK_OK) /* every output must be bound */
      for (uint32_t k = 0; k < n->num_outputs; k++)
        if (n->outputs[k][0] && imp_lookup(im, n->outputs[k]) < 0) {
          s = imp_fail(im, WICK_ERR_NOT_SUPPORTED, "output %u ('%s') is not supported", k,
                       n->outputs[k]);
          break;
        }
  }
  return s;
}

wick_status imp_subgraph(wc_import *im, const wick_onnx_graph *sg, const char *scope,
                         int32_t *outs) {
  if (imp_failed(im)) return im->d->status;
  char outer[sizeof im->origin], prefix[sizeof im->origin + 64];
  memcpy(outer, im->origin, sizeof outer);
  snprintf(prefix, sizeof prefix, "%.*s %.40s: ", (int)(sizeof im->origin - 48), outer, scope);
  wick_status s = import_initializers(im, sg);
  if (s == WICK_OK) s = import_nodes(im, sg, prefix);
  memcpy(im->origin, outer, sizeof outer);
  for (uint32_t k = 0; s == WICK_OK && k < sg->num_outputs; k++) {
    outs[k] = imp_lookup(im, sg->outputs[k].name);
    if (outs[k] < 0)
      s = imp_fail(im, WICK_ERR_MALFORMED, "%s output '%s' is never produced", scope,
                   sg->outputs[k].name);
  }
  return s;
}

wick_status wc_import_onnx(const wick_onnx_model *model, const wick_convert_options *opt,
                           wc_graph *g, uint32_t *folded, wick_diag *d) {
  wc_import im;
  memset(&im, 0, sizeof im);
  im.g = g;
  im.model = model;
  im.opt = opt;
  im.d = d;
  im.opset = wick_onnx_opset_version(model, "");
  if (im.opset == 0) im.opset = 1;
  if (!model->has_graph) return wick_diag_set(d, WICK_ERR_MALFORMED, "model has no graph");
  wick_status s = import_inputs(&im);
  const wick_onnx_graph *og = &model->graph;
  if (s == WICK_OK) s = import_nodes(&im, og, "");
  for (uint32_t i = 0; s == WICK_OK && i < og->num_outputs; i++) {
    int32_t id = imp_lookup(&im, og->outputs[i].name);
    if (id < 0) {
      s = wick_diag_set(d, WICK_ERR_MALFORMED, "graph output '%s' is never produced",
                        og->outputs[i].name);
      break;
    }
    g->outputs = realloc(g->outputs, (g->num_outputs + 1) * sizeof(int32_t));
    if (!g->outputs) abort();
    g->outputs[g->num_outputs++] = id;
  }
  for (uint32_t i = 0; i < im.cap; i++) free(im.names[i]);
  free(im.names);
  free(im.ids);
  if (folded) *folded = im.folded;
  return s;
}
