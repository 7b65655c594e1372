/* aten::native_group_norm.out(Tensor input, Tensor? weight, Tensor? bias,
 *     SymInt N, SymInt C, SymInt HxW, int group, float eps, *,
 *     Tensor(a!) out0, Tensor(b!) out1, Tensor(c!) out2)
 *
 *   input (N, C, *) with N*C*HxW elements; channels split into `group`
 *   groups of C/group; each (n, g) block of C/group * HxW elements is
 *   normalized with its mean and biased variance:
 *     out0[n,c,...] = (x - mean[n,g]) * rstd[n,g] * weight[c] + bias[c]
 *     out1 = mean (N, group), out2 = rstd = 1/sqrt(var + eps) (N, group)
 *   Sums in double, two passes. Floating dtypes: out0 has input's dtype,
 *   out1/out2 and weight/bias (vectors of C, default 1 / 0) any floating
 *   dtype. Default dim order for input and out0.
 */
#include "kernels/portable/nn_util.h"

static inline void gn_body(const wick_tensor *x, const wick_tensor *w, const wick_tensor *b,
                           int64_t N, int64_t C, int64_t HxW, int64_t G, double eps, wick_tensor *y,
                           wick_tensor *mo, wick_tensor *ro, int dt) {
  const int64_t cpg = C / G, len = cpg * HxW;
  for (int64_t n = 0; n < N; n++) {
    for (int64_t g = 0; g < G; g++) {
      const int64_t base = (n * C + g * cpg) * HxW;
      double sum = 0;
      for (int64_t i = 0; i < len; i++) sum += wk_ld_f(x->data, dt, base + i);
      double mean = len ? sum / (double)len : 0.0, sq = 0;
      for (int64_t i = 0; i < len; i++) {
        double d = wk_ld_f(x->data, dt, base + i) - mean;
        sq += d * d;
      }
      double rstd = 1.0 / sqrt((len ? sq / (double)len : 0.0) + eps);
      for (int64_t cl = 0; cl < cpg; cl++) {
        int64_t c = g * cpg + cl;
        double sc = rstd * (w ? wk_ld_f(w->data, w->dtype, c) : 1.0);
        double sh = (b ? wk_ld_f(b->data, b->dtype, c) : 0.0) - mean * sc;
        for (int64_t i = 0; i < HxW; i++) {
          int64_t k = base + cl * HxW + i;
          wk_st_f(y->data, dt, k, wk_ld_f(x->data, dt, k) * sc + sh);
        }
      }
      /* out1 / out2 are (N, group); any dim order */
      wk_st_f(mo->data, mo->dtype, n * mo->strides[0] + g * mo->strides[1], mean);
      wk_st_f(ro->data, ro->dtype, n * ro->strides[0] + g * ro->strides[1], rstd);
    }
  }
}

static void gn_f32(const wick_tensor *x, const wick_tensor *w, const wick_tensor *b, int64_t N,
                   int64_t C, int64_t HxW, int64_t G, double eps, wick_tensor *y, wick_tensor *mo,
                   wick_tensor *ro) {
  gn_body(x, w, b, N, C, HxW, G, eps, y, mo, ro, WICK_F32);
}
static void gn_any(const wick_tensor *x, const wick_tensor *w, const wick_tensor *b, int64_t N,
                   int64_t C, int64_t HxW, int64_t G, double eps, wick_tensor *y, wick_tensor *mo,
                   wick_tensor *ro) {
  gn_body(x, w, b, N, C, HxW, G, eps, y, mo, ro, x->dtype);
}

WK_KERNEL(wick_op_native_group_norm_out) {
  if (nargs != 11)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 11 arguments, got %u", nargs);
  const wick_tensor *input = args[0]->u.t;
  const wick_tensor *weight = args[1]->kind == WICK_VAL_TENSOR ? args[1]->u.t : NULL;
  const wick_tensor *bias = args[2]->kind == WICK_VAL_TENSOR ? args[2]->u.t : NULL;
  int64_t N = args[3]->u.i, C = args[4]->u.i, HxW = args[5]->u.i, G = args[6]->u.i;
  double eps = args[7]->u.d;
  wick_tensor *out0 = args[8]->u.t, *out1 = args[9]->u.t, *out2 = args[10]->u.t;
  char b1[96];
  wick_status s;

  /* 1. arguments */
  if ((s = wk_nn_check_float(ctx, "input", input)) ||
      (s = wk_nn_same_dtype(ctx, "input", input, "out0", out0)) ||
      (s = wk_nn_check_float(ctx, "out1", out1)) || (s = wk_nn_check_float(ctx, "out2", out2)) ||
      (s = wk_nn_check_contig(ctx, "input", input)) || (s = wk_nn_check_contig(ctx, "out0", out0)))
    return s;
  if (input->dim < 2 || input->sizes[0] != N || input->sizes[1] != C || N < 0 || C < 1 || HxW < 0 ||
      (int64_t)wk_numel(input) != N * C * HxW)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "input %s does not match N=%lld, C=%lld, HxW=%lld", wk_desc(input, b1),
                            (long long)N, (long long)C, (long long)HxW);
  if (G < 1 || C % G != 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "expected the number of channels %lld to be divisible by group %lld",
                            (long long)C, (long long)G);
  if (weight && (!wk_is_float(weight->dtype) || weight->dim != 1 || weight->sizes[0] != C))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "weight %s must be a floating vector of %lld elements",
                            wk_desc(weight, b1), (long long)C);
  if (bias && (!wk_is_float(bias->dtype) || bias->dim != 1 || bias->sizes[0] != C))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "bias %s must be a floating vector of %lld elements", wk_desc(bias, b1),
                            (long long)C);
  if (!(eps >= 0))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "eps must be non-negative, got %g", eps);

  /* 2. outs */
  int64_t sizes[WICK_MAX_DIM], ssz[2] = {N, G};
  for (int d = 0; d < input->dim; d++) sizes[d] = input->sizes[d];
  if ((s = wk_resize_out(ctx, out0, input->dim, sizes)) || (s = wk_resize_out(ctx, out1, 2, ssz)) ||
      (s = wk_resize_out(ctx, out2, 2, ssz)))
    return s;

  /* 3./4. compute */
  if (input->dtype == WICK_F32)
    gn_f32(input, weight, bias, N, C, HxW, G, eps, out0, out1, out2);
  else
    gn_any(input, weight, bias, N, C, HxW, G, eps, out0, out1, out2);
  return WICK_OK;
}
