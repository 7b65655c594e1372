/* Shared helpers for the portable kernels (internal to src/kernels/portable).
 *
 *   dtypes     which dtypes the portable kernels handle, ATen type promotion
 *              (promoteTypes / result_type with a Scalar) and canCast
 *   elements   load any element as double or int64, store with a cast,
 *              round a value to a dtype
 *   shapes     broadcasting, resizing `out`, reduction dims
 *   iteration  wk_iter: walks an index space, keeping one element offset per
 *              operand (0 strides for broadcast dims)
 *   engines    the shared compute loops of the elementwise ops (elementwise.c)
 *
 * Naming: wk_ prefix for everything internal; "common" is the dtype a
 * computation happens in (ATen's common dtype), "opmath" is the dtype a
 * floating computation rounds to after each step (f32 for f16/bf16/f32).
 */
#ifndef WICK_KERNELS_PORTABLE_UTIL_H
#define WICK_KERNELS_PORTABLE_UTIL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/kernel.h"
#include "wick/status.h"
#include "wick/tensor.h"

/* ---- dtypes ------------------------------------------------------------- */

/* u8, i8, i16, i32, i64, f16, bf16, f32, f64, bool (a bit set over the
 * dtype numbers: 0..7, 11, 15). */
static inline bool wk_dtype_supported(int dt) {
  return (unsigned)dt < 16 && ((0x88FFu >> dt) & 1u);
}
/* f16, bf16, f32, f64 (wick_dtype_is_float, inlined for the hot paths). */
static inline bool wk_is_float(int dt) {
  return dt == WICK_F32 || dt == WICK_F64 || dt == WICK_F16 || dt == WICK_BF16;
}
/* wick_dtype_name, or "?" for an unknown dtype. */
const char *wk_dtype_name(int dt);
/* The failure of wk_check_dtype (kept out of line). */
wick_status wk_fail_dtype(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t);
/* Fails unless t's dtype is supported: "self has unsupported dtype qint8". */
static inline wick_status wk_check_dtype(wick_kernel_ctx *ctx, const char *what,
                                         const wick_tensor *t) {
  return wk_dtype_supported(t->dtype) ? WICK_OK : wk_fail_dtype(ctx, what, t);
}
/* ATen promoteTypes over the supported dtypes (both must be supported). */
int wk_promote(int a, int b);
/* ATen result_type(tensor, scalar): a scalar only promotes when its category
 * (bool < integral < floating) is higher than the tensor's; it then brings
 * its default dtype (int64 / float32). */
int wk_promote_scalar(int tensor_dt, const wick_value *scalar);
/* ATen canCast: floating -> integral/bool and non-bool -> bool are refused. */
bool wk_can_cast(int from, int to);
/* The dtype floating arithmetic rounds to after each step: f64 for f64,
 * f32 for f16/bf16/f32. */
static inline int wk_opmath(int dt) { return dt == WICK_F64 ? WICK_F64 : WICK_F32; }

/* ---- element access ----------------------------------------------------- */

/* Float -> int64 the way a C cast does for in-range values (truncation);
 * NaN and out-of-range values become INT64_MIN (x86 "integer indefinite")
 * instead of undefined behaviour. */
static inline int64_t wk_f2i(double v) {
  if (!(v > -9223372036854775808.0 && v < 9223372036854775808.0)) return INT64_MIN;
  return (int64_t)v;
}

/* Double -> float without undefined behaviour for out-of-range values. */
static inline float wk_d2f(double v) {
  if (v > 0x1.fffffep127 || v < -0x1.fffffep127) {
    /* below the midpoint to the next power of two still rounds to FLT_MAX */
    if (fabs(v) < 0x1.ffffffp127) return v > 0 ? 0x1.fffffep127f : -0x1.fffffep127f;
    return v > 0 ? INFINITY : -INFINITY;
  }
  return (float)v;
}

/* Wraps an int64 to an integral dtype (two's complement), or to bool (!= 0). */
static inline int64_t wk_wrap_i(int dt, int64_t v) {
  switch (dt) {
    case WICK_U8: return (uint8_t)v;
    case WICK_I8: return (int8_t)v;
    case WICK_I16: return (int16_t)v;
    case WICK_I32: return (int32_t)v;
    case WICK_BOOL: return v != 0;
    default: return v;
  }
}

/* Rounds a double to a floating dtype (the value that dtype would hold). */
static inline double wk_round_f(int dt, double v) {
  switch (dt) {
    case WICK_F32: return wk_d2f(v);
    case WICK_F16: return wick_f16_to_f32(wick_f32_to_f16(wk_d2f(v)));
    case WICK_BF16: return wick_bf16_to_f32(wick_f32_to_bf16(wk_d2f(v)));
    default: return v;
  }
}

/* An int64 converted to a floating dtype (single rounding for f32/f64). */
static inline double wk_i2f(int dt, int64_t v) {
  switch (dt) {
    case WICK_F32: return (float)v;
    case WICK_F16: return wick_f16_to_f32(wick_f32_to_f16((float)v));
    case WICK_BF16: return wick_bf16_to_f32(wick_f32_to_bf16((float)v));
    default: return (double)v;
  }
}

/* Element i of p (dtype dt) as a double; exact for every supported dtype
 * except int64 beyond 2^53. Bool: any nonzero byte is true. */
static inline double wk_ld_f(const void *p, int dt, int64_t i) {
  switch (dt) {
    case WICK_F32: return ((const float *)p)[i];
    case WICK_F64: return ((const double *)p)[i];
    case WICK_F16: return wick_f16_to_f32(((const uint16_t *)p)[i]);
    case WICK_BF16: return wick_bf16_to_f32(((const uint16_t *)p)[i]);
    case WICK_U8: return ((const uint8_t *)p)[i];
    case WICK_I8: return ((const int8_t *)p)[i];
    case WICK_I16: return ((const int16_t *)p)[i];
    case WICK_I32: return ((const int32_t *)p)[i];
    case WICK_I64: return (double)((const int64_t *)p)[i];
    case WICK_BOOL: return ((const uint8_t *)p)[i] != 0;
    default: return 0;
  }
}

/* Element i as an int64 (floats truncate, see wk_f2i). */
static inline int64_t wk_ld_i(const void *p, int dt, int64_t i) {
  switch (dt) {
    case WICK_U8: return ((const uint8_t *)p)[i];
    case WICK_I8: return ((const int8_t *)p)[i];
    case WICK_I16: return ((const int16_t *)p)[i];
    case WICK_I32: return ((const int32_t *)p)[i];
    case WICK_I64: return ((const int64_t *)p)[i];
    case WICK_BOOL: return ((const uint8_t *)p)[i] != 0;
    case WICK_F32: return wk_f2i(((const float *)p)[i]);
    case WICK_F64: return wk_f2i(((const double *)p)[i]);
    case WICK_F16: return wk_f2i(wick_f16_to_f32(((const uint16_t *)p)[i]));
    case WICK_BF16: return wk_f2i(wick_bf16_to_f32(((const uint16_t *)p)[i]));
    default: return 0;
  }
}

/* Element i as a value of floating dtype `to` (static_cast<to>(elem)). */
static inline double wk_ld_as_f(const void *p, int dt, int64_t i, int to) {
  if (wk_is_float(dt)) return wk_round_f(to, wk_ld_f(p, dt, i));
  return wk_i2f(to, wk_ld_i(p, dt, i));
}

/* Stores a double into element i of dtype dt (static_cast semantics;
 * float -> integral truncates, -> bool is != 0). */
static inline void wk_st_f(void *p, int dt, int64_t i, double v) {
  switch (dt) {
    case WICK_F32: ((float *)p)[i] = wk_d2f(v); break;
    case WICK_F64: ((double *)p)[i] = v; break;
    case WICK_F16: ((uint16_t *)p)[i] = wick_f32_to_f16(wk_d2f(v)); break;
    case WICK_BF16: ((uint16_t *)p)[i] = wick_f32_to_bf16(wk_d2f(v)); break;
    case WICK_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    case WICK_U8: ((uint8_t *)p)[i] = (uint8_t)wk_f2i(v); break;
    case WICK_I8: ((int8_t *)p)[i] = (int8_t)wk_f2i(v); break;
    case WICK_I16: ((int16_t *)p)[i] = (int16_t)wk_f2i(v); break;
    case WICK_I32: ((int32_t *)p)[i] = (int32_t)wk_f2i(v); break;
    case WICK_I64: ((int64_t *)p)[i] = wk_f2i(v); break;
    default: break;
  }
}

/* Stores an int64 into element i of dtype dt (wraps; -> bool is != 0). */
static inline void wk_st_i(void *p, int dt, int64_t i, int64_t v) {
  switch (dt) {
    case WICK_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case WICK_I8: ((int8_t *)p)[i] = (int8_t)v; break;
    case WICK_I16: ((int16_t *)p)[i] = (int16_t)v; break;
    case WICK_I32: ((int32_t *)p)[i] = (int32_t)v; break;
    case WICK_I64: ((int64_t *)p)[i] = v; break;
    case WICK_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    case WICK_F32: ((float *)p)[i] = (float)v; break;
    case WICK_F64: ((double *)p)[i] = (double)v; break;
    case WICK_F16: ((uint16_t *)p)[i] = wick_f32_to_f16((float)v); break;
    case WICK_BF16: ((uint16_t *)p)[i] = wick_f32_to_bf16((float)v); break;
    default: break;
  }
}

/* Copies element si of (src, sdt) into element di of (dst, ddt) with a cast. */
static inline void wk_copy_elem(void *dst, int ddt, int64_t di, const void *src, int sdt,
                                int64_t si) {
  if (wk_is_float(sdt))
    wk_st_f(dst, ddt, di, wk_ld_f(src, sdt, si));
  else
    wk_st_i(dst, ddt, di, wk_ld_i(src, sdt, si));
}

/* ---- scalars ------------------------------------------------------------ */

/* A Scalar argument cast to a dtype: as a double rounded to a floating `dt`,
 * or as an int64 wrapped to an integral/bool `dt`. */
double wk_scalar_as_f(const wick_value *s, int dt);
int64_t wk_scalar_as_i(const wick_value *s, int dt);
/* Human-readable scalar for messages ("2.5", "3", "true"). */
const char *wk_scalar_str(const wick_value *s, char *buf, size_t n);

/* ---- shapes ------------------------------------------------------------- */

/* "float32[2,3]" (buf of at least 96 bytes). */
const char *wk_desc(const wick_tensor *t, char *buf);
/* "[2,3]" for a size list. */
const char *wk_sizes_str(int dim, const int64_t *sizes, char *buf, size_t n);

/* ATen broadcast of n tensors into (dim, sizes); false if incompatible. */
bool wk_broadcast_shape(int n, const wick_tensor *const *ts, int *dim, int64_t *sizes);
/* True when t broadcasts to (dim, sizes) (e.g. addmm's self to [m,n]). */
bool wk_broadcastable_to(const wick_tensor *t, int dim, const int64_t *sizes);
/* wk_resize_out when out's shape differs (out of line). */
wick_status wk_resize_to(wick_kernel_ctx *ctx, wick_tensor *out, int dim, const int64_t *sizes);
/* Resizes out to (dim, sizes) or fails the kernel explaining why; inline for
 * the common case of an out that already has that shape. */
static inline wick_status wk_resize_out(wick_kernel_ctx *ctx, wick_tensor *out, int dim,
                                        const int64_t *sizes) {
  if (out->dim == dim) {
    int i = 0;
    while (i < dim && out->sizes[i] == sizes[i]) i++;
    if (i == dim) return WICK_OK;
  }
  return wk_resize_to(ctx, out, dim, sizes);
}
/* Wraps a possibly negative dim into [0, rank) (rank 0 accepts 0 and -1);
 * false when out of range. */
static inline bool wk_wrap_dim(int64_t d, int rank, int *out) {
  int64_t r = rank > 0 ? rank : 1;
  if (d < -r || d >= r) return false;
  *out = (int)(d < 0 ? d + r : d);
  return true;
}

/* Parses a reduction dim list (None or empty = all dims) into mask[d] for
 * d < self->dim; fails on out-of-range or duplicate dims. */
wick_status wk_reduce_mask(wick_kernel_ctx *ctx, const wick_tensor *self, wick_value *dims,
                           bool mask[WICK_MAX_DIM]);
/* The output shape of a reduction. */
void wk_reduce_shape(const wick_tensor *self, const bool mask[WICK_MAX_DIM], bool keepdim,
                     int *dim, int64_t sizes[WICK_MAX_DIM]);

/* ---- iteration ---------------------------------------------------------- */

#define WK_MAX_OPS 4

/* Walks `dim` dims of `size` in row-major logical order; off[k] is operand
 * k's element offset (sum of index * stride[k]). Rank 0 visits one element. */
typedef struct wk_iter {
  int dim;
  int nops;
  int64_t size[WICK_MAX_DIM];
  int64_t stride[WK_MAX_OPS][WICK_MAX_DIM];
  int64_t idx[WICK_MAX_DIM];
  int64_t off[WK_MAX_OPS];
  int64_t numel;
} wk_iter;

/* Elementwise iteration over out's logical shape: operand 0 is out, operands
 * 1..n are the inputs, broadcast to out's shape (they must be broadcastable).
 * When every operand has out's shape and dim order the walk is flat (one dim
 * of numel elements with stride 1), whatever the dim order. */
void wk_iter_elementwise(wk_iter *it, const wick_tensor *out, int n, const wick_tensor *const *ins);
/* An explicit walk (strides given per operand). */
void wk_iter_init(wk_iter *it, int dim, const int32_t *size, int nops,
                  const int64_t (*stride)[WICK_MAX_DIM]);

static inline void wk_iter_next(wk_iter *it) {
  for (int d = it->dim - 1; d >= 0; d--) {
    if (++it->idx[d] < it->size[d]) {
      for (int k = 0; k < it->nops; k++) it->off[k] += it->stride[k][d];
      return;
    }
    it->idx[d] = 0;
    for (int k = 0; k < it->nops; k++) it->off[k] -= it->stride[k][d] * (it->size[d] - 1);
  }
}

/* True when every tensor has the same sizes and dim order as the first
 * (elementwise ops may then work over flat memory). */
bool wk_same_layout(int n, const wick_tensor *const *ts);

/* ---- layout tests for the fast paths (inline: they run on every call) ---- */

/* Number of elements (wick_tensor_numel, inlined). */
static inline size_t wk_numel(const wick_tensor *t) {
  size_t n = 1;
  for (int i = 0; i < t->dim; i++) n *= (size_t)t->sizes[i];
  return n;
}

/* Same rank and sizes (dim orders aside). */
static inline bool wk_same_sizes(const wick_tensor *a, const wick_tensor *b) {
  if (a->dim != b->dim) return false;
  for (int i = 0; i < a->dim; i++)
    if (a->sizes[i] != b->sizes[i]) return false;
  return true;
}

/* Same rank, sizes and dim order: element i of one is element i of the other
 * in flat memory (wk_same_layout for two tensors). */
static inline bool wk_same_layout2(const wick_tensor *a, const wick_tensor *b) {
  if (a->dim != b->dim) return false;
  for (int i = 0; i < a->dim; i++)
    if (a->sizes[i] != b->sizes[i] || a->dim_order[i] != b->dim_order[i]) return false;
  return true;
}

/* wk_same_layout2(a, out) && wk_same_layout2(b, out) in one pass, which also
 * counts out's elements into *n. */
static inline bool wk_same_layout3(const wick_tensor *a, const wick_tensor *b,
                                   const wick_tensor *out, size_t *n) {
  int dim = out->dim;
  if (a->dim != dim || b->dim != dim) return false;
  size_t count = 1;
  for (int i = 0; i < dim; i++) {
    int32_t sz = out->sizes[i];
    uint8_t o = out->dim_order[i];
    if (a->sizes[i] != sz || b->sizes[i] != sz || a->dim_order[i] != o || b->dim_order[i] != o)
      return false;
    count *= (size_t)sz;
  }
  *n = count;
  return true;
}

/* Row-major dim order 0, 1, ..., dim-1 (wick_tensor_is_contiguous, inlined). */
static inline bool wk_is_contig(const wick_tensor *t) {
  for (int i = 0; i < t->dim; i++)
    if (t->dim_order[i] != i) return false;
  return true;
}

/* A single element ([1], [1,1], rank 0) whose rank is at most `rank`: it
 * broadcasts to any shape of that rank without changing it. */
static inline bool wk_one_elem(const wick_tensor *t, int rank) {
  if (t->dim > rank) return false;
  for (int i = 0; i < t->dim; i++)
    if (t->sizes[i] != 1) return false;
  return true;
}

/* ---- elementwise engines (elementwise.c) --------------------------------- */

typedef enum wk_binop {
  WK_ADD,       /* a + alpha * b */
  WK_SUB,       /* a - alpha * b */
  WK_MUL,       /* a * b         */
  WK_DIV,       /* a / b (true division, floating common dtype) */
  WK_DIV_TRUNC, /* trunc(a / b) */
  WK_DIV_FLOOR  /* floor(a / b) */
} wk_binop;

typedef enum wk_cmp { WK_EQ, WK_NE, WK_LT, WK_LE, WK_GT, WK_GE } wk_cmp;

/* out = a (op) b computed in `common`, then cast to out's dtype. Shapes,
 * dtypes and alpha are validated by the caller; alpha may be NULL (1). */
wick_status wk_binary_compute(wick_kernel_ctx *ctx, wk_binop op, const wick_tensor *a,
                              const wick_tensor *b, const wick_value *alpha, int common,
                              wick_tensor *out);

/* The four beats of add/sub/mul/div (and div's rounding modes): checks,
 * promotion, resize, fast paths, generic compute. other is the tensor b
 * (.Tensor / .out overloads) or the Scalar bs (.Scalar_out overloads). */
wick_status wk_binary_op(wick_kernel_ctx *ctx, wk_binop op, const wick_tensor *a,
                         const wick_tensor *b, const wick_value *bs, const wick_value *alpha,
                         wick_tensor *out);

/* ---- the float32 fast path of add/sub/mul/div (inlined into each kernel) -- */

/* alpha (NULL = 1) as the float the generic path would use; false for a Bool
 * alpha (an error for float results, left to the generic path). */
static inline bool wk_f32_alpha(const wick_value *alpha, float *al) {
  if (!alpha) *al = 1.0f;
  else if (alpha->kind == WICK_VAL_INT) *al = (float)alpha->u.i;
  else if (alpha->kind == WICK_VAL_DOUBLE) *al = wk_d2f(alpha->u.d);
  else return false;
  return true;
}

/* y[i] = x[i] (op) z[i], i < n. Float arithmetic gives the generic path's
 * result: each double step rounded to float is the float step. */
static inline void wk_f32_vv(wk_binop op, float *y, const float *x, const float *z, size_t n,
                             float al) {
  switch (op) {
    case WK_ADD:
      if (al == 1.0f) for (size_t i = 0; i < n; i++) y[i] = x[i] + z[i];
      else for (size_t i = 0; i < n; i++) y[i] = x[i] + al * z[i];
      break;
    case WK_SUB:
      if (al == 1.0f) for (size_t i = 0; i < n; i++) y[i] = x[i] - z[i];
      else for (size_t i = 0; i < n; i++) y[i] = x[i] - al * z[i];
      break;
    case WK_MUL: for (size_t i = 0; i < n; i++) y[i] = x[i] * z[i]; break;
    default: for (size_t i = 0; i < n; i++) y[i] = x[i] / z[i]; break;
  }
}

/* y[i] = x[i] (op) s, i < n. */
static inline void wk_f32_vs(wk_binop op, float *y, const float *x, float s, size_t n, float al) {
  switch (op) {
    case WK_ADD: s = al * s; for (size_t i = 0; i < n; i++) y[i] = x[i] + s; break;
    case WK_SUB: s = al * s; for (size_t i = 0; i < n; i++) y[i] = x[i] - s; break;
    case WK_MUL: for (size_t i = 0; i < n; i++) y[i] = x[i] * s; break;
    default: for (size_t i = 0; i < n; i++) y[i] = x[i] / s; break;
  }
}

/* y[i] = s (op) z[i], i < n. */
static inline void wk_f32_sv(wk_binop op, float *y, float s, const float *z, size_t n, float al) {
  switch (op) {
    case WK_ADD: for (size_t i = 0; i < n; i++) y[i] = s + al * z[i]; break;
    case WK_SUB: for (size_t i = 0; i < n; i++) y[i] = s - al * z[i]; break;
    case WK_MUL: for (size_t i = 0; i < n; i++) y[i] = s * z[i]; break;
    default: for (size_t i = 0; i < n; i++) y[i] = s / z[i]; break;
  }
}

/* The hottest case of add/sub/mul/div .out (op <= WK_DIV), inlined into each
 * kernel ahead of wk_binary_op: float32 a, b and out sharing shape and dim
 * order, so no broadcasting, promotion or resize, and memory is flat:
 * y[i] = x[i] (op) z[i]. Returns false otherwise; wk_binary_op then tries
 * the single-element cases before its checks (wk_f32_one_elem_fast) and
 * reports errors. The inlined part stays small so that the fallback is one
 * tail call. */
static inline bool wk_f32_binary_fast(wk_binop op, const wick_tensor *a, const wick_tensor *b,
                                      const wick_value *alpha, wick_tensor *out) {
  if (a->dtype != WICK_F32 || b->dtype != WICK_F32 || out->dtype != WICK_F32) return false;
  size_t n;
  float al;
  if (!wk_same_layout3(a, b, out, &n) || !wk_f32_alpha(alpha, &al)) return false;
  wk_f32_vv(op, out->data, a->data, b->data, n, al);
  return true;
}

/* The .Scalar_out twin: float32 a and out of one shape and dim order, an Int
 * or Double scalar (float32 stays the common dtype; a Bool scalar goes the
 * generic way, which rejects it for sub). y[i] = x[i] (op) s. */
static inline bool wk_f32_scalar_fast(wk_binop op, const wick_tensor *a, const wick_value *bs,
                                      const wick_value *alpha, wick_tensor *out) {
  if (a->dtype != WICK_F32 || out->dtype != WICK_F32) return false;
  float s, al;
  if (bs->kind == WICK_VAL_INT) s = (float)bs->u.i;
  else if (bs->kind == WICK_VAL_DOUBLE) s = wk_d2f(bs->u.d);
  else return false;
  if (!wk_f32_alpha(alpha, &al) || !wk_same_layout2(a, out)) return false;
  wk_f32_vs(op, out->data, a->data, s, wk_numel(out), al);
  return true;
}

/* eq/ne/lt/le/gt/ge .Tensor_out (b != NULL) and .Scalar_out (bs != NULL). */
wick_status wk_compare_op(wick_kernel_ctx *ctx, wk_cmp cmp, const wick_tensor *a,
                          const wick_tensor *b, const wick_value *bs, wick_tensor *out);

/* Copies src into out element by element in logical order (out must already
 * have src's shape), casting dtypes; handles any dim orders. */
void wk_copy_cast(wick_tensor *out, const wick_tensor *src);

/* out[m,n] = alpha * (mat1[m,k] @ mat2[k,n]) + beta * self (self broadcast to
 * [m,n]; self NULL or beta == 0 ignores it, NaN included). All tensors share
 * one dtype; alpha/beta may be NULL (1). Checked by the caller. (matmul.c) */
void wk_addmm_compute(const wick_tensor *self, const wick_tensor *mat1, const wick_tensor *mat2,
                      const wick_value *beta, const wick_value *alpha, wick_tensor *out);
/* Validates mat1 [m,k] / mat2 [k,n] (dtype, rank, inner sizes) for mm and addmm. */
wick_status wk_check_mm(wick_kernel_ctx *ctx, const wick_tensor *mat1, const wick_tensor *mat2,
                        const wick_tensor *out);

/* Copies src (shape given by out) into out in logical order, where src is
 * addressed through explicit element strides (a permuted or broadcast view);
 * casts when the dtypes differ. */
void wk_copy_view(wick_tensor *out, const void *src, int src_dtype, const int64_t *src_strides);

/* Sums (mean: averages) self over the dims in mask into out, which already
 * has the reduced shape (keepdim tells how out's dims line up). Elements
 * are cast to out's dtype before they are added: floating dtypes accumulate
 * in double, integral ones in int64 with wrap-around, bool as "any". (reduce.c) */
void wk_reduce_sum(const wick_tensor *self, const bool mask[WICK_MAX_DIM], bool keepdim,
                   wick_tensor *out, bool mean);

/* ---- kernels (one file each) --------------------------------------------- */

#define WK_KERNEL(name) wick_status name(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs)

WK_KERNEL(wick_op_add_out);
WK_KERNEL(wick_op_add_scalar_out);
WK_KERNEL(wick_op_sub_out);
WK_KERNEL(wick_op_sub_scalar_out);
WK_KERNEL(wick_op_mul_out);
WK_KERNEL(wick_op_mul_scalar_out);
WK_KERNEL(wick_op_div_out);
WK_KERNEL(wick_op_div_out_mode);
WK_KERNEL(wick_op_div_scalar_out);
WK_KERNEL(wick_op_addmm_out);
WK_KERNEL(wick_op_mm_out);
WK_KERNEL(wick_op_permute_copy_out);
WK_KERNEL(wick_op_mean_out);
WK_KERNEL(wick_op_sum_intlist_out);
WK_KERNEL(wick_op_eq_scalar_out);
WK_KERNEL(wick_op_eq_tensor_out);
WK_KERNEL(wick_op_ne_scalar_out);
WK_KERNEL(wick_op_ne_tensor_out);
WK_KERNEL(wick_op_lt_scalar_out);
WK_KERNEL(wick_op_lt_tensor_out);
WK_KERNEL(wick_op_le_scalar_out);
WK_KERNEL(wick_op_le_tensor_out);
WK_KERNEL(wick_op_gt_scalar_out);
WK_KERNEL(wick_op_gt_tensor_out);
WK_KERNEL(wick_op_ge_scalar_out);
WK_KERNEL(wick_op_ge_tensor_out);
WK_KERNEL(wick_op_clone_out);
WK_KERNEL(wick_op_where_self_out);
WK_KERNEL(wick_op_relu_out);
WK_KERNEL(wick_op_view_copy_out);
WK_KERNEL(wick_op_to_copy_out);
WK_KERNEL(wick_op_full_out);

#endif
