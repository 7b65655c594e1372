/* The per-plane loop of depthwise convolution, shared by the portable build
 * (op_conv.c) and the AVX2 / AVX-512 builds (sgemm_avx2.c, sgemm_avx512.c),
 * which inline it into functions compiled for their instruction set so that
 * the compiler vectorizes it with wider registers.
 *
 * One channel plane: y = bias + sum over taps (ky, kx) of w[ky,kx] * x
 * shifted. Each tap adds w * (an input row) into an output row, over the
 * output columns whose input column lies inside the input (worked out once
 * per row and tap, so the inner loop has no bounds checks).
 */
#ifndef WICK_KERNELS_OPTIMIZED_DEPTHWISE_H
#define WICK_KERNELS_OPTIMIZED_DEPTHWISE_H

#include "kernels/optimized/opt.h"

static inline __attribute__((always_inline)) void wko_depthwise_plane_body(
    const wko_im2col *p, const float *x, const float *w, float bias, float *restrict y) {
  for (int64_t oy = 0; oy < p->oh; oy++) {
    float *restrict yrow = y + oy * p->ow;
    for (int64_t ox = 0; ox < p->ow; ox++) yrow[ox] = bias;
    for (int64_t ky = 0; ky < p->kh; ky++) {
      int64_t iy = oy * p->sh - p->ph + ky * p->dh;
      if (iy < 0 || iy >= p->ih) continue;
      const float *restrict xrow = x + iy * p->iw;
      for (int64_t kx = 0; kx < p->kw; kx++) {
        const float wv = w[ky * p->kw + kx];
        const int64_t off = kx * p->dw - p->pw; /* ix = ox * sw + off */
        int64_t lo = off >= 0 ? 0 : (-off + p->sw - 1) / p->sw;
        int64_t hi = p->iw - 1 - off < 0 ? -1 : (p->iw - 1 - off) / p->sw;
        if (hi > p->ow - 1) hi = p->ow - 1;
        if (lo > hi) continue;
        const float *restrict xs = xrow + (lo * p->sw + off); /* column lo */
        float *restrict ys = yrow + lo;
        const int64_t len = hi - lo + 1;
        if (p->sw == 1)
          for (int64_t i = 0; i < len; i++) ys[i] += wv * xs[i];
        else if (p->sw == 2)
          for (int64_t i = 0; i < len; i++) ys[i] += wv * xs[2 * i];
        else
          for (int64_t i = 0; i < len; i++) ys[i] += wv * xs[i * p->sw];
      }
    }
  }
}

#endif
