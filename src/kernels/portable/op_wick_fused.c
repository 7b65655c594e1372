/* wick:: fused operators (made by the converter's activation fusion,
 * src/compiler/fuse.c). Each is an aten op followed by a clamp of its out in
 * place, bit-identical to running the two ops one after the other:
 *
 * wick::convolution_act.out(Tensor input, Tensor weight, Tensor? bias, int[] stride,
 *     int[] padding, int[] dilation, bool transposed, int[] output_padding, int groups,
 *     Scalar? min, Scalar? max, *, Tensor(a!) out)                        "TTtIIIbIissT"
 * wick::addmm_act.out(Tensor self, Tensor mat1, Tensor mat2, Scalar beta, Scalar alpha,
 *     Scalar? min, Scalar? max, *, Tensor(a!) out)                        "TTTSSssT"
 * wick::add_act.out(Tensor self, Tensor other, Scalar alpha, Scalar? min, Scalar? max,
 *     *, Tensor(a!) out)                                                   "TTSssT"
 *
 *   out = clamp(op(...), min, max)   with aten::clamp.out's rules (relu is
 *   min = 0, hardtanh / relu6 give both bounds); at least one bound.
 */
#include "kernels/portable/ops_math.h"
#include "kernels/portable/ops_nn.h"
#include "kernels/portable/util.h"

/* out = clamp(out, lo, hi) in place, by aten::clamp.out itself. */
static wick_status clamp_in_place(wick_kernel_ctx *ctx, wick_value *lo, wick_value *hi,
                                  wick_value *out) {
  wick_value *cargs[4] = {out, lo, hi, out};
  return wick_op_clamp_out(ctx, cargs, 4);
}

WK_NN_KERNEL(wick_op_wick_convolution_act_out) {
  if (nargs != 12) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 12 arguments, got %u", nargs);
  wick_value *cargs[10] = {args[0], args[1], args[2], args[3], args[4],
                           args[5], args[6], args[7], args[8], args[11]};
  wick_status s = wick_op_convolution_out(ctx, cargs, 10);
  if (s) return s;
  return clamp_in_place(ctx, args[9], args[10], args[11]);
}

WK_NN_KERNEL(wick_op_wick_addmm_act_out) {
  if (nargs != 8) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 8 arguments, got %u", nargs);
  wick_value *margs[6] = {args[0], args[1], args[2], args[3], args[4], args[7]};
  wick_status s = wick_op_addmm_out(ctx, margs, 6);
  if (s) return s;
  return clamp_in_place(ctx, args[5], args[6], args[7]);
}

WK_NN_KERNEL(wick_op_wick_add_act_out) {
  if (nargs != 6) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 6 arguments, got %u", nargs);
  wick_value *aargs[4] = {args[0], args[1], args[2], args[5]};
  wick_status s = wick_op_add_out(ctx, aargs, 4);
  if (s) return s;
  return clamp_in_place(ctx, args[3], args[4], args[5]);
}
