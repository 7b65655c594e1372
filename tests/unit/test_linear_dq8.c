/* wick::linear_dq8.out (docs/OPS.md): known answers worked out by hand, the
 * optimized x86 paths (AVX512-VNNI, AVX-VNNI, AVX2) bit-identical to the
 * portable reference on random shapes (odd K and N, NaN / inf / zero rows,
 * K above the stack buffer with and without scratch, a thread pool), the
 * accuracy against float, and argument errors. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kernel_test.h"
#include "kernels/optimized/opt.h"
#include "kernels/optimized/qlinear_dyn.h"
#include "kernels/portable/ops_quant.h"
#include "wick/backend.h"
#include "wick/threadpool.h"

/* The VNNI-blocked layout, from its definition: W[n][k] at [n/16][k/4][n%16][k%4]. */
static int8_t *pack(const int8_t *w, int64_t n, int64_t k, size_t *bytes) {
  int64_t nb = (n + 15) / 16, kq = (k + 3) / 4;
  *bytes = (size_t)(nb * kq * 64);
  int8_t *p = calloc(*bytes, 1);
  for (int64_t o = 0; o < n; o++)
    for (int64_t i = 0; i < k; i++) p[((o / 16) * kq + i / 4) * 64 + (o % 16) * 4 + i % 4] = w[o * k + i];
  return p;
}

typedef struct layer {
  int64_t m, k, n;
  float *x, *wscale, *bias;
  int8_t *wq, *packed;
  int32_t *wsum;
} layer;

/* Runs kernel fn (portable or optimized) into y; returns the status. */
static wick_status run(wick_kernel_fn fn, const layer *L, float *y, void *scratch, size_t ssize,
                       wick_threadpool *pool, bool with_bias) {
  wick_tensor x = tens(WICK_F32, L->x, 2, SZ(L->m, L->k));
  wick_tensor w = tens(WICK_I8, L->packed, 4, SZ((L->n + 15) / 16, (L->k + 3) / 4, 16, 4));
  wick_tensor ws = tens(WICK_F32, L->wscale, 1, SZ(L->n));
  wick_tensor wsum = tens(WICK_I32, L->wsum, 1, SZ(L->n));
  wick_tensor b = tens(WICK_F32, L->bias, 1, SZ(L->n));
  wick_tensor out = tens(WICK_F32, y, 2, SZ(L->m, L->n));
  wick_value v[6] = {vt(&x), vt(&w), vt(&ws), vt(&wsum), with_bias ? vt(&b) : vnone(), vt(&out)};
  wick_value *args[6];
  for (int i = 0; i < 6; i++) args[i] = &v[i];
  wick_diag d = {WICK_OK, ""};
  wick_kernel_ctx ctx = {&d, "wick::linear_dq8.out", 0, scratch, ssize, pool};
  wick_status s = fn(&ctx, args, 6);
  if (s) fprintf(stderr, "  kernel: %s\n", d.msg);
  return s;
}

static void finish_layer(layer *L) {
  L->wsum = calloc((size_t)L->n, sizeof(int32_t));
  for (int64_t o = 0; o < L->n; o++)
    for (int64_t i = 0; i < L->k; i++) L->wsum[o] += L->wq[o * L->k + i];
  size_t bytes;
  L->packed = pack(L->wq, L->n, L->k, &bytes);
}

static void free_layer(layer *L) {
  free(L->x), free(L->wscale), free(L->bias), free(L->wq), free(L->packed), free(L->wsum);
}

/* ---- known answers -------------------------------------------------------------------- */

/* K = 4, N = 2; rows chosen so that the row scales are exact (range 255 -> s = 1,
 * range 63.75 -> s = 0.25), ties exercise round-half-even. Worked out in the
 * comments: u = round(x / s) + z; acc - z * wsum = sum (u - z) * w. */
static void test_known(void) {
  static const float x[5 * 4] = {
      -100, 0, 2.5f, 155,        /* s 1, z 100: u 0 100 102 255 (2.5 -> 2)            */
      0, 63.75f, 1.125f, -0.0f,  /* s 0.25, z 0: u 0 255 4 0 (4.5 -> 4)               */
      0, 0, 0, 0,                /* zero row: y = bias                                 */
      1, NAN, 2, 3,              /* NaN: the whole row is NaN                          */
      -255, -127.5f, -0.5f, -1.5f /* s 1, z 255: u 0 127 255 253 (-127.5 -> -128, -0.5 -> -0, -1.5 -> -2) */
  };
  static const int8_t w[2 * 4] = {1, -2, 3, 127, -127, 0, 5, -1}; /* wsum 129, -123 */
  static const float wscale[2] = {0.5f, 0.25f}, bias[2] = {1, -1};
  /* row 0: (u-z).w0 = -100 + 0 + 6 + 19685 = 19591 -> 19591 * 0.5 + 1 = 9796.5
   *        (u-z).w1 = 12700 + 0 + 10 - 155 = 12555 -> 12555 * 0.25 - 1 = 3137.75
   * row 1: 255 * -2 + 4 * 3 = -498 -> -498 * 0.25 * 0.5 + 1 = -61.25
   *        4 * 5 = 20 -> 20 * 0.25 * 0.25 - 1 = 0.25
   * row 4: u - z = -255 -128 0 -2: -255 + 256 + 0 - 254 = -253 -> -125.5
   *        32385 + 0 + 0 + 2 = 32387 -> 8096.75 - 1 = 8095.75 */
  static const float want[5 * 2] = {9796.5f, 3137.75f, -61.25f, 0.25f, 1, -1, NAN, NAN, -125.5f, 8095.75f};
  layer L = {5, 4, 2, NULL, NULL, NULL, NULL, NULL, NULL};
  L.x = malloc(sizeof x), memcpy(L.x, x, sizeof x);
  L.wscale = malloc(sizeof wscale), memcpy(L.wscale, wscale, sizeof wscale);
  L.bias = malloc(sizeof bias), memcpy(L.bias, bias, sizeof bias);
  L.wq = malloc(sizeof w), memcpy(L.wq, w, sizeof w);
  finish_layer(&L);
  CHECK(L.wsum[0] == 129 && L.wsum[1] == -123);
  for (int path = WKO_DQ8_PORTABLE; path <= WKO_DQ8_AVX512; path++) {
    if (!wko_linear_dq8_path_supported(path)) continue;
    wko_linear_dq8_force_path(path);
    float y[10];
    wick_kernel_fn fn = path == WKO_DQ8_PORTABLE ? wick_op_wick_linear_dq8_out : wko_linear_dq8_out;
    CHECK(run(fn, &L, y, NULL, 0, NULL, true) == WICK_OK);
    for (int i = 0; i < 10; i++)
      CHECK_MSG(isnan(want[i]) ? isnan(y[i]) : y[i] == want[i], "path %d: y[%d] = %.9g, want %.9g",
                path, i, y[i], want[i]);
    /* without bias: the same minus the bias, exactly (here) */
    CHECK(run(fn, &L, y, NULL, 0, NULL, false) == WICK_OK);
    CHECK_MSG(y[0] == 9795.5f && y[1] == 3138.75f && y[4] == 0 && y[5] == 0, "no bias, path %d", path);
  }
  wko_linear_dq8_force_path(-1);
  free_layer(&L);
}

/* ---- optimized vs portable ---------------------------------------------------------------- */

static uint64_t g_rng = 0x9E3779B97F4A7C15u;
static uint32_t rnd(void) {
  g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
  return (uint32_t)(g_rng >> 16);
}
static float gauss(void) {
  float s = 0;
  for (int i = 0; i < 4; i++) s += (float)(rnd() % 20001) / 10000.0f - 1.0f;
  return s;
}

static void make_random(layer *L, int64_t m, int64_t k, int64_t n) {
  L->m = m, L->k = k, L->n = n;
  L->x = malloc(sizeof(float) * (size_t)(m * k));
  L->wscale = malloc(sizeof(float) * (size_t)n);
  L->bias = malloc(sizeof(float) * (size_t)n);
  L->wq = malloc((size_t)(n * k));
  for (int64_t i = 0; i < m * k; i++) L->x[i] = gauss() * (1 + (float)(i / k)); /* rows differ in range */
  for (int64_t r = 0; r < m; r++) {
    float *row = L->x + r * k;
    switch (r % 7) {
      case 3: for (int64_t i = 0; i < k; i++) row[i] = fabsf(row[i]); break;     /* z = 0 */
      case 4: for (int64_t i = 0; i < k; i++) row[i] = -fabsf(row[i]); break;    /* z = 255 */
      case 5: if (r == 5) row[k / 2] = (r & 8) ? NAN : INFINITY; break;           /* bad row */
      case 6: if (r == 6) memset(row, 0, sizeof(float) * (size_t)k); break;      /* zero row */
      default: break;
    }
  }
  for (int64_t o = 0; o < n; o++) {
    L->wscale[o] = (float)(rnd() % 1000 + 1) * 1e-4f;
    L->bias[o] = gauss();
  }
  for (int64_t i = 0; i < n * k; i++) L->wq[i] = (int8_t)((int)(rnd() % 255) - 127);
  if (n > 1)
    for (int64_t i = 0; i < k; i++) L->wq[i] = (i & 1) ? 127 : -127; /* extreme channel */
  finish_layer(L);
}

static void test_paths_match(void) {
  static const int64_t ks[] = {1, 3, 4, 5, 17, 63, 64, 65, 255, 256, 257, 1023, 1025, 2051, 4100};
  static const int64_t ns[] = {1, 7, 15, 16, 17, 33, 63, 64, 65, 100, 130};
  wick_threadpool *pool = wick_threadpool_create(2);
  int compared = 0, paths = 0;
  for (int p = WKO_DQ8_AVX2; p <= WKO_DQ8_AVX512; p++) paths += wko_linear_dq8_path_supported(p);
  if (paths == 0) fprintf(stderr, "  no optimized dq8 path on this CPU/build: portable only\n");
  for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
    for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++) {
      if (ks[ki] > 1100 && ni % 3 != 0) continue; /* keep it quick */
      int64_t m = 1 + (int64_t)((ki * 5 + ni * 3) % 9);
      layer L;
      make_random(&L, m, ks[ki], ns[ni]);
      size_t ny = (size_t)(m * ns[ni]);
      float *ref = malloc(ny * sizeof(float)), *y = malloc(ny * sizeof(float));
      bool bias = (ki + ni) % 3 != 0;
      CHECK(run(wick_op_wick_linear_dq8_out, &L, ref, NULL, 0, NULL, bias) == WICK_OK);
      size_t ssize = (size_t)(4 * ((ks[ki] + 3) / 4 * 4));
      void *scratch = NULL;
      if (posix_memalign(&scratch, 64, ssize)) abort();
      for (int p = WKO_DQ8_AVX2; p <= WKO_DQ8_AVX512; p++) {
        if (!wko_linear_dq8_path_supported(p)) continue;
        wko_linear_dq8_force_path(p);
        for (int variant = 0; variant < 2; variant++) {
          memset(y, 0x55, ny * sizeof(float));
          CHECK(run(wko_linear_dq8_out, &L, y, scratch, ssize, variant ? pool : NULL, bias) == WICK_OK);
          CHECK_MSG(memcmp(y, ref, ny * sizeof(float)) == 0,
                    "path %d%s: m %lld k %lld n %lld differs from portable", p,
                    variant ? " (2 threads)" : "", (long long)m, (long long)ks[ki], (long long)ns[ni]);
          compared++;
        }
        if (ks[ki] > 4096) { /* no scratch: falls back to the portable kernel, same answer */
          memset(y, 0x55, ny * sizeof(float));
          CHECK(run(wko_linear_dq8_out, &L, y, NULL, 0, NULL, bias) == WICK_OK);
          CHECK(memcmp(y, ref, ny * sizeof(float)) == 0);
        }
      }
      wko_linear_dq8_force_path(-1);
      /* rows 5 (non-finite) are NaN, others finite */
      for (int64_t r = 0; r < m; r++)
        for (int64_t o = 0; o < ns[ni]; o++)
          CHECK_MSG(r == 5 ? isnan(ref[r * ns[ni] + o]) : isfinite(ref[r * ns[ni] + o]),
                    "row %lld out %lld = %g", (long long)r, (long long)o, ref[r * ns[ni] + o]);
      free(scratch), free(ref), free(y);
      free_layer(&L);
    }
  fprintf(stderr, "  %d optimized runs bit-identical to portable (%d paths)\n", compared, paths);
  wick_threadpool_destroy(pool);
}

/* Against float: y ~ x . (wq * wscale) + b, SQNR of random Gaussian rows. */
static void test_accuracy(void) {
  layer L;
  make_random(&L, 4, 256, 96);
  for (int64_t i = 0; i < 4 * 256; i++) L.x[i] = gauss(); /* no special rows */
  float y[4 * 96];
  CHECK(run(wick_op_wick_linear_dq8_out, &L, y, NULL, 0, NULL, true) == WICK_OK);
  double sig = 0, err = 0;
  for (int r = 0; r < 4; r++)
    for (int o = 0; o < 96; o++) {
      double ref = L.bias[o];
      for (int i = 0; i < 256; i++) ref += (double)L.x[r * 256 + i] * L.wq[o * 256 + i] * L.wscale[o];
      sig += (ref - L.bias[o]) * (ref - L.bias[o]);
      err += (ref - y[r * 96 + o]) * (ref - y[r * 96 + o]);
    }
  double db = 10 * log10(sig / err);
  CHECK_MSG(db > 35, "activation-quantization SQNR %.1f dB", db);
  fprintf(stderr, "  row-quantization SQNR on N(0,1) rows (K 256): %.1f dB\n", db);
  free_layer(&L);
}

/* Errors and the registry. */
static void test_errors(void) {
  layer L;
  make_random(&L, 2, 10, 20);
  float y[40];
  wick_tensor x = tens(WICK_F32, L.x, 2, SZ(2, 10));
  wick_tensor wbad = tens(WICK_I8, L.packed, 4, SZ(2, 2, 16, 4)); /* kq must be 3 */
  wick_tensor ws = tens(WICK_F32, L.wscale, 1, SZ(20));
  wick_tensor wsum = tens(WICK_I32, L.wsum, 1, SZ(20));
  wick_tensor out = tens(WICK_F32, y, 2, SZ(2, 20));
  CHECK(CALL("wick::linear_dq8.out", vt(&x), vt(&wbad), vt(&ws), vt(&wsum), vnone(), vt(&out)) ==
        WICK_ERR_KERNEL);
  CHECK_MSG(strstr(g_diag.msg, "blocked int8 [2, 3, 16, 4]"), "message: %s", g_diag.msg);
  wick_tensor w = tens(WICK_I8, L.packed, 4, SZ(2, 3, 16, 4));
  wick_tensor wsum_bad = tens(WICK_I32, L.wsum, 1, SZ(19));
  CHECK(CALL("wick::linear_dq8.out", vt(&x), vt(&w), vt(&ws), vt(&wsum_bad), vnone(), vt(&out)) ==
        WICK_ERR_KERNEL);
  CHECK_MSG(strstr(g_diag.msg, "weight_sum"), "message: %s", g_diag.msg);
  CHECK(CALL("wick::linear_dq8.out", vt(&x), vt(&w), vt(&ws), vt(&wsum), vnone(), vt(&out)) ==
        WICK_OK);
  free_layer(&L);
}

int main(void) {
  wick_optimized_register();
  fprintf(stderr, "  dq8 path: %d (0 portable, 1 avx2, 2 avx-vnni, 3 avx512-vnni)\n",
          wko_linear_dq8_path());
  test_known();
  test_paths_match();
  test_accuracy();
  test_errors();
  return test_finish("test_linear_dq8");
}
