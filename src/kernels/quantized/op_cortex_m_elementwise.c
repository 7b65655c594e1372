/* cortex_m:: elementwise int8 ops (ExecuTorch backends/cortex_m/ops/operators.yaml):
 *
 *   quantized_add.out(Tensor self, int self_zero_point, int self_multiplier,
 *       int self_shift, Tensor other, int other_zero_point, int other_multiplier,
 *       int other_shift, int output_zero_point, int output_multiplier,
 *       int output_shift, int activation_min, int activation_max, *, Tensor(a!) out)
 *     CMSIS-NN arm_elementwise_add_s8 with left_shift 20 (ExecuTorch's choice):
 *       a = requantize((x1 - zp1) << 20, m1, s1)
 *       b = requantize((x2 - zp2) << 20, m2, s2)
 *       y = clamp(requantize(a + b, mo, so) + zpo, activation_min, activation_max)
 *   quantized_mul.out(Tensor self, int self_zero_point, Tensor other,
 *       int other_zero_point, int output_zero_point, int output_multiplier,
 *       int output_shift, *, Tensor(a!) out)
 *     arm_elementwise_mul_s8: y = clamp(requantize((x1 - zp1) * (x2 - zp2), mo, so) + zpo,
 *                                       -128, 127)
 *   quantized_div.out(Tensor self, int self_zero_point, Tensor other,
 *       int other_zero_point, int output_zero_point, float output_scale, *, Tensor(a!) out)
 *     float quotient (CMSIS-NN has no integer division; ExecuTorch's kernel):
 *       y = clamp(round_half_away(float(x1 - zp1) / float(x2 - zp2) * float(output_scale))
 *                 + zpo, dtype range), quotient 0 where x2 == zp2; int8 or int16
 *   quantized_activation.out(Tensor input, Tensor lut, *, Tensor(a!) out)
 *     y = lut[x + 128] (a 256-entry int8 table computed ahead of time)
 *   minimum.out / maximum.out(Tensor self, Tensor other, *, Tensor(a!) out)
 *     elementwise min / max (arm_minimum_s8 / arm_maximum_s8), any one dtype
 *
 * Shapes: the inputs broadcast to out (ExecuTorch lowers same-shape or
 * channel-broadcast pairs; any ATen broadcast works here, elementwise results
 * are the same). Every tensor is addressed through its dim order.
 */
#include <math.h>

#include "kernels/portable/ops_quant.h"
#include "kernels/quantized/qmath.h"

#define WQ_ADD_LEFT_SHIFT 20

static wick_status check_i8_zp(wick_kernel_ctx *ctx, const char *what, int64_t zp) {
  return wq_check_range(ctx, what, zp, -128, 127);
}
static wick_status check_mult_shift(wick_kernel_ctx *ctx, const char *what, int64_t m,
                                    int64_t sh) {
  wick_status s = wq_check_range(ctx, what, m, INT32_MIN, INT32_MAX);
  if (s) return s;
  char w[64];
  wick_snprintf(w, sizeof w, "%s shift", what); /* the core formatter: no stdio on devices */
  return wq_check_range(ctx, w, sh, -31, 31);
}

/* Resizes out to the broadcast shape of a and b, after dtype checks. */
static wick_status binary_setup(wick_kernel_ctx *ctx, const wick_tensor *a, const wick_tensor *b,
                                wick_tensor *out, int dt, wk_iter *it) {
  wick_status s;
  if (dt >= 0) {
    if ((s = wq_check_dtype(ctx, "self", a, dt))) return s;
    if ((s = wq_check_dtype(ctx, "other", b, dt))) return s;
    if ((s = wq_check_dtype(ctx, "out", out, dt))) return s;
  }
  const wick_tensor *ab[2] = {a, b};
  int dim;
  int64_t sizes[WICK_MAX_DIM];
  char b1[96], b2[96];
  if (!wk_broadcast_shape(2, ab, &dim, sizes))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s and other %s do not broadcast",
                            wk_desc(a, b1), wk_desc(b, b2));
  if ((s = wq_resize(ctx, out, dim, sizes))) return s;
  wk_iter_elementwise(it, out, 2, ab);
  return WICK_OK;
}

/* cortex_m::quantized_add.out: "TiiiTiiiiiiiiT" */
WK_QUANT_KERNEL(wick_op_cm_quantized_add_out) {
  (void)nargs;
  const wick_tensor *a = args[0]->u.t, *b = args[4]->u.t;
  wick_tensor *out = args[13]->u.t;
  int64_t zp1 = args[1]->u.i, m1 = args[2]->u.i, s1 = args[3]->u.i;
  int64_t zp2 = args[5]->u.i, m2 = args[6]->u.i, s2 = args[7]->u.i;
  int64_t zpo = args[8]->u.i, mo = args[9]->u.i, so = args[10]->u.i;
  int64_t amin = args[11]->u.i, amax = args[12]->u.i;
  wick_status s;
  if ((s = check_i8_zp(ctx, "self_zero_point", zp1)) || (s = check_i8_zp(ctx, "other_zero_point", zp2)) ||
      (s = check_i8_zp(ctx, "output_zero_point", zpo)) ||
      (s = check_mult_shift(ctx, "self_multiplier", m1, s1)) ||
      (s = check_mult_shift(ctx, "other_multiplier", m2, s2)) ||
      (s = check_mult_shift(ctx, "output_multiplier", mo, so)) ||
      (s = wq_check_range(ctx, "activation_min", amin, -128, 127)) ||
      (s = wq_check_range(ctx, "activation_max", amax, amin, 127)))
    return s;
  wk_iter it;
  if ((s = binary_setup(ctx, a, b, out, WICK_I8, &it))) return s;
  const int8_t *x = a->data, *y = b->data;
  int8_t *o = out->data;
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    int32_t u = wq_requantize(wq_shl32(x[it.off[1]] - (int32_t)zp1, WQ_ADD_LEFT_SHIFT),
                              (int32_t)m1, (int32_t)s1);
    int32_t v = wq_requantize(wq_shl32(y[it.off[2]] - (int32_t)zp2, WQ_ADD_LEFT_SHIFT),
                              (int32_t)m2, (int32_t)s2);
    int32_t r = wq_add32(wq_requantize(wq_add32(u, v), (int32_t)mo, (int32_t)so), (int32_t)zpo);
    o[it.off[0]] = (int8_t)wq_clamp(r, (int32_t)amin, (int32_t)amax);
  }
  return WICK_OK;
}

/* cortex_m::quantized_mul.out: "TiTiiiiT" */
WK_QUANT_KERNEL(wick_op_cm_quantized_mul_out) {
  (void)nargs;
  const wick_tensor *a = args[0]->u.t, *b = args[2]->u.t;
  wick_tensor *out = args[7]->u.t;
  int64_t zp1 = args[1]->u.i, zp2 = args[3]->u.i, zpo = args[4]->u.i;
  int64_t mo = args[5]->u.i, so = args[6]->u.i;
  wick_status s;
  if ((s = check_i8_zp(ctx, "self_zero_point", zp1)) || (s = check_i8_zp(ctx, "other_zero_point", zp2)) ||
      (s = check_i8_zp(ctx, "output_zero_point", zpo)) ||
      (s = check_mult_shift(ctx, "output_multiplier", mo, so)))
    return s;
  wk_iter it;
  if ((s = binary_setup(ctx, a, b, out, WICK_I8, &it))) return s;
  const int8_t *x = a->data, *y = b->data;
  int8_t *o = out->data;
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    int32_t p = (x[it.off[1]] - (int32_t)zp1) * (y[it.off[2]] - (int32_t)zp2);
    int32_t r = wq_add32(wq_requantize(p, (int32_t)mo, (int32_t)so), (int32_t)zpo);
    o[it.off[0]] = (int8_t)wq_clamp(r, -128, 127);
  }
  return WICK_OK;
}

/* cortex_m::quantized_div.out: "TiTiidT" */
WK_QUANT_KERNEL(wick_op_cm_quantized_div_out) {
  (void)nargs;
  const wick_tensor *a = args[0]->u.t, *b = args[2]->u.t;
  wick_tensor *out = args[6]->u.t;
  int64_t zp1 = args[1]->u.i, zp2 = args[3]->u.i, zpo = args[4]->u.i;
  float scale = wk_d2f(wq_arg_d(args[5]));
  int dt = out->dtype;
  char b1[96];
  if (dt != WICK_I8 && dt != WICK_I16)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out %s must be int8 or int16", wk_desc(out, b1));
  int32_t lo = dt == WICK_I8 ? -128 : INT16_MIN, hi = dt == WICK_I8 ? 127 : INT16_MAX;
  wick_status s;
  if ((s = wq_check_range(ctx, "self_zero_point", zp1, lo, hi)) ||
      (s = wq_check_range(ctx, "other_zero_point", zp2, lo, hi)) ||
      (s = wq_check_range(ctx, "output_zero_point", zpo, lo, hi)))
    return s;
  wk_iter it;
  if ((s = binary_setup(ctx, a, b, out, dt, &it))) return s;
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    int32_t n = (int32_t)wk_ld_i(a->data, dt, it.off[1]) - (int32_t)zp1;
    int32_t d = (int32_t)wk_ld_i(b->data, dt, it.off[2]) - (int32_t)zp2;
    float q = d != 0 ? (float)n / (float)d : 0.0f;
    float r = roundf(q * scale);
    int64_t v;
    if (isnan(r)) v = 0;
    else if (r > 0x1p31f) v = INT32_MAX;
    else if (r < -0x1p31f) v = INT32_MIN;
    else v = (int64_t)r;
    v += zpo;
    v = v < lo ? lo : (v > hi ? hi : v);
    wk_st_i(out->data, dt, it.off[0], v);
  }
  return WICK_OK;
}

/* cortex_m::quantized_activation.out: "TTT" */
WK_QUANT_KERNEL(wick_op_cm_quantized_activation_out) {
  (void)nargs;
  const wick_tensor *in = args[0]->u.t, *lut = args[1]->u.t;
  wick_tensor *out = args[2]->u.t;
  wick_status s;
  char b[96];
  if ((s = wq_check_dtype(ctx, "input", in, WICK_I8)) || (s = wq_check_dtype(ctx, "lut", lut, WICK_I8)) ||
      (s = wq_check_dtype(ctx, "out", out, WICK_I8)))
    return s;
  if (wk_numel(lut) != 256 || !wk_is_contig(lut))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "lut %s must be 256 contiguous entries",
                            wk_desc(lut, b));
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d < in->dim; d++) sizes[d] = in->sizes[d];
  if ((s = wq_resize(ctx, out, in->dim, sizes))) return s;
  const wick_tensor *ins[1] = {in};
  wk_iter it;
  wk_iter_elementwise(&it, out, 1, ins);
  const int8_t *x = in->data, *t = lut->data;
  int8_t *o = out->data;
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) o[it.off[0]] = t[x[it.off[1]] + 128];
  return WICK_OK;
}

static wick_status minmax(wick_kernel_ctx *ctx, wick_value **args, bool is_max) {
  const wick_tensor *a = args[0]->u.t, *b = args[1]->u.t;
  wick_tensor *out = args[2]->u.t;
  char b1[96], b2[96];
  if (a->dtype != b->dtype || out->dtype != a->dtype || !wk_dtype_supported(a->dtype))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s, other %s and out must share a dtype",
                            wk_desc(a, b1), wk_desc(b, b2));
  wk_iter it;
  wick_status s = binary_setup(ctx, a, b, out, -1, &it);
  if (s) return s;
  int dt = a->dtype;
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    if (wk_is_float(dt)) {
      double x = wk_ld_f(a->data, dt, it.off[1]), y = wk_ld_f(b->data, dt, it.off[2]);
      double r = isnan(x) || isnan(y) ? NAN : (is_max ? (x > y ? x : y) : (x < y ? x : y));
      wk_st_f(out->data, dt, it.off[0], r);
    } else {
      int64_t x = wk_ld_i(a->data, dt, it.off[1]), y = wk_ld_i(b->data, dt, it.off[2]);
      wk_st_i(out->data, dt, it.off[0], is_max ? (x > y ? x : y) : (x < y ? x : y));
    }
  }
  return WICK_OK;
}

/* cortex_m::minimum.out / maximum.out: "TTT" */
WK_QUANT_KERNEL(wick_op_cm_minimum_out) {
  (void)nargs;
  return minmax(ctx, args, false);
}
WK_QUANT_KERNEL(wick_op_cm_maximum_out) {
  (void)nargs;
  return minmax(ctx, args, true);
}
