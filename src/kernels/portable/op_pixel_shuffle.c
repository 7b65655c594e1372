/* aten::pixel_shuffle.out(Tensor self, int upscale_factor, *, Tensor(a!) out)
 *
 *   self (*, C*r*r, H, W) -> out (*, C, H*r, W*r):
 *   out[..., c, h*r + i, w*r + j] = self[..., c*r*r + i*r + j, h, w]
 *   Any supported dtype (out has self's); any dim orders.
 */
#include <string.h>

#include "kernels/portable/nn_util.h"

WK_KERNEL(wick_op_pixel_shuffle_out) {
  if (nargs != 3)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  int64_t r = args[1]->u.i;
  wick_tensor *out = args[2]->u.t;
  char b1[96];
  wick_status s;

  /* 1. arguments */
  if ((s = wk_check_dtype(ctx, "self", self)) ||
      (s = wk_nn_same_dtype(ctx, "self", self, "out", out)))
    return s;
  const int rank = self->dim;
  if (rank < 3)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s must have at least 3 dims (*, C, H, W)",
                            wk_desc(self, b1));
  if (r < 1 || r > 65535)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "upscale_factor must be positive, got %lld",
                            (long long)r);
  int64_t cin = self->sizes[rank - 3];
  if (cin % (r * r) != 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "self %s: channels %lld are not divisible by upscale_factor^2 = %lld",
                            wk_desc(self, b1), (long long)cin, (long long)(r * r));

  /* 2. out */
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d < rank; d++) sizes[d] = self->sizes[d];
  sizes[rank - 3] = cin / (r * r);
  sizes[rank - 2] *= r;
  sizes[rank - 1] *= r;
  if (sizes[rank - 2] > INT32_MAX || sizes[rank - 1] > INT32_MAX)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "output too large");
  if ((s = wk_resize_out(ctx, out, rank, sizes))) return s;

  /* 3./4. walk out, gather from self */
  int64_t ost[1][WICK_MAX_DIM];
  for (int d = 0; d < rank; d++) ost[0][d] = out->strides[d];
  wk_iter it;
  wk_iter_init(&it, rank, out->sizes, 1, (const int64_t(*)[WICK_MAX_DIM])ost);
  const size_t es = wick_dtype_size(self->dtype);
  const unsigned char *x = self->data;
  unsigned char *y = out->data;
  for (int64_t n = 0; n < it.numel; n++, wk_iter_next(&it)) {
    int64_t xo = 0;
    for (int d = 0; d < rank - 3; d++) xo += it.idx[d] * self->strides[d];
    int64_t c = it.idx[rank - 3], oh = it.idx[rank - 2], ow = it.idx[rank - 1];
    int64_t ic = c * r * r + (oh % r) * r + (ow % r);
    xo += ic * self->strides[rank - 3] + (oh / r) * self->strides[rank - 2] +
          (ow / r) * self->strides[rank - 1];
    memcpy(y + (size_t)it.off[0] * es, x + (size_t)xo * es, es);
  }
  return WICK_OK;
}
