/* aten::arange.start_out(Scalar start, Scalar end, Scalar step=1, *, Tensor(a!) out)   "SSST"
 *
 *   out = [start, start + step, ...) stopping before end; out is 1-D with
 *   ceil((end - start) / step) elements (computed in double, as ATen does).
 *   Floating out: element i is start + i * step in double, rounded to out's
 *   dtype. Integral out: start and step are truncated to int64 first (ATen's
 *   Scalar::to<int64_t>) and the elements are exact. step must be nonzero and
 *   point from start towards end; bool out is rejected.
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

WK_KERNEL(wick_op_arange_start_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  wick_tensor *out = args[3]->u.t;
  int dt = out->dtype;

  /* 1. arguments */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "out", out))) return s;
  if (dt == WICK_BOOL) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "arange is not supported for bool out");
  double start, end, step;
  wick_value_scalar_f64(args[0], &start);
  wick_value_scalar_f64(args[1], &end);
  wick_value_scalar_f64(args[2], &step);
  bool fl = wk_is_float(dt);
  int64_t istart = 0, istep = 0;
  if (!fl) { /* integral out: the bounds as int64, like ATen */
    istart = wk_scalar_as_i(args[0], WICK_I64);
    istep = wk_scalar_as_i(args[2], WICK_I64);
    start = (double)istart;
    end = (double)wk_scalar_as_i(args[1], WICK_I64);
    step = (double)istep;
  }
  if (!isfinite(start) || !isfinite(end))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "unsupported range: %g -> %g", start, end);
  if (step == 0 || step != step) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "step must be nonzero");
  if ((step > 0 && end < start) || (step < 0 && end > start))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "upper bound and larger bound inconsistent with step sign");
  double len_d = ceil((end - start) / step);
  if (!(len_d >= 0 && len_d <= (double)INT32_MAX))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "invalid size %g, possible overflow", len_d);
  int64_t len = (int64_t)len_d;

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, 1, &len))) return s;

  /* 3./4. fill (out is 1-D: element i is at i * stride) */
  int64_t st = out->strides[0];
  if (dt == WICK_F32) {
    float *y = out->data;
    for (int64_t i = 0; i < len; i++) y[i * st] = wk_d2f(start + (double)i * step);
  } else if (fl) {
    for (int64_t i = 0; i < len; i++) wk_st_f(out->data, dt, i * st, start + (double)i * step);
  } else {
    for (int64_t i = 0; i < len; i++)
      wk_st_i(out->data, dt, i * st, (int64_t)((uint64_t)istart + (uint64_t)i * (uint64_t)istep));
  }
  return WICK_OK;
}
