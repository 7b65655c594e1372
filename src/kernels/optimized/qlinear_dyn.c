/* wick::linear_dq8.out on x86: int8 weights (VNNI-blocked, linear_dq8.h),
 * float32 rows quantized to uint8 at run time, int32 dot products.
 *
 *   AVX512-VNNI  tiles of up to 4 rows x 64 outputs: 16 zmm accumulators;
 *                per group of 4 k: 4 weight loads (64 bytes = 16 outputs x
 *                4 k each), one 4-byte broadcast of each row's u8 values and
 *                one vpdpbusd (u8 x s8 -> s32) per row and block
 *   AVX-VNNI     the same on ymm, 4 rows x 16 outputs
 *   AVX2         no VNNI: weights sign-extended to int16 (vpmovsxbw) and
 *                multiplied with the row's values as int16 by vpmaddwd,
 *                pairs summed at the end (exact: no vpmaddubsw saturation)
 *
 * u8 x s8 needs no offset trick here: the row is quantized asymmetrically to
 * [0, 255] with zero point z (docs/OPS.md), so sum (u - z) * w = sum u * w -
 * z * weight_sum[n], with weight_sum precomputed by the converter.
 *
 * Bit-exactness with the portable kernel: the row's min / max are exact in
 * any order, the quantization uses the same float multiply and
 * round-to-nearest-even conversion (cvtps2dq under the default MXCSR), the
 * int32 sums are exact (no overflow for K <= 65536), and the epilogue does
 * the same float32 operations in the same order (wq_dq8_epilogue: convert,
 * multiply by scale * weight_scale, add bias; no FMA).
 *
 * Rows go in tiles of 4, quantized into a stack buffer (K <= 4096) or the
 * method's scratch memory, then every output block is swept, split over the
 * thread pool by groups of 64 outputs. The weights are read once per tile:
 * once per call for the decoder's 1-4 rows.
 */
#include <string.h>

#include "kernels/optimized/opt.h"
#include "kernels/optimized/qlinear_dyn.h"
#include "kernels/portable/ops_quant.h"
#include "kernels/quantized/linear_dq8.h"

#define MT 4 /* rows per tile */
#define STACK_BYTES 16384
#define GROUP_BLOCKS 4 /* blocks of 16 outputs per parallel work item */

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define DQ8_X86 1
#include <immintrin.h>
#if defined(__clang__) ? (__clang_major__ >= 12) : (__GNUC__ >= 11)
#define DQ8_AVXVNNI 1
#endif
#endif

static int g_force = -1;

#ifdef DQ8_AVXVNNI
#include <cpuid.h>
/* AVX-VNNI: CPUID.(EAX=7,ECX=1):EAX bit 4 (clang 14's __builtin_cpu_supports
 * does not know the name; the ymm state check comes with "avx2"). */
static int has_avxvnni(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
  return (a >> 4) & 1;
}
#endif

void wko_linear_dq8_force_path(int p) { g_force = p; }

int wko_linear_dq8_path_supported(int p) {
  if (p == WKO_DQ8_PORTABLE) return 1;
#ifdef DQ8_X86
  __builtin_cpu_init();
  if (p == WKO_DQ8_AVX2) return __builtin_cpu_supports("avx2") != 0;
#ifdef DQ8_AVXVNNI
  if (p == WKO_DQ8_AVXVNNI)
    return __builtin_cpu_supports("avx2") && has_avxvnni();
#endif
  if (p == WKO_DQ8_AVX512)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni");
#endif
  return 0;
}

int wko_linear_dq8_path(void) {
  if (g_force >= 0) return wko_linear_dq8_path_supported(g_force) ? g_force : WKO_DQ8_PORTABLE;
  int isa = wko_get_isa();
  if (isa >= WKO_ISA_AVX512 && wko_linear_dq8_path_supported(WKO_DQ8_AVX512)) return WKO_DQ8_AVX512;
  if (isa >= WKO_ISA_AVX2) {
    if (wko_linear_dq8_path_supported(WKO_DQ8_AVXVNNI)) return WKO_DQ8_AVXVNNI;
    if (wko_linear_dq8_path_supported(WKO_DQ8_AVX2)) return WKO_DQ8_AVX2;
  }
  return WKO_DQ8_PORTABLE;
}

/* One row tile being swept over the outputs. */
typedef struct dq8_job {
  const wq_dq8 *a;
  const uint8_t *u;      /* mr rows of kp bytes (zero-padded past k)        */
  int64_t kp;
  const wq_dq8_row *rp;  /* mr                                              */
  int mr;
  int64_t r0;            /* first row of the tile                           */
  int path;
} dq8_job;

#ifdef DQ8_X86

/* Block-wise scalar epilogue (partial blocks of the AVX2 paths). */
static void epilogue_scalar(const dq8_job *J, int r, int64_t nb, const int32_t *acc) {
  const wq_dq8 *a = J->a;
  float *y = a->y + (J->r0 + r) * a->n;
  int64_t n0 = nb * WQ_DQ8_NB, jn = a->n - n0 < WQ_DQ8_NB ? a->n - n0 : WQ_DQ8_NB;
  for (int64_t j = 0; j < jn; j++) {
    int64_t o = n0 + j;
    y[o] = J->rp[r].bad ? NAN
                        : wq_dq8_epilogue(acc[j], &J->rp[r], a->wsum[o], a->wscale[o],
                                          a->bias ? &a->bias[o] : NULL);
  }
}

/* ---- AVX-512 ------------------------------------------------------------------------- */

#define DQ8_512 __attribute__((target("avx512f,avx512vnni")))
#define DQ8_INLINE static inline __attribute__((always_inline))

DQ8_512 static wq_dq8_row scan512(const float *x, int64_t k) {
  __m512 vmn = _mm512_setzero_ps(), vmx = _mm512_setzero_ps();
  __mmask16 bad = 0;
  int64_t i = 0;
  for (; i + 16 <= k; i += 16) {
    __m512 v = _mm512_loadu_ps(x + i), d = _mm512_sub_ps(v, v);
    bad |= _mm512_cmp_ps_mask(d, d, _CMP_UNORD_Q);
    vmn = _mm512_min_ps(v, vmn); /* NaN in v: keeps vmn */
    vmx = _mm512_max_ps(v, vmx);
  }
  if (i < k) { /* masked-off lanes load 0, which the range contains anyway */
    __mmask16 m = (__mmask16)((1u << (k - i)) - 1u);
    __m512 v = _mm512_maskz_loadu_ps(m, x + i), d = _mm512_sub_ps(v, v);
    bad |= _mm512_cmp_ps_mask(d, d, _CMP_UNORD_Q);
    vmn = _mm512_min_ps(v, vmn);
    vmx = _mm512_max_ps(v, vmx);
  }
  return wq_dq8_row_params(_mm512_reduce_min_ps(vmn), _mm512_reduce_max_ps(vmx), bad != 0);
}

DQ8_512 static void quant512(const float *x, int64_t k, int64_t kp, const wq_dq8_row *r,
                             uint8_t *u) {
  if (r->bad) {
    memset(u, 0, (size_t)kp);
    return;
  }
  const __m512 inv = _mm512_set1_ps(r->inv);
  const __m512i zp = _mm512_set1_epi32(r->zp), lo = _mm512_setzero_si512(),
                hi = _mm512_set1_epi32(255);
  int64_t i = 0;
  for (; i + 16 <= k; i += 16) {
    __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + i), inv));
    q = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(q, zp), lo), hi);
    _mm_storeu_si128((__m128i *)(void *)(u + i), _mm512_cvtepi32_epi8(q));
  }
  if (i < k) {
    __mmask16 m = (__mmask16)((1u << (k - i)) - 1u);
    __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), inv));
    q = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(q, zp), lo), hi);
    _mm512_mask_cvtepi32_storeu_epi8(u + i, m, q);
  }
  for (i = k; i < kp; i++) u[i] = 0;
}

/* acc += u8 x s8 dot products of 4 (vpdpbusd). GCC 12 wraps the intrinsic
 * in two register copies per call inside the tile loop (the accumulator is
 * not tied to the output); the asm keeps each accumulator in place: ~1.6x
 * faster tiles when the weights are in cache. */
DQ8_512 DQ8_INLINE __m512i dpbusd512(__m512i acc, __m512i u, __m512i w) {
#if defined(__GNUC__) && !defined(__clang__)
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u), "vm"(w));
  return acc;
#else
  return _mm512_dpbusd_epi32(acc, u, w);
#endif
}

/* mr rows x nbk blocks of 16 outputs starting at block nb. */
DQ8_512 DQ8_INLINE void tile512(const dq8_job *J, const int mr, const int nbk, int64_t nb) {
  const wq_dq8 *a = J->a;
  const int64_t kq = a->kq, bstride = a->kq * 64;
  const int8_t *w = a->w + nb * bstride;
  __m512i acc[MT][GROUP_BLOCKS];
  for (int r = 0; r < mr; r++)
    for (int j = 0; j < nbk; j++) acc[r][j] = _mm512_setzero_si512();
  for (int64_t q = 0; q < kq; q++) {
    __m512i wv[GROUP_BLOCKS];
    for (int j = 0; j < nbk; j++) wv[j] = _mm512_loadu_si512((const void *)(w + j * bstride + q * 64));
    for (int r = 0; r < mr; r++) {
      int32_t xq;
      memcpy(&xq, J->u + r * J->kp + q * 4, 4);
      const __m512i xb = _mm512_set1_epi32(xq);
      for (int j = 0; j < nbk; j++) acc[r][j] = dpbusd512(acc[r][j], xb, wv[j]);
    }
  }
  for (int r = 0; r < mr; r++) {
    const wq_dq8_row *rp = &J->rp[r];
    float *y = a->y + (J->r0 + r) * a->n;
    const __m512i zp = _mm512_set1_epi32(rp->zp);
    const __m512 sc = _mm512_set1_ps(rp->scale);
    for (int j = 0; j < nbk; j++) {
      int64_t n0 = (nb + j) * WQ_DQ8_NB, jn = a->n - n0 < WQ_DQ8_NB ? a->n - n0 : WQ_DQ8_NB;
      __mmask16 m = (__mmask16)((1u << jn) - 1u);
      __m512 out;
      if (rp->bad) {
        out = _mm512_set1_ps(NAN);
      } else {
        __m512i v = _mm512_sub_epi32(acc[r][j],
                                     _mm512_mullo_epi32(zp, _mm512_maskz_loadu_epi32(m, a->wsum + n0)));
        __m512 cs = _mm512_mul_ps(sc, _mm512_maskz_loadu_ps(m, a->wscale + n0));
        out = _mm512_mul_ps(_mm512_cvtepi32_ps(v), cs);
        if (a->bias) out = _mm512_add_ps(out, _mm512_maskz_loadu_ps(m, a->bias + n0));
      }
      _mm512_mask_storeu_ps(y + n0, m, out);
    }
  }
}

DQ8_512 static void group512(const dq8_job *J, int64_t nb, int nbk) {
#define T512(M)                              \
  switch (nbk) {                             \
    case 1: tile512(J, M, 1, nb); break;     \
    case 2: tile512(J, M, 2, nb); break;     \
    case 3: tile512(J, M, 3, nb); break;     \
    default: tile512(J, M, 4, nb); break;    \
  }
  switch (J->mr) {
    case 1: T512(1) break;
    case 2: T512(2) break;
    case 3: T512(3) break;
    default: T512(4) break;
  }
#undef T512
}

/* ---- AVX2 (shared by the AVX-VNNI and vpmaddwd paths) ---------------------------------- */

#define DQ8_256 __attribute__((target("avx2")))

DQ8_256 static wq_dq8_row scan256(const float *x, int64_t k) {
  __m256 vmn = _mm256_setzero_ps(), vmx = _mm256_setzero_ps();
  int bad = 0;
  int64_t i = 0;
  for (; i + 8 <= k; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i), d = _mm256_sub_ps(v, v);
    bad |= _mm256_movemask_ps(_mm256_cmp_ps(d, d, _CMP_UNORD_Q));
    vmn = _mm256_min_ps(v, vmn);
    vmx = _mm256_max_ps(v, vmx);
  }
  float l[8], h[8];
  _mm256_storeu_ps(l, vmn);
  _mm256_storeu_ps(h, vmx);
  float mn = 0.0f, mx = 0.0f;
  for (int j = 0; j < 8; j++) {
    if (l[j] < mn) mn = l[j];
    if (h[j] > mx) mx = h[j];
  }
  for (; i < k; i++) {
    float v = x[i];
    if (!(v - v == 0.0f)) bad = 1;
    else if (v < mn) mn = v;
    else if (v > mx) mx = v;
  }
  return wq_dq8_row_params(mn, mx, bad != 0);
}

DQ8_256 static void quant256(const float *x, int64_t k, int64_t kp, const wq_dq8_row *r,
                             uint8_t *u) {
  if (r->bad) {
    memset(u, 0, (size_t)kp);
    return;
  }
  const __m256 inv = _mm256_set1_ps(r->inv);
  const __m256i zp = _mm256_set1_epi32(r->zp), lo = _mm256_setzero_si256(),
                hi = _mm256_set1_epi32(255);
  int64_t i = 0;
  for (; i + 8 <= k; i += 8) {
    __m256i q = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
    q = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(q, zp), lo), hi);
    __m128i p16 = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    _mm_storel_epi64((__m128i *)(void *)(u + i), _mm_packus_epi16(p16, p16));
  }
  for (; i < k; i++) u[i] = wq_dq8_quant(x[i], r);
  for (i = k; i < kp; i++) u[i] = 0;
}

/* Epilogue of 16 outputs of block nb (a full block) from two 8-lane sums. */
DQ8_256 static void epilogue256(const dq8_job *J, int r, int64_t nb, __m256i a0, __m256i a1) {
  const wq_dq8 *a = J->a;
  int64_t n0 = nb * WQ_DQ8_NB;
  if (J->rp[r].bad || a->n - n0 < WQ_DQ8_NB) {
    int32_t acc[16];
    _mm256_storeu_si256((__m256i *)(void *)acc, a0);
    _mm256_storeu_si256((__m256i *)(void *)(acc + 8), a1);
    epilogue_scalar(J, r, nb, acc);
    return;
  }
  const wq_dq8_row *rp = &J->rp[r];
  float *y = a->y + (J->r0 + r) * a->n + n0;
  const __m256i zp = _mm256_set1_epi32(rp->zp);
  const __m256 sc = _mm256_set1_ps(rp->scale);
  for (int h = 0; h < 2; h++) {
    __m256i acc = h ? a1 : a0;
    __m256i v = _mm256_sub_epi32(
        acc, _mm256_mullo_epi32(zp, _mm256_loadu_si256((const __m256i *)(const void *)(a->wsum + n0 + 8 * h))));
    __m256 cs = _mm256_mul_ps(sc, _mm256_loadu_ps(a->wscale + n0 + 8 * h));
    __m256 out = _mm256_mul_ps(_mm256_cvtepi32_ps(v), cs);
    if (a->bias) out = _mm256_add_ps(out, _mm256_loadu_ps(a->bias + n0 + 8 * h));
    _mm256_storeu_ps(y + 8 * h, out);
  }
}

/* vpmaddwd: up to 2 rows x one block of 16 outputs. */
DQ8_256 DQ8_INLINE void tile_madd(const dq8_job *J, const int mr, int r0, int64_t nb) {
  const wq_dq8 *a = J->a;
  const int8_t *w = a->w + nb * a->kq * 64;
  __m256i acc[2][4];
  for (int r = 0; r < mr; r++)
    for (int c = 0; c < 4; c++) acc[r][c] = _mm256_setzero_si256();
  for (int64_t q = 0; q < a->kq; q++) {
    const int8_t *g = w + q * 64;
    __m256i wv[4];
    for (int c = 0; c < 4; c++)
      wv[c] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(g + 16 * c)));
    for (int r = 0; r < mr; r++) {
      int32_t xq;
      memcpy(&xq, J->u + (r0 + r) * J->kp + q * 4, 4);
      const __m256i xw = _mm256_broadcastq_epi64(_mm_cvtepu8_epi16(_mm_cvtsi32_si128(xq)));
      for (int c = 0; c < 4; c++) acc[r][c] = _mm256_add_epi32(acc[r][c], _mm256_madd_epi16(wv[c], xw));
    }
  }
  for (int r = 0; r < mr; r++) {
    /* acc[c] lanes: (o, k0k1), (o, k2k3) for outputs 4c..4c+3; hadd + permute
     * gives outputs in order */
    __m256i lo = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[r][0], acc[r][1]), 0xD8);
    __m256i hi = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[r][2], acc[r][3]), 0xD8);
    epilogue256(J, r0 + r, nb, lo, hi);
  }
}

DQ8_256 static void group_madd(const dq8_job *J, int64_t nb, int nbk) {
  for (int j = 0; j < nbk; j++)
    for (int r = 0; r < J->mr; r += 2) {
      if (J->mr - r >= 2) tile_madd(J, 2, r, nb + j);
      else tile_madd(J, 1, r, nb + j);
    }
}

#ifdef DQ8_AVXVNNI
#define DQ8_VNNI256 __attribute__((target("avx2,avxvnni")))

/* AVX-VNNI: mr rows x one block of 16 outputs (two ymm per row). */
DQ8_VNNI256 DQ8_INLINE void tile_vnni256(const dq8_job *J, const int mr, int64_t nb) {
  const wq_dq8 *a = J->a;
  const int8_t *w = a->w + nb * a->kq * 64;
  __m256i acc[MT][2];
  for (int r = 0; r < mr; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (int64_t q = 0; q < a->kq; q++) {
    const __m256i w0 = _mm256_loadu_si256((const __m256i *)(const void *)(w + q * 64));
    const __m256i w1 = _mm256_loadu_si256((const __m256i *)(const void *)(w + q * 64 + 32));
    for (int r = 0; r < mr; r++) {
      int32_t xq;
      memcpy(&xq, J->u + r * J->kp + q * 4, 4);
      const __m256i xb = _mm256_set1_epi32(xq);
      acc[r][0] = _mm256_dpbusd_avx_epi32(acc[r][0], xb, w0);
      acc[r][1] = _mm256_dpbusd_avx_epi32(acc[r][1], xb, w1);
    }
  }
  for (int r = 0; r < mr; r++) epilogue256(J, r, nb, acc[r][0], acc[r][1]);
}

DQ8_VNNI256 static void group_vnni256(const dq8_job *J, int64_t nb, int nbk) {
  for (int j = 0; j < nbk; j++) switch (J->mr) {
      case 1: tile_vnni256(J, 1, nb + j); break;
      case 2: tile_vnni256(J, 2, nb + j); break;
      case 3: tile_vnni256(J, 3, nb + j); break;
      default: tile_vnni256(J, 4, nb + j); break;
    }
}
#endif /* DQ8_AVXVNNI */

static void run_groups(void *ctx, size_t g0, size_t g1) {
  const dq8_job *J = ctx;
  for (size_t g = g0; g < g1; g++) {
    int64_t nb = (int64_t)g * GROUP_BLOCKS;
    int nbk = (int)(J->a->nblk - nb < GROUP_BLOCKS ? J->a->nblk - nb : GROUP_BLOCKS);
    if (J->path == WKO_DQ8_AVX512) group512(J, nb, nbk);
#ifdef DQ8_AVXVNNI
    else if (J->path == WKO_DQ8_AVXVNNI) group_vnni256(J, nb, nbk);
#endif
    else group_madd(J, nb, nbk);
  }
}
#endif /* DQ8_X86 */

static int64_t padded_k(int64_t k) { return (k + WQ_DQ8_KB - 1) / WQ_DQ8_KB * WQ_DQ8_KB; }

size_t wko_linear_dq8_scratch(wick_value **args, uint32_t nargs) {
  if (nargs != 6 || args[0]->kind != WICK_VAL_TENSOR || args[0]->u.t->dim < 1) return 0;
  size_t need = (size_t)(MT * padded_k(args[0]->u.t->sizes[args[0]->u.t->dim - 1]));
  return need > STACK_BYTES ? need : 0;
}

wick_status wko_linear_dq8_out(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs) {
  wq_dq8 a;
  wick_status s = wq_dq8_prepare(ctx, args, nargs, &a);
  if (s) return s;
  int path = wko_linear_dq8_path();
  int64_t kp = padded_k(a.k);
  size_t need = (size_t)(MT * kp);
  _Alignas(64) uint8_t stack[STACK_BYTES];
  uint8_t *buf = need <= STACK_BYTES ? stack
                 : ctx->scratch != NULL && ctx->scratch_size >= need ? ctx->scratch
                                                                     : NULL;
  if (path == WKO_DQ8_PORTABLE || buf == NULL) {
    wq_dq8_run_portable(&a, 0, a.rows);
    return WICK_OK;
  }
#ifdef DQ8_X86
  wq_dq8_row rp[MT];
  dq8_job J = {&a, buf, kp, rp, 0, 0, path};
  size_t ngroups = (size_t)((a.nblk + GROUP_BLOCKS - 1) / GROUP_BLOCKS);
  for (int64_t r0 = 0; r0 < a.rows; r0 += MT) {
    int mr = (int)(a.rows - r0 < MT ? a.rows - r0 : MT);
    for (int r = 0; r < mr; r++) {
      const float *x = a.x + (r0 + r) * a.k;
      if (path == WKO_DQ8_AVX512) {
        rp[r] = scan512(x, a.k);
        quant512(x, a.k, kp, &rp[r], buf + r * kp);
      } else {
        rp[r] = scan256(x, a.k);
        quant256(x, a.k, kp, &rp[r], buf + r * kp);
      }
    }
    J.mr = mr;
    J.r0 = r0;
    wick_parallel_for(ctx->pool, ngroups, run_groups, &J);
  }
#else
  wq_dq8_run_portable(&a, 0, a.rows);
#endif
  return WICK_OK;
}
