/* Multi-stream execution: one loaded program, 8 method instances (each with
 * its own arenas from wick_method_load_alloc), executed concurrently from 8
 * pthreads, 1000 executions each, every stream with its own inputs. Outputs
 * must be bit-identical to single-stream runs of the same inputs, and the
 * instances must share the program's constant data (no copies).
 *
 * Programs: the demo MLP (addmm, relu, addmm) built here with the .pte writer,
 * and, when the shared artifacts are present, linear.pte + linear.ptd
 * (permute_copy, addmm; weights in external data).
 *
 * Run it under ThreadSanitizer too (docs/PRODUCTION.md). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/pte_writer.h"
#include "harness.h"
#include "mlp_pte.h"
#include "wick/profile.h"
#include "wick/util.h"
#include "wick/wick.h"

enum { STREAMS = 8, RUNS = 1000, VARIANTS = 16, MAX_IN = 4, MAX_ELEMS = 4096 };

static uint32_t g_seed = 777u;
static float frand(void) {
  g_seed = g_seed * 1664525u + 1013904223u;
  return (float)(g_seed >> 8) / 16777216.0f - 0.5f;
}

static uint8_t *make_mlp(size_t *size) {
  static float w1t[IN * HID], b1[HID], w2t[HID * OUT], b2[OUT];
  for (int i = 0; i < IN * HID; i++) w1t[i] = frand() * 0.5f;
  for (int i = 0; i < HID; i++) b1[i] = frand() * 0.1f;
  for (int i = 0; i < HID * OUT; i++) w2t[i] = frand() * 0.5f;
  for (int i = 0; i < OUT; i++) b2[i] = frand() * 0.1f;
  wick_pte_writer *w = wick_pte_writer_new();
  mlp_pte_add(w, w1t, b1, w2t, b2);
  return mlp_pte_finish(w, size);
}

/* Inputs of one variant: float data for every tensor input. */
typedef struct variant {
  float *in[MAX_IN];
  uint8_t *out;      /* output 0 bytes from the single-stream reference run */
  size_t out_bytes;
} variant;

typedef struct stream {
  wick_loaded_method lm;
  variant var[VARIANTS];
  uint32_t index;
  long mismatches, failures;
  char first_error[WICK_DIAG_LEN];
} stream;

typedef struct model_case {
  const char *label;
  const wick_program *prog;
  uint32_t num_inputs;
  wick_tensor in_hdr[MAX_IN]; /* header (dtype, shape) of each input */
} model_case;

static int set_inputs(wick_method *m, const model_case *mc, const variant *v, wick_diag *d) {
  for (uint32_t i = 0; i < mc->num_inputs; i++) {
    wick_tensor t = mc->in_hdr[i];
    int64_t sizes[WICK_MAX_DIM];
    for (uint8_t k = 0; k < t.dim; k++) sizes[k] = t.sizes[k];
    size_t nbytes = wick_tensor_nbytes(&mc->in_hdr[i]);
    if (wick_tensor_init(&t, WICK_F32, t.dim, sizes, v->in[i], nbytes) != WICK_OK) return -1;
    if (wick_method_set_input(m, i, &t, d) != WICK_OK) return -1;
  }
  return 0;
}

typedef struct worker {
  stream *s;
  const model_case *mc;
} worker;

static void *worker_main(void *arg) {
  worker *w = arg;
  stream *s = w->s;
  wick_diag d;
  for (uint32_t k = 0; k < RUNS; k++) {
    const variant *v = &s->var[(k * 7u + s->index) % VARIANTS];
    wick_diag_clear(&d);
    if (set_inputs(s->lm.method, w->mc, v, &d) != 0 ||
        wick_method_execute(s->lm.method, &d) != WICK_OK) {
      if (s->failures++ == 0) snprintf(s->first_error, sizeof s->first_error, "%s", d.msg);
      continue;
    }
    const wick_tensor *y = wick_method_output(s->lm.method, 0);
    if (y == NULL || wick_tensor_nbytes(y) != v->out_bytes ||
        memcmp(y->data, v->out, v->out_bytes) != 0)
      s->mismatches++;
  }
  return NULL;
}

/* Every constant tensor argument of every instruction points into the
 * program's bytes or its external data, at the same address in every instance. */
static void check_shared_constants(const model_case *mc, stream *streams, const void *ext,
                                   size_t ext_size) {
  const uint8_t *lo = mc->prog->data, *hi = mc->prog->data + mc->prog->size;
  const uint8_t *elo = ext, *ehi = elo ? elo + ext_size : NULL;
  uint32_t n = wick_method_num_instructions(streams[0].lm.method);
  int constants = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t na = 0, nb = 0;
    wick_value *const *a = wick_method_instr_args(streams[0].lm.method, i, &na);
    for (uint32_t s = 1; s < STREAMS; s++) {
      wick_value *const *b = wick_method_instr_args(streams[s].lm.method, i, &nb);
      CHECK(na == nb);
      for (uint32_t k = 0; k < na && k < nb; k++) {
        if (a[k]->kind != WICK_VAL_TENSOR || !a[k]->u.t->is_const) continue;
        CHECK(b[k]->kind == WICK_VAL_TENSOR && b[k]->u.t->is_const);
        CHECK_MSG(b[k]->u.t->data == a[k]->u.t->data, "%s: constant copied per instance",
                  mc->label);
        CHECK(a[k] != b[k]); /* the tensor headers themselves are per instance */
      }
    }
    for (uint32_t k = 0; k < na; k++) {
      if (a[k]->kind != WICK_VAL_TENSOR || !a[k]->u.t->is_const) continue;
      const uint8_t *p = a[k]->u.t->data;
      CHECK_MSG((p >= lo && p < hi) || (elo && p >= elo && p < ehi),
                "%s: instruction %u constant is outside the program/data bytes", mc->label, i);
      constants++;
    }
  }
  CHECK_MSG(constants > 0, "%s: no constant tensors found", mc->label);
}

static void run_case(model_case *mc, const void *ext, size_t ext_size) {
  wick_diag d;
  wick_diag_clear(&d);
  stream *streams = calloc(STREAMS, sizeof *streams);
  if (streams == NULL) {
    CHECK(streams != NULL);
    return;
  }
  /* Single-stream reference: one instance, every stream's variants in turn. */
  wick_loaded_method ref;
  if (wick_method_load_alloc(mc->prog, "forward", &ref, &d) != WICK_OK) {
    CHECK_MSG(0, "%s: %s", mc->label, d.msg);
    free(streams);
    return;
  }
  mc->num_inputs = wick_method_num_inputs(ref.method);
  CHECK(mc->num_inputs >= 1 && mc->num_inputs <= MAX_IN);
  for (uint32_t i = 0; i < mc->num_inputs && i < MAX_IN; i++) {
    const wick_tensor *t = wick_method_input(ref.method, i);
    CHECK(t != NULL && t->dtype == WICK_F32 && wick_tensor_numel(t) <= MAX_ELEMS);
    if (t) mc->in_hdr[i] = *t;
  }
  for (uint32_t s = 0; s < STREAMS; s++) {
    streams[s].index = s;
    for (uint32_t v = 0; v < VARIANTS; v++) {
      variant *var = &streams[s].var[v];
      for (uint32_t i = 0; i < mc->num_inputs; i++) {
        size_t n = wick_tensor_numel(&mc->in_hdr[i]);
        var->in[i] = malloc(n * sizeof(float) + 1);
        for (size_t e = 0; var->in[i] && e < n; e++)
          var->in[i][e] = (float)(s * 1000 + v) * 0.001f + frand() * 4.0f;
      }
      if (set_inputs(ref.method, mc, var, &d) != 0 || wick_method_execute(ref.method, &d) != WICK_OK) {
        CHECK_MSG(0, "%s: reference run: %s", mc->label, d.msg);
        continue;
      }
      const wick_tensor *y = wick_method_output(ref.method, 0);
      var->out_bytes = wick_tensor_nbytes(y);
      var->out = malloc(var->out_bytes + 1);
      if (var->out) memcpy(var->out, y->data, var->out_bytes);
    }
  }
  wick_method_free(&ref);

  for (uint32_t s = 0; s < STREAMS; s++)
    if (wick_method_load_alloc(mc->prog, "forward", &streams[s].lm, &d) != WICK_OK)
      CHECK_MSG(0, "%s: stream %u: %s", mc->label, s, d.msg);
  check_shared_constants(mc, streams, ext, ext_size);

  pthread_t th[STREAMS];
  worker w[STREAMS];
  for (uint32_t s = 0; s < STREAMS; s++) {
    w[s].s = &streams[s];
    w[s].mc = mc;
    CHECK(pthread_create(&th[s], NULL, worker_main, &w[s]) == 0);
  }
  for (uint32_t s = 0; s < STREAMS; s++) pthread_join(th[s], NULL);
  long mism = 0, fails = 0;
  for (uint32_t s = 0; s < STREAMS; s++) {
    CHECK_MSG(streams[s].failures == 0, "%s: stream %u: %ld failures, first: %s", mc->label, s,
              streams[s].failures, streams[s].first_error);
    CHECK_MSG(streams[s].mismatches == 0, "%s: stream %u: %ld outputs differ from single-stream",
              mc->label, s, streams[s].mismatches);
    mism += streams[s].mismatches;
    fails += streams[s].failures;
  }
  printf("%s: %d streams x %d runs: %ld mismatches, %ld failures\n", mc->label, STREAMS, RUNS, mism,
         fails);

  /* The library's stream runner on the same instances. */
  wick_method *methods[STREAMS];
  wick_stream_stats stats[STREAMS];
  for (uint32_t s = 0; s < STREAMS; s++) methods[s] = streams[s].lm.method;
  uint64_t wall = 0;
  wick_diag_clear(&d);
  CHECK_MSG(wick_streams_bench(methods, STREAMS, 5, 200, stats, &wall, &d) == WICK_OK, "%s", d.msg);
  for (uint32_t s = 0; s < STREAMS; s++) {
    CHECK(stats[s].runs == 200);
    CHECK(stats[s].median_ns > 0 && stats[s].p90_ns >= stats[s].median_ns);
  }
  CHECK(wall > 0);
  /* After the runner the last inputs still give the reference output. */
  for (uint32_t s = 0; s < STREAMS; s++) {
    const variant *v = &streams[s].var[0];
    wick_diag_clear(&d);
    CHECK(set_inputs(methods[s], mc, v, &d) == 0 && wick_method_execute(methods[s], &d) == WICK_OK);
    const wick_tensor *y = wick_method_output(methods[s], 0);
    CHECK(y && v->out && memcmp(y->data, v->out, v->out_bytes) == 0);
  }
  /* One instance on two streams is refused. */
  methods[1] = methods[0];
  wick_diag_clear(&d);
  CHECK(wick_streams_bench(methods, 2, 0, 1, stats, NULL, &d) == WICK_ERR_INVALID_ARGUMENT);

  for (uint32_t s = 0; s < STREAMS; s++) {
    wick_method_free(&streams[s].lm);
    for (uint32_t v = 0; v < VARIANTS; v++) {
      for (uint32_t i = 0; i < MAX_IN; i++) free(streams[s].var[v].in[i]);
      free(streams[s].var[v].out);
    }
  }
  free(streams);
}

int main(void) {
  size_t size = 0;
  uint8_t *pte = make_mlp(&size);
  CHECK(pte != NULL);
  if (pte) {
    /* The writer's buffer is malloc'd (16-aligned); kernels read constants in place. */
    wick_program prog;
    wick_diag d;
    wick_diag_clear(&d);
    CHECK_MSG(wick_program_load(&prog, pte, size, &d) == WICK_OK, "%s", d.msg);
    model_case mc;
    memset(&mc, 0, sizeof mc);
    mc.label = "writer MLP";
    mc.prog = &prog;
    run_case(&mc, NULL, 0);
    free(pte);
  }

  if (shared_available()) {
    size_t pn = 0, dn = 0;
    char ptd_path[4096];
    snprintf(ptd_path, sizeof ptd_path, "%s", shared_path("pte/linear.ptd"));
    void *pb = read_file_all(shared_path("pte/linear.pte"), &pn);
    void *db = read_file_all(ptd_path, &dn);
    if (pb && db) {
      wick_program prog;
      wick_data_map map;
      wick_diag d;
      wick_diag_clear(&d);
      CHECK_MSG(wick_program_load(&prog, pb, pn, &d) == WICK_OK, "%s", d.msg);
      CHECK_MSG(wick_data_map_load(&map, db, dn, &d) == WICK_OK, "%s", d.msg);
      CHECK_MSG(wick_program_add_data(&prog, &map, &d) == WICK_OK, "%s", d.msg);
      model_case mc;
      memset(&mc, 0, sizeof mc);
      mc.label = "linear.pte + linear.ptd";
      mc.prog = &prog;
      if (d.status == WICK_OK) run_case(&mc, db, dn);
    } else {
      printf("note: shared linear.pte/.ptd not readable; writer program only\n");
    }
    free(pb);
    free(db);
  } else {
    printf("note: shared artifacts absent; writer program only\n");
  }
  return test_finish("test_streams");
}
