/* aten::_to_copy.out(Tensor self, *, bool non_blocking=False,
 *                    MemoryFormat? memory_format=None, Tensor(a!) out)
 *
 *   out = self cast to out's dtype (any supported dtype to any other, C cast
 *   semantics: float -> int truncates, anything -> bool is != 0).
 */
#include "kernels/portable/util.h"

WK_KERNEL(wick_op_to_copy_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  wick_tensor *out = args[3]->u.t;

  /* 1. arguments */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self)) || (s = wk_check_dtype(ctx, "out", out))) return s;
  if (args[2]->kind == WICK_VAL_INT && args[2]->u.i != 0 && args[2]->u.i != 1)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "memory_format %lld is not supported",
                            (long long)args[2]->u.i);

  /* 2. out (usually of self's shape already) */
  if (!wk_same_sizes(out, self)) {
    int64_t sizes[WICK_MAX_DIM];
    for (int d = 0; d < self->dim; d++) sizes[d] = self->sizes[d];
    if ((s = wk_resize_out(ctx, out, self->dim, sizes))) return s;
  }

  /* 3./4. copy with a cast */
  wk_copy_cast(out, self);
  return WICK_OK;
}
