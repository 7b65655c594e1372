/* Calibration for post-training quantization: loading the calibration sets,
 * running the float IR over them with the runtime's kernels (wc_run_node),
 * and the activation observers (min/max, moving-average min/max, percentile,
 * KL / entropy). */
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compiler/quant.h"
#include "wick/util.h"

/* ---- executor -------------------------------------------------------------- */

void wc_exec_init(wc_exec *e, wc_graph *g) {
  memset(e, 0, sizeof *e);
  e->g = g;
}

void wc_exec_free(wc_exec *e) {
  for (uint32_t i = 0; i < e->cap; i++) wc_free(e->buf[i]);
  free(e->buf);
  memset(e, 0, sizeof *e);
}

void *wc_exec_data(void *user, int32_t id) {
  wc_exec *e = user;
  wc_value *v = &e->g->values[id];
  if (v->data) return v->data;
  if ((uint32_t)id >= e->cap) {
    uint32_t cap = e->g->num_values > (uint32_t)id ? e->g->num_values : (uint32_t)id + 1;
    void **nb = realloc(e->buf, cap * sizeof *nb);
    if (!nb) abort();
    for (uint32_t i = e->cap; i < cap; i++) nb[i] = NULL;
    e->buf = nb;
    e->cap = cap;
  }
  if (e->buf[id] == NULL) e->buf[id] = wc_alloc(wc_nbytes(v));
  return e->buf[id];
}

wick_status wc_exec_node(wc_exec *e, int32_t ni, wick_diag *d) {
  return wc_run_node(e->g, ni, wc_exec_data, e, d);
}

/* ---- calibration sets -------------------------------------------------------- */

static void logf_(const wick_convert_options *opt, const char *fmt, ...) {
  if (opt == NULL || opt->log == NULL || !opt->verbose) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  opt->log(opt->log_user, line);
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (!p) abort();
  memcpy(p, s, n);
  return p;
}

static void add_set(wc_calib_data *cd, void **inputs, const char *label) {
  uint32_t s = cd->num_sets++;
  cd->data = realloc(cd->data, (size_t)cd->num_sets * cd->num_inputs * sizeof(void *));
  cd->label = realloc(cd->label, (size_t)cd->num_sets * sizeof(char *));
  if (!cd->data || !cd->label) abort();
  for (uint32_t k = 0; k < cd->num_inputs; k++) cd->data[(size_t)s * cd->num_inputs + k] = inputs[k];
  cd->label[s] = xstrdup(label);
}

void wc_calib_free(wc_calib_data *cd) {
  for (size_t i = 0; i < (size_t)cd->num_sets * cd->num_inputs; i++) free(cd->data[i]);
  for (uint32_t s = 0; s < cd->num_sets; s++) free(cd->label[s]);
  free(cd->data);
  free(cd->label);
  memset(cd, 0, sizeof *cd);
}

void wc_calib_feed(wc_exec *e, const wc_calib_data *cd, uint32_t s) {
  for (uint32_t k = 0; k < cd->num_inputs; k++) {
    int32_t id = e->g->inputs[k];
    memcpy(wc_exec_data(e, id), cd->data[(size_t)s * cd->num_inputs + k],
           wc_nbytes(&e->g->values[id]));
  }
}

/* xorshift64* and Box-Muller: reproducible N(0, 1) sets. */
static uint64_t rng_next(uint64_t *st) {
  uint64_t x = *st;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *st = x;
  return x * UINT64_C(2685821657736338717);
}
static double rng_uniform(uint64_t *st) { return ((double)(rng_next(st) >> 11) + 0.5) / 9007199254740992.0; }
static double rng_normal(uint64_t *st) {
  double u = rng_uniform(st), v = rng_uniform(st);
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static wick_status random_sets(const wc_graph *g, uint32_t n, wc_calib_data *cd, wick_diag *d) {
  uint64_t st = UINT64_C(0x9E3779B97F4A7C15);
  void *inputs[WICK_CONVERT_MAX_SHAPES];
  for (uint32_t s = 0; s < n; s++) {
    for (uint32_t k = 0; k < cd->num_inputs; k++) {
      const wc_value *v = &g->values[g->inputs[k]];
      size_t count = wc_numel(v);
      void *p = malloc(wc_nbytes(v) ? wc_nbytes(v) : 1);
      if (!p) abort();
      for (size_t i = 0; i < count; i++) {
        switch (v->dtype) {
          case WICK_F32: ((float *)p)[i] = (float)rng_normal(&st); break;
          case WICK_F64: ((double *)p)[i] = rng_normal(&st); break;
          case WICK_I64: ((int64_t *)p)[i] = (int64_t)(rng_next(&st) % 16); break;
          case WICK_I32: ((int32_t *)p)[i] = (int32_t)(rng_next(&st) % 16); break;
          case WICK_BOOL: ((uint8_t *)p)[i] = (uint8_t)(rng_next(&st) & 1); break;
          default:
            free(p);
            for (uint32_t j = 0; j < k; j++) free(inputs[j]);
            return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                                 "--calib-random: input %u has dtype %s; give --calib sets", k,
                                 wick_dtype_name(v->dtype));
        }
      }
      inputs[k] = p;
    }
    char label[32];
    snprintf(label, sizeof label, "random %u", s);
    add_set(cd, inputs, label);
  }
  return WICK_OK;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted visible entries of dir (malloc'd names); NULL + error when unreadable. */
static char **list_dir(const char *dir, uint32_t *n, wick_diag *d) {
  DIR *dp = opendir(dir);
  if (dp == NULL) {
    wick_diag_set(d, WICK_ERR_IO, "--calib %s: cannot open the directory", dir);
    return NULL;
  }
  char **names = NULL;
  uint32_t count = 0, cap = 0;
  struct dirent *de;
  while ((de = readdir(dp)) != NULL) {
    if (de->d_name[0] == '.') continue;
    if (count == cap) {
      cap = cap ? cap * 2 : 16;
      names = realloc(names, cap * sizeof *names);
      if (!names) abort();
    }
    names[count++] = xstrdup(de->d_name);
  }
  closedir(dp);
  if (count) qsort(names, count, sizeof *names, by_name);
  *n = count;
  if (names == NULL) names = calloc(1, sizeof *names);
  return names;
}

static void free_names(char **names, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) free(names[i]);
  free(names);
}

static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Loads one .npy for input k; returns how many sets it holds (*stack: 1 for
 * the exact shape, N for [N, *shape]) with the data in *out (malloc'd). */
static wick_status load_input(const wc_graph *g, uint32_t k, const char *path, void **out,
                              uint32_t *stack, wick_diag *d) {
  const wc_value *v = &g->values[g->inputs[k]];
  char want[128];
  wc_describe(v, want, sizeof want);
  wick_tensor t;
  wick_diag ld = {WICK_OK, ""};
  if (wick_npy_load(path, &t, &ld) != WICK_OK)
    return wick_diag_set(d, ld.status, "calibration file %s: %s", path, ld.msg);
  bool exact = t.dim == v->rank, stacked = t.dim == v->rank + 1 && t.sizes[0] > 0;
  for (int q = 0; exact && q < v->rank; q++) exact = t.sizes[q] == v->dims[q];
  for (int q = 0; stacked && q < v->rank; q++) stacked = t.sizes[q + 1] == v->dims[q];
  if (t.dtype != v->dtype || (!exact && !stacked)) {
    char got[128];
    wick_tensor_describe(&t, got, sizeof got);
    free(t.data);
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "calibration file %s is %s; input %u ('%s') expects %s (or [N, ...] "
                         "stacking N sets of that shape)",
                         path, got, k, v->name ? v->name : "", want);
  }
  size_t numel = wick_tensor_numel(&t);
  if (t.dtype == WICK_F32 || t.dtype == WICK_F64) {
    for (size_t i = 0; i < numel; i++) {
      double x = t.dtype == WICK_F32 ? ((const float *)t.data)[i] : ((const double *)t.data)[i];
      if (!isfinite(x)) {
        free(t.data);
        return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                             "calibration file %s holds %s at flat index %zu; calibration data "
                             "must be finite",
                             path, isnan(x) ? "NaN" : "Inf", i);
      }
    }
  }
  *stack = exact ? 1 : (uint32_t)t.sizes[0];
  *out = t.data;
  return WICK_OK;
}

/* One set (or a stack of sets): files[k] for input k. */
static wick_status load_set(const wc_graph *g, wc_calib_data *cd, char **files,
                            const char *label, wick_diag *d) {
  void *data[WICK_CONVERT_MAX_SHAPES];
  uint32_t stack[WICK_CONVERT_MAX_SHAPES] = {0};
  wick_status s = WICK_OK;
  uint32_t loaded = 0;
  for (uint32_t k = 0; k < cd->num_inputs && s == WICK_OK; k++) {
    s = load_input(g, k, files[k], &data[k], &stack[k], d);
    if (s == WICK_OK) loaded++;
    if (s == WICK_OK && stack[k] != stack[0])
      s = wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                        "calibration file %s stacks %u sets, %s stacks %u", files[k], stack[k],
                        files[0], stack[0]);
  }
  if (s != WICK_OK) {
    for (uint32_t k = 0; k < loaded; k++) free(data[k]);
    return s;
  }
  for (uint32_t i = 0; i < stack[0]; i++) {
    void *inputs[WICK_CONVERT_MAX_SHAPES];
    for (uint32_t k = 0; k < cd->num_inputs; k++) {
      size_t nb = wc_nbytes(&g->values[g->inputs[k]]);
      inputs[k] = malloc(nb ? nb : 1);
      if (!inputs[k]) abort();
      memcpy(inputs[k], (const uint8_t *)data[k] + i * nb, nb);
    }
    char lab[600];
    if (stack[0] == 1)
      snprintf(lab, sizeof lab, "%s", label);
    else
      snprintf(lab, sizeof lab, "%s[%u]", label, i);
    add_set(cd, inputs, lab);
  }
  for (uint32_t k = 0; k < cd->num_inputs; k++) free(data[k]);
  return WICK_OK;
}

static wick_status dir_sets(const wc_graph *g, const char *dir, wc_calib_data *cd, wick_diag *d) {
  uint32_t n = 0;
  char **names = list_dir(dir, &n, d);
  if (names == NULL) return d->status;
  wick_status s = WICK_OK;
  char path[1024];
  for (uint32_t i = 0; i < n && s == WICK_OK; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (is_dir(path)) {
      uint32_t m = 0;
      char **inner = list_dir(path, &m, d);
      if (inner == NULL) {
        s = d->status;
        break;
      }
      char *files[WICK_CONVERT_MAX_SHAPES];
      uint32_t nf = 0;
      for (uint32_t j = 0; j < m; j++)
        if (ends_with(inner[j], ".npy") && nf < WICK_CONVERT_MAX_SHAPES) {
          size_t len = strlen(path) + strlen(inner[j]) + 2;
          files[nf] = malloc(len);
          if (!files[nf]) abort();
          snprintf(files[nf], len, "%s/%s", path, inner[j]);
          nf++;
        }
      if (nf != cd->num_inputs)
        s = wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                          "calibration set %s holds %u .npy file(s); the model has %u input(s) "
                          "(one .npy per input, in name order)",
                          path, nf, cd->num_inputs);
      else
        s = load_set(g, cd, files, path, d);
      for (uint32_t j = 0; j < nf; j++) free(files[j]);
      free_names(inner, m);
    } else if (ends_with(names[i], ".npy")) {
      if (cd->num_inputs != 1) {
        s = wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                          "calibration file %s: the model has %u inputs; put each calibration "
                          "set in a subdirectory of %s holding one .npy per input",
                          path, cd->num_inputs, dir);
        break;
      }
      char *files[1] = {path};
      s = load_set(g, cd, files, path, d);
    }
  }
  free_names(names, n);
  if (s == WICK_OK && cd->num_sets == 0)
    s = wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                      "--calib %s: no calibration sets (expected .npy files, or subdirectories "
                      "of .npy files for multi-input models)",
                      dir);
  return s;
}

wick_status wc_calib_load(const wc_graph *g, const wick_convert_options *opt, wc_calib_data *cd,
                          wick_diag *d) {
  memset(cd, 0, sizeof *cd);
  cd->num_inputs = g->num_inputs;
  if (g->num_inputs > WICK_CONVERT_MAX_SHAPES)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "quantization: more than %d model inputs",
                         WICK_CONVERT_MAX_SHAPES);
  for (uint32_t k = 0; k < g->num_inputs; k++)
    if (g->values[g->inputs[k]].kind != WICK_VAL_TENSOR)
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                           "quantization: input %u is not a tensor; cannot calibrate", k);
  wick_status s;
  if (opt->calib_dir)
    s = dir_sets(g, opt->calib_dir, cd, d);
  else if (opt->calib_random)
    s = random_sets(g, opt->calib_random, cd, d);
  else
    s = wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                      "quantization needs calibration data (--calib DIR or --calib-random N)");
  if (s != WICK_OK) wc_calib_free(cd);
  return s;
}

/* ---- observers ------------------------------------------------------------------ */

#define HIST_BINS 4096 /* over [-A, A]; folded to 2048 |x| bins for KL */
#define EMA_C 0.1      /* moving-average weight of each new batch */
#define PERCENTILE 99.99
#define KL_MIN_VALUES 16384 /* fewer nonzero values observed: KL falls back to min/max */

typedef struct obs {
  float mn, mx;          /* over all sets                          */
  double ema_lo, ema_hi; /* moving average of per-set min / max     */
  bool seen;
  double amax;           /* histogram half-range (pass 2)           */
  uint64_t *hist;        /* HIST_BINS counts (pass 2)               */
} obs;

static void observe_minmax(obs *o, const float *x, size_t n) {
  float mn = INFINITY, mx = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    if (!(x[i] >= mn)) mn = isnan(x[i]) ? mn : x[i];
    if (!(x[i] <= mx)) mx = isnan(x[i]) ? mx : x[i];
  }
  if (mn > mx) return; /* nothing finite / empty */
  if (!o->seen) {
    o->mn = mn, o->mx = mx;
    o->ema_lo = mn, o->ema_hi = mx;
    o->seen = true;
    return;
  }
  if (mn < o->mn) o->mn = mn;
  if (mx > o->mx) o->mx = mx;
  o->ema_lo += EMA_C * (mn - o->ema_lo);
  o->ema_hi += EMA_C * (mx - o->ema_hi);
}

static void observe_hist(obs *o, const float *x, size_t n) {
  if (!o->seen || o->amax <= 0) return;
  double k = HIST_BINS / (2.0 * o->amax);
  for (size_t i = 0; i < n; i++) {
    /* Exact zeros (ReLU outputs, padding) are represented exactly by the
     * zero point; left out, they no longer dominate the KL search. */
    if (isnan(x[i]) || x[i] == 0) continue;
    double b = ((double)x[i] + o->amax) * k;
    int64_t bi = b < 0 ? 0 : (b >= HIST_BINS ? HIST_BINS - 1 : (int64_t)b);
    o->hist[bi]++;
  }
}

/* [lo, hi] keeping PERCENTILE % of the values, inside [min, max]. */
static void percentile_range(const obs *o, float *lo, float *hi) {
  uint64_t total = 0;
  for (int i = 0; i < HIST_BINS; i++) total += o->hist[i];
  double w = 2.0 * o->amax / HIST_BINS;
  double tail = (1.0 - PERCENTILE / 100.0) * (double)total;
  uint64_t c = 0;
  int a = 0, b = HIST_BINS - 1;
  for (; a < HIST_BINS; a++) {
    c += o->hist[a];
    if ((double)c > tail) break;
  }
  c = 0;
  for (; b >= 0; b--) {
    c += o->hist[b];
    if ((double)c > tail) break;
  }
  double l = -o->amax + a * w, h = -o->amax + (b + 1) * w;
  *lo = (float)(l > o->mn ? l : o->mn);
  *hi = (float)(h < o->mx ? h : o->mx);
  if (*lo > *hi) *lo = *hi = 0;
}

/* TensorRT's entropy calibration on the |x| histogram: the threshold T whose
 * clipped, `levels`-bin requantized distribution Q is closest (KL(P||Q)) to
 * the clipped reference P. */
static double kl_threshold(const obs *o, int levels) {
  enum { NB = HIST_BINS / 2 };
  double *h = calloc(NB, sizeof(double));
  double *p = malloc(NB * sizeof(double)), *q = malloc(NB * sizeof(double));
  if (!h || !p || !q) abort();
  for (int i = 0; i < HIST_BINS; i++) {
    int fi = i < NB ? NB - 1 - i : i - NB; /* fold the negative half onto |x| */
    h[fi] += (double)o->hist[i];
  }
  double best = INFINITY;
  int best_i = NB;
  for (int i = levels; i <= NB; i++) {
    /* P: the first i bins with everything beyond folded into the last one. */
    double tail = 0;
    for (int k = i; k < NB; k++) tail += h[k];
    memcpy(p, h, (size_t)i * sizeof(double));
    p[i - 1] += tail;
    /* Q: the first i bins merged into `levels` groups, each group's mass
     * spread evenly over its nonzero bins. */
    double merged = (double)i / levels;
    for (int j = 0; j < levels; j++) {
      int s = (int)floor(j * merged), e = j == levels - 1 ? i : (int)floor((j + 1) * merged);
      double sum = 0;
      int nz = 0;
      for (int k = s; k < e; k++) {
        sum += h[k];
        nz += h[k] != 0;
      }
      for (int k = s; k < e; k++) q[k] = h[k] != 0 ? sum / nz : 0;
    }
    double ps = 0, qs = 0;
    for (int k = 0; k < i; k++) ps += p[k], qs += q[k];
    if (ps <= 0 || qs <= 0) continue;
    double kl = 0;
    for (int k = 0; k < i; k++) {
      if (p[k] <= 0) continue;
      double pk = p[k] / ps, qk = q[k] > 0 ? q[k] / qs : 1e-12;
      kl += pk * log(pk / qk);
    }
    if (kl < best) {
      best = kl;
      best_i = i;
    }
  }
  free(h);
  free(p);
  free(q);
  return best_i * (o->amax / NB);
}

static bool observed_value(const wc_graph *g, int32_t id) {
  const wc_value *v = &g->values[id];
  return v->kind == WICK_VAL_TENSOR && v->dtype == WICK_F32 && v->data == NULL;
}

/* Calls fn on every float activation written by node ni (or the graph inputs
 * when ni < 0). */
typedef void (*obs_fn)(obs *o, const float *x, size_t n);
static void feed(wc_exec *e, obs *ob, int32_t ni, obs_fn fn) {
  wc_graph *g = e->g;
  if (ni < 0) {
    for (uint32_t k = 0; k < g->num_inputs; k++) {
      int32_t id = g->inputs[k];
      if (observed_value(g, id)) fn(&ob[id], wc_exec_data(e, id), wc_numel(&g->values[id]));
    }
    return;
  }
  const wc_node *n = &g->nodes[ni];
  for (uint32_t a = n->nargs - n->nouts; a < n->nargs; a++) {
    int32_t id = n->args[a];
    const wc_value *v = &g->values[id];
    if (observed_value(g, id)) fn(&ob[id], wc_exec_data(e, id), wc_numel(v));
    if (v->kind == WICK_VAL_TENSOR_LIST)
      for (uint32_t j = 0; j < v->n; j++)
        if (observed_value(g, v->ids[j]))
          fn(&ob[v->ids[j]], wc_exec_data(e, v->ids[j]), wc_numel(&g->values[v->ids[j]]));
  }
}

wick_status wc_calibrate(wc_graph *g, const int32_t *sched, uint32_t nsched,
                         const wc_calib_data *cd, int observer, const wick_convert_options *opt,
                         wc_range *ranges, wick_diag *d) {
  uint32_t nv = g->num_values;
  obs *ob = calloc(nv ? nv : 1, sizeof *ob);
  if (!ob) abort();
  bool hist = observer == WICK_OBSERVER_PERCENTILE || observer == WICK_OBSERVER_KL;
  int passes = hist ? 2 : 1;
  wc_exec e;
  wc_exec_init(&e, g);
  wick_status s = WICK_OK;
  for (int pass = 0; pass < passes && s == WICK_OK; pass++) {
    if (pass == 1)
      for (uint32_t id = 0; id < nv; id++) {
        if (!ob[id].seen) continue;
        double a = fabs((double)ob[id].mn) > fabs((double)ob[id].mx) ? fabs((double)ob[id].mn)
                                                                      : fabs((double)ob[id].mx);
        ob[id].amax = a;
        ob[id].hist = calloc(HIST_BINS, sizeof(uint64_t));
        if (!ob[id].hist) abort();
      }
    obs_fn fn = pass == 0 ? observe_minmax : observe_hist;
    for (uint32_t set = 0; set < cd->num_sets && s == WICK_OK; set++) {
      uint64_t t0 = wick_now_ns();
      wc_calib_feed(&e, cd, set);
      feed(&e, ob, -1, fn);
      for (uint32_t k = 0; k < nsched && s == WICK_OK; k++) {
        s = wc_exec_node(&e, sched[k], d);
        if (s == WICK_OK) feed(&e, ob, sched[k], fn);
      }
      if (s != WICK_OK) wick_diag_prefix(d, "calibration set %s", cd->label[set]);
      logf_(opt, "calibration%s %u/%u (%s): %.1f ms",
            passes == 2 ? (pass == 0 ? " pass 1/2 (ranges)" : " pass 2/2 (histograms)") : "",
            set + 1, cd->num_sets, cd->label[set], (double)(wick_now_ns() - t0) / 1e6);
    }
  }
  for (uint32_t id = 0; id < nv && s == WICK_OK; id++) {
    wc_range *r = &ranges[id];
    memset(r, 0, sizeof *r);
    const obs *o = &ob[id];
    if (!o->seen) continue;
    r->seen = true;
    switch (observer) {
      case WICK_OBSERVER_EMA:
        r->lo = (float)o->ema_lo;
        r->hi = (float)o->ema_hi;
        break;
      case WICK_OBSERVER_PERCENTILE:
        percentile_range(o, &r->lo, &r->hi);
        break;
      case WICK_OBSERVER_KL: {
        /* A sparse histogram makes the KL search noise: small tensors keep min/max. */
        uint64_t total = 0;
        for (int i = 0; i < HIST_BINS; i++) total += o->hist[i];
        r->lo = o->mn;
        r->hi = o->mx;
        if (o->amax <= 0 || total < KL_MIN_VALUES) break;
        double t = kl_threshold(o, o->mn >= 0 ? 256 : 128);
        r->lo = (float)(o->mn > -t ? o->mn : -t);
        r->hi = (float)(o->mx < t ? o->mx : t);
        break;
      }
      default:
        r->lo = o->mn;
        r->hi = o->mx;
        break;
    }
  }
  for (uint32_t id = 0; id < nv; id++) free(ob[id].hist);
  free(ob);
  wc_exec_free(&e);
  return s;
}
