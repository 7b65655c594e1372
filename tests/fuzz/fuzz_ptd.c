/* libFuzzer target: .ptd external data ("FT01", both layouts) — load, walk
 * every entry (touching its bytes), look each key up again; when the map loads,
 * a writer-made program that takes "linear.weight" (f32[2,3]) and
 * "linear.bias" (f32[2]) from external data is loaded against it and run.
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DWICK_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_ptd
 *   mkdir -p corpus && WICK_FUZZ_SEED_DIR=corpus ./build-fuzz/fuzz_ptd -max_total_time=60 \
 *       corpus ../shared/data/pte/linear.ptd
 * Any failure without a diagnostic message aborts (a finding).
 */
#include "fuzz_exercise.h"
/* forward(x: f32[3]) = addmm(bias, x[1,3], permute(weight)) with external weights. */
static uint8_t *g_program;
static size_t g_program_size;

static void make_program(void) {
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  uint32_t arena = wick_pte_add_arena(m, 64);
  int32_t xs[2] = {1, 3}, ws[2] = {2, 3}, wts[2] = {3, 2}, bs[1] = {2}, ys[2] = {1, 2};
  int x = wick_pte_planned_tensor(m, WICK_F32, 2, xs, arena, 0);
  wick_pte_tensor_desc wd = {.scalar_type = WICK_F32, .dim = 2, .sizes = ws,
                             .fqn = "linear.weight", .location = WICK_PTE_LOC_EXTERNAL};
  int wv = wick_pte_tensor(m, &wd);
  wick_pte_tensor_desc bd = {.scalar_type = WICK_F32, .dim = 1, .sizes = bs,
                             .fqn = "linear.bias", .location = WICK_PTE_LOC_EXTERNAL};
  int bv = wick_pte_tensor(m, &bd);
  int wt = wick_pte_planned_tensor(m, WICK_F32, 2, wts, arena, 16);
  int y = wick_pte_planned_tensor(m, WICK_F32, 2, ys, arena, 48);
  int dims = wick_pte_int_list_of(m, (int64_t[]){1, 0}, 2);
  int one = wick_pte_int(m, 1);
  wick_pte_kernel_named(m, "aten::permute_copy", "out", (int32_t[]){wv, dims, wt, wt}, 4);
  wick_pte_kernel_named(m, "aten::addmm", "out", (int32_t[]){bv, x, wt, one, one, y, y}, 7);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){y}, 1);
  if (wick_pte_writer_finish(w, &g_program, &g_program_size, NULL) != WICK_OK) abort();
  wick_pte_writer_free(w);
}

static void make_seeds(const char *dir) {
  wick_ptd_writer *w = wick_ptd_writer_new();
  const float v[6] = {1, 2, 3, 4, 5, 6};
  wick_ptd_add_tensor(w, "linear.weight", WICK_F32, 2, (int32_t[]){2, 3}, NULL, v, sizeof v);
  wick_ptd_add_tensor(w, "linear.bias", WICK_F32, 1, (int32_t[]){2}, NULL, v, 8);
  wick_ptd_add_blob(w, "blob", "xyz", 3);
  uint8_t *out = NULL;
  size_t n = 0;
  if (wick_ptd_writer_finish(w, &out, &n, NULL) == WICK_OK) write_seed(dir, "writer.ptd", out, n);
  free(out);
  wick_ptd_writer_free(w);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  make_program();
  const char *dir = getenv("WICK_FUZZ_SEED_DIR");
  if (dir && dir[0]) make_seeds(dir);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wick_data_map dm;
  wick_diag d = {0};
  wick_status s = wick_data_map_load(&dm, data, size, &d);
  need_message(s, &d, "wick_data_map_load");
  if (s) return 0;
  for (uint32_t i = 0; i < dm.count && i < 256; i++) {
    wick_data_entry e;
    wick_diag_clear(&d);
    s = wick_data_map_entry(&dm, i, &e, &d);
    need_message(s, &d, "wick_data_map_entry");
    if (s) continue;
    const volatile uint8_t *b = e.data;
    unsigned sum = 0;
    for (size_t k = 0; k < e.size; k++) sum += b[k];
    (void)sum;
    if (e.key == NULL) abort(); /* every entry has a key */
    wick_data_entry again;
    wick_diag_clear(&d);
    s = wick_data_map_find(&dm, e.key, &again, &d);
    need_message(s, &d, "wick_data_map_find");
  }
  wick_program p;
  wick_diag_clear(&d);
  if (wick_program_load(&p, g_program, g_program_size, &d) != WICK_OK) abort();
  s = wick_program_add_data(&p, &dm, &d);
  need_message(s, &d, "wick_program_add_data");
  if (s == WICK_OK) run_method(&p, "forward");
  return 0;
}
