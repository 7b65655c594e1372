/* aten::index.Tensor_out(Tensor self, Tensor?[] indices, *, Tensor(a!) out)   "TOT"
 *
 *   Advanced indexing with integer index tensors: self[i0, :, i2] etc.
 *   indices[k] (int32/int64, or None for a dim taken whole) indexes self's
 *   dim k; dims past the list are taken whole. The index tensors broadcast
 *   together to a shape B. When the indexed dims are adjacent, B replaces
 *   them in place: self [5,6,7], indices [None, i [2,3]] -> out [5,2,3,7];
 *   otherwise B comes first: indices [i [4], None, j [4]] -> out [4,6].
 *   Negative entries count from the end; out-of-range entries are an error.
 *   Boolean mask indices are not supported.
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

WK_KERNEL(wick_op_index_tensor_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  wick_tensor *const *idx = args[1]->u.tl.items;
  uint32_t n = args[1]->u.tl.n;
  wick_tensor *out = args[2]->u.t;
  char b1[96], b2[96];

  /* 1. arguments: index dtypes, their broadcast shape, where B goes */
  wick_status s;
  if ((s = mu_check_same_dtype(ctx, self, out))) return s;
  if (n > self->dim)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "too many indices (%u) for self %s", n,
                            wk_desc(self, b1));
  const wick_tensor *ts[WICK_MAX_DIM];
  int nt = 0, first = -1, last = -1;
  for (uint32_t k = 0; k < n; k++) {
    if (idx[k] == NULL) continue;
    if (idx[k]->dtype == WICK_BOOL || idx[k]->dtype == WICK_U8)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "boolean mask indices are not supported");
    if ((s = mu_check_index_dtype(ctx, "index", idx[k]))) return s;
    ts[nt++] = idx[k];
    if (first < 0) first = (int)k;
    last = (int)k;
  }
  if (nt == 0) { /* no index tensors: a copy */
    int64_t sizes[WICK_MAX_DIM];
    mu_sizes64(self, sizes);
    if ((s = wk_resize_out(ctx, out, self->dim, sizes))) return s;
    mu_copy_same_shape(out, self);
    return WICK_OK;
  }
  int brank;
  int64_t bsz[WICK_MAX_DIM];
  if (!wk_broadcast_shape(nt, ts, &brank, bsz))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "shape mismatch: indexing tensors could not be broadcast together");
  bool adjacent = true;
  for (int k = first; k <= last; k++) adjacent = adjacent && idx[k] != NULL;

  /* out dims: each is either B dim j (bmap) or self dim d (smap) */
  int orank = 0, smap[2 * WICK_MAX_DIM], bmap[2 * WICK_MAX_DIM];
  int64_t osz[2 * WICK_MAX_DIM];
  int before = adjacent ? first : 0; /* self dims ahead of B */
  for (int d = 0; d < before; d++) { smap[orank] = d; bmap[orank] = -1; osz[orank++] = self->sizes[d]; }
  for (int j = 0; j < brank; j++) { smap[orank] = -1; bmap[orank] = j; osz[orank++] = bsz[j]; }
  for (int d = before; d < self->dim; d++) {
    if ((uint32_t)d < n && idx[d] != NULL) continue;
    smap[orank] = d;
    bmap[orank] = -1;
    osz[orank++] = self->sizes[d];
  }
  if (orank > WICK_MAX_DIM)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "the result would have rank %d (max %d)", orank,
                            WICK_MAX_DIM);

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, orank, osz))) return s;
  size_t numel = wk_numel(out);
  if (numel == 0) return WICK_OK;

  /* index tensor strides over B (0 on broadcast dims) */
  int64_t ist[WICK_MAX_DIM][WICK_MAX_DIM];
  for (uint32_t k = 0; k < n; k++) {
    const wick_tensor *t = idx[k];
    if (!t) continue;
    int lead = brank - t->dim;
    for (int j = 0; j < brank; j++) {
      int jj = j - lead;
      ist[k][j] = (jj < 0 || t->sizes[jj] == 1) ? 0 : t->strides[jj];
    }
  }

  /* 3./4. per element of out (row-major counter) */
  int64_t cnt[WICK_MAX_DIM] = {0}, bidx[WICK_MAX_DIM] = {0};
  size_t es = wick_dtype_size(self->dtype);
  for (size_t e = 0; e < numel; e++) {
    int64_t so = 0, oo = 0;
    for (int k = 0; k < orank; k++) {
      oo += cnt[k] * out->strides[k];
      if (smap[k] >= 0) so += cnt[k] * self->strides[smap[k]];
      else bidx[bmap[k]] = cnt[k];
    }
    for (uint32_t k = 0; k < n; k++) {
      const wick_tensor *t = idx[k];
      if (!t) continue;
      int64_t io = 0;
      for (int j = 0; j < brank; j++) io += bidx[j] * ist[k][j];
      int64_t v = mu_ld_index(t->data, t->dtype, io), len = self->sizes[k];
      if (v < -len || v >= len)
        return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                                "index %lld is out of bounds for dimension %u with size %lld of self %s",
                                (long long)v, k, (long long)len, wk_desc(self, b2));
      if (v < 0) v += len;
      so += v * self->strides[k];
    }
    switch (es) {
      case 1: ((uint8_t *)out->data)[oo] = ((const uint8_t *)self->data)[so]; break;
      case 2: ((uint16_t *)out->data)[oo] = ((const uint16_t *)self->data)[so]; break;
      case 4: ((uint32_t *)out->data)[oo] = ((const uint32_t *)self->data)[so]; break;
      default: ((uint64_t *)out->data)[oo] = ((const uint64_t *)self->data)[so]; break;
    }
    for (int k = orank - 1; k >= 0; k--) {
      if (++cnt[k] < osz[k]) break;
      cnt[k] = 0;
    }
  }
  return WICK_OK;
}
