/* aten::clone.out(Tensor self, *, MemoryFormat? memory_format=None, Tensor(a!) out)
 *
 *   out = self (same dtype and shape; out keeps its own dim order)
 *   memory_format: None, contiguous (0) or preserve (1).
 */
#include "kernels/portable/util.h"

WK_KERNEL(wick_op_clone_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  wick_tensor *out = args[2]->u.t;
  char b1[96];

  /* 1. arguments */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self))) return s;
  if (out->dtype != self->dtype)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out dtype %s does not match self %s",
                            wk_dtype_name(out->dtype), wk_desc(self, b1));
  if (args[1]->kind == WICK_VAL_INT && args[1]->u.i != 0 && args[1]->u.i != 1)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "memory_format %lld is not supported",
                            (long long)args[1]->u.i);

  /* 2. out (usually of self's shape already) */
  if (!wk_same_sizes(out, self)) {
    int64_t sizes[WICK_MAX_DIM];
    for (int d = 0; d < self->dim; d++) sizes[d] = self->sizes[d];
    if ((s = wk_resize_out(ctx, out, self->dim, sizes))) return s;
  }

  /* 3./4. copy */
  wk_copy_cast(out, self);
  return WICK_OK;
}
