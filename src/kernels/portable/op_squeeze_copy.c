/* aten::squeeze_copy.dims_out(Tensor self, int[] dim, *, Tensor(a!) out)   "TIT"
 * aten::unsqueeze_copy.out(Tensor self, int dim, *, Tensor(a!) out)        "TiT"
 *
 *   squeeze: removes the listed dims that have size 1 (listed dims of another
 *   size stay, as in ATen); self [2,1,3,1], dim [1,-1] -> [2,3]. Duplicate
 *   dims are an error; a 0-dim self accepts 0 / -1.
 *   unsqueeze: inserts a size-1 dim at dim in [-rank-1, rank]:
 *   self [2,3], dim -1 -> [2,3,1].
 *   Elements keep their logical (row-major) order.
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

WK_KERNEL(wick_op_squeeze_copy_dims_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  uint32_t n;
  const int64_t *dims = wick_value_int_list(args[1], &n);
  wick_tensor *out = args[2]->u.t;
  char b1[96];

  /* 1. arguments */
  wick_status s;
  if ((s = mu_check_same_dtype(ctx, self, out))) return s;
  bool listed[WICK_MAX_DIM] = {false};
  for (uint32_t k = 0; k < n; k++) {
    int d;
    if (!wk_wrap_dim(dims[k], self->dim, &d))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld out of range for self %s",
                              (long long)dims[k], wk_desc(self, b1));
    if (self->dim == 0) continue;
    if (listed[d])
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %d appears multiple times in the list of dims", d);
    listed[d] = true;
  }

  /* 2. out */
  int64_t sizes[WICK_MAX_DIM];
  int r = 0;
  for (int d = 0; d < self->dim; d++)
    if (!(listed[d] && self->sizes[d] == 1)) sizes[r++] = self->sizes[d];
  if ((s = wk_resize_out(ctx, out, r, sizes))) return s;

  /* 3./4. copy in logical order */
  mu_copy_reshape(out, self);
  return WICK_OK;
}

WK_KERNEL(wick_op_unsqueeze_copy_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  int64_t dim_arg = args[1]->u.i;
  wick_tensor *out = args[2]->u.t;
  char b1[96];

  /* 1. arguments */
  wick_status s;
  if ((s = mu_check_same_dtype(ctx, self, out))) return s;
  if (self->dim >= WICK_MAX_DIM)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s already has the maximum rank",
                            wk_desc(self, b1));
  int dim;
  if (!wk_wrap_dim(dim_arg, self->dim + 1, &dim))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld out of range for self %s",
                            (long long)dim_arg, wk_desc(self, b1));

  /* 2. out */
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0, r = 0; d <= self->dim; d++) sizes[d] = d == dim ? 1 : self->sizes[r++];
  if ((s = wk_resize_out(ctx, out, self->dim + 1, sizes))) return s;

  /* 3./4. copy in logical order */
  mu_copy_reshape(out, self);
  return WICK_OK;
}
