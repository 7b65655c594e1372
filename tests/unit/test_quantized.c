/* Unit tests of the quantization kernels (src/kernels/quantized): the
 * quantized_decomposed::, cortex_m:: and dim_order_ops:: ops, called through
 * the registry the way the runtime calls them.
 *
 * Expected values never come from the kernels themselves:
 *   - requantization is checked against a 128-bit reference written here from
 *     the CMSIS-NN definition (exact products, explicit floor / tie rules),
 *   - conv / linear / add / mul / pools / batch matmul are checked against
 *     straightforward int32 loops in this file plus that reference,
 *   - softmax against vectors printed by tests/quantized/softmax_ref.py (an
 *     independent Python implementation) and against float softmax,
 *   - quantize / dequantize against hand-worked values.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "harness.h"
#include "kernel_test.h"
#include "kernels/portable/ops_quant.h"
#include "kernels/portable/util.h"
#include "kernels/quantized/qmath.h"
#include "wick/kernel.h"
#include "wick/tensor.h"

/* The table (also part of the portable table once kernels.c includes it;
 * registering it again is harmless). */
static const wick_kernel quant_table[] = {
#include "kernels/portable/table_quant.inc"
};

/* ---- helpers -------------------------------------------------------------- */


static const uint8_t CL[4] = {0, 2, 3, 1}; /* channels last */






static void expect_i8_at(int line, const int8_t *got, const int8_t *want, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (got[i] != want[i]) {
      fprintf(stderr, "line %d: element %zu: got %d want %d\n", line, i, got[i], want[i]);
      wick_test_failures++;
      return;
    }
}
#define EXPECT_I8(got, want, n) expect_i8_at(__LINE__, got, want, n)
#define EXPECT_I8V(got, ...)                                                   \
  expect_i8_at(__LINE__, got, (const int8_t[]){__VA_ARGS__},                   \
               sizeof((const int8_t[]){__VA_ARGS__}))

/* Deterministic pseudo-random numbers (LCG). */
static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) {
  g_rng = g_rng * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(g_rng >> 32);
}
static int8_t rnd_i8(void) { return (int8_t)(rnd() & 0xFF); }
static void fill_i8(int8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = rnd_i8();
}

/* ---- (a) requantization: independent 128-bit reference ------------------- */

__extension__ typedef __int128 i128;

static i128 floor_div128(i128 a, i128 b) { /* b > 0 */
  i128 q = a / b;
  if (a % b != 0 && a < 0) q -= 1;
  return q;
}
static int32_t wrap128(i128 v) {
  uint32_t u = (uint32_t)(unsigned __int128)v;
  return u >= 0x80000000u ? (int32_t)((int64_t)u - 4294967296ll) : (int32_t)u;
}

/* CMSIS-NN arm_nn_requantize (default build, no CMSIS_NN_USE_SINGLE_ROUNDING):
 *   1. v = acc * 2^max(shift, 0), in 32-bit two's complement
 *   2. h = floor((v * m + 2^30) / 2^31)  (exact product; ties toward +inf),
 *      taken mod 2^32
 *   3. h / 2^max(-shift, 0) rounded to nearest, ties away from zero */
static int32_t ref_requant(int32_t acc, int32_t m, int32_t shift) {
  int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  int32_t v = wrap128((i128)acc * ((i128)1 << left));
  int32_t h = wrap128(floor_div128((i128)v * m + ((i128)1 << 30), (i128)1 << 31));
  if (right == 0) return h;
  i128 mag = h < 0 ? -(i128)h : (i128)h;
  i128 half = (i128)1 << (right - 1);
  i128 q = (mag + half) / ((i128)1 << right); /* |h| / 2^right, ties up in magnitude */
  return (int32_t)(h < 0 ? -q : q);
}

static void test_requantize(void) {
  static const int32_t cases[][4] = {
      /* acc, multiplier, shift, expected (worked by hand) */
      {0, 1 << 30, 0, 0},
      {1, 1 << 30, 0, 1},          /* 0.5 rounds up */
      {-1, 1 << 30, 0, 0},         /* -0.5 rounds up (toward +inf), unlike TFLite */
      {3, 1 << 30, 0, 2},          /* 1.5 -> 2 */
      {-3, 1 << 30, 0, -1},        /* -1.5 -> -1 */
      {-6, 1 << 30, -1, -2},       /* h = -3, -3/2 = -1.5 -> -2 (away from zero) */
      {6, 1 << 30, -1, 2},         /* 1.5 -> 2 */
      {-2, 1 << 30, -1, -1},       /* h = -1, -0.5 -> -1 */
      {2, 1 << 30, -1, 1},         /* 0.5 -> 1 */
      {-5, 1 << 30, -1, -1},       /* h = floor(-2.5 + 0.5) = -2, -1 */
      {100, INT32_MAX, 0, 100},    /* (2^31-1)/2^31 * 100 = 99.99.. -> 100 */
      {1000, 1518500250, -3, 88},  /* 1000 * 0.7071 / 8 = 88.39 */
      {INT32_MIN, INT32_MAX, 0, INT32_MIN + 1},
      {INT32_MAX, INT32_MAX, 0, INT32_MAX - 1},
      {INT32_MIN, 1 << 30, -31, -1}, /* -2^30 / 2^31 = -0.5 -> -1 */
      {INT32_MIN, 1 << 30, 1, INT32_MIN}, /* INT32_MIN * 2 wraps to 0 */
      {1, 1 << 30, 31, INT32_MIN},  /* 1 << 31 wraps to INT32_MIN; * 0.5 */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int32_t acc = cases[i][0], m = cases[i][1], sh = cases[i][2];
    if (acc == INT32_MIN && m == 1 << 30 && sh == 1) {
      /* INT32_MIN << 1 wraps to 0 */
      CHECK(ref_requant(acc, m, sh) == 0);
      CHECK(wq_requantize(acc, m, sh) == 0);
      continue;
    }
    if (acc == 1 && sh == 31) {
      /* v = INT32_MIN; INT32_MIN * 2^30 / 2^31 = -2^30 */
      CHECK(ref_requant(acc, m, sh) == -(1 << 30));
      CHECK(wq_requantize(acc, m, sh) == -(1 << 30));
      continue;
    }
    CHECK_MSG(ref_requant(acc, m, sh) == cases[i][3], "case %zu: ref %d want %d", i,
              ref_requant(acc, m, sh), cases[i][3]);
    CHECK_MSG(wq_requantize(acc, m, sh) == cases[i][3], "case %zu: kernel %d want %d", i,
              wq_requantize(acc, m, sh), cases[i][3]);
  }
  /* Random triples over the whole domain (multipliers of either sign, shifts
   * -31..31) and over the realistic one (m in [2^30, 2^31), small accs). */
  int bad = 0;
  for (int i = 0; i < 200000 && bad < 5; i++) {
    int32_t acc = (int32_t)rnd(), m = (int32_t)rnd();
    int32_t sh = (int32_t)(rnd() % 63) - 31;
    if (i & 1) {
      acc = (int32_t)(rnd() % 2000001) - 1000000;
      m = (int32_t)((1u << 30) + rnd() % (1u << 30));
      sh = (int32_t)(rnd() % 20) - 15;
    }
    if (i % 7 == 0) acc = (i % 14 == 0) ? INT32_MIN : INT32_MAX;
    int32_t want = ref_requant(acc, m, sh), got = wq_requantize(acc, m, sh);
    if (want != got) {
      fprintf(stderr, "requantize(%d, %d, %d): got %d want %d\n", acc, m, sh, got, want);
      wick_test_failures++;
      bad++;
    }
  }
  /* The other helpers against their definitions. */
  CHECK(wq_mulh_sat(INT32_MIN, INT32_MIN) == INT32_MAX);
  CHECK(wq_mulh_nosat(INT32_MIN, INT32_MIN) == INT32_MIN);
  CHECK(wq_mulh_sat(-1, 1 << 30) == 0);     /* -0.5: (-2^30 + 1 - 2^30) / 2^31 truncates to 0 */
  CHECK(wq_mulh_sat(-3, 1 << 30) == -1);    /* -1.5 -> -1 */
  CHECK(wq_mulh_nosat(-1, 1 << 30) == 0);   /* -0.5: half up */
  CHECK(wq_mulh_sat(3, 1 << 30) == 2);      /* 1.5 -> 2 */
  CHECK(wq_rdiv_pow2(5, 1) == 3 && wq_rdiv_pow2(-5, 1) == -3 && wq_rdiv_pow2(-4, 1) == -2);
  CHECK(wq_rdiv_pow2(7, 0) == 7 && wq_rdiv_pow2(-7, 2) == -2 && wq_rdiv_pow2(-6, 2) == -2);
  CHECK(wq_rdiv_pow2(INT32_MIN, 31) == -1 && wq_rdiv_pow2(INT32_MAX, 31) == 1);
  CHECK(wq_exp_on_neg(0) == INT32_MAX);
  /* exp(-1) in Q0.31 (input -1.0 in Q5.26 is -2^26) */
  double e1 = wq_exp_on_neg(-(1 << 26)) / 2147483648.0;
  CHECK_MSG(fabs(e1 - exp(-1.0)) < 1e-6, "exp(-1) = %.9f", e1);
  double e7 = wq_exp_on_neg(-7 * (1 << 26) - (1 << 25)) / 2147483648.0;
  CHECK_MSG(fabs(e7 - exp(-7.5)) < 1e-6, "exp(-7.5) = %.9g", e7);
  /* 1/(1+x) in Q0.31 for x = 0.5 (Q0.31 1<<30) */
  double r = wq_one_over_1px(1 << 30) / 2147483648.0;
  CHECK_MSG(fabs(r - 1.0 / 1.5) < 1e-7, "1/1.5 = %.9f", r);
}

/* ---- (c) quantize / dequantize -------------------------------------------- */

static void test_quantize_per_tensor(void) {
  float x[10] = {2.5f, 3.5f, -2.5f, 0.5f, 1.5f, -0.5f, 1000.f, -1000.f, NAN, 0.4999f};
  int8_t q[10];
  wick_tensor tx = tens(WICK_F32, x, 1, SZ(10)), tq = tens(WICK_I8, q, 1, SZ(10));
  CHECK_OK(CALL("quantized_decomposed::quantize_per_tensor.out", vt(&tx), vd(1.0), vi(0), vi(-128),
                vi(127), vi(WICK_I8), vt(&tq)));
  EXPECT_I8V(q, 2, 4, -2, 0, 2, 0, 127, -128, -128, 0);
  /* zero point is added after rounding: nearbyint(2.5) + 3 = 5, not 6 */
  CHECK_OK(CALL("quantized_decomposed::quantize_per_tensor.out", vt(&tx), vd(1.0), vi(3), vi(-128),
                vi(127), vi(WICK_I8), vt(&tq)));
  CHECK(q[0] == 5 && q[1] == 7 && q[2] == 1);
  /* scale 0.5: x / 0.5 through the float reciprocal */
  CHECK_OK(CALL("cortex_m::quantize_per_tensor.out", vt(&tx), vd(0.5), vi(-10), vi(-128), vi(127),
                vi(WICK_I8), vt(&tq)));
  EXPECT_I8V(q, -5, -3, -15, -9, -7, -11, 127, -128, -128, -9);
  /* narrow range clamps */
  CHECK_OK(CALL("quantized_decomposed::quantize_per_tensor.out", vt(&tx), vd(1.0), vi(0), vi(-3),
                vi(3), vi(WICK_I8), vt(&tq)));
  EXPECT_I8V(q, 2, 3, -2, 0, 2, 0, 3, -3, -3, 0);
  /* uint8 */
  uint8_t u[10];
  wick_tensor tu = tens(WICK_U8, u, 1, SZ(10));
  CHECK_OK(CALL("quantized_decomposed::quantize_per_tensor.out", vt(&tx), vd(0.25), vi(128), vi(0),
                vi(255), vi(WICK_U8), vt(&tu)));
  CHECK(u[0] == 138 && u[1] == 142 && u[2] == 118 && u[6] == 255 && u[7] == 0);
  /* dtype argument must match out, range must fit */
  CHECK_FAILS(CALL("quantized_decomposed::quantize_per_tensor.out", vt(&tx), vd(1.0), vi(0),
                   vi(-128), vi(127), vi(WICK_U8), vt(&tq)),
              "dtype argument");
  CHECK_FAILS(CALL("quantized_decomposed::quantize_per_tensor.out", vt(&tx), vd(1.0), vi(0),
                   vi(-129), vi(127), vi(WICK_I8), vt(&tq)),
              "does not fit");

  /* dequantize, and the round trip */
  int8_t qi[5] = {-128, -1, 0, 3, 127};
  float y[5];
  wick_tensor tqi = tens(WICK_I8, qi, 1, SZ(5)), ty = tens(WICK_F32, y, 1, SZ(5));
  CHECK_OK(CALL("quantized_decomposed::dequantize_per_tensor.out", vt(&tqi), vd(0.5), vi(3),
                vi(-128), vi(127), vi(WICK_I8), vnone(), vt(&ty)));
  CHECK(y[0] == -65.5f && y[1] == -2.0f && y[2] == -1.5f && y[3] == 0.0f && y[4] == 62.0f);
  CHECK_OK(CALL("cortex_m::dequantize_per_tensor.out", vt(&tqi), vd(0.5), vi(3), vi(-128), vi(127),
                vi(WICK_I8), vt(&ty)));
  CHECK(y[0] == -65.5f && y[4] == 62.0f);
  CHECK_FAILS(CALL("quantized_decomposed::dequantize_per_tensor.out", vt(&tqi), vd(0.5), vi(3),
                   vi(-128), vi(127), vi(WICK_I8), vi(WICK_F64), vt(&ty)),
              "out_dtype");
  int8_t back[5];
  wick_tensor tb = tens(WICK_I8, back, 1, SZ(5));
  CHECK_OK(CALL("quantized_decomposed::quantize_per_tensor.out", vt(&ty), vd(0.5), vi(3),
                vi(-128), vi(127), vi(WICK_I8), vt(&tb)));
  EXPECT_I8(back, qi, 5);
  /* every int8 value survives q -> x -> q at an awkward scale */
  int8_t all[256], again[256];
  float mid[256];
  for (int i = 0; i < 256; i++) all[i] = (int8_t)(i - 128);
  wick_tensor ta = tens(WICK_I8, all, 1, SZ(256)), tm = tens(WICK_F32, mid, 1, SZ(256)),
              tg = tens(WICK_I8, again, 1, SZ(256));
  CHECK_OK(CALL("quantized_decomposed::dequantize_per_tensor.out", vt(&ta), vd(0.0123456),
                vi(-7), vi(-128), vi(127), vi(WICK_I8), vnone(), vt(&tm)));
  CHECK_OK(CALL("quantized_decomposed::quantize_per_tensor.out", vt(&tm), vd(0.0123456), vi(-7),
                vi(-128), vi(127), vi(WICK_I8), vt(&tg)));
  EXPECT_I8(again, all, 256);

  /* Tensor_out overloads: scale/zero_point as one-element tensors */
  double sc = 0.5;
  int64_t zp = 3;
  wick_tensor tsc = tens(WICK_F64, &sc, 1, SZ(1)), tzp = tens(WICK_I64, &zp, 1, SZ(1));
  CHECK_OK(CALL("quantized_decomposed::quantize_per_tensor.Tensor_out", vt(&ty), vt(&tsc),
                vt(&tzp), vi(-128), vi(127), vi(WICK_I8), vt(&tb)));
  EXPECT_I8(back, qi, 5);
  CHECK_OK(CALL("quantized_decomposed::dequantize_per_tensor.Tensor_out", vt(&tqi), vt(&tsc),
                vt(&tzp), vi(-128), vi(127), vi(WICK_I8), vnone(), vt(&ty)));
  CHECK(y[1] == -2.0f && y[4] == 62.0f);
}

/* ---- (d) per channel / per token / choose_qparams -------------------------- */

static void test_per_channel(void) {
  /* x [2,3,2], axis 1: channel c has scale (c+1)*0.5, zero point c-1 */
  float x[12] = {0, 1, 2, 3, 4, 5, -1, -2, -3, -4, 2.5f, 100};
  double scales[3] = {0.5, 1.0, 1.5};
  int64_t zps[3] = {-1, 0, 1};
  int8_t q[12];
  wick_tensor tx = tens(WICK_F32, x, 3, SZ(2, 3, 2)), ts = tens(WICK_F64, scales, 1, SZ(3)),
              tz = tens(WICK_I64, zps, 1, SZ(3)), tq = tens(WICK_I8, q, 3, SZ(2, 3, 2));
  CHECK_OK(CALL("quantized_decomposed::quantize_per_channel.out", vt(&tx), vt(&ts), vt(&tz), vi(1),
                vi(-128), vi(127), vi(WICK_I8), vt(&tq)));
  /* c0: x/0.5 - 1; c1: x; c2: nearbyint(x/1.5) + 1 */
  EXPECT_I8V(q, -1, 1, 2, 3, 4, 4, -3, -5, -3, -4, 3, 68);
  /* axis -2 is the same dim */
  memset(q, 0, sizeof q);
  CHECK_OK(CALL("quantized_decomposed::quantize_per_channel.out", vt(&tx), vt(&ts), vt(&tz), vi(-2),
                vi(-128), vi(127), vi(WICK_I8), vt(&tq)));
  CHECK(q[11] == 68 && q[4] == 4);
  /* dequantize with zero_points None */
  float y[12];
  wick_tensor ty = tens(WICK_F32, y, 3, SZ(2, 3, 2));
  CHECK_OK(CALL("quantized_decomposed::dequantize_per_channel.out", vt(&tq), vt(&ts), vnone(),
                vi(1), vi(-128), vi(127), vi(WICK_I8), vnone(), vt(&ty)));
  CHECK(y[0] == -0.5f && y[2] == 2.0f && y[4] == 6.0f && y[11] == 102.0f);
  CHECK_OK(CALL("quantized_decomposed::dequantize_per_channel.out", vt(&tq), vt(&ts), vt(&tz),
                vi(1), vi(-128), vi(127), vi(WICK_I8), vnone(), vt(&ty)));
  CHECK(y[0] == 0.0f && y[4] == 4.5f && y[11] == 100.5f);
  CHECK_FAILS(CALL("quantized_decomposed::quantize_per_channel.out", vt(&tx), vt(&ts), vt(&tz),
                   vi(2), vi(-128), vi(127), vi(WICK_I8), vt(&tq)),
              "scales");
  CHECK_FAILS(CALL("quantized_decomposed::quantize_per_channel.out", vt(&tx), vt(&ts), vt(&tz),
                   vi(3), vi(-128), vi(127), vi(WICK_I8), vt(&tq)),
              "axis");

  /* per-channel with a channels-last input: channel indexing is logical */
  float xc[8];
  int8_t qc[8];
  wick_tensor txc = tens(WICK_F32, xc, 4, SZ(1, 2, 2, 2)), tqc = tens(WICK_I8, qc, 4, SZ(1, 2, 2, 2));
  set_order(&txc, CL);
  for (int c = 0; c < 2; c++)
    for (int hw = 0; hw < 4; hw++) xc[hw * 2 + c] = (float)(hw + 10 * c); /* NHWC memory */
  double s2[2] = {1.0, 2.0};
  int64_t z2[2] = {0, 0};
  wick_tensor ts2 = tens(WICK_F64, s2, 1, SZ(2)), tz2 = tens(WICK_I64, z2, 1, SZ(2));
  CHECK_OK(CALL("quantized_decomposed::quantize_per_channel.out", vt(&txc), vt(&ts2), vt(&tz2),
                vi(1), vi(-128), vi(127), vi(WICK_I8), vt(&tqc)));
  EXPECT_I8V(qc, 0, 1, 2, 3, 5, 6, 6, 6); /* out is contiguous NCHW; 11/2 = 5.5 -> 6, 13/2 -> 6 */
  CHECK(qc[4] == 5 || qc[4] == 6);       /* 10/2 = 5 exactly */

  /* per token: rows of the last dim */
  float xt[6] = {-1.0f, 0.5f, 2.0f, 0.0f, 1.0f, 2.0f};
  double st[2];
  int64_t zt[2];
  wick_tensor txt = tens(WICK_F32, xt, 2, SZ(2, 3)), tst = tens(WICK_F64, st, 2, SZ(2, 1)),
              tzt = tens(WICK_I64, zt, 2, SZ(2, 1));
  CHECK_OK(CALL("quantized_decomposed::choose_qparams_per_token_asymmetric.out", vt(&txt),
                vi(WICK_F32), vt(&tst), vt(&tzt)));
  CHECK_MSG(st[0] == 3.0 / 255.0 && zt[0] == -43, "token 0: %.17g %lld", st[0], (long long)zt[0]);
  CHECK_MSG(st[1] == 2.0 / 255.0 && zt[1] == -128, "token 1: %.17g %lld", st[1], (long long)zt[1]);
  int8_t qt[6];
  wick_tensor tqt = tens(WICK_I8, qt, 2, SZ(2, 3));
  CHECK_OK(CALL("quantized_decomposed::quantize_per_token.out", vt(&txt), vt(&tst), vt(&tzt),
                vi(-128), vi(127), vi(WICK_I8), vt(&tqt)));
  /* 0.5 * float(1/float(3/255)) = 42.4999.. -> 42; 1 * float(1/float(2/255)) = 127.49999 -> 127 */
  EXPECT_I8V(qt, -128, -1, 127, -128, -1, 127);
  float yt[6];
  wick_tensor tyt = tens(WICK_F32, yt, 2, SZ(2, 3));
  CHECK_OK(CALL("quantized_decomposed::dequantize_per_token.out", vt(&tqt), vt(&tst), vt(&tzt),
                vi(-128), vi(127), vi(WICK_I8), vi(WICK_F32), vt(&tyt)));
  for (int i = 0; i < 6; i++) CHECK_MSG(fabsf(yt[i] - xt[i]) <= 0.5f * 3.0f / 255.0f + 1e-6f,
                                        "token dequant %d: %g vs %g", i, yt[i], xt[i]);

  /* choose_qparams.Tensor_out on the first row */
  double sc;
  int64_t z;
  wick_tensor tsc = tens(WICK_F64, &sc, 1, SZ(1)), tz1 = tens(WICK_I64, &z, 1, SZ(1));
  wick_tensor row = tens(WICK_F32, xt, 1, SZ(3));
  CHECK_OK(CALL("quantized_decomposed::choose_qparams.Tensor_out", vt(&row), vi(-128), vi(127),
                vd(1e-7), vi(WICK_I8), vt(&tsc), vt(&tz1)));
  CHECK(sc == 3.0 / 255.0 && z == -43);
  /* all zeros: scale 0.1, zero point from qmin */
  float zeros[3] = {0, 0, 0};
  wick_tensor tzero = tens(WICK_F32, zeros, 1, SZ(3));
  CHECK_OK(CALL("quantized_decomposed::choose_qparams.Tensor_out", vt(&tzero), vi(0), vi(255),
                vd(1e-7), vi(WICK_U8), vt(&tsc), vt(&tz1)));
  CHECK(sc == 0.1 && z == 0);
}

/* ---- (b) cortex_m ops against int32 reference loops ------------------------ */

static int8_t ref_out(int32_t acc, int32_t m, int32_t sh, int32_t oo, int32_t lo, int32_t hi) {
  int64_t r = (int64_t)ref_requant(acc, m, sh) + oo;
  return (int8_t)(r < lo ? lo : (r > hi ? hi : r));
}

/* NCHW logical index -> NHWC memory offset */
static size_t nhwc(int n, int c, int h, int w, int C, int H, int W) {
  return (((size_t)n * H + h) * W + w) * C + c;
}

static void test_conv2d(void) {
  enum { N = 1, C = 2, H = 4, W = 5, O = 3, KH = 3, KW = 2 };
  int8_t x[N * C * H * W], wt[O * KH * KW * C];
  int32_t bias[O] = {100, -2000, 7};
  int32_t mult[O] = {1518500250, 1073741824, 2040109465};
  int32_t shift[O] = {-8, -6, -9};
  fill_i8(x, sizeof x);
  fill_i8(wt, sizeof wt);
  const int sh_ = 2, sw_ = 1, ph = 1, pw = 1, dh = 1, dw = 2, io = 5, oo = -3, lo = -100, hi = 120;
  const int OH = (H + 2 * ph - dh * (KH - 1) - 1) / sh_ + 1, OW = (W + 2 * pw - dw * (KW - 1) - 1) / sw_ + 1;
  int8_t want[N * O * 2 * 5];
  CHECK(OH == 2 && OW == 5);
  for (int o = 0; o < O; o++)
    for (int i = 0; i < OH; i++)
      for (int j = 0; j < OW; j++) {
        int32_t acc = bias[o];
        for (int a = 0; a < KH; a++)
          for (int b = 0; b < KW; b++)
            for (int c = 0; c < C; c++) {
              int ih = i * sh_ - ph + a * dh, iw = j * sw_ - pw + b * dw;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              acc += (x[nhwc(0, c, ih, iw, C, H, W)] + io) * wt[((o * KH + a) * KW + b) * C + c];
            }
        want[nhwc(0, o, i, j, O, OH, OW)] = ref_out(acc, mult[o], shift[o], oo, lo, hi);
      }
  int8_t y[N * O * 2 * 5], scratch[4];
  wick_tensor tx = tens(WICK_I8, x, 4, SZ(N, C, H, W)), tw = tens(WICK_I8, wt, 4, SZ(O, KH, KW, C)),
              tb = tens(WICK_I32, bias, 1, SZ(O)), tm = tens(WICK_I32, mult, 1, SZ(O)),
              ts = tens(WICK_I32, shift, 1, SZ(O)), ty = tens(WICK_I8, y, 4, SZ(N, O, OH, OW)),
              tsc = tens(WICK_I8, scratch, 1, SZ(4));
  set_order(&tx, CL);
  set_order(&ty, CL);
  CHECK_OK(CALL("cortex_m::quantized_conv2d.out", vt(&tx), vt(&tw), vt(&tb), IL(sh_, sw_), IL(ph, pw),
                IL(dh, dw), vi(io), vi(oo), vt(&tm), vt(&ts), vi(lo), vi(hi), vt(&tsc), vt(&ty)));
  EXPECT_I8(y, want, sizeof want);

  /* the same bytes as logical NHWC tensors (the explicit-layout op) */
  memset(y, 0, sizeof y);
  wick_tensor tx2 = tens(WICK_I8, x, 4, SZ(N, H, W, C)), ty2 = tens(WICK_I8, y, 4, SZ(N, OH, OW, O));
  CHECK_OK(CALL("cortex_m::quantized_conv2d_nhwc.out", vt(&tx2), vt(&tw), vt(&tb), IL(sh_, sw_),
                IL(ph, pw), IL(dh, dw), vi(io), vi(oo), vt(&tm), vt(&ts), vi(lo), vi(hi), vt(&tsc),
                vt(&ty2)));
  EXPECT_I8(y, want, sizeof want);

  /* (e) a contiguous NCHW input and output give the same logical result */
  int8_t xc[sizeof x], yc[sizeof y];
  for (int c = 0; c < C; c++)
    for (int h = 0; h < H; h++)
      for (int w = 0; w < W; w++) xc[(c * H + h) * W + w] = x[nhwc(0, c, h, w, C, H, W)];
  wick_tensor txc = tens(WICK_I8, xc, 4, SZ(N, C, H, W)), tyc = tens(WICK_I8, yc, 4, SZ(N, O, OH, OW));
  CHECK_OK(CALL("cortex_m::quantized_conv2d.out", vt(&txc), vt(&tw), vt(&tb), IL(sh_, sw_), IL(ph, pw),
                IL(dh, dw), vi(io), vi(oo), vt(&tm), vt(&ts), vi(lo), vi(hi), vt(&tsc), vt(&tyc)));
  int bad = 0;
  for (int o = 0; o < O; o++)
    for (int i = 0; i < OH; i++)
      for (int j = 0; j < OW; j++)
        bad += yc[(o * OH + i) * OW + j] != want[nhwc(0, o, i, j, O, OH, OW)];
  CHECK_MSG(bad == 0, "%d channels-first outputs differ", bad);

  /* no bias, and a per-channel shift out of range is refused */
  shift[1] = 40;
  CHECK_FAILS(CALL("cortex_m::quantized_conv2d.out", vt(&tx), vt(&tw), vnone(), IL(1, 1), IL(0, 0),
                   IL(1, 1), vi(io), vi(oo), vt(&tm), vt(&ts), vi(lo), vi(hi), vt(&tsc), vt(&ty)),
              "requantize_shifts[1]");
}

static void test_depthwise(void) {
  enum { C = 2, H = 5, W = 5, DM = 2, O = C * DM, KH = 3, KW = 3 };
  int8_t x[C * H * W], wt[KH * KW * O];
  int32_t bias[O] = {10, -10, 300, 0}, mult[O], shift[O];
  for (int o = 0; o < O; o++) {
    mult[o] = 1200000000 + o * 100000000;
    shift[o] = -5 - o;
  }
  fill_i8(x, sizeof x);
  fill_i8(wt, sizeof wt);
  const int st = 2, pad = 1, io = -4, oo = 7;
  const int OH = (H + 2 * pad - KH) / st + 1, OW = (W + 2 * pad - KW) / st + 1;
  int8_t want[O * 3 * 3], y[O * 3 * 3], scratch[1];
  CHECK(OH == 3 && OW == 3);
  for (int o = 0; o < O; o++)
    for (int i = 0; i < OH; i++)
      for (int j = 0; j < OW; j++) {
        int32_t acc = bias[o];
        for (int a = 0; a < KH; a++)
          for (int b = 0; b < KW; b++) {
            int ih = i * st - pad + a, iw = j * st - pad + b;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            acc += (x[nhwc(0, o / DM, ih, iw, C, H, W)] + io) * wt[(a * KW + b) * O + o];
          }
        want[nhwc(0, o, i, j, O, OH, OW)] = ref_out(acc, mult[o], shift[o], oo, -128, 127);
      }
  wick_tensor tx = tens(WICK_I8, x, 4, SZ(1, C, H, W)), tw = tens(WICK_I8, wt, 4, SZ(1, KH, KW, O)),
              tb = tens(WICK_I32, bias, 1, SZ(O)), tm = tens(WICK_I32, mult, 1, SZ(O)),
              ts = tens(WICK_I32, shift, 1, SZ(O)), ty = tens(WICK_I8, y, 4, SZ(1, O, OH, OW)),
              tsc = tens(WICK_I8, scratch, 1, SZ(1));
  set_order(&tx, CL);
  set_order(&ty, CL);
  CHECK_OK(CALL("cortex_m::quantized_depthwise_conv2d.out", vt(&tx), vt(&tw), vt(&tb), IL(st, st),
                IL(pad, pad), IL(1, 1), vi(DM), vi(io), vi(oo), vt(&tm), vt(&ts), vi(-128), vi(127),
                vt(&tsc), vt(&ty)));
  EXPECT_I8(y, want, sizeof want);
  memset(y, 0, sizeof y);
  wick_tensor tx2 = tens(WICK_I8, x, 4, SZ(1, H, W, C)), ty2 = tens(WICK_I8, y, 4, SZ(1, OH, OW, O));
  CHECK_OK(CALL("cortex_m::quantized_depthwise_conv2d_nhwc.out", vt(&tx2), vt(&tw), vt(&tb),
                IL(st, st), IL(pad, pad), IL(1, 1), vi(DM), vi(io), vi(oo), vt(&tm), vt(&ts),
                vi(-128), vi(127), vt(&tsc), vt(&ty2)));
  EXPECT_I8(y, want, sizeof want);
  CHECK_FAILS(CALL("cortex_m::quantized_depthwise_conv2d.out", vt(&tx), vt(&tw), vt(&tb), IL(st, st),
                   IL(pad, pad), IL(1, 1), vi(3), vi(io), vi(oo), vt(&tm), vt(&ts), vi(-128),
                   vi(127), vt(&tsc), vt(&ty)),
              "must be [1, KH, KW");
}

static void test_transpose_conv(void) {
  enum { C = 2, H = 3, W = 3, O = 2, K = 3 };
  int8_t x[C * H * W], wt[O * K * K * C];
  int32_t bias[O] = {50, -50}, mult[O] = {1300000000, 1700000000}, shift[O] = {-7, -8};
  fill_i8(x, sizeof x);
  fill_i8(wt, sizeof wt);
  const int st = 2, pad = 1, opad = 1, io = 3, oo = -2;
  const int OH = (H - 1) * st - 2 * pad + (K - 1) + opad + 1; /* 6 */
  int32_t acc[O * 6 * 6];
  int8_t want[O * 6 * 6], y[O * 6 * 6], s1[1], s2[1];
  CHECK(OH == 6);
  for (int o = 0; o < O; o++)
    for (int i = 0; i < OH * OH; i++) acc[o * 36 + i] = bias[o];
  /* scatter form: every input pixel adds its contribution to the outputs */
  for (int ih = 0; ih < H; ih++)
    for (int iw = 0; iw < W; iw++)
      for (int a = 0; a < K; a++)
        for (int b = 0; b < K; b++) {
          int oh = ih * st - pad + a, ow = iw * st - pad + b;
          if (oh < 0 || oh >= OH || ow < 0 || ow >= OH) continue;
          for (int o = 0; o < O; o++)
            for (int c = 0; c < C; c++)
              acc[(o * OH + oh) * OH + ow] +=
                  (x[nhwc(0, c, ih, iw, C, H, W)] + io) * wt[((o * K + a) * K + b) * C + c];
        }
  for (int o = 0; o < O; o++)
    for (int i = 0; i < OH; i++)
      for (int j = 0; j < OH; j++)
        want[nhwc(0, o, i, j, O, OH, OH)] = ref_out(acc[(o * OH + i) * OH + j], mult[o], shift[o], oo, -128, 127);
  wick_tensor tx = tens(WICK_I8, x, 4, SZ(1, H, W, C)), tw = tens(WICK_I8, wt, 4, SZ(O, K, K, C)),
              tb = tens(WICK_I32, bias, 1, SZ(O)), tm = tens(WICK_I32, mult, 1, SZ(O)),
              ts = tens(WICK_I32, shift, 1, SZ(O)), ty = tens(WICK_I8, y, 4, SZ(1, OH, OH, O)),
              ts1 = tens(WICK_I8, s1, 1, SZ(1)), ts2 = tens(WICK_I8, s2, 1, SZ(1));
  CHECK_OK(CALL("cortex_m::quantized_transpose_conv2d_nhwc.out", vt(&tx), vt(&tw), vt(&tb),
                IL(st, st), IL(pad, pad), IL(opad, opad), IL(1, 1), vi(io), vi(oo), vt(&tm),
                vt(&ts), vi(-128), vi(127), vt(&ts1), vt(&ts2), vt(&ty)));
  EXPECT_I8(y, want, sizeof want);
}

static void test_linear(void) {
  enum { B = 3, K = 7, NO = 4 };
  int8_t x[B * K], wt[NO * K], y[B * NO], want[B * NO];
  int32_t bias[NO] = {1000, -1000, 0, 12345}, ksum[NO];
  fill_i8(x, sizeof x);
  fill_i8(wt, sizeof wt);
  const int io = 11, fo = 0, oo = -5, m = 1649267442, sh = -9, lo = -120, hi = 110;
  for (int b = 0; b < B; b++)
    for (int o = 0; o < NO; o++) {
      int32_t acc = bias[o];
      for (int k = 0; k < K; k++) acc += (x[b * K + k] + io) * (wt[o * K + k] + fo);
      want[b * NO + o] = ref_out(acc, m, sh, oo, lo, hi);
    }
  wick_tensor tx = tens(WICK_I8, x, 2, SZ(B, K)), tw = tens(WICK_I8, wt, 2, SZ(NO, K)),
              tb = tens(WICK_I32, bias, 1, SZ(NO)), tk = tens(WICK_I32, ksum, 1, SZ(NO)),
              ty = tens(WICK_I8, y, 2, SZ(B, NO));
  /* note the schema's order: activation_max before activation_min */
  CHECK_OK(CALL("cortex_m::quantized_linear.out", vt(&tx), vt(&tw), vt(&tb), vnone(), vi(io), vi(fo),
                vi(oo), IL(m), IL(sh), vi(hi), vi(lo), vt(&ty)));
  EXPECT_I8(y, want, sizeof want);
  /* kernel_sum form: kernel_sum = bias + io * sum(w + fo), same results */
  for (int o = 0; o < NO; o++) {
    ksum[o] = bias[o];
    for (int k = 0; k < K; k++) ksum[o] += io * (wt[o * K + k] + fo);
  }
  memset(y, 0, sizeof y);
  CHECK_OK(CALL("cortex_m::quantized_linear.out", vt(&tx), vt(&tw), vnone(), vt(&tk), vi(io), vi(fo),
                vi(oo), IL(m), IL(sh), vi(hi), vi(lo), vt(&ty)));
  EXPECT_I8(y, want, sizeof want);
  /* a nonzero filter offset, both forms */
  const int fo2 = -3;
  for (int b = 0; b < B; b++)
    for (int o = 0; o < NO; o++) {
      int32_t acc = bias[o];
      for (int k = 0; k < K; k++) acc += (x[b * K + k] + io) * (wt[o * K + k] + fo2);
      want[b * NO + o] = ref_out(acc, m, sh, oo, lo, hi);
    }
  CHECK_OK(CALL("cortex_m::quantized_linear.out", vt(&tx), vt(&tw), vt(&tb), vnone(), vi(io),
                vi(fo2), vi(oo), IL(m), IL(sh), vi(hi), vi(lo), vt(&ty)));
  EXPECT_I8(y, want, sizeof want);
  for (int o = 0; o < NO; o++) {
    ksum[o] = bias[o];
    for (int k = 0; k < K; k++) ksum[o] += io * (wt[o * K + k] + fo2);
  }
  CHECK_OK(CALL("cortex_m::quantized_linear.out", vt(&tx), vt(&tw), vnone(), vt(&tk), vi(io),
                vi(fo2), vi(oo), IL(m), IL(sh), vi(hi), vi(lo), vt(&ty)));
  EXPECT_I8(y, want, sizeof want);
  /* 3-D input: leading dims are batches */
  wick_tensor tx3 = tens(WICK_I8, x, 3, SZ(1, B, K)), ty3 = tens(WICK_I8, y, 3, SZ(1, B, NO));
  CHECK_OK(CALL("cortex_m::quantized_linear.out", vt(&tx3), vt(&tw), vt(&tb), vnone(), vi(io),
                vi(fo2), vi(oo), IL(m), IL(sh), vi(hi), vi(lo), vt(&ty3)));
  EXPECT_I8(y, want, sizeof want);
}

static void test_batch_matmul(void) {
  enum { B = 2, M = 3, K = 5, NN = 4 };
  int8_t l[B * M * K], r[B * NN * K], y[B * M * NN], want[B * M * NN], scratch[1];
  fill_i8(l, sizeof l);
  fill_i8(r, sizeof r);
  const int lo = 3, ro = -2, oo = 9, m = 1500000000, sh = -8;
  for (int b = 0; b < B; b++)
    for (int i = 0; i < M; i++)
      for (int j = 0; j < NN; j++) {
        int32_t acc = 0;
        for (int k = 0; k < K; k++) acc += (l[(b * M + i) * K + k] + lo) * (r[(b * NN + j) * K + k] + ro);
        want[(b * M + i) * NN + j] = ref_out(acc, m, sh, oo, -128, 127);
      }
  wick_tensor tl = tens(WICK_I8, l, 3, SZ(B, M, K)), tr = tens(WICK_I8, r, 3, SZ(B, NN, K)),
              ty = tens(WICK_I8, y, 3, SZ(B, M, NN)), ts = tens(WICK_I8, scratch, 1, SZ(1));
  CHECK_OK(CALL("cortex_m::quantized_batch_matmul.out", vt(&tl), vi(lo), vt(&tr), vi(ro), vi(oo),
                vi(m), vi(sh), vt(&ts), vt(&ty)));
  EXPECT_I8(y, want, sizeof want);
}

static void test_add_mul(void) {
  enum { C = 3, HW = 4, NE = C * HW };
  int8_t a[NE], b[NE], bc[C], y[NE], want[NE];
  fill_i8(a, NE);
  fill_i8(b, NE);
  fill_i8(bc, C);
  /* qparams as ExecuTorch derives them for scales 0.05, 0.02 -> 0.06 */
  const int32_t z1 = -3, m1 = 1789569707, s1 = -1, z2 = 10, m2 = 1431655765, s2 = -2;
  const int32_t zo = 4, mo = 1717986918, so = -19, amin = -128, amax = 100;
  for (int i = 0; i < NE; i++) {
    int32_t u = ref_requant((a[i] - z1) * (1 << 20), m1, s1);
    int32_t v = ref_requant((b[i] - z2) * (1 << 20), m2, s2);
    want[i] = ref_out(u + v, mo, so, zo, amin, amax);
  }
  wick_tensor ta = tens(WICK_I8, a, 4, SZ(1, C, 2, 2)), tb = tens(WICK_I8, b, 4, SZ(1, C, 2, 2)),
              ty = tens(WICK_I8, y, 4, SZ(1, C, 2, 2));
  set_order(&ta, CL);
  set_order(&tb, CL);
  set_order(&ty, CL);
  CHECK_OK(CALL("cortex_m::quantized_add.out", vt(&ta), vi(z1), vi(m1), vi(s1), vt(&tb), vi(z2),
                vi(m2), vi(s2), vi(zo), vi(mo), vi(so), vi(amin), vi(amax), vt(&ty)));
  EXPECT_I8(y, want, NE);
  /* channel broadcast: other is [1, C, 1, 1] */
  for (int hw = 0; hw < HW; hw++)
    for (int c = 0; c < C; c++) {
      int i = hw * C + c; /* NHWC memory */
      int32_t u = ref_requant((a[i] - z1) * (1 << 20), m1, s1);
      int32_t v = ref_requant((bc[c] - z2) * (1 << 20), m2, s2);
      want[i] = ref_out(u + v, mo, so, zo, amin, amax);
    }
  wick_tensor tbc = tens(WICK_I8, bc, 4, SZ(1, C, 1, 1));
  CHECK_OK(CALL("cortex_m::quantized_add.out", vt(&ta), vi(z1), vi(m1), vi(s1), vt(&tbc), vi(z2),
                vi(m2), vi(s2), vi(zo), vi(mo), vi(so), vi(amin), vi(amax), vt(&ty)));
  EXPECT_I8(y, want, NE);
  CHECK_FAILS(CALL("cortex_m::quantized_add.out", vt(&ta), vi(200), vi(m1), vi(s1), vt(&tb), vi(z2),
                   vi(m2), vi(s2), vi(zo), vi(mo), vi(so), vi(amin), vi(amax), vt(&ty)),
              "self_zero_point");

  /* mul */
  const int32_t mm = 1374389535, ms = -9;
  for (int i = 0; i < NE; i++) want[i] = ref_out((a[i] - z1) * (b[i] - z2), mm, ms, zo, -128, 127);
  CHECK_OK(CALL("cortex_m::quantized_mul.out", vt(&ta), vi(z1), vt(&tb), vi(z2), vi(zo), vi(mm),
                vi(ms), vt(&ty)));
  EXPECT_I8(y, want, NE);

  /* div (float quotient, rounding half away from zero) */
  int8_t n4[4] = {10, -10, 5, 7}, d4[4] = {4, 4, 0, -2}, q4[4];
  wick_tensor tn = tens(WICK_I8, n4, 1, SZ(4)), td = tens(WICK_I8, d4, 1, SZ(4)),
              tq = tens(WICK_I8, q4, 1, SZ(4));
  CHECK_OK(CALL("cortex_m::quantized_div.out", vt(&tn), vi(0), vt(&td), vi(0), vi(1), vd(1.0), vt(&tq)));
  EXPECT_I8V(q4, 4, -2, 1, -3); /* 2.5 -> 3 (+1), -2.5 -> -3 (+1), x/0 -> 0 (+1), -3.5 -> -4 (+1) */

  /* activation LUT */
  int8_t lut[256], in3[3] = {-128, 0, 127}, o3[3];
  for (int i = 0; i < 256; i++) lut[i] = (int8_t)(127 - i);
  wick_tensor tlut = tens(WICK_I8, lut, 1, SZ(256)), ti3 = tens(WICK_I8, in3, 1, SZ(3)),
              to3 = tens(WICK_I8, o3, 1, SZ(3));
  CHECK_OK(CALL("cortex_m::quantized_activation.out", vt(&ti3), vt(&tlut), vt(&to3)));
  EXPECT_I8V(o3, 127, -1, -128);

  /* minimum / maximum with a scalar-like other */
  int8_t lim = 5;
  wick_tensor tlim = tens(WICK_I8, &lim, 1, SZ(1));
  CHECK_OK(CALL("cortex_m::minimum.out", vt(&ti3), vt(&tlim), vt(&to3)));
  EXPECT_I8V(o3, -128, 0, 5);
  CHECK_OK(CALL("cortex_m::maximum.out", vt(&ti3), vt(&tlim), vt(&to3)));
  EXPECT_I8V(o3, 5, 5, 127);
}

static void test_pools(void) {
  enum { C = 3, H = 5, W = 6 };
  int8_t x[C * H * W], y[C * 3 * 3], want[C * 3 * 3], scratch[1];
  fill_i8(x, sizeof x);
  x[0] = 127;
  x[1] = 127;
  /* avg pool 3x3, stride 2, pad 1 */
  const int k = 3, st = 2, pad = 1;
  const int OH = (H + 2 * pad - k) / st + 1, OW = (W + 2 * pad - k) / st + 1;
  CHECK(OH == 3 && OW == 3);
  for (int c = 0; c < C; c++)
    for (int i = 0; i < OH; i++)
      for (int j = 0; j < OW; j++) {
        int32_t s = 0, n = 0;
        for (int a = 0; a < k; a++)
          for (int b = 0; b < k; b++) {
            int ih = i * st - pad + a, iw = j * st - pad + b;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            s += x[nhwc(0, c, ih, iw, C, H, W)];
            n++;
          }
        int32_t q = s / n, rem = s % n; /* round to nearest, ties away from zero */
        if (2 * (rem < 0 ? -rem : rem) >= n) q += s < 0 ? -1 : 1;
        want[nhwc(0, c, i, j, C, OH, OW)] = (int8_t)q;
      }
  wick_tensor tx = tens(WICK_I8, x, 4, SZ(1, C, H, W)), ty = tens(WICK_I8, y, 4, SZ(1, C, OH, OW)),
              ts = tens(WICK_I8, scratch, 1, SZ(1));
  set_order(&tx, CL);
  set_order(&ty, CL);
  CHECK_OK(CALL("cortex_m::quantized_avg_pool2d.out", vt(&tx), IL(k, k), IL(st, st), IL(pad, pad),
                vb(false), vi(0), vi(1 << 30), vi(1), vt(&ts), vt(&ty)));
  EXPECT_I8(y, want, sizeof want);
  wick_tensor tx2 = tens(WICK_I8, x, 4, SZ(1, H, W, C)), ty2 = tens(WICK_I8, y, 4, SZ(1, OH, OW, C));
  memset(y, 0, sizeof y);
  CHECK_OK(CALL("cortex_m::quantized_avg_pool2d_nhwc.out", vt(&tx2), IL(k, k), IL(st, st),
                IL(pad, pad), vb(false), vi(0), vi(1 << 30), vi(1), vt(&ts), vt(&ty2)));
  EXPECT_I8(y, want, sizeof want);
  /* rounding of averages by hand: [1,2] -> 2 (1.5), [-1,-2] -> -2, [1,2,2] -> 2 */
  int8_t p2[6] = {1, 2, -1, -2, 1, 0}, o2[3];
  wick_tensor tp2 = tens(WICK_I8, p2, 4, SZ(1, 1, 1, 6)), to2 = tens(WICK_I8, o2, 4, SZ(1, 1, 1, 3));
  CHECK_OK(CALL("cortex_m::quantized_avg_pool2d.out", vt(&tp2), IL(1, 2), IL(1, 2), IL(0, 0),
                vb(false), vi(0), vi(0), vi(0), vt(&ts), vt(&to2)));
  EXPECT_I8V(o2, 2, -2, 1);

  /* max pool 3x3 / 2 / pad 1, dilation 1, activation clamp */
  const int lo = -50, hi = 100;
  for (int c = 0; c < C; c++)
    for (int i = 0; i < OH; i++)
      for (int j = 0; j < OW; j++) {
        int32_t mx = -128;
        for (int a = 0; a < k; a++)
          for (int b = 0; b < k; b++) {
            int ih = i * st - pad + a, iw = j * st - pad + b;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            if (x[nhwc(0, c, ih, iw, C, H, W)] > mx) mx = x[nhwc(0, c, ih, iw, C, H, W)];
          }
        want[nhwc(0, c, i, j, C, OH, OW)] = (int8_t)(mx < lo ? lo : (mx > hi ? hi : mx));
      }
  CHECK_OK(CALL("cortex_m::quantized_max_pool2d.out", vt(&tx), IL(k, k), IL(st, st), IL(pad, pad),
                IL(1, 1), vb(false), vi(-7), vi(-7), vi(lo), vi(hi), vt(&ty)));
  EXPECT_I8(y, want, sizeof want);
  memset(y, 0, sizeof y);
  CHECK_OK(CALL("cortex_m::quantized_max_pool2d_nhwc.out", vt(&tx2), IL(k, k), IL(st, st),
                IL(pad, pad), IL(1, 1), vb(false), vi(-7), vi(-7), vi(lo), vi(hi), vt(&ty2)));
  EXPECT_I8(y, want, sizeof want);
  CHECK_FAILS(CALL("cortex_m::quantized_max_pool2d.out", vt(&tx), IL(k, k), IL(st, st),
                   IL(pad, pad), IL(1, 1), vb(false), vi(-7), vi(0), vi(lo), vi(hi), vt(&ty)),
              "output_zero_point");
}

/* ---- softmax ------------------------------------------------------------ */

static void test_softmax(void) {
  /* printed by tests/quantized/softmax_ref.py: mult, shift, diff_min, input, expected */
  static const struct {
    int32_t mult, shift, diff_min;
    int8_t in[8], out[8];
  } golden[] = {
      {1717986918, 23, -248, {-128, -100, 0, 50, 127, 127, 3, -7}, {-128, -128, -128, -128, 0, 0, -128, -128}},
      {1717986918, 22, -496, {10, 20, 30, 40, 50, 60, 70, 80}, {-125, -123, -120, -114, -105, -90, -66, -25}},
      {1073741824, 26, -31, {0, 0, 0, 0, 1, -1, 5, -5}, {-114, -114, -114, -114, -105, -120, 40, -127}},
      {1374389535, 21, -992, {-128, 127, -128, 127, 0, 1, 2, 3}, {-127, -18, -127, -18, -119, -119, -119, -119}},
      {1073741824, 23, -248, {100, 99, 98, 60, 20, -20, -60, -128}, {-40, -45, -50, -121, -127, -128, -128, -128}},
  };
  static const double scales[] = {0.1, 0.05, 0.5, 0.02, 1.0 / 16};
  for (size_t g = 0; g < sizeof golden / sizeof golden[0]; g++) {
    int8_t in[8], out[8];
    memcpy(in, golden[g].in, 8);
    wick_tensor ti = tens(WICK_I8, in, 2, SZ(1, 8)), to = tens(WICK_I8, out, 2, SZ(1, 8));
    CHECK_OK(CALL("cortex_m::softmax.out", vt(&ti), vi(-1), vi(0), vi(-128), vi(golden[g].mult),
                  vi(golden[g].shift), vi(golden[g].diff_min), vt(&to)));
    EXPECT_I8(out, golden[g].out, 8);
    /* and close to float softmax (output scale 1/256, zero point -128) */
    double mx = -1e9, sum = 0;
    for (int i = 0; i < 8; i++) mx = in[i] > mx ? in[i] : mx;
    for (int i = 0; i < 8; i++) sum += exp((in[i] - mx) * scales[g]);
    for (int i = 0; i < 8; i++) {
      double p = exp((in[i] - mx) * scales[g]) / sum * 256.0 - 128.0;
      if (p > 127) p = 127;
      CHECK_MSG(fabs(out[i] - p) <= 1.5, "softmax case %zu elem %d: %d vs float %.3f", g, i, out[i], p);
    }
  }
  /* a [2, 2, 8] input (rows along the last dim) and the same data transposed
   * so that softmax runs along a strided dim */
  int8_t in[2 * 2 * 8], out[2 * 2 * 8], inT[2 * 8 * 2], outT[2 * 8 * 2];
  for (int r = 0; r < 4; r++) memcpy(in + r * 8, golden[r].in, 8);
  wick_tensor ti = tens(WICK_I8, in, 3, SZ(2, 2, 8)), to = tens(WICK_I8, out, 3, SZ(2, 2, 8));
  CHECK_OK(CALL("cortex_m::softmax.out", vt(&ti), vi(2), vi(0), vi(-128), vi(golden[1].mult),
                vi(golden[1].shift), vi(golden[1].diff_min), vt(&to)));
  int8_t one[8];
  wick_tensor t1 = tens(WICK_I8, (int8_t *)golden[3].in, 1, SZ(8)), t1o = tens(WICK_I8, one, 1, SZ(8));
  CHECK_OK(CALL("cortex_m::softmax.out", vt(&t1), vi(0), vi(0), vi(-128), vi(golden[1].mult),
                vi(golden[1].shift), vi(golden[1].diff_min), vt(&t1o)));
  EXPECT_I8(out + 24, one, 8);
  for (int b = 0; b < 2; b++)
    for (int r = 0; r < 2; r++)
      for (int i = 0; i < 8; i++) inT[(b * 8 + i) * 2 + r] = in[(b * 2 + r) * 8 + i];
  wick_tensor tiT = tens(WICK_I8, inT, 3, SZ(2, 8, 2)), toT = tens(WICK_I8, outT, 3, SZ(2, 8, 2));
  CHECK_OK(CALL("cortex_m::softmax.out", vt(&tiT), vi(1), vi(0), vi(-128), vi(golden[1].mult),
                vi(golden[1].shift), vi(golden[1].diff_min), vt(&toT)));
  int bad = 0;
  for (int b = 0; b < 2; b++)
    for (int r = 0; r < 2; r++)
      for (int i = 0; i < 8; i++) bad += outT[(b * 8 + i) * 2 + r] != out[(b * 2 + r) * 8 + i];
  CHECK_MSG(bad == 0, "%d strided softmax outputs differ", bad);
  CHECK_FAILS(CALL("cortex_m::softmax.out", vt(&ti), vi(2), vi(0), vi(0), vi(golden[1].mult),
                   vi(golden[1].shift), vi(golden[1].diff_min), vt(&to)),
              "output_zero_point");
}

/* ---- layout ops ------------------------------------------------------------ */

static void test_layout(void) {
  /* transpose [2,3] -> [3,2] */
  int8_t x[6] = {1, 2, 3, 4, 5, 6}, y[6];
  wick_tensor tx = tens(WICK_I8, x, 2, SZ(2, 3)), ty = tens(WICK_I8, y, 2, SZ(3, 2));
  CHECK_OK(CALL("cortex_m::transpose.out", vt(&tx), IL(1, 0), vt(&ty)));
  EXPECT_I8V(y, 1, 4, 2, 5, 3, 6);
  /* NCHW [1,2,2,2] -> NHWC */
  int8_t a[8] = {0, 1, 2, 3, 10, 11, 12, 13}, b[8];
  wick_tensor ta = tens(WICK_I8, a, 4, SZ(1, 2, 2, 2)), tb = tens(WICK_I8, b, 4, SZ(1, 2, 2, 2));
  CHECK_OK(CALL("cortex_m::transpose.out", vt(&ta), IL(0, 2, 3, 1), vt(&tb)));
  EXPECT_I8V(b, 0, 10, 1, 11, 2, 12, 3, 13);

  /* pad [1,1,2,2] contiguous: H by (1,0), W by (0,1), value -128 */
  int8_t p[4] = {1, 2, 3, 4}, q[12];
  wick_tensor tp = tens(WICK_I8, p, 4, SZ(1, 1, 2, 2)), tq = tens(WICK_I8, q, 4, SZ(1, 1, 3, 3));
  CHECK_OK(CALL("cortex_m::pad.out", vt(&tp), IL(0, 0, 1, 0), IL(0, 0, 0, 1), vi(-128), vt(&tq)));
  EXPECT_I8V(q, -128, -128, -128, 1, 2, -128, 3, 4, -128);
  /* the same on a channels-last [1,2,1,2] input: pads given in NHWC order
   * (pre W by 1, post C by 1) */
  int8_t c[4] = {1, 2, 3, 4}; /* NHWC memory: (w0: c0=1, c1=2), (w1: c0=3, c1=4) */
  int8_t d[1 * 3 * 1 * 3];
  wick_tensor tc = tens(WICK_I8, c, 4, SZ(1, 2, 1, 2)), td = tens(WICK_I8, d, 4, SZ(1, 3, 1, 3));
  set_order(&tc, CL);
  set_order(&td, CL);
  CHECK_OK(CALL("cortex_m::pad.out", vt(&tc), IL(0, 0, 1, 0), IL(0, 0, 0, 1), vi(7), vt(&td)));
  EXPECT_I8V(d, 7, 7, 7, 1, 2, 7, 3, 4, 7); /* NHWC memory of [1,H=1,W=3,C=3] */

  /* (e) _to_dim_order_copy: contiguous float -> channels-last int8? no: same
   * dtype clone into channels last, then a cast copy back to contiguous */
  float f[8] = {0, 1, 2, 3, 10, 11, 12, 13}, g[8], h[8];
  wick_tensor tf = tens(WICK_F32, f, 4, SZ(1, 2, 2, 2)), tg = tens(WICK_F32, g, 4, SZ(1, 2, 2, 2));
  set_order(&tg, CL);
  CHECK_OK(CALL("dim_order_ops::_clone_dim_order.out", vt(&tf), vb(false), IL(0, 2, 3, 1), vt(&tg)));
  CHECK(g[0] == 0 && g[1] == 10 && g[2] == 1 && g[7] == 13);
  CHECK_FAILS(CALL("dim_order_ops::_clone_dim_order.out", vt(&tf), vb(false), IL(0, 1, 2, 3), vt(&tg)),
              "dim_order");
  double dd[8];
  wick_tensor tdd = tens(WICK_F64, dd, 4, SZ(1, 2, 2, 2));
  CHECK_OK(CALL("dim_order_ops::_to_dim_order_copy.out", vt(&tg), vb(false), vnone(), vt(&tdd)));
  CHECK(dd[0] == 0 && dd[1] == 1 && dd[4] == 10 && dd[7] == 13);
  wick_tensor th = tens(WICK_F32, h, 4, SZ(1, 2, 2, 2));
  CHECK_FAILS(CALL("dim_order_ops::_clone_dim_order.out", vt(&tdd), vb(false), vnone(), vt(&th)),
              "dtype");
  /* quantize a channels-last float tensor into a contiguous int8 one */
  int8_t qq[8];
  wick_tensor tqq = tens(WICK_I8, qq, 4, SZ(1, 2, 2, 2));
  CHECK_OK(CALL("quantized_decomposed::quantize_per_tensor.out", vt(&tg), vd(1.0), vi(0), vi(-128),
                vi(127), vi(WICK_I8), vt(&tqq)));
  EXPECT_I8V(qq, 0, 1, 2, 3, 10, 11, 12, 13);
}

static void test_registry(void) {
  static const char *names[] = {
      "quantized_decomposed::quantize_per_tensor.out", "quantized_decomposed::dequantize_per_tensor.out",
      "cortex_m::quantized_conv2d.out", "cortex_m::softmax.out", "dim_order_ops::_to_dim_order_copy.out"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    CHECK_MSG(wick_find_kernel(names[i]) != NULL, "%s not registered", names[i]);
}

int main(void) {
  CHECK(wick_register_kernels(quant_table, sizeof quant_table / sizeof quant_table[0]) == WICK_OK);
  test_registry();
  test_requantize();
  test_quantize_per_tensor();
  test_per_channel();
  test_conv2d();
  test_depthwise();
  test_transpose_conv();
  test_linear();
  test_batch_matmul();
  test_add_mul();
  test_pools();
  test_softmax();
  test_layout();
  return test_finish("test_quantized");
}
