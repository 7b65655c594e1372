/* aten::_softmax.out and aten::_log_softmax.out for float32 along the
 * innermost dim, and the vector exp they use.
 *
 * Handled here: self and out float32 in the default dim order, dim the last
 * one (or every dim after it of size 1), half_to_float false, at least one
 * element per row, out of self's shape (resized like the portable kernel)
 * and either disjoint from self or the very same memory. Each row of n:
 *
 *   1. mx = max(x)                                   (float, exact)
 *   2. e = exp(x - mx), sum += e                     (x - mx rounded to
 *      float; the sum in double lanes, so its error is negligible even for
 *      rows of millions); softmax stores e in out
 *   3. softmax:     out = e * r,  r = float(1 / sum)
 *      log_softmax: out = (x - mx) - float(log(sum))
 *
 * Special values follow from the arithmetic, as in the portable kernel: a
 * NaN anywhere in a row makes the whole row NaN (exp(NaN) is NaN, so the sum
 * is); a row that is all -inf gives NaN (-inf - -inf); -inf elements of
 * other rows give 0 (log_softmax: -inf); a +inf element makes the row NaN.
 *
 * Error against the portable kernel (double throughout, rounded once):
 *   exp: |rel| <= 1.5e-7 (tests/unit/test_optimized_norm.c measures every
 *        1021st float of [ln FLT_MIN, 88.72] against double exp: 1.19e-7,
 *        i.e. 1 ulp, for all three variants); results below FLT_MIN are 0
 *        (absolute error < 1.2e-38);
 *   x - mx rounded to float perturbs the exponent by <= 2^-24 |x - mx|,
 *        i.e. a relative error <= 6e-8 |x - mx| of e (|x - mx| <= 16 for any
 *        output above 1e-7, so <= 1e-6 there);
 *   the product with r: 1 ulp.
 * The test's bounds: softmax |opt - ref| <= (4e-7 + 6e-8 |x - mx|) |ref|
 * + 1e-30 (so 1e-5 relative for inputs within +-80); log_softmax, where
 * (x - mx) and -log(sum) have the same sign, 4e-7 |ref| + 2e-6.
 *
 * exp, the same scheme in all three variants (Cephes' expf):
 *   x below EXP_LO = ln(FLT_MIN) gives 0, NaN stays NaN (the clamps return
 *   x when x is NaN, and the "not less than" compare keeps NaN lanes);
 *   x clamped to [EXP_LO, 89]; k = round(x log2 e); r = x - k ln2 in two
 *   steps (ln2 split into 0.693359375, exact in 9 bits, and
 *   -2.12194440e-4), |r| <= ln2 / 2;
 *   e^r ~= 1 + r + r^2 (p5 + r (p4 + r (p3 + r (p2 + r (p1 + r p0))))),
 *   Cephes' minimax coefficients; then times 2^k, k in [-126, 128]:
 *   AVX-512 with vscalefps (inf above 88.72), AVX2 and C as two exponent-
 *   field products 2^(k/2) 2^(k-k/2) (both factors normal).
 *   Flushing the denormal range keeps every lane off the slow microcode
 *   path: with masked attention rows (-1e4 biases) letting vscalefps
 *   underflow made a [1,4,64,64] softmax 4-5x slower.
 *
 * Threads: rows are split over the pool when rows * n >= 2^16 (below that
 * the hand-off costs more than it saves). Nothing is allocated. Anything
 * else (other dtypes or dim orders, an outer dim, errors) goes to the
 * portable kernel.
 */
#include <math.h>
#include <string.h>

#include "kernels/optimized/opt.h"
#include "kernels/portable/ops_nn.h"
#include "kernels/portable/util.h"

#define SM_PAR_MIN (1 << 16)

/* Cephes expf. EXP_LO: the float just above ln(FLT_MIN) (exp(EXP_LO) is
 * normal); anything below gives 0. */
#define EXP_LO -87.33654f
#define EXP_HI 89.0f
#define EXP_LOG2E 1.44269504088896341f
#define EXP_LN2_HI 0.693359375f
#define EXP_LN2_LO -2.12194440e-4f
#define EXP_P0 1.9875691500e-4f
#define EXP_P1 1.3981999507e-3f
#define EXP_P2 8.3334519073e-3f
#define EXP_P3 4.1665795894e-2f
#define EXP_P4 1.6666665459e-1f
#define EXP_P5 5.0000001201e-1f

typedef void (*sm_rows_fn)(const float *x, float *y, int64_t rows, int64_t n, bool log_sm);
typedef void (*exp_fn)(float *y, const float *x, int64_t n);

/* ---- portable C ------------------------------------------------------------------- */

/* The vector scheme in scalar C, branch-free so that compilers vectorize
 * the loops (no FMA: -std=c11 keeps a * b + c as two roundings;
 * k * EXP_LN2_HI is exact, so x - k * EXP_LN2_HI is too). k comes from the
 * bits of the rounding sum, so a NaN never meets a float-to-int conversion. */
static inline float sel_f(uint32_t m, float a, float b) { /* m ? a : b, m all ones or zero */
  uint32_t ab, bb;
  memcpy(&ab, &a, 4);
  memcpy(&bb, &b, 4);
  ab = (ab & m) | (bb & ~m);
  memcpy(&a, &ab, 4);
  return a;
}

/* (a ?: on floats is not if-converted under -ftrapping-math, so selects are
 * bit masks) */
static inline float exp_scalar(float x) {
  const uint32_t low = 0u - (uint32_t)(x < EXP_LO); /* 0 for NaN */
  float c = sel_f(low, EXP_LO, x);
  c = sel_f(0u - (uint32_t)(c > EXP_HI), EXP_HI, c);
  const float t = c * EXP_LOG2E + 12582912.0f; /* 1.5 * 2^23: rounds to an integer */
  const float kf = t - 12582912.0f;
  uint32_t tb;
  memcpy(&tb, &t, 4);
  const int32_t k = (int32_t)(tb - 0x4B400000u), k1 = k / 2, k2 = k - k1; /* both in [-63, 64] */
  float r = c - kf * EXP_LN2_HI;
  r = r - kf * EXP_LN2_LO;
  float p = EXP_P0;
  p = p * r + EXP_P1;
  p = p * r + EXP_P2;
  p = p * r + EXP_P3;
  p = p * r + EXP_P4;
  p = p * r + EXP_P5;
  p = p * (r * r) + (r + 1.0f);
  const uint32_t b1 = (uint32_t)(k1 + 127) << 23, b2 = (uint32_t)(k2 + 127) << 23;
  float s1, s2;
  memcpy(&s1, &b1, 4);
  memcpy(&s2, &b2, 4);
  return sel_f(low, 0.0f, p * s1 * s2);
}

/* sum of y[0:n] in double, four chains */
static double sum_d(const float *y, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += (double)y[i];
    s1 += (double)y[i + 1];
    s2 += (double)y[i + 2];
    s3 += (double)y[i + 3];
  }
  for (; i < n; i++) s0 += (double)y[i];
  return (s0 + s1) + (s2 + s3);
}

static void sm_rows_generic(const float *x, float *y, int64_t rows, int64_t n, bool log_sm) {
  for (int64_t r = 0; r < rows; r++, x += n, y += n) {
    float mx = -INFINITY;
    for (int64_t i = 0; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    if (log_sm) { /* y may be x: the sum in blocks through a stack buffer */
      float e[256];
      double sum = 0;
      for (int64_t i0 = 0; i0 < n; i0 += 256) {
        const int64_t m = n - i0 < 256 ? n - i0 : 256;
        for (int64_t i = 0; i < m; i++) e[i] = exp_scalar(x[i0 + i] - mx);
        sum += sum_d(e, m);
      }
      const float lse = (float)log(sum);
      for (int64_t i = 0; i < n; i++) y[i] = (x[i] - mx) - lse;
    } else {
      for (int64_t i = 0; i < n; i++) y[i] = exp_scalar(x[i] - mx);
      const float rs = (float)(1.0 / sum_d(y, n));
      for (int64_t i = 0; i < n; i++) y[i] *= rs;
    }
  }
}

static void exp_generic(float *y, const float *x, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = exp_scalar(x[i]);
}

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define AI inline __attribute__((always_inline))

/* ---- AVX-512F --------------------------------------------------------------------- */

#define WKO_T512 __attribute__((target("avx512f")))

WKO_T512 static AI __m512 exp512(__m512 x) {
  /* lanes below EXP_LO give 0 (NaN compares "not less": kept) */
  const __mmask16 keep = _mm512_cmp_ps_mask(x, _mm512_set1_ps(EXP_LO), _CMP_NLT_UQ);
  /* vmaxps / vminps return the second operand when either is NaN */
  x = _mm512_max_ps(_mm512_set1_ps(EXP_LO), x);
  x = _mm512_min_ps(_mm512_set1_ps(EXP_HI), x);
  const __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(EXP_LOG2E)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(EXP_LN2_HI), x);
  r = _mm512_fnmadd_ps(k, _mm512_set1_ps(EXP_LN2_LO), r);
  __m512 p = _mm512_set1_ps(EXP_P0);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P1));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXP_P5));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_maskz_scalef_ps(keep, p, k);
}

WKO_T512 static AI __mmask16 mask16(int64_t left) {
  return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
}

/* acc (two double vectors) += the 16 floats of v */
WKO_T512 static AI void add_pd512(__m512d *a0, __m512d *a1, __m512 v) {
  *a0 = _mm512_add_pd(*a0, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
  *a1 = _mm512_add_pd(*a1, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
}

WKO_T512 static void sm_rows_avx512(const float *x, float *y, int64_t rows, int64_t n, bool log_sm) {
  const __m512 ninf = _mm512_set1_ps(-INFINITY);
  for (int64_t row = 0; row < rows; row++, x += n, y += n) {
    __m512 m0 = ninf, m1 = ninf, m2 = ninf, m3 = ninf;
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
      m0 = _mm512_max_ps(m0, _mm512_loadu_ps(x + i));
      m1 = _mm512_max_ps(m1, _mm512_loadu_ps(x + i + 16));
      m2 = _mm512_max_ps(m2, _mm512_loadu_ps(x + i + 32));
      m3 = _mm512_max_ps(m3, _mm512_loadu_ps(x + i + 48));
    }
    for (; i < n; i += 16) m0 = _mm512_max_ps(m0, _mm512_mask_loadu_ps(ninf, mask16(n - i), x + i));
    const float mx = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3)));
    const __m512 vmx = _mm512_set1_ps(mx);
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    for (i = 0; i < n; i += 16) {
      const __mmask16 mk = mask16(n - i);
      const __m512 e = _mm512_maskz_mov_ps(mk, exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(mk, x + i), vmx)));
      if (!log_sm) _mm512_mask_storeu_ps(y + i, mk, e);
      add_pd512(&s0, &s1, e);
    }
    const double sum = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
    if (log_sm) {
      const __m512 lse = _mm512_set1_ps((float)log(sum));
      for (i = 0; i < n; i += 16) {
        const __mmask16 mk = mask16(n - i);
        const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(mk, x + i), vmx);
        _mm512_mask_storeu_ps(y + i, mk, _mm512_sub_ps(d, lse));
      }
    } else {
      const __m512 rs = _mm512_set1_ps((float)(1.0 / sum));
      for (i = 0; i < n; i += 16) {
        const __mmask16 mk = mask16(n - i);
        _mm512_mask_storeu_ps(y + i, mk, _mm512_mul_ps(_mm512_maskz_loadu_ps(mk, y + i), rs));
      }
    }
  }
}

WKO_T512 static void exp_avx512(float *y, const float *x, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mk = mask16(n - i);
    _mm512_mask_storeu_ps(y + i, mk, exp512(_mm512_maskz_loadu_ps(mk, x + i)));
  }
}

/* ---- AVX2+FMA --------------------------------------------------------------------- */

#define WKO_T256 __attribute__((target("avx2,fma")))

WKO_T256 static AI __m256 exp256(__m256 x) {
  const __m256 keep = _mm256_cmp_ps(x, _mm256_set1_ps(EXP_LO), _CMP_NLT_UQ);
  x = _mm256_max_ps(_mm256_set1_ps(EXP_LO), x);
  x = _mm256_min_ps(_mm256_set1_ps(EXP_HI), x);
  const __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(EXP_LOG2E)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(EXP_LN2_HI), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(EXP_LN2_LO), r);
  __m256 p = _mm256_set1_ps(EXP_P0);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P1));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXP_P5));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  /* 2^k = 2^k1 * 2^k2, k1 = k >> 1, k2 = k - k1, both in [-63, 64] */
  const __m256i ki = _mm256_cvtps_epi32(k);
  const __m256i k1 = _mm256_srai_epi32(ki, 1), k2 = _mm256_sub_epi32(ki, k1);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k1, bias), 23));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k2, bias), 23));
  return _mm256_and_ps(_mm256_mul_ps(_mm256_mul_ps(p, s1), s2), keep);
}

/* the first `left` (< 8) lanes */
WKO_T256 static AI __m256i mask8(int64_t left) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)left), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

WKO_T256 static AI void add_pd256(__m256d *a0, __m256d *a1, __m256 v) {
  *a0 = _mm256_add_pd(*a0, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
  *a1 = _mm256_add_pd(*a1, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}

WKO_T256 static void sm_rows_avx2(const float *x, float *y, int64_t rows, int64_t n, bool log_sm) {
  const __m256 ninf = _mm256_set1_ps(-INFINITY);
  for (int64_t row = 0; row < rows; row++, x += n, y += n) {
    __m256 m0 = ninf, m1 = ninf, m2 = ninf, m3 = ninf;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
      m0 = _mm256_max_ps(m0, _mm256_loadu_ps(x + i));
      m1 = _mm256_max_ps(m1, _mm256_loadu_ps(x + i + 8));
      m2 = _mm256_max_ps(m2, _mm256_loadu_ps(x + i + 16));
      m3 = _mm256_max_ps(m3, _mm256_loadu_ps(x + i + 24));
    }
    for (; i + 8 <= n; i += 8) m0 = _mm256_max_ps(m0, _mm256_loadu_ps(x + i));
    m0 = _mm256_max_ps(_mm256_max_ps(m0, m1), _mm256_max_ps(m2, m3));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m0), _mm256_extractf128_ps(m0, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
    float mx = _mm_cvtss_f32(h);
    for (; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    const __m256 vmx = _mm256_set1_ps(mx);
    const int64_t tail = n & 7, nv = n - tail;
    const __m256i tm = mask8(tail);
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    for (i = 0; i < nv; i += 8) {
      const __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmx));
      if (!log_sm) _mm256_storeu_ps(y + i, e);
      add_pd256(&s0, &s1, e);
    }
    if (tail) {
      const __m256 e = _mm256_and_ps(
          exp256(_mm256_sub_ps(_mm256_maskload_ps(x + nv, tm), vmx)), _mm256_castsi256_ps(tm));
      if (!log_sm) _mm256_maskstore_ps(y + nv, tm, e);
      add_pd256(&s0, &s1, e);
    }
    __m256d s = _mm256_add_pd(s0, s1);
    __m128d q = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
    const double sum = _mm_cvtsd_f64(q) + _mm_cvtsd_f64(_mm_unpackhi_pd(q, q));
    if (log_sm) {
      const float lse = (float)log(sum);
      const __m256 vl = _mm256_set1_ps(lse);
      for (i = 0; i < nv; i += 8)
        _mm256_storeu_ps(y + i, _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmx), vl));
      for (; i < n; i++) y[i] = (x[i] - mx) - lse;
    } else {
      const float rs = (float)(1.0 / sum);
      const __m256 vr = _mm256_set1_ps(rs);
      for (i = 0; i < nv; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), vr));
      for (; i < n; i++) y[i] *= rs;
    }
  }
}

WKO_T256 static void exp_avx2(float *y, const float *x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, exp256(_mm256_loadu_ps(x + i)));
  if (i < n) {
    const __m256i tm = mask8(n - i);
    _mm256_maskstore_ps(y + i, tm, exp256(_mm256_maskload_ps(x + i, tm)));
  }
}

#define HAVE_X86_SM 1
#endif

static sm_rows_fn pick_rows(void) {
#ifdef HAVE_X86_SM
  int isa = wko_get_isa();
  if (isa == WKO_ISA_AVX512) return sm_rows_avx512;
  if (isa == WKO_ISA_AVX2) return sm_rows_avx2;
#endif
  return sm_rows_generic;
}

void wko_exp_f32(float *y, const float *x, int64_t n) {
  exp_fn f = exp_generic;
#ifdef HAVE_X86_SM
  int isa = wko_get_isa();
  if (isa == WKO_ISA_AVX512) f = exp_avx512;
  else if (isa == WKO_ISA_AVX2) f = exp_avx2;
#endif
  f(y, x, n);
}

/* ---- shape handling ---------------------------------------------------------------- */

typedef struct sm_job {
  sm_rows_fn fn;
  const float *x;
  float *y;
  int64_t n;
  bool log_sm;
} sm_job;

static void sm_chunk(void *ctx, size_t begin, size_t end) {
  const sm_job *j = ctx;
  j->fn(j->x + (int64_t)begin * j->n, j->y + (int64_t)begin * j->n, (int64_t)(end - begin), j->n,
        j->log_sm);
}

/* true when done; false (nothing written) when the portable kernel must run */
static bool sm_f32(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs, bool log_sm) {
  if (nargs != 4 || args[0]->kind != WICK_VAL_TENSOR || args[1]->kind != WICK_VAL_INT ||
      args[2]->kind != WICK_VAL_BOOL || args[3]->kind != WICK_VAL_TENSOR || args[2]->u.b)
    return false;
  const wick_tensor *self = args[0]->u.t;
  wick_tensor *out = args[3]->u.t;
  if (self->dtype != WICK_F32 || out->dtype != WICK_F32 || self->dim == 0 || !wk_is_contig(self) ||
      !wk_is_contig(out) || out->dim != self->dim)
    return false;
  int dim;
  if (!wk_wrap_dim(args[1]->u.i, self->dim, &dim)) return false;
  for (int d = dim + 1; d < self->dim; d++)
    if (self->sizes[d] != 1) return false;
  const int64_t n = self->sizes[dim];
  const size_t numel = wk_numel(self);
  if (n == 0 || numel == 0) return false;
  /* out is self or disjoint from it */
  const size_t bytes = numel * sizeof(float);
  const char *xp = self->data, *yp = out->data;
  if (xp != yp && xp < yp + bytes && yp < xp + bytes) return false;
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d < self->dim; d++) sizes[d] = self->sizes[d];
  if (wk_resize_out(ctx, out, self->dim, sizes) != WICK_OK) return false;
  const int64_t rows = (int64_t)numel / n;
  sm_job job = {pick_rows(), self->data, out->data, n, log_sm};
  const bool par = rows > 1 && (int64_t)numel >= SM_PAR_MIN;
  wick_parallel_for(par ? ctx->pool : NULL, (size_t)rows, sm_chunk, &job);
  return true;
}

WKO_KERNEL(wko_softmax_out) {
  if (sm_f32(ctx, args, nargs, false)) return WICK_OK;
  return wick_op_softmax_out(ctx, args, nargs);
}

WKO_KERNEL(wko_log_softmax_out) {
  if (sm_f32(ctx, args, nargs, true)) return WICK_OK;
  return wick_op_log_softmax_out(ctx, args, nargs);
}
