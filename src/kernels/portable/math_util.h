/* Shared engines of the elementwise math and tensor manipulation kernels
 * (internal to src/kernels/portable; builds on util.h). Prefix mu_.
 *
 *   unary      one table entry per op (scalar functions for float32, float64
 *              and int64, plus a flat float32 loop); mu_unary_run does the
 *              four beats: dtype rules, resize, fast path, generic walk
 *   binary     the same for two broadcast tensors (maximum, fmod, ...)
 *   scalars    checked conversion of a Scalar argument to a dtype
 *   copies     strided copies between arbitrary layouts (signed strides, so
 *              flips work), with dims coalesced for long memcpy runs
 */
#ifndef WICK_KERNELS_PORTABLE_MATH_UTIL_H
#define WICK_KERNELS_PORTABLE_MATH_UTIL_H

#include "kernels/portable/util.h"

/* ---- unary -------------------------------------------------------------- */

/* Per-call parameters of the parameterized ops (leaky_relu's slope, elu's
 * alpha/scale/input_scale, softplus's beta/threshold, gelu's mode). */
typedef struct mu_params {
  double a, b, c;
  int mode;
} mu_params;

typedef float (*mu_f32_fn)(float x, const mu_params *p);
typedef double (*mu_f64_fn)(double x, const mu_params *p);
typedef int64_t (*mu_i64_fn)(int64_t x, const mu_params *p);
typedef void (*mu_f32_map_fn)(float *y, const float *x, size_t n, const mu_params *p);

/* Result dtype rule of a unary op. */
typedef enum mu_result {
  MU_FLOAT,  /* floating self keeps its dtype; integral/bool self -> float32 */
  MU_KEEP,   /* self's dtype (integral inputs use the i64 function)        */
  MU_LOGICAL /* bool: x == 0 (logical_not); out may be any dtype           */
} mu_result;

typedef struct mu_unary {
  const char *name; /* for messages: "exp" */
  mu_result result;
  bool bool_ok;     /* MU_KEEP: whether a bool self is accepted */
  mu_f32_fn f32;    /* opmath float32 (f16, bf16, f32)          */
  mu_f64_fn f64;    /* float64                                  */
  mu_i64_fn i64;    /* MU_KEEP integral/bool self (NULL: copy)  */
  mu_f32_map_fn map; /* y[i] = f32(x[i]) over flat memory        */
} mu_unary;

/* Defines name##_map: the flat float32 loop of an inline scalar function
 * `static inline float name(float, const mu_params *)`. */
#define MU_F32_MAP(name)                                                         \
  static void name##_map(float *y, const float *x, size_t n, const mu_params *p) { \
    for (size_t i = 0; i < n; i++) y[i] = name(x[i], p);                         \
  }

/* True when a wk_iter_elementwise walk is flat: one dim where every operand
 * steps by 1 (not a rank-1 walk with a broadcast operand). */
static inline bool mu_iter_flat(const wk_iter *it) {
  if (it->dim != 1) return false;
  for (int k = 0; k < it->nops; k++)
    if (it->stride[k][0] != 1) return false;
  return true;
}

/* out = op(self): checks dtypes (self supported, result castable to out),
 * resizes out to self's shape, then computes (flat float32 fast path when
 * self and out are float32 of one layout). */
wick_status mu_unary_run(wick_kernel_ctx *ctx, const mu_unary *op, const mu_params *p,
                         const wick_tensor *self, wick_tensor *out);

/* ---- binary ------------------------------------------------------------- */

typedef float (*mu_f32_bfn)(float a, float b);
typedef double (*mu_f64_bfn)(double a, double b);
/* Integral step; returns false on an error (integer division by zero). */
typedef bool (*mu_i64_bfn)(int64_t a, int64_t b, int64_t *r);

typedef struct mu_binary {
  const char *name;
  mu_f32_bfn f32;
  mu_f64_bfn f64;
  mu_i64_bfn i64;
  const char *i64_error; /* message when i64 returns false */
} mu_binary;

/* out = op(a, b): promotes a and b (ATen promoteTypes), broadcasts, checks
 * the common dtype casts to out, computes in the common dtype (float32
 * opmath for f16/bf16) and casts to out. */
wick_status mu_binary_run(wick_kernel_ctx *ctx, const mu_binary *op, const wick_tensor *a,
                          const wick_tensor *b, wick_tensor *out);

/* ---- scalars ------------------------------------------------------------ */

/* Whether Scalar v converts to dtype dt without overflow (ATen's checked
 * Scalar::to<T>); floating dtypes accept inf/NaN. */
bool mu_scalar_fits(const wick_value *v, int dt);
/* Fails with "value X cannot be converted to type T without overflow". */
wick_status mu_check_scalar_fits(wick_kernel_ctx *ctx, const char *what, const wick_value *v,
                                 int dt);

/* ---- shapes --------------------------------------------------------------- */

/* t's sizes / strides as int64 arrays (WICK_MAX_DIM entries). */
void mu_sizes64(const wick_tensor *t, int64_t *sizes);
void mu_strides64(const wick_tensor *t, int64_t *strides);
/* Fails unless out's dtype equals self's: "out dtype X does not match self Y". */
wick_status mu_check_same_dtype(wick_kernel_ctx *ctx, const wick_tensor *self,
                                const wick_tensor *out);
/* Reads an index element (int32 or int64 tensor data) as int64. */
static inline int64_t mu_ld_index(const void *p, int dt, int64_t i) {
  return dt == WICK_I64 ? ((const int64_t *)p)[i] : ((const int32_t *)p)[i];
}
/* Fails unless t's dtype is int32 or int64 ("index must be int32 or int64"). */
wick_status mu_check_index_dtype(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t);

/* ---- copies --------------------------------------------------------------- */

#define MU_MAX_WALK (2 * WICK_MAX_DIM)

/* Copies the index space `sizes` (dim <= MU_MAX_WALK) from src to dst:
 * dst[sum i_k * dst_strides[k]] = src[sum i_k * src_strides[k]] (element
 * offsets, signed; the base pointers are the elements at index 0). Casts when
 * the dtypes differ. Adjacent dims that are contiguous in both operands are
 * merged so runs of memory move with memcpy. */
void mu_copy(void *dst, int ddt, const int64_t *dst_strides, const void *src, int sdt,
             const int64_t *src_strides, int dim, const int64_t *sizes);
/* Copies src's elements into out in logical row-major order (shapes may
 * differ, element counts must match): the reshape of view/squeeze/unsqueeze. */
void mu_copy_reshape(wick_tensor *out, const wick_tensor *src);
/* Copies src (same shape as out) into out, any dim orders; casts. */
void mu_copy_same_shape(wick_tensor *out, const wick_tensor *src);

#endif
