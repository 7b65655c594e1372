/* Every ExecuTorch artifact in ../shared/data/pte runs in wick and matches the
 * outputs the real ExecuTorch runtime produced (expected/cases.json). */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "wick/bundled.h"
#include "wick/util.h"

/* Minimal reader for cases.json: pulls the string after "key": starting at *pos. */
static int json_string(const char *s, const char *key, const char *end, char *out, size_t n) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(s, pat);
  if (p == NULL || p > end) return 0;
  p += strlen(pat);
  while (*p == ' ') p++;
  if (strncmp(p, "null", 4) == 0) {
    out[0] = '\0';
    return 1;
  }
  if (*p != '"') return 0;
  p++;
  size_t k = 0;
  while (*p && *p != '"' && k + 1 < n) out[k++] = *p++;
  out[k] = '\0';
  return 1;
}

/* The k-th string in the JSON array after "key": (0 when absent). */
static int json_array_item(const char *s, const char *key, const char *end, int k, char *out,
                           size_t n) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(s, pat);
  if (p == NULL || p > end) return 0;
  p = strchr(p, '[');
  const char *close = p ? strchr(p, ']') : NULL;
  for (int i = 0; p && i <= k; i++) {
    p = strchr(p + 1, '"');
    if (p == NULL || p > close) return 0;
    const char *q = strchr(p + 1, '"');
    if (i == k) {
      size_t len = (size_t)(q - p - 1) < n - 1 ? (size_t)(q - p - 1) : n - 1;
      memcpy(out, p + 1, len);
      out[len] = '\0';
      return 1;
    }
    p = q;
  }
  return 0;
}

static int compare(const char *what, const wick_tensor *got, const wick_tensor *want) {
  char a[96], b[96];
  if (got->dtype != want->dtype || !wick_tensor_same_shape(got, want)) {
    fprintf(stderr, "%s: got %s, expected %s\n", what, wick_tensor_describe(got, a, sizeof a),
            wick_tensor_describe(want, b, sizeof b));
    return 0;
  }
  size_t n = wick_tensor_numel(want);
  if (want->dtype == WICK_F32) {
    for (size_t i = 0; i < n; i++) {
      float g, w; /* bundled data may be unaligned */
      memcpy(&g, (const char *)got->data + 4 * i, 4);
      memcpy(&w, (const char *)want->data + 4 * i, 4);
      if (!(fabsf(g - w) <= 1e-6f + 1e-6f * fabsf(w))) {
        fprintf(stderr, "%s: element %zu is %.9g, expected %.9g\n", what, i, g, w);
        return 0;
      }
    }
    return 1;
  }
  return memcmp(got->data, want->data, wick_tensor_nbytes(want)) == 0;
}

static void run_case(const char *obj, const char *end) {
  char name[128], pte[128], ptd[128];
  CHECK(json_string(obj, "name", end, name, sizeof name));
  CHECK(json_string(obj, "pte", end, pte, sizeof pte));
  CHECK(json_string(obj, "ptd", end, ptd, sizeof ptd));
  wick_diag d = {0};
  wick_file f, fd;
  memset(&fd, 0, sizeof fd);
  wick_status s = wick_file_open(&f, shared_path(strcat(strcpy((char[160]){0}, "pte/"), pte)), &d);
  CHECK_MSG(s == WICK_OK, "%s: %s", pte, d.msg);
  if (s) return;
  wick_program prog;
  s = wick_program_load(&prog, f.data, f.size, &d);
  CHECK_MSG(s == WICK_OK, "%s: %s", pte, d.msg);
  wick_data_map map;
  if (s == WICK_OK && ptd[0]) {
    char path[160];
    snprintf(path, sizeof path, "pte/%s", ptd);
    s = wick_file_open(&fd, shared_path(path), &d);
    if (s == WICK_OK) s = wick_data_map_load(&map, fd.data, fd.size, &d);
    if (s == WICK_OK) s = wick_program_add_data(&prog, &map, &d);
    CHECK_MSG(s == WICK_OK, "%s: %s", ptd, d.msg);
  }
  wick_loaded_method lm;
  memset(&lm, 0, sizeof lm);
  if (s == WICK_OK) {
    s = wick_method_load_alloc(&prog, "forward", &lm, &d);
    CHECK_MSG(s == WICK_OK, "%s: %s", pte, d.msg);
  }
  wick_tensor ins[8];
  int nin = 0;
  for (; s == WICK_OK && nin < 8; nin++) {
    char file[160], path[200];
    if (!json_array_item(obj, "inputs", end, nin, file, sizeof file)) break;
    snprintf(path, sizeof path, "pte/expected/%s", file);
    s = wick_npy_load(shared_path(path), &ins[nin], &d);
    CHECK_MSG(s == WICK_OK, "%s: %s", file, d.msg);
    if (s == WICK_OK) {
      s = wick_method_set_input(lm.method, (uint32_t)nin, &ins[nin], &d);
      CHECK_MSG(s == WICK_OK, "%s input %d: %s", name, nin, d.msg);
    }
  }
  if (s == WICK_OK) {
    s = wick_method_execute(lm.method, &d);
    CHECK_MSG(s == WICK_OK, "%s: execute: %s", name, d.msg);
  }
  for (int k = 0; s == WICK_OK; k++) {
    char file[160], path[200];
    if (!json_array_item(obj, "outputs", end, k, file, sizeof file)) break;
    snprintf(path, sizeof path, "pte/expected/%s", file);
    wick_tensor want;
    s = wick_npy_load(shared_path(path), &want, &d);
    CHECK_MSG(s == WICK_OK, "%s: %s", file, d.msg);
    if (s) break;
    const wick_tensor *got = wick_method_output(lm.method, (uint32_t)k);
    CHECK_MSG(got != NULL, "%s: output %d missing", name, k);
    if (got) CHECK_MSG(compare(name, got, &want), "%s output %d differs", name, k);
    free(want.data);
  }
  if (s == WICK_OK) fprintf(stderr, "  %-45s ok\n", name);
  for (int k = 0; k < nin && k < 8; k++) free(ins[k].data);
  if (lm.block) wick_method_free(&lm);
  if (fd.data) wick_file_close(&fd);
  wick_file_close(&f);
}

static void run_bundled(void) {
  size_t size;
  void *buf = read_file_all(shared_path("pte/bundled_program.bpte"), &size);
  CHECK(buf != NULL);
  if (!buf) return;
  wick_diag d = {0};
  wick_bundled b;
  wick_status s = wick_bundled_load(&b, buf, size, &d);
  CHECK_MSG(s == WICK_OK, "bundled: %s", d.msg);
  if (s == WICK_OK) {
    CHECK(b.num_suites >= 1);
    wick_program prog;
    s = wick_program_load(&prog, b.program, b.program_size, &d);
    CHECK_MSG(s == WICK_OK, "bundled program: %s", d.msg);
    for (uint32_t su = 0; s == WICK_OK && su < b.num_suites; su++) {
      wick_bundled_suite suite;
      CHECK(wick_bundled_get_suite(&b, su, &suite, &d) == WICK_OK);
      wick_loaded_method lm;
      s = wick_method_load_alloc(&prog, suite.method_name, &lm, &d);
      CHECK_MSG(s == WICK_OK, "bundled method %s: %s", suite.method_name, d.msg);
      if (s) break;
      for (uint32_t c = 0; c < suite.num_cases; c++) {
        uint32_t ni = 0, ne = 0;
        CHECK(wick_bundled_case_counts(&b, su, c, &ni, &ne, &d) == WICK_OK);
        for (uint32_t k = 0; k < ni; k++) {
          wick_bundled_value v;
          CHECK(wick_bundled_case_value(&b, su, c, false, k, &v, &d) == WICK_OK);
          if (v.kind == WICK_VAL_TENSOR) {
            wick_tensor *dst = wick_method_input(lm.method, k);
            CHECK(dst != NULL && dst->data != NULL);
            if (dst && dst->data) CHECK(wick_method_set_input(lm.method, k, &v.tensor, &d) == WICK_OK);
          }
        }
        s = wick_method_execute(lm.method, &d);
        CHECK_MSG(s == WICK_OK, "bundled execute: %s", d.msg);
        for (uint32_t k = 0; s == WICK_OK && k < ne; k++) {
          wick_bundled_value v;
          CHECK(wick_bundled_case_value(&b, su, c, true, k, &v, &d) == WICK_OK);
          const wick_tensor *got = wick_method_output(lm.method, k);
          CHECK(got && compare("bundled", got, &v.tensor));
        }
      }
      fprintf(stderr, "  bundled %s: %u case(s) run\n", suite.method_name, suite.num_cases);
      wick_method_free(&lm);
    }
  }
  free(buf);
}

int main(void) {
  if (!shared_available()) {
    fprintf(stderr, "test_artifacts: skipped: %s not found\n", shared_path("pte"));
    return WICK_TEST_SKIP;
  }
  size_t size;
  char *json = read_file_all(shared_path("pte/expected/cases.json"), &size);
  CHECK(json != NULL);
  if (json) {
    json[size] = '\0';
    int ncases = 0;
    for (char *p = strchr(json, '{'); p; p = strchr(p + 1, '{')) {
      char *end = strchr(p, '}');
      if (!end) break;
      run_case(p, end);
      ncases++;
    }
    CHECK(ncases >= 10);
    free(json);
  }
  run_bundled();
  return test_finish("test_artifacts");
}
