/* Running one bundled test case (.bpte) on a loaded method and comparing its
 * outputs with the expected ones: the check behind `wick verify` and the
 * self-test of wick_slot_stage (include/wick/swap.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wick/util.h"

void wick_verify_tolerance_for(const wick_verify_tolerance *tol, int dtype, double *rtol,
                               double *atol) {
  double r = WICK_VERIFY_RTOL_F32, a = WICK_VERIFY_ATOL_F32;
  if (dtype == WICK_F16) {
    r = WICK_VERIFY_RTOL_F16;
    a = WICK_VERIFY_ATOL_F16;
  } else if (dtype == WICK_BF16) {
    r = WICK_VERIFY_RTOL_BF16;
    a = WICK_VERIFY_ATOL_BF16;
  }
  *rtol = tol && tol->has_rtol ? tol->rtol : r;
  *atol = tol && tol->has_atol ? tol->atol : a;
}

static void fail(wick_case_result *res, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void fail(wick_case_result *res, const char *fmt, ...) {
  if (res->failed) return; /* keep the first reason */
  res->failed = true;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(res->why, sizeof res->why, fmt, ap);
  va_end(ap);
}

/* ---- element access (alignment-safe; bundle data may be unaligned) ---- */

size_t wick_tensor_elem_offset(const wick_tensor *t, size_t n) {
  size_t es = wick_dtype_size(t->dtype);
  if (wick_tensor_is_contiguous(t)) return n * es;
  size_t off = 0;
  for (int k = t->dim - 1; k >= 0; k--) {
    size_t sz = t->sizes[k] > 0 ? (size_t)t->sizes[k] : 1;
    off += (n % sz) * (size_t)t->strides[k];
    n /= sz;
  }
  return off * es;
}

static uint64_t read_uint(const unsigned char *p, size_t bytes) {
  uint8_t v8;
  uint16_t v16;
  uint32_t v32;
  uint64_t v64;
  switch (bytes) {
    case 1: memcpy(&v8, p, 1); return v8;
    case 2: memcpy(&v16, p, 2); return v16;
    case 4: memcpy(&v32, p, 4); return v32;
    default: memcpy(&v64, p, 8); return v64;
  }
}

void wick_tensor_elem_int(const wick_tensor *t, size_t n, int64_t *i, uint64_t *u,
                          bool *is_unsigned) {
  const unsigned char *p = (const unsigned char *)t->data + wick_tensor_elem_offset(t, n);
  *i = 0;
  *u = 0;
  *is_unsigned = false;
  switch (t->dtype) {
    case WICK_I8:
    case WICK_QI8: *i = (int8_t)*p; break;
    case WICK_I16: *i = (int16_t)read_uint(p, 2); break;
    case WICK_I32:
    case WICK_QI32: *i = (int32_t)read_uint(p, 4); break;
    case WICK_I64: *i = (int64_t)read_uint(p, 8); break;
    case WICK_BOOL: *i = *p ? 1 : 0; break;
    case WICK_U8:
    case WICK_QU8:
    case WICK_QU4X2:
    case WICK_QU2X4:
      *u = *p;
      *is_unsigned = true;
      break;
    case WICK_U16:
    case WICK_BITS16:
    case WICK_F16:
    case WICK_BF16:
      *u = read_uint(p, 2);
      *is_unsigned = true;
      break;
    case WICK_U32:
    case WICK_F32:
      *u = read_uint(p, 4);
      *is_unsigned = true;
      break;
    case WICK_U64:
    case WICK_F64:
      *u = read_uint(p, 8);
      *is_unsigned = true;
      break;
    default: break;
  }
}

double wick_tensor_elem_f64(const wick_tensor *t, size_t n) {
  const unsigned char *p = (const unsigned char *)t->data + wick_tensor_elem_offset(t, n);
  switch (t->dtype) {
    case WICK_F32: {
      float v;
      memcpy(&v, p, sizeof v);
      return v;
    }
    case WICK_F64: {
      double v;
      memcpy(&v, p, sizeof v);
      return v;
    }
    case WICK_F16: return wick_f16_to_f32((uint16_t)read_uint(p, 2));
    case WICK_BF16: return wick_bf16_to_f32((uint16_t)read_uint(p, 2));
    case WICK_BOOL: return *p ? 1.0 : 0.0;
    default: {
      int64_t i;
      uint64_t u;
      bool is_unsigned;
      wick_tensor_elem_int(t, n, &i, &u, &is_unsigned);
      return is_unsigned ? (double)u : (double)i;
    }
  }
}

/* ---- comparison ---- */

static void note_error(wick_case_result *res, double abs_err, double rel_err) {
  if (abs_err > res->max_abs || abs_err != abs_err)
    res->max_abs = abs_err != abs_err ? INFINITY : abs_err;
  if (rel_err > res->max_rel || rel_err != rel_err)
    res->max_rel = rel_err != rel_err ? INFINITY : rel_err;
}

/* Compares two floats; returns true when within tolerance. */
static bool close_enough(double got, double want, double rtol, double atol, double *abs_err,
                         double *rel_err) {
  *abs_err = 0;
  *rel_err = 0;
  if (isnan(got) || isnan(want)) {
    bool both = isnan(got) && isnan(want);
    *abs_err = both ? 0 : INFINITY;
    *rel_err = *abs_err;
    return both;
  }
  if (isinf(got) || isinf(want)) {
    bool same = got == want;
    *abs_err = same ? 0 : INFINITY;
    *rel_err = *abs_err;
    return same;
  }
  *abs_err = fabs(got - want);
  *rel_err = want != 0 ? *abs_err / fabs(want) : 0;
  return *abs_err <= atol + rtol * fabs(want);
}

static void compare_tensor(uint32_t k, const wick_tensor *got, const wick_tensor *want,
                           const wick_verify_tolerance *tol, wick_case_result *res) {
  char a[96], b[96];
  if (got->dtype != want->dtype || !wick_tensor_same_shape(got, want)) {
    fail(res, "output %u: got %s, expected %s", k, wick_tensor_describe(got, a, sizeof a),
         wick_tensor_describe(want, b, sizeof b));
    return;
  }
  size_t n = wick_tensor_numel(want);
  if (n > 0 && got->data == NULL) {
    fail(res, "output %u: tensor has no data", k);
    return;
  }
  size_t bad = 0, first = 0;
  double first_got = 0, first_want = 0;
  if (wick_dtype_is_float(want->dtype)) {
    double rtol, atol;
    wick_verify_tolerance_for(tol, want->dtype, &rtol, &atol);
    for (size_t i = 0; i < n; i++) {
      double g = wick_tensor_elem_f64(got, i), w = wick_tensor_elem_f64(want, i), ae, re;
      bool ok = close_enough(g, w, rtol, atol, &ae, &re);
      note_error(res, ae, re);
      if (!ok && bad++ == 0) {
        first = i;
        first_got = g;
        first_want = w;
      }
    }
    if (bad)
      fail(res,
           "output %u: %zu of %zu values outside rtol %g atol %g; first at index %zu: got %.9g, "
           "expected %.9g",
           k, bad, n, rtol, atol, first, first_got, first_want);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    int64_t gi, wi;
    uint64_t gu, wu;
    bool gus, wus;
    wick_tensor_elem_int(got, i, &gi, &gu, &gus);
    wick_tensor_elem_int(want, i, &wi, &wu, &wus);
    bool equal = gus ? gu == wu : gi == wi;
    double diff = gus ? (gu > wu ? (double)(gu - wu) : (double)(wu - gu))
                      : fabs((double)gi - (double)wi);
    double mag = gus ? (double)wu : fabs((double)wi);
    note_error(res, diff, mag != 0 ? diff / mag : 0);
    if (!equal && bad++ == 0) {
      first = i;
      first_got = gus ? (double)gu : (double)gi;
      first_want = gus ? (double)wu : (double)wi;
    }
  }
  if (bad)
    fail(res, "output %u: %zu of %zu values differ (integers must be exact); first at index %zu: "
              "got %.17g, expected %.17g",
         k, bad, n, first, first_got, first_want);
}

static const char *value_describe(const wick_value *v, char *buf, size_t n) {
  if (v == NULL) {
    snprintf(buf, n, "(missing)");
  } else if (v->kind == WICK_VAL_TENSOR && v->u.t) {
    wick_tensor_describe(v->u.t, buf, n);
  } else {
    const char *k = wick_value_kind_name(v->kind);
    snprintf(buf, n, "%s", k ? k : "?");
  }
  return buf;
}

static void compare_value(uint32_t k, const wick_value *got, const wick_bundled_value *want,
                          const wick_verify_tolerance *tol, wick_case_result *res) {
  char desc[96];
  if (got == NULL) {
    fail(res, "output %u is missing", k);
    return;
  }
  if (want->kind == WICK_VAL_TENSOR) {
    if (got->kind != WICK_VAL_TENSOR || got->u.t == NULL)
      fail(res, "output %u: got %s, expected a tensor", k, value_describe(got, desc, sizeof desc));
    else
      compare_tensor(k, got->u.t, &want->tensor, tol, res);
    return;
  }
  if (got->kind != want->kind) {
    fail(res, "output %u: got %s, expected %s", k, value_describe(got, desc, sizeof desc),
         wick_value_kind_name(want->kind));
    return;
  }
  if (want->kind == WICK_VAL_DOUBLE) {
    double rtol, atol, ae, re;
    wick_verify_tolerance_for(tol, WICK_F64, &rtol, &atol);
    bool ok = close_enough(got->u.d, want->d, rtol, atol, &ae, &re);
    note_error(res, ae, re);
    if (!ok) fail(res, "output %u: got %.17g, expected %.17g", k, got->u.d, want->d);
    return;
  }
  int64_t g = want->kind == WICK_VAL_BOOL ? (int64_t)got->u.b : got->u.i;
  double diff = fabs((double)g - (double)want->i);
  note_error(res, diff, want->i ? diff / fabs((double)want->i) : 0);
  if (g != want->i)
    fail(res, "output %u: got %lld, expected %lld", k, (long long)g, (long long)want->i);
}

/* Copies a bundled (read-only, possibly unaligned) tensor into malloc'd memory
 * in the input's dim order and sets it. *buf receives the copy. */
static wick_status set_tensor_input(wick_method *method, uint32_t index, const wick_tensor *t,
                                    void **buf, wick_diag *d) {
  const wick_tensor *in = wick_method_input(method, index);
  wick_tensor copy = *t;
  if (in && in->dim == t->dim && in->dtype == t->dtype) {
    memcpy(copy.dim_order, in->dim_order, sizeof copy.dim_order);
    wick_tensor_update_strides(&copy);
  }
  size_t nbytes = wick_tensor_nbytes(t);
  if (posix_memalign(buf, 64, nbytes ? nbytes : 1) != 0) {
    *buf = NULL;
    return wick_diag_set(d, WICK_ERR_MEMORY, "cannot allocate %zu bytes", nbytes);
  }
  copy.data = *buf;
  copy.capacity = nbytes;
  copy.is_const = 0;
  size_t es = wick_dtype_size(t->dtype);
  size_t numel = wick_tensor_numel(t);
  if (wick_tensor_is_contiguous(t) && wick_tensor_is_contiguous(&copy)) {
    if (nbytes) memcpy(*buf, t->data, nbytes);
  } else {
    for (size_t k = 0; k < numel; k++)
      memcpy((unsigned char *)*buf + wick_tensor_elem_offset(&copy, k),
             (const unsigned char *)t->data + wick_tensor_elem_offset(t, k), es);
  }
  return wick_method_set_input(method, index, &copy, d);
}

wick_status wick_bundled_run_case(const wick_bundled *b, uint32_t s, uint32_t c,
                                  wick_method *method, const wick_verify_tolerance *tol,
                                  wick_case_result *res, wick_diag *diag) {
  wick_case_result local;
  if (res == NULL) res = &local;
  memset(res, 0, sizeof *res);
  wick_diag d;
  wick_diag_clear(&d);
  uint32_t ni = 0, ne = 0;
  void **bufs = NULL;
  if (wick_bundled_case_counts(b, s, c, &ni, &ne, &d) != WICK_OK) {
    fail(res, "%s", d.msg);
    goto out;
  }
  uint32_t want_in = wick_method_num_inputs(method), have_out = wick_method_num_outputs(method);
  if (ni != want_in) {
    fail(res, "the case has %u inputs but the method takes %u", ni, want_in);
    goto out;
  }
  if (ne != have_out) {
    fail(res, "the case expects %u outputs but the method returns %u", ne, have_out);
    goto out;
  }
  bufs = calloc(ni ? ni : 1, sizeof *bufs);
  if (bufs == NULL) {
    fail(res, "out of memory");
    goto out;
  }
  for (uint32_t k = 0; k < ni && !res->failed; k++) {
    wick_bundled_value v;
    wick_status st = wick_bundled_case_value(b, s, c, false, k, &v, &d);
    if (st == WICK_OK) {
      if (v.kind == WICK_VAL_TENSOR)
        st = set_tensor_input(method, k, &v.tensor, &bufs[k], &d);
      else
        st = wick_method_set_input_scalar(method, k, v.kind == WICK_VAL_DOUBLE ? v.d : (double)v.i,
                                          &d);
    }
    if (st != WICK_OK) fail(res, "input %u: %s", k, d.msg);
  }
  if (!res->failed && wick_method_execute(method, &d) != WICK_OK) fail(res, "execute: %s", d.msg);
  for (uint32_t k = 0; k < ne && !res->failed; k++) {
    wick_bundled_value want;
    if (wick_bundled_case_value(b, s, c, true, k, &want, &d) != WICK_OK) {
      fail(res, "expected output %u: %s", k, d.msg);
      break;
    }
    compare_value(k, wick_method_output_value(method, k), &want, tol, res);
  }
out:
  if (bufs)
    for (uint32_t k = 0; k < ni; k++) free(bufs[k]);
  free(bufs);
  if (res->failed) return wick_diag_set(diag, WICK_ERR_VERIFY_FAILED, "%s", res->why);
  return WICK_OK;
}
