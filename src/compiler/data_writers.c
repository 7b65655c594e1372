/* wick — writers for .ptd external data ("FT01") and .bpte bundled programs
 * ("BP08"). See pte_writer.h for the API.
 *
 * .ptd file layout (current flat_tensor format):
 *   [u32 root][ "FT01" ][ "FH01" u32 40, u64 flatbuffer_offset,
 *   u64 flatbuffer_size, u64 segment_base_offset, u64 segment_data_size ]
 *   [pad to 8+48][rest of the flatbuffer][pad to 16][segment data]
 * Root: FlatTensor {version, segments: [DataSegment {offset, size}],
 *   named_data: [NamedData {key, segment_index, tensor_layout:
 *   TensorLayout {scalar_type, sizes, dim_order}}]}.
 *
 * .bpte: BundledProgram {version, method_test_suites: [BundledMethodTestSuite
 *   {method_name, test_cases: [BundledMethodTestCase {inputs: [Value],
 *   expected_outputs: [Value]}]}], program: [ubyte] (aligned to 16)};
 *   Value {val_type, val} with union Tensor{scalar_type, sizes, data
 *   (force_align 16), dim_order} = 1, Int = 2, Bool = 3, Double = 4.
 */
#include <stdlib.h>
#include <string.h>

#include "compiler/fbb.h"
#include "compiler/pte_writer.h"
#include "compiler/writer_common.h"

#define DATA_ALIGN 16
#define PTD_HEADER_LEN 40
#define PTD_HEADER_PADDED 48 /* header length rounded up to DATA_ALIGN */

static wick_fbb_ref *ref_array(wick_fbb *b, uint32_t n) {
  wick_fbb_ref *r = calloc((size_t)n + 1, sizeof(wick_fbb_ref));
  if (r == NULL) b->failed = true;
  return r;
}

/* A tensor description with owned copies. */
typedef struct data_tensor {
  int dtype;
  uint32_t dim;
  int32_t *sizes;     /* (dim) */
  uint8_t *dim_order; /* (dim) */
  uint8_t *data;      /* (size) */
  size_t size;
} data_tensor;

static void data_tensor_free(data_tensor *t) {
  free(t->sizes);
  free(t->dim_order);
  free(t->data);
}

static void data_tensor_init(data_tensor *t, bool *failed, int dtype, uint32_t dim,
                             const int32_t *sizes, const uint8_t *dim_order, const void *data,
                             size_t size) {
  t->dtype = dtype;
  t->dim = dim;
  t->sizes = wick_memdup(sizes ? (const void *)sizes : "", dim * sizeof(int32_t), failed);
  t->dim_order = malloc(dim ? dim : 1);
  if (t->dim_order == NULL) *failed = true;
  for (uint32_t i = 0; t->dim_order && i < dim; i++)
    t->dim_order[i] = dim_order ? dim_order[i] : (uint8_t)i;
  t->data = wick_memdup(data ? data : "", size, failed);
  t->size = size;
}

/* ---- .ptd ---------------------------------------------------------------- */

typedef struct ptd_entry {
  char *key;
  bool has_layout;
  data_tensor t;
} ptd_entry;

struct wick_ptd_writer {
  bool failed;
  ptd_entry *entries;
  uint32_t num_entries, entries_cap;
};

wick_ptd_writer *wick_ptd_writer_new(void) { return calloc(1, sizeof(wick_ptd_writer)); }

void wick_ptd_writer_free(wick_ptd_writer *w) {
  if (w == NULL) return;
  for (uint32_t i = 0; i < w->num_entries; i++) {
    free(w->entries[i].key);
    data_tensor_free(&w->entries[i].t);
  }
  free(w->entries);
  free(w);
}

static void ptd_add(wick_ptd_writer *w, const char *key, bool has_layout, int dtype,
                    uint32_t dim, const int32_t *sizes, const uint8_t *dim_order,
                    const void *data, size_t size) {
  ptd_entry e = {0};
  e.key = wick_strdup_or_null(key ? key : "", &w->failed);
  e.has_layout = has_layout;
  data_tensor_init(&e.t, &w->failed, dtype, dim, sizes, dim_order, data, size);
  if (w->failed || !wick_array_push((void **)&w->entries, &w->num_entries, &w->entries_cap,
                                    sizeof(e), &e)) {
    w->failed = true;
    free(e.key);
    data_tensor_free(&e.t);
  }
}

void wick_ptd_add_tensor(wick_ptd_writer *w, const char *key, int dtype, uint32_t dim,
                         const int32_t *sizes, const uint8_t *dim_order, const void *data,
                         size_t size) {
  ptd_add(w, key, true, dtype, dim, sizes, dim_order, data, size);
}

void wick_ptd_add_blob(wick_ptd_writer *w, const char *key, const void *data, size_t size) {
  ptd_add(w, key, false, 0, 0, NULL, NULL, data, size);
}

wick_status wick_ptd_writer_finish(wick_ptd_writer *w, uint8_t **out, size_t *size,
                                   wick_diag *d) {
  *out = NULL;
  *size = 0;
  if (w->failed)
    return wick_diag_set(d, WICK_ERR_MEMORY, "ptd writer: an earlier call failed");
  wick_bytes area = {0};
  wick_fbb b;
  wick_fbb_init(&b);
  wick_status st = WICK_OK;
  uint64_t *offsets = calloc((size_t)w->num_entries + 1, sizeof(uint64_t));
  wick_fbb_ref *segs = ref_array(&b, w->num_entries);
  wick_fbb_ref *named = ref_array(&b, w->num_entries);
  if (offsets == NULL || segs == NULL || named == NULL) goto done;

  for (uint32_t i = 0; i < w->num_entries; i++) {
    wick_bytes_pad(&area, DATA_ALIGN);
    offsets[i] = area.size;
    wick_bytes_append(&area, w->entries[i].t.data, w->entries[i].t.size);
  }
  if (area.failed) b.failed = true;

  for (uint32_t i = 0; i < w->num_entries; i++) { /* DataSegment {offset, size} */
    wick_fbb_table_start(&b);
    wick_fbb_add_u64(&b, 0, offsets[i]);
    wick_fbb_add_u64(&b, 1, w->entries[i].t.size);
    segs[i] = wick_fbb_table_end(&b);
  }
  wick_fbb_ref seg_vec = wick_fbb_vec_refs(&b, segs, w->num_entries);
  for (uint32_t i = 0; i < w->num_entries; i++) {
    const ptd_entry *e = &w->entries[i];
    wick_fbb_ref key = wick_fbb_string(&b, e->key);
    wick_fbb_ref layout = 0;
    if (e->has_layout) { /* TensorLayout {scalar_type, sizes, dim_order} */
      wick_fbb_ref sizes = wick_fbb_vec_i32(&b, e->t.sizes, e->t.dim);
      wick_fbb_ref order = wick_fbb_vec_u8(&b, e->t.dim_order, e->t.dim, 1);
      wick_fbb_table_start(&b);
      wick_fbb_add_i8(&b, 0, (int8_t)e->t.dtype);
      wick_fbb_add_ref(&b, 1, sizes);
      wick_fbb_add_ref(&b, 2, order);
      layout = wick_fbb_table_end(&b);
    }
    wick_fbb_table_start(&b); /* NamedData {key, segment_index, tensor_layout} */
    wick_fbb_add_ref(&b, 0, key);
    wick_fbb_add_u32(&b, 1, i);
    wick_fbb_add_ref(&b, 2, layout);
    named[i] = wick_fbb_table_end(&b);
  }
  wick_fbb_ref named_vec = wick_fbb_vec_refs(&b, named, w->num_entries);
  wick_fbb_table_start(&b); /* FlatTensor {version, segments, named_data} */
  wick_fbb_add_u32(&b, 0, 0);
  wick_fbb_add_ref(&b, 1, seg_vec);
  wick_fbb_add_ref(&b, 2, named_vec);
  wick_fbb_ref root = wick_fbb_table_end(&b);
  wick_fbb_finish(&b, root, "FT01");

done:
  if (b.failed || offsets == NULL || segs == NULL || named == NULL) {
    st = wick_diag_set(d, WICK_ERR_MEMORY, "ptd writer: flatbuffer construction failed");
  } else {
    size_t fb_size = wick_fbb_size(&b);
    size_t segment_base = PTD_HEADER_PADDED + wick_align_up(fb_size, DATA_ALIGN);
    uint8_t hdr[PTD_HEADER_LEN];
    memcpy(hdr, "FH01", 4);
    wick_put_u32(hdr + 4, PTD_HEADER_LEN);
    wick_put_u64(hdr + 8, PTD_HEADER_PADDED); /* flatbuffer_offset   */
    wick_put_u64(hdr + 16, fb_size);          /* flatbuffer_size     */
    wick_put_u64(hdr + 24, segment_base);     /* segment_base_offset */
    wick_put_u64(hdr + 32, area.size);        /* segment_data_size   */
    *out = wick_assemble_file(wick_fbb_data(&b), fb_size, hdr, PTD_HEADER_LEN,
                              PTD_HEADER_PADDED, segment_base, area.data, area.size, size);
    if (*out == NULL) st = wick_diag_set(d, WICK_ERR_MEMORY, "ptd writer: out of memory");
  }
  free(offsets);
  free(segs);
  free(named);
  wick_bytes_free(&area);
  wick_fbb_free(&b);
  return st;
}

/* ---- .bpte --------------------------------------------------------------- */

typedef struct bpte_value {
  uint8_t type; /* 1 Tensor, 2 Int, 3 Bool, 4 Double */
  data_tensor t;
  int64_t i;
  bool b;
  double dv;
} bpte_value;

struct wick_bpte_case {
  wick_bpte_writer *w;
  bpte_value *values[2]; /* [0] inputs, [1] expected outputs */
  uint32_t count[2], cap[2];
};

typedef struct bpte_suite {
  char *method;
  wick_bpte_case **cases;
  uint32_t num_cases, cases_cap;
} bpte_suite;

struct wick_bpte_writer {
  bool failed;
  uint32_t version;
  uint8_t *program;
  size_t program_size;
  bpte_suite *suites;
  uint32_t num_suites, suites_cap;
};

wick_bpte_writer *wick_bpte_writer_new(const void *program, size_t size) {
  wick_bpte_writer *w = calloc(1, sizeof(*w));
  if (w == NULL) return NULL;
  w->program = wick_memdup(program ? program : "", size, &w->failed);
  w->program_size = size;
  return w;
}

void wick_bpte_writer_free(wick_bpte_writer *w) {
  if (w == NULL) return;
  for (uint32_t s = 0; s < w->num_suites; s++) {
    bpte_suite *su = &w->suites[s];
    for (uint32_t c = 0; c < su->num_cases; c++) {
      wick_bpte_case *tc = su->cases[c];
      for (int k = 0; k < 2; k++) {
        for (uint32_t i = 0; i < tc->count[k]; i++) data_tensor_free(&tc->values[k][i].t);
        free(tc->values[k]);
      }
      free(tc);
    }
    free(su->cases);
    free(su->method);
  }
  free(w->suites);
  free(w->program);
  free(w);
}

void wick_bpte_writer_set_version(wick_bpte_writer *w, uint32_t version) {
  w->version = version;
}

wick_bpte_case *wick_bpte_add_case(wick_bpte_writer *w, const char *method) {
  if (method == NULL) method = "forward";
  bpte_suite *su = NULL;
  for (uint32_t s = 0; s < w->num_suites; s++)
    if (strcmp(w->suites[s].method, method) == 0) su = &w->suites[s];
  if (su == NULL) {
    bpte_suite ns = {0};
    ns.method = wick_strdup_or_null(method, &w->failed);
    if (w->failed || !wick_array_push((void **)&w->suites, &w->num_suites, &w->suites_cap,
                                      sizeof(ns), &ns)) {
      free(ns.method);
      w->failed = true;
      return NULL;
    }
    su = &w->suites[w->num_suites - 1];
  }
  wick_bpte_case *c = calloc(1, sizeof(*c));
  if (c == NULL ||
      !wick_array_push((void **)&su->cases, &su->num_cases, &su->cases_cap, sizeof(c), &c)) {
    free(c);
    w->failed = true;
    return NULL;
  }
  c->w = w;
  return c;
}

static void case_push(wick_bpte_case *c, bool expected, bpte_value *v) {
  int k = expected ? 1 : 0;
  if (c->w->failed || !wick_array_push((void **)&c->values[k], &c->count[k], &c->cap[k],
                                       sizeof(*v), v)) {
    c->w->failed = true;
    data_tensor_free(&v->t);
  }
}

void wick_bpte_case_tensor(wick_bpte_case *c, bool expected, int dtype, uint32_t dim,
                           const int32_t *sizes, const void *data, size_t size) {
  if (c == NULL) return;
  bpte_value v = {.type = 1};
  data_tensor_init(&v.t, &c->w->failed, dtype, dim, sizes, NULL, data, size);
  case_push(c, expected, &v);
}

void wick_bpte_case_int(wick_bpte_case *c, bool expected, int64_t x) {
  if (c == NULL) return;
  bpte_value v = {.type = 2, .i = x};
  case_push(c, expected, &v);
}

void wick_bpte_case_bool(wick_bpte_case *c, bool expected, bool x) {
  if (c == NULL) return;
  bpte_value v = {.type = 3, .b = x};
  case_push(c, expected, &v);
}

void wick_bpte_case_double(wick_bpte_case *c, bool expected, double x) {
  if (c == NULL) return;
  bpte_value v = {.type = 4, .dv = x};
  case_push(c, expected, &v);
}

static wick_fbb_ref build_bpte_value(wick_fbb *b, const bpte_value *v) {
  wick_fbb_ref payload = 0;
  switch (v->type) {
    case 1: { /* Tensor {scalar_type, sizes, data (force_align 16), dim_order} */
      wick_fbb_ref sizes = wick_fbb_vec_i32(b, v->t.sizes, v->t.dim);
      wick_fbb_ref data = wick_fbb_vec_u8(b, v->t.data, v->t.size, DATA_ALIGN);
      wick_fbb_ref order = wick_fbb_vec_u8(b, v->t.dim_order, v->t.dim, 1);
      wick_fbb_table_start(b);
      wick_fbb_add_i8(b, 0, (int8_t)v->t.dtype);
      wick_fbb_add_ref(b, 1, sizes);
      wick_fbb_add_ref(b, 2, data);
      wick_fbb_add_ref(b, 3, order);
      payload = wick_fbb_table_end(b);
      break;
    }
    case 2: /* Int {int_val} */
      wick_fbb_table_start(b);
      wick_fbb_add_i64(b, 0, v->i);
      payload = wick_fbb_table_end(b);
      break;
    case 3: /* Bool {bool_val} */
      wick_fbb_table_start(b);
      wick_fbb_add_bool(b, 0, v->b);
      payload = wick_fbb_table_end(b);
      break;
    default: /* Double {double_val} */
      wick_fbb_table_start(b);
      wick_fbb_add_f64(b, 0, v->dv);
      payload = wick_fbb_table_end(b);
      break;
  }
  wick_fbb_table_start(b); /* Value {val_type, val} */
  wick_fbb_add_union(b, 0, v->type, payload);
  return wick_fbb_table_end(b);
}

static wick_fbb_ref build_bpte_case(wick_fbb *b, const wick_bpte_case *c) {
  wick_fbb_ref lists[2];
  for (int k = 0; k < 2; k++) {
    wick_fbb_ref *refs = ref_array(b, c->count[k]);
    if (refs == NULL) return 0;
    for (uint32_t i = 0; i < c->count[k]; i++) refs[i] = build_bpte_value(b, &c->values[k][i]);
    lists[k] = wick_fbb_vec_refs(b, refs, c->count[k]);
    free(refs);
  }
  wick_fbb_table_start(b); /* BundledMethodTestCase {inputs, expected_outputs} */
  wick_fbb_add_ref(b, 0, lists[0]);
  wick_fbb_add_ref(b, 1, lists[1]);
  return wick_fbb_table_end(b);
}

wick_status wick_bpte_writer_finish(wick_bpte_writer *w, uint8_t **out, size_t *size,
                                    wick_diag *d) {
  *out = NULL;
  *size = 0;
  if (w->failed)
    return wick_diag_set(d, WICK_ERR_MEMORY, "bpte writer: an earlier call failed");
  wick_fbb b;
  wick_fbb_init(&b);
  wick_fbb_ref *suites = ref_array(&b, w->num_suites);
  for (uint32_t s = 0; suites && s < w->num_suites; s++) {
    const bpte_suite *su = &w->suites[s];
    wick_fbb_ref name = wick_fbb_string(&b, su->method);
    wick_fbb_ref *cases = ref_array(&b, su->num_cases);
    if (cases == NULL) break;
    for (uint32_t c = 0; c < su->num_cases; c++) cases[c] = build_bpte_case(&b, su->cases[c]);
    wick_fbb_ref case_vec = wick_fbb_vec_refs(&b, cases, su->num_cases);
    free(cases);
    wick_fbb_table_start(&b); /* BundledMethodTestSuite {method_name, test_cases} */
    wick_fbb_add_ref(&b, 0, name);
    wick_fbb_add_ref(&b, 1, case_vec);
    suites[s] = wick_fbb_table_end(&b);
  }
  if (suites) {
    wick_fbb_ref suite_vec = wick_fbb_vec_refs(&b, suites, w->num_suites);
    wick_fbb_ref program = wick_fbb_vec_u8(&b, w->program, w->program_size, DATA_ALIGN);
    wick_fbb_table_start(&b); /* BundledProgram {version, method_test_suites, program} */
    wick_fbb_add_u32(&b, 0, w->version);
    wick_fbb_add_ref(&b, 1, suite_vec);
    wick_fbb_add_ref(&b, 2, program);
    wick_fbb_ref root = wick_fbb_table_end(&b);
    wick_fbb_finish(&b, root, "BP08");
  }
  free(suites);
  wick_status st = WICK_OK;
  if (b.failed || suites == NULL) {
    st = wick_diag_set(d, WICK_ERR_MEMORY, "bpte writer: flatbuffer construction failed");
  } else {
    *size = wick_fbb_size(&b);
    *out = malloc(*size);
    if (*out)
      memcpy(*out, wick_fbb_data(&b), *size);
    else
      st = wick_diag_set(d, WICK_ERR_MEMORY, "bpte writer: out of memory");
  }
  wick_fbb_free(&b);
  return st;
}
