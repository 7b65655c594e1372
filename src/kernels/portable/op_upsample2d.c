/* aten::upsample_nearest2d.vec_out(Tensor input, SymInt[]? output_size,
 *     float[]? scale_factors, *, Tensor(a!) out)
 * aten::upsample_bilinear2d.vec_out(Tensor input, SymInt[]? output_size,
 *     bool align_corners, float[]? scale_factors, *, Tensor(a!) out)
 *
 *   input (N,C,H,W) -> out (N,C,OH,OW). Exactly one of output_size (2 ints)
 *   and scale_factors (2 doubles; OH = (int64)(H * scale)) is given.
 *   Coordinate mapping follows ATen's CPU kernels, in float for f32/f16/bf16
 *   and double for f64 (ATen's opmath):
 *     scale = 1/scale_factor when a factor was given, else H/OH
 *     nearest:  src = OH == H ? dst : OH == 2H ? dst/2 : min(floor(dst*scale), H-1)
 *     bilinear: align_corners: src = dst * (H-1)/(OH-1)   (0 when OH == 1)
 *               otherwise:     src = max(scale*(dst+0.5) - 0.5, 0)
 *               h0 = min(floor(src), H-1), h1 = min(h0+1, H-1),
 *               l1 = clamp(src - h0, 0, 1), l0 = 1 - l1
 *               out = l0h*(l0w*x[h0,w0] + l1w*x[h0,w1]) + l1h*(l0w*x[h1,w0] + l1w*x[h1,w1])
 *   Floating dtypes (nearest: any supported dtype); out has input's dtype;
 *   default dim order.
 */
#include "kernels/portable/nn_util.h"

typedef struct up_args {
  int64_t planes, ih, iw, oh, ow;
  double sh, sw; /* scale factors as given, or 0 when output_size was given */
  bool align;
} up_args;

/* Validates input/out and the output_size / scale_factors pair, resizes out. */
static wick_status up_setup(wick_kernel_ctx *ctx, const wick_tensor *input, wick_value *osize,
                            wick_value *scales, wick_tensor *out, up_args *a) {
  char b1[96];
  wick_status s;
  if ((s = wk_check_dtype(ctx, "input", input)) ||
      (s = wk_nn_same_dtype(ctx, "input", input, "out", out)))
    return s;
  if (input->dim != 4)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "input %s must be 4-D (N,C,H,W)",
                            wk_desc(input, b1));
  if ((s = wk_nn_check_contig(ctx, "input", input)) || (s = wk_nn_check_contig(ctx, "out", out)))
    return s;
  bool has_size = osize->kind == WICK_VAL_INT_LIST,
       has_scale = scales->kind == WICK_VAL_DOUBLE_LIST;
  if (has_size == has_scale)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "must specify exactly one of output_size and scale_factors");
  a->planes = (int64_t)input->sizes[0] * input->sizes[1];
  a->ih = input->sizes[2];
  a->iw = input->sizes[3];
  a->sh = a->sw = 0;
  if (has_size) {
    uint32_t n = 0;
    const int64_t *sz = wick_value_int_list(osize, &n);
    if (n != 2)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "output_size must have 2 elements, got %u", n);
    a->oh = sz[0];
    a->ow = sz[1];
  } else {
    if (scales->u.dl.n != 2)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "scale_factors must have 2 elements, got %u",
                              scales->u.dl.n);
    a->sh = scales->u.dl.items[0];
    a->sw = scales->u.dl.items[1];
    double fh = (double)a->ih * a->sh, fw = (double)a->iw * a->sw;
    if (!(fh >= 0 && fh < 2147483648.0 && fw >= 0 && fw < 2147483648.0))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "scale_factors [%g,%g] give an invalid output size", a->sh, a->sw);
    a->oh = (int64_t)fh;
    a->ow = (int64_t)fw;
  }
  if (a->ih < 1 || a->iw < 1 || a->oh < 1 || a->ow < 1 || a->oh > INT32_MAX || a->ow > INT32_MAX)
    return wick_kernel_fail(
        ctx, WICK_ERR_KERNEL,
        "input and output sizes should be greater than 0, but got input (H: %lld, "
        "W: %lld) output (H: %lld, W: %lld)",
        (long long)a->ih, (long long)a->iw, (long long)a->oh, (long long)a->ow);
  int64_t sizes[4] = {input->sizes[0], input->sizes[1], a->oh, a->ow};
  return wk_resize_out(ctx, out, 4, sizes);
}

/* ---- nearest ---- */

static inline int64_t nearest_src(int64_t dst, int64_t in, int64_t out, double scale) {
  if (out == in) return dst;
  if (out == 2 * in) return dst >> 1;
  float sc = scale > 0 ? (float)(1.0 / scale) : (float)in / (float)out;
  int64_t src = (int64_t)floorf((float)dst * sc);
  return src < in - 1 ? src : in - 1;
}

WK_KERNEL(wick_op_upsample_nearest2d_vec_out) {
  if (nargs != 4)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *input = args[0]->u.t;
  wick_tensor *out = args[3]->u.t;
  up_args a;
  wick_status s;
  if ((s = up_setup(ctx, input, args[1], args[2], out, &a))) return s;

  const size_t es = wick_dtype_size(input->dtype);
  const unsigned char *x = input->data;
  unsigned char *y = out->data;
  for (int64_t p = 0; p < a.planes; p++) {
    for (int64_t oh = 0; oh < a.oh; oh++) {
      int64_t h = nearest_src(oh, a.ih, a.oh, a.sh);
      const unsigned char *row = x + (size_t)((p * a.ih + h) * a.iw) * es;
      unsigned char *orow = y + (size_t)((p * a.oh + oh) * a.ow) * es;
      for (int64_t ow = 0; ow < a.ow; ow++) {
        int64_t w = nearest_src(ow, a.iw, a.ow, a.sw);
        for (size_t b = 0; b < es; b++) orow[(size_t)ow * es + b] = row[(size_t)w * es + b];
      }
    }
  }
  return WICK_OK;
}

/* ---- bilinear ---- */

typedef struct lin_idx {
  int64_t i0, i1;
  double l0, l1;
} lin_idx;

/* ATen's area_pixel_compute_scale + compute_indices_weights_linear for one
 * output index, in float (use_double false) or double. Weights are rounded to
 * the tensor dtype, as ATen stores them in it. */
static inline lin_idx lin_src(int64_t dst, int64_t in, int64_t out, double scale, bool align,
                              int dt) {
  lin_idx r;
  if (dt == WICK_F64) {
    double real;
    double sc = align ? (out > 1 ? (double)(in - 1) / (double)(out - 1) : 0.0)
                      : (scale > 0 ? 1.0 / scale : (double)in / (double)out);
    if (align) {
      real = sc * (double)dst;
    } else {
      real = sc * ((double)dst + 0.5) - 0.5;
      if (real < 0) real = 0;
    }
    r.i0 = (int64_t)floor(real);
    if (r.i0 > in - 1) r.i0 = in - 1;
    double l = real - (double)r.i0;
    r.l1 = l < 0 ? 0 : l > 1 ? 1 : l;
    r.l0 = 1.0 - r.l1;
  } else {
    float sc = align ? (out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f)
                     : (scale > 0 ? (float)(1.0 / scale) : (float)in / (float)out);
    float rf;
    if (align) {
      rf = sc * (float)dst;
    } else {
      rf = sc * ((float)dst + 0.5f) - 0.5f;
      if (rf < 0) rf = 0;
    }
    r.i0 = (int64_t)floorf(rf);
    if (r.i0 > in - 1) r.i0 = in - 1;
    float l = rf - (float)r.i0;
    float l1 = l < 0 ? 0.0f : l > 1 ? 1.0f : l;
    float l0 = 1.0f - l1;
    r.l1 = wk_round_f(dt, l1);
    r.l0 = wk_round_f(dt, l0);
  }
  r.i1 = r.i0 < in - 1 ? r.i0 + 1 : r.i0;
  return r;
}

static inline void bilinear_body(const up_args *a, const void *x, void *y, int dt) {
  int64_t yi = 0;
  for (int64_t p = 0; p < a->planes; p++) {
    const int64_t xb = p * a->ih * a->iw;
    for (int64_t oh = 0; oh < a->oh; oh++) {
      lin_idx h = lin_src(oh, a->ih, a->oh, a->sh, a->align, dt);
      const int64_t r0 = xb + h.i0 * a->iw, r1 = xb + h.i1 * a->iw;
      for (int64_t ow = 0; ow < a->ow; ow++, yi++) {
        lin_idx w = lin_src(ow, a->iw, a->ow, a->sw, a->align, dt);
        double x00 = wk_ld_f(x, dt, r0 + w.i0), x01 = wk_ld_f(x, dt, r0 + w.i1);
        double x10 = wk_ld_f(x, dt, r1 + w.i0), x11 = wk_ld_f(x, dt, r1 + w.i1);
        double v;
        if (dt == WICK_F64) {
          v = (x00 * w.l0 + x01 * w.l1) * h.l0 + (x10 * w.l0 + x11 * w.l1) * h.l1;
        } else {
          float t0 = (float)x00 * (float)w.l0;
          t0 += (float)x01 * (float)w.l1;
          float t1 = (float)x10 * (float)w.l0;
          t1 += (float)x11 * (float)w.l1;
          float o = t0 * (float)h.l0;
          o += t1 * (float)h.l1;
          v = o;
        }
        wk_st_f(y, dt, yi, v);
      }
    }
  }
}

static void bilinear_f32(const up_args *a, const void *x, void *y) {
  bilinear_body(a, x, y, WICK_F32);
}
static void bilinear_any(const up_args *a, const void *x, void *y, int dt) {
  bilinear_body(a, x, y, dt);
}

WK_KERNEL(wick_op_upsample_bilinear2d_vec_out) {
  if (nargs != 5)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 5 arguments, got %u", nargs);
  const wick_tensor *input = args[0]->u.t;
  wick_tensor *out = args[4]->u.t;
  up_args a;
  wick_status s;
  if ((s = wk_nn_check_float(ctx, "input", input))) return s;
  if ((s = up_setup(ctx, input, args[1], args[3], out, &a))) return s;
  a.align = args[2]->u.b;
  if (input->dtype == WICK_F32)
    bilinear_f32(&a, input->data, out->data);
  else
    bilinear_any(&a, input->data, out->data, input->dtype);
  return WICK_OK;
}
