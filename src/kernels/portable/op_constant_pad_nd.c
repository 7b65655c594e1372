/* aten::constant_pad_nd.out(Tensor self, SymInt[] pad, Scalar value=0, *,
 *     Tensor(a!) out)
 *
 *   pad = [last_before, last_after, prev_before, prev_after, ...]: pairs start
 *   from the LAST dim; up to 2*rank entries. Negative pads crop.
 *   self [2,3], pad [1,2] -> out [2,6]: out[i, j] = self[i, j-1] where
 *   0 <= j-1 < 3, else value (cast to self's dtype like fill_).
 *   Any supported dtype (out has self's); any dim orders.
 */
#include <string.h>

#include "kernels/portable/nn_util.h"

WK_KERNEL(wick_op_constant_pad_nd_out) {
  if (nargs != 4)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  const wick_value *value = args[2];
  wick_tensor *out = args[3]->u.t;
  char b1[96], b2[96];
  wick_status s;

  /* 1. arguments */
  if ((s = wk_check_dtype(ctx, "self", self)) ||
      (s = wk_nn_same_dtype(ctx, "self", self, "out", out)))
    return s;
  uint32_t np = 0;
  const int64_t *pad = wick_value_int_list(args[1], &np);
  const int r = self->dim;
  if (np % 2 != 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "length of pad must be even, got %u", np);
  if ((int)np > 2 * r)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "length of pad (%u) must be at most twice the rank of self %s", np,
                            wk_desc(self, b1));
  int64_t before[WICK_MAX_DIM], sizes[WICK_MAX_DIM];
  for (int d = 0; d < r; d++) {
    int k = r - 1 - d; /* pair index of dim d */
    int64_t lo = 0, hi = 0;
    if (2 * k + 1 < (int)np) {
      lo = pad[2 * k];
      hi = pad[2 * k + 1];
    }
    if (lo < -(int64_t)INT32_MAX || lo > INT32_MAX || hi < -(int64_t)INT32_MAX || hi > INT32_MAX)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "pad of dim %d out of range", d);
    before[d] = lo;
    sizes[d] = self->sizes[d] + lo + hi;
    if (sizes[d] < 0)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "padding %s of dim %d gives a negative output size %lld",
                              wk_sizes_str((int)np, pad, b2, sizeof b2), d, (long long)sizes[d]);
  }

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, r, sizes))) return s;

  /* 3. the fill value as the element's bytes */
  const int dt = self->dtype;
  const size_t es = wick_dtype_size(dt);
  unsigned char fill[8];
  if (wk_is_float(dt))
    wk_st_f(fill, dt, 0, wk_scalar_as_f(value, dt));
  else
    wk_st_i(fill, dt, 0, wk_scalar_as_i(value, dt));

  /* 4. walk out; copy the element of self that lands there, else fill */
  int64_t ost[1][WICK_MAX_DIM];
  for (int d = 0; d < r; d++) ost[0][d] = out->strides[d];
  wk_iter it;
  wk_iter_init(&it, r, out->sizes, 1, (const int64_t(*)[WICK_MAX_DIM])ost);
  const unsigned char *x = self->data;
  unsigned char *y = out->data;
  for (int64_t i = 0; i < it.numel; i++, wk_iter_next(&it)) {
    int64_t xo = 0;
    bool inside = true;
    for (int d = 0; d < r; d++) {
      int64_t src = it.idx[d] - before[d];
      if (src < 0 || src >= self->sizes[d]) {
        inside = false;
        break;
      }
      xo += src * self->strides[d];
    }
    memcpy(y + (size_t)it.off[0] * es, inside ? x + (size_t)xo * es : fill, es);
  }
  return WICK_OK;
}
