/* cortex_m::quantized_add.out, cortex_m::quantized_max_pool2d.out,
 * cortex_m::quantize_per_tensor.out (and quantized_decomposed::'s, the same
 * kernel) and cortex_m::dequantize_per_tensor.out on x86, byte-identical to
 * the portable kernels:
 *
 *   add       three CMSIS-NN requantizations per element (wq_requantize:
 *             shift left with wrap, doubling high multiply rounding half up,
 *             rounding right shift ties away from zero), vectorized with the
 *             same per-lane construction as qconv.c (64-bit even / odd
 *             products, bits 31..62 of each sum); 16 (AVX-512) / 8 (AVX2)
 *             int32 lanes. Same shape and same strides for self, other and
 *             out (any one dim order: tensors are dense), no broadcasting.
 *   max pool  NCHW memory (unit width stride in and out): per output row,
 *             a vertical byte max of the window's valid input rows into a row
 *             padded with -128 (the identity of max over int8, and CMSIS's
 *             start value for a window entirely in padding), then the
 *             horizontal max for width stride 1 (shifted loads) or 2 (even /
 *             odd deinterleave first); other strides scalar on the same row.
 *   quantize  float32 -> int8: inv * x in float, clamp to [qmin - zp,
 *             qmax - zp] in float (max_ps returns its second operand for a
 *             NaN, so NaN -> qmin as nearbyintf's NaN does in the reference),
 *             round to nearest by MXCSR (nearbyintf's mode), + zp.
 *   dequant   int8 -> float32: float(q - zp) * float(scale).
 *
 * Anything unusual (broadcasting, other dtypes, zero points or scales out
 * of the exactly-representable range, rows wider than QE_MAXW, a bad
 * argument) runs the portable kernel, which also produces every error
 * message. Work splits over the thread pool by element chunks / planes.
 * Nothing is allocated. */
#include <math.h>
#include <string.h>

#include "kernels/optimized/opt.h"
#include "kernels/optimized/qelem.h"
#include "kernels/portable/ops_quant.h"
#include "kernels/quantized/qmath.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define QE_X86 1
#include <immintrin.h>
#endif

#define QE_CHUNK 16384 /* elements per parallel work item (a multiple of 64) */
#define QE_MAXW 2048   /* widest padded pooling row on the fast path          */

static int g_force = -1;

void wko_qelem_force_path(int p) { g_force = p; }

int wko_qelem_path_supported(int p) {
  if (p == WKO_QE_PORTABLE) return 1;
#ifdef QE_X86
  __builtin_cpu_init();
  if (p == WKO_QE_AVX2) return __builtin_cpu_supports("avx2") != 0;
  if (p == WKO_QE_AVX512) return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#endif
  return 0;
}

int wko_qelem_path(void) {
  if (g_force >= 0) return wko_qelem_path_supported(g_force) ? g_force : WKO_QE_PORTABLE;
  int isa = wko_get_isa();
  if (isa >= WKO_ISA_AVX512 && wko_qelem_path_supported(WKO_QE_AVX512)) return WKO_QE_AVX512;
  if (isa >= WKO_ISA_AVX2 && wko_qelem_path_supported(WKO_QE_AVX2)) return WKO_QE_AVX2;
  return WKO_QE_PORTABLE;
}

/* ---- shared checks ------------------------------------------------------------------ */

/* a and b have one shape and, where a dim has more than one element, one
 * stride: then element i of memory is the same logical element in both
 * (strides come from a dim order, so every tensor is dense). */
static bool qe_same_layout(const wick_tensor *a, const wick_tensor *b) {
  if (a->dim != b->dim) return false;
  for (int d = 0; d < a->dim; d++)
    if (a->sizes[d] != b->sizes[d] || (a->sizes[d] != 1 && a->strides[d] != b->strides[d])) return false;
  return true;
}

static bool qe_in(int64_t v, int64_t lo, int64_t hi) { return v >= lo && v <= hi; }

/* out resized to t's shape. */
static wick_status qe_resize_like(wick_kernel_ctx *ctx, wick_tensor *out, const wick_tensor *t) {
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d < t->dim; d++) sizes[d] = t->sizes[d];
  return wq_resize(ctx, out, t->dim, sizes);
}

static size_t qe_chunks(int64_t n) { return (size_t)((n + QE_CHUNK - 1) / QE_CHUNK); }

/* ---- requantization: one (multiplier, shift) for all lanes ---------------------------- */

typedef struct qe_rq {
  int32_t m, left, right, mask, half;
} qe_rq;

static qe_rq qe_rq_make(int32_t m, int32_t shift) {
  qe_rq r;
  r.m = m;
  r.left = shift > 0 ? shift : 0;
  r.right = shift > 0 ? 0 : -shift;
  r.mask = (int32_t)((UINT32_C(1) << r.right) - 1u);
  r.half = r.mask >> 1;
  return r;
}

#ifdef QE_X86
#define QE_INLINE static inline __attribute__((always_inline))
#define QE512 __attribute__((target("avx512f,avx512bw")))
#define QE256 __attribute__((target("avx2")))

typedef struct qe_rq512 {
  __m512i m, left, right, mask, half;
} qe_rq512;
typedef struct qe_rq256 {
  __m256i m, left, right, mask, half;
} qe_rq256;

QE512 QE_INLINE qe_rq512 qe_rq_512(const qe_rq *r) {
  qe_rq512 v = {_mm512_set1_epi32(r->m), _mm512_set1_epi32(r->left), _mm512_set1_epi32(r->right),
                _mm512_set1_epi32(r->mask), _mm512_set1_epi32(r->half)};
  return v;
}
QE256 QE_INLINE qe_rq256 qe_rq_256(const qe_rq *r) {
  qe_rq256 v = {_mm256_set1_epi32(r->m), _mm256_set1_epi32(r->left), _mm256_set1_epi32(r->right),
                _mm256_set1_epi32(r->mask), _mm256_set1_epi32(r->half)};
  return v;
}

/* wq_requantize per lane (the multiplier is the same in every lane, so the
 * odd lanes' products use it unshifted). */
QE512 QE_INLINE __m512i qe_requant512(__m512i v, const qe_rq512 *r) {
  const __m512i one = _mm512_set1_epi32(1), rnd = _mm512_set1_epi64(INT64_C(1) << 30);
  v = _mm512_sllv_epi32(v, r->left);
  __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(v, r->m), rnd);
  __m512i po = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(v, 32), r->m), rnd);
  __m512i x = _mm512_mask_blend_epi32((__mmask16)0xAAAA, _mm512_srli_epi64(pe, 31), _mm512_slli_epi64(po, 1));
  __m512i rem = _mm512_and_si512(x, r->mask);
  __m512i q = _mm512_srav_epi32(x, r->right);
  __m512i thr = _mm512_add_epi32(r->half, _mm512_srli_epi32(q, 31));
  return _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(rem, thr), q, one);
}

QE256 QE_INLINE __m256i qe_requant256(__m256i v, const qe_rq256 *r) {
  const __m256i rnd = _mm256_set1_epi64x(INT64_C(1) << 30);
  v = _mm256_sllv_epi32(v, r->left);
  __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(v, r->m), rnd);
  __m256i po = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(v, 32), r->m), rnd);
  __m256i x = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
  __m256i rem = _mm256_and_si256(x, r->mask);
  __m256i q = _mm256_srav_epi32(x, r->right);
  __m256i thr = _mm256_add_epi32(r->half, _mm256_srli_epi32(q, 31));
  return _mm256_sub_epi32(q, _mm256_cmpgt_epi32(rem, thr));
}

/* 16 int32 lanes, each in int8 range, to 16 bytes (lane order kept). */
QE256 QE_INLINE __m128i qe_pack16_256(__m256i lo, __m256i hi) {
  __m256i p = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xD8);
  return _mm_packs_epi16(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
}
#endif

/* ---- cortex_m::quantized_add ----------------------------------------------------------- */

#define QE_ADD_LEFT_SHIFT 20 /* as op_cortex_m_elementwise.c (ExecuTorch's choice) */

typedef struct qe_add {
  int path;
  const int8_t *x, *y;
  int8_t *o;
  int64_t n;
  int32_t zp1, zp2, zpo, amin, amax, sh1, sh2, sho;
  qe_rq r1, r2, ro;
} qe_add;

static inline int8_t qe_add_one(const qe_add *A, int32_t a, int32_t b) {
  int32_t u = wq_requantize(wq_shl32(a - A->zp1, QE_ADD_LEFT_SHIFT), A->r1.m, A->sh1);
  int32_t v = wq_requantize(wq_shl32(b - A->zp2, QE_ADD_LEFT_SHIFT), A->r2.m, A->sh2);
  int32_t r = wq_add32(wq_requantize(wq_add32(u, v), A->ro.m, A->sho), A->zpo);
  return (int8_t)wq_clamp(r, A->amin, A->amax);
}

#ifdef QE_X86
QE512 static void qe_add512(const qe_add *A, int64_t a, int64_t b) {
  const qe_rq512 r1 = qe_rq_512(&A->r1), r2 = qe_rq_512(&A->r2), ro = qe_rq_512(&A->ro);
  const __m512i zp1 = _mm512_set1_epi32(A->zp1), zp2 = _mm512_set1_epi32(A->zp2),
                zpo = _mm512_set1_epi32(A->zpo), lo = _mm512_set1_epi32(A->amin),
                hi = _mm512_set1_epi32(A->amax);
  int64_t i = a;
  for (; i + 16 <= b; i += 16) {
    __m512i xa = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)(A->x + i)));
    __m512i xb = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)(A->y + i)));
    __m512i u = qe_requant512(_mm512_slli_epi32(_mm512_sub_epi32(xa, zp1), QE_ADD_LEFT_SHIFT), &r1);
    __m512i v = qe_requant512(_mm512_slli_epi32(_mm512_sub_epi32(xb, zp2), QE_ADD_LEFT_SHIFT), &r2);
    __m512i s = _mm512_add_epi32(qe_requant512(_mm512_add_epi32(u, v), &ro), zpo);
    s = _mm512_min_epi32(_mm512_max_epi32(s, lo), hi);
    _mm_storeu_si128((__m128i *)(void *)(A->o + i), _mm512_cvtepi32_epi8(s));
  }
  for (; i < b; i++) A->o[i] = qe_add_one(A, A->x[i], A->y[i]);
}

QE256 static void qe_add256(const qe_add *A, int64_t a, int64_t b) {
  const qe_rq256 r1 = qe_rq_256(&A->r1), r2 = qe_rq_256(&A->r2), ro = qe_rq_256(&A->ro);
  const __m256i zp1 = _mm256_set1_epi32(A->zp1), zp2 = _mm256_set1_epi32(A->zp2),
                zpo = _mm256_set1_epi32(A->zpo), lo = _mm256_set1_epi32(A->amin),
                hi = _mm256_set1_epi32(A->amax);
  int64_t i = a;
  for (; i + 16 <= b; i += 16) {
    __m256i s[2];
    for (int h = 0; h < 2; h++) {
      __m256i xa = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)(A->x + i + 8 * h)));
      __m256i xb = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)(A->y + i + 8 * h)));
      __m256i u = qe_requant256(_mm256_slli_epi32(_mm256_sub_epi32(xa, zp1), QE_ADD_LEFT_SHIFT), &r1);
      __m256i v = qe_requant256(_mm256_slli_epi32(_mm256_sub_epi32(xb, zp2), QE_ADD_LEFT_SHIFT), &r2);
      __m256i t = _mm256_add_epi32(qe_requant256(_mm256_add_epi32(u, v), &ro), zpo);
      s[h] = _mm256_min_epi32(_mm256_max_epi32(t, lo), hi);
    }
    _mm_storeu_si128((__m128i *)(void *)(A->o + i), qe_pack16_256(s[0], s[1]));
  }
  for (; i < b; i++) A->o[i] = qe_add_one(A, A->x[i], A->y[i]);
}
#endif

static void qe_add_task(void *ctx, size_t c0, size_t c1) {
  const qe_add *A = ctx;
  int64_t a = (int64_t)c0 * QE_CHUNK, b = (int64_t)c1 * QE_CHUNK;
  if (b > A->n) b = A->n;
#ifdef QE_X86
  if (A->path == WKO_QE_AVX512) {
    qe_add512(A, a, b);
    return;
  }
  if (A->path == WKO_QE_AVX2) {
    qe_add256(A, a, b);
    return;
  }
#endif
  for (int64_t i = a; i < b; i++) A->o[i] = qe_add_one(A, A->x[i], A->y[i]);
}

/* "TiiiTiiiiiiiiT" */
WKO_KERNEL(wko_cm_quantized_add_out) {
  int path = wko_qelem_path();
  if (path == WKO_QE_PORTABLE || nargs != 14) return wick_op_cm_quantized_add_out(ctx, args, nargs);
  for (uint32_t i = 0; i < 14; i++) {
    bool tensor = i == 0 || i == 4 || i == 13;
    if (args[i]->kind != (tensor ? WICK_VAL_TENSOR : WICK_VAL_INT)) return wick_op_cm_quantized_add_out(ctx, args, nargs);
  }
  const wick_tensor *a = args[0]->u.t, *b = args[4]->u.t;
  wick_tensor *out = args[13]->u.t;
  int64_t zp1 = args[1]->u.i, m1 = args[2]->u.i, s1 = args[3]->u.i;
  int64_t zp2 = args[5]->u.i, m2 = args[6]->u.i, s2 = args[7]->u.i;
  int64_t zpo = args[8]->u.i, mo = args[9]->u.i, so = args[10]->u.i;
  int64_t amin = args[11]->u.i, amax = args[12]->u.i;
  if (!qe_in(zp1, -128, 127) || !qe_in(zp2, -128, 127) || !qe_in(zpo, -128, 127) ||
      !qe_in(m1, INT32_MIN, INT32_MAX) || !qe_in(m2, INT32_MIN, INT32_MAX) || !qe_in(mo, INT32_MIN, INT32_MAX) ||
      !qe_in(s1, -31, 31) || !qe_in(s2, -31, 31) || !qe_in(so, -31, 31) || !qe_in(amin, -128, 127) ||
      !qe_in(amax, amin, 127) || a->dtype != WICK_I8 || b->dtype != WICK_I8 || out->dtype != WICK_I8 ||
      !qe_same_layout(a, b))
    return wick_op_cm_quantized_add_out(ctx, args, nargs);
  wick_status s = qe_resize_like(ctx, out, a);
  if (s) return s;
  if (!qe_same_layout(a, out)) return wick_op_cm_quantized_add_out(ctx, args, nargs);
  qe_add A;
  A.path = path;
  A.x = a->data, A.y = b->data, A.o = out->data;
  A.n = (int64_t)wk_numel(out);
  A.zp1 = (int32_t)zp1, A.zp2 = (int32_t)zp2, A.zpo = (int32_t)zpo;
  A.amin = (int32_t)amin, A.amax = (int32_t)amax;
  A.sh1 = (int32_t)s1, A.sh2 = (int32_t)s2, A.sho = (int32_t)so;
  A.r1 = qe_rq_make((int32_t)m1, (int32_t)s1);
  A.r2 = qe_rq_make((int32_t)m2, (int32_t)s2);
  A.ro = qe_rq_make((int32_t)mo, (int32_t)so);
  if (A.n > 0) wick_parallel_for(ctx->pool, qe_chunks(A.n), qe_add_task, &A);
  return WICK_OK;
}

/* ---- quantize / dequantize per tensor ----------------------------------------------- */

typedef struct qe_qd {
  int path;
  const void *x;
  void *o;
  int64_t n;
  float f;     /* quantize: 1 / scale; dequantize: scale */
  float lo, hi; /* quantize: qmin - zp, qmax - zp        */
  int32_t zp;
} qe_qd;

/* op_quantize.c's quantize_one for float32 input (|zp| small, bounds int8). */
static inline int8_t qe_q_one(const qe_qd *Q, float x) {
  float r = nearbyintf(Q->f * x);
  if (isnan(r)) return (int8_t)(Q->lo + (float)Q->zp);
  float c = r < Q->lo ? Q->lo : (r > Q->hi ? Q->hi : r);
  return (int8_t)((int32_t)c + Q->zp);
}

#ifdef QE_X86
QE512 static void qe_quant512(const qe_qd *Q, int64_t a, int64_t b) {
  const float *x = Q->x;
  int8_t *o = Q->o;
  const __m512 f = _mm512_set1_ps(Q->f), lo = _mm512_set1_ps(Q->lo), hi = _mm512_set1_ps(Q->hi);
  const __m512i zp = _mm512_set1_epi32(Q->zp);
  int64_t i = a;
  for (; i + 16 <= b; i += 16) {
    __m512 p = _mm512_mul_ps(_mm512_loadu_ps(x + i), f);
    p = _mm512_min_ps(_mm512_max_ps(p, lo), hi); /* NaN -> lo */
    __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(p), zp);
    _mm_storeu_si128((__m128i *)(void *)(o + i), _mm512_cvtepi32_epi8(q));
  }
  for (; i < b; i++) o[i] = qe_q_one(Q, x[i]);
}

QE256 static void qe_quant256(const qe_qd *Q, int64_t a, int64_t b) {
  const float *x = Q->x;
  int8_t *o = Q->o;
  const __m256 f = _mm256_set1_ps(Q->f), lo = _mm256_set1_ps(Q->lo), hi = _mm256_set1_ps(Q->hi);
  const __m256i zp = _mm256_set1_epi32(Q->zp);
  int64_t i = a;
  for (; i + 16 <= b; i += 16) {
    __m256i q[2];
    for (int h = 0; h < 2; h++) {
      __m256 p = _mm256_mul_ps(_mm256_loadu_ps(x + i + 8 * h), f);
      p = _mm256_min_ps(_mm256_max_ps(p, lo), hi);
      q[h] = _mm256_add_epi32(_mm256_cvtps_epi32(p), zp);
    }
    _mm_storeu_si128((__m128i *)(void *)(o + i), qe_pack16_256(q[0], q[1]));
  }
  for (; i < b; i++) o[i] = qe_q_one(Q, x[i]);
}

QE512 static void qe_dequant512(const qe_qd *Q, int64_t a, int64_t b) {
  const int8_t *x = Q->x;
  float *o = Q->o;
  const __m512 f = _mm512_set1_ps(Q->f);
  const __m512i zp = _mm512_set1_epi32(Q->zp);
  int64_t i = a;
  for (; i + 16 <= b; i += 16) {
    __m512i q = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(const void *)(x + i)));
    _mm512_storeu_ps(o + i, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(q, zp)), f));
  }
  for (; i < b; i++) o[i] = (float)(x[i] - Q->zp) * Q->f;
}

QE256 static void qe_dequant256(const qe_qd *Q, int64_t a, int64_t b) {
  const int8_t *x = Q->x;
  float *o = Q->o;
  const __m256 f = _mm256_set1_ps(Q->f);
  const __m256i zp = _mm256_set1_epi32(Q->zp);
  int64_t i = a;
  for (; i + 8 <= b; i += 8) {
    __m256i q = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)(x + i)));
    _mm256_storeu_ps(o + i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(q, zp)), f));
  }
  for (; i < b; i++) o[i] = (float)(x[i] - Q->zp) * Q->f;
}
#endif

static void qe_quant_task(void *ctx, size_t c0, size_t c1) {
  const qe_qd *Q = ctx;
  int64_t a = (int64_t)c0 * QE_CHUNK, b = (int64_t)c1 * QE_CHUNK;
  if (b > Q->n) b = Q->n;
#ifdef QE_X86
  if (Q->path == WKO_QE_AVX512) {
    qe_quant512(Q, a, b);
    return;
  }
  if (Q->path == WKO_QE_AVX2) {
    qe_quant256(Q, a, b);
    return;
  }
#endif
  for (int64_t i = a; i < b; i++) ((int8_t *)Q->o)[i] = qe_q_one(Q, ((const float *)Q->x)[i]);
}

static void qe_dequant_task(void *ctx, size_t c0, size_t c1) {
  const qe_qd *Q = ctx;
  int64_t a = (int64_t)c0 * QE_CHUNK, b = (int64_t)c1 * QE_CHUNK;
  if (b > Q->n) b = Q->n;
#ifdef QE_X86
  if (Q->path == WKO_QE_AVX512) {
    qe_dequant512(Q, a, b);
    return;
  }
  if (Q->path == WKO_QE_AVX2) {
    qe_dequant256(Q, a, b);
    return;
  }
#endif
  for (int64_t i = a; i < b; i++)
    ((float *)Q->o)[i] = (float)(((const int8_t *)Q->x)[i] - Q->zp) * Q->f;
}

/* Scalar (Int / Double / Scalar) arguments of "TdiiiiT": scale as a double. */
static bool qe_qd_args(wick_value **args, uint32_t nargs, double *scale) {
  if (nargs != 7 || args[0]->kind != WICK_VAL_TENSOR || args[6]->kind != WICK_VAL_TENSOR) return false;
  if (args[1]->kind != WICK_VAL_DOUBLE) return false;
  for (int i = 2; i <= 5; i++)
    if (args[i]->kind != WICK_VAL_INT) return false;
  *scale = args[1]->u.d;
  return true;
}

/* "TdiiiiT": input, scale, zero_point, quant_min, quant_max, dtype, out */
WKO_KERNEL(wko_q_quantize_per_tensor_out) {
  int path = wko_qelem_path();
  double scale;
  if (path == WKO_QE_PORTABLE || !qe_qd_args(args, nargs, &scale))
    return wick_op_q_quantize_per_tensor_out(ctx, args, nargs);
  const wick_tensor *in = args[0]->u.t;
  wick_tensor *out = args[6]->u.t;
  int64_t zp = args[2]->u.i, qmin = args[3]->u.i, qmax = args[4]->u.i, dt = args[5]->u.i;
  if (in->dtype != WICK_F32 || out->dtype != WICK_I8 || dt != WICK_I8 || !qe_in(qmin, -128, 127) ||
      !qe_in(qmax, qmin, 127) || !qe_in(zp, -(INT64_C(1) << 20), INT64_C(1) << 20))
    return wick_op_q_quantize_per_tensor_out(ctx, args, nargs);
  wick_status s = qe_resize_like(ctx, out, in);
  if (s) return s;
  if (!qe_same_layout(in, out)) return wick_op_q_quantize_per_tensor_out(ctx, args, nargs);
  qe_qd Q;
  Q.path = path;
  Q.x = in->data, Q.o = out->data;
  Q.n = (int64_t)wk_numel(out);
  Q.f = 1.0f / wk_d2f(scale);
  Q.zp = (int32_t)zp;
  Q.lo = (float)(qmin - zp);
  Q.hi = (float)(qmax - zp);
  if (Q.n > 0) wick_parallel_for(ctx->pool, qe_chunks(Q.n), qe_quant_task, &Q);
  return WICK_OK;
}

/* cortex_m::dequantize_per_tensor.out "TdiiiiT" */
WKO_KERNEL(wko_cm_dequantize_per_tensor_out) {
  int path = wko_qelem_path();
  double scale;
  if (path == WKO_QE_PORTABLE || !qe_qd_args(args, nargs, &scale))
    return wick_op_cm_dequantize_per_tensor_out(ctx, args, nargs);
  const wick_tensor *in = args[0]->u.t;
  wick_tensor *out = args[6]->u.t;
  int64_t zp = args[2]->u.i, qmin = args[3]->u.i, qmax = args[4]->u.i, dt = args[5]->u.i;
  if (in->dtype != WICK_I8 || out->dtype != WICK_F32 || dt != WICK_I8 || !qe_in(qmin, -128, 127) ||
      !qe_in(qmax, qmin, 127) || !qe_in(zp, -(INT64_C(1) << 20), INT64_C(1) << 20) ||
      !(fabs(scale) <= 0x1.fffffep127))
    return wick_op_cm_dequantize_per_tensor_out(ctx, args, nargs);
  wick_status s = qe_resize_like(ctx, out, in);
  if (s) return s;
  if (!qe_same_layout(in, out)) return wick_op_cm_dequantize_per_tensor_out(ctx, args, nargs);
  qe_qd Q;
  Q.path = path;
  Q.x = in->data, Q.o = out->data;
  Q.n = (int64_t)wk_numel(out);
  Q.f = (float)scale;
  Q.zp = (int32_t)zp;
  Q.lo = Q.hi = 0;
  if (Q.n > 0) wick_parallel_for(ctx->pool, qe_chunks(Q.n), qe_dequant_task, &Q);
  return WICK_OK;
}

/* ---- cortex_m::quantized_max_pool2d (NCHW memory) ---------------------------------- */

typedef struct qe_mp {
  int path;
  const int8_t *x;
  int8_t *y;
  int64_t c, h, w, xsn, xsc, xsh; /* input, width stride 1 */
  int64_t oh, ow, ysn, ysc, ysh;  /* output, width stride 1 */
  int64_t k0, k1, s0, s1, p0, p1, d0, d1;
  int64_t wp; /* padded row bytes used */
  int8_t amin, amax;
} qe_mp;

/* dst[0:n] = max(dst, src) bytewise. */
static void qe_vmax_row(int path, int8_t *dst, const int8_t *src, int64_t n);
/* y[0:ow] = clamp(max over taps of row[j * s1 + b * d1]) */
static void qe_hmax_row(const qe_mp *M, const int8_t *row, int8_t *y);

#ifdef QE_X86
QE512 static void qe_vmax512(int8_t *dst, const int8_t *src, int64_t n) {
  int64_t i = 0;
  for (; i + 64 <= n; i += 64)
    _mm512_storeu_si512((void *)(dst + i), _mm512_max_epi8(_mm512_loadu_si512((const void *)(dst + i)),
                                                           _mm512_loadu_si512((const void *)(src + i))));
  if (i < n) {
    __mmask64 k = (__mmask64)(~UINT64_C(0) >> (64 - (n - i)));
    __m512i a = _mm512_maskz_loadu_epi8(k, dst + i), b = _mm512_maskz_loadu_epi8(k, src + i);
    _mm512_mask_storeu_epi8(dst + i, k, _mm512_max_epi8(a, b));
  }
}
QE256 static void qe_vmax256(int8_t *dst, const int8_t *src, int64_t n) {
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    _mm256_storeu_si256((__m256i *)(void *)(dst + i),
                        _mm256_max_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(dst + i)),
                                        _mm256_loadu_si256((const __m256i *)(const void *)(src + i))));
  for (; i < n; i++) dst[i] = dst[i] > src[i] ? dst[i] : src[i];
}

/* ev[t] = r[2t], od[t] = r[2t + 1] for t < n2 (n2 a multiple of 16). */
QE256 static void qe_deint256(const int8_t *r, int8_t *ev, int8_t *od, int64_t n2) {
  for (int64_t t = 0; t < n2; t += 16) {
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(r + 2 * t));
    __m256i e = _mm256_srai_epi16(_mm256_slli_epi16(v, 8), 8), o = _mm256_srai_epi16(v, 8);
    __m256i p = _mm256_permute4x64_epi64(_mm256_packs_epi16(e, o), 0xD8);
    _mm_storeu_si128((__m128i *)(void *)(ev + t), _mm256_castsi256_si128(p));
    _mm_storeu_si128((__m128i *)(void *)(od + t), _mm256_extracti128_si256(p, 1));
  }
}

/* y[j] = clamp(max_b src_b[j]) for j < n; src_b = base[b] (each readable
 * 64 bytes past n, rounded up). */
QE512 static void qe_hmax512(const int8_t *const *src, int nt, int64_t n, int8_t lo, int8_t hi, int8_t *y) {
  const __m512i vl = _mm512_set1_epi8(lo), vh = _mm512_set1_epi8(hi);
  for (int64_t j = 0; j < n; j += 64) {
    __m512i m = _mm512_loadu_si512((const void *)(src[0] + j));
    for (int b = 1; b < nt; b++) m = _mm512_max_epi8(m, _mm512_loadu_si512((const void *)(src[b] + j)));
    m = _mm512_min_epi8(_mm512_max_epi8(m, vl), vh);
    int64_t cnt = n - j < 64 ? n - j : 64;
    _mm512_mask_storeu_epi8(y + j, (__mmask64)(~UINT64_C(0) >> (64 - cnt)), m);
  }
}
QE256 static void qe_hmax256(const int8_t *const *src, int nt, int64_t n, int8_t lo, int8_t hi, int8_t *y) {
  const __m256i vl = _mm256_set1_epi8(lo), vh = _mm256_set1_epi8(hi);
  for (int64_t j = 0; j < n; j += 32) {
    __m256i m = _mm256_loadu_si256((const __m256i *)(const void *)(src[0] + j));
    for (int b = 1; b < nt; b++)
      m = _mm256_max_epi8(m, _mm256_loadu_si256((const __m256i *)(const void *)(src[b] + j)));
    m = _mm256_min_epi8(_mm256_max_epi8(m, vl), vh);
    if (n - j >= 32) {
      _mm256_storeu_si256((__m256i *)(void *)(y + j), m);
    } else {
      int8_t t[32];
      _mm256_storeu_si256((__m256i *)(void *)t, m);
      memcpy(y + j, t, (size_t)(n - j));
    }
  }
}
#endif

static void qe_vmax_row(int path, int8_t *dst, const int8_t *src, int64_t n) {
  (void)path;
#ifdef QE_X86
  if (path == WKO_QE_AVX512) {
    qe_vmax512(dst, src, n);
    return;
  }
  if (path == WKO_QE_AVX2) {
    qe_vmax256(dst, src, n);
    return;
  }
#endif
  for (int64_t i = 0; i < n; i++) dst[i] = dst[i] > src[i] ? dst[i] : src[i];
}

static void qe_hmax_row(const qe_mp *M, const int8_t *row, int8_t *y) {
#ifdef QE_X86
  if (M->path != WKO_QE_PORTABLE && (M->s1 == 1 || M->s1 == 2) && M->k1 <= 16) {
    int8_t ev[QE_MAXW / 2 + 128], od[QE_MAXW / 2 + 128];
    const int8_t *src[16];
    if (M->s1 == 2) {
      qe_deint256(row, ev, od, (M->wp / 2 + 64 + 15) / 16 * 16);
      for (int64_t b = 0; b < M->k1; b++) {
        int64_t off = b * M->d1;
        src[b] = off % 2 == 0 ? ev + off / 2 : od + off / 2;
      }
    } else {
      for (int64_t b = 0; b < M->k1; b++) src[b] = row + b * M->d1;
    }
    if (M->path == WKO_QE_AVX512)
      qe_hmax512(src, (int)M->k1, M->ow, M->amin, M->amax, y);
    else
      qe_hmax256(src, (int)M->k1, M->ow, M->amin, M->amax, y);
    return;
  }
#endif
  for (int64_t j = 0; j < M->ow; j++) {
    int8_t m = row[j * M->s1];
    for (int64_t b = 1; b < M->k1; b++) {
      int8_t v = row[j * M->s1 + b * M->d1];
      m = v > m ? v : m;
    }
    y[j] = m < M->amin ? M->amin : (m > M->amax ? M->amax : m);
  }
}

/* Planes [t0, t1) of (image, channel). */
static void qe_mp_task(void *ctx, size_t t0, size_t t1) {
  const qe_mp *M = ctx;
  /* the padded row: row[k] is input column k - p1; readable to wp + 128 */
  int8_t row[QE_MAXW + 192];
  for (size_t t = t0; t < t1; t++) {
    int64_t n = (int64_t)t / M->c, ch = (int64_t)t % M->c;
    const int8_t *xp = M->x + n * M->xsn + ch * M->xsc;
    int8_t *yp = M->y + n * M->ysn + ch * M->ysc;
    for (int64_t i = 0; i < M->oh; i++) {
      memset(row, -128, (size_t)(M->wp + 192));
      bool first = true;
      for (int64_t a = 0; a < M->k0; a++) {
        int64_t ih = i * M->s0 - M->p0 + a * M->d0;
        if (ih < 0 || ih >= M->h) continue;
        if (first)
          memcpy(row + M->p1, xp + ih * M->xsh, (size_t)M->w);
        else
          qe_vmax_row(M->path, row + M->p1, xp + ih * M->xsh, M->w);
        first = false;
      }
      qe_hmax_row(M, row, yp + i * M->ysh);
    }
  }
}

/* As op_cortex_m_nn.c's pool_out. */
static int64_t qe_pool_out(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  int64_t num = in + 2 * p - d * (k - 1) - 1;
  int64_t o = num / s + 1;
  if (ceil_mode && num % s != 0) o++;
  if (ceil_mode && (o - 1) * s >= in + p) o--;
  return o;
}

static bool qe_pair(wick_value *v, int64_t lo, int64_t out[2]) {
  if (v->kind != WICK_VAL_INT_LIST) return false;
  uint32_t n;
  const int64_t *p = wick_value_int_list(v, &n);
  if (n != 1 && n != 2) return false;
  out[0] = p[0];
  out[1] = n == 2 ? p[1] : p[0];
  return qe_in(out[0], lo, 1 << 16) && qe_in(out[1], lo, 1 << 16);
}

/* "TIIIIbiiiiT": input, kernel_size, stride, padding, dilation, ceil_mode,
 * input_zero_point, output_zero_point, activation_min, activation_max, out */
WKO_KERNEL(wko_cm_quantized_max_pool2d_out) {
  int path = wko_qelem_path();
  if (path == WKO_QE_PORTABLE || nargs != 11) return wick_op_cm_quantized_max_pool2d_out(ctx, args, nargs);
  int64_t k[2], st[2], pd[2], dl[2];
  if (args[0]->kind != WICK_VAL_TENSOR || args[10]->kind != WICK_VAL_TENSOR || args[5]->kind != WICK_VAL_BOOL ||
      args[6]->kind != WICK_VAL_INT || args[7]->kind != WICK_VAL_INT || args[8]->kind != WICK_VAL_INT ||
      args[9]->kind != WICK_VAL_INT || !qe_pair(args[1], 1, k) || !qe_pair(args[2], 1, st) ||
      !qe_pair(args[3], 0, pd) || !qe_pair(args[4], 1, dl))
    return wick_op_cm_quantized_max_pool2d_out(ctx, args, nargs);
  const wick_tensor *in = args[0]->u.t;
  wick_tensor *out = args[10]->u.t;
  bool ceil_mode = args[5]->u.b;
  int64_t izp = args[6]->u.i, ozp = args[7]->u.i, amin = args[8]->u.i, amax = args[9]->u.i;
  if (!qe_in(izp, -128, 127) || ozp != izp || !qe_in(amin, -128, 127) || !qe_in(amax, amin, 127) ||
      in->dim != 4 || in->dtype != WICK_I8 || out->dtype != WICK_I8)
    return wick_op_cm_quantized_max_pool2d_out(ctx, args, nargs);
  wq_nhwc x = wq_view(in, 1);
  int64_t oh = qe_pool_out(x.h, k[0], st[0], pd[0], dl[0], ceil_mode);
  int64_t ow = qe_pool_out(x.w, k[1], st[1], pd[1], dl[1], ceil_mode);
  int64_t reach = (ow - 1) * st[1] + (k[1] - 1) * dl[1] + 1;
  int64_t wp = reach > pd[1] + x.w ? reach : pd[1] + x.w;
  if (oh <= 0 || ow <= 0 || x.n <= 0 || x.c <= 0 || (x.w > 1 && x.sw != 1) || wp > QE_MAXW)
    return wick_op_cm_quantized_max_pool2d_out(ctx, args, nargs);
  int64_t sizes[4];
  wq_sizes4(1, x.n, oh, ow, x.c, sizes);
  wick_status s = wq_resize(ctx, out, 4, sizes);
  if (s) return s;
  wq_nhwc y = wq_view(out, 1);
  if (ow > 1 && y.sw != 1) return wick_op_cm_quantized_max_pool2d_out(ctx, args, nargs);
  qe_mp M;
  M.path = path;
  M.x = in->data, M.y = out->data;
  M.c = x.c, M.h = x.h, M.w = x.w, M.xsn = x.sn, M.xsc = x.sc, M.xsh = x.sh;
  M.oh = oh, M.ow = ow, M.ysn = y.sn, M.ysc = y.sc, M.ysh = y.sh;
  M.k0 = k[0], M.k1 = k[1], M.s0 = st[0], M.s1 = st[1], M.p0 = pd[0], M.p1 = pd[1], M.d0 = dl[0], M.d1 = dl[1];
  M.wp = wp;
  M.amin = (int8_t)amin, M.amax = (int8_t)amax;
  wick_parallel_for(ctx->pool, (size_t)(x.n * x.c), qe_mp_task, &M);
  return WICK_OK;
}
