/* Lowering of shape and indexing operators (Split, Slice, Expand, Tile, Pad,
 * Resize, ConstantOfShape, Range, Where, ArgMax, TopK, CumSum, Einsum, ...).
 * Every function reads its node, computes static output shapes and emits
 * ATen out-variant calls (see lower_core.c for the conventions). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/import.h"

#define IN(k) imp_in(im, n, k)
#define REQ(k) imp_req(im, n, k)
#define V(id) (&im->g->values[(id)])
#define ST (im->d ? im->d->status : WICK_ERR_MALFORMED)
#define CHECK_ID(id)                    \
  do {                                  \
    if ((id) < 0) return ST ? ST : WICK_ERR_MALFORMED; \
  } while (0)
#define DONE(expr)                      \
  do {                                  \
    int32_t done_id_ = (expr);          \
    if (done_id_ < 0) return ST ? ST : WICK_ERR_MALFORMED; \
    imp_out(im, n, 0, done_id_);        \
    return WICK_OK;                     \
  } while (0)
#define NOSUP(...) return imp_fail(im, WICK_ERR_NOT_SUPPORTED, __VA_ARGS__)
#define BAD(...) return imp_fail(im, WICK_ERR_MALFORMED, __VA_ARGS__)

/* ---- helpers ---- */

/* A Scalar argument suited to dtype: Double for floating, Int otherwise. */
static int32_t num(wc_import *im, int dtype, double v) {
  if (wick_dtype_is_float(dtype)) return wc_double(im->g, v);
  if (dtype == WICK_BOOL) return wc_bool(im->g, v != 0);
  return wc_int(im->g, (int64_t)v);
}

/* Rank-0 constant of dtype holding v. */
static __attribute__((unused)) int32_t scalar_const(wc_import *im, int dtype, double v) {
  if (wick_dtype_is_float(dtype)) {
    double d = v;
    return imp_cast(im, wc_const_tensor(im->g, WICK_F64, 0, NULL, &d), dtype);
  }
  int64_t i = (int64_t)v;
  return imp_cast(im, wc_const_tensor(im->g, WICK_I64, 0, NULL, &i), dtype);
}

/* Broadcasting binary op (promoted dtype), optional alpha=1. */
static int32_t bin(wc_import *im, const char *op, int32_t a, int32_t b, bool alpha) {
  if (a < 0 || b < 0 || imp_failed(im)) return -1;
  int rank;
  int64_t dims[WICK_MAX_DIM];
  if (!imp_broadcast(V(a), V(b), &rank, dims)) {
    imp_fail(im, WICK_ERR_MALFORMED, "inputs are not broadcastable");
    return -1;
  }
  int32_t args[3] = {a, b, wc_int(im->g, 1)};
  return imp_call(im, op, args, alpha ? 3 : 2, imp_promote(V(a)->dtype, V(b)->dtype), rank, dims);
}

/* Broadcasting comparison (bool out). */
static int32_t cmp(wc_import *im, const char *op, int32_t a, int32_t b) {
  if (a < 0 || b < 0 || imp_failed(im)) return -1;
  int rank;
  int64_t dims[WICK_MAX_DIM];
  if (!imp_broadcast(V(a), V(b), &rank, dims)) {
    imp_fail(im, WICK_ERR_MALFORMED, "inputs are not broadcastable");
    return -1;
  }
  int32_t args[2] = {a, b};
  return imp_call(im, op, args, 2, WICK_BOOL, rank, dims);
}

/* x <op> scalar, keeping x's shape; dtype given. */
static int32_t scal(wc_import *im, const char *op, int32_t x, int32_t s, bool alpha, int dtype) {
  if (x < 0 || s < 0 || imp_failed(im)) return -1;
  wc_value v = *V(x);
  int32_t args[3] = {x, s, wc_int(im->g, 1)};
  return imp_call(im, op, args, alpha ? 3 : 2, dtype, v.rank, v.dims);
}

static int32_t unary(wc_import *im, const char *op, int32_t x, int dtype) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value v = *V(x);
  int32_t args[1] = {x};
  return imp_call(im, op, args, 1, dtype, v.rank, v.dims);
}

/* where(c, a, b) with three-way broadcasting. */
static int32_t where3(wc_import *im, int32_t c, int32_t a, int32_t b) {
  if (c < 0 || a < 0 || b < 0 || imp_failed(im)) return -1;
  int r1, r2;
  int64_t d1[WICK_MAX_DIM], d2[WICK_MAX_DIM];
  if (!imp_broadcast(V(a), V(b), &r1, d1)) {
    imp_fail(im, WICK_ERR_MALFORMED, "Where inputs are not broadcastable");
    return -1;
  }
  wc_value t = *V(a);
  t.rank = (uint8_t)r1;
  memcpy(t.dims, d1, sizeof d1);
  if (!imp_broadcast(V(c), &t, &r2, d2)) {
    imp_fail(im, WICK_ERR_MALFORMED, "Where condition is not broadcastable");
    return -1;
  }
  int32_t args[3] = {c, a, b};
  return imp_call(im, "aten::where.self_out", args, 3, imp_promote(V(a)->dtype, V(b)->dtype), r2,
                  d2);
}

/* x[start:end:step] along dim; start/end already normalized to [0, len]. */
static int32_t slice1(wc_import *im, int32_t x, int dim, int64_t start, int64_t end, int64_t step) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value v = *V(x);
  int64_t len = v.dims[dim];
  if (start == 0 && end >= len && step == 1) return x;
  if (end < start) end = start;
  int64_t cnt = end == start ? 0 : (end - start - 1) / step + 1;
  int64_t d[WICK_MAX_DIM];
  memcpy(d, v.dims, sizeof d);
  d[dim] = cnt;
  int32_t args[5] = {x, wc_int(im->g, dim), wc_int(im->g, start), wc_int(im->g, end),
                     wc_int(im->g, step)};
  return imp_call(im, "aten::slice_copy.Tensor_out", args, 5, v.dtype, v.rank, d);
}

static int32_t flip1(wc_import *im, int32_t x, int dim) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value v = *V(x);
  if (v.dims[dim] <= 1) return x;
  int64_t dd = dim;
  int32_t args[2] = {x, wc_int_list(im->g, &dd, 1)};
  return imp_call(im, "aten::flip.out", args, 2, v.dtype, v.rank, v.dims);
}

/* index_select along dim with constant int64 indices. */
static int32_t select_idx(wc_import *im, int32_t x, int dim, const int64_t *idx, int64_t cnt) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value v = *V(x);
  bool ident = cnt == v.dims[dim];
  for (int64_t k = 0; ident && k < cnt; k++) ident = idx[k] == k;
  if (ident) return x;
  int32_t ids = wc_const_tensor(im->g, WICK_I64, 1, &cnt, idx);
  int64_t d[WICK_MAX_DIM];
  memcpy(d, v.dims, sizeof d);
  d[dim] = cnt;
  int32_t args[3] = {x, wc_int(im->g, dim), ids};
  return imp_call(im, "aten::index_select.out", args, 3, v.dtype, v.rank, d);
}

static int32_t expand_to(wc_import *im, int32_t x, int rank, const int64_t *dims) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value v = *V(x);
  bool same = v.rank == rank;
  for (int k = 0; same && k < rank; k++) same = v.dims[k] == dims[k];
  if (same) return x;
  int32_t args[3] = {x, wc_int_list(im->g, dims, (uint32_t)rank), wc_bool(im->g, false)};
  return imp_call(im, "aten::expand_copy.out", args, 3, v.dtype, rank, dims);
}

static int32_t sum_axes(wc_import *im, int32_t x, const bool *red, bool keep) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value v = *V(x);
  int64_t axes[WICK_MAX_DIM], od[WICK_MAX_DIM];
  int na = 0, orank = 0;
  for (int k = 0; k < v.rank; k++) {
    if (red[k]) {
      axes[na++] = k;
      if (keep) od[orank++] = 1;
    } else {
      od[orank++] = v.dims[k];
    }
  }
  if (na == 0) return x;
  int32_t args[4] = {x, wc_int_list(im->g, axes, (uint32_t)na), wc_bool(im->g, keep),
                     wc_none(im->g)};
  return imp_call(im, "aten::sum.IntList_out", args, 4, v.dtype, orank, od);
}

/* ---- Slice ---- */

static wick_status lower_slice(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  int64_t starts[WICK_MAX_DIM], ends[WICK_MAX_DIM], axes[WICK_MAX_DIM], steps[WICK_MAX_DIM];
  uint32_t ns = 0, ne = 0, na = 0, nst = 0;
  if (im->opset < 10) {
    int a = imp_attr_ints(im, n, "starts", starts, WICK_MAX_DIM);
    int b = imp_attr_ints(im, n, "ends", ends, WICK_MAX_DIM);
    int c = imp_attr_ints(im, n, "axes", axes, WICK_MAX_DIM);
    if (imp_failed(im)) return ST;
    if (a < 0 || b < 0) BAD("Slice needs starts and ends");
    ns = (uint32_t)a, ne = (uint32_t)b;
    na = c < 0 ? 0 : (uint32_t)c;
    if (c < 0)
      for (uint32_t k = 0; k < ns; k++) axes[na++] = k;
  } else {
    int32_t s = REQ(1), e = REQ(2), a = IN(3), st = IN(4);
    CHECK_ID(s);
    CHECK_ID(e);
    if (a == -2 || st == -2) return ST;
    if (imp_const_ints(im, s, "Slice starts", starts, WICK_MAX_DIM, &ns) != WICK_OK ||
        imp_const_ints(im, e, "Slice ends", ends, WICK_MAX_DIM, &ne) != WICK_OK)
      return ST;
    if (a >= 0) {
      if (imp_const_ints(im, a, "Slice axes", axes, WICK_MAX_DIM, &na) != WICK_OK) return ST;
    } else {
      for (uint32_t k = 0; k < ns; k++) axes[na++] = k;
    }
    if (st >= 0 && imp_const_ints(im, st, "Slice steps", steps, WICK_MAX_DIM, &nst) != WICK_OK)
      return ST;
  }
  if (nst == 0)
    for (uint32_t k = 0; k < ns; k++) steps[nst++] = 1;
  if (ns != ne || ns != na || ns != nst) BAD("Slice starts/ends/axes/steps lengths differ");
  for (uint32_t k = 0; k < ns; k++) {
    int ax;
    if (!imp_axis(im, axes[k], v.rank, &ax)) return ST;
    int64_t len = V(x)->dims[ax], s = starts[k], e = ends[k], st = steps[k];
    if (st == 0) BAD("Slice step 0");
    if (st > 0) {
      if (s < 0) s += len;
      if (e < 0) e += len;
      s = s < 0 ? 0 : s > len ? len : s;
      e = e < 0 ? 0 : e > len ? len : e;
      x = slice1(im, x, ax, s, e, st);
    } else {
      if (s < 0) s += len;
      if (e < 0) e += len;
      s = s < 0 ? 0 : s > len - 1 ? len - 1 : s;
      e = e < -1 ? -1 : e > len - 1 ? len - 1 : e;
      /* flipped index of i is len-1-i */
      int64_t fs = len - 1 - s, fe = len - 1 - e;
      if (fe <= fs || len == 0) {
        x = slice1(im, x, ax, 0, 0, 1);
      } else {
        x = flip1(im, x, ax);
        x = slice1(im, x, ax, fs, fe, -st);
      }
    }
    CHECK_ID(x);
  }
  DONE(x);
}

/* ---- Split ---- */

static wick_status lower_split(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  int ax;
  if (!imp_axis(im, imp_attr_int(im, n, "axis", 0), v.rank, &ax)) return ST;
  int64_t sizes[256];
  uint32_t cnt = 0;
  uint32_t nout = n->num_outputs;
  if (nout == 0 || nout > 256) NOSUP("Split into %u outputs", nout);
  if (im->opset >= 13) {
    int32_t s = IN(1);
    if (s == -2) return ST;
    if (s >= 0 && imp_const_ints(im, s, "Split split", sizes, 256, &cnt) != WICK_OK) return ST;
  } else {
    int c = imp_attr_ints(im, n, "split", sizes, 256);
    if (imp_failed(im)) return ST;
    if (c < 0 && im->opset < 2 && n->num_inputs > 1) {
      int32_t s = REQ(1);
      CHECK_ID(s);
      if (imp_const_ints(im, s, "Split split", sizes, 256, &cnt) != WICK_OK) return ST;
    } else {
      cnt = c < 0 ? 0 : (uint32_t)c;
    }
  }
  int64_t len = v.dims[ax];
  if (cnt == 0) {
    int64_t parts = imp_attr_int(im, n, "num_outputs", nout);
    if (parts <= 0 || (uint32_t)parts != nout) BAD("Split num_outputs %lld", (long long)parts);
    if (im->opset >= 18) {
      int64_t each = (len + parts - 1) / parts;
      int64_t left = len;
      for (int64_t k = 0; k < parts; k++) {
        sizes[k] = left < each ? left : each;
        left -= sizes[k];
      }
    } else {
      if (len % parts != 0) BAD("Split of size %lld into %lld equal parts", (long long)len, (long long)parts);
      for (int64_t k = 0; k < parts; k++) sizes[k] = len / parts;
    }
    cnt = (uint32_t)parts;
  }
  if (cnt != nout) BAD("Split has %u sizes for %u outputs", cnt, nout);
  int64_t total = 0;
  for (uint32_t k = 0; k < cnt; k++) total += sizes[k];
  if (total != len) BAD("Split sizes sum to %lld, not %lld", (long long)total, (long long)len);
  if (cnt == 1) DONE(x);
  int32_t outs[256];
  for (uint32_t k = 0; k < cnt; k++) {
    int64_t d[WICK_MAX_DIM];
    memcpy(d, v.dims, sizeof d);
    d[ax] = sizes[k];
    outs[k] = wc_tensor(im->g, v.dtype, v.rank, d);
  }
  int32_t args[4] = {x, wc_int_list(im->g, sizes, cnt), wc_int(im->g, ax),
                     wc_tensor_list(im->g, outs, cnt, false)};
  if (imp_node(im, "aten::split_with_sizes_copy.out", args, 4, 1) < 0) return ST;
  for (uint32_t k = 0; k < cnt; k++) imp_out(im, n, k, outs[k]);
  return WICK_OK;
}

/* ---- Expand / Tile ---- */

static wick_status lower_expand(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), s = REQ(1);
  CHECK_ID(x);
  CHECK_ID(s);
  int64_t shape[WICK_MAX_DIM];
  uint32_t ns;
  if (imp_const_ints(im, s, "Expand shape", shape, WICK_MAX_DIM, &ns) != WICK_OK) return ST;
  wc_value t = *V(x);
  t.rank = (uint8_t)ns;
  memcpy(t.dims, shape, sizeof shape);
  int rank;
  int64_t dims[WICK_MAX_DIM];
  if (!imp_broadcast(V(x), &t, &rank, dims)) BAD("Expand shape is not broadcastable with the input");
  DONE(expand_to(im, x, rank, dims));
}

static wick_status lower_tile(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), r = REQ(1);
  CHECK_ID(x);
  CHECK_ID(r);
  if (im->opset < 6) NOSUP("Tile opset %lld (tiles/axis inputs)", (long long)im->opset);
  wc_value v = *V(x);
  int64_t reps[WICK_MAX_DIM];
  uint32_t nr;
  if (imp_const_ints(im, r, "Tile repeats", reps, WICK_MAX_DIM, &nr) != WICK_OK) return ST;
  if ((int)nr != v.rank) BAD("Tile repeats has %u entries for rank %d", nr, v.rank);
  int64_t d[WICK_MAX_DIM];
  bool ident = true;
  for (int k = 0; k < v.rank; k++) {
    if (reps[k] < 0) BAD("Tile repeat %lld", (long long)reps[k]);
    d[k] = v.dims[k] * reps[k];
    ident = ident && reps[k] == 1;
  }
  if (ident) DONE(x);
  int32_t args[2] = {x, wc_int_list(im->g, reps, nr)};
  DONE(imp_call(im, "aten::repeat.out", args, 2, v.dtype, v.rank, d));
}

/* ---- Pad ---- */

static wick_status lower_pad(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  int64_t pads[2 * WICK_MAX_DIM], axes[WICK_MAX_DIM];
  uint32_t np = 0, na = 0;
  double value = 0;
  const char *mode = imp_attr_str(im, n, "mode", "constant");
  if (im->opset < 11) {
    int c = imp_attr_ints(im, n, im->opset < 2 ? "paddings" : "pads", pads, 2 * WICK_MAX_DIM);
    if (c < 0) BAD("Pad without pads");
    np = (uint32_t)c;
    value = imp_attr_float(im, n, "value", 0.0f);
  } else {
    int32_t p = REQ(1), cv = IN(2), a = IN(3);
    CHECK_ID(p);
    if (cv == -2 || a == -2) return ST;
    if (imp_const_ints(im, p, "Pad pads", pads, 2 * WICK_MAX_DIM, &np) != WICK_OK) return ST;
    if (cv >= 0 && wc_numel(V(cv)) > 0 &&
        imp_const_scalar(im, cv, "Pad constant_value", &value) != WICK_OK)
      return ST;
    if (a >= 0 && imp_const_ints(im, a, "Pad axes", axes, WICK_MAX_DIM, &na) != WICK_OK) return ST;
  }
  if (imp_failed(im)) return ST;
  if (na == 0)
    for (int k = 0; k < v.rank; k++) axes[na++] = k;
  if (np != 2 * na) BAD("Pad has %u pads for %u axes", np, na);
  int64_t pb[WICK_MAX_DIM] = {0}, pe[WICK_MAX_DIM] = {0};
  for (uint32_t k = 0; k < na; k++) {
    int ax;
    if (!imp_axis(im, axes[k], v.rank, &ax)) return ST;
    pb[ax] = pads[k];
    pe[ax] = pads[k + na];
  }
  bool any = false;
  for (int k = 0; k < v.rank; k++) any = any || pb[k] || pe[k];
  if (!any) DONE(x);
  if (strcmp(mode, "constant") == 0) {
    int last = 0;
    for (int k = 0; k < v.rank; k++)
      if ((pb[k] || pe[k]) && v.rank - k > last) last = v.rank - k;
    int64_t ap[2 * WICK_MAX_DIM], d[WICK_MAX_DIM];
    memcpy(d, v.dims, sizeof d);
    for (int j = 0; j < last; j++) {
      int k = v.rank - 1 - j;
      ap[2 * j] = pb[k];
      ap[2 * j + 1] = pe[k];
      d[k] += pb[k] + pe[k];
      if (d[k] < 0) BAD("Pad makes dim %d negative", k);
    }
    int32_t args[3] = {x, wc_int_list(im->g, ap, (uint32_t)(2 * last)), num(im, v.dtype, value)};
    DONE(imp_call(im, "aten::constant_pad_nd.out", args, 3, v.dtype, v.rank, d));
  }
  int m = strcmp(mode, "edge") == 0 ? 1 : strcmp(mode, "reflect") == 0 ? 2
          : strcmp(mode, "wrap") == 0 ? 3 : 0;
  if (m == 0) NOSUP("Pad mode '%s'", mode);
  /* Non-constant modes: gather along each padded axis with constant indices. */
  for (int k = 0; k < v.rank; k++) {
    if (!pb[k] && !pe[k]) continue;
    int64_t len = v.dims[k], cnt = len + pb[k] + pe[k];
    if (cnt < 0) BAD("Pad makes dim %d negative", k);
    if (len == 0) NOSUP("Pad mode '%s' of an empty dim", mode);
    if (m == 2 && len == 1) {
      m = 1; /* reflecting one element repeats it */
    }
    int64_t *idx = malloc((size_t)(cnt ? cnt : 1) * sizeof(int64_t));
    for (int64_t o = 0; o < cnt; o++) {
      int64_t i = o - pb[k];
      if (m == 1) {
        i = i < 0 ? 0 : i >= len ? len - 1 : i;
      } else if (m == 3) {
        i = ((i % len) + len) % len;
      } else {
        int64_t period = 2 * (len - 1);
        i = ((i % period) + period) % period;
        if (i >= len) i = period - i;
      }
      idx[o] = i;
    }
    x = select_idx(im, x, k, idx, cnt);
    free(idx);
    CHECK_ID(x);
  }
  DONE(x);
}

/* ---- constants ---- */

static wick_status lower_constant_of_shape(wc_import *im, const wick_onnx_node *n) {
  int32_t s = REQ(0);
  CHECK_ID(s);
  int64_t shape[WICK_MAX_DIM];
  uint32_t ns;
  if (imp_const_ints(im, s, "ConstantOfShape shape", shape, WICK_MAX_DIM, &ns) != WICK_OK) return ST;
  for (uint32_t k = 0; k < ns; k++)
    if (shape[k] < 0) BAD("ConstantOfShape size %lld", (long long)shape[k]);
  int dtype = WICK_F32;
  unsigned char val[16] = {0};
  const wick_onnx_attribute *a = wick_onnx_node_attr(n, "value");
  if (a && a->t) {
    wick_onnx_array arr;
    if (wick_onnx_tensor_data(im->model, a->t, &arr, im->d) != WICK_OK) return ST;
    dtype = arr.dtype;
    size_t es = wick_dtype_size(dtype);
    if (es == 0 || es > sizeof val) {
      wick_onnx_array_free(&arr);
      NOSUP("ConstantOfShape value of this type");
    }
    size_t cnt = 1;
    for (uint32_t k = 0; k < arr.rank; k++) cnt *= (size_t)arr.dims[k];
    if (cnt >= 1) memcpy(val, arr.data, es);
    wick_onnx_array_free(&arr);
  }
  size_t es = wick_dtype_size(dtype), total = 1;
  for (uint32_t k = 0; k < ns; k++) total *= (size_t)shape[k];
  if (total * es <= (1u << 20)) {
    unsigned char *data = wc_alloc(total * es > 0 ? total * es : 1);
    for (size_t k = 0; k < total; k++) memcpy(data + k * es, val, es);
    DONE(wc_const_tensor_owned(im->g, dtype, (int)ns, shape, data));
  }
  /* Large: fill at run time. */
  int32_t one = wc_const_tensor(im->g, dtype, 0, NULL, val);
  double d;
  if (imp_const_scalar(im, one, "ConstantOfShape value", &d) != WICK_OK) return ST;
  int32_t args[2] = {wc_int_list(im->g, shape, ns), num(im, dtype, d)};
  DONE(imp_call(im, "aten::full.out", args, 2, dtype, (int)ns, shape));
}

static wick_status lower_range(wc_import *im, const wick_onnx_node *n) {
  int32_t a = REQ(0), b = REQ(1), c = REQ(2);
  CHECK_ID(a);
  CHECK_ID(b);
  CHECK_ID(c);
  int dt = V(a)->dtype;
  if (!V(a)->data || !V(b)->data || !V(c)->data)
    NOSUP("Range with run-time start/limit/delta (the output shape depends on data)");
  double s, l, d;
  if (imp_const_scalar(im, a, "Range start", &s) || imp_const_scalar(im, b, "Range limit", &l) ||
      imp_const_scalar(im, c, "Range delta", &d))
    return ST;
  if (d == 0) BAD("Range delta 0");
  double q = ceil((l - s) / d);
  int64_t cnt = q > 0 ? (int64_t)q : 0;
  if (cnt == 0) {
    int64_t z = 0;
    DONE(wc_const_tensor_owned(im->g, dt, 1, &z, wc_alloc(1)));
  }
  if (wick_dtype_is_integral(dt)) {
    /* exact integer form; the end is start + cnt*delta so the counts agree */
    int64_t si = (int64_t)s, di = (int64_t)d;
    int32_t args[3] = {wc_int(im->g, si), wc_int(im->g, si + cnt * di), wc_int(im->g, di)};
    DONE(imp_call(im, "aten::arange.start_out", args, 3, dt, 1, &cnt));
  }
  /* floating: compute in double, round to the type */
  double *vals = wc_alloc((size_t)cnt * sizeof(double));
  for (int64_t k = 0; k < cnt; k++) vals[k] = s + (double)k * d;
  if (dt == WICK_F32)
    for (int64_t k = 0; k < cnt; k++) vals[k] = (float)vals[k];
  int32_t r = wc_const_tensor_owned(im->g, WICK_F64, 1, &cnt, vals);
  DONE(imp_cast(im, r, dt));
}

/* ---- selection ---- */

static wick_status lower_where(wc_import *im, const wick_onnx_node *n) {
  int32_t c = REQ(0), a = REQ(1), b = REQ(2);
  CHECK_ID(c);
  CHECK_ID(a);
  CHECK_ID(b);
  if (V(c)->dtype != WICK_BOOL) c = imp_cast(im, c, WICK_BOOL);
  DONE(where3(im, c, a, b));
}

static wick_status lower_cast_like(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), t = REQ(1);
  CHECK_ID(x);
  CHECK_ID(t);
  DONE(imp_cast(im, x, V(t)->dtype));
}

static wick_status lower_argmax(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  bool is_max = strcmp(n->op_type, "ArgMax") == 0;
  int ax;
  if (!imp_axis(im, imp_attr_int(im, n, "axis", 0), v.rank, &ax)) return ST;
  bool keep = imp_attr_int(im, n, "keepdims", 1) != 0;
  bool last = imp_attr_int(im, n, "select_last_index", 0) != 0;
  int64_t od[WICK_MAX_DIM];
  int orank = 0;
  for (int k = 0; k < v.rank; k++) {
    if (k != ax)
      od[orank++] = v.dims[k];
    else if (keep)
      od[orank++] = 1;
  }
  int32_t src = last ? flip1(im, x, ax) : x;
  int32_t args[3] = {src, wc_int(im->g, ax), wc_bool(im->g, keep)};
  int32_t r = imp_call(im, is_max ? "aten::argmax.out" : "aten::argmin.out", args, 3, WICK_I64,
                       orank, od);
  if (last) {
    r = unary(im, "aten::neg.out", r, WICK_I64);
    r = scal(im, "aten::add.Scalar_out", r, wc_int(im->g, v.dims[ax] - 1), true, WICK_I64);
  }
  DONE(r);
}

static wick_status lower_topk(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  int64_t k;
  if (im->opset < 10) {
    k = imp_attr_int(im, n, "k", -1);
  } else {
    int32_t kk = REQ(1);
    CHECK_ID(kk);
    int64_t vals[1];
    uint32_t cnt;
    if (imp_const_ints(im, kk, "TopK K", vals, 1, &cnt) != WICK_OK) return ST;
    if (cnt != 1) BAD("TopK K must have one element");
    k = vals[0];
  }
  int ax;
  if (!imp_axis(im, imp_attr_int(im, n, "axis", -1), v.rank, &ax)) return ST;
  bool largest = imp_attr_int(im, n, "largest", 1) != 0;
  bool sorted = imp_attr_int(im, n, "sorted", 1) != 0;
  if (k < 0 || k > v.dims[ax]) BAD("TopK k %lld out of range", (long long)k);
  int64_t od[WICK_MAX_DIM];
  memcpy(od, v.dims, sizeof od);
  od[ax] = k;
  int32_t vals = wc_tensor(im->g, v.dtype, v.rank, od), idx = wc_tensor(im->g, WICK_I64, v.rank, od);
  int32_t args[7] = {x, wc_int(im->g, k), wc_int(im->g, ax), wc_bool(im->g, largest),
                     wc_bool(im->g, sorted), vals, idx};
  if (imp_node(im, "aten::topk.values", args, 7, 2) < 0) return ST;
  imp_out(im, n, 0, vals);
  imp_out(im, n, 1, idx);
  return WICK_OK;
}

static wick_status lower_cumsum(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), a = REQ(1);
  CHECK_ID(x);
  CHECK_ID(a);
  wc_value v = *V(x);
  int64_t axv[1];
  uint32_t cnt;
  if (imp_const_ints(im, a, "CumSum axis", axv, 1, &cnt) != WICK_OK) return ST;
  int ax;
  if (!imp_axis(im, axv[0], v.rank, &ax)) return ST;
  bool excl = imp_attr_int(im, n, "exclusive", 0) != 0;
  bool rev = imp_attr_int(im, n, "reverse", 0) != 0;
  int odt = wick_dtype_is_float(v.dtype) ? v.dtype : WICK_I64;
  int32_t y = rev ? flip1(im, x, ax) : x;
  int32_t args[3] = {y, wc_int(im->g, ax), wc_none(im->g)};
  y = imp_call(im, "aten::cumsum.out", args, 3, odt, v.rank, v.dims);
  if (excl && y >= 0 && v.dims[ax] > 0) {
    /* shift by one along ax: pad 1 before, crop 1 after */
    int last = v.rank - ax;
    int64_t ap[2 * WICK_MAX_DIM] = {0};
    ap[2 * (last - 1)] = 1;
    ap[2 * (last - 1) + 1] = -1;
    int32_t pargs[3] = {y, wc_int_list(im->g, ap, (uint32_t)(2 * last)), wc_int(im->g, 0)};
    y = imp_call(im, "aten::constant_pad_nd.out", pargs, 3, odt, v.rank, v.dims);
  }
  if (rev) y = flip1(im, y, ax);
  DONE(imp_cast(im, y, v.dtype));
}

/* Run-time indices may be negative: idx + size where idx < 0. */
static int32_t wrap_index(wc_import *im, int32_t idx, int64_t size) {
  if (idx < 0 || imp_failed(im)) return -1;
  wc_value vi = *V(idx);
  if (vi.data) {
    size_t cnt = wc_numel(&vi);
    int64_t *norm = wc_alloc((cnt ? cnt : 1) * sizeof(int64_t));
    for (size_t k = 0; k < cnt; k++) {
      int64_t q = vi.dtype == WICK_I32 ? ((const int32_t *)vi.data)[k] : ((const int64_t *)vi.data)[k];
      if (q < 0) q += size;
      if (q < 0 || q >= size) {
        wc_free(norm);
        imp_fail(im, WICK_ERR_MALFORMED, "index %lld out of range for size %lld", (long long)q,
                 (long long)size);
        return -1;
      }
      norm[k] = q;
    }
    return wc_const_tensor_owned(im->g, WICK_I64, vi.rank, vi.dims, norm);
  }
  int32_t neg = scal(im, "aten::lt.Scalar_out", idx, wc_int(im->g, 0), false, WICK_BOOL);
  int32_t wrapped = scal(im, "aten::add.Scalar_out", idx, wc_int(im->g, size), true, vi.dtype);
  return where3(im, neg, wrapped, idx);
}

static wick_status lower_gather_elements(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), idx = REQ(1);
  CHECK_ID(x);
  CHECK_ID(idx);
  wc_value v = *V(x), vi = *V(idx);
  int ax;
  if (!imp_axis(im, imp_attr_int(im, n, "axis", 0), v.rank, &ax)) return ST;
  if (vi.rank != v.rank) BAD("GatherElements indices rank differs from data rank");
  idx = wrap_index(im, idx, v.dims[ax]);
  int32_t args[4] = {x, wc_int(im->g, ax), idx, wc_bool(im->g, false)};
  DONE(imp_call(im, "aten::gather.out", args, 4, v.dtype, vi.rank, vi.dims));
}

static wick_status lower_trilu(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), kk = IN(1);
  CHECK_ID(x);
  if (kk == -2) return ST;
  wc_value v = *V(x);
  if (v.rank < 2) BAD("Trilu needs rank >= 2");
  int64_t k = 0;
  bool upper_ = imp_attr_int(im, n, "upper", 1) != 0;
  if (kk >= 0 && V(kk)->data == NULL) {
    /* run-time k: compare a constant (j - i) grid with it */
    int64_t r = v.dims[v.rank - 2], c = v.dims[v.rank - 1];
    int64_t md[2] = {r, c};
    int64_t *diff = wc_alloc((size_t)(r * c > 0 ? r * c : 1) * sizeof(int64_t));
    for (int64_t i = 0; i < r; i++)
      for (int64_t j = 0; j < c; j++) diff[i * c + j] = j - i;
    int32_t dg = wc_const_tensor_owned(im->g, WICK_I64, 2, md, diff);
    int32_t m = cmp(im, upper_ ? "aten::lt.Tensor_out" : "aten::gt.Tensor_out", dg,
                    imp_cast(im, kk, WICK_I64));
    CHECK_ID(m);
    int32_t args[3] = {x, m, num(im, v.dtype, 0)};
    DONE(imp_call(im, "aten::masked_fill.Scalar_out", args, 3, v.dtype, v.rank, v.dims));
  }
  if (kk >= 0) {
    int64_t vals[1];
    uint32_t cnt;
    if (imp_const_ints(im, kk, "Trilu k", vals, 1, &cnt) != WICK_OK) return ST;
    k = vals[0];
  }
  bool upper = imp_attr_int(im, n, "upper", 1) != 0;
  int64_t r = v.dims[v.rank - 2], c = v.dims[v.rank - 1];
  int64_t md[2] = {r, c};
  uint8_t *mask = wc_alloc((size_t)(r * c > 0 ? r * c : 1));
  for (int64_t i = 0; i < r; i++)
    for (int64_t j = 0; j < c; j++) mask[i * c + j] = upper ? (j - i < k) : (j - i > k);
  int32_t m = wc_const_tensor_owned(im->g, WICK_BOOL, 2, md, mask);
  int32_t args[3] = {x, m, num(im, v.dtype, 0)};
  DONE(imp_call(im, "aten::masked_fill.Scalar_out", args, 3, v.dtype, v.rank, v.dims));
}

/* ---- Einsum ---- */

typedef struct {
  int lab[WICK_MAX_DIM]; /* labels, one per dim */
  int rank;
  int32_t id;
} es_term;

static int es_label(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return 26 + c - 'A';
  return -1;
}

/* Parses one term; ellipsis dims get labels 100 + (index from the right). */
static bool es_parse(const char *s, size_t len, int rank, int *lab, int *nlab, int *ell_rank) {
  int letters = 0;
  bool ell = false;
  for (size_t k = 0; k < len; k++) {
    if (s[k] == '.') {
      if (ell || k + 2 >= len || s[k + 1] != '.' || s[k + 2] != '.') return false;
      ell = true;
      k += 2;
    } else if (es_label(s[k]) >= 0) {
      letters++;
    } else if (s[k] != ' ') {
      return false;
    }
  }
  int er = ell ? rank - letters : 0;
  if (rank >= 0 && (er < 0 || (!ell && letters != rank))) return false;
  if (rank < 0) er = *ell_rank;
  int q = 0;
  for (size_t k = 0; k < len; k++) {
    if (s[k] == '.') {
      for (int e = 0; e < er; e++) lab[q++] = 100 + (er - 1 - e);
      k += 2;
    } else if (es_label(s[k]) >= 0) {
      lab[q++] = es_label(s[k]);
    }
  }
  *nlab = q;
  if (rank >= 0 && er > *ell_rank) *ell_rank = er;
  return true;
}

static bool es_has(const int *lab, int n, int l) {
  for (int k = 0; k < n; k++)
    if (lab[k] == l) return true;
  return false;
}

/* Sums away dims of t whose labels are not in keep[]. */
static bool es_reduce(wc_import *im, es_term *t, const bool *keep) {
  bool red[WICK_MAX_DIM] = {false};
  bool any = false;
  for (int k = 0; k < t->rank; k++)
    if (!keep[t->lab[k]]) red[k] = any = true;
  if (!any) return true;
  t->id = sum_axes(im, t->id, red, false);
  int q = 0;
  for (int k = 0; k < t->rank; k++)
    if (!red[k]) t->lab[q++] = t->lab[k];
  t->rank = q;
  return t->id >= 0;
}

static wick_status lower_einsum(wc_import *im, const wick_onnx_node *n) {
  const char *eq = imp_attr_str(im, n, "equation", "");
  if (imp_failed(im)) return ST;
  uint32_t nin = n->num_inputs;
  if (nin == 0 || nin > 8) NOSUP("Einsum with %u operands", nin);
  es_term t[8];
  const char *arrow = strstr(eq, "->");
  size_t lhs_len = arrow ? (size_t)(arrow - eq) : strlen(eq);
  int ell_rank = 0;
  const char *p = eq;
  int64_t size_of[128];
  for (int k = 0; k < 128; k++) size_of[k] = -1;
  int count[128] = {0};
  for (uint32_t i = 0; i < nin; i++) {
    const char *end = memchr(p, ',', lhs_len - (size_t)(p - eq));
    if (i + 1 == nin) end = eq + lhs_len;
    if (end == NULL) BAD("Einsum equation '%s' has too few terms", eq);
    int32_t x = REQ(i);
    CHECK_ID(x);
    t[i].id = x;
    if (!es_parse(p, (size_t)(end - p), V(x)->rank, t[i].lab, &t[i].rank, &ell_rank))
      NOSUP("Einsum equation '%s' (term %u)", eq, i);
    for (int a = 0; a < t[i].rank; a++) {
      for (int b = 0; b < a; b++)
        if (t[i].lab[a] == t[i].lab[b]) NOSUP("Einsum equation '%s' (repeated index: diagonal)", eq);
      int l = t[i].lab[a];
      int64_t d = V(x)->dims[a];
      if (size_of[l] >= 0 && size_of[l] != d)
        NOSUP("Einsum equation '%s' (index sizes %lld and %lld differ: broadcasting)", eq,
              (long long)size_of[l], (long long)d);
      size_of[l] = d;
      count[l]++;
    }
    p = end + 1;
  }
  int out[WICK_MAX_DIM], nout = 0;
  if (arrow) {
    const char *o = arrow + 2;
    if (!es_parse(o, strlen(o), -1, out, &nout, &ell_rank)) NOSUP("Einsum equation '%s' (output)", eq);
    for (int k = 0; k < nout; k++)
      if (size_of[out[k]] < 0) BAD("Einsum output index not in the inputs");
  } else {
    for (int e = ell_rank - 1; e >= 0; e--) out[nout++] = 100 + e;
    for (int l = 0; l < 52; l++)
      if (count[l] == 1) out[nout++] = l;
  }
  bool in_out[128] = {false};
  for (int k = 0; k < nout; k++) in_out[out[k]] = true;
  /* Left to right: reduce each operand, then contract pairwise with bmm. */
  es_term acc = t[0];
  for (uint32_t i = 0; i < nin; i++) {
    es_term *cur = i == 0 ? &acc : &t[i];
    /* labels needed later: in output or in a later operand */
    bool keep[128];
    for (int l = 0; l < 128; l++) keep[l] = in_out[l];
    for (uint32_t j = i + 1; j < nin; j++)
      for (int a = 0; a < t[j].rank; a++) keep[t[j].lab[a]] = true;
    if (i > 0) /* labels shared with acc are kept for the contraction */
      for (int a = 0; a < acc.rank; a++) keep[acc.lab[a]] = true;
    if (!es_reduce(im, cur, keep)) return ST;
    if (i == 0) {
      continue;
    }
    es_term *b = &t[i];
    bool later[128];
    for (int l = 0; l < 128; l++) later[l] = in_out[l];
    for (uint32_t j = i + 1; j < nin; j++)
      for (int a = 0; a < t[j].rank; a++) later[t[j].lab[a]] = true;
    /* A labels not in B and not later must be summed first */
    bool keepa[128];
    for (int l = 0; l < 128; l++) keepa[l] = later[l];
    for (int a = 0; a < b->rank; a++) keepa[b->lab[a]] = true;
    if (!es_reduce(im, &acc, keepa)) return ST;
    int batch[WICK_MAX_DIM], nb = 0, left[WICK_MAX_DIM], nl = 0, right[WICK_MAX_DIM], nr = 0,
        con[WICK_MAX_DIM], nc = 0;
    for (int a = 0; a < acc.rank; a++) {
      int l = acc.lab[a];
      if (es_has(b->lab, b->rank, l)) {
        if (later[l]) batch[nb++] = l;
        else con[nc++] = l;
      } else {
        left[nl++] = l;
      }
    }
    for (int a = 0; a < b->rank; a++)
      if (!es_has(acc.lab, acc.rank, b->lab[a])) right[nr++] = b->lab[a];
    if (nb + nl + nr > WICK_MAX_DIM) NOSUP("Einsum equation '%s' (rank)", eq);
    int64_t pa[WICK_MAX_DIM], pbm[WICK_MAX_DIM];
    int q = 0;
    int order_a[WICK_MAX_DIM], order_b[WICK_MAX_DIM];
    for (int k = 0; k < nb; k++) order_a[q++] = batch[k];
    for (int k = 0; k < nl; k++) order_a[q++] = left[k];
    for (int k = 0; k < nc; k++) order_a[q++] = con[k];
    q = 0;
    for (int k = 0; k < nb; k++) order_b[q++] = batch[k];
    for (int k = 0; k < nc; k++) order_b[q++] = con[k];
    for (int k = 0; k < nr; k++) order_b[q++] = right[k];
    for (int k = 0; k < acc.rank; k++)
      for (int a = 0; a < acc.rank; a++)
        if (acc.lab[a] == order_a[k]) pa[k] = a;
    for (int k = 0; k < b->rank; k++)
      for (int a = 0; a < b->rank; a++)
        if (b->lab[a] == order_b[k]) pbm[k] = a;
    int dt = imp_promote(V(acc.id)->dtype, V(b->id)->dtype);
    int32_t A = imp_permute(im, imp_cast(im, acc.id, dt), pa);
    int32_t B = imp_permute(im, imp_cast(im, b->id, dt), pbm);
    int64_t sb = 1, sl = 1, sr = 1, sc = 1;
    for (int k = 0; k < nb; k++) sb *= size_of[batch[k]];
    for (int k = 0; k < nl; k++) sl *= size_of[left[k]];
    for (int k = 0; k < nr; k++) sr *= size_of[right[k]];
    for (int k = 0; k < nc; k++) sc *= size_of[con[k]];
    int64_t a3[3] = {sb, sl, sc}, b3[3] = {sb, sc, sr}, o3[3] = {sb, sl, sr};
    int32_t args[2] = {imp_view(im, A, 3, a3), imp_view(im, B, 3, b3)};
    int32_t r3 = imp_call(im, "aten::bmm.out", args, 2, dt, 3, o3);
    int64_t od[WICK_MAX_DIM];
    int orank = 0;
    for (int k = 0; k < nb; k++) acc.lab[orank] = batch[k], od[orank++] = size_of[batch[k]];
    for (int k = 0; k < nl; k++) acc.lab[orank] = left[k], od[orank++] = size_of[left[k]];
    for (int k = 0; k < nr; k++) acc.lab[orank] = right[k], od[orank++] = size_of[right[k]];
    acc.rank = orank;
    acc.id = imp_view(im, r3, orank, od);
    CHECK_ID(acc.id);
  }
  /* Final: sum what is not in the output, permute to the output order. */
  if (!es_reduce(im, &acc, in_out)) return ST;
  if (acc.rank != nout) NOSUP("Einsum equation '%s'", eq);
  int64_t perm[WICK_MAX_DIM];
  for (int k = 0; k < nout; k++)
    for (int a = 0; a < acc.rank; a++)
      if (acc.lab[a] == out[k]) perm[k] = a;
  DONE(imp_permute(im, acc.id, perm));
}

/* ---- OneHot / Hardmax ---- */

/* bool mask (shape od, rank orank): idx (rank orank with 1 at ax) == arange along ax */
static int32_t onehot_mask(wc_import *im, int32_t idx, int ax, int orank, int64_t depth) {
  int64_t ad[WICK_MAX_DIM];
  for (int k = 0; k < orank; k++) ad[k] = k == ax ? depth : 1;
  int64_t *vals = wc_alloc((size_t)(depth ? depth : 1) * sizeof(int64_t));
  for (int64_t k = 0; k < depth; k++) vals[k] = k;
  int32_t ar = wc_const_tensor_owned(im->g, WICK_I64, orank, ad, vals);
  return cmp(im, "aten::eq.Tensor_out", idx, ar);
}

static wick_status lower_onehot(wc_import *im, const wick_onnx_node *n) {
  int32_t idx = REQ(0), dep = REQ(1), vals = REQ(2);
  CHECK_ID(idx);
  CHECK_ID(dep);
  CHECK_ID(vals);
  wc_value vi = *V(idx);
  double dd;
  if (imp_const_scalar(im, dep, "OneHot depth", &dd) != WICK_OK) return ST;
  int64_t depth = (int64_t)dd;
  if (depth <= 0) BAD("OneHot depth %lld", (long long)depth);
  int orank = vi.rank + 1;
  if (orank > WICK_MAX_DIM) NOSUP("OneHot output rank %d", orank);
  int ax;
  if (!imp_axis(im, imp_attr_int(im, n, "axis", -1), orank, &ax)) return ST;
  int32_t ii = imp_cast(im, idx, WICK_I64);
  /* negative indices count from depth */
  int32_t neg = scal(im, "aten::lt.Scalar_out", ii, wc_int(im->g, 0), false, WICK_BOOL);
  int32_t wr = scal(im, "aten::add.Scalar_out", ii, wc_int(im->g, depth), true, WICK_I64);
  ii = where3(im, neg, wr, ii);
  int64_t xd[WICK_MAX_DIM];
  for (int k = 0, j = 0; k < orank; k++) xd[k] = k == ax ? 1 : vi.dims[j++];
  ii = imp_view(im, ii, orank, xd);
  CHECK_ID(ii);
  int32_t m = onehot_mask(im, ii, ax, orank, depth);
  int64_t one = 1;
  wc_value vv = *V(vals);
  if (wc_numel(&vv) != 2) BAD("OneHot values must have 2 elements");
  int32_t flat = imp_view(im, vals, 1, (int64_t[]){2});
  int32_t off = slice1(im, flat, 0, 0, 1, 1), on = slice1(im, flat, 0, 1, 2, 1);
  off = imp_view(im, off, 0, &one);
  on = imp_view(im, on, 0, &one);
  DONE(where3(im, m, on, off));
}

static wick_status lower_hardmax(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  int64_t axis = imp_attr_int(im, n, "axis", im->opset >= 13 ? -1 : 1);
  int ax;
  if (!imp_axis(im, axis, v.rank, &ax)) return ST;
  int32_t y = x;
  int work_ax = ax;
  if (im->opset < 13) { /* flatten to 2-D at axis */
    int64_t a = 1, b = 1;
    for (int k = 0; k < ax; k++) a *= v.dims[k];
    for (int k = ax; k < v.rank; k++) b *= v.dims[k];
    int64_t d2[2] = {a, b};
    y = imp_view(im, x, 2, d2);
    work_ax = 1;
  }
  CHECK_ID(y);
  wc_value w = *V(y);
  int64_t od[WICK_MAX_DIM];
  memcpy(od, w.dims, sizeof od);
  od[work_ax] = 1;
  int32_t args[3] = {y, wc_int(im->g, work_ax), wc_bool(im->g, true)};
  int32_t am = imp_call(im, "aten::argmax.out", args, 3, WICK_I64, w.rank, od);
  CHECK_ID(am);
  int32_t m = onehot_mask(im, am, work_ax, w.rank, w.dims[work_ax]);
  int32_t r = imp_cast(im, m, v.dtype);
  DONE(imp_view(im, r, v.rank, v.dims));
}

/* ---- SpaceToDepth / DepthToSpace ---- */

static wick_status lower_space_depth(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  if (v.rank != 4) NOSUP("%s of rank %d", n->op_type, v.rank);
  int64_t b = imp_attr_int(im, n, "blocksize", 0);
  if (b <= 0) BAD("blocksize %lld", (long long)b);
  int64_t N = v.dims[0], C = v.dims[1], H = v.dims[2], W = v.dims[3];
  int32_t y;
  if (strcmp(n->op_type, "SpaceToDepth") == 0) {
    if (H % b || W % b) BAD("SpaceToDepth: H, W not divisible by blocksize");
    int64_t d6[6] = {N, C, H / b, b, W / b, b}, perm[6] = {0, 3, 5, 1, 2, 4};
    int64_t d4[4] = {N, C * b * b, H / b, W / b};
    y = imp_view(im, imp_permute(im, imp_view(im, x, 6, d6), perm), 4, d4);
  } else {
    if (C % (b * b)) BAD("DepthToSpace: C not divisible by blocksize^2");
    const char *mode = imp_attr_str(im, n, "mode", "DCR");
    int64_t d4[4] = {N, C / (b * b), H * b, W * b};
    if (strcmp(mode, "DCR") == 0) {
      int64_t d6[6] = {N, b, b, C / (b * b), H, W}, perm[6] = {0, 3, 4, 1, 5, 2};
      y = imp_view(im, imp_permute(im, imp_view(im, x, 6, d6), perm), 4, d4);
    } else if (strcmp(mode, "CRD") == 0) {
      int64_t d6[6] = {N, C / (b * b), b, b, H, W}, perm[6] = {0, 1, 4, 2, 5, 3};
      y = imp_view(im, imp_permute(im, imp_view(im, x, 6, d6), perm), 4, d4);
    } else {
      NOSUP("DepthToSpace mode '%s'", mode);
    }
  }
  DONE(y);
}

/* ---- IsNaN / IsInf ---- */

static wick_status lower_isnan_isinf(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  if (strcmp(n->op_type, "IsNaN") == 0) {
    if (!wick_dtype_is_float(v.dtype)) {
      uint8_t *z = wc_alloc(wc_numel(&v) ? wc_numel(&v) : 1);
      DONE(wc_const_tensor_owned(im->g, WICK_BOOL, v.rank, v.dims, z));
    }
    DONE(cmp(im, "aten::ne.Tensor_out", x, x));
  }
  bool pos = imp_attr_int(im, n, "detect_positive", 1) != 0;
  bool neg = imp_attr_int(im, n, "detect_negative", 1) != 0;
  if (!wick_dtype_is_float(v.dtype) || (!pos && !neg)) {
    uint8_t *z = wc_alloc(wc_numel(&v) ? wc_numel(&v) : 1);
    DONE(wc_const_tensor_owned(im->g, WICK_BOOL, v.rank, v.dims, z));
  }
  if (pos && neg) {
    int32_t a = unary(im, "aten::abs.out", x, v.dtype);
    DONE(scal(im, "aten::eq.Scalar_out", a, wc_double(im->g, INFINITY), false, WICK_BOOL));
  }
  DONE(scal(im, "aten::eq.Scalar_out", x, wc_double(im->g, pos ? INFINITY : -INFINITY), false,
            WICK_BOOL));
}

/* ---- Resize / Upsample ---- */

static double cubic_w(double x, double A) {
  x = fabs(x);
  if (x <= 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return 0;
}

/* Builds the [O][I] interpolation matrix for one axis following the ONNX
 * reference semantics; outside[o] set for tf_crop_and_resize extrapolation.
 * mode: 0 nearest, 1 linear, 2 cubic. Returns false on an unsupported setting. */
static bool resize_matrix(int mode, const char *ctm, const char *nmode, double A, bool excl,
                          bool antialias, int64_t I, int64_t O, double scale, double roi0,
                          double roi1, double *W, uint8_t *outside) {
  double ow = scale * (double)I; /* output width as a real number */
  for (int64_t o = 0; o < O; o++) {
    double x = (double)o, xo;
    outside[o] = 0;
    if (strcmp(ctm, "half_pixel") == 0) {
      xo = (x + 0.5) / scale - 0.5;
    } else if (strcmp(ctm, "pytorch_half_pixel") == 0) {
      xo = ow == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
    } else if (strcmp(ctm, "align_corners") == 0) {
      xo = ow == 1 ? 0.0 : x * (double)(I - 1) / (ow - 1); /* real output width, as the reference */
    } else if (strcmp(ctm, "asymmetric") == 0) {
      xo = x / scale;
    } else if (strcmp(ctm, "half_pixel_symmetric") == 0) {
      double adj = (double)O / ow, center = (double)I / 2;
      xo = center * (1 - adj) + (x + 0.5) / scale - 0.5;
    } else if (strcmp(ctm, "tf_crop_and_resize") == 0) {
      if (ow != 1)
        xo = roi0 * (double)(I - 1) + x * (roi1 - roi0) * (double)(I - 1) / (ow - 1);
      else
        xo = (roi1 - roi0) * (double)(I - 1) / 2 + roi0 * (double)(I - 1);
      if (xo < 0 || xo > (double)(I - 1)) {
        outside[o] = 1;
        for (int64_t i = 0; i < I; i++) W[o * I + i] = 0;
        continue;
      }
    } else {
      return false;
    }
    double fl = floor(xo);
    double ratio = xo == fl ? 1.0 : xo - fl;
    int64_t base = (int64_t)fl;
    double c[64];
    int nc;
    int64_t first; /* index of c[0] */
    if (mode == 0) {
      nc = 2;
      bool up;
      if (xo == fl) up = true; /* [0, 1] on the integer itself */
      else if (strcmp(nmode, "round_prefer_floor") == 0) up = ratio > 0.5;
      else if (strcmp(nmode, "round_prefer_ceil") == 0) up = ratio >= 0.5;
      else if (strcmp(nmode, "floor") == 0) up = false;
      else if (strcmp(nmode, "ceil") == 0) up = true;
      else return false;
      c[0] = up ? 0 : 1;
      c[1] = up ? 1 : 0;
      first = xo == fl ? base - 1 : base;
    } else if (!antialias || scale >= 1.0) {
      if (mode == 1) {
        nc = 2;
        c[0] = 1 - ratio;
        c[1] = ratio;
        first = xo == fl ? base - 1 : base;
      } else {
        nc = 4;
        for (int k = 0; k < 4; k++) c[k] = cubic_w((double)(k - 1) - ratio, A);
        first = xo == fl ? base - 2 : base - 1;
      }
    } else {
      double s = scale;
      int64_t start;
      if (mode == 1) {
        start = (int64_t)floor(-1 / s) + 1;
        nc = (int)(2 - 2 * start);
      } else {
        start = (int64_t)floor(-2 / s) + 1;
        nc = (int)(2 - 2 * start);
      }
      if (nc > 64) return false;
      double sum = 0;
      for (int k = 0; k < nc; k++) {
        double arg = ((double)(start + k) - ratio) * s;
        c[k] = mode == 1 ? fmax(0.0, fmin(1.0, 1 - fabs(arg))) : cubic_w(arg, A);
        sum += c[k];
      }
      for (int k = 0; k < nc; k++) c[k] /= sum;
      /* the nc nearest neighbours of xo (ties to the smaller index) */
      first = xo != fl ? base + start : base - 1 + start;
    }
    if (excl) {
      double sum = 0;
      for (int k = 0; k < nc; k++) {
        int64_t i = first + k;
        if (i < 0 || i >= I) c[k] = 0;
        sum += c[k];
      }
      if (sum != 0)
        for (int k = 0; k < nc; k++) c[k] /= sum;
    }
    for (int64_t i = 0; i < I; i++) W[o * I + i] = 0;
    for (int k = 0; k < nc; k++) {
      int64_t i = first + k;
      i = i < 0 ? 0 : i >= I ? I - 1 : i;
      W[o * I + i] += c[k];
    }
  }
  return true;
}

/* Applies the [O][I] matrix W along axis ax of x. */
static int32_t apply_axis(wc_import *im, int32_t x, int ax, const double *W, int64_t I, int64_t O,
                          bool one_hot) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value v = *V(x);
  if (one_hot) {
    int64_t *idx = wc_alloc((size_t)(O ? O : 1) * sizeof(int64_t));
    for (int64_t o = 0; o < O; o++)
      for (int64_t i = 0; i < I; i++)
        if (W[o * I + i] != 0) idx[o] = i;
    int32_t r = select_idx(im, x, ax, idx, O);
    wc_free(idx);
    return r;
  }
  /* move ax last, (rows, I) @ (I, O) */
  int64_t perm[WICK_MAX_DIM], inv[WICK_MAX_DIM];
  int q = 0;
  for (int k = 0; k < v.rank; k++)
    if (k != ax) perm[q++] = k;
  perm[q] = ax;
  for (int k = 0; k < v.rank; k++) inv[perm[k]] = k;
  int32_t xp = imp_permute(im, x, perm);
  CHECK_ID(xp);
  wc_value vp = *V(xp);
  int64_t rows = (int64_t)wc_numel(&vp) / (I ? I : 1);
  int64_t d2[2] = {rows, I}, wd[2] = {I, O}, o2[2] = {rows, O};
  double *wt = wc_alloc((size_t)(I * O > 0 ? I * O : 1) * sizeof(double));
  for (int64_t o = 0; o < O; o++)
    for (int64_t i = 0; i < I; i++) wt[i * O + o] = W[o * I + i];
  int32_t wm = imp_cast(im, wc_const_tensor_owned(im->g, WICK_F64, 2, wd, wt), v.dtype);
  int32_t args[2] = {imp_view(im, xp, 2, d2), wm};
  int32_t r = imp_call(im, "aten::mm.out", args, 2, v.dtype, 2, o2);
  int64_t pd[WICK_MAX_DIM];
  memcpy(pd, vp.dims, sizeof pd);
  pd[v.rank - 1] = O;
  r = imp_view(im, r, v.rank, pd);
  return imp_permute(im, r, inv);
}

static wick_status lower_resize(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  bool upsample = strcmp(n->op_type, "Upsample") == 0;
  const char *mode_s = imp_attr_str(im, n, "mode", "nearest");
  const char *ctm = imp_attr_str(im, n, "coordinate_transformation_mode", "half_pixel");
  const char *nmode = imp_attr_str(im, n, "nearest_mode", "round_prefer_floor");
  double A = imp_attr_float(im, n, "cubic_coeff_a", -0.75f);
  bool excl = imp_attr_int(im, n, "exclude_outside", 0) != 0;
  double extrap = imp_attr_float(im, n, "extrapolation_value", 0.0f);
  bool antialias = imp_attr_int(im, n, "antialias", 0) != 0;
  const char *policy = imp_attr_str(im, n, "keep_aspect_ratio_policy", "stretch");
  if (imp_failed(im)) return ST;
  int mode = strcmp(mode_s, "nearest") == 0 ? 0
             : (strcmp(mode_s, "linear") == 0 || strcmp(mode_s, "bilinear") == 0) ? 1
             : strcmp(mode_s, "cubic") == 0 ? 2 : -1;
  if (mode < 0) NOSUP("%s mode '%s'", n->op_type, mode_s);
  if (upsample || im->opset < 11) {
    /* Upsample / Resize-10: asymmetric coordinates; nearest rounds down. */
    ctm = "asymmetric";
    nmode = "floor";
  }
  int64_t axes[WICK_MAX_DIM];
  int na = imp_attr_ints(im, n, "axes", axes, WICK_MAX_DIM);
  if (imp_failed(im)) return ST;
  if (na < 0) {
    na = v.rank;
    for (int k = 0; k < v.rank; k++) axes[k] = k;
  }
  for (int k = 0; k < na; k++) {
    int a;
    if (!imp_axis(im, axes[k], v.rank, &a)) return ST;
    axes[k] = a;
  }
  double scales[WICK_MAX_DIM], roi[2 * WICK_MAX_DIM];
  int64_t sizes[WICK_MAX_DIM];
  bool have_sizes = false;
  for (int k = 0; k < v.rank; k++) scales[k] = 1, sizes[k] = v.dims[k], roi[k] = 0, roi[k + v.rank] = 1;
  int32_t sc = -1, sz = -1, ro = -1;
  if (upsample && im->opset < 9) {
    float fs[WICK_MAX_DIM];
    const wick_onnx_attribute *a = wick_onnx_node_attr(n, "scales");
    if (!a || a->num_floats != (uint32_t)v.rank) BAD("Upsample scales");
    for (int k = 0; k < v.rank; k++) fs[k] = a->floats[k], scales[k] = fs[k];
  } else if (upsample || im->opset < 11) {
    sc = REQ(1);
    CHECK_ID(sc);
  } else {
    ro = IN(1), sc = IN(2), sz = IN(3);
    if (ro == -2 || sc == -2 || sz == -2) return ST;
  }
  if (sc >= 0 && wc_numel(V(sc)) > 0) {
    wc_value s = *V(sc);
    if (!s.data) NOSUP("%s with run-time scales", n->op_type);
    int32_t f = imp_cast(im, sc, WICK_F64);
    CHECK_ID(f);
    if ((int)wc_numel(&s) != na) BAD("%s scales has %zu entries", n->op_type, wc_numel(&s));
    for (int k = 0; k < na; k++) scales[axes[k]] = ((const double *)V(f)->data)[k];
  } else if (sz >= 0 && wc_numel(V(sz)) > 0) {
    int64_t sv[WICK_MAX_DIM];
    uint32_t cnt;
    if (imp_const_ints(im, sz, "Resize sizes", sv, WICK_MAX_DIM, &cnt) != WICK_OK) return ST;
    if ((int)cnt != na) BAD("Resize sizes has %u entries", cnt);
    have_sizes = true;
    for (int k = 0; k < na; k++) {
      sizes[axes[k]] = sv[k];
      scales[axes[k]] = (double)sv[k] / (double)v.dims[axes[k]];
    }
    if (strcmp(policy, "stretch") != 0) {
      bool larger = strcmp(policy, "not_larger") == 0;
      if (!larger && strcmp(policy, "not_smaller") != 0) NOSUP("keep_aspect_ratio_policy '%s'", policy);
      double s = larger ? INFINITY : 0;
      for (int k = 0; k < na; k++) {
        double r = scales[axes[k]];
        s = larger ? fmin(s, r) : fmax(s, r);
      }
      for (int k = 0; k < na; k++) {
        scales[axes[k]] = s;
        sizes[axes[k]] = (int64_t)floor(s * (double)v.dims[axes[k]] + 0.5);
      }
    }
  } else if (!(upsample && im->opset < 9)) {
    BAD("%s needs scales or sizes", n->op_type);
  }
  if (!have_sizes)
    for (int k = 0; k < v.rank; k++) sizes[k] = (int64_t)floor((double)v.dims[k] * scales[k]);
  if (ro >= 0 && strcmp(ctm, "tf_crop_and_resize") == 0) {
    wc_value r = *V(ro);
    if (!r.data) NOSUP("Resize with a run-time roi");
    int32_t f = imp_cast(im, ro, WICK_F64);
    CHECK_ID(f);
    if ((int)wc_numel(&r) != 2 * na) BAD("Resize roi has %zu entries", wc_numel(&r));
    for (int k = 0; k < na; k++) {
      roi[axes[k]] = ((const double *)V(f)->data)[k];
      roi[axes[k] + v.rank] = ((const double *)V(f)->data)[k + na];
    }
  }
  if (mode != 0 && !wick_dtype_is_float(v.dtype))
    NOSUP("%s mode '%s' of %s", n->op_type, mode_s, wick_dtype_name(v.dtype));
  bool tfcrop = strcmp(ctm, "tf_crop_and_resize") == 0;
  int32_t y = x;
  uint8_t *outside_all[WICK_MAX_DIM] = {NULL};
  bool any_outside = false;
  for (int k = 0; k < v.rank; k++) {
    int64_t I = v.dims[k], O = sizes[k];
    if (O < 0) BAD("Resize output size %lld", (long long)O);
    if (I == O && scales[k] == 1.0 && !tfcrop) continue;
    if (I == 0) NOSUP("Resize of an empty dim");
    double *W = wc_alloc((size_t)(O * I > 0 ? O * I : 1) * sizeof(double));
    uint8_t *outside = wc_alloc((size_t)(O ? O : 1));
    if (!resize_matrix(mode, ctm, nmode, A, excl, antialias, I, O, scales[k], roi[k],
                       roi[k + v.rank], W, outside)) {
      wc_free(W);
      wc_free(outside);
      NOSUP("%s coordinate_transformation_mode '%s' / nearest_mode '%s'", n->op_type, ctm, nmode);
    }
    bool one_hot = mode == 0;
    for (int64_t o = 0; o < O; o++) {
      if (outside[o]) one_hot = false, any_outside = true;
      int nz = 0;
      for (int64_t i = 0; i < I && one_hot; i++) nz += W[o * I + i] == 1.0 ? 1 : W[o * I + i] != 0 ? 2 : 0;
      if (one_hot) one_hot = nz == 1;
    }
    if (mode == 0 && !one_hot && !wick_dtype_is_float(v.dtype)) {
      wc_free(W);
      wc_free(outside);
      NOSUP("%s nearest with exclude_outside/extrapolation of integers", n->op_type);
    }
    y = apply_axis(im, y, k, W, I, O, one_hot);
    wc_free(W);
    outside_all[k] = outside;
    CHECK_ID(y);
  }
  if (any_outside) {
    /* out = extrapolation_value where any axis is outside */
    int32_t mask = -1;
    for (int k = 0; k < v.rank; k++) {
      if (!outside_all[k]) continue;
      int64_t md[WICK_MAX_DIM];
      for (int q = 0; q < v.rank; q++) md[q] = q == k ? sizes[k] : 1;
      uint8_t *m = wc_alloc((size_t)(sizes[k] ? sizes[k] : 1));
      memcpy(m, outside_all[k], (size_t)sizes[k]);
      int32_t mk = wc_const_tensor_owned(im->g, WICK_BOOL, v.rank, md, m);
      mask = mask < 0 ? mk : bin(im, "aten::logical_or.out", mask, mk, false);
    }
    int32_t args[3] = {y, mask, wc_double(im->g, extrap)};
    wc_value vy = *V(y);
    y = imp_call(im, "aten::masked_fill.Scalar_out", args, 3, vy.dtype, vy.rank, vy.dims);
  }
  for (int k = 0; k < v.rank; k++) wc_free(outside_all[k]);
  DONE(y);
}

const imp_op wc_lower_shape[] = {
    {"Slice", lower_slice},
    {"Split", lower_split},
    {"Expand", lower_expand},
    {"Tile", lower_tile},
    {"Pad", lower_pad},
    {"ConstantOfShape", lower_constant_of_shape},
    {"Range", lower_range},
    {"Where", lower_where},
    {"CastLike", lower_cast_like},
    {"ArgMax", lower_argmax},
    {"ArgMin", lower_argmax},
    {"TopK", lower_topk},
    {"CumSum", lower_cumsum},
    {"GatherElements", lower_gather_elements},
    {"Trilu", lower_trilu},
    {"Einsum", lower_einsum},
    {"OneHot", lower_onehot},
    {"Hardmax", lower_hardmax},
    {"SpaceToDepth", lower_space_depth},
    {"DepthToSpace", lower_space_depth},
    {"IsNaN", lower_isnan_isinf},
    {"IsInf", lower_isnan_isinf},
    {"Resize", lower_resize},
    {"Upsample", lower_resize},
    {NULL, NULL},
};
