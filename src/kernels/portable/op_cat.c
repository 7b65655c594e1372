/* aten::cat.out(Tensor[] tensors, int dim=0, *, Tensor(a!) out)   "LiT"
 *
 *   out = tensors joined along dim
 *   [2,3] and [2,1] along dim 1 (or -1) -> [2,4]
 *   Every tensor has the rank and sizes of the first, except along dim.
 *   Legacy rule: 1-D tensors of size 0 are skipped whatever their shape.
 *   Inputs may have different dtypes: out must be castable from their
 *   promoted dtype, and each input is cast into out as it is copied.
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

static bool skipped(const wick_tensor *t) { return t->dim == 1 && t->sizes[0] == 0; }

WK_KERNEL(wick_op_cat_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  wick_tensor *const *ts = args[0]->u.tl.items;
  uint32_t n = args[0]->u.tl.n;
  int64_t dim_arg = args[1]->u.i;
  wick_tensor *out = args[2]->u.t;
  char b1[96], b2[96];

  /* 1. arguments: dtypes, the reference shape, the cat dim */
  wick_status s;
  if (n == 0) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected a non-empty list of tensors");
  if ((s = wk_check_dtype(ctx, "out", out))) return s;
  const wick_tensor *ref = NULL;
  int common = -1;
  for (uint32_t k = 0; k < n; k++) {
    const wick_tensor *t = ts[k];
    if (t == NULL) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "tensors[%u] is None", k);
    if ((s = wk_check_dtype(ctx, "input tensor", t))) return s;
    common = common < 0 ? t->dtype : wk_promote(common, t->dtype);
    if (!ref && !skipped(t)) ref = t;
  }
  if (!wk_can_cast(common, out->dtype))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "result type %s can't be cast to the desired output type %s",
                            wk_dtype_name(common), wk_dtype_name(out->dtype));
  if (!ref) { /* every input is an empty 1-D tensor */
    int64_t zero = 0;
    return wk_resize_out(ctx, out, 1, &zero);
  }
  if (ref->dim == 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "zero-dimensional tensor %s cannot be concatenated",
                            wk_desc(ref, b1));
  int dim;
  if (!wk_wrap_dim(dim_arg, ref->dim, &dim))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld out of range for tensors of rank %d",
                            (long long)dim_arg, (int)ref->dim);
  int64_t sizes[WICK_MAX_DIM];
  mu_sizes64(ref, sizes);
  sizes[dim] = 0;
  for (uint32_t k = 0; k < n; k++) {
    const wick_tensor *t = ts[k];
    if (skipped(t)) continue;
    bool ok = t->dim == ref->dim;
    for (int d = 0; ok && d < ref->dim; d++) ok = d == dim || t->sizes[d] == ref->sizes[d];
    if (!ok)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "sizes of tensors must match except in dimension %d: tensors[%u] is %s, "
                              "expected %s",
                              dim, k, wk_desc(t, b1), wk_desc(ref, b2));
    sizes[dim] += t->sizes[dim];
  }

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, ref->dim, sizes))) return s;

  if (wk_numel(out) == 0) return WICK_OK;

  /* 3./4. copy each input into its slab of out (strided; any dim orders) */
  int64_t ost[WICK_MAX_DIM], tst[WICK_MAX_DIM], tsz[WICK_MAX_DIM];
  mu_strides64(out, ost);
  size_t es = wick_dtype_size(out->dtype);
  int64_t pos = 0;
  for (uint32_t k = 0; k < n; k++) {
    const wick_tensor *t = ts[k];
    if (skipped(t)) continue;
    mu_sizes64(t, tsz);
    mu_strides64(t, tst);
    unsigned char *base = (unsigned char *)out->data + (size_t)(pos * ost[dim]) * es;
    mu_copy(base, out->dtype, ost, t->data, t->dtype, tst, t->dim, tsz);
    pos += t->sizes[dim];
  }
  return WICK_OK;
}
