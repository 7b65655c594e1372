/* Shared helpers for kernel tests: tensors over caller arrays, value
 * constructors, a CALL() that invokes a kernel by name after checking the
 * argument kinds against its signature the way the loader does, and
 * element-wise expectations. Header-only (static inline) so each test
 * includes what it uses. */
#ifndef WICK_TEST_KERNEL_TEST_H
#define WICK_TEST_KERNEL_TEST_H

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "harness.h"
#include "wick/kernel.h"
#include "wick/tensor.h"

#define SZ(...) ((const int64_t[]){__VA_ARGS__})

/* A contiguous tensor over `data` (the caller's array). */
static inline wick_tensor tens(int dtype, void *data, int dim, const int64_t *sizes) {
  wick_tensor t;
  size_t n = 1;
  for (int i = 0; i < dim; i++) n *= (size_t)sizes[i];
  wick_status s = wick_tensor_init(&t, dtype, dim, sizes, data, n * wick_dtype_size(dtype));
  CHECK(s == WICK_OK);
  return t;
}

/* Gives t the dim order `order` (same logical shape, new strides). */
static inline void set_order(wick_tensor *t, const uint8_t *order) {
  memcpy(t->dim_order, order, t->dim);
  wick_tensor_update_strides(t);
}

static inline wick_value val_of_kind(int kind) {
  wick_value v;
  memset(&v, 0, sizeof v);
  v.kind = (uint8_t)kind;
  return v;
}
static inline wick_value vt(wick_tensor *t) {
  wick_value v = val_of_kind(WICK_VAL_TENSOR);
  v.u.t = t;
  return v;
}
static inline wick_value vi(int64_t i) {
  wick_value v = val_of_kind(WICK_VAL_INT);
  v.u.i = i;
  return v;
}
static inline wick_value vd(double d) {
  wick_value v = val_of_kind(WICK_VAL_DOUBLE);
  v.u.d = d;
  return v;
}
static inline wick_value vb(bool b) {
  wick_value v = val_of_kind(WICK_VAL_BOOL);
  v.u.b = b;
  return v;
}
static inline wick_value vnone(void) { return val_of_kind(WICK_VAL_NONE); }
static inline wick_value vil(int64_t *items, uint32_t n) {
  wick_value v = val_of_kind(WICK_VAL_INT_LIST);
  v.u.il.items = items;
  v.u.il.n = n;
  return v;
}
static inline wick_value vdl(double *items, uint32_t n) {
  wick_value v = val_of_kind(WICK_VAL_DOUBLE_LIST);
  v.u.dl.items = items;
  v.u.dl.n = n;
  return v;
}
static inline wick_value vstr(const char *s) {
  wick_value v = val_of_kind(WICK_VAL_STRING);
  v.u.s.ptr = s;
  v.u.s.len = (uint32_t)strlen(s);
  return v;
}
static inline wick_value vtl(wick_tensor **items, uint32_t n) {
  wick_value v = val_of_kind(WICK_VAL_TENSOR_LIST);
  v.u.tl.items = items;
  v.u.tl.n = n;
  return v;
}
static inline wick_value votl(wick_tensor **items, uint32_t n) {
  wick_value v = vtl(items, n);
  v.kind = WICK_VAL_OPT_TENSOR_LIST;
  return v;
}
#define IL(...) \
  vil((int64_t[]){__VA_ARGS__}, (uint32_t)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)))
#define IL0() vil(NULL, 0)

/* Whether a value of `kind` fits signature character `sig` (as the loader checks). */
static inline bool kind_fits(char sig, int kind) {
  bool none = kind == WICK_VAL_NONE;
  bool scalar = kind == WICK_VAL_INT || kind == WICK_VAL_DOUBLE || kind == WICK_VAL_BOOL;
  switch (sig) {
    case 'T': return kind == WICK_VAL_TENSOR;
    case 't': return kind == WICK_VAL_TENSOR || none;
    case 'S': return scalar;
    case 's': return scalar || none;
    case 'i': return kind == WICK_VAL_INT;
    case 'j': return kind == WICK_VAL_INT || none;
    case 'b': return kind == WICK_VAL_BOOL;
    case 'c': return kind == WICK_VAL_BOOL || none;
    case 'd': return kind == WICK_VAL_DOUBLE || kind == WICK_VAL_INT;
    case 'e': return kind == WICK_VAL_DOUBLE || kind == WICK_VAL_INT || none;
    case 'I': return kind == WICK_VAL_INT_LIST;
    case 'J': return kind == WICK_VAL_INT_LIST || none;
    case 'D': return kind == WICK_VAL_DOUBLE_LIST;
    case 'E': return kind == WICK_VAL_DOUBLE_LIST || none;
    case 'B': return kind == WICK_VAL_BOOL_LIST;
    case 'L': return kind == WICK_VAL_TENSOR_LIST;
    case 'O': return kind == WICK_VAL_OPT_TENSOR_LIST;
    case 'n': return kind == WICK_VAL_STRING;
    case 'N': return kind == WICK_VAL_STRING || none;
    case '*': return true;
    default: return false;
  }
}

/* The diagnostic of the last CALL. */
static wick_diag g_diag;

/* Calls a kernel by name as the runtime would, after checking the argument
 * kinds against its declared signature (the loader's job). */
static inline wick_status call_at(int line, const char *name, uint32_t n, wick_value *vals) {
  const wick_kernel *k = wick_find_kernel(name);
  if (k == NULL) {
    fprintf(stderr, "line %d: no kernel %s\n", line, name);
    wick_test_failures++;
    return WICK_ERR_MISSING_KERNEL;
  }
  char sig[64];
  wick_kernel_sig(k, sig, sizeof sig, NULL);
  if (strlen(sig) != n || n > 32) {
    fprintf(stderr, "line %d: %s has signature %s but %u args\n", line, name, k->signature, n);
    wick_test_failures++;
    return WICK_ERR_INVALID_ARGUMENT;
  }
  wick_value *args[32];
  for (uint32_t i = 0; i < n; i++) {
    args[i] = &vals[i];
    if (!kind_fits(sig[i], vals[i].kind)) {
      fprintf(stderr, "line %d: %s arg %u is %s, signature says %c\n", line, name, i,
              wick_value_kind_name(vals[i].kind), sig[i]);
      wick_test_failures++;
      return WICK_ERR_INVALID_ARGUMENT;
    }
  }
  wick_kernel_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.diag = &g_diag;
  ctx.op_name = name;
  wick_diag_clear(&g_diag);
  return k->fn(&ctx, args, n);
}
#define CALL(name, ...)                                                            \
  call_at(__LINE__, name, sizeof((wick_value[]){__VA_ARGS__}) / sizeof(wick_value), \
          (wick_value[]){__VA_ARGS__})

#define CHECK_OK(expr)                                                    \
  do {                                                                    \
    wick_status s_ = (expr);                                              \
    CHECK_MSG(s_ == WICK_OK, "%s: %s", wick_status_name(s_), g_diag.msg); \
  } while (0)

/* Expects a kernel error whose message contains `needle`. */
#define CHECK_FAILS(expr, needle)                                                                 \
  do {                                                                                            \
    wick_status s_ = (expr);                                                                      \
    CHECK_MSG(s_ == WICK_ERR_KERNEL, "expected WICK_ERR_KERNEL, got %s", wick_status_name(s_));   \
    CHECK_MSG(strstr(g_diag.msg, needle) != NULL, "message '%s' lacks '%s'", g_diag.msg, needle); \
  } while (0)

static inline void expect_f32_at(int line, const float *got, const float *want, size_t n,
                                 float tol) {
  for (size_t i = 0; i < n; i++) {
    bool same = (isnan(got[i]) && isnan(want[i])) || got[i] == want[i] ||
                fabsf(got[i] - want[i]) <= tol;
    if (!same) {
      fprintf(stderr, "line %d: element %zu: got %.9g want %.9g\n", line, i, got[i], want[i]);
      wick_test_failures++;
      return;
    }
  }
}
#define EXPECT_F32(got, tol, ...)                            \
  expect_f32_at(__LINE__, got, (const float[]){__VA_ARGS__}, \
                sizeof((const float[]){__VA_ARGS__}) / sizeof(float), tol)

static inline void expect_i64_at(int line, const int64_t *got, const int64_t *want, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (got[i] != want[i]) {
      fprintf(stderr, "line %d: element %zu: got %lld want %lld\n", line, i, (long long)got[i],
              (long long)want[i]);
      wick_test_failures++;
      return;
    }
}
#define EXPECT_I64(got, ...)                                   \
  expect_i64_at(__LINE__, got, (const int64_t[]){__VA_ARGS__}, \
                sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t))

static inline void expect_u8_at(int line, const uint8_t *got, const uint8_t *want, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (got[i] != want[i]) {
      fprintf(stderr, "line %d: element %zu: got %u want %u\n", line, i, got[i], want[i]);
      wick_test_failures++;
      return;
    }
}
#define EXPECT_U8(got, ...)                                   \
  expect_u8_at(__LINE__, got, (const uint8_t[]){__VA_ARGS__}, \
               sizeof((const uint8_t[]){__VA_ARGS__}) / sizeof(uint8_t))

static inline bool same_shape(const wick_tensor *t, int dim, const int64_t *sizes) {
  if (t->dim != dim) return false;
  for (int i = 0; i < dim; i++)
    if (t->sizes[i] != sizes[i]) return false;
  return true;
}

#endif
