/* aten::pow.Tensor_Tensor_out(Tensor self, Tensor exponent, *, Tensor(a!) out)  "TTT"
 * aten::pow.Tensor_Scalar_out(Tensor self, Scalar exponent, *, Tensor(a!) out)  "TST"
 *
 *   out = self ** exponent, in the promoted dtype of self and exponent (a
 *   Scalar exponent promotes like a Scalar operand: int32 ** 2.5 is float32,
 *   float16 ** 2 stays float16), cast to out (must be castable).
 *   Integral pow is exact (wraps like repeated multiplication); an integral
 *   base to a negative integral power is 1 for 1, +-1 for -1 and 0 otherwise
 *   for tensor exponents, and an error for a Scalar exponent (ATen).
 *   Floating exponents 2, 3, 0.5, -0.5, -1, -2 take x*x, x*x*x, sqrt, 1/sqrt,
 *   1/x and 1/(x*x) (as ATen's pow_tensor_scalar kernel does).
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

/* Exact integral power (wraps mod 2^64; the caller wraps to the dtype). */
static int64_t powi(int64_t a, int64_t b) {
  if (b < 0) {
    if (a == 1) return 1;
    if (a == -1) return (b & 1) ? -1 : 1;
    return 0;
  }
  uint64_t r = 1, base = (uint64_t)a;
  while (b) {
    if (b & 1) r *= base;
    b >>= 1;
    base *= base;
  }
  return (int64_t)r;
}

static float pow_f(float a, float b) { return powf(a, b); }
static double pow_d(double a, double b) { return pow(a, b); }
static bool pow_i(int64_t a, int64_t b, int64_t *r) { *r = powi(a, b); return true; }
static const mu_binary op_pow = {"pow", pow_f, pow_d, pow_i, NULL};

WK_KERNEL(wick_op_pow_tensor_tensor_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  return mu_binary_run(ctx, &op_pow, args[0]->u.t, args[1]->u.t, args[2]->u.t);
}

/* x ** e for a fixed floating exponent, with ATen's special cases. */
static inline float pow_scalar_f32(float x, float e) {
  if (e == 2.0f) return x * x;
  if (e == 3.0f) return x * x * x;
  if (e == 0.5f) return sqrtf(x);
  if (e == -0.5f) return 1.0f / sqrtf(x);
  if (e == -1.0f) return 1.0f / x;
  if (e == -2.0f) return 1.0f / (x * x);
  return powf(x, e);
}

static inline double pow_scalar_f64(double x, double e) {
  if (e == 2.0) return x * x;
  if (e == 3.0) return x * x * x;
  if (e == 0.5) return sqrt(x);
  if (e == -0.5) return 1.0 / sqrt(x);
  if (e == -1.0) return 1.0 / x;
  if (e == -2.0) return 1.0 / (x * x);
  return pow(x, e);
}

WK_KERNEL(wick_op_pow_tensor_scalar_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  const wick_value *ex = args[1];
  wick_tensor *out = args[2]->u.t;

  /* 1. arguments */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self)) || (s = wk_check_dtype(ctx, "out", out))) return s;
  int common = wk_promote_scalar(self->dtype, ex), odt = out->dtype, sdt = self->dtype;
  if (!wk_can_cast(common, odt))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "result type %s can't be cast to the desired output type %s",
                            wk_dtype_name(common), wk_dtype_name(odt));
  bool fl = wk_is_float(common);
  if (!fl && ex->kind == WICK_VAL_INT && ex->u.i < 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "Integers to negative integer powers are not allowed");

  /* 2. out */
  int64_t sizes[WICK_MAX_DIM];
  mu_sizes64(self, sizes);
  if ((s = wk_resize_out(ctx, out, self->dim, sizes))) return s;

  /* 3./4. float32 over flat memory; generic walk */
  const wick_tensor *ins[1] = {self};
  wk_iter it;
  wk_iter_elementwise(&it, out, 1, ins);
  const void *x = self->data;
  void *y = out->data;
  if (fl) {
    double e = wk_scalar_as_f(ex, wk_opmath(common));
    bool f64 = wk_opmath(common) == WICK_F64;
    if (sdt == WICK_F32 && odt == WICK_F32 && mu_iter_flat(&it)) {
      const float *xf = x;
      float *yf = y, ef = (float)e;
      if (ef == 2.0f) {
        for (int64_t i = 0; i < it.numel; i++) yf[i] = xf[i] * xf[i];
      } else {
        for (int64_t i = 0; i < it.numel; i++) yf[i] = pow_scalar_f32(xf[i], ef);
      }
      return WICK_OK;
    }
    for (int64_t k = 0; k < it.numel; k++, wk_iter_next(&it)) {
      double v = wk_ld_as_f(x, sdt, it.off[1], common);
      v = f64 ? pow_scalar_f64(v, e) : (double)pow_scalar_f32((float)v, (float)e);
      wk_st_f(y, odt, it.off[0], wk_round_f(common, v));
    }
    return WICK_OK;
  }
  int64_t e = wk_scalar_as_i(ex, WICK_I64);
  for (int64_t k = 0; k < it.numel; k++, wk_iter_next(&it)) {
    int64_t v = wk_wrap_i(common, wk_ld_i(x, sdt, it.off[1]));
    wk_st_i(y, odt, it.off[0], wk_wrap_i(common, powi(v, e)));
  }
  return WICK_OK;
}
