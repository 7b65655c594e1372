/* wick::linear_dq8.out — linear layer with int8 weights and activations
 * quantized per row at run time ("dynamic quantization"). Shared by the
 * portable reference kernel (op_linear_dq8.c) and the optimized x86 kernels
 * (src/kernels/optimized/qlinear_dyn.c), which must agree bit for bit:
 * both use the helpers below for the row parameters and the epilogue, and
 * integer sums are exact in any order. Semantics: docs/OPS.md
 * ("wick::linear_dq8").
 *
 * Weight layout ("VNNI-blocked"): W[n][k] (output channel n < N, input
 * feature k < K) is weight[n / 16][k / 4][n % 16][k % 4] of an int8 tensor
 * [ceil(N/16), ceil(K/4), 16, 4]; one 64-byte group holds 4 consecutive k of
 * 16 consecutive outputs, which is exactly one vpdpbusd operand. Padding
 * entries are ignored (the converter writes 0).
 */
#ifndef WICK_KERNELS_QUANTIZED_LINEAR_DQ8_H
#define WICK_KERNELS_QUANTIZED_LINEAR_DQ8_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernels/quantized/qmath.h"
#include "wick/kernel.h"

#define WQ_DQ8_NB 16       /* outputs per weight block                     */
#define WQ_DQ8_KB 4        /* consecutive k per 4-byte group               */
#define WQ_DQ8_MAX_K 65536 /* 255 * 128 * K stays below 2^31: exact int32  */

/* One row's quantization: u = clamp(nearbyint(x * inv) + zp, 0, 255). */
typedef struct wq_dq8_row {
  float scale, inv;
  int32_t zp;
  bool bad; /* the row holds NaN or +-inf (or its range overflows): out row = NaN */
} wq_dq8_row;

/* Row parameters from the row's min and max (of its finite values, 0 when
 * none) and whether it held a non-finite value. */
static inline wq_dq8_row wq_dq8_row_params(float mn, float mx, bool nonfinite) {
  wq_dq8_row r;
  float lo = mn < 0.0f ? mn : 0.0f, hi = mx > 0.0f ? mx : 0.0f;
  float s = (hi - lo) / 255.0f;
  r.bad = nonfinite || !isfinite(s);
  float inv = 1.0f / s;
  if (r.bad || !(s > 0.0f) || !isfinite(inv)) {
    r.scale = 1.0f;
    r.inv = 1.0f;
    r.zp = 0;
    return r;
  }
  r.scale = s;
  r.inv = inv;
  float z = nearbyintf(-lo * inv);
  r.zp = z < 0.0f ? 0 : (z > 255.0f ? 255 : (int32_t)z);
  return r;
}

/* The quantized value of x (finite row, so |x * inv| <= ~256). */
static inline uint8_t wq_dq8_quant(float x, const wq_dq8_row *r) {
  float p = x * r->inv;
  int32_t v = (int32_t)nearbyintf(p) + r->zp;
  return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

/* y = float(acc - zp * wsum) * (scale * wscale) [+ bias], each operation
 * rounded to float32 in this order (no fused multiply-add). */
static inline float wq_dq8_epilogue(int32_t acc, const wq_dq8_row *r, int32_t wsum, float wscale,
                                    const float *bias) {
  int32_t v = wq_sub32(acc, wq_mul32(r->zp, wsum));
  float cs = r->scale * wscale;
  float y = (float)v * cs;
  if (bias) y = y + *bias;
  return y;
}

/* A checked call. */
typedef struct wq_dq8 {
  const float *x;       /* [rows, k] contiguous                              */
  const int8_t *w;      /* blocked, [nblk, kq, 16, 4]                         */
  const float *wscale;  /* [n]                                                */
  const int32_t *wsum;  /* [n]                                                */
  const float *bias;    /* [n] or NULL                                        */
  float *y;             /* [rows, n] contiguous                               */
  int64_t rows, k, n;
  int64_t kq;           /* ceil(k / 4): 64-byte groups per weight block        */
  int64_t nblk;         /* ceil(n / 16)                                       */
} wq_dq8;

/* Checks the arguments ("TTTTtT": input, weight, weight_scale, weight_sum,
 * bias?, out), resizes out to [..., n] and fills *a. */
wick_status wq_dq8_prepare(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs, wq_dq8 *a);
/* Row r's parameters (one pass over the row). */
wq_dq8_row wq_dq8_scan_row(const float *x, int64_t k);
/* The reference computation of rows [r0, r1). */
void wq_dq8_run_portable(const wq_dq8 *a, int64_t r0, int64_t r1);

#endif
