/* aten::cumsum.out(Tensor self, int dim, *, ScalarType? dtype=None, Tensor(a!) out)
 *
 *   out[..., i, ...] = sum_{j <= i} self[..., j, ...] along dim
 *   Elements are cast to out's dtype first (self.to(dtype)); floating sums
 *   accumulate in double (ATen's CPU acc type), integral ones in int64 with
 *   wrap-around. out's dtype must be dtype when given, else int64 for
 *   integral/bool self and self's dtype otherwise. Any dim orders.
 */
#include "kernels/portable/nn_util.h"

WK_KERNEL(wick_op_cumsum_out) {
  if (nargs != 4)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  int64_t dim_arg = args[1]->u.i;
  wick_tensor *out = args[3]->u.t;
  wick_status s;

  /* 1. arguments */
  if ((s = wk_check_dtype(ctx, "self", self)) || (s = wk_check_dtype(ctx, "out", out))) return s;
  int want;
  if (args[2]->kind == WICK_VAL_INT) {
    want = (int)args[2]->u.i;
    if (!wk_dtype_supported(want))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "unsupported dtype %lld",
                              (long long)args[2]->u.i);
  } else {
    want = wk_is_float(self->dtype) ? self->dtype : WICK_I64;
  }
  if (out->dtype != want)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out dtype %s must be %s",
                            wk_dtype_name(out->dtype), wk_dtype_name(want));
  int dim;
  if (!wk_wrap_dim(dim_arg, self->dim, &dim))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld out of range for a tensor of rank %d",
                            (long long)dim_arg, (int)self->dim);

  /* 2. out */
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d < self->dim; d++) sizes[d] = self->sizes[d];
  if ((s = wk_resize_out(ctx, out, self->dim, sizes))) return s;

  /* 3./4. compute, row by row */
  bool hold[WICK_MAX_DIM] = {false};
  int64_t len = 1, xs = 0, ys = 0;
  if (self->dim > 0) {
    hold[dim] = true;
    len = self->sizes[dim];
    xs = self->strides[dim];
    ys = out->strides[dim];
  }
  const wick_tensor *ts[2] = {self, out};
  wk_iter it;
  wk_nn_iter_hold(&it, self, hold, 2, ts);
  const int sdt = self->dtype, odt = out->dtype;
  for (int64_t r = 0; r < it.numel; r++, wk_iter_next(&it)) {
    if (wk_is_float(odt)) {
      double acc = 0;
      for (int64_t j = 0; j < len; j++) {
        acc += wk_ld_as_f(self->data, sdt, it.off[0] + j * xs, odt);
        wk_st_f(out->data, odt, it.off[1] + j * ys, acc);
      }
    } else {
      uint64_t acc = 0;
      for (int64_t j = 0; j < len; j++) {
        acc += (uint64_t)wk_wrap_i(odt, wk_ld_i(self->data, sdt, it.off[0] + j * xs));
        wk_st_i(out->data, odt, it.off[1] + j * ys, (int64_t)acc);
      }
    }
  }
  return WICK_OK;
}
