/* Shared helpers of the portable kernels: dtype promotion, scalars, shapes,
 * iteration. See util.h. */
#include "kernels/portable/util.h"


#include <string.h>

/* ---- dtypes ------------------------------------------------------------- */

const char *wk_dtype_name(int dt) {
  const char *n = wick_dtype_name(dt);
  return n ? n : "?";
}

wick_status wk_fail_dtype(wick_kernel_ctx *ctx, const char *what, const wick_tensor *t) {
  const char *n = wick_dtype_name(t->dtype);
  if (n) return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s has unsupported dtype %s", what, n);
  return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "%s has unknown dtype %d", what, (int)t->dtype);
}

static bool is_signed_int(int dt) {
  return dt == WICK_I8 || dt == WICK_I16 || dt == WICK_I32 || dt == WICK_I64;
}

int wk_promote(int a, int b) {
  if (a == b) return a;
  if (a == WICK_BOOL) return b;
  if (b == WICK_BOOL) return a;
  bool fa = wk_is_float(a), fb = wk_is_float(b);
  if (fa && !fb) return a;
  if (fb && !fa) return b;
  if (fa) { /* both floating */
    if ((a == WICK_F16 && b == WICK_BF16) || (a == WICK_BF16 && b == WICK_F16)) return WICK_F32;
    return wick_dtype_size(a) >= wick_dtype_size(b) ? a : b;
  }
  /* both integral: uint8 with a signed type needs the next signed type up */
  if (a == WICK_U8 && is_signed_int(b)) return b == WICK_I8 ? WICK_I16 : b;
  if (b == WICK_U8 && is_signed_int(a)) return a == WICK_I8 ? WICK_I16 : a;
  return wick_dtype_size(a) >= wick_dtype_size(b) ? a : b;
}

/* 0 bool, 1 integral, 2 floating */
static int category(int dt) {
  if (dt == WICK_BOOL) return 0;
  return wk_is_float(dt) ? 2 : 1;
}

int wk_promote_scalar(int tensor_dt, const wick_value *scalar) {
  int scat = scalar->kind == WICK_VAL_DOUBLE ? 2 : scalar->kind == WICK_VAL_INT ? 1 : 0;
  if (scat <= category(tensor_dt)) return tensor_dt;
  return scat == 2 ? WICK_F32 : WICK_I64;
}

bool wk_can_cast(int from, int to) {
  if (wk_is_float(from) && !wk_is_float(to)) return false;
  if (from != WICK_BOOL && to == WICK_BOOL) return false;
  return true;
}

/* ---- scalars ------------------------------------------------------------ */

double wk_scalar_as_f(const wick_value *s, int dt) {
  switch (s->kind) {
    case WICK_VAL_DOUBLE: return wk_round_f(dt, s->u.d);
    case WICK_VAL_INT: return wk_i2f(dt, s->u.i);
    case WICK_VAL_BOOL: return s->u.b ? 1.0 : 0.0;
    default: return 0;
  }
}

int64_t wk_scalar_as_i(const wick_value *s, int dt) {
  switch (s->kind) {
    case WICK_VAL_DOUBLE:
      if (dt == WICK_BOOL) return s->u.d != 0;
      return wk_wrap_i(dt, wk_f2i(s->u.d));
    case WICK_VAL_INT: return wk_wrap_i(dt, s->u.i);
    case WICK_VAL_BOOL: return s->u.b ? 1 : 0;
    default: return 0;
  }
}

const char *wk_scalar_str(const wick_value *s, char *buf, size_t n) {
  switch (s->kind) {
    case WICK_VAL_DOUBLE: wick_snprintf(buf, n, "%g", s->u.d); break;
    case WICK_VAL_INT: wick_snprintf(buf, n, "%lld", (long long)s->u.i); break;
    case WICK_VAL_BOOL: wick_snprintf(buf, n, "%s", s->u.b ? "true" : "false"); break;
    default: wick_snprintf(buf, n, "None"); break;
  }
  return buf;
}

/* ---- shapes ------------------------------------------------------------- */

const char *wk_desc(const wick_tensor *t, char *buf) { return wick_tensor_describe(t, buf, 96); }

const char *wk_sizes_str(int dim, const int64_t *sizes, char *buf, size_t n) {
  size_t used = (size_t)wick_snprintf(buf, n, "[");
  for (int i = 0; i < dim && used < n; i++)
    used += (size_t)wick_snprintf(buf + used, n - used, i ? ",%lld" : "%lld", (long long)sizes[i]);
  if (used < n) wick_snprintf(buf + used, n - used, "]");
  return buf;
}

bool wk_broadcast_shape(int n, const wick_tensor *const *ts, int *dim, int64_t *sizes) {
  int rank = 0;
  for (int k = 0; k < n; k++)
    if (ts[k]->dim > rank) rank = ts[k]->dim;
  for (int i = 0; i < rank; i++) sizes[i] = 1;
  for (int k = 0; k < n; k++) {
    const wick_tensor *t = ts[k];
    int lead = rank - t->dim; /* t's dim j sits at output dim lead + j */
    for (int j = 0; j < t->dim; j++) {
      int64_t s = t->sizes[j], *o = &sizes[lead + j];
      if (s == *o || s == 1) continue;
      if (*o != 1) return false;
      *o = s;
    }
  }
  *dim = rank;
  return true;
}

bool wk_broadcastable_to(const wick_tensor *t, int dim, const int64_t *sizes) {
  if (t->dim > dim) return false;
  int lead = dim - t->dim;
  for (int j = 0; j < t->dim; j++)
    if (t->sizes[j] != 1 && t->sizes[j] != sizes[lead + j]) return false;
  return true;
}

wick_status wk_resize_to(wick_kernel_ctx *ctx, wick_tensor *out, int dim, const int64_t *sizes) {
  wick_diag d;
  wick_diag_clear(&d);
  if (wick_tensor_resize(out, dim, sizes, &d) == WICK_OK) return WICK_OK;
  char b1[96], b2[96];
  return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "out %s cannot be resized to %s: %s",
                          wk_desc(out, b1), wk_sizes_str(dim, sizes, b2, sizeof b2), d.msg);
}

wick_status wk_reduce_mask(wick_kernel_ctx *ctx, const wick_tensor *self, wick_value *dims,
                           bool mask[WICK_MAX_DIM]) {
  uint32_t n = 0;
  const int64_t *list = NULL;
  if (dims->kind == WICK_VAL_INT_LIST) list = wick_value_int_list(dims, &n);
  for (int d = 0; d < WICK_MAX_DIM; d++) mask[d] = n == 0 && d < self->dim;
  for (uint32_t k = 0; k < n; k++) {
    int d;
    if (!wk_wrap_dim(list[k], self->dim, &d))
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL,
                              "dim %lld out of range for a tensor of rank %d",
                              (long long)list[k], (int)self->dim);
    if (self->dim == 0) continue; /* rank 0: dim 0 / -1 is the (only) element */
    if (mask[d])
      return wick_kernel_fail(ctx, WICK_ERR_KERNEL, "dim %d appears multiple times in the list of dims", d);
    mask[d] = true;
  }
  return WICK_OK;
}

void wk_reduce_shape(const wick_tensor *self, const bool mask[WICK_MAX_DIM], bool keepdim,
                     int *dim, int64_t sizes[WICK_MAX_DIM]) {
  int r = 0;
  for (int d = 0; d < self->dim; d++) {
    if (!mask[d])
      sizes[r++] = self->sizes[d];
    else if (keepdim)
      sizes[r++] = 1;
  }
  *dim = r;
}

/* ---- iteration ---------------------------------------------------------- */

bool wk_same_layout(int n, const wick_tensor *const *ts) {
  const wick_tensor *a = ts[0];
  for (int k = 1; k < n; k++) {
    const wick_tensor *b = ts[k];
    if (b->dim != a->dim) return false;
    for (int i = 0; i < a->dim; i++)
      if (b->sizes[i] != a->sizes[i] || b->dim_order[i] != a->dim_order[i]) return false;
  }
  return true;
}

void wk_iter_init(wk_iter *it, int dim, const int32_t *size, int nops,
                  const int64_t (*stride)[WICK_MAX_DIM]) {
  it->dim = dim;
  it->nops = nops;
  it->numel = 1;
  for (int d = 0; d < dim; d++) {
    it->size[d] = size[d];
    it->idx[d] = 0;
    it->numel *= size[d];
  }
  for (int k = 0; k < nops; k++) {
    it->off[k] = 0;
    for (int d = 0; d < dim; d++) it->stride[k][d] = stride[k][d];
  }
}

void wk_iter_elementwise(wk_iter *it, const wick_tensor *out, int n, const wick_tensor *const *ins) {
  const wick_tensor *all[WK_MAX_OPS];
  all[0] = out;
  for (int k = 0; k < n; k++) all[k + 1] = ins[k];
  it->nops = n + 1;
  for (int k = 0; k <= n; k++) it->off[k] = 0;
  it->numel = (int64_t)wk_numel(out);
  if (wk_same_layout(n + 1, all)) {
    it->dim = 1;
    it->size[0] = it->numel;
    it->idx[0] = 0;
    for (int k = 0; k <= n; k++) it->stride[k][0] = 1;
    return;
  }
  it->dim = out->dim;
  for (int d = 0; d < out->dim; d++) {
    it->size[d] = out->sizes[d];
    it->idx[d] = 0;
    it->stride[0][d] = out->strides[d];
  }
  for (int k = 0; k < n; k++) {
    const wick_tensor *t = ins[k];
    int lead = out->dim - t->dim;
    for (int d = 0; d < out->dim; d++) {
      int j = d - lead;
      it->stride[k + 1][d] = (j < 0 || t->sizes[j] == 1) ? 0 : t->strides[j];
    }
  }
}

void wk_copy_cast(wick_tensor *out, const wick_tensor *src) {
  if (out->dtype == src->dtype && wk_same_layout2(out, src)) { /* flat copy */
    size_t n = wk_numel(out);
    if (n && out->data != src->data) memmove(out->data, src->data, n * wick_dtype_size(src->dtype));
    return;
  }
  const wick_tensor *ins[1] = {src};
  wk_iter it;
  wk_iter_elementwise(&it, out, 1, ins);
  if (it.numel == 0) return;
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it))
    wk_copy_elem(out->data, out->dtype, it.off[0], src->data, src->dtype, it.off[1]);
}

/* out[i][j] = src[i * s0 + j * s1] for a row-major [m,n] out, element type T. */
#define WK_COPY_2D(T)                                                        \
  do {                                                                       \
    const T *x_ = src;                                                       \
    T *y_ = out->data;                                                       \
    for (int64_t i = 0; i < m; i++, y_ += n)                                 \
      for (int64_t j = 0; j < n; j++) y_[j] = x_[i * s0 + j * s1];           \
  } while (0)

/* The 2-D same-dtype case of wk_copy_view (a transpose, mostly) with a
 * row-major out: typed loops instead of the iterator. False when the element
 * size has no loop here. */
static bool copy_view_2d(wick_tensor *out, const void *src, const int64_t *src_strides) {
  int64_t m = out->sizes[0], n = out->sizes[1], s0 = src_strides[0], s1 = src_strides[1];
  switch (wick_dtype_size(out->dtype)) {
    case 1: WK_COPY_2D(uint8_t); return true;
    case 2: WK_COPY_2D(uint16_t); return true;
    case 4: WK_COPY_2D(uint32_t); return true;
    case 8: WK_COPY_2D(uint64_t); return true;
    default: return false;
  }
}

void wk_copy_view(wick_tensor *out, const void *src, int src_dtype, const int64_t *src_strides) {
  if (out->dim == 2 && src_dtype == out->dtype && wk_is_contig(out) &&
      copy_view_2d(out, src, src_strides))
    return;
  int64_t strides[2][WICK_MAX_DIM];
  for (int d = 0; d < out->dim; d++) {
    strides[0][d] = out->strides[d];
    strides[1][d] = src_strides[d];
  }
  wk_iter it;
  wk_iter_init(&it, out->dim, out->sizes, 2, (const int64_t(*)[WICK_MAX_DIM])strides);
  size_t es = wick_dtype_size(out->dtype);
  if (src_dtype != out->dtype) {
    for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it))
      wk_copy_elem(out->data, out->dtype, it.off[0], src, src_dtype, it.off[1]);
    return;
  }
  unsigned char *o = out->data;
  const unsigned char *x = src;
  for (int64_t e = 0; e < it.numel; e++, wk_iter_next(&it))
    memcpy(o + (size_t)it.off[0] * es, x + (size_t)it.off[1] * es, es);
}
