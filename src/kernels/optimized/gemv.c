/* M-small fp32 GEMM ("GEMV" shapes: m = 1 .. WKO_GEMV_MAX_M rows) with a
 * row-major B (unit column stride, any row stride): the decoder-step case
 * of a [1,K] activation times a [K,N] weight.
 *
 *   C[i, j] = act(alpha * sum_p A[i, p] * B[p, j] + beta * S[i, j])
 *
 * No packing: B is streamed once, row by row, in groups of four rows
 * (four sequential streams the hardware prefetchers follow), and each
 * group adds  A[i,p] B[p,:] + .. + A[i,p+3] B[p+3,:]  into the rows of C,
 * vectorized over N. C is worked on in column chunks of WKO_GEMV_NB
 * (<= 8 rows x 4 KB, L1-resident while all of K streams past), and the
 * epilogue (alpha, beta * S, activation) runs on each chunk right after
 * its last row group. The row count is a compile-time constant in each
 * variant (1 .. 8), so the rows of C live in registers for the inner loop.
 *
 * Variants: AVX-512F (16 lanes, masked tail), AVX2+FMA (8 lanes, masked
 * tail) and portable C, chosen by wko_get_isa() like the micro-kernels.
 * The sum order per element is p = 0, 1, 2, ... (one FMA per term for the
 * x86 variants, multiply-then-add in portable C).
 *
 * Threads: the columns are split into ranges of whole 16-column vectors,
 * one per thread, when the product is large enough. Nothing is allocated.
 */
#include <string.h>

#include "kernels/optimized/opt.h"

/* Column chunk: C[0:m, j:j+NB] stays in L1 while B[:, j:j+NB] streams. */
#define WKO_GEMV_NB 1024

typedef void (*gemv_chunk_fn)(int64_t m, int64_t k, int64_t nb, const float *a, int64_t a_rs,
                              int64_t a_cs, const float *b, int64_t b_rs, float *c, int64_t ldc);

/* ---- portable C ------------------------------------------------------------ */

static inline __attribute__((always_inline)) void chunk_generic_m(
    const int M, int64_t k, int64_t nb, const float *a, int64_t a_rs, int64_t a_cs, const float *b,
    int64_t b_rs, float *c, int64_t ldc) {
  for (int i = 0; i < M; i++) memset(c + i * ldc, 0, (size_t)nb * sizeof(float));
  int64_t p = 0;
  for (; p + 4 <= k; p += 4) {
    const float *b0 = b + p * b_rs, *b1 = b0 + b_rs, *b2 = b1 + b_rs, *b3 = b2 + b_rs;
    for (int i = 0; i < M; i++) {
      const float *ai = a + i * a_rs + p * a_cs;
      const float x0 = ai[0], x1 = ai[a_cs], x2 = ai[2 * a_cs], x3 = ai[3 * a_cs];
      float *ci = c + i * ldc;
      for (int64_t j = 0; j < nb; j++) {
        float t = ci[j];
        t += x0 * b0[j];
        t += x1 * b1[j];
        t += x2 * b2[j];
        t += x3 * b3[j];
        ci[j] = t;
      }
    }
  }
  for (; p < k; p++) {
    const float *b0 = b + p * b_rs;
    for (int i = 0; i < M; i++) {
      const float x0 = a[i * a_rs + p * a_cs];
      float *ci = c + i * ldc;
      for (int64_t j = 0; j < nb; j++) ci[j] += x0 * b0[j];
    }
  }
}

static void chunk_generic(int64_t m, int64_t k, int64_t nb, const float *a, int64_t a_rs,
                          int64_t a_cs, const float *b, int64_t b_rs, float *c, int64_t ldc) {
  /* one row at a time: the C rows do not fit scalar registers anyway */
  for (int64_t i = 0; i < m; i++) chunk_generic_m(1, k, nb, a + i * a_rs, a_rs, a_cs, b, b_rs, c + i * ldc, ldc);
}

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* ---- AVX-512F ---------------------------------------------------------------- */

#define WKO_T512 __attribute__((target("avx512f")))

/* C[0:M, 0:nb] = sum over p of A[0:M, p] x B[p, 0:nb]; 16 columns per step,
 * the last step masked. */
WKO_T512 static inline __attribute__((always_inline)) void chunk_avx512_m(
    const int M, int64_t k, int64_t nb, const float *a, int64_t a_rs, int64_t a_cs, const float *b,
    int64_t b_rs, float *c, int64_t ldc) {
  for (int64_t j = 0; j < nb; j += 16) {
    const __mmask16 mk = nb - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (nb - j)) - 1u);
    __m512 acc[8];
    for (int i = 0; i < M; i++) acc[i] = _mm512_setzero_ps();
    const float *bj = b + j;
    const float *ap = a;
    int64_t p = 0;
    for (; p + 4 <= k; p += 4, bj += 4 * b_rs, ap += 4 * a_cs) {
      const __m512 v0 = _mm512_maskz_loadu_ps(mk, bj);
      const __m512 v1 = _mm512_maskz_loadu_ps(mk, bj + b_rs);
      const __m512 v2 = _mm512_maskz_loadu_ps(mk, bj + 2 * b_rs);
      const __m512 v3 = _mm512_maskz_loadu_ps(mk, bj + 3 * b_rs);
      for (int i = 0; i < M; i++) {
        const float *ai = ap + i * a_rs;
        acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(ai[0]), v0, acc[i]);
        acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(ai[a_cs]), v1, acc[i]);
        acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(ai[2 * a_cs]), v2, acc[i]);
        acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(ai[3 * a_cs]), v3, acc[i]);
      }
    }
    for (; p < k; p++, bj += b_rs, ap += a_cs) {
      const __m512 v0 = _mm512_maskz_loadu_ps(mk, bj);
      for (int i = 0; i < M; i++) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(ap[i * a_rs]), v0, acc[i]);
    }
    for (int i = 0; i < M; i++) _mm512_mask_storeu_ps(c + i * ldc + j, mk, acc[i]);
  }
}

/* The column-vector-outer order above keeps C in registers but walks B down
 * its columns; for wide B (rows longer than a few cache lines) that defeats
 * the prefetchers, so wide chunks go row group by row group instead, C in
 * L1 (loaded and stored once per group of four B rows). */
WKO_T512 static inline __attribute__((always_inline)) void chunk_avx512_rows_m(
    const int M, int64_t k, int64_t nb, const float *a, int64_t a_rs, int64_t a_cs, const float *b,
    int64_t b_rs, float *c, int64_t ldc) {
  int64_t p = 0;
  bool first = true;
  for (; p + 4 <= k; p += 4, first = false) {
    const float *b0 = b + p * b_rs;
    float x[8][4];
    for (int i = 0; i < M; i++)
      for (int q = 0; q < 4; q++) x[i][q] = a[i * a_rs + (p + q) * a_cs];
    for (int64_t j = 0; j < nb; j += 16) {
      const __mmask16 mk = nb - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (nb - j)) - 1u);
      const __m512 v0 = _mm512_maskz_loadu_ps(mk, b0 + j);
      const __m512 v1 = _mm512_maskz_loadu_ps(mk, b0 + b_rs + j);
      const __m512 v2 = _mm512_maskz_loadu_ps(mk, b0 + 2 * b_rs + j);
      const __m512 v3 = _mm512_maskz_loadu_ps(mk, b0 + 3 * b_rs + j);
      for (int i = 0; i < M; i++) {
        float *ci = c + i * ldc + j;
        __m512 t = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mk, ci);
        t = _mm512_fmadd_ps(_mm512_set1_ps(x[i][0]), v0, t);
        t = _mm512_fmadd_ps(_mm512_set1_ps(x[i][1]), v1, t);
        t = _mm512_fmadd_ps(_mm512_set1_ps(x[i][2]), v2, t);
        t = _mm512_fmadd_ps(_mm512_set1_ps(x[i][3]), v3, t);
        _mm512_mask_storeu_ps(ci, mk, t);
      }
    }
  }
  for (; p < k; p++, first = false) {
    const float *b0 = b + p * b_rs;
    float x[8];
    for (int i = 0; i < M; i++) x[i] = a[i * a_rs + p * a_cs];
    for (int64_t j = 0; j < nb; j += 16) {
      const __mmask16 mk = nb - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (nb - j)) - 1u);
      const __m512 v0 = _mm512_maskz_loadu_ps(mk, b0 + j);
      for (int i = 0; i < M; i++) {
        float *ci = c + i * ldc + j;
        __m512 t = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mk, ci);
        _mm512_mask_storeu_ps(ci, mk, _mm512_fmadd_ps(_mm512_set1_ps(x[i]), v0, t));
      }
    }
  }
}

#define GEMV_CASES(PREFIX)                                                         \
  switch (m) {                                                                     \
    case 1: PREFIX(1, k, nb, a, a_rs, a_cs, b, b_rs, c, ldc); break;               \
    case 2: PREFIX(2, k, nb, a, a_rs, a_cs, b, b_rs, c, ldc); break;               \
    case 3: PREFIX(3, k, nb, a, a_rs, a_cs, b, b_rs, c, ldc); break;               \
    case 4: PREFIX(4, k, nb, a, a_rs, a_cs, b, b_rs, c, ldc); break;               \
    case 5: PREFIX(5, k, nb, a, a_rs, a_cs, b, b_rs, c, ldc); break;               \
    case 6: PREFIX(6, k, nb, a, a_rs, a_cs, b, b_rs, c, ldc); break;               \
    case 7: PREFIX(7, k, nb, a, a_rs, a_cs, b, b_rs, c, ldc); break;               \
    default: PREFIX(8, k, nb, a, a_rs, a_cs, b, b_rs, c, ldc); break;              \
  }

/* B rows up to this many floats go column-vector-outer (C in registers). */
#define WKO_GEMV_NARROW 128

WKO_T512 static void chunk_avx512(int64_t m, int64_t k, int64_t nb, const float *a, int64_t a_rs,
                                  int64_t a_cs, const float *b, int64_t b_rs, float *c, int64_t ldc) {
  if (nb <= WKO_GEMV_NARROW) {
    GEMV_CASES(chunk_avx512_m)
  } else {
    GEMV_CASES(chunk_avx512_rows_m)
  }
}

/* ---- AVX2 + FMA ---------------------------------------------------------------- */

#define WKO_T256 __attribute__((target("avx2,fma")))

WKO_T256 static inline __m256i tail_mask8(int64_t left) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(left > 8 ? 8 : left)), idx);
}

WKO_T256 static inline __attribute__((always_inline)) void chunk_avx2_rows_m(
    const int M, int64_t k, int64_t nb, const float *a, int64_t a_rs, int64_t a_cs, const float *b,
    int64_t b_rs, float *c, int64_t ldc) {
  const int64_t nfull = nb / 8 * 8;
  const __m256i tm = tail_mask8(nb - nfull);
  int64_t p = 0;
  bool first = true;
  for (; p < k; first = false) {
    const int g = k - p >= 4 ? 4 : 1;
    const float *b0 = b + p * b_rs;
    float x[8][4];
    for (int i = 0; i < M; i++)
      for (int q = 0; q < g; q++) x[i][q] = a[i * a_rs + (p + q) * a_cs];
    if (g == 4) {
      for (int64_t j = 0; j < nb; j += 8) {
        const bool full = j < nfull;
        __m256 v0, v1, v2, v3;
        if (full) {
          v0 = _mm256_loadu_ps(b0 + j);
          v1 = _mm256_loadu_ps(b0 + b_rs + j);
          v2 = _mm256_loadu_ps(b0 + 2 * b_rs + j);
          v3 = _mm256_loadu_ps(b0 + 3 * b_rs + j);
        } else {
          v0 = _mm256_maskload_ps(b0 + j, tm);
          v1 = _mm256_maskload_ps(b0 + b_rs + j, tm);
          v2 = _mm256_maskload_ps(b0 + 2 * b_rs + j, tm);
          v3 = _mm256_maskload_ps(b0 + 3 * b_rs + j, tm);
        }
        for (int i = 0; i < M; i++) {
          float *ci = c + i * ldc + j;
          __m256 t = first ? _mm256_setzero_ps() : full ? _mm256_loadu_ps(ci) : _mm256_maskload_ps(ci, tm);
          t = _mm256_fmadd_ps(_mm256_set1_ps(x[i][0]), v0, t);
          t = _mm256_fmadd_ps(_mm256_set1_ps(x[i][1]), v1, t);
          t = _mm256_fmadd_ps(_mm256_set1_ps(x[i][2]), v2, t);
          t = _mm256_fmadd_ps(_mm256_set1_ps(x[i][3]), v3, t);
          if (full) _mm256_storeu_ps(ci, t);
          else _mm256_maskstore_ps(ci, tm, t);
        }
      }
    } else {
      for (int64_t j = 0; j < nb; j += 8) {
        const bool full = j < nfull;
        const __m256 v0 = full ? _mm256_loadu_ps(b0 + j) : _mm256_maskload_ps(b0 + j, tm);
        for (int i = 0; i < M; i++) {
          float *ci = c + i * ldc + j;
          __m256 t = first ? _mm256_setzero_ps() : full ? _mm256_loadu_ps(ci) : _mm256_maskload_ps(ci, tm);
          t = _mm256_fmadd_ps(_mm256_set1_ps(x[i][0]), v0, t);
          if (full) _mm256_storeu_ps(ci, t);
          else _mm256_maskstore_ps(ci, tm, t);
        }
      }
    }
    p += g;
  }
}

WKO_T256 static void chunk_avx2(int64_t m, int64_t k, int64_t nb, const float *a, int64_t a_rs,
                                int64_t a_cs, const float *b, int64_t b_rs, float *c, int64_t ldc) {
  GEMV_CASES(chunk_avx2_rows_m)
}

#define HAVE_X86_GEMV 1
#endif

static gemv_chunk_fn pick_chunk(void) {
#ifdef HAVE_X86_GEMV
  int isa = wko_get_isa();
  if (isa == WKO_ISA_AVX512) return chunk_avx512;
  if (isa == WKO_ISA_AVX2) return chunk_avx2;
#endif
  return chunk_generic;
}

/* ---- driver ------------------------------------------------------------------------ */

bool wko_gemv_ok(const wko_gemm *g) {
  return g->b_conv == NULL && g->m >= 1 && g->m <= WKO_GEMV_MAX_M && g->n >= 1 && g->k >= 1 &&
         (g->b_cs == 1 || g->n == 1);
}

typedef struct gemv_job {
  const wko_gemm *g;
  gemv_chunk_fn fn;
  int64_t units; /* 16-column vectors */
  int64_t parts;
} gemv_job;

static void gemv_columns(const wko_gemm *g, gemv_chunk_fn fn, int64_t j0, int64_t j1) {
  for (int64_t j = j0; j < j1; j += WKO_GEMV_NB) {
    int64_t nb = wko_min(WKO_GEMV_NB, j1 - j);
    fn(g->m, g->k, nb, g->a, g->a_rs, g->a_cs, g->b + j, g->b_rs, g->c + j, g->ldc);
    wko_gemm_epilogue(g, g->c + j, 0, j, g->m, nb);
  }
}

static void gemv_job_run(void *ctx, size_t begin, size_t end) {
  const gemv_job *job = ctx;
  for (size_t part = begin; part < end; part++) {
    int64_t u0 = job->units * (int64_t)part / job->parts;
    int64_t u1 = job->units * ((int64_t)part + 1) / job->parts;
    if (u1 > u0) gemv_columns(job->g, job->fn, u0 * 16, wko_min(u1 * 16, job->g->n));
  }
}

/* Products below this many multiply-adds run on one thread. */
#define GEMV_PARALLEL_MIN_MACS ((int64_t)1 << 18)

void wko_gemv(const wko_gemm *g, wick_threadpool *pool) {
  gemv_job job;
  job.g = g;
  job.fn = pick_chunk();
  job.units = (g->n + 15) / 16;
  int64_t threads = wick_threadpool_size(pool);
  if (g->m * g->n * g->k < GEMV_PARALLEL_MIN_MACS) threads = 1;
  /* at least 64 columns per thread */
  job.parts = wko_max(1, wko_min(threads, job.units / 4));
  if (job.parts <= 1) {
    gemv_columns(g, job.fn, 0, g->n);
    return;
  }
  wick_parallel_for(pool, (size_t)job.parts, gemv_job_run, &job);
}
