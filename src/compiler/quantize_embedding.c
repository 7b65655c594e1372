/* Embedding tables to int8 (part of --quantize int8-dynamic): every
 * aten::embedding.out whose weight is a float32 constant [V, D] becomes
 * quantized_decomposed::embedding_byte.out over an int8 copy with one
 * symmetric scale per row (scale = max|row| / 127, zero points None,
 * quant range -127..127). Other users of the float table (a tied output
 * projection, say) keep the float constant. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ir.h"
#include "compiler/quant.h"

void wc_quantize_rows_int8(const float *src, int64_t rows, int64_t cols, int8_t *q,
                           float *scale) {
  for (int64_t r = 0; r < rows; r++) {
    const float *row = src + r * cols;
    float mx = 0.0f;
    for (int64_t k = 0; k < cols; k++) mx = fabsf(row[k]) > mx ? fabsf(row[k]) : mx;
    float s = mx > 0.0f && isfinite(mx) ? mx / 127.0f : 1.0f;
    scale[r] = s;
    for (int64_t k = 0; k < cols; k++) {
      float v = nearbyintf(row[k] / s);
      q[r * cols + k] = (int8_t)(v > 127.f ? 127.f : v < -127.f ? -127.f : v);
    }
  }
}

uint32_t wc_quantize_embeddings(wc_graph *g, uint64_t *fp32_bytes, uint64_t *int8_bytes) {
  uint32_t count = 0;
  for (uint32_t ni = 0; ni < g->num_nodes; ni++) {
    wc_node *n = &g->nodes[ni];
    if (n->dead || strcmp(n->op, "aten::embedding.out") != 0 || n->nargs != 6) continue;
    wc_value *w = wc_val(g, n->args[0]);
    if (w->kind != WICK_VAL_TENSOR || w->data == NULL || w->dtype != WICK_F32 || w->rank != 2 ||
        w->dims[0] < 1 || w->dims[1] < 1)
      continue;
    int64_t V = w->dims[0], D = w->dims[1];
    int8_t *q = wc_alloc((size_t)(V * D));
    float *sc = wc_alloc((size_t)V * sizeof(float));
    wc_quantize_rows_int8(w->data, V, D, q, sc);
    int32_t indices = n->args[1], out = n->args[5];
    int32_t wq = wc_const_tensor_owned(g, WICK_I8, 2, (const int64_t[]){V, D}, q);
    int32_t ws = wc_const_tensor_owned(g, WICK_F32, 1, (const int64_t[]){V}, sc);
    int32_t args[7] = {wq, ws, wc_none(g), wc_int(g, -127), wc_int(g, 127), indices, out};
    n = &g->nodes[ni]; /* values may have moved; nodes did not, but re-fetch anyway */
    int32_t *na = realloc(n->args, sizeof args);
    if (na == NULL) continue;
    memcpy(na, args, sizeof args);
    n->args = na;
    n->nargs = 7;
    n->nouts = 1;
    n->op = "quantized_decomposed::embedding_byte.out";
    count++;
    if (fp32_bytes) *fp32_bytes += (uint64_t)(V * D) * 4;
    if (int8_bytes) *int8_bytes += (uint64_t)(V * D) + (uint64_t)V * 4;
  }
  return count;
}
