/* aten::full.out(SymInt[] size, Scalar fill_value, *, Tensor(a!) out)
 *
 *   out[size] = fill_value, cast to out's dtype
 *   A value that overflows out's dtype is an error (ATen's checked cast);
 *   a floating value into an integral out truncates.
 */
#include <math.h>
#include <string.h>

#include "kernels/portable/util.h"

/* Whether v fits dtype dt without overflow (ATen checked_convert). */
static bool fits(const wick_value *v, int dt) {
  double lo, hi;
  switch (dt) {
    case WICK_BOOL: case WICK_F64: return true;
    case WICK_U8: lo = 0; hi = 255; break;
    case WICK_I8: lo = -128; hi = 127; break;
    case WICK_I16: lo = -32768; hi = 32767; break;
    case WICK_I32: lo = -2147483648.0; hi = 2147483647.0; break;
    case WICK_I64:
      if (v->kind != WICK_VAL_DOUBLE) return true;
      return v->u.d > -9223372036854775809.0 && v->u.d < 9223372036854775808.0;
    case WICK_F16: lo = -65504; hi = 65504; break;
    case WICK_BF16: lo = -0x1.fep127; hi = 0x1.fep127; break;
    default: lo = -0x1.fffffep127; hi = 0x1.fffffep127; break; /* f32 */
  }
  if (v->kind == WICK_VAL_INT) return (double)v->u.i >= lo && (double)v->u.i <= hi;
  if (v->kind != WICK_VAL_DOUBLE) return true;
  double d = v->u.d;
  if (wk_is_float(dt)) return !isfinite(d) || (d >= lo && d <= hi);
  return d > lo - 1 && d < hi + 1; /* truncates into range */
}

WK_KERNEL(wick_op_full_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  uint32_t n;
  const int64_t *size = wick_value_int_list(args[0], &n);
  const wick_value *fill = args[1];
  wick_tensor *out = args[2]->u.t;
  char b1[48];

  /* 1. arguments */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "out", out))) return s;
  if (n > WICK_MAX_DIM)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "size has %u entries (max %d)", n, WICK_MAX_DIM);
  for (uint32_t k = 0; k < n; k++)
    if (size[k] < 0)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "negative size %lld", (long long)size[k]);
  if (!fits(fill, out->dtype))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "value %s cannot be converted to type %s without overflow",
                            wk_scalar_str(fill, b1, sizeof b1), wk_dtype_name(out->dtype));

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, (int)n, size))) return s;

  /* 3. the fill value as one element of out's dtype */
  unsigned char elem[8];
  if (fill->kind == WICK_VAL_DOUBLE)
    wk_st_f(elem, out->dtype, 0, fill->u.d);
  else
    wk_st_i(elem, out->dtype, 0, fill->kind == WICK_VAL_INT ? fill->u.i : fill->u.b);

  /* 4. fill (every element is the same, so dim order does not matter) */
  size_t numel = wk_numel(out), es = wick_dtype_size(out->dtype);
  unsigned char *p = out->data;
  for (size_t i = 0; i < numel; i++) memcpy(p + i * es, elem, es);
  return WICK_OK;
}
