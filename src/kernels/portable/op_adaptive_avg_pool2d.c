/* aten::_adaptive_avg_pool2d.out(Tensor self, SymInt[2] output_size, *,
 *     Tensor(a!) out)
 *
 *   self (C,H,W) or (N,C,H,W) -> out (...,OH,OW); out[oh,ow] averages the
 *   window rows [floor(oh*H/OH), ceil((oh+1)*H/OH)) and the matching columns.
 *   output_size holds 1 entry (used for both) or 2. Floating dtypes, sums in
 *   double; out has self's dtype; default dim order.
 */
#include "kernels/portable/nn_util.h"

typedef struct adapt_args {
  int64_t planes, ih, iw, oh, ow;
} adapt_args;

static inline void adapt_body(const adapt_args *a, const void *x, void *y, int dt) {
  int64_t yi = 0;
  for (int64_t p = 0; p < a->planes; p++) {
    const int64_t xb = p * a->ih * a->iw;
    for (int64_t oh = 0; oh < a->oh; oh++) {
      int64_t h0 = oh * a->ih / a->oh, h1 = ((oh + 1) * a->ih + a->oh - 1) / a->oh;
      for (int64_t ow = 0; ow < a->ow; ow++, yi++) {
        int64_t w0 = ow * a->iw / a->ow, w1 = ((ow + 1) * a->iw + a->ow - 1) / a->ow;
        double sum = 0;
        for (int64_t h = h0; h < h1; h++)
          for (int64_t w = w0; w < w1; w++) sum += wk_ld_f(x, dt, xb + h * a->iw + w);
        wk_st_f(y, dt, yi, sum / (double)((h1 - h0) * (w1 - w0)));
      }
    }
  }
}

static void adapt_f32(const adapt_args *a, const void *x, void *y) {
  adapt_body(a, x, y, WICK_F32);
}
static void adapt_any(const adapt_args *a, const void *x, void *y, int dt) {
  adapt_body(a, x, y, dt);
}

WK_KERNEL(wick_op_adaptive_avg_pool2d_out) {
  if (nargs != 3)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  wick_tensor *out = args[2]->u.t;
  char b1[96];
  wick_status s;

  /* 1. arguments */
  if ((s = wk_nn_check_float(ctx, "self", self)) ||
      (s = wk_nn_same_dtype(ctx, "self", self, "out", out)))
    return s;
  if (self->dim != 3 && self->dim != 4)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s must be 3-D (C,H,W) or 4-D (N,C,H,W)",
                            wk_desc(self, b1));
  if ((s = wk_nn_check_contig(ctx, "self", self)) || (s = wk_nn_check_contig(ctx, "out", out)))
    return s;
  int64_t osz[3];
  if ((s = wk_nn_param(ctx, args[1], "output_size", 2, false, 0, 0, osz))) return s;
  const int r = self->dim;
  for (int d = 1; d < r; d++)
    if (self->sizes[d] == 0)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "self %s must have non-zero sizes in its non-batch dims",
                              wk_desc(self, b1));
  adapt_args a;
  a.planes = (int64_t)self->sizes[r - 3] * (r == 4 ? self->sizes[0] : 1);
  a.ih = self->sizes[r - 2];
  a.iw = self->sizes[r - 1];
  a.oh = osz[0];
  a.ow = osz[1];

  /* 2. out */
  int64_t sizes[4];
  for (int d = 0; d < r - 2; d++) sizes[d] = self->sizes[d];
  sizes[r - 2] = a.oh;
  sizes[r - 1] = a.ow;
  if ((s = wk_resize_out(ctx, out, r, sizes))) return s;

  /* 3./4. compute */
  if (self->dtype == WICK_F32)
    adapt_f32(&a, self->data, out->data);
  else
    adapt_any(&a, self->data, out->data, self->dtype);
  return WICK_OK;
}
