/* Bundled programs (.bpte, "BP07"/"BP08"): a program with test inputs and
 * expected outputs (ExecuTorch devtools/bundled_program schema). */
#include <string.h>

#include "format/fb.h"
#include "wick/bundled.h"

enum { BP_VERSION = 0, BP_SUITES = 1, BP_PROGRAM = 2 };
enum { SUITE_METHOD_NAME = 0, SUITE_TEST_CASES = 1 };
enum { CASE_INPUTS = 0, CASE_EXPECTED = 1 };
enum { VALUE_TYPE = 0, VALUE_VAL = 1 };
enum { BV_NONE = 0, BV_TENSOR = 1, BV_INT = 2, BV_BOOL = 3, BV_DOUBLE = 4 };
enum { BT_SCALAR_TYPE = 0, BT_SIZES = 1, BT_DATA = 2, BT_DIM_ORDER = 3 };

static wick_status bad(wick_diag *d, const fb_reader *r, const char *what) {
  if (r->bad)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "%s: %s (at byte %u)", what, r->bad,
                         (unsigned)r->bad_pos);
  return wick_diag_set(d, WICK_ERR_MALFORMED, "%s", what);
}

bool wick_is_bundled(const void *data, size_t size) {
  const uint8_t *b = (const uint8_t *)data;
  return size >= 8 && (memcmp(b + 4, "BP07", 4) == 0 || memcmp(b + 4, "BP08", 4) == 0);
}

static fb_table suite_table(const wick_bundled *b, fb_reader *r, uint32_t suite) {
  fb_init(r, b->data, b->size);
  fb_table root = fb_table_at(r, b->root);
  fb_vec suites = fb_get_vec(r, &root, BP_SUITES, 4);
  return fb_vec_table(r, suites, suite);
}

static fb_table case_table(const wick_bundled *b, fb_reader *r, uint32_t suite, uint32_t tc) {
  fb_table s = suite_table(b, r, suite);
  fb_vec cases = fb_get_vec(r, &s, SUITE_TEST_CASES, 4);
  return fb_vec_table(r, cases, tc);
}

wick_status wick_bundled_get_suite(const wick_bundled *b, uint32_t suite, wick_bundled_suite *out,
                                   wick_diag *d) {
  memset(out, 0, sizeof *out);
  if (b == NULL || suite >= b->num_suites)
    return wick_diag_set(d, WICK_ERR_NOT_FOUND, "test suite %u out of range", suite);
  fb_reader r;
  fb_table s = suite_table(b, &r, suite);
  out->method_name = fb_get_str(&r, &s, SUITE_METHOD_NAME, NULL);
  out->num_cases = fb_get_vec(&r, &s, SUITE_TEST_CASES, 4).len;
  if (r.bad) return bad(d, &r, "test suite");
  if (out->method_name == NULL)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "test suite %u has no method name", suite);
  return WICK_OK;
}

wick_status wick_bundled_case_counts(const wick_bundled *b, uint32_t suite, uint32_t tc,
                                     uint32_t *num_inputs, uint32_t *num_expected, wick_diag *d) {
  if (b == NULL || suite >= b->num_suites)
    return wick_diag_set(d, WICK_ERR_NOT_FOUND, "test suite %u out of range", suite);
  fb_reader r;
  fb_table s = suite_table(b, &r, suite);
  fb_vec cases = fb_get_vec(&r, &s, SUITE_TEST_CASES, 4);
  if (r.bad) return bad(d, &r, "test suite");
  if (tc >= cases.len)
    return wick_diag_set(d, WICK_ERR_NOT_FOUND, "test case %u out of range (%u)", tc, cases.len);
  fb_table c = fb_vec_table(&r, cases, tc);
  uint32_t ni = fb_get_vec(&r, &c, CASE_INPUTS, 4).len;
  uint32_t ne = fb_get_vec(&r, &c, CASE_EXPECTED, 4).len;
  if (r.bad) return bad(d, &r, "test case");
  if (num_inputs) *num_inputs = ni;
  if (num_expected) *num_expected = ne;
  return WICK_OK;
}

wick_status wick_bundled_case_value(const wick_bundled *b, uint32_t suite, uint32_t tc,
                                    bool expected, uint32_t k, wick_bundled_value *out,
                                    wick_diag *d) {
  memset(out, 0, sizeof *out);
  uint32_t ni, ne;
  wick_status st = wick_bundled_case_counts(b, suite, tc, &ni, &ne, d);
  if (st) return st;
  if (k >= (expected ? ne : ni))
    return wick_diag_set(d, WICK_ERR_NOT_FOUND, "%s %u out of range",
                         expected ? "expected output" : "input", k);
  fb_reader r;
  fb_table c = case_table(b, &r, suite, tc);
  fb_vec vals = fb_get_vec(&r, &c, expected ? CASE_EXPECTED : CASE_INPUTS, 4);
  fb_table v = fb_vec_table(&r, vals, k);
  uint8_t tag = fb_get_u8(&r, &v, VALUE_TYPE, BV_NONE);
  fb_table val = fb_get_table(&r, &v, VALUE_VAL);
  if (r.bad) return bad(d, &r, "bundled value");
  if (val.pos == 0 || tag == BV_NONE || tag > BV_DOUBLE)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "suite %u case %u: value %u has unknown type %u",
                         suite, tc, k, tag);
  switch (tag) {
    case BV_INT: out->kind = WICK_VAL_INT; out->i = fb_get_i64(&r, &val, 0, 0); break;
    case BV_BOOL: out->kind = WICK_VAL_BOOL; out->i = fb_get_bool(&r, &val, 0, false); break;
    case BV_DOUBLE: out->kind = WICK_VAL_DOUBLE; out->d = fb_get_f64(&r, &val, 0, 0); break;
    default: {
      out->kind = WICK_VAL_TENSOR;
      int8_t stype = fb_get_i8(&r, &val, BT_SCALAR_TYPE, 0);
      fb_vec sizes = fb_get_vec(&r, &val, BT_SIZES, 4);
      fb_vec data = fb_get_vec(&r, &val, BT_DATA, 1);
      fb_vec order = fb_get_vec(&r, &val, BT_DIM_ORDER, 1);
      if (r.bad) return bad(d, &r, "bundled tensor");
      if (wick_dtype_size(stype) == 0 || sizes.len > WICK_MAX_DIM ||
          (order.len && order.len != sizes.len))
        return wick_diag_set(d, WICK_ERR_MALFORMED,
                             "suite %u case %u value %u: bad tensor (type %d, rank %u)", suite, tc,
                             k, stype, sizes.len);
      wick_tensor *t = &out->tensor;
      t->dtype = (uint8_t)stype;
      t->dim = (uint8_t)sizes.len;
      unsigned seen = 0;
      uint64_t need = wick_dtype_size(stype);
      for (uint32_t i = 0; i < sizes.len; i++) {
        int32_t s = fb_vec_i32(&r, sizes, i);
        uint8_t o = order.len ? fb_vec_u8(&r, order, i) : (uint8_t)i;
        if (s < 0 || o >= sizes.len || (seen & (1u << o)))
          return wick_diag_set(d, WICK_ERR_MALFORMED,
                               "suite %u case %u value %u: bad size or dim order", suite, tc, k);
        seen |= 1u << o;
        t->sizes[i] = s;
        t->dim_order[i] = o;
        need *= (uint64_t)s;
        if (need > data.len) break;
      }
      if (need != data.len)
        return wick_diag_set(d, WICK_ERR_MALFORMED,
                             "suite %u case %u value %u: %u data bytes for a %llu-byte tensor",
                             suite, tc, k, data.len, (unsigned long long)need);
      wick_tensor_update_strides(t);
      t->data = (void *)(uintptr_t)(b->data + data.pos);
      t->capacity = data.len;
      t->is_const = 1;
      break;
    }
  }
  return r.bad ? bad(d, &r, "bundled value") : WICK_OK;
}

wick_status wick_bundled_load(wick_bundled *b, const void *data, size_t size, wick_diag *d) {
  if (b == NULL || (data == NULL && size > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "bundle load: NULL argument");
  memset(b, 0, sizeof *b);
  if (!wick_is_bundled(data, size))
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "not a bundled program (file identifier is not \"BP08\")");
  fb_reader r;
  fb_init(&r, data, size);
  fb_table root = fb_root(&r);
  uint32_t version = fb_get_u32(&r, &root, BP_VERSION, 0);
  fb_vec suites = fb_get_vec(&r, &root, BP_SUITES, 4);
  fb_vec prog = fb_get_vec(&r, &root, BP_PROGRAM, 1);
  if (r.bad) return bad(d, &r, "bundled program");
  if (prog.len == 0) return wick_diag_set(d, WICK_ERR_MALFORMED, "bundle holds no program");
  b->data = (const uint8_t *)data;
  b->size = size;
  b->root = root.pos;
  b->version = version;
  b->program = b->data + prog.pos;
  b->program_size = prog.len;
  b->num_suites = suites.len;
  /* Verify every suite, case and value now, so later accessors cannot fail
   * on structure. */
  for (uint32_t s = 0; s < suites.len; s++) {
    wick_bundled_suite su;
    wick_status st = wick_bundled_get_suite(b, s, &su, d);
    if (st) return st;
    for (uint32_t c = 0; c < su.num_cases; c++) {
      uint32_t ni, ne;
      st = wick_bundled_case_counts(b, s, c, &ni, &ne, d);
      if (st) return st;
      for (uint32_t k = 0; k < ni + ne; k++) {
        wick_bundled_value v;
        st = wick_bundled_case_value(b, s, c, k >= ni, k >= ni ? k - ni : k, &v, d);
        if (st) return st;
      }
    }
  }
  return WICK_OK;
}
