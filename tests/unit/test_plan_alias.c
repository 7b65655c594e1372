/* View aliasing in the memory planner (src/compiler/plan.c): a view's output
 * (view_copy, squeeze / unsqueeze_copy, clone) may be placed at its input's
 * bytes when nothing else writes either tensor, even if the input is read
 * again after the view. Checked on small IR graphs
 * (which views share memory, which must not) and on the transformer fixture
 * (outputs bit-identical to a conversion with aliasing off). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/passes.h"
#include "harness.h"
#include "wick/compiler.h"
#include "wick/util.h"
#include "wick/wick.h"

#define N 12

static int32_t input(wc_graph *g, int rank, const int64_t *dims) {
  int32_t id = wc_tensor(g, WICK_F32, rank, dims);
  g->values[id].input_index = (int32_t)g->num_inputs;
  g->inputs = realloc(g->inputs, (g->num_inputs + 1) * sizeof(int32_t));
  if (!g->inputs) abort();
  g->inputs[g->num_inputs++] = id;
  return id;
}

static void output(wc_graph *g, int32_t id) {
  g->values[id].output_index = (int32_t)g->num_outputs;
  g->outputs = realloc(g->outputs, (g->num_outputs + 1) * sizeof(int32_t));
  if (!g->outputs) abort();
  g->outputs[g->num_outputs++] = id;
}

static int32_t view(wc_graph *g, int32_t x, int rank, const int64_t *dims) {
  int32_t out = wc_tensor(g, WICK_F32, rank, dims);
  int32_t args[3] = {x, wc_int_list(g, dims, (uint32_t)rank), out};
  wc_node_add(g, "aten::view_copy.out", args, 3, 1);
  return out;
}

static void mul_into(wc_graph *g, int32_t a, int32_t b, int32_t out) {
  int32_t args[3] = {a, b, out};
  wc_node_add(g, "aten::mul.out", args, 3, 1);
}

static void add_into(wc_graph *g, int32_t a, int32_t b, int32_t out) {
  int32_t args[4] = {a, b, wc_int(g, 1), out};
  wc_node_add(g, "aten::add.out", args, 4, 1);
}

static int32_t add(wc_graph *g, int32_t a, int32_t b) {
  int32_t out = wc_tensor_like(g, a);
  add_into(g, a, b, out);
  return out;
}

static int32_t mul(wc_graph *g, int32_t a, int32_t b) {
  int32_t out = wc_tensor_like(g, a);
  mul_into(g, a, b, out);
  return out;
}

static bool same_place(const wc_graph *g, int32_t a, int32_t b) {
  return g->values[a].mem_id == g->values[b].mem_id &&
         g->values[a].mem_offset == g->values[b].mem_offset;
}

/* Plans (with or without aliasing), emits, runs on x = 1..N and copies
 * output k (N floats) to out[k]; returns the plan. */
static wc_plan run(wc_graph *g, bool alias, float out[][N]) {
  wc_plan plan;
  wick_diag d = {0};
  CHECK(wc_plan_memory(g, alias, &plan, &d) == WICK_OK);
  uint8_t *pte = NULL;
  size_t size = 0;
  wick_status s = wc_emit_pte(g, &plan, NULL, NULL, &pte, &size, NULL, NULL, &d);
  CHECK_MSG(s == WICK_OK, "emit: %s", d.msg);
  wick_program prog;
  wick_loaded_method lm;
  memset(&lm, 0, sizeof lm);
  if (s == WICK_OK) s = wick_program_load(&prog, pte, size, &d);
  if (s == WICK_OK) s = wick_method_load_alloc(&prog, "forward", &lm, &d);
  CHECK_MSG(s == WICK_OK, "load: %s", d.msg);
  float x[N];
  for (int i = 0; i < N; i++) x[i] = (float)(i + 1);
  for (uint32_t k = 0; s == WICK_OK && k < g->num_inputs; k++) {
    const wc_value *v = &g->values[g->inputs[k]];
    wick_tensor t;
    wick_tensor_init(&t, WICK_F32, v->rank, v->dims, x, sizeof x);
    s = wick_method_set_input(lm.method, k, &t, &d);
  }
  if (s == WICK_OK) s = wick_method_execute(lm.method, &d);
  CHECK_MSG(s == WICK_OK, "run: %s", d.msg);
  for (uint32_t k = 0; s == WICK_OK && k < g->num_outputs; k++) {
    const wick_tensor *t = wick_method_output(lm.method, k);
    CHECK(t && wick_tensor_numel(t) == N);
    if (t && wick_tensor_numel(t) == N) memcpy(out[k], t->data, sizeof out[k]);
  }
  if (lm.method) wick_method_free(&lm);
  free(pte);
  return plan;
}

/* Runs with and without aliasing: the outputs must be bit-identical. */
static wc_plan run_both(wc_graph *g, float want[][N]) {
  float plain[4][N], aliased[4][N];
  memset(plain, 0, sizeof plain);
  memset(aliased, 0, sizeof aliased);
  wc_plan off = run(g, false, plain);
  CHECK(off.aliased_views == 0);
  wc_plan on = run(g, true, aliased);
  CHECK(on.arena_bytes <= off.arena_bytes);
  CHECK(on.lower_bound <= on.arena_bytes);
  CHECK(memcmp(plain, aliased, g->num_outputs * sizeof plain[0]) == 0);
  for (uint32_t k = 0; want && k < g->num_outputs; k++)
    for (int i = 0; i < N; i++)
      CHECK_MSG(aliased[k][i] == want[k][i], "output %u [%d]: %g, want %g", k, i,
                (double)aliased[k][i], (double)want[k][i]);
  return on;
}

/* a = x*x; v = view(a); r = v + v; s = a + a (a read again after the view);
 * outputs view(s), r. Both views share memory: nothing writes a, v or s but
 * their producers, and the view rewrites the same bytes. */
static void test_reread_after_view(void) {
  wc_graph *g = wc_graph_new();
  const int64_t d26[2] = {2, 6}, d12[1] = {N}, d34[2] = {3, 4};
  int32_t x = input(g, 2, d26);
  int32_t a = mul(g, x, x);
  int32_t v = view(g, a, 1, d12);
  int32_t r = add(g, v, v);
  int32_t s = add(g, a, a);
  int32_t o = view(g, s, 2, d34);
  output(g, o);
  output(g, r);
  float want[2][N];
  for (int i = 0; i < N; i++) want[0][i] = want[1][i] = 2.0f * (float)((i + 1) * (i + 1));
  wc_plan p = run_both(g, want);
  CHECK(p.aliased_views == 2);
  CHECK(same_place(g, a, v));
  CHECK(same_place(g, s, o));
  CHECK(!same_place(g, x, a));
  wc_graph_free(g);
}

/* a = x*x; v = view(a); a = x+x (a written again); out = a + view(v).
 * Sharing a's bytes with v would let the second write change v. */
static void test_input_rewritten(void) {
  wc_graph *g = wc_graph_new();
  const int64_t d26[2] = {2, 6}, d12[1] = {N};
  int32_t x = input(g, 2, d26);
  int32_t a = mul(g, x, x);
  int32_t v = view(g, a, 1, d12);
  add_into(g, x, x, a);
  int32_t v2 = view(g, v, 2, d26);
  int32_t o = add(g, a, v2);
  output(g, o);
  float want[1][N];
  for (int i = 0; i < N; i++) want[0][i] = (float)(2 * (i + 1) + (i + 1) * (i + 1));
  wc_plan p = run_both(g, want);
  CHECK(!same_place(g, a, v));
  CHECK(p.aliased_views == 1 && same_place(g, v, v2)); /* v and v2: one writer each */
  wc_graph_free(g);
}

/* A graph input viewed for internal use shares the input's bytes (inputs are
 * written before the run and stay alive for the whole method); a view of an
 * input that is a graph output does not (outputs stay distinct from inputs),
 * nor one output that is a view of another. */
static void test_inputs_and_outputs(void) {
  wc_graph *g = wc_graph_new();
  const int64_t d26[2] = {2, 6}, d12[1] = {N};
  int32_t x = input(g, 2, d26);
  int32_t v = view(g, x, 1, d12);
  int32_t a = mul(g, x, x);
  int32_t w = view(g, a, 1, d12);
  int32_t u = view(g, x, 1, d12);
  int32_t r = add(g, u, u);
  output(g, v);
  output(g, a);
  output(g, w);
  output(g, r);
  float want[4][N];
  for (int i = 0; i < N; i++) {
    want[0][i] = (float)(i + 1);
    want[1][i] = want[2][i] = (float)((i + 1) * (i + 1));
    want[3][i] = (float)(2 * (i + 1));
  }
  wc_plan p = run_both(g, want);
  CHECK(p.aliased_views == 1);
  CHECK(!same_place(g, x, v));
  CHECK(!same_place(g, a, w));
  CHECK(same_place(g, x, u));
  wc_graph_free(g);
}

/* Views inside a loop region keep their own memory. */
static void test_loop_region(void) {
  wc_graph *g = wc_graph_new();
  const int64_t d26[2] = {2, 6}, d12[1] = {N};
  int32_t x = input(g, 2, d26);
  int32_t a = mul(g, x, x);
  wc_node_add(g, WC_OP_LOOP_BEGIN, NULL, 0, 0);
  int32_t b = mul(g, a, x);
  int32_t v = view(g, b, 1, d12);
  int32_t r = add(g, v, v);
  wc_node_add(g, WC_OP_LOOP_END, NULL, 0, 0);
  int32_t w = view(g, r, 2, d26); /* after the loop: may share r's bytes */
  int32_t o = add(g, w, a);
  output(g, o);
  wc_plan plan;
  wick_diag d = {0};
  CHECK(wc_plan_memory(g, true, &plan, &d) == WICK_OK);
  CHECK(!same_place(g, b, v));
  CHECK(same_place(g, r, w));
  CHECK(plan.aliased_views == 1);
  wc_graph_free(g);
}

/* The transformer fixture: aliasing changes no output bit and shares memory. */
static void test_transformer(void) {
  const char *src = getenv("WICK_SOURCE_DIR");
  char dir[1024], path[1100];
  snprintf(dir, sizeof dir, "%s/tests/models/fixtures/transformer", src ? src : ".");
  snprintf(path, sizeof path, "%s/model.onnx", dir);
  wick_tensor in;
  memset(&in, 0, sizeof in);
  wick_diag d = {0};
  char npy[1100];
  snprintf(npy, sizeof npy, "%s/input_0.npy", dir);
  CHECK_MSG(wick_npy_load(npy, &in, &d) == WICK_OK, "%s", d.msg);
  if (in.data == NULL) return;
  void *outs[3] = {NULL, NULL, NULL};
  size_t bytes[3] = {0, 0, 0};
  wick_convert_report reps[3];
  for (int mode = 0; mode < 3; mode++) {
    /* 0: aliasing on; 1: off by option; 2: off by WICK_NO_VIEW_ALIAS=1 */
    wick_convert_options opt;
    memset(&opt, 0, sizeof opt);
    opt.no_view_alias = mode == 1;
    if (mode == 2) setenv("WICK_NO_VIEW_ALIAS", "1", 1);
    uint8_t *pte = NULL;
    size_t size = 0;
    wick_status s = wick_convert_onnx(path, &opt, &pte, &size, &reps[mode], &d);
    if (mode == 2) unsetenv("WICK_NO_VIEW_ALIAS");
    CHECK_MSG(s == WICK_OK, "convert: %s", d.msg);
    if (s) continue;
    wick_program prog;
    wick_loaded_method lm;
    memset(&lm, 0, sizeof lm);
    s = wick_program_load(&prog, pte, size, &d);
    if (s == WICK_OK) s = wick_method_load_alloc(&prog, "forward", &lm, &d);
    if (s == WICK_OK) s = wick_method_set_input(lm.method, 0, &in, &d);
    if (s == WICK_OK) s = wick_method_execute(lm.method, &d);
    CHECK_MSG(s == WICK_OK, "run: %s", d.msg);
    if (s == WICK_OK) {
      const wick_tensor *t = wick_method_output(lm.method, 0);
      bytes[mode] = wick_tensor_nbytes(t);
      outs[mode] = malloc(bytes[mode] ? bytes[mode] : 1);
      memcpy(outs[mode], t->data, bytes[mode]);
    }
    if (lm.method) wick_method_free(&lm);
    free(pte);
  }
  CHECK_MSG(reps[0].aliased_views > 0, "no view shares memory");
  CHECK(reps[1].aliased_views == 0 && reps[2].aliased_views == 0);
  CHECK(reps[0].planned_bytes <= reps[1].planned_bytes);
  CHECK(reps[0].lower_bound_bytes <= reps[0].planned_bytes);
  CHECK(reps[1].planned_bytes == reps[2].planned_bytes);
  for (int mode = 1; mode < 3; mode++)
    CHECK(outs[0] && outs[mode] && bytes[0] == bytes[mode] &&
          memcmp(outs[0], outs[mode], bytes[0]) == 0);
  fprintf(stderr, "  transformer: %u views aliased; planned %llu B (%llu B without)\n",
          reps[0].aliased_views, (unsigned long long)reps[0].planned_bytes,
          (unsigned long long)reps[1].planned_bytes);
  for (int mode = 0; mode < 3; mode++) {
    free(outs[mode]);
    wick_convert_report_free(&reps[mode]);
  }
  free(in.data);
}

int main(void) {
  test_reread_after_view();
  test_input_rewritten();
  test_inputs_and_outputs();
  test_loop_region();
  test_transformer();
  return test_finish("test_plan_alias");
}
