/* aten::argmax.out(Tensor self, int? dim=None, bool keepdim=False, *, Tensor(a!) out)
 * aten::argmin.out(Tensor self, int? dim=None, bool keepdim=False, *, Tensor(a!) out)
 *
 *   out (int64) = index of the max (min) along dim; dim None flattens self
 *   (row-major logical order) and keepdim then gives all-ones sizes.
 *   Ties give the first index; a NaN counts as the extreme (the first NaN
 *   wins), as in ATen. Any supported dtype but bool; any dim orders. Empty
 *   reductions are an error.
 */
#include "kernels/portable/nn_util.h"

static wick_status arg_op(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs, bool is_max) {
  if (nargs != 4)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  bool keepdim = args[2]->u.b;
  wick_tensor *out = args[3]->u.t;
  char b1[96];
  wick_status s;

  /* 1. arguments */
  if ((s = wk_check_dtype(ctx, "self", self))) return s;
  if (self->dtype == WICK_BOOL)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s: bool is not supported",
                            wk_desc(self, b1));
  if (out->dtype != WICK_I64)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out %s must be int64", wk_desc(out, b1));
  bool mask[WICK_MAX_DIM];
  for (int d = 0; d < WICK_MAX_DIM; d++) mask[d] = args[1]->kind != WICK_VAL_INT && d < self->dim;
  if (args[1]->kind == WICK_VAL_INT) {
    int d;
    if (!wk_wrap_dim(args[1]->u.i, self->dim, &d))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld out of range for a tensor of rank %d",
                              (long long)args[1]->u.i, (int)self->dim);
    if (self->dim > 0) mask[d] = true;
  }

  /* 2. out */
  int dim;
  int64_t sizes[WICK_MAX_DIM];
  wk_reduce_shape(self, mask, keepdim, &dim, sizes);
  if ((s = wk_resize_out(ctx, out, dim, sizes))) return s;

  wk_iter outer, inner;
  wk_nn_reduce_iters(self, mask, keepdim, out, &outer, &inner);
  if (inner.numel == 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "self %s: cannot take arg%s of an empty reduction", wk_desc(self, b1),
                            is_max ? "max" : "min");

  /* 3./4. compute */
  const int dt = self->dtype;
  const bool is_float = wk_is_float(dt);
  int64_t *y = out->data;
  for (int64_t r = 0; r < outer.numel; r++, wk_iter_next(&outer)) {
    wk_iter it = inner;
    wk_nn_key best = wk_nn_load_key(self->data, dt, outer.off[0]);
    int64_t best_j = 0;
    for (int64_t j = 0; j < inner.numel; j++, wk_iter_next(&it)) {
      if (is_float && isnan(best.f)) break;
      wk_nn_key v = wk_nn_load_key(self->data, dt, outer.off[0] + it.off[0]);
      bool take = is_max ? wk_nn_gt(is_float, v, best)
                         : (wk_nn_gt(is_float, best, v) && !(is_float && isnan(best.f))) ||
                               (is_float && isnan(v.f));
      if (take) {
        best = v;
        best_j = j;
      }
    }
    y[outer.off[1]] = best_j;
  }
  return WICK_OK;
}

WK_KERNEL(wick_op_argmax_out) {
  return arg_op(ctx, args, nargs, true);
}
WK_KERNEL(wick_op_argmin_out) {
  return arg_op(ctx, args, nargs, false);
}
