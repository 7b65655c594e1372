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
#include "wick/bundled.h"
#include "fuzz_exercise.h"
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
