/* aten::embedding.out(Tensor weight, Tensor indices, SymInt padding_idx=-1,
 *                     bool scale_grad_by_freq=False, bool sparse=False, *,
 *                     Tensor(a!) out)                                     "TTibbT"
 *
 *   out[i.., :] = weight[indices[i..], :]
 *   weight [V, D], indices (int32/int64) of any shape -> out [*indices.shape, D].
 *   Indices must lie in [0, V). padding_idx, scale_grad_by_freq and sparse
 *   only affect gradients and are ignored.
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

WK_KERNEL(wick_op_embedding_out) {
  if (nargs != 6) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 6 arguments, got %u", nargs);
  const wick_tensor *weight = args[0]->u.t, *indices = args[1]->u.t;
  wick_tensor *out = args[5]->u.t;
  char b1[96];

  /* 1. arguments */
  wick_status s;
  if ((s = mu_check_same_dtype(ctx, weight, out)) ||
      (s = mu_check_index_dtype(ctx, "indices", indices)))
    return s;
  if (weight->dim != 2)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "weight %s must be 2-D", wk_desc(weight, b1));
  if (indices->dim + 1 > WICK_MAX_DIM)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "indices %s has too many dimensions",
                            wk_desc(indices, b1));
  int64_t vocab = weight->sizes[0];

  /* 2. out: indices' shape + [D] */
  int64_t sizes[WICK_MAX_DIM];
  mu_sizes64(indices, sizes);
  sizes[indices->dim] = weight->sizes[1];
  if ((s = wk_resize_out(ctx, out, indices->dim + 1, sizes))) return s;

  if (wk_numel(out) == 0) return WICK_OK;

  /* 3./4. one row copy per index (walk indices and out's leading dims) */
  int64_t st[2][WICK_MAX_DIM];
  int rank = indices->dim;
  for (int d = 0; d < rank; d++) {
    st[0][d] = out->strides[d];
    st[1][d] = indices->strides[d];
  }
  wk_iter it;
  wk_iter_init(&it, rank, indices->sizes, 2, (const int64_t(*)[WICK_MAX_DIM])st);
  int64_t row[1] = {weight->sizes[1]}, ost[1] = {out->strides[rank]}, wst[1] = {weight->strides[1]};
  size_t es = wick_dtype_size(weight->dtype);
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    int64_t v = mu_ld_index(indices->data, indices->dtype, it.off[1]);
    if (v < 0 || v >= vocab)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "index %lld is out of range for weight %s",
                              (long long)v, wk_desc(weight, b1));
    mu_copy((unsigned char *)out->data + (size_t)it.off[0] * es, weight->dtype, ost,
            (const unsigned char *)weight->data + (size_t)(v * weight->strides[0]) * es,
            weight->dtype, wst, 1, row);
  }
  return WICK_OK;
}
