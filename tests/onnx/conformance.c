/* ONNX conformance sweep: converts each ONNX backend test model with
 * wick_convert_onnx, runs the program on every test_data_set_N and compares
 * the outputs with the expected ones.
 *
 *   onnx_conformance [--expect FILE] [--write-pass FILE] [-v] DIR...
 *
 * DIR is a folder of test folders (e.g. ../shared/data/onnx-tests/node).
 * With --expect, exit 1 when a test listed in FILE does not pass (the
 * regression gate used by `make test`); --write-pass writes the passing list. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compiler/onnx/onnx.h"
#include "wick/compiler.h"
#include "wick/util.h"

typedef enum { R_PASS, R_UNSUPPORTED, R_CONVERT_FAIL, R_RUN_FAIL, R_MISMATCH, R_NO_DATA } result;
static const char *kResultName[] = {"pass", "unsupported", "convert-error", "run-error",
                                    "mismatch", "no-data"};

static int verbose;

static bool exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

static double elem(const void *data, int dtype, size_t i) {
  switch (dtype) {
    case WICK_F32: return ((const float *)data)[i];
    case WICK_F64: return ((const double *)data)[i];
    case WICK_F16: return wick_f16_to_f32(((const uint16_t *)data)[i]);
    case WICK_BF16: return wick_bf16_to_f32(((const uint16_t *)data)[i]);
    case WICK_I64: return (double)((const int64_t *)data)[i];
    case WICK_I32: return ((const int32_t *)data)[i];
    case WICK_I16: return ((const int16_t *)data)[i];
    case WICK_I8: return ((const int8_t *)data)[i];
    case WICK_U8: case WICK_BOOL: return ((const uint8_t *)data)[i];
    case WICK_U16: return ((const uint16_t *)data)[i];
    case WICK_U32: return ((const uint32_t *)data)[i];
    case WICK_U64: return (double)((const uint64_t *)data)[i];
    default: return NAN;
  }
}

/* Compares like the ONNX backend tests: |got - want| <= atol + rtol * |want|. */
static bool close_enough(const wick_tensor *got, const wick_onnx_array *want, char *why, size_t n) {
  if (got->dtype != want->dtype) {
    snprintf(why, n, "dtype %s, expected %s", wick_dtype_name(got->dtype),
             wick_dtype_name(want->dtype));
    return false;
  }
  bool shape = got->dim == want->rank;
  for (uint32_t k = 0; shape && k < want->rank; k++) shape = got->sizes[k] == want->dims[k];
  if (!shape) {
    char b[96];
    snprintf(why, n, "shape %s, expected rank %u", wick_tensor_describe(got, b, sizeof b),
             want->rank);
    return false;
  }
  bool is_float = wick_dtype_is_float(want->dtype);
  double rtol = want->dtype == WICK_F16 || want->dtype == WICK_BF16 ? 1e-2 : 1e-3;
  double atol = want->dtype == WICK_F16 || want->dtype == WICK_BF16 ? 1e-2 : 1e-5;
  for (size_t i = 0; i < want->numel; i++) {
    double g = elem(got->data, got->dtype, i), w = elem(want->data, want->dtype, i);
    if (is_float) {
      if (isnan(w) && isnan(g)) continue;
      if (isinf(w) && g == w) continue;
      if (!(fabs(g - w) <= atol + rtol * fabs(w))) {
        snprintf(why, n, "element %zu is %.7g, expected %.7g", i, g, w);
        return false;
      }
    } else if (g != w) {
      snprintf(why, n, "element %zu is %.0f, expected %.0f", i, g, w);
      return false;
    }
  }
  return true;
}

static result run_test(const char *dir, char *why, size_t whyn) {
  char path[4600];
  snprintf(path, sizeof path, "%s/model.onnx", dir);
  wick_convert_options opt;
  memset(&opt, 0, sizeof opt);
  wick_diag d;
  wick_diag_clear(&d);
  uint8_t *pte = NULL;
  size_t size = 0;
  if (wick_convert_onnx(path, &opt, &pte, &size, NULL, &d) != WICK_OK) {
    snprintf(why, whyn, "%s", d.msg);
    return d.status == WICK_ERR_NOT_SUPPORTED || d.status == WICK_ERR_MISSING_KERNEL
               ? R_UNSUPPORTED
               : R_CONVERT_FAIL;
  }
  void *copy = NULL;
  if (posix_memalign(&copy, 64, size) != 0) abort();
  memcpy(copy, pte, size);
  free(pte);
  result res = R_PASS;
  wick_program prog;
  wick_loaded_method lm;
  memset(&lm, 0, sizeof lm);
  if (wick_program_load(&prog, copy, size, &d) != WICK_OK ||
      wick_method_load_alloc(&prog, "forward", &lm, &d) != WICK_OK) {
    snprintf(why, whyn, "load: %s", d.msg);
    free(copy);
    return R_RUN_FAIL;
  }
  int sets = 0;
  for (int s = 0; res == R_PASS; s++) {
    snprintf(path, sizeof path, "%s/test_data_set_%d", dir, s);
    if (!exists(path)) break;
    sets++;
    wick_onnx_array ins[16];
    uint32_t nin = 0;
    for (uint32_t k = 0; k < 16; k++) {
      snprintf(path, sizeof path, "%s/test_data_set_%d/input_%u.pb", dir, s, k);
      if (!exists(path)) break;
      if (wick_onnx_tensor_load_file(path, &ins[nin], &d) != WICK_OK) {
        snprintf(why, whyn, "input %u: %s", k, d.msg);
        res = R_UNSUPPORTED;
        break;
      }
      nin++;
    }
    if (res == R_PASS && nin != wick_method_num_inputs(lm.method)) {
      snprintf(why, whyn, "%u input files for %u program inputs", nin,
               wick_method_num_inputs(lm.method));
      res = R_RUN_FAIL;
    }
    for (uint32_t k = 0; res == R_PASS && k < nin; k++) {
      wick_tensor t;
      if (wick_tensor_init(&t, ins[k].dtype, (int)ins[k].rank, ins[k].dims, ins[k].data,
                           ins[k].nbytes) != WICK_OK ||
          wick_method_set_input(lm.method, k, &t, &d) != WICK_OK) {
        snprintf(why, whyn, "input %u: %s", k, d.msg);
        res = R_RUN_FAIL;
      }
    }
    if (res == R_PASS && wick_method_execute(lm.method, &d) != WICK_OK) {
      snprintf(why, whyn, "execute: %s", d.msg);
      res = R_RUN_FAIL;
    }
    for (uint32_t k = 0; res == R_PASS && k < wick_method_num_outputs(lm.method); k++) {
      snprintf(path, sizeof path, "%s/test_data_set_%d/output_%u.pb", dir, s, k);
      wick_onnx_array want;
      if (wick_onnx_tensor_load_file(path, &want, &d) != WICK_OK) {
        snprintf(why, whyn, "output %u: %s", k, d.msg);
        res = R_UNSUPPORTED;
        break;
      }
      const wick_tensor *got = wick_method_output(lm.method, k);
      char w2[200];
      if (got == NULL || !close_enough(got, &want, w2, sizeof w2)) {
        snprintf(why, whyn, "set %d output %u: %s", s, k, got ? w2 : "not a tensor");
        res = R_MISMATCH;
      }
      wick_onnx_array_free(&want);
    }
    for (uint32_t k = 0; k < nin; k++) wick_onnx_array_free(&ins[k]);
  }
  if (res == R_PASS && sets == 0) res = R_NO_DATA;
  wick_method_free(&lm);
  free(copy);
  return res;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  const char *expect = NULL, *write_pass = NULL;
  const char *dirs[16];
  int ndirs = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc) expect = argv[++i];
    else if (strcmp(argv[i], "--write-pass") == 0 && i + 1 < argc) write_pass = argv[++i];
    else if (strcmp(argv[i], "-v") == 0) verbose = 1;
    else if (ndirs < 16) dirs[ndirs++] = argv[i];
  }
  if (ndirs == 0) {
    fprintf(stderr, "usage: onnx_conformance [--expect FILE] [--write-pass FILE] [-v] DIR...\n");
    return 2;
  }
  size_t cap = 4096, npass = 0;
  char **passed = malloc(cap * sizeof *passed);
  int counts[6] = {0};
  int total = 0;
  bool any_dir = false;
  for (int di = 0; di < ndirs; di++) {
    DIR *dp = opendir(dirs[di]);
    if (dp == NULL) continue;
    any_dir = true;
    char **names = NULL;
    size_t nn = 0, nc = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
      if (de->d_name[0] == '.') continue;
      if (nn == nc) names = realloc(names, (nc = nc ? nc * 2 : 256) * sizeof *names);
      names[nn++] = strdup(de->d_name);
    }
    closedir(dp);
    qsort(names, nn, sizeof *names, cmp_str);
    const char *base = strrchr(dirs[di], '/');
    base = base ? base + 1 : dirs[di];
    for (size_t k = 0; k < nn; k++) {
      char dir[4000], model[4100];
      snprintf(dir, sizeof dir, "%s/%s", dirs[di], names[k]);
      snprintf(model, sizeof model, "%s/model.onnx", dir);
      if (!exists(model)) {
        free(names[k]);
        continue;
      }
      char why[600] = "";
      result r = run_test(dir, why, sizeof why);
      counts[r]++;
      total++;
      if (r == R_PASS) {
        if (npass == cap) passed = realloc(passed, (cap *= 2) * sizeof *passed);
        char id[512];
        snprintf(id, sizeof id, "%s/%s", base, names[k]);
        passed[npass++] = strdup(id);
      }
      if (verbose || (r != R_PASS && r != R_UNSUPPORTED && verbose >= 0))
        if (verbose) fprintf(stderr, "%-14s %s/%s %s\n", kResultName[r], base, names[k], why);
      free(names[k]);
    }
    free(names);
  }
  if (!any_dir) {
    fprintf(stderr, "onnx_conformance: skipped: no test folders found (%s)\n", dirs[0]);
    return 77;
  }
  printf("onnx conformance: %d tests: %d pass (%.1f%%), %d unsupported, %d convert errors, "
         "%d run errors, %d mismatches, %d without data\n",
         total, counts[R_PASS], total ? 100.0 * counts[R_PASS] / total : 0.0,
         counts[R_UNSUPPORTED], counts[R_CONVERT_FAIL], counts[R_RUN_FAIL], counts[R_MISMATCH],
         counts[R_NO_DATA]);
  int rc = 0;
  if (write_pass) {
    FILE *f = fopen(write_pass, "w");
    for (size_t k = 0; f && k < npass; k++) fprintf(f, "%s\n", passed[k]);
    if (f) fclose(f);
  }
  if (expect) {
    FILE *f = fopen(expect, "r");
    char line[512];
    int missing = 0, listed = 0;
    while (f && fgets(line, sizeof line, f)) {
      line[strcspn(line, "\r\n")] = '\0';
      if (line[0] == '\0' || line[0] == '#') continue;
      listed++;
      bool found = false;
      for (size_t k = 0; k < npass && !found; k++) found = strcmp(passed[k], line) == 0;
      if (!found) {
        fprintf(stderr, "REGRESSION: %s no longer passes\n", line);
        missing++;
      }
    }
    if (f) fclose(f);
    printf("expected-pass list: %d listed, %d regressed\n", listed, missing);
    if (missing) rc = 1;
  }
  for (size_t k = 0; k < npass; k++) free(passed[k]);
  free(passed);
  return rc;
}
