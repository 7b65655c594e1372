/* aten::max_pool2d_with_indices.out for float32: the portable kernel's
 * window walk (same NaN, tie and index rules: a NaN is always taken, ties
 * keep the first position, a window's index starts at its first in-bounds
 * position) in float instead of double, split over channel planes on the
 * thread pool. Other dtypes and every error go to the portable kernel; the
 * shared setup (wk_nn_pool2d_setup) checks the arguments and resizes. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kernels/optimized/opt.h"
#include "kernels/portable/nn_util.h"
#include "kernels/portable/ops_nn.h"

typedef struct maxpool_job {
  const wk_pool2d *g;
  const float *x;
  float *y;
  int64_t *ind;
} maxpool_job;

static void maxpool_planes(void *ctx, size_t begin, size_t end) {
  const maxpool_job *job = ctx;
  const wk_pool2d *g = job->g;
  const int64_t iplane = g->ih * g->iw, oplane = g->oh * g->ow;
  for (size_t p = begin; p < end; p++) {
    const float *x = job->x + (int64_t)p * iplane;
    float *y = job->y + (int64_t)p * oplane;
    int64_t *ind = job->ind + (int64_t)p * oplane;
    for (int64_t oh = 0; oh < g->oh; oh++) {
      int64_t h0 = oh * g->sh - g->ph;
      int64_t h1 = h0 + (g->kh - 1) * g->dh + 1;
      if (h1 > g->ih) h1 = g->ih;
      while (h0 < 0) h0 += g->dh;
      for (int64_t ow = 0; ow < g->ow; ow++) {
        int64_t w0 = ow * g->sw - g->pw;
        int64_t w1 = w0 + (g->kw - 1) * g->dw + 1;
        if (w1 > g->iw) w1 = g->iw;
        while (w0 < 0) w0 += g->dw;
        int64_t best = h0 * g->iw + w0;
        float bf = -INFINITY;
        for (int64_t h = h0; h < h1; h += g->dh) {
          const float *row = x + h * g->iw;
          for (int64_t w = w0; w < w1; w += g->dw) {
            /* branch-free select (after ReLU, "v > best" is a coin toss,
             * and compilers keep a branch for a float ?:) */
            float v = row[w];
            uint32_t take = (uint32_t)(v > bf) | (uint32_t)(v != v);
            uint32_t vb, bb, mask = 0u - take;
            memcpy(&vb, &v, 4);
            memcpy(&bb, &bf, 4);
            bb = (vb & mask) | (bb & ~mask);
            memcpy(&bf, &bb, 4);
            best += (h * g->iw + w - best) & -(int64_t)take;
          }
        }
        y[oh * g->ow + ow] = bf;
        ind[oh * g->ow + ow] = best;
      }
    }
  }
}

WKO_KERNEL(wko_max_pool2d_with_indices_out) {
  if (nargs != 8 || args[0]->kind != WICK_VAL_TENSOR || args[5]->kind != WICK_VAL_BOOL ||
      args[6]->kind != WICK_VAL_TENSOR || args[7]->kind != WICK_VAL_TENSOR)
    return wick_op_max_pool2d_with_indices_out(ctx, args, nargs);
  const wick_tensor *self = args[0]->u.t;
  wick_tensor *out = args[6]->u.t, *indices = args[7]->u.t;
  if (self->dtype != WICK_F32 || out->dtype != WICK_F32 || indices->dtype != WICK_I64)
    return wick_op_max_pool2d_with_indices_out(ctx, args, nargs);
  wk_pool2d g;
  wick_status s = wk_nn_pool2d_setup(ctx, self, args[1], args[2], args[3], args[4], args[5]->u.b,
                                     out, indices, &g);
  if (s) return s;
  maxpool_job job = {&g, self->data, out->data, indices->data};
  bool par = g.planes * g.oh * g.ow * g.kh * g.kw >= (1 << 16);
  wick_parallel_for(par ? ctx->pool : NULL, (size_t)g.planes, maxpool_planes, &job);
  return WICK_OK;
}
