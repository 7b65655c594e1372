/* Dynamic int8 quantization of the converter IR (--quantize int8-dynamic,
 * docs/QUANTIZATION.md section 2.6).
 *
 * Every linear with constant weights, aten::addmm.out (beta = alpha = 1, a
 * per-channel bias) or aten::mm.out, becomes wick::linear_dq8.out: int8
 * weights, symmetric per output channel, stored in the kernel's VNNI-blocked
 * layout, their per-channel sums, float32 scales and the float32 bias; the
 * activations stay float32 in the graph and are quantized per row inside
 * the kernel. No calibration: ranges come from each row at run time.
 *
 * wick::addmm_act (a linear fused with its activation) is not matched: the
 * activation fusion runs after quantization (convert.c), so it cannot be in
 * the graph here; the relu after a dynamic linear stays a separate op.
 *
 * With opt->quant_report or opt->min_sqnr_db, the float graph runs on the
 * calibration sets (--calib, --calib-random, else 4 random sets): each
 * layer's SQNR (its int8 op on the fp32 model's input vs the fp32 op),
 * layers below min_sqnr_db stay fp32, and with the report the quantized graph
 * runs too (per-layer "in model" and whole-model output SQNR).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/quant.h"
#include "kernels/quantized/linear_dq8.h"
#include "wick/util.h"

#define REPORT_RANDOM_SETS 4

typedef struct dlayer {
  int32_t node, qnode;  /* float node, its wick::linear_dq8 node (appended)      */
  int32_t in, out, qout;/* float input / output; the qnode's own out while measuring */
  bool keep_fp32;
  double sig, noise, msig, mnoise;
  uint64_t wb32, wb8;
} dlayer;

typedef struct wcache {
  int32_t wq, ws, wsum; /* per float weight id; -1 when not made yet */
} wcache;

static void dlogf(const wick_convert_options *opt, const char *fmt, ...) {
  if (opt == NULL || opt->log == NULL || !opt->verbose) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  opt->log(opt->log_user, line);
}

static bool num(const wc_value *v, double *out) {
  if (v->kind == WICK_VAL_INT) *out = (double)v->i;
  else if (v->kind == WICK_VAL_DOUBLE) *out = v->d;
  else return false;
  return true;
}

static const float *f32_const(const wc_graph *g, int32_t id) {
  const wc_value *v = &g->values[id];
  return v->kind == WICK_VAL_TENSOR && v->dtype == WICK_F32 && v->data ? v->data : NULL;
}

/* addmm(bias, a, b, 1, 1, out) / mm(a, b, out), a a float32 run-time [M, K],
 * b a float32 constant [K, N], bias a float32 constant of N values. */
static bool match(const wc_graph *g, const wc_node *n, int32_t *a, int32_t *b, int32_t *bias) {
  bool mm = strcmp(n->op, "aten::mm.out") == 0;
  if (!mm && strcmp(n->op, "aten::addmm.out") != 0) return false;
  if (n->nargs != (mm ? 3u : 6u)) return false;
  *a = n->args[mm ? 0 : 1];
  *b = n->args[mm ? 1 : 2];
  *bias = mm ? -1 : n->args[0];
  const wc_value *av = &g->values[*a], *bv = &g->values[*b], *ov = &g->values[n->args[n->nargs - 1]];
  if (av->kind != WICK_VAL_TENSOR || av->dtype != WICK_F32 || av->data || av->rank != 2) return false;
  if (!f32_const(g, *b) || bv->rank != 2 || bv->dims[0] != av->dims[1]) return false;
  if (bv->dims[0] < 1 || bv->dims[0] > WQ_DQ8_MAX_K || bv->dims[1] < 1) return false;
  if (ov->kind != WICK_VAL_TENSOR || ov->dtype != WICK_F32) return false;
  if (!mm) {
    double beta, alpha;
    if (!num(&g->values[n->args[3]], &beta) || !num(&g->values[n->args[4]], &alpha) || beta != 1 ||
        alpha != 1)
      return false;
    const wc_value *bs = &g->values[*bias];
    if (!f32_const(g, *bias) || (int64_t)wc_numel(bs) != bv->dims[1] ||
        bs->dims[bs->rank - 1] != bv->dims[1])
      return false;
  }
  return true;
}

size_t wc_dq8_packed_bytes(int64_t k, int64_t n) {
  int64_t kq = (k + WQ_DQ8_KB - 1) / WQ_DQ8_KB, nblk = (n + WQ_DQ8_NB - 1) / WQ_DQ8_NB;
  return (size_t)(nblk * kq * WQ_DQ8_NB * WQ_DQ8_KB);
}

void wc_dq8_pack(const float *w, int64_t k, int64_t n, int64_t stride_k, int64_t stride_n,
                 int8_t *packed, float *scale, int32_t *sum) {
  int64_t kq = (k + WQ_DQ8_KB - 1) / WQ_DQ8_KB;
  for (int64_t o = 0; o < n; o++) {
    /* per output channel, symmetric: scale = max|w| / 127, q = clamp(round(w / scale), -127, 127) */
    const float *wo = w + o * stride_n;
    double m = 0;
    for (int64_t i = 0; i < k; i++) m = fmax(m, fabs((double)wo[i * stride_k]));
    double s = m > 0 ? (double)(float)(m / 127.0) : 1.0;
    scale[o] = (float)s;
    int32_t acc = 0;
    for (int64_t i = 0; i < k; i++) {
      double r = nearbyint(wo[i * stride_k] / s);
      int8_t q = (int8_t)(r > 127 ? 127 : (r < -127 ? -127 : r));
      packed[((o / WQ_DQ8_NB) * kq + i / WQ_DQ8_KB) * (WQ_DQ8_NB * WQ_DQ8_KB) +
             (o % WQ_DQ8_NB) * WQ_DQ8_KB + i % WQ_DQ8_KB] = q;
      acc += q;
    }
    sum[o] = acc;
  }
}

/* The int8 weights, scales and sums of float weight b [K, N] (shared by
 * every layer reading b). */
static wcache weights(wc_graph *g, int32_t b, wcache *cache) {
  if (cache[b].wq >= 0) return cache[b];
  const wc_value bv = g->values[b];
  int64_t k = bv.dims[0], n = bv.dims[1];
  int64_t kq = (k + WQ_DQ8_KB - 1) / WQ_DQ8_KB, nblk = (n + WQ_DQ8_NB - 1) / WQ_DQ8_NB;
  int8_t *packed = wc_alloc(wc_dq8_packed_bytes(k, n)); /* zeroed */
  float *scale = wc_alloc((size_t)n * sizeof(float));
  int32_t *sum = wc_alloc((size_t)n * sizeof(int32_t));
  wc_dq8_pack(bv.data, k, n, n, 1, packed, scale, sum);
  int64_t wd[4] = {nblk, kq, WQ_DQ8_NB, WQ_DQ8_KB};
  cache[b].wq = wc_const_tensor_owned(g, WICK_I8, 4, wd, packed);
  cache[b].ws = wc_const_tensor_owned(g, WICK_F32, 1, &n, scale);
  cache[b].wsum = wc_const_tensor_owned(g, WICK_I32, 1, &n, sum);
  return cache[b];
}

static void set_origin(wc_graph *g, int32_t ni, const char *origin) {
  free(g->nodes[ni].origin);
  g->nodes[ni].origin = NULL;
  if (origin) {
    size_t len = strlen(origin) + 1;
    g->nodes[ni].origin = malloc(len);
    if (!g->nodes[ni].origin) abort();
    memcpy(g->nodes[ni].origin, origin, len);
  }
}

static double sqnr_db(double sig, double noise) {
  if (noise <= 0) return INFINITY;
  if (sig <= 0) return -INFINITY;
  return 10.0 * log10(sig / noise);
}

static void accumulate(const float *ref, const float *q, size_t n, double *sig, double *noise) {
  for (size_t i = 0; i < n; i++) {
    double r = ref[i], e = r - (double)q[i];
    *sig += r * r;
    *noise += e * e;
  }
}

/* Each layer's qnode on the fp32 model's own input of that layer. */
static wick_status eval_layers(wc_graph *g, dlayer *L, uint32_t nl, const int32_t *fs, uint32_t nfs,
                               const wc_calib_data *cd, const wick_convert_options *opt,
                               wick_diag *d) {
  int32_t *layer_at = malloc((g->num_nodes ? g->num_nodes : 1) * sizeof(int32_t));
  if (!layer_at) abort();
  for (uint32_t i = 0; i < g->num_nodes; i++) layer_at[i] = -1;
  for (uint32_t l = 0; l < nl; l++) layer_at[L[l].node] = (int32_t)l;
  wc_exec f;
  wc_exec_init(&f, g);
  wick_status s = WICK_OK;
  for (uint32_t set = 0; set < cd->num_sets && s == WICK_OK; set++) {
    uint64_t t0 = wick_now_ns();
    wc_calib_feed(&f, cd, set);
    for (uint32_t k = 0; k < nfs && s == WICK_OK; k++) {
      s = wc_exec_node(&f, fs[k], d);
      int32_t l = layer_at[fs[k]];
      if (s != WICK_OK || l < 0) continue;
      s = wc_exec_node(&f, L[l].qnode, d);
      if (s == WICK_OK)
        accumulate(wc_exec_data(&f, L[l].out), wc_exec_data(&f, L[l].qout),
                   wc_numel(&g->values[L[l].out]), &L[l].sig, &L[l].noise);
    }
    if (s != WICK_OK)
      wick_diag_prefix(d, "int8-dynamic check on calibration set %s", cd->label[set]);
    dlogf(opt, "layer SQNR %u/%u (%s): %.1f ms", set + 1, cd->num_sets, cd->label[set],
          (double)(wick_now_ns() - t0) / 1e6);
  }
  wc_exec_free(&f);
  free(layer_at);
  return s;
}

/* The float schedule against the quantized one (qs). */
static wick_status eval_model(wc_graph *g, dlayer *L, uint32_t nl, const int32_t *fs,
                              const int32_t *qs, uint32_t n, const wc_calib_data *cd,
                              double *osig, double *onoise, wick_diag *d) {
  wc_exec f, q;
  wc_exec_init(&f, g);
  wc_exec_init(&q, g);
  wick_status s = WICK_OK;
  for (uint32_t set = 0; set < cd->num_sets && s == WICK_OK; set++) {
    wc_calib_feed(&f, cd, set);
    wc_calib_feed(&q, cd, set);
    for (uint32_t k = 0; k < n && s == WICK_OK; k++) s = wc_exec_node(&f, fs[k], d);
    for (uint32_t k = 0; k < n && s == WICK_OK; k++) s = wc_exec_node(&q, qs[k], d);
    if (s != WICK_OK) {
      wick_diag_prefix(d, "running the int8-dynamic graph on calibration set %s", cd->label[set]);
      break;
    }
    for (uint32_t l = 0; l < nl; l++)
      if (!L[l].keep_fp32)
        accumulate(wc_exec_data(&f, L[l].out), wc_exec_data(&q, L[l].out),
                   wc_numel(&g->values[L[l].out]), &L[l].msig, &L[l].mnoise);
    for (uint32_t k = 0; k < g->num_outputs; k++) {
      const wc_value *v = &g->values[g->outputs[k]];
      if (v->kind != WICK_VAL_TENSOR || v->dtype != WICK_F32) continue;
      accumulate(wc_exec_data(&f, g->outputs[k]), wc_exec_data(&q, g->outputs[k]), wc_numel(v),
                 osig, onoise);
    }
  }
  wc_exec_free(&f);
  wc_exec_free(&q);
  return s;
}

wick_status wc_quantize_dynamic(wc_graph *g, const wick_convert_options *opt,
                                wick_convert_report *rep, wick_diag *d) {
  rep->quant_output_sqnr_db = NAN;
  if (opt->observer != WICK_OBSERVER_DEFAULT)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "int8-dynamic quantization has no activation observer (ranges are "
                         "taken per row at run time)");
  wc_count_uses(g);
  uint32_t nv0 = g->num_values, nn0 = g->num_nodes;
  int32_t *fs = malloc((nn0 ? nn0 : 1) * sizeof(int32_t));
  wcache *cache = malloc((nv0 ? nv0 : 1) * sizeof *cache);
  dlayer *L = calloc(nn0 ? nn0 : 1, sizeof *L);
  if (!fs || !cache || !L) abort();
  for (uint32_t i = 0; i < nv0; i++) cache[i].wq = cache[i].ws = cache[i].wsum = -1;
  uint32_t nfs = 0, nl = 0;
  for (uint32_t i = 0; i < nn0; i++)
    if (!g->nodes[i].dead) fs[nfs++] = (int32_t)i;
  /* 1. match and build the int8 nodes (appended: not scheduled yet) */
  for (uint32_t k = 0; k < nfs; k++) {
    int32_t ni = fs[k], a, b, bias;
    if (!match(g, &g->nodes[ni], &a, &b, &bias)) continue;
    int64_t kk = g->values[b].dims[0], n = g->values[b].dims[1];
    wcache w = weights(g, b, cache);
    int32_t bid = wc_none(g);
    if (bias >= 0) {
      bid = bias;
      if (g->values[bias].rank != 1) /* [1, N] -> [N] */
        bid = wc_const_tensor(g, WICK_F32, 1, &n, g->values[bias].data);
    }
    dlayer *l = &L[nl++];
    l->node = ni;
    l->in = a;
    l->out = g->nodes[ni].args[g->nodes[ni].nargs - 1];
    l->qout = wc_tensor_like(g, l->out);
    int32_t args[6] = {a, w.wq, w.ws, w.wsum, bid, l->qout};
    l->qnode = wc_node_add(g, "wick::linear_dq8.out", args, 6, 1);
    set_origin(g, l->qnode, g->nodes[ni].origin);
    int64_t nblk = (n + WQ_DQ8_NB - 1) / WQ_DQ8_NB, kq = (kk + WQ_DQ8_KB - 1) / WQ_DQ8_KB;
    l->wb32 = (uint64_t)(kk * n + (bias >= 0 ? n : 0)) * 4;
    l->wb8 = (uint64_t)(nblk * kq * WQ_DQ8_NB * WQ_DQ8_KB) + (uint64_t)n * (8 + (bias >= 0 ? 4 : 0));
  }
  /* 2. measure */
  wick_status s = WICK_OK;
  bool measure = nl > 0 && (opt->quant_report || opt->min_sqnr_db > 0);
  wc_calib_data cd;
  memset(&cd, 0, sizeof cd);
  if (measure) {
    wick_convert_options o = *opt;
    if (!o.calib_dir && !o.calib_random) o.calib_random = REPORT_RANDOM_SETS;
    s = wc_calib_load(g, &o, &cd, d);
    rep->calib_sets = cd.num_sets;
    if (s == WICK_OK) s = eval_layers(g, L, nl, fs, nfs, &cd, opt, d);
    for (uint32_t l = 0; l < nl && s == WICK_OK; l++)
      if (opt->min_sqnr_db > 0 && sqnr_db(L[l].sig, L[l].noise) < opt->min_sqnr_db)
        L[l].keep_fp32 = true;
  }
  /* 3. the quantized schedule: each int8 node in its float node's place,
   *    writing the float node's out */
  int32_t *qs = malloc((nfs ? nfs : 1) * sizeof(int32_t));
  int32_t *layer_at = malloc((g->num_nodes ? g->num_nodes : 1) * sizeof(int32_t));
  if (!qs || !layer_at) abort();
  for (uint32_t i = 0; i < g->num_nodes; i++) layer_at[i] = -1;
  for (uint32_t l = 0; l < nl; l++) {
    layer_at[L[l].node] = (int32_t)l;
    wc_node *qn = &g->nodes[L[l].qnode];
    qn->args[qn->nargs - 1] = L[l].out;
  }
  for (uint32_t k = 0; k < nfs; k++) {
    int32_t l = layer_at[fs[k]];
    qs[k] = l >= 0 && !L[l].keep_fp32 ? L[l].qnode : fs[k];
  }
  double osig = 0, onoise = 0;
  if (s == WICK_OK && measure && opt->quant_report) {
    s = eval_model(g, L, nl, fs, qs, nfs, &cd, &osig, &onoise, d);
    rep->quant_output_sqnr_db = sqnr_db(osig, onoise);
  }
  /* 4. commit in place: the float node takes the int8 node's op and args */
  if (s == WICK_OK) {
    rep->quant_layers = calloc(nl ? nl : 1, sizeof *rep->quant_layers);
    if (!rep->quant_layers) abort();
    for (uint32_t l = 0; l < nl; l++) {
      wc_node *fn = &g->nodes[L[l].node], *qn = &g->nodes[L[l].qnode];
      wick_quant_layer *r = &rep->quant_layers[rep->num_quant_layers++];
      snprintf(r->name, sizeof r->name, "%s", fn->origin ? fn->origin : fn->op);
      snprintf(r->op, sizeof r->op, "linear_dq8");
      r->sqnr_db = measure ? sqnr_db(L[l].sig, L[l].noise) : NAN;
      r->model_sqnr_db =
          opt->quant_report && !L[l].keep_fp32 ? sqnr_db(L[l].msig, L[l].mnoise) : NAN;
      r->kept_fp32 = L[l].keep_fp32;
      r->weight_bytes_fp32 = L[l].wb32;
      r->weight_bytes_int8 = L[l].wb8;
      if (!L[l].keep_fp32) {
        int32_t *args = malloc(qn->nargs * sizeof(int32_t));
        if (!args) abort();
        memcpy(args, qn->args, qn->nargs * sizeof(int32_t));
        free(fn->args);
        fn->args = args;
        fn->nargs = qn->nargs;
        fn->nouts = 1;
        fn->op = qn->op;
        rep->quant_int8_layers++;
        rep->quant_weight_bytes_fp32 += L[l].wb32;
        rep->quant_weight_bytes_int8 += L[l].wb8;
      }
      qn->dead = true;
    }
    /* embedding tables: int8 rows (quantized_decomposed::embedding_byte) */
    uint64_t e32 = 0, e8 = 0;
    uint32_t ne = wc_quantize_embeddings(g, &e32, &e8);
    rep->quant_weight_bytes_fp32 += e32;
    rep->quant_weight_bytes_int8 += e8;
    wc_dce(g);
    dlogf(opt, "quantize int8-dynamic: %u of %u linears -> wick::linear_dq8, %u embedding tables -> "
               "embedding_byte; weights %llu -> %llu bytes",
          rep->quant_int8_layers, nl, ne, (unsigned long long)rep->quant_weight_bytes_fp32,
          (unsigned long long)rep->quant_weight_bytes_int8);
  }
  wc_calib_free(&cd);
  free(qs);
  free(layer_at);
  free(fs);
  free(cache);
  free(L);
  return s;
}
