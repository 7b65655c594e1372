/* wick::rope.out(Tensor x, Tensor input_pos, int head_size, float theta, *,
 *                Tensor(a!) out)                                             "TTidT"
 *
 *   Rotary position embedding with llama2.c's layout: consecutive pairs.
 *   x is [T, C] or [T, heads, head_size] (C a multiple of head_size, which is
 *   even); row t sits at position p = input_pos[0] + t. For each pair
 *   (x[j], x[j+1]), j even, with d = j mod head_size:
 *     f = 1 / theta^(d / head_size),  a = p * f
 *     out[j]   = x[j] * cos(a) - x[j+1] * sin(a)
 *     out[j+1] = x[j] * sin(a) + x[j+1] * cos(a)
 *   in float arithmetic like llama2.c. out gets x's shape; out may alias x.
 */
#include <math.h>

#include "kernels/portable/ops_llm.h"
#include "kernels/portable/util.h"

WK_LLM_KERNEL(wick_op_llm_rope_out) {
  if (nargs != 5) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 5 arguments, got %u", nargs);
  const wick_tensor *x = args[0]->u.t, *pos_t = args[1]->u.t;
  int64_t hs = args[2]->u.i;
  double theta = args[3]->u.d;
  wick_tensor *out = args[4]->u.t;
  char b1[96];
  wick_status s;
  if ((s = wk_llm_check_f32(ctx, "x", x)) || (s = wk_llm_check_f32(ctx, "out", out))) return s;
  int64_t p0;
  if ((s = wk_llm_read_pos(ctx, pos_t, &p0))) return s;
  if (x->dim != 2 && x->dim != 3)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "x %s must be [T, C] or [T, heads, head_size]",
                            wk_desc(x, b1));
  if (hs <= 0 || hs % 2 != 0 || hs > INT32_MAX)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "head_size %lld must be positive and even",
                            (long long)hs);
  int64_t row = x->dim == 2 ? x->sizes[1] : (int64_t)x->sizes[1] * x->sizes[2];
  if ((x->dim == 3 && x->sizes[2] != hs) || row % hs != 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "x %s does not split into heads of %lld",
                            wk_desc(x, b1), (long long)hs);
  if (!(theta > 0) || !isfinite(theta))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "theta %g must be positive", theta);
  int64_t sizes[WICK_MAX_DIM];
  for (int i = 0; i < x->dim; i++) sizes[i] = x->sizes[i];
  if ((s = wk_resize_out(ctx, out, x->dim, sizes))) return s;

  int64_t T = x->sizes[0];
  const float ft = (float)theta;
  const float fhs = (float)hs;
  for (int64_t t = 0; t < T; t++) {
    const float *xr = (const float *)x->data + t * row;
    float *yr = (float *)out->data + t * row;
    float p = (float)(p0 + t);
    for (int64_t d = 0; d < hs; d += 2) {
      float f = 1.0f / powf(ft, (float)d / fhs);
      float a = p * f;
      float c = cosf(a), sn = sinf(a);
      for (int64_t j = d; j < row; j += hs) {
        float v0 = xr[j], v1 = xr[j + 1];
        yr[j] = v0 * c - v1 * sn;
        yr[j + 1] = v0 * sn + v1 * c;
      }
    }
  }
  return WICK_OK;
}
