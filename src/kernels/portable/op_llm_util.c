/* Checks shared by the LLM kernels (ops_llm.h). */
#include <string.h>

#include "kernels/portable/ops_llm.h"
#include "kernels/portable/util.h"

wick_status wk_llm_check_f32(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t) {
  char b[96];
  if (t->dtype != WICK_F32 || !wk_is_contig(t))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s %s must be a row-major float32 tensor", what,
                            wk_desc(t, b));
  if (t->data == NULL && wk_numel(t) > 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s has no data", what);
  return WICK_OK;
}

wick_status wk_llm_read_pos(wick_kernel_ctx *ctx, const wick_tensor *t, int64_t *pos) {
  char b[96];
  if ((t->dtype != WICK_I64 && t->dtype != WICK_I32) || wk_numel(t) < 1 || t->data == NULL)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "input_pos %s must be an int64 or int32 tensor with one element",
                            wk_desc(t, b));
  int64_t p;
  if (t->dtype == WICK_I64) {
    memcpy(&p, t->data, sizeof p);
  } else {
    int32_t q;
    memcpy(&q, t->data, sizeof q);
    p = q;
  }
  if (p < 0 || p > INT32_MAX)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "input_pos %lld is out of range", (long long)p);
  *pos = p;
  return WICK_OK;
}
