/* aten::sum.IntList_out(Tensor self, int[1]? dim, bool keepdim=False, *,
 *                       ScalarType? dtype=None, Tensor(a!) out)
 *
 *   out = sum of self over dim (None or [] = every dim)
 *   self [2,3,4], dim [-1], keepdim=true -> out [2,3,1]
 *   Elements are cast to out's dtype (which must equal dtype when given)
 *   before they are added.
 */
#include "kernels/portable/util.h"

WK_KERNEL(wick_op_sum_intlist_out) {
  if (nargs != 5) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 5 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  bool keepdim = args[2]->u.b;
  wick_tensor *out = args[4]->u.t;

  /* 1. arguments */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self)) || (s = wk_check_dtype(ctx, "out", out))) return s;
  if (args[3]->kind == WICK_VAL_INT) {
    int64_t dtype = args[3]->u.i;
    if (dtype != out->dtype)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out dtype %s does not match dtype %s",
                              wk_dtype_name(out->dtype), wk_dtype_name((int)dtype));
  } else if (!wk_can_cast(self->dtype, out->dtype)) {
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "result type %s can't be cast to the desired output type %s",
                            wk_dtype_name(self->dtype), wk_dtype_name(out->dtype));
  }
  bool mask[WICK_MAX_DIM];
  if ((s = wk_reduce_mask(ctx, self, args[1], mask))) return s;

  /* 2. out */
  int dim;
  int64_t sizes[WICK_MAX_DIM];
  wk_reduce_shape(self, mask, keepdim, &dim, sizes);
  if ((s = wk_resize_out(ctx, out, dim, sizes))) return s;

  /* 3./4. compute (dtype dispatch per element in the shared loop) */
  wk_reduce_sum(self, mask, keepdim, out, false);
  return WICK_OK;
}
