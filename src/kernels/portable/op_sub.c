/* aten::sub.out(Tensor self, Tensor other, *, Scalar alpha=1, Tensor(a!) out)
 * aten::sub.Scalar_out(Tensor self, Scalar other, Scalar alpha=1, *, Tensor(a!) out)
 *
 *   out = self - alpha * other
 *   Broadcasting, promotion and alpha as add; bool operands are rejected (ATen).
 */
#include "kernels/portable/util.h"

WK_KERNEL(wick_op_sub_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  if (wk_f32_binary_fast(WK_SUB, args[0]->u.t, args[1]->u.t, args[2], args[3]->u.t)) return WICK_OK;
  return wk_binary_op(ctx, WK_SUB, args[0]->u.t, args[1]->u.t, NULL, args[2], args[3]->u.t);
}

WK_KERNEL(wick_op_sub_scalar_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  if (wk_f32_scalar_fast(WK_SUB, args[0]->u.t, args[1], args[2], args[3]->u.t)) return WICK_OK;
  return wk_binary_op(ctx, WK_SUB, args[0]->u.t, NULL, args[1], args[2], args[3]->u.t);
}
