/* The optimized aten::where.self_out (src/kernels/optimized/where.c) against
 * the portable kernel on random broadcast shapes (bit for bit), the KV-cache
 * slot write shape, in-place, and the cases it must hand to the portable
 * kernel (uint8 condition, float64, a resize). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kernel_test.h"
#include "kernels/optimized/opt.h"
#include "kernels/portable/util.h"

static const wick_kernel table[] = {
    {"test::where_opt.out", "TTTT", wko_where_self_out, NULL},
    {"test::where_ref.out", "TTTT", wick_op_where_self_out, NULL},
};

static uint64_t g_rng = 0x2545f4914f6cdd1dull;
static uint32_t rnd(void) {
  g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
  return (uint32_t)(g_rng >> 11);
}

/* out [sizes], cond / x / y each of rank r with random dims set to 1 (and a
 * random rank cut), compared bit for bit. */
static void check_case(int r, const int64_t *sizes, int dtype) {
  int64_t shp[3][WICK_MAX_DIM];
  int rk[3];
  size_t n[3];
  for (int k = 0; k < 3; k++) {
    rk[k] = rnd() % 3 == 0 ? (int)(rnd() % (uint32_t)(r + 1)) : r;
    n[k] = 1;
    for (int d = 0; d < rk[k]; d++) {
      int64_t o = sizes[d + (r - rk[k])];
      shp[k][d] = rnd() % 3 == 0 ? 1 : o;
      n[k] *= (size_t)shp[k][d];
    }
  }
  if (rk[0] != r && rk[1] != r && rk[2] != r) { /* out's rank is the broadcast rank */
    rk[2] = r;
    n[2] = 1;
    for (int d = 0; d < r; d++) {
      shp[2][d] = rnd() % 3 == 0 ? 1 : sizes[d];
      n[2] *= (size_t)shp[2][d];
    }
  }
  /* out's dims must each come from an input */
  int64_t osz[WICK_MAX_DIM];
  size_t no = 1;
  for (int d = 0; d < r; d++) {
    int64_t m = 1;
    for (int k = 0; k < 3; k++) {
      int dk = d - (r - rk[k]);
      if (dk >= 0 && shp[k][dk] > m) m = shp[k][dk];
    }
    osz[d] = m;
    no *= (size_t)m;
  }
  uint8_t *c = malloc(n[0] + 1);
  uint32_t *x = malloc(4 * n[1] + 4), *y = malloc(4 * n[2] + 4);
  uint32_t *o1 = malloc(4 * no + 4), *o2 = malloc(4 * no + 4);
  for (size_t i = 0; i < n[0]; i++) c[i] = rnd() & 1;
  for (size_t i = 0; i < n[1]; i++) x[i] = rnd();
  for (size_t i = 0; i < n[2]; i++) y[i] = rnd();
  memset(o1, 0xAA, 4 * no);
  memset(o2, 0x55, 4 * no);
  wick_tensor tc = tens(WICK_BOOL, c, rk[0], shp[0]), tx = tens(dtype, x, rk[1], shp[1]),
              ty = tens(dtype, y, rk[2], shp[2]), t1 = tens(dtype, o1, r, osz),
              t2 = tens(dtype, o2, r, osz);
  CHECK_OK(CALL("test::where_ref.out", vt(&tc), vt(&tx), vt(&ty), vt(&t1)));
  CHECK_OK(CALL("test::where_opt.out", vt(&tc), vt(&tx), vt(&ty), vt(&t2)));
  CHECK_MSG(memcmp(o1, o2, 4 * no) == 0, "rank %d, %zu elements: results differ", r, no);
  free(c), free(x), free(y), free(o1), free(o2);
}

int main(void) {
  CHECK(wick_register_kernels(table, sizeof table / sizeof table[0]) == WICK_OK);
  /* the decoder's slot write: cond [1,1,1,T], new [B,H,Dh,1], cache [B,H,Dh,T] */
  {
    enum { B = 4, H = 4, DH = 8, T = 16 };
    static uint8_t c[T];
    static float x[B * H * DH], y[B * H * DH * T], o[B * H * DH * T];
    for (int i = 0; i < T; i++) c[i] = i == 5;
    for (int i = 0; i < B * H * DH; i++) x[i] = (float)i;
    for (int i = 0; i < B * H * DH * T; i++) y[i] = -1.0f - (float)i;
    wick_tensor tc = tens(WICK_BOOL, c, 4, SZ(1, 1, 1, T)), tx = tens(WICK_F32, x, 4, SZ(B, H, DH, 1)),
                ty = tens(WICK_F32, y, 4, SZ(B, H, DH, T)), to = tens(WICK_F32, o, 4, SZ(B, H, DH, T));
    CHECK_OK(CALL("test::where_opt.out", vt(&tc), vt(&tx), vt(&ty), vt(&to)));
    bool ok = true;
    for (int r = 0; r < B * H * DH; r++)
      for (int t = 0; t < T; t++)
        ok = ok && o[r * T + t] == (t == 5 ? (float)r : -1.0f - (float)(r * T + t));
    CHECK_MSG(ok, "slot write wrong");
    /* in place into the cache */
    CHECK_OK(CALL("test::where_opt.out", vt(&tc), vt(&tx), vt(&ty), vt(&ty)));
    CHECK(memcmp(o, y, sizeof o) == 0);
  }
  static const int64_t pick[] = {1, 2, 3, 5, 16, 17, 64};
  for (int it = 0; it < 400; it++) {
    int r = (int)(rnd() % 6);
    int64_t sizes[WICK_MAX_DIM];
    size_t ne = 1;
    for (int d = 0; d < r; d++) {
      sizes[d] = pick[rnd() % 7];
      ne *= (size_t)sizes[d];
    }
    if (ne > 70000) continue;
    check_case(r, sizes, it % 3 == 0 ? WICK_I32 : WICK_F32);
  }
  /* uint8 condition and float64: the portable kernel's results */
  {
    uint8_t c[3] = {1, 0, 2};
    double x[3] = {1, 2, 3}, y[3] = {-1, -2, -3}, o[3] = {0};
    wick_tensor tc = tens(WICK_U8, c, 1, SZ(3)), tx = tens(WICK_F64, x, 1, SZ(3)),
                ty = tens(WICK_F64, y, 1, SZ(3)), to = tens(WICK_F64, o, 1, SZ(3));
    CHECK_OK(CALL("test::where_opt.out", vt(&tc), vt(&tx), vt(&ty), vt(&to)));
    CHECK(o[0] == 1 && o[1] == -2 && o[2] == 3);
  }
  return test_finish("test_optimized_where");
}
