/* aten::mm.out(Tensor self, Tensor mat2, *, Tensor(a!) out)
 *
 *   out[m,n] = self[m,k] @ mat2[k,n]
 *   All three share one dtype (floating or integral).
 */
#include "kernels/portable/util.h"

WK_KERNEL(wick_op_mm_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *mat1 = args[0]->u.t, *mat2 = args[1]->u.t;
  wick_tensor *out = args[2]->u.t;
  /* 1. arguments */
  wick_status s = wk_check_mm(ctx, mat1, mat2, out);
  if (s) return s;
  /* 2. out [m,n] */
  int64_t sizes[2] = {mat1->sizes[0], mat2->sizes[1]};
  if ((s = wk_resize_out(ctx, out, 2, sizes))) return s;
  /* 3./4. dtype dispatch happens in the shared loop */
  wk_addmm_compute(NULL, mat1, mat2, NULL, NULL, out);
  return WICK_OK;
}
