/* The shared matrix-multiply loop of mm and addmm (reference speed; an
 * optimized backend takes over the hot cases).
 *
 *   out[m,n] = alpha * sum_p mat1[i,p] * mat2[p,j] + beta * self[i,j]
 *
 * The sum runs over p in order, rounded to the dtype's opmath after each
 * step (float for f16/bf16/f32, double for f64, int64 wrap-around for
 * integral dtypes), like ExecuTorch's portable mm.
 */
#include "kernels/portable/util.h"

#include <string.h>

wick_status wk_check_mm(wick_kernel_ctx *ctx, const wick_tensor *mat1, const wick_tensor *mat2,
                        const wick_tensor *out) {
  char b1[96], b2[96];
  wick_status s;
  if ((s = wk_check_dtype(ctx, "mat1", mat1)) || (s = wk_check_dtype(ctx, "mat2", mat2)) ||
      (s = wk_check_dtype(ctx, "out", out)))
    return s;
  if (mat1->dim != 2 || mat2->dim != 2)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "mat1 %s and mat2 %s must both be matrices",
                            wk_desc(mat1, b1), wk_desc(mat2, b2));
  if (mat1->sizes[1] != mat2->sizes[0])
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "mat1 %s and mat2 %s cannot be multiplied (%d != %d)", wk_desc(mat1, b1),
                            wk_desc(mat2, b2), (int)mat1->sizes[1], (int)mat2->sizes[0]);
  if (mat1->dtype != mat2->dtype || out->dtype != mat1->dtype)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "mat1 %s, mat2 %s and out (%s) must have the same dtype",
                            wk_desc(mat1, b1), wk_desc(mat2, b2), wk_dtype_name(out->dtype));
  if (mat1->dtype == WICK_BOOL)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "matrix multiply is not supported for bool");
  return WICK_OK;
}

/* Strides of t viewed as [m,n] after broadcasting (self of addmm). */
static void bcast2(const wick_tensor *t, int64_t st[2]) {
  st[0] = st[1] = 0;
  if (t->dim == 2) {
    st[0] = t->sizes[0] == 1 ? 0 : t->strides[0];
    st[1] = t->sizes[1] == 1 ? 0 : t->strides[1];
  } else if (t->dim == 1) {
    st[1] = t->sizes[0] == 1 ? 0 : t->strides[0];
  }
}

#define TILE 256

/* float32, row-major mat1/mat2/out: i-k-j with j tiled; per element the
 * products still add up in p order. */
static void mm_f32_contig(const float *a, const float *b, float *c, int64_t m, int64_t k, int64_t n) {
  for (int64_t i = 0; i < m; i++) {
    float *crow = c + i * n;
    const float *arow = a + i * k;
    for (int64_t j0 = 0; j0 < n; j0 += TILE) {
      int64_t j1 = j0 + TILE < n ? j0 + TILE : n;
      for (int64_t j = j0; j < j1; j++) crow[j] = 0.0f;
      for (int64_t p = 0; p < k; p++) {
        float av = arow[p];
        const float *brow = b + p * n;
        for (int64_t j = j0; j < j1; j++) crow[j] += av * brow[j];
      }
    }
  }
}

/* One out element of the float32 path: alpha * acc + beta * self in float
 * (steps skipped for alpha 1, beta 0 and beta 1 as in the generic loop). */
static inline float addmm_f32_finish(float acc, float al, float be, const float *s, int64_t si) {
  float v = al == 1.0f ? acc : al * acc;
  if (be != 0.0f) v += be == 1.0f ? s[si] : be * s[si];
  return v;
}

/* Outputs narrower than this take one dot product per element (no zeroing
 * pass, no second pass); wider ones the j-tiled loop. */
#define NARROW 8

/* float32, row-major mat1/mat2/out, self s (read only when beta != 0)
 * float32 with broadcast strides s_st. Float arithmetic rounds exactly like the generic
 * loop (a double step of float operands rounded to float is the float step),
 * and each sum runs over p in order in both shapes of the loop. */
static void addmm_f32_contig(const float *a, const float *b, float *c, int64_t m, int64_t k,
                             int64_t n, float al, float be, const float *s, const int64_t s_st[2]) {
  if (n < NARROW) {
    /* 0: alpha 1, beta 0; 1: alpha 1, beta 1 (nn.Linear); 2: anything else */
    int mode = al != 1.0f ? 2 : be == 0.0f ? 0 : be == 1.0f ? 1 : 2;
    for (int64_t i = 0; i < m; i++) {
      for (int64_t j = 0; j < n; j++) {
        float acc = 0.0f;
        for (int64_t p = 0; p < k; p++) acc += a[i * k + p] * b[p * n + j];
        int64_t si = i * s_st[0] + j * s_st[1];
        c[i * n + j] = mode == 0 ? acc : mode == 1 ? acc + s[si] : addmm_f32_finish(acc, al, be, s, si);
      }
    }
    return;
  }
  mm_f32_contig(a, b, c, m, k, n);
  if (al == 1.0f && be == 0.0f) return; /* already final */
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++)
      c[i * n + j] = addmm_f32_finish(c[i * n + j], al, be, s, i * s_st[0] + j * s_st[1]);
}

void wk_addmm_compute(const wick_tensor *self, const wick_tensor *mat1, const wick_tensor *mat2,
                      const wick_value *beta, const wick_value *alpha, wick_tensor *out) {
  int dt = out->dtype;
  int64_t m = mat1->sizes[0], k = mat1->sizes[1], n = mat2->sizes[1];
  int64_t a0 = mat1->strides[0], a1 = mat1->strides[1];
  int64_t b0 = mat2->strides[0], b1 = mat2->strides[1];
  int64_t o0 = out->strides[0], o1 = out->strides[1];
  int64_t s_st[2] = {0, 0};
  if (self) bcast2(self, s_st);
  const void *A = mat1->data, *B = mat2->data;
  void *C = out->data;

  if (wk_is_float(dt)) {
    int om = wk_opmath(dt);
    double al = alpha ? wk_scalar_as_f(alpha, om) : 1.0;
    double be = beta ? wk_scalar_as_f(beta, om) : 1.0;
    if (!self) be = 0;
    if (dt == WICK_F32 && wk_is_contig(mat1) && wk_is_contig(mat2) && wk_is_contig(out) &&
        (be == 0 || self->dtype == WICK_F32)) {
      addmm_f32_contig(A, B, C, m, k, n, (float)al, (float)be, be != 0 ? self->data : NULL, s_st);
      return;
    }
    for (int64_t i = 0; i < m; i++) {
      for (int64_t j = 0; j < n; j++) {
        double acc = 0;
        for (int64_t p = 0; p < k; p++)
          acc = wk_round_f(om, acc + wk_round_f(om, wk_ld_f(A, dt, i * a0 + p * a1) *
                                                       wk_ld_f(B, dt, p * b0 + j * b1)));
        double v = al == 1 ? acc : wk_round_f(om, al * acc);
        if (be != 0) {
          double c = wk_ld_as_f(self->data, self->dtype, i * s_st[0] + j * s_st[1], dt);
          v = wk_round_f(om, v + (be == 1 ? c : wk_round_f(om, be * c)));
        }
        wk_st_f(C, dt, i * o0 + j * o1, wk_round_f(dt, v));
      }
    }
    return;
  }

  uint64_t al = alpha ? (uint64_t)wk_scalar_as_i(alpha, dt) : 1;
  uint64_t be = beta ? (uint64_t)wk_scalar_as_i(beta, dt) : 1;
  if (!self) be = 0;
  for (int64_t i = 0; i < m; i++) {
    for (int64_t j = 0; j < n; j++) {
      uint64_t acc = 0;
      for (int64_t p = 0; p < k; p++)
        acc += (uint64_t)wk_ld_i(A, dt, i * a0 + p * a1) * (uint64_t)wk_ld_i(B, dt, p * b0 + j * b1);
      uint64_t v = al * acc;
      if (be != 0) v += be * (uint64_t)wk_ld_i(self->data, self->dtype, i * s_st[0] + j * s_st[1]);
      wk_st_i(C, dt, i * o0 + j * o1, (int64_t)v);
    }
  }
}
