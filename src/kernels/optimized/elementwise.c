/* aten::add.out, aten::sub.out and aten::mul.out for float32 with
 * broadcasting reduced to vector runs.
 *
 * Handled here: self, other and out float32 in the default dim order, out
 * already of the broadcast shape (no resize), alpha an Int or Double, and
 * out either disjoint from each input or the very same memory as an input of
 * out's shape (in place). The broadcast is collapsed: dims of size 1 in out
 * are dropped, and neighbouring dims merge while both inputs keep walking
 * them as one (contiguous in both, or broadcast in both), which leaves at
 * most a few dims whose innermost one every input either walks with stride
 * 1 or broadcasts (stride 0). The innermost dim then runs as one vector loop
 * of one of three kinds,
 *     y[i] = x[i] (op) z[i]    y[i] = x[i] (op) s    y[i] = s (op) z[i]
 * and the outer dims step the three pointers. E.g. [1,4,64,64] * [1,1,64,1]
 * (a KV-cache blend) is 256 runs of 64 "x[i] * s"; [1,4,1,64] * [1,1,64,1]
 * the same over an outer product; [B,T,C] + [C] is B*T runs of C
 * "x[i] + z[i]"; same-shape operands are a single run.
 *
 * Arithmetic is float32, one rounding per step, exactly like the portable
 * kernels (which round each double step to float): add/sub compute
 * x + (alpha * z) with the product rounded first (alpha 1 skips it), and no
 * step is fused. Results are bit-identical to the portable kernel.
 *
 * Everything else (other dtypes or dim orders, resizes, errors, partial
 * overlaps) goes to the portable kernel.
 */
#include <string.h>

#include "kernels/optimized/opt.h"
#include "kernels/portable/util.h"

enum { RUN_VV = 0, RUN_VS = 1, RUN_SV = 2 };

/* `rows` runs of n: run r writes y + r * n from x + r * xr, z + r * zr. */
typedef void (*ew_run_fn)(wk_binop op, int kind, float *y, const float *x, const float *z, int64_t n,
                          float al, int64_t rows, int64_t xr, int64_t zr);

/* ---- portable C ------------------------------------------------------------------- */

static void ew_run_generic1(wk_binop op, int kind, float *y, const float *x, const float *z,
                            int64_t n, float al) {
  const bool sc = op != WK_MUL && al != 1.0f;
  if (kind == RUN_VV) {
    if (sc) wk_f32_vv(op, (float *)y, x, z, (size_t)n, al);
    else if (op == WK_ADD) for (int64_t i = 0; i < n; i++) y[i] = x[i] + z[i];
    else if (op == WK_SUB) for (int64_t i = 0; i < n; i++) y[i] = x[i] - z[i];
    else for (int64_t i = 0; i < n; i++) y[i] = x[i] * z[i];
  } else if (kind == RUN_VS) {
    wk_f32_vs(op, y, x, z[0], (size_t)n, al);
  } else {
    wk_f32_sv(op, y, x[0], z, (size_t)n, al);
  }
}

static void ew_run_generic(wk_binop op, int kind, float *y, const float *x, const float *z,
                           int64_t n, float al, int64_t rows, int64_t xr, int64_t zr) {
  for (int64_t r = 0; r < rows; r++) ew_run_generic1(op, kind, y + r * n, x + r * xr, z + r * zr, n, al);
}

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* ---- AVX-512F --------------------------------------------------------------------- */

#define WKO_T512 __attribute__((target("avx512f")))

WKO_T512 static inline __attribute__((always_inline)) __m512 op512(wk_binop op, __m512 x, __m512 z) {
  return op == WK_ADD ? _mm512_add_ps(x, z) : op == WK_SUB ? _mm512_sub_ps(x, z) : _mm512_mul_ps(x, z);
}

/* One op and kind, compile-time constants after inlining. */
WKO_T512 static inline __attribute__((always_inline)) void run512(wk_binop op, int kind, bool sc,
                                                                 float *y, const float *x,
                                                                 const float *z, int64_t n, float al) {
  const __m512 va = _mm512_set1_ps(al);
  __m512 xs = _mm512_setzero_ps(), zs = _mm512_setzero_ps();
  if (kind == RUN_VS) zs = _mm512_set1_ps(sc ? al * z[0] : z[0]);
  if (kind == RUN_SV) xs = _mm512_set1_ps(x[0]);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m512 x0 = kind == RUN_SV ? xs : _mm512_loadu_ps(x + i);
    __m512 x1 = kind == RUN_SV ? xs : _mm512_loadu_ps(x + i + 16);
    __m512 z0 = kind == RUN_VS ? zs : _mm512_loadu_ps(z + i);
    __m512 z1 = kind == RUN_VS ? zs : _mm512_loadu_ps(z + i + 16);
    if (sc && kind != RUN_VS) {
      z0 = _mm512_mul_ps(va, z0);
      z1 = _mm512_mul_ps(va, z1);
    }
    _mm512_storeu_ps(y + i, op512(op, x0, z0));
    _mm512_storeu_ps(y + i + 16, op512(op, x1, z1));
  }
  for (; i < n; i += 16) {
    const __mmask16 mk = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1u);
    __m512 x0 = kind == RUN_SV ? xs : _mm512_maskz_loadu_ps(mk, x + i);
    __m512 z0 = kind == RUN_VS ? zs : _mm512_maskz_loadu_ps(mk, z + i);
    if (sc && kind != RUN_VS) z0 = _mm512_mul_ps(va, z0);
    _mm512_mask_storeu_ps(y + i, mk, op512(op, x0, z0));
  }
}

#define EW_ROWS(RUN, OP, KIND, SC)                                           \
  for (int64_t r_ = 0; r_ < rows; r_++) RUN(OP, KIND, SC, y + r_ * n, x + r_ * xr, z + r_ * zr, n, al)
#define EW_DISPATCH(RUN)                                                     \
  const bool sc = op != WK_MUL && al != 1.0f;                                \
  switch (op * 3 + kind) {                                                   \
    case WK_ADD * 3 + RUN_VV: EW_ROWS(RUN, WK_ADD, RUN_VV, sc); break; \
    case WK_ADD * 3 + RUN_VS: EW_ROWS(RUN, WK_ADD, RUN_VS, sc); break; \
    case WK_ADD * 3 + RUN_SV: EW_ROWS(RUN, WK_ADD, RUN_SV, sc); break; \
    case WK_SUB * 3 + RUN_VV: EW_ROWS(RUN, WK_SUB, RUN_VV, sc); break; \
    case WK_SUB * 3 + RUN_VS: EW_ROWS(RUN, WK_SUB, RUN_VS, sc); break; \
    case WK_SUB * 3 + RUN_SV: EW_ROWS(RUN, WK_SUB, RUN_SV, sc); break; \
    case WK_MUL * 3 + RUN_VV: EW_ROWS(RUN, WK_MUL, RUN_VV, false); break; \
    case WK_MUL * 3 + RUN_VS: EW_ROWS(RUN, WK_MUL, RUN_VS, false); break; \
    default: EW_ROWS(RUN, WK_MUL, RUN_SV, false); break;              \
  }

WKO_T512 static void ew_run_avx512(wk_binop op, int kind, float *y, const float *x, const float *z,
                                   int64_t n, float al, int64_t rows, int64_t xr, int64_t zr) {
  EW_DISPATCH(run512)
}

/* ---- AVX2 ------------------------------------------------------------------------- */

#define WKO_T256 __attribute__((target("avx2")))

WKO_T256 static inline __attribute__((always_inline)) __m256 op256(wk_binop op, __m256 x, __m256 z) {
  return op == WK_ADD ? _mm256_add_ps(x, z) : op == WK_SUB ? _mm256_sub_ps(x, z) : _mm256_mul_ps(x, z);
}

WKO_T256 static inline __attribute__((always_inline)) void run256(wk_binop op, int kind, bool sc,
                                                                 float *y, const float *x,
                                                                 const float *z, int64_t n, float al) {
  const __m256 va = _mm256_set1_ps(al);
  const float s = kind == RUN_VS ? (sc ? al * z[0] : z[0]) : kind == RUN_SV ? x[0] : 0.0f;
  const __m256 vs = _mm256_set1_ps(s);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 x0 = kind == RUN_SV ? vs : _mm256_loadu_ps(x + i);
    __m256 x1 = kind == RUN_SV ? vs : _mm256_loadu_ps(x + i + 8);
    __m256 z0 = kind == RUN_VS ? vs : _mm256_loadu_ps(z + i);
    __m256 z1 = kind == RUN_VS ? vs : _mm256_loadu_ps(z + i + 8);
    if (sc && kind != RUN_VS) {
      z0 = _mm256_mul_ps(va, z0);
      z1 = _mm256_mul_ps(va, z1);
    }
    _mm256_storeu_ps(y + i, op256(op, x0, z0));
    _mm256_storeu_ps(y + i + 8, op256(op, x1, z1));
  }
  for (; i < n; i++) {
    float xv = kind == RUN_SV ? s : x[i];
    float zv = kind == RUN_VS ? s : z[i];
    if (sc && kind != RUN_VS) zv = al * zv;
    y[i] = op == WK_ADD ? xv + zv : op == WK_SUB ? xv - zv : xv * zv;
  }
}

WKO_T256 static void ew_run_avx2(wk_binop op, int kind, float *y, const float *x, const float *z,
                                 int64_t n, float al, int64_t rows, int64_t xr, int64_t zr) {
  EW_DISPATCH(run256)
}

#define HAVE_X86_EW 1
#endif

static ew_run_fn pick_run(void) {
#ifdef HAVE_X86_EW
  int isa = wko_get_isa();
  if (isa == WKO_ISA_AVX512) return ew_run_avx512;
  if (isa == WKO_ISA_AVX2) return ew_run_avx2;
#endif
  return ew_run_generic;
}

/* ---- shape handling ---------------------------------------------------------------- */

/* [p, p + bytes) and [q, q + qbytes) overlap */
static bool overlaps(const void *p, size_t bytes, const void *q, size_t qbytes) {
  const char *a = p, *b = q;
  return bytes && qbytes && a < b + qbytes && b < a + bytes;
}

/* out = a (op) alpha-scaled b, or false (nothing written) when the case is
 * not one of the header's. */
static bool ew_f32(wk_binop op, const wick_tensor *a, const wick_tensor *b, const wick_value *alpha,
                   wick_tensor *out) {
  float al;
  if (a->dtype != WICK_F32 || b->dtype != WICK_F32 || out->dtype != WICK_F32 ||
      !wk_f32_alpha(alpha, &al) || !wk_is_contig(a) || !wk_is_contig(b) || !wk_is_contig(out))
    return false;
  const int r = out->dim;
  if (a->dim > r || b->dim > r || (a->dim != r && b->dim != r)) return false;
  /* out must already have the broadcast shape; collapse as we check */
  int64_t sz[WICK_MAX_DIM], sa[WICK_MAX_DIM], sb[WICK_MAX_DIM];
  int nd = 0;
  for (int d = 0; d < r; d++) {
    const int64_t o = out->sizes[d];
    const int da = d - (r - a->dim), db = d - (r - b->dim);
    const int64_t na = da < 0 ? 1 : a->sizes[da], nb = db < 0 ? 1 : b->sizes[db];
    if ((na != o && na != 1) || (nb != o && nb != 1) || (na != o && nb != o)) return false;
    if (o == 1) continue;
    const int64_t ta = na == 1 ? 0 : a->strides[da], tb = nb == 1 ? 0 : b->strides[db];
    if (nd > 0 && sa[nd - 1] == ta * o && sb[nd - 1] == tb * o) {
      sz[nd - 1] *= o;
      sa[nd - 1] = ta;
      sb[nd - 1] = tb;
    } else {
      sz[nd] = o;
      sa[nd] = ta;
      sb[nd] = tb;
      nd++;
    }
  }
  const size_t n_out = wk_numel(out);
  if (n_out == 0) return true;
  /* memory: an input either is out (same shape, in place) or does not touch it */
  const size_t ob = n_out * sizeof(float);
  const wick_tensor *ins[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    const size_t ib = wk_numel(ins[i]) * sizeof(float);
    if (!overlaps(out->data, ob, ins[i]->data, ib)) continue;
    if (ins[i]->data != out->data || ib != ob) return false;
  }
  const float *x = a->data, *z = b->data;
  float *y = out->data;
  ew_run_fn run = pick_run();
  if (nd == 0) { /* one element */
    run(op, RUN_VV, y, x, z, 1, al, 1, 0, 0);
    return true;
  }
  const int64_t n = sz[nd - 1], ia = sa[nd - 1], ib = sb[nd - 1];
  if ((ia != 0 && ia != 1) || (ib != 0 && ib != 1) || (ia == 0 && ib == 0)) return false;
  const int kind = ia && ib ? RUN_VV : ia ? RUN_VS : RUN_SV;
  if (nd == 1) {
    run(op, kind, y, x, z, n, al, 1, 0, 0);
    return true;
  }
  /* the second-innermost dim goes to the run function as rows; the dims
   * outside it as an odometer */
  const int64_t rows = sz[nd - 2], xr = sa[nd - 2], zr = sb[nd - 2], block = rows * n;
  const int64_t blocks = (int64_t)n_out / block;
  int64_t idx[WICK_MAX_DIM] = {0};
  int64_t oa = 0, obb = 0;
  for (int64_t q = 0; q < blocks; q++) {
    run(op, kind, y + q * block, x + oa, z + obb, n, al, rows, xr, zr);
    for (int d = nd - 3; d >= 0; d--) {
      oa += sa[d];
      obb += sb[d];
      if (++idx[d] < sz[d]) break;
      oa -= sa[d] * sz[d];
      obb -= sb[d] * sz[d];
      idx[d] = 0;
    }
  }
  return true;
}

WKO_KERNEL(wko_add_out) {
  if (nargs == 4 && args[0]->kind == WICK_VAL_TENSOR && args[1]->kind == WICK_VAL_TENSOR &&
      args[3]->kind == WICK_VAL_TENSOR && ew_f32(WK_ADD, args[0]->u.t, args[1]->u.t, args[2], args[3]->u.t))
    return WICK_OK;
  return wick_op_add_out(ctx, args, nargs);
}

WKO_KERNEL(wko_sub_out) {
  if (nargs == 4 && args[0]->kind == WICK_VAL_TENSOR && args[1]->kind == WICK_VAL_TENSOR &&
      args[3]->kind == WICK_VAL_TENSOR && ew_f32(WK_SUB, args[0]->u.t, args[1]->u.t, args[2], args[3]->u.t))
    return WICK_OK;
  return wick_op_sub_out(ctx, args, nargs);
}

WKO_KERNEL(wko_mul_out) {
  if (nargs == 3 && args[0]->kind == WICK_VAL_TENSOR && args[1]->kind == WICK_VAL_TENSOR &&
      args[2]->kind == WICK_VAL_TENSOR && ew_f32(WK_MUL, args[0]->u.t, args[1]->u.t, NULL, args[2]->u.t))
    return WICK_OK;
  return wick_op_mul_out(ctx, args, nargs);
}
