/* aten::lt.Scalar_out(Tensor self, Scalar other, *, Tensor(a!) out)
 * aten::lt.Tensor_out(Tensor self, Tensor other, *, Tensor(a!) out)
 *
 *   out = self < other
 *   Compared in the promoted dtype of self and other (a Scalar promotes with
 *   lower priority); self and a tensor other broadcast. out may have any
 *   dtype: it receives 1 / 0.
 */
#include "kernels/portable/util.h"

WK_KERNEL(wick_op_lt_scalar_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  return wk_compare_op(ctx, WK_LT, args[0]->u.t, NULL, args[1], args[2]->u.t);
}

WK_KERNEL(wick_op_lt_tensor_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  return wk_compare_op(ctx, WK_LT, args[0]->u.t, args[1]->u.t, NULL, args[2]->u.t);
}
