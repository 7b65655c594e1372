/* aten::where.self_out(Tensor condition, Tensor self, Tensor other, *,
 * Tensor(a!) out) for 4-byte elements (float32 / int32) with a bool
 * condition, broadcasting reduced to runs as in elementwise.c:
 *     out[i] = cond[i] ? self[i] : other[i]
 * where each operand walks the innermost run with stride 1 or 0. Covers the
 * KV-cache slot write of the translation decoder (cond [1,1,1,T], self
 * [B,H,Dh,1], other [B,H,Dh,T]). Selection copies bits, so results equal the
 * portable kernel's exactly. Anything else (other dtypes, dim orders,
 * resizes, partial overlaps) goes to the portable kernel. */
#include <string.h>

#include "kernels/optimized/opt.h"
#include "kernels/portable/util.h"

static bool touches(const void *p, size_t bytes, const void *q, size_t qbytes) {
  const char *a = p, *b = q;
  return bytes && qbytes && a < b + qbytes && b < a + bytes;
}

/* One run of n: strides (elements) 0 or 1 per operand. Branch-free selects
 * (mask = -(c != 0)) so the compiler vectorizes the common cases. */
static inline uint32_t sel(uint8_t c, uint32_t x, uint32_t z) {
  uint32_t m = 0u - (uint32_t)(c != 0);
  return z ^ ((x ^ z) & m);
}

static void where_run(uint32_t *restrict y, const uint8_t *restrict c, int64_t sc,
                      const uint32_t *restrict x, int64_t sx, const uint32_t *restrict z,
                      int64_t sz, int64_t n) {
  if (sc == 1 && sx == 0 && sz == 1) {
    const uint32_t xv = x[0];
    for (int64_t i = 0; i < n; i++) y[i] = sel(c[i], xv, z[i]);
  } else if (sc == 1 && sx == 1 && sz == 1) {
    for (int64_t i = 0; i < n; i++) y[i] = sel(c[i], x[i], z[i]);
  } else if (sc == 0) {
    if (c[0]) {
      if (sx == 1) {
        if (y != x) memcpy(y, x, (size_t)n * 4);
      }
      else for (int64_t i = 0; i < n; i++) y[i] = x[0];
    } else {
      if (sz == 1) {
        if (y != z) memcpy(y, z, (size_t)n * 4);
      }
      else for (int64_t i = 0; i < n; i++) y[i] = z[0];
    }
  } else {
    for (int64_t i = 0; i < n; i++) y[i] = sel(c[i * sc], x[i * sx], z[i * sz]);
  }
}

static bool where4(const wick_tensor *c, const wick_tensor *a, const wick_tensor *b,
                   wick_tensor *out) {
  if (c->dtype != WICK_BOOL || a->dtype != out->dtype || b->dtype != out->dtype ||
      (out->dtype != WICK_F32 && out->dtype != WICK_I32) || !wk_is_contig(c) || !wk_is_contig(a) ||
      !wk_is_contig(b) || !wk_is_contig(out))
    return false;
  const wick_tensor *in[3] = {c, a, b};
  const int r = out->dim;
  for (int k = 0; k < 3; k++)
    if (in[k]->dim > r) return false;
  if (c->dim != r && a->dim != r && b->dim != r) return false; /* the portable kernel resizes */
  /* out must already have the broadcast shape; collapse dims */
  int64_t sz[WICK_MAX_DIM], st[3][WICK_MAX_DIM];
  int nd = 0;
  for (int d = 0; d < r; d++) {
    const int64_t o = out->sizes[d];
    int64_t t[3];
    for (int k = 0; k < 3; k++) {
      const int dk = d - (r - in[k]->dim);
      const int64_t nk = dk < 0 ? 1 : in[k]->sizes[dk];
      if (nk != o && nk != 1) return false;
      t[k] = nk == 1 ? 0 : in[k]->strides[dk];
    }
    if (o == 1) continue;
    if (nd > 0 && st[0][nd - 1] == t[0] * o && st[1][nd - 1] == t[1] * o &&
        st[2][nd - 1] == t[2] * o) {
      sz[nd - 1] *= o;
      for (int k = 0; k < 3; k++) st[k][nd - 1] = t[k];
    } else {
      sz[nd] = o;
      for (int k = 0; k < 3; k++) st[k][nd] = t[k];
      nd++;
    }
  }
  const size_t n_out = wk_numel(out);
  if (n_out == 0) return true;
  const size_t ob = n_out * 4;
  if (touches(out->data, ob, c->data, wk_numel(c))) return false;
  for (int k = 1; k < 3; k++) {
    const size_t ib = wk_numel(in[k]) * 4;
    if (touches(out->data, ob, in[k]->data, ib) && (in[k]->data != out->data || ib != ob))
      return false;
  }
  const uint8_t *cp = c->data;
  const uint32_t *xp = a->data, *zp = b->data;
  uint32_t *y = out->data;
  if (nd == 0) {
    y[0] = cp[0] ? xp[0] : zp[0];
    return true;
  }
  const int64_t n = sz[nd - 1];
  for (int k = 0; k < 3; k++)
    if (st[k][nd - 1] != 0 && st[k][nd - 1] != 1) return false;
  const int64_t blocks = (int64_t)n_out / n;
  int64_t idx[WICK_MAX_DIM] = {0}, off[3] = {0, 0, 0};
  for (int64_t q = 0; q < blocks; q++) {
    where_run(y + q * n, cp + off[0], st[0][nd - 1], xp + off[1], st[1][nd - 1], zp + off[2],
              st[2][nd - 1], n);
    for (int d = nd - 2; d >= 0; d--) {
      for (int k = 0; k < 3; k++) off[k] += st[k][d];
      if (++idx[d] < sz[d]) break;
      for (int k = 0; k < 3; k++) off[k] -= st[k][d] * sz[d];
      idx[d] = 0;
    }
  }
  return true;
}

WKO_KERNEL(wko_where_self_out) {
  if (nargs == 4 && args[0]->kind == WICK_VAL_TENSOR && args[1]->kind == WICK_VAL_TENSOR &&
      args[2]->kind == WICK_VAL_TENSOR && args[3]->kind == WICK_VAL_TENSOR &&
      where4(args[0]->u.t, args[1]->u.t, args[2]->u.t, args[3]->u.t))
    return WICK_OK;
  return wick_op_where_self_out(ctx, args, nargs);
}
