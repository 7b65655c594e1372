/* aten::gather.out(Tensor self, int dim, Tensor index, *, bool sparse_grad=False,
 *                  Tensor(a!) out)                                        "TiTbT"
 *
 *   out[i][j][k] = self[index[i][j][k]][j][k]   (dim 0; likewise for others)
 *   index (int64 or int32) has self's rank, out has index's shape, and
 *   index.size(d) <= self.size(d) for every d != dim. Entries must lie in
 *   [0, self.size(dim)); negative ones are an error (ATen). sparse_grad is
 *   ignored (a gradient-only flag).
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

WK_KERNEL(wick_op_gather_out) {
  if (nargs != 5) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 5 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t, *index = args[2]->u.t;
  int64_t dim_arg = args[1]->u.i;
  wick_tensor *out = args[4]->u.t;
  char b1[96], b2[96];

  /* 1. arguments (0-dim tensors count as one element of rank 1) */
  wick_status s;
  if ((s = mu_check_same_dtype(ctx, self, out)) || (s = mu_check_index_dtype(ctx, "index", index)))
    return s;
  int srank = self->dim ? self->dim : 1, irank = index->dim ? index->dim : 1;
  if (srank != irank)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "index %s must have the same number of dimensions as self %s",
                            wk_desc(index, b1), wk_desc(self, b2));
  int dim;
  if (!wk_wrap_dim(dim_arg, self->dim, &dim))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld out of range for self %s",
                            (long long)dim_arg, wk_desc(self, b1));
  for (int d = 0; d < self->dim && index->dim; d++)
    if (d != dim && index->sizes[d] > self->sizes[d])
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "size of index %s does not fit self %s at dimension %d",
                              wk_desc(index, b1), wk_desc(self, b2), d);

  /* 2. out: index's shape */
  int64_t sizes[WICK_MAX_DIM];
  mu_sizes64(index, sizes);
  if ((s = wk_resize_out(ctx, out, index->dim, sizes))) return s;

  /* 3./4. walk index's shape: operands out, index, self (self's stride along
   * dim is 0: that coordinate comes from the index value) */
  int64_t st[3][WICK_MAX_DIM];
  int32_t one = 1;
  int rank = index->dim;
  for (int d = 0; d < rank; d++) {
    st[0][d] = out->strides[d];
    st[1][d] = index->strides[d];
    st[2][d] = d == dim || self->dim == 0 ? 0 : self->strides[d];
  }
  wk_iter it;
  wk_iter_init(&it, rank, rank ? index->sizes : &one, 3, (const int64_t(*)[WICK_MAX_DIM])st);
  int64_t len = self->dim ? self->sizes[dim] : 1, dstride = self->dim ? self->strides[dim] : 0;
  int dt = self->dtype;
  size_t es = wick_dtype_size(dt);
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    int64_t v = mu_ld_index(index->data, index->dtype, it.off[1]);
    if (v < 0 || v >= len)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "index %lld is out of bounds for dimension %d with size %lld",
                              (long long)v, dim, (long long)len);
    int64_t so = it.off[2] + v * dstride;
    switch (es) {
      case 1: ((uint8_t *)out->data)[it.off[0]] = ((const uint8_t *)self->data)[so]; break;
      case 2: ((uint16_t *)out->data)[it.off[0]] = ((const uint16_t *)self->data)[so]; break;
      case 4: ((uint32_t *)out->data)[it.off[0]] = ((const uint32_t *)self->data)[so]; break;
      default: ((uint64_t *)out->data)[it.off[0]] = ((const uint64_t *)self->data)[so]; break;
    }
  }
  return WICK_OK;
}
