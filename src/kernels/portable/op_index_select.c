/* aten::index_select.out(Tensor self, int dim, Tensor index, *, Tensor(a!) out)   "TiTT"
 *
 *   out = self with dim replaced by the entries of index:
 *   out[.., i, ..] = self[.., index[i], ..]
 *   index is int32 or int64 with at most one dim; every entry must lie in
 *   [0, self.size(dim)) (negative indices are an error, as in ATen).
 *   self [3,4], dim 1, index [2,0] -> out [3,2].
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

WK_KERNEL(wick_op_index_select_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t, *index = args[2]->u.t;
  int64_t dim_arg = args[1]->u.i;
  wick_tensor *out = args[3]->u.t;
  char b1[96];

  /* 1. arguments */
  wick_status s;
  if ((s = mu_check_same_dtype(ctx, self, out)) || (s = mu_check_index_dtype(ctx, "index", index)))
    return s;
  if (index->dim > 1)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "index %s must have at most one dimension",
                            wk_desc(index, b1));
  int dim;
  if (!wk_wrap_dim(dim_arg, self->dim, &dim))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld out of range for self %s",
                            (long long)dim_arg, wk_desc(self, b1));
  int64_t n = (int64_t)wk_numel(index);
  int64_t len = self->dim ? self->sizes[dim] : 1;
  if (self->dim == 0 && n != 1)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "index_select of a 0-dim self needs one index, got %lld",
                            (long long)n);
  int64_t istride = index->dim ? index->strides[0] : 1;
  for (int64_t i = 0; i < n; i++) {
    int64_t v = mu_ld_index(index->data, index->dtype, i * istride);
    if (v < 0 || v >= len)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "index %lld is out of bounds for dimension %d with size %lld",
                              (long long)v, dim, (long long)len);
  }

  /* 2. out */
  int64_t sizes[WICK_MAX_DIM], sst[WICK_MAX_DIM], ost[WICK_MAX_DIM];
  mu_sizes64(self, sizes);
  if (self->dim) sizes[dim] = n;
  if ((s = wk_resize_out(ctx, out, self->dim, sizes))) return s;
  if (wk_numel(out) == 0) return WICK_OK;
  if (self->dim == 0) {
    mu_copy_same_shape(out, self);
    return WICK_OK;
  }

  /* 3./4. one strided slab copy per index (dim fixed to 1 element) */
  mu_strides64(self, sst);
  mu_strides64(out, ost);
  size_t es = wick_dtype_size(self->dtype);
  sizes[dim] = 1;
  for (int64_t i = 0; i < n; i++) {
    int64_t v = mu_ld_index(index->data, index->dtype, i * istride);
    mu_copy((unsigned char *)out->data + (size_t)(i * ost[dim]) * es, self->dtype, ost,
            (const unsigned char *)self->data + (size_t)(v * sst[dim]) * es, self->dtype, sst,
            self->dim, sizes);
  }
  return WICK_OK;
}
