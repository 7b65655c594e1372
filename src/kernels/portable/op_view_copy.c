/* aten::view_copy.out(Tensor self, SymInt[] size, *, Tensor(a!) out)
 *
 *   out = self reshaped to size (logical row-major order is kept)
 *   self [2,6], size [3,-1] -> out [3,4]; at most one -1, inferred.
 *   out may be self's own memory (contiguous both): nothing is moved.
 */
#include <string.h>

#include "kernels/portable/util.h"

/* Walks t's elements in logical row-major order. */
static void walk_init(wk_iter *it, const wick_tensor *t) {
  int64_t st[1][WICK_MAX_DIM];
  for (int d = 0; d < t->dim; d++) st[0][d] = t->strides[d];
  wk_iter_init(it, t->dim, t->sizes, 1, (const int64_t(*)[WICK_MAX_DIM])st);
}

WK_KERNEL(wick_op_view_copy_out) {
  if (nargs != 3) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 3 arguments, got %u", nargs);
  const wick_tensor *self = args[0]->u.t;
  wick_tensor *out = args[2]->u.t;
  uint32_t n;
  const int64_t *size = wick_value_int_list(args[1], &n);
  char b1[96], b2[96];

  /* 1. arguments: one -1 at most, sizes >= 0, same element count */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self))) return s;
  if (out->dtype != self->dtype)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out dtype %s does not match self %s",
                            wk_dtype_name(out->dtype), wk_desc(self, b1));
  if (n > WICK_MAX_DIM)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "size has %u entries (max %d)", n, WICK_MAX_DIM);
  int64_t sizes[WICK_MAX_DIM];
  int infer = -1;
  int64_t known = 1, numel = (int64_t)wk_numel(self);
  bool ok = true;
  for (uint32_t k = 0; k < n; k++) {
    sizes[k] = size[k];
    if (size[k] == -1 && infer < 0) {
      infer = (int)k;
    } else if (size[k] < 0 || size[k] > INT32_MAX || (known > 0 && size[k] > INT64_MAX / known)) {
      ok = false; /* a second -1, a negative size, or an overflowing product */
    } else {
      known *= size[k];
    }
  }
  if (ok && infer >= 0) {
    ok = known != 0 && numel % known == 0;
    if (ok) sizes[infer] = numel / known;
  } else if (ok) {
    ok = known == numel;
  }
  if (!ok)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "shape %s is invalid for input %s",
                            wk_sizes_str((int)n, size, b2, sizeof b2), wk_desc(self, b1));

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, (int)n, sizes))) return s;
  if (numel == 0) return WICK_OK;

  /* 3./4. copy in logical order */
  size_t es = wick_dtype_size(self->dtype);
  if (wk_is_contig(self) && wk_is_contig(out)) {
    /* The planner may place out at self's bytes (plan.c, view aliasing): then
     * the bytes are already in place. */
    if (out->data != self->data) memmove(out->data, self->data, (size_t)numel * es);
    return WICK_OK;
  }
  wk_iter src, dst;
  walk_init(&src, self);
  walk_init(&dst, out);
  for (int64_t e = 0; e < numel; e++, wk_iter_next(&src), wk_iter_next(&dst))
    memcpy((char *)out->data + (size_t)dst.off[0] * es, (const char *)self->data + (size_t)src.off[0] * es, es);
  return WICK_OK;
}
