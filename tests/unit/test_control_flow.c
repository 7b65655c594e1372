/* Control flow in writer-made programs: JumpFalseCall (if/else on a Bool
 * input, a counted loop on a Bool tensor), MoveCall, FreeCall, checked against
 * hand-computed answers; and load-time rejection of broken instructions. */
#include <string.h>

#include "compiler/pte_writer.h"
#include "harness.h"
#include "wick/util.h"
#include "wick/wick.h"

static uint8_t *finish(wick_pte_writer *w, size_t *n) {
  uint8_t *out = NULL;
  wick_diag d = {0};
  wick_status s = wick_pte_writer_finish(w, &out, n, &d);
  CHECK_MSG(s == WICK_OK, "writer: %s", d.msg);
  wick_pte_writer_free(w);
  return out;
}

typedef struct loaded {
  uint8_t *pte;
  wick_program prog;
  wick_loaded_method lm;
  bool ok;
} loaded;

static void load(loaded *l, wick_pte_writer *w) {
  size_t n = 0;
  memset(l, 0, sizeof *l);
  l->pte = finish(w, &n);
  if (l->pte == NULL) return;
  wick_diag d = {0};
  wick_status s = wick_program_load(&l->prog, l->pte, n, &d);
  if (!s) s = wick_method_load_alloc(&l->prog, "forward", &l->lm, &d);
  CHECK_MSG(s == WICK_OK, "load: %s: %s", wick_status_name(s), d.msg);
  l->ok = s == WICK_OK;
}

static void unload(loaded *l) {
  if (l->ok) wick_method_free(&l->lm);
  free(l->pte);
}

static wick_status set_f32(wick_method *m, uint32_t i, const float *x, int64_t len,
                           wick_diag *d) {
  wick_tensor t;
  wick_tensor_init(&t, WICK_F32, 1, &len, (void *)x, (size_t)len * sizeof(float));
  return wick_method_set_input(m, i, &t, d);
}

static const float kX[3] = {1, 2, 3};

/* forward(flag: Bool, x: f32[3]) = flag ? x + x : x * x
 *   0: jump_false(flag, 3)
 *   1: add.out(x, x, 1, y, y)
 *   2: jump_false(false, 4)      -- unconditional jump to the end
 *   3: mul.out(x, x, y, y)
 */
static void test_if_else(void) {
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  int32_t sz[1] = {3};
  uint32_t arena = wick_pte_add_arena(m, 32);
  int flag = wick_pte_bool(m, false);
  int x = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 0);
  int y = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 16);
  int one = wick_pte_int(m, 1);
  int never = wick_pte_bool(m, false);
  wick_pte_jump_false(m, flag, 3);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, x, one, y, y}, 5);
  wick_pte_jump_false(m, never, 4);
  wick_pte_kernel_named(m, "aten::mul", "out", (int32_t[]){x, x, y, y}, 4);
  wick_pte_set_inputs(m, (int32_t[]){flag, x}, 2);
  wick_pte_set_outputs(m, (int32_t[]){y}, 1);
  loaded l;
  load(&l, w);
  if (l.ok) {
    wick_method *mt = l.lm.method;
    CHECK(wick_method_num_instructions(mt) == 4);
    CHECK(strcmp(wick_method_instr_name(mt, 0), "jump_false") == 0);
    CHECK(strcmp(wick_method_instr_name(mt, 1), "aten::add.out") == 0);
    for (int f = 0; f < 2; f++) {
      wick_diag d = {0};
      wick_status s = wick_method_set_input_scalar(mt, 0, f, &d);
      if (!s) s = set_f32(mt, 1, kX, 3, &d);
      if (!s) s = wick_method_execute(mt, &d);
      CHECK_MSG(s == WICK_OK, "flag %d: %s", f, d.msg);
      const wick_tensor *out = wick_method_output(mt, 0);
      for (int i = 0; i < 3 && !s && out; i++) {
        float want = f ? kX[i] + kX[i] : kX[i] * kX[i];
        CHECK_MSG(((const float *)out->data)[i] == want, "flag %d: y[%d] = %g, want %g", f, i,
                  ((const float *)out->data)[i], want);
      }
    }
    /* A tensor is not a scalar input. */
    CHECK(wick_method_set_input_scalar(mt, 1, 1, NULL) == WICK_ERR_INPUT_MISMATCH);
  }
  unload(&l);
}

/* forward(n: Int, acc: f32[3]) { c = 0; while (c < n) { acc = acc + acc; c += 1; } return acc; }
 *   0: full.out([1], 0, c, c)
 *   1: lt.Scalar_out(c, n, cond, cond)
 *   2: jump_false(cond, 6)
 *   3: add.out(acc, acc, 1, acc, acc)
 *   4: add.Scalar_out(c, 1, 1, c, c)
 *   5: jump_false(false, 1)      -- back edge
 */
static void test_loop(void) {
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  int32_t sz[1] = {3}, one_elem[1] = {1};
  uint32_t arena = wick_pte_add_arena(m, 64);
  int n = wick_pte_int(m, 0);
  int acc = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 0);
  int c = wick_pte_planned_tensor(m, WICK_F32, 1, one_elem, arena, 16);
  int cond = wick_pte_planned_tensor(m, WICK_BOOL, 1, one_elem, arena, 32);
  int one = wick_pte_int(m, 1);
  int zero = wick_pte_double(m, 0.0);
  int never = wick_pte_bool(m, false);
  int shape = wick_pte_int_list_of(m, (int64_t[]){1}, 1);
  wick_pte_kernel_named(m, "aten::full", "out", (int32_t[]){shape, zero, c, c}, 4);
  wick_pte_kernel_named(m, "aten::lt", "Scalar_out", (int32_t[]){c, n, cond, cond}, 4);
  int exit_jump = wick_pte_jump_false(m, cond, 0);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){acc, acc, one, acc, acc}, 5);
  wick_pte_kernel_named(m, "aten::add", "Scalar_out", (int32_t[]){c, one, one, c, c}, 5);
  wick_pte_jump_false(m, never, 1);
  wick_pte_set_jump_destination(m, exit_jump, wick_pte_num_instructions(m));
  wick_pte_set_inputs(m, (int32_t[]){n, acc}, 2);
  wick_pte_set_outputs(m, (int32_t[]){acc}, 1);
  loaded l;
  load(&l, w);
  if (l.ok) {
    wick_method *mt = l.lm.method;
    const int counts[4] = {0, 1, 3, 5};
    for (int k = 0; k < 4; k++) {
      wick_diag d = {0};
      wick_status s = wick_method_set_input_scalar(mt, 0, counts[k], &d);
      if (!s) s = set_f32(mt, 1, kX, 3, &d);
      if (!s) s = wick_method_execute(mt, &d);
      CHECK_MSG(s == WICK_OK, "n=%d: %s", counts[k], d.msg);
      const wick_tensor *out = wick_method_output(mt, 0);
      for (int i = 0; i < 3 && !s && out; i++) {
        float want = kX[i] * (float)(1 << counts[k]);
        CHECK_MSG(((const float *)out->data)[i] == want, "n=%d: acc[%d] = %g, want %g", counts[k],
                  i, ((const float *)out->data)[i], want);
      }
    }
  }
  unload(&l);
}

/* A loop that never ends must be stopped, with a message. */
static void test_infinite_loop(void) {
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  int never = wick_pte_bool(m, false);
  wick_pte_jump_false(m, never, 0);
  loaded l;
  load(&l, w);
  if (l.ok) {
    wick_diag d = {0};
    wick_status s = wick_method_execute(l.lm.method, &d);
    CHECK_MSG(s != WICK_OK && d.msg[0], "an endless loop returned %s", wick_status_name(s));
  }
  unload(&l);
}

/* forward(x: f32[3]) { t1 = x + x; t2 <- move t1; free t1; y = t2 * x; return y; } = 2x^2.
 * t2 is planned too (the runtime requires every tensor a kernel touches to have
 * memory); after the move its value slot refers to t1's tensor. */
static void test_move_free(void) {
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  int32_t sz[1] = {3};
  uint32_t arena = wick_pte_add_arena(m, 64);
  int x = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 0);
  int t1 = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 16);
  int t2 = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 48);
  int y = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 32);
  int one = wick_pte_int(m, 1);
  int dst_int = wick_pte_int(m, 0);
  int five = wick_pte_int(m, 5);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, x, one, t1, t1}, 5);
  wick_pte_move(m, t1, t2);
  wick_pte_move(m, five, dst_int); /* Int move: dst_int becomes 5 */
  wick_pte_kernel_named(m, "aten::mul", "out", (int32_t[]){t2, x, y, y}, 4);
  wick_pte_free_value(m, t1);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){y, dst_int}, 2);
  loaded l;
  load(&l, w);
  if (l.ok) {
    wick_method *mt = l.lm.method;
    CHECK(strcmp(wick_method_instr_name(mt, 1), "move") == 0);
    CHECK(strcmp(wick_method_instr_name(mt, 4), "free") == 0);
    for (int run = 0; run < 2; run++) {
      wick_diag d = {0};
      wick_status s = set_f32(mt, 0, kX, 3, &d);
      if (!s) s = wick_method_execute(mt, &d);
      CHECK_MSG(s == WICK_OK, "%s", d.msg);
      const wick_tensor *out = wick_method_output(mt, 0);
      for (int i = 0; i < 3 && !s && out; i++)
        CHECK(((const float *)out->data)[i] == 2 * kX[i] * kX[i]);
      const wick_value *iv = wick_method_output_value(mt, 1);
      CHECK(iv && iv->kind == WICK_VAL_INT && iv->u.i == 5);
    }
  }
  unload(&l);
}

/* ---- rejection at load ---------------------------------------------------- */

/* Builds "forward" with x, y (f32[3] planned), alpha; `body` adds the
 * instructions. Returns the first failing status of program load, meta and
 * method load (WICK_OK when everything loads) and the message in *d. */
typedef void (*body_fn)(wick_pte_method *m, int x, int y, int alpha);

static wick_status try_load(body_fn body, wick_diag *d) {
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  int32_t sz[1] = {3};
  uint32_t arena = wick_pte_add_arena(m, 32);
  int x = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 0);
  int y = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 16);
  int alpha = wick_pte_int(m, 1);
  body(m, x, y, alpha);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){y}, 1);
  size_t n = 0;
  uint8_t *pte = finish(w, &n);
  if (pte == NULL) return WICK_ERR_MEMORY;
  wick_diag_clear(d);
  wick_program p;
  wick_method_meta meta;
  wick_loaded_method lm;
  wick_status s = wick_program_load(&p, pte, n, d);
  if (!s) s = wick_method_meta_get(&p, "forward", &meta, d);
  if (!s) s = wick_method_load_alloc(&p, "forward", &lm, d);
  if (!s) wick_method_free(&lm);
  free(pte);
  return s;
}

static void body_ok(wick_pte_method *m, int x, int y, int alpha) {
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, x, alpha, y, y}, 5);
}
static void body_jump_past_end(wick_pte_method *m, int x, int y, int alpha) {
  body_ok(m, x, y, alpha);
  wick_pte_jump_false(m, wick_pte_bool(m, false), 7); /* instruction 1, 2 instructions */
}
static void body_jump_negative(wick_pte_method *m, int x, int y, int alpha) {
  body_ok(m, x, y, alpha);
  wick_pte_jump_false(m, wick_pte_bool(m, false), -1);
}
static void body_jump_cond_not_bool(wick_pte_method *m, int x, int y, int alpha) {
  body_ok(m, x, y, alpha);
  wick_pte_jump_false(m, alpha, 0);
}
static void body_jump_cond_out_of_range(wick_pte_method *m, int x, int y, int alpha) {
  body_ok(m, x, y, alpha);
  wick_pte_jump_false(m, 1234, 0);
}
static void body_bad_arg_index(wick_pte_method *m, int x, int y, int alpha) {
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, 999, alpha, y, y}, 5);
}
static void body_negative_arg_index(wick_pte_method *m, int x, int y, int alpha) {
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, -2, alpha, y, y}, 5);
}
static void body_op_out_of_range(wick_pte_method *m, int x, int y, int alpha) {
  wick_pte_add_operator(m, "aten::add", "out");
  wick_pte_kernel(m, 5, (int32_t[]){x, x, alpha, y, y}, 5);
}
static void body_missing_kernel(wick_pte_method *m, int x, int y, int alpha) {
  wick_pte_kernel_named(m, "aten::nonexistent", "out", (int32_t[]){x, x, alpha, y, y}, 5);
}
static void body_wrong_arity(wick_pte_method *m, int x, int y, int alpha) {
  (void)alpha;
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, x, y}, 3);
}
static void body_wrong_kind(wick_pte_method *m, int x, int y, int alpha) {
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){alpha, x, alpha, y, y}, 5);
}
static void body_delegate(wick_pte_method *m, int x, int y, int alpha) {
  body_ok(m, x, y, alpha);
  int dg = wick_pte_add_delegate(m, "FancyNpuBackend", WICK_PTE_DATA_INLINE, 0);
  wick_pte_delegate_call(m, dg, (int32_t[]){x, y}, 2);
}
static void body_delegate_out_of_range(wick_pte_method *m, int x, int y, int alpha) {
  (void)alpha;
  wick_pte_delegate_call(m, 3, (int32_t[]){x, y}, 2);
}
static void body_move_out_of_range(wick_pte_method *m, int x, int y, int alpha) {
  body_ok(m, x, y, alpha);
  wick_pte_move(m, x, 4000);
}
static void body_free_non_tensor(wick_pte_method *m, int x, int y, int alpha) {
  body_ok(m, x, y, alpha);
  wick_pte_free_value(m, alpha);
}
static void body_free_out_of_range(wick_pte_method *m, int x, int y, int alpha) {
  body_ok(m, x, y, alpha);
  wick_pte_free_value(m, -7);
}

typedef struct reject_case {
  const char *what;
  body_fn body;
  wick_status want;     /* WICK_STATUS_COUNT: any error */
  const char *needles[3]; /* substrings the message must contain */
} reject_case;

static void test_rejections(void) {
  wick_diag d = {0};
  CHECK_MSG(try_load(body_ok, &d) == WICK_OK, "baseline: %s", d.msg);

  const reject_case cases[] = {
      {"jump past the end", body_jump_past_end, WICK_ERR_MALFORMED, {"instruction 1", "7"}},
      {"negative jump", body_jump_negative, WICK_ERR_MALFORMED, {"instruction 1", "-1"}},
      {"jump on an Int", body_jump_cond_not_bool, WICK_ERR_MALFORMED, {"instruction 1"}},
      {"jump cond out of range", body_jump_cond_out_of_range, WICK_ERR_MALFORMED,
       {"instruction 1", "1234"}},
      {"bad arg index", body_bad_arg_index, WICK_ERR_MALFORMED, {"instruction 0", "999"}},
      {"negative arg index", body_negative_arg_index, WICK_ERR_MALFORMED, {"instruction 0", "-2"}},
      {"op index out of range", body_op_out_of_range, WICK_ERR_MALFORMED, {"instruction 0", "5"}},
      {"missing kernel", body_missing_kernel, WICK_ERR_MISSING_KERNEL,
       {"aten::nonexistent.out", "instruction 0"}},
      {"wrong arity", body_wrong_arity, WICK_STATUS_COUNT, {"aten::add.out", "instruction 0"}},
      {"wrong kind", body_wrong_kind, WICK_STATUS_COUNT, {"aten::add.out", "argument 0"}},
      {"delegate", body_delegate, WICK_ERR_MISSING_BACKEND, {"FancyNpuBackend", "instruction 1"}},
      {"delegate out of range", body_delegate_out_of_range, WICK_ERR_MALFORMED, {"instruction 0"}},
      {"move out of range", body_move_out_of_range, WICK_ERR_MALFORMED, {"instruction 1", "4000"}},
      {"free of an Int", body_free_non_tensor, WICK_ERR_MALFORMED, {"instruction 1"}},
      {"free out of range", body_free_out_of_range, WICK_ERR_MALFORMED, {"instruction 1", "-7"}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const reject_case *c = &cases[i];
    wick_status s = try_load(c->body, &d);
    bool status_ok = c->want == WICK_STATUS_COUNT ? s != WICK_OK : s == c->want;
    CHECK_MSG(status_ok, "%s: got %s (%s), want %s", c->what, wick_status_name(s), d.msg,
              c->want == WICK_STATUS_COUNT ? "an error" : wick_status_name(c->want));
    CHECK_MSG(s == WICK_OK || d.msg[0], "%s: empty message", c->what);
    for (int k = 0; k < 3 && c->needles[k]; k++)
      CHECK_MSG(strstr(d.msg, c->needles[k]) != NULL, "%s: message \"%s\" lacks \"%s\"", c->what,
                d.msg, c->needles[k]);
  }
}

/* ---- values whose meaning changes at run time ---------------------------- */

/* Runs a method that the loader accepted; it must then fail cleanly or
 * succeed, never hand a kernel a tensor without memory or a non-tensor. */
static void expect_clean(const char *what, body_fn body) {
  fprintf(stderr, "trying: %s\n", what); /* names the case if the runtime crashes */
  wick_pte_writer *w = wick_pte_writer_new();
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  int32_t sz[1] = {3};
  uint32_t arena = wick_pte_add_arena(m, 32);
  int x = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 0);
  int y = wick_pte_planned_tensor(m, WICK_F32, 1, sz, arena, 16);
  int alpha = wick_pte_int(m, 1);
  body(m, x, y, alpha);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){y}, 1);
  loaded l;
  size_t n = 0;
  memset(&l, 0, sizeof l);
  l.pte = finish(w, &n);
  if (l.pte == NULL) return;
  wick_diag d = {0};
  wick_status s = wick_program_load(&l.prog, l.pte, n, &d);
  if (!s) s = wick_method_load_alloc(&l.prog, "forward", &l.lm, &d);
  CHECK_MSG(s == WICK_OK || d.msg[0], "%s: load failed without a message", what);
  if (s == WICK_OK) {
    l.ok = true;
    s = set_f32(l.lm.method, 0, kX, 3, &d);
    if (!s) s = wick_method_execute(l.lm.method, &d);
    CHECK_MSG(s == WICK_OK || d.msg[0], "%s: execute failed without a message", what);
  }
  fprintf(stderr, "%s: %s%s%s\n", what, wick_status_name(s), s ? ": " : "", s ? d.msg : "");
  unload(&l);
}

/* move(alpha -> u) where u is a tensor that add.out reads: the kernel would
 * see an Int where its signature promised a Tensor. */
static void body_move_changes_kind(wick_pte_method *m, int x, int y, int alpha) {
  int32_t sz[1] = {3};
  int u = wick_pte_planned_tensor(m, WICK_F32, 1, sz, 1, 0);
  wick_pte_move(m, alpha, u);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, u, alpha, y, y}, 5);
}
/* u has no memory; the only move into it moves u onto itself. */
static void body_self_move(wick_pte_method *m, int x, int y, int alpha) {
  int32_t sz[1] = {3};
  wick_pte_tensor_desc t = {.scalar_type = WICK_F32, .dim = 1, .sizes = sz};
  int u = wick_pte_tensor(m, &t);
  wick_pte_move(m, u, u);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, u, alpha, y, y}, 5);
}
/* A jump skips the move that would give u its memory. */
static void body_jump_over_move(wick_pte_method *m, int x, int y, int alpha) {
  int32_t sz[1] = {3};
  wick_pte_tensor_desc t = {.scalar_type = WICK_F32, .dim = 1, .sizes = sz};
  int u = wick_pte_tensor(m, &t);
  wick_pte_jump_false(m, wick_pte_bool(m, false), 2);
  wick_pte_move(m, x, u);
  wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, u, alpha, y, y}, 5);
}

static void test_runtime_kinds(void) {
  expect_clean("move of an Int into a kernel's Tensor argument", body_move_changes_kind);
  expect_clean("self-move of a tensor without memory", body_self_move);
  expect_clean("jump over the move that binds a tensor", body_jump_over_move);
}

int main(void) {
  test_if_else();
  test_loop();
  test_infinite_loop();
  test_move_free();
  test_rejections();
  test_runtime_kinds(); /* last: these crashed the runtime when written */
  return test_finish("test_control_flow");
}
