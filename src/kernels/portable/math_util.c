/* Shared engines of the elementwise math and tensor manipulation kernels.
 * See math_util.h. */
#include "kernels/portable/math_util.h"

#include <string.h>

/* ---- unary -------------------------------------------------------------- */

wick_status mu_unary_run(wick_kernel_ctx *ctx, const mu_unary *op, const mu_params *p,
                         const wick_tensor *self, wick_tensor *out) {
  char b1[96];

  /* 1. arguments: the result dtype, and whether out can hold it */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self)) || (s = wk_check_dtype(ctx, "out", out))) return s;
  int sdt = self->dtype, odt = out->dtype, rt;
  switch (op->result) {
    case MU_FLOAT: rt = wk_is_float(sdt) ? sdt : WICK_F32; break;
    case MU_KEEP:
      if (sdt == WICK_BOOL && !op->bool_ok)
        return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s is not supported for bool self %s",
                                op->name, wk_desc(self, b1));
      rt = sdt;
      break;
    default: rt = WICK_BOOL; break;
  }
  if (!wk_can_cast(rt, odt))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "result type %s can't be cast to the desired output type %s",
                            wk_dtype_name(rt), wk_dtype_name(odt));

  /* 2. out */
  int64_t sizes[WICK_MAX_DIM];
  mu_sizes64(self, sizes);
  if ((s = wk_resize_out(ctx, out, self->dim, sizes))) return s;

  /* 3. float32 over flat memory */
  const wick_tensor *ins[1] = {self};
  wk_iter it;
  wk_iter_elementwise(&it, out, 1, ins);
  if (it.numel == 0) return WICK_OK;
  if (sdt == WICK_F32 && odt == WICK_F32 && op->map && mu_iter_flat(&it)) {
    op->map(out->data, self->data, (size_t)it.numel, p);
    return WICK_OK;
  }

  /* 4. generic walk: compute in rt (opmath for floats), cast to out */
  const void *x = self->data;
  void *y = out->data;
  if (sdt == WICK_F32 && odt == WICK_F32 && op->f32) { /* permuted float32 */
    const float *xf = x;
    float *yf = y;
    for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) yf[it.off[0]] = op->f32(xf[it.off[1]], p);
    return WICK_OK;
  }
  if (op->result == MU_LOGICAL) {
    bool fl = wk_is_float(sdt);
    for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
      bool z = fl ? wk_ld_f(x, sdt, it.off[1]) == 0 : wk_ld_i(x, sdt, it.off[1]) == 0;
      wk_st_i(y, odt, it.off[0], z);
    }
  } else if (wk_is_float(rt)) {
    bool f64 = wk_opmath(rt) == WICK_F64;
    for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
      double v = wk_ld_as_f(x, sdt, it.off[1], rt);
      v = f64 ? op->f64(v, p) : (double)op->f32((float)v, p);
      wk_st_f(y, odt, it.off[0], wk_round_f(rt, v));
    }
  } else {
    for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
      int64_t v = wk_ld_i(x, sdt, it.off[1]);
      if (op->i64) v = op->i64(v, p);
      wk_st_i(y, odt, it.off[0], wk_wrap_i(rt, v));
    }
  }
  return WICK_OK;
}

/* ---- binary ------------------------------------------------------------- */

wick_status mu_binary_run(wick_kernel_ctx *ctx, const mu_binary *op, const wick_tensor *a,
                          const wick_tensor *b, wick_tensor *out) {
  char b1[96], b2[96];

  /* 1. arguments */
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", a)) || (s = wk_check_dtype(ctx, "other", b)) ||
      (s = wk_check_dtype(ctx, "out", out)))
    return s;
  int common = wk_promote(a->dtype, b->dtype), odt = out->dtype;
  if (!wk_can_cast(common, odt))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                            "result type %s can't be cast to the desired output type %s",
                            wk_dtype_name(common), wk_dtype_name(odt));
  const wick_tensor *ins[2] = {a, b};
  int dim;
  int64_t sizes[WICK_MAX_DIM];
  if (!wk_broadcast_shape(2, ins, &dim, sizes))
    return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "self %s and other %s are not broadcastable",
                            wk_desc(a, b1), wk_desc(b, b2));

  /* 2. out */
  if ((s = wk_resize_out(ctx, out, dim, sizes))) return s;

  /* 3. float32 fast path (flat, or any walk without per-element dispatch) */
  wk_iter it;
  wk_iter_elementwise(&it, out, 2, ins);
  if (it.numel == 0) return WICK_OK;
  const void *x = a->data, *z = b->data;
  void *y = out->data;
  if (a->dtype == WICK_F32 && b->dtype == WICK_F32 && odt == WICK_F32) {
    const float *xf = x, *zf = z;
    float *yf = y;
    if (mu_iter_flat(&it)) {
      for (int64_t i = 0; i < it.numel; i++) yf[i] = op->f32(xf[i], zf[i]);
    } else {
      for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it))
        yf[it.off[0]] = op->f32(xf[it.off[1]], zf[it.off[2]]);
    }
    return WICK_OK;
  }

  /* 4. generic: compute in the common dtype, cast to out */
  int adt = a->dtype, bdt = b->dtype;
  if (wk_is_float(common)) {
    bool f64 = wk_opmath(common) == WICK_F64;
    for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
      double u = wk_ld_as_f(x, adt, it.off[1], common), v = wk_ld_as_f(z, bdt, it.off[2], common);
      double r = f64 ? op->f64(u, v) : (double)op->f32((float)u, (float)v);
      wk_st_f(y, odt, it.off[0], wk_round_f(common, r));
    }
    return WICK_OK;
  }
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it)) {
    int64_t u = wk_wrap_i(common, wk_ld_i(x, adt, it.off[1]));
    int64_t v = wk_wrap_i(common, wk_ld_i(z, bdt, it.off[2])), r;
    if (!op->i64(u, v, &r)) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s", op->i64_error);
    wk_st_i(y, odt, it.off[0], wk_wrap_i(common, r));
  }
  return WICK_OK;
}

/* ---- scalars ------------------------------------------------------------ */

bool mu_scalar_fits(const wick_value *v, int dt) {
  double lo, hi;
  switch (dt) {
    case WICK_BOOL: case WICK_F64: return true;
    case WICK_U8: lo = 0; hi = 255; break;
    case WICK_I8: lo = -128; hi = 127; break;
    case WICK_I16: lo = -32768; hi = 32767; break;
    case WICK_I32: lo = -2147483648.0; hi = 2147483647.0; break;
    case WICK_I64:
      if (v->kind != WICK_VAL_DOUBLE) return true;
      return v->u.d >= -9223372036854775808.0 && v->u.d < 9223372036854775808.0;
    case WICK_F16: lo = -65504; hi = 65504; break;
    case WICK_BF16: lo = -0x1.fep127; hi = 0x1.fep127; break;
    default: lo = -0x1.fffffep127; hi = 0x1.fffffep127; break;
  }
  if (v->kind == WICK_VAL_INT) return (double)v->u.i >= lo && (double)v->u.i <= hi;
  if (v->kind != WICK_VAL_DOUBLE) return true;
  double d = v->u.d;
  if (wk_is_float(dt)) return !isfinite(d) || (d >= lo && d <= hi);
  return d > lo - 1 && d < hi + 1; /* truncates into range */
}

wick_status mu_check_scalar_fits(wick_kernel_ctx *ctx, const char *what, const wick_value *v,
                                 int dt) {
  if (mu_scalar_fits(v, dt)) return WICK_OK;
  char b1[48];
  return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                          "%s %s cannot be converted to type %s without overflow", what,
                          wk_scalar_str(v, b1, sizeof b1), wk_dtype_name(dt));
}

/* ---- shapes ------------------------------------------------------------- */

void mu_sizes64(const wick_tensor *t, int64_t *sizes) {
  for (int d = 0; d < t->dim; d++) sizes[d] = t->sizes[d];
}

void mu_strides64(const wick_tensor *t, int64_t *strides) {
  for (int d = 0; d < t->dim; d++) strides[d] = t->strides[d];
}

wick_status mu_check_same_dtype(wick_kernel_ctx *ctx, const wick_tensor *self,
                                const wick_tensor *out) {
  wick_status s;
  if ((s = wk_check_dtype(ctx, "self", self))) return s;
  if (out->dtype == self->dtype) return WICK_OK;
  char b1[96];
  return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out dtype %s does not match self %s",
                          wk_dtype_name(out->dtype), wk_desc(self, b1));
}

wick_status mu_check_index_dtype(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t) {
  if (t->dtype == WICK_I64 || t->dtype == WICK_I32) return WICK_OK;
  char b1[96];
  return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s %s must be int32 or int64", what,
                          wk_desc(t, b1));
}

/* ---- copies --------------------------------------------------------------- */

/* y[j * ys] = x[j * xs], j < n, for elements of type T. */
#define MU_STRIDED_COPY(T)                                         \
  do {                                                             \
    T *y_ = (T *)yp;                                               \
    const T *x_ = (const T *)xp;                                   \
    for (int64_t j = 0; j < n; j++) y_[j * ys] = x_[j * xs];       \
  } while (0)

static void copy_run(unsigned char *yp, int64_t ys, const unsigned char *xp, int64_t xs, int64_t n,
                     size_t es) {
  if (ys == 1 && xs == 1) {
    memmove(yp, xp, (size_t)n * es);
    return;
  }
  switch (es) {
    case 1: MU_STRIDED_COPY(uint8_t); break;
    case 2: MU_STRIDED_COPY(uint16_t); break;
    case 4: MU_STRIDED_COPY(uint32_t); break;
    default: MU_STRIDED_COPY(uint64_t); break;
  }
}

void mu_copy(void *dst, int ddt, const int64_t *dst_strides, const void *src, int sdt,
             const int64_t *src_strides, int dim, const int64_t *sizes) {
  for (int d = 0; d < dim; d++)
    if (sizes[d] == 0) return;
  /* coalesce: drop size-1 dims, merge an outer dim into the next inner one
   * when both operands step over it contiguously */
  int64_t sz[MU_MAX_WALK], ds[MU_MAX_WALK], ss[MU_MAX_WALK];
  int r = 0;
  for (int d = 0; d < dim; d++) {
    if (sizes[d] == 1) continue;
    if (r > 0 && ds[r - 1] == dst_strides[d] * sizes[d] && ss[r - 1] == src_strides[d] * sizes[d]) {
      sz[r - 1] *= sizes[d];
      ds[r - 1] = dst_strides[d];
      ss[r - 1] = src_strides[d];
      continue;
    }
    sz[r] = sizes[d];
    ds[r] = dst_strides[d];
    ss[r] = src_strides[d];
    r++;
  }
  if (r == 0) {
    sz[0] = 1;
    ds[0] = ss[0] = 1;
    r = 1;
  }

  size_t des = wick_dtype_size(ddt), ses = wick_dtype_size(sdt);
  int64_t idx[MU_MAX_WALK] = {0};
  int64_t doff = 0, soff = 0, n = sz[r - 1], ys = ds[r - 1], xs = ss[r - 1];
  for (;;) {
    if (ddt == sdt) {
      copy_run((unsigned char *)dst + doff * (ptrdiff_t)des, ys,
               (const unsigned char *)src + soff * (ptrdiff_t)ses, xs, n, des);
    } else {
      for (int64_t j = 0; j < n; j++) wk_copy_elem(dst, ddt, doff + j * ys, src, sdt, soff + j * xs);
    }
    int d = r - 2;
    for (; d >= 0; d--) {
      if (++idx[d] < sz[d]) {
        doff += ds[d];
        soff += ss[d];
        break;
      }
      idx[d] = 0;
      doff -= ds[d] * (sz[d] - 1);
      soff -= ss[d] * (sz[d] - 1);
    }
    if (d < 0) return;
  }
}

void mu_copy_same_shape(wick_tensor *out, const wick_tensor *src) {
  int64_t sizes[WICK_MAX_DIM], os[WICK_MAX_DIM], ss[WICK_MAX_DIM];
  mu_sizes64(out, sizes);
  mu_strides64(out, os);
  mu_strides64(src, ss);
  mu_copy(out->data, out->dtype, os, src->data, src->dtype, ss, out->dim, sizes);
}

/* Walks t's elements in logical row-major order. */
static void walk_init(wk_iter *it, const wick_tensor *t) {
  int64_t st[1][WICK_MAX_DIM];
  for (int d = 0; d < t->dim; d++) st[0][d] = t->strides[d];
  wk_iter_init(it, t->dim, t->sizes, 1, (const int64_t(*)[WICK_MAX_DIM])st);
}

void mu_copy_reshape(wick_tensor *out, const wick_tensor *src) {
  size_t numel = wk_numel(out);
  if (numel == 0) return;
  if (out->dtype == src->dtype && wk_is_contig(out) && wk_is_contig(src)) {
    if (out->data != src->data) memmove(out->data, src->data, numel * wick_dtype_size(out->dtype));
    return;
  }
  if (wk_same_layout2(out, src)) { /* same shape: the strided copy is enough */
    mu_copy_same_shape(out, src);
    return;
  }
  wk_iter si, di;
  walk_init(&si, src);
  walk_init(&di, out);
  for (size_t e = 0; e < numel; e++, wk_iter_next(&si), wk_iter_next(&di))
    wk_copy_elem(out->data, out->dtype, di.off[0], src->data, src->dtype, si.off[0]);
}
