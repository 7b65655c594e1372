/* aten::div.out(Tensor self, Tensor other, *, Tensor(a!) out)
 *   out = self / other, true division: integral and bool inputs promote to
 *   float32, so out must be floating.
 *
 * aten::div.out_mode(Tensor self, Tensor other, *, str? rounding_mode, Tensor(a!) out)
 *   rounding_mode None: as div.out
 *                 "trunc": trunc(self / other), in the promoted dtype
 *                 "floor": floor(self / other) (Python //), in the promoted dtype
 *   Integral division by zero is an error.
 *
 * aten::div.Scalar_out(Tensor self, Scalar other, *, Tensor(a!) out)
 *   out = self / other, true division.
 */
#include <string.h>

#include "kernels/portable/util.h"

WK_KERNEL(wick_op_div_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  if (wk_f32_binary_fast(WK_DIV, args[0]->u.t, args[1]->u.t, NULL, args[2]->u.t)) return WICK_OK;
  return wk_binary_op(ctx, WK_DIV, args[0]->u.t, args[1]->u.t, NULL, NULL, args[2]->u.t);
}

WK_KERNEL(wick_op_div_out_mode) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_value *mode = args[2];
  wk_binop op = WK_DIV;
  if (mode->kind == WICK_VAL_STRING) {
    if (strcmp(mode->u.s.ptr, "trunc") == 0)
      op = WK_DIV_TRUNC;
    else if (strcmp(mode->u.s.ptr, "floor") == 0)
      op = WK_DIV_FLOOR;
    else
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "rounding_mode must be None, 'trunc' or 'floor', got '%s'", mode->u.s.ptr);
  } else if (mode->kind != WICK_VAL_NONE) {
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "rounding_mode must be a string or None, got %s",
                            wick_value_kind_name(mode->kind));
  }
  return wk_binary_op(ctx, op, args[0]->u.t, args[1]->u.t, NULL, NULL, args[3]->u.t);
}

WK_KERNEL(wick_op_div_scalar_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  if (wk_f32_scalar_fast(WK_DIV, args[0]->u.t, args[1], NULL, args[2]->u.t)) return WICK_OK;
  return wk_binary_op(ctx, WK_DIV, args[0]->u.t, NULL, args[1], NULL, args[2]->u.t);
}
