/* aten::relu.out(Tensor self, *, Tensor(a!) out)
 *
 *   out = max(self, 0)   (NaN stays NaN; bool is rejected)
 */
#include "kernels/portable/util.h"

WK_KERNEL(wick_op_relu_out) {
  if (nargs != 2) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 2 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  wick_tensor *out = args[1]->u.t;
  char b1[96];

  /* 1. arguments */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self))) return s;
  if (self->dtype == WICK_BOOL)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "relu is not supported for bool self");
  if (out->dtype != self->dtype)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out dtype %s does not match self %s",
                            wk_dtype_name(out->dtype), wk_desc(self, b1));

  /* 2. out */
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d < self->dim; d++) sizes[d] = self->sizes[d];
  if ((s = wk_resize_out(ctx, out, self->dim, sizes))) return s;

  /* 3./4. float32 flat fast path, generic walk otherwise */
  const wick_tensor *ins[1] = {self};
  wk_iter it;
  wk_iter_elementwise(&it, out, 1, ins);
  int dt = self->dtype;
  if (dt == WICK_F32 && it.dim == 1 && it.stride[0][0] == 1 && it.stride[1][0] == 1) {
    const float *x = self->data;
    float *y = out->data;
    for (int64_t i = 0; i < it.numel; i++) y[i] = x[i] < 0 ? 0.0f : x[i];
    return WICK_OK;
  }
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    if (wk_is_float(dt)) {
      double v = wk_ld_f(self->data, dt, it.off[1]);
      wk_st_f(out->data, dt, it.off[0], v < 0 ? 0.0 : v);
    } else {
      int64_t v = wk_ld_i(self->data, dt, it.off[1]);
      wk_st_i(out->data, dt, it.off[0], v < 0 ? 0 : v);
    }
  }
  return WICK_OK;
}
