/* aten::_native_batch_norm_legit_no_training.out(Tensor input, Tensor? weight,
 *     Tensor? bias, Tensor running_mean, Tensor running_var, float momentum,
 *     float eps, *, Tensor(a!) out0, Tensor(b!) out1, Tensor(c!) out2)
 *
 *   out0[n,c,...] = (input - mean[c]) / sqrt(var[c] + eps) * weight[c] + bias[c]
 *   Inference batch norm over channel dim 1 of an input of rank >= 2; weight
 *   and bias default to 1 and 0. Per-channel tensors are vectors of C
 *   elements of any floating dtype; out0 has input's shape and dtype.
 *   out1 / out2 (saved mean / rstd) are empty in inference: a dynamic one is
 *   resized to [0], a static one is left as it is (never written).
 *   momentum is unused. Any dim order (elements are walked through strides).
 */
#include "kernels/portable/nn_util.h"

static wick_status check_vec(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t,
                             int64_t c) {
  char b[96];
  if (!wk_is_float(t->dtype) || t->dim != 1 || t->sizes[0] != c)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "%s %s must be a floating vector of %lld elements", what, wk_desc(t, b),
                            (long long)c);
  return WICK_OK;
}

static inline void bn_body(const wick_tensor *in, const wick_tensor *w, const wick_tensor *b,
                           const wick_tensor *mean, const wick_tensor *var, double eps,
                           wick_tensor *out, int dt) {
  bool hold[WICK_MAX_DIM] = {false};
  hold[1] = true;
  const wick_tensor *ts[2] = {in, out};
  int64_t C = in->sizes[1];
  for (int64_t c = 0; c < C; c++) {
    double scale = 1.0 / sqrt(wk_ld_f(var->data, var->dtype, c) + eps);
    if (w) scale *= wk_ld_f(w->data, w->dtype, c);
    double shift = -wk_ld_f(mean->data, mean->dtype, c) * scale;
    if (b) shift += wk_ld_f(b->data, b->dtype, c);
    const int64_t xo = c * in->strides[1], yo = c * out->strides[1];
    wk_iter it;
    wk_nn_iter_hold(&it, in, hold, 2, ts);
    for (int64_t i = 0; i < it.numel; i++, wk_iter_next(&it))
      wk_st_f(out->data, dt, yo + it.off[1], wk_ld_f(in->data, dt, xo + it.off[0]) * scale + shift);
  }
}

static void bn_f32(const wick_tensor *in, const wick_tensor *w, const wick_tensor *b,
                   const wick_tensor *mean, const wick_tensor *var, double eps, wick_tensor *out) {
  bn_body(in, w, b, mean, var, eps, out, WICK_F32);
}
static void bn_any(const wick_tensor *in, const wick_tensor *w, const wick_tensor *b,
                   const wick_tensor *mean, const wick_tensor *var, double eps, wick_tensor *out) {
  bn_body(in, w, b, mean, var, eps, out, in->dtype);
}

WK_KERNEL(wick_op_native_batch_norm_no_training_out) {
  if (nargs != 10)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 10 arguments, got %u", nargs);
  const wick_tensor *input = args[0]->u.t;
  const wick_tensor *weight = args[1]->kind == WICK_VAL_TENSOR ? args[1]->u.t : NULL;
  const wick_tensor *bias = args[2]->kind == WICK_VAL_TENSOR ? args[2]->u.t : NULL;
  const wick_tensor *mean = args[3]->u.t, *var = args[4]->u.t;
  double eps = args[6]->u.d;
  wick_tensor *out0 = args[7]->u.t, *out1 = args[8]->u.t, *out2 = args[9]->u.t;
  char b1[96];
  wick_status s;

  /* 1. arguments */
  if ((s = wk_nn_check_float(ctx, "input", input)) ||
      (s = wk_nn_same_dtype(ctx, "input", input, "out0", out0)))
    return s;
  if (input->dim < 2)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "input %s must have at least 2 dims (N, C, ...)",
                            wk_desc(input, b1));
  int64_t C = input->sizes[1];
  if ((weight && (s = check_vec(ctx, "weight", weight, C))) ||
      (bias && (s = check_vec(ctx, "bias", bias, C))) ||
      (s = check_vec(ctx, "running_mean", mean, C)) || (s = check_vec(ctx, "running_var", var, C)))
    return s;
  if (!(eps >= 0))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "eps must be non-negative, got %g", eps);

  /* 2. outs */
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d < input->dim; d++) sizes[d] = input->sizes[d];
  if ((s = wk_resize_out(ctx, out0, input->dim, sizes))) return s;
  const int64_t zero = 0;
  wick_diag d;
  wick_diag_clear(&d);
  if (out1->dynamism != WICK_SHAPE_STATIC && out1->dim == 1)
    (void)wick_tensor_resize(out1, 1, &zero, &d);
  if (out2->dynamism != WICK_SHAPE_STATIC && out2->dim == 1)
    (void)wick_tensor_resize(out2, 1, &zero, &d);

  /* 3./4. compute */
  if (input->dtype == WICK_F32)
    bn_f32(input, weight, bias, mean, var, eps, out0);
  else
    bn_any(input, weight, bias, mean, var, eps, out0);
  return WICK_OK;
}
