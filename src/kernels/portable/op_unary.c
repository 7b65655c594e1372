/* The unary elementwise ops, all "TT": aten::<op>.out(Tensor self, *, Tensor(a!) out)
 *
 *   float ops   sigmoid tanh exp log sqrt rsqrt reciprocal erf sin cos
 *               hardsigmoid hardswish silu
 *               floating self keeps its dtype; integral / bool self computes
 *               in float32 (ATen's default dtype): exp(int64) -> float32
 *   keep ops    neg abs sign floor ceil round
 *               self's dtype; integral self stays integral (floor/ceil/round
 *               copy it; neg/abs wrap like two's complement); neg rejects
 *               bool
 *   logical_not out = (self == 0), stored into out's dtype (any dtype)
 *
 * out must be castable from the result dtype (ATen canCast: a floating
 * result cannot go to an integral out). f16 / bf16 compute in float32.
 * NaN propagates through every op (sign(NaN) = NaN); round is half-to-even
 * (round(2.5) = 2); hardsigmoid(x) = clamp(x + 3, 0, 6) / 6,
 * hardswish(x) = x * hardsigmoid(x), silu(x) = x * sigmoid(x).
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

/* ---- scalar functions (float32 opmath, float64, int64) -------------------- */

#define UNUSED_P (void)p

static inline float sigmoid_f(float x, const mu_params *p) { UNUSED_P; return 1.0f / (1.0f + expf(-x)); }
static inline double sigmoid_d(double x, const mu_params *p) { UNUSED_P; return 1.0 / (1.0 + exp(-x)); }
static inline float tanh_f(float x, const mu_params *p) { UNUSED_P; return tanhf(x); }
static inline double tanh_d(double x, const mu_params *p) { UNUSED_P; return tanh(x); }
static inline float exp_f(float x, const mu_params *p) { UNUSED_P; return expf(x); }
static inline double exp_d(double x, const mu_params *p) { UNUSED_P; return exp(x); }
static inline float log_f(float x, const mu_params *p) { UNUSED_P; return logf(x); }
static inline double log_d(double x, const mu_params *p) { UNUSED_P; return log(x); }
static inline float sqrt_f(float x, const mu_params *p) { UNUSED_P; return sqrtf(x); }
static inline double sqrt_d(double x, const mu_params *p) { UNUSED_P; return sqrt(x); }
static inline float rsqrt_f(float x, const mu_params *p) { UNUSED_P; return 1.0f / sqrtf(x); }
static inline double rsqrt_d(double x, const mu_params *p) { UNUSED_P; return 1.0 / sqrt(x); }
static inline float reciprocal_f(float x, const mu_params *p) { UNUSED_P; return 1.0f / x; }
static inline double reciprocal_d(double x, const mu_params *p) { UNUSED_P; return 1.0 / x; }
static inline float erf_f(float x, const mu_params *p) { UNUSED_P; return erff(x); }
static inline double erf_d(double x, const mu_params *p) { UNUSED_P; return erf(x); }
static inline float sin_f(float x, const mu_params *p) { UNUSED_P; return sinf(x); }
static inline double sin_d(double x, const mu_params *p) { UNUSED_P; return sin(x); }
static inline float cos_f(float x, const mu_params *p) { UNUSED_P; return cosf(x); }
static inline double cos_d(double x, const mu_params *p) { UNUSED_P; return cos(x); }

/* clamp(x + 3, 0, 6) / 6 with comparisons that keep NaN */
static inline float hardsigmoid_f(float x, const mu_params *p) {
  UNUSED_P;
  float t = x + 3.0f;
  t = t < 0.0f ? 0.0f : t;
  t = t > 6.0f ? 6.0f : t;
  return t / 6.0f;
}
static inline double hardsigmoid_d(double x, const mu_params *p) {
  UNUSED_P;
  double t = x + 3.0;
  t = t < 0.0 ? 0.0 : t;
  t = t > 6.0 ? 6.0 : t;
  return t / 6.0;
}
static inline float hardswish_f(float x, const mu_params *p) { return x * hardsigmoid_f(x, p); }
static inline double hardswish_d(double x, const mu_params *p) { return x * hardsigmoid_d(x, p); }
static inline float silu_f(float x, const mu_params *p) { UNUSED_P; return x / (1.0f + expf(-x)); }
static inline double silu_d(double x, const mu_params *p) { UNUSED_P; return x / (1.0 + exp(-x)); }

static inline float neg_f(float x, const mu_params *p) { UNUSED_P; return -x; }
static inline double neg_d(double x, const mu_params *p) { UNUSED_P; return -x; }
static inline int64_t neg_i(int64_t x, const mu_params *p) { UNUSED_P; return (int64_t)(0u - (uint64_t)x); }
static inline float abs_f(float x, const mu_params *p) { UNUSED_P; return fabsf(x); }
static inline double abs_d(double x, const mu_params *p) { UNUSED_P; return fabs(x); }
static inline int64_t abs_i(int64_t x, const mu_params *p) { return x < 0 ? neg_i(x, p) : x; }
static inline float sign_f(float x, const mu_params *p) {
  UNUSED_P;
  return x != x ? x : (float)((x > 0) - (x < 0));
}
static inline double sign_d(double x, const mu_params *p) {
  UNUSED_P;
  return x != x ? x : (double)((x > 0) - (x < 0));
}
static inline int64_t sign_i(int64_t x, const mu_params *p) { UNUSED_P; return (x > 0) - (x < 0); }
static inline float floor_f(float x, const mu_params *p) { UNUSED_P; return floorf(x); }
static inline double floor_d(double x, const mu_params *p) { UNUSED_P; return floor(x); }
static inline float ceil_f(float x, const mu_params *p) { UNUSED_P; return ceilf(x); }
static inline double ceil_d(double x, const mu_params *p) { UNUSED_P; return ceil(x); }
/* nearbyint rounds half to even in the default rounding mode */
static inline float round_f(float x, const mu_params *p) { UNUSED_P; return nearbyintf(x); }
static inline double round_d(double x, const mu_params *p) { UNUSED_P; return nearbyint(x); }

MU_F32_MAP(sigmoid_f)
MU_F32_MAP(tanh_f)
MU_F32_MAP(exp_f)
MU_F32_MAP(log_f)
MU_F32_MAP(sqrt_f)
MU_F32_MAP(rsqrt_f)
MU_F32_MAP(reciprocal_f)
MU_F32_MAP(erf_f)
MU_F32_MAP(sin_f)
MU_F32_MAP(cos_f)
MU_F32_MAP(hardsigmoid_f)
MU_F32_MAP(hardswish_f)
MU_F32_MAP(silu_f)
MU_F32_MAP(neg_f)
MU_F32_MAP(abs_f)
MU_F32_MAP(sign_f)
MU_F32_MAP(floor_f)
MU_F32_MAP(ceil_f)
MU_F32_MAP(round_f)

/* ---- the table and the kernels -------------------------------------------- */

#define FLOAT_OP(n) {#n, MU_FLOAT, true, n##_f, n##_d, NULL, n##_f_map}
#define KEEP_OP(n, bool_ok, i64) {#n, MU_KEEP, bool_ok, n##_f, n##_d, i64, n##_f_map}

static const mu_unary op_sigmoid = FLOAT_OP(sigmoid);
static const mu_unary op_tanh = FLOAT_OP(tanh);
static const mu_unary op_exp = FLOAT_OP(exp);
static const mu_unary op_log = FLOAT_OP(log);
static const mu_unary op_sqrt = FLOAT_OP(sqrt);
static const mu_unary op_rsqrt = FLOAT_OP(rsqrt);
static const mu_unary op_reciprocal = FLOAT_OP(reciprocal);
static const mu_unary op_erf = FLOAT_OP(erf);
static const mu_unary op_sin = FLOAT_OP(sin);
static const mu_unary op_cos = FLOAT_OP(cos);
static const mu_unary op_hardsigmoid = FLOAT_OP(hardsigmoid);
static const mu_unary op_hardswish = FLOAT_OP(hardswish);
static const mu_unary op_silu = FLOAT_OP(silu);
static const mu_unary op_neg = KEEP_OP(neg, false, neg_i);
static const mu_unary op_abs = KEEP_OP(abs, true, abs_i);
static const mu_unary op_sign = KEEP_OP(sign, true, sign_i);
static const mu_unary op_floor = KEEP_OP(floor, true, NULL);
static const mu_unary op_ceil = KEEP_OP(ceil, true, NULL);
static const mu_unary op_round = KEEP_OP(round, true, NULL);
static const mu_unary op_logical_not = {"logical_not", MU_LOGICAL, true, NULL, NULL, NULL, NULL};

#define UNARY_KERNEL(fn, def)                                                              \
  WK_KERNEL(fn) {                                                                          \
    if (nargs != 2)                                                                        \
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 2 arguments, got %u", nargs); \
    return mu_unary_run(ctx, &def, NULL, args[0]->u.t, args[1]->u.t);                      \
  }

UNARY_KERNEL(wick_op_sigmoid_out, op_sigmoid)
UNARY_KERNEL(wick_op_tanh_out, op_tanh)
UNARY_KERNEL(wick_op_exp_out, op_exp)
UNARY_KERNEL(wick_op_log_out, op_log)
UNARY_KERNEL(wick_op_sqrt_out, op_sqrt)
UNARY_KERNEL(wick_op_rsqrt_out, op_rsqrt)
UNARY_KERNEL(wick_op_reciprocal_out, op_reciprocal)
UNARY_KERNEL(wick_op_erf_out, op_erf)
UNARY_KERNEL(wick_op_sin_out, op_sin)
UNARY_KERNEL(wick_op_cos_out, op_cos)
UNARY_KERNEL(wick_op_hardsigmoid_out, op_hardsigmoid)
UNARY_KERNEL(wick_op_hardswish_out, op_hardswish)
UNARY_KERNEL(wick_op_silu_out, op_silu)
UNARY_KERNEL(wick_op_neg_out, op_neg)
UNARY_KERNEL(wick_op_abs_out, op_abs)
UNARY_KERNEL(wick_op_sign_out, op_sign)
UNARY_KERNEL(wick_op_floor_out, op_floor)
UNARY_KERNEL(wick_op_ceil_out, op_ceil)
UNARY_KERNEL(wick_op_round_out, op_round)
UNARY_KERNEL(wick_op_logical_not_out, op_logical_not)
