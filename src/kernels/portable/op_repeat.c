/* aten::repeat.out(Tensor self, SymInt[] repeats, *, Tensor(a!) out)   "TIT"
 *
 *   out = self tiled repeats[k] times along each dim k
 *   self [2,3], repeats [2,1,2] -> self seen as [1,2,3], out [2,2,6];
 *   out[i..] = self[i_k mod self.size(k) ..]. repeats has at least self's
 *   rank; entries must be >= 0.
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

WK_KERNEL(wick_op_repeat_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  uint32_t n;
  const int64_t *rep = wick_value_int_list(args[1], &n);
  wick_tensor *out = args[2]->u.t;

  /* 1. arguments */
  wick_status s;
  if ((s = mu_check_same_dtype(ctx, self, out))) return s;
  if (n < self->dim || n > WICK_MAX_DIM)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "number of repeat dims (%u) must be at least self's rank %d and at most %d",
                            n, (int)self->dim, WICK_MAX_DIM);
  /* self padded to rank n with leading 1s */
  int lead = (int)n - self->dim;
  int64_t ssz[WICK_MAX_DIM], sst[WICK_MAX_DIM], osz[WICK_MAX_DIM];
  for (int k = 0; k < (int)n; k++) {
    int j = k - lead;
    ssz[k] = j < 0 ? 1 : self->sizes[j];
    sst[k] = j < 0 ? 0 : self->strides[j];
    if (rep[k] < 0)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "repeats[%d] = %lld is negative", k,
                              (long long)rep[k]);
    if (ssz[k] && rep[k] > INT32_MAX / ssz[k])
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "repeated size of dim %d is too large", k);
    osz[k] = ssz[k] * rep[k];
  }

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, (int)n, osz))) return s;

  /* 3./4. view out as [r0, s0, r1, s1, ...]: the repeat dims step out by
   * s_k * out_stride_k and self by 0, the inner ones by the strides */
  int64_t wsz[MU_MAX_WALK], wo[MU_MAX_WALK], ws[MU_MAX_WALK];
  for (int k = 0; k < (int)n; k++) {
    wsz[2 * k] = rep[k];
    wo[2 * k] = ssz[k] * out->strides[k];
    ws[2 * k] = 0;
    wsz[2 * k + 1] = ssz[k];
    wo[2 * k + 1] = out->strides[k];
    ws[2 * k + 1] = sst[k];
  }
  mu_copy(out->data, out->dtype, wo, self->data, self->dtype, ws, 2 * (int)n, wsz);
  return WICK_OK;
}
