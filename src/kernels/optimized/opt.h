/* Internal interface of the optimized CPU kernels (src/kernels/optimized).
 *
 *   sgemm.c        packed, cache-blocked fp32 GEMM driver (portable C), its
 *                  scratch sizing, threading, and the generic micro-kernel
 *   sgemm_avx2.c   the AVX2+FMA 6x16 micro-kernel (x86 only; compiled with
 *                  function-level target attributes, no special flags)
 *   sgemm_avx512.c the AVX-512F 12x32 micro-kernel (same arrangement)
 *   depthwise.h    the depthwise-convolution plane loop, compiled per ISA
 *   gemv.c         the M-small GEMM (m <= 8, row-major B, no packing) for
 *                  decoder steps; AVX-512 / AVX2+FMA / portable C variants
 *   elementwise.c  aten::add.out / sub.out / mul.out for float32 with
 *                  broadcasting collapsed into vector runs
 *   permute.c      aten::permute_copy.out as run copies and tiled transposes
 *   op_matmul.c    aten::mm.out, aten::addmm.out, aten::bmm.out
 *   op_conv.c      aten::convolution.out (2-D, NCHW, float32)
 *   op_pool.c      aten::max_pool2d_with_indices.out (float32, threaded)
 *   norm.c         aten::native_layer_norm.out (float32, rows of the
 *                  trailing dims; sums in double lanes)
 *   softmax.c      aten::_softmax.out / _log_softmax.out along the innermost
 *                  dim (float32), with the vector exp wko_exp_f32
 *   gemv.c         mm / addmm / bmm with 1-8 rows (row-major B read once)
 *   elementwise.c  add / sub / mul (float32, broadcast runs)
 *   where.c        where.self_out (4-byte elements, broadcast runs)
 *   permute.c      permute_copy (memcpy runs / tiled transposes)
 *   qlinear_dyn.c  wick::linear_dq8 (dynamic int8, VNNI / AVX2)
 *   qconv.c        cortex_m:: int8 conv / depthwise / linear, bit-exact with
 *                  the portable CMSIS-NN arithmetic (VNNI / AVX2)
 *   qelem.c        cortex_m:: int8 add, max pool (NCHW), quantize / dequantize
 *                  per tensor, byte-identical with the portable kernels
 *   register.c     the kernel table and wick_optimized_register()
 *
 * Every kernel handles float32 in the default dim order (plus the strided
 * operands its GEMM packing can read) and hands anything else to the
 * portable kernel of the same op, which also produces the error messages.
 */
#ifndef WICK_KERNELS_OPTIMIZED_OPT_H
#define WICK_KERNELS_OPTIMIZED_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/kernel.h"
#include "wick/threadpool.h"

/* ---- GEMM ----------------------------------------------------------------
 *
 *   C[i,j] = alpha * sum_p A[i,p] * B[p,j] + beta * S[i,j]     (i < m, j < n)
 *
 * A and B are read through element strides (so transposed views cost
 * nothing extra); B may instead be the im2col matrix of one convolution
 * input (rows p = (channel, ky, kx), columns j = (oy, ox)), read on the fly
 * while packing. C is row-major with leading dimension ldc. S (the epilogue
 * operand: addmm's self, a conv bias) is read through strides s_rs / s_cs,
 * 0 for broadcast dims; s == NULL or beta == 0 ignores it.
 */

/* Register tiles of the micro-kernels (MR rows x NR columns of C):
 *   portable C and AVX2+FMA: 6 x 16 (12 ymm accumulators)
 *   AVX-512F:               12 x 32 (24 zmm accumulators)
 * Cache blocks: an MC x KC block of A (~120 KB, L2) is reused against a
 * KC x NC block of B (~512 KB, L2) whose KC x NR micro-panels (16-32 KB)
 * stay in L1 while the micro-kernel sweeps the A block. MC and NC are
 * multiples of every MR and NR. */
#define WKO_MR_MAX 12
#define WKO_NR_MAX 32
#define WKO_KC 256
#define WKO_MC 120
#define WKO_NC 512

typedef struct wko_im2col {
  const float *x;          /* one image, the group's first channel: [c][ih][iw] */
  int64_t ih, iw;          /* input plane                                      */
  int64_t kh, kw;          /* kernel                                           */
  int64_t sh, sw, ph, pw, dh, dw;
  int64_t oh, ow;          /* output plane (n == oh * ow)                      */
} wko_im2col;

/* A fused activation applied last: x = x < lo ? lo : x, then x > hi ? hi : x
 * (aten::clamp.out's result for non-NaN bounds; NaN stays NaN). */
typedef struct wko_act {
  bool has_lo, has_hi;
  float lo, hi;
} wko_act;

/* (min, max) Scalar-or-None arguments as an activation: false (let the
 * portable kernel run) for anything but Int / Double bounds that are
 * non-NaN and inside float's range, or when both are None. */
bool wko_act_from_args(const wick_value *lo, const wick_value *hi, wko_act *act);
/* Applies act to y[0:n] in place. */
void wko_act_apply(const wko_act *act, float *y, int64_t n);

typedef struct wko_gemm {
  int64_t m, n, k;
  const float *a;
  int64_t a_rs, a_cs;
  const float *b;          /* strided B (ignored when b_conv is set)            */
  int64_t b_rs, b_cs;
  const wko_im2col *b_conv;
  float *c;
  int64_t ldc;
  float alpha, beta;
  const float *s;
  int64_t s_rs, s_cs;
  wko_act act;             /* clamp after alpha / beta (both false: none)      */
} wko_gemm;

/* Micro-kernel: C[0:mr, 0:nr] (=, or += when accumulate) the product of an
 * mr x kc block of A and a packed B micro-panel (kc steps of nr values,
 * 64-byte aligned). A element (r, p) is a[r * a_rs + p * a_ps]: a packed A
 * micro-panel has a_rs = 1, a_ps = mr; a row-major A is read in place with
 * a_rs = its row stride, a_ps = 1 (no packing needed, see sgemm.c). */
typedef void (*wko_ukernel_fn)(int64_t kc, const float *a, int64_t a_rs, int64_t a_ps,
                               const float *b, float *c, int64_t ldc, bool accumulate);

typedef struct wko_ukernel {
  wko_ukernel_fn fn;
  int mr, nr;
} wko_ukernel;

/* Micro-kernels by instruction set; .fn is NULL when not built for x86. */
wko_ukernel wko_ukernel_avx2(void);    /* sgemm_avx2.c   */
wko_ukernel wko_ukernel_avx512(void);  /* sgemm_avx512.c */
void wko_ukernel_generic(int64_t kc, const float *a, int64_t a_rs, int64_t a_ps, const float *b,
                         float *c, int64_t ldc, bool accumulate);

/* Micro-kernel selection, set at registration from the CPU's features (the
 * caller checks them); tests switch it. */
enum { WKO_ISA_GENERIC = 0, WKO_ISA_AVX2 = 1, WKO_ISA_AVX512 = 2 };
void wko_set_isa(int isa);
int wko_get_isa(void);

/* One depthwise-convolution channel plane (geometry in p; p->x unused):
 * y[oh*ow] = bias + sum of w[kh*kw] taps over x[ih*iw]. By ISA, as the
 * micro-kernels; NULL where not built. */
typedef void (*wko_depthwise_fn)(const wko_im2col *p, const float *x, const float *w, float bias,
                                 float *y);
/* AVX-512 direct depthwise plane for stride 1 or 2 (NULL where not built):
 * bias, taps and the activation in registers, four output rows at once. */
typedef void (*wko_depthwise_act_fn)(const wko_im2col *p, const float *x, const float *w,
                                     float bias, const wko_act *act, float *y);
wko_depthwise_act_fn wko_depthwise_direct_avx512(void);
wko_depthwise_fn wko_depthwise_avx2(void);
wko_depthwise_fn wko_depthwise_avx512(void);

/* Threads the scratch sizing provides for (one packing workspace each):
 * online cores at registration, at most WKO_MAX_SCRATCH_THREADS. */
#define WKO_MAX_SCRATCH_THREADS 64
int wko_scratch_threads(void);
void wko_set_scratch_threads(int threads);

/* Scratch bytes for one m x n x k GEMM run by up to `threads` threads. */
size_t wko_sgemm_scratch(int64_t m, int64_t n, int64_t k, int threads);
/* Runs the GEMM on the pool (NULL: this thread) with the scratch memory
 * given; false (nothing written) when the scratch cannot hold even one
 * thread's workspace. */
bool wko_sgemm(const wko_gemm *g, wick_threadpool *pool, void *scratch, size_t scratch_size);

/* C tile [i0:i0+mr, j0:j0+nr] (at c) = act(alpha * C + beta * S), the way the
 * portable addmm rounds (alpha 1 and beta 1 skip their multiplication). */
void wko_gemm_epilogue(const wko_gemm *g, float *c, int64_t i0, int64_t j0, int64_t mr, int64_t nr);

/* ---- M-small GEMM (gemv.c) ----------------------------------------------------
 *
 * For 1 <= m <= WKO_GEMV_MAX_M, n, k >= 1, B with unit column stride (a
 * row-major [K,N] weight, any row stride; or n == 1) and no im2col:
 * wko_gemv_ok says yes and wko_gemv computes the same C as wko_sgemm, without
 * scratch memory or packing, split over columns on the pool when large. */
#define WKO_GEMV_MAX_M 8
bool wko_gemv_ok(const wko_gemm *g);
void wko_gemv(const wko_gemm *g, wick_threadpool *pool);

/* ---- helpers ---------------------------------------------------------------- */

static inline int64_t wko_min(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t wko_max(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t wko_round_up(int64_t a, int64_t b) { return (a + b - 1) / b * b; }

/* ---- kernels ----------------------------------------------------------------- */

#define WKO_KERNEL(name) wick_status name(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs)
#define WKO_SCRATCH(name) size_t name(wick_value **args, uint32_t nargs)

WKO_KERNEL(wko_mm_out);
WKO_KERNEL(wko_addmm_out);
WKO_KERNEL(wko_bmm_out);
WKO_KERNEL(wko_convolution_out);
WKO_SCRATCH(wko_mm_scratch);
WKO_SCRATCH(wko_addmm_scratch);
WKO_SCRATCH(wko_bmm_scratch);
WKO_SCRATCH(wko_convolution_scratch);
WKO_KERNEL(wko_max_pool2d_with_indices_out);
/* wick:: fused ops (op_conv.c, op_matmul.c) */
WKO_KERNEL(wko_convolution_act_out);
WKO_KERNEL(wko_addmm_act_out);
WKO_SCRATCH(wko_convolution_act_scratch);
WKO_SCRATCH(wko_addmm_act_scratch);
/* elementwise.c, permute.c */
WKO_KERNEL(wko_add_out);
WKO_KERNEL(wko_sub_out);
WKO_KERNEL(wko_mul_out);
WKO_KERNEL(wko_permute_copy_out);
WKO_KERNEL(wko_where_self_out);
/* norm.c, softmax.c */
WKO_KERNEL(wko_native_layer_norm_out);
WKO_KERNEL(wko_softmax_out);
WKO_KERNEL(wko_log_softmax_out);
/* y[0:n] = exp(x[0:n]) with the exp of the selected ISA (softmax.c):
 * relative error <= 1.5e-7, NaN for NaN, inf above 88.72, and 0 below
 * ln(FLT_MIN) ~ -87.34 (no denormal results) and for -inf. y may be x. */
void wko_exp_f32(float *y, const float *x, int64_t n);
/* cortex_m:: int8 conv / linear, bit-exact with the portable kernels (qconv.c) */
WKO_KERNEL(wko_cm_quantized_conv2d_out);
WKO_KERNEL(wko_cm_quantized_conv2d_nhwc_out);
WKO_KERNEL(wko_cm_quantized_linear_out);
WKO_SCRATCH(wko_cm_quantized_conv2d_scratch);
WKO_SCRATCH(wko_cm_quantized_conv2d_nhwc_scratch);
WKO_SCRATCH(wko_cm_quantized_linear_scratch);
WKO_KERNEL(wko_cm_quantized_depthwise_conv2d_out);
WKO_KERNEL(wko_cm_quantized_depthwise_conv2d_nhwc_out);
WKO_SCRATCH(wko_cm_quantized_depthwise_conv2d_scratch);
WKO_SCRATCH(wko_cm_quantized_depthwise_conv2d_nhwc_scratch);
/* cortex_m:: int8 add / max pool / quantize / dequantize, byte-identical
 * with the portable kernels (qelem.c) */
WKO_KERNEL(wko_cm_quantized_add_out);
WKO_KERNEL(wko_cm_quantized_max_pool2d_out);
WKO_KERNEL(wko_q_quantize_per_tensor_out);
WKO_KERNEL(wko_cm_dequantize_per_tensor_out);


#endif
