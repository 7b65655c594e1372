/* aten::convolution.out for float32 2-D NCHW (non-transposed) convolutions.
 *
 * Per image and group, a convolution is the GEMM
 *   out[oc, (oy,ox)] = sum_{(ic,ky,kx)} W[oc, (ic,ky,kx)] * im2col[(ic,ky,kx), (oy,ox)] + bias[oc]
 * with M = C_out/groups, N = OH*OW, K = C_in/groups * KH * KW:
 *   - 1x1, stride 1, no padding: im2col is the input itself ([C_in, H*W]),
 *     read directly by the GEMM packing;
 *   - otherwise the im2col matrix is never stored: the GEMM's B packing
 *     gathers it from the input on the fly (sgemm.c, pack_b_im2col), so the
 *     scratch memory only holds the packing buffers;
 *   - depthwise (groups == C_in == C_out) is a direct loop per channel
 *     plane (each kernel tap adds a shifted input row into the output row),
 *     threaded over planes.
 * The bias is added in the GEMM epilogue. Anything else (other dtypes and
 * ranks, transposed, channels-last, unusual arguments, errors) goes to the
 * portable kernel.
 */
#include "kernels/optimized/depthwise.h"
#include "kernels/optimized/opt.h"
#include "kernels/portable/nn_util.h"
#include "kernels/portable/ops_nn.h"
#include "kernels/portable/util.h"

typedef struct conv_plan {
  int64_t n, cin, cout, groups;
  int64_t ih, iw, kh, kw, oh, ow;
  int64_t sh, sw, ph, pw, dh, dw;
  bool depthwise, pointwise;
  const float *x, *w, *bias;
  float *y;
} conv_plan;

static bool is_f32_4d(const wick_value *v) {
  return v->kind == WICK_VAL_TENSOR && v->u.t->dtype == WICK_F32 && v->u.t->dim == 4 &&
         wk_is_contig(v->u.t);
}

/* An int list of 1 or 2 entries, each >= min, as a (h, w) pair. */
static bool int_pair(wick_value *v, int64_t min, int64_t *h, int64_t *w) {
  if (v->kind != WICK_VAL_INT_LIST) return false;
  uint32_t n = 0;
  const int64_t *it = wick_value_int_list(v, &n);
  if (n == 1) *h = *w = it[0];
  else if (n == 2) *h = it[0], *w = it[1];
  else return false;
  return *h >= min && *w >= min && *h < INT32_MAX && *w < INT32_MAX;
}

/* Fills p when this call is one the optimized kernel handles (shapes from
 * the arguments; out may still have to be resized). */
static bool conv_plan_make(wick_value **args, uint32_t nargs, conv_plan *p) {
  if (nargs != 10 || !is_f32_4d(args[0]) || !is_f32_4d(args[1])) return false;
  if (args[6]->kind != WICK_VAL_BOOL || args[6]->u.b) return false; /* transposed */
  if (args[8]->kind != WICK_VAL_INT || args[8]->u.i < 1) return false;
  const wick_tensor *x = args[0]->u.t, *w = args[1]->u.t;
  p->groups = args[8]->u.i;
  p->n = x->sizes[0];
  p->cin = x->sizes[1];
  p->ih = x->sizes[2];
  p->iw = x->sizes[3];
  p->cout = w->sizes[0];
  p->kh = w->sizes[2];
  p->kw = w->sizes[3];
  if (p->cin == 0 || p->cout == 0 || p->cout % p->groups != 0 ||
      (int64_t)w->sizes[1] * p->groups != p->cin || p->kh < 1 || p->kw < 1)
    return false;
  if (!int_pair(args[3], 1, &p->sh, &p->sw) || !int_pair(args[4], 0, &p->ph, &p->pw) ||
      !int_pair(args[5], 1, &p->dh, &p->dw))
    return false;
  int64_t exth = p->dh * (p->kh - 1) + 1, extw = p->dw * (p->kw - 1) + 1;
  if (p->ih + 2 * p->ph < exth || p->iw + 2 * p->pw < extw) return false;
  p->oh = (p->ih + 2 * p->ph - exth) / p->sh + 1;
  p->ow = (p->iw + 2 * p->pw - extw) / p->sw + 1;
  p->bias = NULL;
  if (args[2]->kind == WICK_VAL_TENSOR) {
    const wick_tensor *b = args[2]->u.t;
    if (b->dtype != WICK_F32 || b->dim != 1 || b->sizes[0] != p->cout) return false;
    p->bias = b->data;
  } else if (args[2]->kind != WICK_VAL_NONE) {
    return false;
  }
  p->depthwise = p->groups == p->cin && p->cout == p->cin;
  p->pointwise = p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->ph == 0 && p->pw == 0;
  p->x = x->data;
  p->w = w->data;
  return true;
}

static size_t conv_gemm_scratch(const conv_plan *p, int threads) {
  if (p->depthwise) return 0;
  return wko_sgemm_scratch(p->cout / p->groups, p->oh * p->ow,
                           p->cin / p->groups * p->kh * p->kw, threads);
}

WKO_SCRATCH(wko_convolution_scratch) {
  conv_plan p;
  if (!conv_plan_make(args, nargs, &p)) return 0;
  return conv_gemm_scratch(&p, wko_scratch_threads());
}

/* ---- depthwise ----------------------------------------------------------------- */

static void depthwise_plane_generic(const wko_im2col *p, const float *x, const float *w,
                                    float bias, float *y) {
  wko_depthwise_plane_body(p, x, w, bias, y);
}

typedef struct depthwise_job {
  const conv_plan *p;
  wko_im2col geo;
  wko_depthwise_fn plane;
  wko_depthwise_act_fn direct; /* used instead of plane when set */
  const wko_act *act;          /* or NULL */
} depthwise_job;

static void depthwise_planes(void *ctx, size_t begin, size_t end) {
  const depthwise_job *job = ctx;
  const conv_plan *p = job->p;
  const int64_t in_plane = p->ih * p->iw, out_plane = p->oh * p->ow, taps = p->kh * p->kw;
  for (size_t i = begin; i < end; i++) {
    int64_t c = (int64_t)i % p->cin;
    float *y = p->y + (int64_t)i * out_plane;
    if (job->direct) {
      job->direct(&job->geo, p->x + (int64_t)i * in_plane, p->w + c * taps,
                  p->bias ? p->bias[c] : 0.0f, job->act, y);
      continue;
    }
    job->plane(&job->geo, p->x + (int64_t)i * in_plane, p->w + c * taps,
               p->bias ? p->bias[c] : 0.0f, y);
    if (job->act) wko_act_apply(job->act, y, out_plane);
  }
}

/* ---- the kernel ---------------------------------------------------------------- */

/* The convolution (10 aten::convolution.out arguments) with an optional
 * fused activation; false: not handled here (nothing written). */
static bool conv_run(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs, const wko_act *act,
                     wick_status *st) {
  conv_plan p;
  *st = WICK_OK;
  if (!conv_plan_make(args, nargs, &p) || !is_f32_4d(args[9])) return false;
  if (!p.depthwise && p.n * p.oh * p.ow > 0 &&
      (ctx->scratch == NULL || ctx->scratch_size < conv_gemm_scratch(&p, 1)))
    return false;
  wick_tensor *out = args[9]->u.t;
  int64_t sizes[4] = {p.n, p.cout, p.oh, p.ow};
  wick_status s = wk_resize_out(ctx, out, 4, sizes);
  if (s) {
    *st = s;
    return true;
  }
  p.y = out->data;
  if (p.n == 0) return true;

  if (p.depthwise) {
    size_t planes = (size_t)(p.n * p.cin);
    /* small layers are not worth waking the workers */
    bool par = p.n * p.cin * p.oh * p.ow * p.kh * p.kw >= (1 << 15);
    depthwise_job job = {&p, {NULL, p.ih, p.iw, p.kh, p.kw, p.sh, p.sw, p.ph, p.pw, p.dh, p.dw, p.oh, p.ow},
                         NULL, NULL, act};
    int isa = wko_get_isa();
    if (isa == WKO_ISA_AVX512 && (p.sw == 1 || p.sw == 2)) job.direct = wko_depthwise_direct_avx512();
    if (isa == WKO_ISA_AVX512) job.plane = wko_depthwise_avx512();
    if (job.plane == NULL && isa >= WKO_ISA_AVX2) job.plane = wko_depthwise_avx2();
    if (job.plane == NULL) job.plane = depthwise_plane_generic;
    wick_parallel_for(par ? ctx->pool : NULL, planes, depthwise_planes, &job);
    return true;
  }

  const int64_t icpg = p.cin / p.groups, ocpg = p.cout / p.groups;
  const int64_t kdim = icpg * p.kh * p.kw, ohw = p.oh * p.ow, in_plane = p.ih * p.iw;
  for (int64_t img = 0; img < p.n; img++) {
    for (int64_t g = 0; g < p.groups; g++) {
      const float *xg = p.x + (img * p.cin + g * icpg) * in_plane;
      wko_im2col cv = {xg, p.ih, p.iw, p.kh, p.kw, p.sh, p.sw, p.ph, p.pw, p.dh, p.dw, p.oh, p.ow};
      wko_gemm gm;
      gm.m = ocpg;
      gm.n = ohw;
      gm.k = kdim;
      gm.a = p.w + g * ocpg * kdim;
      gm.a_rs = kdim;
      gm.a_cs = 1;
      gm.b = xg;
      gm.b_rs = in_plane;
      gm.b_cs = 1;
      gm.b_conv = p.pointwise ? NULL : &cv;
      gm.c = p.y + (img * p.cout + g * ocpg) * ohw;
      gm.ldc = ohw;
      gm.alpha = 1.0f;
      gm.beta = p.bias ? 1.0f : 0.0f;
      gm.s = p.bias ? p.bias + g * ocpg : NULL;
      gm.s_rs = 1;
      gm.s_cs = 0;
      gm.act.has_lo = act && act->has_lo;
      gm.act.has_hi = act && act->has_hi;
      gm.act.lo = act ? act->lo : 0.0f;
      gm.act.hi = act ? act->hi : 0.0f;
      (void)wko_sgemm(&gm, ctx->pool, ctx->scratch, ctx->scratch_size); /* scratch checked above */
    }
  }
  return true;
}

WKO_KERNEL(wko_convolution_out) {
  wick_status st;
  if (conv_run(ctx, args, nargs, NULL, &st)) return st;
  return wick_op_convolution_out(ctx, args, nargs);
}

/* ---- wick::convolution_act: the convolution, then clamp (GEMM epilogue) ---- */

WKO_SCRATCH(wko_convolution_act_scratch) {
  if (nargs != 12) return 0;
  wick_value *c[10] = {args[0], args[1], args[2], args[3], args[4],
                       args[5], args[6], args[7], args[8], args[11]};
  return wko_convolution_scratch(c, 10);
}

WKO_KERNEL(wko_convolution_act_out) {
  wko_act act;
  wick_status st;
  if (nargs == 12 && wko_act_from_args(args[9], args[10], &act)) {
    wick_value *c[10] = {args[0], args[1], args[2], args[3], args[4],
                         args[5], args[6], args[7], args[8], args[11]};
    if (conv_run(ctx, c, 10, &act, &st)) return st;
  }
  return wick_op_wick_convolution_act_out(ctx, args, nargs);
}
