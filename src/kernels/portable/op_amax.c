/* aten::amax.out(Tensor self, int[1] dim=[], bool keepdim=False, *, Tensor(a!) out)
 * aten::amin.out(Tensor self, int[1] dim=[], bool keepdim=False, *, Tensor(a!) out)
 *
 *   out = max (min) of self over dim ([] = every dim); NaN propagates.
 *   self [2,3,4], dim [0,2], keepdim=false -> out [3]
 *   Any supported dtype (integers compare exactly as int64); out has self's
 *   dtype; any dim orders. Reducing a dim of size 0 is an error (no identity).
 */
#include "kernels/portable/nn_util.h"

static wick_status extreme_op(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs,
                              bool is_max) {
  if (nargs != 4)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  bool keepdim = args[2]->u.b;
  wick_tensor *out = args[3]->u.t;
  char b1[96];
  wick_status s;

  /* 1. arguments */
  if ((s = wk_check_dtype(ctx, "self", self)) ||
      (s = wk_nn_same_dtype(ctx, "self", self, "out", out)))
    return s;
  bool mask[WICK_MAX_DIM];
  if ((s = wk_reduce_mask(ctx, self, args[1], mask))) return s;

  /* 2. out */
  int dim;
  int64_t sizes[WICK_MAX_DIM];
  wk_reduce_shape(self, mask, keepdim, &dim, sizes);
  if ((s = wk_resize_out(ctx, out, dim, sizes))) return s;

  wk_iter outer, inner;
  wk_nn_reduce_iters(self, mask, keepdim, out, &outer, &inner);
  if (inner.numel == 0 && outer.numel > 0)
    return wick_kernel_fail(
        ctx, WICK_ERR_KERNEL,
        "self %s: cannot reduce over a dim of size 0 (the operation has no identity)",
        wk_desc(self, b1));

  /* 3./4. compute */
  const int dt = self->dtype;
  const bool is_float = wk_is_float(dt);
  for (int64_t r = 0; r < outer.numel; r++, wk_iter_next(&outer)) {
    wk_iter it = inner;
    wk_nn_key best = wk_nn_load_key(self->data, dt, outer.off[0]);
    for (int64_t j = 0; j < inner.numel; j++, wk_iter_next(&it)) {
      wk_nn_key v = wk_nn_load_key(self->data, dt, outer.off[0] + it.off[0]);
      if (is_float && isnan(best.f)) break;
      if (is_max ? wk_nn_gt(is_float, v, best)
                 : wk_nn_gt(is_float, best, v) || (is_float && isnan(v.f)))
        best = v;
    }
    if (is_float)
      wk_st_f(out->data, dt, outer.off[1], best.f);
    else
      wk_st_i(out->data, dt, outer.off[1], best.i);
  }
  return WICK_OK;
}

WK_KERNEL(wick_op_amax_out) {
  return extreme_op(ctx, args, nargs, true);
}
WK_KERNEL(wick_op_amin_out) {
  return extreme_op(ctx, args, nargs, false);
}
