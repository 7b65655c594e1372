/* Unit tests of the neural-network portable kernels (conv, pooling,
 * normalization, softmax, padding, upsampling, arg/top-k reductions, cumsum,
 * bmm): every op called through the registry (wick_find_kernel) the way the
 * runtime calls it. Expected values come from naive double-precision
 * references written here from the mathematical definitions (a different
 * code path from the kernels: e.g. transposed convolution as a scatter) on
 * random shapes, and from hand-computed cases. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "kernel_test.h"
#include "wick/kernel.h"
#include "wick/tensor.h"

/* ---- helpers (as in test_kernels.c) ---------------------------------------- */



/* A dynamic (bounded) tensor of rank `dim` over `cap_elems` elements, with
 * placeholder sizes: the kernel must resize it. */
static wick_tensor dyn(int dtype, void *data, size_t cap_elems, int dim) {
  int64_t sizes[WICK_MAX_DIM];
  for (int i = 0; i < dim; i++) sizes[i] = 1;
  wick_tensor t = tens(dtype, data, dim, sizes);
  t.capacity = cap_elems * wick_dtype_size(dtype);
  t.dynamism = WICK_SHAPE_DYNAMIC_BOUND;
  return t;
}


/* An int list literal: IL(2, 3) (items live in a compound literal). */



/* Calls a kernel by name as the runtime would, after checking the argument
 * kinds against its declared signature (the loader's job). */


/* Expects a kernel error whose message contains `needle`. */



#define CHECK_SHAPE(t, ...)                                                                   \
  CHECK_MSG(same_shape(t, (int)(sizeof(SZ(__VA_ARGS__)) / sizeof(int64_t)), SZ(__VA_ARGS__)), \
            "shape of " #t)

/* Compares got (float32) with a double reference: |got - want| <= atol + rtol*|want|. */
static int cmp_at(int line, const char *what, const float *got, const double *want, size_t n,
                  double atol, double rtol) {
  for (size_t i = 0; i < n; i++) {
    double g = got[i], w = want[i];
    bool ok = (isnan(g) && isnan(w)) || fabs(g - w) <= atol + rtol * fabs(w);
    if (!ok) {
      fprintf(stderr, "line %d: %s: element %zu: got %.9g want %.9g\n", line, what, i, g, w);
      wick_test_failures++;
      return 1;
    }
  }
  return 0;
}
#define CMP(what, got, want, n, atol, rtol) cmp_at(__LINE__, what, got, want, n, atol, rtol)

/* Deterministic random numbers (xorshift64*). */
static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
  g_rng ^= g_rng >> 12;
  g_rng ^= g_rng << 25;
  g_rng ^= g_rng >> 27;
  return g_rng * 0x2545F4914F6CDD1Dull;
}
/* Uniform integer in [lo, hi]. */
static int64_t rint_(int64_t lo, int64_t hi) {
  return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}
/* Uniform in [-1, 1), rounded to float. */
static float rflt(void) {
  return (float)((double)(rnd() >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static float *frand(size_t n) {
  float *p = malloc((n ? n : 1) * sizeof *p);
  for (size_t i = 0; i < n; i++) p[i] = rflt();
  return p;
}

/* ---- registry ---------------------------------------------------------------- */

static void test_registry(void) {
  static const struct {
    const char *name, *sig;
  } want[] = {
      {"aten::convolution.out", "TTtIIIbIiT"},
      {"aten::max_pool2d_with_indices.out", "TIIIIb|TT"},
      {"aten::avg_pool2d.out", "TIIIbbjT"},
      {"aten::_adaptive_avg_pool2d.out", "TIT"},
      {"aten::_native_batch_norm_legit_no_training.out", "TttTTdd|TTT"},
      {"aten::native_layer_norm.out", "TIttd|TTT"},
      {"aten::_softmax.out", "TibT"},
      {"aten::_log_softmax.out", "TibT"},
      {"aten::constant_pad_nd.out", "TIST"},
      {"aten::upsample_nearest2d.vec_out", "TJET"},
      {"aten::upsample_bilinear2d.vec_out", "TJbET"},
      {"aten::amax.out", "TIbT"},
      {"aten::amin.out", "TIbT"},
      {"aten::argmax.out", "TjbT"},
      {"aten::argmin.out", "TjbT"},
      {"aten::topk.values", "Tiibb|TT"},
      {"aten::cumsum.out", "TijT"},
      {"aten::bmm.out", "TTT"},
      {"aten::pixel_shuffle.out", "TiT"},
      {"aten::native_group_norm.out", "Tttiiiid|TTT"},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const wick_kernel *k = wick_find_kernel(want[i].name);
    CHECK_MSG(k != NULL, "%s missing", want[i].name);
    if (k) CHECK_MSG(strcmp(k->signature, want[i].sig) == 0, "%s: %s", want[i].name, k->signature);
  }
  for (size_t i = 0; i < wick_portable_kernel_count; i++)
    for (size_t j = i + 1; j < wick_portable_kernel_count; j++)
      CHECK_MSG(strcmp(wick_portable_kernels[i].name, wick_portable_kernels[j].name) != 0,
                "duplicate %s", wick_portable_kernels[i].name);
}

/* ---- dtype buffers for the random tests ----------------------------------------- */

/* src rounded to dtype dt (f32, f64, f16, bf16), in a malloc'd buffer; src is
 * overwritten with the rounded values so references see what the kernel sees. */
static void *todt(float *src, size_t n, int dt) {
  void *p = malloc((n ? n : 1) * 8);
  for (size_t i = 0; i < n; i++) {
    switch (dt) {
      case WICK_F64: ((double *)p)[i] = src[i]; break;
      case WICK_F16:
        ((uint16_t *)p)[i] = wick_f32_to_f16(src[i]);
        src[i] = wick_f16_to_f32(((uint16_t *)p)[i]);
        break;
      case WICK_BF16:
        ((uint16_t *)p)[i] = wick_f32_to_bf16(src[i]);
        src[i] = wick_bf16_to_f32(((uint16_t *)p)[i]);
        break;
      default: ((float *)p)[i] = src[i]; break;
    }
  }
  return p;
}
/* Element i of a dtype buffer as a float (f64 narrowed: the tests compare with
 * tolerances far above float rounding except where noted). */
static double getd(const void *p, int dt, size_t i) {
  switch (dt) {
    case WICK_F64: return ((const double *)p)[i];
    case WICK_F16: return wick_f16_to_f32(((const uint16_t *)p)[i]);
    case WICK_BF16: return wick_bf16_to_f32(((const uint16_t *)p)[i]);
    default: return ((const float *)p)[i];
  }
}
static int cmp_dt_at(int line, const char *what, const void *got, int dt, const double *want,
                     size_t n, double atol, double rtol) {
  for (size_t i = 0; i < n; i++) {
    double g = getd(got, dt, i), w = want[i];
    bool ok = (isnan(g) && isnan(w)) || g == w || fabs(g - w) <= atol + rtol * fabs(w);
    if (!ok) {
      fprintf(stderr, "line %d: %s (%s): element %zu of %zu: got %.12g want %.12g\n", line, what,
              wick_dtype_name(dt), i, n, g, w);
      wick_test_failures++;
      return 1;
    }
  }
  return 0;
}
#define CMP_DT(what, got, dt, want, n, atol, rtol) \
  cmp_dt_at(__LINE__, what, got, dt, want, n, atol, rtol)

/* Tolerances per dtype for sums of a few dozen products of values in [-1,1]. */
static double tol_of(int dt) {
  switch (dt) {
    case WICK_F64: return 1e-12;
    case WICK_F16: return 4e-3;
    case WICK_BF16: return 3e-2;
    default: return 2e-6;
  }
}

/* ---- convolution ----------------------------------------------------------------- */

typedef struct conv_cfg {
  int nsp;
  int64_t n, cin, cout, groups;
  int64_t in[3], k[3], s[3], p[3], d[3], op[3], out[3];
  bool tr, bias;
} conv_cfg;

/* Reference convolution in double, straight from the definitions:
 *   normal:     y[n,oc,o] = b[oc] + sum_{icl,k} x[n, g*icpg+icl, o*s - p + k*d] * w[oc,icl,k]
 *   transposed: every x[n,ic,i] * w[ic,ocl,k] is scattered to y[n, g*ocpg+ocl, i*s - p + k*d]
 * with 3 spatial dims (missing ones have size 1). */
static void ref_conv(const conv_cfg *c, const float *x, const float *w, const float *b, double *y) {
  int64_t icpg = c->cin / c->groups, ocpg = c->cout / c->groups;
  int64_t on = c->out[0] * c->out[1] * c->out[2], in = c->in[0] * c->in[1] * c->in[2];
  int64_t kn = c->k[0] * c->k[1] * c->k[2];
  for (int64_t n = 0; n < c->n; n++)
    for (int64_t oc = 0; oc < c->cout; oc++)
      for (int64_t o = 0; o < on; o++) y[(n * c->cout + oc) * on + o] = c->bias ? b[oc] : 0.0;
  if (!c->tr) {
    for (int64_t n = 0; n < c->n; n++)
      for (int64_t oc = 0; oc < c->cout; oc++) {
        int64_t g = oc / ocpg;
        for (int64_t o = 0; o < on; o++) {
          int64_t opos[3] = {o / (c->out[1] * c->out[2]), (o / c->out[2]) % c->out[1],
                             o % c->out[2]};
          double acc = 0;
          for (int64_t icl = 0; icl < icpg; icl++)
            for (int64_t kk = 0; kk < kn; kk++) {
              int64_t kpos[3] = {kk / (c->k[1] * c->k[2]), (kk / c->k[2]) % c->k[1], kk % c->k[2]};
              int64_t ipos[3];
              bool inside = true;
              for (int j = 0; j < 3; j++) {
                ipos[j] = opos[j] * c->s[j] - c->p[j] + kpos[j] * c->d[j];
                if (ipos[j] < 0 || ipos[j] >= c->in[j]) inside = false;
              }
              if (!inside) continue;
              int64_t xi = (n * c->cin + g * icpg + icl) * in +
                           (ipos[0] * c->in[1] + ipos[1]) * c->in[2] + ipos[2];
              int64_t wi = (oc * icpg + icl) * kn + kk;
              acc += (double)x[xi] * (double)w[wi];
            }
          y[(n * c->cout + oc) * on + o] += acc;
        }
      }
  } else {
    for (int64_t n = 0; n < c->n; n++)
      for (int64_t ic = 0; ic < c->cin; ic++) {
        int64_t g = ic / icpg;
        for (int64_t i = 0; i < in; i++) {
          int64_t ipos[3] = {i / (c->in[1] * c->in[2]), (i / c->in[2]) % c->in[1], i % c->in[2]};
          double xv = x[(n * c->cin + ic) * in + i];
          for (int64_t ocl = 0; ocl < ocpg; ocl++)
            for (int64_t kk = 0; kk < kn; kk++) {
              int64_t kpos[3] = {kk / (c->k[1] * c->k[2]), (kk / c->k[2]) % c->k[1], kk % c->k[2]};
              int64_t opos[3];
              bool inside = true;
              for (int j = 0; j < 3; j++) {
                opos[j] = ipos[j] * c->s[j] - c->p[j] + kpos[j] * c->d[j];
                if (opos[j] < 0 || opos[j] >= c->out[j]) inside = false;
              }
              if (!inside) continue;
              int64_t oc = g * ocpg + ocl;
              int64_t yi =
                  (n * c->cout + oc) * on + (opos[0] * c->out[1] + opos[1]) * c->out[2] + opos[2];
              y[yi] += xv * (double)w[(ic * ocpg + ocl) * kn + kk];
            }
        }
      }
  }
}

/* A random valid configuration. */
static void conv_random_cfg(conv_cfg *c) {
  for (;;) {
    memset(c, 0, sizeof *c);
    int r = (int)rint_(0, 9);
    c->nsp = r < 4 ? 1 : r < 9 ? 2 : 3;
    c->tr = rint_(0, 2) == 0;
    c->bias = rint_(0, 3) != 0;
    c->n = rint_(1, 2);
    if (rint_(0, 4) == 0) { /* depthwise */
      c->groups = rint_(1, 4);
      c->cin = c->groups;
      c->cout = c->groups * rint_(1, 2);
    } else {
      c->groups = rint_(1, 3);
      c->cin = c->groups * rint_(1, 3);
      c->cout = c->groups * rint_(1, 3);
    }
    bool ok = true;
    for (int j = 0; j < 3; j++) {
      if (j < 3 - c->nsp) {
        c->in[j] = c->k[j] = c->s[j] = c->d[j] = c->out[j] = 1;
        continue;
      }
      c->in[j] = rint_(1, c->nsp == 3 ? 4 : 8);
      c->k[j] = rint_(1, 3);
      c->s[j] = rint_(1, 3);
      c->p[j] = rint_(0, 2);
      c->d[j] = rint_(1, 2);
      int64_t ext = c->d[j] * (c->k[j] - 1) + 1;
      if (!c->tr) {
        if (c->in[j] + 2 * c->p[j] < ext)
          ok = false;
        else
          c->out[j] = (c->in[j] + 2 * c->p[j] - ext) / c->s[j] + 1;
      } else {
        int64_t m = c->s[j] > c->d[j] ? c->s[j] : c->d[j];
        c->op[j] = rint_(0, m - 1);
        c->out[j] = (c->in[j] - 1) * c->s[j] - 2 * c->p[j] + ext + c->op[j];
        if (c->out[j] < 1) ok = false;
      }
    }
    if (ok) return;
  }
}

static void run_conv(const conv_cfg *c, int dt, bool dynamic_out) {
  int rank = c->nsp + 2;
  int64_t xs[5], ws[5], ys[5];
  xs[0] = c->n, xs[1] = c->cin;
  ws[0] = c->tr ? c->cin : c->cout;
  ws[1] = c->tr ? c->cout / c->groups : c->cin / c->groups;
  ys[0] = c->n, ys[1] = c->cout;
  for (int j = 0; j < c->nsp; j++) {
    xs[2 + j] = c->in[3 - c->nsp + j];
    ws[2 + j] = c->k[3 - c->nsp + j];
    ys[2 + j] = c->out[3 - c->nsp + j];
  }
  size_t nx = 1, nw = 1, ny = 1;
  for (int i = 0; i < rank; i++) nx *= (size_t)xs[i], nw *= (size_t)ws[i], ny *= (size_t)ys[i];
  float *x = frand(nx), *w = frand(nw), *b = frand((size_t)c->cout);
  void *xd = todt(x, nx, dt), *wd = todt(w, nw, dt), *bd = todt(b, (size_t)c->cout, dt);
  void *yd = calloc(ny + 1, 8);
  double *ref = malloc(ny * sizeof *ref);
  ref_conv(c, x, w, b, ref);
  wick_tensor tx = tens(dt, xd, rank, xs), tw = tens(dt, wd, rank, ws),
              tb = tens(dt, bd, 1, SZ(c->cout));
  wick_tensor ty = dynamic_out ? dyn(dt, yd, ny + 1, rank) : tens(dt, yd, rank, ys);
  int nsp = c->nsp, off = 3 - nsp;
  int64_t st[3], pd[3], dl[3], op[3];
  for (int j = 0; j < nsp; j++)
    st[j] = c->s[off + j], pd[j] = c->p[off + j], dl[j] = c->d[off + j], op[j] = c->op[off + j];
  /* single-entry lists when every spatial dim agrees, sometimes */
  uint32_t ns = (uint32_t)nsp, np = (uint32_t)nsp, nd = (uint32_t)nsp;
  if (nsp > 1 && st[0] == st[nsp - 1] && st[0] == st[nsp / 2] && rint_(0, 1)) ns = 1;
  if (nsp > 1 && pd[0] == pd[nsp - 1] && pd[0] == pd[nsp / 2] && rint_(0, 1)) np = 1;
  if (nsp > 1 && dl[0] == dl[nsp - 1] && dl[0] == dl[nsp / 2] && rint_(0, 1)) nd = 1;
  wick_status s =
      CALL("aten::convolution.out", vt(&tx), vt(&tw), c->bias ? vt(&tb) : vnone(), vil(st, ns),
           vil(pd, np), vil(dl, nd), vb(c->tr), vil(op, (uint32_t)nsp), vi(c->groups), vt(&ty));
  char what[200];
  snprintf(what, sizeof what,
           "conv%dd%s n%lld cin%lld cout%lld g%lld in[%lld,%lld,%lld] k[%lld,%lld,%lld] "
           "s[%lld,%lld,%lld] "
           "p[%lld,%lld,%lld] d[%lld,%lld,%lld] op[%lld,%lld,%lld]",
           nsp, c->tr ? "T" : "", (long long)c->n, (long long)c->cin, (long long)c->cout,
           (long long)c->groups, (long long)c->in[0], (long long)c->in[1], (long long)c->in[2],
           (long long)c->k[0], (long long)c->k[1], (long long)c->k[2], (long long)c->s[0],
           (long long)c->s[1], (long long)c->s[2], (long long)c->p[0], (long long)c->p[1],
           (long long)c->p[2], (long long)c->d[0], (long long)c->d[1], (long long)c->d[2],
           (long long)c->op[0], (long long)c->op[1], (long long)c->op[2]);
  CHECK_MSG(s == WICK_OK, "%s: %s", what, g_diag.msg);
  if (s == WICK_OK) {
    CHECK_MSG(same_shape(&ty, rank, ys), "%s: out shape", what);
    double t = tol_of(dt);
    CMP_DT(what, yd, dt, ref, ny, t, t);
  }
  free(x), free(w), free(b), free(xd), free(wd), free(bd), free(yd), free(ref);
}

static void test_conv_random(void) {
  for (int it = 0; it < 400; it++) {
    conv_cfg c;
    conv_random_cfg(&c);
    int dt = it % 10 == 7   ? WICK_F64
             : it % 10 == 8 ? WICK_F16
             : it % 20 == 9 ? WICK_BF16
                            : WICK_F32;
    run_conv(&c, dt, it % 3 == 0);
  }
}

static void test_conv_hand(void) {
  /* 1-D: x [1,1,4] = 1 2 3 4, w [1,1,2] = 1 -1, bias 10, stride 1, pad 1:
   * padded 0 1 2 3 4 0 -> out[i] = xp[i] - xp[i+1] + 10 */
  float x[4] = {1, 2, 3, 4}, w[2] = {1, -1}, b[1] = {10}, y[5];
  wick_tensor tx = tens(WICK_F32, x, 3, SZ(1, 1, 4)), tw = tens(WICK_F32, w, 3, SZ(1, 1, 2));
  wick_tensor tb = tens(WICK_F32, b, 1, SZ(1)), ty = tens(WICK_F32, y, 3, SZ(1, 1, 5));
  CHECK_OK(CALL("aten::convolution.out", vt(&tx), vt(&tw), vt(&tb), IL(1), IL(1), IL(1), vb(false),
                IL(0), vi(1), vt(&ty)));
  EXPECT_F32(y, 0, 9, 9, 9, 9, 14);
  /* transposed 1-D, stride 2: x 1 2, w 1 10 -> out len (2-1)*2 + 2 = 4: 1 10 2 20 */
  float y2[5];
  wick_tensor tx2 = tens(WICK_F32, x, 3, SZ(1, 1, 2)),
              tw2 = tens(WICK_F32, (float[]){1, 10}, 3, SZ(1, 1, 2));
  wick_tensor ty2 = tens(WICK_F32, y2, 3, SZ(1, 1, 4));
  CHECK_OK(CALL("aten::convolution.out", vt(&tx2), vt(&tw2), vnone(), IL(2), IL(0), IL(1), vb(true),
                IL(0), vi(1), vt(&ty2)));
  EXPECT_F32(y2, 0, 1, 10, 2, 20);
  /* ... with output_padding 1: one more (zero) element */
  wick_tensor ty3 = tens(WICK_F32, y2, 3, SZ(1, 1, 5));
  CHECK_OK(CALL("aten::convolution.out", vt(&tx2), vt(&tw2), vnone(), IL(2), IL(0), IL(1), vb(true),
                IL(1), vi(1), vt(&ty3)));
  EXPECT_F32(y2, 0, 1, 10, 2, 20, 0);

  /* errors */
  float big[64];
  wick_tensor x4 = tens(WICK_F32, big, 4, SZ(1, 2, 3, 3)),
              w4 = tens(WICK_F32, big, 4, SZ(1, 3, 2, 2));
  wick_tensor y4 = tens(WICK_F32, big, 4, SZ(1, 1, 2, 2));
  CHECK_FAILS(CALL("aten::convolution.out", vt(&x4), vt(&w4), vnone(), IL(1), IL(0), IL(1),
                   vb(false), IL0(), vi(1), vt(&y4)),
              "channels");
  wick_tensor w4b = tens(WICK_F32, big, 4, SZ(1, 2, 2, 2));
  set_order(&x4, (const uint8_t[]){0, 2, 3, 1});
  CHECK_FAILS(CALL("aten::convolution.out", vt(&x4), vt(&w4b), vnone(), IL(1), IL(0), IL(1),
                   vb(false), IL0(), vi(1), vt(&y4)),
              "dim order");
  set_order(&x4, (const uint8_t[]){0, 1, 2, 3});
  CHECK_OK(CALL("aten::convolution.out", vt(&x4), vt(&w4b), vnone(), IL(1), IL(0), IL(1), vb(false),
                IL0(), vi(1), vt(&y4)));
  wick_tensor tb2 = tens(WICK_F32, b, 1, SZ(2));
  CHECK_FAILS(CALL("aten::convolution.out", vt(&x4), vt(&w4b), vt(&tb2), IL(1), IL(0), IL(1),
                   vb(false), IL0(), vi(1), vt(&y4)),
              "bias");
  CHECK_FAILS(CALL("aten::convolution.out", vt(&x4), vt(&w4b), vnone(), IL(1, 1, 1), IL(0), IL(1),
                   vb(false), IL0(), vi(1), vt(&y4)),
              "stride");
  CHECK_FAILS(CALL("aten::convolution.out", vt(&x4), vt(&w4b), vnone(), IL(0), IL(0), IL(1),
                   vb(false), IL0(), vi(1), vt(&y4)),
              "stride");
  CHECK_FAILS(CALL("aten::convolution.out", vt(&x4), vt(&w4b), vnone(), IL(1), IL(0), IL(5),
                   vb(false), IL0(), vi(1), vt(&y4)),
              "smaller than");
  /* transposed output_padding must be < max(stride, dilation) */
  wick_tensor w4t = tens(WICK_F32, big, 4, SZ(2, 1, 2, 2));
  wick_tensor y4t = tens(WICK_F32, big, 4, SZ(1, 1, 5, 5));
  CHECK_FAILS(CALL("aten::convolution.out", vt(&x4), vt(&w4t), vnone(), IL(1), IL(0), IL(1),
                   vb(true), IL(1), vi(1), vt(&y4t)),
              "output_padding");
  int64_t ix[4] = {0};
  wick_tensor xi = tens(WICK_I64, ix, 3, SZ(1, 1, 4));
  CHECK_FAILS(CALL("aten::convolution.out", vt(&xi), vt(&xi), vnone(), IL(1), IL(0), IL(1),
                   vb(false), IL0(), vi(1), vt(&xi)),
              "floating");
}

/* ---- softmax -------------------------------------------------------------------- */

static void ref_softmax(const float *x, int rank, const int64_t *sizes, int dim, bool logsm,
                        double *y) {
  int64_t outer = 1, inner = 1, len = sizes[dim];
  for (int d = 0; d < dim; d++) outer *= sizes[d];
  for (int d = dim + 1; d < rank; d++) inner *= sizes[d];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      double sum = 0;
      for (int64_t j = 0; j < len; j++) sum += exp((double)x[(o * len + j) * inner + i]);
      for (int64_t j = 0; j < len; j++) {
        double v = x[(o * len + j) * inner + i];
        y[(o * len + j) * inner + i] = logsm ? v - log(sum) : exp(v) / sum;
      }
    }
}

static void test_softmax(void) {
  float x[3] = {1, 2, 3}, y[3];
  wick_tensor tx = tens(WICK_F32, x, 1, SZ(3)), ty = tens(WICK_F32, y, 1, SZ(3));
  CHECK_OK(CALL("aten::_softmax.out", vt(&tx), vi(0), vb(false), vt(&ty)));
  EXPECT_F32(y, 1e-7f, 0.0900305732f, 0.244728471f, 0.665240956f);
  CHECK_OK(CALL("aten::_log_softmax.out", vt(&tx), vi(-1), vb(false), vt(&ty)));
  EXPECT_F32(y, 1e-6f, -2.40760596f, -1.40760596f, -0.407605964f);
  /* large values: no overflow (max subtracted) */
  float xb[3] = {1000, 1001, 1002};
  wick_tensor txb = tens(WICK_F32, xb, 1, SZ(3));
  CHECK_OK(CALL("aten::_softmax.out", vt(&txb), vi(0), vb(false), vt(&ty)));
  EXPECT_F32(y, 1e-7f, 0.0900305732f, 0.244728471f, 0.665240956f);
  /* NaN poisons its row only; -inf gives 0 */
  float xn[6] = {1, NAN, 2, 0, -INFINITY, 0}, yn[6];
  wick_tensor txn = tens(WICK_F32, xn, 2, SZ(2, 3)), tyn = tens(WICK_F32, yn, 2, SZ(2, 3));
  CHECK_OK(CALL("aten::_softmax.out", vt(&txn), vi(1), vb(false), vt(&tyn)));
  EXPECT_F32(yn, 1e-7f, NAN, NAN, NAN, 0.5f, 0, 0.5f);
  CHECK_FAILS(CALL("aten::_softmax.out", vt(&tx), vi(0), vb(true), vt(&ty)), "half_to_float");
  CHECK_FAILS(CALL("aten::_softmax.out", vt(&tx), vi(1), vb(false), vt(&ty)), "out of range");

  /* random shapes, every dim, f32/f64/f16 */
  for (int it = 0; it < 60; it++) {
    int rank = (int)rint_(1, 4);
    int64_t sizes[4];
    size_t n = 1;
    for (int d = 0; d < rank; d++) n *= (size_t)(sizes[d] = rint_(1, 5));
    int dim = (int)rint_(0, rank - 1);
    bool logsm = it & 1;
    int dt = it % 5 == 3 ? WICK_F64 : it % 5 == 4 ? WICK_F16 : WICK_F32;
    float *xr = frand(n);
    for (size_t i = 0; i < n; i++) xr[i] *= 8;
    void *xd = todt(xr, n, dt), *yd = calloc(n, 8);
    double *ref = malloc(n * sizeof *ref);
    ref_softmax(xr, rank, sizes, dim, logsm, ref);
    wick_tensor a = tens(dt, xd, rank, sizes), b = dyn(dt, yd, n, rank);
    CHECK_OK(CALL(logsm ? "aten::_log_softmax.out" : "aten::_softmax.out", vt(&a),
                  vi(dim - (it % 3 == 0 ? rank : 0)), vb(false), vt(&b)));
    CHECK(same_shape(&b, rank, sizes));
    double t = dt == WICK_F16 ? 2e-3 : dt == WICK_F64 ? 1e-13 : 1e-6;
    CMP_DT("softmax", yd, dt, ref, n, t, t);
    free(xr), free(xd), free(yd), free(ref);
  }

  /* any dim order: x logically [2,3,4] stored as dim order (2,0,1) (and out
   * in yet another); rows along dim 1 */
  float xs[24], ys[24];
  double ref[24];
  float logical[24];
  for (int i = 0; i < 24; i++) logical[i] = (float)((i * 7) % 11) / 3.0f;
  ref_softmax(logical, 3, SZ(2, 3, 4), 1, false, ref);
  wick_tensor a = tens(WICK_F32, xs, 3, SZ(2, 3, 4)), b = tens(WICK_F32, ys, 3, SZ(2, 3, 4));
  set_order(&a, (const uint8_t[]){2, 0, 1});
  set_order(&b, (const uint8_t[]){1, 2, 0});
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 4; k++)
        xs[i * a.strides[0] + j * a.strides[1] + k * a.strides[2]] = logical[(i * 3 + j) * 4 + k];
  CHECK_OK(CALL("aten::_softmax.out", vt(&a), vi(1), vb(false), vt(&b)));
  float got[24];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 4; k++)
        got[(i * 3 + j) * 4 + k] = ys[i * b.strides[0] + j * b.strides[1] + k * b.strides[2]];
  CMP("softmax dim order", got, ref, 24, 1e-7, 1e-6);
}

/* ---- batch norm / layer norm ------------------------------------------------------ */

static void test_batch_norm(void) {
  /* x [1,2,1,2] = 1 2 | 3 4, mean [1,3], var [4,0.25], weight [2,1], bias [0,1], eps 0 */
  float x[4] = {1, 2, 3, 4}, mean[2] = {1, 3}, var[2] = {4, 0.25f}, w[2] = {2, 1}, b[2] = {0, 1},
        y[4];
  float s1[1] = {-7}, s2[1] = {-7};
  wick_tensor tx = tens(WICK_F32, x, 4, SZ(1, 2, 1, 2)), ty = tens(WICK_F32, y, 4, SZ(1, 2, 1, 2));
  wick_tensor tm = tens(WICK_F32, mean, 1, SZ(2)), tv = tens(WICK_F32, var, 1, SZ(2));
  wick_tensor tw = tens(WICK_F32, w, 1, SZ(2)), tb = tens(WICK_F32, b, 1, SZ(2));
  wick_tensor o1 = dyn(WICK_F32, s1, 1, 1), o2 = tens(WICK_F32, s2, 1, SZ(1));
  CHECK_OK(CALL("aten::_native_batch_norm_legit_no_training.out", vt(&tx), vt(&tw), vt(&tb),
                vt(&tm), vt(&tv), vd(0.1), vd(0.0), vt(&ty), vt(&o1), vt(&o2)));
  EXPECT_F32(y, 1e-6f, 0, 1, 1, 3);
  CHECK_SHAPE(&o1, 0); /* dynamic: resized to [0] */
  CHECK_SHAPE(&o2, 1); /* static: left alone */
  CHECK(s1[0] == -7 && s2[0] == -7);
  /* no weight / bias */
  CHECK_OK(CALL("aten::_native_batch_norm_legit_no_training.out", vt(&tx), vnone(), vnone(),
                vt(&tm), vt(&tv), vd(0.1), vd(0.0), vt(&ty), vt(&o1), vt(&o2)));
  EXPECT_F32(y, 1e-6f, 0, 0.5f, 0, 2);
  /* errors */
  wick_tensor tm3 = tens(WICK_F32, mean, 1, SZ(1));
  CHECK_FAILS(CALL("aten::_native_batch_norm_legit_no_training.out", vt(&tx), vnone(), vnone(),
                   vt(&tm3), vt(&tv), vd(0.1), vd(0.0), vt(&ty), vt(&o1), vt(&o2)),
              "running_mean");

  /* random, ranks 2..5, with and without affine, f32/f64/f16, some channels-last */
  for (int it = 0; it < 40; it++) {
    int rank = (int)rint_(2, 5);
    int64_t sizes[5];
    size_t n = 1;
    for (int d = 0; d < rank; d++) n *= (size_t)(sizes[d] = rint_(1, 4));
    int64_t C = sizes[1];
    int dt = it % 4 == 1 ? WICK_F64 : it % 4 == 2 ? WICK_F16 : WICK_F32;
    float *xr = frand(n), *mr = frand((size_t)C), *vr = frand((size_t)C), *wr = frand((size_t)C),
          *br = frand((size_t)C);
    for (int64_t c = 0; c < C; c++) vr[c] = fabsf(vr[c]) + 0.5f;
    bool aff = it % 3 != 0;
    bool cl = rank == 4 && it % 2 == 0;
    /* the logical values; for channels-last, stored permuted */
    void *xd = todt(xr, n, dt), *yd = calloc(n, 8);
    wick_tensor a = tens(dt, xd, rank, sizes), o = tens(dt, yd, rank, sizes);
    if (cl) {
      set_order(&a, (const uint8_t[]){0, 2, 3, 1});
      set_order(&o, (const uint8_t[]){0, 2, 3, 1});
    }
    double *ref = malloc(n * sizeof *ref), *got_perm = malloc(n * sizeof *got_perm);
    int64_t inner = (int64_t)n / (sizes[0] * C);
    for (size_t i = 0; i < n; i++) {
      int64_t c = ((int64_t)i / inner) % C;
      double v = ((double)xr[i] - mr[c]) / sqrt((double)vr[c] + 1e-5);
      if (aff) v = v * wr[c] + br[c];
      ref[i] = v;
    }
    if (cl) { /* store xd permuted: element logical i goes to its strided position */
      void *tmp = todt(xr, n, dt);
      size_t es = wick_dtype_size(dt);
      for (size_t i = 0; i < n; i++) {
        int64_t rem = (int64_t)i, off = 0;
        for (int d = rank - 1; d >= 0; d--) off += (rem % sizes[d]) * a.strides[d], rem /= sizes[d];
        memcpy((char *)xd + (size_t)off * es, (char *)tmp + i * es, es);
      }
      free(tmp);
    }
    void *md = todt(mr, (size_t)C, WICK_F32), *vd_ = todt(vr, (size_t)C, WICK_F32);
    void *wd = todt(wr, (size_t)C, WICK_F32), *bd = todt(br, (size_t)C, WICK_F32);
    wick_tensor tmm = tens(WICK_F32, md, 1, SZ(C)), tvv = tens(WICK_F32, vd_, 1, SZ(C));
    wick_tensor tww = tens(WICK_F32, wd, 1, SZ(C)), tbb = tens(WICK_F32, bd, 1, SZ(C));
    float e1[1], e2[1];
    wick_tensor z1 = tens(dt, e1, 1, SZ(0)), z2 = tens(dt, e2, 1, SZ(0));
    CHECK_OK(CALL("aten::_native_batch_norm_legit_no_training.out", vt(&a),
                  aff ? vt(&tww) : vnone(), aff ? vt(&tbb) : vnone(), vt(&tmm), vt(&tvv), vd(0.1),
                  vd(1e-5), vt(&o), vt(&z1), vt(&z2)));
    for (size_t i = 0; i < n; i++) {
      int64_t rem = (int64_t)i, off = 0;
      for (int d = rank - 1; d >= 0; d--) off += (rem % sizes[d]) * o.strides[d], rem /= sizes[d];
      got_perm[i] = getd(yd, dt, (size_t)off);
    }
    double t = dt == WICK_F16 ? 1e-2 : dt == WICK_F64 ? 1e-12 : 2e-6;
    CMP_DT("batch_norm", got_perm, WICK_F64, ref, n, t, t);
    free(xr), free(mr), free(vr), free(wr), free(br), free(xd), free(yd), free(ref), free(got_perm);
    free(md), free(vd_), free(wd), free(bd);
  }
}

static void test_layer_norm(void) {
  float x[4] = {1, 2, 3, 4}, y[4], mean[1], rstd[1];
  wick_tensor tx = tens(WICK_F32, x, 1, SZ(4)), ty = tens(WICK_F32, y, 1, SZ(4));
  wick_tensor tm = dyn(WICK_F32, mean, 1, 1), tr = dyn(WICK_F32, rstd, 1, 1);
  CHECK_OK(CALL("aten::native_layer_norm.out", vt(&tx), IL(4), vnone(), vnone(), vd(1e-5), vt(&ty),
                vt(&tm), vt(&tr)));
  EXPECT_F32(y, 1e-6f, -1.34163542f, -0.447211807f, 0.447211807f, 1.34163542f);
  EXPECT_F32(mean, 0, 2.5f);
  EXPECT_F32(rstd, 1e-6f, 0.894423613f);
  CHECK_SHAPE(&tm, 1);
  /* weight / bias */
  float w[4] = {1, 2, 0, -1}, b[4] = {0, 0, 5, 1};
  wick_tensor tw = tens(WICK_F32, w, 1, SZ(4)), tb = tens(WICK_F32, b, 1, SZ(4));
  CHECK_OK(CALL("aten::native_layer_norm.out", vt(&tx), IL(4), vt(&tw), vt(&tb), vd(1e-5), vt(&ty),
                vt(&tm), vt(&tr)));
  EXPECT_F32(y, 1e-6f, -1.34163542f, -0.894423613f, 5, -0.34163542f);
  /* errors */
  CHECK_FAILS(CALL("aten::native_layer_norm.out", vt(&tx), IL(3), vnone(), vnone(), vd(1e-5),
                   vt(&ty), vt(&tm), vt(&tr)),
              "normalized_shape");
  wick_tensor tw3 = tens(WICK_F32, w, 1, SZ(3));
  CHECK_FAILS(CALL("aten::native_layer_norm.out", vt(&tx), IL(4), vt(&tw3), vnone(), vd(1e-5),
                   vt(&ty), vt(&tm), vt(&tr)),
              "weight");

  /* random: rank 1..4, normalized over the last m dims */
  for (int it = 0; it < 50; it++) {
    int rank = (int)rint_(1, 4), m = (int)rint_(1, rank), axis = rank - m;
    int64_t sizes[4], ssz[4];
    size_t n = 1, rows = 1, len = 1;
    for (int d = 0; d < rank; d++) {
      n *= (size_t)(sizes[d] = rint_(1, 5));
      if (d < axis)
        rows *= (size_t)sizes[d];
      else
        len *= (size_t)sizes[d];
      ssz[d] = d < axis ? sizes[d] : 1;
    }
    int dt = it % 4 == 1 ? WICK_F64 : it % 4 == 2 ? WICK_BF16 : WICK_F32;
    bool aff = it % 3 != 0;
    float *xr = frand(n), *wr = frand(len), *br = frand(len);
    for (size_t i = 0; i < n; i++) xr[i] = xr[i] * 3 + 1;
    void *xd = todt(xr, n, dt), *yd = calloc(n, 8), *md = calloc(rows, 8), *rd = calloc(rows, 8);
    double *ref = malloc(n * sizeof *ref), *rmean = malloc(rows * sizeof *rmean),
           *rrstd = malloc(rows * sizeof *rrstd);
    for (size_t r = 0; r < rows; r++) {
      double s = 0, q = 0;
      for (size_t j = 0; j < len; j++) s += xr[r * len + j];
      double mu = s / (double)len;
      for (size_t j = 0; j < len; j++) q += (xr[r * len + j] - mu) * (xr[r * len + j] - mu);
      double rs = 1 / sqrt(q / (double)len + 1e-5);
      rmean[r] = mu, rrstd[r] = rs;
      for (size_t j = 0; j < len; j++)
        ref[r * len + j] = (xr[r * len + j] - mu) * rs * (aff ? wr[j] : 1) + (aff ? br[j] : 0);
    }
    wick_tensor a = tens(dt, xd, rank, sizes), o = dyn(dt, yd, n, rank);
    wick_tensor om = tens(WICK_F32, md, rank, ssz), orr = tens(WICK_F32, rd, rank, ssz);
    wick_tensor tww = tens(WICK_F32, wr, m, sizes + axis),
                tbb = tens(WICK_F32, br, m, sizes + axis);
    CHECK_OK(CALL("aten::native_layer_norm.out", vt(&a), vil(sizes + axis, (uint32_t)m),
                  aff ? vt(&tww) : vnone(), aff ? vt(&tbb) : vnone(), vd(1e-5), vt(&o), vt(&om),
                  vt(&orr)));
    double t = dt == WICK_BF16 ? 3e-2 : dt == WICK_F64 ? 1e-12 : 1e-5;
    CMP_DT("layer_norm", yd, dt, ref, n, t, t);
    CMP_DT("layer_norm mean", md, WICK_F32, rmean, rows, 1e-6, 1e-6);
    /* rstd can be large for nearly-constant rows: relative check */
    CMP_DT("layer_norm rstd", rd, WICK_F32, rrstd, rows, 1e-6, 1e-5);
    free(xr), free(wr), free(br), free(xd), free(yd), free(md), free(rd), free(ref), free(rmean),
        free(rrstd);
  }
}

/* ---- pooling ----------------------------------------------------------------------- */

/* Output size of a pooling window from its definition: the number of window
 * starts o*s - p (o = 0, 1, ...) whose window fits the padded input (floor
 * mode), or, with ceil_mode, that start inside the input or the left padding
 * and still overlap the right padding. */
static int64_t ref_pool_out(int64_t in, int64_t k, int64_t p, int64_t s, int64_t d,
                            bool ceil_mode) {
  int64_t ext = d * (k - 1) + 1, count = 0;
  for (int64_t o = 0;; o++) {
    int64_t start = o * s - p;
    bool fits = start + ext <= in + p;
    /* ceil: a partial window past the previous full one, starting in the input */
    bool partial = (o - 1) * s < in + 2 * p - ext && start < in;
    if (fits || (ceil_mode && partial))
      count++;
    else
      break;
  }
  return count;
}

static void test_max_pool(void) {
  /* 4x4 plane 0..15, kernel 2, stride 2 */
  float x[16], y[4];
  int64_t ind[4];
  for (int i = 0; i < 16; i++) x[i] = (float)i;
  wick_tensor tx = tens(WICK_F32, x, 3, SZ(1, 4, 4)), ty = tens(WICK_F32, y, 3, SZ(1, 2, 2));
  wick_tensor ti = tens(WICK_I64, ind, 3, SZ(1, 2, 2));
  CHECK_OK(CALL("aten::max_pool2d_with_indices.out", vt(&tx), IL(2, 2), IL0(), IL(0), IL(1),
                vb(false), vt(&ty), vt(&ti)));
  EXPECT_F32(y, 0, 5, 7, 13, 15);
  EXPECT_I64(ind, 5, 7, 13, 15);
  /* ties keep the first position; NaN wins (the last NaN of a window) */
  float xt[4] = {3, 3, NAN, NAN}, yt[1];
  int64_t it1[1];
  wick_tensor txt = tens(WICK_F32, xt, 4, SZ(1, 1, 2, 2)),
              tyt = tens(WICK_F32, yt, 4, SZ(1, 1, 1, 1));
  wick_tensor tit = tens(WICK_I64, it1, 4, SZ(1, 1, 1, 1));
  CHECK_OK(CALL("aten::max_pool2d_with_indices.out", vt(&txt), IL(2), IL(2), IL(0), IL(1),
                vb(false), vt(&tyt), vt(&tit)));
  CHECK(isnan(yt[0]) && it1[0] == 3);
  xt[2] = xt[3] = 1;
  CHECK_OK(CALL("aten::max_pool2d_with_indices.out", vt(&txt), IL(2), IL(2), IL(0), IL(1),
                vb(false), vt(&tyt), vt(&tit)));
  CHECK(yt[0] == 3 && it1[0] == 0);
  /* padding: a window over -inf padding reports its first in-bounds position;
   * 3x3 of -1, kernel 2 stride 2 pad 1: out 2x2, each window's first valid */
  float xm[9], ym[4];
  int64_t im[4];
  for (int i = 0; i < 9; i++) xm[i] = -1;
  wick_tensor txm = tens(WICK_F32, xm, 3, SZ(1, 3, 3)), tym = tens(WICK_F32, ym, 3, SZ(1, 2, 2));
  wick_tensor tim = tens(WICK_I64, im, 3, SZ(1, 2, 2));
  CHECK_OK(CALL("aten::max_pool2d_with_indices.out", vt(&txm), IL(2), IL(2), IL(1), IL(1),
                vb(false), vt(&tym), vt(&tim)));
  EXPECT_F32(ym, 0, -1, -1, -1, -1);
  EXPECT_I64(im, 0, 1, 3, 4);
  /* int32 input */
  int32_t xi[4] = {-5, 7, 7, 2}, yi[1];
  wick_tensor txi = tens(WICK_I32, xi, 3, SZ(1, 2, 2)), tyi = tens(WICK_I32, yi, 3, SZ(1, 1, 1));
  wick_tensor tii = tens(WICK_I64, it1, 3, SZ(1, 1, 1));
  CHECK_OK(CALL("aten::max_pool2d_with_indices.out", vt(&txi), IL(2), IL0(), IL(0), IL(1),
                vb(false), vt(&tyi), vt(&tii)));
  CHECK(yi[0] == 7 && it1[0] == 1);
  /* errors */
  CHECK_FAILS(CALL("aten::max_pool2d_with_indices.out", vt(&tx), IL(2), IL0(), IL(2), IL(1),
                   vb(false), vt(&ty), vt(&ti)),
              "half of kernel");
  CHECK_FAILS(CALL("aten::max_pool2d_with_indices.out", vt(&tx), IL(5), IL0(), IL(0), IL(1),
                   vb(false), vt(&ty), vt(&ti)),
              "too small");
  CHECK_FAILS(CALL("aten::max_pool2d_with_indices.out", vt(&tx), IL(2), IL0(), IL(0), IL(1),
                   vb(false), vt(&ty), vt(&ty)),
              "int64");

  /* random vs a reference over the padded window */
  for (int it = 0; it < 150; it++) {
    int64_t N = rint_(1, 2), C = rint_(1, 3), H = rint_(1, 9), W = rint_(1, 9);
    int64_t kh = rint_(1, 4), kw = rint_(1, 4), sh = rint_(1, 3), sw = rint_(1, 3);
    int64_t ph = rint_(0, kh / 2), pw = rint_(0, kw / 2), dh = rint_(1, 2), dw = rint_(1, 2);
    bool ceil_mode = it & 1, batched = it % 3 != 0;
    int64_t OH = ref_pool_out(H, kh, ph, sh, dh, ceil_mode),
            OW = ref_pool_out(W, kw, pw, sw, dw, ceil_mode);
    if (OH < 1 || OW < 1) continue;
    size_t nx = (size_t)(N * C * H * W), ny = (size_t)(N * C * OH * OW);
    float *xr = frand(nx);
    int dt = it % 5 == 4 ? WICK_F64 : WICK_F32;
    void *xd = todt(xr, nx, dt), *yd = calloc(ny, 8);
    int64_t *idx = calloc(ny, sizeof *idx), *ridx = calloc(ny, sizeof *ridx);
    double *ref = malloc(ny * sizeof *ref);
    for (int64_t p = 0; p < N * C; p++)
      for (int64_t oh = 0; oh < OH; oh++)
        for (int64_t ow = 0; ow < OW; ow++) {
          double best = -INFINITY;
          int64_t bi = -1;
          for (int64_t a = 0; a < kh; a++)
            for (int64_t b = 0; b < kw; b++) {
              int64_t h = oh * sh - ph + a * dh, w = ow * sw - pw + b * dw;
              if (h < 0 || h >= H || w < 0 || w >= W) continue;
              double v = xr[p * H * W + h * W + w];
              if (bi < 0 || v > best) best = v, bi = h * W + w;
            }
          ref[(p * OH + oh) * OW + ow] = best;
          ridx[(p * OH + oh) * OW + ow] = bi;
        }
    int rank = batched ? 4 : 3;
    int64_t xs4[4] = {N, C, H, W}, ys4[4] = {N, C, OH, OW}, xs3[3] = {N * C, H, W},
            ys3[3] = {N * C, OH, OW};
    wick_tensor a = tens(dt, xd, rank, batched ? xs4 : xs3);
    wick_tensor o = dyn(dt, yd, ny, rank), oi = dyn(WICK_I64, idx, ny, rank);
    wick_status s = CALL("aten::max_pool2d_with_indices.out", vt(&a), IL(kh, kw),
                         it % 7 == 0 && sh == kh && sw == kw ? IL0() : IL(sh, sw), IL(ph, pw),
                         IL(dh, dw), vb(ceil_mode), vt(&o), vt(&oi));
    CHECK_MSG(s == WICK_OK, "%s", g_diag.msg);
    if (s == WICK_OK) {
      CHECK(same_shape(&o, rank, batched ? ys4 : ys3) &&
            same_shape(&oi, rank, batched ? ys4 : ys3));
      if (CMP_DT("max_pool2d", yd, dt, ref, ny, 0, 0))
        fprintf(stderr, "  H%lld W%lld k%lld,%lld s%lld,%lld p%lld,%lld d%lld,%lld ceil%d\n",
                (long long)H, (long long)W, (long long)kh, (long long)kw, (long long)sh,
                (long long)sw, (long long)ph, (long long)pw, (long long)dh, (long long)dw,
                ceil_mode);
      for (size_t i = 0; i < ny; i++)
        if (idx[i] != ridx[i] && ridx[i] >= 0) { /* (-1: a window wholly in the padding, which
                                                     dilation allows; ATen gives -inf and an index
                                                     past the plane there) */
          CHECK_MSG(false, "max_pool2d index %zu: got %lld want %lld", i, (long long)idx[i],
                    (long long)ridx[i]);
          break;
        }
    }
    free(xr), free(xd), free(yd), free(idx), free(ridx), free(ref);
  }
}

static void test_avg_pool(void) {
  /* 3x3 of 1..9, kernel 3, stride 1, pad 1 */
  float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, y[9];
  wick_tensor tx = tens(WICK_F32, x, 3, SZ(1, 3, 3)), ty = tens(WICK_F32, y, 3, SZ(1, 3, 3));
  CHECK_OK(CALL("aten::avg_pool2d.out", vt(&tx), IL(3), IL(1), IL(1), vb(false), vb(false), vnone(),
                vt(&ty)));
  /* corner: (1+2+4+5)/4; edge: (1+2+3+4+5+6)/6; center: 45/9 */
  EXPECT_F32(y, 1e-6f, 3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7);
  CHECK_OK(CALL("aten::avg_pool2d.out", vt(&tx), IL(3), IL(1), IL(1), vb(false), vb(true), vnone(),
                vt(&ty)));
  EXPECT_F32(y, 1e-6f, 12.f / 9, 21.f / 9, 16.f / 9, 27.f / 9, 5, 33.f / 9, 24.f / 9, 39.f / 9,
             28.f / 9);
  CHECK_OK(CALL("aten::avg_pool2d.out", vt(&tx), IL(3), IL(1), IL(1), vb(false), vb(true), vi(2),
                vt(&ty)));
  EXPECT_F32(y, 1e-6f, 6, 10.5f, 8, 13.5f, 22.5f, 16.5f, 12, 19.5f, 14);
  /* ceil_mode: 3x3, kernel 2, stride 2 -> 2x2; the last window (start 2) holds
   * one column/row: count_include_pad divides by the part inside input+pad
   * (pad 0 here: 1 element), so the divisor is the clipped size */
  float y2[4];
  wick_tensor ty2 = tens(WICK_F32, y2, 3, SZ(1, 2, 2));
  CHECK_OK(CALL("aten::avg_pool2d.out", vt(&tx), IL(2), IL0(), IL(0), vb(true), vb(true), vnone(),
                vt(&ty2)));
  EXPECT_F32(y2, 1e-6f, 3, 4.5f, 7.5f, 9);
  CHECK_FAILS(CALL("aten::avg_pool2d.out", vt(&tx), IL(2), IL0(), IL(0), vb(false), vb(true),
                   vnone(), vt(&ty2)),
              "cannot be resized");
  CHECK_FAILS(CALL("aten::avg_pool2d.out", vt(&tx), IL(2), IL0(), IL(0), vb(true), vb(true), vi(0),
                   vt(&ty2)),
              "divisor");
  /* int64: truncating division */
  int64_t xl[4] = {1, 2, 3, 5}, yl[1];
  wick_tensor txl = tens(WICK_I64, xl, 3, SZ(1, 2, 2)), tyl = tens(WICK_I64, yl, 3, SZ(1, 1, 1));
  CHECK_OK(CALL("aten::avg_pool2d.out", vt(&txl), IL(2), IL0(), IL(0), vb(false), vb(true), vnone(),
                vt(&tyl)));
  CHECK(yl[0] == 2);

  /* random vs a reference counting window positions */
  for (int it = 0; it < 150; it++) {
    int64_t N = rint_(1, 2), C = rint_(1, 3), H = rint_(1, 9), W = rint_(1, 9);
    int64_t kh = rint_(1, 4), kw = rint_(1, 4), sh = rint_(1, 3), sw = rint_(1, 3);
    int64_t ph = rint_(0, kh / 2), pw = rint_(0, kw / 2);
    bool ceil_mode = it & 1, incl = (it >> 1) & 1;
    int64_t div = it % 7 == 0 ? rint_(1, 5) : 0;
    int64_t OH = ref_pool_out(H, kh, ph, sh, 1, ceil_mode),
            OW = ref_pool_out(W, kw, pw, sw, 1, ceil_mode);
    if (OH < 1 || OW < 1) continue;
    size_t nx = (size_t)(N * C * H * W), ny = (size_t)(N * C * OH * OW);
    float *xr = frand(nx);
    int dt = it % 5 == 4 ? WICK_F16 : WICK_F32;
    void *xd = todt(xr, nx, dt), *yd = calloc(ny, 8);
    double *ref = malloc(ny * sizeof *ref);
    for (int64_t p = 0; p < N * C; p++)
      for (int64_t oh = 0; oh < OH; oh++)
        for (int64_t ow = 0; ow < OW; ow++) {
          double sum = 0;
          int64_t in_padded = 0, in_input = 0;
          for (int64_t a = 0; a < kh; a++)
            for (int64_t b = 0; b < kw; b++) {
              int64_t h = oh * sh - ph + a, w = ow * sw - pw + b;
              if (h < H + ph && w < W + pw) in_padded++;
              if (h < 0 || h >= H || w < 0 || w >= W) continue;
              in_input++;
              sum += xr[p * H * W + h * W + w];
            }
          ref[(p * OH + oh) * OW + ow] = in_input == 0 ? 0
                                                       : sum / (double)(div    ? div
                                                                        : incl ? in_padded
                                                                               : in_input);
        }
    wick_tensor a = tens(dt, xd, 4, SZ(N, C, H, W)), o = dyn(dt, yd, ny, 4);
    wick_status s = CALL("aten::avg_pool2d.out", vt(&a), IL(kh, kw), IL(sh, sw), IL(ph, pw),
                         vb(ceil_mode), vb(incl), div ? vi(div) : vnone(), vt(&o));
    CHECK_MSG(s == WICK_OK, "%s", g_diag.msg);
    if (s == WICK_OK) {
      CHECK(same_shape(&o, 4, SZ(N, C, OH, OW)));
      double t = dt == WICK_F16 ? 2e-3 : 1e-6;
      CMP_DT("avg_pool2d", yd, dt, ref, ny, t, t);
    }
    free(xr), free(xd), free(yd), free(ref);
  }
}

static void test_adaptive_avg_pool(void) {
  /* 1x5 -> 1x3: windows [0,2) [1,4) [3,5) */
  float x[5] = {1, 2, 3, 4, 5}, y[3];
  wick_tensor tx = tens(WICK_F32, x, 3, SZ(1, 1, 5)), ty = tens(WICK_F32, y, 3, SZ(1, 1, 3));
  CHECK_OK(CALL("aten::_adaptive_avg_pool2d.out", vt(&tx), IL(1, 3), vt(&ty)));
  EXPECT_F32(y, 1e-6f, 1.5f, 3, 4.5f);
  /* global pooling */
  float g[1];
  wick_tensor tg = tens(WICK_F32, g, 4, SZ(1, 1, 1, 1)), tx4 = tens(WICK_F32, x, 4, SZ(1, 1, 1, 5));
  CHECK_OK(CALL("aten::_adaptive_avg_pool2d.out", vt(&tx4), IL(1), vt(&tg)));
  CHECK(g[0] == 3);

  for (int it = 0; it < 60; it++) {
    int64_t N = rint_(1, 2), C = rint_(1, 3), H = rint_(1, 9), W = rint_(1, 9), OH = rint_(1, 10),
            OW = rint_(1, 10);
    size_t nx = (size_t)(N * C * H * W), ny = (size_t)(N * C * OH * OW);
    float *xr = frand(nx);
    void *yd = calloc(ny, 8);
    double *ref = malloc(ny * sizeof *ref);
    for (int64_t p = 0; p < N * C; p++)
      for (int64_t oh = 0; oh < OH; oh++)
        for (int64_t ow = 0; ow < OW; ow++) {
          int64_t h0 = (int64_t)floor((double)(oh * H) / (double)OH),
                  h1 = (int64_t)ceil((double)((oh + 1) * H) / (double)OH);
          int64_t w0 = (int64_t)floor((double)(ow * W) / (double)OW),
                  w1 = (int64_t)ceil((double)((ow + 1) * W) / (double)OW);
          double sum = 0;
          for (int64_t h = h0; h < h1; h++)
            for (int64_t w = w0; w < w1; w++) sum += xr[p * H * W + h * W + w];
          ref[(p * OH + oh) * OW + ow] = sum / (double)((h1 - h0) * (w1 - w0));
        }
    wick_tensor a = tens(WICK_F32, xr, 4, SZ(N, C, H, W)), o = dyn(WICK_F32, yd, ny, 4);
    CHECK_OK(CALL("aten::_adaptive_avg_pool2d.out", vt(&a), IL(OH, OW), vt(&o)));
    CHECK(same_shape(&o, 4, SZ(N, C, OH, OW)));
    CMP_DT("adaptive_avg_pool2d", yd, WICK_F32, ref, ny, 1e-6, 1e-6);
    free(xr), free(yd), free(ref);
  }
}

/* ---- constant_pad_nd ------------------------------------------------------------------ */

static void test_constant_pad(void) {
  float x[6] = {1, 2, 3, 4, 5, 6}, y[12];
  wick_tensor tx = tens(WICK_F32, x, 2, SZ(2, 3));
  wick_tensor ty = dyn(WICK_F32, y, 12, 2);
  CHECK_OK(CALL("aten::constant_pad_nd.out", vt(&tx), IL(1, 2), vd(9), vt(&ty)));
  CHECK_SHAPE(&ty, 2, 6);
  EXPECT_F32(y, 0, 9, 1, 2, 3, 9, 9, 9, 4, 5, 6, 9, 9);
  /* both dims; a negative pad crops: last dim (-1, +1), first dim (1, 0) */
  CHECK_OK(CALL("aten::constant_pad_nd.out", vt(&tx), IL(-1, 1, 1, 0), vi(0), vt(&ty)));
  CHECK_SHAPE(&ty, 3, 3);
  EXPECT_F32(y, 0, 0, 0, 0, 2, 3, 0, 5, 6, 0);
  /* int64 with a Double value (cast like fill_), a [3] vector padded to [5] */
  int64_t l[3] = {7, 8, 9}, lo[5];
  wick_tensor tl = tens(WICK_I64, l, 1, SZ(3)), tlo = tens(WICK_I64, lo, 1, SZ(5));
  CHECK_OK(CALL("aten::constant_pad_nd.out", vt(&tl), IL(2, 0), vd(-1.7), vt(&tlo)));
  EXPECT_I64(lo, -1, -1, 7, 8, 9);
  /* empty pad list copies; an input in another dim order */
  float z[6];
  wick_tensor tz = tens(WICK_F32, z, 2, SZ(3, 2)), tzo = tens(WICK_F32, y, 2, SZ(3, 2));
  set_order(&tz, (const uint8_t[]){1, 0}); /* z holds x^T's transpose: logical [3,2] */
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++) z[i * tz.strides[0] + j * tz.strides[1]] = (float)(10 * i + j);
  CHECK_OK(CALL("aten::constant_pad_nd.out", vt(&tz), IL0(), vi(0), vt(&tzo)));
  EXPECT_F32(y, 0, 0, 1, 10, 11, 20, 21);
  /* errors */
  CHECK_FAILS(CALL("aten::constant_pad_nd.out", vt(&tx), IL(1), vi(0), vt(&ty)), "even");
  CHECK_FAILS(CALL("aten::constant_pad_nd.out", vt(&tx), IL(1, 1, 1, 1, 1, 1), vi(0), vt(&ty)),
              "twice");
  CHECK_FAILS(CALL("aten::constant_pad_nd.out", vt(&tx), IL(-2, -2), vi(0), vt(&ty)), "negative");
}

/* ---- upsampling --------------------------------------------------------------------- */

static void test_upsample(void) {
  float x[4] = {1, 2, 3, 4}, y[16];
  wick_tensor tx = tens(WICK_F32, x, 4, SZ(1, 1, 2, 2)), ty = dyn(WICK_F32, y, 16, 4);
  CHECK_OK(CALL("aten::upsample_nearest2d.vec_out", vt(&tx), IL(4, 4), vnone(), vt(&ty)));
  CHECK_SHAPE(&ty, 1, 1, 4, 4);
  EXPECT_F32(y, 0, 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4);
  double sc[2] = {2, 2};
  CHECK_OK(CALL("aten::upsample_nearest2d.vec_out", vt(&tx), vnone(), vdl(sc, 2), vt(&ty)));
  EXPECT_F32(y, 0, 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4);
  /* bilinear, half-pixel: 1-D [a,b] -> [a, .75a+.25b, .25a+.75b, b] */
  CHECK_OK(
      CALL("aten::upsample_bilinear2d.vec_out", vt(&tx), IL(4, 4), vb(false), vnone(), vt(&ty)));
  EXPECT_F32(y, 1e-6f, 1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3,
             3.25f, 3.75f, 4);
  CHECK_OK(
      CALL("aten::upsample_bilinear2d.vec_out", vt(&tx), vnone(), vb(false), vdl(sc, 2), vt(&ty)));
  EXPECT_F32(y, 1e-6f, 1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3,
             3.25f, 3.75f, 4);
  /* align_corners: src = dst/3 -> [a, 2a/3+b/3, a/3+2b/3, b] */
  CHECK_OK(
      CALL("aten::upsample_bilinear2d.vec_out", vt(&tx), IL(4, 4), vb(true), vnone(), vt(&ty)));
  EXPECT_F32(y, 1e-6f, 1, 4.f / 3, 5.f / 3, 2, 5.f / 3, 2, 7.f / 3, 8.f / 3, 7.f / 3, 8.f / 3, 3,
             10.f / 3, 3, 10.f / 3, 11.f / 3, 4);
  /* scale factors map with 1/scale, output sizes with in/out: a row of 5 to 8
   * by scale 1.7 (8 = int(8.5)) vs by size 8 */
  float r[5] = {0, 1, 2, 3, 4}, ro[8];
  wick_tensor tr = tens(WICK_F32, r, 4, SZ(1, 1, 1, 5)),
              tro = tens(WICK_F32, ro, 4, SZ(1, 1, 1, 8));
  double sc2[2] = {1, 1.7};
  CHECK_OK(CALL("aten::upsample_nearest2d.vec_out", vt(&tr), vnone(), vdl(sc2, 2), vt(&tro)));
  EXPECT_F32(ro, 0, 0, 0, 1, 1, 2, 2, 3, 4);
  CHECK_OK(CALL("aten::upsample_nearest2d.vec_out", vt(&tr), IL(1, 8), vnone(), vt(&tro)));
  EXPECT_F32(ro, 0, 0, 0, 1, 1, 2, 3, 3, 4);
  /* downsampling bilinear (half-pixel) 4 -> 2: src = 2*(dst+.5)-.5 = .5, 2.5 */
  float d4[4] = {0, 1, 2, 3}, d2[2];
  wick_tensor td4 = tens(WICK_F32, d4, 4, SZ(1, 1, 1, 4)),
              td2 = tens(WICK_F32, d2, 4, SZ(1, 1, 1, 2));
  CHECK_OK(
      CALL("aten::upsample_bilinear2d.vec_out", vt(&td4), IL(1, 2), vb(false), vnone(), vt(&td2)));
  EXPECT_F32(d2, 1e-6f, 0.5f, 2.5f);
  /* int nearest */
  int64_t li[2] = {5, 6}, lo[4];
  wick_tensor tli = tens(WICK_I64, li, 4, SZ(1, 1, 1, 2)),
              tlo = tens(WICK_I64, lo, 4, SZ(1, 1, 1, 4));
  CHECK_OK(CALL("aten::upsample_nearest2d.vec_out", vt(&tli), IL(1, 4), vnone(), vt(&tlo)));
  EXPECT_I64(lo, 5, 5, 6, 6);
  /* errors */
  CHECK_FAILS(CALL("aten::upsample_nearest2d.vec_out", vt(&tx), IL(4, 4), vdl(sc, 2), vt(&ty)),
              "exactly one");
  CHECK_FAILS(CALL("aten::upsample_nearest2d.vec_out", vt(&tx), vnone(), vnone(), vt(&ty)),
              "exactly one");
  CHECK_FAILS(
      CALL("aten::upsample_bilinear2d.vec_out", vt(&tli), IL(1, 4), vb(false), vnone(), vt(&tlo)),
      "floating");

  /* random bilinear vs the formula in double (continuous, so float/double
   * mapping differences stay within tolerance) and nearest vs the float
   * mapping ATen specifies */
  for (int it = 0; it < 80; it++) {
    int64_t N = rint_(1, 2), C = rint_(1, 2), H = rint_(1, 7), W = rint_(1, 7);
    bool by_scale = it & 1, align = (it >> 1) & 1;
    double sh = 0, sw = 0;
    int64_t OH, OW;
    if (by_scale) {
      sh = (double)rint_(3, 30) / 10, sw = (double)rint_(3, 30) / 10;
      OH = (int64_t)((double)H * sh), OW = (int64_t)((double)W * sw);
      if (OH < 1 || OW < 1) continue;
    } else {
      OH = rint_(1, 12), OW = rint_(1, 12);
    }
    size_t nx = (size_t)(N * C * H * W), ny = (size_t)(N * C * OH * OW);
    float *xr = frand(nx);
    float *yb = calloc(ny, sizeof *yb), *yn = calloc(ny, sizeof *yn);
    double *rb = malloc(ny * sizeof *rb), *rn = malloc(ny * sizeof *rn);
    for (int64_t p = 0; p < N * C; p++)
      for (int64_t oh = 0; oh < OH; oh++)
        for (int64_t ow = 0; ow < OW; ow++) {
          double src[2];
          int64_t nn[2];
          int64_t ins[2] = {H, W}, outs[2] = {OH, OW}, os[2] = {oh, ow};
          double scs[2] = {sh, sw};
          for (int j = 0; j < 2; j++) {
            double inv = scs[j] > 0 ? 1.0 / scs[j] : (double)ins[j] / (double)outs[j];
            if (align)
              src[j] =
                  outs[j] > 1 ? (double)os[j] * (double)(ins[j] - 1) / (double)(outs[j] - 1) : 0;
            else
              src[j] = fmax(((double)os[j] + 0.5) * inv - 0.5, 0);
            if (src[j] > (double)(ins[j] - 1)) src[j] = (double)(ins[j] - 1);
            float fs = scs[j] > 0 ? (float)(1.0 / scs[j]) : (float)ins[j] / (float)outs[j];
            nn[j] = (int64_t)floorf((float)os[j] * fs);
            if (nn[j] > ins[j] - 1) nn[j] = ins[j] - 1;
            /* ATen's nearest_idx special cases (kept for backward compatibility) */
            if (outs[j] == ins[j]) nn[j] = os[j];
            if (outs[j] == 2 * ins[j]) nn[j] = os[j] / 2;
          }
          /* bilinear from the 4 neighbours by distance weights */
          int64_t h0 = (int64_t)floor(src[0]), w0 = (int64_t)floor(src[1]);
          int64_t h1 = h0 + 1 < H ? h0 + 1 : h0, w1 = w0 + 1 < W ? w0 + 1 : w0;
          double fh = src[0] - (double)h0, fw = src[1] - (double)w0;
          const float *pl = xr + p * H * W;
          rb[(p * OH + oh) * OW + ow] =
              (1 - fh) * ((1 - fw) * pl[h0 * W + w0] + fw * pl[h0 * W + w1]) +
              fh * ((1 - fw) * pl[h1 * W + w0] + fw * pl[h1 * W + w1]);
          rn[(p * OH + oh) * OW + ow] = pl[nn[0] * W + nn[1]];
        }
    double scl[2] = {sh, sw};
    wick_tensor a = tens(WICK_F32, xr, 4, SZ(N, C, H, W));
    wick_tensor ob = dyn(WICK_F32, yb, ny, 4), on = dyn(WICK_F32, yn, ny, 4);
    wick_value osz = by_scale ? vnone() : IL(OH, OW), ssz = by_scale ? vdl(scl, 2) : vnone();
    CHECK_OK(CALL("aten::upsample_bilinear2d.vec_out", vt(&a), osz, vb(align), ssz, vt(&ob)));
    CHECK(same_shape(&ob, 4, SZ(N, C, OH, OW)));
    CMP("upsample_bilinear2d", yb, rb, ny, 2e-6, 1e-5);
    if (!align) {
      CHECK_OK(CALL("aten::upsample_nearest2d.vec_out", vt(&a), osz, ssz, vt(&on)));
      CHECK(same_shape(&on, 4, SZ(N, C, OH, OW)));
      CMP("upsample_nearest2d", yn, rn, ny, 0, 0);
    }
    free(xr), free(yb), free(yn), free(rb), free(rn);
  }
}

/* ---- amax / amin / argmax / argmin ----------------------------------------------------- */

static void test_extremes(void) {
  float x[6] = {1, 5, -2, 4, 3, 9}, y[6];
  wick_tensor tx = tens(WICK_F32, x, 2, SZ(2, 3)), ty = dyn(WICK_F32, y, 6, 1);
  CHECK_OK(CALL("aten::amax.out", vt(&tx), IL(1), vb(false), vt(&ty)));
  CHECK_SHAPE(&ty, 2);
  EXPECT_F32(y, 0, 5, 9);
  CHECK_OK(CALL("aten::amin.out", vt(&tx), IL(0), vb(false), vt(&ty)));
  CHECK_SHAPE(&ty, 3);
  EXPECT_F32(y, 0, 1, 3, -2);
  wick_tensor t0 = tens(WICK_F32, y, 0, NULL);
  CHECK_OK(CALL("aten::amax.out", vt(&tx), IL0(), vb(false), vt(&t0)));
  CHECK(y[0] == 9);
  wick_tensor tk = tens(WICK_F32, y, 2, SZ(1, 1));
  CHECK_OK(CALL("aten::amin.out", vt(&tx), IL(0, -1), vb(true), vt(&tk)));
  CHECK(y[0] == -2);
  /* NaN propagates */
  x[4] = NAN;
  wick_tensor ty2 = tens(WICK_F32, y, 1, SZ(2));
  CHECK_OK(CALL("aten::amax.out", vt(&tx), IL(1), vb(false), vt(&ty2)));
  CHECK(y[0] == 5 && isnan(y[1]));
  CHECK_OK(CALL("aten::amin.out", vt(&tx), IL(1), vb(false), vt(&ty2)));
  CHECK(y[0] == -2 && isnan(y[1]));
  x[4] = 3;
  /* int64 exact beyond 2^53, uint8 */
  int64_t l[3] = {INT64_C(9007199254740993), INT64_C(9007199254740992), -1}, lo[1];
  wick_tensor tl = tens(WICK_I64, l, 1, SZ(3)), tlo = tens(WICK_I64, lo, 0, NULL);
  CHECK_OK(CALL("aten::amax.out", vt(&tl), IL(0), vb(false), vt(&tlo)));
  CHECK(lo[0] == INT64_C(9007199254740993));
  CHECK_OK(CALL("aten::argmax.out", vt(&tl), vnone(), vb(false), vt(&tlo)));
  CHECK(lo[0] == 0);
  /* errors: empty reduction, dtype mismatch */
  float e[1];
  wick_tensor te = tens(WICK_F32, e, 2, SZ(2, 0)), teo = tens(WICK_F32, y, 1, SZ(2));
  CHECK_FAILS(CALL("aten::amax.out", vt(&te), IL(1), vb(false), vt(&teo)), "size 0");
  CHECK_FAILS(CALL("aten::amax.out", vt(&tx), IL(1), vb(false), vt(&tlo)), "dtype");

  /* argmax / argmin: ties -> first; NaN -> first NaN */
  float a[4] = {3, 1, 3, 1};
  int64_t ai[4];
  wick_tensor ta = tens(WICK_F32, a, 1, SZ(4)), tai = tens(WICK_I64, ai, 0, NULL);
  CHECK_OK(CALL("aten::argmax.out", vt(&ta), vnone(), vb(false), vt(&tai)));
  CHECK(ai[0] == 0);
  CHECK_OK(CALL("aten::argmin.out", vt(&ta), vi(0), vb(false), vt(&tai)));
  CHECK(ai[0] == 1);
  float an[4] = {1, NAN, 5, NAN};
  wick_tensor tan_ = tens(WICK_F32, an, 1, SZ(4));
  CHECK_OK(CALL("aten::argmax.out", vt(&tan_), vnone(), vb(false), vt(&tai)));
  CHECK(ai[0] == 1);
  CHECK_OK(CALL("aten::argmin.out", vt(&tan_), vnone(), vb(false), vt(&tai)));
  CHECK(ai[0] == 1);
  /* along a dim, keepdim; dim None with keepdim gives all-ones sizes */
  wick_tensor tai2 = dyn(WICK_I64, ai, 4, 2);
  CHECK_OK(CALL("aten::argmax.out", vt(&tx), vi(-1), vb(true), vt(&tai2)));
  CHECK_SHAPE(&tai2, 2, 1);
  EXPECT_I64(ai, 1, 2);
  CHECK_FAILS(CALL("aten::argmin.out", vt(&tx), vi(0), vb(false), vt(&tai2)), "cannot be resized");
  wick_tensor tai3 = tens(WICK_I64, ai, 1, SZ(3));
  CHECK_OK(CALL("aten::argmin.out", vt(&tx), vi(0), vb(false), vt(&tai3)));
  EXPECT_I64(ai, 0, 1, 0);
  wick_tensor tai4 = tens(WICK_I64, ai, 2, SZ(1, 1));
  CHECK_OK(CALL("aten::argmax.out", vt(&tx), vnone(), vb(true), vt(&tai4)));
  CHECK(ai[0] == 5);
  /* a permuted input: flat index is in logical order */
  float p[6];
  wick_tensor tp = tens(WICK_F32, p, 2, SZ(2, 3));
  set_order(&tp, (const uint8_t[]){1, 0});
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) p[i * tp.strides[0] + j * tp.strides[1]] = x[i * 3 + j];
  CHECK_OK(CALL("aten::argmax.out", vt(&tp), vnone(), vb(false), vt(&tai)));
  CHECK(ai[0] == 5);
  wick_tensor tai5 = dyn(WICK_I64, ai, 4, 1);
  CHECK_OK(CALL("aten::argmin.out", vt(&tp), vi(1), vb(false), vt(&tai5)));
  EXPECT_I64(ai, 2, 1);
  CHECK_FAILS(CALL("aten::argmax.out", vt(&tx), vi(0), vb(false), vt(&ty2)), "int64");
}

/* ---- topk ------------------------------------------------------------------------------ */

static void test_topk(void) {
  float x[6] = {1, 3, 2, 3, NAN, 0}, v[6];
  int64_t ix[6];
  wick_tensor tx = tens(WICK_F32, x, 1, SZ(6)), tv = dyn(WICK_F32, v, 6, 1),
              ti = dyn(WICK_I64, ix, 6, 1);
  CHECK_OK(CALL("aten::topk.values", vt(&tx), vi(4), vi(-1), vb(true), vb(true), vt(&tv), vt(&ti)));
  CHECK_SHAPE(&tv, 4);
  CHECK_SHAPE(&ti, 4);
  EXPECT_F32(v, 0, NAN, 3, 3, 2);
  EXPECT_I64(ix, 4, 1, 3, 2);
  CHECK_OK(CALL("aten::topk.values", vt(&tx), vi(3), vi(0), vb(false), vb(true), vt(&tv), vt(&ti)));
  EXPECT_F32(v, 0, 0, 1, 2);
  EXPECT_I64(ix, 5, 0, 2);
  CHECK_OK(
      CALL("aten::topk.values", vt(&tx), vi(6), vi(0), vb(false), vb(false), vt(&tv), vt(&ti)));
  EXPECT_F32(v, 0, 0, 1, 2, 3, 3, NAN);
  EXPECT_I64(ix, 5, 0, 2, 1, 3, 4);
  CHECK_OK(CALL("aten::topk.values", vt(&tx), vi(0), vi(0), vb(true), vb(true), vt(&tv), vt(&ti)));
  CHECK_SHAPE(&tv, 0);
  /* along dim 0 of [3,2], int32 */
  int32_t m[6] = {5, -1, 7, -1, 5, 4}, mv[4];
  int64_t mi[4];
  wick_tensor tm = tens(WICK_I32, m, 2, SZ(3, 2)), tmv = tens(WICK_I32, mv, 2, SZ(2, 2));
  wick_tensor tmi = tens(WICK_I64, mi, 2, SZ(2, 2));
  CHECK_OK(
      CALL("aten::topk.values", vt(&tm), vi(2), vi(0), vb(true), vb(true), vt(&tmv), vt(&tmi)));
  CHECK(mv[0] == 7 && mv[1] == 4 && mv[2] == 5 && mv[3] == -1);
  EXPECT_I64(mi, 1, 2, 0, 0);
  CHECK_FAILS(
      CALL("aten::topk.values", vt(&tx), vi(7), vi(0), vb(true), vb(true), vt(&tv), vt(&ti)),
      "out of range");

  /* random rows vs sorting a copy (insertion sort on (value desc, index asc)) */
  for (int it = 0; it < 40; it++) {
    int64_t R = rint_(1, 4), n = rint_(1, 12), k = rint_(0, n);
    bool largest = it & 1;
    float *xr = frand((size_t)(R * n)), *vr = calloc((size_t)(R * k) + 1, sizeof *vr);
    for (int64_t i = 0; i < R * n; i++) xr[i] = (float)rint_(-3, 3); /* many ties */
    int64_t *ir = calloc((size_t)(R * k) + 1, sizeof *ir), *ord = malloc((size_t)n * sizeof *ord);
    wick_tensor a = tens(WICK_F32, xr, 2, SZ(R, n)), ov = tens(WICK_F32, vr, 2, SZ(R, k)),
                oi = tens(WICK_I64, ir, 2, SZ(R, k));
    CHECK_OK(
        CALL("aten::topk.values", vt(&a), vi(k), vi(1), vb(largest), vb(true), vt(&ov), vt(&oi)));
    for (int64_t r = 0; r < R; r++) {
      const float *row = xr + r * n;
      for (int64_t i = 0; i < n; i++) {
        int64_t j = i;
        while (j > 0 && (largest ? row[ord[j - 1]] < row[i] : row[ord[j - 1]] > row[i])) {
          ord[j] = ord[j - 1];
          j--;
        }
        ord[j] = i;
      }
      for (int64_t j = 0; j < k; j++)
        if (ir[r * k + j] != ord[j] || vr[r * k + j] != row[ord[j]]) {
          CHECK_MSG(false, "topk row %lld pick %lld: got %lld want %lld", (long long)r,
                    (long long)j, (long long)ir[r * k + j], (long long)ord[j]);
          break;
        }
    }
    free(xr), free(vr), free(ir), free(ord);
  }
}

/* ---- cumsum / bmm ---------------------------------------------------------------------- */

static void test_cumsum(void) {
  float x[6] = {1, 2, 3, 4, 5, 6}, y[6];
  wick_tensor tx = tens(WICK_F32, x, 2, SZ(2, 3)), ty = tens(WICK_F32, y, 2, SZ(2, 3));
  CHECK_OK(CALL("aten::cumsum.out", vt(&tx), vi(1), vnone(), vt(&ty)));
  EXPECT_F32(y, 0, 1, 3, 6, 4, 9, 15);
  CHECK_OK(CALL("aten::cumsum.out", vt(&tx), vi(-2), vnone(), vt(&ty)));
  EXPECT_F32(y, 0, 1, 2, 3, 5, 7, 9);
  /* int32 -> int64 by default; float -> int64 with dtype (truncating each) */
  int32_t xi[3] = {1, -2, 5};
  int64_t yl[3];
  wick_tensor txi = tens(WICK_I32, xi, 1, SZ(3)), tyl = tens(WICK_I64, yl, 1, SZ(3));
  CHECK_OK(CALL("aten::cumsum.out", vt(&txi), vi(0), vnone(), vt(&tyl)));
  EXPECT_I64(yl, 1, -1, 4);
  float xf[3] = {1.7f, 1.7f, -0.5f};
  wick_tensor txf = tens(WICK_F32, xf, 1, SZ(3));
  CHECK_OK(CALL("aten::cumsum.out", vt(&txf), vi(0), vi(WICK_I64), vt(&tyl)));
  EXPECT_I64(yl, 1, 2, 2);
  /* float32 -> float64 */
  double yd[3];
  wick_tensor tyd = tens(WICK_F64, yd, 1, SZ(3));
  CHECK_OK(CALL("aten::cumsum.out", vt(&txf), vi(0), vi(WICK_F64), vt(&tyd)));
  CHECK(yd[0] == (double)1.7f && yd[1] == (double)1.7f * 2 && yd[2] == (double)1.7f * 2 - 0.5);
  CHECK_FAILS(CALL("aten::cumsum.out", vt(&txi), vi(0), vnone(), vt(&tyd)), "must be int64");
  CHECK_FAILS(CALL("aten::cumsum.out", vt(&tx), vi(2), vnone(), vt(&ty)), "out of range");
  /* rank 0 */
  float s0 = 4, s1 = 0;
  wick_tensor ts0 = tens(WICK_F32, &s0, 0, NULL), ts1 = tens(WICK_F32, &s1, 0, NULL);
  CHECK_OK(CALL("aten::cumsum.out", vt(&ts0), vi(0), vnone(), vt(&ts1)));
  CHECK(s1 == 4);
}

static void test_bmm(void) {
  for (int it = 0; it < 40; it++) {
    int64_t B = rint_(1, 3), n = rint_(1, 6), k = rint_(0, 6), m = rint_(1, 12);
    int dt = it % 4 == 3 ? WICK_F64 : it % 4 == 2 ? WICK_F16 : WICK_F32;
    float *a = frand((size_t)(B * n * k)), *b = frand((size_t)(B * k * m));
    void *ad = todt(a, (size_t)(B * n * k), dt), *bd = todt(b, (size_t)(B * k * m), dt);
    void *yd = calloc((size_t)(B * n * m), 8);
    double *ref = malloc((size_t)(B * n * m) * sizeof *ref);
    for (int64_t q = 0; q < B; q++)
      for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < m; j++) {
          double s = 0;
          for (int64_t p = 0; p < k; p++)
            s += (double)a[(q * n + i) * k + p] * b[(q * k + p) * m + j];
          ref[(q * n + i) * m + j] = s;
        }
    wick_tensor ta = tens(dt, ad, 3, SZ(B, n, k)), tb = tens(dt, bd, 3, SZ(B, k, m)),
                ty = dyn(dt, yd, (size_t)(B * n * m), 3);
    CHECK_OK(CALL("aten::bmm.out", vt(&ta), vt(&tb), vt(&ty)));
    CHECK(same_shape(&ty, 3, SZ(B, n, m)));
    double t = dt == WICK_F16 ? 1e-2 : dt == WICK_F64 ? 1e-12 : 2e-6;
    CMP_DT("bmm", yd, dt, ref, (size_t)(B * n * m), t, t);
    free(a), free(b), free(ad), free(bd), free(yd), free(ref);
  }
  /* a mat2 stored transposed per batch (dim order 0,2,1) */
  float a[4] = {1, 2, 3, 4}, b[4], y[4];
  wick_tensor ta = tens(WICK_F32, a, 3, SZ(1, 2, 2)), tb = tens(WICK_F32, b, 3, SZ(1, 2, 2)),
              ty = tens(WICK_F32, y, 3, SZ(1, 2, 2));
  set_order(&tb, (const uint8_t[]){0, 2, 1});
  const float bl[4] = {5, 6, 7, 8}; /* logical mat2 */
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) b[i * tb.strides[1] + j * tb.strides[2]] = bl[i * 2 + j];
  CHECK_OK(CALL("aten::bmm.out", vt(&ta), vt(&tb), vt(&ty)));
  EXPECT_F32(y, 0, 19, 22, 43, 50);
  wick_tensor t3 = tens(WICK_F32, a, 3, SZ(1, 1, 4));
  CHECK_FAILS(CALL("aten::bmm.out", vt(&t3), vt(&t3), vt(&ty)), "cannot be batch-multiplied");
  wick_tensor t2 = tens(WICK_F32, a, 2, SZ(2, 2));
  CHECK_FAILS(CALL("aten::bmm.out", vt(&t2), vt(&t2), vt(&t2)), "3-D");
}

/* ---- pixel_shuffle / group_norm ------------------------------------------------------------- */

static void test_pixel_shuffle(void) {
  float x[8] = {0, 1, 10, 11, 20, 21, 30, 31}, y[8];
  wick_tensor tx = tens(WICK_F32, x, 4, SZ(1, 4, 1, 2)), ty = dyn(WICK_F32, y, 8, 4);
  CHECK_OK(CALL("aten::pixel_shuffle.out", vt(&tx), vi(2), vt(&ty)));
  CHECK_SHAPE(&ty, 1, 1, 2, 4);
  EXPECT_F32(y, 0, 0, 10, 1, 11, 20, 30, 21, 31);
  /* 3-D, r = 1 copies */
  wick_tensor t3 = tens(WICK_F32, x, 3, SZ(2, 2, 2)), t3o = tens(WICK_F32, y, 3, SZ(2, 2, 2));
  CHECK_OK(CALL("aten::pixel_shuffle.out", vt(&t3), vi(1), vt(&t3o)));
  EXPECT_F32(y, 0, 0, 1, 10, 11, 20, 21, 30, 31);
  CHECK_FAILS(CALL("aten::pixel_shuffle.out", vt(&t3), vi(2), vt(&t3o)), "divisible");
  /* random 5-D vs the index formula, int16 */
  int16_t xs[2 * 3 * 8 * 2 * 3], ys[2 * 3 * 8 * 2 * 3];
  for (int i = 0; i < 288; i++) xs[i] = (int16_t)i;
  wick_tensor a = tens(WICK_I16, xs, 5, SZ(2, 3, 8, 2, 3)),
              o = tens(WICK_I16, ys, 5, SZ(2, 3, 2, 4, 6));
  CHECK_OK(CALL("aten::pixel_shuffle.out", vt(&a), vi(2), vt(&o)));
  int bad = 0;
  for (int b0 = 0; b0 < 2; b0++)
    for (int b1 = 0; b1 < 3; b1++)
      for (int c = 0; c < 2; c++)
        for (int h = 0; h < 4; h++)
          for (int w = 0; w < 6; w++) {
            int ic = c * 4 + (h % 2) * 2 + (w % 2);
            int want = (((b0 * 3 + b1) * 8 + ic) * 2 + h / 2) * 3 + w / 2;
            if (ys[(((b0 * 3 + b1) * 2 + c) * 4 + h) * 6 + w] != want) bad++;
          }
  CHECK(bad == 0);
}

static void test_group_norm(void) {
  float x[4] = {1, 2, 3, 4}, y[4], m[2], r[2];
  wick_tensor tx = tens(WICK_F32, x, 3, SZ(1, 2, 2)), ty = tens(WICK_F32, y, 3, SZ(1, 2, 2));
  wick_tensor tm = dyn(WICK_F32, m, 2, 2), tr = dyn(WICK_F32, r, 2, 2);
  CHECK_OK(CALL("aten::native_group_norm.out", vt(&tx), vnone(), vnone(), vi(1), vi(2), vi(2),
                vi(1), vd(1e-5), vt(&ty), vt(&tm), vt(&tr)));
  EXPECT_F32(y, 1e-6f, -1.34163542f, -0.447211807f, 0.447211807f, 1.34163542f);
  CHECK_SHAPE(&tm, 1, 1);
  CHECK(m[0] == 2.5f);
  CHECK_OK(CALL("aten::native_group_norm.out", vt(&tx), vnone(), vnone(), vi(1), vi(2), vi(2),
                vi(2), vd(1e-5), vt(&ty), vt(&tm), vt(&tr)));
  CHECK_SHAPE(&tm, 1, 2);
  EXPECT_F32(y, 1e-5f, -0.99998f, 0.99998f, -0.99998f, 0.99998f);
  EXPECT_F32(m, 0, 1.5f, 3.5f);
  CHECK_FAILS(CALL("aten::native_group_norm.out", vt(&tx), vnone(), vnone(), vi(1), vi(2), vi(2),
                   vi(3), vd(1e-5), vt(&ty), vt(&tm), vt(&tr)),
              "divisible");
  /* random with affine */
  for (int it = 0; it < 30; it++) {
    int64_t N = rint_(1, 3), G = rint_(1, 3), C = G * rint_(1, 3), H = rint_(1, 4), W = rint_(1, 4),
            HW = H * W;
    size_t n = (size_t)(N * C * HW);
    float *xr = frand(n), *wr = frand((size_t)C), *br = frand((size_t)C);
    float *yr = calloc(n, sizeof *yr), *mr = calloc((size_t)(N * G), sizeof *mr),
          *rr = calloc((size_t)(N * G), sizeof *rr);
    double *ref = malloc(n * sizeof *ref), *rm = malloc((size_t)(N * G) * sizeof *rm);
    int64_t cpg = C / G;
    for (int64_t a = 0; a < N; a++)
      for (int64_t g = 0; g < G; g++) {
        double s = 0, q = 0;
        for (int64_t c = g * cpg; c < (g + 1) * cpg; c++)
          for (int64_t i = 0; i < HW; i++) s += xr[(a * C + c) * HW + i];
        double mu = s / (double)(cpg * HW);
        for (int64_t c = g * cpg; c < (g + 1) * cpg; c++)
          for (int64_t i = 0; i < HW; i++)
            q += (xr[(a * C + c) * HW + i] - mu) * (xr[(a * C + c) * HW + i] - mu);
        double rs = 1 / sqrt(q / (double)(cpg * HW) + 1e-5);
        rm[a * G + g] = mu;
        for (int64_t c = g * cpg; c < (g + 1) * cpg; c++)
          for (int64_t i = 0; i < HW; i++)
            ref[(a * C + c) * HW + i] = (xr[(a * C + c) * HW + i] - mu) * rs * wr[c] + br[c];
      }
    wick_tensor a = tens(WICK_F32, xr, 4, SZ(N, C, H, W)),
                o = tens(WICK_F32, yr, 4, SZ(N, C, H, W));
    wick_tensor tw = tens(WICK_F32, wr, 1, SZ(C)), tb = tens(WICK_F32, br, 1, SZ(C));
    wick_tensor om = tens(WICK_F32, mr, 2, SZ(N, G)), orr = tens(WICK_F32, rr, 2, SZ(N, G));
    CHECK_OK(CALL("aten::native_group_norm.out", vt(&a), vt(&tw), vt(&tb), vi(N), vi(C), vi(HW),
                  vi(G), vd(1e-5), vt(&o), vt(&om), vt(&orr)));
    CMP("group_norm", yr, ref, n, 1e-5, 1e-5);
    CMP("group_norm mean", mr, rm, (size_t)(N * G), 1e-6, 1e-6);
    free(xr), free(wr), free(br), free(yr), free(mr), free(rr), free(ref), free(rm);
  }
}

int main(void) {
  test_registry();
  test_conv_hand();
  test_conv_random();
  test_softmax();
  test_batch_norm();
  test_layer_norm();
  test_max_pool();
  test_avg_pool();
  test_adaptive_avg_pool();
  test_constant_pad();
  test_upsample();
  test_extremes();
  test_topk();
  test_cumsum();
  test_bmm();
  test_pixel_shuffle();
  test_group_norm();
  return test_finish("test_kernels_nn");
}
