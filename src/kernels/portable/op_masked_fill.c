/* aten::masked_fill.Scalar_out(Tensor self, Tensor mask, Scalar value, *, Tensor(a!) out)   "TTST"
 *
 *   out = mask ? value : self
 *   mask is bool and broadcasts with self; value is converted to self's
 *   dtype (an overflow is an error); out must be castable from self's dtype.
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

WK_KERNEL(wick_op_masked_fill_scalar_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t, *mask = args[1]->u.t;
  const wick_value *value = args[2];
  wick_tensor *out = args[3]->u.t;
  char b1[96], b2[96];

  /* 1. arguments */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self)) || (s = wk_check_dtype(ctx, "out", out))) return s;
  if (mask->dtype != WICK_BOOL)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "mask %s must be bool", wk_desc(mask, b1));
  int dt = self->dtype;
  if (!wk_can_cast(dt, out->dtype))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "result type %s can't be cast to the desired output type %s",
                            wk_dtype_name(dt), wk_dtype_name(out->dtype));
  if ((s = mu_check_scalar_fits(ctx, "value", value, dt))) return s;
  const wick_tensor *ins[2] = {self, mask};
  int dim;
  int64_t sizes[WICK_MAX_DIM];
  if (!wk_broadcast_shape(2, ins, &dim, sizes))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s and mask %s are not broadcastable",
                            wk_desc(self, b1), wk_desc(mask, b2));

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, dim, sizes))) return s;

  /* 3. float32 over flat memory */
  wk_iter it;
  wk_iter_elementwise(&it, out, 2, ins);
  const uint8_t *m = mask->data;
  if (dt == WICK_F32 && out->dtype == WICK_F32 && mu_iter_flat(&it)) {
    const float *x = self->data;
    float *y = out->data, v = (float)wk_scalar_as_f(value, WICK_F32);
    for (int64_t i = 0; i < it.numel; i++) y[i] = m[i] ? v : x[i];
    return WICK_OK;
  }

  /* 4. generic: value as an element of self's dtype */
  bool fl = wk_is_float(dt);
  double vf = fl ? wk_scalar_as_f(value, dt) : 0;
  int64_t vi = fl ? 0 : wk_scalar_as_i(value, dt);
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    if (m[it.off[2]]) {
      if (fl) wk_st_f(out->data, out->dtype, it.off[0], vf);
      else wk_st_i(out->data, out->dtype, it.off[0], vi);
    } else {
      wk_copy_elem(out->data, out->dtype, it.off[0], self->data, dt, it.off[1]);
    }
  }
  return WICK_OK;
}
