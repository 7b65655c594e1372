/* wick verify: run every test case bundled in a .bpte and compare each output
 * with the expected one. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char kUsage[] =
    "wick verify MODEL.bpte|MODEL.pte [--integrity] [--rtol R] [--atol A] [--data FILE.ptd]...";

#define RTOL_F32 WICK_VERIFY_RTOL_F32
#define ATOL_F32 WICK_VERIFY_ATOL_F32
#define RTOL_F16 WICK_VERIFY_RTOL_F16
#define ATOL_F16 WICK_VERIFY_ATOL_F16
#define RTOL_BF16 WICK_VERIFY_RTOL_BF16
#define ATOL_BF16 WICK_VERIFY_ATOL_BF16

static void help(void) {
  printf("usage: %s\n"
         "\n"
         "Runs every test case of every suite in a bundled program (.bpte) on the\n"
         "embedded program and compares every output with the expected one. Prints\n"
         "one PASS / FAIL line per case and a summary.\n"
         "\n"
         "An output passes when its dtype and shape equal the expected ones and\n"
         "  integers / bools: every element is equal\n"
         "  floats:           |got - expected| <= atol + rtol * |expected| everywhere\n"
         "                    (NaN matches NaN, infinities must be equal)\n"
         "max_abs is the largest |got - expected|; max_rel the largest\n"
         "|got - expected| / |expected| over elements with expected != 0.\n"
         "\n"
         "  --rtol R          relative tolerance for every float output\n"
         "  --atol A          absolute tolerance for every float output\n"
         "                    defaults: float32/float64 rtol %g atol %g,\n"
         "                    float16 rtol %g atol %g, bfloat16 rtol %g atol %g\n"
         "  --data FILE.ptd   external data for the embedded program (repeatable)\n"
         "  --integrity       first recompute the SHA-256 of the program's constant\n"
         "                    data and compare it with the digest wick convert\n"
         "                    recorded (docs/FORMAT.md); works on a .pte too, where\n"
         "                    it is the only check\n"
         "\n"
         "Exit status 0 when every case passes; 1 when any case fails, when the file\n"
         "is not a bundled program or holds no test cases (without --integrity),\n"
         "when the constants' digest differs or is not recorded (--integrity), or\n"
         "on any other error.\n",
         kUsage, RTOL_F32, ATOL_F32, RTOL_F16, ATOL_F16, RTOL_BF16, ATOL_BF16);
}

/* Runs one case on an already loaded method (src/util/bundled_check.c). */
static void run_case(const cli_model *m, uint32_t s, uint32_t c, wick_method *method,
                     const wick_verify_tolerance *tol, wick_case_result *res) {
  (void)wick_bundled_run_case(&m->bundle, s, c, method, tol, res, NULL);
}

int cmd_verify(int argc, char **argv) {
  const char *path = NULL;
  wick_verify_tolerance tol = {0, 0, false, false};
  const char **data = calloc((size_t)argc, sizeof *data);
  uint32_t num_data = 0;
  int rc = CLI_FAIL;
  if (data == NULL) return cli_error("verify: out of memory");
  bool positional_only = false, integrity = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = NULL;
    int r;
    if (!positional_only) {
      if (cli_is_help(a)) {
        help();
        rc = 0;
        goto done;
      }
      if (strcmp(a, "--") == 0) {
        positional_only = true;
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--data", &v, "verify")) != 0) {
        if (r < 0) goto done;
        data[num_data++] = v;
        continue;
      }
      if (strcmp(a, "--integrity") == 0) {
        integrity = true;
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--rtol", &v, "verify")) != 0) {
        if (r < 0) goto done;
        if (!cli_parse_double(v, &tol.rtol) || tol.rtol < 0) {
          cli_usage_error("verify", kUsage, "--rtol needs a non-negative number, got '%s'", v);
          goto done;
        }
        tol.has_rtol = true;
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--atol", &v, "verify")) != 0) {
        if (r < 0) goto done;
        if (!cli_parse_double(v, &tol.atol) || tol.atol < 0) {
          cli_usage_error("verify", kUsage, "--atol needs a non-negative number, got '%s'", v);
          goto done;
        }
        tol.has_atol = true;
        continue;
      }
      if (a[0] == '-' && a[1] != '\0') {
        cli_usage_error("verify", kUsage, "unknown option '%s'", a);
        goto done;
      }
    }
    if (path) {
      cli_usage_error("verify", kUsage, "unexpected argument '%s' (one file at a time)", a);
      goto done;
    }
    path = a;
  }
  if (path == NULL) {
    cli_usage_error("verify", kUsage, "missing MODEL argument");
    goto done;
  }

  /* Say "not a bundled program" before any program parsing complaint. */
  wick_file f;
  wick_diag fd;
  wick_diag_clear(&fd);
  if (wick_file_open(&f, path, &fd) != WICK_OK) {
    cli_error("%s", fd.msg);
    goto done;
  }
  bool bundled = wick_is_bundled(f.data, f.size);
  wick_file_close(&f);
  if (!bundled && !integrity) {
    cli_error("%s: not a bundled program (a .bpte with identifier BP07/BP08); nothing to verify",
              path);
    goto done;
  }
  cli_model m;
  if (cli_model_open(&m, path, data, num_data) != 0) goto done;
  if (integrity) {
    wick_diag d;
    wick_diag_clear(&d);
    char sha[2 * WICK_SHA256_BYTES + 8];
    if (wick_program_check_integrity(&m.program, &d) != WICK_OK) {
      printf("FAIL integrity: %s\n", d.msg);
      fflush(stdout);
      cli_model_close(&m);
      cli_error("%s: integrity check failed: %s", path, d.msg);
      goto done;
    }
    wick_program_metadata(&m.program, "constants_sha256", sha, sizeof sha, NULL);
    printf("PASS integrity: constants sha256 %s\n", sha);
    if (!bundled) {
      cli_model_close(&m);
      fflush(stdout);
      rc = 0;
      goto done;
    }
  }
  uint32_t total = 0, failed = 0;
  for (uint32_t s = 0; s < m.bundle.num_suites; s++) {
    wick_bundled_suite suite;
    wick_diag d;
    wick_diag_clear(&d);
    if (wick_bundled_get_suite(&m.bundle, s, &suite, &d) != WICK_OK) {
      printf("FAIL suite %u: %s\n", s, d.msg);
      failed++;
      total++;
      continue;
    }
    wick_loaded_method lm;
    wick_status st = wick_method_load_alloc(&m.program, suite.method_name, &lm, &d);
    for (uint32_t c = 0; c < suite.num_cases; c++) {
      wick_case_result res;
      memset(&res, 0, sizeof res);
      if (st != WICK_OK) {
        res.failed = true;
        snprintf(res.why, sizeof res.why, "cannot load method: %s", d.msg);
      } else {
        run_case(&m, s, c, lm.method, &tol, &res);
      }
      total++;
      if (res.failed) {
        failed++;
        printf("FAIL %s case %u: %s\n", suite.method_name, c, res.why);
      } else {
        printf("PASS %s case %u: max_abs %.3g max_rel %.3g\n", suite.method_name, c, res.max_abs,
               res.max_rel);
      }
    }
    if (st == WICK_OK) wick_method_free(&lm);
  }
  cli_model_close(&m);
  printf("verify: %u of %u case%s passed\n", total - failed, total, total == 1 ? "" : "s");
  fflush(stdout);
  if (total == 0)
    cli_error("%s: the bundle holds no test cases; nothing was verified", path);
  else if (failed)
    cli_error("%s: %u of %u bundled test case%s failed", path, failed, total, total == 1 ? "" : "s");
  else
    rc = 0;

done:
  free(data);
  return rc;
}
