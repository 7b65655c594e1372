/* Programs built with the .pte/.ptd/.bpte writers (src/compiler) and run
 * through the runtime: constant segment vs legacy inline constants, external
 * weights in a .ptd, dynamic-bound inputs, mutable buffers with initial data,
 * named data, several methods, every value kind, and a bundled-program round
 * trip. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/fbb.h"
#include "compiler/pte_writer.h"
#include "harness.h"
#include "wick/bundled.h"
#include "wick/util.h"
#include "wick/wick.h"

static const float kConst[4] = {10, 20, 30, 40};
static const float kX[4] = {1, 2, 3, 4};

static uint8_t *finish(wick_pte_writer *w, size_t *n) {
  uint8_t *out = NULL;
  wick_diag d = {0};
  wick_status s = wick_pte_writer_finish(w, &out, n, &d);
  CHECK_MSG(s == WICK_OK, "writer: %s", d.msg);
  wick_pte_writer_free(w);
  return out;
}

/* forward(x: f32[2,2]) = x + C, with C a constant (segment or inline), and a
 * second method "twice" computing x + x; optionally a named_data blob (which
 * lives in a segment, so the file then has an extended header). */
static uint8_t *make_add(bool inline_constants, bool with_blob, size_t *n) {
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_writer_set_inline_constants(w, inline_constants);
  uint32_t c = wick_pte_add_constant(w, kConst, sizeof kConst);
  if (with_blob) wick_pte_add_named_data(w, "blob", "hello", 5);
  int32_t sz[2] = {2, 2};

  wick_pte_method *m = wick_pte_add_method(w, "forward");
  uint32_t arena = wick_pte_add_arena(m, 32);
  int x = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 0);
  int k = wick_pte_const_tensor(m, WICK_F32, 2, sz, c);
  int one = wick_pte_int(m, 1);
  int y = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 16);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, k, one, y, y}, 5);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){y}, 1);

  m = wick_pte_add_method(w, "twice");
  arena = wick_pte_add_arena(m, 32);
  x = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 0);
  one = wick_pte_int(m, 1);
  y = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 16);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, x, one, y, y}, 5);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){y}, 1);
  return finish(w, n);
}

/* Loads `method`, sets float input 0 (dim/sizes given), executes, and copies
 * output 0 into y (ny floats) and its header into *yh. */
static wick_status run_f32(const wick_program *p, const char *method, const float *x, int dim,
                           const int64_t *sizes, float *y, size_t ny, wick_tensor *yh,
                           wick_diag *d) {
  wick_loaded_method lm;
  wick_status s = wick_method_load_alloc(p, method, &lm, d);
  if (s) return s;
  wick_tensor in;
  s = wick_tensor_init(&in, WICK_F32, dim, sizes, (void *)x, 64 * sizeof(float));
  if (!s) s = wick_method_set_input(lm.method, 0, &in, d);
  if (!s) s = wick_method_execute(lm.method, d);
  if (!s) {
    const wick_tensor *out = wick_method_output(lm.method, 0);
    if (out == NULL || out->dtype != WICK_F32 || wick_tensor_numel(out) > ny) {
      s = wick_diag_set(d, WICK_ERR_KERNEL, "unexpected output");
    } else {
      memcpy(y, out->data, wick_tensor_nbytes(out));
      if (yh) *yh = *out;
    }
  }
  wick_method_free(&lm);
  return s;
}

static void test_add_segment_and_inline(void) {
  size_t n_seg, n_inl;
  uint8_t *seg = make_add(false, true, &n_seg);
  uint8_t *inl = make_add(true, true, &n_inl);
  if (!seg || !inl) return;
  /* Layout facts: the segment version has "eh00" and data after the flatbuffer. */
  CHECK(memcmp(seg + 4, "ET12", 4) == 0 && memcmp(seg + 8, "eh00", 4) == 0);
  CHECK(memcmp(inl + 4, "ET12", 4) == 0);

  float ys[2][4];
  const uint8_t *bufs[2] = {seg, inl};
  size_t sizes[2] = {n_seg, n_inl};
  for (int v = 0; v < 2; v++) {
    wick_program p;
    wick_diag d = {0};
    wick_status s = wick_program_load(&p, bufs[v], sizes[v], &d);
    CHECK_MSG(s == WICK_OK, "%s: %s", v ? "inline" : "segment", d.msg);
    if (s) continue;
    CHECK(p.num_methods == 2);
    CHECK(p.has_ext_header);
    CHECK(strcmp(wick_program_method_name(&p, 0), "forward") == 0);
    CHECK(strcmp(wick_program_method_name(&p, 1), "twice") == 0);
    const void *blob = NULL;
    size_t blob_size = 0;
    s = wick_program_named_data(&p, "blob", &blob, &blob_size, &d);
    CHECK_MSG(s == WICK_OK && blob_size == 5 && memcmp(blob, "hello", 5) == 0, "%s", d.msg);
    CHECK(wick_program_named_data(&p, "nope", &blob, &blob_size, NULL) == WICK_ERR_NOT_FOUND);

    wick_method_meta meta;
    s = wick_method_meta_get(&p, "forward", &meta, &d);
    CHECK_MSG(s == WICK_OK, "%s", d.msg);
    if (!s) {
      CHECK(meta.num_inputs == 1 && meta.num_outputs == 1 && meta.num_values == 4);
      CHECK(meta.num_planned == 1 && meta.planned_sizes[0] == 32);
      CHECK(meta.num_operators == 1 && meta.num_instructions == 1);
      char op[64];
      CHECK(wick_method_operator_name(&p, "forward", 0, op, sizeof op, NULL) == WICK_OK &&
            strcmp(op, "aten::add.out") == 0);
    }
    int64_t shape[2] = {2, 2};
    s = run_f32(&p, "forward", kX, 2, shape, ys[v], 4, NULL, &d);
    CHECK_MSG(s == WICK_OK, "%s run: %s", v ? "inline" : "segment", d.msg);
    for (int i = 0; i < 4 && !s; i++) CHECK(ys[v][i] == kX[i] + kConst[i]);
    float twice[4];
    s = run_f32(&p, "twice", kX, 2, shape, twice, 4, NULL, &d);
    CHECK_MSG(s == WICK_OK, "twice: %s", d.msg);
    for (int i = 0; i < 4 && !s; i++) CHECK(twice[i] == 2 * kX[i]);
  }
  CHECK(memcmp(ys[0], ys[1], sizeof ys[0]) == 0);
  free(seg);
  free(inl);
}

/* forward(x: f32[2,2]) = x + W with W = "linear.weight" stored in a .ptd. */
static void test_external_ptd(void) {
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  int32_t sz[2] = {2, 2};
  uint32_t arena = wick_pte_add_arena(m, 32);
  int x = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 0);
  wick_pte_tensor_desc wt = {.scalar_type = WICK_F32, .dim = 2, .sizes = sz,
                             .fqn = "linear.weight", .location = WICK_PTE_LOC_EXTERNAL};
  int wv = wick_pte_tensor(m, &wt);
  int one = wick_pte_int(m, 1);
  int y = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 16);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, wv, one, y, y}, 5);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){y}, 1);
  size_t n_pte;
  uint8_t *pte = finish(w, &n_pte);

  wick_ptd_writer *pw = wick_ptd_writer_new();
  wick_ptd_add_blob(pw, "unrelated", "xyz", 3);
  wick_ptd_add_tensor(pw, "linear.weight", WICK_F32, 2, sz, NULL, kConst, sizeof kConst);
  uint8_t *ptd = NULL;
  size_t n_ptd = 0;
  wick_diag d = {0};
  CHECK_MSG(wick_ptd_writer_finish(pw, &ptd, &n_ptd, &d) == WICK_OK, "%s", d.msg);
  wick_ptd_writer_free(pw);
  if (!pte || !ptd) goto out;
  CHECK(memcmp(ptd + 4, "FT01", 4) == 0 && memcmp(ptd + 8, "FH01", 4) == 0);

  wick_data_map dm;
  wick_status s = wick_data_map_load(&dm, ptd, n_ptd, &d);
  CHECK_MSG(s == WICK_OK, "ptd: %s", d.msg);
  if (s) goto out;
  CHECK(dm.count == 2 && dm.legacy == 0);
  wick_data_entry e;
  s = wick_data_map_find(&dm, "linear.weight", &e, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  if (!s) {
    CHECK(e.size >= sizeof kConst && memcmp(e.data, kConst, sizeof kConst) == 0);
    CHECK(e.has_layout && e.dtype == WICK_F32 && e.dim == 2 && e.sizes[0] == 2 && e.sizes[1] == 2);
    CHECK(((uintptr_t)e.data - (uintptr_t)ptd) % 16 == 0);
  }
  s = wick_data_map_find(&dm, "unrelated", &e, &d);
  CHECK(s == WICK_OK && !e.has_layout && e.size >= 3 && memcmp(e.data, "xyz", 3) == 0);
  CHECK(wick_data_map_find(&dm, "missing", &e, NULL) == WICK_ERR_NOT_FOUND);
  for (uint32_t i = 0; i < dm.count; i++) CHECK(wick_data_map_entry(&dm, i, &e, NULL) == WICK_OK);

  wick_program p;
  s = wick_program_load(&p, pte, n_pte, &d);
  CHECK_MSG(s == WICK_OK, "pte: %s", d.msg);
  if (s) goto out;
  /* Without the data file the method cannot load. */
  wick_loaded_method lm;
  wick_diag_clear(&d);
  s = wick_method_load_alloc(&p, "forward", &lm, &d);
  CHECK_MSG(s == WICK_ERR_MISSING_DATA && strstr(d.msg, "linear.weight"), "%s: %s",
            wick_status_name(s), d.msg);
  if (s == WICK_OK) wick_method_free(&lm);

  wick_diag_clear(&d);
  CHECK(wick_program_add_data(&p, &dm, &d) == WICK_OK);
  float y4[4];
  int64_t shape[2] = {2, 2};
  s = run_f32(&p, "forward", kX, 2, shape, y4, 4, NULL, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  for (int i = 0; i < 4 && !s; i++) CHECK(y4[i] == kX[i] + kConst[i]);
out:
  free(pte);
  free(ptd);
}

/* forward(x: f32[<=6], dynamic bound) = x + x. */
static void test_dynamic_bound(void) {
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  int32_t bound[1] = {6};
  uint32_t arena = wick_pte_add_arena(m, 64);
  wick_pte_tensor_desc t = {.scalar_type = WICK_F32, .dim = 1, .sizes = bound,
                            .memory_id = arena, .shape_dynamism = WICK_SHAPE_DYNAMIC_BOUND};
  int x = wick_pte_tensor(m, &t);
  t.memory_offset = 32;
  int y = wick_pte_tensor(m, &t);
  int one = wick_pte_int(m, 1);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, x, one, y, y}, 5);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){y}, 1);
  size_t n;
  uint8_t *pte = finish(w, &n);
  if (!pte) return;

  wick_program p;
  wick_diag d = {0};
  wick_status s = wick_program_load(&p, pte, n, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  wick_loaded_method lm;
  if (!s) s = wick_method_load_alloc(&p, "forward", &lm, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  if (s) goto out;
  const float xs[6] = {1, 2, 3, 4, 5, 6};
  const int64_t lens[4] = {2, 6, 1, 4};
  for (int k = 0; k < 4; k++) {
    wick_tensor in;
    wick_tensor_init(&in, WICK_F32, 1, &lens[k], (void *)xs, sizeof xs);
    s = wick_method_set_input(lm.method, 0, &in, &d);
    CHECK_MSG(s == WICK_OK, "len %lld: %s", (long long)lens[k], d.msg);
    if (!s) s = wick_method_execute(lm.method, &d);
    CHECK_MSG(s == WICK_OK, "len %lld: %s", (long long)lens[k], d.msg);
    const wick_tensor *y_t = wick_method_output(lm.method, 0);
    if (s || y_t == NULL) continue;
    CHECK_MSG(y_t->dim == 1 && y_t->sizes[0] == lens[k], "output has %d elements, expected %lld",
              y_t->sizes[0], (long long)lens[k]);
    for (int i = 0; i < lens[k] && i < y_t->sizes[0]; i++)
      CHECK(((const float *)y_t->data)[i] == 2 * xs[i]);
  }
  /* Past the bound, or a different rank: refused. */
  const int64_t too_big = 7;
  wick_tensor in;
  wick_tensor_init(&in, WICK_F32, 1, &too_big, (void *)xs, 64);
  wick_diag_clear(&d);
  s = wick_method_set_input(lm.method, 0, &in, &d);
  CHECK_MSG(s == WICK_ERR_INPUT_MISMATCH && d.msg[0], "%s", wick_status_name(s));
  const int64_t two_d[2] = {2, 3};
  wick_tensor_init(&in, WICK_F32, 2, two_d, (void *)xs, sizeof xs);
  CHECK(wick_method_set_input(lm.method, 0, &in, NULL) == WICK_ERR_INPUT_MISMATCH);
  wick_tensor_init(&in, WICK_I32, 1, &lens[0], (void *)xs, sizeof xs);
  CHECK(wick_method_set_input(lm.method, 0, &in, NULL) == WICK_ERR_INPUT_MISMATCH);
  wick_method_free(&lm);
out:
  free(pte);
}

/* forward(x) { buf += x; return buf; } with buf a planned tensor whose initial
 * state comes from mutable_data_segments. */
static void test_mutable_buffer(void) {
  wick_pte_writer *w = wick_pte_writer_new();
  const float init[4] = {100, 200, 300, 400};
  uint32_t k = wick_pte_add_mutable_data(w, init, sizeof init);
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  int32_t sz[1] = {4};
  uint32_t arena = wick_pte_add_arena(m, 32);
  int x = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 0);
  wick_pte_tensor_desc bt = {.scalar_type = WICK_F32, .dim = 1, .sizes = sz,
                             .memory_id = arena, .memory_offset = 16, .data_buffer_idx = k};
  int buf = wick_pte_tensor(m, &bt);
  int one = wick_pte_int(m, 1);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){buf, x, one, buf, buf}, 5);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){buf}, 1);
  size_t n;
  uint8_t *pte = finish(w, &n);
  if (!pte) return;
  uint8_t *copy = malloc(n);
  memcpy(copy, pte, n);

  wick_program p;
  wick_diag d = {0};
  wick_status s = wick_program_load(&p, pte, n, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  wick_loaded_method lm;
  if (!s) s = wick_method_load_alloc(&p, "forward", &lm, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  if (!s) {
    for (int run = 1; run <= 2 && !s; run++) {
      int64_t len = 4;
      wick_tensor in;
      wick_tensor_init(&in, WICK_F32, 1, &len, (void *)kX, sizeof kX);
      s = wick_method_set_input(lm.method, 0, &in, &d);
      if (!s) s = wick_method_execute(lm.method, &d);
      CHECK_MSG(s == WICK_OK, "run %d: %s", run, d.msg);
      const wick_tensor *y = wick_method_output(lm.method, 0);
      for (int i = 0; i < 4 && !s && y; i++)
        CHECK_MSG(((const float *)y->data)[i] == init[i] + run * kX[i], "run %d [%d] = %g", run,
                  i, ((const float *)y->data)[i]);
    }
    wick_method_free(&lm);
  }
  /* The program bytes themselves are never written. */
  CHECK(memcmp(copy, pte, n) == 0);
  free(copy);
  free(pte);
}

/* Every value kind in one method; permute_copy takes its dims as an IntList
 * (items are indices of Int values). */
static void test_value_kinds(void) {
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  wick_pte_set_container_meta(m, "[1, {}]", "[1, {}]");
  int32_t xs[2] = {2, 3}, ys[2] = {3, 2};
  uint32_t arena = wick_pte_add_arena(m, 64);
  int x = wick_pte_planned_tensor(m, WICK_F32, 2, xs, arena, 0);
  int y = wick_pte_planned_tensor(m, WICK_F32, 2, ys, arena, 32);
  int dims = wick_pte_int_list_of(m, (int64_t[]){1, 0}, 2);
  wick_pte_null(m);
  wick_pte_none(m);
  wick_pte_bool(m, true);
  wick_pte_double(m, 0.5);
  wick_pte_string(m, "hello");
  wick_pte_double_list(m, (double[]){1.5, -2}, 2);
  wick_pte_bool_list(m, (bool[]){true, false}, 2);
  wick_pte_tensor_list(m, (int32_t[]){x, y}, 2);
  wick_pte_opt_tensor_list(m, (int32_t[]){x, -1}, 2);
  wick_pte_kernel_named(m, "aten::permute_copy", "out", (int32_t[]){x, dims, y, y}, 4);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){y}, 1);
  size_t n;
  uint8_t *pte = finish(w, &n);
  if (!pte) return;
  wick_program p;
  wick_diag d = {0};
  wick_status s = wick_program_load(&p, pte, n, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  wick_loaded_method lm;
  if (!s) s = wick_method_load_alloc(&p, "forward", &lm, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  if (!s) {
    CHECK(lm.meta.num_values == 14);
    uint32_t nargs = 0;
    wick_value *const *args = wick_method_instr_args(lm.method, 0, &nargs);
    /* the trailing return (same value as `out`) may or may not be listed */
    CHECK((nargs == 3 || nargs == 4) && args != NULL);
    if (nargs >= 3 && args) {
      CHECK(args[0]->kind == WICK_VAL_TENSOR && args[1]->kind == WICK_VAL_INT_LIST);
      uint32_t nd = 0;
      const int64_t *dv = wick_value_int_list(args[1], &nd);
      CHECK(nd == 2 && dv && dv[0] == 1 && dv[1] == 0);
    }
    const float in6[6] = {1, 2, 3, 4, 5, 6};
    int64_t shape[2] = {2, 3};
    wick_tensor in;
    wick_tensor_init(&in, WICK_F32, 2, shape, (void *)in6, sizeof in6);
    s = wick_method_set_input(lm.method, 0, &in, &d);
    if (!s) s = wick_method_execute(lm.method, &d);
    CHECK_MSG(s == WICK_OK, "%s", d.msg);
    const wick_tensor *out = wick_method_output(lm.method, 0);
    const float want[6] = {1, 4, 2, 5, 3, 6};
    if (!s && out) CHECK(memcmp(out->data, want, sizeof want) == 0);
    wick_method_free(&lm);
  }
  free(pte);
}

/* A bundle of the add program with one test case, loaded back and verified. */
static void test_bundled_round_trip(void) {
  size_t n_pte;
  uint8_t *pte = make_add(false, false, &n_pte);
  if (!pte) return;
  float want[4];
  for (int i = 0; i < 4; i++) want[i] = kX[i] + kConst[i];
  wick_bpte_writer *bw = wick_bpte_writer_new(pte, n_pte);
  wick_bpte_case *c = wick_bpte_add_case(bw, "forward");
  wick_bpte_case_tensor(c, false, WICK_F32, 2, (int32_t[]){2, 2}, kX, sizeof kX);
  wick_bpte_case_tensor(c, true, WICK_F32, 2, (int32_t[]){2, 2}, want, sizeof want);
  c = wick_bpte_add_case(bw, "twice");
  wick_bpte_case_tensor(c, false, WICK_F32, 2, (int32_t[]){2, 2}, kX, sizeof kX);
  wick_bpte_case_int(c, true, 7);
  wick_bpte_case_bool(c, true, true);
  wick_bpte_case_double(c, true, 2.5);
  uint8_t *bpte = NULL;
  size_t n_bpte = 0;
  wick_diag d = {0};
  CHECK_MSG(wick_bpte_writer_finish(bw, &bpte, &n_bpte, &d) == WICK_OK, "%s", d.msg);
  wick_bpte_writer_free(bw);
  if (!bpte) goto out;
  CHECK(wick_is_bundled(bpte, n_bpte));
  CHECK(!wick_is_bundled(pte, n_pte));

  wick_bundled b;
  wick_status s = wick_bundled_load(&b, bpte, n_bpte, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  if (s) goto out;
  CHECK(b.num_suites == 2);
  CHECK(b.program_size == n_pte && memcmp(b.program, pte, n_pte) == 0);
  CHECK(((uintptr_t)b.program - (uintptr_t)bpte) % 16 == 0);
  wick_bundled_suite suite;
  s = wick_bundled_get_suite(&b, 0, &suite, &d);
  CHECK(s == WICK_OK && strcmp(suite.method_name, "forward") == 0 && suite.num_cases == 1);
  uint32_t ni = 0, ne = 0;
  s = wick_bundled_case_counts(&b, 0, 0, &ni, &ne, &d);
  CHECK(s == WICK_OK && ni == 1 && ne == 1);
  wick_bundled_value in, exp;
  s = wick_bundled_case_value(&b, 0, 0, false, 0, &in, &d);
  if (!s) s = wick_bundled_case_value(&b, 0, 0, true, 0, &exp, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  if (!s) {
    CHECK(in.kind == WICK_VAL_TENSOR && in.tensor.dtype == WICK_F32 && in.tensor.dim == 2);
    CHECK(exp.kind == WICK_VAL_TENSOR && wick_tensor_nbytes(&exp.tensor) == sizeof want);
    wick_program p;
    s = wick_program_load(&p, b.program, b.program_size, &d);
    CHECK_MSG(s == WICK_OK, "%s", d.msg);
    wick_loaded_method lm;
    if (!s) s = wick_method_load_alloc(&p, "forward", &lm, &d);
    if (!s) {
      s = wick_method_set_input(lm.method, 0, &in.tensor, &d);
      if (!s) s = wick_method_execute(lm.method, &d);
      CHECK_MSG(s == WICK_OK, "%s", d.msg);
      const wick_tensor *y = wick_method_output(lm.method, 0);
      if (!s && y) CHECK(memcmp(y->data, exp.tensor.data, sizeof want) == 0);
      wick_method_free(&lm);
    }
  }
  s = wick_bundled_get_suite(&b, 1, &suite, &d);
  CHECK(s == WICK_OK && strcmp(suite.method_name, "twice") == 0);
  s = wick_bundled_case_counts(&b, 1, 0, &ni, &ne, &d);
  CHECK(s == WICK_OK && ni == 1 && ne == 3);
  wick_bundled_value v;
  CHECK(wick_bundled_case_value(&b, 1, 0, true, 0, &v, NULL) == WICK_OK &&
        v.kind == WICK_VAL_INT && v.i == 7);
  CHECK(wick_bundled_case_value(&b, 1, 0, true, 1, &v, NULL) == WICK_OK &&
        v.kind == WICK_VAL_BOOL && v.i == 1);
  CHECK(wick_bundled_case_value(&b, 1, 0, true, 2, &v, NULL) == WICK_OK &&
        v.kind == WICK_VAL_DOUBLE && v.d == 2.5);
  CHECK(wick_bundled_case_value(&b, 1, 0, true, 3, &v, NULL) != WICK_OK);
  CHECK(wick_bundled_get_suite(&b, 2, &suite, NULL) != WICK_OK);
out:
  free(pte);
  free(bpte);
}

/* Writer-level checks that need no runtime: alignment of segment data and of
 * inline constant storage. */
static void test_layout(void) {
  size_t n;
  uint8_t *pte = make_add(false, false, &n);
  if (!pte) return;
  uint64_t program_size = 0, base = 0;
  for (int i = 7; i >= 0; i--) {
    program_size = program_size << 8 | pte[16 + i];
    base = base << 8 | pte[24 + i];
  }
  CHECK(program_size <= base && base % 16 == 0 && base < n);
  /* the constant follows at the segment base (first segment, first offset) */
  CHECK(memcmp(pte + base, kConst, sizeof kConst) == 0);
  free(pte);
  pte = make_add(true, false, &n);
  if (!pte) return;
  /* Legacy layout: no segments, so no extended header either. */
  CHECK(memcmp(pte + 8, "eh00", 4) != 0);
  wick_program p;
  wick_diag d = {0};
  CHECK_MSG(wick_program_load(&p, pte, n, &d) == WICK_OK, "%s", d.msg);
  CHECK(!p.has_ext_header && p.num_segments == 0);
  int64_t shape[2] = {2, 2};
  float y[4];
  CHECK_MSG(run_f32(&p, "forward", kX, 2, shape, y, 4, NULL, &d) == WICK_OK, "%s", d.msg);
  CHECK(y[3] == kX[3] + kConst[3]);
  /* the inline constant bytes sit at a 16-aligned position */
  int found = 0;
  for (size_t i = 0; i + sizeof kConst <= n; i++)
    if (memcmp(pte + i, kConst, sizeof kConst) == 0) found = (i % 16 == 0) ? 1 : -1;
  CHECK(found == 1);
  free(pte);
}

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The flatbuffer builder on its own: root offset, identifier, shared vtables,
 * forward uoffsets, string NUL, force-aligned byte vectors, sticky errors. */
static void test_fbb(void) {
  wick_fbb b;
  wick_fbb_init(&b);
  wick_fbb_ref s = wick_fbb_string(&b, "abc");
  const uint8_t bytes[5] = {1, 2, 3, 4, 5};
  wick_fbb_ref v = wick_fbb_vec_u8(&b, bytes, 5, 64);
  wick_fbb_ref t[2];
  for (int i = 0; i < 2; i++) { /* two tables with one layout: one vtable */
    wick_fbb_table_start(&b);
    wick_fbb_add_u32(&b, 0, 100 + (uint32_t)i);
    wick_fbb_add_ref(&b, 2, s);
    t[i] = wick_fbb_table_end(&b);
  }
  wick_fbb_ref list = wick_fbb_vec_refs(&b, t, 2);
  wick_fbb_table_start(&b);
  wick_fbb_add_ref(&b, 0, list);
  wick_fbb_add_ref(&b, 1, v);
  wick_fbb_add_i64(&b, 2, -5);
  wick_fbb_ref root = wick_fbb_table_end(&b);
  CHECK(wick_fbb_finish(&b, root, "TEST"));
  const uint8_t *buf = wick_fbb_data(&b);
  size_t n = wick_fbb_size(&b);
  CHECK(n % 64 == 0 && memcmp(buf + 4, "TEST", 4) == 0);
  uint32_t rt = rd32(buf);
  CHECK(rt < n && rt % 4 == 0);
  /* root vtable: 3 fields */
  int32_t so = (int32_t)rd32(buf + rt);
  const uint8_t *vt = buf + rt - so;
  CHECK(vt[0] == 4 + 2 * 3 && vt[2] >= 4);
  uint16_t f0 = (uint16_t)(vt[4] | vt[5] << 8), f1 = (uint16_t)(vt[6] | vt[7] << 8),
           f2 = (uint16_t)(vt[8] | vt[9] << 8);
  CHECK(f0 && f1 && f2 && (rt + f2) % 8 == 0);
  int64_t i64;
  memcpy(&i64, buf + rt + f2, 8);
  CHECK(i64 == -5);
  uint32_t vec = rt + f1 + rd32(buf + rt + f1); /* the byte vector */
  CHECK(rd32(buf + vec) == 5 && (vec + 4) % 64 == 0 && memcmp(buf + vec + 4, bytes, 5) == 0);
  uint32_t lst = rt + f0 + rd32(buf + rt + f0);
  CHECK(rd32(buf + lst) == 2);
  uint32_t e0 = lst + 4 + rd32(buf + lst + 4), e1 = lst + 8 + rd32(buf + lst + 8);
  CHECK(e0 > lst && e1 > lst);
  CHECK(e0 - (uint32_t)(int32_t)rd32(buf + e0) == e1 - (uint32_t)(int32_t)rd32(buf + e1));
  const uint8_t *evt = buf + e0 - (int32_t)rd32(buf + e0);
  CHECK(evt[0] == 4 + 2 * 3 && evt[6] == 0 && evt[7] == 0); /* field 1 absent */
  uint16_t sf = (uint16_t)(evt[8] | evt[9] << 8);
  uint32_t str = e1 + sf + rd32(buf + e1 + sf);
  CHECK(rd32(buf + str) == 3 && memcmp(buf + str + 4, "abc", 4) == 0);
  CHECK(rd32(buf + e0 + (evt[4] | evt[5] << 8)) == 100);
  CHECK(rd32(buf + e1 + (evt[4] | evt[5] << 8)) == 101);
  wick_fbb_free(&b);

  /* Misuse is sticky: a table inside a table. */
  wick_fbb_init(&b);
  wick_fbb_table_start(&b);
  wick_fbb_table_start(&b);
  CHECK(b.failed);
  CHECK(!wick_fbb_finish(&b, 1, NULL));
  wick_fbb_free(&b);
}

/* Program bytes are read-only to the runtime: a constant tensor listed as a
 * method input, or passed as a kernel's out argument, must not be written
 * through (the .pte may be mmap'd read-only). Either the load refuses, the
 * call fails, or the bytes stay intact. */
static void test_constants_stay_constant(void) {
  for (int variant = 0; variant < 2; variant++) {
    wick_pte_writer *w = wick_pte_writer_new();
    uint32_t c = wick_pte_add_constant(w, kConst, sizeof kConst);
    wick_pte_method *m = wick_pte_add_method(w, "forward");
    int32_t sz[1] = {4};
    uint32_t arena = wick_pte_add_arena(m, 32);
    int x = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 0);
    int k = wick_pte_const_tensor(m, WICK_F32, 1, sz, c);
    int one = wick_pte_int(m, 1);
    int y = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 16);
    if (variant == 0) { /* the constant is input 0 */
      wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){k, x, one, y, y}, 5);
      wick_pte_set_inputs(m, (int32_t[]){k, x}, 2);
      wick_pte_set_outputs(m, (int32_t[]){y}, 1);
    } else { /* the constant is the out argument */
      wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, x, one, k, k}, 5);
      wick_pte_set_inputs(m, (int32_t[]){x}, 1);
      wick_pte_set_outputs(m, (int32_t[]){k}, 1);
    }
    size_t n;
    uint8_t *pte = finish(w, &n);
    if (!pte) return;
    uint8_t *copy = malloc(n);
    memcpy(copy, pte, n);
    wick_program p;
    wick_diag d = {0};
    wick_loaded_method lm;
    wick_status s = wick_program_load(&p, pte, n, &d);
    if (!s) s = wick_method_load_alloc(&p, "forward", &lm, &d);
    if (!s) {
      int64_t len = 4;
      wick_tensor in;
      wick_tensor_init(&in, WICK_F32, 1, &len, (void *)kX, sizeof kX);
      for (uint32_t i = 0; i < wick_method_num_inputs(lm.method) && !s; i++)
        s = wick_method_set_input(lm.method, i, &in, &d);
      if (!s) s = wick_method_execute(lm.method, &d);
      wick_method_free(&lm);
    }
    CHECK_MSG(s == WICK_OK || d.msg[0], "variant %d: error without a message", variant);
    CHECK_MSG(memcmp(copy, pte, n) == 0, "%s: the runtime wrote into the program's bytes (%s)",
              variant ? "constant as a kernel out argument" : "constant as a method input",
              s ? d.msg : "no error reported");
    free(copy);
    free(pte);
  }
}

/* Regression (fuzz_pte): a tensor whose dims include 0 has no elements, but
 * its other dims still set the strides; [0, 262144, 1310720] overflowed the
 * int32 stride computation. Such dims must be refused at load. */
static void test_huge_dims_with_zero(void) {
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  uint32_t arena = wick_pte_add_arena(m, 64);
  int32_t big[3] = {0, 262144, 1310720}, one[1] = {1};
  int x = wick_pte_planned_tensor(m, WICK_F32, 3, big, arena, 0);
  int y = wick_pte_planned_tensor(m, WICK_F32, 1, one, arena, 16);
  wick_pte_kernel_named(m, "aten::clone", "out", (int32_t[]){x, wick_pte_none(m), y, y}, 4);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){y}, 1);
  uint8_t *pte = NULL;
  size_t n = 0;
  wick_diag d = {WICK_OK, ""};
  CHECK(wick_pte_writer_finish(w, &pte, &n, &d) == WICK_OK);
  wick_pte_writer_free(w);
  wick_program prog;
  wick_diag_clear(&d);
  wick_status s = wick_program_load(&prog, pte, n, &d);
  CHECK_MSG(s == WICK_ERR_NOT_SUPPORTED && strstr(d.msg, "2^31") != NULL, "%s: %s",
            wick_status_name(s), d.msg);
  wick_tensor t;
  CHECK(wick_tensor_init(&t, WICK_F32, 3, (const int64_t[]){0, 262144, 1310720}, NULL, 0) ==
        WICK_ERR_INVALID_ARGUMENT);
  free(pte);
}

int main(void) {
  test_huge_dims_with_zero();
  test_fbb();
  test_layout();
  test_add_segment_and_inline();
  test_external_ptd();
  test_dynamic_bound();
  test_mutable_buffer();
  test_value_kinds();
  test_bundled_round_trip();
  test_constants_stay_constant();
  return test_finish("test_writer");
}
