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
#include "fuzz_exercise.h"
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
