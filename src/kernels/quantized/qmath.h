/* Integer arithmetic shared by the quantization kernels (internal to
 * src/kernels/quantized). See docs/QUANTIZATION.md for the formulas.
 *
 * The fixed-point helpers reproduce CMSIS-NN's scalar (non-MVE, non-DSP)
 * definitions bit for bit, in the default build of CMSIS-NN (the one
 * WITHOUT CMSIS_NN_USE_SINGLE_ROUNDING), including its 32-bit wrap-around
 * where CMSIS-NN's C relies on it. Here every such wrap is spelled as
 * unsigned arithmetic, so no helper has undefined behaviour for any input.
 *
 * Right shifts of negative values are arithmetic (GCC/Clang define them so;
 * checked below).
 *
 *   wq_mulh_nosat   doubling high multiply, +2^30 then >> 31 (round half up);
 *                   INT32_MIN * INT32_MIN wraps to INT32_MIN
 *   wq_mulh_sat     doubling high multiply with a sign-dependent nudge and
 *                   truncating division (VQRDMULH; ties also end up toward
 *                   +inf); saturates MIN*MIN to MAX
 *   wq_rdiv_pow2    divide by 2^e, ties away from zero (e in 0..31)
 *   wq_requantize   CMSIS-NN arm_nn_requantize (double rounding)
 *   wq_exp_on_neg   exp(x) for x <= 0 in Q5.26 -> Q0.31
 *   wq_one_over_1px 1 / (1 + x) for x in [0, 1), Q0.31 -> Q0.31
 */
#ifndef WICK_KERNELS_QUANTIZED_QMATH_H
#define WICK_KERNELS_QUANTIZED_QMATH_H

#include <stdint.h>

#include "kernels/portable/util.h"

typedef char wq_arithmetic_right_shift_check[((-7) >> 1) == -4 ? 1 : -1];

/* Two's complement wrap of a 64-bit value to 32 bits. */
static inline int32_t wq_wrap32(int64_t v) { return (int32_t)(uint32_t)(uint64_t)v; }

/* v << n with 32-bit wrap-around (n in 0..31). */
static inline int32_t wq_shl32(int32_t v, int n) { return (int32_t)((uint32_t)v << n); }

/* a + b, a - b with 32-bit wrap-around. */
static inline int32_t wq_add32(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t wq_sub32(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }
static inline int32_t wq_mul32(int32_t a, int32_t b) {
  return (int32_t)((uint32_t)a * (uint32_t)b);
}

static inline int32_t wq_mulh_nosat(int32_t m1, int32_t m2) {
  int64_t p = (int64_t)m1 * m2 + (INT64_C(1) << 30); /* |m1*m2| <= 2^62: no overflow */
  return wq_wrap32(p >> 31);
}

static inline int32_t wq_mulh_sat(int32_t m1, int32_t m2) {
  if (m1 == INT32_MIN && m2 == INT32_MIN) return INT32_MAX;
  int64_t nudge = ((m1 < 0) != (m2 < 0)) ? 1 - (INT64_C(1) << 30) : (INT64_C(1) << 30);
  int64_t p = (int64_t)m1 * m2 + nudge;
  return (int32_t)(p / (INT64_C(1) << 31)); /* C division truncates toward zero */
}

static inline int32_t wq_rdiv_pow2(int32_t x, int e) {
  int32_t mask = (int32_t)((UINT32_C(1) << e) - 1u);
  int32_t rem = x & mask;
  int32_t q = x >> e;
  int32_t threshold = (mask >> 1) + (q < 0 ? 1 : 0);
  return q + (rem > threshold ? 1 : 0);
}

/* Saturating x * 2^e (e in 0..30): CMSIS-NN arm_nn_mult_by_power_of_two. */
static inline int32_t wq_mul_pow2(int32_t x, int e) {
  int32_t thresh = (int32_t)((UINT32_C(1) << (31 - e)) - 1u);
  if (x > thresh) return INT32_MAX;
  if (x < -thresh) return INT32_MIN;
  return wq_shl32(x, e);
}

/* arm_nn_requantize without CMSIS_NN_USE_SINGLE_ROUNDING: left shift (with
 * wrap) for shift > 0, doubling high multiply rounding half up, then a
 * rounding right shift (ties away from zero) for shift < 0. shift must be in
 * -31..31 (callers check). */
static inline int32_t wq_requantize(int32_t val, int32_t multiplier, int32_t shift) {
  int left = shift > 0 ? (int)shift : 0;
  int right = shift > 0 ? 0 : (int)-shift;
  return wq_rdiv_pow2(wq_mulh_nosat(wq_shl32(val, left), multiplier), right);
}

static inline int32_t wq_clamp(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* exp(val) for val <= 0 given in Q5.26 (5 integer bits, as softmax scales
 * its input), result in Q0.31. Polynomial around -1/8 plus a product of
 * exp(-2^k) constants for the bits above 2^24 (gemmlowp's construction, as
 * CMSIS-NN arm_nn_exp_on_negative_values). */
static inline int32_t wq_exp_on_neg(int32_t val) {
  static const int32_t kExpNeg[7] = {1672461947, 1302514674, 790015084, 290630308,
                                     39332535,   720401,     242};
  const int32_t quarter = INT32_C(1) << 24;
  int32_t mod_minus_quarter = (val & (quarter - 1)) - quarter;
  int32_t remainder = wq_sub32(mod_minus_quarter, val);
  int32_t x = wq_add32(wq_shl32(mod_minus_quarter, 5), INT32_C(1) << 28);
  int32_t x2 = wq_mulh_sat(x, x);
  int32_t x3 = wq_mulh_sat(x2, x);
  int32_t x4_over_4 = wq_rdiv_pow2(wq_mulh_sat(x2, x2), 2);
  int32_t poly = wq_rdiv_pow2(wq_add32(wq_mulh_sat(wq_add32(x4_over_4, x3), 715827883), x2), 1);
  int32_t result = wq_add32(1895147668, wq_mulh_sat(1895147668, wq_add32(x, poly)));
  for (int k = 0; k < 7; k++)
    if (remainder & (INT32_C(1) << (24 + k))) result = wq_mulh_sat(result, kExpNeg[k]);
  return val == 0 ? INT32_MAX : result;
}

/* 1 / (1 + val/2^31) for val in [0, 2^31), in Q0.31 (saturating at 1):
 * three Newton-Raphson steps from 48/17 - 32/17 * d on the half
 * denominator d = (1 + x) / 2 in Q2.29, the result doubled back.
 * CMSIS-NN arm_nn_one_over_one_plus_x_for_x_in_0_1. */
static inline int32_t wq_one_over_1px(int32_t val) {
  int64_t sum = (int64_t)val + INT32_MAX;
  int32_t half_den = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
  int32_t x = wq_add32(1515870810, wq_mulh_sat(half_den, -1010580540));
  const int32_t one_q29 = INT32_C(1) << 29;
  for (int i = 0; i < 3; i++)
    x = wq_add32(x, wq_mul_pow2(wq_mulh_sat(x, wq_sub32(one_q29, wq_mulh_sat(half_den, x))), 2));
  return wq_mul_pow2(x, 1);
}

/* ---- argument helpers ------------------------------------------------------ */

/* An Int (or integral Scalar) argument. */
static inline int64_t wq_arg_i(const wick_value *v) {
  int64_t i = 0;
  if (v->kind == WICK_VAL_INT) return v->u.i;
  (void)wick_value_scalar_i64(v, &i);
  return i;
}
/* A Double (or Scalar) argument. */
static inline double wq_arg_d(const wick_value *v) {
  double d = 0;
  if (v->kind == WICK_VAL_DOUBLE) return v->u.d;
  (void)wick_value_scalar_f64(v, &d);
  return d;
}
/* A Tensor-or-None argument. */
static inline wick_tensor *wq_arg_opt_t(const wick_value *v) {
  return v->kind == WICK_VAL_TENSOR ? v->u.t : NULL;
}

/* Fails unless t has dtype dt. */
wick_status wq_check_dtype(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t, int dt);
/* Fails unless lo <= v <= hi. */
wick_status wq_check_range(wick_kernel_ctx *ctx, const char *what, int64_t v, int64_t lo,
                           int64_t hi);
/* Resizes out to (dim, sizes) (wk_resize_out). */
wick_status wq_resize(wick_kernel_ctx *ctx, wick_tensor *out, int dim, const int64_t *sizes);
/* Reads element i (flat over memory) of an int32 or int64 tensor as int64. */
int64_t wq_ld_int(const wick_tensor *t, size_t i);
/* Element offset of logical index idx[0..dim) through t's strides. */
static inline int64_t wq_off(const wick_tensor *t, const int64_t *idx) {
  int64_t o = 0;
  for (int d = 0; d < t->dim; d++) o += idx[d] * t->strides[d];
  return o;
}

/* A 4-D activation viewed as (N, H, W, C) through its strides, whatever its
 * logical order (NCHW with any dim order for the legacy cortex_m ops, NHWC
 * for the *_nhwc ops). */
typedef struct wq_nhwc {
  int32_t n, h, w, c;     /* sizes */
  int64_t sn, sh, sw, sc; /* element strides */
} wq_nhwc;
/* nchw: logical dims are N,C,H,W; else N,H,W,C. */
static inline wq_nhwc wq_view(const wick_tensor *t, int nchw) {
  wq_nhwc v;
  int dh = nchw ? 2 : 1, dw = nchw ? 3 : 2, dc = nchw ? 1 : 3;
  v.n = t->sizes[0];
  v.h = t->sizes[dh];
  v.w = t->sizes[dw];
  v.c = t->sizes[dc];
  v.sn = t->strides[0];
  v.sh = t->strides[dh];
  v.sw = t->strides[dw];
  v.sc = t->strides[dc];
  return v;
}
static inline int64_t wq_at(const wq_nhwc *v, int64_t n, int64_t h, int64_t w, int64_t c) {
  return n * v->sn + h * v->sh + w * v->sw + c * v->sc;
}
/* Output sizes (N, H, W, C) in the op's logical order. */
static inline void wq_sizes4(int nchw, int64_t n, int64_t h, int64_t w, int64_t c,
                             int64_t sizes[4]) {
  sizes[0] = n;
  if (nchw) {
    sizes[1] = c;
    sizes[2] = h;
    sizes[3] = w;
  } else {
    sizes[1] = h;
    sizes[2] = w;
    sizes[3] = c;
  }
}

#endif
