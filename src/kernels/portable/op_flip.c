/* aten::flip.out(Tensor self, int[] dims, *, Tensor(a!) out)   "TIT"
 *
 *   out[.., i, ..] = self[.., size - 1 - i, ..] along every listed dim
 *   (negative dims wrap; duplicates are an error).
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

WK_KERNEL(wick_op_flip_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  uint32_t n;
  const int64_t *dims = wick_value_int_list(args[1], &n);
  wick_tensor *out = args[2]->u.t;
  char b1[96];

  /* 1. arguments */
  wick_status s;
  if ((s = mu_check_same_dtype(ctx, self, out))) return s;
  bool flip[WICK_MAX_DIM] = {false};
  for (uint32_t k = 0; k < n; k++) {
    int d;
    if (!wk_wrap_dim(dims[k], self->dim, &d))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld out of range for self %s",
                              (long long)dims[k], wk_desc(self, b1));
    if (self->dim == 0) continue;
    if (flip[d])
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %d appears multiple times in the list of dims", d);
    flip[d] = true;
  }

  /* 2. out */
  int64_t sizes[WICK_MAX_DIM], sst[WICK_MAX_DIM], ost[WICK_MAX_DIM];
  mu_sizes64(self, sizes);
  if ((s = wk_resize_out(ctx, out, self->dim, sizes))) return s;
  if (wk_numel(self) == 0) return WICK_OK;

  /* 3./4. read self backwards along flipped dims (negative strides from the
   * last element of each) */
  mu_strides64(self, sst);
  mu_strides64(out, ost);
  int64_t base = 0;
  for (int d = 0; d < self->dim; d++) {
    if (!flip[d]) continue;
    base += (sizes[d] - 1) * sst[d];
    sst[d] = -sst[d];
  }
  size_t es = wick_dtype_size(self->dtype);
  mu_copy(out->data, out->dtype, ost, (const unsigned char *)self->data + (size_t)base * es,
          self->dtype, sst, self->dim, sizes);
  return WICK_OK;
}
