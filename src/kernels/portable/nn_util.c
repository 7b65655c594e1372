/* Helpers shared by the neural-network kernels (see nn_util.h). */
#include "kernels/portable/nn_util.h"

wick_status wk_nn_param(wick_kernel_ctx *ctx, wick_value *v, const char *what, int n,
                        bool allow_empty, int64_t dflt, int64_t min, int64_t out[3]) {
  uint32_t len = 0;
  const int64_t *items = wick_value_int_list(v, &len);
  char buf[64];
  if (len == 0 && allow_empty) {
    for (int i = 0; i < n; i++) out[i] = dflt;
  } else if (len == 1) {
    for (int i = 0; i < n; i++) out[i] = items[0];
  } else if ((int)len == n) {
    for (int i = 0; i < n; i++) out[i] = items[i];
  } else {
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s must have 1 or %d elements, got %u%s", what,
                            n, len, allow_empty ? "" : " (an empty list is not allowed)");
  }
  for (int i = 0; i < n; i++) {
    if (out[i] < min || out[i] > INT32_MAX)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s must be at least %lld, got %s", what,
                              (long long)min, wk_sizes_str(n, out, buf, sizeof buf));
  }
  return WICK_OK;
}

wick_status wk_nn_check_contig(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t) {
  if (wk_is_contig(t)) return WICK_OK;
  char b[96];
  return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                          "%s %s must use the default (contiguous) dim order; channels-last and "
                          "other dim orders are not supported",
                          what, wk_desc(t, b));
}

wick_status wk_nn_check_float(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t) {
  if (wk_is_float(t->dtype)) return WICK_OK;
  char b[96];
  return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                          "%s %s must be floating (float16, bfloat16, float32 or float64)", what,
                          wk_desc(t, b));
}

wick_status wk_nn_same_dtype(wick_kernel_ctx *ctx, const char *wa, const wick_tensor *a,
                             const char *wb, const wick_tensor *b) {
  if (a->dtype == b->dtype) return WICK_OK;
  char b1[96], b2[96];
  return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s %s and %s %s must have the same dtype", wa,
                          wk_desc(a, b1), wb, wk_desc(b, b2));
}

int64_t wk_nn_pool_out(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil,
                       bool ceil_mode) {
  int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  /* floor division (num may be negative) */
  int64_t q = num / stride;
  if ((num % stride != 0) && (num < 0)) q--;
  int64_t o = q + 1;
  if (ceil_mode && (o - 1) * stride >= in + pad) o--;
  return o;
}

void wk_nn_iter_hold(wk_iter *it, const wick_tensor *t, const bool hold[WICK_MAX_DIM], int n,
                     const wick_tensor *const *ts) {
  int32_t size[WICK_MAX_DIM];
  int64_t st[WK_MAX_OPS][WICK_MAX_DIM];
  for (int d = 0; d < t->dim; d++) {
    size[d] = hold[d] ? 1 : t->sizes[d];
    for (int k = 0; k < n; k++) st[k][d] = ts[k]->strides[d];
  }
  wk_iter_init(it, t->dim, size, n, (const int64_t(*)[WICK_MAX_DIM])st);
}

void wk_nn_reduce_iters(const wick_tensor *self, const bool mask[WICK_MAX_DIM], bool keepdim,
                        const wick_tensor *out, wk_iter *outer, wk_iter *inner) {
  int32_t osize[WICK_MAX_DIM], isize[WICK_MAX_DIM];
  int64_t ost[WK_MAX_OPS][WICK_MAX_DIM], ist[WK_MAX_OPS][WICK_MAX_DIM];
  int r = 0;
  for (int d = 0; d < self->dim; d++) {
    osize[d] = mask[d] ? 1 : self->sizes[d];
    isize[d] = mask[d] ? self->sizes[d] : 1;
    ost[0][d] = self->strides[d];
    ist[0][d] = self->strides[d];
    if (keepdim) {
      ost[1][d] = out->strides[d];
    } else if (!mask[d]) {
      ost[1][d] = out->strides[r++];
    } else {
      ost[1][d] = 0;
    }
  }
  wk_iter_init(outer, self->dim, osize, 2, (const int64_t(*)[WICK_MAX_DIM])ost);
  wk_iter_init(inner, self->dim, isize, 1, (const int64_t(*)[WICK_MAX_DIM])ist);
}

wick_status wk_nn_pool2d_setup(wick_kernel_ctx *ctx, const wick_tensor *self, wick_value *kernel,
                               wick_value *stride, wick_value *padding, wick_value *dilation,
                               bool ceil_mode, wick_tensor *out, wick_tensor *out2, wk_pool2d *g) {
  char b1[96];
  wick_status s;
  if (self->dim != 3 && self->dim != 4)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s must be 3-D (C,H,W) or 4-D (N,C,H,W)",
                            wk_desc(self, b1));
  if ((s = wk_nn_check_contig(ctx, "self", self))) return s;
  int64_t k[3], st[3], pad[3], dil[3] = {1, 1, 1};
  if ((s = wk_nn_param(ctx, kernel, "kernel_size", 2, false, 0, 1, k))) return s;
  if ((s = wk_nn_param(ctx, stride, "stride", 2, true, 1, 1, st))) return s;
  if (stride->kind != WICK_VAL_INT_LIST || stride->u.il.n == 0) {
    st[0] = k[0];
    st[1] = k[1];
  }
  if ((s = wk_nn_param(ctx, padding, "padding", 2, false, 0, 0, pad))) return s;
  if (dilation && (s = wk_nn_param(ctx, dilation, "dilation", 2, false, 1, 1, dil))) return s;
  if (pad[0] > k[0] / 2 || pad[1] > k[1] / 2)
    return wick_kernel_fail(
        ctx, WICK_ERR_KERNEL,
        "pad should be at most half of kernel size, but got pad=[%lld,%lld] and "
        "kernel_size=[%lld,%lld]",
        (long long)pad[0], (long long)pad[1], (long long)k[0], (long long)k[1]);
  int r = self->dim;
  g->planes = (int64_t)self->sizes[r - 3] * (r == 4 ? self->sizes[0] : 1);
  g->ih = self->sizes[r - 2];
  g->iw = self->sizes[r - 1];
  if (self->sizes[r - 3] == 0 || g->ih == 0 || g->iw == 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "self %s must have non-zero channel and spatial sizes",
                            wk_desc(self, b1));
  g->kh = k[0], g->kw = k[1], g->sh = st[0], g->sw = st[1];
  g->ph = pad[0], g->pw = pad[1], g->dh = dil[0], g->dw = dil[1];
  g->oh = wk_nn_pool_out(g->ih, g->kh, g->ph, g->sh, g->dh, ceil_mode);
  g->ow = wk_nn_pool_out(g->iw, g->kw, g->pw, g->sw, g->dw, ceil_mode);
  if (g->oh < 1 || g->ow < 1)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "input %s: calculated output size [%lld,%lld] is too small",
                            wk_desc(self, b1), (long long)g->oh, (long long)g->ow);
  int64_t sizes[4];
  for (int d = 0; d < r - 2; d++) sizes[d] = self->sizes[d];
  sizes[r - 2] = g->oh;
  sizes[r - 1] = g->ow;
  if (out && ((s = wk_resize_out(ctx, out, r, sizes)) || (s = wk_nn_check_contig(ctx, "out", out))))
    return s;
  if (out2 &&
      ((s = wk_resize_out(ctx, out2, r, sizes)) || (s = wk_nn_check_contig(ctx, "indices", out2))))
    return s;
  return WICK_OK;
}
