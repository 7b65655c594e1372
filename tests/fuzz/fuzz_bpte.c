/* libFuzzer target: bundled programs (.bpte, "BP08") — load, every suite,
 * case and value (touching tensor bytes), then the embedded program through
 * the whole .pte path (load, each method loaded and run once with ones).
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DWICK_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_bpte
 *   mkdir -p corpus && WICK_FUZZ_SEED_DIR=corpus ./build-fuzz/fuzz_bpte -max_total_time=60 \
 *       corpus ../shared/data/pte/bundled_program.bpte
 * Any failure without a diagnostic message aborts (a finding).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/pte_writer.h"
#include "wick/bundled.h"
#include "wick/util.h"
#include "wick/wick.h"

/* Runtime hook (not in the public header yet): bounds loops in found programs. */
extern void wick_method_set_step_limit(wick_method *m, uint64_t limit) __attribute__((weak));

#define MAX_ARENA_BYTES ((uint64_t)64 << 20)

static _Alignas(16) uint8_t g_scratch[1 << 20];

static void need_message(wick_status s, const wick_diag *d, const char *call) {
  if (s != WICK_OK && d->msg[0] == '\0') {
    fprintf(stderr, "%s returned %s without a message\n", call, wick_status_name(s));
    abort();
  }
}

static void fill_ones(void *p, int dtype, size_t numel) {
  uint8_t *b = p;
  size_t es = wick_dtype_size(dtype);
  for (size_t i = 0; i < numel; i++) {
    uint8_t *e = b + i * es;
    memset(e, 0, es);
    if (dtype == WICK_F32) {
      float one = 1.0f;
      memcpy(e, &one, 4);
    } else if (dtype == WICK_F64) {
      double one = 1.0;
      memcpy(e, &one, 8);
    } else if (dtype == WICK_F16) {
      e[1] = 0x3c;
    } else if (dtype == WICK_BF16) {
      e[0] = 0x80;
      e[1] = 0x3f;
    } else {
      e[0] = 1;
    }
  }
}

static void run_method(const wick_program *p, const char *name) {
  wick_diag d = {0};
  wick_method_meta meta;
  wick_status s = wick_method_meta_get(p, name, &meta, &d);
  need_message(s, &d, "wick_method_meta_get");
  if (s) return;
  uint64_t total = meta.runtime_bytes;
  for (uint32_t k = 0; k < meta.num_planned && k < WICK_MAX_PLANNED; k++)
    total += meta.planned_sizes[k] < MAX_ARENA_BYTES ? meta.planned_sizes[k] : MAX_ARENA_BYTES;
  if (total > MAX_ARENA_BYTES) return;
  for (uint32_t k = 0; k < meta.num_operators && k < 64; k++) {
    char op[128];
    wick_diag_clear(&d);
    need_message(wick_method_operator_name(p, name, k, op, sizeof op, &d), &d, "operator_name");
  }
  for (uint32_t k = 0; k < meta.num_inputs + meta.num_outputs && k < 64; k++) {
    wick_io_info io;
    bool output = k >= meta.num_inputs;
    wick_diag_clear(&d);
    need_message(wick_method_io_info(p, name, output, output ? k - meta.num_inputs : k, &io, &d),
                 &d, "io_info");
  }
  wick_loaded_method lm;
  wick_diag_clear(&d);
  s = wick_method_load_alloc(p, name, &lm, &d);
  need_message(s, &d, "wick_method_load_alloc");
  if (s) return;
  if (wick_method_set_step_limit) wick_method_set_step_limit(lm.method, 10000);
  for (uint32_t i = 0; i < wick_method_num_inputs(lm.method) && s == WICK_OK; i++) {
    wick_value *v = wick_method_input_value(lm.method, i);
    if (v == NULL) continue;
    wick_diag_clear(&d);
    if (v->kind == WICK_VAL_TENSOR && v->u.t) {
      wick_tensor in = *v->u.t;
      if (wick_tensor_nbytes(&in) > sizeof g_scratch || wick_dtype_size(in.dtype) == 0) continue;
      fill_ones(g_scratch, in.dtype, wick_tensor_numel(&in));
      in.data = g_scratch;
      in.capacity = sizeof g_scratch;
      s = wick_method_set_input(lm.method, i, &in, &d);
    } else if (v->kind == WICK_VAL_INT || v->kind == WICK_VAL_BOOL ||
               v->kind == WICK_VAL_DOUBLE) {
      s = wick_method_set_input_scalar(lm.method, i, 1, &d);
    }
    need_message(s, &d, "set_input");
  }
  if (s == WICK_OK) {
    wick_diag_clear(&d);
    s = wick_method_execute(lm.method, &d);
    need_message(s, &d, "wick_method_execute");
    for (uint32_t k = 0; s == WICK_OK && k < wick_method_num_outputs(lm.method); k++) {
      const wick_tensor *t = wick_method_output(lm.method, k);
      if (t == NULL || t->data == NULL) continue;
      const volatile uint8_t *b = t->data;
      size_t n = wick_tensor_nbytes(t);
      unsigned sum = 0;
      for (size_t j = 0; j < n; j++) sum += b[j];
      (void)sum;
    }
  }
  wick_method_free(&lm);
}

static void write_seed(const char *dir, const char *name, const uint8_t *data, size_t n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  wick_write_file(path, data, n, NULL);
}

static void make_seeds(const char *dir) {
  wick_pte_writer *w = wick_pte_writer_new();
  const float c[4] = {1, 2, 3, 4};
  uint32_t k = wick_pte_add_constant(w, c, sizeof c);
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  int32_t sz[1] = {4};
  uint32_t arena = wick_pte_add_arena(m, 32);
  int x = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 0);
  int cst = wick_pte_const_tensor(m, WICK_F32, 1, sz, k);
  int one = wick_pte_int(m, 1);
  int y = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 16);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, cst, one, y, y}, 5);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){y}, 1);
  uint8_t *pte = NULL, *out = NULL;
  size_t n_pte = 0, n = 0;
  if (wick_pte_writer_finish(w, &pte, &n_pte, NULL) == WICK_OK) {
    wick_bpte_writer *bw = wick_bpte_writer_new(pte, n_pte);
    const float xs[4] = {1, 1, 1, 1}, ys[4] = {2, 3, 4, 5};
    wick_bpte_case *tc = wick_bpte_add_case(bw, "forward");
    wick_bpte_case_tensor(tc, false, WICK_F32, 1, sz, xs, sizeof xs);
    wick_bpte_case_tensor(tc, true, WICK_F32, 1, sz, ys, sizeof ys);
    tc = wick_bpte_add_case(bw, "forward");
    wick_bpte_case_int(tc, false, 3);
    wick_bpte_case_bool(tc, false, true);
    wick_bpte_case_double(tc, true, 0.5);
    if (wick_bpte_writer_finish(bw, &out, &n, NULL) == WICK_OK)
      write_seed(dir, "writer.bpte", out, n);
    wick_bpte_writer_free(bw);
  }
  free(pte);
  free(out);
  wick_pte_writer_free(w);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *dir = getenv("WICK_FUZZ_SEED_DIR");
  if (dir && dir[0]) make_seeds(dir);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wick_bundled b;
  wick_diag d = {0};
  wick_status s = wick_bundled_load(&b, data, size, &d);
  need_message(s, &d, "wick_bundled_load");
  if (s) return 0;
  for (uint32_t si = 0; si < b.num_suites && si < 16; si++) {
    wick_bundled_suite suite;
    wick_diag_clear(&d);
    s = wick_bundled_get_suite(&b, si, &suite, &d);
    need_message(s, &d, "wick_bundled_get_suite");
    for (uint32_t c = 0; s == WICK_OK && c < suite.num_cases && c < 16; c++) {
      uint32_t ni = 0, ne = 0;
      wick_diag_clear(&d);
      wick_status cs = wick_bundled_case_counts(&b, si, c, &ni, &ne, &d);
      need_message(cs, &d, "wick_bundled_case_counts");
      for (uint32_t k = 0; cs == WICK_OK && k < ni + ne && k < 64; k++) {
        wick_bundled_value v;
        bool expected = k >= ni;
        wick_diag_clear(&d);
        wick_status vs =
            wick_bundled_case_value(&b, si, c, expected, expected ? k - ni : k, &v, &d);
        need_message(vs, &d, "wick_bundled_case_value");
        if (vs != WICK_OK || v.kind != WICK_VAL_TENSOR || v.tensor.data == NULL) continue;
        const volatile uint8_t *bytes = v.tensor.data;
        size_t n = wick_tensor_nbytes(&v.tensor);
        unsigned sum = 0;
        for (size_t j = 0; j < n; j++) sum += bytes[j];
        (void)sum;
      }
    }
  }
  /* The embedded program, in an exact-size copy so that over-reads show. */
  uint8_t *prog = malloc(b.program_size ? b.program_size : 1);
  if (prog == NULL) return 0;
  memcpy(prog, b.program, b.program_size);
  wick_program p;
  wick_diag_clear(&d);
  s = wick_program_load(&p, prog, b.program_size, &d);
  need_message(s, &d, "wick_program_load");
  for (uint32_t i = 0; s == WICK_OK && i < p.num_methods && i < 8; i++) {
    const char *name = wick_program_method_name(&p, i);
    if (name == NULL) abort();
    run_method(&p, name);
  }
  free(prog);
  return 0;
}
