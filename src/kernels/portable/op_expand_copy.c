/* aten::expand_copy.out(Tensor self, SymInt[] size, *, bool implicit=False,
 *                       Tensor(a!) out)                                    "TIbT"
 *
 *   out = self broadcast to size: self [3,1], size [2,-1,4] -> out [2,3,4]
 *   size has at least self's rank; new leading dims come first and must be
 *   >= 0; -1 keeps self's size; a self dim of size 1 expands to any size,
 *   other dims must match. implicit is ignored.
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

WK_KERNEL(wick_op_expand_copy_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  uint32_t n;
  const int64_t *size = wick_value_int_list(args[1], &n);
  wick_tensor *out = args[3]->u.t;
  char b1[96], b2[96];

  /* 1. arguments */
  wick_status s;
  if ((s = mu_check_same_dtype(ctx, self, out))) return s;
  if (n < self->dim || n > WICK_MAX_DIM)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "the number of sizes provided (%u) must be at least self's rank %d and at most %d",
                            n, (int)self->dim, WICK_MAX_DIM);
  int64_t sizes[WICK_MAX_DIM], sst[WICK_MAX_DIM], ost[WICK_MAX_DIM];
  int lead = (int)n - self->dim;
  for (int k = 0; k < (int)n; k++) {
    int j = k - lead;
    int64_t want = size[k];
    if (j < 0) {
      if (want < 0)
        return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                                "the expanded size %lld is not allowed in a leading, non-existing dimension %d",
                                (long long)want, k);
      sizes[k] = want;
      sst[k] = 0;
      continue;
    }
    int64_t have = self->sizes[j];
    if (want == -1) want = have;
    if (want < 0 || (have != 1 && want != have))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s cannot be expanded to %s",
                              wk_desc(self, b1), wk_sizes_str((int)n, size, b2, sizeof b2));
    sizes[k] = want;
    sst[k] = have == 1 ? 0 : self->strides[j];
  }

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, (int)n, sizes))) return s;

  /* 3./4. strided copy with 0 strides on broadcast dims */
  mu_strides64(out, ost);
  mu_copy(out->data, out->dtype, ost, self->data, self->dtype, sst, (int)n, sizes);
  return WICK_OK;
}
