/* aten::logical_and.out(Tensor self, Tensor other, *, Tensor(a!) out)   "TTT"
 * aten::logical_or.out / aten::logical_xor.out                          "TTT"
 *
 *   out = (self != 0) op (other != 0), stored into out's dtype (any dtype:
 *   true is 1). self and other may have any dtypes and broadcast together;
 *   NaN counts as true.
 */
#include "kernels/portable/math_util.h"
#include "kernels/portable/ops_math.h"

enum { AND, OR, XOR };

static inline bool truth(const void *p, int dt, int64_t i) {
  return wk_is_float(dt) ? wk_ld_f(p, dt, i) != 0 : wk_ld_i(p, dt, i) != 0;
}

static wick_status logical_run(wick_kernel_ctx *ctx, int op, wick_value **args, uint32_t nargs) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *a = args[0]->u.t, *b = args[1]->u.t;
  wick_tensor *out = args[2]->u.t;
  char b1[96], b2[96];

  /* 1. arguments */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", a)) || (s = wk_check_dtype(ctx, "other", b)) ||
      (s = wk_check_dtype(ctx, "out", out)))
    return s;
  const wick_tensor *ins[2] = {a, b};
  int dim;
  int64_t sizes[WICK_MAX_DIM];
  if (!wk_broadcast_shape(2, ins, &dim, sizes))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s and other %s are not broadcastable",
                            wk_desc(a, b1), wk_desc(b, b2));

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, dim, sizes))) return s;

  /* 3. bool inputs and out over flat memory */
  wk_iter it;
  wk_iter_elementwise(&it, out, 2, ins);
  if (mu_iter_flat(&it) && a->dtype == WICK_BOOL && b->dtype == WICK_BOOL && out->dtype == WICK_BOOL) {
    const uint8_t *x = a->data, *z = b->data;
    uint8_t *y = out->data;
    for (int64_t i = 0; i < it.numel; i++) {
      bool u = x[i] != 0, v = z[i] != 0;
      y[i] = op == AND ? (u && v) : op == OR ? (u || v) : (u != v);
    }
    return WICK_OK;
  }

  /* 4. generic walk */
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    bool u = truth(a->data, a->dtype, it.off[1]), v = truth(b->data, b->dtype, it.off[2]);
    bool r = op == AND ? (u && v) : op == OR ? (u || v) : (u != v);
    wk_st_i(out->data, out->dtype, it.off[0], r);
  }
  return WICK_OK;
}

WK_KERNEL(wick_op_logical_and_out) { return logical_run(ctx, AND, args, nargs); }
WK_KERNEL(wick_op_logical_or_out) { return logical_run(ctx, OR, args, nargs); }
WK_KERNEL(wick_op_logical_xor_out) { return logical_run(ctx, XOR, args, nargs); }
