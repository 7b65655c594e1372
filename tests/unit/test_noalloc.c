/* The runtime allocates nothing after load: set_input + execute + reading
 * outputs, 100 times per method, with every malloc-family call counted.
 *
 * The test replaces malloc, calloc, realloc, free, posix_memalign,
 * aligned_alloc and memalign with counting versions that forward to glibc's
 * __libc_* entry points. Sanitizer builds replace malloc themselves, and other
 * C libraries lack __libc_malloc: the test skips there.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/pte_writer.h"
#include "harness.h"
#include "wick/util.h"
#include "wick/wick.h"

#include "alloc_count.h"
#ifdef ALLOC_COUNT_SANITIZED
#define NOALLOC_SANITIZED 1
#endif
#ifdef ALLOC_COUNT_ACTIVE
#define NOALLOC_ACTIVE 1
#endif

#ifdef NOALLOC_ACTIVE

static _Alignas(16) uint8_t g_input[1 << 16];

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

/* Input headers prepared before counting starts. */
typedef struct prepared_input {
  bool scalar;
  wick_tensor t;
} prepared_input;

static long g_methods_checked;

/* Loads every method of a program and runs it 100 times with counting on. */
static void check_program(const char *what, const uint8_t *pte, size_t n,
                          const wick_data_map *dm) {
  wick_program p;
  wick_diag d = {0};
  wick_status s = wick_program_load(&p, pte, n, &d);
  CHECK_MSG(s == WICK_OK, "%s: %s", what, d.msg);
  if (s) return;
  if (dm) CHECK(wick_program_add_data(&p, dm, &d) == WICK_OK);
  for (uint32_t mi = 0; mi < p.num_methods; mi++) {
    const char *name = wick_program_method_name(&p, mi);
    wick_loaded_method lm;
    s = wick_method_load_alloc(&p, name, &lm, &d);
    CHECK_MSG(s == WICK_OK, "%s/%s: %s", what, name, d.msg);
    if (s) continue;
    uint32_t ni = wick_method_num_inputs(lm.method);
    prepared_input inputs[16];
    size_t used = 0;
    for (uint32_t i = 0; i < ni && i < 16; i++) {
      wick_value *v = wick_method_input_value(lm.method, i);
      inputs[i].scalar = v->kind != WICK_VAL_TENSOR;
      if (inputs[i].scalar) continue;
      inputs[i].t = *v->u.t;
      size_t nbytes = wick_tensor_nbytes(&inputs[i].t);
      CHECK(used + nbytes <= sizeof g_input);
      inputs[i].t.data = g_input + used;
      inputs[i].t.capacity = nbytes;
      fill_ones(inputs[i].t.data, inputs[i].t.dtype, wick_tensor_numel(&inputs[i].t));
      used += (nbytes + 15) & ~(size_t)15;
    }

    wick_status first_error = WICK_OK;
    float checksum = 0;
    g_allocations = 0;
    g_counting = 1;
    for (int run = 0; run < 100; run++) {
      for (uint32_t i = 0; i < ni && i < 16; i++) {
        s = inputs[i].scalar ? wick_method_set_input_scalar(lm.method, i, 1, &d)
                             : wick_method_set_input(lm.method, i, &inputs[i].t, &d);
        if (s && !first_error) first_error = s;
      }
      s = wick_method_execute(lm.method, &d);
      if (s && !first_error) first_error = s;
      for (uint32_t k = 0; k < wick_method_num_outputs(lm.method); k++) {
        const wick_tensor *out = wick_method_output(lm.method, k);
        if (out && out->dtype == WICK_F32 && out->data && wick_tensor_numel(out))
          checksum += ((const float *)out->data)[0];
      }
    }
    g_counting = 0;
    long allocations = g_allocations;
    CHECK_MSG(first_error == WICK_OK, "%s/%s: %s", what, name, d.msg);
    CHECK_MSG(allocations == 0, "%s/%s: %ld allocator calls during 100 runs", what, name,
              allocations);
    fprintf(stderr, "%-40s %-10s 100 runs, %ld allocator calls (checksum %g)\n", what, name,
            allocations, (double)checksum);
    g_methods_checked++;
    wick_method_free(&lm);
  }
}

static uint8_t *writer_add_program(size_t *n) {
  wick_pte_writer *w = wick_pte_writer_new();
  const float c[4] = {1, 2, 3, 4};
  uint32_t k = wick_pte_add_constant(w, c, sizeof c);
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  int32_t sz[2] = {2, 2};
  uint32_t arena = wick_pte_add_arena(m, 48);
  int x = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 0);
  int cv = wick_pte_const_tensor(m, WICK_F32, 2, sz, k);
  int one = wick_pte_int(m, 1);
  int t = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 16);
  int y = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 32);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, cv, one, t, t}, 5);
  wick_pte_kernel_named(m, "aten::mul", "out", (int32_t[]){t, x, y, y}, 4);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){y}, 1);
  uint8_t *out = NULL;
  wick_diag d = {0};
  CHECK_MSG(wick_pte_writer_finish(w, &out, n, &d) == WICK_OK, "%s", d.msg);
  wick_pte_writer_free(w);
  return out;
}

/* A counted loop (backward jump) driven by an Int input. */
static uint8_t *writer_loop_program(size_t *n) {
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  int32_t one_elem[1] = {1}, sz[1] = {4};
  uint32_t arena = wick_pte_add_arena(m, 64);
  int count = wick_pte_int(m, 3);
  int acc = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 0);
  int c = wick_pte_planned_tensor(m, WICK_F32, 1, one_elem, arena, 16);
  int cond = wick_pte_planned_tensor(m, WICK_BOOL, 1, one_elem, arena, 32);
  int one = wick_pte_int(m, 1);
  int zero = wick_pte_double(m, 0.0);
  int never = wick_pte_bool(m, false);
  int shape = wick_pte_int_list_of(m, (int64_t[]){1}, 1);
  wick_pte_kernel_named(m, "aten::full", "out", (int32_t[]){shape, zero, c, c}, 4);
  wick_pte_kernel_named(m, "aten::lt", "Scalar_out", (int32_t[]){c, count, cond, cond}, 4);
  wick_pte_jump_false(m, cond, 6);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){acc, acc, one, acc, acc}, 5);
  wick_pte_kernel_named(m, "aten::add", "Scalar_out", (int32_t[]){c, one, one, c, c}, 5);
  wick_pte_jump_false(m, never, 1);
  wick_pte_set_inputs(m, (int32_t[]){count, acc}, 2);
  wick_pte_set_outputs(m, (int32_t[]){acc}, 1);
  uint8_t *out = NULL;
  wick_diag d = {0};
  CHECK_MSG(wick_pte_writer_finish(w, &out, n, &d) == WICK_OK, "%s", d.msg);
  wick_pte_writer_free(w);
  return out;
}

int main(void) {
  /* The counter itself must see allocations, or the test proves nothing. */
  static void *volatile probe; /* volatile: the compiler may not elide the pair */
  g_allocations = 0;
  g_counting = 1;
  probe = malloc(32);
  g_counting = 0;
  free(probe);
  CHECK_MSG(g_allocations == 1, "the malloc interposer is not in effect");

  size_t n = 0;
  uint8_t *add = writer_add_program(&n);
  if (add) check_program("writer: add+mul", add, n, NULL);
  free(add);
  uint8_t *loop = writer_loop_program(&n);
  if (loop) check_program("writer: loop", loop, n, NULL);
  free(loop);

  if (!shared_available()) {
    fprintf(stderr, "test_noalloc: %s not found; shared artifacts skipped\n", shared_path("pte"));
  } else {
    static const char *const ptes[] = {"add.pte", "arduino_add.pte",
                                       "ModuleLinear-no-constant-segment.pte", "module_model.pte"};
    for (size_t i = 0; i < sizeof ptes / sizeof ptes[0]; i++) {
      char rel[128];
      snprintf(rel, sizeof rel, "pte/%s", ptes[i]);
      wick_file f;
      wick_diag d = {0};
      if (wick_file_open(&f, shared_path(rel), &d) != WICK_OK) {
        CHECK_MSG(0, "%s", d.msg);
        continue;
      }
      check_program(ptes[i], f.data, f.size, NULL);
      wick_file_close(&f);
    }
    wick_file pf, df;
    wick_diag d = {0};
    if (wick_file_open(&pf, shared_path("pte/linear.pte"), &d) == WICK_OK) {
      if (wick_file_open(&df, shared_path("pte/linear.ptd"), &d) == WICK_OK) {
        wick_data_map dm;
        CHECK_MSG(wick_data_map_load(&dm, df.data, df.size, &d) == WICK_OK, "%s", d.msg);
        check_program("linear.pte + linear.ptd", pf.data, pf.size, &dm);
        wick_file_close(&df);
      }
      wick_file_close(&pf);
    }
  }
  CHECK(g_methods_checked >= 2);
  return test_finish("test_noalloc");
}

#else

int main(void) {
  fprintf(stderr, "test_noalloc: skipped (%s)\n",
#ifdef NOALLOC_SANITIZED
          "sanitizer builds replace malloc"
#else
          "needs glibc's __libc_malloc to count allocations"
#endif
  );
  return WICK_TEST_SKIP;
}

#endif
