/* aten::permute_copy.out for self and out in the default dim order, any
 * dtype of 1, 2, 4 or 8 bytes, out already of the permuted shape (no
 * resize) and not overlapping self.
 *
 * The permutation is collapsed first: out dims of size 1 are dropped and
 * neighbouring out dims merge when self walks them as one (self stride of
 * the outer == stride x size of the inner). What is left is either
 *   - a copy of contiguous runs (the innermost out dim has self stride 1):
 *     [1,1,4,64] -> [1,4,1,64] is one memcpy, [1,64,4,64] -> [1,4,64,64]
 *     (dims 0,2,1,3) 4 x 64 runs of 64 elements; or
 *   - a batch of 2-D transposes: the out dim that self walks with stride 1
 *     becomes the rows and the innermost out dim the columns, copied in
 *     16 x 16 tiles (each tile reads 16 source lines and writes 16 output
 *     lines), e.g. [1,4,64,64] dims 0,1,3,2 or [1,64,4,64] dims 0,2,3,1.
 * Everything else, and every error, goes to the portable kernel.
 */
#include <string.h>

#include "kernels/optimized/opt.h"
#include "kernels/portable/util.h"

#define TILE 16

#define TRANSPOSE_TILES(T)                                                                     \
  do {                                                                                          \
    T *dst_ = (T *)dst;                                                                         \
    const T *src_ = (const T *)src;                                                             \
    for (int64_t i0 = 0; i0 < rows; i0 += TILE) {                                               \
      const int64_t i1 = wko_min(rows, i0 + TILE);                                              \
      for (int64_t j0 = 0; j0 < cols; j0 += TILE) {                                             \
        const int64_t j1 = wko_min(cols, j0 + TILE);                                            \
        for (int64_t i = i0; i < i1; i++) {                                                     \
          T *d_ = dst_ + i * drs;                                                               \
          const T *s_ = src_ + i;                                                               \
          for (int64_t j = j0; j < j1; j++) d_[j] = s_[j * scs];                                \
        }                                                                                       \
      }                                                                                         \
    }                                                                                           \
  } while (0)

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define WKO_T512 __attribute__((target("avx512f")))

/* 16 x 16 block of 4-byte elements: dst[i * drs + j] = src[i + j * scs]
 * for i, j < 16, in registers (loads of 16 source runs, three shuffle
 * stages, stores of 16 output runs). */
WKO_T512 static void tile16_avx512(float *dst, const float *src, int64_t drs, int64_t scs) {
  __m512 r[16], t[16];
  for (int j = 0; j < 16; j++) r[j] = _mm512_loadu_ps(src + j * scs);
  for (int q = 0; q < 16; q += 2) {
    t[q] = _mm512_unpacklo_ps(r[q], r[q + 1]);
    t[q + 1] = _mm512_unpackhi_ps(r[q], r[q + 1]);
  }
  for (int q = 0; q < 16; q += 4) {
    r[q] = _mm512_shuffle_ps(t[q], t[q + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[q + 1] = _mm512_shuffle_ps(t[q], t[q + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[q + 2] = _mm512_shuffle_ps(t[q + 1], t[q + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[q + 3] = _mm512_shuffle_ps(t[q + 1], t[q + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int q = 0; q < 16; q += 8)
    for (int e = 0; e < 4; e++) {
      t[q + e] = _mm512_shuffle_f32x4(r[q + e], r[q + e + 4], 0x88);
      t[q + e + 4] = _mm512_shuffle_f32x4(r[q + e], r[q + e + 4], 0xdd);
    }
  for (int e = 0; e < 8; e++) {
    r[e] = _mm512_shuffle_f32x4(t[e], t[e + 8], 0x88);
    r[e + 8] = _mm512_shuffle_f32x4(t[e], t[e + 8], 0xdd);
  }
  for (int i = 0; i < 16; i++) _mm512_storeu_ps(dst + i * drs, r[i]);
}
#define HAVE_TILE16 1
#endif

/* dst[i * drs + j] = src[i + j * scs] for i < rows, j < cols (elements of es bytes) */
static void transpose(void *dst, const void *src, int64_t rows, int64_t cols, int64_t drs,
                      int64_t scs, size_t es) {
#ifdef HAVE_TILE16
  if (es == 4 && wko_get_isa() == WKO_ISA_AVX512 && rows >= 16 && cols >= 16) {
    float *d = dst;
    const float *sp = src;
    const int64_t rf = rows / 16 * 16, cf = cols / 16 * 16;
    for (int64_t i0 = 0; i0 < rf; i0 += 16)
      for (int64_t j0 = 0; j0 < cf; j0 += 16) tile16_avx512(d + i0 * drs + j0, sp + i0 + j0 * scs, drs, scs);
    /* the edges: rows past rf (all columns), then columns past cf */
    if (rf < rows) transpose(d + rf * drs, sp + rf, rows - rf, cols, drs, scs, es);
    if (cf < cols) transpose(d + cf, sp + cf * scs, rf, cols - cf, drs, scs, es);
    return;
  }
#endif
  switch (es) {
    case 1: TRANSPOSE_TILES(uint8_t); break;
    case 2: TRANSPOSE_TILES(uint16_t); break;
    case 4: TRANSPOSE_TILES(uint32_t); break;
    default: TRANSPOSE_TILES(uint64_t); break;
  }
}

static bool permute_fast(wick_value **args) {
  if (args[0]->kind != WICK_VAL_TENSOR || args[2]->kind != WICK_VAL_TENSOR ||
      args[1]->kind != WICK_VAL_INT_LIST)
    return false;
  const wick_tensor *self = args[0]->u.t;
  wick_tensor *out = args[2]->u.t;
  const size_t es = wick_dtype_size(self->dtype);
  if (out->dtype != self->dtype || (es != 1 && es != 2 && es != 4 && es != 8) ||
      !wk_is_contig(self) || !wk_is_contig(out) || out->dim != self->dim)
    return false;
  uint32_t n;
  const int64_t *dims = wick_value_int_list(args[1], &n);
  const int r = self->dim;
  if ((int)n != r) return false;
  int perm[WICK_MAX_DIM];
  bool seen[WICK_MAX_DIM] = {false};
  for (int k = 0; k < r; k++) {
    if (!wk_wrap_dim(dims[k], r, &perm[k]) || seen[perm[k]]) return false;
    seen[perm[k]] = true;
    if (out->sizes[k] != self->sizes[perm[k]]) return false;
  }
  const size_t numel = wk_numel(out);
  if (numel == 0) return true;
  const size_t bytes = numel * es;
  const char *sp = self->data, *op = out->data;
  if (sp < op + bytes && op < sp + bytes) return false; /* overlapping */

  /* collapse (out order): sizes and self strides */
  int64_t sz[WICK_MAX_DIM], ss[WICK_MAX_DIM];
  int nd = 0;
  for (int k = 0; k < r; k++) {
    const int64_t o = out->sizes[k], st = self->strides[perm[k]];
    if (o == 1) continue;
    if (nd > 0 && ss[nd - 1] == st * o) {
      sz[nd - 1] *= o;
      ss[nd - 1] = st;
    } else {
      sz[nd] = o;
      ss[nd] = st;
      nd++;
    }
  }
  if (nd == 0 || (nd == 1 && ss[0] == 1)) {
    memcpy(out->data, self->data, bytes);
    return true;
  }
  /* out strides of the collapsed dims (out is contiguous) */
  int64_t os[WICK_MAX_DIM];
  os[nd - 1] = 1;
  for (int k = nd - 2; k >= 0; k--) os[k] = os[k + 1] * sz[k + 1];

  if (ss[nd - 1] == 1) { /* runs of sz[nd-1] contiguous elements */
    const int64_t run = sz[nd - 1], runs = (int64_t)numel / run;
    int64_t idx[WICK_MAX_DIM] = {0}, so = 0;
    for (int64_t q = 0; q < runs; q++) {
      memcpy((char *)out->data + (size_t)(q * run) * es, sp + (size_t)so * es, (size_t)run * es);
      for (int d = nd - 2; d >= 0; d--) {
        so += ss[d];
        if (++idx[d] < sz[d]) break;
        so -= ss[d] * sz[d];
        idx[d] = 0;
      }
    }
    return true;
  }

  /* transposes: rows = the out dim t that self walks with stride 1 */
  int t = -1;
  for (int k = 0; k < nd - 1; k++)
    if (ss[k] == 1) t = k;
  if (t < 0) return false;
  const int64_t rows = sz[t], cols = sz[nd - 1], drs = os[t], scs = ss[nd - 1];
  /* the other dims as an odometer */
  int od[WICK_MAX_DIM], nod = 0;
  int64_t batches = 1;
  for (int k = 0; k < nd - 1; k++)
    if (k != t) {
      od[nod++] = k;
      batches *= sz[k];
    }
  int64_t idx[WICK_MAX_DIM] = {0}, so = 0, doff = 0;
  for (int64_t q = 0; q < batches; q++) {
    transpose((char *)out->data + (size_t)doff * es, sp + (size_t)so * es, rows, cols, drs, scs, es);
    for (int e = nod - 1; e >= 0; e--) {
      const int d = od[e];
      so += ss[d];
      doff += os[d];
      if (++idx[e] < sz[d]) break;
      so -= ss[d] * sz[d];
      doff -= os[d] * sz[d];
      idx[e] = 0;
    }
  }
  return true;
}

WKO_KERNEL(wko_permute_copy_out) {
  if (nargs == 3 && permute_fast(args)) return WICK_OK;
  return wick_op_permute_copy_out(ctx, args, nargs);
}
