/* End-to-end: wick's own PyTorch-exported ONNX fixtures (tests/models) are
 * converted with wick_convert_onnx, run by the runtime, and compared with the
 * outputs PyTorch computed (expected_0.npy). Also runs each through the
 * bundling path's building blocks: the .pte must reload from a copy. */
#include <dirent.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "wick/compiler.h"
#include "wick/util.h"

static int check_fixture(const char *dir, const char *name) {
  char path[1400];
  snprintf(path, sizeof path, "%s/model.onnx", dir);
  wick_convert_options opt;
  memset(&opt, 0, sizeof opt);
  wick_diag d = {WICK_OK, ""};
  uint8_t *pte = NULL;
  size_t size = 0;
  wick_convert_report rep;
  wick_status s = wick_convert_onnx(path, &opt, &pte, &size, &rep, &d);
  CHECK_MSG(s == WICK_OK, "%s: convert: %s", name, d.msg);
  if (s) return 0;
  CHECK_MSG(rep.planned_bytes <= rep.lower_bound_bytes + rep.lower_bound_bytes / 10,
            "%s: planned %llu bytes, lower bound %llu", name,
            (unsigned long long)rep.planned_bytes, (unsigned long long)rep.lower_bound_bytes);
  void *copy = NULL;
  if (posix_memalign(&copy, 64, size)) abort();
  memcpy(copy, pte, size);
  free(pte);
  wick_program prog;
  wick_loaded_method lm;
  memset(&lm, 0, sizeof lm);
  s = wick_program_load(&prog, copy, size, &d);
  if (s == WICK_OK) s = wick_method_load_alloc(&prog, "forward", &lm, &d);
  CHECK_MSG(s == WICK_OK, "%s: load: %s", name, d.msg);
  wick_tensor in, want;
  memset(&in, 0, sizeof in);
  memset(&want, 0, sizeof want);
  if (s == WICK_OK) {
    snprintf(path, sizeof path, "%s/input_0.npy", dir);
    s = wick_npy_load(path, &in, &d);
    if (s == WICK_OK) s = wick_method_set_input(lm.method, 0, &in, &d);
    if (s == WICK_OK) s = wick_method_execute(lm.method, &d);
    CHECK_MSG(s == WICK_OK, "%s: run: %s", name, d.msg);
  }
  double max_err = 0;
  if (s == WICK_OK) {
    snprintf(path, sizeof path, "%s/expected_0.npy", dir);
    s = wick_npy_load(path, &want, &d);
    CHECK_MSG(s == WICK_OK, "%s: %s", name, d.msg);
    const wick_tensor *got = wick_method_output(lm.method, 0);
    CHECK_MSG(got && got->dtype == WICK_F32 && wick_tensor_same_shape(got, &want),
              "%s: output shape/dtype differs", name);
    if (s == WICK_OK && got && wick_tensor_same_shape(got, &want)) {
      const float *g = got->data, *w = want.data;
      for (size_t i = 0; i < wick_tensor_numel(&want); i++) {
        double e = fabs((double)g[i] - w[i]) / (1e-4 + fabs(w[i]));
        if (e > max_err || e != e) max_err = e != e ? 1e9 : e;
      }
      CHECK_MSG(max_err < 1e-3, "%s: outputs differ from PyTorch (max scaled error %g)", name,
                max_err);
    }
  }
  if (s == WICK_OK)
    fprintf(stderr, "  %-12s ok: %u ONNX nodes -> %u kernel calls, planned %llu B (bound %llu B), "
                    "max scaled error %.2g\n",
            name, rep.onnx_nodes, rep.kernel_calls, (unsigned long long)rep.planned_bytes,
            (unsigned long long)rep.lower_bound_bytes, max_err);
  free(in.data);
  free(want.data);
  wick_method_free(&lm);
  free(copy);
  return s == WICK_OK;
}

int main(void) {
  const char *src = getenv("WICK_SOURCE_DIR");
  char root[1024];
  snprintf(root, sizeof root, "%s/tests/models/fixtures", src ? src : ".");
  DIR *dp = opendir(root);
  CHECK_MSG(dp != NULL, "no fixtures at %s", root);
  if (dp == NULL) return test_finish("test_models");
  struct dirent *de;
  int n = 0;
  while ((de = readdir(dp)) != NULL) {
    if (de->d_name[0] == '.') continue;
    char dir[1300];
    snprintf(dir, sizeof dir, "%s/%s", root, de->d_name);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    check_fixture(dir, de->d_name);
    n++;
  }
  closedir(dp);
  CHECK(n >= 5);
  return test_finish("test_models");
}
