/* Corrupted inputs must never crash or read out of bounds: every load either
 * succeeds (and then the program runs or fails cleanly) or returns an error
 * with a message. Runs under ASan/UBSan in `make asan`.
 *
 * Bases: the shared artifacts (when ../shared/data/pte exists) and programs
 * made with the writer. Mutations of each base:
 *   - every truncation length 0..size-1,
 *   - single-byte changes at every offset (xor 0xff, xor 0x01, xor 0x80, 0x00, 0x7f),
 *   - 32-bit poison at every 4-aligned offset (0xffffffff, 0x7fffffff, 0x80000000,
 *     size, size-4, 0, 1, a value pointing back to offset 0, -4),
 *   - wrong magic / identifiers / header fields.
 * Every mutated buffer is copied into an exact-size allocation so that ASan sees
 * any read past its end.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compiler/pte_writer.h"
#include "harness.h"
#include "wick/bundled.h"
#include "wick/util.h"
#include "wick/wick.h"

/* Optional runtime hook (not in the public header yet): bound loops. */
/* Sanitizer runtime hook, present in ASan/UBSan builds. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

#define MAX_ARENA_BYTES ((uint64_t)64 << 20)
#define MAX_REPORTS 20

typedef struct stats {
  long variants;  /* mutated buffers tried                           */
  long rejected;  /* load refused with a message                     */
  long loaded;    /* load succeeded                                  */
  long ran;       /* at least one method executed successfully       */
} stats;

static char g_what[160]; /* description of the variant being tried */
static int g_reports;

static bool g_trace; /* WICK_MALFORMED_TRACE=1: print every variant first */

static void describe(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g_what, sizeof g_what, fmt, ap);
  va_end(ap);
  if (g_trace) fprintf(stderr, "variant: %s\n", g_what);
}

/* A failed call must explain itself. */
static void expect_message(wick_status s, const wick_diag *d, const char *call) {
  if (s == WICK_OK || d->msg[0] != '\0') return;
  wick_test_failures++;
  if (g_reports++ < MAX_REPORTS)
    fprintf(stderr, "%s: %s returned %s with an empty message\n", g_what, call,
            wick_status_name(s));
}

/* On a crash, say which variant caused it. */
static void report_variant(void) {
  static const char prefix[] = "\ntest_malformed: crashed on variant: ";
  if (write(2, prefix, sizeof prefix - 1) < 0 || write(2, g_what, strlen(g_what)) < 0 ||
      write(2, "\n", 1) < 0)
    return;
}

static void on_signal(int sig) {
  report_variant();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void install_crash_reporting(void) {
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(report_variant);
  signal(SIGSEGV, on_signal);
  signal(SIGBUS, on_signal);
  signal(SIGFPE, on_signal);
  signal(SIGABRT, on_signal);
}

static _Alignas(16) uint8_t g_scratch[1 << 20];

static void fill_ones(void *p, int dtype, size_t numel) {
  uint8_t *b = p;
  size_t es = wick_dtype_size(dtype);
  for (size_t i = 0; i < numel; i++) {
    uint8_t *e = b + i * es;
    memset(e, 0, es);
    switch (dtype) {
      case WICK_F32: { float one = 1.0f; memcpy(e, &one, 4); break; }
      case WICK_F64: { double one = 1.0; memcpy(e, &one, 8); break; }
      case WICK_F16: e[1] = 0x3c; break;
      case WICK_BF16: e[0] = 0x80; e[1] = 0x3f; break;
      default: e[0] = 1; break; /* integers and bool, little-endian */
    }
  }
}

/* Sum of a tensor's bytes: touching them lets ASan check they exist. */
static unsigned touch_tensor(const wick_tensor *t) {
  unsigned sum = 0;
  if (t == NULL || t->data == NULL) return 0;
  size_t n = wick_tensor_nbytes(t);
  const volatile uint8_t *b = t->data;
  for (size_t i = 0; i < n; i++) sum += b[i];
  return sum;
}

static wick_status set_ones_inputs(wick_method *m, wick_diag *d) {
  uint32_t n = wick_method_num_inputs(m);
  for (uint32_t i = 0; i < n; i++) {
    wick_value *v = wick_method_input_value(m, i);
    if (v == NULL) continue;
    wick_status s = WICK_OK;
    if (v->kind == WICK_VAL_INT || v->kind == WICK_VAL_BOOL || v->kind == WICK_VAL_DOUBLE) {
      s = wick_method_set_input_scalar(m, i, 1, d);
    } else if (v->kind == WICK_VAL_TENSOR && v->u.t != NULL) {
      wick_tensor in = *v->u.t;
      size_t nbytes = wick_tensor_nbytes(&in);
      if (nbytes > sizeof g_scratch || wick_dtype_size(in.dtype) == 0) continue;
      fill_ones(g_scratch, in.dtype, wick_tensor_numel(&in));
      in.data = g_scratch;
      in.capacity = sizeof g_scratch;
      s = wick_method_set_input(m, i, &in, d);
    }
    if (s != WICK_OK) return s;
  }
  return WICK_OK;
}

/* Loads a program and runs every method once; returns true when it loaded. */
static bool exercise_program(const uint8_t *buf, size_t n, const wick_data_map *dm, stats *st) {
  wick_program p;
  wick_diag d = {0};
  wick_status s = wick_program_load(&p, buf, n, &d);
  expect_message(s, &d, "wick_program_load");
  if (s != WICK_OK) return false;
  if (dm) {
    wick_diag_clear(&d);
    s = wick_program_add_data(&p, dm, &d);
    expect_message(s, &d, "wick_program_add_data");
  }
  bool ran = false;
  for (uint32_t i = 0; i < p.num_methods && i < 8; i++) {
    const char *name = wick_program_method_name(&p, i);
    if (name == NULL) {
      wick_test_failures++;
      fprintf(stderr, "%s: method %u has no name but the program loaded\n", g_what, i);
      continue;
    }
    wick_method_meta meta;
    wick_diag_clear(&d);
    s = wick_method_meta_get(&p, name, &meta, &d);
    expect_message(s, &d, "wick_method_meta_get");
    if (s != WICK_OK) continue;
    uint64_t total = meta.runtime_bytes;
    for (uint32_t k = 0; k < meta.num_planned && k < WICK_MAX_PLANNED; k++)
      total += meta.planned_sizes[k] < MAX_ARENA_BYTES ? meta.planned_sizes[k] : MAX_ARENA_BYTES;
    if (total > MAX_ARENA_BYTES) continue; /* a plan too large to bother with */
    for (uint32_t k = 0; k < meta.num_inputs && k < 16; k++) {
      wick_io_info io;
      wick_diag_clear(&d);
      expect_message(wick_method_io_info(&p, name, false, k, &io, &d), &d, "io_info");
    }
    for (uint32_t k = 0; k < meta.num_operators && k < 16; k++) {
      char op[128];
      wick_diag_clear(&d);
      expect_message(wick_method_operator_name(&p, name, k, op, sizeof op, &d), &d,
                     "operator_name");
    }
    wick_loaded_method lm;
    wick_diag_clear(&d);
    s = wick_method_load_alloc(&p, name, &lm, &d);
    expect_message(s, &d, "wick_method_load_alloc");
    if (s != WICK_OK) continue;
    wick_method_set_step_limit(lm.method, 100000);
    wick_diag_clear(&d);
    s = set_ones_inputs(lm.method, &d);
    expect_message(s, &d, "set_input");
    if (s == WICK_OK) {
      wick_diag_clear(&d);
      s = wick_method_execute(lm.method, &d);
      expect_message(s, &d, "wick_method_execute");
      if (s == WICK_OK) {
        ran = true;
        for (uint32_t k = 0; k < wick_method_num_outputs(lm.method); k++)
          touch_tensor(wick_method_output(lm.method, k));
      }
    }
    wick_method_free(&lm);
  }
  st->ran += ran;
  return true;
}

typedef enum kind { KIND_PTE, KIND_PTD, KIND_BPTE } kind;

typedef struct base {
  const char *name;
  kind kind;
  const uint8_t *data;
  size_t size;
  const wick_data_map *dm; /* .pte: external data to attach                */
  const uint8_t *pair;     /* .ptd: the program that uses it (may be NULL) */
  size_t pair_size;
} base;

static void exercise(const base *b, const uint8_t *buf, size_t n, stats *st) {
  st->variants++;
  bool ok = false;
  wick_diag d = {0};
  if (b->kind == KIND_PTE) {
    ok = exercise_program(buf, n, b->dm, st);
  } else if (b->kind == KIND_PTD) {
    wick_data_map dm;
    wick_status s = wick_data_map_load(&dm, buf, n, &d);
    expect_message(s, &d, "wick_data_map_load");
    ok = s == WICK_OK;
    for (uint32_t i = 0; ok && i < dm.count && i < 64; i++) {
      wick_data_entry e;
      wick_diag_clear(&d);
      s = wick_data_map_entry(&dm, i, &e, &d);
      expect_message(s, &d, "wick_data_map_entry");
      if (s != WICK_OK) continue;
      const volatile uint8_t *p = e.data;
      unsigned sum = 0;
      for (size_t k = 0; k < e.size; k++) sum += p[k];
      (void)sum;
      wick_data_entry again;
      if (e.key) {
        wick_diag_clear(&d);
        s = wick_data_map_find(&dm, e.key, &again, &d);
        expect_message(s, &d, "wick_data_map_find");
      }
    }
    if (ok && b->pair) exercise_program(b->pair, b->pair_size, &dm, st);
  } else {
    wick_bundled bu;
    wick_status s = wick_bundled_load(&bu, buf, n, &d);
    expect_message(s, &d, "wick_bundled_load");
    ok = s == WICK_OK;
    for (uint32_t si = 0; ok && si < bu.num_suites && si < 16; si++) {
      wick_bundled_suite suite;
      wick_diag_clear(&d);
      s = wick_bundled_get_suite(&bu, si, &suite, &d);
      expect_message(s, &d, "wick_bundled_get_suite");
      for (uint32_t c = 0; s == WICK_OK && c < suite.num_cases && c < 16; c++) {
        uint32_t ni = 0, ne = 0;
        wick_diag_clear(&d);
        wick_status cs = wick_bundled_case_counts(&bu, si, c, &ni, &ne, &d);
        expect_message(cs, &d, "wick_bundled_case_counts");
        for (uint32_t k = 0; cs == WICK_OK && k < ni + ne && k < 32; k++) {
          wick_bundled_value v;
          bool expected = k >= ni;
          wick_diag_clear(&d);
          wick_status vs = wick_bundled_case_value(&bu, si, c, expected, expected ? k - ni : k,
                                                   &v, &d);
          expect_message(vs, &d, "wick_bundled_case_value");
          if (vs == WICK_OK && v.kind == WICK_VAL_TENSOR) touch_tensor(&v.tensor);
        }
      }
    }
    if (ok) {
      /* The embedded program, in an exact-size copy. */
      uint8_t *prog = malloc(bu.program_size ? bu.program_size : 1);
      if (prog) {
        memcpy(prog, bu.program, bu.program_size);
        exercise_program(prog, bu.program_size, NULL, st);
        free(prog);
      }
    }
  }
  if (ok)
    st->loaded++;
  else
    st->rejected++;
}

/* Runs one mutated copy (exact-size allocation). */
static void try_variant(const base *b, const uint8_t *buf, size_t n, stats *st) {
  uint8_t *copy = malloc(n ? n : 1);
  if (copy == NULL) return;
  if (n) memcpy(copy, buf, n);
  exercise(b, copy, n, st);
  free(copy);
}

static void put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void mutate_all(const base *b) {
  stats st = {0};
  clock_t t0 = clock();
  size_t n = b->size;
  uint8_t *work = malloc(n);
  if (work == NULL) return;

  /* The unmodified base must load. */
  describe("%s (unmodified)", b->name);
  stats dummy = {0};
  try_variant(b, b->data, n, &dummy);
  CHECK_MSG(dummy.loaded == 1, "%s: unmodified file did not load", b->name);

  for (size_t len = 0; len < n; len++) {
    describe("%s truncated to %zu", b->name, len);
    try_variant(b, b->data, len, &st);
  }

  static const struct { uint8_t xor_mask, set; bool use_set; } flips[] = {
      {0xff, 0, false}, {0x01, 0, false}, {0x80, 0, false}, {0, 0x00, true}, {0, 0x7f, true}};
  for (size_t off = 0; off < n; off++) {
    for (size_t f = 0; f < sizeof flips / sizeof flips[0]; f++) {
      memcpy(work, b->data, n);
      uint8_t v = flips[f].use_set ? flips[f].set : (uint8_t)(work[off] ^ flips[f].xor_mask);
      if (v == work[off]) continue;
      work[off] = v;
      describe("%s byte %zu set to 0x%02x", b->name, off, v);
      try_variant(b, work, n, &st);
    }
  }

  for (size_t off = 0; off + 4 <= n; off += 4) {
    const uint32_t poison[] = {0xffffffffu, 0x7fffffffu, 0x80000000u, (uint32_t)n,
                               (uint32_t)n - 4, 0, 1, (uint32_t)(0u - (uint32_t)off),
                               0xfffffffcu};
    for (size_t k = 0; k < sizeof poison / sizeof poison[0]; k++) {
      memcpy(work, b->data, n);
      put_u32(work + off, poison[k]);
      if (memcmp(work, b->data, n) == 0) continue;
      describe("%s u32 at %zu set to 0x%08x", b->name, off, poison[k]);
      try_variant(b, work, n, &st);
    }
  }

  /* Identifiers and headers. */
  static const char *const magics[] = {"ET13", "XXXX", "FT02", "BP07", "\0\0\0\0"};
  for (size_t k = 0; k < sizeof magics / sizeof magics[0] && n >= 8; k++) {
    memcpy(work, b->data, n);
    memcpy(work + 4, magics[k], 4);
    describe("%s identifier %.4s", b->name, magics[k]);
    try_variant(b, work, n, &st);
  }
  if (n >= 16) {
    memcpy(work, b->data, n);
    memcpy(work + 8, "eh01", 4);
    describe("%s header magic eh01", b->name);
    try_variant(b, work, n, &st);
    const uint32_t lengths[] = {0, 8, 16, 23, 24, 31, 32, 40, 48, 1000};
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
      memcpy(work, b->data, n);
      put_u32(work + 12, lengths[k]);
      describe("%s header length %u", b->name, lengths[k]);
      try_variant(b, work, n, &st);
    }
  }
  /* Appended garbage must be harmless too. */
  uint8_t *longer = malloc(n + 64);
  if (longer) {
    memcpy(longer, b->data, n);
    memset(longer + n, 0xab, 64);
    describe("%s with 64 bytes appended", b->name);
    try_variant(b, longer, n + 64, &st);
    free(longer);
  }

  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  fprintf(stderr,
          "%-40s %6ld variants: %6ld rejected cleanly, %6ld loaded (%ld ran a method) "
          "[%.2fs]\n",
          b->name, st.variants, st.rejected, st.loaded, st.ran, secs);
  free(work);
}

/* ---- writer-made bases --------------------------------------------------- */

static uint8_t *finish(wick_pte_writer *w, size_t *n) {
  uint8_t *out = NULL;
  wick_diag d = {0};
  CHECK_MSG(wick_pte_writer_finish(w, &out, n, &d) == WICK_OK, "writer: %s", d.msg);
  wick_pte_writer_free(w);
  return out;
}

/* Straight-line program touching most schema features: a constant (segment or
 * inline), a mutable buffer with initial data, named data, move, free, list
 * values, a Bool jump over nothing, two methods. */
static uint8_t *make_program(bool inline_constants, size_t *n) {
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_writer_set_inline_constants(w, inline_constants);
  const float c4[4] = {1, 2, 3, 4};
  uint32_t c = wick_pte_add_constant(w, c4, sizeof c4);
  uint32_t mut = wick_pte_add_mutable_data(w, c4, sizeof c4);
  wick_pte_add_named_data(w, "blob", "abcdef", 6);
  int32_t sz[2] = {2, 2};
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  uint32_t arena = wick_pte_add_arena(m, 80);
  int x = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 0);
  int k = wick_pte_const_tensor(m, WICK_F32, 2, sz, c);
  wick_pte_tensor_desc bt = {.scalar_type = WICK_F32, .dim = 2, .sizes = sz, .memory_id = arena,
                             .memory_offset = 16, .data_buffer_idx = mut};
  int buf = wick_pte_tensor(m, &bt);
  int one = wick_pte_int(m, 1);
  int t = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 32);
  int u = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 64);
  int y = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 48);
  int yes = wick_pte_bool(m, true);
  int dims = wick_pte_int_list_of(m, (int64_t[]){1, 0}, 2);
  wick_pte_double_list(m, (double[]){0.5}, 1);
  wick_pte_bool_list(m, (bool[]){true}, 1);
  wick_pte_tensor_list(m, (int32_t[]){x, k}, 2);
  wick_pte_opt_tensor_list(m, (int32_t[]){x, -1}, 2);
  wick_pte_string(m, "s");
  wick_pte_null(m);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, k, one, t, t}, 5);
  wick_pte_jump_false(m, yes, 2);
  wick_pte_move(m, t, u);
  wick_pte_kernel_named(m, "aten::mul", "out", (int32_t[]){u, buf, y, y}, 4);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){buf, x, one, buf, buf}, 5);
  wick_pte_free_value(m, t);
  wick_pte_kernel_named(m, "aten::permute_copy", "out", (int32_t[]){y, dims, t, t}, 4);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){t, buf}, 2);

  m = wick_pte_add_method(w, "scalar");
  arena = wick_pte_add_arena(m, 16);
  int32_t s1[1] = {3};
  x = wick_pte_planned_tensor(m, WICK_F32, 1, s1, arena, 0);
  int scale = wick_pte_double(m, 2.0);
  wick_pte_kernel_named(m, "aten::mul", "Scalar_out", (int32_t[]){x, scale, x, x}, 4);
  wick_pte_set_inputs(m, (int32_t[]){x, scale}, 2);
  wick_pte_set_outputs(m, (int32_t[]){x}, 1);
  return finish(w, n);
}

/* A program with a counted loop (backward jump). */
static uint8_t *make_loop(size_t *n) {
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  int32_t one_elem[1] = {1};
  uint32_t arena = wick_pte_add_arena(m, 48);
  int count = wick_pte_int(m, 3);
  int acc = wick_pte_planned_tensor(m, WICK_F32, 1, one_elem, arena, 0);
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
  return finish(w, n);
}

/* forward(x: f32[1,3]) = addmm(bias, x, permute(weight)) with "linear.weight"
 * f32[2,3] and "linear.bias" f32[2] in external data (pairs with make_ptd). */
static uint8_t *make_linear(size_t *n) {
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
  return finish(w, n);
}

static uint8_t *make_ptd(size_t *n) {
  wick_ptd_writer *w = wick_ptd_writer_new();
  const float v[6] = {1, 2, 3, 4, 5, 6};
  wick_ptd_add_tensor(w, "linear.weight", WICK_F32, 2, (int32_t[]){2, 3}, NULL, v, sizeof v);
  wick_ptd_add_blob(w, "blob", "xyz", 3);
  wick_ptd_add_tensor(w, "linear.bias", WICK_F32, 1, (int32_t[]){2}, NULL, v, 8);
  uint8_t *out = NULL;
  wick_diag d = {0};
  CHECK_MSG(wick_ptd_writer_finish(w, &out, n, &d) == WICK_OK, "%s", d.msg);
  wick_ptd_writer_free(w);
  return out;
}

static uint8_t *make_bpte(const uint8_t *pte, size_t pte_size, size_t *n) {
  wick_bpte_writer *w = wick_bpte_writer_new(pte, pte_size);
  const float x[4] = {1, 1, 1, 1}, y[4] = {2, 3, 4, 5};
  wick_bpte_case *c = wick_bpte_add_case(w, "forward");
  wick_bpte_case_tensor(c, false, WICK_F32, 2, (int32_t[]){2, 2}, x, sizeof x);
  wick_bpte_case_tensor(c, true, WICK_F32, 2, (int32_t[]){2, 2}, y, sizeof y);
  wick_bpte_case_int(c, true, 3);
  c = wick_bpte_add_case(w, "scalar");
  wick_bpte_case_bool(c, false, true);
  wick_bpte_case_double(c, false, 2.0);
  uint8_t *out = NULL;
  wick_diag d = {0};
  CHECK_MSG(wick_bpte_writer_finish(w, &out, n, &d) == WICK_OK, "%s", d.msg);
  wick_bpte_writer_free(w);
  return out;
}

/* Files of 0..16 bytes, exact size, with every identifier family. */
static void tiny_files(void) {
  static const char *const ids[] = {"ET12", "ET13", "ETxx", "BP08", "BP07", "BPzz",
                                    "FT01", "FT02", "FTzz", "\xce\xf0\x01\x02"};
  stats st = {0};
  for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
    for (size_t len = 0; len <= 16; len++) {
      uint8_t buf[16] = {8, 0, 0, 0};
      memcpy(buf + 4, ids[k], 4);
      if (len > 8) memcpy(buf + 8, "eh00FH01", len - 8 < 8 ? len - 8 : 8);
      for (int as = KIND_PTE; as <= KIND_BPTE; as++) {
        base b = {"tiny", (kind)as, buf, len, NULL, NULL, 0};
        describe("%zu-byte file with identifier %.4s as kind %d", len, ids[k], as);
        try_variant(&b, buf, len, &st);
      }
    }
  }
  fprintf(stderr, "%-40s %6ld variants: %6ld rejected cleanly, %6ld loaded\n", "tiny files",
          st.variants, st.rejected, st.loaded);
}

int main(void) {
  install_crash_reporting();
  g_trace = getenv("WICK_MALFORMED_TRACE") != NULL;
  tiny_files();
  clock_t t0 = clock();
  /* Writer-made bases. */
  size_t n_prog, n_inl, n_loop, n_ptd, n_bpte, n_lin;
  uint8_t *lin = make_linear(&n_lin);
  uint8_t *prog = make_program(false, &n_prog);
  uint8_t *inl = make_program(true, &n_inl);
  uint8_t *loop = make_loop(&n_loop);
  uint8_t *ptd = make_ptd(&n_ptd);
  uint8_t *bpte = prog ? make_bpte(prog, n_prog, &n_bpte) : NULL;
  if (!prog || !inl || !loop || !ptd || !bpte || !lin) return test_finish("test_malformed");
  const base made[] = {
      {"writer: segment constants", KIND_PTE, prog, n_prog, NULL, NULL, 0},
      {"writer: inline constants", KIND_PTE, inl, n_inl, NULL, NULL, 0},
      {"writer: loop", KIND_PTE, loop, n_loop, NULL, NULL, 0},
      {"writer: .ptd (+ writer linear)", KIND_PTD, ptd, n_ptd, NULL, lin, n_lin},
      {"writer: .bpte", KIND_BPTE, bpte, n_bpte, NULL, NULL, 0},
  };
  for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) mutate_all(&made[i]);

  /* Shared artifacts. */
  if (!shared_available()) {
    fprintf(stderr, "test_malformed: %s not found; shared artifacts skipped\n", shared_path("pte"));
  } else {
    static const char *const ptes[] = {"add.pte", "arduino_add.pte",
                                       "ModuleLinear-no-constant-segment.pte", "module_model.pte"};
    for (size_t i = 0; i < sizeof ptes / sizeof ptes[0]; i++) {
      char rel[128];
      snprintf(rel, sizeof rel, "pte/%s", ptes[i]);
      size_t n = 0;
      uint8_t *data = read_file_all(shared_path(rel), &n);
      CHECK_MSG(data != NULL, "cannot read %s", shared_path(rel));
      if (data == NULL) continue;
      base b = {ptes[i], KIND_PTE, data, n, NULL, NULL, 0};
      mutate_all(&b);
      free(data);
    }
    size_t n_lpte = 0, n_lptd = 0, n_b = 0;
    uint8_t *lpte = read_file_all(shared_path("pte/linear.pte"), &n_lpte);
    uint8_t *lptd = read_file_all(shared_path("pte/linear.ptd"), &n_lptd);
    uint8_t *bundle = read_file_all(shared_path("pte/bundled_program.bpte"), &n_b);
    if (lpte && lptd) {
      wick_data_map dm;
      wick_diag d = {0};
      wick_status s = wick_data_map_load(&dm, lptd, n_lptd, &d);
      CHECK_MSG(s == WICK_OK, "linear.ptd: %s", d.msg);
      if (s == WICK_OK) {
        base b = {"linear.pte (+ linear.ptd)", KIND_PTE, lpte, n_lpte, &dm, NULL, 0};
        mutate_all(&b);
      }
      base b2 = {"linear.ptd (+ linear.pte)", KIND_PTD, lptd, n_lptd, NULL, lpte, n_lpte};
      mutate_all(&b2);
    }
    if (bundle) {
      base b = {"bundled_program.bpte", KIND_BPTE, bundle, n_b, NULL, NULL, 0};
      mutate_all(&b);
    }
    free(lpte);
    free(lptd);
    free(bundle);
  }
  free(lin);
  free(prog);
  free(inl);
  free(loop);
  free(ptd);
  free(bpte);
  fprintf(stderr, "test_malformed: %.1fs of CPU\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
  return test_finish("test_malformed");
}
