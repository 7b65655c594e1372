/* aten::scalar_tensor.out(Scalar s, *, Tensor(a!) out)   "ST"
 *   out (0-dim) = s cast to out's dtype
 * aten::zeros.out(SymInt[] size, *, Tensor(a!) out)       "IT"
 * aten::ones.out(SymInt[] size, *, Tensor(a!) out)        "IT"
 *   out[size] = 0 / 1 in out's dtype
 * A value that overflows out's dtype is an error (ATen's checked cast).
 */
#include <string.h>

#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

/* Fills every element of out with v (the dim order does not matter). */
static void fill(wick_tensor *out, const wick_value *v) {
  unsigned char elem[8];
  if (v->kind == WICK_VAL_DOUBLE)
    wk_st_f(elem, out->dtype, 0, v->u.d);
  else
    wk_st_i(elem, out->dtype, 0, v->kind == WICK_VAL_INT ? v->u.i : v->u.b);
  size_t n = wk_numel(out), es = wick_dtype_size(out->dtype);
  unsigned char *p = out->data;
  for (size_t i = 0; i < n; i++) memcpy(p + i * es, elem, es);
}

WK_KERNEL(wick_op_scalar_tensor_out) {
  if (nargs != 2) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 2 arguments, got %u", nargs);
  wick_tensor *out = args[1]->u.t;
  wick_status s;
  if ((s = wk_check_dtype(ctx, "out", out)) || (s = mu_check_scalar_fits(ctx, "value", args[0], out->dtype)) ||
      (s = wk_resize_out(ctx, out, 0, NULL)))
    return s;
  fill(out, args[0]);
  return WICK_OK;
}

static wick_status const_fill(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs, int64_t v) {
  if (nargs != 2) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 2 arguments, got %u", nargs);
  uint32_t n;
  const int64_t *size = wick_value_int_list(args[0], &n);
  wick_tensor *out = args[1]->u.t;
  wick_status s;
  if ((s = wk_check_dtype(ctx, "out", out))) return s;
  if (n > WICK_MAX_DIM)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "size has %u entries (max %d)", n, WICK_MAX_DIM);
  for (uint32_t k = 0; k < n; k++)
    if (size[k] < 0)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "negative size %lld", (long long)size[k]);
  if ((s = wk_resize_out(ctx, out, (int)n, size))) return s;
  wick_value val;
  memset(&val, 0, sizeof val);
  val.kind = WICK_VAL_INT;
  val.u.i = v;
  fill(out, &val);
  return WICK_OK;
}

WK_KERNEL(wick_op_zeros_out) { return const_fill(ctx, args, nargs, 0); }
WK_KERNEL(wick_op_ones_out) { return const_fill(ctx, args, nargs, 1); }
