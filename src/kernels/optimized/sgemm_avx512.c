/* The AVX-512F micro-kernel of the packed GEMM (sgemm.c).
 *
 * Register tile: 12 rows x 32 columns of C = 24 zmm accumulators (two
 * 16-wide vectors per row), plus 2 registers for the current B row (32
 * values) and 1 for the broadcast A value: 27 of the 32 zmm registers. Per
 * step p of the K loop: load B[p, 0:32], then for each of the 12 rows
 * broadcast A[r, p] and do two FMAs (24 FMAs for 14 loads).
 *
 * Functions carry __attribute__((target("avx512f"))), so the file needs no
 * special flags; register.c calls it only on CPUs (and OSes) with AVX-512F.
 */
#include "kernels/optimized/depthwise.h"
#include "kernels/optimized/opt.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define WKO_AVX512 __attribute__((target("avx512f")))
#define MR 12
#define NR 32

_Static_assert(MR <= WKO_MR_MAX && NR <= WKO_NR_MAX, "tile larger than the workspace sizing");

/* acc_r0/acc_r1 += A[r, p] * (b0, b1) */
#define ROW_FMA(r)                                        \
  do {                                                    \
    const __m512 av = _mm512_set1_ps(ar[r][o]);           \
    c##r##0 = _mm512_fmadd_ps(av, b0, c##r##0);           \
    c##r##1 = _mm512_fmadd_ps(av, b1, c##r##1);           \
  } while (0)

#define ROW_STORE(r)                                                      \
  do {                                                                    \
    float *crow = c + (r) * ldc;                                          \
    if (accumulate) {                                                     \
      c##r##0 = _mm512_add_ps(c##r##0, _mm512_loadu_ps(crow));            \
      c##r##1 = _mm512_add_ps(c##r##1, _mm512_loadu_ps(crow + 16));       \
    }                                                                     \
    _mm512_storeu_ps(crow, c##r##0);                                      \
    _mm512_storeu_ps(crow + 16, c##r##1);                                 \
  } while (0)

WKO_AVX512 static void ukernel_avx512_12x32(int64_t kc, const float *a, int64_t a_rs,
                                            int64_t a_ps, const float *b, float *c, int64_t ldc,
                                            bool accumulate) {
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps();
  __m512 c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
  __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps();
  __m512 c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
  __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps();
  __m512 c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
  __m512 c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps();
  __m512 c70 = _mm512_setzero_ps(), c71 = _mm512_setzero_ps();
  __m512 c80 = _mm512_setzero_ps(), c81 = _mm512_setzero_ps();
  __m512 c90 = _mm512_setzero_ps(), c91 = _mm512_setzero_ps();
  __m512 c100 = _mm512_setzero_ps(), c101 = _mm512_setzero_ps();
  __m512 c110 = _mm512_setzero_ps(), c111 = _mm512_setzero_ps();
  /* the twelve rows of A (packed panel: a_rs 1, a_ps MR; in place: a_rs lda, a_ps 1) */
  const float *ar[MR];
  for (int r = 0; r < MR; r++) ar[r] = a + r * a_rs;
  for (int64_t p = 0, o = 0; p < kc; p++, o += a_ps) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    ROW_FMA(0);
    ROW_FMA(1);
    ROW_FMA(2);
    ROW_FMA(3);
    ROW_FMA(4);
    ROW_FMA(5);
    ROW_FMA(6);
    ROW_FMA(7);
    ROW_FMA(8);
    ROW_FMA(9);
    ROW_FMA(10);
    ROW_FMA(11);
    b += NR;
  }
  ROW_STORE(0);
  ROW_STORE(1);
  ROW_STORE(2);
  ROW_STORE(3);
  ROW_STORE(4);
  ROW_STORE(5);
  ROW_STORE(6);
  ROW_STORE(7);
  ROW_STORE(8);
  ROW_STORE(9);
  ROW_STORE(10);
  ROW_STORE(11);
}

wko_ukernel wko_ukernel_avx512(void) {
  wko_ukernel uk = {ukernel_avx512_12x32, MR, NR};
  return uk;
}

/* depthwise.h's plane loop, vectorized for AVX-512 by the compiler */
WKO_AVX512 static void depthwise_plane_avx512(const wko_im2col *p, const float *x, const float *w,
                                              float bias, float *y) {
  wko_depthwise_plane_body(p, x, w, bias, y);
}

wko_depthwise_fn wko_depthwise_avx512(void) { return depthwise_plane_avx512; }

/* Lanes [lo, hi) of n (n <= 32) as a bit mask; lo / hi clamped to [0, n]. */
static inline uint32_t lane_mask(int64_t lo, int64_t hi, int n) {
  if (lo < 0) lo = 0;
  if (hi > n) hi = n;
  if (hi <= lo) return 0;
  return (uint32_t)((((uint64_t)1 << hi) - 1) & ~(((uint64_t)1 << lo) - 1));
}

/* Direct depthwise plane, stride (along w) 1 or 2: for each 16-wide block of
 * output columns and four output rows at a time, the accumulators start at
 * the bias and take one FMA per tap (input columns outside the plane are
 * masked off at load, so padding costs nothing); the activation is applied
 * before the (masked) store. Stride 2 loads 32 input columns and keeps the
 * even ones. */
WKO_AVX512 static void depthwise_direct_avx512(const wko_im2col *p, const float *x, const float *w,
                                               float bias, const wko_act *act, float *y) {
  const int64_t ih = p->ih, iw = p->iw, kh = p->kh, kw = p->kw, sh = p->sh, sw = p->sw;
  const int64_t ph = p->ph, pw = p->pw, dh = p->dh, dw = p->dw, oh = p->oh, ow = p->ow;
  const bool has_lo = act && act->has_lo, has_hi = act && act->has_hi;
  const __m512 vb = _mm512_set1_ps(bias);
  const __m512 vlo = _mm512_set1_ps(has_lo ? act->lo : 0.0f);
  const __m512 vhi = _mm512_set1_ps(has_hi ? act->hi : 0.0f);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  for (int64_t ox0 = 0; ox0 < ow; ox0 += 16) {
    const __mmask16 omask = (__mmask16)lane_mask(0, ow - ox0, 16);
    for (int64_t oy0 = 0; oy0 < oh; oy0 += 4) {
      const int rows = (int)wko_min(4, oh - oy0);
      __m512 acc[4] = {vb, vb, vb, vb};
      for (int64_t ky = 0; ky < kh; ky++) {
        const float *xr[4] = {NULL, NULL, NULL, NULL};
        for (int r = 0; r < rows; r++) {
          int64_t iy = (oy0 + r) * sh - ph + ky * dh;
          if (iy >= 0 && iy < ih) xr[r] = x + iy * iw;
        }
        for (int64_t kx = 0; kx < kw; kx++) {
          const __m512 wv = _mm512_set1_ps(w[ky * kw + kx]);
          const int64_t ix0 = ox0 * sw - pw + kx * dw; /* input column of lane 0 */
          if (sw == 1) {
            const __mmask16 m = (__mmask16)lane_mask(-ix0, iw - ix0, 16);
            if (m == 0) continue;
            for (int r = 0; r < 4; r++) {
              if (r >= rows || xr[r] == NULL) continue;
              const float *src = (const float *)((uintptr_t)xr[r] + (intptr_t)ix0 * (intptr_t)sizeof(float));
              const __m512 v = m == 0xFFFF ? _mm512_loadu_ps(src) : _mm512_maskz_loadu_ps(m, src);
              acc[r] = _mm512_fmadd_ps(wv, v, acc[r]);
            }
          } else {
            const uint32_t m = lane_mask(-ix0, iw - ix0, 32);
            if (m == 0) continue;
            const __mmask16 m0 = (__mmask16)(m & 0xFFFF), m1 = (__mmask16)(m >> 16);
            for (int r = 0; r < 4; r++) {
              if (r >= rows || xr[r] == NULL) continue;
              const float *src = (const float *)((uintptr_t)xr[r] + (intptr_t)ix0 * (intptr_t)sizeof(float));
              const __m512 v0 = _mm512_maskz_loadu_ps(m0, src);
              const __m512 v1 = _mm512_maskz_loadu_ps(m1, src + 16);
              acc[r] = _mm512_fmadd_ps(wv, _mm512_permutex2var_ps(v0, even, v1), acc[r]);
            }
          }
        }
      }
      for (int r = 0; r < rows; r++) {
        __m512 a = acc[r];
        if (has_lo) a = _mm512_mask_mov_ps(a, _mm512_cmp_ps_mask(a, vlo, _CMP_LT_OQ), vlo);
        if (has_hi) a = _mm512_mask_mov_ps(a, _mm512_cmp_ps_mask(a, vhi, _CMP_GT_OQ), vhi);
        _mm512_mask_storeu_ps(y + (oy0 + r) * ow + ox0, omask, a);
      }
    }
  }
}

wko_depthwise_act_fn wko_depthwise_direct_avx512(void) { return depthwise_direct_avx512; }

#else

wko_ukernel wko_ukernel_avx512(void) {
  wko_ukernel uk = {NULL, 0, 0};
  return uk;
}

wko_depthwise_fn wko_depthwise_avx512(void) { return NULL; }

wko_depthwise_act_fn wko_depthwise_direct_avx512(void) { return NULL; }

#endif
