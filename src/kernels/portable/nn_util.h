/* Internal helpers shared by the neural-network kernels (conv, pooling,
 * normalization, softmax, reductions with indices, ...): parameter lists,
 * layout checks and iterators that hold some dims fixed. (nn_util.c) */
#ifndef WICK_KERNELS_PORTABLE_NN_UTIL_H
#define WICK_KERNELS_PORTABLE_NN_UTIL_H

#include "kernels/portable/ops_nn.h"
#include "kernels/portable/util.h"

/* Reads an int list parameter of n entries (n <= 3) into out: one entry is
 * repeated n times (PyTorch's expand_param_if_needed), an empty list gives
 * `dflt` everywhere when allow_empty, else fails. Values below `min` fail:
 * "stride must be at least 1, got [0,1]". */
wick_status wk_nn_param(wick_kernel_ctx *ctx, wick_value *v, const char *what, int n,
                        bool allow_empty, int64_t dflt, int64_t min, int64_t out[3]);

/* Fails unless t's dim order is the default 0,1,...: "input float32[1,3,4,4]
 * must use the default (contiguous) dim order; channels-last is not supported". */
wick_status wk_nn_check_contig(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t);

/* Fails unless t is f16, bf16, f32 or f64: "input int64[2] must be floating". */
wick_status wk_nn_check_float(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t);

/* Fails unless a and b have the same dtype. */
wick_status wk_nn_same_dtype(wick_kernel_ctx *ctx, const char *wa, const wick_tensor *a,
                             const char *wb, const wick_tensor *b);

/* PyTorch's pooling_output_shape: floor (or ceil) of
 * (in + 2*pad - dil*(k-1) - 1) / stride + 1, where with ceil_mode the last
 * window must start inside the input or the left padding. */
int64_t wk_nn_pool_out(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil,
                       bool ceil_mode);

/* An iterator over t's logical shape with the dims in `hold` kept at index 0
 * (size 1); operand k uses ts[k]'s strides (all of t's rank). */
void wk_nn_iter_hold(wk_iter *it, const wick_tensor *t, const bool hold[WICK_MAX_DIM], int n,
                     const wick_tensor *const *ts);

/* For a reduction of self over `mask` into out (keepdim tells how out's dims
 * line up): `outer` walks the kept dims (operand 0: self, operand 1: out),
 * `inner` walks the reduced dims of self (operand 0: self) in row-major
 * order, so its step count is the flat index within the reduced dims. */
void wk_nn_reduce_iters(const wick_tensor *self, const bool mask[WICK_MAX_DIM], bool keepdim,
                        const wick_tensor *out, wk_iter *outer, wk_iter *inner);

/* Strict "a comes before b" orders for max/min searches. Floating values
 * (is_float) compare as doubles with NaN above everything; others as int64. */
typedef struct wk_nn_key {
  double f;
  int64_t i;
} wk_nn_key;

static inline wk_nn_key wk_nn_load_key(const void *p, int dt, int64_t off) {
  wk_nn_key k;
  if (wk_is_float(dt)) {
    k.f = wk_ld_f(p, dt, off);
    k.i = 0;
  } else {
    k.i = wk_ld_i(p, dt, off);
    k.f = 0;
  }
  return k;
}

/* a > b with NaN the greatest value (two NaNs are equal). */
static inline bool wk_nn_gt(bool is_float, wk_nn_key a, wk_nn_key b) {
  if (!is_float) return a.i > b.i;
  if (isnan(a.f)) return !isnan(b.f);
  if (isnan(b.f)) return false;
  return a.f > b.f;
}

#endif

/* ---- 2-D pooling geometry ------------------------------------------------ */

typedef struct wk_pool2d {
  int64_t planes; /* N*C (C for a 3-D input) */
  int64_t ih, iw, oh, ow;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
} wk_pool2d;

/* Validates a (C,H,W) or (N,C,H,W) input in the default dim order and the
 * kernel_size / stride (empty = kernel_size) / padding / dilation (NULL = 1)
 * lists of max_pool2d / avg_pool2d, checks padding <= kernel/2, computes the
 * output size and resizes each non-NULL out to it. */
wick_status wk_nn_pool2d_setup(wick_kernel_ctx *ctx, const wick_tensor *self, wick_value *kernel,
                               wick_value *stride, wick_value *padding, wick_value *dilation,
                               bool ceil_mode, wick_tensor *out, wick_tensor *out2, wk_pool2d *g);
