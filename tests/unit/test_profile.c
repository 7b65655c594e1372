/* The profiler (include/wick/profile.h): events per executed instruction,
 * bytes moved, the full-buffer behaviour, pause/reset, per-op totals, the
 * Chrome trace, no allocation while executing with the profiler on, and the
 * CLI front ends (wick run --profile, wick profile, wick bench --streams)
 * when WICK_BIN names the binary. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/pte_writer.h"
#include "harness.h"
#include "mlp_pte.h"
#include "wick/profile.h"
#include "wick/util.h"
#include "wick/wick.h"

#include "alloc_count.h"
#ifdef ALLOC_COUNT_ACTIVE
#define COUNT_ALLOCS 1
#endif


/* The demo MLP: addmm, relu, addmm. */
static uint8_t *make_mlp(size_t *size) {
  static float w1t[IN * HID], b1[HID], w2t[HID * OUT], b2[OUT];
  for (int i = 0; i < IN * HID; i++) w1t[i] = (float)((i * 37) % 17 - 8) / 32.0f;
  for (int i = 0; i < HID; i++) b1[i] = (float)(i % 5) / 10.0f;
  for (int i = 0; i < HID * OUT; i++) w2t[i] = (float)((i * 11) % 13 - 6) / 16.0f;
  for (int i = 0; i < OUT; i++) b2[i] = 0.25f * (float)i;
  wick_pte_writer *w = wick_pte_writer_new();
  mlp_pte_add(w, w1t, b1, w2t, b2);
  return mlp_pte_finish(w, size);
}

static char *slurp(const char *path) {
  size_t n = 0;
  char *s = read_file_all(path, &n);
  if (s) s[n] = '\0';
  return s;
}

static int count_of(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
  return n;
}

/* Runs a shell command, captures stdout (malloc'd) and the exit status. */
static char *run_cmd(const char *cmd, int *status) {
  FILE *f = popen(cmd, "r");
  if (f == NULL) {
    *status = -1;
    return NULL;
  }
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) len += got;
  if (buf) buf[len] = '\0';
  *status = pclose(f);
  return buf;
}

static void test_library(const uint8_t *pte, size_t size, const char *tmpdir) {
  wick_program prog;
  wick_diag d;
  wick_diag_clear(&d);
  CHECK_MSG(wick_program_load(&prog, pte, size, &d) == WICK_OK, "%s", d.msg);
  wick_loaded_method lm;
  if (wick_method_load_alloc(&prog, "forward", &lm, &d) != WICK_OK) {
    CHECK_MSG(0, "%s", d.msg);
    return;
  }
  wick_tensor *x = wick_method_input(lm.method, 0);
  for (int i = 0; i < IN; i++) ((float *)x->data)[i] = 0.5f * (float)i - 3.0f;

  /* Reference output without the profiler. */
  CHECK(wick_method_execute(lm.method, &d) == WICK_OK);
  float ref[OUT];
  memcpy(ref, wick_method_output(lm.method, 0)->data, sizeof ref);

  CHECK(wick_profiler_new(lm.method, 0, 0, "x", &(wick_profiler *){NULL}, &d) ==
        WICK_ERR_INVALID_ARGUMENT);
  wick_profiler *p = NULL;
  wick_diag_clear(&d);
  CHECK_MSG(wick_profiler_new(lm.method, 10, 3, "forward \"quoted\"", &p, &d) == WICK_OK, "%s",
            d.msg);
  if (p == NULL) return;
  CHECK(wick_profiler_capacity(p) == 10);
  CHECK(wick_profiler_method(p) == lm.method);

#ifdef COUNT_ALLOCS
  g_allocations = 0;
  g_counting = 1;
#endif
  for (int k = 0; k < 2; k++) CHECK(wick_method_execute(lm.method, &d) == WICK_OK);
#ifdef COUNT_ALLOCS
  g_counting = 0;
  CHECK_MSG(g_allocations == 0, "%ld allocations while executing with the profiler", g_allocations);
#endif
  CHECK(memcmp(ref, wick_method_output(lm.method, 0)->data, sizeof ref) == 0);
  CHECK(wick_profiler_count(p) == 6);
  CHECK(wick_profiler_dropped(p) == 0);
  const wick_profile_event *ev = wick_profiler_events(p);
  /* Distinct tensor arguments: addmm B1(128) x(64) W1(2048) h(128); relu
   * h(128) r(128); addmm B2(16) r(128) W2(512) y(16). */
  const uint64_t want_bytes[3] = {2368, 256, 672};
  for (int e = 0; e < 6; e++) {
    CHECK(ev[e].instr == (uint32_t)(e % 3));
    CHECK(ev[e].end_ns >= ev[e].start_ns);
    CHECK_MSG(ev[e].bytes == want_bytes[e % 3], "event %d: %llu bytes", e,
              (unsigned long long)ev[e].bytes);
    if (e) CHECK(ev[e].start_ns >= ev[e - 1].end_ns);
  }

  /* Full buffer: 4 of the next 6 are recorded, 2 dropped. */
  for (int k = 0; k < 2; k++) CHECK(wick_method_execute(lm.method, &d) == WICK_OK);
  CHECK(wick_profiler_count(p) == 10);
  CHECK(wick_profiler_dropped(p) == 2);

  wick_op_stat *ops = NULL;
  size_t nops = 0;
  uint64_t total = 0;
  CHECK(wick_profile_op_stats(&p, 1, &ops, &nops, &total, &d) == WICK_OK);
  CHECK(nops == 2);
  uint64_t sum = 0, calls = 0;
  for (size_t k = 0; k < nops; k++) {
    sum += ops[k].total_ns;
    calls += ops[k].calls;
    if (k) CHECK(ops[k - 1].total_ns >= ops[k].total_ns);
    if (strcmp(ops[k].name, "aten::addmm.out") == 0) {
      CHECK(ops[k].calls == 7);
      CHECK(ops[k].bytes == 4 * 2368 + 3 * 672);
    } else {
      CHECK(strcmp(ops[k].name, "aten::relu.out") == 0);
      CHECK(ops[k].calls == 3);
      CHECK(ops[k].bytes == 3 * 256);
    }
  }
  CHECK(calls == 10 && sum == total);
  free(ops);

  char path[4096];
  snprintf(path, sizeof path, "%s/trace.json", tmpdir);
  CHECK_MSG(wick_profile_write_trace(&p, 1, path, &d) == WICK_OK, "%s", d.msg);
  char *json = slurp(path);
  CHECK(json != NULL);
  if (json) {
    CHECK(strstr(json, "\"traceEvents\": [") != NULL);
    CHECK(count_of(json, "\"ph\": \"X\"") == 10);
    CHECK(count_of(json, "\"name\": \"aten::addmm.out\"") == 7);
    CHECK(count_of(json, "\"tid\": 3") >= 11);
    CHECK(strstr(json, "\"name\": \"forward \\\"quoted\\\"\"") != NULL);
    CHECK(strstr(json, "\"inputs\": [\"float32[32]\", \"float32[1,16]\", \"float32[16,32]\", "
                       "\"int=1\", \"int=1\"], \"outputs\": [\"float32[1,32]\"]") != NULL);
    CHECK(strstr(json, "\"inputs\": [\"float32[1,32]\"], \"outputs\": [\"float32[1,32]\"]") !=
          NULL);
    CHECK(strstr(json, "profile buffer full: 2 instructions not recorded") != NULL);
    CHECK(strstr(json, "\"ts\": 0.000") != NULL);
    free(json);
    /* A JSON parser agrees, when one is at hand. */
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "command -v python3 >/dev/null 2>&1 || exit 0; python3 -c 'import json,sys; "
             "d=json.load(open(sys.argv[1])); "
             "x=[e for e in d[\"traceEvents\"] if e[\"ph\"]==\"X\"]; "
             "assert len(x)==10 and all(e[\"dur\"]>=0 and \"bytes\" in e[\"args\"] for e in x)' %s",
             path);
    CHECK_MSG(system(cmd) == 0, "trace.json is not the expected JSON");
  }
  CHECK(wick_profile_write_trace(&p, 1, "/nonexistent-dir/x/trace.json", &d) == WICK_ERR_IO);

  /* Pause, reset, free. */
  wick_profiler_reset(p);
  CHECK(wick_profiler_count(p) == 0 && wick_profiler_dropped(p) == 0);
  wick_profiler_enable(p, false);
  CHECK(wick_method_execute(lm.method, &d) == WICK_OK);
  CHECK(wick_profiler_count(p) == 0);
  wick_profiler_enable(p, true);
  CHECK(wick_method_execute(lm.method, &d) == WICK_OK);
  CHECK(wick_profiler_count(p) == 3);
  wick_profiler_free(p);
  CHECK(wick_method_execute(lm.method, &d) == WICK_OK); /* observer removed */
  CHECK(memcmp(ref, wick_method_output(lm.method, 0)->data, sizeof ref) == 0);

  /* Two tracks in one trace. */
  wick_loaded_method lm2;
  CHECK(wick_method_load_alloc(&prog, "forward", &lm2, &d) == WICK_OK);
  wick_profiler *ps[2] = {NULL, NULL};
  CHECK(wick_profiler_new(lm.method, 100, 0, "stream 0", &ps[0], &d) == WICK_OK);
  CHECK(wick_profiler_new(lm2.method, 100, 1, "stream 1", &ps[1], &d) == WICK_OK);
  CHECK(wick_method_execute(lm.method, &d) == WICK_OK);
  CHECK(wick_method_execute(lm2.method, &d) == WICK_OK);
  CHECK(wick_profile_write_trace(ps, 2, path, &d) == WICK_OK);
  json = slurp(path);
  if (json) {
    CHECK(count_of(json, "\"ph\": \"X\"") == 6);
    CHECK(strstr(json, "\"name\": \"stream 1\"") != NULL);
    free(json);
  }
  CHECK(wick_profile_op_stats(ps, 2, &ops, &nops, &total, &d) == WICK_OK);
  CHECK(nops == 2 && ops[0].calls + ops[1].calls == 6);
  free(ops);
  wick_profiler_free(ps[0]);
  wick_profiler_free(ps[1]);
  wick_method_free(&lm2);
  wick_method_free(&lm);
}

static void test_cli(const char *wick, const char *tmpdir) {
  char cmd[8192];
  int st = 0;
  char *out;
  snprintf(cmd, sizeof cmd, "'%s' run '%s/mlp.pte' --profile '%s/run.json' 2>/dev/null", wick,
           tmpdir, tmpdir);
  out = run_cmd(cmd, &st);
  CHECK_MSG(st == 0, "wick run --profile failed");
  free(out);
  snprintf(cmd, sizeof cmd, "%s/run.json", tmpdir);
  char *json = slurp(cmd);
  CHECK(json && count_of(json, "\"ph\": \"X\"") == 3);
  free(json);

  snprintf(cmd, sizeof cmd, "'%s' profile '%s/mlp.pte' --iters 50 --json 2>/dev/null", wick,
           tmpdir);
  out = run_cmd(cmd, &st);
  CHECK_MSG(st == 0 && out && strstr(out, "\"op\": \"aten::addmm.out\", \"calls\": 100") != NULL,
            "wick profile --json: %s", out ? out : "(nothing)");
  free(out);
  snprintf(cmd, sizeof cmd, "'%s' profile '%s/mlp.pte' --iters 10 --events 5 2>&1", wick, tmpdir);
  out = run_cmd(cmd, &st);
  CHECK_MSG(st == 0 && out && strstr(out, "profile buffer full") != NULL &&
                strstr(out, "aten::relu.out") != NULL,
            "wick profile --events 5: %s", out ? out : "(nothing)");
  free(out);

  snprintf(cmd, sizeof cmd,
           "'%s' bench '%s/mlp.pte' --streams 3 --iters 200 --json --profile '%s/b.json' "
           "2>/dev/null",
           wick, tmpdir, tmpdir);
  out = run_cmd(cmd, &st);
  CHECK_MSG(st == 0 && out && strstr(out, "\"streams\": 3") && strstr(out, "\"runs\": 600") &&
                strstr(out, "\"throughput_per_s\": ") && strstr(out, "\"stream\": 2"),
            "wick bench --streams 3: %s", out ? out : "(nothing)");
  free(out);
  snprintf(cmd, sizeof cmd, "%s/b.json", tmpdir);
  json = slurp(cmd);
  CHECK(json && count_of(json, "\"thread_name\"") == 3);
  free(json);

  snprintf(cmd, sizeof cmd, "'%s' bench '%s/mlp.pte' --streams 0 2>&1", wick, tmpdir);
  out = run_cmd(cmd, &st);
  CHECK(st != 0 && out && strncmp(out, "wick: bench: --streams", 22) == 0);
  free(out);
  snprintf(cmd, sizeof cmd, "'%s' profile 2>&1", wick);
  out = run_cmd(cmd, &st);
  CHECK(st != 0 && out && strncmp(out, "wick: profile: missing MODEL", 28) == 0);
  free(out);
}

int main(void) {
  char tmpdir[] = "/tmp/wick_profile.XXXXXX";
  if (mkdtemp(tmpdir) == NULL) {
    fprintf(stderr, "cannot create a temporary directory\n");
    return 1;
  }
  size_t size = 0;
  uint8_t *pte = make_mlp(&size);
  CHECK(pte != NULL);
  if (pte) {
    test_library(pte, size, tmpdir);
    char path[4096];
    snprintf(path, sizeof path, "%s/mlp.pte", tmpdir);
    wick_diag d;
    wick_diag_clear(&d);
    CHECK(wick_write_file(path, pte, size, &d) == WICK_OK);
    const char *wick = getenv("WICK_BIN");
    if (wick && wick[0] && access(wick, X_OK) == 0)
      test_cli(wick, tmpdir);
    else
      printf("note: WICK_BIN not set: CLI checks skipped\n");
    free(pte);
  }
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) fprintf(stderr, "note: could not remove %s\n", tmpdir);
  return test_finish("test_profile");
}
