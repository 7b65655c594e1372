/* aten::where.self_out(Tensor condition, Tensor self, Tensor other, *, Tensor(a!) out)
 *
 *   out = condition ? self : other
 *   condition (bool or uint8), self and other broadcast together; the value
 *   is taken in the promoted dtype of self and other, then cast to out.
 */
#include "kernels/portable/util.h"

/* Stride (1 or 0) of an operand in a flat walk over out: 1 when it has out's
 * shape and dim order, 0 when it is a single element that broadcasts to it,
 * -1 otherwise. */
static int flat_stride(const wick_tensor *t, const wick_tensor *out) {
  if (wk_same_layout2(t, out)) return 1;
  return wk_one_elem(t, out->dim) ? 0 : -1;
}

/* The hot case: float32 self, other and out, a bool/uint8 condition, every
 * input either of out's layout or a single element, and at least one of
 * out's layout (so the broadcast shape is out's: no resize). */
static bool where_f32_fast(const wick_tensor *cond, const wick_tensor *a, const wick_tensor *b,
                           wick_tensor *out) {
  if (a->dtype != WICK_F32 || b->dtype != WICK_F32 || out->dtype != WICK_F32 ||
      (cond->dtype != WICK_BOOL && cond->dtype != WICK_U8))
    return false;
  int sc = flat_stride(cond, out), sa = flat_stride(a, out), sb = flat_stride(b, out);
  if ((sc | sa | sb) < 0 || (sc | sa | sb) == 0) return false;
  const uint8_t *c = cond->data;
  const float *x = a->data, *z = b->data;
  float *y = out->data;
  size_t n = wk_numel(out);
  for (size_t i = 0; i < n; i++) y[i] = c[i * sc] ? x[i * sa] : z[i * sb];
  return true;
}

WK_KERNEL(wick_op_where_self_out) {
  if (nargs != 4) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 4 arguments, got %u", nargs);
  const wick_tensor *cond = args[0]->u.t, *a = args[1]->u.t, *b = args[2]->u.t;
  wick_tensor *out = args[3]->u.t;
  if (where_f32_fast(cond, a, b, out)) return WICK_OK;
  char b1[96], b2[96], b3[96];

  /* 1. arguments */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", a)) || (s = wk_check_dtype(ctx, "other", b)) ||
      (s = wk_check_dtype(ctx, "out", out)))
    return s;
  if (cond->dtype != WICK_BOOL && cond->dtype != WICK_U8)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "condition %s must be bool or uint8",
                            wk_desc(cond, b1));
  int common = wk_promote(a->dtype, b->dtype);
  if (!wk_can_cast(common, out->dtype))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "result type %s can't be cast to the desired output type %s",
                            wk_dtype_name(common), wk_dtype_name(out->dtype));
  const wick_tensor *ins[3] = {cond, a, b};
  int dim;
  int64_t sizes[WICK_MAX_DIM];
  if (!wk_broadcast_shape(3, ins, &dim, sizes))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "condition %s, self %s and other %s are not broadcastable",
                            wk_desc(cond, b1), wk_desc(a, b2), wk_desc(b, b3));

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, dim, sizes))) return s;

  /* 3./4. pick per element (ops: 0 out, 1 cond, 2 self, 3 other) */
  wk_iter it;
  wk_iter_elementwise(&it, out, 3, ins);
  const unsigned char *c = cond->data;
  if (a->dtype == WICK_F32 && b->dtype == WICK_F32 && out->dtype == WICK_F32) {
    const float *x = a->data, *z = b->data;
    float *y = out->data;
    for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it))
      y[it.off[0]] = c[it.off[1]] ? x[it.off[2]] : z[it.off[3]];
    return WICK_OK;
  }
  bool fl = wk_is_float(common);
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    const wick_tensor *src = c[it.off[1]] ? a : b;
    int64_t off = c[it.off[1]] ? it.off[2] : it.off[3];
    if (fl)
      wk_st_f(out->data, out->dtype, it.off[0], wk_ld_as_f(src->data, src->dtype, off, common));
    else
      wk_st_i(out->data, out->dtype, it.off[0], wk_wrap_i(common, wk_ld_i(src->data, src->dtype, off)));
  }
  return WICK_OK;
}
