/* aten::add.out(Tensor self, Tensor other, *, Scalar alpha=1, Tensor(a!) out)
 * aten::add.Scalar_out(Tensor self, Scalar other, Scalar alpha=1, *, Tensor(a!) out)
 *
 *   out = self + alpha * other
 *   self [..] and a tensor other [..] broadcast to out [..]; computed in the
 *   promoted dtype of self and other (a Scalar promotes with lower priority),
 *   then cast to out's dtype. alpha must be integral for integral results
 *   and may be bool only for bool results.
 */
#include "kernels/portable/util.h"

WK_KERNEL(wick_op_add_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  if (wk_f32_binary_fast(WK_ADD, args[0]->u.t, args[1]->u.t, args[2], args[3]->u.t)) return WICK_OK;
  return wk_binary_op(ctx, WK_ADD, args[0]->u.t, args[1]->u.t, NULL, args[2], args[3]->u.t);
}

WK_KERNEL(wick_op_add_scalar_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  if (wk_f32_scalar_fast(WK_ADD, args[0]->u.t, args[1], args[2], args[3]->u.t)) return WICK_OK;
  return wk_binary_op(ctx, WK_ADD, args[0]->u.t, NULL, args[1], args[2], args[3]->u.t);
}
