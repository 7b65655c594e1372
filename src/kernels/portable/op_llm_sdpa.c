/* wick::sdpa_with_kv_cache.out(Tensor q, Tensor k, Tensor v, Tensor(a!) k_cache,
 *     Tensor(b!) v_cache, Tensor input_pos, int n_heads, int n_kv_heads, *,
 *     Tensor(c!) out)                                                   "TTTTTTiiT"
 *
 *   Causal scaled dot-product attention over a KV cache (one sequence).
 *   q [T, n_heads*hs] (or [T, n_heads, hs]); k, v [T, n_kv_heads*hs] (or
 *   [T, n_kv_heads, hs]); k_cache, v_cache [S, n_kv_heads*hs] (or
 *   [S, n_kv_heads, hs]), updated in place: with p0 = input_pos[0], rows
 *   p0..p0+T-1 of the caches receive k and v (p0 + T <= S). Then query row t
 *   (position p = p0 + t) of head h attends to cache rows 0..p of kv head
 *   h / (n_heads / n_kv_heads):
 *     s_u = (q_h . k_u) / sqrt(hs),  a = softmax(s_0..s_p),  out_h = sum_u a_u v_u
 *   in float, sums in index order (llama2.c). out [T, n_heads*hs] (q's shape).
 *   Scratch: S floats (the scores of one head).
 */
#include <math.h>
#include <string.h>

#include "kernels/portable/ops_llm.h"
#include "kernels/portable/util.h"

size_t wick_op_llm_sdpa_scratch(wick_value **args, uint32_t nargs) {
  if (nargs != 9 || args[3]->kind != WICK_VAL_TENSOR) return 0;
  const wick_tensor *kc = args[3]->u.t;
  if (kc->dim < 1 || kc->sizes[0] <= 0) return 0;
  return (size_t)kc->sizes[0] * sizeof(float);
}

/* Elements per row of t (all dims after the first); 0 for rank 0. */
static int64_t row_width(const wick_tensor *t) {
  if (t->dim < 1) return 0;
  int64_t w = 1;
  for (int i = 1; i < t->dim; i++) w *= t->sizes[i];
  return w;
}

WK_LLM_KERNEL(wick_op_llm_sdpa_with_kv_cache_out) {
  if (nargs != 9) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "expected 9 arguments, got %u", nargs);
  const wick_tensor *q = args[0]->u.t, *k = args[1]->u.t, *v = args[2]->u.t;
  wick_tensor *kc = args[3]->u.t, *vc = args[4]->u.t;
  const wick_tensor *pos_t = args[5]->u.t;
  int64_t nh = args[6]->u.i, nkv = args[7]->u.i;
  wick_tensor *out = args[8]->u.t;
  char b1[96], b2[96];
  wick_status s;
  if ((s = wk_llm_check_f32(ctx, "q", q)) || (s = wk_llm_check_f32(ctx, "k", k)) ||
      (s = wk_llm_check_f32(ctx, "v", v)) || (s = wk_llm_check_f32(ctx, "k_cache", kc)) ||
      (s = wk_llm_check_f32(ctx, "v_cache", vc)) || (s = wk_llm_check_f32(ctx, "out", out)))
    return s;
  if (kc->is_const || vc->is_const)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "the caches must be writable (planned) tensors");
  int64_t p0;
  if ((s = wk_llm_read_pos(ctx, pos_t, &p0))) return s;
  if (nh <= 0 || nkv <= 0 || nh > 65536 || nh % nkv != 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "n_heads %lld must be a positive multiple of n_kv_heads %lld",
                            (long long)nh, (long long)nkv);
  if (q->dim < 2 || k->dim != q->dim || v->dim != q->dim || kc->dim != q->dim ||
      vc->dim != q->dim)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "q %s, k, v and the caches must all be [rows, heads*head_size] or "
                            "[rows, heads, head_size]",
                            wk_desc(q, b1));
  int64_t T = q->sizes[0], qw = row_width(q), kvw = row_width(kc);
  if (qw % nh != 0)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "q %s does not split into %lld heads",
                            wk_desc(q, b1), (long long)nh);
  int64_t hs = qw / nh;
  if (hs <= 0 || kvw != nkv * hs || !wk_same_sizes(kc, vc) || !wk_same_sizes(k, v) ||
      k->sizes[0] != T || row_width(k) != kvw)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "k %s / v / caches %s do not hold %lld kv heads of %lld for q %s",
                            wk_desc(k, b1), wk_desc(kc, b2), (long long)nkv, (long long)hs,
                            wk_desc(q, b1));
  int64_t S = kc->sizes[0];
  if (p0 + T > S)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "positions %lld..%lld do not fit the cache of %lld positions",
                            (long long)p0, (long long)(p0 + T - 1), (long long)S);
  if (ctx->scratch == NULL || ctx->scratch_size < (size_t)S * sizeof(float))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "needs %zu bytes of scratch memory",
                            (size_t)S * sizeof(float));
  int64_t sizes[WICK_MAX_DIM];
  for (int i = 0; i < q->dim; i++) sizes[i] = q->sizes[i];
  if ((s = wk_resize_out(ctx, out, q->dim, sizes))) return s;
  if (T == 0) return WICK_OK;

  /* 1. the new keys and values go into the caches */
  float *kcd = kc->data, *vcd = vc->data;
  memcpy(kcd + p0 * kvw, k->data, (size_t)(T * kvw) * sizeof(float));
  memcpy(vcd + p0 * kvw, v->data, (size_t)(T * kvw) * sizeof(float));

  /* 2. attention, one (row, head) at a time */
  float *att = ctx->scratch;
  const float scale = sqrtf((float)hs);
  const int64_t group = nh / nkv;
  const float *qd = q->data;
  float *od = out->data;
  for (int64_t t = 0; t < T; t++) {
    int64_t p = p0 + t;
    for (int64_t h = 0; h < nh; h++) {
      const float *qh = qd + t * qw + h * hs;
      int64_t koff = (h / group) * hs;
      /* scores: i outside, u inside, so the p+1 sums advance independently
       * (each still adds its products in i order) */
      const float *kbase = kcd + koff;
      for (int64_t u = 0; u <= p; u++) att[u] = 0.0f;
      for (int64_t i = 0; i < hs; i++) {
        const float qi = qh[i];
        const float *ki = kbase + i;
        for (int64_t u = 0; u <= p; u++) att[u] += qi * ki[u * kvw];
      }
      float mx = -INFINITY;
      for (int64_t u = 0; u <= p; u++) {
        float sc = att[u] / scale;
        att[u] = sc;
        if (sc > mx) mx = sc;
      }
      float sum = 0.0f;
      for (int64_t u = 0; u <= p; u++) {
        att[u] = expf(att[u] - mx);
        sum += att[u];
      }
      for (int64_t u = 0; u <= p; u++) att[u] /= sum;
      /* q row t head h is read completely above, so out may alias q */
      float *oh = od + t * qw + h * hs;
      for (int64_t i = 0; i < hs; i++) oh[i] = 0.0f;
      for (int64_t u = 0; u <= p; u++) {
        const float *vu = vcd + u * kvw + koff;
        float a = att[u];
        for (int64_t i = 0; i < hs; i++) oh[i] += a * vu[i];
      }
    }
  }
  return WICK_OK;
}
