/* aten::clamp.out(Tensor self, Scalar? min=None, Scalar? max=None, *, Tensor(a!) out)         "TssT"
 * aten::clamp.Tensor_out(Tensor self, Tensor? min=None, Tensor? max=None, *, Tensor(a!) out)  "TttT"
 * aten::hardtanh.out(Tensor self, Scalar min_val=-1, Scalar max_val=1, *, Tensor(a!) out)     "TSST"
 *
 *   out = min(max(self, min), max)   (min > max gives max everywhere)
 *   clamp: computed in the promoted dtype of self and the bounds (a Scalar
 *   bound promotes like a Scalar operand: clamp(int32, 0.5) is float32);
 *   at least one bound must be given; tensor bounds broadcast with self.
 *   hardtanh: computed in self's dtype (bounds cast to it).
 *   NaN propagates: a NaN in self or in a bound gives NaN. Bool is rejected;
 *   Scalar bounds must fit the compute dtype without overflow.
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

static inline double clamp_f(double x, bool has_lo, double lo, bool has_hi, double hi) {
  if (x != x) return x;
  if (has_lo) {
    if (lo != lo) return lo;
    if (x < lo) x = lo;
  }
  if (has_hi) {
    if (hi != hi) return hi;
    if (x > hi) x = hi;
  }
  return x;
}

static inline float clamp_f32(float x, bool has_lo, float lo, bool has_hi, float hi) {
  if (x != x) return x;
  if (has_lo) {
    if (lo != lo) return lo;
    if (x < lo) x = lo;
  }
  if (has_hi) {
    if (hi != hi) return hi;
    if (x > hi) x = hi;
  }
  return x;
}

static inline int64_t clamp_i(int64_t x, bool has_lo, int64_t lo, bool has_hi, int64_t hi) {
  if (has_lo && x < lo) x = lo;
  if (has_hi && x > hi) x = hi;
  return x;
}

/* The scalar-bound form: self clamped to [lo, hi] (NULL = unbounded),
 * computed in `common`. Arguments are checked by the caller except out. */
static wick_status clamp_scalar_run(wick_kernel_ctx *ctx, const wick_tensor *self,
                                    const wick_value *lo, const wick_value *hi, int common,
                                    wick_tensor *out) {
  wick_status s;
  if ((s = wk_check_dtype(ctx, "out", out))) return s;
  if (!wk_can_cast(common, out->dtype))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "result type %s can't be cast to the desired output type %s",
                            wk_dtype_name(common), wk_dtype_name(out->dtype));
  if ((lo && (s = mu_check_scalar_fits(ctx, "min", lo, common))) ||
      (hi && (s = mu_check_scalar_fits(ctx, "max", hi, common))))
    return s;

  int64_t sizes[WICK_MAX_DIM];
  mu_sizes64(self, sizes);
  if ((s = wk_resize_out(ctx, out, self->dim, sizes))) return s;

  const wick_tensor *ins[1] = {self};
  wk_iter it;
  wk_iter_elementwise(&it, out, 1, ins);
  int sdt = self->dtype, odt = out->dtype;
  const void *x = self->data;
  void *y = out->data;
  if (wk_is_float(common)) {
    double l = lo ? wk_scalar_as_f(lo, common) : 0, h = hi ? wk_scalar_as_f(hi, common) : 0;
    if (sdt == WICK_F32 && odt == WICK_F32 && common == WICK_F32 && mu_iter_flat(&it)) {
      const float *xf = x;
      float *yf = y, lf = (float)l, hf = (float)h;
      for (int64_t i = 0; i < it.numel; i++) yf[i] = clamp_f32(xf[i], lo != NULL, lf, hi != NULL, hf);
      return WICK_OK;
    }
    for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it))
      wk_st_f(y, odt, it.off[0],
              clamp_f(wk_ld_as_f(x, sdt, it.off[1], common), lo != NULL, l, hi != NULL, h));
    return WICK_OK;
  }
  int64_t l = lo ? wk_scalar_as_i(lo, common) : 0, h = hi ? wk_scalar_as_i(hi, common) : 0;
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it))
    wk_st_i(y, odt, it.off[0],
            clamp_i(wk_wrap_i(common, wk_ld_i(x, sdt, it.off[1])), lo != NULL, l, hi != NULL, h));
  return WICK_OK;
}

WK_KERNEL(wick_op_clamp_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  const wick_value *lo = args[1]->kind == WICK_VAL_NONE ? NULL : args[1];
  const wick_value *hi = args[2]->kind == WICK_VAL_NONE ? NULL : args[2];
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self))) return s;
  if (self->dtype == WICK_BOOL)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "clamp is not supported for bool self");
  if (!lo && !hi)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "at least one of 'min' or 'max' must not be None");
  int common = self->dtype;
  if (lo) common = wk_promote_scalar(common, lo);
  if (hi) common = wk_promote_scalar(common, hi);
  return clamp_scalar_run(ctx, self, lo, hi, common, args[3]->u.t);
}

WK_KERNEL(wick_op_hardtanh_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self))) return s;
  if (self->dtype == WICK_BOOL)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "hardtanh is not supported for bool self");
  return clamp_scalar_run(ctx, self, args[1], args[2], self->dtype, args[3]->u.t);
}

WK_KERNEL(wick_op_clamp_tensor_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  const wick_tensor *lo = args[1]->kind == WICK_VAL_TENSOR ? args[1]->u.t : NULL;
  const wick_tensor *hi = args[2]->kind == WICK_VAL_TENSOR ? args[2]->u.t : NULL;
  wick_tensor *out = args[3]->u.t;
  char b1[96];

  /* 1. arguments: dtypes, promotion, broadcasting */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self)) || (lo && (s = wk_check_dtype(ctx, "min", lo))) ||
      (hi && (s = wk_check_dtype(ctx, "max", hi))) || (s = wk_check_dtype(ctx, "out", out)))
    return s;
  if (!lo && !hi)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "at least one of 'min' or 'max' must not be None");
  int common = self->dtype;
  if (lo) common = wk_promote(common, lo->dtype);
  if (hi) common = wk_promote(common, hi->dtype);
  if (common == WICK_BOOL)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "clamp is not supported for bool tensors");
  if (!wk_can_cast(common, out->dtype))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "result type %s can't be cast to the desired output type %s",
                            wk_dtype_name(common), wk_dtype_name(out->dtype));
  const wick_tensor *ins[3] = {self, NULL, NULL};
  int n = 1, ilo = 0, ihi = 0; /* operand numbers of the bounds in the walk */
  if (lo) { ilo = n + 1; ins[n++] = lo; }
  if (hi) { ihi = n + 1; ins[n++] = hi; }
  int dim;
  int64_t sizes[WICK_MAX_DIM];
  if (!wk_broadcast_shape(n, ins, &dim, sizes))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s and the bounds are not broadcastable",
                            wk_desc(self, b1));

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, dim, sizes))) return s;

  /* 3./4. per element in the common dtype */
  wk_iter it;
  wk_iter_elementwise(&it, out, n, ins);
  int odt = out->dtype;
  if (wk_is_float(common)) {
    for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
      double x = wk_ld_as_f(self->data, self->dtype, it.off[1], common);
      double l = lo ? wk_ld_as_f(lo->data, lo->dtype, it.off[ilo], common) : 0;
      double h = hi ? wk_ld_as_f(hi->data, hi->dtype, it.off[ihi], common) : 0;
      wk_st_f(out->data, odt, it.off[0], clamp_f(x, lo != NULL, l, hi != NULL, h));
    }
    return WICK_OK;
  }
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    int64_t x = wk_wrap_i(common, wk_ld_i(self->data, self->dtype, it.off[1]));
    int64_t l = lo ? wk_wrap_i(common, wk_ld_i(lo->data, lo->dtype, it.off[ilo])) : 0;
    int64_t h = hi ? wk_wrap_i(common, wk_ld_i(hi->data, hi->dtype, it.off[ihi])) : 0;
    wk_st_i(out->data, odt, it.off[0], clamp_i(x, lo != NULL, l, hi != NULL, h));
  }
  return WICK_OK;
}
