/* cortex_m::quantized_conv2d, quantized_depthwise_conv2d (.out / _nhwc.out)
 * and quantized_linear.out:
 * the optimized x86 kernels (qconv.c: AVX512-VNNI and AVX2 paths) are
 * byte-identical to the portable CMSIS-NN reference kernels on random
 * shapes (channels not multiples of 16, kernels 1x1 / 3x3 / 5x5, strides 1
 * and 2, padding, dilation, groups, NCHW / NHWC, both dim orders), random
 * multipliers / shifts / offsets / clamps, with and without bias, a thread
 * pool, the depthwise variant (depth multipliers, strides 1 / 2), and the
 * fallbacks (no scratch, kernel_sum, filter_offset). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kernel_test.h"
#include "kernels/optimized/opt.h"
#include "kernels/optimized/qconv.h"
#include "kernels/portable/ops_quant.h"
#include "wick/backend.h"
#include "wick/threadpool.h"

static uint64_t g_rng = 0x2545F4914F6CDD1Du;
static uint32_t rnd(void) {
  g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
  return (uint32_t)(g_rng >> 16);
}
static int64_t rr(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint32_t)(hi - lo + 1)); }

static void fill_i8(int8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (int8_t)(rnd() & 0xff);
}

/* Requantization parameters: mostly realistic (mult in [2^30, 2^31), shift
 * -14..1), sometimes anything (negative multipliers, extreme shifts). */
static void rand_requant(int32_t *m, int32_t *s, int64_t n) {
  int wild = rnd() % 4 == 0;
  for (int64_t i = 0; i < n; i++) {
    if (wild) {
      m[i] = (int32_t)rnd() ^ (int32_t)(rnd() << 16);
      s[i] = (int32_t)rr(-31, 31);
    } else {
      m[i] = (int32_t)(0x40000000u + (rnd() & 0x3fffffffu));
      s[i] = (int32_t)rr(-14, 1);
    }
  }
}

static const uint8_t kChannelsLast[4] = {0, 2, 3, 1}; /* logical NCHW stored NHWC */
static const uint8_t kChannelsFirst[4] = {0, 3, 1, 2}; /* logical NHWC stored NCHW */

static int g_cases;

/* One random conv: portable vs every optimized path (+ a pool). */
static void conv_case(wick_threadpool *pool) {
  int nchw = rnd() % 2;
  int64_t n = rr(1, 2), groups = rnd() % 4 == 0 ? rr(2, 3) : 1;
  int64_t cin_g = rr(1, 40), cout_g = rr(1, 70);
  static const int64_t ks[3] = {1, 3, 5};
  int64_t kh = ks[rnd() % 3], kw = rnd() % 4 == 0 ? ks[rnd() % 3] : kh;
  int64_t sh = rr(1, 2), sw = rnd() % 4 == 0 ? rr(1, 2) : sh;
  int64_t ph = rr(0, 2), pw = rnd() % 4 == 0 ? rr(0, 2) : ph;
  int64_t dh = rnd() % 5 == 0 ? 2 : 1, dw = rnd() % 5 == 0 ? 2 : dh;
  int64_t h = rr(dh * (kh - 1) + 1 - 2 * ph > 1 ? dh * (kh - 1) + 1 - 2 * ph : 1, 19);
  int64_t w = rr(dw * (kw - 1) + 1 - 2 * pw > 1 ? dw * (kw - 1) + 1 - 2 * pw : 1, 19);
  if (rnd() % 8 == 0) h = rr(1, 4), w = rr(1, 4); /* taps past a small input (rounded output size) */
  int64_t cin = cin_g * groups, cout = cout_g * groups;
  int64_t oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
  if (oh <= 0 || ow <= 0) return;
  size_t xn = (size_t)(n * cin * h * w), wn = (size_t)(cout * kh * kw * cin_g),
         yn = (size_t)(n * cout * oh * ow);
  int8_t *xd = malloc(xn), *wd = malloc(wn), *y0 = malloc(yn), *y1 = malloc(yn);
  int32_t *bias = malloc((size_t)cout * 4), *mult = malloc((size_t)cout * 4), *shift = malloc((size_t)cout * 4);
  fill_i8(xd, xn);
  fill_i8(wd, wn);
  for (int64_t i = 0; i < cout; i++) bias[i] = (int32_t)rr(-40000, 40000);
  if (rnd() % 8 == 0) bias[0] = (int32_t)((uint32_t)rnd() << 8); /* large: wraps in the reference too */
  rand_requant(mult, shift, cout);
  int has_bias = rnd() % 4 != 0;
  int64_t io = rr(-127, 128), oo = rr(-128, 127);
  int64_t amin = rnd() % 2 ? -128 : rr(-128, 0), amax = rnd() % 2 ? 127 : rr(amin, 127);
  wick_tensor x = nchw ? tens(WICK_I8, xd, 4, SZ(n, cin, h, w)) : tens(WICK_I8, xd, 4, SZ(n, h, w, cin));
  int xorder = rnd() % 2;
  if (xorder) set_order(&x, nchw ? kChannelsLast : kChannelsFirst);
  wick_tensor wt = tens(WICK_I8, wd, 4, SZ(cout, kh, kw, cin_g));
  wick_tensor bt = tens(WICK_I32, bias, 1, SZ(cout)), mt = tens(WICK_I32, mult, 1, SZ(cout)),
              st = tens(WICK_I32, shift, 1, SZ(cout));
  int64_t osz[4] = {n, nchw ? cout : oh, nchw ? oh : ow, nchw ? ow : cout};
  wick_tensor o0 = tens(WICK_I8, y0, 4, osz), o1 = tens(WICK_I8, y1, 4, osz);
  int yorder = rnd() % 2;
  if (yorder) {
    set_order(&o0, nchw ? kChannelsLast : kChannelsFirst);
    set_order(&o1, nchw ? kChannelsLast : kChannelsFirst);
  }
  int64_t sv[2] = {sh, sw}, pv[2] = {ph, pw}, dv[2] = {dh, dw};
  wick_value v[14] = {vt(&x), vt(&wt), has_bias ? vt(&bt) : vnone(), vil(sv, 2), vil(pv, 2), vil(dv, 2),
                      vi(io), vi(oo), vt(&mt), vt(&st), vi(amin), vi(amax), vnone(), vt(&o0)};
  wick_value *args[14];
  for (int i = 0; i < 14; i++) args[i] = &v[i];
  wick_diag d = {WICK_OK, ""};
  wick_kernel_ctx ctx = {&d, "cortex_m::quantized_conv2d.out", 0, NULL, 0, NULL};
  memset(y0, 0x5a, yn);
  wick_status s = (nchw ? wick_op_cm_quantized_conv2d_out : wick_op_cm_quantized_conv2d_nhwc_out)(&ctx, args, 14);
  CHECK_MSG(s == WICK_OK, "portable: %s", d.msg);
  size_t ss = (nchw ? wko_cm_quantized_conv2d_scratch : wko_cm_quantized_conv2d_nhwc_scratch)(args, 14);
  CHECK(ss > 0);
  void *scratch = aligned_alloc(64, (ss + 63) / 64 * 64);
  v[13] = vt(&o1);
  for (int path = WKO_QC_AVX2; path <= WKO_QC_AVX512; path++) {
    if (!wko_qconv_path_supported(path)) continue;
    for (int use_pool = 0; use_pool < 2; use_pool++) {
      wko_qconv_force_path(path);
      memset(y1, 0xa5, yn);
      wick_kernel_ctx c2 = {&d, "cortex_m::quantized_conv2d.out", 0, scratch, ss, use_pool ? pool : NULL};
      s = (nchw ? wko_cm_quantized_conv2d_out : wko_cm_quantized_conv2d_nhwc_out)(&c2, args, 14);
      CHECK_MSG(s == WICK_OK, "optimized: %s", d.msg);
      size_t bad = yn;
      for (size_t i = 0; i < yn; i++)
        if (y0[i] != y1[i]) {
          bad = i;
          break;
        }
      CHECK_MSG(bad == yn,
                "conv path %d pool %d %s n%lld cin%lld cout%lld g%lld %lldx%lld k%lldx%lld s%lld,%lld "
                "p%lld,%lld d%lld,%lld io%lld oo%lld act[%lld,%lld] orders %d/%d bias %d: byte %zu: %d != %d",
                path, use_pool, nchw ? "nchw" : "nhwc", (long long)n, (long long)cin, (long long)cout,
                (long long)groups, (long long)h, (long long)w, (long long)kh, (long long)kw, (long long)sh,
                (long long)sw, (long long)ph, (long long)pw, (long long)dh, (long long)dw, (long long)io,
                (long long)oo, (long long)amin, (long long)amax, xorder, yorder, has_bias, bad,
                bad < yn ? y1[bad] : 0, bad < yn ? y0[bad] : 0);
    }
  }
  /* no scratch: the portable fallback */
  wko_qconv_force_path(-1);
  memset(y1, 0xa5, yn);
  wick_kernel_ctx c3 = {&d, "cortex_m::quantized_conv2d.out", 0, NULL, 0, NULL};
  s = (nchw ? wko_cm_quantized_conv2d_out : wko_cm_quantized_conv2d_nhwc_out)(&c3, args, 14);
  CHECK(s == WICK_OK && memcmp(y0, y1, yn) == 0);
  g_cases++;
  free(scratch);
  free(xd), free(wd), free(y0), free(y1), free(bias), free(mult), free(shift);
}

/* One random linear: portable vs every optimized path. */
static void linear_case(wick_threadpool *pool) {
  int64_t b0 = rr(1, 3), rows = rr(1, 13), k = rr(1, 300), nout = rr(1, 90);
  if (rnd() % 4 == 0) k = rr(500, 1100);
  int three = rnd() % 2;
  size_t xn = (size_t)(b0 * rows * k), wn = (size_t)(nout * k), yn = (size_t)(b0 * rows * nout);
  int8_t *xd = malloc(xn), *wd = malloc(wn), *y0 = malloc(yn), *y1 = malloc(yn);
  int32_t *bias = malloc((size_t)nout * 4), *m32 = malloc((size_t)nout * 4), *s32 = malloc((size_t)nout * 4);
  int64_t *ml = malloc((size_t)nout * 8), *sl = malloc((size_t)nout * 8);
  fill_i8(xd, xn);
  fill_i8(wd, wn);
  for (int64_t i = 0; i < nout; i++) bias[i] = (int32_t)rr(-100000, 100000);
  rand_requant(m32, s32, nout);
  for (int64_t i = 0; i < nout; i++) ml[i] = m32[i], sl[i] = s32[i];
  uint32_t nm = rnd() % 2 ? 1 : (uint32_t)nout;
  int has_bias = rnd() % 4 != 0;
  int64_t io = rnd() % 8 == 0 ? rr(-1000, 1000) : rr(-127, 128), oo = rr(-128, 127);
  int64_t amin = rnd() % 2 ? -128 : rr(-128, 0), amax = rnd() % 2 ? 127 : rr(amin, 127);
  wick_tensor x = three ? tens(WICK_I8, xd, 3, SZ(b0, rows, k)) : tens(WICK_I8, xd, 2, SZ(b0 * rows, k));
  wick_tensor wt = tens(WICK_I8, wd, 2, SZ(nout, k));
  wick_tensor bt = tens(WICK_I32, bias, 1, SZ(nout));
  wick_tensor o0 = three ? tens(WICK_I8, y0, 3, SZ(b0, rows, nout)) : tens(WICK_I8, y0, 2, SZ(b0 * rows, nout));
  wick_tensor o1 = three ? tens(WICK_I8, y1, 3, SZ(b0, rows, nout)) : tens(WICK_I8, y1, 2, SZ(b0 * rows, nout));
  wick_value v[12] = {vt(&x),  vt(&wt),      has_bias ? vt(&bt) : vnone(), vnone(),   vi(io),  vi(0),
                      vi(oo), vil(ml, nm), vil(sl, nm),                   vi(amax), vi(amin), vt(&o0)};
  wick_value *args[12];
  for (int i = 0; i < 12; i++) args[i] = &v[i];
  wick_diag d = {WICK_OK, ""};
  wick_kernel_ctx ctx = {&d, "cortex_m::quantized_linear.out", 0, NULL, 0, NULL};
  memset(y0, 0x5a, yn);
  CHECK_MSG(wick_op_cm_quantized_linear_out(&ctx, args, 12) == WICK_OK, "portable: %s", d.msg);
  size_t ss = wko_cm_quantized_linear_scratch(args, 12);
  CHECK(ss > 0);
  void *scratch = aligned_alloc(64, (ss + 63) / 64 * 64);
  v[11] = vt(&o1);
  for (int path = WKO_QC_AVX2; path <= WKO_QC_AVX512; path++) {
    if (!wko_qconv_path_supported(path)) continue;
    for (int use_pool = 0; use_pool < 2; use_pool++) {
      wko_qconv_force_path(path);
      memset(y1, 0xa5, yn);
      wick_kernel_ctx c2 = {&d, "cortex_m::quantized_linear.out", 0, scratch, ss, use_pool ? pool : NULL};
      CHECK_MSG(wko_cm_quantized_linear_out(&c2, args, 12) == WICK_OK, "optimized: %s", d.msg);
      size_t bad = yn;
      for (size_t i = 0; i < yn; i++)
        if (y0[i] != y1[i]) {
          bad = i;
          break;
        }
      CHECK_MSG(bad == yn, "linear path %d pool %d rows %lld k %lld n %lld nm %u io %lld bias %d: byte %zu",
                path, use_pool, (long long)(b0 * rows), (long long)k, (long long)nout, nm, (long long)io,
                has_bias, bad);
    }
  }
  /* fallbacks: filter_offset != 0, kernel_sum given */
  wko_qconv_force_path(-1);
  int64_t fo = rr(-5, 5);
  v[5] = vi(fo ? fo : 1);
  v[11] = vt(&o0);
  CHECK(wick_op_cm_quantized_linear_out(&ctx, args, 12) == WICK_OK);
  v[11] = vt(&o1);
  memset(y1, 0xa5, yn);
  wick_kernel_ctx c3 = {&d, "cortex_m::quantized_linear.out", 0, scratch, ss, NULL};
  CHECK(wko_cm_quantized_linear_out(&c3, args, 12) == WICK_OK && memcmp(y0, y1, yn) == 0);
  v[3] = vt(&bt);
  v[11] = vt(&o0);
  CHECK(wick_op_cm_quantized_linear_out(&ctx, args, 12) == WICK_OK);
  v[11] = vt(&o1);
  memset(y1, 0xa5, yn);
  CHECK(wko_cm_quantized_linear_out(&c3, args, 12) == WICK_OK && memcmp(y0, y1, yn) == 0);
  g_cases++;
  free(scratch);
  free(xd), free(wd), free(y0), free(y1), free(bias), free(m32), free(s32), free(ml), free(sl);
}

/* One random depthwise conv: portable vs every optimized path. */
static void dw_case(wick_threadpool *pool) {
  int nchw = rnd() % 2;
  int64_t n = rr(1, 2), c = rr(1, 37), dm = rnd() % 4 == 0 ? rr(2, 3) : 1;
  static const int64_t ks[3] = {1, 3, 5};
  int64_t kh = ks[rnd() % 3], kw = rnd() % 4 == 0 ? ks[rnd() % 3] : kh;
  int64_t sh = rr(1, 2), sw = rnd() % 4 == 0 ? rr(1, 2) : sh;
  int64_t ph = rr(0, 2), pw = rnd() % 4 == 0 ? rr(0, 2) : ph;
  int64_t dh = rnd() % 5 == 0 ? 2 : 1, dw = rnd() % 5 == 0 ? 2 : dh;
  int64_t h = rr(1, 40), w = rr(1, 40);
  int64_t cout = c * dm;
  int64_t oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
  if (oh <= 0 || ow <= 0) return;
  size_t xn = (size_t)(n * c * h * w), wn = (size_t)(cout * kh * kw), yn = (size_t)(n * cout * oh * ow);
  int8_t *xd = malloc(xn), *wd = malloc(wn), *y0 = malloc(yn), *y1 = malloc(yn);
  int32_t *bias = malloc((size_t)cout * 4), *mult = malloc((size_t)cout * 4), *shift = malloc((size_t)cout * 4);
  fill_i8(xd, xn);
  fill_i8(wd, wn);
  for (int64_t i = 0; i < cout; i++) bias[i] = (int32_t)rr(-40000, 40000);
  rand_requant(mult, shift, cout);
  int has_bias = rnd() % 4 != 0;
  int64_t io = rr(-127, 128), oo = rr(-128, 127);
  int64_t amin = rnd() % 2 ? -128 : rr(-128, 0), amax = rnd() % 2 ? 127 : rr(amin, 127);
  wick_tensor x = nchw ? tens(WICK_I8, xd, 4, SZ(n, c, h, w)) : tens(WICK_I8, xd, 4, SZ(n, h, w, c));
  int xorder = rnd() % 2;
  if (xorder) set_order(&x, nchw ? kChannelsLast : kChannelsFirst);
  wick_tensor wt = tens(WICK_I8, wd, 4, SZ(1, kh, kw, cout));
  wick_tensor bt = tens(WICK_I32, bias, 1, SZ(cout)), mt = tens(WICK_I32, mult, 1, SZ(cout)),
              st = tens(WICK_I32, shift, 1, SZ(cout));
  int64_t osz[4] = {n, nchw ? cout : oh, nchw ? oh : ow, nchw ? ow : cout};
  wick_tensor o0 = tens(WICK_I8, y0, 4, osz), o1 = tens(WICK_I8, y1, 4, osz);
  int yorder = rnd() % 2;
  if (yorder) {
    set_order(&o0, nchw ? kChannelsLast : kChannelsFirst);
    set_order(&o1, nchw ? kChannelsLast : kChannelsFirst);
  }
  int64_t sv[2] = {sh, sw}, pv[2] = {ph, pw}, dv[2] = {dh, dw};
  wick_value v[15] = {vt(&x),  vt(&wt), has_bias ? vt(&bt) : vnone(), vil(sv, 2), vil(pv, 2),
                      vil(dv, 2), vi(dm), vi(io), vi(oo), vt(&mt), vt(&st), vi(amin), vi(amax), vnone(), vt(&o0)};
  wick_value *args[15];
  for (int i = 0; i < 15; i++) args[i] = &v[i];
  wick_diag d = {WICK_OK, ""};
  wick_kernel_ctx ctx = {&d, "cortex_m::quantized_depthwise_conv2d.out", 0, NULL, 0, NULL};
  memset(y0, 0x5a, yn);
  wick_status s = (nchw ? wick_op_cm_quantized_depthwise_conv2d_out
                        : wick_op_cm_quantized_depthwise_conv2d_nhwc_out)(&ctx, args, 15);
  CHECK_MSG(s == WICK_OK, "portable: %s", d.msg);
  size_t ss = (nchw ? wko_cm_quantized_depthwise_conv2d_scratch
                    : wko_cm_quantized_depthwise_conv2d_nhwc_scratch)(args, 15);
  CHECK(ss > 0);
  void *scratch = aligned_alloc(64, (ss + 63) / 64 * 64);
  v[14] = vt(&o1);
  for (int path = WKO_QC_AVX2; path <= WKO_QC_AVX512; path++) {
    if (!wko_qconv_path_supported(path)) continue;
    for (int use_pool = 0; use_pool < 2; use_pool++) {
      wko_qconv_force_path(path);
      memset(y1, 0xa5, yn);
      wick_kernel_ctx c2 = {&d, "cortex_m::quantized_depthwise_conv2d.out", 0, scratch, ss,
                            use_pool ? pool : NULL};
      s = (nchw ? wko_cm_quantized_depthwise_conv2d_out : wko_cm_quantized_depthwise_conv2d_nhwc_out)(&c2, args, 15);
      CHECK_MSG(s == WICK_OK, "optimized: %s", d.msg);
      size_t bad = yn;
      for (size_t i = 0; i < yn; i++)
        if (y0[i] != y1[i]) {
          bad = i;
          break;
        }
      CHECK_MSG(bad == yn,
                "dw path %d pool %d %s n%lld c%lld dm%lld %lldx%lld k%lldx%lld s%lld,%lld p%lld,%lld "
                "d%lld,%lld io%lld orders %d/%d bias %d: byte %zu",
                path, use_pool, nchw ? "nchw" : "nhwc", (long long)n, (long long)c, (long long)dm,
                (long long)h, (long long)w, (long long)kh, (long long)kw, (long long)sh, (long long)sw,
                (long long)ph, (long long)pw, (long long)dh, (long long)dw, (long long)io, xorder, yorder,
                has_bias, bad);
    }
  }
  wko_qconv_force_path(-1);
  g_cases++;
  free(scratch);
  free(xd), free(wd), free(y0), free(y1), free(bias), free(mult), free(shift);
}

/* A bad argument still gets the portable kernel's error. */
static void test_errors(void) {
  int8_t xd[16], wd[16], yd[16];
  int32_t m[2] = {1 << 30, 1 << 30}, sh[2] = {0, 40};
  wick_tensor x = tens(WICK_I8, xd, 4, SZ(1, 1, 4, 4)), wt = tens(WICK_I8, wd, 4, SZ(2, 1, 1, 1));
  wick_tensor mt = tens(WICK_I32, m, 1, SZ(2)), st = tens(WICK_I32, sh, 1, SZ(2));
  wick_tensor o = tens(WICK_I8, yd, 4, SZ(1, 2, 4, 4));
  int64_t one[1] = {1}, zero[1] = {0};
  wick_value v[14] = {vt(&x), vt(&wt), vnone(), vil(one, 1), vil(zero, 1), vil(one, 1), vi(0),
                      vi(0),  vt(&mt), vt(&st), vi(-128),    vi(127),      vnone(),     vt(&o)};
  wick_value *args[14];
  for (int i = 0; i < 14; i++) args[i] = &v[i];
  wick_diag d = {WICK_OK, ""};
  wick_kernel_ctx ctx = {&d, "cortex_m::quantized_conv2d.out", 0, NULL, 0, NULL};
  CHECK(wko_cm_quantized_conv2d_out(&ctx, args, 14) == WICK_ERR_KERNEL);
  CHECK_MSG(strstr(d.msg, "requantize_shifts[1]") != NULL, "message: %s", d.msg);
  CHECK(wko_cm_quantized_conv2d_scratch(args, 14) == 0);
}

int main(void) {
  wick_optimized_register();
  fprintf(stderr, "  qconv path: %d (0 portable, 1 avx2, 2 avx512-vnni); avx2 %d avx512 %d\n",
          wko_qconv_path(), wko_qconv_path_supported(WKO_QC_AVX2), wko_qconv_path_supported(WKO_QC_AVX512));
  wick_threadpool *pool = wick_threadpool_create(3);
  for (int i = 0; i < 300; i++) conv_case(pool);
  for (int i = 0; i < 200; i++) linear_case(pool);
  for (int i = 0; i < 300; i++) dw_case(pool);
  wko_qconv_force_path(-1);
  test_errors();
  fprintf(stderr, "  %d random cases\n", g_cases);
  wick_threadpool_destroy(pool);
  return test_finish("test_optimized_qconv");
}
