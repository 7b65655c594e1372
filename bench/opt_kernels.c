/* Micro-benchmark of the optimized kernels: convolution layers of resnet18
 * and mobilenet_v2 and a few GEMM shapes, timed through the kernel table the
 * way the runtime calls them. Prints the best (minimum) time of R runs and
 * the GFLOP/s it means; the minimum is the most stable statistic on a
 * shared, noisy machine.
 *
 *   bench/opt_kernels [threads] [reps]
 *
 * Build (until CMake builds it): see docs/PERFORMANCE.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wick/backend.h"
#include "wick/kernel.h"
#include "wick/tensor.h"
#include "wick/threadpool.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *rnd(size_t n) {
  float *p = malloc(n * sizeof *p);
  for (size_t i = 0; i < n; i++) p[i] = (float)rand() / (float)RAND_MAX - 0.5f;
  return p;
}

static wick_value tv(wick_tensor *t) {
  wick_value v;
  memset(&v, 0, sizeof v);
  v.kind = WICK_VAL_TENSOR;
  v.u.t = t;
  return v;
}

static wick_value il(int64_t *items, uint32_t n) {
  wick_value v;
  memset(&v, 0, sizeof v);
  v.kind = WICK_VAL_INT_LIST;
  v.u.il.items = items;
  v.u.il.n = n;
  return v;
}

static const wick_kernel *find(const char *name) {
  for (size_t i = 0; i < wick_optimized_kernel_count; i++)
    if (strcmp(wick_optimized_kernels[i].name, name) == 0) return &wick_optimized_kernels[i];
  return NULL;
}

static double best_of(const wick_kernel *k, wick_kernel_ctx *ctx, wick_value **argv, uint32_t n,
                      int reps) {
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    double t0 = now_s();
    if (k->fn(ctx, argv, n) != WICK_OK) {
      fprintf(stderr, "kernel failed\n");
      exit(1);
    }
    double t = now_s() - t0;
    if (t < best) best = t;
  }
  return best;
}

typedef struct conv_shape {
  const char *name;
  int64_t c, h, w, oc, k, stride, pad, groups;
} conv_shape;

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  int reps = argc > 2 ? atoi(argv[2]) : 20;
  wick_optimized_register();
  if (wick_optimized_backend() == NULL) {
    fprintf(stderr, "optimized kernels disabled\n");
    return 1;
  }
  wick_threadpool *pool = threads > 1 ? wick_threadpool_create(threads) : NULL;
  printf("backend %s, %d thread(s), best of %d\n", wick_optimized_backend(), threads, reps);
  static const conv_shape convs[] = {
      {"resnet conv1 7x7/2", 3, 224, 224, 64, 7, 2, 3, 1},
      {"resnet 3x3 64", 64, 56, 56, 64, 3, 1, 1, 1},
      {"resnet 3x3 128/2", 64, 56, 56, 128, 3, 2, 1, 1},
      {"resnet 3x3 128", 128, 28, 28, 128, 3, 1, 1, 1},
      {"resnet 3x3 256", 256, 14, 14, 256, 3, 1, 1, 1},
      {"resnet 3x3 512", 512, 7, 7, 512, 3, 1, 1, 1},
      {"resnet 1x1 128/2", 64, 56, 56, 128, 1, 2, 0, 1},
      {"mbv2 1x1 32->192 56", 32, 56, 56, 192, 1, 1, 0, 1},
      {"mbv2 1x1 96->24 112", 96, 112, 112, 24, 1, 1, 0, 1},
      {"mbv2 dw 3x3 144 56", 144, 56, 56, 144, 3, 1, 1, 144},
      {"mbv2 dw 3x3/2 96 112", 96, 112, 112, 96, 3, 2, 1, 96},
      {"mbv2 1x1 320->1280 7", 320, 7, 7, 1280, 1, 1, 0, 1},
  };
  const wick_kernel *conv = find("aten::convolution.out");
  printf("%-24s %10s %10s\n", "conv", "ms", "GFLOP/s");
  for (size_t i = 0; i < sizeof convs / sizeof convs[0]; i++) {
    const conv_shape *s = &convs[i];
    int64_t oh = (s->h + 2 * s->pad - s->k) / s->stride + 1, ow = (s->w + 2 * s->pad - s->k) / s->stride + 1;
    int64_t xs[4] = {1, s->c, s->h, s->w}, ws[4] = {s->oc, s->c / s->groups, s->k, s->k};
    int64_t ys[4] = {1, s->oc, oh, ow}, bs[1] = {s->oc};
    wick_tensor x, w, b, y;
    float *xd = rnd((size_t)(s->c * s->h * s->w)), *wd = rnd((size_t)(ws[0] * ws[1] * s->k * s->k));
    float *bd = rnd((size_t)s->oc), *yd = malloc((size_t)(s->oc * oh * ow) * sizeof(float));
    wick_tensor_init(&x, WICK_F32, 4, xs, xd, 0);
    wick_tensor_init(&w, WICK_F32, 4, ws, wd, 0);
    wick_tensor_init(&b, WICK_F32, 1, bs, bd, 0);
    wick_tensor_init(&y, WICK_F32, 4, ys, yd, 0);
    int64_t st[1] = {s->stride}, pd[1] = {s->pad}, dl[1] = {1}, op[1] = {0};
    wick_value v[10] = {tv(&x), tv(&w), tv(&b), il(st, 1), il(pd, 1), il(dl, 1), {0}, il(op, 1), {0}, tv(&y)};
    v[6].kind = WICK_VAL_BOOL;
    v[6].u.b = false;
    v[8].kind = WICK_VAL_INT;
    v[8].u.i = s->groups;
    wick_value *args[10];
    for (int a = 0; a < 10; a++) args[a] = &v[a];
    size_t need = conv->scratch(args, 10);
    void *scratch = NULL;
    if (need && posix_memalign(&scratch, 64, need) != 0) return 1;
    wick_kernel_ctx ctx = {NULL, "aten::convolution.out", 0, scratch, need, pool};
    double t = best_of(conv, &ctx, args, 10, reps);
    double flops = 2.0 * (double)(s->oc * oh * ow) * (double)(s->c / s->groups * s->k * s->k);
    printf("%-24s %10.3f %10.1f\n", s->name, t * 1e3, flops / t * 1e-9);
    free(xd), free(wd), free(bd), free(yd), free(scratch);
  }

  static const int64_t mms[][3] = {{64, 256, 256}, {64, 1024, 256}, {64, 256, 1024}, {256, 256, 256}, {1, 1000, 512}};
  const wick_kernel *mm = find("aten::mm.out");
  printf("%-24s %10s %10s\n", "mm (m,n,k)", "ms", "GFLOP/s");
  for (size_t i = 0; i < sizeof mms / sizeof mms[0]; i++) {
    int64_t m = mms[i][0], n = mms[i][1], k = mms[i][2];
    int64_t as[2] = {m, k}, bs2[2] = {k, n}, cs[2] = {m, n};
    wick_tensor a, b, c;
    float *ad = rnd((size_t)(m * k)), *bd = rnd((size_t)(k * n)), *cd = malloc((size_t)(m * n) * sizeof(float));
    wick_tensor_init(&a, WICK_F32, 2, as, ad, 0);
    wick_tensor_init(&b, WICK_F32, 2, bs2, bd, 0);
    wick_tensor_init(&c, WICK_F32, 2, cs, cd, 0);
    wick_value v[3] = {tv(&a), tv(&b), tv(&c)};
    wick_value *args[3] = {&v[0], &v[1], &v[2]};
    size_t need = mm->scratch(args, 3);
    void *scratch = NULL;
    if (need && posix_memalign(&scratch, 64, need) != 0) return 1;
    wick_kernel_ctx ctx = {NULL, "aten::mm.out", 0, scratch, need, pool};
    double t = best_of(mm, &ctx, args, 3, reps);
    char label[64];
    snprintf(label, sizeof label, "%lld,%lld,%lld", (long long)m, (long long)n, (long long)k);
    printf("%-24s %10.3f %10.1f\n", label, t * 1e3, 2.0 * (double)(m * n * k) / t * 1e-9);
    free(ad), free(bd), free(cd), free(scratch);
  }
  wick_threadpool_destroy(pool);
  return 0;
}
