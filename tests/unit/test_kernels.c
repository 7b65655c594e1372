/* Unit tests of the portable kernels: every op called through the registry
 * (wick_find_kernel) the way the runtime calls it, with tensors over stack
 * arrays. Expected values are worked out by hand (or by a formula written
 * here), never captured from the kernels themselves. */
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "kernel_test.h"
#include "kernels/portable/util.h"
#include "wick/kernel.h"
#include "wick/tensor.h"


/* ---- helpers -------------------------------------------------------------- */







/* Calls a kernel by name as the runtime would, after checking the argument
 * kinds against its declared signature (the loader's job). */


/* Expects a kernel error whose message contains `needle`. */



/* Bytes (bool / uint8 / int8 outputs). */


/* ---- registry -------------------------------------------------------------- */

static void test_registry(void) {
  static const struct {
    const char *name, *sig;
  } want[] = {
      {"aten::add.out", "TTST"},          {"aten::sub.out", "TTST"},
      {"aten::mul.out", "TTT"},           {"aten::div.out", "TTT"},
      {"aten::addmm.out", "TTTSST"},      {"aten::mm.out", "TTT"},
      {"aten::permute_copy.out", "TIT"},  {"aten::mean.out", "TJbjT"},
      {"aten::sum.IntList_out", "TJbjT"}, {"aten::eq.Scalar_out", "TST"},
      {"aten::ne.Scalar_out", "TST"},     {"aten::lt.Scalar_out", "TST"},
      {"aten::le.Scalar_out", "TST"},     {"aten::gt.Scalar_out", "TST"},
      {"aten::ge.Scalar_out", "TST"},     {"aten::eq.Tensor_out", "TTT"},
      {"aten::ge.Tensor_out", "TTT"},     {"aten::clone.out", "TjT"},
      {"aten::where.self_out", "TTTT"},   {"aten::relu.out", "TT"},
      {"aten::view_copy.out", "TIT"},     {"aten::_to_copy.out", "TbjT"},
      {"aten::full.out", "IST"},          {"aten::add.Scalar_out", "TSST"},
      {"aten::mul.Scalar_out", "TST"},    {"aten::div.out_mode", "TT*T"},
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

/* ---- add / sub / mul / div -------------------------------------------------- */

static void test_add_basic(void) {
  float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {10, 20, 30, 40, 50, 60}, o[6];
  wick_tensor ta = tens(WICK_F32, a, 2, SZ(2, 3)), tb = tens(WICK_F32, b, 2, SZ(2, 3));
  wick_tensor to = tens(WICK_F32, o, 2, SZ(2, 3));
  CHECK_OK(CALL("aten::add.out", vt(&ta), vt(&tb), vi(1), vt(&to)));
  EXPECT_F32(o, 0, 11, 22, 33, 44, 55, 66);
  /* alpha: a + 2b (int alpha), a + 0.5b (float alpha) */
  CHECK_OK(CALL("aten::add.out", vt(&ta), vt(&tb), vi(2), vt(&to)));
  EXPECT_F32(o, 0, 21, 42, 63, 84, 105, 126);
  CHECK_OK(CALL("aten::add.out", vt(&ta), vt(&tb), vd(0.5), vt(&to)));
  EXPECT_F32(o, 0, 6, 12, 18, 24, 30, 36);
  CHECK_OK(CALL("aten::sub.out", vt(&tb), vt(&ta), vi(1), vt(&to)));
  EXPECT_F32(o, 0, 9, 18, 27, 36, 45, 54);
  CHECK_OK(CALL("aten::sub.out", vt(&tb), vt(&ta), vi(3), vt(&to)));
  EXPECT_F32(o, 0, 7, 14, 21, 28, 35, 42);
  CHECK_OK(CALL("aten::mul.out", vt(&ta), vt(&tb), vt(&to)));
  EXPECT_F32(o, 0, 10, 40, 90, 160, 250, 360);
  CHECK_OK(CALL("aten::div.out", vt(&ta), vt(&tb), vt(&to)));
  EXPECT_F32(o, 1e-7f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f);

  /* [1] + [1]: the tiny-tensor path */
  float x = 1.5f, y = 2.25f, z = 0;
  wick_tensor tx = tens(WICK_F32, &x, 1, SZ(1)), ty = tens(WICK_F32, &y, 1, SZ(1));
  wick_tensor tz = tens(WICK_F32, &z, 1, SZ(1));
  CHECK_OK(CALL("aten::add.out", vt(&tx), vt(&ty), vi(1), vt(&tz)));
  CHECK(z == 3.75f);

  /* float64 and int64 */
  double da[3] = {0.5, 1.5, -2}, db[3] = {0.25, 0.25, 0.5}, dout[3];
  wick_tensor tda = tens(WICK_F64, da, 1, SZ(3)), tdb = tens(WICK_F64, db, 1, SZ(3));
  wick_tensor tdo = tens(WICK_F64, dout, 1, SZ(3));
  CHECK_OK(CALL("aten::mul.out", vt(&tda), vt(&tdb), vt(&tdo)));
  CHECK(dout[0] == 0.125 && dout[1] == 0.375 && dout[2] == -1);
  int64_t la[2] = {INT64_C(4000000000000000001), -7}, lb[2] = {2, 3}, lo[2];
  wick_tensor tla = tens(WICK_I64, la, 1, SZ(2)), tlb = tens(WICK_I64, lb, 1, SZ(2));
  wick_tensor tlo = tens(WICK_I64, lo, 1, SZ(2));
  CHECK_OK(CALL("aten::add.out", vt(&tla), vt(&tlb), vi(1), vt(&tlo)));
  EXPECT_I64(lo, INT64_C(4000000000000000003), -4); /* exact: not through double */
  CHECK_OK(CALL("aten::sub.out", vt(&tla), vt(&tlb), vi(2), vt(&tlo)));
  EXPECT_I64(lo, INT64_C(3999999999999999997), -13);
  CHECK_OK(CALL("aten::mul.out", vt(&tla), vt(&tlb), vt(&tlo)));
  EXPECT_I64(lo, INT64_C(8000000000000000002), -21);
}

static void test_broadcast(void) {
  /* [2,3] + [3] */
  float a[6] = {1, 2, 3, 4, 5, 6}, r[3] = {10, 20, 30}, o[6];
  wick_tensor ta = tens(WICK_F32, a, 2, SZ(2, 3)), tr = tens(WICK_F32, r, 1, SZ(3));
  wick_tensor to = tens(WICK_F32, o, 2, SZ(2, 3));
  CHECK_OK(CALL("aten::add.out", vt(&ta), vt(&tr), vi(1), vt(&to)));
  EXPECT_F32(o, 0, 11, 22, 33, 14, 25, 36);
  /* [3] - [2,3] (row on the left, non-commutative) */
  CHECK_OK(CALL("aten::sub.out", vt(&tr), vt(&ta), vi(1), vt(&to)));
  EXPECT_F32(o, 0, 9, 18, 27, 6, 15, 24);
  /* [3] / [2,3] and [2,3] / [3] */
  CHECK_OK(CALL("aten::div.out", vt(&tr), vt(&ta), vt(&to)));
  EXPECT_F32(o, 1e-5f, 10, 10, 10, 2.5f, 4, 5);
  CHECK_OK(CALL("aten::div.out", vt(&ta), vt(&tr), vt(&to)));
  EXPECT_F32(o, 1e-6f, 0.1f, 0.1f, 0.1f, 0.4f, 0.25f, 0.2f);
  /* [1,3] row * [2,3] with alpha-free mul */
  wick_tensor tr13 = tens(WICK_F32, r, 2, SZ(1, 3));
  CHECK_OK(CALL("aten::mul.out", vt(&tr13), vt(&ta), vt(&to)));
  EXPECT_F32(o, 0, 10, 40, 90, 40, 100, 180);

  /* [2,1,4] + [3,1] -> [2,3,4]: out[i,j,k] = (i*4 + k) + 100*j */
  float x[8], y[3] = {0, 100, 200}, z[24];
  for (int i = 0; i < 8; i++) x[i] = (float)i;
  wick_tensor tx = tens(WICK_F32, x, 3, SZ(2, 1, 4)), ty = tens(WICK_F32, y, 2, SZ(3, 1));
  wick_tensor tz = tens(WICK_F32, z, 3, SZ(2, 3, 4));
  CHECK_OK(CALL("aten::add.out", vt(&tx), vt(&ty), vi(1), vt(&tz)));
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 4; k++)
        CHECK_MSG(z[(i * 3 + j) * 4 + k] == (float)(i * 4 + k + 100 * j), "z[%d,%d,%d]=%g", i, j, k,
                  z[(i * 3 + j) * 4 + k]);

  /* an out of the wrong static shape cannot be resized */
  float small[6];
  wick_tensor ts = tens(WICK_F32, small, 2, SZ(3, 2));
  CHECK_FAILS(CALL("aten::add.out", vt(&tx), vt(&ty), vi(1), vt(&ts)), "cannot be resized");
  /* a dynamic out with room is resized */
  float big[32];
  wick_tensor tbig = tens(WICK_F32, big, 3, SZ(1, 1, 1));
  tbig.capacity = sizeof big;
  tbig.dynamism = WICK_SHAPE_DYNAMIC_BOUND;
  CHECK_OK(CALL("aten::add.out", vt(&tx), vt(&ty), vi(1), vt(&tbig)));
  CHECK(same_shape(&tbig, 3, SZ(2, 3, 4)));
  CHECK(big[23] == 207); /* i=1,j=2,k=3: 4+3+200 */

  /* not broadcastable */
  float q[4] = {0};
  wick_tensor tq = tens(WICK_F32, q, 1, SZ(4));
  CHECK_FAILS(CALL("aten::add.out", vt(&ta), vt(&tq), vi(1), vt(&to)),
              "self float32[2,3] and other float32[4] are not broadcastable");
  CHECK(strstr(g_diag.msg, "aten::add.out") != NULL);

  /* rank 0: [] + [2] -> [2], [] * [] -> [] */
  float s0 = 5, v2[2] = {1, 2}, o2[2], o0 = 0, s1 = -2;
  wick_tensor t0 = tens(WICK_F32, &s0, 0, NULL), t1 = tens(WICK_F32, &s1, 0, NULL);
  wick_tensor tv = tens(WICK_F32, v2, 1, SZ(2)), to2 = tens(WICK_F32, o2, 1, SZ(2));
  wick_tensor to0 = tens(WICK_F32, &o0, 0, NULL);
  CHECK_OK(CALL("aten::add.out", vt(&t0), vt(&tv), vi(1), vt(&to2)));
  EXPECT_F32(o2, 0, 6, 7);
  CHECK_OK(CALL("aten::sub.out", vt(&tv), vt(&t0), vi(1), vt(&to2)));
  EXPECT_F32(o2, 0, -4, -3);
  CHECK_OK(CALL("aten::mul.out", vt(&t0), vt(&t1), vt(&to0)));
  CHECK(o0 == -10);

  /* rank 8 broadcast through the generic path (int32) */
  int32_t p8[2] = {1, 2}, q8[2] = {10, 20}, r8[4];
  wick_tensor tp8 = tens(WICK_I32, p8, 8, SZ(2, 1, 1, 1, 1, 1, 1, 1));
  wick_tensor tq8 = tens(WICK_I32, q8, 1, SZ(2));
  wick_tensor tr8 = tens(WICK_I32, r8, 8, SZ(2, 1, 1, 1, 1, 1, 1, 2));
  CHECK_OK(CALL("aten::add.out", vt(&tp8), vt(&tq8), vi(1), vt(&tr8)));
  CHECK(r8[0] == 11 && r8[1] == 21 && r8[2] == 12 && r8[3] == 22);
}

static void test_promotion(void) {
  /* int32 + float32 -> float32 */
  int32_t ia[2] = {1, 2};
  float fb[2] = {0.5f, 0.25f}, fo[2];
  wick_tensor tia = tens(WICK_I32, ia, 1, SZ(2)), tfb = tens(WICK_F32, fb, 1, SZ(2));
  wick_tensor tfo = tens(WICK_F32, fo, 1, SZ(2));
  CHECK_OK(CALL("aten::add.out", vt(&tia), vt(&tfb), vi(1), vt(&tfo)));
  EXPECT_F32(fo, 0, 1.5f, 2.25f);
  /* ... but not into an int32 out */
  int32_t io[2];
  wick_tensor tio = tens(WICK_I32, io, 1, SZ(2));
  CHECK_FAILS(CALL("aten::add.out", vt(&tia), vt(&tfb), vi(1), vt(&tio)),
              "result type float32 can't be cast to the desired output type int32");
  /* int + int into a bool out is refused too */
  uint8_t bo[2];
  wick_tensor tbo = tens(WICK_BOOL, bo, 1, SZ(2));
  CHECK_FAILS(CALL("aten::add.out", vt(&tia), vt(&tia), vi(1), vt(&tbo)), "can't be cast");

  /* uint8 + int8 -> int16: 200 + (-100) = 100, 100 + 100 = 200 */
  uint8_t ua[2] = {200, 100};
  int8_t sb[2] = {-100, 100};
  int16_t so[2];
  wick_tensor tua = tens(WICK_U8, ua, 1, SZ(2)), tsb = tens(WICK_I8, sb, 1, SZ(2));
  wick_tensor tso = tens(WICK_I16, so, 1, SZ(2));
  CHECK_OK(CALL("aten::add.out", vt(&tua), vt(&tsb), vi(1), vt(&tso)));
  CHECK(so[0] == 100 && so[1] == 200);
  CHECK(wk_promote(WICK_U8, WICK_I8) == WICK_I16);
  CHECK(wk_promote(WICK_U8, WICK_I32) == WICK_I32);
  CHECK(wk_promote(WICK_F16, WICK_BF16) == WICK_F32);
  CHECK(wk_promote(WICK_BOOL, WICK_U8) == WICK_U8);
  CHECK(wk_promote(WICK_I64, WICK_F16) == WICK_F16);
  /* uint8 + uint8 stays uint8 and wraps: 200 + 100 = 300 -> 44, then to int16 out */
  CHECK_OK(CALL("aten::add.out", vt(&tua), vt(&tua), vi(1), vt(&tso)));
  CHECK(so[0] == 144 && so[1] == 200); /* 400 mod 256 = 144 */

  /* int64 tensor with a float scalar -> float32 */
  wick_value two_and_half = vd(2.5), three = vi(3), yes = vb(true);
  CHECK(wk_promote_scalar(WICK_I64, &two_and_half) == WICK_F32);
  CHECK(wk_promote_scalar(WICK_F16, &three) == WICK_F16);
  CHECK(wk_promote_scalar(WICK_BOOL, &three) == WICK_I64);
  CHECK(wk_promote_scalar(WICK_U8, &yes) == WICK_U8);
  int64_t la[3] = {1, 2, -3};
  float lo[3];
  wick_tensor tla = tens(WICK_I64, la, 1, SZ(3)), tlo = tens(WICK_F32, lo, 1, SZ(3));
  CHECK_OK(CALL("aten::add.Scalar_out", vt(&tla), vd(2.5), vi(1), vt(&tlo)));
  EXPECT_F32(lo, 0, 3.5f, 4.5f, -0.5f);
  int64_t li[3];
  wick_tensor tli = tens(WICK_I64, li, 1, SZ(3));
  CHECK_FAILS(CALL("aten::mul.Scalar_out", vt(&tla), vd(2.5), vt(&tli)), "can't be cast");
  CHECK_OK(CALL("aten::mul.Scalar_out", vt(&tla), vi(-4), vt(&tli)));
  EXPECT_I64(li, -4, -8, 12);
  CHECK_OK(CALL("aten::sub.Scalar_out", vt(&tla), vi(1), vi(2), vt(&tli)));
  EXPECT_I64(li, -1, 0, -5);
  CHECK_OK(CALL("aten::div.Scalar_out", vt(&tla), vi(4), vt(&tlo)));
  EXPECT_F32(lo, 0, 0.25f, 0.5f, -0.75f);

  /* bool + bool -> bool (or); bool * bool (and) */
  uint8_t p[4] = {1, 1, 0, 0}, q[4] = {1, 0, 1, 0}, r[4];
  wick_tensor tp = tens(WICK_BOOL, p, 1, SZ(4)), tq = tens(WICK_BOOL, q, 1, SZ(4));
  wick_tensor tr = tens(WICK_BOOL, r, 1, SZ(4));
  CHECK_OK(CALL("aten::add.out", vt(&tp), vt(&tq), vi(1), vt(&tr)));
  EXPECT_U8(r, 1, 1, 1, 0);
  CHECK_OK(CALL("aten::add.out", vt(&tp), vt(&tq), vb(true), vt(&tr)));
  EXPECT_U8(r, 1, 1, 1, 0);
  CHECK_OK(CALL("aten::mul.out", vt(&tp), vt(&tq), vt(&tr)));
  EXPECT_U8(r, 1, 0, 0, 0);
  CHECK_FAILS(CALL("aten::sub.out", vt(&tp), vt(&tq), vi(1), vt(&tr)), "bool");
  /* bool + bool into an int32 out: 1+1 = true -> 1 */
  int32_t ri[4];
  wick_tensor tri = tens(WICK_I32, ri, 1, SZ(4));
  CHECK_OK(CALL("aten::add.out", vt(&tp), vt(&tq), vi(1), vt(&tri)));
  CHECK(ri[0] == 1 && ri[1] == 1 && ri[2] == 1 && ri[3] == 0);

  /* alpha rules */
  CHECK_FAILS(CALL("aten::add.out", vt(&tia), vt(&tia), vd(1.5), vt(&tio)), "alpha");
  CHECK_FAILS(CALL("aten::add.out", vt(&tfb), vt(&tfb), vb(true), vt(&tfo)), "alpha");
  CHECK_OK(CALL("aten::add.out", vt(&tia), vt(&tia), vi(-3), vt(&tio)));
  CHECK(io[0] == -2 && io[1] == -4);

  /* int / int is true division into a float out; an int out is refused */
  int32_t n7[2] = {7, -7}, d2[2] = {2, 2};
  wick_tensor tn7 = tens(WICK_I32, n7, 1, SZ(2)), td2 = tens(WICK_I32, d2, 1, SZ(2));
  CHECK_OK(CALL("aten::div.out", vt(&tn7), vt(&td2), vt(&tfo)));
  EXPECT_F32(fo, 0, 3.5f, -3.5f);
  CHECK_FAILS(CALL("aten::div.out", vt(&tn7), vt(&td2), vt(&tio)), "can't be cast");
  /* rounding modes */
  wick_value none = vnone();
  CHECK_OK(CALL("aten::div.out_mode", vt(&tn7), vt(&td2), vstr("floor"), vt(&tio)));
  CHECK(io[0] == 3 && io[1] == -4);
  CHECK_OK(CALL("aten::div.out_mode", vt(&tn7), vt(&td2), vstr("trunc"), vt(&tio)));
  CHECK(io[0] == 3 && io[1] == -3);
  CHECK_OK(CALL("aten::div.out_mode", vt(&tn7), vt(&td2), none, vt(&tfo)));
  EXPECT_F32(fo, 0, 3.5f, -3.5f);
  float f75[2] = {7.5f, -7.5f}, f2[2] = {2, 2};
  wick_tensor tf75 = tens(WICK_F32, f75, 1, SZ(2)), tf2 = tens(WICK_F32, f2, 1, SZ(2));
  CHECK_OK(CALL("aten::div.out_mode", vt(&tf75), vt(&tf2), vstr("floor"), vt(&tfo)));
  EXPECT_F32(fo, 0, 3, -4);
  CHECK_OK(CALL("aten::div.out_mode", vt(&tf75), vt(&tf2), vstr("trunc"), vt(&tfo)));
  EXPECT_F32(fo, 0, 3, -3);
  int32_t z2[2] = {1, 0};
  wick_tensor tz2 = tens(WICK_I32, z2, 1, SZ(2));
  CHECK_FAILS(CALL("aten::div.out_mode", vt(&tn7), vt(&tz2), vstr("floor"), vt(&tio)), "division by zero");
  CHECK_FAILS(CALL("aten::div.out_mode", vt(&tn7), vt(&td2), vstr("round"), vt(&tio)), "rounding_mode");

  /* unsupported dtype is named */
  int8_t qd[2] = {0};
  wick_tensor tqd = tens(WICK_I8, qd, 1, SZ(2));
  tqd.dtype = WICK_QI8;
  CHECK_FAILS(CALL("aten::add.out", vt(&tqd), vt(&tfb), vi(1), vt(&tfo)), "qint8");
}

static void test_half(void) {
  /* float16: 1.5 + 0.25 = 1.75, 2.25 + -1 = 1.25, 2048 + 1 = 2049 -> 2048 (ties to even) */
  uint16_t a[3], b[3], o[3];
  float av[3] = {1.5f, 2.25f, 2048}, bv[3] = {0.25f, -1, 1};
  for (int i = 0; i < 3; i++) {
    a[i] = wick_f32_to_f16(av[i]);
    b[i] = wick_f32_to_f16(bv[i]);
  }
  wick_tensor ta = tens(WICK_F16, a, 1, SZ(3)), tb = tens(WICK_F16, b, 1, SZ(3));
  wick_tensor to = tens(WICK_F16, o, 1, SZ(3));
  CHECK_OK(CALL("aten::add.out", vt(&ta), vt(&tb), vi(1), vt(&to)));
  CHECK(wick_f16_to_f32(o[0]) == 1.75f);
  CHECK(wick_f16_to_f32(o[1]) == 1.25f);
  CHECK(wick_f16_to_f32(o[2]) == 2048.0f);
  /* 2048 + 3 = 2051 -> 2052 in half: the sum rounds to half, not float */
  b[2] = wick_f32_to_f16(3);
  float fo[3];
  wick_tensor tfo = tens(WICK_F32, fo, 1, SZ(3));
  CHECK_OK(CALL("aten::add.out", vt(&ta), vt(&tb), vi(1), vt(&tfo)));
  EXPECT_F32(fo, 0, 1.75f, 1.25f, 2052);
  /* half + bfloat16 -> float32 */
  uint16_t bf[3];
  for (int i = 0; i < 3; i++) bf[i] = wick_f32_to_bf16(bv[i]);
  bf[2] = wick_f32_to_bf16(3);
  wick_tensor tbf = tens(WICK_BF16, bf, 1, SZ(3));
  CHECK_OK(CALL("aten::add.out", vt(&ta), vt(&tbf), vi(1), vt(&tfo)));
  EXPECT_F32(fo, 0, 1.75f, 1.25f, 2051);
  /* bf16 * bf16 */
  uint16_t bo[3];
  wick_tensor tbo = tens(WICK_BF16, bo, 1, SZ(3));
  CHECK_OK(CALL("aten::mul.out", vt(&tbf), vt(&tbf), vt(&tbo)));
  CHECK(wick_bf16_to_f32(bo[0]) == 0.0625f && wick_bf16_to_f32(bo[1]) == 1 && wick_bf16_to_f32(bo[2]) == 9);
}

/* [1,2,2,3] channels-last (dim order 0,2,3,1) + a contiguous [1,2,2,3]. */
static void test_channels_last(void) {
  enum { C = 2, H = 2, W = 3 };
  float a[12], b[12], o[12];
  static const uint8_t cl[4] = {0, 2, 3, 1};
  /* logical a[0,c,h,w] = 100c + 10h + w, stored channels-last at ((h*W)+w)*C + c */
  for (int c = 0; c < C; c++)
    for (int h = 0; h < H; h++)
      for (int w = 0; w < W; w++) {
        a[(h * W + w) * C + c] = (float)(100 * c + 10 * h + w);
        b[(c * H + h) * W + w] = 0.5f * (float)((c * H + h) * W + w);
      }
  wick_tensor ta = tens(WICK_F32, a, 4, SZ(1, C, H, W));
  set_order(&ta, cl);
  CHECK(ta.strides[1] == 1 && ta.strides[3] == C && ta.strides[2] == W * C);
  wick_tensor tb = tens(WICK_F32, b, 4, SZ(1, C, H, W));
  wick_tensor to = tens(WICK_F32, o, 4, SZ(1, C, H, W));
  CHECK_OK(CALL("aten::add.out", vt(&ta), vt(&tb), vi(1), vt(&to)));
  for (int c = 0; c < C; c++)
    for (int h = 0; h < H; h++)
      for (int w = 0; w < W; w++) {
        int li = (c * H + h) * W + w;
        float want = (float)(100 * c + 10 * h + w) + 0.5f * (float)li;
        CHECK_MSG(o[li] == want, "contiguous out [%d,%d,%d] = %g want %g", c, h, w, o[li], want);
      }
  /* out channels-last too: results land at channels-last positions */
  wick_tensor tocl = tens(WICK_F32, o, 4, SZ(1, C, H, W));
  set_order(&tocl, cl);
  CHECK_OK(CALL("aten::add.out", vt(&ta), vt(&tb), vi(1), vt(&tocl)));
  for (int c = 0; c < C; c++)
    for (int h = 0; h < H; h++)
      for (int w = 0; w < W; w++) {
        float want = (float)(100 * c + 10 * h + w) + 0.5f * (float)((c * H + h) * W + w);
        CHECK(o[(h * W + w) * C + c] == want);
      }
  /* both inputs channels-last: the flat path, a + a = 2a at the same positions */
  CHECK_OK(CALL("aten::add.out", vt(&ta), vt(&ta), vi(1), vt(&tocl)));
  for (int i = 0; i < 12; i++) CHECK(o[i] == 2 * a[i]);
  /* channels-last [1,2,2,3] * a per-channel [2,1,1] scale */
  float sc[2] = {2, -1};
  wick_tensor tsc = tens(WICK_F32, sc, 3, SZ(C, 1, 1));
  CHECK_OK(CALL("aten::mul.out", vt(&ta), vt(&tsc), vt(&to)));
  for (int c = 0; c < C; c++)
    for (int h = 0; h < H; h++)
      for (int w = 0; w < W; w++)
        CHECK(o[(c * H + h) * W + w] == sc[c] * (float)(100 * c + 10 * h + w));
  /* clone of a channels-last tensor into a contiguous out reorders the data */
  CHECK_OK(CALL("aten::clone.out", vt(&ta), vnone(), vt(&to)));
  for (int c = 0; c < C; c++)
    for (int h = 0; h < H; h++)
      for (int w = 0; w < W; w++) CHECK(o[(c * H + h) * W + w] == (float)(100 * c + 10 * h + w));
}

/* ---- reductions ------------------------------------------------------------ */

static void test_mean_sum(void) {
  /* x[i,j,k] = 12i + 4j + k, shape [2,3,4] */
  float x[24];
  for (int i = 0; i < 24; i++) x[i] = (float)i;
  wick_tensor tx = tens(WICK_F32, x, 3, SZ(2, 3, 4));

  /* mean over dim -1, keepdim: [2,3,1], value 12i + 4j + 1.5 */
  int64_t d_last[1] = {-1};
  float m1[6];
  wick_tensor tm1 = tens(WICK_F32, m1, 3, SZ(2, 3, 1));
  CHECK_OK(CALL("aten::mean.out", vt(&tx), vil(d_last, 1), vb(true), vnone(), vt(&tm1)));
  EXPECT_F32(m1, 0, 1.5f, 5.5f, 9.5f, 13.5f, 17.5f, 21.5f);

  /* mean over dims {0, -1}, no keepdim: [3], value 6 + 4j + 1.5 */
  int64_t d02[2] = {0, -1};
  float m2[3];
  wick_tensor tm2 = tens(WICK_F32, m2, 1, SZ(3));
  CHECK_OK(CALL("aten::mean.out", vt(&tx), vil(d02, 2), vb(false), vnone(), vt(&tm2)));
  EXPECT_F32(m2, 0, 7.5f, 11.5f, 15.5f);
  /* keepdim: [1,3,1] */
  wick_tensor tm2k = tens(WICK_F32, m2, 3, SZ(1, 3, 1));
  CHECK_OK(CALL("aten::mean.out", vt(&tx), vil(d02, 2), vb(true), vnone(), vt(&tm2k)));
  EXPECT_F32(m2, 0, 7.5f, 11.5f, 15.5f);
  /* the wrong out shape is refused (static) */
  CHECK_FAILS(CALL("aten::mean.out", vt(&tx), vil(d02, 2), vb(false), vnone(), vt(&tm2k)),
              "cannot be resized");

  /* mean of all: None and [] -> rank 0, (0 + 23) / 2 = 11.5 */
  float m0 = 0;
  wick_tensor tm0 = tens(WICK_F32, &m0, 0, NULL);
  CHECK_OK(CALL("aten::mean.out", vt(&tx), vnone(), vb(false), vnone(), vt(&tm0)));
  CHECK(m0 == 11.5f);
  m0 = 0;
  CHECK_OK(CALL("aten::mean.out", vt(&tx), vil(NULL, 0), vb(false), vnone(), vt(&tm0)));
  CHECK(m0 == 11.5f);
  /* all, keepdim -> [1,1,1] */
  wick_tensor tm0k = tens(WICK_F32, &m0, 3, SZ(1, 1, 1));
  m0 = 0;
  CHECK_OK(CALL("aten::mean.out", vt(&tx), vnone(), vb(true), vnone(), vt(&tm0k)));
  CHECK(m0 == 11.5f);

  /* duplicate / out-of-range dims */
  int64_t dup[2] = {1, -2}, bad[1] = {3};
  CHECK_FAILS(CALL("aten::mean.out", vt(&tx), vil(dup, 2), vb(false), vnone(), vt(&tm2)), "multiple times");
  CHECK_FAILS(CALL("aten::mean.out", vt(&tx), vil(bad, 1), vb(false), vnone(), vt(&tm2)), "out of range");

  /* integral mean needs a dtype */
  int32_t xi[4] = {1, 2, 3, 5};
  wick_tensor txi = tens(WICK_I32, xi, 1, SZ(4));
  CHECK_FAILS(CALL("aten::mean.out", vt(&txi), vnone(), vb(false), vnone(), vt(&tm0)),
              "could not infer output dtype");
  CHECK_OK(CALL("aten::mean.out", vt(&txi), vnone(), vb(false), vi(WICK_F32), vt(&tm0)));
  CHECK(m0 == 2.75f);
  CHECK_FAILS(CALL("aten::mean.out", vt(&txi), vnone(), vb(false), vi(WICK_I64), vt(&tm0)),
              "could not infer output dtype");
  CHECK_FAILS(CALL("aten::mean.out", vt(&tx), vnone(), vb(false), vi(WICK_F64), vt(&tm0)),
              "does not match");

  /* mean over a channels-last tensor's channel dim: [1,2,2,3] over dim 1 */
  float cl[12];
  static const uint8_t order[4] = {0, 2, 3, 1};
  for (int c = 0; c < 2; c++)
    for (int h = 0; h < 2; h++)
      for (int w = 0; w < 3; w++) cl[(h * 3 + w) * 2 + c] = (float)(100 * c + 10 * h + w);
  wick_tensor tcl = tens(WICK_F32, cl, 4, SZ(1, 2, 2, 3));
  set_order(&tcl, order);
  int64_t d1[1] = {1};
  float mc[6];
  wick_tensor tmc = tens(WICK_F32, mc, 3, SZ(1, 2, 3));
  CHECK_OK(CALL("aten::mean.out", vt(&tcl), vil(d1, 1), vb(false), vnone(), vt(&tmc)));
  EXPECT_F32(mc, 0, 50, 51, 52, 60, 61, 62);

  /* sum over dim 1 of int32 [2,3] into int64 with dtype */
  int32_t si[6] = {1, 2, 3, 4, 5, 6};
  int64_t so[2];
  wick_tensor tsi = tens(WICK_I32, si, 2, SZ(2, 3)), tso = tens(WICK_I64, so, 1, SZ(2));
  CHECK_OK(CALL("aten::sum.IntList_out", vt(&tsi), vil(d1, 1), vb(false), vi(WICK_I64), vt(&tso)));
  EXPECT_I64(so, 6, 15);
  int64_t d0[1] = {0};
  int64_t so3[3];
  wick_tensor tso3 = tens(WICK_I64, so3, 2, SZ(1, 3));
  CHECK_OK(CALL("aten::sum.IntList_out", vt(&tsi), vil(d0, 1), vb(true), vnone(), vt(&tso3)));
  EXPECT_I64(so3, 5, 7, 9);
  /* float sum of all; bool sum counts */
  float fs = 0;
  wick_tensor tfs = tens(WICK_F32, &fs, 0, NULL);
  CHECK_OK(CALL("aten::sum.IntList_out", vt(&tx), vnone(), vb(false), vnone(), vt(&tfs)));
  CHECK(fs == 276); /* 0 + ... + 23 */
  uint8_t bs[4] = {1, 0, 1, 1};
  int64_t bc = 0;
  wick_tensor tbs = tens(WICK_BOOL, bs, 1, SZ(4)), tbc = tens(WICK_I64, &bc, 0, NULL);
  CHECK_OK(CALL("aten::sum.IntList_out", vt(&tbs), vnone(), vb(false), vi(WICK_I64), vt(&tbc)));
  CHECK(bc == 3);
  /* float self into an int out without dtype is refused */
  CHECK_FAILS(CALL("aten::sum.IntList_out", vt(&tx), vnone(), vb(false), vnone(), vt(&tbc)), "can't be cast");
}

/* ---- matmul ---------------------------------------------------------------- */

static void test_addmm_mm(void) {
  /* [1 2 3; 4 5 6] @ [7 8; 9 10; 11 12] = [58 64; 139 154] */
  float m1[6] = {1, 2, 3, 4, 5, 6}, m2[6] = {7, 8, 9, 10, 11, 12}, o[4];
  wick_tensor t1 = tens(WICK_F32, m1, 2, SZ(2, 3)), t2 = tens(WICK_F32, m2, 2, SZ(3, 2));
  wick_tensor to = tens(WICK_F32, o, 2, SZ(2, 2));
  CHECK_OK(CALL("aten::mm.out", vt(&t1), vt(&t2), vt(&to)));
  EXPECT_F32(o, 0, 58, 64, 139, 154);

  /* addmm with a [2] bias row, beta 2, alpha 0.5: 2*[1,-1] + mm/2 */
  float bias[2] = {1, -1};
  wick_tensor tbias = tens(WICK_F32, bias, 1, SZ(2));
  CHECK_OK(CALL("aten::addmm.out", vt(&tbias), vt(&t1), vt(&t2), vi(2), vd(0.5), vt(&to)));
  EXPECT_F32(o, 0, 31, 30, 71.5f, 75);
  /* defaults (1, 1) and a [2,1] column bias */
  float col[2] = {100, 200};
  wick_tensor tcol = tens(WICK_F32, col, 2, SZ(2, 1));
  CHECK_OK(CALL("aten::addmm.out", vt(&tcol), vt(&t1), vt(&t2), vi(1), vi(1), vt(&to)));
  EXPECT_F32(o, 0, 158, 164, 339, 354);
  /* beta 0 ignores self, NaN included */
  float nanb[4] = {NAN, NAN, NAN, NAN};
  wick_tensor tnan = tens(WICK_F32, nanb, 2, SZ(2, 2));
  CHECK_OK(CALL("aten::addmm.out", vt(&tnan), vt(&t1), vt(&t2), vi(0), vi(1), vt(&to)));
  EXPECT_F32(o, 0, 58, 64, 139, 154);
  CHECK_OK(CALL("aten::addmm.out", vt(&tnan), vt(&t1), vt(&t2), vd(0.0), vi(2), vt(&to)));
  EXPECT_F32(o, 0, 116, 128, 278, 308);
  /* mat2 stored column-major (dim order 1,0): the generic path, same answer */
  float m2t[6] = {7, 9, 11, 8, 10, 12};
  static const uint8_t cm[2] = {1, 0};
  wick_tensor t2t = tens(WICK_F32, m2t, 2, SZ(3, 2));
  set_order(&t2t, cm);
  CHECK_OK(CALL("aten::addmm.out", vt(&tbias), vt(&t1), vt(&t2t), vi(2), vd(0.5), vt(&to)));
  EXPECT_F32(o, 0, 31, 30, 71.5f, 75);
  CHECK_OK(CALL("aten::addmm.out", vt(&tnan), vt(&t1), vt(&t2t), vi(0), vi(1), vt(&to)));
  EXPECT_F32(o, 0, 58, 64, 139, 154);
  /* shape / dtype errors */
  CHECK_FAILS(CALL("aten::mm.out", vt(&t1), vt(&t1), vt(&to)), "cannot be multiplied");
  float b3[3] = {0};
  wick_tensor tb3 = tens(WICK_F32, b3, 1, SZ(3));
  CHECK_FAILS(CALL("aten::addmm.out", vt(&tb3), vt(&t1), vt(&t2), vi(1), vi(1), vt(&to)), "broadcast");
  /* int32 mm */
  int32_t i1[6] = {1, 2, 3, 4, 5, 6}, i2[6] = {7, 8, 9, 10, 11, 12}, io[4];
  wick_tensor ti1 = tens(WICK_I32, i1, 2, SZ(2, 3)), ti2 = tens(WICK_I32, i2, 2, SZ(3, 2));
  wick_tensor tio = tens(WICK_I32, io, 2, SZ(2, 2));
  CHECK_OK(CALL("aten::mm.out", vt(&ti1), vt(&ti2), vt(&tio)));
  CHECK(io[0] == 58 && io[1] == 64 && io[2] == 139 && io[3] == 154);
  CHECK_FAILS(CALL("aten::mm.out", vt(&ti1), vt(&t2), vt(&to)), "same dtype");
  /* float64 */
  double d1[6] = {1, 2, 3, 4, 5, 6}, d2[6] = {7, 8, 9, 10, 11, 12}, dout[4];
  wick_tensor td1 = tens(WICK_F64, d1, 2, SZ(2, 3)), td2 = tens(WICK_F64, d2, 2, SZ(3, 2));
  wick_tensor tdo = tens(WICK_F64, dout, 2, SZ(2, 2));
  CHECK_OK(CALL("aten::mm.out", vt(&td1), vt(&td2), vt(&tdo)));
  CHECK(dout[0] == 58 && dout[3] == 154);
}

/* ---- shape ops ------------------------------------------------------------- */

static void test_permute_view(void) {
  float x[24], o[24];
  for (int i = 0; i < 24; i++) x[i] = (float)i; /* x[i,j,k] = 12i + 4j + k */
  wick_tensor tx = tens(WICK_F32, x, 3, SZ(2, 3, 4));
  int64_t dims[3] = {-1, 0, 1};
  wick_tensor to = tens(WICK_F32, o, 3, SZ(4, 2, 3));
  CHECK_OK(CALL("aten::permute_copy.out", vt(&tx), vil(dims, 3), vt(&to)));
  for (int k = 0; k < 4; k++)
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++) CHECK(o[(k * 2 + i) * 3 + j] == (float)(12 * i + 4 * j + k));
  int64_t notperm[3] = {0, 0, 1}, shortd[2] = {0, 1};
  CHECK_FAILS(CALL("aten::permute_copy.out", vt(&tx), vil(notperm, 3), vt(&to)), "permutation");
  CHECK_FAILS(CALL("aten::permute_copy.out", vt(&tx), vil(shortd, 2), vt(&to)), "rank");

  /* view_copy [2,3,4] -> [-1, 6] = [4,6]; data unchanged */
  int64_t shape[2] = {-1, 6};
  wick_tensor tv = tens(WICK_F32, o, 2, SZ(4, 6));
  memset(o, 0, sizeof o);
  CHECK_OK(CALL("aten::view_copy.out", vt(&tx), vil(shape, 2), vt(&tv)));
  for (int i = 0; i < 24; i++) CHECK(o[i] == (float)i);
  int64_t badshape[2] = {5, -1}, two_infer[2] = {-1, -1};
  CHECK_FAILS(CALL("aten::view_copy.out", vt(&tx), vil(badshape, 2), vt(&tv)), "invalid");
  CHECK_FAILS(CALL("aten::view_copy.out", vt(&tx), vil(two_infer, 2), vt(&tv)), "invalid");
  /* view of a channels-last tensor follows logical order */
  float cl[6] = {0, 3, 1, 4, 2, 5}; /* logical [1,2,1,3] = 0..5 stored channels-last */
  static const uint8_t order[4] = {0, 2, 3, 1};
  wick_tensor tcl = tens(WICK_F32, cl, 4, SZ(1, 2, 1, 3));
  set_order(&tcl, order);
  int64_t flat[1] = {6};
  float of[6];
  wick_tensor tof = tens(WICK_F32, of, 1, SZ(6));
  CHECK_OK(CALL("aten::view_copy.out", vt(&tcl), vil(flat, 1), vt(&tof)));
  EXPECT_F32(of, 0, 0, 1, 2, 3, 4, 5);
}

/* ---- comparisons, where ----------------------------------------------------- */

static void test_compare_where(void) {
  float f[3] = {1.0f, 2.5f, 3.0f};
  uint8_t r[3];
  wick_tensor tf = tens(WICK_F32, f, 1, SZ(3)), tr = tens(WICK_BOOL, r, 1, SZ(3));
  CHECK_OK(CALL("aten::eq.Scalar_out", vt(&tf), vd(2.5), vt(&tr)));
  EXPECT_U8(r, 0, 1, 0);
  CHECK_OK(CALL("aten::eq.Scalar_out", vt(&tf), vi(3), vt(&tr)));
  EXPECT_U8(r, 0, 0, 1);
  CHECK_OK(CALL("aten::ne.Scalar_out", vt(&tf), vd(2.5), vt(&tr)));
  EXPECT_U8(r, 1, 0, 1);
  CHECK_OK(CALL("aten::lt.Scalar_out", vt(&tf), vd(2.5), vt(&tr)));
  EXPECT_U8(r, 1, 0, 0);
  CHECK_OK(CALL("aten::le.Scalar_out", vt(&tf), vd(2.5), vt(&tr)));
  EXPECT_U8(r, 1, 1, 0);
  CHECK_OK(CALL("aten::gt.Scalar_out", vt(&tf), vd(2.5), vt(&tr)));
  EXPECT_U8(r, 0, 0, 1);
  CHECK_OK(CALL("aten::ge.Scalar_out", vt(&tf), vd(2.5), vt(&tr)));
  EXPECT_U8(r, 0, 1, 1);
  /* 0.1 compares as float32(0.1) against a float32 tensor */
  float tenth = 0.1f;
  uint8_t r1;
  wick_tensor ttenth = tens(WICK_F32, &tenth, 1, SZ(1)), tr1 = tens(WICK_BOOL, &r1, 1, SZ(1));
  CHECK_OK(CALL("aten::eq.Scalar_out", vt(&ttenth), vd(0.1), vt(&tr1)));
  CHECK(r1 == 1);

  /* int32 == 2, into a float32 out */
  int32_t iv[3] = {1, 2, 3};
  float fo[3];
  wick_tensor tiv = tens(WICK_I32, iv, 1, SZ(3)), tfo = tens(WICK_F32, fo, 1, SZ(3));
  CHECK_OK(CALL("aten::eq.Scalar_out", vt(&tiv), vi(2), vt(&tfo)));
  EXPECT_F32(fo, 0, 0, 1, 0);
  /* int64 < 1.5 compares in float */
  int64_t lv[2] = {1, 2};
  uint8_t lr[2];
  wick_tensor tlv = tens(WICK_I64, lv, 1, SZ(2)), tlr = tens(WICK_BOOL, lr, 1, SZ(2));
  CHECK_OK(CALL("aten::lt.Scalar_out", vt(&tlv), vd(1.5), vt(&tlr)));
  EXPECT_U8(lr, 1, 0);
  CHECK_OK(CALL("aten::eq.Scalar_out", vt(&tlv), vd(2.0), vt(&tlr)));
  EXPECT_U8(lr, 0, 1);

  /* Tensor_out with broadcasting: [2,1] vs [3], int32 vs float32 */
  int32_t col[2] = {1, 3};
  float row[3] = {1, 2, 3};
  uint8_t gr[6];
  wick_tensor tcol = tens(WICK_I32, col, 2, SZ(2, 1)), trow = tens(WICK_F32, row, 1, SZ(3));
  wick_tensor tgr = tens(WICK_BOOL, gr, 2, SZ(2, 3));
  CHECK_OK(CALL("aten::ge.Tensor_out", vt(&tcol), vt(&trow), vt(&tgr)));
  EXPECT_U8(gr, 1, 0, 0, 1, 1, 1);
  CHECK_OK(CALL("aten::eq.Tensor_out", vt(&tcol), vt(&trow), vt(&tgr)));
  EXPECT_U8(gr, 1, 0, 0, 0, 0, 1);
  CHECK_OK(CALL("aten::lt.Tensor_out", vt(&tcol), vt(&trow), vt(&tgr)));
  EXPECT_U8(gr, 0, 1, 1, 0, 0, 0);
  float nan1 = NAN;
  wick_tensor tnan = tens(WICK_F32, &nan1, 0, NULL);
  CHECK_OK(CALL("aten::ne.Tensor_out", vt(&trow), vt(&tnan), vt(&tr)));
  EXPECT_U8(r, 1, 1, 1);
  CHECK_OK(CALL("aten::le.Tensor_out", vt(&trow), vt(&tnan), vt(&tr)));
  EXPECT_U8(r, 0, 0, 0);
  CHECK_OK(CALL("aten::gt.Tensor_out", vt(&trow), vt(&tf), vt(&tr)));
  EXPECT_U8(r, 0, 0, 0);

  /* where: cond [2,1], self [3], other [] -> [2,3] */
  uint8_t cond[2] = {1, 0};
  float self[3] = {1, 2, 3}, other = -1, wo[6];
  wick_tensor tc = tens(WICK_BOOL, cond, 2, SZ(2, 1)), ts = tens(WICK_F32, self, 1, SZ(3));
  wick_tensor tot = tens(WICK_F32, &other, 0, NULL), two = tens(WICK_F32, wo, 2, SZ(2, 3));
  CHECK_OK(CALL("aten::where.self_out", vt(&tc), vt(&ts), vt(&tot), vt(&two)));
  EXPECT_F32(wo, 0, 1, 2, 3, -1, -1, -1);
  /* uint8 condition [3] (2 counts as true), int32 self, float32 other -> float32 */
  uint8_t cu[3] = {0, 2, 1};
  int32_t si[3] = {10, 20, 30};
  float fo2[3];
  wick_tensor tcu = tens(WICK_U8, cu, 1, SZ(3)), tsi = tens(WICK_I32, si, 1, SZ(3));
  wick_tensor tfo2 = tens(WICK_F32, fo2, 1, SZ(3));
  CHECK_OK(CALL("aten::where.self_out", vt(&tcu), vt(&tsi), vt(&tf), vt(&tfo2)));
  EXPECT_F32(fo2, 0, 1, 20, 30);
  int32_t io2[3];
  wick_tensor tio2 = tens(WICK_I32, io2, 1, SZ(3));
  CHECK_FAILS(CALL("aten::where.self_out", vt(&tcu), vt(&tsi), vt(&tf), vt(&tio2)), "can't be cast");
  wick_tensor tcf = tens(WICK_F32, f, 1, SZ(3));
  CHECK_FAILS(CALL("aten::where.self_out", vt(&tcf), vt(&tsi), vt(&tf), vt(&tfo2)), "bool or uint8");
}

/* ---- copies, relu, full ---------------------------------------------------- */

static void test_misc(void) {
  float x[4] = {-1.5f, 0, 2.5f, -0.0f}, o[4];
  wick_tensor tx = tens(WICK_F32, x, 2, SZ(2, 2)), to = tens(WICK_F32, o, 2, SZ(2, 2));
  CHECK_OK(CALL("aten::clone.out", vt(&tx), vnone(), vt(&to)));
  EXPECT_F32(o, 0, -1.5f, 0, 2.5f, 0);
  CHECK_OK(CALL("aten::clone.out", vt(&tx), vi(1), vt(&to)));
  int32_t io[4];
  wick_tensor tio = tens(WICK_I32, io, 2, SZ(2, 2));
  CHECK_FAILS(CALL("aten::clone.out", vt(&tx), vnone(), vt(&tio)), "dtype");

  CHECK_OK(CALL("aten::relu.out", vt(&tx), vt(&to)));
  EXPECT_F32(o, 0, 0, 0, 2.5f, 0);
  int8_t ri[3] = {-5, 0, 7}, ro[3];
  wick_tensor tri = tens(WICK_I8, ri, 1, SZ(3)), tro = tens(WICK_I8, ro, 1, SZ(3));
  CHECK_OK(CALL("aten::relu.out", vt(&tri), vt(&tro)));
  CHECK(ro[0] == 0 && ro[1] == 0 && ro[2] == 7);

  /* _to_copy: f32 -> i32 truncates, -> bool is != 0, i32 -> f16 */
  float fv[4] = {1.7f, -1.7f, 0.0f, 300.25f};
  wick_tensor tfv = tens(WICK_F32, fv, 1, SZ(4));
  wick_tensor tio4 = tens(WICK_I32, io, 1, SZ(4));
  CHECK_OK(CALL("aten::_to_copy.out", vt(&tfv), vb(false), vnone(), vt(&tio4)));
  CHECK(io[0] == 1 && io[1] == -1 && io[2] == 0 && io[3] == 300);
  uint8_t bo[4];
  wick_tensor tbo = tens(WICK_BOOL, bo, 1, SZ(4));
  CHECK_OK(CALL("aten::_to_copy.out", vt(&tfv), vb(false), vnone(), vt(&tbo)));
  EXPECT_U8(bo, 1, 1, 0, 1);
  uint16_t ho[4];
  wick_tensor tho = tens(WICK_F16, ho, 1, SZ(4));
  CHECK_OK(CALL("aten::_to_copy.out", vt(&tio4), vb(false), vnone(), vt(&tho)));
  CHECK(wick_f16_to_f32(ho[0]) == 1 && wick_f16_to_f32(ho[1]) == -1 && wick_f16_to_f32(ho[3]) == 300);

  /* full: [2,3] of 1.5 (float32), of 7 (int64), of 2.5 into int32 truncates */
  int64_t sz[2] = {2, 3};
  float fo[6];
  wick_tensor tfo = tens(WICK_F32, fo, 2, SZ(2, 3));
  CHECK_OK(CALL("aten::full.out", vil(sz, 2), vd(1.5), vt(&tfo)));
  EXPECT_F32(fo, 0, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f);
  int64_t lo[6];
  wick_tensor tlo = tens(WICK_I64, lo, 2, SZ(2, 3));
  CHECK_OK(CALL("aten::full.out", vil(sz, 2), vi(7), vt(&tlo)));
  EXPECT_I64(lo, 7, 7, 7, 7, 7, 7);
  uint8_t u8o[6];
  wick_tensor tu8 = tens(WICK_U8, u8o, 2, SZ(2, 3));
  CHECK_FAILS(CALL("aten::full.out", vil(sz, 2), vi(300), vt(&tu8)), "overflow");
  CHECK_OK(CALL("aten::full.out", vil(sz, 2), vi(255), vt(&tu8)));
  EXPECT_U8(u8o, 255, 255, 255, 255, 255, 255);
}

/* ---- fast paths: each against the generic path or a hand-worked result ---- */

/* Bitwise equality of float arrays (NaN payloads aside). */
static void expect_same_f32_at(int line, const float *got, const float *want, size_t n) {
  for (size_t i = 0; i < n; i++) {
    bool same = (isnan(got[i]) && isnan(want[i])) || memcmp(&got[i], &want[i], sizeof(float)) == 0;
    if (!same) {
      fprintf(stderr, "line %d: element %zu: got %.9g want %.9g\n", line, i, got[i], want[i]);
      wick_test_failures++;
      return;
    }
  }
}

/* Runs `name` (a binary float32 .out op) on a and b into out, then the
 * generic engine (wk_binary_compute) on the same operands into a copy of out,
 * and compares bit for bit. */
static void check_binary_vs_generic(int line, const char *name, wk_binop op, wick_tensor *a,
                                    wick_tensor *b, const wick_value *alpha, wick_tensor *out) {
  float ref[16];
  wick_tensor tref = *out;
  tref.data = ref;
  wick_kernel_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  CHECK_MSG(wk_binary_compute(&ctx, op, a, b, alpha, WICK_F32, &tref) == WICK_OK, "line %d", line);
  wick_status s = alpha ? CALL(name, vt(a), vt(b), *alpha, vt(out)) : CALL(name, vt(a), vt(b), vt(out));
  CHECK_MSG(s == WICK_OK, "line %d: %s", line, g_diag.msg);
  expect_same_f32_at(line, out->data, ref, wk_numel(out));
}

static void test_fast_binary(void) {
  static const struct {
    const char *name;
    wk_binop op;
    bool alpha;
  } ops[] = {{"aten::add.out", WK_ADD, true},
             {"aten::sub.out", WK_SUB, true},
             {"aten::mul.out", WK_MUL, false},
             {"aten::div.out", WK_DIV, false}};
  float v3[3] = {1.5f, -2.25f, 1e30f}, one = 3.0f, m4[4] = {1, 2, 3, 0.1f}, o3[3], o4[4];
  wick_tensor t3 = tens(WICK_F32, v3, 1, SZ(3)), t1 = tens(WICK_F32, &one, 1, SZ(1));
  wick_tensor t0 = tens(WICK_F32, &one, 0, NULL), t11 = tens(WICK_F32, &one, 2, SZ(1, 1));
  wick_tensor to3 = tens(WICK_F32, o3, 1, SZ(3));
  wick_tensor t22 = tens(WICK_F32, m4, 2, SZ(2, 2)), to22 = tens(WICK_F32, o4, 2, SZ(2, 2));
  wick_value alphas[3] = {vi(1), vi(-2), vd(0.1)};
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
    for (int ai = 0; ai < (ops[k].alpha ? 3 : 1); ai++) {
      const wick_value *al = ops[k].alpha ? &alphas[ai] : NULL;
      /* [3] (op) [1], [1] (op) [3], [3] (op) [], [] (op) [3] */
      check_binary_vs_generic(__LINE__, ops[k].name, ops[k].op, &t3, &t1, al, &to3);
      check_binary_vs_generic(__LINE__, ops[k].name, ops[k].op, &t1, &t3, al, &to3);
      check_binary_vs_generic(__LINE__, ops[k].name, ops[k].op, &t3, &t0, al, &to3);
      check_binary_vs_generic(__LINE__, ops[k].name, ops[k].op, &t0, &t3, al, &to3);
      /* [2,2] (op) [1,1], [1] (op) [2,2], [2,2] (op) [2,2] */
      check_binary_vs_generic(__LINE__, ops[k].name, ops[k].op, &t22, &t11, al, &to22);
      check_binary_vs_generic(__LINE__, ops[k].name, ops[k].op, &t1, &t22, al, &to22);
      check_binary_vs_generic(__LINE__, ops[k].name, ops[k].op, &t22, &t22, al, &to22);
    }
  }

  /* [3] + [1,1] broadcasts to [1,3]: a static [3] out cannot take it, so the
   * single-element path must not either; [] + [] into a static [1] likewise. */
  CHECK_FAILS(CALL("aten::add.out", vt(&t3), vt(&t11), vi(1), vt(&to3)), "cannot be resized");
  CHECK_FAILS(CALL("aten::mul.out", vt(&t11), vt(&t3), vt(&to3)), "cannot be resized");
  float z1 = 0;
  wick_tensor tz1 = tens(WICK_F32, &z1, 1, SZ(1));
  CHECK_FAILS(CALL("aten::add.out", vt(&t0), vt(&t0), vi(1), vt(&tz1)), "cannot be resized");
  /* a Bool alpha is still refused for float results */
  CHECK_FAILS(CALL("aten::add.out", vt(&t3), vt(&t1), vb(true), vt(&to3)), "boolean alpha");

  /* self in channels-last order, out row-major, other a single element: the
   * flat path must not apply (element i of self is not element i of out).
   * self logical [2,3] = {{0,1,2},{3,4,5}} stored as [3,2]-major. */
  float cl[6] = {0, 3, 1, 4, 2, 5}, o6[6];
  wick_tensor tcl = tens(WICK_F32, cl, 2, SZ(2, 3));
  set_order(&tcl, (const uint8_t[]){1, 0});
  wick_tensor to6 = tens(WICK_F32, o6, 2, SZ(2, 3));
  CHECK_OK(CALL("aten::add.out", vt(&tcl), vt(&t1), vi(1), vt(&to6)));
  EXPECT_F32(o6, 0, 3, 4, 5, 6, 7, 8);
  CHECK_OK(CALL("aten::sub.out", vt(&t0), vt(&tcl), vi(1), vt(&to6)));
  EXPECT_F32(o6, 0, 3, 2, 1, 0, -1, -2);
  /* and a channels-last out with row-major inputs of the same shape */
  float r6[6] = {0, 1, 2, 3, 4, 5};
  wick_tensor tr6 = tens(WICK_F32, r6, 2, SZ(2, 3));
  wick_tensor tocl = tens(WICK_F32, o6, 2, SZ(2, 3));
  set_order(&tocl, (const uint8_t[]){1, 0});
  CHECK_OK(CALL("aten::mul.out", vt(&tr6), vt(&t1), vt(&tocl)));
  EXPECT_F32(o6, 0, 0, 9, 3, 12, 6, 15);

  /* out aliasing self (in place), other a single element */
  float ip[3] = {1, 2, 3}, two = 2;
  wick_tensor tip = tens(WICK_F32, ip, 1, SZ(3)), ttwo = tens(WICK_F32, &two, 0, NULL);
  CHECK_OK(CALL("aten::add.out", vt(&tip), vt(&ttwo), vi(3), vt(&tip)));
  EXPECT_F32(ip, 0, 7, 8, 9);
  CHECK_OK(CALL("aten::div.out", vt(&ttwo), vt(&tip), vt(&tip)));
  EXPECT_F32(ip, 0, 2.0f / 7, 2.0f / 8, 2.0f / 9);

  /* .Scalar_out: Int and Double scalars, alpha, a Bool scalar for sub */
  float so[3];
  wick_tensor tso = tens(WICK_F32, so, 1, SZ(3));
  CHECK_OK(CALL("aten::add.Scalar_out", vt(&t3), vi(2), vi(3), vt(&tso)));
  EXPECT_F32(so, 0, 7.5f, 3.75f, 1e30f);
  CHECK_OK(CALL("aten::sub.Scalar_out", vt(&t3), vd(0.5), vd(2.0), vt(&tso)));
  EXPECT_F32(so, 0, 0.5f, -3.25f, 1e30f);
  CHECK_OK(CALL("aten::mul.Scalar_out", vt(&t3), vd(1e300), vt(&tso))); /* 1e300 -> inf as float */
  CHECK(so[0] == INFINITY && so[1] == -INFINITY && so[2] == INFINITY);
  CHECK_OK(CALL("aten::div.Scalar_out", vt(&t3), vi(4), vt(&tso)));
  EXPECT_F32(so, 0, 0.375f, -0.5625f, 2.5e29f);
  CHECK_FAILS(CALL("aten::sub.Scalar_out", vt(&t3), vb(true), vi(1), vt(&tso)), "bool");
  CHECK_OK(CALL("aten::mul.Scalar_out", vt(&tcl), vi(2), vt(&to6))); /* channels-last self */
  EXPECT_F32(o6, 0, 0, 2, 4, 6, 8, 10);
}

static void test_fast_compare_where(void) {
  float x[4] = {0.0f, -0.0f, NAN, 2.5f}, one = 2.5f;
  uint8_t r[4];
  wick_tensor tx = tens(WICK_F32, x, 1, SZ(4)), tr = tens(WICK_BOOL, r, 1, SZ(4));
  CHECK_OK(CALL("aten::eq.Scalar_out", vt(&tx), vi(0), vt(&tr)));
  EXPECT_U8(r, 1, 1, 0, 0);
  CHECK_OK(CALL("aten::ne.Scalar_out", vt(&tx), vi(0), vt(&tr)));
  EXPECT_U8(r, 0, 0, 1, 1);
  CHECK_OK(CALL("aten::lt.Scalar_out", vt(&tx), vb(true), vt(&tr)));
  EXPECT_U8(r, 1, 1, 0, 0);
  CHECK_OK(CALL("aten::ge.Scalar_out", vt(&tx), vd(2.5), vt(&tr)));
  EXPECT_U8(r, 0, 0, 0, 1);
  /* a double scalar is rounded to float32 first: 0.1 == 0.1f */
  float tenth = 0.1f;
  uint8_t r1;
  wick_tensor tt = tens(WICK_F32, &tenth, 0, NULL), tr1 = tens(WICK_BOOL, &r1, 0, NULL);
  CHECK_OK(CALL("aten::eq.Scalar_out", vt(&tt), vd(0.1), vt(&tr1)));
  CHECK(r1 == 1);
  /* tensor other: [4] vs [1], [] and [4] */
  wick_tensor t1 = tens(WICK_F32, &one, 1, SZ(1)), t0 = tens(WICK_F32, &one, 0, NULL);
  CHECK_OK(CALL("aten::le.Tensor_out", vt(&tx), vt(&t1), vt(&tr)));
  EXPECT_U8(r, 1, 1, 0, 1);
  CHECK_OK(CALL("aten::gt.Tensor_out", vt(&tx), vt(&t0), vt(&tr)));
  EXPECT_U8(r, 0, 0, 0, 0);
  float y[4] = {-0.0f, 1, NAN, 2.5f};
  wick_tensor ty = tens(WICK_F32, y, 1, SZ(4));
  CHECK_OK(CALL("aten::eq.Tensor_out", vt(&tx), vt(&ty), vt(&tr)));
  EXPECT_U8(r, 1, 0, 0, 1);
  /* [1] vs [4]: the flat path only takes a single-element other */
  CHECK_OK(CALL("aten::lt.Tensor_out", vt(&t1), vt(&tx), vt(&tr)));
  EXPECT_U8(r, 0, 0, 0, 0);
  /* other [1,1] broadcasts to [1,4]: a static [4] out must be refused */
  wick_tensor t11 = tens(WICK_F32, &one, 2, SZ(1, 1));
  CHECK_FAILS(CALL("aten::eq.Tensor_out", vt(&tx), vt(&t11), vt(&tr)), "cannot be resized");
  /* a float32 out receives 1 / 0 through the generic path */
  float fo[4];
  wick_tensor tfo = tens(WICK_F32, fo, 1, SZ(4));
  CHECK_OK(CALL("aten::eq.Scalar_out", vt(&tx), vi(0), vt(&tfo)));
  EXPECT_F32(fo, 0, 1, 1, 0, 0);
  /* channels-last self, row-major bool out */
  float cl[6] = {0, 3, 1, 4, 2, 5};
  uint8_t r6[6];
  wick_tensor tcl = tens(WICK_F32, cl, 2, SZ(2, 3)), tr6 = tens(WICK_BOOL, r6, 2, SZ(2, 3));
  set_order(&tcl, (const uint8_t[]){1, 0});
  CHECK_OK(CALL("aten::ge.Scalar_out", vt(&tcl), vi(2), vt(&tr6)));
  EXPECT_U8(r6, 0, 0, 1, 1, 1, 1);

  /* where: the module_model shapes, cond bool[1], self [], other [1] */
  uint8_t c1 = 1;
  float s0 = 7, o1 = 9, w1 = 0;
  wick_tensor tc1 = tens(WICK_BOOL, &c1, 1, SZ(1)), ts0 = tens(WICK_F32, &s0, 0, NULL);
  wick_tensor to1 = tens(WICK_F32, &o1, 1, SZ(1)), tw1 = tens(WICK_F32, &w1, 1, SZ(1));
  CHECK_OK(CALL("aten::where.self_out", vt(&tc1), vt(&ts0), vt(&to1), vt(&tw1)));
  CHECK(w1 == 7);
  c1 = 0;
  CHECK_OK(CALL("aten::where.self_out", vt(&tc1), vt(&ts0), vt(&to1), vt(&tw1)));
  CHECK(w1 == 9);
  /* cond [4] (uint8, any nonzero is true), self [4], other [] */
  uint8_t c4[4] = {0, 2, 1, 0};
  float w4[4];
  wick_tensor tc4 = tens(WICK_U8, c4, 1, SZ(4)), tw4 = tens(WICK_F32, w4, 1, SZ(4));
  CHECK_OK(CALL("aten::where.self_out", vt(&tc4), vt(&ty), vt(&ts0), vt(&tw4)));
  EXPECT_F32(w4, 0, 7, 1, NAN, 7);
  /* single-element cond and self, other [4] */
  CHECK_OK(CALL("aten::where.self_out", vt(&tc1), vt(&ts0), vt(&tx), vt(&tw4)));
  EXPECT_F32(w4, 0, 0, -0.0f, NAN, 2.5f);
  /* every input a single element, out [1,1]: the broadcast shape is [1], so a
   * static [1,1] out must be refused, not filled */
  wick_tensor tw11 = tens(WICK_F32, &w1, 2, SZ(1, 1));
  CHECK_FAILS(CALL("aten::where.self_out", vt(&tc1), vt(&ts0), vt(&to1), vt(&tw11)), "cannot be resized");
  /* channels-last self of out's shape: not flat */
  uint8_t c6[6] = {1, 1, 1, 0, 0, 0};
  float w6[6], zero = 0;
  wick_tensor tc6 = tens(WICK_BOOL, c6, 2, SZ(2, 3)), tw6 = tens(WICK_F32, w6, 2, SZ(2, 3));
  wick_tensor tzero = tens(WICK_F32, &zero, 0, NULL);
  CHECK_OK(CALL("aten::where.self_out", vt(&tc6), vt(&tcl), vt(&tzero), vt(&tw6)));
  EXPECT_F32(w6, 0, 0, 1, 2, 0, 0, 0);
}

static void test_fast_copies_reductions(void) {
  /* clone: rank 0, same layout, and a channels-last out (logical copy) */
  float s0 = 4.5f, d0 = 0;
  wick_tensor ts0 = tens(WICK_F32, &s0, 0, NULL), td0 = tens(WICK_F32, &d0, 0, NULL);
  CHECK_OK(CALL("aten::clone.out", vt(&ts0), vnone(), vt(&td0)));
  CHECK(d0 == 4.5f);
  float r6[6] = {0, 1, 2, 3, 4, 5}, o6[6];
  wick_tensor tr6 = tens(WICK_F32, r6, 2, SZ(2, 3)), tocl = tens(WICK_F32, o6, 2, SZ(2, 3));
  set_order(&tocl, (const uint8_t[]){1, 0});
  CHECK_OK(CALL("aten::clone.out", vt(&tr6), vi(1), vt(&tocl)));
  EXPECT_F32(o6, 0, 0, 3, 1, 4, 2, 5);
  CHECK_OK(CALL("aten::clone.out", vt(&tr6), vnone(), vt(&tr6))); /* out is self */
  EXPECT_F32(r6, 0, 0, 1, 2, 3, 4, 5);
  wick_tensor to23 = tens(WICK_F32, o6, 2, SZ(3, 2)); /* static, wrong shape */
  CHECK_FAILS(CALL("aten::clone.out", vt(&tr6), vnone(), vt(&to23)), "cannot be resized");

  /* mean / sum over trailing dims of a row-major float32 tensor */
  float x[24];
  for (int i = 0; i < 24; i++) x[i] = (float)i;
  wick_tensor tx = tens(WICK_F32, x, 3, SZ(2, 3, 4));
  float m2[2], m6[6], m8[8];
  wick_tensor tm2 = tens(WICK_F32, m2, 1, SZ(2)), tm6 = tens(WICK_F32, m6, 2, SZ(2, 3));
  wick_tensor tm8 = tens(WICK_F32, m8, 2, SZ(2, 4));
  int64_t d12[2] = {2, -2}, dl[1] = {-1}, d1[1] = {1};
  CHECK_OK(CALL("aten::mean.out", vt(&tx), vil(d12, 2), vb(false), vnone(), vt(&tm2)));
  EXPECT_F32(m2, 0, 5.5f, 17.5f);
  CHECK_OK(CALL("aten::sum.IntList_out", vt(&tx), vil(dl, 1), vb(false), vnone(), vt(&tm6)));
  EXPECT_F32(m6, 0, 6, 22, 38, 54, 70, 86);
  /* a middle dim is not a suffix: generic walk */
  CHECK_OK(CALL("aten::sum.IntList_out", vt(&tx), vil(d1, 1), vb(false), vnone(), vt(&tm8)));
  EXPECT_F32(m8, 0, 12, 15, 18, 21, 48, 51, 54, 57);
  /* keepdim: out [2,3,1] */
  wick_tensor tm6k = tens(WICK_F32, m6, 3, SZ(2, 3, 1));
  CHECK_OK(CALL("aten::mean.out", vt(&tx), vil(dl, 1), vb(true), vnone(), vt(&tm6k)));
  EXPECT_F32(m6, 0, 1.5f, 5.5f, 9.5f, 13.5f, 17.5f, 21.5f);
  /* the module_model shape: [1,2] over dim 1 -> [1] */
  float p2[2] = {1, 2}, q1;
  wick_tensor tp2 = tens(WICK_F32, p2, 2, SZ(1, 2)), tq1 = tens(WICK_F32, &q1, 1, SZ(1));
  CHECK_OK(CALL("aten::mean.out", vt(&tp2), vil(d1, 1), vb(false), vnone(), vt(&tq1)));
  CHECK(q1 == 1.5f);
  /* channels-last self [2,3] stored [3,2]-major, reduced over its last dim */
  float cl[6] = {0, 3, 1, 4, 2, 5};
  wick_tensor tcl = tens(WICK_F32, cl, 2, SZ(2, 3));
  set_order(&tcl, (const uint8_t[]){1, 0});
  CHECK_OK(CALL("aten::sum.IntList_out", vt(&tcl), vil(dl, 1), vb(false), vnone(), vt(&tm2)));
  EXPECT_F32(m2, 0, 3, 12);
  /* an empty reduced dim: sum 0, mean NaN */
  float e[1];
  wick_tensor te = tens(WICK_F32, e, 2, SZ(2, 0));
  CHECK_OK(CALL("aten::sum.IntList_out", vt(&te), vil(dl, 1), vb(false), vnone(), vt(&tm2)));
  EXPECT_F32(m2, 0, 0, 0);
  CHECK_OK(CALL("aten::mean.out", vt(&te), vil(dl, 1), vb(false), vnone(), vt(&tm2)));
  CHECK(isnan(m2[0]) && isnan(m2[1]));
  /* the sum is accumulated in double: 2^24 + 1 + 1 as float32 out */
  float big[3] = {16777216.0f, 1, 1}, bs;
  wick_tensor tbig = tens(WICK_F32, big, 1, SZ(3)), tbs = tens(WICK_F32, &bs, 0, NULL);
  CHECK_OK(CALL("aten::sum.IntList_out", vt(&tbig), vnone(), vb(false), vnone(), vt(&tbs)));
  CHECK(bs == 16777218.0f);

  /* permute_copy [1,0] for 1-, 2-, 4- and 8-byte elements */
  int64_t perm[2] = {1, 0}, permneg[2] = {-1, -2};
  int64_t l6[6] = {0, 1, 2, 3, 4, 5}, lo[6];
  wick_tensor tl = tens(WICK_I64, l6, 2, SZ(2, 3)), tlo = tens(WICK_I64, lo, 2, SZ(3, 2));
  CHECK_OK(CALL("aten::permute_copy.out", vt(&tl), vil(perm, 2), vt(&tlo)));
  EXPECT_I64(lo, 0, 3, 1, 4, 2, 5);
  uint8_t b6[6] = {1, 0, 0, 0, 1, 1}, bo[6];
  wick_tensor tb = tens(WICK_BOOL, b6, 2, SZ(2, 3)), tbo = tens(WICK_BOOL, bo, 2, SZ(3, 2));
  CHECK_OK(CALL("aten::permute_copy.out", vt(&tb), vil(permneg, 2), vt(&tbo)));
  EXPECT_U8(bo, 1, 0, 0, 1, 0, 1);
  uint16_t h6[6] = {10, 11, 12, 13, 14, 15}, ho[6];
  wick_tensor th = tens(WICK_F16, h6, 2, SZ(2, 3)), tho = tens(WICK_F16, ho, 2, SZ(3, 2));
  CHECK_OK(CALL("aten::permute_copy.out", vt(&th), vil(perm, 2), vt(&tho)));
  CHECK(ho[0] == 10 && ho[1] == 13 && ho[2] == 11 && ho[3] == 14 && ho[4] == 12 && ho[5] == 15);
  float fo[6];
  wick_tensor tfo = tens(WICK_F32, fo, 2, SZ(3, 2));
  CHECK_OK(CALL("aten::permute_copy.out", vt(&tcl), vil(perm, 2), vt(&tfo))); /* channels-last self */
  EXPECT_F32(fo, 0, 0, 3, 1, 4, 2, 5);
  set_order(&tfo, (const uint8_t[]){1, 0}); /* channels-last out: generic walk */
  CHECK_OK(CALL("aten::permute_copy.out", vt(&tr6), vil(perm, 2), vt(&tfo)));
  EXPECT_F32(fo, 0, 0, 1, 2, 3, 4, 5);
}

/* float32 reference of addmm: dot products in p order, then alpha / beta. */
static void ref_addmm(const float *a, const float *b, const float *bias, int64_t bs0, int64_t bs1,
                      int m, int k, int n, float al, float be, float *c) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      float acc = 0;
      for (int p = 0; p < k; p++) acc += a[i * k + p] * b[p * n + j];
      float v = al == 1 ? acc : al * acc;
      if (be != 0) v += be == 1 ? bias[i * bs0 + j * bs1] : be * bias[i * bs0 + j * bs1];
      c[i * n + j] = v;
    }
}

static void test_fast_addmm(void) {
  /* narrow (n = 3, the linear.pte shape) and wide (n = 9) outputs */
  float a[27], b[81], bias[9], out[27], ref[27];
  for (int i = 0; i < 27; i++) a[i] = 0.1f * (float)(i % 7) - 0.3f;
  for (int i = 0; i < 81; i++) b[i] = 0.05f * (float)(i % 11) - 0.2f;
  for (int i = 0; i < 9; i++) bias[i] = (float)i - 4.5f;
  static const int shapes[2][3] = {{3, 3, 3}, {3, 9, 9}};
  wick_value betas[3] = {vi(1), vd(0.5), vi(0)}, alphas[2] = {vi(1), vd(-1.5)};
  for (int s = 0; s < 2; s++) {
    int m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
    wick_tensor ta = tens(WICK_F32, a, 2, SZ(m, k)), tb = tens(WICK_F32, b, 2, SZ(k, n));
    wick_tensor tbias = tens(WICK_F32, bias, 1, SZ(n)), to = tens(WICK_F32, out, 2, SZ(m, n));
    for (int bi = 0; bi < 3; bi++)
      for (int ai = 0; ai < 2; ai++) {
        float be = betas[bi].kind == WICK_VAL_INT ? (float)betas[bi].u.i : (float)betas[bi].u.d;
        float al = alphas[ai].kind == WICK_VAL_INT ? (float)alphas[ai].u.i : (float)alphas[ai].u.d;
        CHECK_OK(CALL("aten::addmm.out", vt(&tbias), vt(&ta), vt(&tb), betas[bi], alphas[ai], vt(&to)));
        ref_addmm(a, b, bias, 0, 1, m, k, n, al, be, ref);
        expect_same_f32_at(__LINE__, out, ref, (size_t)(m * n));
      }
    /* a column bias [m,1] */
    wick_tensor tcol = tens(WICK_F32, bias, 2, SZ(m, 1));
    CHECK_OK(CALL("aten::addmm.out", vt(&tcol), vt(&ta), vt(&tb), vi(1), vi(1), vt(&to)));
    ref_addmm(a, b, bias, 1, 0, m, k, n, 1, 1, ref);
    expect_same_f32_at(__LINE__, out, ref, (size_t)(m * n));
  }
  /* mat2 in transposed order ([3,3] stored column-major): generic loop */
  float bt[9];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) bt[j * 3 + i] = b[i * 3 + j];
  wick_tensor ta = tens(WICK_F32, a, 2, SZ(3, 3)), tbt = tens(WICK_F32, bt, 2, SZ(3, 3));
  set_order(&tbt, (const uint8_t[]){1, 0});
  wick_tensor tbias = tens(WICK_F32, bias, 1, SZ(3)), to = tens(WICK_F32, out, 2, SZ(3, 3));
  CHECK_OK(CALL("aten::addmm.out", vt(&tbias), vt(&ta), vt(&tbt), vi(1), vi(1), vt(&to)));
  ref_addmm(a, b, bias, 0, 1, 3, 3, 3, 1, 1, ref);
  expect_same_f32_at(__LINE__, out, ref, 9);
}

/* ---- timing (informational) ------------------------------------------------ */

static void time_tiny_add(void) {
  float x = 1, y = 2, z = 0;
  wick_tensor tx = tens(WICK_F32, &x, 1, SZ(1)), ty = tens(WICK_F32, &y, 1, SZ(1));
  wick_tensor tz = tens(WICK_F32, &z, 1, SZ(1));
  wick_value v[4] = {vt(&tx), vt(&ty), vi(1), vt(&tz)};
  wick_value *args[4] = {&v[0], &v[1], &v[2], &v[3]};
  const wick_kernel *k = wick_find_kernel("aten::add.out");
  if (!k) return;
  wick_kernel_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  enum { N = 1000000 };
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < N; i++) k->fn(&ctx, args, 4);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / N;
  fprintf(stderr, "aten::add.out on float32[1]: %.1f ns/call\n", ns);
  CHECK(z == 3);
}

int main(void) {
  test_registry();
  test_add_basic();
  test_broadcast();
  test_promotion();
  test_half();
  test_channels_last();
  test_mean_sum();
  test_addmm_mm();
  test_permute_view();
  test_compare_where();
  test_misc();
  test_fast_binary();
  test_fast_compare_where();
  test_fast_copies_reductions();
  test_fast_addmm();
  time_tiny_add();
  return test_finish("test_kernels");
}
