/* aten::max_pool2d_with_indices.out(Tensor self, int[2] kernel_size,
 *     int[2] stride=[], int[2] padding=0, int[2] dilation=1,
 *     bool ceil_mode=False, *, Tensor(a!) out, Tensor(b!) indices)
 *
 *   self (C,H,W) or (N,C,H,W); out and indices (int64) (...,OH,OW) where
 *   OH = floor_or_ceil((H + 2*pad - dil*(k-1) - 1) / stride) + 1 (with
 *   ceil_mode the last window must start inside the input or left padding).
 *   indices hold the flat position h*W + w of the maximum within its plane.
 *   Like ATen: a NaN is always taken (the last NaN of a window wins), ties keep
 *   the first position, and a window's index starts at its first in-bounds
 *   position. stride [] means kernel_size. Floating and integral dtypes
 *   (out has self's dtype); default dim order.
 */
#include "kernels/portable/nn_util.h"

static inline void maxpool_body(const wk_pool2d *g, const void *x, void *y, int64_t *ind, int dt) {
  const bool is_float = wk_is_float(dt);
  const int64_t iplane = g->ih * g->iw;
  int64_t yi = 0;
  for (int64_t p = 0; p < g->planes; p++) {
    const int64_t xb = p * iplane;
    for (int64_t oh = 0; oh < g->oh; oh++) {
      int64_t h0 = oh * g->sh - g->ph;
      int64_t h1 = h0 + (g->kh - 1) * g->dh + 1;
      if (h1 > g->ih) h1 = g->ih;
      while (h0 < 0) h0 += g->dh;
      for (int64_t ow = 0; ow < g->ow; ow++, yi++) {
        int64_t w0 = ow * g->sw - g->pw;
        int64_t w1 = w0 + (g->kw - 1) * g->dw + 1;
        if (w1 > g->iw) w1 = g->iw;
        while (w0 < 0) w0 += g->dw;
        int64_t best_i = h0 * g->iw + w0;
        double bf = -INFINITY;
        int64_t bi = INT64_MIN;
        for (int64_t h = h0; h < h1; h += g->dh) {
          for (int64_t w = w0; w < w1; w += g->dw) {
            int64_t pos = h * g->iw + w;
            if (is_float) {
              double v = wk_ld_f(x, dt, xb + pos);
              if (v > bf || isnan(v)) {
                bf = v;
                best_i = pos;
              }
            } else {
              int64_t v = wk_ld_i(x, dt, xb + pos);
              if (v > bi) {
                bi = v;
                best_i = pos;
              }
            }
          }
        }
        if (is_float)
          wk_st_f(y, dt, yi, bf);
        else
          wk_st_i(y, dt, yi, bi);
        ind[yi] = best_i;
      }
    }
  }
}

static void maxpool_f32(const wk_pool2d *g, const void *x, void *y, int64_t *ind) {
  maxpool_body(g, x, y, ind, WICK_F32);
}
static void maxpool_any(const wk_pool2d *g, const void *x, void *y, int64_t *ind, int dt) {
  maxpool_body(g, x, y, ind, dt);
}

WK_KERNEL(wick_op_max_pool2d_with_indices_out) {
  if (nargs != 8)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 8 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  bool ceil_mode = args[5]->u.b;
  wick_tensor *out = args[6]->u.t, *indices = args[7]->u.t;
  char b1[96];
  wick_status s;

  /* 1. arguments */
  if ((s = wk_check_dtype(ctx, "self", self))) return s;
  if (self->dtype == WICK_BOOL)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s: bool is not supported",
                            wk_desc(self, b1));
  if ((s = wk_nn_same_dtype(ctx, "self", self, "out", out))) return s;
  if (indices->dtype != WICK_I64)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "indices %s must be int64", wk_desc(indices, b1));

  /* 2. outs */
  wk_pool2d g;
  if ((s = wk_nn_pool2d_setup(ctx, self, args[1], args[2], args[3], args[4], ceil_mode, out,
                              indices, &g)))
    return s;

  /* 3./4. compute */
  if (self->dtype == WICK_F32)
    maxpool_f32(&g, self->data, out->data, indices->data);
  else
    maxpool_any(&g, self->data, out->data, indices->data, self->dtype);
  return WICK_OK;
}
