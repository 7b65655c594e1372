/* aten::maximum.out(Tensor self, Tensor other, *, Tensor(a!) out)   "TTT"
 * aten::minimum.out(Tensor self, Tensor other, *, Tensor(a!) out)   "TTT"
 * aten::fmod.Tensor_out(Tensor self, Tensor other, *, Tensor(a!) out)       "TTT"
 * aten::remainder.Tensor_out(Tensor self, Tensor other, *, Tensor(a!) out)  "TTT"
 *
 *   self and other broadcast together and promote (ATen promoteTypes); the
 *   result, computed in that common dtype, must be castable to out.
 *   maximum / minimum: a NaN in either operand gives NaN.
 *   fmod: C fmod, the sign of self (fmod(-3, 2) = -1).
 *   remainder: Python %, the sign of other (remainder(-3, 2) = 1):
 *     r = fmod(a, b); r != 0 && sign(r) != sign(b) ? r + b : r.
 *   Integral fmod / remainder by zero is an error (ZeroDivisionError).
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

static float max_f(float a, float b) { return a != a ? a : b != b ? b : a > b ? a : b; }
static double max_d(double a, double b) { return a != a ? a : b != b ? b : a > b ? a : b; }
static bool max_i(int64_t a, int64_t b, int64_t *r) { *r = a > b ? a : b; return true; }
static float min_f(float a, float b) { return a != a ? a : b != b ? b : a < b ? a : b; }
static double min_d(double a, double b) { return a != a ? a : b != b ? b : a < b ? a : b; }
static bool min_i(int64_t a, int64_t b, int64_t *r) { *r = a < b ? a : b; return true; }

static float fmod_f(float a, float b) { return fmodf(a, b); }
static double fmod_d(double a, double b) { return fmod(a, b); }
static bool fmod_i(int64_t a, int64_t b, int64_t *r) {
  if (b == 0) return false;
  *r = b == -1 ? 0 : a % b; /* INT64_MIN % -1 overflows in C */
  return true;
}

static float rem_f(float a, float b) {
  float m = fmodf(a, b);
  if (m != 0 && ((b < 0) != (m < 0))) m += b;
  return m;
}
static double rem_d(double a, double b) {
  double m = fmod(a, b);
  if (m != 0 && ((b < 0) != (m < 0))) m += b;
  return m;
}
static bool rem_i(int64_t a, int64_t b, int64_t *r) {
  if (b == 0) return false;
  int64_t m = b == -1 ? 0 : a % b;
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  *r = m;
  return true;
}

static const mu_binary op_maximum = {"maximum", max_f, max_d, max_i, NULL};
static const mu_binary op_minimum = {"minimum", min_f, min_d, min_i, NULL};
static const mu_binary op_fmod = {"fmod", fmod_f, fmod_d, fmod_i,
                                  "ZeroDivisionError: integer fmod by zero"};
static const mu_binary op_remainder = {"remainder", rem_f, rem_d, rem_i,
                                       "ZeroDivisionError: integer remainder by zero"};

#define BINARY_KERNEL(fn, def)                                                             \
  WK_KERNEL(fn) {                                                                          \
    if (nargs != 3)                                                                        \
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs); \
    return mu_binary_run(ctx, &def, args[0]->u.t, args[1]->u.t, args[2]->u.t);             \
  }

BINARY_KERNEL(wick_op_maximum_out, op_maximum)
BINARY_KERNEL(wick_op_minimum_out, op_minimum)
BINARY_KERNEL(wick_op_fmod_tensor_out, op_fmod)
BINARY_KERNEL(wick_op_remainder_tensor_out, op_remainder)
