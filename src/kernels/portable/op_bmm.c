/* aten::bmm.out(Tensor self, Tensor mat2, *, Tensor(a!) out)
 *
 *   out[b] = self[b] @ mat2[b]:  self [B,n,k], mat2 [B,k,m] -> out [B,n,m]
 *   Each batch is one call of the shared mm loop (matmul.c) over 2-D views,
 *   so sums run over k in order, rounded to the opmath dtype after each step.
 *   Floating dtypes (self, mat2 and out share one); any dim orders.
 */
#include "kernels/portable/nn_util.h"

/* The 2-D view of batch b of t (a header over t's memory). */
static void batch_view(const wick_tensor *t, int64_t b, wick_tensor *v) {
  *v = *t;
  size_t es = wick_dtype_size(t->dtype);
  v->data = (unsigned char *)t->data + (size_t)(b * t->strides[0]) * es;
  v->dim = 2;
  v->sizes[0] = t->sizes[1];
  v->sizes[1] = t->sizes[2];
  v->strides[0] = t->strides[1];
  v->strides[1] = t->strides[2];
  /* the default order only when the view really is row-major (the shared
   * loop's fast path relies on it); otherwise it walks the strides */
  bool rowmajor = (v->sizes[1] <= 1 || v->strides[1] == 1) &&
                  (v->sizes[0] <= 1 || v->strides[0] == v->sizes[1]);
  v->dim_order[0] = rowmajor ? 0 : 1;
  v->dim_order[1] = rowmajor ? 1 : 0;
  v->capacity = 0;
}

WK_KERNEL(wick_op_bmm_out) {
  if (nargs != 3)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t, *mat2 = args[1]->u.t;
  wick_tensor *out = args[2]->u.t;
  char b1[96], b2[96];
  wick_status s;

  /* 1. arguments */
  if ((s = wk_nn_check_float(ctx, "self", self)) ||
      (s = wk_nn_same_dtype(ctx, "self", self, "mat2", mat2)) ||
      (s = wk_nn_same_dtype(ctx, "self", self, "out", out)))
    return s;
  if (self->dim != 3 || mat2->dim != 3)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s and mat2 %s must both be 3-D",
                            wk_desc(self, b1), wk_desc(mat2, b2));
  if (self->sizes[0] != mat2->sizes[0] || self->sizes[2] != mat2->sizes[1])
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s and mat2 %s cannot be batch-multiplied",
                            wk_desc(self, b1), wk_desc(mat2, b2));

  /* 2. out */
  int64_t sizes[3] = {self->sizes[0], self->sizes[1], mat2->sizes[2]};
  if ((s = wk_resize_out(ctx, out, 3, sizes))) return s;

  /* 3./4. compute, one batch at a time */
  for (int64_t b = 0; b < sizes[0]; b++) {
    wick_tensor x, w, y;
    batch_view(self, b, &x);
    batch_view(mat2, b, &w);
    batch_view(out, b, &y);
    wk_addmm_compute(NULL, &x, &w, NULL, NULL, &y);
  }
  return WICK_OK;
}
