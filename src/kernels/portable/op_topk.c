/* aten::topk.values(Tensor self, SymInt k, int dim=-1, bool largest=True,
 *     bool sorted=True, *, Tensor(a!) values, Tensor(b!) indices)
 *
 *   values / indices (int64): the k largest (smallest) elements of each row
 *   along dim, in order; self [2,5], k 3, dim 1 -> [2,3].
 *   Order: by value (NaN above every number, as in ATen), equal values by
 *   index (smaller first) — the output is always sorted, which is a valid
 *   answer for sorted=false too. No scratch memory: the j-th pick is the best
 *   element after the (j-1)-th in that total order, found by a scan of the row
 *   (O(k * n) per row). Any supported dtype but bool; any dim orders.
 */
#include "kernels/portable/nn_util.h"

/* (a, ia) comes before (b, ib) in the output order. */
static inline bool before(bool is_float, bool largest, wk_nn_key a, int64_t ia, wk_nn_key b,
                          int64_t ib) {
  bool a_first = largest ? wk_nn_gt(is_float, a, b) : wk_nn_gt(is_float, b, a);
  if (a_first) return true;
  bool b_first = largest ? wk_nn_gt(is_float, b, a) : wk_nn_gt(is_float, a, b);
  if (b_first) return false;
  return ia < ib; /* equal (NaNs are equal to each other) */
}

WK_KERNEL(wick_op_topk_values) {
  if (nargs != 7)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 7 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  int64_t k = args[1]->u.i, dim_arg = args[2]->u.i;
  bool largest = args[3]->u.b;
  wick_tensor *values = args[5]->u.t, *indices = args[6]->u.t;
  char b1[96];
  wick_status s;

  /* 1. arguments */
  if ((s = wk_check_dtype(ctx, "self", self)) ||
      (s = wk_nn_same_dtype(ctx, "self", self, "values", values)))
    return s;
  if (self->dtype == WICK_BOOL)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s: bool is not supported",
                            wk_desc(self, b1));
  if (indices->dtype != WICK_I64)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "indices %s must be int64", wk_desc(indices, b1));
  int dim;
  if (!wk_wrap_dim(dim_arg, self->dim, &dim))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld out of range for a tensor of rank %d",
                            (long long)dim_arg, (int)self->dim);
  int64_t n = self->dim > 0 ? self->sizes[dim] : 1;
  if (k < 0 || k > n)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "selected index k %lld out of range for self %s (dim %d)", (long long)k,
                            wk_desc(self, b1), dim);

  /* 2. outs */
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d < self->dim; d++) sizes[d] = d == dim ? k : self->sizes[d];
  if ((s = wk_resize_out(ctx, values, self->dim, sizes)) ||
      (s = wk_resize_out(ctx, indices, self->dim, sizes)))
    return s;

  /* 3./4. compute, row by row */
  bool hold[WICK_MAX_DIM] = {false};
  int64_t xs = 0, vs = 0, is = 0;
  if (self->dim > 0) {
    hold[dim] = true;
    xs = self->strides[dim];
    vs = values->strides[dim];
    is = indices->strides[dim];
  }
  const wick_tensor *ts[3] = {self, values, indices};
  wk_iter it;
  wk_nn_iter_hold(&it, self, hold, 3, ts);
  const int dt = self->dtype;
  const bool is_float = wk_is_float(dt);
  int64_t *ind = indices->data;
  for (int64_t r = 0; r < it.numel; r++, wk_iter_next(&it)) {
    wk_nn_key prev = {0, 0};
    int64_t prev_i = -1;
    for (int64_t j = 0; j < k; j++) {
      wk_nn_key best = {0, 0};
      int64_t best_i = -1;
      for (int64_t i = 0; i < n; i++) {
        wk_nn_key v = wk_nn_load_key(self->data, dt, it.off[0] + i * xs);
        if (prev_i >= 0 && !before(is_float, largest, prev, prev_i, v, i)) continue;
        if (best_i < 0 || before(is_float, largest, v, i, best, best_i)) {
          best = v;
          best_i = i;
        }
      }
      if (is_float)
        wk_st_f(values->data, dt, it.off[1] + j * vs, best.f);
      else
        wk_st_i(values->data, dt, it.off[1] + j * vs, best.i);
      ind[it.off[2] + j * is] = best_i;
      prev = best;
      prev_i = best_i;
    }
  }
  return WICK_OK;
}
