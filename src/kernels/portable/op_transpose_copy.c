/* aten::transpose_copy.int_out(Tensor self, int dim0, int dim1, *, Tensor(a!) out)   "TiiT"
 *
 *   out = self with dims dim0 and dim1 swapped: self [2,3,4], (0, 2) -> [4,3,2]
 *   (negative dims wrap; a 0-dim self accepts 0 / -1).
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

WK_KERNEL(wick_op_transpose_copy_int_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  wick_tensor *out = args[3]->u.t;
  char b1[96];

  /* 1. arguments */
  wick_status s;
  if ((s = mu_check_same_dtype(ctx, self, out))) return s;
  int d0, d1;
  if (!wk_wrap_dim(args[1]->u.i, self->dim, &d0) || !wk_wrap_dim(args[2]->u.i, self->dim, &d1))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dims (%lld, %lld) out of range for self %s",
                            (long long)args[1]->u.i, (long long)args[2]->u.i, wk_desc(self, b1));

  /* 2. out */
  int64_t sizes[WICK_MAX_DIM], sst[WICK_MAX_DIM], ost[WICK_MAX_DIM];
  mu_sizes64(self, sizes);
  mu_strides64(self, sst);
  if (self->dim) {
    int64_t t = sizes[d0]; sizes[d0] = sizes[d1]; sizes[d1] = t;
    t = sst[d0]; sst[d0] = sst[d1]; sst[d1] = t;
  }
  if ((s = wk_resize_out(ctx, out, self->dim, sizes))) return s;

  /* 3./4. copy through the transposed view */
  mu_strides64(out, ost);
  mu_copy(out->data, out->dtype, ost, self->data, self->dtype, sst, self->dim, sizes);
  return WICK_OK;
}
