/* aten::any.out(Tensor self, int dim, bool keepdim=False, *, Tensor(a!) out)   "TibT"
 * aten::all.out(Tensor self, int dim, bool keepdim=False, *, Tensor(a!) out)   "TibT"
 * aten::any.all_out(Tensor self, *, Tensor(a!) out)                             "TT"
 * aten::all.all_out(Tensor self, *, Tensor(a!) out)                             "TT"
 *
 *   out = whether any / every element along dim (or of the whole tensor) is
 *   nonzero (NaN counts as nonzero). self may have any dtype; out is bool or
 *   uint8. An empty reduction gives false for any and true for all.
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

/* Reduces self over the dims in mask into out (already shaped). */
static void reduce_truth(const wick_tensor *self, const bool mask[WICK_MAX_DIM], bool keepdim,
                         bool is_all, wick_tensor *out) {
  size_t n = wk_numel(out);
  uint8_t *y = out->data;
  for (size_t i = 0; i < n; i++) y[i] = is_all; /* dim order does not matter here */
  int64_t st[2][WICK_MAX_DIM];
  for (int d = 0, r = 0; d < self->dim; d++) {
    st[1][d] = self->strides[d];
    if (mask[d]) {
      st[0][d] = 0;
      if (keepdim) r++;
    } else {
      st[0][d] = out->strides[r++];
    }
  }
  wk_iter it;
  wk_iter_init(&it, self->dim, self->sizes, 2, (const int64_t(*)[WICK_MAX_DIM])st);
  int dt = self->dtype;
  bool fl = wk_is_float(dt);
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    bool t = fl ? wk_ld_f(self->data, dt, it.off[1]) != 0 : wk_ld_i(self->data, dt, it.off[1]) != 0;
    if (is_all) y[it.off[0]] &= t;
    else y[it.off[0]] |= t;
  }
}

static wick_status any_all_run(wick_kernel_ctx *ctx, const wick_tensor *self, const wick_value *dimv,
                               bool keepdim, bool is_all, wick_tensor *out) {
  char b1[96];
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self))) return s;
  if (out->dtype != WICK_BOOL && out->dtype != WICK_U8)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out %s must be bool or uint8", wk_desc(out, b1));
  bool mask[WICK_MAX_DIM];
  for (int d = 0; d < WICK_MAX_DIM; d++) mask[d] = dimv == NULL && d < self->dim;
  if (dimv) {
    int d;
    if (!wk_wrap_dim(dimv->u.i, self->dim, &d))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %lld out of range for self %s",
                              (long long)dimv->u.i, wk_desc(self, b1));
    if (self->dim) mask[d] = true;
  }
  int dim;
  int64_t sizes[WICK_MAX_DIM];
  wk_reduce_shape(self, mask, keepdim, &dim, sizes);
  if ((s = wk_resize_out(ctx, out, dim, sizes))) return s;
  reduce_truth(self, mask, keepdim, is_all, out);
  return WICK_OK;
}

WK_KERNEL(wick_op_any_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  return any_all_run(ctx, args[0]->u.t, args[1], args[2]->u.b, false, args[3]->u.t);
}
WK_KERNEL(wick_op_all_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  return any_all_run(ctx, args[0]->u.t, args[1], args[2]->u.b, true, args[3]->u.t);
}
WK_KERNEL(wick_op_any_all_out) {
  if (nargs != 2) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 2 arguments, got %u", nargs);
  return any_all_run(ctx, args[0]->u.t, NULL, false, false, args[1]->u.t);
}
WK_KERNEL(wick_op_all_all_out) {
  if (nargs != 2) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 2 arguments, got %u", nargs);
  return any_all_run(ctx, args[0]->u.t, NULL, false, true, args[1]->u.t);
}
