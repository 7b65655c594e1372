/* libFuzzer target: .pte programs through the whole path — load, then for each
 * method: metadata, operator names, io info, load with malloc'd arenas (plans
 * over 64 MiB are skipped), ones inputs, one execute.
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DWICK_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_pte
 *   mkdir -p corpus && WICK_FUZZ_SEED_DIR=corpus ./build-fuzz/fuzz_pte -max_total_time=60 \
 *       corpus ../shared/data/pte
 * WICK_FUZZ_SEED_DIR, when set, receives a few writer-made programs as seeds.
 * Any failure without a diagnostic message aborts (a finding).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/pte_writer.h"
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

/* A program using constants, a loop, move, free and lists. */
static void make_seeds(const char *dir) {
  for (int inline_constants = 0; inline_constants < 2; inline_constants++) {
    wick_pte_writer *w = wick_pte_writer_new();
    wick_pte_writer_set_inline_constants(w, inline_constants);
    const float c[4] = {1, 2, 3, 4};
    uint32_t k = wick_pte_add_constant(w, c, sizeof c);
    wick_pte_method *m = wick_pte_add_method(w, "forward");
    int32_t sz[1] = {4}, one_elem[1] = {1};
    uint32_t arena = wick_pte_add_arena(m, 64);
    int count = wick_pte_int(m, 2);
    int acc = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 0);
    int cst = wick_pte_const_tensor(m, WICK_F32, 1, sz, k);
    int ctr = wick_pte_planned_tensor(m, WICK_F32, 1, one_elem, arena, 16);
    int cond = wick_pte_planned_tensor(m, WICK_BOOL, 1, one_elem, arena, 32);
    int one = wick_pte_int(m, 1);
    int zero = wick_pte_double(m, 0.0);
    int never = wick_pte_bool(m, false);
    int shape = wick_pte_int_list_of(m, (int64_t[]){1}, 1);
    wick_pte_kernel_named(m, "aten::full", "out", (int32_t[]){shape, zero, ctr, ctr}, 4);
    wick_pte_kernel_named(m, "aten::lt", "Scalar_out", (int32_t[]){ctr, count, cond, cond}, 4);
    wick_pte_jump_false(m, cond, 6);
    wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){acc, cst, one, acc, acc}, 5);
    wick_pte_kernel_named(m, "aten::add", "Scalar_out", (int32_t[]){ctr, one, one, ctr, ctr}, 5);
    wick_pte_jump_false(m, never, 1);
    wick_pte_free_value(m, ctr);
    wick_pte_set_inputs(m, (int32_t[]){count, acc}, 2);
    wick_pte_set_outputs(m, (int32_t[]){acc}, 1);
    uint8_t *out = NULL;
    size_t n = 0;
    if (wick_pte_writer_finish(w, &out, &n, NULL) == WICK_OK)
      write_seed(dir, inline_constants ? "writer_loop_inline.pte" : "writer_loop.pte", out, n);
    free(out);
    wick_pte_writer_free(w);
  }
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
  wick_program p;
  wick_diag d = {0};
  wick_status s = wick_program_load(&p, data, size, &d);
  need_message(s, &d, "wick_program_load");
  if (s) return 0;
  for (uint32_t i = 0; i < p.num_methods && i < 8; i++) {
    const char *name = wick_program_method_name(&p, i);
    if (name == NULL) abort(); /* a loaded program must name its methods */
    run_method(&p, name);
  }
  const void *blob;
  size_t blob_size;
  wick_program_named_data(&p, "fuzz", &blob, &blob_size, NULL);
  return 0;
}
