/* The optimized decoder-step kernels against the portable ones:
 *
 *   - the M-small GEMM (gemv.c) behind aten::mm.out, aten::addmm.out,
 *     wick::addmm_act.out and aten::bmm.out: m = 1 .. 9 (9 takes the packed
 *     GEMM), n from 1 to past the 1024-column chunk and not multiples of 16,
 *     odd k, a B with a row stride larger than n (a column slice), a
 *     transposed A, self broadcasts, alpha / beta, fused clamps;
 *   - aten::add.out / sub.out / mul.out (elementwise.c) on random broadcast
 *     shapes (ranks 0 .. 5, size-1 dims anywhere on either side), alpha, in
 *     place, and the cases that must go to the portable kernel (resize,
 *     other dtypes, partial overlap);
 *   - aten::permute_copy.out (permute.c) on random shapes and permutations,
 *     element sizes 1, 2, 4 and 8;
 * for each ISA this CPU runs (portable C, AVX2, AVX-512), without a pool and
 * with a 2-thread pool.
 *
 * Tolerance: GEMM sums in another order than the portable kernels (and with
 * FMAs), so each element must satisfy
 *     |opt - ref| <= 1e-5 * ref_abs + 1e-7
 * with ref_abs the portable result on |inputs| (as test_optimized.c).
 * Elementwise ops and permutes must match the portable kernel bit for bit
 * (same float operations, one rounding each; copies).
 */
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

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd_u32(void) {
  g_rng = g_rng * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(g_rng >> 33);
}
static int rnd_int(int lo, int hi) { return lo + (int)(rnd_u32() % (uint32_t)(hi - lo + 1)); }
static float rnd_float(void) { return (float)rnd_u32() / 2147483648.0f - 1.0f; }


static wick_status run(const wick_kernel *k, wick_value *vals, uint32_t n, wick_threadpool *pool) {
  wick_value *argv[16];
  for (uint32_t i = 0; i < n; i++) argv[i] = &vals[i];
  size_t need = k->scratch ? k->scratch(argv, n) : 0;
  void *scratch = NULL;
  if (need && posix_memalign(&scratch, 64, need) != 0) return WICK_ERR_MEMORY;
  wick_kernel_ctx ctx = {&g_diag, k->name, 0, scratch, need, pool};
  wick_diag_clear(&g_diag);
  wick_status s = k->fn(&ctx, argv, n);
  free(scratch);
  return s;
}

static long g_cases, g_elements;
static bool compare_tol(const char *what, const float *got, const float *ref, const float *ref_abs,
                        size_t n, size_t row, size_t ld) {
  g_cases++;
  g_elements += (long)n;
  for (size_t i = 0; i < n; i++) {
    size_t e = row ? i / row * ld + i % row : i;
    float tol = 1e-5f * ref_abs[e] + 1e-7f;
    if (!(fabsf(got[e] - ref[e]) <= tol)) {
      fprintf(stderr, "%s: element %zu: got %.9g, portable %.9g (tolerance %.3g)\n", what, e,
              (double)got[e], (double)ref[e], (double)tol);
      wick_test_failures++;
      return false;
    }
  }
  return true;
}

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

/* A float32 tensor over malloc'd memory of `cap` floats (>= numel), random
 * or zero; strides as given (NULL: contiguous). */
typedef struct tbuf {
  wick_tensor t;
  float *data;
  size_t n, cap;
} tbuf;

static void tb_make(tbuf *b, int dtype, int dim, const int64_t *sizes, size_t cap, bool random) {
  b->n = 1;
  for (int i = 0; i < dim; i++) b->n *= (size_t)sizes[i];
  if (cap < b->n) cap = b->n;
  b->cap = cap;
  size_t es = wick_dtype_size(dtype);
  b->data = malloc(cap * es + 64);
  CHECK(wick_tensor_init(&b->t, dtype, dim, sizes, b->data, cap * es) == WICK_OK);
  unsigned char *p = (unsigned char *)b->data;
  for (size_t i = 0; i < cap * es; i++) p[i] = 0;
  if (random && dtype == WICK_F32)
    for (size_t i = 0; i < cap; i++) b->data[i] = rnd_float();
  else if (random)
    for (size_t i = 0; i < cap * es; i++) p[i] = (unsigned char)rnd_u32();
}
static void tb_free(tbuf *b) { free(b->data); }

/* copy of b with |x| (same layout and strides) */
static void tb_abs(tbuf *dst, const tbuf *src) {
  *dst = *src;
  dst->data = malloc(src->cap * sizeof(float) + 64);
  for (size_t i = 0; i < src->cap; i++) dst->data[i] = fabsf(src->data[i]);
  dst->t.data = dst->data;
}

/* ---- mm / addmm / addmm_act / bmm ---------------------------------------------- */

/* mat1 [m,k] (stored column-major when a_t), mat2 [k,n]. (Tensors are dense
 * in their dim order; wider row strides are checked on wko_gemv directly.) */
static void make_ab(tbuf *a, tbuf *b, int64_t m, int64_t n, int64_t k, bool a_t) {
  tb_make(a, WICK_F32, 2, (const int64_t[]){m, k}, 0, true);
  if (a_t) {
    a->t.dim_order[0] = 1;
    a->t.dim_order[1] = 0;
    wick_tensor_update_strides(&a->t);
  }
  tb_make(b, WICK_F32, 2, (const int64_t[]){k, n}, 0, true);
}

static void check_mm(int64_t m, int64_t n, int64_t k, bool a_t) {
  tbuf a, b, y, yr, ya, aa, ba;
  make_ab(&a, &b, m, n, k, a_t);
  tb_abs(&aa, &a);
  tb_abs(&ba, &b);
  tb_make(&y, WICK_F32, 2, (const int64_t[]){m, n}, 0, false);
  tb_make(&yr, WICK_F32, 2, (const int64_t[]){m, n}, 0, false);
  tb_make(&ya, WICK_F32, 2, (const int64_t[]){m, n}, 0, false);
  wick_value ref[3] = {vt(&a.t), vt(&b.t), vt(&yr.t)}, refa[3] = {vt(&aa.t), vt(&ba.t), vt(&ya.t)};
  CHECK(run(portable("aten::mm.out"), ref, 3, NULL) == WICK_OK);
  CHECK(run(portable("aten::mm.out"), refa, 3, NULL) == WICK_OK);
  for (int c = 0; c < g_ncfgs; c++) {
    wko_set_isa(g_cfgs[c].isa);
    memset(y.data, 0xff, y.n * sizeof(float)); /* NaN: every element must be written */
    wick_value args[3] = {vt(&a.t), vt(&b.t), vt(&y.t)};
    wick_status s = run(optimized("aten::mm.out"), args, 3, g_cfgs[c].pool);
    CHECK_MSG(s == WICK_OK, "%s", g_diag.msg);
    char what[160];
    snprintf(what, sizeof what, "mm %lldx%lldx%lld%s [%s]", (long long)m, (long long)n,
             (long long)k, a_t ? " A^T" : "", g_cfgs[c].name);
    compare_tol(what, y.data, yr.data, ya.data, y.n, 0, 0);
  }
  tb_free(&a), tb_free(&b), tb_free(&y), tb_free(&yr), tb_free(&ya), tb_free(&aa), tb_free(&ba);
}

/* addmm (act: addmm_act with clamp [lo, hi]) with self [n], [1,n], [m,1],
 * [m,n] or [] by sh = 0..4 */
static void check_addmm(int64_t m, int64_t n, int64_t k, int sh, wick_value beta, wick_value alpha,
                        bool act) {
  tbuf self, a, b, y, yr, ya, sa, aa, ba;
  static const int sdims[5] = {1, 2, 2, 2, 0};
  int64_t ss[2];
  if (sh == 0) ss[0] = n;
  else if (sh == 1) ss[0] = 1, ss[1] = n;
  else if (sh == 2) ss[0] = m, ss[1] = 1;
  else ss[0] = m, ss[1] = n;
  tb_make(&self, WICK_F32, sdims[sh], ss, 0, true);
  make_ab(&a, &b, m, n, k, false);
  tb_abs(&sa, &self);
  tb_abs(&aa, &a);
  tb_abs(&ba, &b);
  tb_make(&y, WICK_F32, 2, (const int64_t[]){m, n}, 0, false);
  tb_make(&yr, WICK_F32, 2, (const int64_t[]){m, n}, 0, false);
  tb_make(&ya, WICK_F32, 2, (const int64_t[]){m, n}, 0, false);
  wick_value abeta = beta, aalpha = alpha;
  if (abeta.kind == WICK_VAL_DOUBLE) abeta.u.d = fabs(abeta.u.d);
  if (aalpha.kind == WICK_VAL_DOUBLE) aalpha.u.d = fabs(aalpha.u.d);
  const char *op = act ? "wick::addmm_act.out" : "aten::addmm.out";
  uint32_t na = act ? 8 : 6;
  wick_value lo = vd(-0.25), hi = vi(1), alo = vnone(), ahi = vnone();
  /* ref_abs: |terms| unclamped (a clamp only shrinks the error) */
  wick_value ref[8] = {vt(&self.t), vt(&a.t), vt(&b.t), beta, alpha, lo, hi, vt(&yr.t)};
  wick_value refa[8] = {vt(&sa.t), vt(&aa.t), vt(&ba.t), abeta, aalpha, alo, ahi, vt(&ya.t)};
  if (!act) ref[5] = ref[7], refa[5] = refa[7];
  CHECK(run(portable(op), ref, na, NULL) == WICK_OK);
  CHECK(run(portable("aten::addmm.out"),
            (wick_value[]){refa[0], refa[1], refa[2], refa[3], refa[4], vt(&ya.t)}, 6, NULL) == WICK_OK);
  for (int c = 0; c < g_ncfgs; c++) {
    wko_set_isa(g_cfgs[c].isa);
    memset(y.data, 0xff, y.n * sizeof(float));
    wick_value args[8] = {vt(&self.t), vt(&a.t), vt(&b.t), beta, alpha, lo, hi, vt(&y.t)};
    if (!act) args[5] = args[7];
    wick_status s = run(optimized(op), args, na, g_cfgs[c].pool);
    CHECK_MSG(s == WICK_OK, "%s", g_diag.msg);
    char what[160];
    snprintf(what, sizeof what, "%s %lldx%lldx%lld self shape %d [%s]", op, (long long)m,
             (long long)n, (long long)k, sh, g_cfgs[c].name);
    compare_tol(what, y.data, yr.data, ya.data, y.n, 0, 0);
  }
  tb_free(&self), tb_free(&a), tb_free(&b), tb_free(&y), tb_free(&yr), tb_free(&ya);
  tb_free(&sa), tb_free(&aa), tb_free(&ba);
}

static void check_bmm(int64_t batches, int64_t m, int64_t n, int64_t k) {
  tbuf a, b, y, yr, ya, aa, ba;
  tb_make(&a, WICK_F32, 3, (const int64_t[]){batches, m, k}, 0, true);
  tb_make(&b, WICK_F32, 3, (const int64_t[]){batches, k, n}, 0, true);
  tb_abs(&aa, &a);
  tb_abs(&ba, &b);
  tb_make(&y, WICK_F32, 3, (const int64_t[]){batches, m, n}, 0, false);
  tb_make(&yr, WICK_F32, 3, (const int64_t[]){batches, m, n}, 0, false);
  tb_make(&ya, WICK_F32, 3, (const int64_t[]){batches, m, n}, 0, false);
  wick_value ref[3] = {vt(&a.t), vt(&b.t), vt(&yr.t)}, refa[3] = {vt(&aa.t), vt(&ba.t), vt(&ya.t)};
  CHECK(run(portable("aten::bmm.out"), ref, 3, NULL) == WICK_OK);
  CHECK(run(portable("aten::bmm.out"), refa, 3, NULL) == WICK_OK);
  for (int c = 0; c < g_ncfgs; c++) {
    wko_set_isa(g_cfgs[c].isa);
    memset(y.data, 0xff, y.n * sizeof(float));
    wick_value args[3] = {vt(&a.t), vt(&b.t), vt(&y.t)};
    CHECK(run(optimized("aten::bmm.out"), args, 3, g_cfgs[c].pool) == WICK_OK);
    char what[128];
    snprintf(what, sizeof what, "bmm %lld x %lldx%lldx%lld [%s]", (long long)batches, (long long)m,
             (long long)n, (long long)k, g_cfgs[c].name);
    compare_tol(what, y.data, yr.data, ya.data, y.n, 0, 0);
  }
  tb_free(&a), tb_free(&b), tb_free(&y), tb_free(&yr), tb_free(&ya), tb_free(&aa), tb_free(&ba);
}

/* wko_gemv directly: C with a leading dimension larger than n must keep the
 * gap untouched, and wko_gemv_ok must refuse what it cannot do. */
static void check_gemv_direct(void) {
  enum { M = 3, N = 37, K = 19, LDB = 41, LDC = 45 };
  float a[M * K], b[K * LDB], c[M * LDC], ref[M * LDC];
  for (int i = 0; i < M * K; i++) a[i] = rnd_float();
  for (int i = 0; i < K * LDB; i++) b[i] = rnd_float();
  for (int i = 0; i < M * LDC; i++) c[i] = ref[i] = 7.0f;
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      double s = 0;
      for (int64_t p = 0; p < K; p++) s += (double)a[i * K + p] * b[p * LDB + j];
      ref[i * LDC + j] = (float)(2.0 * s);
    }
  wko_gemm g;
  memset(&g, 0, sizeof g);
  g.m = M, g.n = N, g.k = K, g.a = a, g.a_rs = K, g.a_cs = 1, g.b = b, g.b_rs = LDB, g.b_cs = 1;
  g.c = c, g.ldc = LDC, g.alpha = 2.0f;
  CHECK(wko_gemv_ok(&g));
  for (int c_ = 0; c_ < g_ncfgs; c_ += 2) {
    wko_set_isa(g_cfgs[c_].isa);
    for (int i = 0; i < M * LDC; i++) c[i] = 7.0f;
    wko_gemv(&g, NULL);
    for (int i = 0; i < M * LDC; i++)
      CHECK_MSG(fabsf(c[i] - ref[i]) <= 1e-5f * 40, "gemv direct [%s] element %d: %g vs %g",
                g_cfgs[c_].name, i, (double)c[i], (double)ref[i]);
  }
  wko_gemm h = g;
  h.b_cs = 2; /* strided columns: not handled */
  CHECK(!wko_gemv_ok(&h));
  h = g;
  h.m = WKO_GEMV_MAX_M + 1;
  CHECK(!wko_gemv_ok(&h));
  h = g;
  h.k = 0;
  CHECK(!wko_gemv_ok(&h));
}

/* ---- add / sub / mul ---------------------------------------------------------------- */

static int g_ew_fast; /* cases the optimized kernel should have taken */

/* out = a (op) b with a of rank ra, b of rank rb, out [sizes] of rank r */
static void check_binary(const char *op, int r, const int64_t *sizes, int ra, const bool *a_one,
                         int rb, const bool *b_one, wick_value alpha, int inplace) {
  int64_t as[WICK_MAX_DIM], bs[WICK_MAX_DIM];
  for (int d = 0; d < ra; d++) as[d] = a_one[d] ? 1 : sizes[r - ra + d];
  for (int d = 0; d < rb; d++) bs[d] = b_one[d] ? 1 : sizes[r - rb + d];
  tbuf a, b, y, yr, a2, b2;
  tb_make(&a, WICK_F32, ra, as, 0, true);
  tb_make(&b, WICK_F32, rb, bs, 0, true);
  tb_make(&y, WICK_F32, r, sizes, 0, false);
  tb_make(&yr, WICK_F32, r, sizes, 0, false);
  bool is_mul = strcmp(op, "aten::mul.out") == 0;
  uint32_t na = is_mul ? 3 : 4;
  wick_value ref[4] = {vt(&a.t), vt(&b.t), alpha, vt(&yr.t)};
  if (is_mul) ref[2] = ref[3];
  CHECK(run(portable(op), ref, na, NULL) == WICK_OK);
  char what[200];
  int pos = snprintf(what, sizeof what, "%s [", op);
  for (int d = 0; d < r; d++) pos += snprintf(what + pos, sizeof what - (size_t)pos, "%s%lld", d ? "," : "", (long long)sizes[d]);
  pos += snprintf(what + pos, sizeof what - (size_t)pos, "] a [");
  for (int d = 0; d < ra; d++) pos += snprintf(what + pos, sizeof what - (size_t)pos, "%s%lld", d ? "," : "", (long long)as[d]);
  pos += snprintf(what + pos, sizeof what - (size_t)pos, "] b [");
  for (int d = 0; d < rb; d++) pos += snprintf(what + pos, sizeof what - (size_t)pos, "%s%lld", d ? "," : "", (long long)bs[d]);
  snprintf(what + pos, sizeof what - (size_t)pos, "]%s", inplace == 1 ? " out=a" : inplace == 2 ? " out=b" : "");
  for (int c = 0; c < g_ncfgs; c++) {
    wko_set_isa(g_cfgs[c].isa);
    /* fresh inputs each time (in-place runs overwrite one) */
    a2 = a, b2 = b;
    a2.data = malloc(a.n * sizeof(float) + 64), b2.data = malloc(b.n * sizeof(float) + 64);
    memcpy(a2.data, a.data, a.n * sizeof(float));
    memcpy(b2.data, b.data, b.n * sizeof(float));
    a2.t.data = a2.data, b2.t.data = b2.data;
    wick_tensor *out = &y.t;
    if (inplace == 1) out = &a2.t;
    if (inplace == 2) out = &b2.t;
    else if (inplace == 0) memset(y.data, 0xff, y.n * sizeof(float));
    wick_value args[4] = {vt(&a2.t), vt(&b2.t), alpha, vt(out)};
    if (is_mul) args[2] = args[3];
    wick_status s = run(optimized(op), args, na, g_cfgs[c].pool);
    CHECK_MSG(s == WICK_OK, "%s: %s", what, g_diag.msg);
    g_cases++;
    g_elements += (long)yr.n;
    const float *got = out->data;
    for (size_t i = 0; i < yr.n; i++) {
      uint32_t x1, x2;
      memcpy(&x1, &got[i], 4);
      memcpy(&x2, &yr.data[i], 4);
      if (x1 != x2) {
        fprintf(stderr, "%s [%s]: element %zu: got %.9g, portable %.9g\n", what, g_cfgs[c].name, i,
                (double)got[i], (double)yr.data[i]);
        wick_test_failures++;
        break;
      }
    }
    free(a2.data), free(b2.data);
  }
  g_ew_fast++;
  tb_free(&a), tb_free(&b), tb_free(&y), tb_free(&yr);
}

static void random_binary(void) {
  static const char *const ops[3] = {"aten::add.out", "aten::sub.out", "aten::mul.out"};
  int r = rnd_int(0, 5);
  int64_t sizes[WICK_MAX_DIM];
  static const int64_t pick[] = {1, 2, 3, 5, 16, 17, 31, 33, 64};
  for (int d = 0; d < r; d++) sizes[d] = pick[rnd_int(0, 8)];
  int ra = r, rb = r;
  if (r > 0 && rnd_int(0, 2) == 0) rb = rnd_int(0, r);
  else if (r > 0 && rnd_int(0, 2) == 0) ra = rnd_int(0, r);
  bool a_one[WICK_MAX_DIM], b_one[WICK_MAX_DIM];
  for (int d = 0; d < ra; d++) a_one[d] = rnd_int(0, 2) == 0;
  for (int d = 0; d < rb; d++) b_one[d] = rnd_int(0, 2) == 0;
  /* keep it small: at most ~64K elements */
  for (;;) {
    int64_t numel = 1;
    for (int d = 0; d < r; d++) numel *= sizes[d];
    if (numel <= 65536) break;
    sizes[rnd_int(0, r - 1)] = pick[rnd_int(0, 5)];
  }
  /* out's size at each dim must come from an input: where both are 1, make out 1 */
  for (int d = 0; d < r; d++) {
    int da = d - (r - ra), db = d - (r - rb);
    bool a1 = da < 0 || a_one[da], b1 = db < 0 || b_one[db];
    if (a1 && b1) sizes[d] = 1;
  }
  const char *op = ops[rnd_int(0, 2)];
  int al = rnd_int(0, 3);
  wick_value alpha = al == 0 ? vi(1) : al == 1 ? vi(2) : al == 2 ? vd(-0.3) : vd(1.0);
  /* in place when that input has out's shape */
  int inplace = 0;
  bool a_full = ra == r, b_full = rb == r;
  for (int d = 0; d < ra; d++) a_full = a_full && (!a_one[d] || sizes[d] == 1);
  for (int d = 0; d < rb; d++) b_full = b_full && (!b_one[d] || sizes[d] == 1);
  int ip = rnd_int(0, 3);
  if (ip == 1 && a_full) inplace = 1;
  if (ip == 2 && b_full) inplace = 2;
  check_binary(op, r, sizes, ra, a_one, rb, b_one, alpha, inplace);
}

/* The cases the optimized kernels hand to the portable one give its results
 * (and its errors). */
static void check_binary_fallbacks(void) {
  /* out of the wrong shape: resized by the portable kernel */
  tbuf a, b, y1, y2;
  tb_make(&a, WICK_F32, 2, (const int64_t[]){3, 5}, 0, true);
  tb_make(&b, WICK_F32, 1, (const int64_t[]){5}, 0, true);
  tb_make(&y1, WICK_F32, 2, (const int64_t[]){3, 5}, 0, false);
  tb_make(&y2, WICK_F32, 2, (const int64_t[]){3, 5}, 0, false);
  y2.t.sizes[0] = 5, y2.t.sizes[1] = 3; /* same capacity, wrong shape */
  y2.t.dynamism = WICK_SHAPE_DYNAMIC_BOUND;
  wick_value r1[3] = {vt(&a.t), vt(&b.t), vt(&y1.t)}, r2[3] = {vt(&a.t), vt(&b.t), vt(&y2.t)};
  CHECK(run(portable("aten::mul.out"), r1, 3, NULL) == WICK_OK);
  wick_status s = run(optimized("aten::mul.out"), r2, 3, NULL);
  CHECK_MSG(s == WICK_OK, "%s", g_diag.msg);
  CHECK(y2.t.sizes[0] == 3 && y2.t.sizes[1] == 5);
  CHECK(memcmp(y1.data, y2.data, 15 * sizeof(float)) == 0);
  /* rank of out larger than the broadcast: the portable kernel decides */
  tbuf y3, y4;
  tb_make(&y3, WICK_F32, 3, (const int64_t[]){1, 3, 5}, 0, false);
  tb_make(&y4, WICK_F32, 3, (const int64_t[]){1, 3, 5}, 0, false);
  wick_value r3[4] = {vt(&a.t), vt(&b.t), vi(1), vt(&y3.t)}, r4[4] = {vt(&a.t), vt(&b.t), vi(1), vt(&y4.t)};
  wick_status s3 = run(portable("aten::add.out"), r3, 4, NULL);
  wick_status s4 = run(optimized("aten::add.out"), r4, 4, NULL);
  CHECK(s3 == s4);
  CHECK(y3.t.dim == y4.t.dim && memcmp(y3.data, y4.data, 15 * sizeof(float)) == 0);
  /* not broadcastable: the portable error */
  tbuf c;
  tb_make(&c, WICK_F32, 1, (const int64_t[]){4}, 0, true);
  wick_value bad[4] = {vt(&a.t), vt(&c.t), vi(1), vt(&y1.t)};
  CHECK(run(optimized("aten::sub.out"), bad, 4, NULL) == WICK_ERR_KERNEL);
  CHECK_MSG(strstr(g_diag.msg, "broadcastable") != NULL, "message: %s", g_diag.msg);
  /* float64: the portable kernel */
  tbuf d1, d2, d3;
  tb_make(&d1, WICK_F64, 1, (const int64_t[]){6}, 0, true);
  tb_make(&d2, WICK_F64, 1, (const int64_t[]){6}, 0, false);
  tb_make(&d3, WICK_F64, 1, (const int64_t[]){6}, 0, false);
  for (int i = 0; i < 6; i++) ((double *)(void *)d1.data)[i] = rnd_float();
  wick_value e1[3] = {vt(&d1.t), vt(&d1.t), vt(&d2.t)}, e2[3] = {vt(&d1.t), vt(&d1.t), vt(&d3.t)};
  CHECK(run(portable("aten::mul.out"), e1, 3, NULL) == WICK_OK);
  CHECK(run(optimized("aten::mul.out"), e2, 3, NULL) == WICK_OK);
  CHECK(memcmp(d2.data, d3.data, 6 * sizeof(double)) == 0);
  /* out overlapping a broadcast input: portable (whatever it gives) */
  tbuf big;
  tb_make(&big, WICK_F32, 1, (const int64_t[]){20}, 0, true);
  wick_tensor row, outv;
  int64_t rs[1] = {5}, os[2] = {3, 5};
  CHECK(wick_tensor_init(&row, WICK_F32, 1, rs, big.data, 5 * sizeof(float)) == WICK_OK);
  CHECK(wick_tensor_init(&outv, WICK_F32, 2, os, big.data + 2, 15 * sizeof(float)) == WICK_OK);
  float saved[20];
  memcpy(saved, big.data, sizeof saved);
  wick_value ov[4] = {vt(&a.t), vt(&row), vi(1), vt(&outv)};
  CHECK(run(optimized("aten::add.out"), ov, 4, NULL) == WICK_OK);
  float got[20];
  memcpy(got, big.data, sizeof got);
  memcpy(big.data, saved, sizeof saved);
  CHECK(run(portable("aten::add.out"), ov, 4, NULL) == WICK_OK);
  CHECK(memcmp(got, big.data, sizeof got) == 0);
  tb_free(&a), tb_free(&b), tb_free(&y1), tb_free(&y2), tb_free(&y3), tb_free(&y4), tb_free(&c);
  tb_free(&d1), tb_free(&d2), tb_free(&d3), tb_free(&big);
}

/* ---- permute_copy ---------------------------------------------------------------------- */

static void check_permute(int r, const int64_t *sizes, const int64_t *perm, int dtype) {
  tbuf x, y1, y2;
  int64_t os[WICK_MAX_DIM];
  for (int k = 0; k < r; k++) os[k] = sizes[perm[k]];
  tb_make(&x, dtype, r, sizes, 0, true);
  tb_make(&y1, dtype, r, os, 0, false);
  tb_make(&y2, dtype, r, os, 0, false);
  int64_t p1[WICK_MAX_DIM], p2[WICK_MAX_DIM];
  for (int k = 0; k < r; k++) p1[k] = p2[k] = perm[k] - (rnd_int(0, 3) == 0 ? r : 0); /* negative dims too */
  wick_value a1[3] = {vt(&x.t), vil(p1, (uint32_t)r), vt(&y1.t)};
  CHECK(run(portable("aten::permute_copy.out"), a1, 3, NULL) == WICK_OK);
  size_t bytes = x.n * wick_dtype_size(dtype);
  for (int c = 0; c < g_ncfgs; c += 2) {
    wko_set_isa(g_cfgs[c].isa);
    memset(y2.data, 0xa5, bytes);
    wick_value a2[3] = {vt(&x.t), vil(p2, (uint32_t)r), vt(&y2.t)};
    CHECK(run(optimized("aten::permute_copy.out"), a2, 3, NULL) == WICK_OK);
    g_cases++;
    g_elements += (long)x.n;
    if (memcmp(y1.data, y2.data, bytes) != 0) {
      fprintf(stderr, "permute_copy rank %d [", r);
      for (int k = 0; k < r; k++) fprintf(stderr, "%s%lld", k ? "," : "", (long long)sizes[k]);
      fprintf(stderr, "] perm [");
      for (int k = 0; k < r; k++) fprintf(stderr, "%s%lld", k ? "," : "", (long long)perm[k]);
      fprintf(stderr, "] dtype %d [%s]: differs from portable\n", dtype, g_cfgs[c].name);
      wick_test_failures++;
    }
  }
  tb_free(&x), tb_free(&y1), tb_free(&y2);
}

static void random_permute(void) {
  int r = rnd_int(1, 5);
  int64_t sizes[WICK_MAX_DIM], perm[WICK_MAX_DIM];
  static const int64_t pick[] = {1, 1, 2, 3, 4, 7, 16, 17, 33, 64};
  for (int d = 0; d < r; d++) sizes[d] = pick[rnd_int(0, 9)];
  for (;;) {
    int64_t numel = 1;
    for (int d = 0; d < r; d++) numel *= sizes[d];
    if (numel <= 65536) break;
    sizes[rnd_int(0, r - 1)] = pick[rnd_int(0, 6)];
  }
  for (int d = 0; d < r; d++) perm[d] = d;
  for (int d = r - 1; d > 0; d--) {
    int j = rnd_int(0, d);
    int64_t t = perm[d];
    perm[d] = perm[j];
    perm[j] = t;
  }
  static const int dts[4] = {WICK_F32, WICK_I64, WICK_U8, WICK_F16};
  check_permute(r, sizes, perm, dts[rnd_int(0, 3)]);
}

/* ---- a decoder-step program shape set on the table ---------------------------------- */

int main(void) {
  wick_threadpool *pool2 = wick_threadpool_create(2);
  CHECK(pool2 != NULL);
  if (pool2 == NULL) return test_finish("test_optimized_small");
  setup_cfgs(pool2);
  fprintf(stderr, "test_optimized_small: %d configurations (ISA x threads)\n", g_ncfgs);

  /* GEMV: the decoder shapes, then every m with odd n / k, chunk crossings */
  check_mm(1, 8000, 256, false);
  check_mm(1, 256, 256, false);
  check_mm(1, 1024, 256, false);
  check_mm(1, 256, 1024, false);
  for (int64_t m = 1; m <= 9; m++) {
    check_mm(m, rnd_int(1, 15), rnd_int(1, 9) * 2 + 1, false);
    int64_t n = rnd_int(17, 300), k = rnd_int(1, 150) * 2 + 1;
    check_mm(m, n, k, m % 2 == 0);
    check_mm(m, 1030 + rnd_int(0, 1100), rnd_int(1, 40), m % 3 == 0);
  }
  for (int i = 0; i < 30; i++) {
    int64_t m = rnd_int(1, 9), n = rnd_int(1, 140), k = rnd_int(1, 140);
    bool at = rnd_int(0, 3) == 0;
    check_mm(m, n, k, at);
  }
  check_mm(2, 1, 7, false);  /* one column */
  check_mm(1, 33, 1, false); /* k 1 */
  for (int i = 0; i < 30; i++) {
    int64_t m = rnd_int(1, 9), n = rnd_int(1, 1100), k = rnd_int(1, 70) * 2 + 1;
    int sh = i % 5;
    wick_value beta = i % 3 == 0 ? vi(1) : i % 3 == 1 ? vd(0.5) : vi(0);
    wick_value alpha = i % 4 == 0 ? vd(-1.5) : vi(1);
    check_addmm(m, n, k, sh, beta, alpha, i % 2 == 1);
  }
  check_addmm(1, 256, 256, 0, vi(1), vi(1), false); /* the decoder's linear layers */
  check_addmm(1, 1024, 256, 0, vi(1), vi(1), true);
  check_bmm(4, 1, 64, 64); /* attention of one decoder step */
  check_bmm(3, 5, 33, 9);
  check_bmm(2, 8, 200, 17);
  check_bmm(2, 9, 20, 7);
  check_gemv_direct();

  /* elementwise: the decoder's broadcast patterns, then random ones */
  {
    bool f[5] = {false, false, false, false, false};
    bool kv[4] = {true, true, false, true}; /* [1,1,64,1] */
    check_binary("aten::mul.out", 4, (const int64_t[]){1, 4, 64, 64}, 4, f, 4, kv, vi(1), 0);
    check_binary("aten::mul.out", 4, (const int64_t[]){1, 4, 64, 64}, 4, f, 4, kv, vi(1), 1);
    bool q[4] = {false, false, true, false}; /* [1,4,1,64] x [1,1,64,1] -> [1,4,64,64] */
    check_binary("aten::mul.out", 4, (const int64_t[]){1, 4, 64, 64}, 4, q, 4, kv, vi(1), 0);
    bool mask[4] = {true, true, true, false}; /* [1,4,1,64] + [1,1,1,64] */
    check_binary("aten::add.out", 4, (const int64_t[]){1, 4, 1, 64}, 4, f, 4, mask, vi(1), 1);
    check_binary("aten::sub.out", 3, (const int64_t[]){2, 3, 37}, 3, f, 0, f, vd(0.7), 0); /* x - 0.7 s */
    check_binary("aten::sub.out", 3, (const int64_t[]){2, 3, 37}, 0, f, 3, f, vd(0.7), 0); /* s - 0.7 z */
    check_binary("aten::add.out", 0, NULL, 0, f, 0, f, vi(2), 0);                         /* rank 0 */
  }
  for (int i = 0; i < 400; i++) random_binary();
  check_binary_fallbacks();

  /* permute_copy: the transformer's permutations, then random ones */
  check_permute(4, (const int64_t[]){1, 1, 4, 64}, (const int64_t[]){0, 2, 1, 3}, WICK_F32);
  check_permute(4, (const int64_t[]){1, 4, 64, 64}, (const int64_t[]){0, 1, 3, 2}, WICK_F32);
  check_permute(4, (const int64_t[]){1, 64, 4, 64}, (const int64_t[]){0, 2, 1, 3}, WICK_F32);
  check_permute(4, (const int64_t[]){1, 64, 4, 64}, (const int64_t[]){0, 2, 3, 1}, WICK_F32);
  check_permute(4, (const int64_t[]){1, 4, 64, 64}, (const int64_t[]){0, 2, 1, 3}, WICK_F32);
  check_permute(2, (const int64_t[]){37, 45}, (const int64_t[]){1, 0}, WICK_F32);
  check_permute(3, (const int64_t[]){5, 6, 7}, (const int64_t[]){2, 0, 1}, WICK_I64);
  for (int i = 0; i < 300; i++) random_permute();

  fprintf(stderr, "test_optimized_small: %ld comparisons, %ld elements\n", g_cases, g_elements);
  wick_threadpool_destroy(pool2);
  return test_finish("test_optimized_small");
}
