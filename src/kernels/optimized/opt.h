/* Internal interface of the optimized CPU kernels (src/kernels/optimized).
 *
 *   sgemm.c        packed, cache-blocked fp32 GEMM driver (portable C), its
 *                  scratch sizing, threading, and the generic micro-kernel
 *   sgemm_avx2.c   the AVX2+FMA 6x16 micro-kernel (x86 only; compiled with
 *                  function-level target attributes, no special flags)
 *   op_matmul.c    aten::mm.out, aten::addmm.out, aten::bmm.out
 *   op_conv.c      aten::convolution.out (2-D, NCHW, float32)
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

/* Register tile of the micro-kernels: MR rows x NR columns of C. */
#define WKO_MR 6
#define WKO_NR 16
/* Cache blocks: an MC x KC block of A (~120 KB, L2) is reused against a
 * KC x NC block of B (~512 KB, L2/L3) whose KC x NR micro-panels (16 KB)
 * stay in L1 while the micro-kernel sweeps the A block. */
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
} wko_gemm;

/* Micro-kernel: C[0:MR, 0:NR] (=, or += when accumulate) the product of an
 * MR x kc block of A and a packed B micro-panel (kc steps of NR values,
 * 64-byte aligned). A element (r, p) is a[r * a_rs + p * a_ps]: a packed A
 * micro-panel has a_rs = 1, a_ps = MR; a row-major A is read in place with
 * a_rs = its row stride, a_ps = 1 (no packing needed, see sgemm.c). */
typedef void (*wko_ukernel_fn)(int64_t kc, const float *a, int64_t a_rs, int64_t a_ps,
                               const float *b, float *c, int64_t ldc, bool accumulate);

/* The AVX2+FMA micro-kernel, or NULL when not built for x86. */
wko_ukernel_fn wko_ukernel_avx2(void);
/* The portable C micro-kernel. */
void wko_ukernel_generic(int64_t kc, const float *a, int64_t a_rs, int64_t a_ps, const float *b,
                         float *c, int64_t ldc, bool accumulate);

/* Micro-kernel selection: WKO_ISA_AVX2 needs a CPU with AVX2 and FMA (the
 * caller checks). Set at registration; tests switch it. */
enum { WKO_ISA_GENERIC = 0, WKO_ISA_AVX2 = 1 };
void wko_set_isa(int isa);
int wko_get_isa(void);

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


#endif
