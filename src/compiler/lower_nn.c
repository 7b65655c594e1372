/* Lowering of further neural-network operators (ConvTranspose, the
 * normalizations, decomposed activations and reductions, LSTM / GRU / RNN,
 * Attention). Conventions as in lower_core.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/import.h"

#define IN(k) imp_in(im, n, k)
#define REQ(k) imp_req(im, n, k)
#define V(id) (&im->g->values[(id)])
#define ST (im->d && im->d->status ? im->d->status : WICK_ERR_MALFORMED)
#define CHECK_ID(id)           \
  do {                         \
    if ((id) < 0) return ST;   \
  } while (0)
#define DONE(expr)                       \
  do {                                   \
    int32_t done_id_ = (expr);           \
    if (done_id_ < 0) return ST;         \
    imp_out(im, n, 0, done_id_);         \
    return WICK_OK;                      \
  } while (0)
#define NOSUP(...) return imp_fail(im, WICK_ERR_NOT_SUPPORTED, __VA_ARGS__)
#define BAD(...) return imp_fail(im, WICK_ERR_MALFORMED, __VA_ARGS__)

/* ---- helpers ---- */

static int32_t num(wc_import *im, int dtype, double v) {
  if (wick_dtype_is_float(dtype)) return wc_double(im->g, v);
  if (dtype == WICK_BOOL) return wc_bool(im->g, v != 0);
  return wc_int(im->g, (int64_t)v);
}

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
#define ADD(a, b) bin(im, "aten::add.out", a, b, true)
#define SUB(a, b) bin(im, "aten::sub.out", a, b, true)
#define MUL(a, b) bin(im, "aten::mul.out", a, b, false)
#define DIV(a, b) bin(im, "aten::div.out", a, b, false)

static int32_t scal(wc_import *im, const char *op, int32_t x, int32_t s, bool alpha, int dtype) {
  if (x < 0 || s < 0 || imp_failed(im)) return -1;
  wc_value v = *V(x);
  int32_t args[3] = {x, s, wc_int(im->g, 1)};
  return imp_call(im, op, args, alpha ? 3 : 2, dtype, v.rank, v.dims);
}
/* x * c, x + c for a double c, keeping x's dtype */
static int32_t muls(wc_import *im, int32_t x, double c) {
  if (x < 0) return -1;
  if (c == 1.0) return x;
  return scal(im, "aten::mul.Scalar_out", x, wc_double(im->g, c), false, V(x)->dtype);
}
static int32_t adds(wc_import *im, int32_t x, double c) {
  if (x < 0) return -1;
  if (c == 0.0) return x;
  return scal(im, "aten::add.Scalar_out", x, wc_double(im->g, c), true, V(x)->dtype);
}

static int32_t unary(wc_import *im, const char *op, int32_t x) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value v = *V(x);
  int32_t args[1] = {x};
  return imp_call(im, op, args, 1, v.dtype, v.rank, v.dims);
}

static int32_t where3(wc_import *im, int32_t c, int32_t a, int32_t b) {
  if (c < 0 || a < 0 || b < 0 || imp_failed(im)) return -1;
  int r1, r2;
  int64_t d1[WICK_MAX_DIM], d2[WICK_MAX_DIM];
  wc_value t;
  if (!imp_broadcast(V(a), V(b), &r1, d1)) return imp_fail(im, WICK_ERR_MALFORMED, "where"), -1;
  t = *V(a);
  t.rank = (uint8_t)r1;
  memcpy(t.dims, d1, sizeof d1);
  if (!imp_broadcast(V(c), &t, &r2, d2)) return imp_fail(im, WICK_ERR_MALFORMED, "where"), -1;
  int32_t args[3] = {c, a, b};
  return imp_call(im, "aten::where.self_out", args, 3, imp_promote(V(a)->dtype, V(b)->dtype), r2,
                  d2);
}

static int32_t scalar_const(wc_import *im, int dtype, double v) {
  double d = v;
  return imp_cast(im, wc_const_tensor(im->g, WICK_F64, 0, NULL, &d), dtype);
}

static int32_t slice1(wc_import *im, int32_t x, int dim, int64_t start, int64_t end) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value v = *V(x);
  if (start == 0 && end == v.dims[dim]) return x;
  int64_t d[WICK_MAX_DIM];
  memcpy(d, v.dims, sizeof d);
  d[dim] = end - start;
  int32_t args[5] = {x, wc_int(im->g, dim), wc_int(im->g, start), wc_int(im->g, end),
                     wc_int(im->g, 1)};
  return imp_call(im, "aten::slice_copy.Tensor_out", args, 5, v.dtype, v.rank, d);
}

/* reduce op over red[] dims: "aten::sum.IntList_out" / "aten::mean.out" / "aten::amax.out" */
static int32_t reduce(wc_import *im, const char *op, int32_t x, const bool *red, bool keep) {
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
  bool amax = strcmp(op, "aten::amax.out") == 0;
  int32_t args[4] = {x, wc_int_list(im->g, axes, (uint32_t)na), wc_bool(im->g, keep),
                     wc_none(im->g)};
  return imp_call(im, op, args, amax ? 3 : 4, v.dtype, orank, od);
}

static int32_t view_drop(wc_import *im, int32_t x, const bool *red, bool keep) {
  if (x < 0 || keep) return x;
  wc_value v = *V(x);
  int64_t d[WICK_MAX_DIM];
  int r = 0;
  for (int k = 0; k < v.rank; k++)
    if (!red[k]) d[r++] = v.dims[k];
  return imp_view(im, x, r, d);
}

/* ---- ConvTranspose ---- */

static wick_status lower_conv_transpose(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), w = REQ(1), b = IN(2);
  CHECK_ID(x);
  CHECK_ID(w);
  if (b == -2) return ST;
  wc_value vx = *V(x), vw = *V(w);
  int sd = vx.rank - 2;
  if (sd < 1 || sd > 3 || vw.rank != vx.rank) NOSUP("ConvTranspose with %d spatial dims", sd);
  int64_t group = imp_attr_int(im, n, "group", 1);
  int64_t k[3], st[3] = {1, 1, 1}, dil[3] = {1, 1, 1}, op[3] = {0, 0, 0}, pads[6] = {0};
  int64_t oshape[WICK_MAX_DIM];
  for (int q = 0; q < sd; q++) k[q] = vw.dims[2 + q];
  int nk = imp_attr_ints(im, n, "kernel_shape", oshape, WICK_MAX_DIM);
  if (nk > 0)
    for (int q = 0; q < sd && q < nk; q++)
      if (oshape[q] != k[q]) NOSUP("ConvTranspose kernel_shape differs from the weight");
  if (imp_attr_ints(im, n, "strides", st, 3) < 0) st[0] = st[1] = st[2] = 1;
  if (imp_attr_ints(im, n, "dilations", dil, 3) < 0) dil[0] = dil[1] = dil[2] = 1;
  if (imp_attr_ints(im, n, "output_padding", op, 3) < 0) op[0] = op[1] = op[2] = 0;
  int np = imp_attr_ints(im, n, "pads", pads, 6);
  int nos = imp_attr_ints(im, n, "output_shape", oshape, WICK_MAX_DIM);
  const char *auto_pad = imp_attr_str(im, n, "auto_pad", "NOTSET");
  if (imp_failed(im)) return ST;
  int64_t pb[3], pe[3], full[3];
  for (int q = 0; q < sd; q++) {
    full[q] = st[q] * (vx.dims[2 + q] - 1) + op[q] + (k[q] - 1) * dil[q] + 1;
    pb[q] = np > 0 ? pads[q] : 0;
    pe[q] = np > 0 ? pads[q + sd] : 0;
  }
  bool same = strncmp(auto_pad, "SAME", 4) == 0;
  if (nos > 0 || same) {
    for (int q = 0; q < sd; q++) {
      int64_t want;
      if (nos > 0) want = nos == sd ? oshape[q] : oshape[nos - sd + q];
      else want = vx.dims[2 + q] * st[q];
      int64_t total = full[q] - want;
      int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2); /* floor(total / 2) */
      if (strcmp(auto_pad, "SAME_UPPER") == 0) {
        pb[q] = half;
        pe[q] = total - half;
      } else {
        pb[q] = total - half;
        pe[q] = half;
      }
    }
  } else if (strcmp(auto_pad, "VALID") == 0) {
    for (int q = 0; q < sd; q++) pb[q] = pe[q] = 0;
  }
  int64_t cout = vw.dims[1] * group;
  if (group <= 0 || vx.dims[1] != vw.dims[0] || vw.dims[0] % group)
    BAD("ConvTranspose channels: input %lld, weight %lld, group %lld", (long long)vx.dims[1],
        (long long)vw.dims[0], (long long)group);
  bool sym = true;
  for (int q = 0; q < sd; q++)
    sym = sym && pb[q] == pe[q] && pb[q] >= 0 && (op[q] < st[q] || op[q] < dil[q]);
  int64_t od[WICK_MAX_DIM] = {vx.dims[0], cout};
  int64_t zero[3] = {0, 0, 0};
  if (sym) {
    for (int q = 0; q < sd; q++) od[2 + q] = full[q] - pb[q] - pe[q];
    int32_t args[9] = {x, w, b >= 0 ? b : wc_none(im->g), wc_int_list(im->g, st, (uint32_t)sd),
                       wc_int_list(im->g, pb, (uint32_t)sd), wc_int_list(im->g, dil, (uint32_t)sd),
                       wc_bool(im->g, true), wc_int_list(im->g, op, (uint32_t)sd),
                       wc_int(im->g, group)};
    DONE(imp_call(im, "aten::convolution.out", args, 9, vx.dtype, vx.rank, od));
  }
  /* General: full output without padding, then crop/extend, then bias. */
  for (int q = 0; q < sd; q++) od[2 + q] = full[q] - op[q];
  int32_t args[9] = {x, w, wc_none(im->g), wc_int_list(im->g, st, (uint32_t)sd),
                     wc_int_list(im->g, zero, (uint32_t)sd), wc_int_list(im->g, dil, (uint32_t)sd),
                     wc_bool(im->g, true), wc_int_list(im->g, zero, (uint32_t)sd),
                     wc_int(im->g, group)};
  int32_t y = imp_call(im, "aten::convolution.out", args, 9, vx.dtype, vx.rank, od);
  CHECK_ID(y);
  int64_t ap[6], d2[WICK_MAX_DIM];
  memcpy(d2, od, sizeof d2);
  for (int j = 0; j < sd; j++) {
    int q = sd - 1 - j;
    ap[2 * j] = -pb[q];
    ap[2 * j + 1] = op[q] - pe[q];
    d2[2 + q] = full[q] - pb[q] - pe[q];
    if (d2[2 + q] <= 0) BAD("ConvTranspose output would be empty");
  }
  int32_t pargs[3] = {y, wc_int_list(im->g, ap, (uint32_t)(2 * sd)), wc_double(im->g, 0)};
  y = imp_call(im, "aten::constant_pad_nd.out", pargs, 3, vx.dtype, vx.rank, d2);
  if (b >= 0) {
    int64_t bd[WICK_MAX_DIM];
    bd[0] = cout;
    for (int q = 0; q < sd; q++) bd[1 + q] = 1;
    y = ADD(y, imp_view(im, b, sd + 1, bd));
  }
  DONE(y);
}

/* ---- normalizations ---- */

/* native_layer_norm of x over its trailing dims from `axis`; weight/bias may
 * be -1. Returns out; mean/rstd ids through the pointers when asked. */
static int32_t layer_norm(wc_import *im, int32_t x, int axis, int32_t w, int32_t b, double eps,
                          int stat_dtype, int32_t *mean, int32_t *rstd) {
  if (x < 0 || imp_failed(im)) return -1;
  wc_value v = *V(x);
  int64_t ns[WICK_MAX_DIM], sd[WICK_MAX_DIM];
  int nn = 0;
  for (int k = axis; k < v.rank; k++) ns[nn++] = v.dims[k];
  for (int k = 0; k < v.rank; k++) sd[k] = k < axis ? v.dims[k] : 1;
  int32_t out = wc_tensor(im->g, v.dtype, v.rank, v.dims);
  int32_t m = wc_tensor(im->g, stat_dtype, v.rank, sd), r = wc_tensor(im->g, stat_dtype, v.rank, sd);
  int32_t args[8] = {x, wc_int_list(im->g, ns, (uint32_t)nn), w >= 0 ? w : wc_none(im->g),
                     b >= 0 ? b : wc_none(im->g), wc_double(im->g, eps), out, m, r};
  if (imp_node(im, "aten::native_layer_norm.out", args, 8, 3) < 0) return -1;
  if (mean) *mean = m;
  if (rstd) *rstd = r;
  return out;
}

/* Brings a scale/bias to exactly `shape` (broadcast), in dtype. */
static int32_t to_shape(wc_import *im, int32_t p, int rank, const int64_t *shape, int dtype) {
  if (p < 0 || imp_failed(im)) return -1;
  p = imp_cast(im, p, dtype);
  wc_value v = *V(p);
  int r;
  int64_t d[WICK_MAX_DIM];
  wc_value t = v;
  t.rank = (uint8_t)rank;
  memcpy(t.dims, shape, sizeof(int64_t) * (size_t)rank);
  if (!imp_broadcast(&v, &t, &r, d) || r != rank) {
    imp_fail(im, WICK_ERR_NOT_SUPPORTED, "scale/bias shape does not broadcast to the normalized shape");
    return -1;
  }
  for (int k = 0; k < rank; k++)
    if (d[k] != shape[k]) {
      imp_fail(im, WICK_ERR_NOT_SUPPORTED, "scale/bias shape does not broadcast to the normalized shape");
      return -1;
    }
  if (v.rank < rank) {
    int64_t vd[WICK_MAX_DIM];
    for (int k = 0; k < rank; k++) vd[k] = k < rank - v.rank ? 1 : v.dims[k - (rank - v.rank)];
    p = imp_view(im, p, rank, vd);
  }
  bool same = true;
  for (int k = 0; k < rank; k++) same = same && V(p)->dims[k] == shape[k];
  if (same) return p;
  int32_t args[3] = {p, wc_int_list(im->g, shape, (uint32_t)rank), wc_bool(im->g, false)};
  return imp_call(im, "aten::expand_copy.out", args, 3, dtype, rank, shape);
}

static wick_status lower_layer_norm(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), s = IN(1), b = IN(2);
  CHECK_ID(x);
  if (s == -2 || b == -2) return ST;
  wc_value v = *V(x);
  int ax;
  if (!imp_axis(im, imp_attr_int(im, n, "axis", -1), v.rank, &ax)) return ST;
  double eps = imp_attr_float(im, n, "epsilon", 1e-5f);
  int64_t stash = imp_attr_int(im, n, "stash_type", 1);
  int sdt = stash == 1 ? WICK_F32 : v.dtype;
  if (!wick_dtype_is_float(v.dtype)) NOSUP("LayerNormalization of %s", wick_dtype_name(v.dtype));
  int64_t ns[WICK_MAX_DIM];
  int nr = v.rank - ax;
  for (int k = 0; k < nr; k++) ns[k] = v.dims[ax + k];
  int32_t w = s >= 0 ? to_shape(im, s, nr, ns, v.dtype) : -1;
  int32_t bb = b >= 0 ? to_shape(im, b, nr, ns, v.dtype) : -1;
  if (imp_failed(im)) return ST;
  int32_t mean, rstd;
  int32_t y = layer_norm(im, x, ax, w, bb, eps, sdt, &mean, &rstd);
  CHECK_ID(y);
  imp_out(im, n, 0, y);
  imp_out(im, n, 1, mean);
  imp_out(im, n, 2, rstd);
  return WICK_OK;
}

/* per-channel parameter p [C] viewed as [C, 1, ...] for x of rank r */
static int32_t chan_view(wc_import *im, int32_t p, int r, int64_t c, int dtype) {
  int64_t d[WICK_MAX_DIM];
  d[0] = c;
  for (int k = 1; k < r - 1; k++) d[k] = 1;
  return imp_view(im, imp_cast(im, p, dtype), r - 1, d);
}

static wick_status lower_instance_norm(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), s = REQ(1), b = REQ(2);
  CHECK_ID(x);
  CHECK_ID(s);
  CHECK_ID(b);
  wc_value v = *V(x);
  if (v.rank < 3) BAD("InstanceNormalization needs rank >= 3");
  double eps = imp_attr_float(im, n, "epsilon", 1e-5f);
  int64_t S = 1;
  for (int k = 2; k < v.rank; k++) S *= v.dims[k];
  int64_t d3[3] = {v.dims[0], v.dims[1], S};
  int32_t y = layer_norm(im, imp_view(im, x, 3, d3), 2, -1, -1, eps, v.dtype, NULL, NULL);
  y = imp_view(im, y, v.rank, v.dims);
  y = MUL(y, chan_view(im, s, v.rank, v.dims[1], v.dtype));
  y = ADD(y, chan_view(im, b, v.rank, v.dims[1], v.dtype));
  DONE(y);
}

static wick_status lower_group_norm(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), s = REQ(1), b = REQ(2);
  CHECK_ID(x);
  CHECK_ID(s);
  CHECK_ID(b);
  wc_value v = *V(x);
  if (v.rank < 3) BAD("GroupNormalization needs rank >= 3");
  double eps = imp_attr_float(im, n, "epsilon", 1e-5f);
  int64_t G = imp_attr_int(im, n, "num_groups", 0), C = v.dims[1];
  if (G <= 0 || C % G) BAD("GroupNormalization num_groups %lld for %lld channels", (long long)G, (long long)C);
  int64_t S = 1;
  for (int k = 2; k < v.rank; k++) S *= v.dims[k];
  int64_t d3[3] = {v.dims[0], G, C / G * S};
  int32_t y = layer_norm(im, imp_view(im, x, 3, d3), 2, -1, -1, eps, v.dtype, NULL, NULL);
  y = imp_view(im, y, v.rank, v.dims);
  int32_t p[2] = {s, b};
  for (int q = 0; q < 2; q++) {
    int64_t cnt = (int64_t)wc_numel(V(p[q]));
    int32_t pc = p[q];
    if (cnt == G && G != C) { /* opset 18: one value per group */
      int64_t g1[2] = {G, 1}, gc[2] = {G, C / G};
      pc = imp_view(im, imp_cast(im, pc, v.dtype), 2, g1);
      int32_t args[3] = {pc, wc_int_list(im->g, gc, 2), wc_bool(im->g, false)};
      pc = imp_call(im, "aten::expand_copy.out", args, 3, v.dtype, 2, gc);
      pc = imp_view(im, pc, 1, &C);
    } else if (cnt != C) {
      BAD("GroupNormalization scale/bias has %lld elements", (long long)cnt);
    }
    pc = chan_view(im, pc, v.rank, C, v.dtype);
    y = q == 0 ? MUL(y, pc) : ADD(y, pc);
  }
  DONE(y);
}

static wick_status lower_rms_norm(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0), s = REQ(1);
  CHECK_ID(x);
  CHECK_ID(s);
  wc_value v = *V(x);
  int ax;
  if (!imp_axis(im, imp_attr_int(im, n, "axis", -1), v.rank, &ax)) return ST;
  double eps = imp_attr_float(im, n, "epsilon", 1e-5f);
  int64_t stash = imp_attr_int(im, n, "stash_type", 1);
  int cdt = stash == 1 && v.dtype != WICK_F64 ? WICK_F32 : v.dtype;
  if (!wick_dtype_is_float(v.dtype)) NOSUP("RMSNormalization of %s", wick_dtype_name(v.dtype));
  int32_t xc = imp_cast(im, x, cdt);
  bool red[WICK_MAX_DIM] = {false};
  for (int k = ax; k < v.rank; k++) red[k] = true;
  int32_t ms = reduce(im, "aten::mean.out", MUL(xc, xc), red, true);
  int32_t r = unary(im, "aten::rsqrt.out", adds(im, ms, eps));
  int32_t y = imp_cast(im, MUL(xc, r), v.dtype);
  y = MUL(y, imp_cast(im, s, v.dtype));
  DONE(imp_cast(im, y, v.dtype));
}

static wick_status lower_lp_norm(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  int ax;
  if (!imp_axis(im, imp_attr_int(im, n, "axis", -1), v.rank, &ax)) return ST;
  int64_t p = imp_attr_int(im, n, "p", 2);
  bool red[WICK_MAX_DIM] = {false};
  red[ax] = true;
  int32_t nr;
  if (p == 1) nr = reduce(im, "aten::sum.IntList_out", unary(im, "aten::abs.out", x), red, true);
  else if (p == 2) nr = unary(im, "aten::sqrt.out", reduce(im, "aten::sum.IntList_out", MUL(x, x), red, true));
  else NOSUP("LpNormalization p=%lld", (long long)p);
  /* a zero norm divides by one (the output stays 0) */
  int32_t z = scal(im, "aten::eq.Scalar_out", nr, wc_int(im->g, 0), false, WICK_BOOL);
  CHECK_ID(z);
  wc_value vn = *V(nr);
  int32_t margs[3] = {nr, z, num(im, vn.dtype, 1)};
  nr = imp_call(im, "aten::masked_fill.Scalar_out", margs, 3, vn.dtype, vn.rank, vn.dims);
  DONE(imp_cast(im, DIV(x, nr), v.dtype));
}

static wick_status lower_lrn(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  if (v.rank < 3) BAD("LRN needs rank >= 3");
  double alpha = imp_attr_float(im, n, "alpha", 1e-4f), beta = imp_attr_float(im, n, "beta", 0.75f);
  double bias = imp_attr_float(im, n, "bias", 1.0f);
  int64_t size = imp_attr_int(im, n, "size", 0);
  if (size <= 0 || size > 64) NOSUP("LRN size %lld", (long long)size);
  int64_t lo = (size - 1) / 2, hi = size - 1 - lo, C = v.dims[1];
  int32_t sq = MUL(x, x);
  /* pad channels, sum `size` shifted slices */
  int64_t ap[2 * WICK_MAX_DIM] = {0}, pd[WICK_MAX_DIM];
  int last = v.rank - 1;
  ap[2 * (last - 1)] = lo;
  ap[2 * (last - 1) + 1] = hi;
  memcpy(pd, v.dims, sizeof pd);
  pd[1] = C + lo + hi;
  int32_t pargs[3] = {sq, wc_int_list(im->g, ap, (uint32_t)(2 * last)), wc_double(im->g, 0)};
  int32_t padded = imp_call(im, "aten::constant_pad_nd.out", pargs, 3, v.dtype, v.rank, pd);
  int32_t acc = -1;
  for (int64_t j = 0; j < size; j++) {
    int32_t sl = slice1(im, padded, 1, j, j + C);
    acc = acc < 0 ? sl : ADD(acc, sl);
  }
  int32_t den = adds(im, muls(im, acc, alpha / (double)size), bias);
  den = scal(im, "aten::pow.Tensor_Scalar_out", den, wc_double(im->g, beta), false, v.dtype);
  DONE(DIV(x, den));
}

/* ---- activations ---- */

static wick_status lower_act(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  const char *t = n->op_type;
  if (strcmp(t, "Selu") == 0 || strcmp(t, "Celu") == 0) {
    bool selu = t[0] == 'S';
    double alpha = imp_attr_float(im, n, "alpha", selu ? 1.67326319217681884765625f : 1.0f);
    double gamma = selu ? imp_attr_float(im, n, "gamma", 1.05070102214813232421875f) : 1.0;
    int32_t args[4] = {x, wc_double(im->g, alpha), wc_double(im->g, gamma),
                       wc_double(im->g, selu ? 1.0 : 1.0 / alpha)};
    DONE(imp_call(im, "aten::elu.out", args, 4, v.dtype, v.rank, v.dims));
  }
  if (strcmp(t, "ThresholdedRelu") == 0) {
    double alpha = imp_attr_float(im, n, "alpha", 1.0f);
    int32_t m = scal(im, "aten::le.Scalar_out", x, wc_double(im->g, alpha), false, WICK_BOOL);
    int32_t args[3] = {x, m, num(im, v.dtype, 0)};
    DONE(imp_call(im, "aten::masked_fill.Scalar_out", args, 3, v.dtype, v.rank, v.dims));
  }
  if (strcmp(t, "Shrink") == 0) {
    double l = imp_attr_float(im, n, "lambd", 0.5f), bias = imp_attr_float(im, n, "bias", 0.0f);
    int32_t lo = scal(im, "aten::lt.Scalar_out", x, wc_double(im->g, -l), false, WICK_BOOL);
    int32_t hi = scal(im, "aten::gt.Scalar_out", x, wc_double(im->g, l), false, WICK_BOOL);
    int32_t xp = scal(im, "aten::add.Scalar_out", x, num(im, v.dtype, bias), true, v.dtype);
    int32_t xm = scal(im, "aten::sub.Scalar_out", x, num(im, v.dtype, bias), true, v.dtype);
    int32_t z = scalar_const(im, v.dtype, 0);
    DONE(where3(im, lo, xp, where3(im, hi, xm, z)));
  }
  if (strcmp(t, "Softsign") == 0) {
    int32_t d = adds(im, unary(im, "aten::abs.out", x), 1.0);
    DONE(DIV(x, d));
  }
  if (strcmp(t, "Mish") == 0) {
    int32_t args[3] = {x, wc_int(im->g, 1), wc_int(im->g, 20)};
    int32_t sp = imp_call(im, "aten::softplus.out", args, 3, v.dtype, v.rank, v.dims);
    DONE(MUL(x, unary(im, "aten::tanh.out", sp)));
  }
  if (strcmp(t, "Swish") == 0) {
    double alpha = imp_attr_float(im, n, "alpha", 1.0f);
    if (alpha == 1.0) DONE(unary(im, "aten::silu.out", x));
    DONE(MUL(x, unary(im, "aten::sigmoid.out", muls(im, x, alpha))));
  }
  NOSUP("%s", t);
}

/* ---- reductions ---- */

static wick_status lower_reduce_ext(wc_import *im, const wick_onnx_node *n) {
  int32_t x = REQ(0);
  CHECK_ID(x);
  wc_value v = *V(x);
  int64_t axes[WICK_MAX_DIM];
  int na;
  if (im->opset >= 18) {
    int32_t a = IN(1);
    if (a == -2) return ST;
    na = -1;
    if (a >= 0) {
      uint32_t cnt;
      if (imp_const_ints(im, a, "axes", axes, WICK_MAX_DIM, &cnt) != WICK_OK) return ST;
      na = (int)cnt;
    }
  } else {
    na = imp_attr_ints(im, n, "axes", axes, WICK_MAX_DIM);
  }
  bool keep = imp_attr_int(im, n, "keepdims", 1) != 0;
  if (imp_failed(im)) return ST;
  const char *t = n->op_type;
  if (na <= 0) {
    if (na == 0 && imp_attr_int(im, n, "noop_with_empty_axes", 0)) {
      /* no reduction: still apply the elementwise part */
      if (strcmp(t, "ReduceL1") == 0) DONE(unary(im, "aten::abs.out", x));
      if (strcmp(t, "ReduceSumSquare") == 0) DONE(MUL(x, x));
      if (strcmp(t, "ReduceL2") == 0) DONE(imp_cast(im, unary(im, "aten::abs.out", x), v.dtype));
      if (strcmp(t, "ReduceLogSum") == 0) DONE(unary(im, "aten::log.out", x));
      DONE(x);
    }
    na = v.rank;
    for (int k = 0; k < v.rank; k++) axes[k] = k;
  }
  bool red[WICK_MAX_DIM] = {false};
  bool empty = false;
  for (int k = 0; k < na; k++) {
    int ax;
    if (!imp_axis(im, axes[k], v.rank, &ax)) return ST;
    red[ax] = true;
    empty = empty || v.dims[ax] == 0;
  }
  const char *SUM = "aten::sum.IntList_out";
  bool fl = wick_dtype_is_float(v.dtype);
  if (strcmp(t, "ReduceL1") == 0) DONE(reduce(im, SUM, unary(im, "aten::abs.out", x), red, keep));
  if (strcmp(t, "ReduceSumSquare") == 0) DONE(reduce(im, SUM, MUL(x, x), red, keep));
  if (strcmp(t, "ReduceL2") == 0) {
    int32_t xf = fl ? x : imp_cast(im, x, WICK_F32);
    int32_t r = unary(im, "aten::sqrt.out", reduce(im, SUM, MUL(xf, xf), red, keep));
    DONE(imp_cast(im, r, v.dtype));
  }
  if (strcmp(t, "ReduceLogSum") == 0) {
    int32_t xf = fl ? x : imp_cast(im, x, WICK_F32);
    DONE(imp_cast(im, unary(im, "aten::log.out", reduce(im, SUM, xf, red, keep)), v.dtype));
  }
  if (strcmp(t, "ReduceLogSumExp") == 0) {
    int32_t xf = fl ? x : imp_cast(im, x, WICK_F32);
    if (empty) {
      int32_t s = reduce(im, SUM, unary(im, "aten::exp.out", xf), red, keep);
      DONE(imp_cast(im, unary(im, "aten::log.out", s), v.dtype));
    }
    int32_t m = reduce(im, "aten::amax.out", xf, red, true);
    /* guard infinite maxima: use 0 there */
    int32_t fin = scal(im, "aten::eq.Scalar_out", unary(im, "aten::abs.out", m),
                       wc_double(im->g, INFINITY), false, WICK_BOOL);
    int32_t args[3] = {m, fin, wc_double(im->g, 0)};
    wc_value vm = *V(m);
    m = imp_call(im, "aten::masked_fill.Scalar_out", args, 3, vm.dtype, vm.rank, vm.dims);
    int32_t s = reduce(im, SUM, unary(im, "aten::exp.out", SUB(xf, m)), red, keep);
    int32_t r = ADD(unary(im, "aten::log.out", s), view_drop(im, m, red, keep));
    DONE(imp_cast(im, r, v.dtype));
  }
  if (strcmp(t, "ReduceProd") == 0) {
    int32_t y = x;
    for (int k = 0; k < v.rank; k++) {
      if (!red[k]) continue;
      int64_t L = v.dims[k];
      if (L > 256) NOSUP("ReduceProd over a dim of size %lld", (long long)L);
      if (L == 0) {
        int64_t d[WICK_MAX_DIM];
        memcpy(d, V(y)->dims, sizeof d);
        d[k] = 1;
        int32_t args[2] = {wc_int_list(im->g, d, V(y)->rank), num(im, v.dtype, 1)};
        y = imp_call(im, "aten::full.out", args, 2, v.dtype, V(y)->rank, d);
        continue;
      }
      int32_t acc = slice1(im, y, k, 0, 1);
      for (int64_t j = 1; j < L; j++) acc = MUL(acc, slice1(im, y, k, j, j + 1));
      y = acc;
      CHECK_ID(y);
    }
    DONE(imp_cast(im, view_drop(im, y, red, keep), v.dtype));
  }
  NOSUP("%s", t);
}

/* ---- recurrent networks ---- */

/* Activation by ONNX name applied to x. */
static int32_t rnn_act(wc_import *im, const char *name, double alpha, double beta, int32_t x) {
  if (x < 0) return -1;
  wc_value v = *V(x);
  if (strcmp(name, "Sigmoid") == 0) return unary(im, "aten::sigmoid.out", x);
  if (strcmp(name, "Tanh") == 0) return unary(im, "aten::tanh.out", x);
  if (strcmp(name, "Relu") == 0) return unary(im, "aten::relu.out", x);
  if (strcmp(name, "HardSigmoid") == 0) {
    int32_t y = adds(im, muls(im, x, alpha), beta);
    int32_t args[3] = {y, wc_double(im->g, 0), wc_double(im->g, 1)};
    return imp_call(im, "aten::clamp.out", args, 3, v.dtype, v.rank, v.dims);
  }
  if (strcmp(name, "LeakyRelu") == 0) {
    int32_t args[2] = {x, wc_double(im->g, alpha)};
    return imp_call(im, "aten::leaky_relu.out", args, 2, v.dtype, v.rank, v.dims);
  }
  if (strcmp(name, "Affine") == 0) return adds(im, muls(im, x, alpha), beta);
  if (strcmp(name, "ScaledTanh") == 0) return muls(im, unary(im, "aten::tanh.out", muls(im, x, beta)), alpha);
  if (strcmp(name, "Elu") == 0) {
    int32_t one = wc_int(im->g, 1);
    int32_t args[4] = {x, wc_double(im->g, alpha), one, one};
    return imp_call(im, "aten::elu.out", args, 4, v.dtype, v.rank, v.dims);
  }
  if (strcmp(name, "Softsign") == 0) return DIV(x, adds(im, unary(im, "aten::abs.out", x), 1.0));
  if (strcmp(name, "Softplus") == 0) {
    int32_t args[3] = {x, wc_int(im->g, 1), wc_int(im->g, 20)};
    return imp_call(im, "aten::softplus.out", args, 3, v.dtype, v.rank, v.dims);
  }
  imp_fail(im, WICK_ERR_NOT_SUPPORTED, "recurrent activation '%s'", name);
  return -1;
}

/* a [B, K] @ b^T where b [N, K] (constant-folded transpose) */
static int32_t mm_t(wc_import *im, int32_t a, int32_t b) {
  if (a < 0 || b < 0) return -1;
  const int64_t t2[2] = {1, 0};
  int32_t bt = imp_permute(im, b, t2);
  int64_t od[2] = {V(a)->dims[0], V(b)->dims[0]};
  int32_t args[2] = {a, bt};
  return imp_call(im, "aten::mm.out", args, 2, V(a)->dtype, 2, od);
}

/* rows [r0, r1) of a 2-D (or [1, r, c] squeezed) matrix */
static int32_t rows(wc_import *im, int32_t m, int64_t r0, int64_t r1) { return slice1(im, m, 0, r0, r1); }

static wick_status lower_rnn(wc_import *im, const wick_onnx_node *n) {
  const char *t = n->op_type;
  int kind = strcmp(t, "LSTM") == 0 ? 2 : strcmp(t, "GRU") == 0 ? 1 : 0;
  int gates = kind == 2 ? 4 : kind == 1 ? 3 : 1;
  int32_t X = REQ(0), W = REQ(1), R = REQ(2), B = IN(3), SL = IN(4), H0 = IN(5);
  int32_t C0 = kind == 2 ? IN(6) : -1, P = kind == 2 ? IN(7) : -1;
  CHECK_ID(X);
  CHECK_ID(W);
  CHECK_ID(R);
  if (B == -2 || SL == -2 || H0 == -2 || C0 == -2 || P == -2) return ST;
  const char *dir = imp_attr_str(im, n, "direction", "forward");
  int64_t hs = imp_attr_int(im, n, "hidden_size", 0);
  int64_t layout = imp_attr_int(im, n, "layout", 0);
  double clip = imp_attr_float(im, n, "clip", 0.0f);
  bool has_clip = wick_onnx_node_attr(n, "clip") != NULL;
  int64_t lbr = kind == 1 ? imp_attr_int(im, n, "linear_before_reset", 0) : 0;
  int64_t input_forget = kind == 2 ? imp_attr_int(im, n, "input_forget", 0) : 0;
  if (imp_failed(im)) return ST;
  if (input_forget) NOSUP("%s input_forget=1", t);
  int ndir = strcmp(dir, "bidirectional") == 0 ? 2 : 1;
  bool reverse = strcmp(dir, "reverse") == 0;
  if (!reverse && ndir == 1 && strcmp(dir, "forward") != 0) BAD("%s direction '%s'", t, dir);
  /* activations */
  const char *acts[6];
  double alphas[6] = {0}, betas[6] = {0};
  int nact_per = kind == 2 ? 3 : kind == 1 ? 2 : 1;
  const char *dflt[3] = {kind == 0 ? "Tanh" : "Sigmoid", "Tanh", "Tanh"};
  for (int k = 0; k < nact_per * ndir; k++) acts[k] = dflt[k % nact_per];
  const wick_onnx_attribute *aa = wick_onnx_node_attr(n, "activations");
  if (aa && aa->num_strings) {
    if (aa->num_strings != (uint32_t)(nact_per * ndir)) BAD("%s activations count", t);
    static char names[6][32];
    for (uint32_t k = 0; k < aa->num_strings; k++) {
      size_t l = aa->strings[k].size < 31 ? aa->strings[k].size : 31;
      memcpy(names[k], aa->strings[k].data, l);
      names[k][l] = 0;
      acts[k] = names[k];
    }
  }
  const wick_onnx_attribute *al = wick_onnx_node_attr(n, "activation_alpha");
  const wick_onnx_attribute *be = wick_onnx_node_attr(n, "activation_beta");
  for (int k = 0; k < nact_per * ndir; k++) {
    const char *a = acts[k];
    alphas[k] = strcmp(a, "LeakyRelu") == 0 ? 0.01 : strcmp(a, "HardSigmoid") == 0 ? 0.2 : 1.0;
    betas[k] = strcmp(a, "HardSigmoid") == 0 ? 0.5 : 0.0;
    if (al && (uint32_t)k < al->num_floats) alphas[k] = al->floats[k];
    if (be && (uint32_t)k < be->num_floats) betas[k] = be->floats[k];
  }
  if (SL >= 0) {
    wc_value s = *V(SL);
    if (!s.data) NOSUP("%s with run-time sequence_lens", t);
  }
  wc_value vx = *V(X);
  if (vx.rank != 3) BAD("%s input must be 3-D", t);
  int dt = vx.dtype;
  if (layout) {
    const int64_t p[3] = {1, 0, 2};
    X = imp_permute(im, X, p);
    vx = *V(X);
  }
  int64_t T = vx.dims[0], Bn = vx.dims[1], I = vx.dims[2];
  if (hs <= 0) hs = V(R)->dims[2];
  if (SL >= 0) {
    int64_t lens[4096];
    uint32_t cnt;
    if (imp_const_ints(im, SL, "sequence_lens", lens, 4096, &cnt) != WICK_OK) return ST;
    for (uint32_t k = 0; k < cnt; k++)
      if (lens[k] != T) NOSUP("%s with sequence_lens shorter than the sequence", t);
  }
  int32_t Hs[2], Cs[2];
  int32_t Yd[2][1024];
  if (T > 1024) NOSUP("%s over %lld steps", t, (long long)T);
  int64_t bh[2] = {Bn, hs};
  for (int d = 0; d < ndir; d++) {
    /* weights of this direction */
    int64_t w2[2] = {gates * hs, I}, r2[2] = {gates * hs, hs};
    int32_t Wd = imp_view(im, slice1(im, W, 0, d, d + 1), 2, w2);
    int32_t Rd = imp_view(im, slice1(im, R, 0, d, d + 1), 2, r2);
    int32_t Wb = -1, Rb = -1;
    if (B >= 0) {
      int64_t b1[1] = {2 * gates * hs};
      int32_t Bd = imp_view(im, slice1(im, B, 0, d, d + 1), 1, b1);
      Wb = slice1(im, Bd, 0, 0, gates * hs);
      Rb = slice1(im, Bd, 0, gates * hs, 2 * gates * hs);
    }
    int32_t h = -1, c = -1;
    if (H0 >= 0) {
      int32_t h0 = H0;
      if (layout) {
        const int64_t p[3] = {1, 0, 2};
        h0 = imp_permute(im, h0, p);
      }
      h = imp_view(im, slice1(im, h0, 0, d, d + 1), 2, bh);
    } else {
      int32_t args[2] = {wc_int_list(im->g, bh, 2), wc_double(im->g, 0)};
      h = imp_call(im, "aten::full.out", args, 2, dt, 2, bh);
    }
    if (kind == 2) {
      if (C0 >= 0) {
        int32_t c0 = C0;
        if (layout) {
          const int64_t p[3] = {1, 0, 2};
          c0 = imp_permute(im, c0, p);
        }
        c = imp_view(im, slice1(im, c0, 0, d, d + 1), 2, bh);
      } else {
        int32_t args[2] = {wc_int_list(im->g, bh, 2), wc_double(im->g, 0)};
        c = imp_call(im, "aten::full.out", args, 2, dt, 2, bh);
      }
    }
    int32_t Pd[3] = {-1, -1, -1};
    if (P >= 0) {
      int64_t p1[1] = {3 * hs};
      int32_t pp = imp_view(im, slice1(im, P, 0, d, d + 1), 1, p1);
      for (int q = 0; q < 3; q++) Pd[q] = slice1(im, pp, 0, q * hs, (q + 1) * hs);
    }
    /* gate weight blocks */
    int32_t Wg[4], Rg[4], bg[4], rbg[4];
    for (int q = 0; q < gates; q++) {
      Wg[q] = rows(im, Wd, q * hs, (q + 1) * hs);
      Rg[q] = rows(im, Rd, q * hs, (q + 1) * hs);
      bg[q] = Wb >= 0 ? slice1(im, Wb, 0, q * hs, (q + 1) * hs) : -1;
      rbg[q] = Rb >= 0 ? slice1(im, Rb, 0, q * hs, (q + 1) * hs) : -1;
    }
    const char *f = acts[d * nact_per], *g = nact_per > 1 ? acts[d * nact_per + 1] : NULL;
    const char *hh = nact_per > 2 ? acts[d * nact_per + 2] : NULL;
    double fa = alphas[d * nact_per], fb = betas[d * nact_per];
    double ga = nact_per > 1 ? alphas[d * nact_per + 1] : 0, gb = nact_per > 1 ? betas[d * nact_per + 1] : 0;
    double ha = nact_per > 2 ? alphas[d * nact_per + 2] : 0, hb = nact_per > 2 ? betas[d * nact_per + 2] : 0;
    bool rev = reverse || d == 1;
    int64_t xb[2] = {Bn, I};
    for (int64_t s = 0; s < T; s++) {
      int64_t tt = rev ? T - 1 - s : s;
      int32_t xt = imp_view(im, slice1(im, X, 0, tt, tt + 1), 2, xb);
      /* per gate: x W^T + wb (+ h R^T + rb) */
      int32_t gx[4], gh[4];
      for (int q = 0; q < gates; q++) {
        gx[q] = mm_t(im, xt, Wg[q]);
        if (bg[q] >= 0) gx[q] = ADD(gx[q], bg[q]);
        gh[q] = mm_t(im, h, Rg[q]);
        if (rbg[q] >= 0) gh[q] = ADD(gh[q], rbg[q]);
      }
      if (kind == 0) {
        int32_t a = ADD(gx[0], gh[0]);
        if (has_clip) {
          int32_t args[3] = {a, wc_double(im->g, -clip), wc_double(im->g, clip)};
          a = imp_call(im, "aten::clamp.out", args, 3, dt, 2, bh);
        }
        h = rnn_act(im, f, fa, fb, a);
      } else if (kind == 1) {
        /* gates z, r, h */
        int32_t az = ADD(gx[0], gh[0]), ar = ADD(gx[1], gh[1]);
        if (has_clip) {
          int32_t a1[3] = {az, wc_double(im->g, -clip), wc_double(im->g, clip)};
          az = imp_call(im, "aten::clamp.out", a1, 3, dt, 2, bh);
          int32_t a2[3] = {ar, wc_double(im->g, -clip), wc_double(im->g, clip)};
          ar = imp_call(im, "aten::clamp.out", a2, 3, dt, 2, bh);
        }
        int32_t z = rnn_act(im, f, fa, fb, az), r = rnn_act(im, f, fa, fb, ar);
        int32_t ah;
        if (lbr) {
          ah = ADD(gx[2], MUL(r, gh[2]));
        } else {
          int32_t rh = mm_t(im, MUL(r, h), Rg[2]);
          if (rbg[2] >= 0) rh = ADD(rh, rbg[2]);
          ah = ADD(gx[2], rh);
        }
        if (has_clip) {
          int32_t a3[3] = {ah, wc_double(im->g, -clip), wc_double(im->g, clip)};
          ah = imp_call(im, "aten::clamp.out", a3, 3, dt, 2, bh);
        }
        int32_t ht = rnn_act(im, g, ga, gb, ah);
        /* h = (1 - z) * ht + z * h = ht + z * (h - ht) */
        h = ADD(ht, MUL(z, SUB(h, ht)));
      } else {
        /* gates i, o, f, c */
        int32_t a[4];
        for (int q = 0; q < 4; q++) {
          a[q] = ADD(gx[q], gh[q]);
          if (q == 0 && Pd[0] >= 0) a[q] = ADD(a[q], MUL(Pd[0], c));
          if (q == 2 && Pd[2] >= 0) a[q] = ADD(a[q], MUL(Pd[2], c));
          if (has_clip) {
            int32_t args[3] = {a[q], wc_double(im->g, -clip), wc_double(im->g, clip)};
            a[q] = imp_call(im, "aten::clamp.out", args, 3, dt, 2, bh);
          }
        }
        int32_t ig = rnn_act(im, f, fa, fb, a[0]), fg = rnn_act(im, f, fa, fb, a[2]);
        int32_t cg = rnn_act(im, g, ga, gb, a[3]);
        c = ADD(MUL(fg, c), MUL(ig, cg));
        int32_t ao = a[1];
        if (Pd[1] >= 0) {
          ao = ADD(ao, MUL(Pd[1], c));
          if (has_clip) {
            int32_t args[3] = {ao, wc_double(im->g, -clip), wc_double(im->g, clip)};
            ao = imp_call(im, "aten::clamp.out", args, 3, dt, 2, bh);
          }
        }
        int32_t og = rnn_act(im, f, fa, fb, ao);
        h = MUL(og, rnn_act(im, hh, ha, hb, c));
      }
      CHECK_ID(h);
      Yd[d][tt] = h;
    }
    Hs[d] = h;
    Cs[d] = c;
  }
  /* Y [T, ndir, B, H] (layout 0) or [B, T, ndir, H] (layout 1) */
  int64_t one4[4] = {1, 1, Bn, hs};
  int32_t parts[2048];
  uint32_t np = 0;
  for (int64_t s = 0; s < T; s++)
    for (int d = 0; d < ndir; d++) parts[np++] = imp_view(im, Yd[d][s], 4, one4);
  int32_t Y = -1;
  if (n->num_outputs > 0 && n->outputs[0][0]) {
    int64_t yd[4] = {T * ndir, 1, Bn, hs}, y4[4] = {T, ndir, Bn, hs};
    int32_t args[2] = {wc_tensor_list(im->g, parts, np, false), wc_int(im->g, 0)};
    Y = np == 1 ? parts[0] : imp_call(im, "aten::cat.out", args, 2, dt, 4, yd);
    Y = imp_view(im, Y, 4, y4);
    if (layout) {
      const int64_t p[4] = {2, 0, 1, 3};
      Y = imp_permute(im, Y, p);
    }
    CHECK_ID(Y);
    imp_out(im, n, 0, Y);
  }
  int32_t fin[2][2] = {{Hs[0], Hs[1]}, {Cs[0], Cs[1]}};
  for (int o = 0; o < (kind == 2 ? 2 : 1); o++) {
    if ((uint32_t)(o + 1) >= n->num_outputs || !n->outputs[o + 1][0]) continue;
    int64_t d3[3] = {1, Bn, hs}, o3[3] = {ndir, Bn, hs};
    int32_t l[2];
    for (int d = 0; d < ndir; d++) l[d] = imp_view(im, fin[o][d], 3, d3);
    int32_t args[2] = {wc_tensor_list(im->g, l, (uint32_t)ndir, false), wc_int(im->g, 0)};
    int32_t r = ndir == 1 ? l[0] : imp_call(im, "aten::cat.out", args, 2, dt, 3, o3);
    if (layout) {
      const int64_t p[3] = {1, 0, 2};
      r = imp_permute(im, r, p);
    }
    CHECK_ID(r);
    imp_out(im, n, (uint32_t)o + 1, r);
  }
  return WICK_OK;
}


/* ---- Attention (opset 23) ---- */

/* [B, S, H*D] -> [B, H, S, D] */
static int32_t split_heads(wc_import *im, int32_t x, int64_t heads) {
  if (x < 0) return -1;
  wc_value v = *V(x);
  if (v.rank == 4) return x;
  int64_t d4[4] = {v.dims[0], v.dims[1], heads, heads ? v.dims[2] / heads : 0};
  const int64_t p[4] = {0, 2, 1, 3};
  return imp_permute(im, imp_view(im, x, 4, d4), p);
}

/* batched a [B,H,M,K] @ b [B,H,K,N] */
static int32_t bmm4(wc_import *im, int32_t a, int32_t b) {
  if (a < 0 || b < 0) return -1;
  wc_value va = *V(a), vb = *V(b);
  int64_t bh = va.dims[0] * va.dims[1];
  int64_t a3[3] = {bh, va.dims[2], va.dims[3]}, b3[3] = {bh, vb.dims[2], vb.dims[3]};
  int64_t o3[3] = {bh, va.dims[2], vb.dims[3]}, o4[4] = {va.dims[0], va.dims[1], va.dims[2], vb.dims[3]};
  int32_t args[2] = {imp_view(im, a, 3, a3), imp_view(im, b, 3, b3)};
  int32_t r = imp_call(im, "aten::bmm.out", args, 2, va.dtype, 3, o3);
  return imp_view(im, r, 4, o4);
}

/* repeat each of the kv heads g times (interleaved) */
static int32_t repeat_heads(wc_import *im, int32_t x, int64_t g) {
  if (x < 0 || g == 1) return x;
  wc_value v = *V(x);
  int64_t d5[5] = {v.dims[0], v.dims[1], 1, v.dims[2], v.dims[3]};
  int64_t e5[5] = {v.dims[0], v.dims[1], g, v.dims[2], v.dims[3]};
  int64_t d4[4] = {v.dims[0], v.dims[1] * g, v.dims[2], v.dims[3]};
  int32_t args[3] = {imp_view(im, x, 5, d5), wc_int_list(im->g, e5, 5), wc_bool(im->g, false)};
  int32_t r = imp_call(im, "aten::expand_copy.out", args, 3, v.dtype, 5, e5);
  return imp_view(im, r, 4, d4);
}

static wick_status lower_attention(wc_import *im, const wick_onnx_node *n) {
  int32_t Q = REQ(0), K = REQ(1), Vv = REQ(2), M = IN(3), PK = IN(4), PV = IN(5), NP = IN(6);
  CHECK_ID(Q);
  CHECK_ID(K);
  CHECK_ID(Vv);
  if (M == -2 || PK == -2 || PV == -2 || NP == -2) return ST;
  if (NP >= 0) NOSUP("Attention with nonpad_kv_seqlen");
  bool causal = imp_attr_int(im, n, "is_causal", 0) != 0;
  int64_t qh = imp_attr_int(im, n, "q_num_heads", 0), kvh = imp_attr_int(im, n, "kv_num_heads", 0);
  int64_t mode = imp_attr_int(im, n, "qk_matmul_output_mode", 0);
  double softcap = imp_attr_float(im, n, "softcap", 0.0f);
  bool has_scale = wick_onnx_node_attr(n, "scale") != NULL;
  double scale = imp_attr_float(im, n, "scale", 1.0f);
  if (imp_failed(im)) return ST;
  wc_value vq = *V(Q);
  int dt = vq.dtype;
  bool three = vq.rank == 3;
  if (three && (qh <= 0 || kvh <= 0)) BAD("3-D Attention needs q_num_heads and kv_num_heads");
  Q = split_heads(im, Q, qh);
  K = split_heads(im, K, kvh);
  Vv = split_heads(im, Vv, kvh);
  CHECK_ID(Q);
  CHECK_ID(K);
  CHECK_ID(Vv);
  vq = *V(Q);
  int64_t B = vq.dims[0], H = vq.dims[1], Sq = vq.dims[2], D = vq.dims[3];
  if (!has_scale) scale = 1.0 / sqrt((double)D);
  int64_t past = 0;
  if (PK >= 0) {
    past = V(PK)->dims[2];
    int32_t l[2] = {PK, K};
    wc_value vk = *V(K);
    int64_t d[4] = {vk.dims[0], vk.dims[1], vk.dims[2] + past, vk.dims[3]};
    int32_t args[2] = {wc_tensor_list(im->g, l, 2, false), wc_int(im->g, 2)};
    K = imp_call(im, "aten::cat.out", args, 2, dt, 4, d);
  }
  if (PV >= 0) {
    int32_t l[2] = {PV, Vv};
    wc_value vv = *V(Vv);
    int64_t d[4] = {vv.dims[0], vv.dims[1], vv.dims[2] + V(PV)->dims[2], vv.dims[3]};
    int32_t args[2] = {wc_tensor_list(im->g, l, 2, false), wc_int(im->g, 2)};
    Vv = imp_call(im, "aten::cat.out", args, 2, dt, 4, d);
  }
  CHECK_ID(K);
  CHECK_ID(Vv);
  int32_t presentK = K, presentV = Vv;
  int64_t Hk = V(K)->dims[1], Skv = V(K)->dims[2];
  if (H != Hk) {
    if (Hk <= 0 || H % Hk) BAD("Attention heads %lld vs %lld", (long long)H, (long long)Hk);
    K = repeat_heads(im, K, H / Hk);
    Vv = repeat_heads(im, Vv, H / Hk);
  }
  const int64_t pt[4] = {0, 1, 3, 2};
  int32_t s = muls(im, bmm4(im, Q, imp_permute(im, K, pt)), scale);
  if (softcap > 0) s = muls(im, unary(im, "aten::tanh.out", muls(im, s, 1.0 / softcap)), softcap);
  int32_t qk = s;
  /* bias: mask (padded to Skv) and causal */
  int32_t bias = -1;
  if (M >= 0) {
    wc_value vm = *V(M);
    int64_t padw = Skv - vm.dims[vm.rank - 1];
    if (vm.dtype == WICK_BOOL) {
      int32_t z = scalar_const(im, dt, 0), ni = scalar_const(im, dt, -INFINITY);
      M = where3(im, M, z, ni);
    } else {
      M = imp_cast(im, M, dt);
    }
    if (padw > 0) {
      wc_value vm2 = *V(M);
      int64_t pad[2] = {0, padw}, d[WICK_MAX_DIM];
      memcpy(d, vm2.dims, sizeof d);
      d[vm2.rank - 1] += padw;
      int32_t args[3] = {M, wc_int_list(im->g, pad, 2), wc_double(im->g, -INFINITY)};
      M = imp_call(im, "aten::constant_pad_nd.out", args, 3, dt, vm2.rank, d);
    }
    bias = M;
  }
  if (causal) {
    int64_t cd[2] = {Sq, Skv};
    double *cm = wc_alloc((size_t)(Sq * Skv > 0 ? Sq * Skv : 1) * sizeof(double));
    for (int64_t i = 0; i < Sq; i++)
      for (int64_t j = 0; j < Skv; j++) cm[i * Skv + j] = j > i + past ? -INFINITY : 0.0;
    int32_t c = imp_cast(im, wc_const_tensor_owned(im->g, WICK_F64, 2, cd, cm), dt);
    bias = bias >= 0 ? ADD(bias, c) : c;
  }
  if (bias >= 0) s = ADD(s, bias);
  CHECK_ID(s);
  wc_value vs = *V(s);
  int32_t sargs[3] = {s, wc_int(im->g, 3), wc_bool(im->g, false)};
  int32_t p = imp_call(im, "aten::_softmax.out", sargs, 3, dt, 4, vs.dims);
  if (bias >= 0) { /* fully masked rows give 0, not NaN */
    int32_t nargs_[2] = {p, p};
    int32_t nan = p < 0 ? -1 : imp_call(im, "aten::ne.Tensor_out", nargs_, 2, WICK_BOOL, 4, vs.dims);
    int32_t margs[3] = {p, nan, wc_double(im->g, 0)};
    p = imp_call(im, "aten::masked_fill.Scalar_out", margs, 3, dt, 4, vs.dims);
  }
  int32_t y = bmm4(im, p, Vv);
  CHECK_ID(y);
  if (three) {
    wc_value vy = *V(y);
    const int64_t pp[4] = {0, 2, 1, 3};
    int64_t d3[3] = {B, Sq, vy.dims[1] * vy.dims[3]};
    y = imp_view(im, imp_permute(im, y, pp), 3, d3);
  }
  CHECK_ID(y);
  imp_out(im, n, 0, y);
  imp_out(im, n, 1, presentK);
  imp_out(im, n, 2, presentV);
  if (n->num_outputs > 3 && n->outputs[3][0]) {
    int32_t o = mode == 3 ? p : mode == 2 ? s : qk;
    if (mode < 0 || mode > 3) NOSUP("qk_matmul_output_mode %lld", (long long)mode);
    imp_out(im, n, 3, o);
  }
  return WICK_OK;
}

const imp_op wc_lower_nn[] = {
    {"Attention", lower_attention},
    {"ConvTranspose", lower_conv_transpose},
    {"LayerNormalization", lower_layer_norm},
    {"InstanceNormalization", lower_instance_norm},
    {"GroupNormalization", lower_group_norm},
    {"RMSNormalization", lower_rms_norm},
    {"LpNormalization", lower_lp_norm},
    {"LRN", lower_lrn},
    {"Selu", lower_act},
    {"Celu", lower_act},
    {"ThresholdedRelu", lower_act},
    {"Shrink", lower_act},
    {"Softsign", lower_act},
    {"Mish", lower_act},
    {"Swish", lower_act},
    {"ReduceL1", lower_reduce_ext},
    {"ReduceL2", lower_reduce_ext},
    {"ReduceLogSum", lower_reduce_ext},
    {"ReduceLogSumExp", lower_reduce_ext},
    {"ReduceSumSquare", lower_reduce_ext},
    {"ReduceProd", lower_reduce_ext},
    {"RNN", lower_rnn},
    {"GRU", lower_rnn},
    {"LSTM", lower_rnn},
    {NULL, NULL},
};
