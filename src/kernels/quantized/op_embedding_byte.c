/* quantized_decomposed::embedding_byte.out(Tensor weight, Tensor weight_scales,
 *     Tensor? weight_zero_points, int weight_quant_min, int weight_quant_max,
 *     Tensor indices, *, Tensor(a!) out)                              "TTtiiTT"
 *
 * ExecuTorch's 8-bit embedding table (exir/passes/_quant_patterns_and_replacements.py):
 *   weight int8 or uint8 [V, D]; weight_scales float32 [V] (one scale per row)
 *   or [V, G] (G groups of D / G columns); weight_zero_points (optional, same
 *   shape and dtype as the scales; absent = 0).
 *   out[i.., d] = (weight[r, d] - zp[r, g]) * scale[r, g],  r = indices[i..],
 *   g = d / (D / G), computed in float32 -> out float32 [*indices.shape, D].
 * quant_min / quant_max only describe the stored range (not checked per element).
 */
#include <math.h>

#include "kernels/portable/ops_quant.h"
#include "kernels/portable/util.h"

WK_QUANT_KERNEL(wick_op_q_embedding_byte_out) {
  if (nargs != 7) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 7 arguments, got %u", nargs);
  const wick_tensor *w = args[0]->u.t, *sc = args[1]->u.t;
  const wick_tensor *zp = args[2]->kind == WICK_VAL_TENSOR ? args[2]->u.t : NULL;
  const wick_tensor *idx = args[5]->u.t;
  wick_tensor *out = args[6]->u.t;
  char b1[96], b2[96];
  wick_status s;
  if (w->dtype != WICK_I8 && w->dtype != WICK_U8)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "weight %s must be int8 or uint8", wk_desc(w, b1));
  if (w->dim != 2 || !wick_tensor_is_contiguous(w))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "weight %s must be a contiguous 2-D tensor",
                            wk_desc(w, b1));
  if (sc->dtype != WICK_F32 || (sc->dim != 1 && sc->dim != 2) || sc->sizes[0] != w->sizes[0] ||
      !wick_tensor_is_contiguous(sc))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "weight_scales %s must be float32 [V] or [V, G] for weight %s",
                            wk_desc(sc, b1), wk_desc(w, b2));
  int64_t V = w->sizes[0], D = w->sizes[1];
  int64_t G = sc->dim == 2 ? sc->sizes[1] : 1;
  if (G < 1 || D % G != 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "weight_scales %s: %lld groups do not divide %lld columns",
                            wk_desc(sc, b1), (long long)G, (long long)D);
  if (zp != NULL && (zp->dtype != WICK_F32 || wick_tensor_numel(zp) != (size_t)(V * G) ||
                     !wick_tensor_is_contiguous(zp)))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "weight_zero_points %s must be float32 with one value per scale",
                            wk_desc(zp, b1));
  if (idx->dtype != WICK_I32 && idx->dtype != WICK_I64)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "indices %s must be int32 or int64",
                            wk_desc(idx, b1));
  if (out->dtype != WICK_F32)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out %s must be float32", wk_desc(out, b1));
  if (idx->dim + 1 > WICK_MAX_DIM)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "indices %s has too many dimensions", wk_desc(idx, b1));
  int64_t sizes[WICK_MAX_DIM];
  for (int k = 0; k < idx->dim; k++) sizes[k] = idx->sizes[k];
  sizes[idx->dim] = D;
  if ((s = wk_resize_out(ctx, out, idx->dim + 1, sizes))) return s;
  if (!wick_tensor_is_contiguous(out) || !wick_tensor_is_contiguous(idx))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "indices and out must be contiguous");
  size_t n = wick_tensor_numel(idx);
  int64_t gs = D / G;
  const float *scale = sc->data, *zpp = zp ? (const float *)zp->data : NULL;
  float *o = out->data;
  for (size_t i = 0; i < n; i++) {
    int64_t r = idx->dtype == WICK_I64 ? ((const int64_t *)idx->data)[i]
                                       : (int64_t)((const int32_t *)idx->data)[i];
    if (r < 0 || r >= V)
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "index %lld is out of range for weight %s",
                              (long long)r, wk_desc(w, b1));
    float *orow = o + i * (size_t)D;
    for (int64_t g = 0; g < G; g++) {
      float sv = scale[r * G + g], zv = zpp ? zpp[r * G + g] : 0.0f;
      if (w->dtype == WICK_I8) {
        const int8_t *q = (const int8_t *)w->data + r * D + g * gs;
        for (int64_t k = 0; k < gs; k++) orow[g * gs + k] = ((float)q[k] - zv) * sv;
      } else {
        const uint8_t *q = (const uint8_t *)w->data + r * D + g * gs;
        for (int64_t k = 0; k < gs; k++) orow[g * gs + k] = ((float)q[k] - zv) * sv;
      }
    }
  }
  return WICK_OK;
}
