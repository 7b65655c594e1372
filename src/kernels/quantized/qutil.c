/* Argument checks shared by the quantization kernels. */
#include "kernels/quantized/qmath.h"

wick_status wq_check_dtype(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t, int dt) {
  if (t->dtype == dt) return WICK_OK;
  char b[96];
  return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s %s must be %s", what, wk_desc(t, b),
                          wk_dtype_name(dt));
}

wick_status wq_check_range(wick_kernel_ctx *ctx, const char *what, int64_t v, int64_t lo,
                           int64_t hi) {
  if (v >= lo && v <= hi) return WICK_OK;
  return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s %lld is outside [%lld, %lld]", what,
                          (long long)v, (long long)lo, (long long)hi);
}

wick_status wq_resize(wick_kernel_ctx *ctx, wick_tensor *out, int dim, const int64_t *sizes) {
  return wk_resize_out(ctx, out, dim, sizes);
}

int64_t wq_ld_int(const wick_tensor *t, size_t i) {
  return wk_ld_i(t->data, t->dtype, (int64_t)i);
}
