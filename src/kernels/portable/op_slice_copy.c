/* aten::slice_copy.Tensor_out(Tensor self, int dim=0, SymInt? start=None, SymInt? end=None,
 *                             SymInt step=1, *, Tensor(a!) out)          "TijjiT"
 *
 *   out = self[..., start:end:step, ...] along dim (Python slicing):
 *   None start/end mean 0 / the end; negative values count from the end;
 *   both are then clamped to [0, size] (end to at least start). step > 0.
 *   self [5], start -4, end None, step 2 -> elements 1, 3.
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

WK_KERNEL(wick_op_slice_copy_tensor_out) {
  if (nargs != 6) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 6 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  int64_t dim_arg = args[1]->u.i, step = args[4]->u.i;
  wick_tensor *out = args[5]->u.t;
  char b1[96];

  /* 1. arguments */
  wick_status s;
  if ((s = mu_check_same_dtype(ctx, self, out))) return s;
  if (self->dim == 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "slice cannot be applied to a 0-dim tensor");
  int dim;
  if (!wk_wrap_dim(dim_arg, self->dim, &dim))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld out of range for self %s",
                            (long long)dim_arg, wk_desc(self, b1));
  if (step <= 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "slice step must be positive, got %lld",
                            (long long)step);
  int64_t len = self->sizes[dim];
  int64_t start = args[2]->kind == WICK_VAL_INT ? args[2]->u.i : 0;
  int64_t end = args[3]->kind == WICK_VAL_INT ? args[3]->u.i : len;
  if (start < 0) start = start < -len ? 0 : start + len;
  if (end < 0) end = end < -len ? 0 : end + len;
  if (start > len) start = len;
  if (end > len) end = len;
  if (end < start) end = start;
  int64_t n = end == start ? 0 : (end - start - 1) / step + 1;

  /* 2. out */
  int64_t sizes[WICK_MAX_DIM], sst[WICK_MAX_DIM], ost[WICK_MAX_DIM];
  mu_sizes64(self, sizes);
  sizes[dim] = n;
  if ((s = wk_resize_out(ctx, out, self->dim, sizes))) return s;

  if (wk_numel(out) == 0) return WICK_OK;

  /* 3./4. strided copy: dim steps by step * stride from start */
  mu_strides64(self, sst);
  mu_strides64(out, ost);
  size_t es = wick_dtype_size(self->dtype);
  const unsigned char *src = (const unsigned char *)self->data + (size_t)(start * sst[dim]) * es;
  sst[dim] *= step;
  mu_copy(out->data, out->dtype, ost, src, self->dtype, sst, self->dim, sizes);
  return WICK_OK;
}
