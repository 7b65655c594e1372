/* cortex_m:: int8 neural-network ops (ExecuTorch backends/cortex_m/ops), with
 * the integer arithmetic of the CMSIS-NN s8 kernels they call.
 *
 * Layouts. The legacy ops (quantized_conv2d, quantized_depthwise_conv2d,
 * quantized_transpose_conv2d, quantized_avg_pool2d, quantized_max_pool2d)
 * take logical NCHW tensors (ExecuTorch gives them the channels-last dim
 * order 0,2,3,1); the *_nhwc ops take logical NHWC tensors. Here every
 * activation is addressed through its own strides, so either dim order of
 * either form works. Weights: conv / transpose conv OHWI [Cout, KH, KW, Cin/groups],
 * depthwise IHWO [1, KH, KW, Cout]; bias int32 [Cout]; per-channel
 * requantize_multipliers / requantize_shifts int32 [Cout].
 *
 * Convolutions (arm_convolve_s8, arm_depthwise_conv_s8, arm_transpose_conv_s8):
 *   acc[oc] = bias[oc] + sum (x + input_offset) * w   (padding contributes 0)
 *   y = clamp(requantize(acc, mult[oc], shift[oc]) + output_offset, act_min, act_max)
 * quantized_linear (arm_fully_connected_s8), per tensor (mult[0], shift[0];
 * a list of Cout values is applied per channel, a wick extension):
 *   without kernel_sum: acc = bias + sum (x + input_offset) * (w + filter_offset)
 *   with kernel_sum:    acc = kernel_sum + sum x * w + filter_offset * sum x
 *   y = clamp(requantize(acc) + output_offset, activation_min, activation_max)
 * quantized_batch_matmul (arm_batch_matmul_s8, rhs given transposed [B, N, K];
 * the *_zero_point arguments are CMSIS offsets, added):
 *   acc = sum (lhs + lhs_zp) * (rhs + rhs_zp);  y = clamp(requantize(acc) + out_zp, -128, 127)
 * quantized_avg_pool2d (arm_avgpool_s8; zero_point / multiplier / shift unused):
 *   window clipped to the input, s = sum, n = count;
 *   y = clamp(s > 0 ? (s + n/2) / n : (s - n/2) / n, -128, 127)  (C division)
 * quantized_max_pool2d (arm_max_pool_s8): max over the clipped window, then
 *   clamp(act_min, act_max); input and output zero points must match.
 * softmax (arm_softmax_s8, TFLite-micro bit-exact): see wq_softmax_row.
 */
#include "kernels/portable/ops_quant.h"
#include "kernels/quantized/qmath.h"

/* ---- shared checks ------------------------------------------------------- */

static wick_status int_pair(wick_kernel_ctx *ctx, wick_value *v, const char *what, int64_t lo,
                            int64_t out[2]) {
  uint32_t n;
  const int64_t *p = wick_value_int_list(v, &n);
  if (n != 1 && n != 2)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s must have 1 or 2 values, got %u", what, n);
  out[0] = p[0];
  out[1] = n == 2 ? p[1] : p[0];
  if (out[0] < lo || out[1] < lo)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s [%lld, %lld] must be >= %lld", what,
                            (long long)out[0], (long long)out[1], (long long)lo);
  return WICK_OK;
}

static wick_status check_rank4_i8(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t) {
  char b[96];
  if (t->dim != 4 || t->dtype != WICK_I8)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s %s must be a 4-D int8 tensor", what,
                            wk_desc(t, b));
  return WICK_OK;
}

static wick_status check_act(wick_kernel_ctx *ctx, int64_t amin, int64_t amax) {
  wick_status s = wq_check_range(ctx, "activation_min", amin, -128, 127);
  if (!s) s = wq_check_range(ctx, "activation_max", amax, amin, 127);
  return s;
}

/* Per-channel multipliers / shifts: int32 tensors of n values. */
static wick_status check_requant(wick_kernel_ctx *ctx, const wick_tensor *m, const wick_tensor *sh,
                                 int64_t n) {
  char b[96];
  if (m->dtype != WICK_I32 || (int64_t)wk_numel(m) != n)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "requantize_multipliers %s must be %lld int32",
                            wk_desc(m, b), (long long)n);
  if (sh->dtype != WICK_I32 || (int64_t)wk_numel(sh) != n)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "requantize_shifts %s must be %lld int32",
                            wk_desc(sh, b), (long long)n);
  const int32_t *s = sh->data;
  for (int64_t i = 0; i < n; i++)
    if (s[i] < -31 || s[i] > 31)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "requantize_shifts[%lld] = %d is outside [-31, 31]",
                              (long long)i, s[i]);
  return WICK_OK;
}

static wick_status check_bias(wick_kernel_ctx *ctx, const wick_tensor *bias, int64_t n) {
  char b[96];
  if (bias && (bias->dtype != WICK_I32 || (int64_t)wk_numel(bias) != n))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "bias %s must be %lld int32", wk_desc(bias, b),
                            (long long)n);
  return WICK_OK;
}

/* Element i of a 1-D-like int32 tensor (bias, multipliers...), logical order. */
static int32_t i32_at(const wick_tensor *t, int64_t i) {
  if (t->dim <= 1) return ((const int32_t *)t->data)[t->dim ? i * t->strides[0] : 0];
  int64_t idx[WICK_MAX_DIM];
  for (int d = t->dim - 1; d >= 0; d--) {
    idx[d] = i % t->sizes[d];
    i /= t->sizes[d];
  }
  return ((const int32_t *)t->data)[wq_off(t, idx)];
}

/* Element (a, b, c, d) of a 4-D weight through its strides. */
static inline int32_t w4(const wick_tensor *w, int64_t a, int64_t b, int64_t c, int64_t d) {
  return ((const int8_t *)w->data)[a * w->strides[0] + b * w->strides[1] + c * w->strides[2] +
                                   d * w->strides[3]];
}

/* ---- convolution ---------------------------------------------------------- */

typedef struct conv_args {
  const wick_tensor *in, *w, *bias, *mult, *shift;
  wick_tensor *out;
  int64_t stride[2], pad[2], dil[2], out_pad[2];
  int64_t io, oo, amin, amax, depth_mult;
} conv_args;

/* Checks shared by the conv family; cout given by the caller. */
static wick_status conv_common(wick_kernel_ctx *ctx, conv_args *c, wick_value **args, int istride,
                               int has_out_pad, int64_t cout) {
  wick_status s;
  if ((s = check_rank4_i8(ctx, "input", c->in)) || (s = check_rank4_i8(ctx, "weight", c->w)) ||
      (s = wq_check_dtype(ctx, "out", c->out, WICK_I8)))
    return s;
  int k = istride;
  if ((s = int_pair(ctx, args[k++], "stride", 1, c->stride)) ||
      (s = int_pair(ctx, args[k++], "padding", 0, c->pad)))
    return s;
  c->out_pad[0] = c->out_pad[1] = 0;
  if (has_out_pad && (s = int_pair(ctx, args[k++], "output_padding", 0, c->out_pad))) return s;
  if ((s = int_pair(ctx, args[k++], "dilation", 1, c->dil))) return s;
  if ((s = check_bias(ctx, c->bias, cout)) || (s = check_requant(ctx, c->mult, c->shift, cout)) ||
      (s = check_act(ctx, c->amin, c->amax)))
    return s;
  return WICK_OK;
}

static inline int8_t requant_out(int32_t acc, int32_t m, int32_t sh, int64_t oo, int64_t amin,
                                 int64_t amax) {
  int32_t r = wq_add32(wq_requantize(acc, m, sh), (int32_t)oo);
  return (int8_t)wq_clamp(r, (int32_t)amin, (int32_t)amax);
}

/* "TTtIIIiiTTiiTT": input, weight, bias?, stride, padding, dilation,
 * input_offset, output_offset, mults, shifts, act_min, act_max, scratch, out */
static wick_status conv2d(wick_kernel_ctx *ctx, wick_value **args, int nchw) {
  conv_args c;
  c.in = args[0]->u.t;
  c.w = args[1]->u.t;
  c.bias = wq_arg_opt_t(args[2]);
  c.io = args[6]->u.i;
  c.oo = args[7]->u.i;
  c.mult = args[8]->u.t;
  c.shift = args[9]->u.t;
  c.amin = args[10]->u.i;
  c.amax = args[11]->u.i;
  c.out = args[13]->u.t;
  int64_t cout = c.w->dim == 4 ? c.w->sizes[0] : 0;
  wick_status s = conv_common(ctx, &c, args, 3, 0, cout);
  if (s) return s;
  wq_nhwc x = wq_view(c.in, nchw);
  int64_t kh = c.w->sizes[1], kw = c.w->sizes[2], cin_g = c.w->sizes[3];
  char b1[96], b2[96];
  if (cin_g <= 0 || x.c % cin_g != 0 || cout % (x.c / cin_g) != 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "weight %s does not fit input %s",
                            wk_desc(c.w, b1), wk_desc(c.in, b2));
  int64_t groups = x.c / cin_g, cout_g = cout / groups;
  int64_t oh = (x.h + 2 * c.pad[0] - c.dil[0] * (kh - 1) - 1) / c.stride[0] + 1;
  int64_t ow = (x.w + 2 * c.pad[1] - c.dil[1] * (kw - 1) - 1) / c.stride[1] + 1;
  if (oh <= 0 || ow <= 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "input %s is too small for weight %s",
                            wk_desc(c.in, b1), wk_desc(c.w, b2));
  int64_t sizes[4];
  wq_sizes4(nchw, x.n, oh, ow, cout, sizes);
  if ((s = wq_resize(ctx, c.out, 4, sizes))) return s;
  wq_nhwc y = wq_view(c.out, nchw);
  const int8_t *xd = c.in->data;
  int8_t *yd = c.out->data;
  for (int64_t n = 0; n < x.n; n++)
    for (int64_t i = 0; i < oh; i++)
      for (int64_t j = 0; j < ow; j++)
        for (int64_t oc = 0; oc < cout; oc++) {
          int64_t g = oc / cout_g;
          int32_t acc = c.bias ? i32_at(c.bias, oc) : 0;
          for (int64_t a = 0; a < kh; a++) {
            int64_t ih = i * c.stride[0] - c.pad[0] + a * c.dil[0];
            if (ih < 0 || ih >= x.h) continue;
            for (int64_t bb = 0; bb < kw; bb++) {
              int64_t iw = j * c.stride[1] - c.pad[1] + bb * c.dil[1];
              if (iw < 0 || iw >= x.w) continue;
              for (int64_t ic = 0; ic < cin_g; ic++) {
                int32_t v = xd[wq_at(&x, n, ih, iw, g * cin_g + ic)] + (int32_t)c.io;
                acc = wq_add32(acc, wq_mul32(v, w4(c.w, oc, a, bb, ic)));
              }
            }
          }
          yd[wq_at(&y, n, i, j, oc)] =
              requant_out(acc, i32_at(c.mult, oc), i32_at(c.shift, oc), c.oo, c.amin, c.amax);
        }
  return WICK_OK;
}

WK_QUANT_KERNEL(wick_op_cm_quantized_conv2d_out) {
  (void)nargs;
  return conv2d(ctx, args, 1);
}
WK_QUANT_KERNEL(wick_op_cm_quantized_conv2d_nhwc_out) {
  (void)nargs;
  return conv2d(ctx, args, 0);
}

/* "TTtIIIiiiTTiiTT": input, weight, bias?, stride, padding, dilation,
 * depth_multiplier, input_offset, output_offset, mults, shifts, act_min,
 * act_max, scratch, out */
static wick_status depthwise(wick_kernel_ctx *ctx, wick_value **args, int nchw) {
  conv_args c;
  c.in = args[0]->u.t;
  c.w = args[1]->u.t;
  c.bias = wq_arg_opt_t(args[2]);
  c.depth_mult = args[6]->u.i;
  c.io = args[7]->u.i;
  c.oo = args[8]->u.i;
  c.mult = args[9]->u.t;
  c.shift = args[10]->u.t;
  c.amin = args[11]->u.i;
  c.amax = args[12]->u.i;
  c.out = args[14]->u.t;
  int64_t cout = c.w->dim == 4 ? c.w->sizes[3] : 0;
  wick_status s = conv_common(ctx, &c, args, 3, 0, cout);
  if (s) return s;
  wq_nhwc x = wq_view(c.in, nchw);
  char b1[96], b2[96];
  if (c.w->sizes[0] != 1 || c.depth_mult < 1 || cout != x.c * c.depth_mult)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "weight %s must be [1, KH, KW, C*%lld] for input %s",
                            wk_desc(c.w, b1), (long long)c.depth_mult, wk_desc(c.in, b2));
  int64_t kh = c.w->sizes[1], kw = c.w->sizes[2];
  int64_t oh = (x.h + 2 * c.pad[0] - c.dil[0] * (kh - 1) - 1) / c.stride[0] + 1;
  int64_t ow = (x.w + 2 * c.pad[1] - c.dil[1] * (kw - 1) - 1) / c.stride[1] + 1;
  if (oh <= 0 || ow <= 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "input %s is too small for weight %s",
                            wk_desc(c.in, b1), wk_desc(c.w, b2));
  int64_t sizes[4];
  wq_sizes4(nchw, x.n, oh, ow, cout, sizes);
  if ((s = wq_resize(ctx, c.out, 4, sizes))) return s;
  wq_nhwc y = wq_view(c.out, nchw);
  const int8_t *xd = c.in->data;
  int8_t *yd = c.out->data;
  for (int64_t n = 0; n < x.n; n++)
    for (int64_t i = 0; i < oh; i++)
      for (int64_t j = 0; j < ow; j++)
        for (int64_t oc = 0; oc < cout; oc++) {
          int64_t ic = oc / c.depth_mult;
          int32_t acc = c.bias ? i32_at(c.bias, oc) : 0;
          for (int64_t a = 0; a < kh; a++) {
            int64_t ih = i * c.stride[0] - c.pad[0] + a * c.dil[0];
            if (ih < 0 || ih >= x.h) continue;
            for (int64_t bb = 0; bb < kw; bb++) {
              int64_t iw = j * c.stride[1] - c.pad[1] + bb * c.dil[1];
              if (iw < 0 || iw >= x.w) continue;
              int32_t v = xd[wq_at(&x, n, ih, iw, ic)] + (int32_t)c.io;
              acc = wq_add32(acc, wq_mul32(v, w4(c.w, 0, a, bb, oc)));
            }
          }
          yd[wq_at(&y, n, i, j, oc)] =
              requant_out(acc, i32_at(c.mult, oc), i32_at(c.shift, oc), c.oo, c.amin, c.amax);
        }
  return WICK_OK;
}

WK_QUANT_KERNEL(wick_op_cm_quantized_depthwise_conv2d_out) {
  (void)nargs;
  return depthwise(ctx, args, 1);
}
WK_QUANT_KERNEL(wick_op_cm_quantized_depthwise_conv2d_nhwc_out) {
  (void)nargs;
  return depthwise(ctx, args, 0);
}

/* "TTtIIIIiiTTiiTTT": input, weight, bias?, stride, padding, output_padding,
 * dilation, input_offset, output_offset, mults, shifts, act_min, act_max,
 * scratch, output_scratch, out */
static wick_status transpose_conv(wick_kernel_ctx *ctx, wick_value **args, int nchw) {
  conv_args c;
  c.in = args[0]->u.t;
  c.w = args[1]->u.t;
  c.bias = wq_arg_opt_t(args[2]);
  c.io = args[7]->u.i;
  c.oo = args[8]->u.i;
  c.mult = args[9]->u.t;
  c.shift = args[10]->u.t;
  c.amin = args[11]->u.i;
  c.amax = args[12]->u.i;
  c.out = args[15]->u.t;
  int64_t cout = c.w->dim == 4 ? c.w->sizes[0] : 0;
  wick_status s = conv_common(ctx, &c, args, 3, 1, cout);
  if (s) return s;
  wq_nhwc x = wq_view(c.in, nchw);
  int64_t kh = c.w->sizes[1], kw = c.w->sizes[2], cin_g = c.w->sizes[3];
  char b1[96], b2[96];
  if (cin_g <= 0 || x.c % cin_g != 0 || cout % (x.c / cin_g) != 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "weight %s does not fit input %s",
                            wk_desc(c.w, b1), wk_desc(c.in, b2));
  int64_t groups = x.c / cin_g, cout_g = cout / groups;
  int64_t oh = (x.h - 1) * c.stride[0] - 2 * c.pad[0] + c.dil[0] * (kh - 1) + c.out_pad[0] + 1;
  int64_t ow = (x.w - 1) * c.stride[1] - 2 * c.pad[1] + c.dil[1] * (kw - 1) + c.out_pad[1] + 1;
  if (oh <= 0 || ow <= 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "empty output for input %s",
                            wk_desc(c.in, b1));
  int64_t sizes[4];
  wq_sizes4(nchw, x.n, oh, ow, cout, sizes);
  if ((s = wq_resize(ctx, c.out, 4, sizes))) return s;
  wq_nhwc y = wq_view(c.out, nchw);
  const int8_t *xd = c.in->data;
  int8_t *yd = c.out->data;
  for (int64_t n = 0; n < x.n; n++)
    for (int64_t i = 0; i < oh; i++)
      for (int64_t j = 0; j < ow; j++)
        for (int64_t oc = 0; oc < cout; oc++) {
          int64_t g = oc / cout_g;
          int32_t acc = c.bias ? i32_at(c.bias, oc) : 0;
          for (int64_t a = 0; a < kh; a++) {
            int64_t th = i + c.pad[0] - a * c.dil[0];
            if (th < 0 || th % c.stride[0] || th / c.stride[0] >= x.h) continue;
            for (int64_t bb = 0; bb < kw; bb++) {
              int64_t tw = j + c.pad[1] - bb * c.dil[1];
              if (tw < 0 || tw % c.stride[1] || tw / c.stride[1] >= x.w) continue;
              for (int64_t ic = 0; ic < cin_g; ic++) {
                int32_t v = xd[wq_at(&x, n, th / c.stride[0], tw / c.stride[1], g * cin_g + ic)] +
                            (int32_t)c.io;
                acc = wq_add32(acc, wq_mul32(v, w4(c.w, oc, a, bb, ic)));
              }
            }
          }
          yd[wq_at(&y, n, i, j, oc)] =
              requant_out(acc, i32_at(c.mult, oc), i32_at(c.shift, oc), c.oo, c.amin, c.amax);
        }
  return WICK_OK;
}

WK_QUANT_KERNEL(wick_op_cm_quantized_transpose_conv2d_out) {
  (void)nargs;
  return transpose_conv(ctx, args, 1);
}
WK_QUANT_KERNEL(wick_op_cm_quantized_transpose_conv2d_nhwc_out) {
  (void)nargs;
  return transpose_conv(ctx, args, 0);
}

/* ---- linear / batch matmul ------------------------------------------------ */

/* "TTttiiiIIiiT": input, weights, bias?, kernel_sum?, input_offset,
 * filter_offset, output_offset, requantize_multipliers, requantize_shifts,
 * activation_max, activation_min, out */
WK_QUANT_KERNEL(wick_op_cm_quantized_linear_out) {
  (void)nargs;
  const wick_tensor *in = args[0]->u.t, *w = args[1]->u.t;
  const wick_tensor *bias = wq_arg_opt_t(args[2]), *ksum = wq_arg_opt_t(args[3]);
  int64_t io = args[4]->u.i, fo = args[5]->u.i, oo = args[6]->u.i;
  int64_t amax = args[9]->u.i, amin = args[10]->u.i;
  wick_tensor *out = args[11]->u.t;
  char b1[96], b2[96];
  wick_status s;
  if ((s = wq_check_dtype(ctx, "input", in, WICK_I8)) || (s = wq_check_dtype(ctx, "weights", w, WICK_I8)) ||
      (s = wq_check_dtype(ctx, "out", out, WICK_I8)) || (s = check_act(ctx, amin, amax)))
    return s;
  if (w->dim != 2 || in->dim < 1 || in->sizes[in->dim - 1] != w->sizes[1])
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "weights %s must be [out, %d] for input %s",
                            wk_desc(w, b1), in->dim ? in->sizes[in->dim - 1] : 0, wk_desc(in, b2));
  int64_t nout = w->sizes[0], k = w->sizes[1];
  if ((s = check_bias(ctx, bias, nout))) return s;
  if (ksum && (s = check_bias(ctx, ksum, nout))) return s;
  uint32_t nm, ns;
  const int64_t *mults = wick_value_int_list(args[7], &nm);
  const int64_t *shifts = wick_value_int_list(args[8], &ns);
  if (nm == 0 || nm != ns || (nm != 1 && nm != (uint32_t)nout))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "requantize lists must hold 1 or %lld values (got %u and %u)",
                            (long long)nout, nm, ns);
  for (uint32_t i = 0; i < nm; i++) {
    if ((s = wq_check_range(ctx, "requantize multiplier", mults[i], INT32_MIN, INT32_MAX)) ||
        (s = wq_check_range(ctx, "requantize shift", shifts[i], -31, 31)))
      return s;
  }
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d + 1 < in->dim; d++) sizes[d] = in->sizes[d];
  sizes[in->dim - 1] = nout;
  if ((s = wq_resize(ctx, out, in->dim, sizes))) return s;
  size_t rows = k ? wk_numel(in) / (size_t)k : wk_numel(out) / (size_t)(nout ? nout : 1);
  const int8_t *xd = in->data;
  int8_t *yd = out->data;
  int64_t idx[WICK_MAX_DIM];
  for (size_t r = 0; r < rows; r++) {
    /* leading logical index of row r */
    size_t q = r;
    for (int d = in->dim - 2; d >= 0; d--) {
      idx[d] = (int64_t)(q % (size_t)in->sizes[d]);
      q /= (size_t)in->sizes[d];
    }
    idx[in->dim - 1] = 0;
    int64_t xbase = wq_off(in, idx), ybase = wq_off(out, idx);
    int64_t xs = in->strides[in->dim - 1], ys = out->strides[out->dim - 1];
    int32_t xsum = 0;
    if (ksum)
      for (int64_t j = 0; j < k; j++) xsum = wq_add32(xsum, xd[xbase + j * xs]);
    for (int64_t o = 0; o < nout; o++) {
      int32_t acc;
      if (ksum) {
        acc = wq_add32(i32_at(ksum, o), wq_mul32(xsum, (int32_t)fo));
        for (int64_t j = 0; j < k; j++)
          acc = wq_add32(acc, (int32_t)xd[xbase + j * xs] *
                                  ((const int8_t *)w->data)[o * w->strides[0] + j * w->strides[1]]);
      } else {
        acc = bias ? i32_at(bias, o) : 0;
        for (int64_t j = 0; j < k; j++) {
          int32_t xv = xd[xbase + j * xs] + (int32_t)io;
          int32_t wv = ((const int8_t *)w->data)[o * w->strides[0] + j * w->strides[1]] + (int32_t)fo;
          acc = wq_add32(acc, wq_mul32(xv, wv));
        }
      }
      uint32_t ci = nm == 1 ? 0 : (uint32_t)o;
      yd[ybase + o * ys] = requant_out(acc, (int32_t)mults[ci], (int32_t)shifts[ci], oo, amin, amax);
    }
  }
  return WICK_OK;
}

/* "TiTiiiiTT": lhs [B,M,K], lhs_zero_point (offset), rhs_transposed [B,N,K],
 * rhs_zero_point (offset), output_zero_point, output_multiplier,
 * output_shift, scratch, out [B,M,N] */
WK_QUANT_KERNEL(wick_op_cm_quantized_batch_matmul_out) {
  (void)nargs;
  const wick_tensor *l = args[0]->u.t, *r = args[2]->u.t;
  int64_t lo = args[1]->u.i, ro = args[3]->u.i, oo = args[4]->u.i, m = args[5]->u.i,
          sh = args[6]->u.i;
  wick_tensor *out = args[8]->u.t;
  char b1[96], b2[96];
  wick_status s;
  if ((s = wq_check_dtype(ctx, "lhs", l, WICK_I8)) || (s = wq_check_dtype(ctx, "rhs_transposed", r, WICK_I8)) ||
      (s = wq_check_dtype(ctx, "out", out, WICK_I8)) ||
      (s = wq_check_range(ctx, "output_multiplier", m, INT32_MIN, INT32_MAX)) ||
      (s = wq_check_range(ctx, "output_shift", sh, -31, 31)))
    return s;
  if (l->dim != 3 || r->dim != 3 || l->sizes[0] != r->sizes[0] || l->sizes[2] != r->sizes[2])
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "lhs %s and rhs_transposed %s must be [B,M,K] "
                            "and [B,N,K]", wk_desc(l, b1), wk_desc(r, b2));
  int64_t sizes[3] = {l->sizes[0], l->sizes[1], r->sizes[1]};
  if ((s = wq_resize(ctx, out, 3, sizes))) return s;
  const int8_t *ld = l->data, *rd = r->data;
  int8_t *od = out->data;
  for (int64_t b = 0; b < sizes[0]; b++)
    for (int64_t i = 0; i < sizes[1]; i++)
      for (int64_t j = 0; j < sizes[2]; j++) {
        int32_t acc = 0;
        for (int64_t k = 0; k < l->sizes[2]; k++) {
          int32_t a = ld[b * l->strides[0] + i * l->strides[1] + k * l->strides[2]] + (int32_t)lo;
          int32_t c = rd[b * r->strides[0] + j * r->strides[1] + k * r->strides[2]] + (int32_t)ro;
          acc = wq_add32(acc, wq_mul32(a, c));
        }
        od[b * out->strides[0] + i * out->strides[1] + j * out->strides[2]] =
            requant_out(acc, (int32_t)m, (int32_t)sh, oo, -128, 127);
      }
  return WICK_OK;
}

/* ---- pooling -------------------------------------------------------------- */

/* Output size of a pooling window (ExecuTorch's cortex_m formula, with the
 * dilated kernel extent). */
static int64_t pool_out(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  int64_t num = in + 2 * p - d * (k - 1) - 1;
  int64_t o = num / s + 1;
  if (ceil_mode && num % s != 0) o++;
  if (ceil_mode && (o - 1) * s >= in + p) o--;
  return o;
}

typedef struct pool_args {
  int64_t k[2], s[2], p[2], d[2];
  bool ceil_mode;
} pool_args;

static wick_status pool_setup(wick_kernel_ctx *ctx, const wick_tensor *in, wick_tensor *out,
                              int nchw, pool_args *pa, wq_nhwc *x, wq_nhwc *y) {
  wick_status s;
  if ((s = check_rank4_i8(ctx, "input", in)) || (s = wq_check_dtype(ctx, "out", out, WICK_I8)))
    return s;
  *x = wq_view(in, nchw);
  int64_t oh = pool_out(x->h, pa->k[0], pa->s[0], pa->p[0], pa->d[0], pa->ceil_mode);
  int64_t ow = pool_out(x->w, pa->k[1], pa->s[1], pa->p[1], pa->d[1], pa->ceil_mode);
  char b[96];
  if (oh <= 0 || ow <= 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "input %s is too small for the window",
                            wk_desc(in, b));
  int64_t sizes[4];
  wq_sizes4(nchw, x->n, oh, ow, x->c, sizes);
  if ((s = wq_resize(ctx, out, 4, sizes))) return s;
  *y = wq_view(out, nchw);
  return WICK_OK;
}

/* "TIIIbiiiTT": input, kernel_size, stride, padding, ceil_mode, zero_point,
 * multiplier, shift, scratch, out */
static wick_status avg_pool(wick_kernel_ctx *ctx, wick_value **args, int nchw) {
  const wick_tensor *in = args[0]->u.t;
  wick_tensor *out = args[9]->u.t;
  pool_args pa;
  wick_status s;
  if ((s = int_pair(ctx, args[1], "kernel_size", 1, pa.k)) ||
      (s = int_pair(ctx, args[2], "stride", 1, pa.s)) || (s = int_pair(ctx, args[3], "padding", 0, pa.p)))
    return s;
  pa.d[0] = pa.d[1] = 1;
  pa.ceil_mode = args[4]->u.b;
  wq_nhwc x, y;
  if ((s = pool_setup(ctx, in, out, nchw, &pa, &x, &y))) return s;
  const int8_t *xd = in->data;
  int8_t *yd = out->data;
  for (int64_t n = 0; n < y.n; n++)
    for (int64_t i = 0; i < y.h; i++)
      for (int64_t j = 0; j < y.w; j++) {
        int64_t h0 = i * pa.s[0] - pa.p[0], w0 = j * pa.s[1] - pa.p[1];
        int64_t ha = h0 < 0 ? 0 : h0, hb = h0 + pa.k[0] < x.h ? h0 + pa.k[0] : x.h;
        int64_t wa = w0 < 0 ? 0 : w0, wb = w0 + pa.k[1] < x.w ? w0 + pa.k[1] : x.w;
        for (int64_t ch = 0; ch < y.c; ch++) {
          int32_t sum = 0, count = 0;
          for (int64_t a = ha; a < hb; a++)
            for (int64_t b = wa; b < wb; b++) {
              sum += xd[wq_at(&x, n, a, b, ch)];
              count++;
            }
          int32_t r = 0;
          if (count > 0) r = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
          yd[wq_at(&y, n, i, j, ch)] = (int8_t)wq_clamp(r, -128, 127);
        }
      }
  return WICK_OK;
}

WK_QUANT_KERNEL(wick_op_cm_quantized_avg_pool2d_out) {
  (void)nargs;
  return avg_pool(ctx, args, 1);
}
WK_QUANT_KERNEL(wick_op_cm_quantized_avg_pool2d_nhwc_out) {
  (void)nargs;
  return avg_pool(ctx, args, 0);
}

/* "TIIIIbiiiiT": input, kernel_size, stride, padding, dilation, ceil_mode,
 * input_zero_point, output_zero_point, activation_min, activation_max, out */
static wick_status max_pool(wick_kernel_ctx *ctx, wick_value **args, int nchw) {
  const wick_tensor *in = args[0]->u.t;
  wick_tensor *out = args[10]->u.t;
  pool_args pa;
  wick_status s;
  if ((s = int_pair(ctx, args[1], "kernel_size", 1, pa.k)) ||
      (s = int_pair(ctx, args[2], "stride", 1, pa.s)) ||
      (s = int_pair(ctx, args[3], "padding", 0, pa.p)) ||
      (s = int_pair(ctx, args[4], "dilation", 1, pa.d)))
    return s;
  pa.ceil_mode = args[5]->u.b;
  int64_t izp = args[6]->u.i, ozp = args[7]->u.i, amin = args[8]->u.i, amax = args[9]->u.i;
  if ((s = wq_check_range(ctx, "input_zero_point", izp, -128, 127)) ||
      (s = wq_check_range(ctx, "output_zero_point", ozp, izp, izp)) || (s = check_act(ctx, amin, amax)))
    return s;
  wq_nhwc x, y;
  if ((s = pool_setup(ctx, in, out, nchw, &pa, &x, &y))) return s;
  const int8_t *xd = in->data;
  int8_t *yd = out->data;
  for (int64_t n = 0; n < y.n; n++)
    for (int64_t i = 0; i < y.h; i++)
      for (int64_t j = 0; j < y.w; j++)
        for (int64_t ch = 0; ch < y.c; ch++) {
          int32_t mx = INT32_MIN;
          for (int64_t a = 0; a < pa.k[0]; a++) {
            int64_t ih = i * pa.s[0] - pa.p[0] + a * pa.d[0];
            if (ih < 0 || ih >= x.h) continue;
            for (int64_t b = 0; b < pa.k[1]; b++) {
              int64_t iw = j * pa.s[1] - pa.p[1] + b * pa.d[1];
              if (iw < 0 || iw >= x.w) continue;
              int32_t v = xd[wq_at(&x, n, ih, iw, ch)];
              if (v > mx) mx = v;
            }
          }
          if (mx == INT32_MIN) mx = -128; /* window entirely in padding: CMSIS starts at -128 */
          yd[wq_at(&y, n, i, j, ch)] = (int8_t)wq_clamp(mx, (int32_t)amin, (int32_t)amax);
        }
  return WICK_OK;
}

WK_QUANT_KERNEL(wick_op_cm_quantized_max_pool2d_out) {
  (void)nargs;
  return max_pool(ctx, args, 1);
}
WK_QUANT_KERNEL(wick_op_cm_quantized_max_pool2d_nhwc_out) {
  (void)nargs;
  return max_pool(ctx, args, 0);
}

/* ---- softmax ------------------------------------------------------------- */

#define WQ_SOFTMAX_ACCUM_BITS 12

/* One row of arm_softmax_s8 (non-MVE): with d = x - max (<= 0),
 *   e(d)  = exp_on_neg(mulh_sat(d * 2^shift, mult))          (Q0.31)
 *   sum   = sum over d >= diff_min of rdiv_pow2(e(d), 12)
 *   h     = clz(sum), scale = one_over_1px((sum << h) - 2^31)
 *   y     = clamp(rdiv_pow2(mulh_sat(scale, e(d)), 12 - h + 23) - 128, -128, 127)
 *   y     = -128 where d < diff_min. */
static void wq_softmax_row(const int8_t *x, int64_t xs, int8_t *y, int64_t ys, int64_t len,
                           int32_t mult, int32_t shift, int32_t diff_min) {
  int32_t mask = (int32_t)(UINT32_C(1) << shift);
  int32_t mx = x[0];
  for (int64_t i = 1; i < len; i++)
    if (x[i * xs] > mx) mx = x[i * xs];
  uint32_t sum = 0;
  for (int64_t i = 0; i < len; i++) {
    int32_t d = x[i * xs] - mx;
    if (d >= diff_min)
      sum += (uint32_t)wq_rdiv_pow2(wq_exp_on_neg(wq_mulh_sat(wq_mul32(d, mask), mult)),
                                    WQ_SOFTMAX_ACCUM_BITS);
  }
  int headroom = 0;
  while (headroom < 32 && !(sum & (UINT32_C(0x80000000) >> headroom))) headroom++;
  int32_t shifted = (int32_t)(((int32_t)sum > 0 ? sum << headroom : 0u) - UINT32_C(0x80000000));
  int32_t scale = wq_one_over_1px(shifted);
  int bits = WQ_SOFTMAX_ACCUM_BITS - headroom + 23;
  if (bits > 31) bits = 31; /* only when sum overflowed (rows > 4096 long) */
  if (bits < 0) bits = 0;
  for (int64_t i = 0; i < len; i++) {
    int32_t d = x[i * xs] - mx;
    int32_t r = -128;
    if (d >= diff_min) {
      int32_t e = wq_exp_on_neg(wq_mulh_sat(wq_mul32(d, mask), mult));
      r = wq_clamp(wq_add32(wq_rdiv_pow2(wq_mulh_sat(scale, e), bits), -128), -128, 127);
    }
    y[i * ys] = (int8_t)r;
  }
}

/* "TiiiiiiT": input, dim, input_zero_point, output_zero_point,
 * input_multiplier, input_shift, diff_min, out */
WK_QUANT_KERNEL(wick_op_cm_softmax_out) {
  (void)nargs;
  const wick_tensor *in = args[0]->u.t;
  wick_tensor *out = args[7]->u.t;
  int64_t ozp = args[3]->u.i, mult = args[4]->u.i, shift = args[5]->u.i, diff_min = args[6]->u.i;
  wick_status s;
  if ((s = wq_check_dtype(ctx, "input", in, WICK_I8)) || (s = wq_check_dtype(ctx, "out", out, WICK_I8)) ||
      (s = wq_check_range(ctx, "output_zero_point", ozp, -128, -128)) ||
      (s = wq_check_range(ctx, "input_multiplier", mult, INT32_MIN, INT32_MAX)) ||
      (s = wq_check_range(ctx, "input_shift", shift, 0, 31)) ||
      (s = wq_check_range(ctx, "diff_min", diff_min, INT32_MIN, 0)))
    return s;
  int dim;
  if (in->dim == 0 || !wk_wrap_dim(args[1]->u.i, in->dim, &dim))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld is out of range for rank %d",
                            (long long)args[1]->u.i, in->dim);
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d < in->dim; d++) sizes[d] = in->sizes[d];
  if ((s = wq_resize(ctx, out, in->dim, sizes))) return s;
  int64_t len = in->sizes[dim];
  if (len == 0) return WICK_OK;
  size_t rows = wk_numel(in) / (size_t)len;
  int64_t idx[WICK_MAX_DIM];
  for (size_t r = 0; r < rows; r++) {
    size_t q = r;
    for (int d = in->dim - 1; d >= 0; d--) {
      if (d == dim) {
        idx[d] = 0;
        continue;
      }
      idx[d] = (int64_t)(q % (size_t)in->sizes[d]);
      q /= (size_t)in->sizes[d];
    }
    wq_softmax_row((const int8_t *)in->data + wq_off(in, idx), in->strides[dim],
                   (int8_t *)out->data + wq_off(out, idx), out->strides[dim], len, (int32_t)mult,
                   (int32_t)shift, (int32_t)diff_min);
  }
  return WICK_OK;
}
