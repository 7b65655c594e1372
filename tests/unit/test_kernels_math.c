/* Unit tests of the elementwise math and tensor manipulation kernels
 * (src/kernels/portable/op_unary.c, op_cat.c, ...), called through the
 * registry (wick_find_kernel) the way the runtime calls them, with tensors
 * over stack arrays. Expected values are worked out by hand, from a math
 * table, or by explicit index arithmetic written here; never captured from
 * the kernels themselves. */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "harness.h"
#include "kernel_test.h"
#include "wick/kernel.h"
#include "wick/tensor.h"

/* ---- helpers -------------------------------------------------------------- */







/* Calls a kernel by name as the runtime would, after checking the argument
 * kinds against its declared signature (the loader's job). */


/* Expects a kernel error whose message contains `needle`. */



/* Bytes (bool / uint8 / int8 outputs). */



/* Logical element (i, j) of a 2-D float tensor, through its strides. */
static float at2(const wick_tensor *t, int i, int j) {
  return ((const float *)t->data)[i * t->strides[0] + j * t->strides[1]];
}

/* ---- registry -------------------------------------------------------------- */

static void test_registry(void) {
  static const struct {
    const char *name, *sig;
  } want[] = {
      {"aten::sigmoid.out", "TT"}, {"aten::tanh.out", "TT"}, {"aten::exp.out", "TT"},
      {"aten::log.out", "TT"}, {"aten::sqrt.out", "TT"}, {"aten::rsqrt.out", "TT"},
      {"aten::reciprocal.out", "TT"}, {"aten::erf.out", "TT"}, {"aten::sin.out", "TT"},
      {"aten::cos.out", "TT"}, {"aten::neg.out", "TT"}, {"aten::abs.out", "TT"},
      {"aten::sign.out", "TT"}, {"aten::floor.out", "TT"}, {"aten::ceil.out", "TT"},
      {"aten::round.out", "TT"}, {"aten::logical_not.out", "TT"}, {"aten::hardsigmoid.out", "TT"},
      {"aten::hardswish.out", "TT"}, {"aten::silu.out", "TT"}, {"aten::gelu.out", "TnT"},
      {"aten::hardtanh.out", "TSST"}, {"aten::clamp.out", "TssT"},
      {"aten::clamp.Tensor_out", "TttT"}, {"aten::leaky_relu.out", "TST"},
      {"aten::elu.out", "TSSST"}, {"aten::softplus.out", "TSST"},
      {"aten::pow.Tensor_Tensor_out", "TTT"}, {"aten::pow.Tensor_Scalar_out", "TST"},
      {"aten::maximum.out", "TTT"}, {"aten::minimum.out", "TTT"},
      {"aten::logical_and.out", "TTT"}, {"aten::logical_or.out", "TTT"},
      {"aten::logical_xor.out", "TTT"}, {"aten::fmod.Tensor_out", "TTT"},
      {"aten::remainder.Tensor_out", "TTT"}, {"aten::cat.out", "LiT"},
      {"aten::split_with_sizes_copy.out", "TIiL"}, {"aten::split_copy.Tensor_out", "TiiL"},
      {"aten::slice_copy.Tensor_out", "TijjiT"}, {"aten::index_select.out", "TiTT"},
      {"aten::gather.out", "TiTbT"}, {"aten::embedding.out", "TTibbT"},
      {"aten::index.Tensor_out", "TOT"}, {"aten::expand_copy.out", "TIbT"},
      {"aten::repeat.out", "TIT"}, {"aten::squeeze_copy.dims_out", "TIT"},
      {"aten::unsqueeze_copy.out", "TiT"}, {"aten::flip.out", "TIT"},
      {"aten::transpose_copy.int_out", "TiiT"}, {"aten::arange.start_out", "SSST"},
      {"aten::scalar_tensor.out", "ST"}, {"aten::zeros.out", "IT"}, {"aten::ones.out", "IT"},
      {"aten::masked_fill.Scalar_out", "TTST"}, {"aten::any.out", "TibT"},
      {"aten::all.out", "TibT"}, {"aten::any.all_out", "TT"}, {"aten::all.all_out", "TT"},
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

/* ---- unary ----------------------------------------------------------------- */

/* One float32 op on a [4] input: out must match want within tol. */
static void unary4_at(int line, const char *op, const float *in, const float *want, float tol) {
  float x[4], o[4] = {0};
  memcpy(x, in, sizeof x);
  wick_tensor tx = tens(WICK_F32, x, 1, SZ(4)), to = tens(WICK_F32, o, 1, SZ(4));
  wick_status s = CALL(op, vt(&tx), vt(&to));
  CHECK_MSG(s == WICK_OK, "line %d: %s: %s", line, op, g_diag.msg);
  expect_f32_at(line, o, want, 4, tol);
}
#define UNARY4(op, tol, in, ...) unary4_at(__LINE__, op, in, (const float[]){__VA_ARGS__}, tol)

static void test_unary_float(void) {
  const float nan = NAN;
  UNARY4("aten::sigmoid.out", 1e-6f, ((const float[]){0, 2, -100, nan}), 0.5f, 0.8807970780f, 0, nan);
  UNARY4("aten::tanh.out", 1e-6f, ((const float[]){0, 0.5f, -0.5f, 30}), 0, 0.4621171573f, -0.4621171573f, 1);
  UNARY4("aten::exp.out", 1e-6f, ((const float[]){0, 1, -INFINITY, nan}), 1, 2.718281828f, 0, nan);
  UNARY4("aten::log.out", 1e-6f, ((const float[]){1, 2, 0, -1}), 0, 0.6931471806f, -INFINITY, nan);
  UNARY4("aten::sqrt.out", 0, ((const float[]){4, 0, 2.25f, -1}), 2, 0, 1.5f, nan);
  UNARY4("aten::rsqrt.out", 0, ((const float[]){4, 0.25f, 0, 1}), 0.5f, 2, INFINITY, 1);
  UNARY4("aten::reciprocal.out", 0, ((const float[]){-4, 0.5f, 0, 1}), -0.25f, 2, INFINITY, 1);
  UNARY4("aten::erf.out", 1e-6f, ((const float[]){0, 0.5f, -0.5f, 10}), 0, 0.5204998778f, -0.5204998778f, 1);
  UNARY4("aten::sin.out", 1e-6f, ((const float[]){0, 1, -1, nan}), 0, 0.8414709848f, -0.8414709848f, nan);
  UNARY4("aten::cos.out", 1e-6f, ((const float[]){0, 1, -1, nan}), 1, 0.5403023059f, 0.5403023059f, nan);
  /* hardsigmoid = clamp(x + 3, 0, 6) / 6; hardswish = x * that */
  UNARY4("aten::hardsigmoid.out", 1e-7f, ((const float[]){-3, 0, 1, nan}), 0, 0.5f, 4.0f / 6, nan);
  UNARY4("aten::hardswish.out", 1e-7f, ((const float[]){-1, -4, 3, 1}), -1.0f / 3, 0, 3, 4.0f / 6);
  UNARY4("aten::silu.out", 1e-6f, ((const float[]){0, 1, -2, 40}), 0, 0.7310585786f, -0.2384058440f, 40);
  UNARY4("aten::neg.out", 0, ((const float[]){1.5f, -2, 0, nan}), -1.5f, 2, 0, nan);
  UNARY4("aten::abs.out", 0, ((const float[]){1.5f, -2, -0.0f, -INFINITY}), 1.5f, 2, 0, INFINITY);
  UNARY4("aten::sign.out", 0, ((const float[]){-2, 0, 3.5f, nan}), -1, 0, 1, nan);
  UNARY4("aten::floor.out", 0, ((const float[]){-1.5f, 1.5f, 2, -0.25f}), -2, 1, 2, -1);
  UNARY4("aten::ceil.out", 0, ((const float[]){-1.5f, 1.5f, 2, -0.25f}), -1, 2, 2, 0);
  /* half to even */
  UNARY4("aten::round.out", 0, ((const float[]){2.5f, 3.5f, -2.5f, 0.5f}), 2, 4, -2, 0);
  UNARY4("aten::round.out", 0, ((const float[]){1.4999f, -1.6f, 1e20f, 7}), 1, -2, 1e20f, 7);

  /* logical_not: any dtype -> bool (NaN is true), or into a float out */
  float lx[4] = {0, 1.5f, NAN, -0.0f};
  uint8_t lb[4];
  wick_tensor tlx = tens(WICK_F32, lx, 1, SZ(4)), tlb = tens(WICK_BOOL, lb, 1, SZ(4));
  CHECK_OK(CALL("aten::logical_not.out", vt(&tlx), vt(&tlb)));
  EXPECT_U8(lb, 1, 0, 0, 1);
  int32_t li[2] = {0, -7};
  float lf[2];
  wick_tensor tli = tens(WICK_I32, li, 1, SZ(2)), tlf = tens(WICK_F32, lf, 1, SZ(2));
  CHECK_OK(CALL("aten::logical_not.out", vt(&tli), vt(&tlf)));
  EXPECT_F32(lf, 0, 1, 0);
}

static void test_unary_dtypes(void) {
  /* exp(int64) -> float32 (ATen's default dtype) */
  int64_t ix[3] = {0, 1, 2};
  float fo[3];
  wick_tensor tix = tens(WICK_I64, ix, 1, SZ(3)), tfo = tens(WICK_F32, fo, 1, SZ(3));
  CHECK_OK(CALL("aten::exp.out", vt(&tix), vt(&tfo)));
  EXPECT_F32(fo, 1e-6f, 1, 2.718281828f, 7.389056099f);
  /* bool -> float32 too */
  uint8_t bx[3] = {0, 1, 1};
  wick_tensor tbx = tens(WICK_BOOL, bx, 1, SZ(3));
  CHECK_OK(CALL("aten::sigmoid.out", vt(&tbx), vt(&tfo)));
  EXPECT_F32(fo, 1e-6f, 0.5f, 0.7310585786f, 0.7310585786f);
  /* a floating result cannot go to an integral out */
  int64_t io[3];
  wick_tensor tio = tens(WICK_I64, io, 1, SZ(3));
  CHECK_FAILS(CALL("aten::exp.out", vt(&tix), vt(&tio)), "can't be cast");
  CHECK_FAILS(CALL("aten::sqrt.out", vt(&tfo), vt(&tio)), "can't be cast");
  /* but float32 -> float64 out is fine */
  double dout[3];
  wick_tensor tdo = tens(WICK_F64, dout, 1, SZ(3));
  float fx[3] = {4, 9, 0.25f};
  wick_tensor tfx = tens(WICK_F32, fx, 1, SZ(3));
  CHECK_OK(CALL("aten::sqrt.out", vt(&tfx), vt(&tdo)));
  CHECK(dout[0] == 2 && dout[1] == 3 && dout[2] == 0.5);
  /* float64 computes in double */
  double dx[2] = {1e-300, 709};
  wick_tensor tdx = tens(WICK_F64, dx, 1, SZ(2)), tdo2 = tens(WICK_F64, dout, 1, SZ(2));
  CHECK_OK(CALL("aten::sqrt.out", vt(&tdx), vt(&tdo2)));
  CHECK(fabs(dout[0] - 1e-150) < 1e-164);
  CHECK_OK(CALL("aten::exp.out", vt(&tdx), vt(&tdo2)));
  CHECK(dout[0] == 1 && isfinite(dout[1]) && dout[1] > 1e307);

  /* integral keep ops: neg / abs wrap, sign, floor/ceil/round copy */
  int32_t ia[4] = {-5, 0, 7, INT32_MIN}, ib[4];
  wick_tensor tia = tens(WICK_I32, ia, 1, SZ(4)), tib = tens(WICK_I32, ib, 1, SZ(4));
  CHECK_OK(CALL("aten::neg.out", vt(&tia), vt(&tib)));
  CHECK(ib[0] == 5 && ib[1] == 0 && ib[2] == -7 && ib[3] == INT32_MIN);
  CHECK_OK(CALL("aten::abs.out", vt(&tia), vt(&tib)));
  CHECK(ib[0] == 5 && ib[1] == 0 && ib[2] == 7 && ib[3] == INT32_MIN);
  CHECK_OK(CALL("aten::sign.out", vt(&tia), vt(&tib)));
  CHECK(ib[0] == -1 && ib[1] == 0 && ib[2] == 1 && ib[3] == -1);
  CHECK_OK(CALL("aten::round.out", vt(&tia), vt(&tib)));
  CHECK(ib[0] == -5 && ib[1] == 0 && ib[2] == 7 && ib[3] == INT32_MIN);
  CHECK_OK(CALL("aten::floor.out", vt(&tia), vt(&tib)));
  CHECK(ib[0] == -5 && ib[2] == 7);
  int64_t lmin[1] = {INT64_MIN}, lo1[1];
  wick_tensor tlmin = tens(WICK_I64, lmin, 1, SZ(1)), tlo1 = tens(WICK_I64, lo1, 1, SZ(1));
  CHECK_OK(CALL("aten::neg.out", vt(&tlmin), vt(&tlo1)));
  CHECK(lo1[0] == INT64_MIN);
  /* int32 neg into a float32 out (int -> float cast is allowed) */
  float f4[4];
  wick_tensor tf4 = tens(WICK_F32, f4, 1, SZ(4));
  CHECK_OK(CALL("aten::neg.out", vt(&tia), vt(&tf4)));
  EXPECT_F32(f4, 0, 5, 0, -7, -2147483648.0f); /* wraps in int32 first */
  uint8_t bb[2] = {1, 0}, bo[2];
  wick_tensor tbb = tens(WICK_BOOL, bb, 1, SZ(2)), tbo = tens(WICK_BOOL, bo, 1, SZ(2));
  CHECK_FAILS(CALL("aten::neg.out", vt(&tbb), vt(&tbo)), "bool");
  CHECK_OK(CALL("aten::abs.out", vt(&tbb), vt(&tbo)));
  EXPECT_U8(bo, 1, 0);

  /* float16: computed in float32, rounded to half */
  uint16_t hx[3] = {wick_f32_to_f16(4), wick_f32_to_f16(2), wick_f32_to_f16(-1.5f)}, ho[3];
  wick_tensor thx = tens(WICK_F16, hx, 1, SZ(3)), tho = tens(WICK_F16, ho, 1, SZ(3));
  CHECK_OK(CALL("aten::sqrt.out", vt(&thx), vt(&tho)));
  CHECK(wick_f16_to_f32(ho[0]) == 2);
  CHECK(wick_f16_to_f32(ho[1]) == wick_f16_to_f32(wick_f32_to_f16(1.41421356f)));
  CHECK(isnan(wick_f16_to_f32(ho[2])));
  CHECK_OK(CALL("aten::floor.out", vt(&thx), vt(&tho)));
  CHECK(wick_f16_to_f32(ho[2]) == -2);
  /* bfloat16 in, float32 out */
  uint16_t bfx[3] = {wick_f32_to_bf16(0), wick_f32_to_bf16(1), wick_f32_to_bf16(-1)};
  float bff[3];
  wick_tensor tbfx = tens(WICK_BF16, bfx, 1, SZ(3)), tbff = tens(WICK_F32, bff, 1, SZ(3));
  CHECK_OK(CALL("aten::gelu.out", vt(&tbfx), vstr("none"), vt(&tbff)));
  CHECK(bff[0] == 0 && fabsf(bff[1] - 0.8413447f) < 4e-3f && fabsf(bff[2] + 0.1586553f) < 2e-3f);
}

/* A permuted (column-major) input and output for the unary walk. */
static void test_unary_noncontig(void) {
  /* x is logically [[1,2,3],[4,5,6]] stored column-major: (i,j) at i + 2j */
  float x[6] = {1, 4, 2, 5, 3, 6}, o[6];
  wick_tensor tx = tens(WICK_F32, x, 2, SZ(2, 3)), to = tens(WICK_F32, o, 2, SZ(2, 3));
  set_order(&tx, (const uint8_t[]){1, 0});
  CHECK_OK(CALL("aten::neg.out", vt(&tx), vt(&to)));
  EXPECT_F32(o, 0, -1, -2, -3, -4, -5, -6);
  CHECK_OK(CALL("aten::exp.out", vt(&tx), vt(&to)));
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) {
      float want = expf((float)(i * 3 + j + 1));
      CHECK_MSG(fabsf(o[i * 3 + j] - want) <= 1e-6f * want, "exp at %d,%d: %g", i, j, o[i * 3 + j]);
    }
  /* contiguous in, column-major out */
  float y[6] = {1, 2, 3, 4, 5, 6};
  wick_tensor ty = tens(WICK_F32, y, 2, SZ(2, 3));
  set_order(&to, (const uint8_t[]){1, 0});
  CHECK_OK(CALL("aten::abs.out", vt(&ty), vt(&to)));
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) CHECK(at2(&to, i, j) == y[i * 3 + j]);
  /* both column-major: a flat walk */
  CHECK_OK(CALL("aten::sign.out", vt(&tx), vt(&to)));
  EXPECT_F32(o, 0, 1, 1, 1, 1, 1, 1);
  /* int32 column-major into float32 (generic path) */
  int32_t xi[6] = {1, 4, 2, 5, 3, 6};
  float of[6];
  wick_tensor txi = tens(WICK_I32, xi, 2, SZ(2, 3)), tof = tens(WICK_F32, of, 2, SZ(2, 3));
  set_order(&txi, (const uint8_t[]){1, 0});
  CHECK_OK(CALL("aten::reciprocal.out", vt(&txi), vt(&tof)));
  EXPECT_F32(of, 1e-7f, 1, 0.5f, 1.0f / 3, 0.25f, 0.2f, 1.0f / 6);
}

/* ---- activations ------------------------------------------------------------ */

static void test_activations(void) {
  float x[4] = {1, -1, 0, 2}, o[4];
  wick_tensor tx = tens(WICK_F32, x, 1, SZ(4)), to = tens(WICK_F32, o, 1, SZ(4));
  CHECK_OK(CALL("aten::gelu.out", vt(&tx), vstr("none"), vt(&to)));
  EXPECT_F32(o, 1e-6f, 0.8413447461f, -0.1586552539f, 0, 1.9544997361f);
  CHECK_OK(CALL("aten::gelu.out", vt(&tx), vstr("tanh"), vt(&to)));
  EXPECT_F32(o, 1e-6f, 0.8411919906f, -0.1588080094f, 0, 1.9545976941f);
  CHECK_FAILS(CALL("aten::gelu.out", vt(&tx), vstr("erf"), vt(&to)), "approximate");
  /* float64 gelu */
  double dx[1] = {1}, dy[1];
  wick_tensor tdx = tens(WICK_F64, dx, 1, SZ(1)), tdy = tens(WICK_F64, dy, 1, SZ(1));
  CHECK_OK(CALL("aten::gelu.out", vt(&tdx), vstr("none"), vt(&tdy)));
  CHECK(fabs(dy[0] - 0.8413447460685429) < 1e-15);

  float lx[4] = {-2, 0, 3, -0.5f};
  wick_tensor tlx = tens(WICK_F32, lx, 1, SZ(4));
  CHECK_OK(CALL("aten::leaky_relu.out", vt(&tlx), vd(0.1), vt(&to)));
  EXPECT_F32(o, 1e-7f, -0.2f, 0, 3, -0.05f);
  CHECK_OK(CALL("aten::leaky_relu.out", vt(&tlx), vi(2), vt(&to)));
  EXPECT_F32(o, 0, -4, 0, 3, -1);

  /* elu: x > 0 ? x * scale : alpha * scale * (exp(x * input_scale) - 1) */
  float ex[4] = {-1, 2, 0, -2};
  wick_tensor tex = tens(WICK_F32, ex, 1, SZ(4));
  CHECK_OK(CALL("aten::elu.out", vt(&tex), vi(1), vi(1), vi(1), vt(&to)));
  EXPECT_F32(o, 1e-6f, -0.6321205588f, 2, 0, -0.8646647168f);
  CHECK_OK(CALL("aten::elu.out", vt(&tex), vd(1.5), vi(2), vd(0.5), vt(&to)));
  EXPECT_F32(o, 1e-6f, 3.0f * -0.3934693403f, 4, 0, -1.8963616765f);

  /* softplus: beta 1, threshold 20: above the threshold it is x itself */
  float sx[4] = {0, -1, 30, 20};
  wick_tensor tsx = tens(WICK_F32, sx, 1, SZ(4));
  CHECK_OK(CALL("aten::softplus.out", vt(&tsx), vi(1), vi(20), vt(&to)));
  EXPECT_F32(o, 1e-6f, 0.6931471806f, 0.3132616875f, 30, 20.0f);
  /* beta 2, threshold 1: x = 1 gives x * beta = 2 > 1 -> 1 exactly */
  float sx2[2] = {1, 0.25f}, so2[2];
  wick_tensor tsx2 = tens(WICK_F32, sx2, 1, SZ(2)), tso2 = tens(WICK_F32, so2, 1, SZ(2));
  CHECK_OK(CALL("aten::softplus.out", vt(&tsx2), vi(2), vi(1), vt(&tso2)));
  EXPECT_F32(so2, 1e-6f, 1, 0.4870384921f);
  CHECK_FAILS(CALL("aten::softplus.out", vt(&tsx2), vb(true), vi(1), vt(&tso2)), "beta");
}

/* ---- clamp / hardtanh --------------------------------------------------------- */

static void test_clamp(void) {
  float x[5] = {-2, -0.5f, 0.5f, 2, NAN}, o[5];
  wick_tensor tx = tens(WICK_F32, x, 1, SZ(5)), to = tens(WICK_F32, o, 1, SZ(5));
  CHECK_OK(CALL("aten::hardtanh.out", vt(&tx), vi(-1), vi(1), vt(&to)));
  EXPECT_F32(o, 0, -1, -0.5f, 0.5f, 1, NAN);
  CHECK_OK(CALL("aten::hardtanh.out", vt(&tx), vi(0), vi(6), vt(&to)));
  EXPECT_F32(o, 0, 0, 0, 0.5f, 2, NAN);
  CHECK_OK(CALL("aten::clamp.out", vt(&tx), vd(0), vnone(), vt(&to)));
  EXPECT_F32(o, 0, 0, 0, 0.5f, 2, NAN);
  CHECK_OK(CALL("aten::clamp.out", vt(&tx), vnone(), vd(0.25), vt(&to)));
  EXPECT_F32(o, 0, -2, -0.5f, 0.25f, 0.25f, NAN);
  /* min > max: everything is max */
  CHECK_OK(CALL("aten::clamp.out", vt(&tx), vi(3), vi(1), vt(&to)));
  EXPECT_F32(o, 0, 1, 1, 1, 1, NAN);
  /* a NaN bound gives NaN */
  CHECK_OK(CALL("aten::clamp.out", vt(&tx), vd(NAN), vi(1), vt(&to)));
  CHECK(isnan(o[0]) && isnan(o[3]));
  CHECK_FAILS(CALL("aten::clamp.out", vt(&tx), vnone(), vnone(), vt(&to)), "min");

  /* integers: int64 stays int64; an int32 self with a float bound is float32 */
  int32_t ix[4] = {-5, 0, 5, 10}, io[4];
  wick_tensor tix = tens(WICK_I32, ix, 1, SZ(4)), tio = tens(WICK_I32, io, 1, SZ(4));
  CHECK_OK(CALL("aten::clamp.out", vt(&tix), vi(-1), vi(6), vt(&tio)));
  CHECK(io[0] == -1 && io[1] == 0 && io[2] == 5 && io[3] == 6);
  CHECK_OK(CALL("aten::hardtanh.out", vt(&tix), vi(0), vi(6), vt(&tio)));
  CHECK(io[0] == 0 && io[1] == 0 && io[2] == 5 && io[3] == 6);
  float fo[4];
  wick_tensor tfo = tens(WICK_F32, fo, 1, SZ(4));
  CHECK_OK(CALL("aten::clamp.out", vt(&tix), vd(0.5), vnone(), vt(&tfo)));
  EXPECT_F32(fo, 0, 0.5f, 0.5f, 5, 10);
  CHECK_FAILS(CALL("aten::clamp.out", vt(&tix), vd(0.5), vnone(), vt(&tio)), "can't be cast");
  uint8_t ux[2] = {1, 200}, uo[2];
  wick_tensor tux = tens(WICK_U8, ux, 1, SZ(2)), tuo = tens(WICK_U8, uo, 1, SZ(2));
  CHECK_FAILS(CALL("aten::clamp.out", vt(&tux), vi(-1), vnone(), vt(&tuo)), "overflow");
  CHECK_OK(CALL("aten::clamp.out", vt(&tux), vi(2), vi(100), vt(&tuo)));
  EXPECT_U8(uo, 2, 100);

  /* clamp.Tensor: self [2,3], min [3] (row broadcast), max 0-dim */
  float a[6] = {-3, 0, 3, 6, NAN, -1}, mn[3] = {-1, 1, NAN}, mx[1] = {4}, ao[6];
  wick_tensor ta = tens(WICK_F32, a, 2, SZ(2, 3)), tmn = tens(WICK_F32, mn, 1, SZ(3));
  wick_tensor tmx = tens(WICK_F32, mx, 0, NULL), tao = tens(WICK_F32, ao, 2, SZ(2, 3));
  CHECK_OK(CALL("aten::clamp.Tensor_out", vt(&ta), vt(&tmn), vt(&tmx), vt(&tao)));
  EXPECT_F32(ao, 0, -1, 1, NAN, 4, NAN, NAN);
  CHECK_OK(CALL("aten::clamp.Tensor_out", vt(&ta), vnone(), vt(&tmx), vt(&tao)));
  EXPECT_F32(ao, 0, -3, 0, 3, 4, NAN, -1);
  /* int64 self with int32 min tensor: int64 */
  int64_t la[3] = {-10, 5, 50}, lo[3];
  int32_t lmn[3] = {0, 7, 0};
  wick_tensor tla = tens(WICK_I64, la, 1, SZ(3)), tlmn = tens(WICK_I32, lmn, 1, SZ(3));
  wick_tensor tlo = tens(WICK_I64, lo, 1, SZ(3));
  CHECK_OK(CALL("aten::clamp.Tensor_out", vt(&tla), vt(&tlmn), vnone(), vt(&tlo)));
  EXPECT_I64(lo, 0, 7, 50);
  CHECK_FAILS(CALL("aten::clamp.Tensor_out", vt(&tla), vnone(), vnone(), vt(&tlo)), "min");
  float bad[2] = {0, 0};
  wick_tensor tbad = tens(WICK_F32, bad, 1, SZ(2));
  CHECK_FAILS(CALL("aten::clamp.Tensor_out", vt(&ta), vt(&tbad), vnone(), vt(&tao)), "broadcast");
}

/* ---- binary ---------------------------------------------------------------- */

static void test_binary(void) {
  /* pow */
  float a[4] = {2, 9, -2, 0}, b[4] = {3, 0.5f, 2, -1}, o[4];
  wick_tensor ta = tens(WICK_F32, a, 1, SZ(4)), tb = tens(WICK_F32, b, 1, SZ(4));
  wick_tensor to = tens(WICK_F32, o, 1, SZ(4));
  CHECK_OK(CALL("aten::pow.Tensor_Tensor_out", vt(&ta), vt(&tb), vt(&to)));
  EXPECT_F32(o, 1e-6f, 8, 3, 4, INFINITY);
  CHECK_OK(CALL("aten::pow.Tensor_Scalar_out", vt(&ta), vi(2), vt(&to)));
  EXPECT_F32(o, 0, 4, 81, 4, 0);
  CHECK_OK(CALL("aten::pow.Tensor_Scalar_out", vt(&ta), vd(0.5), vt(&to)));
  EXPECT_F32(o, 1e-6f, 1.4142135624f, 3, NAN, 0);
  CHECK_OK(CALL("aten::pow.Tensor_Scalar_out", vt(&ta), vd(1.5), vt(&to)));
  EXPECT_F32(o, 1e-5f, 2.8284271247f, 27, NAN, 0);
  int64_t la[4] = {3, 1, -1, 2}, lb[4] = {39, -3, -3, -1}, lo[4];
  wick_tensor tla = tens(WICK_I64, la, 1, SZ(4)), tlb = tens(WICK_I64, lb, 1, SZ(4));
  wick_tensor tlo = tens(WICK_I64, lo, 1, SZ(4));
  CHECK_OK(CALL("aten::pow.Tensor_Tensor_out", vt(&tla), vt(&tlb), vt(&tlo)));
  EXPECT_I64(lo, INT64_C(4052555153018976267), 1, -1, 0); /* 3^39 exactly */
  CHECK_OK(CALL("aten::pow.Tensor_Scalar_out", vt(&tla), vi(3), vt(&tlo)));
  EXPECT_I64(lo, 27, 1, -1, 8);
  CHECK_FAILS(CALL("aten::pow.Tensor_Scalar_out", vt(&tla), vi(-1), vt(&tlo)), "negative integer powers");
  /* int64 ** 0.5 is float32 */
  CHECK_OK(CALL("aten::pow.Tensor_Scalar_out", vt(&tla), vd(0.5), vt(&to)));
  EXPECT_F32(o, 1e-6f, 1.7320508076f, 1, NAN, 1.4142135624f);
  CHECK_FAILS(CALL("aten::pow.Tensor_Scalar_out", vt(&tla), vd(0.5), vt(&tlo)), "can't be cast");
  /* int32 base, float32 exponent tensor -> float32 */
  int32_t ia[4] = {2, 4, 8, 16};
  wick_tensor tia = tens(WICK_I32, ia, 1, SZ(4));
  CHECK_OK(CALL("aten::pow.Tensor_Tensor_out", vt(&tia), vt(&tb), vt(&to)));
  EXPECT_F32(o, 1e-6f, 8, 2, 64, 0.0625f);

  /* maximum / minimum: NaN propagates, int32 with float32 promotes */
  float m1[4] = {1, NAN, -3, 5}, m2[4] = {2, 0, NAN, -5};
  wick_tensor tm1 = tens(WICK_F32, m1, 1, SZ(4)), tm2 = tens(WICK_F32, m2, 1, SZ(4));
  CHECK_OK(CALL("aten::maximum.out", vt(&tm1), vt(&tm2), vt(&to)));
  EXPECT_F32(o, 0, 2, NAN, NAN, 5);
  CHECK_OK(CALL("aten::minimum.out", vt(&tm1), vt(&tm2), vt(&to)));
  EXPECT_F32(o, 0, 1, NAN, NAN, -5);
  int32_t mi[4] = {3, 3, 3, 3};
  wick_tensor tmi = tens(WICK_I32, mi, 1, SZ(4));
  CHECK_OK(CALL("aten::maximum.out", vt(&tmi), vt(&tm2), vt(&to)));
  EXPECT_F32(o, 0, 3, 3, NAN, 3);
  int32_t io[4];
  wick_tensor tio = tens(WICK_I32, io, 1, SZ(4));
  CHECK_FAILS(CALL("aten::maximum.out", vt(&tmi), vt(&tm2), vt(&tio)), "can't be cast");
  /* broadcast: [2,1] with [3] -> [2,3], int64 */
  int64_t c1[2] = {1, 5}, c2[3] = {0, 3, 6}, co[6];
  wick_tensor tc1 = tens(WICK_I64, c1, 2, SZ(2, 1)), tc2 = tens(WICK_I64, c2, 1, SZ(3));
  wick_tensor tco = tens(WICK_I64, co, 2, SZ(2, 3));
  CHECK_OK(CALL("aten::minimum.out", vt(&tc1), vt(&tc2), vt(&tco)));
  EXPECT_I64(co, 0, 1, 1, 0, 3, 5);

  /* fmod has the sign of self, remainder that of other */
  float f1[4] = {-3, 3, -3.5f, 5.5f}, f2[4] = {2, -2, 2, 0};
  wick_tensor tf1 = tens(WICK_F32, f1, 1, SZ(4)), tf2 = tens(WICK_F32, f2, 1, SZ(4));
  CHECK_OK(CALL("aten::fmod.Tensor_out", vt(&tf1), vt(&tf2), vt(&to)));
  EXPECT_F32(o, 0, -1, 1, -1.5f, NAN);
  CHECK_OK(CALL("aten::remainder.Tensor_out", vt(&tf1), vt(&tf2), vt(&to)));
  EXPECT_F32(o, 0, 1, -1, 0.5f, NAN);
  int64_t r1[4] = {-3, 3, -4, INT64_MIN}, r2[4] = {2, -2, 2, -1};
  wick_tensor tr1 = tens(WICK_I64, r1, 1, SZ(4)), tr2 = tens(WICK_I64, r2, 1, SZ(4));
  CHECK_OK(CALL("aten::fmod.Tensor_out", vt(&tr1), vt(&tr2), vt(&tlo)));
  EXPECT_I64(lo, -1, 1, 0, 0);
  CHECK_OK(CALL("aten::remainder.Tensor_out", vt(&tr1), vt(&tr2), vt(&tlo)));
  EXPECT_I64(lo, 1, -1, 0, 0);
  r2[1] = 0;
  CHECK_FAILS(CALL("aten::remainder.Tensor_out", vt(&tr1), vt(&tr2), vt(&tlo)), "ZeroDivisionError");
  CHECK_FAILS(CALL("aten::fmod.Tensor_out", vt(&tr1), vt(&tr2), vt(&tlo)), "ZeroDivisionError");

  /* logical ops: any dtypes, broadcast, any out dtype */
  float la1[4] = {0, 1, NAN, 0};
  int32_t la2[2] = {0, 3};
  uint8_t lbo[4];
  wick_tensor tla1 = tens(WICK_F32, la1, 2, SZ(2, 2)), tla2 = tens(WICK_I32, la2, 1, SZ(2));
  wick_tensor tlbo = tens(WICK_BOOL, lbo, 2, SZ(2, 2));
  /* la1 [[0,1],[NaN,0]] with la2 [0,3] per column */
  CHECK_OK(CALL("aten::logical_and.out", vt(&tla1), vt(&tla2), vt(&tlbo)));
  EXPECT_U8(lbo, 0, 1, 0, 0);
  CHECK_OK(CALL("aten::logical_or.out", vt(&tla1), vt(&tla2), vt(&tlbo)));
  EXPECT_U8(lbo, 0, 1, 1, 1);
  CHECK_OK(CALL("aten::logical_xor.out", vt(&tla1), vt(&tla2), vt(&tlbo)));
  EXPECT_U8(lbo, 0, 0, 1, 1);
  float lfo[4];
  wick_tensor tlfo = tens(WICK_F32, lfo, 2, SZ(2, 2));
  CHECK_OK(CALL("aten::logical_xor.out", vt(&tla1), vt(&tla2), vt(&tlfo)));
  EXPECT_F32(lfo, 0, 0, 0, 1, 1);
  uint8_t bb1[3] = {1, 1, 0}, bb2[3] = {1, 0, 0}, bbo[3];
  wick_tensor tbb1 = tens(WICK_BOOL, bb1, 1, SZ(3)), tbb2 = tens(WICK_BOOL, bb2, 1, SZ(3));
  wick_tensor tbbo = tens(WICK_BOOL, bbo, 1, SZ(3));
  CHECK_OK(CALL("aten::logical_and.out", vt(&tbb1), vt(&tbb2), vt(&tbbo)));
  EXPECT_U8(bbo, 1, 0, 0);

  /* masked_fill: mask [3] broadcast over self [2,3] */
  float mx[6] = {1, 2, 3, 4, 5, 6}, mo[6];
  uint8_t mk[3] = {1, 0, 1};
  wick_tensor tmx = tens(WICK_F32, mx, 2, SZ(2, 3)), tmk = tens(WICK_BOOL, mk, 1, SZ(3));
  wick_tensor tmo = tens(WICK_F32, mo, 2, SZ(2, 3));
  CHECK_OK(CALL("aten::masked_fill.Scalar_out", vt(&tmx), vt(&tmk), vd(-0.5), vt(&tmo)));
  EXPECT_F32(mo, 0, -0.5f, 2, -0.5f, -0.5f, 5, -0.5f);
  int64_t mlx[3] = {7, 8, 9}, mlo[3];
  wick_tensor tmlx = tens(WICK_I64, mlx, 1, SZ(3)), tmlo = tens(WICK_I64, mlo, 1, SZ(3));
  CHECK_OK(CALL("aten::masked_fill.Scalar_out", vt(&tmlx), vt(&tmk), vi(-1), vt(&tmlo)));
  EXPECT_I64(mlo, -1, 8, -1);
  CHECK_FAILS(CALL("aten::masked_fill.Scalar_out", vt(&tmlx), vt(&tmlx), vi(-1), vt(&tmlo)), "bool");

  /* rank-1 walks with a [1] operand broadcast (not a flat walk) */
  float one[1] = {2.5f}, v3[3] = {1, 3, NAN}, o3[3];
  wick_tensor tone = tens(WICK_F32, one, 1, SZ(1)), tv3 = tens(WICK_F32, v3, 1, SZ(3));
  wick_tensor to3 = tens(WICK_F32, o3, 1, SZ(3));
  CHECK_OK(CALL("aten::maximum.out", vt(&tone), vt(&tv3), vt(&to3)));
  EXPECT_F32(o3, 0, 2.5f, 3, NAN);
  CHECK_OK(CALL("aten::minimum.out", vt(&tv3), vt(&tone), vt(&to3)));
  EXPECT_F32(o3, 0, 1, 2.5f, NAN);
  uint8_t b1[1] = {1}, b3[3] = {0, 1, 1}, bo3[3];
  wick_tensor tb1 = tens(WICK_BOOL, b1, 1, SZ(1)), tb3 = tens(WICK_BOOL, b3, 1, SZ(3));
  wick_tensor tbo3 = tens(WICK_BOOL, bo3, 1, SZ(3));
  CHECK_OK(CALL("aten::logical_xor.out", vt(&tb1), vt(&tb3), vt(&tbo3)));
  EXPECT_U8(bo3, 1, 0, 0);
  CHECK_OK(CALL("aten::masked_fill.Scalar_out", vt(&tv3), vt(&tb1), vi(7), vt(&to3)));
  EXPECT_F32(o3, 0, 7, 7, 7);
  /* a [3] mask over a [1] self broadcasts self */
  CHECK_OK(CALL("aten::masked_fill.Scalar_out", vt(&tone), vt(&tb3), vi(7), vt(&to3)));
  EXPECT_F32(o3, 0, 2.5f, 7, 7);
}

/* ---- cat / split ------------------------------------------------------------ */

static void test_cat(void) {
  /* [2,2] ++ [2,1] along dim 1 (and -1) */
  float a[4] = {1, 2, 3, 4}, b[2] = {5, 6}, c[2] = {7, 8}, o[6];
  wick_tensor ta = tens(WICK_F32, a, 2, SZ(2, 2)), tb = tens(WICK_F32, b, 2, SZ(2, 1));
  wick_tensor tc = tens(WICK_F32, c, 2, SZ(1, 2)), to = tens(WICK_F32, o, 2, SZ(2, 3));
  wick_tensor *l1[2] = {&ta, &tb};
  for (int pass = 0; pass < 2; pass++) {
    memset(o, 0, sizeof o);
    CHECK_OK(CALL("aten::cat.out", vtl(l1, 2), vi(pass ? -1 : 1), vt(&to)));
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++) CHECK(o[i * 3 + j] == (j < 2 ? a[i * 2 + j] : b[i]));
  }
  /* [2,2] ++ [1,2] along dim 0, with an empty 1-D tensor skipped */
  float e[1];
  wick_tensor te = tens(WICK_F32, e, 1, SZ(0)), to0 = tens(WICK_F32, o, 2, SZ(3, 2));
  wick_tensor *l2[3] = {&te, &ta, &tc};
  CHECK_OK(CALL("aten::cat.out", vtl(l2, 3), vi(0), vt(&to0)));
  EXPECT_F32(o, 0, 1, 2, 3, 4, 7, 8);
  CHECK_FAILS(CALL("aten::cat.out", vtl(l1, 2), vi(0), vt(&to0)), "must match");
  CHECK_FAILS(CALL("aten::cat.out", vtl(l1, 2), vi(2), vt(&to)), "out of range");

  /* mixed dtypes: int32 [1,2] and float32 [2,2] -> float32 (int32 out is refused) */
  int32_t ci[2] = {9, 10};
  wick_tensor tci = tens(WICK_I32, ci, 2, SZ(1, 2));
  wick_tensor *l3[2] = {&tci, &ta};
  CHECK_OK(CALL("aten::cat.out", vtl(l3, 2), vi(0), vt(&to0)));
  EXPECT_F32(o, 0, 9, 10, 1, 2, 3, 4);
  int32_t io[6];
  wick_tensor tio = tens(WICK_I32, io, 2, SZ(3, 2));
  CHECK_FAILS(CALL("aten::cat.out", vtl(l3, 2), vi(0), vt(&tio)), "can't be cast");
  /* int64 out from int32 inputs is fine */
  int64_t lo[4];
  wick_tensor tlo = tens(WICK_I64, lo, 2, SZ(2, 2));
  wick_tensor *l4[2] = {&tci, &tci};
  CHECK_OK(CALL("aten::cat.out", vtl(l4, 2), vi(0), vt(&tlo)));
  EXPECT_I64(lo, 9, 10, 9, 10);

  /* 3-D along the middle dim: X [2,2,3] ++ Y [2,1,3] -> [2,3,3] */
  float x[12], y[6], o3[18];
  for (int i = 0; i < 12; i++) x[i] = (float)i;
  for (int i = 0; i < 6; i++) y[i] = (float)(100 + i);
  wick_tensor tx = tens(WICK_F32, x, 3, SZ(2, 2, 3)), ty = tens(WICK_F32, y, 3, SZ(2, 1, 3));
  wick_tensor to3 = tens(WICK_F32, o3, 3, SZ(2, 3, 3));
  wick_tensor *l5[2] = {&tx, &ty};
  CHECK_OK(CALL("aten::cat.out", vtl(l5, 2), vi(1), vt(&to3)));
  for (int p = 0; p < 2; p++)
    for (int q = 0; q < 3; q++)
      for (int r = 0; r < 3; r++) {
        float want = q < 2 ? x[p * 6 + q * 3 + r] : y[p * 3 + r];
        CHECK_MSG(o3[p * 9 + q * 3 + r] == want, "cat3 at %d,%d,%d", p, q, r);
      }

  /* non-contiguous: a column-major [2,3] ++ contiguous [2,2] along dim 1,
   * into a column-major out */
  float cm[6] = {1, 4, 2, 5, 3, 6}, d2[4] = {7, 8, 9, 10}, o5[10];
  wick_tensor tcm = tens(WICK_F32, cm, 2, SZ(2, 3)), td2 = tens(WICK_F32, d2, 2, SZ(2, 2));
  wick_tensor to5 = tens(WICK_F32, o5, 2, SZ(2, 5));
  set_order(&tcm, (const uint8_t[]){1, 0});
  wick_tensor *l6[2] = {&tcm, &td2};
  CHECK_OK(CALL("aten::cat.out", vtl(l6, 2), vi(1), vt(&to5)));
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 5; j++)
      CHECK(o5[i * 5 + j] == (j < 3 ? (float)(i * 3 + j + 1) : d2[i * 2 + j - 3]));
  set_order(&to5, (const uint8_t[]){1, 0});
  CHECK_OK(CALL("aten::cat.out", vtl(l6, 2), vi(1), vt(&to5)));
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 5; j++)
      CHECK(at2(&to5, i, j) == (j < 3 ? (float)(i * 3 + j + 1) : d2[i * 2 + j - 3]));
}

static void test_split(void) {
  int64_t x[10];
  for (int i = 0; i < 10; i++) x[i] = i;
  wick_tensor tx = tens(WICK_I64, x, 2, SZ(5, 2));
  int64_t o0[4], o1[6];
  wick_tensor t0 = tens(WICK_I64, o0, 2, SZ(2, 2)), t1 = tens(WICK_I64, o1, 2, SZ(3, 2));
  wick_tensor *outs[2] = {&t0, &t1};
  int64_t sizes[2] = {2, 3};
  CHECK_OK(CALL("aten::split_with_sizes_copy.out", vt(&tx), vil(sizes, 2), vi(0), vtl(outs, 2)));
  EXPECT_I64(o0, 0, 1, 2, 3);
  EXPECT_I64(o1, 4, 5, 6, 7, 8, 9);
  int64_t bad[2] = {2, 2};
  CHECK_FAILS(CALL("aten::split_with_sizes_copy.out", vt(&tx), vil(bad, 2), vi(0), vtl(outs, 2)), "sum");
  /* along dim 1 (-1): the even and the odd column */
  int64_t c0[5], c1[5];
  wick_tensor tc0 = tens(WICK_I64, c0, 2, SZ(5, 1)), tc1 = tens(WICK_I64, c1, 2, SZ(5, 1));
  wick_tensor *cols[2] = {&tc0, &tc1};
  int64_t ones[2] = {1, 1};
  CHECK_OK(CALL("aten::split_with_sizes_copy.out", vt(&tx), vil(ones, 2), vi(-1), vtl(cols, 2)));
  EXPECT_I64(c0, 0, 2, 4, 6, 8);
  EXPECT_I64(c1, 1, 3, 5, 7, 9);

  /* split_copy: [5] in chunks of 2 -> 2, 2, 1 */
  float f[5] = {1, 2, 3, 4, 5}, s0[2], s1[2], s2[1];
  wick_tensor tf = tens(WICK_F32, f, 1, SZ(5));
  wick_tensor ts0 = tens(WICK_F32, s0, 1, SZ(2)), ts1 = tens(WICK_F32, s1, 1, SZ(2));
  wick_tensor ts2 = tens(WICK_F32, s2, 1, SZ(1));
  wick_tensor *chunks[3] = {&ts0, &ts1, &ts2};
  CHECK_OK(CALL("aten::split_copy.Tensor_out", vt(&tf), vi(2), vi(0), vtl(chunks, 3)));
  EXPECT_F32(s0, 0, 1, 2);
  EXPECT_F32(s1, 0, 3, 4);
  EXPECT_F32(s2, 0, 5);
  CHECK_FAILS(CALL("aten::split_copy.Tensor_out", vt(&tf), vi(2), vi(0), vtl(chunks, 2)), "makes 3");
  CHECK_FAILS(CALL("aten::split_copy.Tensor_out", vt(&tf), vi(0), vi(0), vtl(chunks, 3)), "split_size");
}

/* ---- slice / index ------------------------------------------------------------ */

static void test_slice(void) {
  float x[6] = {0, 1, 2, 3, 4, 5}, o[2];
  wick_tensor tx = tens(WICK_F32, x, 1, SZ(6)), to = tens(WICK_F32, o, 1, SZ(2));
  /* x[-4::2] -> elements 2, 4 */
  CHECK_OK(CALL("aten::slice_copy.Tensor_out", vt(&tx), vi(0), vi(-4), vnone(), vi(2), vt(&to)));
  EXPECT_F32(o, 0, 2, 4);
  /* x[-100:2] clamps to x[0:2] */
  CHECK_OK(CALL("aten::slice_copy.Tensor_out", vt(&tx), vi(0), vi(-100), vi(2), vi(1), vt(&to)));
  EXPECT_F32(o, 0, 0, 1);
  CHECK_FAILS(CALL("aten::slice_copy.Tensor_out", vt(&tx), vi(0), vi(0), vi(2), vi(0), vt(&to)), "step");

  /* [3,4][:, 1:100:2] -> [3,2] with out[i][k] = x[i][1 + 2k] */
  int32_t m[12], mo[6];
  for (int i = 0; i < 12; i++) m[i] = i;
  wick_tensor tm = tens(WICK_I32, m, 2, SZ(3, 4)), tmo = tens(WICK_I32, mo, 2, SZ(3, 2));
  CHECK_OK(CALL("aten::slice_copy.Tensor_out", vt(&tm), vi(1), vi(1), vi(100), vi(2), vt(&tmo)));
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 2; k++) CHECK(mo[i * 2 + k] == m[i * 4 + 1 + 2 * k]);
  /* rows -2: -> the last two rows; end < start -> empty */
  int32_t ro[8];
  wick_tensor tro = tens(WICK_I32, ro, 2, SZ(2, 4)), tempty = tens(WICK_I32, ro, 2, SZ(0, 4));
  CHECK_OK(CALL("aten::slice_copy.Tensor_out", vt(&tm), vi(0), vi(-2), vnone(), vi(1), vt(&tro)));
  for (int i = 0; i < 8; i++) CHECK(ro[i] == m[4 + i]);
  CHECK_OK(CALL("aten::slice_copy.Tensor_out", vt(&tm), vi(0), vi(2), vi(1), vi(1), vt(&tempty)));
  /* a column-major self */
  float cm[6] = {1, 4, 2, 5, 3, 6}, co[4]; /* logical [[1,2,3],[4,5,6]] */
  wick_tensor tcm = tens(WICK_F32, cm, 2, SZ(2, 3)), tco = tens(WICK_F32, co, 2, SZ(2, 2));
  set_order(&tcm, (const uint8_t[]){1, 0});
  CHECK_OK(CALL("aten::slice_copy.Tensor_out", vt(&tcm), vi(1), vi(0), vnone(), vi(2), vt(&tco)));
  EXPECT_F32(co, 0, 1, 3, 4, 6);
}

static void test_index_ops(void) {
  float x[12], o[12];
  for (int i = 0; i < 12; i++) x[i] = (float)i;
  wick_tensor tx = tens(WICK_F32, x, 2, SZ(3, 4));

  /* index_select dim 1 [2, 0] -> out[i][k] = x[i][idx[k]] */
  int64_t idx[2] = {2, 0};
  wick_tensor tidx = tens(WICK_I64, idx, 1, SZ(2)), to = tens(WICK_F32, o, 2, SZ(3, 2));
  CHECK_OK(CALL("aten::index_select.out", vt(&tx), vi(1), vt(&tidx), vt(&to)));
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 2; k++) CHECK(o[i * 2 + k] == x[i * 4 + idx[k]]);
  /* dim 0 with an int32 index */
  int32_t idx32[3] = {2, 2, 0};
  wick_tensor tidx32 = tens(WICK_I32, idx32, 1, SZ(3)), to0 = tens(WICK_F32, o, 2, SZ(3, 4));
  CHECK_OK(CALL("aten::index_select.out", vt(&tx), vi(0), vt(&tidx32), vt(&to0)));
  for (int k = 0; k < 3; k++)
    for (int j = 0; j < 4; j++) CHECK(o[k * 4 + j] == x[idx32[k] * 4 + j]);
  idx[1] = 4;
  CHECK_FAILS(CALL("aten::index_select.out", vt(&tx), vi(1), vt(&tidx), vt(&to)), "out of bounds");
  idx[1] = -1;
  CHECK_FAILS(CALL("aten::index_select.out", vt(&tx), vi(1), vt(&tidx), vt(&to)), "out of bounds");
  float fidx[2] = {0, 1};
  wick_tensor tfidx = tens(WICK_F32, fidx, 1, SZ(2));
  CHECK_FAILS(CALL("aten::index_select.out", vt(&tx), vi(1), vt(&tfidx), vt(&to)), "int32 or int64");

  /* gather dim 1: out[i][j] = self[i][index[i][j]] */
  float g[6] = {1, 2, 3, 4, 5, 6}, go[4];
  int64_t gi[4] = {2, 0, 1, 1};
  wick_tensor tg = tens(WICK_F32, g, 2, SZ(2, 3)), tgi = tens(WICK_I64, gi, 2, SZ(2, 2));
  wick_tensor tgo = tens(WICK_F32, go, 2, SZ(2, 2));
  CHECK_OK(CALL("aten::gather.out", vt(&tg), vi(1), vt(&tgi), vb(false), vt(&tgo)));
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) CHECK(go[i * 2 + j] == g[i * 3 + gi[i * 2 + j]]);
  /* dim 0: out[i][j] = self[index[i][j]][j] */
  int64_t gi0[3] = {1, 0, 1};
  wick_tensor tgi0 = tens(WICK_I64, gi0, 2, SZ(1, 3)), tgo0 = tens(WICK_F32, go, 2, SZ(1, 3));
  CHECK_OK(CALL("aten::gather.out", vt(&tg), vi(0), vt(&tgi0), vb(false), vt(&tgo0)));
  EXPECT_F32(go, 0, 4, 2, 6);
  gi[3] = 3;
  CHECK_FAILS(CALL("aten::gather.out", vt(&tg), vi(1), vt(&tgi), vb(false), vt(&tgo)), "out of bounds");
  gi[3] = -1;
  CHECK_FAILS(CALL("aten::gather.out", vt(&tg), vi(1), vt(&tgi), vb(false), vt(&tgo)), "out of bounds");

  /* embedding: weight [4,2], indices [2,2] -> [2,2,2] */
  float w[8] = {0, 1, 10, 11, 20, 21, 30, 31}, eo[8];
  int64_t ei[4] = {3, 0, 1, 1};
  wick_tensor tw = tens(WICK_F32, w, 2, SZ(4, 2)), tei = tens(WICK_I64, ei, 2, SZ(2, 2));
  wick_tensor teo = tens(WICK_F32, eo, 3, SZ(2, 2, 2));
  CHECK_OK(CALL("aten::embedding.out", vt(&tw), vt(&tei), vi(-1), vb(false), vb(false), vt(&teo)));
  for (int k = 0; k < 4; k++)
    for (int d = 0; d < 2; d++) CHECK(eo[k * 2 + d] == w[ei[k] * 2 + d]);
  ei[2] = 4;
  CHECK_FAILS(CALL("aten::embedding.out", vt(&tw), vt(&tei), vi(-1), vb(false), vb(false), vt(&teo)),
              "out of range");

  /* index.Tensor on [3,4]: [i] picks rows */
  int64_t ri[2] = {2, 0};
  wick_tensor tri = tens(WICK_I64, ri, 1, SZ(2)), tio = tens(WICK_F32, o, 2, SZ(2, 4));
  wick_tensor *ix1[1] = {&tri};
  CHECK_OK(CALL("aten::index.Tensor_out", vt(&tx), votl(ix1, 1), vt(&tio)));
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < 4; j++) CHECK(o[k * 4 + j] == x[ri[k] * 4 + j]);
  /* [None, j] with a negative entry: out[i][k] = x[i][j[k] mod 4] */
  int64_t cj[3] = {3, -1, 0};
  wick_tensor tcj = tens(WICK_I64, cj, 1, SZ(3)), tio2 = tens(WICK_F32, o, 2, SZ(3, 3));
  wick_tensor *ix2[2] = {NULL, &tcj};
  CHECK_OK(CALL("aten::index.Tensor_out", vt(&tx), votl(ix2, 2), vt(&tio2)));
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++) CHECK(o[i * 3 + k] == x[i * 4 + (cj[k] + 4) % 4]);
  cj[1] = 4;
  CHECK_FAILS(CALL("aten::index.Tensor_out", vt(&tx), votl(ix2, 2), vt(&tio2)), "out of bounds");

  /* self [2,3,4]: [i, None, j] (not adjacent) -> B first: out [2,3],
   * out[b][m] = s[i[b]][m][j[b]] */
  float s[24], so[12];
  for (int k = 0; k < 24; k++) s[k] = (float)k;
  wick_tensor ts = tens(WICK_F32, s, 3, SZ(2, 3, 4));
  int64_t ii[2] = {1, 0}, jj[2] = {3, 2};
  wick_tensor tii = tens(WICK_I64, ii, 1, SZ(2)), tjj = tens(WICK_I64, jj, 1, SZ(2));
  wick_tensor tso = tens(WICK_F32, so, 2, SZ(2, 3));
  wick_tensor *ix3[3] = {&tii, NULL, &tjj};
  CHECK_OK(CALL("aten::index.Tensor_out", vt(&ts), votl(ix3, 3), vt(&tso)));
  for (int b = 0; b < 2; b++)
    for (int m2 = 0; m2 < 3; m2++) CHECK(so[b * 3 + m2] == s[ii[b] * 12 + m2 * 4 + jj[b]]);
  /* [None, p [2,1], q [2]] (adjacent, broadcast to [2,2]) -> out [2,2,2],
   * out[a][u][v] = s[a][p[u]][q[v]] */
  int64_t pp[2] = {0, 2}, qq[2] = {1, 3};
  float so2[8];
  wick_tensor tpp = tens(WICK_I64, pp, 2, SZ(2, 1)), tqq = tens(WICK_I64, qq, 1, SZ(2));
  wick_tensor tso2 = tens(WICK_F32, so2, 3, SZ(2, 2, 2));
  wick_tensor *ix4[3] = {NULL, &tpp, &tqq};
  CHECK_OK(CALL("aten::index.Tensor_out", vt(&ts), votl(ix4, 3), vt(&tso2)));
  for (int a = 0; a < 2; a++)
    for (int u = 0; u < 2; u++)
      for (int v = 0; v < 2; v++)
        CHECK(so2[a * 4 + u * 2 + v] == s[a * 12 + pp[u] * 4 + qq[v]]);
}

/* ---- shape ops -------------------------------------------------------------- */

static void test_shape_ops(void) {
  /* expand [3,1] to [2,-1,4]: out[a][b][c] = self[b] */
  float e[3] = {1, 2, 3}, eo[24];
  wick_tensor te = tens(WICK_F32, e, 2, SZ(3, 1)), teo = tens(WICK_F32, eo, 3, SZ(2, 3, 4));
  int64_t sz[3] = {2, -1, 4};
  CHECK_OK(CALL("aten::expand_copy.out", vt(&te), vil(sz, 3), vb(false), vt(&teo)));
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 4; c++) CHECK(eo[a * 12 + b * 4 + c] == e[b]);
  int64_t bad[2] = {2, 4};
  CHECK_FAILS(CALL("aten::expand_copy.out", vt(&te), vil(bad, 2), vb(false), vt(&teo)), "cannot be expanded");
  int64_t badlead[3] = {-1, 3, 4};
  CHECK_FAILS(CALL("aten::expand_copy.out", vt(&te), vil(badlead, 3), vb(false), vt(&teo)), "leading");

  /* repeat [2,3] by [2,1,2] -> [2,2,6]: out[a][b][c] = x[b % 2][c % 3] */
  int32_t r[6] = {0, 1, 2, 3, 4, 5}, ro[24];
  wick_tensor tr = tens(WICK_I32, r, 2, SZ(2, 3)), tro = tens(WICK_I32, ro, 3, SZ(2, 2, 6));
  int64_t reps[3] = {2, 1, 2};
  CHECK_OK(CALL("aten::repeat.out", vt(&tr), vil(reps, 3), vt(&tro)));
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++)
      for (int c = 0; c < 6; c++) CHECK(ro[a * 12 + b * 6 + c] == r[(b % 2) * 3 + c % 3]);
  int64_t few[1] = {2};
  CHECK_FAILS(CALL("aten::repeat.out", vt(&tr), vil(few, 1), vt(&tro)), "repeat dims");

  /* squeeze [2,1,3,1] dims [1,-1] -> [2,3]; dim 0 (size 2) stays */
  float q[6] = {1, 2, 3, 4, 5, 6}, qo[6];
  wick_tensor tq = tens(WICK_F32, q, 4, SZ(2, 1, 3, 1)), tqo = tens(WICK_F32, qo, 2, SZ(2, 3));
  int64_t sd[2] = {1, -1};
  CHECK_OK(CALL("aten::squeeze_copy.dims_out", vt(&tq), vil(sd, 2), vt(&tqo)));
  EXPECT_F32(qo, 0, 1, 2, 3, 4, 5, 6);
  wick_tensor tqo4 = tens(WICK_F32, qo, 4, SZ(2, 1, 3, 1));
  int64_t sd0[1] = {0};
  CHECK_OK(CALL("aten::squeeze_copy.dims_out", vt(&tq), vil(sd0, 1), vt(&tqo4)));
  CHECK(same_shape(&tqo4, 4, SZ(2, 1, 3, 1)));
  int64_t dup[2] = {1, 1};
  CHECK_FAILS(CALL("aten::squeeze_copy.dims_out", vt(&tq), vil(dup, 2), vt(&tqo)), "multiple");

  /* unsqueeze of a column-major [2,3] at -1 -> [2,3,1] in logical order */
  float cm[6] = {1, 4, 2, 5, 3, 6}, uo[6];
  wick_tensor tcm = tens(WICK_F32, cm, 2, SZ(2, 3)), tuo = tens(WICK_F32, uo, 3, SZ(2, 3, 1));
  set_order(&tcm, (const uint8_t[]){1, 0});
  CHECK_OK(CALL("aten::unsqueeze_copy.out", vt(&tcm), vi(-1), vt(&tuo)));
  EXPECT_F32(uo, 0, 1, 2, 3, 4, 5, 6);
  wick_tensor tuo0 = tens(WICK_F32, uo, 3, SZ(1, 2, 3));
  CHECK_OK(CALL("aten::unsqueeze_copy.out", vt(&tcm), vi(0), vt(&tuo0)));
  EXPECT_F32(uo, 0, 1, 2, 3, 4, 5, 6);
  CHECK_FAILS(CALL("aten::unsqueeze_copy.out", vt(&tcm), vi(3), vt(&tuo)), "out of range");

  /* flip [2,3]: dims [0,-1] reverses everything, [1] each row */
  int64_t f[6] = {0, 1, 2, 3, 4, 5}, fo[6];
  wick_tensor tf = tens(WICK_I64, f, 2, SZ(2, 3)), tfo = tens(WICK_I64, fo, 2, SZ(2, 3));
  int64_t fd[2] = {0, -1}, fd1[1] = {1};
  CHECK_OK(CALL("aten::flip.out", vt(&tf), vil(fd, 2), vt(&tfo)));
  EXPECT_I64(fo, 5, 4, 3, 2, 1, 0);
  CHECK_OK(CALL("aten::flip.out", vt(&tf), vil(fd1, 1), vt(&tfo)));
  EXPECT_I64(fo, 2, 1, 0, 5, 4, 3);
  /* a column-major self flipped along dim 0 */
  float cmo[6];
  wick_tensor tcmo = tens(WICK_F32, cmo, 2, SZ(2, 3));
  int64_t fd0[1] = {0};
  CHECK_OK(CALL("aten::flip.out", vt(&tcm), vil(fd0, 1), vt(&tcmo)));
  EXPECT_F32(cmo, 0, 4, 5, 6, 1, 2, 3);
  int64_t fdup[2] = {0, -2};
  CHECK_FAILS(CALL("aten::flip.out", vt(&tf), vil(fdup, 2), vt(&tfo)), "multiple");

  /* transpose of a column-major [2,3] -> [3,2] = [[1,4],[2,5],[3,6]] */
  float to[6];
  wick_tensor tto = tens(WICK_F32, to, 2, SZ(3, 2));
  CHECK_OK(CALL("aten::transpose_copy.int_out", vt(&tcm), vi(0), vi(1), vt(&tto)));
  EXPECT_F32(to, 0, 1, 4, 2, 5, 3, 6);
  /* 3-D (0, -1): out[c][b][a] = x[a][b][c] */
  float t3[24], t3o[24];
  for (int k = 0; k < 24; k++) t3[k] = (float)k;
  wick_tensor tt3 = tens(WICK_F32, t3, 3, SZ(2, 3, 4)), tt3o = tens(WICK_F32, t3o, 3, SZ(4, 3, 2));
  CHECK_OK(CALL("aten::transpose_copy.int_out", vt(&tt3), vi(0), vi(-1), vt(&tt3o)));
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 4; c++) CHECK(t3o[c * 6 + b * 2 + a] == t3[a * 12 + b * 4 + c]);
  CHECK_FAILS(CALL("aten::transpose_copy.int_out", vt(&tt3), vi(0), vi(3), vt(&tt3o)), "out of range");
}

/* ---- creation --------------------------------------------------------------- */

static void test_creation(void) {
  int64_t l[4];
  wick_tensor tl = tens(WICK_I64, l, 1, SZ(4));
  CHECK_OK(CALL("aten::arange.start_out", vi(0), vi(10), vi(3), vt(&tl)));
  EXPECT_I64(l, 0, 3, 6, 9);
  float f[4];
  wick_tensor tf = tens(WICK_F32, f, 1, SZ(4));
  CHECK_OK(CALL("aten::arange.start_out", vi(0), vi(1), vd(0.25), vt(&tf)));
  EXPECT_F32(f, 0, 0, 0.25f, 0.5f, 0.75f);
  wick_tensor tl3 = tens(WICK_I64, l, 1, SZ(3));
  CHECK_OK(CALL("aten::arange.start_out", vi(5), vi(0), vi(-2), vt(&tl3)));
  EXPECT_I64(l, 5, 3, 1);
  wick_tensor tf3 = tens(WICK_F32, f, 1, SZ(3));
  CHECK_OK(CALL("aten::arange.start_out", vd(0.5), vd(2.0), vd(0.5), vt(&tf3)));
  EXPECT_F32(f, 0, 0.5f, 1, 1.5f);
  /* a length that does not match a static out is an error */
  CHECK_FAILS(CALL("aten::arange.start_out", vi(0), vi(10), vi(2), vt(&tl)), "resize");
  CHECK_FAILS(CALL("aten::arange.start_out", vi(0), vi(10), vi(0), vt(&tl)), "nonzero");
  CHECK_FAILS(CALL("aten::arange.start_out", vi(0), vi(10), vi(-1), vt(&tl)), "inconsistent");

  float sc;
  wick_tensor tsc = tens(WICK_F32, &sc, 0, NULL);
  CHECK_OK(CALL("aten::scalar_tensor.out", vd(2.5), vt(&tsc)));
  CHECK(sc == 2.5f);
  uint8_t su;
  wick_tensor tsu = tens(WICK_U8, &su, 0, NULL);
  CHECK_FAILS(CALL("aten::scalar_tensor.out", vi(300), vt(&tsu)), "overflow");
  CHECK_OK(CALL("aten::scalar_tensor.out", vb(true), vt(&tsu)));
  CHECK(su == 1);

  int64_t sz[2] = {2, 3};
  float z[6] = {1, 1, 1, 1, 1, 1};
  wick_tensor tz = tens(WICK_F32, z, 2, SZ(2, 3));
  CHECK_OK(CALL("aten::zeros.out", vil(sz, 2), vt(&tz)));
  EXPECT_F32(z, 0, 0, 0, 0, 0, 0, 0);
  int64_t on[6];
  wick_tensor ton = tens(WICK_I64, on, 2, SZ(2, 3));
  CHECK_OK(CALL("aten::ones.out", vil(sz, 2), vt(&ton)));
  EXPECT_I64(on, 1, 1, 1, 1, 1, 1);
}

/* ---- any / all ------------------------------------------------------------ */

static void test_any_all(void) {
  /* x = [[0, 2, NaN], [0, 0, 3]] */
  float x[6] = {0, 2, NAN, 0, 0, 3};
  wick_tensor tx = tens(WICK_F32, x, 2, SZ(2, 3));
  uint8_t o2[2], o3[3], o1;
  wick_tensor to2 = tens(WICK_BOOL, o2, 1, SZ(2)), to3 = tens(WICK_BOOL, o3, 1, SZ(3));
  wick_tensor to21 = tens(WICK_BOOL, o2, 2, SZ(2, 1)), to0 = tens(WICK_BOOL, &o1, 0, NULL);
  CHECK_OK(CALL("aten::any.out", vt(&tx), vi(1), vb(false), vt(&to2)));
  EXPECT_U8(o2, 1, 1);
  CHECK_OK(CALL("aten::all.out", vt(&tx), vi(-1), vb(true), vt(&to21)));
  EXPECT_U8(o2, 0, 0);
  CHECK_OK(CALL("aten::all.out", vt(&tx), vi(0), vb(false), vt(&to3)));
  EXPECT_U8(o3, 0, 0, 1);
  CHECK_OK(CALL("aten::any.out", vt(&tx), vi(0), vb(false), vt(&to3)));
  EXPECT_U8(o3, 0, 1, 1);
  CHECK_OK(CALL("aten::any.all_out", vt(&tx), vt(&to0)));
  CHECK(o1 == 1);
  CHECK_OK(CALL("aten::all.all_out", vt(&tx), vt(&to0)));
  CHECK(o1 == 0);
  /* int32 column-major self into uint8 out */
  int32_t xi[6] = {1, 1, 0, 5, 2, 3}; /* logical [[1,0,2],[1,5,3]] */
  wick_tensor txi = tens(WICK_I32, xi, 2, SZ(2, 3));
  set_order(&txi, (const uint8_t[]){1, 0});
  uint8_t u3[3];
  wick_tensor tu3 = tens(WICK_U8, u3, 1, SZ(3));
  CHECK_OK(CALL("aten::all.out", vt(&txi), vi(0), vb(false), vt(&tu3)));
  EXPECT_U8(u3, 1, 0, 1);
  float fo[3];
  wick_tensor tfo = tens(WICK_F32, fo, 1, SZ(3));
  CHECK_FAILS(CALL("aten::any.out", vt(&tx), vi(0), vb(false), vt(&tfo)), "bool or uint8");
  CHECK_FAILS(CALL("aten::any.out", vt(&tx), vi(2), vb(false), vt(&to3)), "out of range");
  /* empty reduction: any -> false, all -> true */
  float ex[1];
  wick_tensor tex = tens(WICK_F32, ex, 2, SZ(2, 0));
  CHECK_OK(CALL("aten::any.out", vt(&tex), vi(1), vb(false), vt(&to2)));
  EXPECT_U8(o2, 0, 0);
  CHECK_OK(CALL("aten::all.out", vt(&tex), vi(1), vb(false), vt(&to2)));
  EXPECT_U8(o2, 1, 1);
}

int main(void) {
  test_registry();
  test_unary_float();
  test_unary_dtypes();
  test_unary_noncontig();
  test_activations();
  test_clamp();
  test_binary();
  test_cat();
  test_split();
  test_slice();
  test_index_ops();
  test_shape_ops();
  test_creation();
  test_any_all();
  return test_finish("test_kernels_math");
}
