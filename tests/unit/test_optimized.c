/* The optimized kernels (src/kernels/optimized) against the portable ones.
 *
 * Every case runs the portable kernel and the optimized kernel on the same
 * random inputs, for each micro-kernel this CPU can run (portable C, AVX2,
 * AVX-512), without a pool and with a 2-thread pool. Shapes are random and
 * odd on purpose (m, n, k from 1 to ~130, every stride / padding /
 * dilation / groups combination the generator draws, depthwise, 1x1, batch
 * > 1), plus fixed shapes that cross the GEMM's cache blocks.
 *
 * Tolerance: the optimized kernels sum in a different order (and in float,
 * where portable convolution sums in double), so results differ by rounding.
 * Each output element must satisfy
 *     |opt - ref| <= 1e-5 * ref_abs + 1e-7
 * where ref_abs is the same op computed by the portable kernel on the
 * absolute values of every input (|alpha|, |beta| too): the sum of the
 * magnitudes of the terms, the natural scale of a reordered fp32 sum's
 * rounding error (about sqrt(K) * 6e-8 * ref_abs in practice, K <= ~1200
 * here, so 1e-5 leaves a wide margin while still catching any wrong term).
 *
 * Max pooling compares values and indices bit for bit (no arithmetic).
 *
 * Also checked: the fallbacks (other dtypes, transposed and channels-last
 * convolutions, missing scratch) give the portable results exactly;
 * WICK_DISABLE_OPTIMIZED keeps the portable table; and a loaded program
 * with optimized convolution and addmm executes without allocating (the
 * scratch is sized at load).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/pte_writer.h"
#include "harness.h"
#include "opt_kernel_test.h"
#include "kernels/optimized/opt.h"
#include "wick/backend.h"
#include "wick/threadpool.h"
#include "wick/util.h"
#include "wick/wick.h"

/* Until CMakeLists.txt compiles src/threads into libwick, the test
 * brings the thread pool itself, so that the tree keeps linking. Once the
 * library has it, this copy still links cleanly (the archive's copy is then
 * simply not pulled in); drop the include at that point. */

/* ---- allocation counting (as in test_noalloc.c; glibc, unsanitized) ------- */

#include "alloc_count.h"
#ifdef ALLOC_COUNT_ACTIVE
#define COUNT_ACTIVE 1
#endif

/* ---- random numbers ------------------------------------------------------ */

static uint64_t g_rng = 0x853c49e6748fea9bull;

static uint32_t rnd_u32(void) {
  g_rng = g_rng * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(g_rng >> 33);
}
/* uniform integer in [lo, hi] */
static int rnd_int(int lo, int hi) { return lo + (int)(rnd_u32() % (uint32_t)(hi - lo + 1)); }
static float rnd_float(void) { return (float)rnd_u32() / 2147483648.0f - 1.0f; }

/* ---- tensors and values ----------------------------------------------------- */

typedef struct tbuf {
  wick_tensor t;
  float *data;
  size_t n;
} tbuf;

static void tb_init(tbuf *b, int dtype, int dim, const int64_t *sizes, bool random) {
  b->n = 1;
  for (int i = 0; i < dim; i++) b->n *= (size_t)sizes[i];
  size_t es = wick_dtype_size(dtype);
  b->data = malloc(b->n * es + 64);
  CHECK(wick_tensor_init(&b->t, dtype, dim, sizes, b->data, b->n * es) == WICK_OK);
  if (dtype == WICK_F32)
    for (size_t i = 0; i < b->n; i++) b->data[i] = random ? rnd_float() : 0.0f;
  else if (dtype == WICK_F64)
    for (size_t i = 0; i < b->n; i++) ((double *)(void *)b->data)[i] = random ? rnd_float() : 0.0;
}
static void tb_free(tbuf *b) { free(b->data); }
/* |x| of a float32 buffer into another of the same shape */
static void tb_abs(tbuf *dst, const tbuf *src) {
  tb_init(dst, WICK_F32, src->t.dim, (const int64_t[]){src->t.sizes[0], src->t.dim > 1 ? src->t.sizes[1] : 0,
                                                      src->t.dim > 2 ? src->t.sizes[2] : 0, src->t.dim > 3 ? src->t.sizes[3] : 0},
          false);
  memcpy(dst->t.dim_order, src->t.dim_order, src->t.dim);
  wick_tensor_update_strides(&dst->t);
  for (size_t i = 0; i < src->n; i++) dst->data[i] = fabsf(src->data[i]);
}


/* Calls k with scratch memory sized by its scratch function (scratch_ok
 * false: none at all, which must make it fall back). */
static wick_status run(const wick_kernel *k, wick_value *vals, uint32_t n, wick_threadpool *pool,
                       bool scratch_ok) {
  wick_value *argv[16];
  for (uint32_t i = 0; i < n; i++) argv[i] = &vals[i];
  size_t need = scratch_ok && k->scratch ? k->scratch(argv, n) : 0;
  void *scratch = NULL;
  if (need && posix_memalign(&scratch, 64, need) != 0) return WICK_ERR_MEMORY;
  wick_kernel_ctx ctx = {&g_diag, k->name, 0, scratch, need, pool};
  wick_diag_clear(&g_diag);
  wick_status s = k->fn(&ctx, argv, n);
  free(scratch);
  return s;
}

/* Element-wise comparison with the tolerance of the header comment. */
static long g_cases, g_elements;
static bool compare(const char *what, const float *got, const float *ref, const float *ref_abs,
                    size_t n) {
  g_cases++;
  g_elements += (long)n;
  for (size_t i = 0; i < n; i++) {
    float tol = 1e-5f * ref_abs[i] + 1e-7f;
    if (!(fabsf(got[i] - ref[i]) <= tol)) {
      fprintf(stderr, "%s: element %zu: got %.9g, portable %.9g (tolerance %.3g)\n", what, i,
              (double)got[i], (double)ref[i], (double)tol);
      wick_test_failures++;
      return false;
    }
  }
  return true;
}

/* The configurations every case runs in. */
typedef struct run_cfg {
  int isa;
  wick_threadpool *pool;
  const char *name;
} run_cfg;
static run_cfg g_cfgs[6];
static int g_ncfgs;

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

/* ---- mm / addmm / bmm ------------------------------------------------------------- */

/* Transposes t's dim order (keeping its logical shape): a [r,c] tensor
 * stored column-major. Data is re-laid out so the logical values stay. */
static void make_col_major(tbuf *b) {
  int64_t r = b->t.sizes[0], c = b->t.sizes[1];
  float *tmp = malloc(b->n * sizeof(float) + 4);
  for (int64_t i = 0; i < r; i++)
    for (int64_t j = 0; j < c; j++) tmp[j * r + i] = b->data[i * c + j];
  memcpy(b->data, tmp, b->n * sizeof(float));
  free(tmp);
  b->t.dim_order[0] = 1;
  b->t.dim_order[1] = 0;
  wick_tensor_update_strides(&b->t);
}

static void check_mm(int64_t m, int64_t n, int64_t k, bool a_colmajor, bool b_colmajor) {
  tbuf a, b, y, yr, ya, aa, ba;
  tb_init(&a, WICK_F32, 2, (const int64_t[]){m, k}, true);
  tb_init(&b, WICK_F32, 2, (const int64_t[]){k, n}, true);
  if (a_colmajor) make_col_major(&a);
  if (b_colmajor) make_col_major(&b);
  tb_init(&y, WICK_F32, 2, (const int64_t[]){m, n}, false);
  tb_init(&yr, WICK_F32, 2, (const int64_t[]){m, n}, false);
  tb_init(&ya, WICK_F32, 2, (const int64_t[]){m, n}, false);
  tb_abs(&aa, &a);
  tb_abs(&ba, &b);
  wick_value ref[3] = {vt(&a.t), vt(&b.t), vt(&yr.t)};
  wick_value refa[3] = {vt(&aa.t), vt(&ba.t), vt(&ya.t)};
  CHECK(run(portable("aten::mm.out"), ref, 3, NULL, false) == WICK_OK);
  CHECK(run(portable("aten::mm.out"), refa, 3, NULL, false) == WICK_OK);
  for (int c = 0; c < g_ncfgs; c++) {
    wko_set_isa(g_cfgs[c].isa);
    memset(y.data, 0xff, y.n * sizeof(float)); /* NaN: every element must be written */
    wick_value args[3] = {vt(&a.t), vt(&b.t), vt(&y.t)};
    wick_status s = run(optimized("aten::mm.out"), args, 3, g_cfgs[c].pool, true);
    CHECK_MSG(s == WICK_OK, "%s", g_diag.msg);
    char what[128];
    snprintf(what, sizeof what, "mm %lldx%lldx%lld%s%s [%s]", (long long)m, (long long)n,
             (long long)k, a_colmajor ? " A^T" : "", b_colmajor ? " B^T" : "", g_cfgs[c].name);
    compare(what, y.data, yr.data, ya.data, y.n);
  }
  tb_free(&a), tb_free(&b), tb_free(&y), tb_free(&yr), tb_free(&ya), tb_free(&aa), tb_free(&ba);
}

/* self of shape (sdim, s0, s1) broadcast to [m, n]; alpha/beta as given */
static void check_addmm(int64_t m, int64_t n, int64_t k, int sdim, int64_t s0, int64_t s1,
                        wick_value beta, wick_value alpha, bool b_colmajor) {
  tbuf self, a, b, y, yr, ya, sa, aa, ba;
  int64_t ss[2] = {s0, s1};
  tb_init(&self, WICK_F32, sdim, ss, true);
  tb_init(&a, WICK_F32, 2, (const int64_t[]){m, k}, true);
  tb_init(&b, WICK_F32, 2, (const int64_t[]){k, n}, true);
  if (b_colmajor) make_col_major(&b);
  tb_init(&y, WICK_F32, 2, (const int64_t[]){m, n}, false);
  tb_init(&yr, WICK_F32, 2, (const int64_t[]){m, n}, false);
  tb_init(&ya, WICK_F32, 2, (const int64_t[]){m, n}, false);
  tb_abs(&sa, &self);
  tb_abs(&aa, &a);
  tb_abs(&ba, &b);
  bool beta_zero = (beta.kind == WICK_VAL_INT && beta.u.i == 0) || (beta.kind == WICK_VAL_DOUBLE && beta.u.d == 0);
  if (beta_zero) self.data[0] = NAN; /* beta == 0 ignores self, NaN included */
  wick_value abeta = beta, aalpha = alpha;
  if (abeta.kind == WICK_VAL_DOUBLE) abeta.u.d = fabs(abeta.u.d);
  if (abeta.kind == WICK_VAL_INT) abeta.u.i = llabs(abeta.u.i);
  if (aalpha.kind == WICK_VAL_DOUBLE) aalpha.u.d = fabs(aalpha.u.d);
  if (aalpha.kind == WICK_VAL_INT) aalpha.u.i = llabs(aalpha.u.i);
  wick_value ref[6] = {vt(&self.t), vt(&a.t), vt(&b.t), beta, alpha, vt(&yr.t)};
  wick_value refa[6] = {vt(&sa.t), vt(&aa.t), vt(&ba.t), abeta, aalpha, vt(&ya.t)};
  CHECK(run(portable("aten::addmm.out"), ref, 6, NULL, false) == WICK_OK);
  CHECK(run(portable("aten::addmm.out"), refa, 6, NULL, false) == WICK_OK);
  for (int c = 0; c < g_ncfgs; c++) {
    wko_set_isa(g_cfgs[c].isa);
    memset(y.data, 0xff, y.n * sizeof(float));
    wick_value args[6] = {vt(&self.t), vt(&a.t), vt(&b.t), beta, alpha, vt(&y.t)};
    wick_status s = run(optimized("aten::addmm.out"), args, 6, g_cfgs[c].pool, true);
    CHECK_MSG(s == WICK_OK, "%s", g_diag.msg);
    char what[160];
    snprintf(what, sizeof what, "addmm %lldx%lldx%lld self dim %d [%lld,%lld] [%s]", (long long)m,
             (long long)n, (long long)k, sdim, (long long)s0, (long long)s1, g_cfgs[c].name);
    compare(what, y.data, yr.data, ya.data, y.n);
  }
  tb_free(&self), tb_free(&a), tb_free(&b), tb_free(&y), tb_free(&yr), tb_free(&ya);
  tb_free(&sa), tb_free(&aa), tb_free(&ba);
}

static void check_bmm(int64_t batches, int64_t m, int64_t n, int64_t k) {
  tbuf a, b, y, yr, ya, aa, ba;
  tb_init(&a, WICK_F32, 3, (const int64_t[]){batches, m, k}, true);
  tb_init(&b, WICK_F32, 3, (const int64_t[]){batches, k, n}, true);
  tb_init(&y, WICK_F32, 3, (const int64_t[]){batches, m, n}, false);
  tb_init(&yr, WICK_F32, 3, (const int64_t[]){batches, m, n}, false);
  tb_init(&ya, WICK_F32, 3, (const int64_t[]){batches, m, n}, false);
  tb_abs(&aa, &a);
  tb_abs(&ba, &b);
  wick_value ref[3] = {vt(&a.t), vt(&b.t), vt(&yr.t)};
  wick_value refa[3] = {vt(&aa.t), vt(&ba.t), vt(&ya.t)};
  CHECK(run(portable("aten::bmm.out"), ref, 3, NULL, false) == WICK_OK);
  CHECK(run(portable("aten::bmm.out"), refa, 3, NULL, false) == WICK_OK);
  for (int c = 0; c < g_ncfgs; c++) {
    wko_set_isa(g_cfgs[c].isa);
    memset(y.data, 0xff, y.n * sizeof(float));
    wick_value args[3] = {vt(&a.t), vt(&b.t), vt(&y.t)};
    CHECK(run(optimized("aten::bmm.out"), args, 3, g_cfgs[c].pool, true) == WICK_OK);
    char what[128];
    snprintf(what, sizeof what, "bmm %lld x %lldx%lldx%lld [%s]", (long long)batches,
             (long long)m, (long long)n, (long long)k, g_cfgs[c].name);
    compare(what, y.data, yr.data, ya.data, y.n);
  }
  tb_free(&a), tb_free(&b), tb_free(&y), tb_free(&yr), tb_free(&ya), tb_free(&aa), tb_free(&ba);
}

/* ---- convolution -------------------------------------------------------------------- */

typedef struct conv_cfg {
  int64_t n, cin, cout, groups, ih, iw, kh, kw, sh, sw, ph, pw, dh, dw;
  bool bias;
} conv_cfg;

static void check_conv(const conv_cfg *cf) {
  int64_t exth = cf->dh * (cf->kh - 1) + 1, extw = cf->dw * (cf->kw - 1) + 1;
  int64_t oh = (cf->ih + 2 * cf->ph - exth) / cf->sh + 1, ow = (cf->iw + 2 * cf->pw - extw) / cf->sw + 1;
  tbuf x, w, b, y, yr, ya, xa, wa, ba;
  tb_init(&x, WICK_F32, 4, (const int64_t[]){cf->n, cf->cin, cf->ih, cf->iw}, true);
  tb_init(&w, WICK_F32, 4, (const int64_t[]){cf->cout, cf->cin / cf->groups, cf->kh, cf->kw}, true);
  tb_init(&b, WICK_F32, 1, (const int64_t[]){cf->cout}, true);
  int64_t ys[4] = {cf->n, cf->cout, oh, ow};
  tb_init(&y, WICK_F32, 4, ys, false);
  tb_init(&yr, WICK_F32, 4, ys, false);
  tb_init(&ya, WICK_F32, 4, ys, false);
  tb_abs(&xa, &x);
  tb_abs(&wa, &w);
  tb_abs(&ba, &b);
  int64_t st[2] = {cf->sh, cf->sw}, pd[2] = {cf->ph, cf->pw}, dl[2] = {cf->dh, cf->dw}, op[2] = {0, 0};
  /* one-entry lists when both dims agree, as exporters often write them */
  uint32_t nst = cf->sh == cf->sw ? 1 : 2, npd = cf->ph == cf->pw ? 1 : 2, ndl = cf->dh == cf->dw ? 1 : 2;
#define CONV_ARGS(X, W, B, Y)                                                                  \
  { vt(&(X).t), vt(&(W).t), cf->bias ? vt(&(B).t) : vnone(), vil(st, nst), vil(pd, npd),       \
    vil(dl, ndl), vb(false), vil(op, 2), vi(cf->groups), vt(&(Y).t) }
  wick_value ref[10] = CONV_ARGS(x, w, b, yr);
  wick_value refa[10] = CONV_ARGS(xa, wa, ba, ya);
  CHECK(run(portable("aten::convolution.out"), ref, 10, NULL, false) == WICK_OK);
  CHECK(run(portable("aten::convolution.out"), refa, 10, NULL, false) == WICK_OK);
  for (int c = 0; c < g_ncfgs; c++) {
    wko_set_isa(g_cfgs[c].isa);
    memset(y.data, 0xff, y.n * sizeof(float));
    wick_value args[10] = CONV_ARGS(x, w, b, y);
    wick_status s = run(optimized("aten::convolution.out"), args, 10, g_cfgs[c].pool, true);
    CHECK_MSG(s == WICK_OK, "%s", g_diag.msg);
    char what[256];
    snprintf(what, sizeof what,
             "conv n%lld c%lld->%lld g%lld in %lldx%lld k %lldx%lld s %lld,%lld p %lld,%lld d "
             "%lld,%lld%s [%s]",
             (long long)cf->n, (long long)cf->cin, (long long)cf->cout, (long long)cf->groups,
             (long long)cf->ih, (long long)cf->iw, (long long)cf->kh, (long long)cf->kw,
             (long long)cf->sh, (long long)cf->sw, (long long)cf->ph, (long long)cf->pw,
             (long long)cf->dh, (long long)cf->dw, cf->bias ? " bias" : "", g_cfgs[c].name);
    if (!compare(what, y.data, yr.data, ya.data, y.n)) break;
  }
#undef CONV_ARGS
  tb_free(&x), tb_free(&w), tb_free(&b), tb_free(&y), tb_free(&yr), tb_free(&ya);
  tb_free(&xa), tb_free(&wa), tb_free(&ba);
}

/* wick::convolution_act.out: the portable fused kernel equals convolution
 * then clamp bit for bit; the optimized one (GEMM epilogue / direct
 * depthwise clamp) is within tolerance of it. */
static void check_conv_act(const conv_cfg *cf, wick_value lo, wick_value hi) {
  int64_t exth = cf->dh * (cf->kh - 1) + 1, extw = cf->dw * (cf->kw - 1) + 1;
  int64_t oh = (cf->ih + 2 * cf->ph - exth) / cf->sh + 1, ow = (cf->iw + 2 * cf->pw - extw) / cf->sw + 1;
  tbuf x, w, b, y, yr, yu, ya, xa, wa, ba;
  tb_init(&x, WICK_F32, 4, (const int64_t[]){cf->n, cf->cin, cf->ih, cf->iw}, true);
  tb_init(&w, WICK_F32, 4, (const int64_t[]){cf->cout, cf->cin / cf->groups, cf->kh, cf->kw}, true);
  tb_init(&b, WICK_F32, 1, (const int64_t[]){cf->cout}, true);
  int64_t ys[4] = {cf->n, cf->cout, oh, ow};
  tb_init(&y, WICK_F32, 4, ys, false);
  tb_init(&yr, WICK_F32, 4, ys, false);
  tb_init(&yu, WICK_F32, 4, ys, false);
  tb_init(&ya, WICK_F32, 4, ys, false);
  tb_abs(&xa, &x);
  tb_abs(&wa, &w);
  tb_abs(&ba, &b);
  int64_t st[2] = {cf->sh, cf->sw}, pd[2] = {cf->ph, cf->pw}, dl[2] = {cf->dh, cf->dw}, op[2] = {0, 0};
#define CONV_ACT_ARGS(X, W, B, Y)                                                              \
  { vt(&(X).t), vt(&(W).t), cf->bias ? vt(&(B).t) : vnone(), vil(st, 2), vil(pd, 2),          \
    vil(dl, 2), vb(false), vil(op, 2), vi(cf->groups), lo, hi, vt(&(Y).t) }
  /* unfused reference: convolution, then clamp */
  wick_value u[10] = {vt(&x.t), vt(&w.t), cf->bias ? vt(&b.t) : vnone(), vil(st, 2), vil(pd, 2),
                      vil(dl, 2), vb(false), vil(op, 2), vi(cf->groups), vt(&yu.t)};
  CHECK(run(portable("aten::convolution.out"), u, 10, NULL, false) == WICK_OK);
  wick_value cl[4] = {vt(&yu.t), lo, hi, vt(&yu.t)};
  CHECK(run(portable("aten::clamp.out"), cl, 4, NULL, false) == WICK_OK);
  wick_value ref[12] = CONV_ACT_ARGS(x, w, b, yr);
  wick_value refa[12] = CONV_ACT_ARGS(xa, wa, ba, ya);
  CHECK(run(portable("wick::convolution_act.out"), ref, 12, NULL, false) == WICK_OK);
  CHECK(run(portable("wick::convolution_act.out"), refa, 12, NULL, false) == WICK_OK);
  CHECK(memcmp(yr.data, yu.data, yr.n * sizeof(float)) == 0);
  for (int c = 0; c < g_ncfgs; c++) {
    wko_set_isa(g_cfgs[c].isa);
    memset(y.data, 0xff, y.n * sizeof(float));
    wick_value args[12] = CONV_ACT_ARGS(x, w, b, y);
    wick_status s = run(optimized("wick::convolution_act.out"), args, 12, g_cfgs[c].pool, true);
    CHECK_MSG(s == WICK_OK, "%s", g_diag.msg);
    char what[160];
    snprintf(what, sizeof what, "conv_act c%lld->%lld g%lld %lldx%lld k%lld s%lld [%s]",
             (long long)cf->cin, (long long)cf->cout, (long long)cf->groups, (long long)cf->ih,
             (long long)cf->iw, (long long)cf->kh, (long long)cf->sw, g_cfgs[c].name);
    if (!compare(what, y.data, yr.data, ya.data, y.n)) break;
  }
#undef CONV_ACT_ARGS
  tb_free(&x), tb_free(&w), tb_free(&b), tb_free(&y), tb_free(&yr), tb_free(&yu), tb_free(&ya);
  tb_free(&xa), tb_free(&wa), tb_free(&ba);
}

static conv_cfg random_conv(void) {
  conv_cfg c;
  int kind = rnd_int(0, 9);
  c.n = rnd_int(1, 2);
  if (kind < 6) { /* dense */
    c.groups = 1;
    c.cin = rnd_int(1, 20);
    c.cout = rnd_int(1, 40);
  } else if (kind < 8) { /* depthwise */
    c.groups = c.cin = c.cout = rnd_int(1, 24);
  } else { /* grouped (or depthwise with a channel multiplier) */
    c.groups = rnd_int(2, 4);
    c.cin = c.groups * rnd_int(1, 6);
    c.cout = c.groups * rnd_int(1, 8);
  }
  c.kh = rnd_int(1, 5);
  c.kw = rnd_int(1, 5);
  c.sh = rnd_int(1, 3);
  c.sw = rnd_int(1, 3);
  c.ph = rnd_int(0, 2);
  c.pw = rnd_int(0, 2);
  c.dh = rnd_int(1, 2);
  c.dw = rnd_int(1, 2);
  int64_t exth = c.dh * (c.kh - 1) + 1, extw = c.dw * (c.kw - 1) + 1;
  c.ih = wko_max(1, exth - 2 * c.ph + rnd_int(0, 18));
  c.iw = wko_max(1, extw - 2 * c.pw + rnd_int(0, 18));
  c.bias = rnd_int(0, 3) != 0;
  return c;
}

/* ---- max pooling: bit-identical values and indices ------------------------------------ */

static void check_maxpool(void) {
  for (int i = 0; i < 40; i++) {
    int64_t kh = rnd_int(1, 4), kw = rnd_int(1, 4), sh = rnd_int(1, 3), sw = rnd_int(1, 3);
    int64_t ph = rnd_int(0, (int)kh / 2), pw = rnd_int(0, (int)kw / 2), dh = rnd_int(1, 2), dw = rnd_int(1, 2);
    bool ceil_mode = rnd_int(0, 1);
    int64_t n = rnd_int(1, 2), c = rnd_int(1, 5);
    int64_t ih = dh * (kh - 1) + 1 + rnd_int(0, 14), iw = dw * (kw - 1) + 1 + rnd_int(0, 14);
    tbuf x;
    tb_init(&x, WICK_F32, 4, (const int64_t[]){n, c, ih, iw}, true);
    if (i % 4 == 0) x.data[rnd_int(0, (int)x.n - 1)] = NAN;
    if (i % 5 == 0) x.data[1 % x.n] = x.data[0]; /* a tie */
    /* outs sized generously; the kernels resize them */
    float *y1 = malloc(x.n * 4 * sizeof(float)), *y2 = malloc(x.n * 4 * sizeof(float));
    int64_t *i1 = malloc(x.n * 4 * sizeof(int64_t)), *i2 = malloc(x.n * 4 * sizeof(int64_t));
    wick_tensor ty1, ty2, ti1, ti2;
    const int64_t one[4] = {1, 1, 1, 1};
    wick_tensor_init(&ty1, WICK_F32, 4, one, y1, x.n * 16);
    wick_tensor_init(&ty2, WICK_F32, 4, one, y2, x.n * 16);
    wick_tensor_init(&ti1, WICK_I64, 4, one, i1, x.n * 32);
    wick_tensor_init(&ti2, WICK_I64, 4, one, i2, x.n * 32);
    ty1.dynamism = ty2.dynamism = ti1.dynamism = ti2.dynamism = WICK_SHAPE_DYNAMIC_BOUND;
    int64_t k[2] = {kh, kw}, st[2] = {sh, sw}, pd[2] = {ph, pw}, dl[2] = {dh, dw};
    wick_value a1[8] = {vt(&x.t), vil(k, 2), vil(st, 2), vil(pd, 2), vil(dl, 2), vb(ceil_mode), vt(&ty1), vt(&ti1)};
    wick_value a2[8] = {vt(&x.t), vil(k, 2), vil(st, 2), vil(pd, 2), vil(dl, 2), vb(ceil_mode), vt(&ty2), vt(&ti2)};
    wick_status s1 = run(portable("aten::max_pool2d_with_indices.out"), a1, 8, NULL, false);
    for (int cfg = 0; cfg < 2; cfg++) {
      wick_status s2 = run(optimized("aten::max_pool2d_with_indices.out"), a2, 8,
                           cfg ? g_cfgs[1].pool : NULL, true);
      CHECK_MSG(s1 == s2, "maxpool case %d: status %d vs %d (%s)", i, s1, s2, g_diag.msg);
      if (s1 || s2) break;
      size_t on = wick_tensor_numel(&ty1);
      CHECK(wick_tensor_same_shape(&ty1, &ty2));
      CHECK_MSG(memcmp(y1, y2, on * sizeof(float)) == 0 && memcmp(i1, i2, on * sizeof(int64_t)) == 0,
                "maxpool case %d differs", i);
      g_cases++;
      g_elements += (long)on;
    }
    free(y1), free(y2), free(i1), free(i2);
    tb_free(&x);
  }
}

/* ---- fallbacks ------------------------------------------------------------------------ */

static void check_fallbacks(void) {
  /* float64 convolution, transposed convolution and a channels-last input go
   * to the portable kernel: bit-identical results */
  tbuf x, w, y1, y2;
  int64_t st[1] = {1}, pd[1] = {1}, dl[1] = {1}, op[1] = {0};
  for (int variant = 0; variant < 3; variant++) {
    int dt = variant == 0 ? WICK_F64 : WICK_F32;
    bool transposed = variant == 1;
    tb_init(&x, dt, 4, (const int64_t[]){1, 4, 6, 5}, true);
    tb_init(&w, dt, 4, (const int64_t[]){4, 4, 3, 3}, true);
    tb_init(&y1, dt, 4, (const int64_t[]){1, 4, 6, 5}, false);
    tb_init(&y2, dt, 4, (const int64_t[]){1, 4, 6, 5}, false);
    if (variant == 2) {
      static const uint8_t nhwc[4] = {0, 2, 3, 1};
      memcpy(x.t.dim_order, nhwc, 4);
      wick_tensor_update_strides(&x.t);
    }
    wick_value a1[10] = {vt(&x.t), vt(&w.t), vnone(), vil(st, 1), vil(pd, 1), vil(dl, 1),
                         vb(transposed), vil(op, 1), vi(1), vt(&y1.t)};
    wick_value a2[10] = {vt(&x.t), vt(&w.t), vnone(), vil(st, 1), vil(pd, 1), vil(dl, 1),
                         vb(transposed), vil(op, 1), vi(1), vt(&y2.t)};
    wick_status s1 = run(portable("aten::convolution.out"), a1, 10, NULL, false);
    wick_status s2 = run(optimized("aten::convolution.out"), a2, 10, NULL, true);
    CHECK(s1 == s2);
    CHECK_MSG(memcmp(y1.data, y2.data, y1.n * wick_dtype_size(dt)) == 0, "fallback variant %d differs", variant);
    tb_free(&x), tb_free(&w), tb_free(&y1), tb_free(&y2);
  }
  /* no scratch memory: portable results; errors: the portable message */
  tbuf a, b, c1, c2;
  tb_init(&a, WICK_F32, 2, (const int64_t[]){9, 7}, true);
  tb_init(&b, WICK_F32, 2, (const int64_t[]){7, 11}, true);
  tb_init(&c1, WICK_F32, 2, (const int64_t[]){9, 11}, false);
  tb_init(&c2, WICK_F32, 2, (const int64_t[]){9, 11}, false);
  wick_value m1[3] = {vt(&a.t), vt(&b.t), vt(&c1.t)}, m2[3] = {vt(&a.t), vt(&b.t), vt(&c2.t)};
  CHECK(run(portable("aten::mm.out"), m1, 3, NULL, false) == WICK_OK);
  CHECK(run(optimized("aten::mm.out"), m2, 3, NULL, false) == WICK_OK);
  CHECK(memcmp(c1.data, c2.data, c1.n * sizeof(float)) == 0);
  wick_value bad[3] = {vt(&a.t), vt(&a.t), vt(&c2.t)}; /* [9,7] @ [9,7] */
  CHECK(run(optimized("aten::mm.out"), bad, 3, NULL, true) == WICK_ERR_KERNEL);
  CHECK_MSG(strstr(g_diag.msg, "cannot be multiplied") != NULL, "message: %s", g_diag.msg);
  tb_free(&a), tb_free(&b), tb_free(&c1), tb_free(&c2);
}

/* ---- the thread pool ------------------------------------------------------------------- */

typedef struct pf_ctx {
  int *hits;
  size_t n;
} pf_ctx;
static void pf_mark(void *p, size_t begin, size_t end) {
  pf_ctx *c = p;
  for (size_t i = begin; i < end; i++) c->hits[i]++;
}
static void check_pool(wick_threadpool *pool) {
  CHECK(wick_threadpool_size(NULL) == 1);
  CHECK(wick_threadpool_size(pool) == 2);
  int hits[1000];
  for (size_t n = 0; n < 1000; n += n < 10 ? 1 : 97) {
    memset(hits, 0, sizeof hits);
    pf_ctx c = {hits, n};
    wick_parallel_for(pool, n, pf_mark, &c);
    for (size_t i = 0; i < n; i++) CHECK_MSG(hits[i] == 1, "n %zu index %zu hit %d times", n, i, hits[i]);
  }
  wick_threadpool *p0 = wick_threadpool_create(0);
  CHECK(p0 != NULL && wick_threadpool_size(p0) >= 1);
  memset(hits, 0, sizeof hits);
  pf_ctx c = {hits, 1000};
  wick_parallel_for(p0, 1000, pf_mark, &c);
  for (size_t i = 0; i < 1000; i++) CHECK(hits[i] == 1);
  wick_threadpool_destroy(p0);
  wick_threadpool_destroy(NULL);
}

/* ---- a loaded program: registration, scratch, no allocation during execute --------- */

static uint8_t *conv_addmm_program(size_t *size, const float *w, const float *bias, const float *w2,
                                   const float *b2) {
  wick_pte_writer *wr = wick_pte_writer_new();
  uint32_t kw = wick_pte_add_constant(wr, w, 6 * 4 * 3 * 3 * sizeof(float));
  uint32_t kb = wick_pte_add_constant(wr, bias, 6 * sizeof(float));
  uint32_t kw2 = wick_pte_add_constant(wr, w2, 40 * 24 * sizeof(float));
  uint32_t kb2 = wick_pte_add_constant(wr, b2, 24 * sizeof(float));
  wick_pte_method *m = wick_pte_add_method(wr, "forward");
  /* x [1,4,9,9] @0 (1296 B), y [1,6,9,9] @1296 (1944 B), x2 [33,40] @3248 (5280 B), y2 [33,24] @8528 */
  uint32_t arena = wick_pte_add_arena(m, 8528 + 33 * 24 * 4);
  int x = wick_pte_planned_tensor(m, WICK_F32, 4, (const int32_t[]){1, 4, 9, 9}, arena, 0);
  int y = wick_pte_planned_tensor(m, WICK_F32, 4, (const int32_t[]){1, 6, 9, 9}, arena, 1296);
  int x2 = wick_pte_planned_tensor(m, WICK_F32, 2, (const int32_t[]){33, 40}, arena, 3248);
  int y2 = wick_pte_planned_tensor(m, WICK_F32, 2, (const int32_t[]){33, 24}, arena, 8528);
  int cw = wick_pte_const_tensor(m, WICK_F32, 4, (const int32_t[]){6, 4, 3, 3}, kw);
  int cb = wick_pte_const_tensor(m, WICK_F32, 1, (const int32_t[]){6}, kb);
  int cw2 = wick_pte_const_tensor(m, WICK_F32, 2, (const int32_t[]){40, 24}, kw2);
  int cb2 = wick_pte_const_tensor(m, WICK_F32, 1, (const int32_t[]){24}, kb2);
  int one = wick_pte_int_list_of(m, (const int64_t[]){1, 1}, 2);
  int zero = wick_pte_int_list_of(m, (const int64_t[]){0, 0}, 2);
  int no = wick_pte_bool(m, false);
  int g1 = wick_pte_int(m, 1);
  wick_pte_kernel_named(m, "aten::convolution", "out",
                        (const int32_t[]){x, cw, cb, one, one, one, no, zero, g1, y, y}, 11);
  wick_pte_kernel_named(m, "aten::addmm", "out", (const int32_t[]){cb2, x2, cw2, g1, g1, y2, y2}, 7);
  wick_pte_set_inputs(m, (const int32_t[]){x, x2}, 2);
  wick_pte_set_outputs(m, (const int32_t[]){y, y2}, 2);
  uint8_t *out = NULL;
  wick_diag d = {0};
  CHECK_MSG(wick_pte_writer_finish(wr, &out, size, &d) == WICK_OK, "%s", d.msg);
  wick_pte_writer_free(wr);
  return out;
}

static void check_program(wick_threadpool *pool) {
  CHECK(wick_register_kernels(wick_optimized_kernels, wick_optimized_kernel_count) == WICK_OK);
  CHECK(wick_find_kernel("aten::convolution.out")->fn == optimized("aten::convolution.out")->fn);
  float w[216], bias[6], w2[960], b2[24], xin[324], x2in[1320];
  for (size_t i = 0; i < 216; i++) w[i] = rnd_float();
  for (size_t i = 0; i < 6; i++) bias[i] = rnd_float();
  for (size_t i = 0; i < 960; i++) w2[i] = rnd_float();
  for (size_t i = 0; i < 24; i++) b2[i] = rnd_float();
  for (size_t i = 0; i < 324; i++) xin[i] = rnd_float();
  for (size_t i = 0; i < 1320; i++) x2in[i] = rnd_float();
  size_t n = 0;
  uint8_t *pte = conv_addmm_program(&n, w, bias, w2, b2);
  if (pte == NULL) return;
  wick_program p;
  wick_diag d = {0};
  CHECK_MSG(wick_program_load(&p, pte, n, &d) == WICK_OK, "%s", d.msg);
  wick_loaded_method lm;
  wick_status s = wick_method_load_alloc(&p, "forward", &lm, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  if (s == WICK_OK) {
    CHECK_MSG(wick_method_scratch_size(lm.method) > 0, "the optimized kernels declared no scratch");
    wick_method_set_threadpool(lm.method, pool);
    wick_tensor xt, x2t;
    wick_tensor_init(&xt, WICK_F32, 4, (const int64_t[]){1, 4, 9, 9}, xin, sizeof xin);
    wick_tensor_init(&x2t, WICK_F32, 2, (const int64_t[]){33, 40}, x2in, sizeof x2in);
    wick_status first = WICK_OK;
#ifdef COUNT_ACTIVE
    g_allocations = 0;
    g_counting = 1;
#endif
    for (int run_ = 0; run_ < 20; run_++) {
      wick_status s1 = wick_method_set_input(lm.method, 0, &xt, &d);
      wick_status s2 = wick_method_set_input(lm.method, 1, &x2t, &d);
      wick_status s3 = wick_method_execute(lm.method, &d);
      if (!first) first = s1 ? s1 : s2 ? s2 : s3;
    }
#ifdef COUNT_ACTIVE
    g_counting = 0;
    CHECK_MSG(g_allocations == 0, "%ld allocator calls during 20 executes", (long)g_allocations);
#else
    fprintf(stderr, "test_optimized: allocation counting skipped (sanitizer or non-glibc build)\n");
#endif
    CHECK_MSG(first == WICK_OK, "%s", d.msg);
    /* the outputs match the portable kernels */
    tbuf yr, ya, y2r, y2a, xa, wa, ba, x2a, w2a, b2a;
    wick_tensor wt, bt, w2t, b2t;
    wick_tensor_init(&wt, WICK_F32, 4, (const int64_t[]){6, 4, 3, 3}, w, sizeof w);
    wick_tensor_init(&bt, WICK_F32, 1, (const int64_t[]){6}, bias, sizeof bias);
    wick_tensor_init(&w2t, WICK_F32, 2, (const int64_t[]){40, 24}, w2, sizeof w2);
    wick_tensor_init(&b2t, WICK_F32, 1, (const int64_t[]){24}, b2, sizeof b2);
    tb_init(&yr, WICK_F32, 4, (const int64_t[]){1, 6, 9, 9}, false);
    tb_init(&ya, WICK_F32, 4, (const int64_t[]){1, 6, 9, 9}, false);
    tb_init(&y2r, WICK_F32, 2, (const int64_t[]){33, 24}, false);
    tb_init(&y2a, WICK_F32, 2, (const int64_t[]){33, 24}, false);
    tbuf xs = {xt, xin, 324}, ws = {wt, w, 216}, bs = {bt, bias, 6};
    tbuf x2s = {x2t, x2in, 1320}, w2s = {w2t, w2, 960}, b2s = {b2t, b2, 24};
    tb_abs(&xa, &xs), tb_abs(&wa, &ws), tb_abs(&ba, &bs);
    tb_abs(&x2a, &x2s), tb_abs(&w2a, &w2s), tb_abs(&b2a, &b2s);
    int64_t one[2] = {1, 1}, zero[2] = {0, 0};
    wick_value c1[10] = {vt(&xt), vt(&wt), vt(&bt), vil(one, 2), vil(one, 2), vil(one, 2), vb(false), vil(zero, 2), vi(1), vt(&yr.t)};
    wick_value c2[10] = {vt(&xa.t), vt(&wa.t), vt(&ba.t), vil(one, 2), vil(one, 2), vil(one, 2), vb(false), vil(zero, 2), vi(1), vt(&ya.t)};
    wick_value a1[6] = {vt(&b2t), vt(&x2t), vt(&w2t), vi(1), vi(1), vt(&y2r.t)};
    wick_value a2[6] = {vt(&b2a.t), vt(&x2a.t), vt(&w2a.t), vi(1), vi(1), vt(&y2a.t)};
    CHECK(run(portable("aten::convolution.out"), c1, 10, NULL, false) == WICK_OK);
    CHECK(run(portable("aten::convolution.out"), c2, 10, NULL, false) == WICK_OK);
    CHECK(run(portable("aten::addmm.out"), a1, 6, NULL, false) == WICK_OK);
    CHECK(run(portable("aten::addmm.out"), a2, 6, NULL, false) == WICK_OK);
    compare("program conv", wick_method_output(lm.method, 0)->data, yr.data, ya.data, yr.n);
    compare("program addmm", wick_method_output(lm.method, 1)->data, y2r.data, y2a.data, y2r.n);
    tb_free(&yr), tb_free(&ya), tb_free(&y2r), tb_free(&y2a), tb_free(&xa), tb_free(&wa);
    tb_free(&ba), tb_free(&x2a), tb_free(&w2a), tb_free(&b2a);
    wick_method_free(&lm);
  }
  free(pte);
}

int main(void) {
  /* WICK_DISABLE_OPTIMIZED: nothing registered, the portable kernels stay */
  setenv("WICK_DISABLE_OPTIMIZED", "1", 1);
  wick_optimized_register();
  CHECK(wick_optimized_backend() == NULL);
  CHECK(wick_find_kernel("aten::convolution.out") == portable("aten::convolution.out"));
  unsetenv("WICK_DISABLE_OPTIMIZED");
  wick_optimized_register(); /* idempotent: still off in this process */
  CHECK(wick_optimized_backend() == NULL);

  wick_threadpool *pool2 = wick_threadpool_create(2);
  CHECK(pool2 != NULL);
  if (pool2 == NULL) return test_finish("test_optimized");
  check_pool(pool2);
  wko_set_scratch_threads(2);
  setup_cfgs(pool2);
  fprintf(stderr, "test_optimized: %d configurations (micro-kernel x threads)\n", g_ncfgs);

  /* GEMM: edges of the register tiles, then random odd shapes, then shapes
   * that cross the cache blocks (K > 256, N > 512, M > 120) */
  static const int64_t fixed_mm[][3] = {{1, 1, 1},   {1, 1000, 512}, {6, 16, 1},  {12, 32, 3},
                                        {13, 33, 5}, {7, 600, 300},  {130, 17, 520}, {125, 530, 260}};
  for (size_t i = 0; i < sizeof fixed_mm / sizeof fixed_mm[0]; i++)
    check_mm(fixed_mm[i][0], fixed_mm[i][1], fixed_mm[i][2], false, false);
  for (int i = 0; i < 40; i++) {
    /* one draw per statement: argument evaluation order differs between compilers */
    int64_t m = rnd_int(1, 130), n = rnd_int(1, 130), k = rnd_int(1, 130);
    bool at = rnd_int(0, 3) == 0, bt = rnd_int(0, 3) == 0;
    check_mm(m, n, k, at, bt);
  }
  check_mm(5, 7, 0, false, false); /* empty sum */
  check_mm(0, 7, 3, false, false);

  for (int i = 0; i < 24; i++) {
    int64_t m = rnd_int(1, 130), n = rnd_int(1, 130), k = rnd_int(1, 130);
    static const int64_t shapes[5][3] = {{1, 0, 0}, {2, 0, 0}, {2, 1, 0}, {2, 0, 1}, {1, 1, 0}};
    int sh = i % 5;
    int sdim = (int)shapes[sh][0];
    int64_t s0, s1;
    if (sdim == 1) {
      s0 = shapes[sh][1] == 1 ? 1 : n;
      s1 = 0;
    } else {
      s0 = shapes[sh][1] == 1 ? 1 : m;
      s1 = shapes[sh][2] == 1 ? 1 : n;
    }
    wick_value beta = i % 3 == 0 ? vi(1) : i % 3 == 1 ? vd(0.5) : vi(0);
    wick_value alpha = i % 4 == 0 ? vd(-1.5) : vi(1);
    check_addmm(m, n, k, sdim, s0, s1, beta, alpha, i % 2 == 1);
  }
  check_bmm(1, 1, 1, 1);
  check_bmm(3, 17, 33, 9);
  check_bmm(4, 64, 64, 64);
  check_bmm(2, 70, 5, 130);

  /* convolution: the layer shapes of the benchmark models, then random ones */
  static const conv_cfg fixed_conv[] = {
      {1, 3, 16, 1, 32, 32, 7, 7, 2, 2, 3, 3, 1, 1, true}, /* stem 7x7/2 */
      {2, 16, 24, 1, 12, 12, 1, 1, 1, 1, 0, 0, 1, 1, true}, /* 1x1 pointwise, batch 2 */
      {1, 16, 32, 1, 13, 13, 1, 1, 2, 2, 0, 0, 1, 1, false}, /* 1x1 stride 2 */
      {1, 32, 32, 32, 20, 20, 3, 3, 1, 1, 1, 1, 1, 1, true}, /* depthwise */
      {1, 32, 32, 32, 21, 21, 3, 3, 2, 2, 1, 1, 1, 1, true}, /* depthwise stride 2 */
      {1, 64, 130, 1, 30, 30, 3, 3, 1, 1, 1, 1, 1, 1, true}, /* K 576, N 900, M 130 */
      {1, 8, 8, 2, 9, 9, 3, 3, 1, 1, 2, 2, 2, 2, true},     /* groups 2, dilation 2 */
  };
  for (size_t i = 0; i < sizeof fixed_conv / sizeof fixed_conv[0]; i++) check_conv(&fixed_conv[i]);
  for (int i = 0; i < 60; i++) {
    conv_cfg c = random_conv();
    check_conv(&c);
  }

  /* fused activations: relu (min 0) and relu6 (0, 6) on dense, depthwise
   * (stride 1 and 2, direct AVX-512 path) and random shapes */
  static const conv_cfg act_conv[] = {
      {1, 8, 20, 1, 11, 13, 3, 3, 1, 1, 1, 1, 1, 1, true},
      {1, 24, 24, 24, 19, 37, 3, 3, 1, 1, 1, 1, 1, 1, true},
      {2, 24, 24, 24, 19, 37, 3, 3, 2, 2, 1, 1, 1, 1, false},
      {1, 5, 5, 5, 7, 40, 5, 5, 2, 1, 2, 2, 1, 2, true},
  };
  for (size_t i = 0; i < sizeof act_conv / sizeof act_conv[0]; i++) {
    check_conv_act(&act_conv[i], vd(0.0), vnone());
    check_conv_act(&act_conv[i], vi(0), vd(0.25));
  }
  for (int i = 0; i < 20; i++) {
    conv_cfg c = random_conv();
    check_conv_act(&c, vd(-0.1), vi(1));
  }

  check_maxpool();
  check_fallbacks();
  check_program(pool2);
  fprintf(stderr, "test_optimized: %ld comparisons, %ld elements\n", g_cases, g_elements);
  wick_threadpool_destroy(pool2);
  return test_finish("test_optimized");
}
