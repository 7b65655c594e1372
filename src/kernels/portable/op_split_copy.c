/* aten::split_with_sizes_copy.out(Tensor self, SymInt[] split_sizes, int dim=0, *,
 *                                 Tensor(a!)[] out)                         "TIiL"
 * aten::split_copy.Tensor_out(Tensor self, SymInt split_size, int dim=0, *,
 *                             Tensor(a!)[] out)                             "TiiL"
 *
 *   out[k] = self[..., start_k : start_k + size_k, ...] along dim
 *   split_with_sizes: sizes are given and must sum to self.size(dim).
 *   split: chunks of split_size, the last one smaller when split_size does
 *   not divide the dim (max(ceil(n / split_size), 1) chunks; split_size 0
 *   only for an empty dim). out must hold exactly one tensor per chunk, each
 *   of self's dtype. These ops return nothing.
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

/* Copies the chunks (sizes from `sizes`, or split_size each with the last
 * one cut) into outs. */
static wick_status split_run(wick_kernel_ctx *ctx, const wick_tensor *self, int64_t dim_arg,
                             const wick_value *outv, const int64_t *sizes, uint32_t nsizes,
                             int64_t split_size) {
  char b1[96];
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self))) return s;
  if (self->dim == 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "split expects at least a 1-dimensional tensor");
  int dim;
  if (!wk_wrap_dim(dim_arg, self->dim, &dim))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld out of range for self %s",
                            (long long)dim_arg, wk_desc(self, b1));
  int64_t len = self->sizes[dim];
  uint32_t nout = outv->u.tl.n;
  wick_tensor *const *outs = outv->u.tl.items;
  int64_t chunks;
  if (sizes) {
    int64_t total = 0;
    for (uint32_t k = 0; k < nsizes; k++) {
      if (sizes[k] < 0)
        return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "split_sizes[%u] = %lld is negative", k,
                                (long long)sizes[k]);
      total += sizes[k];
      if (total > len) break;
    }
    if (total != len)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "split_sizes must sum to the size %lld of dim %d of self %s",
                              (long long)len, dim, wk_desc(self, b1));
    chunks = nsizes;
  } else {
    if (split_size < 0)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "split_size must be non-negative, got %lld",
                              (long long)split_size);
    if (split_size == 0 && len != 0)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "split_size can only be 0 if dimension size is 0, but got %lld",
                              (long long)len);
    chunks = len == 0 ? 1 : (len - 1) / split_size + 1;
  }
  if ((int64_t)nout != chunks)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out has %u tensors but the split makes %lld",
                            nout, (long long)chunks);
  for (uint32_t k = 0; k < nout; k++) {
    if (outs[k] == NULL) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out[%u] is None", k);
    if ((s = mu_check_same_dtype(ctx, self, outs[k]))) return s;
  }

  int64_t osz[WICK_MAX_DIM], ost[WICK_MAX_DIM], sst[WICK_MAX_DIM];
  mu_sizes64(self, osz);
  mu_strides64(self, sst);
  size_t es = wick_dtype_size(self->dtype);
  int64_t start = 0;
  for (uint32_t k = 0; k < nout; k++) {
    int64_t n = sizes ? sizes[k] : (len - start < split_size ? len - start : split_size);
    osz[dim] = n;
    if ((s = wk_resize_out(ctx, outs[k], self->dim, osz))) return s;
    mu_strides64(outs[k], ost);
    if (wk_numel(outs[k]) == 0) continue;
    const unsigned char *src = (const unsigned char *)self->data + (size_t)(start * sst[dim]) * es;
    mu_copy(outs[k]->data, self->dtype, ost, src, self->dtype, sst, self->dim, osz);
    start += n;
  }
  return WICK_OK;
}

WK_KERNEL(wick_op_split_with_sizes_copy_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  uint32_t n;
  const int64_t *sizes = wick_value_int_list(args[1], &n);
  static const int64_t none[1] = {0};
  return split_run(ctx, args[0]->u.t, args[2]->u.i, args[3], sizes ? sizes : none, n, 0);
}

WK_KERNEL(wick_op_split_copy_tensor_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  return split_run(ctx, args[0]->u.t, args[2]->u.i, args[3], NULL, 0, args[1]->u.i);
}
