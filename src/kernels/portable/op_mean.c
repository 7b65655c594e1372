/* aten::mean.out(Tensor self, int[1]? dim, bool keepdim=False, *,
 *                ScalarType? dtype=None, Tensor(a!) out)
 *
 *   out = mean of self over dim (None or [] = every dim)
 *   self [2,3,4], dim [0,-1], keepdim=false -> out [3]
 *   Floating only: without dtype self must be floating (ATen cannot infer an
 *   output dtype otherwise); with dtype, it must be floating and equal out's
 *   dtype, and self's elements are cast to it. Sums accumulate in double.
 */
#include "kernels/portable/util.h"

WK_KERNEL(wick_op_mean_out) {
  if (nargs != 5) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 5 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  bool keepdim = args[2]->u.b;
  wick_tensor *out = args[4]->u.t;

  /* 1. arguments */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self)) || (s = wk_check_dtype(ctx, "out", out))) return s;
  if (args[3]->kind == WICK_VAL_INT) {
    int dtype = (int)args[3]->u.i;
    if (!wk_is_float(dtype))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "mean(): could not infer output dtype. Optional dtype must be either "
                              "a floating point or complex dtype. Got: %s", wk_dtype_name(dtype));
    if (dtype != out->dtype)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out dtype %s does not match dtype %s",
                              wk_dtype_name(out->dtype), wk_dtype_name(dtype));
  } else {
    if (!wk_is_float(self->dtype))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "mean(): could not infer output dtype. Input dtype must be either "
                              "a floating point or complex dtype. Got: %s", wk_dtype_name(self->dtype));
    if (!wk_is_float(out->dtype))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out dtype %s must be floating",
                              wk_dtype_name(out->dtype));
  }
  bool mask[WICK_MAX_DIM];
  if ((s = wk_reduce_mask(ctx, self, args[1], mask))) return s;

  /* 2. out */
  int dim;
  int64_t sizes[WICK_MAX_DIM];
  wk_reduce_shape(self, mask, keepdim, &dim, sizes);
  if ((s = wk_resize_out(ctx, out, dim, sizes))) return s;

  /* 3./4. compute */
  wk_reduce_sum(self, mask, keepdim, out, true);
  return WICK_OK;
}
