/* wick::rms_norm.out(Tensor x, Tensor weight, float eps, *, Tensor(a!) out)   "TTdT"
 *
 *   out[r, i] = weight[i] * (x[r, i] * inv_r),
 *   inv_r = 1 / sqrt(sum_i(x[r, i]^2) / D + eps)
 *   x [..., D] (rank >= 1), weight [D]; out gets x's shape; float32, row-major.
 *   Sums run in float in index order (llama2.c's rmsnorm); out may alias x.
 *
 * wick::swiglu.out(Tensor a, Tensor b, *, Tensor(a!) out)                     "TTT"
 *
 *   out = silu(a) * b = (a * (1 / (1 + exp(-a)))) * b, elementwise; a, b and
 *   out share one shape (out is resized to it); out may alias a or b.
 */
#include <math.h>

#include "kernels/portable/ops_llm.h"
#include "kernels/portable/util.h"

WK_LLM_KERNEL(wick_op_llm_rms_norm_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *x = args[0]->u.t, *w = args[1]->u.t;
  double eps = args[2]->u.d;
  wick_tensor *out = args[3]->u.t;
  char b1[96], b2[96];
  wick_status s;
  if ((s = wk_llm_check_f32(ctx, "x", x)) || (s = wk_llm_check_f32(ctx, "weight", w)) ||
      (s = wk_llm_check_f32(ctx, "out", out)))
    return s;
  if (x->dim < 1 || w->dim != 1 || w->sizes[0] != x->sizes[x->dim - 1])
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "weight %s does not match the last dim of x %s",
                            wk_desc(w, b1), wk_desc(x, b2));
  if (!(eps >= 0))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "eps %g must be >= 0", eps);
  int64_t sizes[WICK_MAX_DIM];
  for (int i = 0; i < x->dim; i++) sizes[i] = x->sizes[i];
  if ((s = wk_resize_out(ctx, out, x->dim, sizes))) return s;

  size_t d = (size_t)w->sizes[0];
  if (d == 0) return WICK_OK;
  size_t rows = wk_numel(x) / d;
  const float *wv = w->data;
  const float fe = (float)eps;
  for (size_t r = 0; r < rows; r++) {
    const float *xr = (const float *)x->data + r * d;
    float *yr = (float *)out->data + r * d;
    float ss = 0.0f;
    for (size_t i = 0; i < d; i++) ss += xr[i] * xr[i];
    ss /= (float)d;
    ss += fe;
    float inv = 1.0f / sqrtf(ss);
    for (size_t i = 0; i < d; i++) yr[i] = wv[i] * (inv * xr[i]);
  }
  return WICK_OK;
}

WK_LLM_KERNEL(wick_op_llm_swiglu_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *a = args[0]->u.t, *b = args[1]->u.t;
  wick_tensor *out = args[2]->u.t;
  char b1[96], b2[96];
  wick_status s;
  if ((s = wk_llm_check_f32(ctx, "a", a)) || (s = wk_llm_check_f32(ctx, "b", b)) ||
      (s = wk_llm_check_f32(ctx, "out", out)))
    return s;
  if (!wk_same_sizes(a, b))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "a %s and b %s must have the same shape",
                            wk_desc(a, b1), wk_desc(b, b2));
  int64_t sizes[WICK_MAX_DIM];
  for (int i = 0; i < a->dim; i++) sizes[i] = a->sizes[i];
  if ((s = wk_resize_out(ctx, out, a->dim, sizes))) return s;
  size_t n = wk_numel(a);
  const float *av = a->data, *bv = b->data;
  float *y = out->data;
  for (size_t i = 0; i < n; i++) {
    float v = av[i];
    v = v * (1.0f / (1.0f + expf(-v)));
    y[i] = v * bv[i];
  }
  return WICK_OK;
}
