/* aten::addmm.out(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1,
 *                 Scalar alpha=1, Tensor(a!) out)
 *
 *   out[m,n] = beta * self + alpha * (mat1[m,k] @ mat2[k,n])
 *   self broadcasts to [m,n] (a bias row [n], a column [m,1], a scalar...);
 *   beta == 0 ignores self entirely (NaN / inf in self do not propagate).
 *   All tensors share one dtype; integral dtypes need integral beta/alpha.
 */
#include "kernels/portable/util.h"

WK_KERNEL(wick_op_addmm_out) {
  if (nargs != 6) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 6 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t, *mat1 = args[1]->u.t, *mat2 = args[2]->u.t;
  const wick_value *beta = args[3], *alpha = args[4];
  wick_tensor *out = args[5]->u.t;
  char b1[96], b2[96];

  /* 1. arguments */
  wick_status s = wk_check_mm(ctx, mat1, mat2, out);
  if (s) return s;
  if ((s = wk_check_dtype(ctx, "self", self))) return s;
  if (self->dtype != mat1->dtype)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s and mat1 %s must have the same dtype",
                            wk_desc(self, b1), wk_desc(mat1, b2));
  int64_t sizes[2] = {mat1->sizes[0], mat2->sizes[1]};
  if (!wk_broadcastable_to(self, 2, sizes))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s does not broadcast to [%lld,%lld]",
                            wk_desc(self, b1), (long long)sizes[0], (long long)sizes[1]);
  if (!wk_is_float(self->dtype) &&
      (beta->kind == WICK_VAL_DOUBLE || alpha->kind == WICK_VAL_DOUBLE))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "beta and alpha must be integral for %s inputs",
                            wk_dtype_name(self->dtype));

  /* 2. out [m,n] */
  if ((s = wk_resize_out(ctx, out, 2, sizes))) return s;

  /* 3./4. dtype dispatch happens in the shared loop */
  wk_addmm_compute(self, mat1, mat2, beta, alpha, out);
  return WICK_OK;
}
