/* quantized_decomposed:: quantize / dequantize / choose_qparams, and the
 * cortex_m:: quantize_per_tensor / dequantize_per_tensor (same arithmetic).
 *
 * Schemas (ExecuTorch kernels/quantized/quantized.yaml; the per-token ops as
 * torch's quantized_decomposed library defines them):
 *   quantize_per_tensor.out(Tensor input, float scale, int zero_point,
 *       int quant_min, int quant_max, ScalarType dtype, *, Tensor(a!) out)
 *   quantize_per_tensor.Tensor_out(Tensor input, Tensor scale, Tensor zero_point,
 *       int quant_min, int quant_max, ScalarType dtype, *, Tensor(a!) out)
 *   dequantize_per_tensor.out(Tensor input, float scale, int zero_point,
 *       int quant_min, int quant_max, ScalarType dtype, *,
 *       ScalarType? out_dtype=None, Tensor(a!) out)
 *   dequantize_per_tensor.Tensor_out(... Tensor scale, Tensor zero_point ...)
 *   quantize_per_channel.out(Tensor input, Tensor scales, Tensor zero_points,
 *       int axis, int quant_min, int quant_max, ScalarType dtype, *, Tensor(a!) out)
 *   dequantize_per_channel.out(Tensor input, Tensor scales, Tensor? zero_points,
 *       int axis, int quant_min, int quant_max, ScalarType dtype, *,
 *       ScalarType? out_dtype=None, Tensor(a!) out)
 *   choose_qparams.Tensor_out(Tensor input, int quant_min, int quant_max,
 *       float eps, ScalarType dtype, *, Tensor(a!) scale_out, Tensor(b!) zero_point_out)
 *   choose_qparams_per_token_asymmetric.out(Tensor input, ScalarType dtype, *,
 *       Tensor(a!) scale_out, Tensor(b!) zero_point_out)
 *   quantize_per_token.out(Tensor input, Tensor scales, Tensor zero_points,
 *       int quant_min, int quant_max, ScalarType dtype, *, Tensor(a!) out)
 *   dequantize_per_token.out(Tensor input, Tensor scales, Tensor zero_points,
 *       int quant_min, int quant_max, ScalarType dtype, ScalarType output_dtype,
 *       *, Tensor(a!) out)
 *
 * Arithmetic (as ExecuTorch's portable quantized kernels compute it):
 *   q = clamp(zero_point + nearbyint(float(1/float(scale)) * x), quant_min, quant_max)
 *     nearbyint in the default rounding mode: ties to even (2.5 -> 2, 3.5 -> 4);
 *     NaN quantizes to quant_min, +-inf to the bounds.
 *   x = float(q - zero_point) * float(scale)
 * Per-channel / per-token ops use each channel's (token's) scale and zero point.
 */
#include <math.h>

#include "kernels/portable/ops_quant.h"
#include "kernels/quantized/qmath.h"

/* ---- element arithmetic --------------------------------------------------- */

static int64_t quantize_one(float inv_scale, int in_dtype, double x, int64_t zp, int64_t qmin,
                            int64_t qmax) {
  float prod = in_dtype == WICK_F64 ? wk_d2f((double)inv_scale * x) : inv_scale * (float)x;
  float r = nearbyintf(prod);
  if (isnan(r)) return qmin;
  if (r > 0x1p40f) r = 0x1p40f; /* far beyond any quant range: keeps the add exact */
  if (r < -0x1p40f) r = -0x1p40f;
  int64_t q = (int64_t)(int32_t)zp + (int64_t)r;
  return q < qmin ? qmin : (q > qmax ? qmax : q);
}

static double dequantize_one(int64_t q, int64_t zp, double scale) {
  return (float)(q - (int32_t)zp) * (float)scale;
}

/* ---- checks ---------------------------------------------------------------- */

static bool is_qdtype(int dt) {
  return dt == WICK_U8 || dt == WICK_I8 || dt == WICK_I16 || dt == WICK_I32 || dt == WICK_U16;
}

static void qdtype_bounds(int dt, int64_t *lo, int64_t *hi) {
  switch (dt) {
    case WICK_U8: *lo = 0; *hi = 255; break;
    case WICK_I8: *lo = -128; *hi = 127; break;
    case WICK_I16: *lo = INT16_MIN; *hi = INT16_MAX; break;
    case WICK_U16: *lo = 0; *hi = UINT16_MAX; break;
    default: *lo = INT32_MIN; *hi = INT32_MAX; break;
  }
}

/* The quantized side: dtype argument, its tensor and the quant range. */
static wick_status check_q(wick_kernel_ctx *ctx, const wick_tensor *q, int64_t dtype,
                           int64_t qmin, int64_t qmax) {
  char b[96];
  if (!is_qdtype(q->dtype))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "quantized tensor %s must be uint8, int8, "
                            "int16, uint16 or int32", wk_desc(q, b));
  if (dtype != q->dtype)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dtype argument %lld does not match %s",
                            (long long)dtype, wk_desc(q, b));
  int64_t lo, hi;
  qdtype_bounds(q->dtype, &lo, &hi);
  if (qmin < lo || qmax > hi || qmin > qmax)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "quant range [%lld, %lld] does not fit %s",
                            (long long)qmin, (long long)qmax, wk_dtype_name(q->dtype));
  return WICK_OK;
}

static wick_status check_float(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t) {
  if (wk_is_float(t->dtype)) return WICK_OK;
  char b[96];
  return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s %s must be floating point", what,
                          wk_desc(t, b));
}

static wick_status resize_like(wick_kernel_ctx *ctx, wick_tensor *out, const wick_tensor *in) {
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d < in->dim; d++) sizes[d] = in->sizes[d];
  return wq_resize(ctx, out, in->dim, sizes);
}

/* Logical-order walk over out and in (same shape, any dim orders). */
static void walk2(wk_iter *it, const wick_tensor *out, const wick_tensor *in) {
  int64_t st[2][WICK_MAX_DIM];
  for (int d = 0; d < out->dim; d++) {
    st[0][d] = out->strides[d];
    st[1][d] = in->strides[d];
  }
  wk_iter_init(it, out->dim, out->sizes, 2, (const int64_t(*)[WICK_MAX_DIM])st);
}

/* A one-element scale / zero-point tensor argument. */
static wick_status scalar_qparams(wick_kernel_ctx *ctx, const wick_tensor *scale,
                                  const wick_tensor *zp, double *s, int64_t *z) {
  char b[96];
  if (wk_numel(scale) != 1 || !wk_is_float(scale->dtype))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "scale %s must be one floating element",
                            wk_desc(scale, b));
  if (wk_numel(zp) != 1 || !wick_dtype_is_integral(zp->dtype))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "zero_point %s must be one integer element",
                            wk_desc(zp, b));
  *s = wk_ld_f(scale->data, scale->dtype, 0);
  *z = wk_ld_i(zp->data, zp->dtype, 0);
  return WICK_OK;
}

/* ---- per tensor ---------------------------------------------------------- */

static wick_status quantize_tensor(wick_kernel_ctx *ctx, const wick_tensor *in, double scale,
                                   int64_t zp, int64_t qmin, int64_t qmax, int64_t dtype,
                                   wick_tensor *out) {
  wick_status s;
  if ((s = check_float(ctx, "input", in))) return s;
  if ((s = check_q(ctx, out, dtype, qmin, qmax))) return s;
  if ((s = resize_like(ctx, out, in))) return s;
  float inv = 1.0f / wk_d2f(scale);
  wk_iter it;
  walk2(&it, out, in);
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it))
    wk_st_i(out->data, out->dtype, it.off[0],
            quantize_one(inv, in->dtype, wk_ld_f(in->data, in->dtype, it.off[1]), zp, qmin, qmax));
  return WICK_OK;
}

static wick_status dequantize_tensor(wick_kernel_ctx *ctx, const wick_tensor *in, double scale,
                                     int64_t zp, int64_t qmin, int64_t qmax, int64_t dtype,
                                     const wick_value *out_dtype, wick_tensor *out) {
  wick_status s;
  char b[96];
  if ((s = check_q(ctx, in, dtype, qmin, qmax))) return s;
  if ((s = check_float(ctx, "out", out))) return s;
  if (out_dtype && out_dtype->kind == WICK_VAL_INT && out_dtype->u.i != out->dtype)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out %s does not match out_dtype %lld",
                            wk_desc(out, b), (long long)out_dtype->u.i);
  if ((s = resize_like(ctx, out, in))) return s;
  wk_iter it;
  walk2(&it, out, in);
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it))
    wk_st_f(out->data, out->dtype, it.off[0],
            dequantize_one(wk_ld_i(in->data, in->dtype, it.off[1]), zp, scale));
  return WICK_OK;
}

/* quantize_per_tensor.out: "TdiiiiT" (also cortex_m::quantize_per_tensor.out) */
WK_QUANT_KERNEL(wick_op_q_quantize_per_tensor_out) {
  (void)nargs;
  return quantize_tensor(ctx, args[0]->u.t, wq_arg_d(args[1]), args[2]->u.i, args[3]->u.i,
                         args[4]->u.i, args[5]->u.i, args[6]->u.t);
}

/* quantize_per_tensor.Tensor_out: "TTTiiiT" */
WK_QUANT_KERNEL(wick_op_q_quantize_per_tensor_tensor_out) {
  (void)nargs;
  double scale = 0;
  int64_t zp = 0;
  wick_status s = scalar_qparams(ctx, args[1]->u.t, args[2]->u.t, &scale, &zp);
  if (s) return s;
  return quantize_tensor(ctx, args[0]->u.t, scale, zp, args[3]->u.i, args[4]->u.i, args[5]->u.i,
                         args[6]->u.t);
}

/* dequantize_per_tensor.out: "TdiiiijT" */
WK_QUANT_KERNEL(wick_op_q_dequantize_per_tensor_out) {
  (void)nargs;
  return dequantize_tensor(ctx, args[0]->u.t, wq_arg_d(args[1]), args[2]->u.i, args[3]->u.i,
                           args[4]->u.i, args[5]->u.i, args[6], args[7]->u.t);
}

/* cortex_m::dequantize_per_tensor.out: "TdiiiiT" (no out_dtype) */
WK_QUANT_KERNEL(wick_op_cm_dequantize_per_tensor_out) {
  (void)nargs;
  return dequantize_tensor(ctx, args[0]->u.t, wq_arg_d(args[1]), args[2]->u.i, args[3]->u.i,
                           args[4]->u.i, args[5]->u.i, NULL, args[6]->u.t);
}

/* dequantize_per_tensor.Tensor_out: "TTTiiijT" */
WK_QUANT_KERNEL(wick_op_q_dequantize_per_tensor_tensor_out) {
  (void)nargs;
  double scale = 0;
  int64_t zp = 0;
  wick_status s = scalar_qparams(ctx, args[1]->u.t, args[2]->u.t, &scale, &zp);
  if (s) return s;
  return dequantize_tensor(ctx, args[0]->u.t, scale, zp, args[3]->u.i, args[4]->u.i,
                           args[5]->u.i, args[6], args[7]->u.t);
}

/* ---- per channel / per token --------------------------------------------- */

/* Walks (out, in) with the channel of each element: axis >= 0 is a dim of the
 * input; axis < 0 means "per token" (every dim but the last). scales/zps hold
 * one value per channel (zps may be NULL: zero). */
static wick_status channel_qparams(wick_kernel_ctx *ctx, const wick_tensor *scales,
                                   const wick_tensor *zps, size_t nch) {
  char b[96];
  if (!wk_is_float(scales->dtype) || wk_numel(scales) != nch)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "scales %s must hold %zu floating values",
                            wk_desc(scales, b), nch);
  if (zps && (!wick_dtype_is_integral(zps->dtype) && !wk_is_float(zps->dtype)))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "zero_points %s must be numeric",
                            wk_desc(zps, b));
  if (zps && wk_numel(zps) != nch)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "zero_points %s must hold %zu values",
                            wk_desc(zps, b), nch);
  return WICK_OK;
}

/* Channel parameters are read in their own logical (row-major) order. */
static double ch_scale(const wick_tensor *t, size_t c) {
  int64_t idx[WICK_MAX_DIM];
  size_t r = c;
  for (int d = t->dim - 1; d >= 0; d--) {
    idx[d] = (int64_t)(r % (size_t)t->sizes[d]);
    r /= (size_t)t->sizes[d];
  }
  return wk_ld_f(t->data, t->dtype, wq_off(t, idx));
}
static int64_t ch_zp(const wick_tensor *t, size_t c) {
  if (!t) return 0;
  int64_t idx[WICK_MAX_DIM];
  size_t r = c;
  for (int d = t->dim - 1; d >= 0; d--) {
    idx[d] = (int64_t)(r % (size_t)t->sizes[d]);
    r /= (size_t)t->sizes[d];
  }
  if (wk_is_float(t->dtype)) return (int64_t)nearbyint(wk_ld_f(t->data, t->dtype, wq_off(t, idx)));
  return wk_ld_i(t->data, t->dtype, wq_off(t, idx));
}

/* Number of channels and a function of the walk position giving the channel. */
static size_t channel_of(const wk_iter *it, int axis, int64_t e, int64_t last) {
  if (axis >= 0) return (size_t)it->idx[axis];
  return last > 0 ? (size_t)(e / last) : 0;
}

static wick_status quantize_channels(wick_kernel_ctx *ctx, const wick_tensor *in,
                                     const wick_tensor *scales, const wick_tensor *zps, int axis,
                                     int64_t qmin, int64_t qmax, int64_t dtype, wick_tensor *out) {
  wick_status s;
  if ((s = check_float(ctx, "input", in))) return s;
  if ((s = check_q(ctx, out, dtype, qmin, qmax))) return s;
  int64_t last = in->dim ? in->sizes[in->dim - 1] : 1;
  size_t nch = axis >= 0 ? (size_t)in->sizes[axis] : (last ? wk_numel(in) / (size_t)last : 0);
  if ((s = channel_qparams(ctx, scales, zps, nch))) return s;
  if ((s = resize_like(ctx, out, in))) return s;
  wk_iter it;
  walk2(&it, out, in);
  size_t cur = (size_t)-1;
  float inv = 0;
  int64_t zp = 0;
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    size_t c = channel_of(&it, axis, e, last);
    if (c != cur) {
      cur = c;
      inv = 1.0f / wk_d2f(ch_scale(scales, c));
      zp = ch_zp(zps, c);
    }
    wk_st_i(out->data, out->dtype, it.off[0],
            quantize_one(inv, in->dtype, wk_ld_f(in->data, in->dtype, it.off[1]), zp, qmin, qmax));
  }
  return WICK_OK;
}

static wick_status dequantize_channels(wick_kernel_ctx *ctx, const wick_tensor *in,
                                       const wick_tensor *scales, const wick_tensor *zps,
                                       int axis, int64_t qmin, int64_t qmax, int64_t dtype,
                                       const wick_value *out_dtype, wick_tensor *out) {
  wick_status s;
  char b[96];
  if ((s = check_q(ctx, in, dtype, qmin, qmax))) return s;
  if ((s = check_float(ctx, "out", out))) return s;
  if (out_dtype && out_dtype->kind == WICK_VAL_INT && out_dtype->u.i != out->dtype)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out %s does not match out_dtype %lld",
                            wk_desc(out, b), (long long)out_dtype->u.i);
  int64_t last = in->dim ? in->sizes[in->dim - 1] : 1;
  size_t nch = axis >= 0 ? (size_t)in->sizes[axis] : (last ? wk_numel(in) / (size_t)last : 0);
  if ((s = channel_qparams(ctx, scales, zps, nch))) return s;
  if ((s = resize_like(ctx, out, in))) return s;
  wk_iter it;
  walk2(&it, out, in);
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    size_t c = channel_of(&it, axis, e, last);
    wk_st_f(out->data, out->dtype, it.off[0],
            dequantize_one(wk_ld_i(in->data, in->dtype, it.off[1]), ch_zp(zps, c),
                           ch_scale(scales, c)));
  }
  return WICK_OK;
}

static wick_status wrap_axis(wick_kernel_ctx *ctx, const wick_tensor *in, int64_t axis, int *a) {
  if (in->dim == 0 || !wk_wrap_dim(axis, in->dim, a))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "axis %lld is out of range for rank %d",
                            (long long)axis, in->dim);
  return WICK_OK;
}

/* quantize_per_channel.out: "TTTiiiiT" */
WK_QUANT_KERNEL(wick_op_q_quantize_per_channel_out) {
  (void)nargs;
  const wick_tensor *in = args[0]->u.t;
  int axis = 0;
  wick_status s = wrap_axis(ctx, in, args[3]->u.i, &axis);
  if (s) return s;
  return quantize_channels(ctx, in, args[1]->u.t, args[2]->u.t, axis, args[4]->u.i, args[5]->u.i,
                           args[6]->u.i, args[7]->u.t);
}

/* dequantize_per_channel.out: "TTtiiiijT" */
WK_QUANT_KERNEL(wick_op_q_dequantize_per_channel_out) {
  (void)nargs;
  const wick_tensor *in = args[0]->u.t;
  int axis = 0;
  wick_status s = wrap_axis(ctx, in, args[3]->u.i, &axis);
  if (s) return s;
  return dequantize_channels(ctx, in, args[1]->u.t, wq_arg_opt_t(args[2]), axis, args[4]->u.i,
                             args[5]->u.i, args[6]->u.i, args[7], args[8]->u.t);
}

/* quantize_per_token.out: "TTTiiiT" */
WK_QUANT_KERNEL(wick_op_q_quantize_per_token_out) {
  (void)nargs;
  return quantize_channels(ctx, args[0]->u.t, args[1]->u.t, args[2]->u.t, -1, args[3]->u.i,
                           args[4]->u.i, args[5]->u.i, args[6]->u.t);
}

/* dequantize_per_token.out: "TTTiiiiT" */
WK_QUANT_KERNEL(wick_op_q_dequantize_per_token_out) {
  (void)nargs;
  return dequantize_channels(ctx, args[0]->u.t, args[1]->u.t, args[2]->u.t, -1, args[3]->u.i,
                             args[4]->u.i, args[5]->u.i, args[6], args[7]->u.t);
}

/* ---- choose_qparams --------------------------------------------------------- */

/* ExecuTorch's calculate_scale_and_zero_point: the range is widened to
 * contain 0, scale = (max - min) / (qmax - qmin) in double (0.1 when it
 * would be 0 or its float reciprocal infinite; at least 6.1e-5 with min/max
 * stretched to match), and the zero point comes from whichever end has the
 * smaller error, clamped to [qmin, qmax] or rounded to nearest even. */
static void calc_qparams(float mn, float mx, int32_t qmin, int32_t qmax, double *scale_out,
                         int32_t *zp_out) {
  const float small = 6.1e-5f;
  mn = mn < 0.f ? mn : 0.f;
  mx = mx > 0.f ? mx : 0.f;
  double scale = ((double)mx - mn) / (qmax - qmin);
  if ((float)scale == 0.0f || isinf(1.0f / (float)scale)) scale = 0.1;
  if (scale < small) {
    float org = (float)scale;
    scale = small;
    if (mn == 0.0f) {
      mx = small * (float)(qmax - qmin);
    } else if (mx == 0.0f) {
      mn = -small * (float)(qmax - qmin);
    } else {
      float amp = small / org;
      mn *= amp;
      mx *= amp;
    }
  }
  double zp_min = qmin - mn / scale, zp_max = qmax - mx / scale;
  double err_min = fabs((double)qmin) - fabs(mn / scale);
  double err_max = fabs((double)qmax) - fabs(mx / scale);
  double zp0 = err_min < err_max ? zp_min : zp_max;
  int32_t zp;
  if (zp0 < qmin) zp = qmin;
  else if (zp0 > qmax) zp = qmax;
  else zp = (int32_t)nearbyintf((float)zp0);
  *scale_out = scale;
  *zp_out = zp;
}

static wick_status check_qparam_outs(wick_kernel_ctx *ctx, const wick_tensor *scale,
                                     const wick_tensor *zp, size_t n) {
  char b[96];
  if (!wk_is_float(scale->dtype) || wk_numel(scale) != n)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "scale_out %s must hold %zu floating values",
                            wk_desc(scale, b), n);
  if ((!wick_dtype_is_integral(zp->dtype) && !wk_is_float(zp->dtype)) || wk_numel(zp) != n)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "zero_point_out %s must hold %zu values",
                            wk_desc(zp, b), n);
  return WICK_OK;
}

/* min / max of `count` elements of in starting at logical row `row` of rows of
 * length `count` (the whole tensor when row == 0 and count == numel). */
static void row_minmax(const wick_tensor *in, size_t row, size_t count, float *mn, float *mx) {
  int64_t idx[WICK_MAX_DIM];
  float lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < count; i++) {
    size_t r = row * count + i;
    for (int d = in->dim - 1; d >= 0; d--) {
      idx[d] = (int64_t)(r % (size_t)in->sizes[d]);
      r /= (size_t)in->sizes[d];
    }
    float v = (float)wk_ld_f(in->data, in->dtype, wq_off(in, idx));
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  *mn = lo;
  *mx = hi;
}

/* choose_qparams.Tensor_out: "Tiidi|TT" */
WK_QUANT_KERNEL(wick_op_q_choose_qparams_tensor_out) {
  (void)nargs;
  const wick_tensor *in = args[0]->u.t;
  int64_t qmin = args[1]->u.i, qmax = args[2]->u.i;
  wick_tensor *scale = args[5]->u.t, *zp = args[6]->u.t;
  wick_status s;
  if ((s = wq_check_dtype(ctx, "input", in, WICK_F32))) return s;
  if (qmin >= qmax || qmin < INT32_MIN || qmax > INT32_MAX)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "quant_min %lld must be below quant_max %lld",
                            (long long)qmin, (long long)qmax);
  if ((s = check_qparam_outs(ctx, scale, zp, 1))) return s;
  float mn = 0, mx = 0;
  if (wk_numel(in)) row_minmax(in, 0, wk_numel(in), &mn, &mx);
  double sc;
  int32_t z;
  calc_qparams(mn, mx, (int32_t)qmin, (int32_t)qmax, &sc, &z);
  wk_st_f(scale->data, scale->dtype, 0, sc);
  wk_st_i(zp->data, zp->dtype, 0, z);
  return WICK_OK;
}

/* choose_qparams_per_token_asymmetric.out: "Ti|TT" (int8 range -128..127) */
WK_QUANT_KERNEL(wick_op_q_choose_qparams_per_token_asymmetric_out) {
  (void)nargs;
  const wick_tensor *in = args[0]->u.t;
  wick_tensor *scale = args[2]->u.t, *zp = args[3]->u.t;
  wick_status s;
  if ((s = wq_check_dtype(ctx, "input", in, WICK_F32))) return s;
  if (in->dim == 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "input must have at least one dim");
  size_t last = (size_t)in->sizes[in->dim - 1];
  size_t tokens = last ? wk_numel(in) / last : 0;
  if ((s = check_qparam_outs(ctx, scale, zp, tokens))) return s;
  for (size_t t = 0; t < tokens; t++) {
    float mn, mx;
    row_minmax(in, t, last, &mn, &mx);
    double sc;
    int32_t z;
    calc_qparams(mn, mx, -128, 127, &sc, &z);
    int64_t idx[WICK_MAX_DIM];
    size_t r = t;
    for (int d = scale->dim - 1; d >= 0; d--) {
      idx[d] = (int64_t)(r % (size_t)scale->sizes[d]);
      r /= (size_t)scale->sizes[d];
    }
    wk_st_f(scale->data, scale->dtype, wq_off(scale, idx), sc);
    r = t;
    for (int d = zp->dim - 1; d >= 0; d--) {
      idx[d] = (int64_t)(r % (size_t)zp->sizes[d]);
      r /= (size_t)zp->sizes[d];
    }
    wk_st_i(zp->data, zp->dtype, wq_off(zp, idx), z);
  }
  return WICK_OK;
}
