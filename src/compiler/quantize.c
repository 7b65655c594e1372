/* Static post-training int8 quantization of the converter IR.
 *
 *   1. calibrate (calibrate.c): run the float graph over the calibration sets,
 *      observe every float activation -> per-tensor asymmetric int8 qparams;
 *   2. match layers: convolution (+relu/relu6/clamp) -> cortex_m::quantized_conv2d
 *      or quantized_depthwise_conv2d, addmm / mm with constant weights (+act)
 *      -> quantized_linear, add of two activations (+act) -> quantized_add,
 *      max / avg pooling and global mean -> quantized_max_pool2d / avg_pool2d
 *      (output qparams = input qparams), view / permute (exact, int8 when the
 *      input is), unary activations -> quantized_activation (a 256-entry LUT);
 *   3. measure each layer's SQNR (int8 op on the quantized fp32 inputs vs the
 *      fp32 op) and leave layers below opt->min_sqnr_db in fp32;
 *   4. rewrite: int8 nodes in place of the float ones, quantize_per_tensor
 *      where an int8 layer reads a float value, dequantize_per_tensor where a
 *      float node or a graph output reads an int8 value;
 *   5. with opt->quant_report, run the int8 graph against the float one for
 *      the per-layer and whole-model output SQNR.
 * docs/QUANTIZATION.md section 2 explains the choices. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/quant.h"
#include "wick/util.h"

/* ---- arithmetic ------------------------------------------------------------------ */

wc_qparams wc_qparams_from_range(float lo, float hi) {
  wc_qparams q;
  double l = lo < 0 ? lo : 0, h = hi > 0 ? hi : 0;
  float s = (float)((h - l) / 255.0);
  if (!(s > 0) || !isfinite(1.0f / s)) s = 1.0f;
  q.scale = s;
  double z = -128.0 - nearbyint(l / s);
  q.zp = (int32_t)(z < -128 ? -128 : (z > 127 ? 127 : z));
  return q;
}

int8_t wc_quantize_value(float x, wc_qparams q) {
  float inv = 1.0f / (float)q.scale;
  float r = nearbyintf(inv * x);
  if (isnan(r)) return -128;
  if (r > 1e6f) r = 1e6f;
  if (r < -1e6f) r = -1e6f;
  int64_t v = (int64_t)q.zp + (int64_t)r;
  return (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
}

static float dequant(int8_t v, wc_qparams q) { return (float)(v - q.zp) * (float)q.scale; }

void wc_quant_multiplier(double real, int32_t *mult, int32_t *shift) {
  *mult = 0;
  *shift = 0;
  if (!(real > 0) || !isfinite(real)) return;
  int e;
  double m = frexp(real, &e); /* real = m * 2^e, m in [0.5, 1) */
  int64_t q = llround(m * 2147483648.0);
  if (q == INT64_C(2147483648)) {
    q /= 2;
    e++;
  }
  if (e < -31) return; /* below 2^-32: rounds to 0 */
  if (e > 31) {
    q = INT32_MAX;
    e = 31;
  }
  *mult = (int32_t)q;
  *shift = e;
}

/* ---- layers -------------------------------------------------------------------------- */

enum { L_CONV, L_DW, L_LINEAR, L_ADD, L_MAXPOOL, L_AVGPOOL, L_VIEW, L_LUT };
static const char *const kLayerOp[] = {"quantized_conv2d",     "quantized_depthwise_conv2d",
                                       "quantized_linear",     "quantized_add",
                                       "quantized_max_pool2d", "quantized_avg_pool2d",
                                       "(int8 view)",          "quantized_activation"};

typedef struct layer {
  int kind;
  int32_t node, act;   /* float node, fused activation node (-1)              */
  int32_t last;        /* act >= 0 ? act : node: where the layer's output appears */
  int32_t in[2], nin;  /* float activation inputs                               */
  int32_t out;         /* float output value                                    */
  int32_t qnode;       /* int8 node (appended to g, scheduled by the rewrite)  */
  uint32_t in_pos[2];  /* its argument positions of the inputs                 */
  int32_t qin[2], qout;
  double act_lo, act_hi; /* fused clamp (+-inf: none)                          */
  bool keep_fp32;      /* SQNR below the threshold                              */
  bool int8;           /* emitted as int8 (decided by the rewrite)             */
  double sig, noise, msig, mnoise;
  uint64_t wb32, wb8;
} layer;

typedef struct qctx {
  wc_graph *g;
  const wick_convert_options *opt;
  wc_qparams *qp;   /* per value id (valid where has_qp)  */
  bool *has_qp;
  uint32_t nqp;
  layer *layers;
  uint32_t nlayers, cap;
  int32_t *wcache;  /* float weight id -> its int8 tensor (tied weights share one) */
} qctx;

/* The int8 weight tensor for float weight `w` (same layout for every user):
 * the cached one, or a new constant taking `data`. */
static int32_t cached_weight(qctx *q, int32_t w, int rank, const int64_t *dims, void *data) {
  if ((uint32_t)w < q->nqp && q->wcache[w] >= 0) {
    wc_free(data);
    return q->wcache[w];
  }
  int32_t id = wc_const_tensor_owned(q->g, WICK_I8, rank, dims, data);
  if ((uint32_t)w < q->nqp) q->wcache[w] = id;
  return id;
}

static void qlogf(const wick_convert_options *opt, const char *fmt, ...) {
  if (opt == NULL || opt->log == NULL || !opt->verbose) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  opt->log(opt->log_user, line);
}

static bool is_op(const wc_node *n, const char *op) { return strcmp(n->op, op) == 0; }

static bool activation_value(const qctx *q, int32_t id) {
  const wc_value *v = &q->g->values[id];
  return v->kind == WICK_VAL_TENSOR && v->dtype == WICK_F32 && v->data == NULL &&
         (uint32_t)id < q->nqp && q->has_qp[id];
}

static const float *f32_data(const wc_graph *g, int32_t id) {
  const wc_value *v = &g->values[id];
  return v->kind == WICK_VAL_TENSOR && v->dtype == WICK_F32 && v->data ? v->data : NULL;
}

static bool num_value(const wc_value *v, double *out) {
  if (v->kind == WICK_VAL_INT) {
    *out = (double)v->i;
    return true;
  }
  if (v->kind == WICK_VAL_DOUBLE) {
    *out = v->d;
    return true;
  }
  return false;
}

/* relu / hardtanh / clamp with constant bounds: the real clamp range. */
static bool act_bounds(const wc_graph *g, const wc_node *n, double *lo, double *hi) {
  *lo = -INFINITY;
  *hi = INFINITY;
  if (is_op(n, "aten::relu.out")) {
    *lo = 0;
    return true;
  }
  if (is_op(n, "aten::hardtanh.out") || is_op(n, "aten::clamp.out")) {
    const wc_value *a = &g->values[n->args[1]], *b = &g->values[n->args[2]];
    if (a->kind != WICK_VAL_NONE && !num_value(a, lo)) return false;
    if (b->kind != WICK_VAL_NONE && !num_value(b, hi)) return false;
    return *lo <= *hi;
  }
  return false;
}

/* wick::convolution_act / addmm_act / add_act (made by the float fusion pass,
 * src/compiler/fuse.c): the op then a clamp with bounds at args[k], args[k+1]. */
static bool builtin_act(const wc_graph *g, const wc_node *n, double *lo, double *hi) {
  int k = is_op(n, "wick::convolution_act.out") ? 9
          : is_op(n, "wick::addmm_act.out")     ? 5
          : is_op(n, "wick::add_act.out")       ? 3
                                                : -1;
  if (k < 0) return false;
  *lo = -INFINITY;
  *hi = INFINITY;
  const wc_value *a = &g->values[n->args[k]], *b = &g->values[n->args[k + 1]];
  if (a->kind != WICK_VAL_NONE && !num_value(a, lo)) return false;
  if (b->kind != WICK_VAL_NONE && !num_value(b, hi)) return false;
  return *lo <= *hi;
}

static int32_t clamp_q(double real, wc_qparams q, int32_t dflt) {
  if (isinf(real)) return dflt;
  return wc_quantize_value((float)real, q);
}

/* The single consumer of value id among the scheduled nodes after position k. */
static int32_t sole_consumer(const wc_graph *g, const int32_t *sched, uint32_t nsched, uint32_t k,
                             int32_t id, uint32_t *pos) {
  if (g->values[id].uses != 1 || g->values[id].output_index >= 0) return -1;
  for (uint32_t j = k + 1; j < nsched; j++) {
    const wc_node *n = &g->nodes[sched[j]];
    for (uint32_t a = 0; a < n->nargs - n->nouts; a++)
      if (n->args[a] == id) {
        *pos = j;
        return sched[j];
      }
  }
  return -1;
}

static layer *new_layer(qctx *q) {
  if (q->nlayers == q->cap) {
    q->cap = q->cap ? q->cap * 2 : 32;
    q->layers = realloc(q->layers, q->cap * sizeof *q->layers);
    if (!q->layers) abort();
  }
  layer *L = &q->layers[q->nlayers++];
  memset(L, 0, sizeof *L);
  L->act = -1;
  L->in[1] = -1;
  return L;
}

static int32_t i8_tensor_like(wc_graph *g, int32_t like) {
  wc_value v = g->values[like];
  return wc_tensor(g, WICK_I8, v.rank, v.dims);
}

static int32_t scratch(wc_graph *g) {
  int64_t one = 1;
  return wc_tensor(g, WICK_I8, 1, &one);
}

/* Per-channel symmetric int8 weights: w is [cout, per] (row-major by output
 * channel); writes q[c*per + k] and scale[c]. */
static void quant_weights(const float *w, int64_t cout, int64_t per, int8_t *q, double *scale) {
  for (int64_t c = 0; c < cout; c++) {
    double m = 0;
    for (int64_t k = 0; k < per; k++) m = fmax(m, fabs((double)w[c * per + k]));
    double s = m > 0 ? (double)(float)(m / 127.0) : 1.0;
    scale[c] = s;
    for (int64_t k = 0; k < per; k++) {
      double r = nearbyint(w[c * per + k] / s);
      q[c * per + k] = (int8_t)(r > 127 ? 127 : (r < -127 ? -127 : r));
    }
  }
}

/* int32 bias and per-channel requantization for a conv / linear layer. */
static void bias_requant(const float *b, int64_t cout, double s_in, const double *s_w,
                         double s_out, int32_t *bq, int32_t *mult, int32_t *shift) {
  for (int64_t c = 0; c < cout; c++) {
    if (bq) {
      double r = nearbyint((double)b[c] / (s_in * s_w[c]));
      bq[c] = (int32_t)(r > INT32_MAX ? INT32_MAX : (r < INT32_MIN ? INT32_MIN : r));
    }
    wc_quant_multiplier(s_in * s_w[c] / s_out, &mult[c], &shift[c]);
  }
}

static void set_origin(wc_graph *g, int32_t ni, const char *origin) {
  free(g->nodes[ni].origin);
  g->nodes[ni].origin = NULL;
  if (origin) {
    size_t n = strlen(origin) + 1;
    g->nodes[ni].origin = malloc(n);
    if (!g->nodes[ni].origin) abort();
    memcpy(g->nodes[ni].origin, origin, n);
  }
}

/* Appends the int8 node of layer L (not scheduled yet). */
static void add_qnode(qctx *q, layer *L, const char *op, const int32_t *args, uint32_t nargs) {
  wc_graph *g = q->g;
  /* The producer field of qout is set by wc_node_add; the rewrite fixes all
   * producers at the end, so evaluation-only nodes do no harm. */
  L->qnode = wc_node_add(g, op, args, nargs, 1);
  set_origin(g, L->qnode, g->nodes[L->node].origin);
}

/* conv: (input, weight, bias, stride, padding, dilation, transposed,
 * output_padding, groups, out) */
static bool match_conv(qctx *q, layer *L, const wc_node *n) {
  wc_graph *g = q->g;
  int32_t x = n->args[0], w = n->args[1], b = n->args[2];
  const wc_value *xv = &g->values[x], *wv = &g->values[w], *bv = &g->values[b];
  if (!activation_value(q, x) || xv->rank != 4 || !f32_data(g, w) || wv->rank != 4) return false;
  if (bv->kind != WICK_VAL_NONE && (!f32_data(g, b) || (int64_t)wc_numel(bv) != wv->dims[0]))
    return false;
  if (g->values[n->args[6]].kind != WICK_VAL_BOOL || g->values[n->args[6]].i != 0) return false;
  for (int a = 3; a <= 5; a++)
    if (g->values[n->args[a]].kind != WICK_VAL_INT_LIST || g->values[n->args[a]].n < 1 ||
        g->values[n->args[a]].n > 2)
      return false;
  int64_t groups = g->values[n->args[8]].i, cin = xv->dims[1], cout = wv->dims[0];
  int64_t cin_g = wv->dims[1];
  if (groups < 1 || cin_g * groups != cin || cout % groups != 0) return false;
  bool dw = groups > 1 && groups == cin && cin_g == 1;
  L->kind = dw ? L_DW : L_CONV;
  L->in[0] = x;
  L->nin = 1;
  return true;
}

static void build_conv(qctx *q, layer *L, double act_lo, double act_hi) {
  wc_graph *g = q->g;
  const wc_node n = g->nodes[L->node];
  int32_t w = n.args[1], b = n.args[2];
  wc_value wv = g->values[w];
  int64_t cout = wv.dims[0], cin_g = wv.dims[1], kh = wv.dims[2], kw = wv.dims[3];
  int64_t per = cin_g * kh * kw;
  int8_t *wq = malloc((size_t)(cout * per));
  double *sw = malloc((size_t)cout * sizeof(double));
  if (!wq || !sw) abort();
  quant_weights(f32_data(g, w), cout, per, wq, sw);
  wc_qparams qi = q->qp[L->in[0]], qo = q->qp[L->out];
  const float *bd = g->values[b].kind == WICK_VAL_NONE ? NULL : f32_data(g, b);
  int32_t *bq = bd ? wc_alloc((size_t)cout * 4) : NULL;
  int32_t *mult = wc_alloc((size_t)cout * 4), *shift = wc_alloc((size_t)cout * 4);
  bias_requant(bd, cout, qi.scale, sw, qo.scale, bq, mult, shift);
  /* re-layout: OIHW -> OHWI (conv) or [C*m, 1, KH, KW] -> IHWO [1, KH, KW, C*m] (depthwise) */
  int8_t *wl = wc_alloc((size_t)(cout * per));
  int64_t dims[4];
  if (L->kind == L_CONV) {
    for (int64_t o = 0; o < cout; o++)
      for (int64_t i = 0; i < cin_g; i++)
        for (int64_t a = 0; a < kh; a++)
          for (int64_t c = 0; c < kw; c++)
            wl[((o * kh + a) * kw + c) * cin_g + i] = wq[((o * cin_g + i) * kh + a) * kw + c];
    dims[0] = cout, dims[1] = kh, dims[2] = kw, dims[3] = cin_g;
  } else {
    for (int64_t o = 0; o < cout; o++)
      for (int64_t a = 0; a < kh; a++)
        for (int64_t c = 0; c < kw; c++) wl[(a * kw + c) * cout + o] = wq[(o * kh + a) * kw + c];
    dims[0] = 1, dims[1] = kh, dims[2] = kw, dims[3] = cout;
  }
  free(wq);
  free(sw);
  int32_t wid = cached_weight(q, w, 4, dims, wl);
  int32_t bid = bq ? wc_const_tensor_owned(g, WICK_I32, 1, &cout, bq) : wc_none(g);
  int32_t mid = wc_const_tensor_owned(g, WICK_I32, 1, &cout, mult);
  int32_t sid = wc_const_tensor_owned(g, WICK_I32, 1, &cout, shift);
  L->qin[0] = i8_tensor_like(g, L->in[0]);
  L->qout = i8_tensor_like(g, L->out);
  int32_t amin = wc_int(g, clamp_q(act_lo, qo, -128)), amax = wc_int(g, clamp_q(act_hi, qo, 127));
  int32_t io = wc_int(g, -qi.zp), oo = wc_int(g, qo.zp);
  if (L->kind == L_CONV) {
    int32_t args[14] = {L->qin[0], wid, bid, n.args[3], n.args[4], n.args[5], io,
                        oo,        mid, sid, amin,      amax,      scratch(g), L->qout};
    add_qnode(q, L, "cortex_m::quantized_conv2d.out", args, 14);
  } else {
    int32_t dm = wc_int(g, cout / g->values[L->in[0]].dims[1]);
    int32_t args[15] = {L->qin[0], wid,  bid,  n.args[3], n.args[4],  n.args[5], dm,     io,
                        oo,        mid,  sid,  amin,      amax,       scratch(g), L->qout};
    add_qnode(q, L, "cortex_m::quantized_depthwise_conv2d.out", args, 15);
  }
  L->in_pos[0] = 0;
  L->wb32 = (uint64_t)(cout * per + (bd ? cout : 0)) * 4;
  L->wb8 = (uint64_t)(cout * per) + (uint64_t)cout * ((bd ? 4 : 0) + 8);
}

/* addmm(bias, a, b, beta, alpha, out) / mm(a, b, out) with constant b [K, N]. */
static bool match_linear(qctx *q, layer *L, const wc_node *n) {
  wc_graph *g = q->g;
  bool addmm = !is_op(n, "aten::mm.out");
  int32_t a = n->args[addmm ? 1 : 0], b = n->args[addmm ? 2 : 1];
  if (!activation_value(q, a) || g->values[a].rank != 2 || !f32_data(g, b) ||
      g->values[b].rank != 2)
    return false;
  if (addmm) {
    double beta, alpha;
    if (!num_value(&g->values[n->args[3]], &beta) || !num_value(&g->values[n->args[4]], &alpha) ||
        beta != 1 || alpha != 1)
      return false;
    const wc_value *bias = &g->values[n->args[0]];
    if (!f32_data(g, n->args[0]) || (int64_t)wc_numel(bias) != g->values[b].dims[1] ||
        bias->dims[bias->rank - 1] != g->values[b].dims[1])
      return false;
  }
  L->kind = L_LINEAR;
  L->in[0] = a;
  L->nin = 1;
  return true;
}

static void build_linear(qctx *q, layer *L, double act_lo, double act_hi) {
  wc_graph *g = q->g;
  const wc_node n = g->nodes[L->node];
  bool addmm = !is_op(&n, "aten::mm.out");
  int32_t b = n.args[addmm ? 2 : 1];
  int64_t k = g->values[b].dims[0], nout = g->values[b].dims[1];
  const float *bd = f32_data(g, b);
  float *wt = malloc((size_t)(k * nout) * sizeof(float)); /* [N, K] */
  int8_t *wq = wc_alloc((size_t)(k * nout));
  double *sw = malloc((size_t)nout * sizeof(double));
  if (!wt || !sw) abort();
  for (int64_t i = 0; i < k; i++)
    for (int64_t j = 0; j < nout; j++) wt[j * k + i] = bd[i * nout + j];
  quant_weights(wt, nout, k, wq, sw);
  free(wt);
  wc_qparams qi = q->qp[L->in[0]], qo = q->qp[L->out];
  const float *bias = addmm ? f32_data(g, n.args[0]) : NULL;
  int32_t *bq = bias ? wc_alloc((size_t)nout * 4) : NULL;
  int32_t *mult = malloc((size_t)nout * 4), *shift = malloc((size_t)nout * 4);
  int64_t *ml = malloc((size_t)nout * 8), *sl = malloc((size_t)nout * 8);
  if (!mult || !shift || !ml || !sl) abort();
  bias_requant(bias, nout, qi.scale, sw, qo.scale, bq, mult, shift);
  for (int64_t c = 0; c < nout; c++) ml[c] = mult[c], sl[c] = shift[c];
  int64_t wd[2] = {nout, k};
  int32_t wid = cached_weight(q, b, 2, wd, wq);
  int32_t bid = bq ? wc_const_tensor_owned(g, WICK_I32, 1, &nout, bq) : wc_none(g);
  int32_t mid = wc_int_list(g, ml, (uint32_t)nout), sid = wc_int_list(g, sl, (uint32_t)nout);
  free(mult), free(shift), free(ml), free(sl), free(sw);
  L->qin[0] = i8_tensor_like(g, L->in[0]);
  L->qout = i8_tensor_like(g, L->out);
  int32_t args[12] = {L->qin[0],
                      wid,
                      bid,
                      wc_none(g),
                      wc_int(g, -qi.zp),
                      wc_int(g, 0),
                      wc_int(g, qo.zp),
                      mid,
                      sid,
                      wc_int(g, clamp_q(act_hi, qo, 127)),
                      wc_int(g, clamp_q(act_lo, qo, -128)),
                      L->qout};
  add_qnode(q, L, "cortex_m::quantized_linear.out", args, 12);
  L->in_pos[0] = 0;
  L->wb32 = (uint64_t)(k * nout + (bias ? nout : 0)) * 4;
  L->wb8 = (uint64_t)(k * nout) + (uint64_t)nout * ((bias ? 4 : 0) + 8);
}

/* add(a, b, alpha=1, out) of two activations. */
static bool match_add(qctx *q, layer *L, const wc_node *n) {
  double alpha;
  if (!num_value(&q->g->values[n->args[2]], &alpha) || alpha != 1) return false;
  if (!activation_value(q, n->args[0]) || !activation_value(q, n->args[1])) return false;
  L->kind = L_ADD;
  L->in[0] = n->args[0];
  L->in[1] = n->args[1];
  L->nin = 2;
  return true;
}

static void build_add(qctx *q, layer *L, double act_lo, double act_hi) {
  wc_graph *g = q->g;
  wc_qparams q1 = q->qp[L->in[0]], q2 = q->qp[L->in[1]], qo = q->qp[L->out];
  /* TFLite / CMSIS-NN: inputs rescaled to 2*max(s1, s2) with 20 bits of headroom. */
  double twice = 2.0 * fmax(q1.scale, q2.scale);
  int32_t m1, s1, m2, s2, mo, so;
  wc_quant_multiplier(q1.scale / twice, &m1, &s1);
  wc_quant_multiplier(q2.scale / twice, &m2, &s2);
  wc_quant_multiplier(twice / ((double)(1 << 20) * qo.scale), &mo, &so);
  L->qin[0] = i8_tensor_like(g, L->in[0]);
  L->qin[1] = L->in[1] == L->in[0] ? L->qin[0] : i8_tensor_like(g, L->in[1]);
  L->qout = i8_tensor_like(g, L->out);
  int32_t args[14] = {L->qin[0],         wc_int(g, q1.zp), wc_int(g, m1),    wc_int(g, s1),
                      L->qin[1],         wc_int(g, q2.zp), wc_int(g, m2),    wc_int(g, s2),
                      wc_int(g, qo.zp),  wc_int(g, mo),    wc_int(g, so),
                      wc_int(g, clamp_q(act_lo, qo, -128)), wc_int(g, clamp_q(act_hi, qo, 127)),
                      L->qout};
  add_qnode(q, L, "cortex_m::quantized_add.out", args, 14);
  L->in_pos[0] = 0;
  L->in_pos[1] = 4;
}

static bool all_zero(const wc_value *v) {
  for (uint32_t k = 0; k < v->n; k++)
    if (v->ints[k] != 0) return false;
  return true;
}

/* Pools keep the input's qparams (the output range is inside the input's). */
static bool match_pool(qctx *q, layer *L, const wc_node *n) {
  wc_graph *g = q->g;
  int32_t x = n->args[0];
  if (!activation_value(q, x) || g->values[x].rank != 4) return false;
  if (is_op(n, "aten::max_pool2d_with_indices.out")) {
    if (g->values[n->args[7]].uses != 0 || g->values[n->args[7]].output_index >= 0) return false;
    L->kind = L_MAXPOOL;
  } else if (is_op(n, "aten::avg_pool2d.out")) {
    /* cortex_m averages over the window clipped to the input: matches ATen
     * when there is no padding or the padding is not counted. */
    if (g->values[n->args[6]].kind != WICK_VAL_NONE) return false;
    if (!all_zero(&g->values[n->args[3]]) && g->values[n->args[5]].i != 0) return false;
    L->kind = L_AVGPOOL;
  } else { /* aten::mean.out(x, dims, keepdim, dtype, out) over H, W */
    const wc_value *dims = &g->values[n->args[1]];
    if (dims->kind != WICK_VAL_INT_LIST || dims->n != 2 || g->values[n->args[2]].i != 1 ||
        g->values[n->args[3]].kind != WICK_VAL_NONE)
      return false;
    int64_t a = (dims->ints[0] + 4) % 4, b = (dims->ints[1] + 4) % 4;
    if (!((a == 2 && b == 3) || (a == 3 && b == 2))) return false;
    L->kind = L_AVGPOOL;
  }
  L->in[0] = x;
  L->nin = 1;
  return true;
}

static void build_pool(qctx *q, layer *L) {
  wc_graph *g = q->g;
  const wc_node n = g->nodes[L->node];
  wc_qparams qi = q->qp[L->in[0]];
  L->qin[0] = i8_tensor_like(g, L->in[0]);
  L->qout = i8_tensor_like(g, L->out);
  int32_t zp = wc_int(g, qi.zp);
  if (L->kind == L_MAXPOOL) {
    int32_t args[11] = {L->qin[0], n.args[1], n.args[2],     n.args[3],    n.args[4], n.args[5],
                        zp,        zp,        wc_int(g, -128), wc_int(g, 127), L->qout};
    add_qnode(q, L, "cortex_m::quantized_max_pool2d.out", args, 11);
  } else if (is_op(&n, "aten::avg_pool2d.out")) {
    int32_t args[10] = {L->qin[0], n.args[1],   n.args[2],   n.args[3],  n.args[4],
                        zp,        wc_int(g, 0), wc_int(g, 0), scratch(g), L->qout};
    add_qnode(q, L, "cortex_m::quantized_avg_pool2d.out", args, 10);
  } else {
    const wc_value *x = &g->values[L->in[0]];
    int64_t k[2] = {x->dims[2], x->dims[3]}, z[2] = {0, 0};
    int32_t kl = wc_int_list(g, k, 2);
    int32_t args[10] = {L->qin[0], kl, kl, wc_int_list(g, z, 2), wc_bool(g, false), zp,
                        wc_int(g, 0), wc_int(g, 0), scratch(g), L->qout};
    add_qnode(q, L, "cortex_m::quantized_avg_pool2d.out", args, 10);
  }
  L->in_pos[0] = 0;
}

/* view_copy / permute_copy (x, list, out): exact on int8 with the same qparams. */
static bool match_view(qctx *q, layer *L, const wc_node *n) {
  if (!activation_value(q, n->args[0])) return false;
  L->kind = L_VIEW;
  L->in[0] = n->args[0];
  L->nin = 1;
  return true;
}

static void build_view(qctx *q, layer *L) {
  wc_graph *g = q->g;
  const wc_node n = g->nodes[L->node];
  L->qin[0] = i8_tensor_like(g, L->in[0]);
  L->qout = i8_tensor_like(g, L->out);
  int32_t args[3] = {L->qin[0], n.args[1], L->qout};
  add_qnode(q, L, n.op, args, 3);
  L->in_pos[0] = 0;
}

/* Unary activations as a 256-entry table (cortex_m::quantized_activation). */
static bool lut_fn(const wc_graph *g, const wc_node *n, int *fn, double *lo, double *hi) {
  static const char *const ops[] = {"aten::sigmoid.out", "aten::tanh.out", "aten::hardswish.out",
                                    "aten::hardsigmoid.out", "aten::silu.out", "aten::gelu.out"};
  if (act_bounds(g, n, lo, hi)) {
    *fn = -1;
    return true;
  }
  for (int k = 0; k < 6; k++)
    if (is_op(n, ops[k])) {
      *fn = k;
      if (k == 5) { /* gelu(x, approximate) */
        const wc_value *ap = &g->values[n->args[1]];
        if (ap->kind != WICK_VAL_STRING) return false;
        if (strcmp(ap->str, "tanh") == 0) *fn = 6;
        else if (strcmp(ap->str, "none") != 0) return false;
      }
      return true;
    }
  return false;
}

static double apply_fn(int fn, double x, double lo, double hi) {
  switch (fn) {
    case -1: return x < lo ? lo : (x > hi ? hi : x);
    case 0: return 1.0 / (1.0 + exp(-x));
    case 1: return tanh(x);
    case 2: return x * fmin(fmax(x + 3, 0), 6) / 6;
    case 3: return fmin(fmax(x + 3, 0), 6) / 6;
    case 4: return x / (1.0 + exp(-x));
    case 5: return 0.5 * x * (1 + erf(x / sqrt(2.0)));
    default: return 0.5 * x * (1 + tanh(sqrt(2 / 3.141592653589793) * (x + 0.044715 * x * x * x)));
  }
}

static void build_lut(qctx *q, layer *L) {
  wc_graph *g = q->g;
  int fn = -1;
  double lo, hi;
  lut_fn(g, &g->nodes[L->node], &fn, &lo, &hi);
  wc_qparams qi = q->qp[L->in[0]], qo = q->qp[L->out];
  int8_t *lut = wc_alloc(256);
  for (int v = -128; v < 128; v++)
    lut[v + 128] = wc_quantize_value((float)apply_fn(fn, dequant((int8_t)v, qi), lo, hi), qo);
  int64_t n256 = 256;
  L->qin[0] = i8_tensor_like(g, L->in[0]);
  L->qout = i8_tensor_like(g, L->out);
  int32_t args[3] = {L->qin[0], wc_const_tensor_owned(g, WICK_I8, 1, &n256, lut), L->qout};
  add_qnode(q, L, "cortex_m::quantized_activation.out", args, 3);
  L->in_pos[0] = 0;
  L->wb8 = 256;
}

/* Finds the layers in schedule order and builds their int8 nodes. */
static void match_layers(qctx *q, const int32_t *sched, uint32_t nsched) {
  wc_graph *g = q->g;
  bool *fused = calloc(g->num_nodes ? g->num_nodes : 1, sizeof(bool));
  if (!fused) abort();
  for (uint32_t k = 0; k < nsched; k++) {
    int32_t ni = sched[k];
    if (fused[ni]) continue;
    const wc_node *n = &g->nodes[ni];
    layer tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.act = -1;
    tmp.in[1] = -1;
    bool ok = false, can_fuse = false;
    int lut = 0;
    double llo, lhi;
    double act_lo = -INFINITY, act_hi = INFINITY;
    bool builtin = builtin_act(g, n, &act_lo, &act_hi);
    if (is_op(n, "aten::convolution.out") || is_op(n, "wick::convolution_act.out"))
      ok = match_conv(q, &tmp, n), can_fuse = !builtin;
    else if (is_op(n, "aten::addmm.out") || is_op(n, "aten::mm.out") ||
             is_op(n, "wick::addmm_act.out"))
      ok = match_linear(q, &tmp, n), can_fuse = !builtin;
    else if (is_op(n, "aten::add.out") || is_op(n, "wick::add_act.out"))
      ok = match_add(q, &tmp, n), can_fuse = !builtin;
    else if (is_op(n, "aten::max_pool2d_with_indices.out") || is_op(n, "aten::avg_pool2d.out") ||
             is_op(n, "aten::mean.out"))
      ok = match_pool(q, &tmp, n);
    else if (is_op(n, "aten::view_copy.out") || is_op(n, "aten::permute_copy.out"))
      ok = match_view(q, &tmp, n);
    else if (lut_fn(g, n, &lut, &llo, &lhi) && activation_value(q, n->args[0])) {
      tmp.kind = L_LUT;
      tmp.in[0] = n->args[0];
      tmp.nin = 1;
      ok = true;
    }
    if (!ok) continue;
    tmp.node = ni;
    tmp.out = n->args[n->nargs - n->nouts];
    if (!activation_value(q, tmp.out) && tmp.kind != L_MAXPOOL && tmp.kind != L_AVGPOOL &&
        tmp.kind != L_VIEW)
      continue;
    if (builtin && (isinf(act_lo) && isinf(act_hi))) continue;
    if (can_fuse) {
      uint32_t pos;
      int32_t c = sole_consumer(g, sched, nsched, k, tmp.out, &pos);
      double lo, hi;
      if (c >= 0 && g->nodes[c].args[0] == tmp.out && act_bounds(g, &g->nodes[c], &lo, &hi) &&
          activation_value(q, g->nodes[c].args[g->nodes[c].nargs - 1])) {
        tmp.act = c;
        tmp.out = g->nodes[c].args[g->nodes[c].nargs - 1];
        act_lo = lo, act_hi = hi;
        fused[c] = true;
      }
    }
    tmp.last = tmp.act >= 0 ? tmp.act : tmp.node;
    tmp.act_lo = act_lo;
    tmp.act_hi = act_hi;
    /* Pools and views keep their input's qparams. */
    if (tmp.kind == L_MAXPOOL || tmp.kind == L_AVGPOOL || tmp.kind == L_VIEW) {
      q->qp[tmp.out] = q->qp[tmp.in[0]];
      q->has_qp[tmp.out] = true;
    }
    layer *L = new_layer(q);
    *L = tmp;
    switch (L->kind) {
      case L_CONV:
      case L_DW: build_conv(q, L, act_lo, act_hi); break;
      case L_LINEAR: build_linear(q, L, act_lo, act_hi); break;
      case L_ADD: build_add(q, L, act_lo, act_hi); break;
      case L_MAXPOOL:
      case L_AVGPOOL: build_pool(q, L); break;
      case L_VIEW: build_view(q, L); break;
      default: build_lut(q, L); break;
    }
  }
  free(fused);
}

/* ---- evaluation -------------------------------------------------------------------- */

static void accumulate(const float *ref, const int8_t *qv, wc_qparams qp, size_t n, double *sig,
                       double *noise) {
  for (size_t i = 0; i < n; i++) {
    double r = ref[i], e = r - dequant(qv[i], qp);
    *sig += r * r;
    *noise += e * e;
  }
}

static double sqnr_db(double sig, double noise) {
  if (noise <= 0) return INFINITY;
  if (sig <= 0) return -INFINITY;
  return 10.0 * log10(sig / noise);
}

/* Pass B: every layer's int8 node on its quantized fp32 inputs, against the fp32 output. */
static wick_status eval_layers(qctx *q, const int32_t *sched, uint32_t nsched,
                               const wc_calib_data *cd, wick_diag *d) {
  wc_graph *g = q->g;
  int32_t *layer_at = malloc((g->num_nodes ? g->num_nodes : 1) * sizeof(int32_t));
  if (!layer_at) abort();
  for (uint32_t i = 0; i < g->num_nodes; i++) layer_at[i] = -1;
  for (uint32_t l = 0; l < q->nlayers; l++) layer_at[q->layers[l].last] = (int32_t)l;
  wc_exec f, e8;
  wc_exec_init(&f, g);
  wc_exec_init(&e8, g);
  wick_status s = WICK_OK;
  for (uint32_t set = 0; set < cd->num_sets && s == WICK_OK; set++) {
    uint64_t t0 = wick_now_ns();
    wc_calib_feed(&f, cd, set);
    for (uint32_t k = 0; k < nsched && s == WICK_OK; k++) {
      s = wc_exec_node(&f, sched[k], d);
      int32_t l = layer_at[sched[k]];
      if (s != WICK_OK || l < 0) continue;
      layer *L = &q->layers[l];
      for (int32_t i = 0; i < L->nin; i++) {
        const float *x = wc_exec_data(&f, L->in[i]);
        int8_t *xq = wc_exec_data(&e8, L->qin[i]);
        size_t n = wc_numel(&g->values[L->in[i]]);
        for (size_t j = 0; j < n; j++) xq[j] = wc_quantize_value(x[j], q->qp[L->in[i]]);
      }
      s = wc_exec_node(&e8, L->qnode, d);
      if (s == WICK_OK)
        accumulate(wc_exec_data(&f, L->out), wc_exec_data(&e8, L->qout), q->qp[L->out],
                   wc_numel(&g->values[L->out]), &L->sig, &L->noise);
    }
    if (s != WICK_OK) wick_diag_prefix(d, "quantization check on calibration set %s", cd->label[set]);
    qlogf(q->opt, "layer SQNR %u/%u (%s): %.1f ms", set + 1, cd->num_sets, cd->label[set],
          (double)(wick_now_ns() - t0) / 1e6);
  }
  wc_exec_free(&f);
  wc_exec_free(&e8);
  free(layer_at);
  return s;
}

/* ---- rewrite ------------------------------------------------------------------------- */

typedef struct sched_buf {
  int32_t *v;
  uint32_t n, cap;
} sched_buf;

static void push(sched_buf *b, int32_t ni) {
  if (b->n == b->cap) {
    b->cap = b->cap ? b->cap * 2 : 64;
    b->v = realloc(b->v, b->cap * sizeof *b->v);
    if (!b->v) abort();
  }
  b->v[b->n++] = ni;
}

static int32_t qdq_node(wc_graph *g, bool quant, int32_t in, int32_t out, wc_qparams qp) {
  int32_t args[7] = {in,
                     wc_double(g, qp.scale),
                     wc_int(g, qp.zp),
                     wc_int(g, -128),
                     wc_int(g, 127),
                     wc_int(g, WICK_I8),
                     out};
  return wc_node_add(g, quant ? "cortex_m::quantize_per_tensor.out"
                              : "cortex_m::dequantize_per_tensor.out",
                     args, 7, 1);
}

static void rewrite(qctx *q, const int32_t *sched, uint32_t nsched, sched_buf *out) {
  wc_graph *g = q->g;
  uint32_t nv0 = g->num_values, nn0 = g->num_nodes;
  bool *avail = calloc(nv0, sizeof(bool)), *float_need = calloc(nv0, sizeof(bool));
  int32_t *int8_of = malloc(nv0 * sizeof(int32_t));
  int32_t *layer_at = malloc(nn0 * sizeof(int32_t));
  bool *in_layer = calloc(nn0, sizeof(bool));
  if (!avail || !float_need || !int8_of || !layer_at || !in_layer) abort();
  for (uint32_t i = 0; i < nv0; i++) int8_of[i] = -1;
  for (uint32_t i = 0; i < nn0; i++) layer_at[i] = -1;
  /* 1. which layers run in int8: views and tables only when their input is int8 */
  for (uint32_t l = 0; l < q->nlayers; l++) {
    layer *L = &q->layers[l];
    L->int8 = !L->keep_fp32 && (L->kind == L_VIEW || L->kind == L_LUT ? avail[L->in[0]] : true);
    if (!L->int8) continue;
    avail[L->out] = true;
    layer_at[L->last] = (int32_t)l;
    in_layer[L->node] = true;
    if (L->act >= 0) in_layer[L->act] = true;
  }
  /* 2. float values read by float nodes or returned */
  for (uint32_t k = 0; k < nsched; k++) {
    const wc_node *n = &g->nodes[sched[k]];
    if (in_layer[sched[k]]) continue;
    for (uint32_t a = 0; a < n->nargs - n->nouts; a++) {
      const wc_value *v = &g->values[n->args[a]];
      if (v->kind == WICK_VAL_TENSOR) float_need[n->args[a]] = true;
      if (v->kind == WICK_VAL_TENSOR_LIST || v->kind == WICK_VAL_OPT_TENSOR_LIST)
        for (uint32_t j = 0; j < v->n; j++)
          if (v->ids[j] >= 0) float_need[v->ids[j]] = true;
    }
  }
  for (uint32_t k = 0; k < g->num_outputs; k++) float_need[g->outputs[k]] = true;
  /* 3. emit */
  for (uint32_t k = 0; k < nsched; k++) {
    int32_t ni = sched[k];
    if (!in_layer[ni]) {
      push(out, ni);
      continue;
    }
    g->nodes[ni].dead = true;
    if (layer_at[ni] < 0) continue; /* the conv of a fused conv+relu: emitted at the relu */
    layer *L = &q->layers[layer_at[ni]];
    for (int32_t i = 0; i < L->nin; i++) {
      int32_t x = L->in[i];
      if (int8_of[x] < 0) {
        int32_t xq = i8_tensor_like(g, x);
        int32_t qn = qdq_node(g, true, x, xq, q->qp[x]);
        set_origin(g, qn, g->nodes[L->node].origin);
        push(out, qn);
        int8_of[x] = xq;
      }
      g->nodes[L->qnode].args[L->in_pos[i]] = int8_of[x];
    }
    push(out, L->qnode);
    int8_of[L->out] = L->qout;
    if (float_need[L->out]) {
      int32_t dn = qdq_node(g, false, L->qout, L->out, q->qp[L->out]);
      set_origin(g, dn, g->nodes[L->node].origin);
      push(out, dn);
    }
  }
  free(avail);
  free(float_need);
  free(int8_of);
  free(layer_at);
  free(in_layer);
}

/* Pass C: the rewritten graph against the float one. */
static wick_status eval_model(qctx *q, const int32_t *fsched, uint32_t nf, const sched_buf *qs,
                              const wc_calib_data *cd, double *out_sig, double *out_noise,
                              wick_diag *d) {
  wc_graph *g = q->g;
  wc_exec f, e8;
  wc_exec_init(&f, g);
  wc_exec_init(&e8, g);
  wick_status s = WICK_OK;
  for (uint32_t set = 0; set < cd->num_sets && s == WICK_OK; set++) {
    uint64_t t0 = wick_now_ns();
    wc_calib_feed(&f, cd, set);
    wc_calib_feed(&e8, cd, set);
    for (uint32_t k = 0; k < nf && s == WICK_OK; k++) s = wc_exec_node(&f, fsched[k], d);
    for (uint32_t k = 0; k < qs->n && s == WICK_OK; k++) s = wc_exec_node(&e8, qs->v[k], d);
    if (s != WICK_OK) {
      wick_diag_prefix(d, "running the int8 graph on calibration set %s", cd->label[set]);
      break;
    }
    for (uint32_t l = 0; l < q->nlayers; l++) {
      layer *L = &q->layers[l];
      if (!L->int8) continue;
      accumulate(wc_exec_data(&f, L->out), wc_exec_data(&e8, L->qout), q->qp[L->out],
                 wc_numel(&g->values[L->out]), &L->msig, &L->mnoise);
    }
    for (uint32_t k = 0; k < g->num_outputs; k++) {
      int32_t id = g->outputs[k];
      const wc_value *v = &g->values[id];
      if (v->kind != WICK_VAL_TENSOR || v->dtype != WICK_F32) continue;
      const float *a = wc_exec_data(&f, id), *b = wc_exec_data(&e8, id);
      for (size_t i = 0; i < wc_numel(v); i++) {
        double r = a[i], e = r - b[i];
        *out_sig += r * r;
        *out_noise += e * e;
      }
    }
    qlogf(q->opt, "int8 vs fp32 %u/%u (%s): %.1f ms", set + 1, cd->num_sets, cd->label[set],
          (double)(wick_now_ns() - t0) / 1e6);
  }
  wc_exec_free(&f);
  wc_exec_free(&e8);
  return s;
}

/* Makes g->nodes exactly the schedule (dropping everything else) and
 * recomputes producers and uses. */
static void commit(wc_graph *g, const sched_buf *sb) {
  bool *keep = calloc(g->num_nodes ? g->num_nodes : 1, sizeof(bool));
  wc_node *nn = malloc((sb->n ? sb->n : 1) * sizeof *nn);
  if (!keep || !nn) abort();
  for (uint32_t k = 0; k < sb->n; k++) {
    keep[sb->v[k]] = true;
    nn[k] = g->nodes[sb->v[k]];
    nn[k].dead = false;
  }
  for (uint32_t i = 0; i < g->num_nodes; i++)
    if (!keep[i]) {
      free(g->nodes[i].args);
      free(g->nodes[i].origin);
    }
  free(g->nodes);
  g->nodes = nn;
  g->num_nodes = g->cap_nodes = sb->n;
  for (uint32_t i = 0; i < g->num_values; i++) g->values[i].producer = -1;
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    const wc_node *n = &g->nodes[i];
    for (uint32_t a = n->nargs - n->nouts; a < n->nargs; a++) {
      wc_value *o = &g->values[n->args[a]];
      if (o->kind == WICK_VAL_TENSOR) o->producer = (int32_t)i;
      if (o->kind == WICK_VAL_TENSOR_LIST)
        for (uint32_t j = 0; j < o->n; j++) g->values[o->ids[j]].producer = (int32_t)i;
    }
  }
  free(keep);
  wc_dce(g);
}

/* ---- driver ---------------------------------------------------------------------------- */

int wick_observer_parse(const char *name) {
  static const char *const names[] = {"minmax", "ema", "percentile", "kl"};
  for (int k = 0; k < 4; k++)
    if (strcmp(name, names[k]) == 0) return WICK_OBSERVER_MINMAX + k;
  return -1;
}

const char *wick_observer_name(int observer) {
  switch (observer) {
    case WICK_OBSERVER_MINMAX: return "minmax";
    case WICK_OBSERVER_EMA: return "ema";
    case WICK_OBSERVER_PERCENTILE: return "percentile";
    case WICK_OBSERVER_KL: return "kl";
    default: return "default";
  }
}

void wick_convert_report_free(wick_convert_report *report) {
  if (report == NULL) return;
  free(report->quant_layers);
  report->quant_layers = NULL;
  report->num_quant_layers = 0;
}

/* The observer used when none is asked for (docs/QUANTIZATION.md 2.2). */
#define WICK_DEFAULT_OBSERVER WICK_OBSERVER_PERCENTILE

wick_status wc_quantize(wc_graph *g, const wick_convert_options *opt, wick_convert_report *rep,
                        wick_diag *d) {
  rep->quant_output_sqnr_db = NAN;
  if (opt->quantize == WICK_QUANT_INT8_DYNAMIC) return wc_quantize_dynamic(g, opt, rep, d);
  if (opt->quantize != WICK_QUANT_INT8)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "unknown quantization mode %d",
                         opt->quantize);
  int observer = opt->observer == WICK_OBSERVER_DEFAULT ? WICK_DEFAULT_OBSERVER : opt->observer;
  if (observer < WICK_OBSERVER_MINMAX || observer > WICK_OBSERVER_KL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "unknown observer %d", opt->observer);
  rep->observer = observer;
  wc_count_uses(g);
  sched_buf fs = {0};
  for (uint32_t i = 0; i < g->num_nodes; i++)
    if (!g->nodes[i].dead) push(&fs, (int32_t)i);
  wc_calib_data cd;
  wick_status s = wc_calib_load(g, opt, &cd, d);
  if (s != WICK_OK) {
    free(fs.v);
    return s;
  }
  rep->calib_sets = cd.num_sets;
  qlogf(opt, "quantize int8: %u calibration set(s), observer %s", cd.num_sets,
        wick_observer_name(observer));
  qctx q;
  memset(&q, 0, sizeof q);
  q.g = g;
  q.opt = opt;
  q.nqp = g->num_values;
  wc_range *ranges = calloc(q.nqp ? q.nqp : 1, sizeof *ranges);
  q.qp = calloc(q.nqp ? q.nqp : 1, sizeof *q.qp);
  q.has_qp = calloc(q.nqp ? q.nqp : 1, sizeof *q.has_qp);
  q.wcache = malloc((q.nqp ? q.nqp : 1) * sizeof *q.wcache);
  if (!ranges || !q.qp || !q.has_qp || !q.wcache) abort();
  for (uint32_t id = 0; id < q.nqp; id++) q.wcache[id] = -1;
  s = wc_calibrate(g, fs.v, fs.n, &cd, observer, opt, ranges, d);
  for (uint32_t id = 0; id < q.nqp && s == WICK_OK; id++)
    if (ranges[id].seen) {
      q.qp[id] = wc_qparams_from_range(ranges[id].lo, ranges[id].hi);
      q.has_qp[id] = true;
    }
  free(ranges);
  if (s == WICK_OK) match_layers(&q, fs.v, fs.n);
  bool measure = opt->min_sqnr_db > 0 || opt->quant_report;
  if (s == WICK_OK && measure) s = eval_layers(&q, fs.v, fs.n, &cd, d);
  for (uint32_t l = 0; l < q.nlayers && s == WICK_OK; l++) {
    layer *L = &q.layers[l];
    if (opt->min_sqnr_db > 0 && L->kind != L_VIEW && sqnr_db(L->sig, L->noise) < opt->min_sqnr_db)
      L->keep_fp32 = true;
  }
  sched_buf qs = {0};
  if (s == WICK_OK) rewrite(&q, fs.v, fs.n, &qs);
  double osig = 0, onoise = 0;
  if (s == WICK_OK && opt->quant_report) {
    s = eval_model(&q, fs.v, fs.n, &qs, &cd, &osig, &onoise, d);
    rep->quant_output_sqnr_db = sqnr_db(osig, onoise);
  }
  if (s == WICK_OK) {
    /* the report: every layer but the int8 views */
    uint32_t nrep = 0;
    for (uint32_t l = 0; l < q.nlayers; l++) nrep += q.layers[l].kind != L_VIEW;
    rep->quant_layers = calloc(nrep ? nrep : 1, sizeof *rep->quant_layers);
    if (!rep->quant_layers) abort();
    for (uint32_t l = 0; l < q.nlayers; l++) {
      const layer *L = &q.layers[l];
      if (L->int8 && L->kind != L_VIEW) rep->quant_int8_layers++;
      if (L->int8) rep->quant_weight_bytes_fp32 += L->wb32, rep->quant_weight_bytes_int8 += L->wb8;
      if (L->kind == L_VIEW) continue;
      wick_quant_layer *r = &rep->quant_layers[rep->num_quant_layers++];
      const char *origin = g->nodes[L->node].origin;
      snprintf(r->name, sizeof r->name, "%s", origin ? origin : g->nodes[L->node].op);
      bool fused = L->kind <= L_ADD && (!isinf(L->act_lo) || !isinf(L->act_hi));
      const char *act = L->act_lo == 0 && isinf(L->act_hi) ? "+relu"
                        : L->act_lo == 0 && L->act_hi == 6 ? "+relu6"
                                                           : "+clamp";
      snprintf(r->op, sizeof r->op, "%s%s", kLayerOp[L->kind], fused ? act : "");
      r->sqnr_db = measure ? sqnr_db(L->sig, L->noise) : NAN;
      r->model_sqnr_db = opt->quant_report && L->int8 ? sqnr_db(L->msig, L->mnoise) : NAN;
      r->kept_fp32 = !L->int8;
      r->weight_bytes_fp32 = L->wb32;
      r->weight_bytes_int8 = L->wb8;
    }
    commit(g, &qs);
    qlogf(opt, "quantize int8: %u of %u layers in int8; their weights %llu -> %llu bytes%s",
          rep->quant_int8_layers, q.nlayers, (unsigned long long)rep->quant_weight_bytes_fp32,
          (unsigned long long)rep->quant_weight_bytes_int8, "");
  }
  free(qs.v);
  free(fs.v);
  free(q.layers);
  free(q.qp);
  free(q.has_qp);
  free(q.wcache);
  wc_calib_free(&cd);
  return s;
}
