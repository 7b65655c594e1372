/* wick — LLM kernels (wick:: namespace): prototypes and shared checks.
 *
 * Operators (signature strings as in include/wick/kernel.h; float32 only,
 * row-major tensors; no allocation; documented in each op_llm_*.c):
 *
 *   wick::rms_norm.out(Tensor x, Tensor weight, float eps, *, Tensor(a!) out)     "TTdT"
 *       out[r, :] = weight * (x[r, :] / sqrt(mean(x[r, :]^2) + eps))   (llama2.c rmsnorm)
 *       x [..., D], weight [D]; out takes x's shape.
 *   wick::rope.out(Tensor x, Tensor input_pos, int head_size, float theta, *,
 *                  Tensor(a!) out)                                                "TTidT"
 *       rotary embedding, llama2.c's interleaved pairs: row t of x ([T, C] or
 *       [T, heads, head_size]) is at position input_pos[0] + t; each pair
 *       (x[2i], x[2i+1]) of every head turns by pos * theta^(-2i/head_size).
 *       out may be x itself.
 *   wick::sdpa_with_kv_cache.out(Tensor q, Tensor k, Tensor v, Tensor(a!) k_cache,
 *                  Tensor(b!) v_cache, Tensor input_pos, int n_heads, int n_kv_heads,
 *                  *, Tensor(c!) out)                                             "TTTTTTiiT"
 *       q [T, n_heads*hs], k/v [T, n_kv_heads*hs], caches [S, n_kv_heads*hs].
 *       Writes k/v rows into the caches at positions p0..p0+T-1 (p0 = input_pos[0]),
 *       then causal attention: query row t (position p0+t) attends to cache rows
 *       0..p0+t; query head h reads kv head h / (n_heads / n_kv_heads) (GQA);
 *       scores scaled by 1/sqrt(hs). out [T, n_heads*hs]. Scratch: S floats.
 *   wick::swiglu.out(Tensor a, Tensor b, *, Tensor(a!) out)                       "TTT"
 *       out = silu(a) * b = a * sigmoid(a) * b, same shapes; out may alias a or b.
 */
#ifndef WICK_KERNELS_PORTABLE_OPS_LLM_H
#define WICK_KERNELS_PORTABLE_OPS_LLM_H

#include <stdbool.h>
#include <stdint.h>

#include "wick/kernel.h"

#define WK_LLM_KERNEL(name) \
  wick_status name(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs)

WK_LLM_KERNEL(wick_op_llm_rms_norm_out);
WK_LLM_KERNEL(wick_op_llm_rope_out);
WK_LLM_KERNEL(wick_op_llm_sdpa_with_kv_cache_out);
WK_LLM_KERNEL(wick_op_llm_swiglu_out);
size_t wick_op_llm_sdpa_scratch(wick_value **args, uint32_t nargs);

/* ---- shared checks (op_llm_util.c) ---- */

/* Fails unless t is float32 and row-major: "<what> float32[..] must be a
 * row-major float32 tensor". */
wick_status wk_llm_check_f32(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t);
/* Reads input_pos[0] (int64 or int32 tensor with at least one element) into
 * *pos; fails for other dtypes, empty tensors and negative positions. */
wick_status wk_llm_read_pos(wick_kernel_ctx *ctx, const wick_tensor *t, int64_t *pos);

#endif
