/* aten::permute_copy.out(Tensor self, int[] dims, *, Tensor(a!) out)
 *
 *   out.size(k) = self.size(dims[k]); out[i_0,..] = self[j] where j[dims[k]] = i_k
 *   self [2,3,4], dims [2,0,1] (or [-1,0,1]) -> out [4,2,3]
 *   dims must be a permutation of 0..rank-1 (negative dims wrap).
 */
#include "kernels/portable/util.h"

WK_KERNEL(wick_op_permute_copy_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  wick_tensor *out = args[2]->u.t;
  uint32_t n;
  const int64_t *dims = wick_value_int_list(args[1], &n);
  char b1[96];

  /* 1. arguments: dims is a permutation, dtypes match */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self))) return s;
  if (out->dtype != self->dtype)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out dtype %s does not match self %s",
                            wk_dtype_name(out->dtype), wk_desc(self, b1));
  if (n != self->dim)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dims has %u entries but self %s has rank %d",
                            n, wk_desc(self, b1), (int)self->dim);
  int perm[WICK_MAX_DIM];
  bool seen[WICK_MAX_DIM] = {false};
  for (uint32_t k = 0; k < n; k++) {
    if (!wk_wrap_dim(dims[k], self->dim, &perm[k]))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld out of range for self %s",
                              (long long)dims[k], wk_desc(self, b1));
    if (seen[perm[k]])
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dims is not a permutation: dim %d repeats",
                              perm[k]);
    seen[perm[k]] = true;
  }

  /* 2. out: out.size(k) = self.size(perm[k]) */
  int64_t sizes[WICK_MAX_DIM], src_strides[WICK_MAX_DIM];
  for (uint32_t k = 0; k < n; k++) {
    sizes[k] = self->sizes[perm[k]];
    src_strides[k] = self->strides[perm[k]];
  }
  if ((s = wk_resize_out(ctx, out, (int)n, sizes))) return s;

  /* 3./4. copy through the permuted view of self */
  wk_copy_view(out, self->data, self->dtype, src_strides);
  return WICK_OK;
}
