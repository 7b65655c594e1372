/* The optimized layer norm and softmax kernels (norm.c, softmax.c) against
 * the portable ones, for each ISA this CPU runs (portable C, AVX2, AVX-512),
 * without a pool and with a 2-thread pool:
 *
 *   - the vector exp (wko_exp_f32): relative error over a sweep of every
 *     1021st float in [ln FLT_MIN, 88.72] against double exp must stay
 *     below EXP_TOL; special values (NaN, +-inf, overflow, underflow);
 *   - aten::_softmax.out / _log_softmax.out: rows 1..70, rows of 1..300
 *     (most not multiples of 8 or 16), values within +-1, +-10 and +-80,
 *     masked entries (-1e4), -inf entries, all -inf rows (NaN), NaN and
 *     +inf entries (NaN rows), one row of 100000, in place; softmax over an
 *     outer dim and other cases that go to the portable kernel must match it
 *     bit for bit;
 *   - aten::native_layer_norm.out: the same row shapes, normalized_shape of
 *     one or two dims, with and without weight / bias, values within +-80,
 *     rows with a large mean and a tiny spread, constant rows, in place.
 *
 * Tolerances (see the derivations in softmax.c and norm.c):
 *   softmax      |opt - ref| <= (4e-7 + 6e-8 |x - max|) |ref| + 1e-30
 *   log_softmax  |opt - ref| <= 4e-7 |ref| + 2e-6
 *   layer norm   out0: |opt - ref| <= 2e-6 (|ref - b| + |b|) + 1e-7
 *                mean, rstd: |opt - ref| <= 1e-6 |ref| + 1e-12
 * NaN must be NaN where the portable kernel has NaN, and only there.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "opt_kernel_test.h"
#include "kernels/optimized/opt.h"
#include "wick/backend.h"
#include "wick/threadpool.h"
#include "wick/wick.h"

#define EXP_TOL 1.5e-7

static uint64_t g_rng = 0x2545f4914f6cdd1dull;
static uint32_t rnd_u32(void) {
  g_rng = g_rng * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(g_rng >> 33);
}
static int rnd_int(int lo, int hi) { return lo + (int)(rnd_u32() % (uint32_t)(hi - lo + 1)); }
static float rnd_float(void) { return (float)rnd_u32() / 2147483648.0f - 1.0f; }


static wick_status run(const wick_kernel *k, wick_value *vals, uint32_t n, wick_threadpool *pool) {
  wick_value *argv[16];
  for (uint32_t i = 0; i < n; i++) argv[i] = &vals[i];
  wick_kernel_ctx ctx = {&g_diag, k->name, 0, NULL, 0, pool};
  wick_diag_clear(&g_diag);
  return k->fn(&ctx, argv, n);
}

typedef struct run_cfg {
  int isa;
  wick_threadpool *pool;
  const char *name;
} run_cfg;
static run_cfg g_cfgs[6];
static int g_ncfgs;
static long g_cases, g_elements;

static void setup_cfgs(wick_threadpool *pool2) {
  int isas[3], nisa = 0;
  isas[nisa++] = WKO_ISA_GENERIC;
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && wko_ukernel_avx2().fn)
    isas[nisa++] = WKO_ISA_AVX2;
  if (__builtin_cpu_supports("avx512f") && wko_ukernel_avx512().fn) isas[nisa++] = WKO_ISA_AVX512;
#endif
  static const char *const names[3][2] = {{"generic/1", "generic/2"},
                                          {"avx2/1", "avx2/2"},
                                          {"avx512/1", "avx512/2"}};
  for (int i = 0; i < nisa; i++) {
    g_cfgs[g_ncfgs++] = (run_cfg){isas[i], NULL, names[isas[i]][0]};
    g_cfgs[g_ncfgs++] = (run_cfg){isas[i], pool2, names[isas[i]][1]};
  }
}

/* a contiguous float32 tensor over malloc'd memory */
typedef struct tbuf {
  wick_tensor t;
  float *data;
  size_t n;
} tbuf;

static void tb_make(tbuf *b, int dim, const int64_t *sizes) {
  b->n = 1;
  for (int i = 0; i < dim; i++) b->n *= (size_t)sizes[i];
  b->data = calloc(b->n + 16, sizeof(float));
  CHECK(wick_tensor_init(&b->t, WICK_F32, dim, sizes, b->data, (b->n + 16) * sizeof(float)) == WICK_OK);
}
static void tb_free(tbuf *b) { free(b->data); }

static bool close_or_nan(float got, float ref, double tol) {
  if (isnan(ref) || isnan(got)) return isnan(ref) && isnan(got);
  if (got == ref) return true; /* also equal infinities */
  return fabs((double)got - (double)ref) <= tol;
}

/* ---- exp ---------------------------------------------------------------------------- */

static void check_exp(void) {
  enum { CHUNK = 4096 };
  static float xs[CHUNK], ys[CHUNK];
  const float lo = logf(FLT_MIN) + 1e-5f, hi = 88.72f;
  for (int c = 0; c < g_ncfgs; c += 2) {
    wko_set_isa(g_cfgs[c].isa);
    double worst = 0;
    float worst_x = 0;
    long count = 0;
    /* every 1021st float of [lo, hi]: the negative ones by decreasing bits, then the positive */
    for (int side = 0; side < 2; side++) {
      uint32_t b0, b1;
      float f0 = side ? 0.0f : -0.0f, f1 = side ? hi : lo;
      memcpy(&b0, &f0, 4);
      memcpy(&b1, &f1, 4);
      int k = 0;
      for (uint64_t b = b0; b <= b1; b += 1021) {
        uint32_t bb = (uint32_t)b;
        memcpy(&xs[k], &bb, 4);
        if (++k == CHUNK || b + 1021 > b1) {
          wko_exp_f32(ys, xs, k);
          for (int i = 0; i < k; i++) {
            const double ref = exp((double)xs[i]);
            const double rel = fabs((double)ys[i] - ref) / ref;
            if (!(rel <= worst)) worst = rel, worst_x = xs[i];
          }
          count += k;
          k = 0;
        }
      }
    }
    fprintf(stderr, "test_optimized_norm: exp %s: %ld points, max relative error %.3g (at x = %.9g)\n",
            g_cfgs[c].name, count, worst, (double)worst_x);
    CHECK_MSG(worst <= EXP_TOL, "%s: exp relative error %.3g at %.9g", g_cfgs[c].name, worst,
              (double)worst_x);
    /* special values, in a vector body and in a tail */
    const float sp[] = {NAN, -INFINITY, INFINITY, 89.0f, 1000.0f, -1e4f, -87.5f, -103.0f, 0.0f, -0.0f, 1.0f,
                        88.7f, -1.0f, NAN, -INFINITY, 0.5f, -20.0f, 30.0f, -INFINITY};
    const int nsp = (int)(sizeof sp / sizeof sp[0]);
    float got[32];
    wko_exp_f32(got, sp, nsp);
    for (int i = 0; i < nsp; i++) {
      const float x = sp[i];
      bool ok;
      if (isnan(x)) ok = isnan(got[i]);
      else if (x == -INFINITY || x < -87.34f) ok = got[i] == 0.0f;
      else if (x > 88.73f) ok = got[i] == INFINITY;
      else if (x == 0.0f) ok = got[i] == 1.0f;
      else ok = fabs((double)got[i] - exp((double)x)) <= EXP_TOL * exp((double)x);
      CHECK_MSG(ok, "%s: exp(%g) = %g", g_cfgs[c].name, (double)x, (double)got[i]);
    }
    /* in place */
    float inplace[5] = {0.0f, 1.0f, -1.0f, 2.0f, NAN};
    wko_exp_f32(inplace, inplace, 5);
    CHECK(inplace[0] == 1.0f && fabsf(inplace[1] - 2.7182817f) < 1e-6f && isnan(inplace[4]));
  }
}

/* ---- softmax ------------------------------------------------------------------------ */

/* kinds of row content */
enum { FILL_PLAIN = 0, FILL_MASKED, FILL_NEG_INF, FILL_ALL_NEG_INF, FILL_NAN, FILL_POS_INF, FILL_KINDS };

static void fill_rows(float *x, int64_t rows, int64_t n, float scale, bool specials) {
  for (int64_t r = 0; r < rows; r++) {
    int kind = specials ? rnd_int(0, FILL_KINDS * 2) : FILL_PLAIN;
    if (kind >= FILL_KINDS) kind = FILL_PLAIN;
    float *row = x + r * n;
    for (int64_t i = 0; i < n; i++) row[i] = scale * rnd_float();
    if (kind == FILL_MASKED)
      for (int64_t i = 0; i < n; i++)
        if (rnd_int(0, 2) == 0) row[i] += -1e4f;
    if (kind == FILL_NEG_INF)
      for (int64_t i = 0; i < n; i++)
        if (rnd_int(0, 3) == 0 && i != n / 2) row[i] = -INFINITY;
    if (kind == FILL_ALL_NEG_INF)
      for (int64_t i = 0; i < n; i++) row[i] = -INFINITY;
    if (kind == FILL_NAN) row[rnd_int(0, (int)n - 1)] = NAN;
    if (kind == FILL_POS_INF) row[rnd_int(0, (int)n - 1)] = INFINITY;
  }
}

/* softmax / log_softmax of x [dims] along `dim` for every configuration;
 * exact: the optimized kernel must give the portable bits (a fallback case) */
static void check_softmax_shape(int nd, const int64_t *sizes, int dim, float scale, bool specials,
                                bool log_sm, bool in_place, bool exact) {
  const char *op = log_sm ? "aten::_log_softmax.out" : "aten::_softmax.out";
  tbuf x, ref, y;
  tb_make(&x, nd, sizes);
  tb_make(&ref, nd, sizes);
  tb_make(&y, nd, sizes);
  const int64_t n = sizes[dim];
  fill_rows(x.data, (int64_t)x.n / n, n, scale, specials);
  wick_value rv[4] = {vt(&x.t), vi(dim - (rnd_int(0, 1) ? nd : 0)), vb(false), vt(&ref.t)};
  CHECK(run(portable(op), rv, 4, NULL) == WICK_OK);
  /* the max of each element's row, for the tolerance (rows along dim) */
  int64_t inner = 1;
  for (int d = dim + 1; d < nd; d++) inner *= sizes[d];
  float *rmax = malloc(x.n * sizeof(float));
  for (size_t o = 0; o < x.n / (size_t)(inner * n); o++)
    for (int64_t k = 0; k < inner; k++) {
      const float *row = x.data + o * (size_t)(inner * n) + k;
      float mx = -INFINITY;
      for (int64_t j = 0; j < n; j++) mx = row[j * inner] > mx ? row[j * inner] : mx;
      for (int64_t j = 0; j < n; j++) rmax[o * (size_t)(inner * n) + (size_t)(k + j * inner)] = mx;
    }
  for (int c = 0; c < g_ncfgs; c++) {
    wko_set_isa(g_cfgs[c].isa);
    tbuf *out = &y;
    if (in_place) {
      memcpy(y.data, x.data, x.n * sizeof(float));
      out = &y;
    } else {
      memset(y.data, 0xA5, y.n * sizeof(float));
    }
    wick_value ov[4] = {vt(in_place ? &y.t : &x.t), rv[1], vb(false), vt(&out->t)};
    wick_status s = run(optimized(op), ov, 4, g_cfgs[c].pool);
    CHECK_MSG(s == WICK_OK, "%s", g_diag.msg);
    g_cases++;
    g_elements += (long)x.n;
    for (size_t e = 0; e < x.n; e++) {
      const float mx = rmax[e];
      const double xd = fabs((double)x.data[e] - (double)mx);
      const double r = fabs((double)ref.data[e]);
      const double tol = exact ? 0.0 : log_sm ? 4e-7 * r + 2e-6 : (4e-7 + 6e-8 * xd) * r + 1e-30;
      const bool ok = exact ? memcmp(&y.data[e], &ref.data[e], 4) == 0 : close_or_nan(y.data[e], ref.data[e], tol);
      if (!ok) {
        char shp[64];
        int o = 0;
        for (int d = 0; d < nd; d++) o += snprintf(shp + o, sizeof shp - (size_t)o, "%s%lld", d ? "," : "", (long long)sizes[d]);
        fprintf(stderr, "%s %s [%s] dim %d%s: element %zu (x %.9g, row max %.9g): got %.9g, portable %.9g (tolerance %.3g)\n",
                op, g_cfgs[c].name, shp, dim, in_place ? " in place" : "", e, (double)x.data[e], (double)mx,
                (double)y.data[e], (double)ref.data[e], tol);
        wick_test_failures++;
        break;
      }
    }
  }
  free(rmax);
  tb_free(&x), tb_free(&ref), tb_free(&y);
}

static void random_softmax(void) {
  static const float scales[3] = {1.0f, 10.0f, 80.0f};
  const int64_t rows = rnd_int(1, 70), n = rnd_int(0, 3) == 0 ? rnd_int(1, 20) : rnd_int(1, 300);
  const float scale = scales[rnd_int(0, 2)];
  const bool log_sm = rnd_int(0, 2) == 0, specials = rnd_int(0, 1) == 1, in_place = rnd_int(0, 5) == 0;
  if (rnd_int(0, 2) == 0) { /* rank 3 / 4, rows split over leading dims, trailing size-1 dims */
    const int64_t a = rnd_int(1, 3);
    if (rnd_int(0, 1)) check_softmax_shape(3, (const int64_t[]){a, rows, n}, 2, scale, specials, log_sm, in_place, false);
    else check_softmax_shape(4, (const int64_t[]){a, rows, n, 1}, 2, scale, specials, log_sm, in_place, false);
  } else {
    check_softmax_shape(2, (const int64_t[]){rows, n}, 1, scale, specials, log_sm, in_place, false);
  }
}

static void check_softmax_fallbacks(void) {
  /* softmax over an outer dim: the portable kernel, bit for bit */
  for (int i = 0; i < 6; i++) {
    const int64_t a = rnd_int(1, 9), b = rnd_int(2, 40), c = rnd_int(2, 40);
    check_softmax_shape(3, (const int64_t[]){a, b, c}, i % 2, i < 3 ? 1.0f : 80.0f, i % 3 == 0, i % 2 == 1,
                        false, true);
  }
  /* rank 0 (a single 1) and a [1] row */
  check_softmax_shape(1, (const int64_t[]){1}, 0, 1.0f, false, false, false, false);
  {
    tbuf x, y1, y2;
    tb_make(&x, 0, NULL);
    tb_make(&y1, 0, NULL);
    tb_make(&y2, 0, NULL);
    x.data[0] = 3.0f;
    wick_value r1[4] = {vt(&x.t), vi(0), vb(false), vt(&y1.t)}, r2[4] = {vt(&x.t), vi(-1), vb(false), vt(&y2.t)};
    CHECK(run(portable("aten::_softmax.out"), r1, 4, NULL) == WICK_OK);
    CHECK(run(optimized("aten::_softmax.out"), r2, 4, NULL) == WICK_OK);
    CHECK(y1.data[0] == 1.0f && y2.data[0] == 1.0f);
    tb_free(&x), tb_free(&y1), tb_free(&y2);
  }
  /* a transposed (non-default dim order) self, out of the wrong shape (resized), a bad dim,
   * half_to_float, float64 */
  tbuf x, y1, y2;
  tb_make(&x, 2, (const int64_t[]){7, 13});
  tb_make(&y1, 2, (const int64_t[]){7, 13});
  tb_make(&y2, 2, (const int64_t[]){7, 13});
  for (size_t i = 0; i < x.n; i++) x.data[i] = 5.0f * rnd_float();
  x.t.dim_order[0] = 1, x.t.dim_order[1] = 0;
  wick_tensor_update_strides(&x.t);
  wick_value r1[4] = {vt(&x.t), vi(1), vb(false), vt(&y1.t)}, r2[4] = {vt(&x.t), vi(1), vb(false), vt(&y2.t)};
  CHECK(run(portable("aten::_softmax.out"), r1, 4, NULL) == WICK_OK);
  CHECK(run(optimized("aten::_softmax.out"), r2, 4, NULL) == WICK_OK);
  CHECK(memcmp(y1.data, y2.data, x.n * sizeof(float)) == 0);
  x.t.dim_order[0] = 0, x.t.dim_order[1] = 1;
  wick_tensor_update_strides(&x.t);
  y2.t.sizes[0] = 13, y2.t.sizes[1] = 7;
  y2.t.dynamism = WICK_SHAPE_DYNAMIC_BOUND;
  wick_tensor_update_strides(&y2.t);
  CHECK(run(portable("aten::_softmax.out"), r1, 4, NULL) == WICK_OK);
  CHECK_MSG(run(optimized("aten::_softmax.out"), r2, 4, NULL) == WICK_OK, "%s", g_diag.msg);
  CHECK(y2.t.sizes[0] == 7 && y2.t.sizes[1] == 13);
  for (size_t i = 0; i < x.n; i++) CHECK(fabsf(y1.data[i] - y2.data[i]) <= 1e-6f * y1.data[i]);
  wick_value bad[4] = {vt(&x.t), vi(2), vb(false), vt(&y2.t)};
  CHECK(run(optimized("aten::_softmax.out"), bad, 4, NULL) == WICK_ERR_KERNEL);
  CHECK_MSG(strstr(g_diag.msg, "out of range") != NULL, "message: %s", g_diag.msg);
  wick_value h2f[4] = {vt(&x.t), vi(1), vb(true), vt(&y2.t)};
  CHECK(run(optimized("aten::_log_softmax.out"), h2f, 4, NULL) == WICK_ERR_KERNEL);
  CHECK_MSG(strstr(g_diag.msg, "half_to_float") != NULL, "message: %s", g_diag.msg);
  tb_free(&x), tb_free(&y1), tb_free(&y2);
  {
    double xd[6] = {1, 2, 3, -1, 0, 4}, a[6], b[6];
    wick_tensor tx, ta, tb;
    const int64_t s[2] = {2, 3};
    CHECK(wick_tensor_init(&tx, WICK_F64, 2, s, xd, sizeof xd) == WICK_OK);
    CHECK(wick_tensor_init(&ta, WICK_F64, 2, s, a, sizeof a) == WICK_OK);
    CHECK(wick_tensor_init(&tb, WICK_F64, 2, s, b, sizeof b) == WICK_OK);
    wick_value d1[4] = {vt(&tx), vi(1), vb(false), vt(&ta)}, d2[4] = {vt(&tx), vi(1), vb(false), vt(&tb)};
    CHECK(run(portable("aten::_softmax.out"), d1, 4, NULL) == WICK_OK);
    CHECK(run(optimized("aten::_softmax.out"), d2, 4, NULL) == WICK_OK);
    CHECK(memcmp(a, b, sizeof a) == 0);
  }
}

/* ---- layer norm --------------------------------------------------------------------- */

/* x [lead..., norm...] normalized over the last m dims; kinds: 0 random, 1 large mean
 * and tiny spread, 2 constant rows */
static void check_layer_norm(int nd, const int64_t *sizes, int m, bool has_w, bool has_b, float scale,
                             int kind, bool in_place) {
  tbuf x, w, b, y0, m0, r0, y1, m1, r1;
  int64_t ssizes[WICK_MAX_DIM];
  for (int d = 0; d < nd; d++) ssizes[d] = d < nd - m ? sizes[d] : 1;
  tb_make(&x, nd, sizes);
  tb_make(&w, m, sizes + nd - m);
  tb_make(&b, m, sizes + nd - m);
  tb_make(&y0, nd, sizes);
  tb_make(&y1, nd, sizes);
  tb_make(&m0, nd, ssizes);
  tb_make(&m1, nd, ssizes);
  tb_make(&r0, nd, ssizes);
  tb_make(&r1, nd, ssizes);
  const int64_t n = (int64_t)w.n, rows = (int64_t)x.n / n;
  for (int64_t r = 0; r < rows; r++) {
    const float base = kind == 1 ? 50.0f * rnd_float() : 0.0f, c = scale * rnd_float();
    for (int64_t i = 0; i < n; i++)
      x.data[r * n + i] = kind == 0 ? scale * rnd_float() : kind == 1 ? base + 1e-3f * rnd_float() : c;
  }
  for (size_t i = 0; i < w.n; i++) w.data[i] = 1.0f + rnd_float(), b.data[i] = rnd_float();
  int64_t ns[WICK_MAX_DIM];
  for (int i = 0; i < m; i++) ns[i] = sizes[nd - m + i];
  const double eps = rnd_int(0, 1) ? 1e-5 : 1e-6;
  wick_value args0[8] = {vt(&x.t), vil(ns, (uint32_t)m), has_w ? vt(&w.t) : vnone(), has_b ? vt(&b.t) : vnone(),
                         vd(eps), vt(&y0.t), vt(&m0.t), vt(&r0.t)};
  CHECK(run(portable("aten::native_layer_norm.out"), args0, 8, NULL) == WICK_OK);
  for (int c = 0; c < g_ncfgs; c++) {
    wko_set_isa(g_cfgs[c].isa);
    memset(m1.data, 0xA5, m1.n * sizeof(float));
    memset(r1.data, 0xA5, r1.n * sizeof(float));
    if (in_place) memcpy(y1.data, x.data, x.n * sizeof(float));
    else memset(y1.data, 0xA5, y1.n * sizeof(float));
    wick_value args1[8] = {vt(in_place ? &y1.t : &x.t), vil(ns, (uint32_t)m), args0[2], args0[3], vd(eps),
                           vt(&y1.t), vt(&m1.t), vt(&r1.t)};
    wick_status s = run(optimized("aten::native_layer_norm.out"), args1, 8, g_cfgs[c].pool);
    CHECK_MSG(s == WICK_OK, "%s", g_diag.msg);
    g_cases++;
    g_elements += (long)x.n;
    for (size_t e = 0; e < x.n; e++) {
      const double bb = has_b ? fabs((double)b.data[e % (size_t)n]) : 0.0;
      const double tol = 2e-6 * (fabs((double)y0.data[e] - (has_b ? (double)b.data[e % (size_t)n] : 0.0)) + bb) + 1e-7;
      if (!close_or_nan(y1.data[e], y0.data[e], tol)) {
        fprintf(stderr, "layer_norm %s rows %lld n %lld (m %d) w %d b %d kind %d%s: element %zu: got %.9g, portable %.9g (tolerance %.3g)\n",
                g_cfgs[c].name, (long long)rows, (long long)n, m, has_w, has_b, kind, in_place ? " in place" : "", e,
                (double)y1.data[e], (double)y0.data[e], tol);
        wick_test_failures++;
        break;
      }
    }
    for (int64_t r = 0; r < rows; r++) {
      const bool ok = close_or_nan(m1.data[r], m0.data[r], 1e-6 * fabs((double)m0.data[r]) + 1e-12) &&
                      close_or_nan(r1.data[r], r0.data[r], 1e-6 * fabs((double)r0.data[r]) + 1e-12);
      if (!ok) {
        fprintf(stderr, "layer_norm %s rows %lld n %lld: row %lld: mean %.9g / %.9g, rstd %.9g / %.9g\n",
                g_cfgs[c].name, (long long)rows, (long long)n, (long long)r, (double)m1.data[r],
                (double)m0.data[r], (double)r1.data[r], (double)r0.data[r]);
        wick_test_failures++;
        break;
      }
    }
  }
  tb_free(&x), tb_free(&w), tb_free(&b), tb_free(&y0), tb_free(&y1);
  tb_free(&m0), tb_free(&m1), tb_free(&r0), tb_free(&r1);
}

static void random_layer_norm(void) {
  static const float scales[3] = {1.0f, 10.0f, 80.0f};
  const int64_t rows = rnd_int(1, 70), n = rnd_int(0, 3) == 0 ? rnd_int(1, 20) : rnd_int(1, 300);
  const bool w = rnd_int(0, 1), b = rnd_int(0, 1), in_place = rnd_int(0, 5) == 0;
  const float scale = scales[rnd_int(0, 2)];
  const int kind = rnd_int(0, 5) == 0 ? 1 : rnd_int(0, 9) == 0 ? 2 : 0;
  const int shape = rnd_int(0, 2);
  if (shape == 0) {
    check_layer_norm(2, (const int64_t[]){rows, n}, 1, w, b, scale, kind, in_place);
  } else if (shape == 1) { /* [a, rows, n] over [n] */
    check_layer_norm(3, (const int64_t[]){rnd_int(1, 3), rows, n}, 1, w, b, scale, kind, in_place);
  } else { /* [rows, a, c] over [a, c] */
    const int64_t a = rnd_int(1, 9), c = rnd_int(1, 40);
    check_layer_norm(3, (const int64_t[]){rows, a, c}, 2, w, b, scale, kind, in_place);
  }
}

static void check_layer_norm_fallbacks(void) {
  /* a transposed input and a float64 weight: the portable kernel, bit for bit */
  for (int variant = 0; variant < 2; variant++) {
    tbuf x, y0, y1, m0, m1, r0, r1;
    const int64_t s[2] = {6, 11}, ss[2] = {6, 1};
    tb_make(&x, 2, s), tb_make(&y0, 2, s), tb_make(&y1, 2, s);
    tb_make(&m0, 2, ss), tb_make(&m1, 2, ss), tb_make(&r0, 2, ss), tb_make(&r1, 2, ss);
    for (size_t i = 0; i < x.n; i++) x.data[i] = 3.0f * rnd_float();
    double wd[11];
    for (int i = 0; i < 11; i++) wd[i] = 1.0 + rnd_float();
    wick_tensor wt;
    CHECK(wick_tensor_init(&wt, WICK_F64, 1, (const int64_t[]){11}, wd, sizeof wd) == WICK_OK);
    if (variant == 0) {
      x.t.dim_order[0] = 1, x.t.dim_order[1] = 0;
      wick_tensor_update_strides(&x.t);
    }
    int64_t ns[1] = {11};
    wick_value a0[8] = {vt(&x.t), vil(ns, 1), variant ? vt(&wt) : vnone(), vnone(), vd(1e-5), vt(&y0.t), vt(&m0.t), vt(&r0.t)};
    wick_value a1[8] = {vt(&x.t), vil(ns, 1), a0[2], vnone(), vd(1e-5), vt(&y1.t), vt(&m1.t), vt(&r1.t)};
    CHECK(run(portable("aten::native_layer_norm.out"), a0, 8, NULL) == WICK_OK);
    CHECK(run(optimized("aten::native_layer_norm.out"), a1, 8, NULL) == WICK_OK);
    CHECK(memcmp(y0.data, y1.data, x.n * 4) == 0 && memcmp(m0.data, m1.data, 24) == 0 &&
          memcmp(r0.data, r1.data, 24) == 0);
    tb_free(&x), tb_free(&y0), tb_free(&y1), tb_free(&m0), tb_free(&m1), tb_free(&r0), tb_free(&r1);
  }
  /* errors come from the portable kernel */
  tbuf x, y, mo, ro;
  const int64_t s[2] = {4, 5}, ss[2] = {4, 1};
  tb_make(&x, 2, s), tb_make(&y, 2, s), tb_make(&mo, 2, ss), tb_make(&ro, 2, ss);
  int64_t bad_ns[1] = {4};
  wick_value a[8] = {vt(&x.t), vil(bad_ns, 1), vnone(), vnone(), vd(1e-5), vt(&y.t), vt(&mo.t), vt(&ro.t)};
  CHECK(run(optimized("aten::native_layer_norm.out"), a, 8, NULL) == WICK_ERR_KERNEL);
  CHECK_MSG(strstr(g_diag.msg, "normalized_shape") != NULL, "message: %s", g_diag.msg);
  int64_t ns[1] = {5};
  wick_value e[8] = {vt(&x.t), vil(ns, 1), vnone(), vnone(), vd(-1.0), vt(&y.t), vt(&mo.t), vt(&ro.t)};
  CHECK(run(optimized("aten::native_layer_norm.out"), e, 8, NULL) == WICK_ERR_KERNEL);
  CHECK_MSG(strstr(g_diag.msg, "eps") != NULL, "message: %s", g_diag.msg);
  tb_free(&x), tb_free(&y), tb_free(&mo), tb_free(&ro);
}

int main(void) {
  wick_threadpool *pool2 = wick_threadpool_create(2);
  CHECK(pool2 != NULL);
  if (pool2 == NULL) return test_finish("test_optimized_norm");
  setup_cfgs(pool2);
  CHECK(optimized("aten::_softmax.out") && optimized("aten::_log_softmax.out") &&
        optimized("aten::native_layer_norm.out"));
  fprintf(stderr, "test_optimized_norm: %d configurations (ISA x threads)\n", g_ncfgs);

  check_exp();

  /* the translation model's shapes (attention [1,4,64,64], decoder step [1,4,1,64]),
   * then random ones; 512 x 256 crosses the threading thresholds */
  check_softmax_shape(4, (const int64_t[]){1, 4, 64, 64}, 3, 10.0f, true, false, false, false);
  check_softmax_shape(4, (const int64_t[]){1, 4, 1, 64}, 3, 10.0f, true, false, false, false);
  check_softmax_shape(2, (const int64_t[]){512, 256}, 1, 10.0f, true, false, false, false);
  check_softmax_shape(2, (const int64_t[]){512, 256}, 1, 80.0f, true, true, true, false);
  check_softmax_shape(2, (const int64_t[]){1, 100000}, 1, 80.0f, false, false, false, false);
  check_softmax_shape(2, (const int64_t[]){2, 100003}, 1, 10.0f, false, true, false, false);
  for (int i = 0; i < 150; i++) random_softmax();
  check_softmax_fallbacks();

  check_layer_norm(3, (const int64_t[]){1, 64, 256}, 1, true, true, 3.0f, 0, false);
  check_layer_norm(3, (const int64_t[]){1, 1, 256}, 1, true, true, 3.0f, 0, false);
  check_layer_norm(2, (const int64_t[]){600, 256}, 1, true, true, 80.0f, 0, false);
  check_layer_norm(2, (const int64_t[]){600, 256}, 1, false, true, 1.0f, 1, true);
  check_layer_norm(2, (const int64_t[]){1, 100003}, 1, true, false, 80.0f, 0, false);
  for (int i = 0; i < 150; i++) random_layer_norm();
  check_layer_norm_fallbacks();

  fprintf(stderr, "test_optimized_norm: %ld comparisons, %ld elements\n", g_cases, g_elements);
  wick_threadpool_destroy(pool2);
  return test_finish("test_optimized_norm");
}
