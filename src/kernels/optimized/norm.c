/* aten::native_layer_norm.out for float32.
 *
 * Handled here: input, out0, out1 (mean) and out2 (rstd) float32 in the
 * default dim order, weight / bias float32 or None, eps >= 0, and every
 * argument the portable kernel accepts (normalized_shape the trailing dims
 * of input, weight / bias of normalized_shape); the outs are resized like
 * the portable kernel (out0 input's shape, out1 / out2 input's with the
 * normalized dims 1). out0 may be input itself; otherwise no out may overlap
 * input or another out. Each row of n = prod(normalized_shape) elements:
 *
 *   1. mean = sum(x) / n                    double lanes (exact-ish)
 *   2. var  = sum((x - mean)^2) / n         double lanes, two-pass as the
 *                                           portable kernel: no cancellation
 *   3. rstd = 1 / sqrt(var + eps)           double, then rounded to float
 *   4. out0 = ((x - mh) - ml) * rstd [* w] [+ b]   float32 vectors, where
 *      mh + ml is mean split into two floats: x - mh is exact when x is
 *      near the mean (Sterbenz), so the deviation keeps ~1 ulp relative
 *      accuracy even when |mean| >> std.
 *
 * mean and rstd are the portable kernel's values rounded to float (the sums
 * differ only in the order of double additions). Each out0 element is
 * within ~3 ulp of |d * rstd * w| + |b| of the portable result (the
 * deviation d: ~1 ulp; the product with rstd, the product with w and the
 * add of b: 0.5 ulp each, the last two fused into one FMA on x86):
 * tests/unit/test_optimized_norm.c checks
 *     |opt - ref| <= 2e-6 * (|ref - b| + |b|) + 1e-7.
 *
 * Variants: AVX-512F (16 lanes, masked tails), AVX2+FMA (8 lanes, masked
 * tails), portable C; chosen by wko_get_isa(). Rows are split over the pool
 * when rows * n >= 2^17. Nothing is allocated. Anything else (other dtypes
 * or dim orders, overlaps, errors) goes to the portable kernel.
 */
#include <math.h>
#include <string.h>

#include "kernels/optimized/opt.h"
#include "kernels/portable/ops_nn.h"
#include "kernels/portable/util.h"

#define LN_PAR_MIN (1 << 17)

typedef struct ln_job {
  const float *x, *w, *b;
  float *y, *mean, *rstd;
  int64_t n;
  double eps;
} ln_job;

/* rows [r0, r1) of a job */
typedef void (*ln_rows_fn)(const ln_job *j, int64_t r0, int64_t r1);

/* mean and rstd of a row from its sums, and mean as two floats */
static inline void ln_stats(const ln_job *j, int64_t r, double mean, double sq, float *mh, float *ml,
                            float *rs) {
  const double rstd = 1.0 / sqrt(sq / (double)j->n + j->eps);
  *mh = (float)mean;
  *ml = (float)(mean - (double)*mh);
  *rs = (float)rstd;
  j->mean[r] = *mh;
  j->rstd[r] = *rs;
}

/* ---- portable C ------------------------------------------------------------------- */

static void ln_rows_generic(const ln_job *j, int64_t r0, int64_t r1) {
  const int64_t n = j->n;
  for (int64_t r = r0; r < r1; r++) {
    const float *x = j->x + r * n;
    float *y = j->y + r * n;
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += (double)x[i];
    const double mean = sum / (double)n;
    double sq = 0;
    for (int64_t i = 0; i < n; i++) {
      const double d = (double)x[i] - mean;
      sq += d * d;
    }
    float mh, ml, rs;
    ln_stats(j, r, mean, sq, &mh, &ml, &rs);
    for (int64_t i = 0; i < n; i++) {
      float v = ((x[i] - mh) - ml) * rs;
      if (j->w) v *= j->w[i];
      if (j->b) v += j->b[i];
      y[i] = v;
    }
  }
}

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define AI inline __attribute__((always_inline))

/* ---- AVX-512F --------------------------------------------------------------------- */

#define WKO_T512 __attribute__((target("avx512f")))

WKO_T512 static AI __mmask16 mask16(int64_t left) {
  return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
}
WKO_T512 static AI __m512d lo_pd(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
WKO_T512 static AI __m512d hi_pd(__m512 v) {
  return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

WKO_T512 static AI void ln_row512(const ln_job *j, int64_t r, const bool has_w, const bool has_b) {
  const int64_t n = j->n;
  const float *x = j->x + r * n;
  float *y = j->y + r * n;
  __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
  __m512d a2 = _mm512_setzero_pd(), a3 = _mm512_setzero_pd();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 v0 = _mm512_loadu_ps(x + i), v1 = _mm512_loadu_ps(x + i + 16);
    a0 = _mm512_add_pd(a0, lo_pd(v0));
    a1 = _mm512_add_pd(a1, hi_pd(v0));
    a2 = _mm512_add_pd(a2, lo_pd(v1));
    a3 = _mm512_add_pd(a3, hi_pd(v1));
  }
  for (; i < n; i += 16) {
    const __m512 v = _mm512_maskz_loadu_ps(mask16(n - i), x + i);
    a0 = _mm512_add_pd(a0, lo_pd(v));
    a1 = _mm512_add_pd(a1, hi_pd(v));
  }
  const double mean = _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(a0, a1), _mm512_add_pd(a2, a3))) / (double)n;
  const __m512d vm = _mm512_set1_pd(mean);
  a0 = a1 = a2 = a3 = _mm512_setzero_pd();
  for (i = 0; i + 32 <= n; i += 32) {
    const __m512 v0 = _mm512_loadu_ps(x + i), v1 = _mm512_loadu_ps(x + i + 16);
    const __m512d d0 = _mm512_sub_pd(lo_pd(v0), vm), d1 = _mm512_sub_pd(hi_pd(v0), vm);
    const __m512d d2 = _mm512_sub_pd(lo_pd(v1), vm), d3 = _mm512_sub_pd(hi_pd(v1), vm);
    a0 = _mm512_fmadd_pd(d0, d0, a0);
    a1 = _mm512_fmadd_pd(d1, d1, a1);
    a2 = _mm512_fmadd_pd(d2, d2, a2);
    a3 = _mm512_fmadd_pd(d3, d3, a3);
  }
  for (; i < n; i += 16) {
    const __mmask16 mk = mask16(n - i);
    const __m512 v = _mm512_maskz_loadu_ps(mk, x + i);
    const __m512d d0 = _mm512_maskz_sub_pd((__mmask8)mk, lo_pd(v), vm);
    const __m512d d1 = _mm512_maskz_sub_pd((__mmask8)(mk >> 8), hi_pd(v), vm);
    a0 = _mm512_fmadd_pd(d0, d0, a0);
    a1 = _mm512_fmadd_pd(d1, d1, a1);
  }
  const double sq = _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(a0, a1), _mm512_add_pd(a2, a3)));
  float mh, ml, rs;
  ln_stats(j, r, mean, sq, &mh, &ml, &rs);
  const __m512 vh = _mm512_set1_ps(mh), vl = _mm512_set1_ps(ml), vr = _mm512_set1_ps(rs);
  for (i = 0; i < n; i += 16) {
    const __mmask16 mk = mask16(n - i);
    __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(mk, x + i), vh), vl), vr);
    if (has_w && has_b)
      v = _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(mk, j->w + i), _mm512_maskz_loadu_ps(mk, j->b + i));
    else if (has_w)
      v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(mk, j->w + i));
    else if (has_b)
      v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mk, j->b + i));
    _mm512_mask_storeu_ps(y + i, mk, v);
  }
}

WKO_T512 static void ln_rows_avx512(const ln_job *j, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    if (j->w && j->b) ln_row512(j, r, true, true);
    else if (j->w) ln_row512(j, r, true, false);
    else if (j->b) ln_row512(j, r, false, true);
    else ln_row512(j, r, false, false);
  }
}

/* ---- AVX2+FMA --------------------------------------------------------------------- */

#define WKO_T256 __attribute__((target("avx2,fma")))

/* the first `left` (< 8) lanes */
WKO_T256 static AI __m256i mask8(int64_t left) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)left), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
WKO_T256 static AI __m256d lo_pd4(__m256 v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
WKO_T256 static AI __m256d hi_pd4(__m256 v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
WKO_T256 static AI double hsum4(__m256d s) {
  __m128d q = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
  return _mm_cvtsd_f64(q) + _mm_cvtsd_f64(_mm_unpackhi_pd(q, q));
}

WKO_T256 static AI void ln_row256(const ln_job *j, int64_t r, const bool has_w, const bool has_b) {
  const int64_t n = j->n, tail = n & 7, nv = n - tail;
  const __m256i tm = mask8(tail);
  const float *x = j->x + r * n;
  float *y = j->y + r * n;
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
  __m256d a2 = _mm256_setzero_pd(), a3 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 16 <= nv; i += 16) {
    const __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
    a0 = _mm256_add_pd(a0, lo_pd4(v0));
    a1 = _mm256_add_pd(a1, hi_pd4(v0));
    a2 = _mm256_add_pd(a2, lo_pd4(v1));
    a3 = _mm256_add_pd(a3, hi_pd4(v1));
  }
  for (; i < nv; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    a0 = _mm256_add_pd(a0, lo_pd4(v));
    a1 = _mm256_add_pd(a1, hi_pd4(v));
  }
  double sum = hsum4(_mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
  for (; i < n; i++) sum += (double)x[i];
  const double mean = sum / (double)n;
  const __m256d vm = _mm256_set1_pd(mean);
  a0 = a1 = a2 = a3 = _mm256_setzero_pd();
  for (i = 0; i + 16 <= nv; i += 16) {
    const __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
    const __m256d d0 = _mm256_sub_pd(lo_pd4(v0), vm), d1 = _mm256_sub_pd(hi_pd4(v0), vm);
    const __m256d d2 = _mm256_sub_pd(lo_pd4(v1), vm), d3 = _mm256_sub_pd(hi_pd4(v1), vm);
    a0 = _mm256_fmadd_pd(d0, d0, a0);
    a1 = _mm256_fmadd_pd(d1, d1, a1);
    a2 = _mm256_fmadd_pd(d2, d2, a2);
    a3 = _mm256_fmadd_pd(d3, d3, a3);
  }
  for (; i < nv; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256d d0 = _mm256_sub_pd(lo_pd4(v), vm), d1 = _mm256_sub_pd(hi_pd4(v), vm);
    a0 = _mm256_fmadd_pd(d0, d0, a0);
    a1 = _mm256_fmadd_pd(d1, d1, a1);
  }
  double sq = hsum4(_mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)));
  for (; i < n; i++) {
    const double d = (double)x[i] - mean;
    sq += d * d;
  }
  float mh, ml, rs;
  ln_stats(j, r, mean, sq, &mh, &ml, &rs);
  const __m256 vh = _mm256_set1_ps(mh), vl = _mm256_set1_ps(ml), vr = _mm256_set1_ps(rs);
  for (i = 0; i < n; i += 8) {
    const bool full = i < nv;
    const __m256 xv = full ? _mm256_loadu_ps(x + i) : _mm256_maskload_ps(x + i, tm);
    __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_sub_ps(xv, vh), vl), vr);
    if (has_w || has_b) {
      const __m256 wv = !has_w ? v : full ? _mm256_loadu_ps(j->w + i) : _mm256_maskload_ps(j->w + i, tm);
      const __m256 bv = !has_b ? v : full ? _mm256_loadu_ps(j->b + i) : _mm256_maskload_ps(j->b + i, tm);
      if (has_w && has_b) v = _mm256_fmadd_ps(v, wv, bv);
      else if (has_w) v = _mm256_mul_ps(v, wv);
      else v = _mm256_add_ps(v, bv);
    }
    if (full) _mm256_storeu_ps(y + i, v);
    else _mm256_maskstore_ps(y + i, tm, v);
  }
}

WKO_T256 static void ln_rows_avx2(const ln_job *j, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; r++) {
    if (j->w && j->b) ln_row256(j, r, true, true);
    else if (j->w) ln_row256(j, r, true, false);
    else if (j->b) ln_row256(j, r, false, true);
    else ln_row256(j, r, false, false);
  }
}

#define HAVE_X86_LN 1
#endif

static ln_rows_fn pick_rows(void) {
#ifdef HAVE_X86_LN
  int isa = wko_get_isa();
  if (isa == WKO_ISA_AVX512) return ln_rows_avx512;
  if (isa == WKO_ISA_AVX2) return ln_rows_avx2;
#endif
  return ln_rows_generic;
}

/* ---- shape handling ---------------------------------------------------------------- */

typedef struct ln_par {
  const ln_job *job;
  ln_rows_fn fn;
} ln_par;

static void ln_chunk(void *ctx, size_t begin, size_t end) {
  const ln_par *p = ctx;
  p->fn(p->job, (int64_t)begin, (int64_t)end);
}

static bool f32_contig(const wick_tensor *t) { return t->dtype == WICK_F32 && wk_is_contig(t); }

/* [p, p + pb) and [q, q + qb) overlap */
static bool overlaps(const void *p, size_t pb, const void *q, size_t qb) {
  const char *a = p, *b = q;
  return pb && qb && a < b + qb && b < a + pb;
}

/* weight / bias: None, or float32, contiguous, of normalized_shape */
static bool affine_ok(const wick_value *v, int m, const int64_t *ns, const float **data) {
  *data = NULL;
  if (v->kind == WICK_VAL_NONE) return true;
  if (v->kind != WICK_VAL_TENSOR) return false;
  const wick_tensor *t = v->u.t;
  if (!f32_contig(t) || t->dim != m) return false;
  for (int i = 0; i < m; i++)
    if (t->sizes[i] != ns[i]) return false;
  *data = t->data;
  return true;
}

/* true when done; false (nothing written) when the portable kernel must run */
static bool ln_f32(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs) {
  if (nargs != 8 || args[0]->kind != WICK_VAL_TENSOR || args[1]->kind != WICK_VAL_INT_LIST ||
      args[4]->kind != WICK_VAL_DOUBLE || args[5]->kind != WICK_VAL_TENSOR ||
      args[6]->kind != WICK_VAL_TENSOR || args[7]->kind != WICK_VAL_TENSOR)
    return false;
  const wick_tensor *x = args[0]->u.t;
  wick_tensor *y = args[5]->u.t, *mo = args[6]->u.t, *ro = args[7]->u.t;
  const double eps = args[4]->u.d;
  if (!f32_contig(x) || !f32_contig(y) || !f32_contig(mo) || !f32_contig(ro) || !(eps >= 0) ||
      y->dim != x->dim || mo->dim != x->dim || ro->dim != x->dim)
    return false;
  uint32_t m = 0;
  const int64_t *ns = wick_value_int_list(args[1], &m);
  if (m == 0 || m > x->dim) return false;
  const int axis = x->dim - (int)m;
  int64_t n = 1;
  for (uint32_t i = 0; i < m; i++) {
    if (ns[i] != x->sizes[axis + (int)i]) return false;
    n *= ns[i];
  }
  const float *w, *b;
  if (!affine_ok(args[2], (int)m, ns, &w) || !affine_ok(args[3], (int)m, ns, &b)) return false;
  const size_t numel = wk_numel(x);
  if (n == 0 || numel == 0) return false;
  const int64_t rows = (int64_t)numel / n;
  /* memory: out0 is input or disjoint from it; mean and rstd disjoint from all */
  const size_t xb = numel * sizeof(float), sb = (size_t)rows * sizeof(float);
  if ((y->data != x->data && overlaps(y->data, xb, x->data, xb)) || overlaps(mo->data, sb, x->data, xb) ||
      overlaps(ro->data, sb, x->data, xb) || overlaps(mo->data, sb, y->data, xb) ||
      overlaps(ro->data, sb, y->data, xb) || overlaps(mo->data, sb, ro->data, sb))
    return false;
  int64_t sizes[WICK_MAX_DIM], ssizes[WICK_MAX_DIM];
  for (int d = 0; d < x->dim; d++) {
    sizes[d] = x->sizes[d];
    ssizes[d] = d < axis ? x->sizes[d] : 1;
  }
  if (wk_resize_out(ctx, y, x->dim, sizes) != WICK_OK || wk_resize_out(ctx, mo, x->dim, ssizes) != WICK_OK ||
      wk_resize_out(ctx, ro, x->dim, ssizes) != WICK_OK)
    return false;
  const ln_job job = {x->data, w, b, y->data, mo->data, ro->data, n, eps};
  ln_par par = {&job, pick_rows()};
  const bool many = rows > 1 && (int64_t)numel >= LN_PAR_MIN;
  wick_parallel_for(many ? ctx->pool : NULL, (size_t)rows, ln_chunk, &par);
  return true;
}

WKO_KERNEL(wko_native_layer_norm_out) {
  if (ln_f32(ctx, args, nargs)) return WICK_OK;
  return wick_op_native_layer_norm_out(ctx, args, nargs);
}
