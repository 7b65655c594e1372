/* aten::mul.out(Tensor self, Tensor other, *, Tensor(a!) out)
 * aten::mul.Scalar_out(Tensor self, Scalar other, *, Tensor(a!) out)
 *
 *   out = self * other   (bool * bool is logical and)
 *   Broadcasting and promotion as add.
 */
#include "kernels/portable/util.h"

WK_KERNEL(wick_op_mul_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  if (wk_f32_binary_fast(WK_MUL, args[0]->u.t, args[1]->u.t, NULL, args[2]->u.t)) return WICK_OK;
  return wk_binary_op(ctx, WK_MUL, args[0]->u.t, args[1]->u.t, NULL, NULL, args[2]->u.t);
}

WK_KERNEL(wick_op_mul_scalar_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  if (wk_f32_scalar_fast(WK_MUL, args[0]->u.t, args[1], NULL, args[2]->u.t)) return WICK_OK;
  return wk_binary_op(ctx, WK_MUL, args[0]->u.t, NULL, args[1], NULL, args[2]->u.t);
}
