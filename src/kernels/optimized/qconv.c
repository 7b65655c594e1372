/* cortex_m::quantized_conv2d(.out, _nhwc.out) and cortex_m::quantized_linear.out
 * on x86, bit-exact with the portable CMSIS-NN kernels (op_cortex_m_nn.c).
 *
 * Both become one int8 GEMM over rows p (output pixels, or linear rows) and
 * reduction index k = (ky, kx, ic) (the OHWI weight order):
 *
 *   acc[p, o] = bias[o] + sum_k (x[p, k] + io) * w[o, k]        (padding: 0)
 *             = bias[o] + io * wsum[o] + sum_k x'[p, k] * w[o, k]
 *
 * where x' is x, with padded taps set to -io (so that x' + io = 0 there;
 * needs -io in int8, else the portable kernel runs). All of it is int32
 * arithmetic modulo 2^32, as the reference's wrapping adds / multiplies, so
 * the rearrangement is exact. Then the identical requantization per output
 * channel (wq_requantize: shift left, doubling high multiply rounding half
 * up, rounding right shift), + output offset, clamp to [act_min, act_max].
 *
 *   AVX512-VNNI  vpdpbusd (u8 x s8): the im2col rows are stored as
 *                x' + 128 (u8), so corr[o] = bias + (io - 128) * wsum.
 *                Weights packed per call to [o/16][k/4][o%16][k%4];
 *                micro-tile 6 rows x 64 outputs (24 zmm accumulators).
 *   AVX2         vpmaddwd on int16: im2col rows and weights widened to
 *                int16 pairs (exact: |x' * w| <= 2^14), corr = bias + io *
 *                wsum; micro-tile 6 rows x 16 outputs (12 ymm).
 * The epilogue is vectorized (per-lane multipliers / shifts) in both.
 *
 * Memory: the packed weights, the per-channel arrays and the whole im2col
 * matrix of one group live in the method's scratch (wko_qconv_scratch /
 * wko_qlinear_scratch, sized at load); without enough scratch, with an
 * unusual argument (a kernel_sum, a filter_offset, non-1-D bias /
 * multipliers, a non-contiguous linear operand) or on a non-x86 build the
 * portable kernel runs, and it also produces every error message.
 * Nothing is allocated. */
#include <string.h>

#include "kernels/optimized/opt.h"
#include "kernels/optimized/qconv.h"
#include "kernels/portable/ops_quant.h"
#include "kernels/quantized/qmath.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define QC_X86 1
#include <immintrin.h>
#endif

#define QC_MR 6   /* rows per micro-tile                       */
#define QC_PCH 16 /* micro-tiles per parallel work item        */

static int g_force = -1;

void wko_qconv_force_path(int p) { g_force = p; }

int wko_qconv_path_supported(int p) {
  if (p == WKO_QC_PORTABLE) return 1;
#ifdef QC_X86
  __builtin_cpu_init();
  if (p == WKO_QC_AVX2) return __builtin_cpu_supports("avx2") != 0;
  if (p == WKO_QC_AVX512)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vnni");
#endif
  return 0;
}

int wko_qconv_path(void) {
  if (g_force >= 0) return wko_qconv_path_supported(g_force) ? g_force : WKO_QC_PORTABLE;
  int isa = wko_get_isa();
  if (isa >= WKO_ISA_AVX512 && wko_qconv_path_supported(WKO_QC_AVX512)) return WKO_QC_AVX512;
  if (isa >= WKO_ISA_AVX2 && wko_qconv_path_supported(WKO_QC_AVX2)) return WKO_QC_AVX2;
  return WKO_QC_PORTABLE;
}

/* ---- the GEMM job ------------------------------------------------------------------ */

typedef struct qc_job {
  int path;
  int lanes, nv;              /* outputs per block (16 / 8), blocks per tile   */
  int64_t P, K, Kp, cout, nb; /* rows, reduction (padded to 4), outputs, blocks */
  void *cols;                 /* [P][Kp] u8 (AVX512) or int16 (AVX2)           */
  void *wpack;
  int32_t *corr, *mult, *shift; /* [nb * lanes]                                */
  int32_t oo, amin, amax;
  /* output: row p = (n, i, j) with p = (n * oh + i) * ow + j */
  int8_t *y;
  int64_t ohw, ow, ysn, ysh, ysw, ysc;
  /* im2col source (the group's first channel) */
  const int8_t *x;
  int64_t xh, xw, xsn, xsh, xsw, xsc;
  int64_t kh, kw, cin, st0, st1, pd0, pd1, dl0, dl1;
  int8_t padv;
} qc_job;

static int64_t align64(int64_t v) { return (v + 63) / 64 * 64; }

/* Scratch bytes for one group: the upper bound over both paths. */
static size_t qc_need(int64_t P, int64_t K, int64_t cout, int64_t xbytes) {
  int64_t kp = (K + 3) / 4 * 4, np = (cout + 15) / 16 * 16;
  return (size_t)(align64(P * kp * 2) + align64(np * kp * 2) + 3 * align64(np * 4) + align64(xbytes) + 64);
}

/* Carves the job's buffers from scratch; false when it is too small. */
static bool qc_carve(qc_job *J, void *scratch, size_t size, int64_t xbytes, int8_t **xt) {
  int esz = J->path == WKO_QC_AVX512 ? 1 : 2;
  int64_t np = J->nb * J->lanes;
  int64_t need = align64(J->P * J->Kp * esz) + align64(np * J->Kp * esz) + 3 * align64(np * 4) +
                 align64(xbytes);
  if (scratch == NULL) return false;
  uintptr_t base = ((uintptr_t)scratch + 63) & ~(uintptr_t)63;
  if ((int64_t)(base - (uintptr_t)scratch) + need > (int64_t)size) return false;
  char *p = (char *)base;
  J->cols = p;
  p += align64(J->P * J->Kp * esz);
  J->wpack = p;
  p += align64(np * J->Kp * esz);
  J->corr = (int32_t *)(void *)p;
  p += align64(np * 4);
  J->mult = (int32_t *)(void *)p;
  p += align64(np * 4);
  J->shift = (int32_t *)(void *)p;
  p += align64(np * 4);
  if (xt) *xt = (int8_t *)p;
  return true;
}

/* Weight source: element (o, k) of the group, k = (a * kw + b) * cin + c. */
typedef struct qc_wsrc {
  const int8_t *w;
  int64_t s0, s1, s2, s3;
} qc_wsrc;

/* Packs the weights, and fills corr / mult / shift for the group's outputs
 * (mult / shift given per output, already read; bias may be NULL). */
static void qc_pack(qc_job *J, const qc_wsrc *ws, const int32_t *bias_d, int64_t bias_s,
                    int64_t io) {
  const int L = J->lanes;
  const int64_t K = J->K, Kp = J->Kp, cin = J->cin, kw = J->kw;
  const bool contig = ws->s3 == 1 && ws->s2 == cin && ws->s1 == kw * cin;
  const int64_t np = J->nb * L;
  if (J->path == WKO_QC_AVX512)
    memset(J->wpack, 0, (size_t)(np * Kp));
  else
    memset(J->wpack, 0, (size_t)(np * Kp * 2));
  int8_t *w8 = J->wpack;
  int16_t *w16 = J->wpack;
  const int64_t kq = Kp / 4, kq2 = Kp / 2;
  const int32_t off = wq_sub32((int32_t)io, J->path == WKO_QC_AVX512 ? 128 : 0);
  for (int64_t o = 0; o < J->cout; o++) {
    const int8_t *row = ws->w + o * ws->s0;
    int32_t sum = 0;
    const int64_t ob = o / L, lane = o % L;
    if (contig && J->path == WKO_QC_AVX512) {
      int8_t *d = w8 + (ob * kq * L + lane) * 4;
      int64_t k = 0;
      for (; k + 4 <= K; k += 4) {
        memcpy(d + (k / 4) * L * 4, row + k, 4);
        sum += row[k] + row[k + 1] + row[k + 2] + row[k + 3];
      }
      for (; k < K; k++) {
        d[(k / 4) * L * 4 + k % 4] = row[k];
        sum += row[k];
      }
    } else if (contig) {
      int16_t *d = w16 + (ob * kq2 * L + lane) * 2;
      for (int64_t k = 0; k < K; k++) {
        d[(k / 2) * L * 2 + k % 2] = row[k];
        sum += row[k];
      }
    } else {
      for (int64_t k = 0; k < K; k++) {
        int64_t c = k % cin, ab = k / cin;
        int8_t v = row[(ab / kw) * ws->s1 + (ab % kw) * ws->s2 + c * ws->s3];
        sum += v;
        if (J->path == WKO_QC_AVX512)
          w8[((ob * kq + k / 4) * L + lane) * 4 + k % 4] = v;
        else
          w16[((ob * kq2 + k / 2) * L + lane) * 2 + k % 2] = v;
      }
    }
    /* |sum| <= 128 * K < 2^31 (K <= 2^22) */
    J->corr[o] = wq_add32(bias_d ? bias_d[o * bias_s] : 0, wq_mul32(off, sum));
  }
  for (int64_t o = J->cout; o < np; o++) J->corr[o] = J->mult[o] = J->shift[o] = 0;
}

/* im2col rows [pa, pb). */
static void qc_im2col(const qc_job *J, int64_t pa, int64_t pb) {
  const bool u8 = J->path == WKO_QC_AVX512;
  const int64_t cin = J->cin, Kp = J->Kp, K = J->K;
  const uint8_t padu = (uint8_t)((uint8_t)J->padv ^ 0x80u);
  for (int64_t p = pa; p < pb; p++) {
    int64_t n = p / J->ohw, rem = p % J->ohw, i = rem / J->ow, j = rem % J->ow;
    const int8_t *xn = J->x + n * J->xsn;
    uint8_t *du = (uint8_t *)J->cols + p * Kp;
    int16_t *dw = (int16_t *)J->cols + p * Kp;
    int64_t k = 0;
    for (int64_t a = 0; a < J->kh; a++) {
      int64_t ih = i * J->st0 - J->pd0 + a * J->dl0;
      for (int64_t b = 0; b < J->kw; b++, k += cin) {
        int64_t iw = j * J->st1 - J->pd1 + b * J->dl1;
        if (ih < 0 || ih >= J->xh || iw < 0 || iw >= J->xw) {
          if (u8)
            memset(du + k, padu, (size_t)cin);
          else
            for (int64_t c = 0; c < cin; c++) dw[k + c] = J->padv;
          continue;
        }
        const int8_t *src = xn + ih * J->xsh + iw * J->xsw;
        if (J->xsc == 1) {
          if (u8)
            for (int64_t c = 0; c < cin; c++) du[k + c] = (uint8_t)((uint8_t)src[c] ^ 0x80u);
          else
            for (int64_t c = 0; c < cin; c++) dw[k + c] = src[c];
        } else {
          const int64_t sc = J->xsc;
          if (u8)
            for (int64_t c = 0; c < cin; c++) du[k + c] = (uint8_t)((uint8_t)src[c * sc] ^ 0x80u);
          else
            for (int64_t c = 0; c < cin; c++) dw[k + c] = src[c * sc];
        }
      }
    }
    for (k = K; k < Kp; k++) {
      if (u8)
        du[k] = 0;
      else
        dw[k] = 0;
    }
  }
}

static void qc_im2col_task(void *ctx, size_t g0, size_t g1) {
  const qc_job *J = ctx;
  const int64_t chunk = QC_MR * QC_PCH;
  int64_t pa = (int64_t)g0 * chunk, pb = (int64_t)g1 * chunk;
  qc_im2col(J, pa, pb < J->P ? pb : J->P);
}

static inline int64_t qc_yoff(const qc_job *J, int64_t p) {
  int64_t n = p / J->ohw, rem = p % J->ohw;
  return n * J->ysn + (rem / J->ow) * J->ysh + (rem % J->ow) * J->ysw;
}

/* Stores 'cnt' int8 results (lanes 0..cnt) of output block o0 for row p. */
static inline void qc_store(const qc_job *J, int64_t yo, int64_t o0, const int8_t *v, int cnt) {
  int8_t *y = J->y + yo + o0 * J->ysc;
  if (J->ysc == 1) {
    memcpy(y, v, (size_t)cnt);
  } else {
    for (int l = 0; l < cnt; l++) y[l * J->ysc] = v[l];
  }
}

#ifdef QC_X86
#define QC_INLINE static inline __attribute__((always_inline))

/* ---- AVX512-VNNI ---------------------------------------------------------------------- */
#define QC512 __attribute__((target("avx512f,avx512bw,avx512vnni")))

QC512 QC_INLINE __m512i qc_dpbusd512(__m512i acc, __m512i u, __m512i w) {
#if defined(__GNUC__) && !defined(__clang__)
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u), "vm"(w));
  return acc;
#else
  return _mm512_dpbusd_epi32(acc, u, w);
#endif
}

/* wq_requantize + oo, clamped, per lane. */
QC512 QC_INLINE __m512i qc_requant512(__m512i v, __m512i m, __m512i sh, __m512i oo, __m512i lo,
                                      __m512i hi) {
  const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
  const __m512i left = _mm512_max_epi32(sh, zero), right = _mm512_max_epi32(_mm512_sub_epi32(zero, sh), zero);
  v = _mm512_sllv_epi32(v, left);
  const __m512i rnd = _mm512_set1_epi64(INT64_C(1) << 30);
  __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(v, m), rnd);
  __m512i po = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(v, 32), _mm512_srli_epi64(m, 32)), rnd);
  /* bits 31..62 of each 64-bit sum */
  __m512i x = _mm512_mask_blend_epi32((__mmask16)0xAAAA, _mm512_srli_epi64(pe, 31), _mm512_slli_epi64(po, 1));
  const __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, right), one);
  const __m512i rem = _mm512_and_si512(x, mask);
  __m512i q = _mm512_srav_epi32(x, right);
  const __m512i thr = _mm512_add_epi32(_mm512_srai_epi32(mask, 1), _mm512_srli_epi32(q, 31));
  q = _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(rem, thr), q, one);
  q = _mm512_add_epi32(q, oo);
  return _mm512_min_epi32(_mm512_max_epi32(q, lo), hi);
}

QC512 QC_INLINE void qc_tile512(const qc_job *J, const int mr, const int nv, int64_t p0, int64_t ob0) {
  const int64_t Kp = J->Kp, kq = Kp / 4, bs = kq * 64;
  const int8_t *w = (const int8_t *)J->wpack + ob0 * bs;
  const uint8_t *a = (const uint8_t *)J->cols + p0 * Kp;
  __m512i acc[QC_MR][4];
  for (int r = 0; r < mr; r++)
    for (int v = 0; v < nv; v++) acc[r][v] = _mm512_setzero_si512();
  for (int64_t q = 0; q < kq; q++) {
    __m512i wv[4];
    for (int v = 0; v < nv; v++) wv[v] = _mm512_loadu_si512((const void *)(w + v * bs + q * 64));
    for (int r = 0; r < mr; r++) {
      int32_t xq;
      memcpy(&xq, a + r * Kp + q * 4, 4);
      const __m512i xb = _mm512_set1_epi32(xq);
      for (int v = 0; v < nv; v++) acc[r][v] = qc_dpbusd512(acc[r][v], xb, wv[v]);
    }
  }
  int64_t yo[QC_MR];
  for (int r = 0; r < mr; r++) yo[r] = qc_yoff(J, p0 + r);
  const __m512i oo = _mm512_set1_epi32(J->oo), lo = _mm512_set1_epi32(J->amin),
                hi = _mm512_set1_epi32(J->amax);
  for (int v = 0; v < nv; v++) {
    const int64_t o0 = (ob0 + v) * 16;
    const __m512i corr = _mm512_loadu_si512((const void *)(J->corr + o0));
    const __m512i m = _mm512_loadu_si512((const void *)(J->mult + o0));
    const __m512i sh = _mm512_loadu_si512((const void *)(J->shift + o0));
    const int cnt = J->cout - o0 < 16 ? (int)(J->cout - o0) : 16;
    for (int r = 0; r < mr; r++) {
      __m512i res = qc_requant512(_mm512_add_epi32(acc[r][v], corr), m, sh, oo, lo, hi);
      if (J->ysc == 1) {
        _mm512_mask_cvtepi32_storeu_epi8(J->y + yo[r] + o0, (__mmask16)((1u << cnt) - 1u), res);
      } else {
        int8_t b[16];
        _mm_storeu_si128((__m128i *)(void *)b, _mm512_cvtepi32_epi8(res));
        qc_store(J, yo[r], o0, b, cnt);
      }
    }
  }
}

QC512 static void qc_tiles512(const qc_job *J, int64_t pa, int64_t pb, int64_t ob0, int nv) {
  for (int64_t p = pa; p < pb; p += QC_MR) {
    int mr = pb - p < QC_MR ? (int)(pb - p) : QC_MR;
#define QC_T512(M)                              \
  switch (nv) {                                 \
    case 1: qc_tile512(J, M, 1, p, ob0); break; \
    case 2: qc_tile512(J, M, 2, p, ob0); break; \
    case 3: qc_tile512(J, M, 3, p, ob0); break; \
    default: qc_tile512(J, M, 4, p, ob0); break; \
  }
    switch (mr) {
      case 1: QC_T512(1) break;
      case 2: QC_T512(2) break;
      case 3: QC_T512(3) break;
      case 4: QC_T512(4) break;
      case 5: QC_T512(5) break;
      default: QC_T512(6) break;
    }
#undef QC_T512
  }
}

/* ---- AVX2 ---------------------------------------------------------------------------- */
#define QC256 __attribute__((target("avx2")))

QC256 QC_INLINE __m256i qc_requant256(__m256i v, __m256i m, __m256i sh, __m256i oo, __m256i lo,
                                      __m256i hi) {
  const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
  const __m256i left = _mm256_max_epi32(sh, zero), right = _mm256_max_epi32(_mm256_sub_epi32(zero, sh), zero);
  v = _mm256_sllv_epi32(v, left);
  const __m256i rnd = _mm256_set1_epi64x(INT64_C(1) << 30);
  __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(v, m), rnd);
  __m256i po = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(v, 32), _mm256_srli_epi64(m, 32)), rnd);
  __m256i x = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
  const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, right), one);
  const __m256i rem = _mm256_and_si256(x, mask);
  __m256i q = _mm256_srav_epi32(x, right);
  const __m256i thr = _mm256_add_epi32(_mm256_srai_epi32(mask, 1), _mm256_srli_epi32(q, 31));
  q = _mm256_sub_epi32(q, _mm256_cmpgt_epi32(rem, thr));
  q = _mm256_add_epi32(q, oo);
  return _mm256_min_epi32(_mm256_max_epi32(q, lo), hi);
}

QC256 QC_INLINE void qc_tile256(const qc_job *J, const int mr, const int nv, int64_t p0, int64_t ob0) {
  const int64_t Kp = J->Kp, kq2 = Kp / 2, bs = kq2 * 16;
  const int16_t *w = (const int16_t *)J->wpack + ob0 * bs;
  const int16_t *a = (const int16_t *)J->cols + p0 * Kp;
  __m256i acc[QC_MR][2];
  for (int r = 0; r < mr; r++)
    for (int v = 0; v < nv; v++) acc[r][v] = _mm256_setzero_si256();
  for (int64_t q = 0; q < kq2; q++) {
    __m256i wv[2];
    for (int v = 0; v < nv; v++) wv[v] = _mm256_loadu_si256((const __m256i *)(const void *)(w + v * bs + q * 16));
    for (int r = 0; r < mr; r++) {
      int32_t xq;
      memcpy(&xq, a + r * Kp + q * 2, 4);
      const __m256i xb = _mm256_set1_epi32(xq);
      for (int v = 0; v < nv; v++) acc[r][v] = _mm256_add_epi32(acc[r][v], _mm256_madd_epi16(xb, wv[v]));
    }
  }
  int64_t yo[QC_MR];
  for (int r = 0; r < mr; r++) yo[r] = qc_yoff(J, p0 + r);
  const __m256i oo = _mm256_set1_epi32(J->oo), lo = _mm256_set1_epi32(J->amin),
                hi = _mm256_set1_epi32(J->amax);
  for (int v = 0; v < nv; v++) {
    const int64_t o0 = (ob0 + v) * 8;
    const __m256i corr = _mm256_loadu_si256((const __m256i *)(const void *)(J->corr + o0));
    const __m256i m = _mm256_loadu_si256((const __m256i *)(const void *)(J->mult + o0));
    const __m256i sh = _mm256_loadu_si256((const __m256i *)(const void *)(J->shift + o0));
    const int cnt = J->cout - o0 < 8 ? (int)(J->cout - o0) : 8;
    for (int r = 0; r < mr; r++) {
      __m256i res = qc_requant256(_mm256_add_epi32(acc[r][v], corr), m, sh, oo, lo, hi);
      __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(res), _mm256_extracti128_si256(res, 1));
      int8_t b[16];
      _mm_storeu_si128((__m128i *)(void *)b, _mm_packs_epi16(p16, p16));
      qc_store(J, yo[r], o0, b, cnt);
    }
  }
}

QC256 static void qc_tiles256(const qc_job *J, int64_t pa, int64_t pb, int64_t ob0, int nv) {
  for (int64_t p = pa; p < pb; p += QC_MR) {
    int mr = pb - p < QC_MR ? (int)(pb - p) : QC_MR;
#define QC_T256(M)                              \
  if (nv == 1) qc_tile256(J, M, 1, p, ob0);     \
  else qc_tile256(J, M, 2, p, ob0);
    switch (mr) {
      case 1: QC_T256(1) break;
      case 2: QC_T256(2) break;
      case 3: QC_T256(3) break;
      case 4: QC_T256(4) break;
      case 5: QC_T256(5) break;
      default: QC_T256(6) break;
    }
#undef QC_T256
  }
}
#endif /* QC_X86 */


/* ---- depthwise planes ------------------------------------------------------------ */

/* One depthwise job: planes of one (image, input channel) padded into a
 * buffer (pad value -io), then per output channel and output row, vectors
 * of 16 (8) output pixels: acc = corr + sum_taps x * w (x' = -io at padding;
 * corr = bias + io * sum w, exact mod 2^32). */
typedef struct qc_dw {
  int path;
  const int8_t *x;
  int64_t n, h, w, c, xsn, xsh, xsw, xsc;
  const int8_t *wt;
  int64_t ws1, ws2, ws3; /* weight [1][a][b][oc] strides */
  int64_t kh, kw, dm, st0, st1, pd0, pd1, dl0, dl1, oh, ow, hp, wp;
  const int32_t *bias, *mult, *shift;
  int64_t bs, ms, ss;
  int32_t io, oo, amin, amax;
  int8_t padv;
  int8_t *y;
  int64_t ysn, ysh, ysw, ysc;
  int8_t *buf; /* nbuf planes of plane_bytes */
  int64_t plane_bytes, nbuf;
} qc_dw;

static void qc_dw_fill(const qc_dw *D, int64_t n, int64_t ic, int8_t *pl) {
  const int8_t *src = D->x + n * D->xsn + ic * D->xsc;
  for (int64_t r = 0; r < D->hp; r++) {
    int8_t *row = pl + r * D->wp;
    int64_t ih = r - D->pd0;
    if (ih < 0 || ih >= D->h) {
      memset(row, D->padv, (size_t)D->wp);
      continue;
    }
    memset(row, D->padv, (size_t)D->pd1);
    const int8_t *s = src + ih * D->xsh;
    if (D->xsw == 1)
      memcpy(row + D->pd1, s, (size_t)D->w);
    else
      for (int64_t j = 0; j < D->w; j++) row[D->pd1 + j] = s[j * D->xsw];
    memset(row + D->pd1 + D->w, D->padv, (size_t)(D->wp - D->pd1 - D->w));
  }
}

#ifdef QC_X86
QC512 static void qc_dw_plane512(const qc_dw *D, const int8_t *pl, int64_t n, int64_t oc) {
  int32_t wv[64];
  int32_t wsum = 0;
  const int64_t nt = D->kh * D->kw;
  for (int64_t a = 0; a < D->kh; a++)
    for (int64_t b = 0; b < D->kw; b++) {
      wv[a * D->kw + b] = D->wt[a * D->ws1 + b * D->ws2 + oc * D->ws3];
      wsum += wv[a * D->kw + b];
    }
  int32_t corr = wq_add32(D->bias ? D->bias[oc * D->bs] : 0, wq_mul32(D->io, wsum));
  const __m512i vc = _mm512_set1_epi32(corr), m = _mm512_set1_epi32(D->mult[oc * D->ms]),
                sh = _mm512_set1_epi32(D->shift[oc * D->ss]), oo = _mm512_set1_epi32(D->oo),
                lo = _mm512_set1_epi32(D->amin), hi = _mm512_set1_epi32(D->amax);
  int8_t *yp = D->y + n * D->ysn + oc * D->ysc;
  for (int64_t i = 0; i < D->oh; i++) {
    const int8_t *r0 = pl + i * D->st0 * D->wp;
    for (int64_t j0 = 0; j0 < D->ow; j0 += 16) {
      __m512i acc = vc;
      for (int64_t t = 0; t < nt; t++) {
        int64_t a = t / D->kw, b = t % D->kw;
        const int8_t *q = r0 + a * D->dl0 * D->wp + j0 * D->st1 + b * D->dl1;
        __m512i xv;
        if (D->st1 == 1) {
          xv = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)q));
        } else {
          __m512i x16 = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(const void *)q));
          xv = _mm512_srai_epi32(_mm512_slli_epi32(x16, 16), 16);
        }
        acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(xv, _mm512_set1_epi32(wv[t])));
      }
      __m512i res = qc_requant512(acc, m, sh, oo, lo, hi);
      int cnt = D->ow - j0 < 16 ? (int)(D->ow - j0) : 16;
      int8_t *yo = yp + i * D->ysh + j0 * D->ysw;
      if (D->ysw == 1) {
        _mm512_mask_cvtepi32_storeu_epi8(yo, (__mmask16)((1u << cnt) - 1u), res);
      } else {
        int8_t bb[16];
        _mm_storeu_si128((__m128i *)(void *)bb, _mm512_cvtepi32_epi8(res));
        for (int l = 0; l < cnt; l++) yo[l * D->ysw] = bb[l];
      }
    }
  }
}

QC256 static void qc_dw_plane256(const qc_dw *D, const int8_t *pl, int64_t n, int64_t oc) {
  int32_t wv[64];
  int32_t wsum = 0;
  const int64_t nt = D->kh * D->kw;
  for (int64_t a = 0; a < D->kh; a++)
    for (int64_t b = 0; b < D->kw; b++) {
      wv[a * D->kw + b] = D->wt[a * D->ws1 + b * D->ws2 + oc * D->ws3];
      wsum += wv[a * D->kw + b];
    }
  int32_t corr = wq_add32(D->bias ? D->bias[oc * D->bs] : 0, wq_mul32(D->io, wsum));
  const __m256i vc = _mm256_set1_epi32(corr), m = _mm256_set1_epi32(D->mult[oc * D->ms]),
                sh = _mm256_set1_epi32(D->shift[oc * D->ss]), oo = _mm256_set1_epi32(D->oo),
                lo = _mm256_set1_epi32(D->amin), hi = _mm256_set1_epi32(D->amax);
  int8_t *yp = D->y + n * D->ysn + oc * D->ysc;
  for (int64_t i = 0; i < D->oh; i++) {
    const int8_t *r0 = pl + i * D->st0 * D->wp;
    for (int64_t j0 = 0; j0 < D->ow; j0 += 8) {
      __m256i acc = vc;
      for (int64_t t = 0; t < nt; t++) {
        int64_t a = t / D->kw, b = t % D->kw;
        const int8_t *q = r0 + a * D->dl0 * D->wp + j0 * D->st1 + b * D->dl1;
        __m256i xv;
        if (D->st1 == 1) {
          xv = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)q));
        } else {
          __m256i x16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)q));
          xv = _mm256_srai_epi32(_mm256_slli_epi32(x16, 16), 16);
        }
        acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(xv, _mm256_set1_epi32(wv[t])));
      }
      __m256i res = qc_requant256(acc, m, sh, oo, lo, hi);
      __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(res), _mm256_extracti128_si256(res, 1));
      int8_t bb[16];
      _mm_storeu_si128((__m128i *)(void *)bb, _mm_packs_epi16(p16, p16));
      int cnt = D->ow - j0 < 8 ? (int)(D->ow - j0) : 8;
      int8_t *yo = yp + i * D->ysh + j0 * D->ysw;
      for (int l = 0; l < cnt; l++) yo[l * D->ysw] = bb[l];
    }
  }
}
#endif

/* Work item t of nbuf: its share of the (image, input channel) planes. */
static void qc_dw_task(void *ctx, size_t t0, size_t t1) {
  const qc_dw *D = ctx;
  const int64_t total = D->n * D->c;
  for (size_t t = t0; t < t1; t++) {
    int8_t *pl = D->buf + (int64_t)t * D->plane_bytes;
    int64_t a = total * (int64_t)t / D->nbuf, b = total * ((int64_t)t + 1) / D->nbuf;
    for (int64_t pi = a; pi < b; pi++) {
      int64_t n = pi / D->c, ic = pi % D->c;
      qc_dw_fill(D, n, ic, pl);
      for (int64_t mm = 0; mm < D->dm; mm++) {
#ifdef QC_X86
        if (D->path == WKO_QC_AVX512)
          qc_dw_plane512(D, pl, n, ic * D->dm + mm);
        else
          qc_dw_plane256(D, pl, n, ic * D->dm + mm);
#endif
      }
    }
  }
}

/* Work item g: pixel chunk g / ngroups, output group g % ngroups. */
static void qc_gemm_task(void *ctx, size_t g0, size_t g1) {
  const qc_job *J = ctx;
  const int64_t nog = (J->nb + J->nv - 1) / J->nv, chunk = QC_MR * QC_PCH;
  for (size_t g = g0; g < g1; g++) {
    int64_t pc = (int64_t)g / nog, og = (int64_t)g % nog;
    int64_t pa = pc * chunk, pb = pa + chunk < J->P ? pa + chunk : J->P;
    int64_t ob0 = og * J->nv;
    int nv = J->nb - ob0 < J->nv ? (int)(J->nb - ob0) : J->nv;
#ifdef QC_X86
    if (J->path == WKO_QC_AVX512)
      qc_tiles512(J, pa, pb, ob0, nv);
    else
      qc_tiles256(J, pa, pb, ob0, nv);
#else
    (void)pa, (void)pb, (void)ob0, (void)nv;
#endif
  }
}

/* Runs the packed job (im2col, GEMM). */
static void qc_run(qc_job *J, wick_threadpool *pool) {
  const int64_t chunk = QC_MR * QC_PCH, npc = (J->P + chunk - 1) / chunk;
  wick_parallel_for(pool, (size_t)npc, qc_im2col_task, J);
  const int64_t nog = (J->nb + J->nv - 1) / J->nv;
  wick_parallel_for(pool, (size_t)(npc * nog), qc_gemm_task, J);
}

static void qc_init_path(qc_job *J, int path) {
  memset(J, 0, sizeof *J);
  J->path = path;
  J->lanes = path == WKO_QC_AVX512 ? 16 : 8;
  J->nv = path == WKO_QC_AVX512 ? 4 : 2;
}

/* Copies the activation x (any strides) to dense NHWC at d, by tiles of
 * 32 channels x 32 pixels of a row. */
static void qc_to_nhwc(const wq_nhwc *x, const int8_t *src, int8_t *d) {
  for (int64_t n = 0; n < x->n; n++)
    for (int64_t h = 0; h < x->h; h++) {
      const int8_t *s = src + n * x->sn + h * x->sh;
      int8_t *o = d + (n * x->h + h) * x->w * x->c;
      for (int64_t c0 = 0; c0 < x->c; c0 += 32)
        for (int64_t w0 = 0; w0 < x->w; w0 += 32) {
          int64_t c1 = c0 + 32 < x->c ? c0 + 32 : x->c, w1 = w0 + 32 < x->w ? w0 + 32 : x->w;
          for (int64_t c = c0; c < c1; c++)
            for (int64_t w = w0; w < w1; w++) o[w * x->c + c] = s[c * x->sc + w * x->sw];
        }
    }
}

/* ---- argument checks (anything unusual: portable) --------------------------------- */

static bool qc_pair(wick_value *v, int64_t lo, int64_t out[2]) {
  if (v->kind != WICK_VAL_INT_LIST) return false;
  uint32_t n;
  const int64_t *p = wick_value_int_list(v, &n);
  if (n != 1 && n != 2) return false;
  out[0] = p[0];
  out[1] = n == 2 ? p[1] : p[0];
  return out[0] >= lo && out[1] >= lo && out[0] <= INT32_MAX && out[1] <= INT32_MAX;
}

static bool qc_vec_i32(const wick_tensor *t, int64_t n) {
  return t != NULL && t->dtype == WICK_I32 && t->dim == 1 && t->sizes[0] == n;
}

static bool qc_act_ok(int64_t amin, int64_t amax) {
  return amin >= -128 && amin <= 127 && amax >= amin && amax <= 127;
}

static bool qc_is_contig(const wick_tensor *t) {
  int64_t s = 1;
  for (int d = t->dim - 1; d >= 0; d--) {
    if (t->sizes[d] != 1 && t->strides[d] != s) return false;
    s *= t->sizes[d];
  }
  return true;
}

/* ---- cortex_m::quantized_conv2d --------------------------------------------------- */

typedef struct qc_conv {
  const wick_tensor *in, *w, *bias, *mult, *shift;
  wick_tensor *out;
  int64_t st[2], pd[2], dl[2];
  int64_t io, oo, amin, amax;
  int64_t groups, cin_g, cout, cout_g, kh, kw, oh, ow;
  bool needpad;
} qc_conv;

/* "TTtIIIiiTTiiTT": input, weight, bias?, stride, padding, dilation,
 * input_offset, output_offset, mults, shifts, act_min, act_max, scratch, out */
static bool qc_conv_args(wick_value **args, uint32_t nargs, int nchw, qc_conv *c) {
  if (nargs != 14) return false;
  for (int i = 0; i < 14; i++) {
    int k = args[i]->kind;
    bool tensor = i == 0 || i == 1 || i == 8 || i == 9 || i == 13;
    if (tensor && k != WICK_VAL_TENSOR) return false;
    if ((i == 6 || i == 7 || i == 10 || i == 11) && k != WICK_VAL_INT) return false;
  }
  c->in = args[0]->u.t;
  c->w = args[1]->u.t;
  c->bias = wq_arg_opt_t(args[2]);
  c->io = args[6]->u.i;
  c->oo = args[7]->u.i;
  c->mult = args[8]->u.t;
  c->shift = args[9]->u.t;
  c->amin = args[10]->u.i;
  c->amax = args[11]->u.i;
  c->out = args[13]->u.t;
  if (c->in->dim != 4 || c->in->dtype != WICK_I8 || c->w->dim != 4 || c->w->dtype != WICK_I8 ||
      c->out->dtype != WICK_I8)
    return false;
  if (!qc_pair(args[3], 1, c->st) || !qc_pair(args[4], 0, c->pd) || !qc_pair(args[5], 1, c->dl))
    return false;
  c->cout = c->w->sizes[0];
  if (c->bias && !qc_vec_i32(c->bias, c->cout)) return false;
  if (!qc_vec_i32(c->mult, c->cout) || !qc_vec_i32(c->shift, c->cout)) return false;
  const int32_t *s = c->shift->data;
  for (int64_t i = 0; i < c->cout; i++)
    if (s[i * c->shift->strides[0]] < -31 || s[i * c->shift->strides[0]] > 31) return false;
  if (!qc_act_ok(c->amin, c->amax)) return false;
  if (c->oo < INT32_MIN || c->oo > INT32_MAX || c->io < INT32_MIN || c->io > INT32_MAX) return false;
  wq_nhwc x = wq_view(c->in, nchw);
  c->kh = c->w->sizes[1];
  c->kw = c->w->sizes[2];
  c->cin_g = c->w->sizes[3];
  if (c->cin_g <= 0 || x.c % c->cin_g != 0 || c->cout <= 0) return false;
  c->groups = x.c / c->cin_g;
  if (c->cout % c->groups != 0) return false;
  c->cout_g = c->cout / c->groups;
  c->oh = (x.h + 2 * c->pd[0] - c->dl[0] * (c->kh - 1) - 1) / c->st[0] + 1;
  c->ow = (x.w + 2 * c->pd[1] - c->dl[1] * (c->kw - 1) - 1) / c->st[1] + 1;
  if (c->oh <= 0 || c->ow <= 0 || x.n <= 0 || c->kh <= 0 || c->kw <= 0) return false;
  /* taps outside the input (padding, or a kernel wider than a small input:
   * the output size rounds toward zero) need x' = -io in int8 */
  c->needpad = c->pd[0] > 0 || c->pd[1] > 0 || (c->oh - 1) * c->st[0] + c->dl[0] * (c->kh - 1) >= x.h ||
               (c->ow - 1) * c->st[1] + c->dl[1] * (c->kw - 1) >= x.w;
  if (c->needpad && (c->io < -127 || c->io > 128)) return false;
  return true;
}

static wick_status qconv(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs, int nchw) {
  wick_kernel_fn portable = nchw ? wick_op_cm_quantized_conv2d_out : wick_op_cm_quantized_conv2d_nhwc_out;
  int path = wko_qconv_path();
  qc_conv c;
  if (path == WKO_QC_PORTABLE || !qc_conv_args(args, nargs, nchw, &c)) return portable(ctx, args, nargs);
  qc_job J;
  qc_init_path(&J, path);
  wq_nhwc x = wq_view(c.in, nchw);
  J.P = x.n * c.oh * c.ow;
  J.K = c.kh * c.kw * c.cin_g;
  J.Kp = (J.K + 3) / 4 * 4;
  J.cout = c.cout_g;
  J.nb = (c.cout_g + J.lanes - 1) / J.lanes;
  /* a channel-strided input is first copied channels-last (rows of im2col become runs) */
  const bool tr = x.sc != 1;
  int8_t *xt = NULL;
  if (J.K > (INT64_C(1) << 22) ||
      !qc_carve(&J, ctx->scratch, ctx->scratch_size, tr ? x.n * x.h * x.w * x.c : 0, &xt))
    return portable(ctx, args, nargs);
  int64_t sizes[4];
  wq_sizes4(nchw, x.n, c.oh, c.ow, c.cout, sizes);
  wick_status s = wq_resize(ctx, c.out, 4, sizes);
  if (s) return s;
  wq_nhwc y = wq_view(c.out, nchw);
  J.oo = (int32_t)c.oo;
  J.amin = (int32_t)c.amin;
  J.amax = (int32_t)c.amax;
  J.ohw = c.oh * c.ow;
  J.ow = c.ow;
  J.ysn = y.sn, J.ysh = y.sh, J.ysw = y.sw, J.ysc = y.sc;
  J.xh = x.h, J.xw = x.w, J.xsn = x.sn, J.xsh = x.sh, J.xsw = x.sw, J.xsc = x.sc;
  const int8_t *xbase = c.in->data;
  if (tr) {
    qc_to_nhwc(&x, xbase, xt);
    xbase = xt;
    J.xsc = 1, J.xsw = x.c, J.xsh = x.w * x.c, J.xsn = x.h * x.w * x.c;
  }
  J.kh = c.kh, J.kw = c.kw, J.cin = c.cin_g;
  J.st0 = c.st[0], J.st1 = c.st[1], J.pd0 = c.pd[0], J.pd1 = c.pd[1], J.dl0 = c.dl[0], J.dl1 = c.dl[1];
  J.padv = (int8_t)(c.needpad ? -c.io : 0);
  const int32_t *md = c.mult->data, *sd = c.shift->data;
  const int32_t *bd = c.bias ? c.bias->data : NULL;
  int64_t ms = c.mult->strides[0], ss = c.shift->strides[0], bs = c.bias ? c.bias->strides[0] : 0;
  for (int64_t g = 0; g < c.groups; g++) {
    int64_t o0 = g * c.cout_g;
    for (int64_t o = 0; o < c.cout_g; o++) {
      J.mult[o] = md[(o0 + o) * ms];
      J.shift[o] = sd[(o0 + o) * ss];
    }
    qc_wsrc ws = {(const int8_t *)c.w->data + o0 * c.w->strides[0], c.w->strides[0], c.w->strides[1],
                  c.w->strides[2], c.w->strides[3]};
    qc_pack(&J, &ws, bd ? bd + o0 * bs : NULL, bs, c.io);
    J.x = xbase + g * c.cin_g * J.xsc;
    J.y = (int8_t *)c.out->data + o0 * y.sc;
    qc_run(&J, ctx->pool);
  }
  return WICK_OK;
}

static size_t qconv_scratch(wick_value **args, uint32_t nargs, int nchw) {
  qc_conv c;
  if (!qc_conv_args(args, nargs, nchw, &c)) return 0;
  wq_nhwc x = wq_view(c.in, nchw);
  return qc_need(x.n * c.oh * c.ow, c.kh * c.kw * c.cin_g, c.cout_g,
                 x.sc != 1 ? x.n * x.h * x.w * x.c : 0);
}

WKO_KERNEL(wko_cm_quantized_conv2d_out) { return qconv(ctx, args, nargs, 1); }
WKO_KERNEL(wko_cm_quantized_conv2d_nhwc_out) { return qconv(ctx, args, nargs, 0); }
WKO_SCRATCH(wko_cm_quantized_conv2d_scratch) { return qconv_scratch(args, nargs, 1); }
WKO_SCRATCH(wko_cm_quantized_conv2d_nhwc_scratch) { return qconv_scratch(args, nargs, 0); }

/* ---- cortex_m::quantized_depthwise_conv2d ------------------------------------------ */

/* "TTtIIIiiiTTiiTT": input, weight, bias?, stride, padding, dilation,
 * depth_multiplier, input_offset, output_offset, mults, shifts, act_min,
 * act_max, scratch, out. Strides 1 / 2 along the width, up to 64 taps. */
static bool qc_dw_args(wick_value **args, uint32_t nargs, int nchw, qc_dw *D, const wick_tensor **in,
                       wick_tensor **out) {
  if (nargs != 15) return false;
  static const int tens_i[5] = {0, 1, 9, 10, 14}, int_i[6] = {6, 7, 8, 11, 12, 6};
  for (int i = 0; i < 5; i++)
    if (args[tens_i[i]]->kind != WICK_VAL_TENSOR) return false;
  for (int i = 0; i < 6; i++)
    if (args[int_i[i]]->kind != WICK_VAL_INT) return false;
  const wick_tensor *x = args[0]->u.t, *w = args[1]->u.t, *bias = wq_arg_opt_t(args[2]);
  const wick_tensor *mt = args[9]->u.t, *st = args[10]->u.t;
  *in = x;
  *out = args[14]->u.t;
  if (x->dim != 4 || x->dtype != WICK_I8 || w->dim != 4 || w->dtype != WICK_I8 || (*out)->dtype != WICK_I8)
    return false;
  int64_t sv[2], pv[2], dv[2];
  if (!qc_pair(args[3], 1, sv) || !qc_pair(args[4], 0, pv) || !qc_pair(args[5], 1, dv)) return false;
  wq_nhwc v = wq_view(x, nchw);
  int64_t dm = args[6]->u.i, cout = w->sizes[3];
  if (w->sizes[0] != 1 || dm < 1 || cout != v.c * dm || cout <= 0 || v.n <= 0) return false;
  if (bias && !qc_vec_i32(bias, cout)) return false;
  if (!qc_vec_i32(mt, cout) || !qc_vec_i32(st, cout)) return false;
  const int32_t *sd = st->data;
  for (int64_t i = 0; i < cout; i++)
    if (sd[i * st->strides[0]] < -31 || sd[i * st->strides[0]] > 31) return false;
  int64_t io = args[7]->u.i, oo = args[8]->u.i, amin = args[11]->u.i, amax = args[12]->u.i;
  if (!qc_act_ok(amin, amax) || oo < INT32_MIN || oo > INT32_MAX || io < INT32_MIN || io > INT32_MAX)
    return false;
  D->kh = w->sizes[1], D->kw = w->sizes[2];
  if (D->kh <= 0 || D->kw <= 0 || D->kh * D->kw > 64 || sv[1] > 2) return false;
  D->oh = (v.h + 2 * pv[0] - dv[0] * (D->kh - 1) - 1) / sv[0] + 1;
  D->ow = (v.w + 2 * pv[1] - dv[1] * (D->kw - 1) - 1) / sv[1] + 1;
  if (D->oh <= 0 || D->ow <= 0) return false;
  /* rows / columns the taps reach, from the padded origin */
  int64_t rh = (D->oh - 1) * sv[0] + dv[0] * (D->kh - 1) + 1, rw = (D->ow - 1) * sv[1] + dv[1] * (D->kw - 1) + 1;
  bool needpad = pv[0] > 0 || pv[1] > 0 || rh > v.h || rw > v.w;
  if (needpad && (io < -127 || io > 128)) return false;
  D->x = x->data;
  D->n = v.n, D->h = v.h, D->w = v.w, D->c = v.c;
  D->xsn = v.sn, D->xsh = v.sh, D->xsw = v.sw, D->xsc = v.sc;
  D->wt = w->data;
  D->ws1 = w->strides[1], D->ws2 = w->strides[2], D->ws3 = w->strides[3];
  D->dm = dm, D->st0 = sv[0], D->st1 = sv[1], D->pd0 = pv[0], D->pd1 = pv[1], D->dl0 = dv[0], D->dl1 = dv[1];
  D->hp = v.h + 2 * pv[0] > rh ? v.h + 2 * pv[0] : rh;
  D->wp = v.w + 2 * pv[1] > rw ? v.w + 2 * pv[1] : rw;
  D->bias = bias ? bias->data : NULL;
  D->bs = bias ? bias->strides[0] : 0;
  D->mult = mt->data, D->ms = mt->strides[0];
  D->shift = sd, D->ss = st->strides[0];
  D->io = (int32_t)io, D->oo = (int32_t)oo, D->amin = (int32_t)amin, D->amax = (int32_t)amax;
  D->padv = (int8_t)(needpad ? -io : 0);
  D->plane_bytes = align64(D->hp * D->wp + 64);
  return true;
}

static wick_status qdw(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs, int nchw) {
  wick_kernel_fn portable =
      nchw ? wick_op_cm_quantized_depthwise_conv2d_out : wick_op_cm_quantized_depthwise_conv2d_nhwc_out;
  int path = wko_qconv_path();
  qc_dw D;
  const wick_tensor *in;
  wick_tensor *out;
  if (path == WKO_QC_PORTABLE || !qc_dw_args(args, nargs, nchw, &D, &in, &out)) return portable(ctx, args, nargs);
  D.path = path;
  int64_t threads = wick_threadpool_size(ctx->pool);
  if (threads > D.n * D.c) threads = D.n * D.c;
  uintptr_t base = ((uintptr_t)ctx->scratch + 63) & ~(uintptr_t)63;
  if (ctx->scratch == NULL) return portable(ctx, args, nargs);
  int64_t avail = (int64_t)ctx->scratch_size - (int64_t)(base - (uintptr_t)ctx->scratch);
  if (threads > avail / D.plane_bytes) threads = avail / D.plane_bytes;
  if (threads < 1) return portable(ctx, args, nargs);
  D.buf = (int8_t *)base;
  D.nbuf = threads;
  int64_t sizes[4];
  wq_sizes4(nchw, D.n, D.oh, D.ow, D.c * D.dm, sizes);
  wick_status s = wq_resize(ctx, out, 4, sizes);
  if (s) return s;
  wq_nhwc y = wq_view(out, nchw);
  D.y = out->data;
  D.ysn = y.sn, D.ysh = y.sh, D.ysw = y.sw, D.ysc = y.sc;
  (void)in;
  wick_parallel_for(ctx->pool, (size_t)D.nbuf, qc_dw_task, &D);
  return WICK_OK;
}

static size_t qdw_scratch(wick_value **args, uint32_t nargs, int nchw) {
  qc_dw D;
  const wick_tensor *in;
  wick_tensor *out;
  if (!qc_dw_args(args, nargs, nchw, &D, &in, &out)) return 0;
  int64_t t = wko_scratch_threads();
  if (t > D.n * D.c) t = D.n * D.c;
  return (size_t)(t * D.plane_bytes + 64);
}

WKO_KERNEL(wko_cm_quantized_depthwise_conv2d_out) { return qdw(ctx, args, nargs, 1); }
WKO_KERNEL(wko_cm_quantized_depthwise_conv2d_nhwc_out) { return qdw(ctx, args, nargs, 0); }
WKO_SCRATCH(wko_cm_quantized_depthwise_conv2d_scratch) { return qdw_scratch(args, nargs, 1); }
WKO_SCRATCH(wko_cm_quantized_depthwise_conv2d_nhwc_scratch) { return qdw_scratch(args, nargs, 0); }

/* ---- cortex_m::quantized_linear ------------------------------------------------- */

typedef struct qc_lin {
  const wick_tensor *in, *w, *bias;
  wick_tensor *out;
  int64_t io, oo, amin, amax, nout, k, rows;
  const int64_t *mults, *shifts;
  uint32_t nm;
} qc_lin;

/* "TTttiiiIIiiT": input, weights, bias?, kernel_sum?, input_offset,
 * filter_offset, output_offset, requantize_multipliers, requantize_shifts,
 * activation_max, activation_min, out. Only kernel_sum None, filter_offset 0. */
static bool qc_lin_args(wick_value **args, uint32_t nargs, qc_lin *l) {
  if (nargs != 12 || args[0]->kind != WICK_VAL_TENSOR || args[1]->kind != WICK_VAL_TENSOR ||
      args[11]->kind != WICK_VAL_TENSOR || args[3]->kind != WICK_VAL_NONE ||
      args[7]->kind != WICK_VAL_INT_LIST || args[8]->kind != WICK_VAL_INT_LIST)
    return false;
  for (int i = 4; i <= 10; i++)
    if (i != 7 && i != 8 && args[i]->kind != WICK_VAL_INT) return false;
  l->in = args[0]->u.t;
  l->w = args[1]->u.t;
  l->bias = wq_arg_opt_t(args[2]);
  l->out = args[11]->u.t;
  l->io = args[4]->u.i;
  l->oo = args[6]->u.i;
  l->amax = args[9]->u.i;
  l->amin = args[10]->u.i;
  if (args[5]->u.i != 0) return false;
  if (l->in->dtype != WICK_I8 || l->w->dtype != WICK_I8 || l->out->dtype != WICK_I8) return false;
  if (l->w->dim != 2 || l->in->dim < 1 || l->in->sizes[l->in->dim - 1] != l->w->sizes[1]) return false;
  if (!qc_act_ok(l->amin, l->amax)) return false;
  if (l->oo < INT32_MIN || l->oo > INT32_MAX || l->io < INT32_MIN || l->io > INT32_MAX) return false;
  l->nout = l->w->sizes[0];
  l->k = l->w->sizes[1];
  if (l->nout <= 0 || l->k <= 0) return false;
  if (l->bias && !qc_vec_i32(l->bias, l->nout)) return false;
  uint32_t ns;
  l->mults = wick_value_int_list(args[7], &l->nm);
  l->shifts = wick_value_int_list(args[8], &ns);
  if (l->nm == 0 || l->nm != ns || (l->nm != 1 && l->nm != (uint32_t)l->nout)) return false;
  for (uint32_t i = 0; i < l->nm; i++)
    if (l->mults[i] < INT32_MIN || l->mults[i] > INT32_MAX || l->shifts[i] < -31 || l->shifts[i] > 31)
      return false;
  if (!qc_is_contig(l->in)) return false;
  l->rows = (int64_t)(wk_numel(l->in) / (size_t)l->k);
  return l->rows > 0;
}

WKO_KERNEL(wko_cm_quantized_linear_out) {
  int path = wko_qconv_path();
  qc_lin l;
  if (path == WKO_QC_PORTABLE || !qc_lin_args(args, nargs, &l))
    return wick_op_cm_quantized_linear_out(ctx, args, nargs);
  qc_job J;
  qc_init_path(&J, path);
  J.P = l.rows;
  J.K = l.k;
  J.Kp = (J.K + 3) / 4 * 4;
  J.cout = l.nout;
  J.nb = (l.nout + J.lanes - 1) / J.lanes;
  if (J.K > (INT64_C(1) << 22) || !qc_carve(&J, ctx->scratch, ctx->scratch_size, 0, NULL))
    return wick_op_cm_quantized_linear_out(ctx, args, nargs);
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d + 1 < l.in->dim; d++) sizes[d] = l.in->sizes[d];
  sizes[l.in->dim - 1] = l.nout;
  wick_status s = wq_resize(ctx, l.out, l.in->dim, sizes);
  if (s) return s;
  if (!qc_is_contig(l.out)) return wick_op_cm_quantized_linear_out(ctx, args, nargs);
  J.oo = (int32_t)l.oo;
  J.amin = (int32_t)l.amin;
  J.amax = (int32_t)l.amax;
  /* rows as a 1-wide image: p = i, channels the features */
  J.ohw = l.rows, J.ow = 1;
  J.ysn = 0, J.ysh = l.nout, J.ysw = 0, J.ysc = 1;
  J.xh = l.rows, J.xw = 1, J.xsn = 0, J.xsh = l.k, J.xsw = 0, J.xsc = 1;
  J.kh = J.kw = 1, J.cin = l.k;
  J.st0 = J.st1 = J.dl0 = J.dl1 = 1;
  J.pd0 = J.pd1 = 0;
  J.padv = 0;
  for (int64_t o = 0; o < l.nout; o++) {
    uint32_t ci = l.nm == 1 ? 0 : (uint32_t)o;
    J.mult[o] = (int32_t)l.mults[ci];
    J.shift[o] = (int32_t)l.shifts[ci];
  }
  qc_wsrc ws = {l.w->data, l.w->strides[0], l.k, l.k, l.w->strides[1]};
  const int32_t *bd = l.bias ? l.bias->data : NULL;
  qc_pack(&J, &ws, bd, l.bias ? l.bias->strides[0] : 0, l.io);
  J.x = l.in->data;
  J.y = l.out->data;
  qc_run(&J, ctx->pool);
  return WICK_OK;
}

WKO_SCRATCH(wko_cm_quantized_linear_scratch) {
  qc_lin l;
  if (!qc_lin_args(args, nargs, &l)) return 0;
  return qc_need(l.rows, l.k, l.nout, 0);
}
