/* wick::linear_dq8.out: the portable reference kernel (docs/OPS.md).
 *
 *   wick::linear_dq8.out(Tensor input, Tensor weight, Tensor weight_scale,
 *                        Tensor weight_sum, Tensor? bias, *, Tensor(a!) out)
 *
 * input float32 [..., K]; weight int8 in the VNNI-blocked layout
 * [ceil(N/16), ceil(K/4), 16, 4] (linear_dq8.h); weight_scale float32 [N];
 * weight_sum int32 [N] = sum_k W[n][k]; bias float32 [N] or None; out
 * float32 [..., N]. Per row of the input: the row's range [min(0, min x),
 * max(0, max x)] gives an asymmetric 8-bit quantization u = clamp(nearbyint(
 * x / s) + z, 0, 255), then
 *   acc = sum_k u_k * W[n][k]                          (exact int32)
 *   y   = float(acc - z * weight_sum[n]) * (s * weight_scale[n]) + bias[n]
 *
 * Needs no scratch memory: rows are quantized into a 1 KiB stack buffer, in
 * 1024-value chunks when K is larger (the chunk is then re-quantized for each
 * block of 16 outputs; integer sums do not depend on the order).
 */
#include <string.h>

#include "kernels/portable/ops_quant.h"
#include "kernels/quantized/linear_dq8.h"

#define CHUNK 1024 /* multiple of WQ_DQ8_KB */

static wick_status check_vec(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t, int dt,
                             int64_t n) {
  char b[96];
  if (t->dtype != dt || (int64_t)wk_numel(t) != n || !wk_is_contig(t))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s %s must be %lld contiguous %s values", what,
                            wk_desc(t, b), (long long)n, wk_dtype_name(dt));
  return WICK_OK;
}

wick_status wq_dq8_prepare(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs, wq_dq8 *a) {
  (void)nargs;
  const wick_tensor *in = args[0]->u.t, *w = args[1]->u.t, *ws = args[2]->u.t, *wsum = args[3]->u.t;
  const wick_tensor *bias = wq_arg_opt_t(args[4]);
  wick_tensor *out = args[5]->u.t;
  char b1[96], b2[96];
  wick_status s;
  if ((s = wq_check_dtype(ctx, "input", in, WICK_F32)) ||
      (s = wq_check_dtype(ctx, "weight", w, WICK_I8)) ||
      (s = wq_check_dtype(ctx, "out", out, WICK_F32)))
    return s;
  if (in->dim < 1 || !wk_is_contig(in))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "input %s must be contiguous with at least 1 dim",
                            wk_desc(in, b1));
  int64_t k = in->sizes[in->dim - 1], n = (int64_t)wk_numel(ws);
  if (k < 1 || k > WQ_DQ8_MAX_K)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "input %s: K must be in [1, %d]",
                            wk_desc(in, b1), WQ_DQ8_MAX_K);
  if (n < 1 || n > INT32_MAX)
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "weight_scale %s must hold N >= 1 values",
                            wk_desc(ws, b1));
  int64_t kq = (k + WQ_DQ8_KB - 1) / WQ_DQ8_KB, nblk = (n + WQ_DQ8_NB - 1) / WQ_DQ8_NB;
  if (w->dim != 4 || w->sizes[0] != nblk || w->sizes[1] != kq || w->sizes[2] != WQ_DQ8_NB ||
      w->sizes[3] != WQ_DQ8_KB || !wk_is_contig(w))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "weight %s must be the blocked int8 [%lld, %lld, 16, 4] for input %s "
                            "and %lld outputs",
                            wk_desc(w, b1), (long long)nblk, (long long)kq, wk_desc(in, b2),
                            (long long)n);
  if ((s = check_vec(ctx, "weight_scale", ws, WICK_F32, n)) ||
      (s = check_vec(ctx, "weight_sum", wsum, WICK_I32, n)) ||
      (bias && (s = check_vec(ctx, "bias", bias, WICK_F32, n))))
    return s;
  int64_t sizes[WICK_MAX_DIM];
  for (int d = 0; d + 1 < in->dim; d++) sizes[d] = in->sizes[d];
  sizes[in->dim - 1] = n;
  if ((s = wq_resize(ctx, out, in->dim, sizes))) return s;
  if (!wk_is_contig(out))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out %s must be contiguous", wk_desc(out, b1));
  a->x = in->data;
  a->w = w->data;
  a->wscale = ws->data;
  a->wsum = wsum->data;
  a->bias = bias ? bias->data : NULL;
  a->y = out->data;
  a->rows = (int64_t)(wk_numel(in) / (size_t)k);
  a->k = k;
  a->n = n;
  a->kq = kq;
  a->nblk = nblk;
  return WICK_OK;
}

wq_dq8_row wq_dq8_scan_row(const float *x, int64_t k) {
  float mn = 0.0f, mx = 0.0f;
  bool nonfinite = false;
  for (int64_t i = 0; i < k; i++) {
    float v = x[i];
    if (!(v - v == 0.0f)) nonfinite = true; /* NaN or +-inf */
    else if (v < mn) mn = v;
    else if (v > mx) mx = v;
  }
  return wq_dq8_row_params(mn, mx, nonfinite);
}

void wq_dq8_run_portable(const wq_dq8 *a, int64_t r0, int64_t r1) {
  uint8_t u[CHUNK];
  const int64_t nchunks = (a->k + CHUNK - 1) / CHUNK;
  for (int64_t r = r0; r < r1; r++) {
    const float *x = a->x + r * a->k;
    float *y = a->y + r * a->n;
    wq_dq8_row rp = wq_dq8_scan_row(x, a->k);
    if (rp.bad) {
      for (int64_t o = 0; o < a->n; o++) y[o] = NAN;
      continue;
    }
    for (int64_t nb = 0; nb < a->nblk; nb++) {
      int32_t acc[WQ_DQ8_NB];
      memset(acc, 0, sizeof acc);
      for (int64_t c = 0; c < nchunks; c++) {
        int64_t k0 = c * CHUNK, k1 = k0 + CHUNK < a->k ? k0 + CHUNK : a->k;
        if (nchunks > 1 || nb == 0)
          for (int64_t i = k0; i < k1; i++) u[i - k0] = wq_dq8_quant(x[i], &rp);
        /* group q of block nb: 16 outputs x 4 consecutive k */
        for (int64_t i = k0; i < k1; i++) {
          const int8_t *g = a->w + (nb * a->kq + i / WQ_DQ8_KB) * (WQ_DQ8_NB * WQ_DQ8_KB) +
                            i % WQ_DQ8_KB;
          int32_t ui = u[i - k0];
          for (int j = 0; j < WQ_DQ8_NB; j++) acc[j] += ui * g[j * WQ_DQ8_KB];
        }
      }
      int64_t jn = a->n - nb * WQ_DQ8_NB < WQ_DQ8_NB ? a->n - nb * WQ_DQ8_NB : WQ_DQ8_NB;
      for (int64_t j = 0; j < jn; j++) {
        int64_t o = nb * WQ_DQ8_NB + j;
        y[o] = wq_dq8_epilogue(acc[j], &rp, a->wsum[o], a->wscale[o], a->bias ? &a->bias[o] : NULL);
      }
    }
  }
}

WK_QUANT_KERNEL(wick_op_wick_linear_dq8_out) {
  wq_dq8 a;
  wick_status s = wq_dq8_prepare(ctx, args, nargs, &a);
  if (s) return s;
  wq_dq8_run_portable(&a, 0, a.rows);
  return WICK_OK;
}
