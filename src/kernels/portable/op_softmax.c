/* aten::_softmax.out(Tensor self, int dim, bool half_to_float, *, Tensor(a!) out)
 * aten::_log_softmax.out(Tensor self, int dim, bool half_to_float, *, Tensor(a!) out)
 *
 *   softmax:     out = exp(x - max) / sum(exp(x - max))     along dim
 *   log_softmax: out = x - max - log(sum(exp(x - max)))
 *   Three passes over each row (max, sum, write), computed in double; any dim
 *   order for self and out (rows are walked through strides). A NaN in a row
 *   makes the whole row NaN. Floating dtypes; out has self's dtype.
 *   half_to_float=true is refused (as ATen does on CPU).
 */
#include "kernels/portable/nn_util.h"

static inline void softmax_rows(const wick_tensor *self, int dim, bool log_sm, wick_tensor *out,
                                int dt) {
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
  const void *x = self->data;
  void *y = out->data;
  if (len == 0) return;
  for (int64_t r = 0; r < it.numel; r++, wk_iter_next(&it)) {
    const int64_t xo = it.off[0], yo = it.off[1];
    double mx = -INFINITY;
    for (int64_t j = 0; j < len; j++) {
      double v = wk_ld_f(x, dt, xo + j * xs);
      if (isnan(v) || v > mx) mx = v;
      if (isnan(v)) break;
    }
    double sum = 0;
    for (int64_t j = 0; j < len; j++) sum += exp(wk_ld_f(x, dt, xo + j * xs) - mx);
    if (log_sm) {
      double lse = log(sum);
      for (int64_t j = 0; j < len; j++)
        wk_st_f(y, dt, yo + j * ys, wk_ld_f(x, dt, xo + j * xs) - mx - lse);
    } else {
      for (int64_t j = 0; j < len; j++)
        wk_st_f(y, dt, yo + j * ys, exp(wk_ld_f(x, dt, xo + j * xs) - mx) / sum);
    }
  }
}

static void softmax_f32(const wick_tensor *self, int dim, bool log_sm, wick_tensor *out) {
  softmax_rows(self, dim, log_sm, out, WICK_F32);
}
static void softmax_any(const wick_tensor *self, int dim, bool log_sm, wick_tensor *out) {
  softmax_rows(self, dim, log_sm, out, self->dtype);
}

static wick_status softmax_op(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs,
                              bool log_sm) {
  if (nargs != 4)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  int64_t dim_arg = args[1]->u.i;
  bool half_to_float = args[2]->u.b;
  wick_tensor *out = args[3]->u.t;
  wick_status s;

  /* 1. arguments */
  if ((s = wk_nn_check_float(ctx, "self", self)) ||
      (s = wk_nn_same_dtype(ctx, "self", self, "out", out)))
    return s;
  if (half_to_float)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "half_to_float=true is not supported (softmax with half to float "
                            "conversion is not supported on CPU)");
  int dim;
  if (!wk_wrap_dim(dim_arg, self->dim, &dim))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld out of range for a tensor of rank %d",
                            (long long)dim_arg, (int)self->dim);

  /* 2. out: self's shape (out keeps its own dim order) */
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d < self->dim; d++) sizes[d] = self->sizes[d];
  if ((s = wk_resize_out(ctx, out, self->dim, sizes))) return s;

  /* 3./4. compute */
  if (self->dtype == WICK_F32)
    softmax_f32(self, dim, log_sm, out);
  else
    softmax_any(self, dim, log_sm, out);
  return WICK_OK;
}

WK_KERNEL(wick_op_softmax_out) {
  return softmax_op(ctx, args, nargs, false);
}
WK_KERNEL(wick_op_log_softmax_out) {
  return softmax_op(ctx, args, nargs, true);
}
