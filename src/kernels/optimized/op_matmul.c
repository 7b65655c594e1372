/* aten::mm.out, aten::addmm.out and aten::bmm.out on the packed GEMM, or,
 * for at most WKO_GEMV_MAX_M rows with a row-major mat2 (a decoder step's
 * [1,K] x [K,N]), on the M-small GEMM of gemv.c (no packing, no scratch).
 *
 * The float32 cases with a row-major out run here; mat1 / mat2 may be any
 * strided view (the packing reads through strides, so a transposed weight
 * costs nothing extra). Everything else, and every error, goes to the
 * portable kernel.
 */
#include "kernels/optimized/opt.h"
#include "kernels/portable/nn_util.h"
#include "kernels/portable/ops_nn.h"
#include "kernels/portable/util.h"

static bool is_f32(const wick_value *v, int dim) {
  return v->kind == WICK_VAL_TENSOR && v->u.t->dtype == WICK_F32 && v->u.t->dim == dim;
}

/* A Scalar (Int or Double) as float; false for Bool or anything else. */
static bool scalar_f32(const wick_value *v, float *out) {
  if (v->kind == WICK_VAL_INT) *out = (float)v->u.i;
  else if (v->kind == WICK_VAL_DOUBLE) *out = wk_d2f(v->u.d);
  else return false;
  return true;
}

/* The GEMM description of out = mat1 @ mat2 (2-D tensors). */
static wko_gemm gemm_2d(const wick_tensor *a, const wick_tensor *b, wick_tensor *out) {
  wko_gemm g;
  g.m = a->sizes[0];
  g.k = a->sizes[1];
  g.n = b->sizes[1];
  g.a = a->data;
  g.a_rs = a->strides[0];
  g.a_cs = a->strides[1];
  g.b = b->data;
  g.b_rs = b->strides[0];
  g.b_cs = b->strides[1];
  g.b_conv = NULL;
  g.c = out->data;
  g.ldc = g.n;
  g.alpha = 1.0f;
  g.beta = 0.0f;
  g.s = NULL;
  g.s_rs = g.s_cs = 0;
  g.act.has_lo = g.act.has_hi = false;
  g.act.lo = g.act.hi = 0.0f;
  return g;
}

/* Products this small run faster in the portable kernels' direct loops
 * than through packing (e.g. the 3x3 addmm of ExecuTorch's linear.pte). */
#define WKO_SMALL_GEMM 4096
static bool small_gemm(int64_t m, int64_t n, int64_t k) { return m * n * k < WKO_SMALL_GEMM; }

/* ---- mm ------------------------------------------------------------------- */

WKO_SCRATCH(wko_mm_scratch) {
  if (nargs != 3 || !is_f32(args[0], 2) || !is_f32(args[1], 2)) return 0;
  const wick_tensor *a = args[0]->u.t, *b = args[1]->u.t;
  if (small_gemm(a->sizes[0], b->sizes[1], a->sizes[1])) return 0;
  return wko_sgemm_scratch(a->sizes[0], b->sizes[1], a->sizes[1], wko_scratch_threads());
}

/* The M-small path takes m <= WKO_GEMV_MAX_M with a row-major mat2 (and
 * no scratch); it is checked before the small-product cut-off, since it
 * beats the portable loops at every size. */
static bool gemv_shape(const wick_tensor *a, const wick_tensor *b) {
  return a->sizes[0] >= 1 && a->sizes[0] <= WKO_GEMV_MAX_M && a->sizes[1] >= 1 && b->sizes[1] >= 1 &&
         (b->strides[1] == 1 || b->sizes[1] == 1);
}

WKO_KERNEL(wko_mm_out) {
  if (nargs != 3 || !is_f32(args[0], 2) || !is_f32(args[1], 2) || !is_f32(args[2], 2) ||
      args[0]->u.t->sizes[1] != args[1]->u.t->sizes[0] || !wk_is_contig(args[2]->u.t) ||
      (small_gemm(args[0]->u.t->sizes[0], args[1]->u.t->sizes[1], args[0]->u.t->sizes[1]) &&
       !gemv_shape(args[0]->u.t, args[1]->u.t)))
    return wick_op_mm_out(ctx, args, nargs);
  const wick_tensor *a = args[0]->u.t, *b = args[1]->u.t;
  wick_tensor *out = args[2]->u.t;
  int64_t sizes[2] = {a->sizes[0], b->sizes[1]};
  wick_status s = wk_resize_out(ctx, out, 2, sizes);
  if (s) return s;
  wko_gemm g = gemm_2d(a, b, out);
  if (wko_gemv_ok(&g)) {
    wko_gemv(&g, ctx->pool);
    return WICK_OK;
  }
  if (!wko_sgemm(&g, ctx->pool, ctx->scratch, ctx->scratch_size))
    return wick_op_mm_out(ctx, args, nargs);
  return WICK_OK;
}

/* ---- addmm: out = beta * self + alpha * (mat1 @ mat2) ------------------------ */

WKO_SCRATCH(wko_addmm_scratch) {
  if (nargs != 6 || !is_f32(args[1], 2) || !is_f32(args[2], 2)) return 0;
  const wick_tensor *a = args[1]->u.t, *b = args[2]->u.t;
  if (small_gemm(a->sizes[0], b->sizes[1], a->sizes[1])) return 0;
  return wko_sgemm_scratch(a->sizes[0], b->sizes[1], a->sizes[1], wko_scratch_threads());
}

/* addmm with an optional fused activation; false: not handled (nothing written). */
static bool addmm_run(wick_kernel_ctx *ctx, wick_value **args, const wko_act *act, wick_status *st) {
  float alpha, beta;
  *st = WICK_OK;
  if (args[0]->kind != WICK_VAL_TENSOR || !is_f32(args[1], 2) || !is_f32(args[2], 2) ||
      !is_f32(args[5], 2) || !scalar_f32(args[3], &beta) || !scalar_f32(args[4], &alpha))
    return false;
  const wick_tensor *self = args[0]->u.t, *a = args[1]->u.t, *b = args[2]->u.t;
  wick_tensor *out = args[5]->u.t;
  int64_t sizes[2] = {a->sizes[0], b->sizes[1]};
  if (a->sizes[1] != b->sizes[0] || self->dtype != WICK_F32 || self->dim > 2 ||
      !wk_broadcastable_to(self, 2, sizes) || !wk_is_contig(out))
    return false;
  const bool gemv = gemv_shape(a, b);
  if (!gemv && act == NULL && small_gemm(a->sizes[0], b->sizes[1], a->sizes[1])) return false;
  if (!gemv && a->sizes[0] > 0 && b->sizes[1] > 0 && a->sizes[1] > 0 &&
      (ctx->scratch == NULL || ctx->scratch_size < wko_sgemm_scratch(a->sizes[0], b->sizes[1], a->sizes[1], 1)))
    return false;
  wick_status s = wk_resize_out(ctx, out, 2, sizes);
  if (s) {
    *st = s;
    return true;
  }
  wko_gemm g = gemm_2d(a, b, out);
  g.alpha = alpha;
  g.beta = beta;
  if (act) g.act = *act;
  if (beta != 0.0f) {
    /* self's strides viewed as [m, n] (0 for broadcast dims) */
    g.s = self->data;
    if (self->dim == 2) {
      g.s_rs = self->sizes[0] == 1 ? 0 : self->strides[0];
      g.s_cs = self->sizes[1] == 1 ? 0 : self->strides[1];
    } else if (self->dim == 1) {
      g.s_cs = self->sizes[0] == 1 ? 0 : self->strides[0];
    }
  }
  if (gemv && wko_gemv_ok(&g))
    wko_gemv(&g, ctx->pool);
  else
    (void)wko_sgemm(&g, ctx->pool, ctx->scratch, ctx->scratch_size); /* scratch checked above */
  return true;
}

WKO_KERNEL(wko_addmm_out) {
  wick_status st;
  if (nargs == 6 && addmm_run(ctx, args, NULL, &st)) return st;
  return wick_op_addmm_out(ctx, args, nargs);
}

/* ---- wick::addmm_act: addmm then clamp, in the GEMM epilogue ---------------- */

WKO_SCRATCH(wko_addmm_act_scratch) {
  if (nargs != 8) return 0;
  wick_value *m[6] = {args[0], args[1], args[2], args[3], args[4], args[7]};
  return wko_addmm_scratch(m, 6);
}

WKO_KERNEL(wko_addmm_act_out) {
  wko_act act;
  wick_status st;
  if (nargs == 8 && wko_act_from_args(args[5], args[6], &act)) {
    wick_value *m[6] = {args[0], args[1], args[2], args[3], args[4], args[7]};
    if (addmm_run(ctx, m, &act, &st)) return st;
  }
  return wick_op_wick_addmm_act_out(ctx, args, nargs);
}

/* ---- bmm: out[b] = self[b] @ mat2[b] ---------------------------------------- */

WKO_SCRATCH(wko_bmm_scratch) {
  if (nargs != 3 || !is_f32(args[0], 3) || !is_f32(args[1], 3)) return 0;
  const wick_tensor *a = args[0]->u.t, *b = args[1]->u.t;
  return wko_sgemm_scratch(a->sizes[1], b->sizes[2], a->sizes[2], wko_scratch_threads());
}

WKO_KERNEL(wko_bmm_out) {
  if (nargs != 3 || !is_f32(args[0], 3) || !is_f32(args[1], 3) || !is_f32(args[2], 3) ||
      !wk_is_contig(args[2]->u.t))
    return wick_op_bmm_out(ctx, args, nargs);
  const wick_tensor *a = args[0]->u.t, *b = args[1]->u.t;
  wick_tensor *out = args[2]->u.t;
  if (a->sizes[0] != b->sizes[0] || a->sizes[2] != b->sizes[1])
    return wick_op_bmm_out(ctx, args, nargs);
  int64_t batches = a->sizes[0], m = a->sizes[1], k = a->sizes[2], n = b->sizes[2];
  const bool gemv = m >= 1 && m <= WKO_GEMV_MAX_M && k >= 1 && n >= 1 && (b->strides[2] == 1 || n == 1);
  if (!gemv && m > 0 && n > 0 && k > 0 &&
      (ctx->scratch == NULL || ctx->scratch_size < wko_sgemm_scratch(m, n, k, 1)))
    return wick_op_bmm_out(ctx, args, nargs);
  int64_t sizes[3] = {batches, m, n};
  wick_status s = wk_resize_out(ctx, out, 3, sizes);
  if (s) return s;
  for (int64_t i = 0; i < batches; i++) {
    wko_gemm g;
    g.m = m;
    g.n = n;
    g.k = k;
    g.a = (const float *)a->data + i * a->strides[0];
    g.a_rs = a->strides[1];
    g.a_cs = a->strides[2];
    g.b = (const float *)b->data + i * b->strides[0];
    g.b_rs = b->strides[1];
    g.b_cs = b->strides[2];
    g.b_conv = NULL;
    g.c = (float *)out->data + i * m * n;
    g.ldc = n;
    g.alpha = 1.0f;
    g.beta = 0.0f;
    g.s = NULL;
    g.s_rs = g.s_cs = 0;
    g.act.has_lo = g.act.has_hi = false;
    g.act.lo = g.act.hi = 0.0f;
    if (gemv)
      wko_gemv(&g, ctx->pool);
    else
      (void)wko_sgemm(&g, ctx->pool, ctx->scratch, ctx->scratch_size); /* scratch checked above */
  }
  return WICK_OK;
}
