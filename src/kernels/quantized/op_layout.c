/* Layout ops: cortex_m::transpose / pad and the dim_order_ops copies.
 *
 *   cortex_m::transpose.out(Tensor input, int[] perm, *, Tensor(a!) out)
 *     out = input.permute(perm) (logical; out has its own dim order)
 *   cortex_m::pad.out(Tensor input, int[] pre_pad, int[] post_pad, int pad_value,
 *       *, Tensor(a!) out)
 *     constant padding; pre_pad/post_pad hold 4 values in the input's PHYSICAL
 *     dim order, right-aligned to rank 4 (ExecuTorch's _pad_to_logical_order:
 *     entry 4 - rank + j pads logical dim dim_order[j]). pad_value is cast to
 *     the dtype.
 *   dim_order_ops::_clone_dim_order.out(Tensor self, *, bool non_blocking=False,
 *       int[]? dim_order=None, Tensor(a!) out)
 *   dim_order_ops::_to_dim_order_copy.out(Tensor self, *, bool non_blocking=False,
 *       int[]? dim_order=None, Tensor(a!) out)
 *     out = self (cast to out's dtype for _to_dim_order_copy), written in out's
 *     dim order, which must equal dim_order when given.
 *   dim_order_ops::_empty_dim_order.out(int[] size, *, int[]? dim_order=None,
 *       Tensor(a!) out)
 *     resizes out (contents unspecified, left as they are).
 */
#include <string.h>

#include "kernels/portable/ops_quant.h"
#include "kernels/quantized/qmath.h"

/* cortex_m::transpose.out: "TIT" */
WK_QUANT_KERNEL(wick_op_cm_transpose_out) {
  (void)nargs;
  const wick_tensor *in = args[0]->u.t;
  wick_tensor *out = args[2]->u.t;
  uint32_t n;
  const int64_t *perm = wick_value_int_list(args[1], &n);
  char b[96];
  if (n != in->dim)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "perm has %u entries for input %s", n,
                            wk_desc(in, b));
  if (out->dtype != in->dtype)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out dtype %s does not match input %s",
                            wk_dtype_name(out->dtype), wk_desc(in, b));
  bool seen[WICK_MAX_DIM] = {false};
  int64_t sizes[WICK_MAX_DIM], strides[WICK_MAX_DIM];
  for (uint32_t i = 0; i < n; i++) {
    int d;
    if (!wk_wrap_dim(perm[i], in->dim, &d) || seen[d])
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "perm is not a permutation of %d dims",
                              in->dim);
    seen[d] = true;
    sizes[i] = in->sizes[d];
    strides[i] = in->strides[d];
  }
  wick_status s = wq_resize(ctx, out, in->dim, sizes);
  if (s) return s;
  if (wk_numel(out)) wk_copy_view(out, in->data, in->dtype, strides);
  return WICK_OK;
}

/* cortex_m::pad.out: "TIIiT" */
WK_QUANT_KERNEL(wick_op_cm_pad_out) {
  (void)nargs;
  const wick_tensor *in = args[0]->u.t;
  wick_tensor *out = args[4]->u.t;
  uint32_t npre, npost;
  const int64_t *pre = wick_value_int_list(args[1], &npre);
  const int64_t *post = wick_value_int_list(args[2], &npost);
  char b[96];
  if (in->dim > 4 || npre != 4 || npost != 4)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "pad needs rank <= 4 and 4 pre/post values (input %s, %u, %u)",
                            wk_desc(in, b), npre, npost);
  if (out->dtype != in->dtype || !wk_dtype_supported(in->dtype))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out dtype %s does not match input %s",
                            wk_dtype_name(out->dtype), wk_desc(in, b));
  int64_t lpre[WICK_MAX_DIM], sizes[WICK_MAX_DIM];
  int off = 4 - in->dim;
  for (int j = 0; j < in->dim; j++) {
    int d = in->dim_order[j];
    if (pre[off + j] < 0 || post[off + j] < 0)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "negative padding is not supported");
    lpre[d] = pre[off + j];
    sizes[d] = in->sizes[d] + pre[off + j] + post[off + j];
  }
  wick_status s = wq_resize(ctx, out, in->dim, sizes);
  if (s) return s;
  /* fill, then copy the input into its window */
  int64_t fill = args[3]->u.i;
  wk_iter it;
  int64_t st[1][WICK_MAX_DIM];
  for (int d = 0; d < out->dim; d++) st[0][d] = out->strides[d];
  wk_iter_init(&it, out->dim, out->sizes, 1, (const int64_t(*)[WICK_MAX_DIM])st);
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    if (wk_is_float(out->dtype)) wk_st_f(out->data, out->dtype, it.off[0], (double)fill);
    else wk_st_i(out->data, out->dtype, it.off[0], fill);
  }
  int64_t st2[2][WICK_MAX_DIM];
  int64_t base = 0;
  for (int d = 0; d < in->dim; d++) {
    st2[0][d] = out->strides[d];
    st2[1][d] = in->strides[d];
    base += lpre[d] * out->strides[d];
  }
  wk_iter_init(&it, in->dim, in->sizes, 2, (const int64_t(*)[WICK_MAX_DIM])st2);
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it))
    wk_copy_elem(out->data, out->dtype, base + it.off[0], in->data, in->dtype, it.off[1]);
  return WICK_OK;
}

/* The dim_order argument (None or a permutation) must be out's dim order. */
static wick_status check_dim_order(wick_kernel_ctx *ctx, wick_value *v, const wick_tensor *out) {
  if (v->kind != WICK_VAL_INT_LIST) return WICK_OK;
  uint32_t n;
  const int64_t *order = wick_value_int_list(v, &n);
  bool same = n == out->dim;
  for (uint32_t i = 0; same && i < n; i++) same = order[i] == out->dim_order[i];
  if (same) return WICK_OK;
  char b[96];
  return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                          "dim_order argument does not match out %s's dim order", wk_desc(out, b));
}

static wick_status dim_order_copy(wick_kernel_ctx *ctx, wick_value **args, bool cast) {
  const wick_tensor *self = args[0]->u.t;
  wick_tensor *out = args[3]->u.t;
  char b1[96], b2[96];
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self)) || (s = wk_check_dtype(ctx, "out", out))) return s;
  if (!cast && out->dtype != self->dtype)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out %s and self %s must share a dtype",
                            wk_desc(out, b1), wk_desc(self, b2));
  if ((s = check_dim_order(ctx, args[2], out))) return s;
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d < self->dim; d++) sizes[d] = self->sizes[d];
  if ((s = wq_resize(ctx, out, self->dim, sizes))) return s;
  wk_copy_cast(out, self);
  return WICK_OK;
}

/* dim_order_ops::_clone_dim_order.out: "TbJT" */
WK_QUANT_KERNEL(wick_op_dim_order_clone_out) {
  (void)nargs;
  return dim_order_copy(ctx, args, false);
}

/* dim_order_ops::_to_dim_order_copy.out: "TbJT" */
WK_QUANT_KERNEL(wick_op_dim_order_to_copy_out) {
  (void)nargs;
  return dim_order_copy(ctx, args, true);
}

/* dim_order_ops::_empty_dim_order.out: "IJT" */
WK_QUANT_KERNEL(wick_op_dim_order_empty_out) {
  (void)nargs;
  wick_tensor *out = args[2]->u.t;
  uint32_t n;
  const int64_t *size = wick_value_int_list(args[0], &n);
  if (n > WICK_MAX_DIM)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "size has %u dims (max %d)", n, WICK_MAX_DIM);
  wick_status s = check_dim_order(ctx, args[1], out);
  if (s) return s;
  return wq_resize(ctx, out, (int)n, size);
}
