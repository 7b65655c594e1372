/* The shared engines of the elementwise binary ops (add, sub, mul, div) and
 * the comparisons (eq, ne, lt, le, gt, ge).
 *
 * Every op computes in ATen's common dtype and casts the result to out's
 * dtype. Floating math happens in double, rounded to the op's "opmath" dtype
 * after each step (f32 for f16/bf16/f32, so results match float arithmetic)
 * and to the common dtype at the end; integral math happens in int64 with
 * wrap-around, then wraps to the common dtype.
 *
 * Fast paths (float32 only, no per-element dispatch):
 *   same layout      out[i] = a[i] (op) b[i]   (wk_f32_binary_fast, and
 *                    out[i] = a[i] (op) s      wk_f32_scalar_fast for the
 *                                              .Scalar overloads: util.h,
 *                                              inlined into each kernel)
 *   one element      [..] (op) [1] / [] (either side), before any check
 *                    (f32_one_elem_fast)
 *   row broadcast    [.., n] (op) [n]  (either side), after the checks
 * The comparisons with a float32 self and a bool out of self's shape take
 * flat loops too (cmp_f32_fast).
 */
#include "kernels/portable/util.h"

#include <math.h>
#include <string.h>

typedef union wk_scalar_box {
  double f;
  int64_t i;
} wk_scalar_box;

static const char *binop_name(wk_binop op) {
  switch (op) {
    case WK_ADD: return "add";
    case WK_SUB: return "sub";
    case WK_MUL: return "mul";
    default: return "div";
  }
}

/* ---- scalar math -------------------------------------------------------- */

/* Python-style floor division in float arithmetic (ATen div_floor_floating). */
static float floor_div_f32(float a, float b) {
  if (b == 0) return a / b;
  float mod = fmodf(a, b);
  float div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= 1;
  if (div == 0) return copysignf(0.0f, a / b);
  float fl = floorf(div);
  if (div - fl > 0.5f) fl += 1.0f;
  return fl;
}

static double floor_div_f64(double a, double b) {
  if (b == 0) return a / b;
  double mod = fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= 1;
  if (div == 0) return copysign(0.0, a / b);
  double fl = floor(div);
  if (div - fl > 0.5) fl += 1.0;
  return fl;
}

/* One floating step: inputs are values of the common dtype, the result is
 * rounded to opmath `om` (the caller rounds it on to the common dtype). */
static inline double float_op(wk_binop op, int om, double a, double b, double alpha) {
  switch (op) {
    case WK_ADD: return wk_round_f(om, a + (alpha == 1 ? b : wk_round_f(om, alpha * b)));
    case WK_SUB: return wk_round_f(om, a - (alpha == 1 ? b : wk_round_f(om, alpha * b)));
    case WK_MUL: return wk_round_f(om, a * b);
    case WK_DIV: return wk_round_f(om, a / b);
    case WK_DIV_TRUNC: return trunc(wk_round_f(om, a / b));
    case WK_DIV_FLOOR:
      return om == WICK_F64 ? floor_div_f64(a, b) : floor_div_f32((float)a, (float)b);
  }
  return 0;
}

/* One integral step in int64 with wrap-around. Division by zero is checked
 * by the caller. */
static inline int64_t int_op(wk_binop op, int64_t a, int64_t b, int64_t alpha) {
  uint64_t ua = (uint64_t)a, ub = (uint64_t)b, ual = (uint64_t)alpha;
  switch (op) {
    case WK_ADD: return (int64_t)(ua + ual * ub);
    case WK_SUB: return (int64_t)(ua - ual * ub);
    case WK_MUL: return (int64_t)(ua * ub);
    case WK_DIV:
    case WK_DIV_TRUNC:
      if (b == -1) return (int64_t)(0 - ua); /* INT64_MIN / -1 wraps */
      return a / b;
    case WK_DIV_FLOOR: {
      if (b == -1) return (int64_t)(0 - ua);
      int64_t q = a / b;
      if (a % b != 0 && ((a < 0) != (b < 0))) q--;
      return q;
    }
  }
  return 0;
}

/* ---- generic compute ---------------------------------------------------- */

wick_status wk_binary_compute(wick_kernel_ctx *ctx, wk_binop op, const wick_tensor *a,
                              const wick_tensor *b, const wick_value *alpha, int common,
                              wick_tensor *out) {
  const wick_tensor *ins[2] = {a, b};
  wk_iter it;
  wk_iter_elementwise(&it, out, 2, ins);
  const void *pa = a->data, *pb = b->data;
  void *po = out->data;
  int da = a->dtype, db = b->dtype, dout = out->dtype;

  if (wk_is_float(common)) {
    int om = wk_opmath(common);
    double al = alpha ? wk_scalar_as_f(alpha, om) : 1.0;
    for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
      double va = wk_ld_as_f(pa, da, it.off[1], common);
      double vb = wk_ld_as_f(pb, db, it.off[2], common);
      double r = wk_round_f(common, float_op(op, om, va, vb, al));
      wk_st_f(po, dout, it.off[0], r);
    }
    return WICK_OK;
  }

  int64_t al = alpha ? wk_scalar_as_i(alpha, common) : 1;
  bool divides = op == WK_DIV || op == WK_DIV_TRUNC || op == WK_DIV_FLOOR;
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    int64_t va = wk_wrap_i(common, wk_ld_i(pa, da, it.off[1]));
    int64_t vb = wk_wrap_i(common, wk_ld_i(pb, db, it.off[2]));
    if (divides && vb == 0) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "integer division by zero");
    wk_st_i(po, dout, it.off[0], wk_wrap_i(common, int_op(op, va, vb, al)));
  }
  return WICK_OK;
}

/* ---- float32 fast paths ------------------------------------------------- */

/* True when `row` is [.., 1, n] (all leading sizes 1) and big is a contiguous
 * [.., n] with rank >= row's: row then repeats along big's rows. */
static bool is_row_of(const wick_tensor *row, const wick_tensor *big) {
  if (big->dim == 0 || row->dim == 0 || row->dim > big->dim) return false;
  if (row->sizes[row->dim - 1] != big->sizes[big->dim - 1]) return false;
  for (int i = 0; i < row->dim - 1; i++)
    if (row->sizes[i] != 1) return false;
  return wk_is_contig(big);
}

static bool is_one_elem_of(const wick_tensor *one, const wick_tensor *big) {
  if (one->dim > big->dim) return false;
  for (int i = 0; i < one->dim; i++)
    if (one->sizes[i] != 1) return false;
  return true;
}

/* The single-element cases of add/sub/mul/div, tried before any check:
 * float32 a, b and out where out needs no resize and memory is flat:
 *   a and out share shape and dim order, b is a single element
 *       y[i] = x[i] (op) b[0]
 *   b and out do, a is a single element
 *       y[i] = a[0] (op) z[i]
 * (a single element of rank <= out's broadcasts without changing out's
 * shape). The single element is read once, before out is written. */
static bool f32_one_elem_fast(wk_binop op, const wick_tensor *a, const wick_tensor *b,
                              const wick_value *alpha, wick_tensor *out) {
  float al;
  if (op > WK_DIV || a->dtype != WICK_F32 || b->dtype != WICK_F32 || out->dtype != WICK_F32 ||
      !wk_f32_alpha(alpha, &al))
    return false;
  if (wk_one_elem(b, out->dim) && wk_same_layout2(a, out)) {
    wk_f32_vs(op, out->data, a->data, *(const float *)b->data, wk_numel(out), al);
    return true;
  }
  if (wk_one_elem(a, out->dim) && wk_same_layout2(b, out)) {
    wk_f32_sv(op, out->data, *(const float *)a->data, b->data, wk_numel(out), al);
    return true;
  }
  return false;
}

/* Returns true when a float32 fast path handled the op. */
static bool f32_fast(wk_binop op, const wick_tensor *a, const wick_tensor *b, float alpha,
                     wick_tensor *out) {
  const float *x = a->data, *z = b->data;
  float *y = out->data;
  const wick_tensor *all[3] = {out, a, b};
  if (wk_same_layout(3, all)) {
    wk_f32_vv(op, y, x, z, wk_numel(out), alpha);
    return true;
  }
  const wick_tensor *pair_a[2] = {out, a}, *pair_b[2] = {out, b};
  if (wk_same_layout(2, pair_a)) { /* a has out's shape; b broadcasts */
    size_t n = wk_numel(out);
    if (is_one_elem_of(b, a)) {
      wk_f32_vs(op, y, x, z[0], n, alpha);
      return true;
    }
    if (is_row_of(b, a)) {
      size_t cols = (size_t)a->sizes[a->dim - 1];
      for (size_t r = 0; cols && r < n / cols; r++) wk_f32_vv(op, y + r * cols, x + r * cols, z, cols, alpha);
      return true;
    }
  } else if (wk_same_layout(2, pair_b)) { /* b has out's shape; a broadcasts */
    size_t n = wk_numel(out);
    if (is_one_elem_of(a, b)) {
      wk_f32_sv(op, y, x[0], z, n, alpha);
      return true;
    }
    if (is_row_of(a, b) && (op == WK_MUL || (op == WK_ADD && alpha == 1))) {
      size_t cols = (size_t)b->sizes[b->dim - 1];
      for (size_t r = 0; cols && r < n / cols; r++) wk_f32_vv(op, y + r * cols, z + r * cols, x, cols, 1);
      return true;
    }
  }
  return false;
}

/* ---- a Scalar as a rank-0 tensor ------------------------------------------ */

/* Views Scalar s, cast to dtype `common`, as a rank-0 tensor (f64 holding a
 * value of a floating `common`, or i64 holding a wrapped integral one), so
 * the tensor loops serve the .Scalar overloads too. */
static const wick_tensor *scalar_tensor(wick_tensor *t, wk_scalar_box *box, const wick_value *s,
                                        int common) {
  memset(t, 0, sizeof *t);
  if (wk_is_float(common)) {
    box->f = wk_scalar_as_f(s, common);
    t->dtype = WICK_F64;
  } else {
    box->i = wk_scalar_as_i(s, common);
    t->dtype = WICK_I64;
  }
  t->data = box;
  t->capacity = sizeof *box;
  return t;
}

/* ---- add / sub / mul / div ---------------------------------------------- */

wick_status wk_binary_op(wick_kernel_ctx *ctx, wk_binop op, const wick_tensor *a,
                         const wick_tensor *b, const wick_value *bs, const wick_value *alpha,
                         wick_tensor *out) {
  if (b && f32_one_elem_fast(op, a, b, alpha, out)) return WICK_OK;
  char b1[96], b2[96], sb[48];
  /* 1. arguments: dtypes, broadcastable shapes, alpha */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", a)) || (s = wk_check_dtype(ctx, "out", out))) return s;
  if (b && (s = wk_check_dtype(ctx, "other", b))) return s;
  int dim;
  int64_t sizes[WICK_MAX_DIM];
  int common;
  bool other_bool;
  if (b) {
    const wick_tensor *ins[2] = {a, b};
    if (!wk_broadcast_shape(2, ins, &dim, sizes))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s and other %s are not broadcastable",
                              wk_desc(a, b1), wk_desc(b, b2));
    common = wk_promote(a->dtype, b->dtype);
    other_bool = b->dtype == WICK_BOOL;
  } else {
    dim = a->dim;
    for (int i = 0; i < dim; i++) sizes[i] = a->sizes[i];
    common = wk_promote_scalar(a->dtype, bs);
    other_bool = bs->kind == WICK_VAL_BOOL;
  }
  if (op == WK_SUB && (a->dtype == WICK_BOOL || other_bool))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "subtraction with a bool tensor is not supported (self %s, other %s)",
                            wk_desc(a, b1), b ? wk_desc(b, b2) : wk_scalar_str(bs, b2, sizeof b2));
  if (op == WK_DIV && !wk_is_float(common)) common = WICK_F32;
  if ((op == WK_DIV_TRUNC || op == WK_DIV_FLOOR) && common == WICK_BOOL)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "div with a rounding mode is not supported for bool");
  if (alpha) {
    if (alpha->kind == WICK_VAL_BOOL && common != WICK_BOOL)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "boolean alpha is only supported for bool results (common dtype %s)",
                              wk_dtype_name(common));
    if (alpha->kind == WICK_VAL_DOUBLE && !wk_is_float(common))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "alpha %s must be integral for %s inputs",
                              wk_scalar_str(alpha, sb, sizeof sb), wk_dtype_name(common));
  }
  if (!wk_can_cast(common, out->dtype))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "%s: result type %s can't be cast to the desired output type %s",
                            binop_name(op), wk_dtype_name(common), wk_dtype_name(out->dtype));

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, dim, sizes))) return s;
  if (wk_numel(out) == 0) return WICK_OK;

  /* 3. dtype switch: float32 fast paths, then the generic engine */
  bool f32 = a->dtype == WICK_F32 && out->dtype == WICK_F32 && common == WICK_F32 && op <= WK_DIV;
  float al = 1.0f;
  if (f32 && alpha) al = (float)wk_scalar_as_f(alpha, WICK_F32);
  wick_tensor st;
  wk_scalar_box box;
  if (!b) {
    if (f32) {
      const wick_tensor *pair[2] = {out, a};
      if (wk_same_layout(2, pair)) {
        wk_f32_vs(op, out->data, a->data, (float)wk_scalar_as_f(bs, WICK_F32), wk_numel(out), al);
        return WICK_OK;
      }
    }
    b = scalar_tensor(&st, &box, bs, common);
  } else if (f32 && b->dtype == WICK_F32 && f32_fast(op, a, b, al, out)) {
    return WICK_OK;
  }
  /* 4. compute */
  return wk_binary_compute(ctx, op, a, b, alpha, common, out);
}

/* ---- comparisons -------------------------------------------------------- */

static inline bool cmp_f(wk_cmp c, double x, double y) {
  switch (c) {
    case WK_EQ: return x == y;
    case WK_NE: return x != y;
    case WK_LT: return x < y;
    case WK_LE: return x <= y;
    case WK_GT: return x > y;
    default: return x >= y;
  }
}

static inline bool cmp_i(wk_cmp c, int64_t x, int64_t y) {
  switch (c) {
    case WK_EQ: return x == y;
    case WK_NE: return x != y;
    case WK_LT: return x < y;
    case WK_LE: return x <= y;
    case WK_GT: return x > y;
    default: return x >= y;
  }
}

/* y[i] = x[i] (cmp) z[i * zs], i < n (zs 0: other is one element). */
static void cmp_f32(wk_cmp cmp, uint8_t *y, const float *x, const float *z, size_t zs, size_t n) {
  switch (cmp) {
    case WK_EQ: for (size_t i = 0; i < n; i++) y[i] = x[i] == z[i * zs]; break;
    case WK_NE: for (size_t i = 0; i < n; i++) y[i] = x[i] != z[i * zs]; break;
    case WK_LT: for (size_t i = 0; i < n; i++) y[i] = x[i] < z[i * zs]; break;
    case WK_LE: for (size_t i = 0; i < n; i++) y[i] = x[i] <= z[i * zs]; break;
    case WK_GT: for (size_t i = 0; i < n; i++) y[i] = x[i] > z[i * zs]; break;
    default: for (size_t i = 0; i < n; i++) y[i] = x[i] >= z[i * zs]; break;
  }
}

/* The hot case: float32 self, a bool out of self's shape and dim order (no
 * resize), and other a Scalar, a float32 tensor of out's layout, or a float32
 * single element of rank <= out's. float32 is then the common dtype, and
 * comparing floats is comparing them as doubles. */
static bool cmp_f32_fast(wk_cmp cmp, const wick_tensor *a, const wick_tensor *b,
                         const wick_value *bs, wick_tensor *out) {
  if (a->dtype != WICK_F32 || out->dtype != WICK_BOOL || !wk_same_layout2(a, out)) return false;
  float s;
  const float *z = &s;
  size_t zs = 0;
  if (!b) {
    if (bs->kind != WICK_VAL_INT && bs->kind != WICK_VAL_DOUBLE && bs->kind != WICK_VAL_BOOL)
      return false;
    s = (float)wk_scalar_as_f(bs, WICK_F32);
  } else if (b->dtype != WICK_F32) {
    return false;
  } else if (wk_same_layout2(b, out)) {
    z = b->data;
    zs = 1;
  } else if (wk_one_elem(b, out->dim)) {
    s = *(const float *)b->data;
  } else {
    return false;
  }
  cmp_f32(cmp, out->data, a->data, z, zs, wk_numel(out));
  return true;
}

wick_status wk_compare_op(wick_kernel_ctx *ctx, wk_cmp cmp, const wick_tensor *a,
                          const wick_tensor *b, const wick_value *bs, wick_tensor *out) {
  if (cmp_f32_fast(cmp, a, b, bs, out)) return WICK_OK;
  char b1[96], b2[96];
  /* 1. arguments */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", a)) || (s = wk_check_dtype(ctx, "out", out))) return s;
  if (b && (s = wk_check_dtype(ctx, "other", b))) return s;
  int dim;
  int64_t sizes[WICK_MAX_DIM];
  int common;
  if (b) {
    const wick_tensor *ins[2] = {a, b};
    if (!wk_broadcast_shape(2, ins, &dim, sizes))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s and other %s are not broadcastable",
                              wk_desc(a, b1), wk_desc(b, b2));
    common = wk_promote(a->dtype, b->dtype);
  } else {
    dim = a->dim;
    for (int i = 0; i < dim; i++) sizes[i] = a->sizes[i];
    common = wk_promote_scalar(a->dtype, bs);
  }
  /* 2. out (any dtype: the bool result casts to it) */
  if ((s = wk_resize_out(ctx, out, dim, sizes))) return s;

  /* 3./4. compute in the common dtype; a scalar is cast to it once */
  wick_tensor scalar_t;
  wk_scalar_box box;
  bool fl = wk_is_float(common);
  if (!b) b = scalar_tensor(&scalar_t, &box, bs, common);
  const wick_tensor *ins[2] = {a, b};
  wk_iter it;
  wk_iter_elementwise(&it, out, 2, ins);
  if (fl) {
    for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
      double x = wk_ld_as_f(a->data, a->dtype, it.off[1], common);
      double y = wk_ld_as_f(b->data, b->dtype, it.off[2], common);
      wk_st_i(out->data, out->dtype, it.off[0], cmp_f(cmp, x, y));
    }
  } else {
    for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
      int64_t x = wk_wrap_i(common, wk_ld_i(a->data, a->dtype, it.off[1]));
      int64_t y = wk_wrap_i(common, wk_ld_i(b->data, b->dtype, it.off[2]));
      wk_st_i(out->data, out->dtype, it.off[0], cmp_i(cmp, x, y));
    }
  }
  return WICK_OK;
}
