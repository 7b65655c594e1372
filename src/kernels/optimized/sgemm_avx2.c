/* The AVX2+FMA micro-kernel of the packed GEMM (sgemm.c).
 *
 * Register tile: 6 rows x 16 columns of C = 12 ymm accumulators (two 8-wide
 * vectors per row), plus 2 registers for the current B row (16 values) and 1
 * for the broadcast A value: 15 of the 16 ymm registers. Per step p of the
 * K loop: load B[p, 0:16], then for each of the 6 rows broadcast A[r, p] and
 * do two FMAs, i.e. 12 FMAs for 3 loads.
 *
 * The functions carry __attribute__((target("avx2,fma"))), so this file
 * needs no special compiler flags; it is only called after the CPU was
 * found to support AVX2 and FMA (register.c).
 */
#include "kernels/optimized/depthwise.h"
#include "kernels/optimized/opt.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define WKO_AVX2 __attribute__((target("avx2,fma")))

#define MR 6
#define NR 16

WKO_AVX2 static void ukernel_avx2_6x16(int64_t kc, const float *a, int64_t a_rs, int64_t a_ps,
                                       const float *b, float *c, int64_t ldc, bool accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  /* the six rows of A (packed panel: a_rs 1, a_ps MR; in place: a_rs lda, a_ps 1) */
  const float *a0 = a, *a1 = a + a_rs, *a2 = a + 2 * a_rs;
  const float *a3 = a + 3 * a_rs, *a4 = a + 4 * a_rs, *a5 = a + 5 * a_rs;
  for (int64_t p = 0, o = 0; p < kc; p++, o += a_ps) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 av;
    av = _mm256_broadcast_ss(a0 + o);
    c00 = _mm256_fmadd_ps(av, b0, c00);
    c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a1 + o);
    c10 = _mm256_fmadd_ps(av, b0, c10);
    c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a2 + o);
    c20 = _mm256_fmadd_ps(av, b0, c20);
    c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a3 + o);
    c30 = _mm256_fmadd_ps(av, b0, c30);
    c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a4 + o);
    c40 = _mm256_fmadd_ps(av, b0, c40);
    c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a5 + o);
    c50 = _mm256_fmadd_ps(av, b0, c50);
    c51 = _mm256_fmadd_ps(av, b1, c51);
    b += NR;
  }
  __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                           {c30, c31}, {c40, c41}, {c50, c51}};
  for (int r = 0; r < MR; r++) {
    float *crow = c + r * ldc;
    if (accumulate) {
      acc[r][0] = _mm256_add_ps(acc[r][0], _mm256_loadu_ps(crow));
      acc[r][1] = _mm256_add_ps(acc[r][1], _mm256_loadu_ps(crow + 8));
    }
    _mm256_storeu_ps(crow, acc[r][0]);
    _mm256_storeu_ps(crow + 8, acc[r][1]);
  }
}

wko_ukernel wko_ukernel_avx2(void) {
  wko_ukernel uk = {ukernel_avx2_6x16, MR, NR};
  return uk;
}

/* depthwise.h's plane loop, vectorized for AVX2 by the compiler */
WKO_AVX2 static void depthwise_plane_avx2(const wko_im2col *p, const float *x, const float *w,
                                          float bias, float *y) {
  wko_depthwise_plane_body(p, x, w, bias, y);
}

wko_depthwise_fn wko_depthwise_avx2(void) { return depthwise_plane_avx2; }

#else

wko_ukernel wko_ukernel_avx2(void) {
  wko_ukernel uk = {NULL, 0, 0};
  return uk;
}

wko_depthwise_fn wko_depthwise_avx2(void) { return NULL; }

#endif
