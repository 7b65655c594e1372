/* aten::avg_pool2d.out(Tensor self, int[2] kernel_size, int[2] stride=[],
 *     int[2] padding=0, bool ceil_mode=False, bool count_include_pad=True,
 *     int? divisor_override=None, *, Tensor(a!) out)
 *
 *   self (C,H,W) or (N,C,H,W) -> out (...,OH,OW), OH as for max pooling with
 *   dilation 1. Each window [h0, h0+kh) x [w0, w0+kw) is first clipped to the
 *   padded input (H + pad), giving the count_include_pad divisor, then to the
 *   input, giving the divisor otherwise; divisor_override replaces both.
 *   Floating dtypes sum in double; integral dtypes sum in int64 and divide
 *   with truncation (as ATen does). out has self's dtype; default dim order.
 */
#include "kernels/portable/nn_util.h"

typedef struct avg_args {
  wk_pool2d g;
  bool include_pad;
  int64_t divisor; /* 0: none */
} avg_args;

static inline void avgpool_body(const avg_args *a, const void *x, void *y, int dt) {
  const wk_pool2d *g = &a->g;
  const bool is_float = wk_is_float(dt);
  const int64_t iplane = g->ih * g->iw;
  int64_t yi = 0;
  for (int64_t p = 0; p < g->planes; p++) {
    const int64_t xb = p * iplane;
    for (int64_t oh = 0; oh < g->oh; oh++) {
      int64_t h0 = oh * g->sh - g->ph;
      int64_t h1 = h0 + g->kh;
      if (h1 > g->ih + g->ph) h1 = g->ih + g->ph;
      for (int64_t ow = 0; ow < g->ow; ow++, yi++) {
        int64_t w0 = ow * g->sw - g->pw;
        int64_t w1 = w0 + g->kw;
        if (w1 > g->iw + g->pw) w1 = g->iw + g->pw;
        int64_t pool = (h1 - h0) * (w1 - w0);
        int64_t ch0 = h0 < 0 ? 0 : h0, cw0 = w0 < 0 ? 0 : w0;
        int64_t ch1 = h1 > g->ih ? g->ih : h1, cw1 = w1 > g->iw ? g->iw : w1;
        if (ch0 >= ch1 || cw0 >= cw1) {
          wk_st_i(y, dt, yi, 0);
          continue;
        }
        int64_t div = a->divisor ? a->divisor : a->include_pad ? pool : (ch1 - ch0) * (cw1 - cw0);
        if (is_float) {
          double sum = 0;
          for (int64_t h = ch0; h < ch1; h++)
            for (int64_t w = cw0; w < cw1; w++) sum += wk_ld_f(x, dt, xb + h * g->iw + w);
          wk_st_f(y, dt, yi, sum / (double)div);
        } else {
          uint64_t usum = 0; /* wraps instead of overflowing */
          for (int64_t h = ch0; h < ch1; h++)
            for (int64_t w = cw0; w < cw1; w++)
              usum += (uint64_t)wk_ld_i(x, dt, xb + h * g->iw + w);
          int64_t sum = (int64_t)usum;
          wk_st_i(y, dt, yi, div == -1 ? (int64_t)(0u - usum) : sum / div);
        }
      }
    }
  }
}

static void avgpool_f32(const avg_args *a, const void *x, void *y) {
  avgpool_body(a, x, y, WICK_F32);
}
static void avgpool_any(const avg_args *a, const void *x, void *y, int dt) {
  avgpool_body(a, x, y, dt);
}

WK_KERNEL(wick_op_avg_pool2d_out) {
  if (nargs != 8)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 8 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  bool ceil_mode = args[4]->u.b;
  avg_args a;
  a.include_pad = args[5]->u.b;
  a.divisor = args[6]->kind == WICK_VAL_INT ? args[6]->u.i : 0;
  wick_tensor *out = args[7]->u.t;
  char b1[96];
  wick_status s;

  /* 1. arguments */
  if ((s = wk_check_dtype(ctx, "self", self))) return s;
  if (self->dtype == WICK_BOOL)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s: bool is not supported",
                            wk_desc(self, b1));
  if ((s = wk_nn_same_dtype(ctx, "self", self, "out", out))) return s;
  if (args[6]->kind == WICK_VAL_INT && a.divisor == 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "divisor must be not zero");

  /* 2. out */
  if ((s = wk_nn_pool2d_setup(ctx, self, args[1], args[2], args[3], NULL, ceil_mode, out, NULL,
                              &a.g)))
    return s;

  /* 3./4. compute */
  if (self->dtype == WICK_F32)
    avgpool_f32(&a, self->data, out->data);
  else
    avgpool_any(&a, self->data, out->data, self->dtype);
  return WICK_OK;
}
