/* aten::native_layer_norm.out(Tensor input, SymInt[] normalized_shape,
 *     Tensor? weight, Tensor? bias, float eps, *, Tensor(a!) out0,
 *     Tensor(b!) out1, Tensor(c!) out2)
 *
 *   input [2,3,4], normalized_shape [4] (the trailing dims of input):
 *     each of the 2*3 rows of 4 elements is normalized on its own
 *     out0 = (x - mean) * rstd * weight + bias           (input's shape)
 *     out1 = mean, out2 = rstd = 1/sqrt(var + eps)        ([2,3,1])
 *   var is the biased variance. Sums run in double, two passes (mean, then
 *   squared deviations). weight and bias (default 1 and 0) have
 *   normalized_shape and the default dim order; input, out0, out1, out2 may
 *   use any dim order. Floating dtypes: out0 has input's dtype, out1/out2 any
 *   floating dtype; weight/bias any floating dtype.
 */
#include "kernels/portable/nn_util.h"

typedef struct ln_args {
  const wick_tensor *x, *w, *b;
  wick_tensor *y, *mean, *rstd;
  int axis;
  double eps;
} ln_args;

static inline void ln_body(const ln_args *a, int dt) {
  const wick_tensor *x = a->x;
  bool hold_outer[WICK_MAX_DIM], hold_inner[WICK_MAX_DIM];
  for (int d = 0; d < WICK_MAX_DIM; d++) {
    hold_outer[d] = d >= a->axis;
    hold_inner[d] = d < a->axis;
  }
  const wick_tensor *ots[4] = {x, a->y, a->mean, a->rstd};
  const wick_tensor *its[2] = {x, a->y};
  wk_iter outer, inner;
  wk_nn_iter_hold(&outer, x, hold_outer, 4, ots);
  wk_nn_iter_hold(&inner, x, hold_inner, 2, its);
  const int64_t n = inner.numel;
  const void *w = a->w ? a->w->data : NULL, *b = a->b ? a->b->data : NULL;
  const int wdt = a->w ? a->w->dtype : 0, bdt = a->b ? a->b->dtype : 0;
  for (int64_t r = 0; r < outer.numel; r++, wk_iter_next(&outer)) {
    const int64_t xo = outer.off[0], yo = outer.off[1];
    wk_iter it = inner;
    double sum = 0;
    for (int64_t j = 0; j < n; j++, wk_iter_next(&it)) sum += wk_ld_f(x->data, dt, xo + it.off[0]);
    double mean = n ? sum / (double)n : 0.0;
    it = inner;
    double sq = 0;
    for (int64_t j = 0; j < n; j++, wk_iter_next(&it)) {
      double dv = wk_ld_f(x->data, dt, xo + it.off[0]) - mean;
      sq += dv * dv;
    }
    double var = n ? sq / (double)n : 0.0;
    double rstd = 1.0 / sqrt(var + a->eps);
    it = inner;
    for (int64_t j = 0; j < n; j++, wk_iter_next(&it)) {
      double v = (wk_ld_f(x->data, dt, xo + it.off[0]) - mean) * rstd;
      if (w) v *= wk_ld_f(w, wdt, j);
      if (b) v += wk_ld_f(b, bdt, j);
      wk_st_f(a->y->data, dt, yo + it.off[1], v);
    }
    wk_st_f(a->mean->data, a->mean->dtype, outer.off[2], mean);
    wk_st_f(a->rstd->data, a->rstd->dtype, outer.off[3], rstd);
  }
}

static void ln_f32(const ln_args *a) {
  ln_body(a, WICK_F32);
}
static void ln_any(const ln_args *a) {
  ln_body(a, a->x->dtype);
}

static wick_status check_affine(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t, int m,
                                const int64_t *ns) {
  char b1[96], b2[96];
  bool ok = wk_is_float(t->dtype) && t->dim == m;
  for (int i = 0; ok && i < m; i++) ok = t->sizes[i] == ns[i];
  if (!ok)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s %s must be floating with normalized_shape %s",
                            what, wk_desc(t, b1), wk_sizes_str(m, ns, b2, sizeof b2));
  return wk_nn_check_contig(ctx, what, t);
}

WK_KERNEL(wick_op_native_layer_norm_out) {
  if (nargs != 8)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 8 arguments, got %u", nargs);
  const wick_tensor *input = args[0]->u.t;
  const wick_tensor *weight = args[2]->kind == WICK_VAL_TENSOR ? args[2]->u.t : NULL;
  const wick_tensor *bias = args[3]->kind == WICK_VAL_TENSOR ? args[3]->u.t : NULL;
  double eps = args[4]->u.d;
  wick_tensor *out0 = args[5]->u.t, *out1 = args[6]->u.t, *out2 = args[7]->u.t;
  char b1[96], b2[96];
  wick_status s;

  /* 1. arguments */
  if ((s = wk_nn_check_float(ctx, "input", input)) ||
      (s = wk_nn_same_dtype(ctx, "input", input, "out0", out0)) ||
      (s = wk_nn_check_float(ctx, "out1", out1)) || (s = wk_nn_check_float(ctx, "out2", out2)))
    return s;
  uint32_t m = 0;
  const int64_t *ns = wick_value_int_list(args[1], &m);
  if (m == 0 || m > input->dim)
    return wick_kernel_fail(
        ctx, WICK_ERR_KERNEL,
        "normalized_shape %s must have between 1 and %d dims (the rank of input %s)",
        wk_sizes_str((int)m, ns, b2, sizeof b2), (int)input->dim, wk_desc(input, b1));
  const int axis = input->dim - (int)m;
  for (uint32_t i = 0; i < m; i++)
    if (ns[i] != input->sizes[axis + (int)i])
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "normalized_shape %s does not match the trailing dims of input %s",
                              wk_sizes_str((int)m, ns, b2, sizeof b2), wk_desc(input, b1));
  if ((weight && (s = check_affine(ctx, "weight", weight, (int)m, ns))) ||
      (bias && (s = check_affine(ctx, "bias", bias, (int)m, ns))))
    return s;
  if (!(eps >= 0))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "eps must be non-negative, got %g", eps);

  /* 2. outs */
  int64_t sizes[WICK_MAX_DIM], ssizes[WICK_MAX_DIM];
  for (int d = 0; d < input->dim; d++) {
    sizes[d] = input->sizes[d];
    ssizes[d] = d < axis ? input->sizes[d] : 1;
  }
  if ((s = wk_resize_out(ctx, out0, input->dim, sizes)) ||
      (s = wk_resize_out(ctx, out1, input->dim, ssizes)) ||
      (s = wk_resize_out(ctx, out2, input->dim, ssizes)))
    return s;

  /* 3./4. compute */
  ln_args a = {input, weight, bias, out0, out1, out2, axis, eps};
  if (input->dtype == WICK_F32)
    ln_f32(&a);
  else
    ln_any(&a);
  return WICK_OK;
}
