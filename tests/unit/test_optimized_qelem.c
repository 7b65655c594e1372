/* cortex_m::quantized_add.out, quantized_max_pool2d.out, quantize_per_tensor.out
 * (and quantized_decomposed::'s) and dequantize_per_tensor.out: the optimized
 * x86 kernels (qelem.c: AVX-512 and AVX2 paths) are byte-identical to the
 * portable kernels on random shapes (1-4 dims, sizes that leave vector tails,
 * runs crossing the parallel chunks, both dim orders), random multipliers /
 * shifts / zero points / clamps, quantize inputs with NaN, infinities, huge
 * values and exact ties, pooling windows (kernels 1-5, strides 1-3,
 * padding, dilation, ceil mode, rows wider than a vector), with and without
 * a thread pool, and the fallbacks (broadcasting, channels-last pooling,
 * over-wide rows, bad arguments with the portable error message). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kernel_test.h"
#include "kernels/optimized/opt.h"
#include "kernels/optimized/qelem.h"
#include "kernels/portable/ops_quant.h"
#include "wick/backend.h"
#include "wick/threadpool.h"

static uint64_t g_rng = 0x9E3779B97F4A7C15u;
static uint32_t rnd(void) {
  g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
  return (uint32_t)(g_rng >> 16);
}
static int64_t rr(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint32_t)(hi - lo + 1)); }

static void fill_i8(int8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (int8_t)(rnd() & 0xff);
}

static const uint8_t kChannelsLast[4] = {0, 2, 3, 1};

static int g_cases;

/* A random shape of 1-4 dims; mostly small, sometimes past a parallel chunk. */
static int rand_shape(int64_t sz[4]) {
  int dim = (int)rr(1, 4);
  int64_t big = rnd() % 6 == 0;
  for (int d = 0; d < dim; d++) sz[d] = rr(1, d == dim - 1 ? (big ? 300 : 70) : (big ? 40 : 7));
  return dim;
}

typedef wick_status (*kfn)(wick_kernel_ctx *, wick_value **, uint32_t);

/* Runs ref (portable) into y0 and opt on every path (+ pool) into y1 (the
 * out value args[oi] switched between o0 and o1), comparing nbytes. */
static void compare(const char *what, kfn ref, kfn opt, wick_value *v, uint32_t n, uint32_t oi,
                    wick_tensor *o0, wick_tensor *o1, size_t nbytes, wick_threadpool *pool) {
  wick_value *args[16];
  for (uint32_t i = 0; i < n; i++) args[i] = &v[i];
  wick_diag d = {WICK_OK, ""};
  wick_kernel_ctx ctx = {&d, what, 0, NULL, 0, NULL};
  memset(o0->data, 0x5a, nbytes);
  v[oi] = vt(o0);
  wick_status s0 = ref(&ctx, args, n);
  char msg0[sizeof d.msg];
  memcpy(msg0, d.msg, sizeof msg0);
  v[oi] = vt(o1);
  for (int path = WKO_QE_PORTABLE; path <= WKO_QE_AVX512; path++) {
    if (!wko_qelem_path_supported(path)) continue;
    for (int use_pool = 0; use_pool < 2; use_pool++) {
      wko_qelem_force_path(path);
      memset(o1->data, 0xa5, nbytes);
      wick_diag d1 = {WICK_OK, ""};
      wick_kernel_ctx c1 = {&d1, what, 0, NULL, 0, use_pool ? pool : NULL};
      wick_status s1 = opt(&c1, args, n);
      CHECK_MSG(s1 == s0, "%s path %d: status %d != %d (%s)", what, path, s1, s0, d1.msg);
      if (s0 != WICK_OK) {
        CHECK_MSG(strcmp(d1.msg, msg0) == 0, "%s path %d: message '%s' != '%s'", what, path, d1.msg, msg0);
        continue;
      }
      size_t bad = nbytes;
      for (size_t i = 0; i < nbytes; i++)
        if (((uint8_t *)o0->data)[i] != ((uint8_t *)o1->data)[i]) {
          bad = i;
          break;
        }
      CHECK_MSG(bad == nbytes, "%s path %d pool %d: byte %zu of %zu: %d != %d", what, path, use_pool, bad,
                nbytes, bad < nbytes ? ((int8_t *)o1->data)[bad] : 0, bad < nbytes ? ((int8_t *)o0->data)[bad] : 0);
    }
  }
  wko_qelem_force_path(-1);
  g_cases++;
}

static void rand_requant(int64_t *m, int64_t *s, int input) {
  if (rnd() % 5 == 0) {
    *m = (int32_t)(rnd() ^ (rnd() << 16));
    *s = rr(-31, 31);
  } else {
    *m = 0x40000000 + (rnd() & 0x3fffffff);
    *s = input ? rr(-24, 0) : rr(-24, 2);
  }
}

static void add_case(wick_threadpool *pool) {
  int64_t sz[4];
  int dim = rand_shape(sz);
  int64_t bsz[4];
  memcpy(bsz, sz, sizeof bsz);
  int bcast = rnd() % 8 == 0; /* other broadcasts along dim 0: the portable fallback */
  if (bcast) bsz[0] = 1;
  size_t n = 1, nb = 1;
  for (int d = 0; d < dim; d++) n *= (size_t)sz[d], nb *= (size_t)bsz[d];
  int8_t *x = malloc(n), *y = malloc(nb), *y0 = malloc(n), *y1 = malloc(n);
  fill_i8(x, n);
  fill_i8(y, nb);
  wick_tensor a = tens(WICK_I8, x, dim, sz), b = tens(WICK_I8, y, dim, bsz);
  wick_tensor o0 = tens(WICK_I8, y0, dim, sz), o1 = tens(WICK_I8, y1, dim, sz);
  if (dim == 4 && rnd() % 3 == 0) { /* channels last: all three, or only out (fallback) */
    int all = rnd() % 4 != 0;
    if (all) set_order(&a, kChannelsLast), set_order(&b, kChannelsLast);
    set_order(&o0, kChannelsLast), set_order(&o1, kChannelsLast);
  }
  int64_t m1, s1, m2, s2, mo, so;
  rand_requant(&m1, &s1, 1);
  rand_requant(&m2, &s2, 1);
  rand_requant(&mo, &so, 0);
  int64_t amin = rnd() % 2 ? -128 : rr(-128, 0), amax = rnd() % 2 ? 127 : rr(amin, 127);
  int64_t zpo = rr(-128, 127);
  if (rnd() % 40 == 0) zpo = 200; /* error: the portable message */
  wick_value v[14] = {vt(&a), vi(rr(-128, 127)), vi(m1), vi(s1), vt(&b), vi(rr(-128, 127)), vi(m2),
                      vi(s2), vi(zpo), vi(mo), vi(so), vi(amin), vi(amax), vnone()};
  compare("cortex_m::quantized_add.out", wick_op_cm_quantized_add_out, wko_cm_quantized_add_out, v, 14, 13, &o0,
          &o1, n, pool);
  free(x), free(y), free(y0), free(y1);
}

static float rand_float(float scale) {
  switch (rnd() % 16) {
    case 0: return NAN;
    case 1: return rnd() % 2 ? INFINITY : -INFINITY;
    case 2: return (rnd() % 2 ? 1e30f : -1e30f);
    case 3: return ((float)rr(-300, 300) + 0.5f) * scale; /* exact ties (scale a power of two) */
    default: return ((float)(int32_t)rnd() / 2147483648.0f) * 160.0f * scale;
  }
}

static void quant_case(wick_threadpool *pool) {
  int64_t sz[4];
  int dim = rand_shape(sz);
  size_t n = 1;
  for (int d = 0; d < dim; d++) n *= (size_t)sz[d];
  float *x = malloc(n * 4), *f0 = malloc(n * 4), *f1 = malloc(n * 4);
  int8_t *q0 = malloc(n), *q1 = malloc(n);
  double scale = rnd() % 3 == 0 ? ldexp(1.0, (int)rr(-8, 2)) : (double)(rnd() % 10000 + 1) * 1e-4;
  for (size_t i = 0; i < n; i++) x[i] = rand_float((float)scale);
  int64_t zp = rr(-128, 127), qmin = rnd() % 2 ? -128 : rr(-128, 0), qmax = rnd() % 2 ? 127 : rr(qmin, 127);
  int64_t dtype = WICK_I8;
  if (rnd() % 40 == 0) qmax = 300;              /* error */
  if (rnd() % 40 == 0) zp = INT64_C(1) << 24;   /* fallback (portable arithmetic) */
  wick_tensor xt = tens(WICK_F32, x, dim, sz), o0 = tens(WICK_I8, q0, dim, sz), o1 = tens(WICK_I8, q1, dim, sz);
  if (dim == 4 && rnd() % 3 == 0) {
    set_order(&xt, kChannelsLast);
    if (rnd() % 2) set_order(&o0, kChannelsLast), set_order(&o1, kChannelsLast);
  }
  wick_value v[7] = {vt(&xt), vd(scale), vi(zp), vi(qmin), vi(qmax), vi(dtype), vnone()};
  compare("cortex_m::quantize_per_tensor.out", wick_op_q_quantize_per_tensor_out, wko_q_quantize_per_tensor_out, v,
          7, 6, &o0, &o1, n, pool);
  /* dequantize the portable result back */
  if (qmax <= 127 && zp < 1000) {
    wick_tensor qt = tens(WICK_I8, q0, dim, sz), d0 = tens(WICK_F32, f0, dim, sz), d1 = tens(WICK_F32, f1, dim, sz);
    if (dim == 4 && rnd() % 3 == 0) set_order(&d0, kChannelsLast), set_order(&d1, kChannelsLast);
    wick_value w[7] = {vt(&qt), vd(scale), vi(zp), vi(qmin), vi(qmax), vi(dtype), vnone()};
    compare("cortex_m::dequantize_per_tensor.out", wick_op_cm_dequantize_per_tensor_out,
            wko_cm_dequantize_per_tensor_out, w, 7, 6, &d0, &d1, n * 4, pool);
  }
  free(x), free(f0), free(f1), free(q0), free(q1);
}

static void pool_case(wick_threadpool *pool) {
  int64_t n = rr(1, 2), c = rr(1, 9), h = rr(1, 24), w = rr(1, rnd() % 4 == 0 ? 200 : 40);
  if (rnd() % 30 == 0) h = 2, w = 2100, c = 1; /* wider than QE_MAXW: fallback */
  int64_t k[2] = {rr(1, 5), rr(1, 5)}, st[2] = {rr(1, 3), rr(1, 3)}, dl[2] = {1, 1};
  if (rnd() % 2) k[1] = k[0], st[1] = st[0];
  if (rnd() % 5 == 0) dl[0] = rr(1, 3), dl[1] = rr(1, 3);
  int64_t pd[2] = {rr(0, k[0] / 2), rr(0, k[1] / 2)};
  if (rnd() % 10 == 0) pd[0] = rr(0, 3), pd[1] = rr(0, 3); /* windows wholly in padding */
  bool ceil_mode = rnd() % 3 == 0;
  /* output size as the portable kernel computes it: skip degenerate cases */
  int64_t numh = h + 2 * pd[0] - dl[0] * (k[0] - 1) - 1, numw = w + 2 * pd[1] - dl[1] * (k[1] - 1) - 1;
  if (numh < 0 || numw < 0) return;
  int64_t oh = numh / st[0] + 1, ow = numw / st[1] + 1;
  if (ceil_mode && numh % st[0]) oh++;
  if (ceil_mode && (oh - 1) * st[0] >= h + pd[0]) oh--;
  if (ceil_mode && numw % st[1]) ow++;
  if (ceil_mode && (ow - 1) * st[1] >= w + pd[1]) ow--;
  size_t xn = (size_t)(n * c * h * w), yn = (size_t)(n * c * oh * ow);
  int8_t *x = malloc(xn), *y0 = malloc(yn), *y1 = malloc(yn);
  fill_i8(x, xn);
  wick_tensor xt = tens(WICK_I8, x, 4, SZ(n, c, h, w));
  wick_tensor o0 = tens(WICK_I8, y0, 4, SZ(n, c, oh, ow)), o1 = tens(WICK_I8, y1, 4, SZ(n, c, oh, ow));
  if (rnd() % 6 == 0) { /* channels last: the portable fallback */
    set_order(&xt, kChannelsLast);
    if (rnd() % 2) set_order(&o0, kChannelsLast), set_order(&o1, kChannelsLast);
  }
  int64_t zp = rr(-128, 127), amin = rnd() % 2 ? -128 : rr(-128, 0), amax = rnd() % 2 ? 127 : rr(amin, 127);
  int64_t ozp = rnd() % 40 == 0 ? zp + 1 : zp; /* error */
  wick_value v[11] = {vt(&xt), vil(k, 2), vil(st, 2), vil(pd, 2), vil(dl, 2), vb(ceil_mode),
                      vi(zp), vi(ozp), vi(amin), vi(amax), vnone()};
  compare("cortex_m::quantized_max_pool2d.out", wick_op_cm_quantized_max_pool2d_out,
          wko_cm_quantized_max_pool2d_out, v, 11, 10, &o0, &o1, yn, pool);
  free(x), free(y0), free(y1);
}

int main(void) {
  wick_optimized_register();
  fprintf(stderr, "  qelem path: %d (0 portable, 1 avx2, 2 avx512); avx2 %d avx512 %d\n", wko_qelem_path(),
          wko_qelem_path_supported(WKO_QE_AVX2), wko_qelem_path_supported(WKO_QE_AVX512));
  wick_threadpool *pool = wick_threadpool_create(3);
  for (int i = 0; i < 250; i++) add_case(pool);
  for (int i = 0; i < 200; i++) quant_case(pool);
  for (int i = 0; i < 250; i++) pool_case(pool);
  fprintf(stderr, "  %d random cases\n", g_cases);
  wick_threadpool_destroy(pool);
  return test_finish("test_optimized_qelem");
}
