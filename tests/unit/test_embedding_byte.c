/* quantized_decomposed::embedding_byte.out: row-wise and group-wise scales,
 * optional zero points, int8 and uint8 tables, bad indices and shapes. */
#include <string.h>

#include "harness.h"
#include "kernel_test.h"
#include "kernels/portable/ops_quant.h"
#include "wick/kernel.h"

static const wick_kernel quant_table[] = {
#include "kernels/portable/table_quant.inc"
};

#define OP "quantized_decomposed::embedding_byte.out"

static void test_rows(void) {
  /* V 3, D 4; row scales 0.5, 1, 2 */
  int8_t w[12] = {1, -2, 3, -4, 10, 20, 30, 40, -128, 0, 127, 5};
  float sc[3] = {0.5f, 1.0f, 2.0f};
  int64_t idx[3] = {2, 0, 2};
  float out[12];
  wick_tensor tw = tens(WICK_I8, w, 2, SZ(3, 4)), ts = tens(WICK_F32, sc, 1, SZ(3)),
              ti = tens(WICK_I64, idx, 1, SZ(3)), to = tens(WICK_F32, out, 2, SZ(3, 4));
  CHECK_OK(CALL(OP, vt(&tw), vt(&ts), vnone(), vi(-128), vi(127), vt(&ti), vt(&to)));
  EXPECT_F32(out, 0, -256, 0, 254, 10, 0.5f, -1, 1.5f, -2, -256, 0, 254, 10);
  /* zero points: (q - zp) * s */
  float zp[3] = {1, -10, 5};
  wick_tensor tz = tens(WICK_F32, zp, 1, SZ(3));
  CHECK_OK(CALL(OP, vt(&tw), vt(&ts), vt(&tz), vi(-128), vi(127), vt(&ti), vt(&to)));
  EXPECT_F32(out, 0, -266, -10, 244, 0, 0, -1.5f, 1, -2.5f, -266, -10, 244, 0);
  /* out of range index */
  idx[1] = 3;
  CHECK_FAILS(CALL(OP, vt(&tw), vt(&ts), vnone(), vi(-128), vi(127), vt(&ti), vt(&to)), "out of range");
  idx[1] = -1;
  CHECK_FAILS(CALL(OP, vt(&tw), vt(&ts), vnone(), vi(-128), vi(127), vt(&ti), vt(&to)), "out of range");
}

static void test_groups_u8(void) {
  /* V 2, D 4, 2 groups of 2 columns; uint8 with zero point 128; int32 indices [1,2] */
  uint8_t w[8] = {128, 130, 0, 255, 129, 127, 140, 100};
  float sc[4] = {0.25f, 1.0f, 2.0f, 0.5f};
  float zp[4] = {128, 128, 128, 128};
  int32_t idx[2] = {1, 0};
  float out[8];
  wick_tensor tw = tens(WICK_U8, w, 2, SZ(2, 4)), ts = tens(WICK_F32, sc, 2, SZ(2, 2)),
              tz = tens(WICK_F32, zp, 2, SZ(2, 2)), ti = tens(WICK_I32, idx, 2, SZ(1, 2)),
              to = tens(WICK_F32, out, 3, SZ(1, 2, 4));
  CHECK_OK(CALL(OP, vt(&tw), vt(&ts), vt(&tz), vi(0), vi(255), vt(&ti), vt(&to)));
  EXPECT_F32(out, 0, 2, -2, 6, -14, 0, 0.5f, -128, 127);
  /* scales that do not divide D */
  float sc3[6] = {1, 1, 1, 1, 1, 1};
  wick_tensor ts3 = tens(WICK_F32, sc3, 2, SZ(2, 3));
  CHECK_FAILS(CALL(OP, vt(&tw), vt(&ts3), vnone(), vi(0), vi(255), vt(&ti), vt(&to)), "groups");
  /* float weight is refused */
  float wf[8] = {0};
  wick_tensor twf = tens(WICK_F32, wf, 2, SZ(2, 4));
  CHECK_FAILS(CALL(OP, vt(&twf), vt(&ts), vnone(), vi(0), vi(255), vt(&ti), vt(&to)), "int8");
}

int main(void) {
  CHECK(wick_register_kernels(quant_table, sizeof quant_table / sizeof quant_table[0]) == WICK_OK);
  test_rows();
  test_groups_u8();
  return test_finish("test_embedding_byte");
}
