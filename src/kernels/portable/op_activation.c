/* Parameterized activations (floating self keeps its dtype, integral / bool
 * self computes in float32; out must be castable from that):
 *
 * aten::gelu.out(Tensor self, *, str approximate='none', Tensor(a!) out)       "TnT"
 *   'none':  0.5 x (1 + erf(x / sqrt(2)))
 *   'tanh':  0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
 * aten::leaky_relu.out(Tensor self, Scalar negative_slope=0.01, *, out)          "TST"
 *   x > 0 ? x : x * negative_slope
 * aten::elu.out(Tensor self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1, *, out)  "TSSST"
 *   x > 0 ? x * scale : alpha * scale * (exp(x * input_scale) - 1)
 * aten::softplus.out(Tensor self, Scalar beta=1, Scalar threshold=20, *, out)     "TSST"
 *   x * beta > threshold ? x : log1p(exp(x * beta)) / beta
 *
 * Scalars are read as doubles and rounded to float for float32 opmath
 * (f16 / bf16 / f32 self). ATen rejects integral self for these ops; here it
 * is promoted like the unary float ops.
 */
#include <string.h>

#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

#define GELU_NONE 0
#define GELU_TANH 1
#define SQRT1_2 0.70710678118654752440  /* 1 / sqrt(2)  */
#define SQRT_2_PI 0.79788456080286535588 /* sqrt(2 / pi) */
#define GELU_KAPPA 0.044715

static inline float gelu_f(float x, const mu_params *p) {
  if (p->mode == GELU_TANH) {
    float inner = (float)SQRT_2_PI * (x + (float)GELU_KAPPA * x * x * x);
    return 0.5f * x * (1.0f + tanhf(inner));
  }
  return 0.5f * x * (1.0f + erff(x * (float)SQRT1_2));
}
static inline double gelu_d(double x, const mu_params *p) {
  if (p->mode == GELU_TANH) return 0.5 * x * (1.0 + tanh(SQRT_2_PI * (x + GELU_KAPPA * x * x * x)));
  return 0.5 * x * (1.0 + erf(x * SQRT1_2));
}

static inline float leaky_relu_f(float x, const mu_params *p) { return x > 0 ? x : x * (float)p->a; }
static inline double leaky_relu_d(double x, const mu_params *p) { return x > 0 ? x : x * p->a; }

/* p: a = alpha, b = scale, c = input_scale */
static inline float elu_f(float x, const mu_params *p) {
  float alpha = (float)p->a, scale = (float)p->b, iscale = (float)p->c;
  return x > 0 ? x * scale : expm1f(x * iscale) * (alpha * scale);
}
static inline double elu_d(double x, const mu_params *p) {
  return x > 0 ? x * p->b : expm1(x * p->c) * (p->a * p->b);
}

/* p: a = beta, b = threshold */
static inline float softplus_f(float x, const mu_params *p) {
  float beta = (float)p->a, xb = x * beta;
  return xb > (float)p->b ? x : log1pf(expf(xb)) / beta;
}
static inline double softplus_d(double x, const mu_params *p) {
  double xb = x * p->a;
  return xb > p->b ? x : log1p(exp(xb)) / p->a;
}

MU_F32_MAP(gelu_f)
MU_F32_MAP(leaky_relu_f)
MU_F32_MAP(elu_f)
MU_F32_MAP(softplus_f)

static const mu_unary op_gelu = {"gelu", MU_FLOAT, true, gelu_f, gelu_d, NULL, gelu_f_map};
static const mu_unary op_leaky_relu = {"leaky_relu", MU_FLOAT, true, leaky_relu_f, leaky_relu_d,
                                       NULL, leaky_relu_f_map};
static const mu_unary op_elu = {"elu", MU_FLOAT, true, elu_f, elu_d, NULL, elu_f_map};
static const mu_unary op_softplus = {"softplus", MU_FLOAT, true, softplus_f, softplus_d, NULL,
                                     softplus_f_map};

/* A Scalar argument as a double; Bool scalars are refused for these ops. */
static wick_status scalar_arg(wick_kernel_ctx *ctx, const char *what, const wick_value *v,
                              double *out) {
  if (v->kind == WICK_VAL_BOOL || !wick_value_scalar_f64(v, out))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s must be an int or float scalar, got %s", what,
                            wick_value_kind_name(v->kind));
  return WICK_OK;
}

WK_KERNEL(wick_op_gelu_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const char *mode = args[1]->u.s.ptr ? args[1]->u.s.ptr : "";
  mu_params p = {0, 0, 0, GELU_NONE};
  if (strcmp(mode, "tanh") == 0)
    p.mode = GELU_TANH;
  else if (strcmp(mode, "none") != 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "approximate must be 'none' or 'tanh', got '%s'", mode);
  return mu_unary_run(ctx, &op_gelu, &p, args[0]->u.t, args[2]->u.t);
}

WK_KERNEL(wick_op_leaky_relu_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  mu_params p = {0, 0, 0, 0};
  wick_status s;
  if ((s = scalar_arg(ctx, "negative_slope", args[1], &p.a))) return s;
  return mu_unary_run(ctx, &op_leaky_relu, &p, args[0]->u.t, args[2]->u.t);
}

WK_KERNEL(wick_op_elu_out) {
  if (nargs != 5) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 5 arguments, got %u", nargs);
  mu_params p = {0, 0, 0, 0};
  wick_status s;
  if ((s = scalar_arg(ctx, "alpha", args[1], &p.a)) || (s = scalar_arg(ctx, "scale", args[2], &p.b)) ||
      (s = scalar_arg(ctx, "input_scale", args[3], &p.c)))
    return s;
  return mu_unary_run(ctx, &op_elu, &p, args[0]->u.t, args[4]->u.t);
}

WK_KERNEL(wick_op_softplus_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  mu_params p = {0, 0, 0, 0};
  wick_status s;
  if ((s = scalar_arg(ctx, "beta", args[1], &p.a)) || (s = scalar_arg(ctx, "threshold", args[2], &p.b)))
    return s;
  return mu_unary_run(ctx, &op_softplus, &p, args[0]->u.t, args[3]->u.t);
}
