/* wick verify: run every test case bundled in a .bpte and compare each output
 * with the expected one. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char kUsage[] = "wick verify MODEL.bpte [--rtol R] [--atol A] [--data FILE.ptd]...";

/* Defaults per floating dtype: a few units in the last place of the type,
 * plus an absolute floor for values near zero. Integers and bools are exact. */
#define RTOL_F32 1e-5
#define ATOL_F32 1e-6
#define RTOL_F16 2e-3
#define ATOL_F16 1e-5
#define RTOL_BF16 1.6e-2
#define ATOL_BF16 1e-4

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
         "\n"
         "Exit status 0 when every case passes; 1 when any case fails, when the file\n"
         "is not a bundled program or holds no test cases, or on any other error.\n",
         kUsage, RTOL_F32, ATOL_F32, RTOL_F16, ATOL_F16, RTOL_BF16, ATOL_BF16);
}

typedef struct tolerances {
  double rtol, atol;
  bool has_rtol, has_atol; /* given on the command line */
} tolerances;

static void tolerance_for(const tolerances *tol, int dtype, double *rtol, double *atol) {
  double r = RTOL_F32, a = ATOL_F32;
  if (dtype == WICK_F16) {
    r = RTOL_F16;
    a = ATOL_F16;
  } else if (dtype == WICK_BF16) {
    r = RTOL_BF16;
    a = ATOL_BF16;
  }
  *rtol = tol->has_rtol ? tol->rtol : r;
  *atol = tol->has_atol ? tol->atol : a;
}

/* The result of comparing one case (accumulated over its outputs). */
typedef struct case_result {
  double max_abs, max_rel;
  bool failed;
  char why[384]; /* first failure */
} case_result;

static void fail(case_result *res, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void fail(case_result *res, const char *fmt, ...) {
  if (res->failed) return; /* keep the first reason */
  res->failed = true;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(res->why, sizeof res->why, fmt, ap);
  va_end(ap);
}

static void note_error(case_result *res, double abs_err, double rel_err) {
  if (abs_err > res->max_abs || abs_err != abs_err) res->max_abs = abs_err != abs_err ? INFINITY : abs_err;
  if (rel_err > res->max_rel || rel_err != rel_err) res->max_rel = rel_err != rel_err ? INFINITY : rel_err;
}

/* Compares two floats; returns true when within tolerance. */
static bool close_enough(double got, double want, double rtol, double atol, double *abs_err,
                         double *rel_err) {
  *abs_err = 0;
  *rel_err = 0;
  if (isnan(got) || isnan(want)) {
    bool both = isnan(got) && isnan(want);
    *abs_err = both ? 0 : INFINITY;
    *rel_err = *abs_err;
    return both;
  }
  if (isinf(got) || isinf(want)) {
    bool same = got == want;
    *abs_err = same ? 0 : INFINITY;
    *rel_err = *abs_err;
    return same;
  }
  *abs_err = fabs(got - want);
  *rel_err = want != 0 ? *abs_err / fabs(want) : 0;
  return *abs_err <= atol + rtol * fabs(want);
}

static void compare_tensor(uint32_t k, const wick_tensor *got, const wick_tensor *want,
                           const tolerances *tol, case_result *res) {
  char a[96], b[96];
  if (got->dtype != want->dtype || !wick_tensor_same_shape(got, want)) {
    fail(res, "output %u: got %s, expected %s", k, wick_tensor_describe(got, a, sizeof a),
         wick_tensor_describe(want, b, sizeof b));
    return;
  }
  size_t n = wick_tensor_numel(want);
  if (n > 0 && got->data == NULL) {
    fail(res, "output %u: tensor has no data", k);
    return;
  }
  size_t bad = 0, first = 0;
  double first_got = 0, first_want = 0;
  if (wick_dtype_is_float(want->dtype)) {
    double rtol, atol;
    tolerance_for(tol, want->dtype, &rtol, &atol);
    for (size_t i = 0; i < n; i++) {
      double g = cli_elem_f64(got, i), w = cli_elem_f64(want, i), ae, re;
      bool ok = close_enough(g, w, rtol, atol, &ae, &re);
      note_error(res, ae, re);
      if (!ok && bad++ == 0) {
        first = i;
        first_got = g;
        first_want = w;
      }
    }
    if (bad)
      fail(res,
           "output %u: %zu of %zu values outside rtol %g atol %g; first at index %zu: got %.9g, "
           "expected %.9g",
           k, bad, n, rtol, atol, first, first_got, first_want);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    int64_t gi, wi;
    uint64_t gu, wu;
    bool gus, wus;
    cli_elem_int(got, i, &gi, &gu, &gus);
    cli_elem_int(want, i, &wi, &wu, &wus);
    bool equal = gus ? gu == wu : gi == wi;
    double diff = gus ? (gu > wu ? (double)(gu - wu) : (double)(wu - gu))
                      : fabs((double)gi - (double)wi);
    double mag = gus ? (double)wu : fabs((double)wi);
    note_error(res, diff, mag != 0 ? diff / mag : 0);
    if (!equal && bad++ == 0) {
      first = i;
      first_got = gus ? (double)gu : (double)gi;
      first_want = gus ? (double)wu : (double)wi;
    }
  }
  if (bad)
    fail(res, "output %u: %zu of %zu values differ (integers must be exact); first at index %zu: "
              "got %.17g, expected %.17g",
         k, bad, n, first, first_got, first_want);
}

static void compare_value(uint32_t k, const wick_value *got, const wick_bundled_value *want,
                          const tolerances *tol, case_result *res) {
  char desc[96];
  if (got == NULL) {
    fail(res, "output %u is missing", k);
    return;
  }
  if (want->kind == WICK_VAL_TENSOR) {
    if (got->kind != WICK_VAL_TENSOR || got->u.t == NULL)
      fail(res, "output %u: got %s, expected a tensor", k, cli_value_describe(got, desc, sizeof desc));
    else
      compare_tensor(k, got->u.t, &want->tensor, tol, res);
    return;
  }
  if (got->kind != want->kind) {
    fail(res, "output %u: got %s, expected %s", k, cli_value_describe(got, desc, sizeof desc),
         wick_value_kind_name(want->kind));
    return;
  }
  if (want->kind == WICK_VAL_DOUBLE) {
    double rtol, atol, ae, re;
    tolerance_for(tol, WICK_F64, &rtol, &atol);
    bool ok = close_enough(got->u.d, want->d, rtol, atol, &ae, &re);
    note_error(res, ae, re);
    if (!ok) fail(res, "output %u: got %.17g, expected %.17g", k, got->u.d, want->d);
    return;
  }
  int64_t g = want->kind == WICK_VAL_BOOL ? (int64_t)got->u.b : got->u.i;
  double diff = fabs((double)g - (double)want->i);
  note_error(res, diff, want->i ? diff / fabs((double)want->i) : 0);
  if (g != want->i)
    fail(res, "output %u: got %lld, expected %lld", k, (long long)g, (long long)want->i);
}

/* Runs one case on an already loaded method. */
static void run_case(const cli_model *m, uint32_t s, uint32_t c, wick_method *method,
                     const tolerances *tol, case_result *res) {
  const wick_bundled *b = &m->bundle;
  wick_diag d;
  wick_diag_clear(&d);
  uint32_t ni = 0, ne = 0;
  if (wick_bundled_case_counts(b, s, c, &ni, &ne, &d) != WICK_OK) {
    fail(res, "%s", d.msg);
    return;
  }
  uint32_t want_in = wick_method_num_inputs(method), have_out = wick_method_num_outputs(method);
  if (ni != want_in) {
    fail(res, "the case has %u inputs but the method takes %u", ni, want_in);
    return;
  }
  if (ne != have_out) {
    fail(res, "the case expects %u outputs but the method returns %u", ne, have_out);
    return;
  }
  cli_buffers keep;
  memset(&keep, 0, sizeof keep);
  for (uint32_t k = 0; k < ni && !res->failed; k++) {
    wick_bundled_value v;
    wick_status st = wick_bundled_case_value(b, s, c, false, k, &v, &d);
    if (st == WICK_OK) {
      if (v.kind == WICK_VAL_TENSOR) /* copies the (read-only, unaligned) data */
        st = cli_set_tensor_input(method, k, &v.tensor, &keep, &d);
      else
        st = wick_method_set_input_scalar(method, k, v.kind == WICK_VAL_DOUBLE ? v.d : (double)v.i,
                                          &d);
    }
    if (st != WICK_OK) fail(res, "input %u: %s", k, d.msg);
  }
  if (!res->failed && wick_method_execute(method, &d) != WICK_OK)
    fail(res, "execute: %s", d.msg);
  for (uint32_t k = 0; k < ne && !res->failed; k++) {
    wick_bundled_value want;
    if (wick_bundled_case_value(b, s, c, true, k, &want, &d) != WICK_OK) {
      fail(res, "expected output %u: %s", k, d.msg);
      break;
    }
    compare_value(k, wick_method_output_value(method, k), &want, tol, res);
  }
  cli_buffers_free(&keep);
}

int cmd_verify(int argc, char **argv) {
  const char *path = NULL;
  tolerances tol = {0, 0, false, false};
  const char **data = calloc((size_t)argc, sizeof *data);
  uint32_t num_data = 0;
  int rc = CLI_FAIL;
  if (data == NULL) return cli_error("verify: out of memory");
  bool positional_only = false;
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
  if (!bundled) {
    cli_error("%s: not a bundled program (a .bpte with identifier BP07/BP08); nothing to verify",
              path);
    goto done;
  }
  cli_model m;
  if (cli_model_open(&m, path, data, num_data) != 0) goto done;
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
      case_result res;
      memset(&res, 0, sizeof res);
      if (st != WICK_OK)
        fail(&res, "cannot load method: %s", d.msg);
      else
        run_case(&m, s, c, lm.method, &tol, &res);
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
