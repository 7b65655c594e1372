/* The shared loop of sum and mean over a set of dims.
 *
 * The kept dims of self form the outer walk (one out element each), the
 * reduced dims the inner walk. self [a,b,c] summed over {1}, keepdim=false:
 * out [a,c], out[i,k] = sum_j self[i,j,k].
 */
#include "kernels/portable/util.h"

/* The hot case: float32 self and out, both row-major, reducing a trailing
 * run of dims (all of them included): out[o] is the sum of the contiguous
 * chunk self[o * inner .. o * inner + inner), added in the generic walk's
 * order. False when it does not apply. */
static bool reduce_f32_suffix(const wick_tensor *self, const bool mask[WICK_MAX_DIM],
                              wick_tensor *out, bool mean) {
  if (self->dtype != WICK_F32 || out->dtype != WICK_F32 || !wk_is_contig(self) ||
      !wk_is_contig(out))
    return false;
  size_t outer = 1, inner = 1;
  int d = 0;
  for (; d < self->dim && !mask[d]; d++) outer *= (size_t)self->sizes[d];
  for (; d < self->dim; d++) {
    if (!mask[d]) return false;
    inner *= (size_t)self->sizes[d];
  }
  const float *x = self->data;
  float *y = out->data;
  for (size_t o = 0; o < outer; o++, x += inner) {
    double acc = 0;
    for (size_t r = 0; r < inner; r++) acc += x[r];
    if (mean) acc /= (double)inner;
    y[o] = wk_d2f(acc);
  }
  return true;
}

void wk_reduce_sum(const wick_tensor *self, const bool mask[WICK_MAX_DIM], bool keepdim,
                   wick_tensor *out, bool mean) {
  if (reduce_f32_suffix(self, mask, out, mean)) return;
  /* outer walk: (out offset, self offset) over the kept dims */
  int32_t keep_size[WICK_MAX_DIM], red_size[WICK_MAX_DIM];
  int64_t keep_st[2][WICK_MAX_DIM], red_st[1][WICK_MAX_DIM];
  int nkeep = 0, nred = 0, od = 0;
  for (int d = 0; d < self->dim; d++) {
    if (mask[d]) {
      red_size[nred] = self->sizes[d];
      red_st[0][nred++] = self->strides[d];
      if (keepdim) od++;
    } else {
      keep_size[nkeep] = self->sizes[d];
      keep_st[0][nkeep] = out->strides[od++];
      keep_st[1][nkeep++] = self->strides[d];
    }
  }
  wk_iter outer, inner0;
  wk_iter_init(&outer, nkeep, keep_size, 2, (const int64_t(*)[WICK_MAX_DIM])keep_st);
  wk_iter_init(&inner0, nred, red_size, 1, (const int64_t(*)[WICK_MAX_DIM])red_st);
  int64_t count = inner0.numel;

  const void *x = self->data;
  void *y = out->data;
  int sdt = self->dtype, odt = out->dtype;
  for (int64_t e = 0; e < outer.numel; e++, wk_iter_next(&outer)) {
    int64_t base = outer.off[1];
    wk_iter in = inner0;
    if (wk_is_float(odt)) {
      double acc = 0;
      if (sdt == WICK_F32 && odt == WICK_F32) {
        const float *xf = x;
        for (int64_t r = 0; r < count; r++, wk_iter_next(&in)) acc += xf[base + in.off[0]];
      } else {
        for (int64_t r = 0; r < count; r++, wk_iter_next(&in))
          acc += wk_ld_as_f(x, sdt, base + in.off[0], odt);
      }
      if (mean) acc /= (double)count;
      wk_st_f(y, odt, outer.off[0], acc);
    } else if (odt == WICK_BOOL) {
      bool any = false;
      for (int64_t r = 0; r < count && !any; r++, wk_iter_next(&in))
        any = wk_ld_f(x, sdt, base + in.off[0]) != 0;
      wk_st_i(y, odt, outer.off[0], any);
    } else {
      uint64_t acc = 0;
      for (int64_t r = 0; r < count; r++, wk_iter_next(&in))
        acc += (uint64_t)wk_ld_i(x, sdt, base + in.off[0]);
      wk_st_i(y, odt, outer.off[0], (int64_t)acc);
    }
  }
}
