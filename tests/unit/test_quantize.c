/* Static int8 post-training quantization (src/compiler/quantize.c,
 * calibrate.c): the arithmetic helpers, then wick's own fixtures quantized
 * with random and file calibration data, run by the runtime and compared with
 * the fp32 program (output SQNR), plus the calibration-data errors.
 *
 * SQNR thresholds: one int8 layer adds noise ~40-48 dB below its signal
 * (8 bits ~ 48 dB for a uniform full-range tensor, less for peaky ones); the
 * noise of a chain of layers adds up. Measured on the fixture inputs:
 * tiny_cnn ~47 dB, mlp ~42 dB, transformer ~31 dB (2 layers, 26 int8 ops).
 * The thresholds (30 / 30 / 24 dB) leave >= 6 dB of margin while still
 * catching any wrong zero point, scale or layout (those give < 10 dB). */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/quant.h"
#include "harness.h"
#include "wick/compiler.h"
#include "wick/util.h"

static char g_fix[1024];
static char g_tmp[256];

static const char *fixture(const char *name, const char *file) {
  static char buf[4][1300];
  static int k = 0;
  char *b = buf[k++ & 3];
  snprintf(b, 1300, "%s/%s/%s", g_fix, name, file);
  return b;
}

/* ---- arithmetic ------------------------------------------------------------ */

static void test_multiplier(void) {
  int32_t m, s;
  wc_quant_multiplier(0.5, &m, &s);
  CHECK(m == (INT32_C(1) << 30) && s == 0);
  wc_quant_multiplier(1.0, &m, &s);
  CHECK(m == (INT32_C(1) << 30) && s == 1);
  wc_quant_multiplier(0.75, &m, &s);
  CHECK(m == 1610612736 && s == 0);
  wc_quant_multiplier(3.0, &m, &s);
  CHECK(m == 1610612736 && s == 2);
  wc_quant_multiplier(0.0, &m, &s);
  CHECK(m == 0 && s == 0);
  wc_quant_multiplier(ldexp(1.0, -40), &m, &s); /* below 2^-32: zero */
  CHECK(m == 0 && s == 0);
  /* 1 - 2^-40 rounds up to 2^31: must renormalize to (2^30, 1). */
  wc_quant_multiplier(1.0 - ldexp(1.0, -40), &m, &s);
  CHECK(m == (INT32_C(1) << 30) && s == 1);
  double worst = 0;
  for (int i = 0; i < 2000; i++) {
    double r = exp(-20.0 + 25.0 * i / 2000.0);
    wc_quant_multiplier(r, &m, &s);
    CHECK(m >= (INT32_C(1) << 30) && s >= -31 && s <= 31);
    double back = ldexp((double)m, s - 31);
    worst = fmax(worst, fabs(back - r) / r);
  }
  CHECK_MSG(worst < 1e-9, "relative multiplier error %g", worst);
}

static void test_qparams(void) {
  wc_qparams q = wc_qparams_from_range(0, 6);
  CHECK(q.zp == -128 && fabs(q.scale - 6.0 / 255) < 1e-9);
  CHECK(wc_quantize_value(0.0f, q) == -128 && wc_quantize_value(6.0f, q) == 127);
  CHECK(wc_quantize_value(100.0f, q) == 127 && wc_quantize_value(-1.0f, q) == -128);
  q = wc_qparams_from_range(-1, 1); /* -1/scale is -127.5 up to float rounding */
  CHECK(q.zp == 0 || q.zp == -1);
  CHECK(wc_quantize_value(0.0f, q) == q.zp);
  CHECK(wc_quantize_value(-1.0f, q) == -128 && wc_quantize_value(1.0f, q) >= 126);
  q = wc_qparams_from_range(2, 3); /* widened to contain 0 */
  CHECK(q.zp == -128 && fabs(q.scale - 3.0 / 255) < 1e-9);
  q = wc_qparams_from_range(-5, -1);
  CHECK(q.zp == 127);
  q = wc_qparams_from_range(0, 0); /* constant zero tensor: any scale, exact zero */
  CHECK(q.scale > 0 && wc_quantize_value(0.0f, q) == q.zp);
  CHECK(wick_observer_parse("kl") == WICK_OBSERVER_KL && wick_observer_parse("x") < 0);
}

/* ---- conversion and running ------------------------------------------------------ */

typedef struct prog {
  void *copy;
  wick_program p;
  wick_loaded_method lm;
  bool ok;
} prog;

static bool prog_load(prog *pr, uint8_t *pte, size_t size) {
  memset(pr, 0, sizeof *pr);
  wick_diag d = {WICK_OK, ""};
  if (posix_memalign(&pr->copy, 64, size)) abort();
  memcpy(pr->copy, pte, size);
  wick_status s = wick_program_load(&pr->p, pr->copy, size, &d);
  if (s == WICK_OK) s = wick_method_load_alloc(&pr->p, "forward", &pr->lm, &d);
  CHECK_MSG(s == WICK_OK, "load: %s", d.msg);
  pr->ok = s == WICK_OK;
  return pr->ok;
}

static void prog_free(prog *pr) {
  if (pr->lm.block) wick_method_free(&pr->lm);
  free(pr->copy);
}

/* Runs and returns a malloc'd copy of output 0 (float32), *n values. */
static float *prog_run(prog *pr, const wick_tensor *in, size_t *n) {
  wick_diag d = {WICK_OK, ""};
  wick_status s = wick_method_set_input(pr->lm.method, 0, in, &d);
  if (s == WICK_OK) s = wick_method_execute(pr->lm.method, &d);
  CHECK_MSG(s == WICK_OK, "run: %s", d.msg);
  if (s != WICK_OK) return NULL;
  const wick_tensor *t = wick_method_output(pr->lm.method, 0);
  CHECK(t && t->dtype == WICK_F32);
  if (!t || t->dtype != WICK_F32) return NULL;
  *n = wick_tensor_numel(t);
  float *o = malloc(*n * sizeof(float));
  memcpy(o, t->data, *n * sizeof(float));
  return o;
}

static wick_status convert(const char *model, const wick_convert_options *opt, uint8_t **pte,
                           size_t *size, wick_convert_report *rep, wick_diag *d) {
  memset(rep, 0, sizeof *rep);
  wick_diag_clear(d);
  return wick_convert_onnx(model, opt, pte, size, rep, d);
}

static double sqnr(const float *ref, const float *q, size_t n) {
  double s = 0, e = 0;
  for (size_t i = 0; i < n; i++) {
    s += (double)ref[i] * ref[i];
    e += ((double)ref[i] - q[i]) * ((double)ref[i] - q[i]);
  }
  return e == 0 ? INFINITY : 10 * log10(s / e);
}

static int count_ops(prog *pr, const char *prefix) {
  wick_diag d = {WICK_OK, ""};
  int c = 0;
  for (uint32_t i = 0; i < 1000; i++) {
    char name[128];
    if (wick_method_operator_name(&pr->p, "forward", i, name, sizeof name, &d) != WICK_OK) break;
    c += strncmp(name, prefix, strlen(prefix)) == 0;
  }
  return c;
}

/* Quantizes fixture `name` and compares the int8 program with the fp32 one
 * on the fixture's input. Returns the SQNR (NAN on failure). */
static double check_fixture(const char *name, wick_convert_options *qopt, double min_db,
                            wick_convert_report *qrep_out) {
  wick_convert_options fopt;
  memset(&fopt, 0, sizeof fopt);
  wick_diag d = {WICK_OK, ""};
  uint8_t *fpte = NULL, *qpte = NULL;
  size_t fsize = 0, qsize = 0;
  wick_convert_report frep, qrep;
  double result = NAN;
  wick_status s = convert(fixture(name, "model.onnx"), &fopt, &fpte, &fsize, &frep, &d);
  CHECK_MSG(s == WICK_OK, "%s fp32: %s", name, d.msg);
  s = convert(fixture(name, "model.onnx"), qopt, &qpte, &qsize, &qrep, &d);
  CHECK_MSG(s == WICK_OK, "%s int8: %s", name, d.msg);
  wick_tensor in;
  memset(&in, 0, sizeof in);
  if (wick_npy_load(fixture(name, "input_0.npy"), &in, &d) != WICK_OK) CHECK_MSG(0, "%s", d.msg);
  prog fp, qp;
  memset(&fp, 0, sizeof fp);
  memset(&qp, 0, sizeof qp);
  if (fpte && qpte && in.data && prog_load(&fp, fpte, fsize) && prog_load(&qp, qpte, qsize)) {
    size_t nf = 0, nq = 0;
    float *yf = prog_run(&fp, &in, &nf), *yq = prog_run(&qp, &in, &nq);
    if (yf && yq && nf == nq) {
      result = sqnr(yf, yq, nf);
      CHECK_MSG(result >= min_db, "%s: int8 output SQNR %.1f dB < %.1f dB", name, result, min_db);
      fprintf(stderr, "  %-12s %s: %u/%u layers int8, output SQNR %.1f dB (calibration %.1f dB), "
                      "constants %llu -> %llu bytes\n",
              name, wick_observer_name(qrep.observer), qrep.quant_int8_layers,
              qrep.num_quant_layers, result, qrep.quant_output_sqnr_db,
              (unsigned long long)frep.constant_bytes, (unsigned long long)qrep.constant_bytes);
    }
    free(yf);
    free(yq);
    const char *prefix = qopt->quantize == WICK_QUANT_INT8_DYNAMIC ? "wick::linear_dq8"
                                                                   : "cortex_m::quantized_";
    if (qrep.quant_int8_layers > 0)
      CHECK_MSG(count_ops(&qp, prefix) > 0, "%s: no %s ops", name, prefix);
  }
  prog_free(&fp);
  prog_free(&qp);
  free(in.data);
  free(fpte);
  free(qpte);
  if (qrep_out)
    *qrep_out = qrep;
  else
    wick_convert_report_free(&qrep);
  return result;
}

static void test_fixtures_random(void) {
  static const struct {
    const char *name;
    double min_db;
  } fx[] = {{"tiny_cnn", 30}, {"mlp", 30}, {"transformer", 24}};
  for (size_t k = 0; k < sizeof fx / sizeof fx[0]; k++) {
    wick_convert_options o;
    memset(&o, 0, sizeof o);
    o.quantize = WICK_QUANT_INT8;
    o.calib_random = 8;
    o.quant_report = true;
    wick_convert_report rep;
    check_fixture(fx[k].name, &o, fx[k].min_db, &rep);
    CHECK_MSG(rep.quant_int8_layers > 0 && rep.calib_sets == 8, "%s: %u int8 layers", fx[k].name,
              rep.quant_int8_layers);
    CHECK_MSG(rep.quant_output_sqnr_db >= fx[k].min_db, "%s: calibration-set SQNR %.1f",
              fx[k].name, rep.quant_output_sqnr_db);
    /* int8 weights: a quarter of fp32 plus int32 bias and 8 bytes of
     * requantization parameters per output channel (a large share for
     * these 8..96-channel layers; resnet18 gets 3.98x). */
    CHECK_MSG(rep.quant_weight_bytes_int8 * 2 < rep.quant_weight_bytes_fp32, "%s: %llu -> %llu",
              fx[k].name, (unsigned long long)rep.quant_weight_bytes_fp32,
              (unsigned long long)rep.quant_weight_bytes_int8);
    for (uint32_t l = 0; l < rep.num_quant_layers; l++) {
      const wick_quant_layer *q = &rep.quant_layers[l];
      if (q->weight_bytes_fp32 == 0) continue;
      uint64_t wonly32 = q->weight_bytes_fp32, wonly8 = q->weight_bytes_int8;
      CHECK_MSG(wonly8 < wonly32, "%s layer %s: %llu -> %llu bytes", fx[k].name, q->name,
                (unsigned long long)wonly32, (unsigned long long)wonly8);
      CHECK_MSG(!isnan(q->sqnr_db) && q->sqnr_db > 20, "%s layer %s: SQNR %.1f", fx[k].name,
                q->name, q->sqnr_db);
    }
    wick_convert_report_free(&rep);
  }
  /* Every observer works on the CNN. */
  for (int ob = WICK_OBSERVER_MINMAX; ob <= WICK_OBSERVER_KL; ob++) {
    wick_convert_options o;
    memset(&o, 0, sizeof o);
    o.quantize = WICK_QUANT_INT8;
    o.calib_random = 6;
    o.observer = ob;
    check_fixture("tiny_cnn", &o, 25, NULL);
  }
}

/* ---- calibration directories ------------------------------------------------------- */

static void save(const char *dir, const char *file, int dtype, int rank, const int64_t *dims,
                 float fill_nan_at) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  wick_tensor t;
  size_t n = 1;
  for (int k = 0; k < rank; k++) n *= (size_t)dims[k];
  void *data = calloc(n, 8);
  uint64_t st = 12345 + (uint64_t)strlen(file);
  for (size_t i = 0; i < n; i++) {
    st = st * 6364136223846793005u + 1442695040888963407u;
    float v = (float)((double)(st >> 11) / 9007199254740992.0 * 4.0 - 2.0);
    if (dtype == WICK_F32) ((float *)data)[i] = v;
    if (dtype == WICK_I32) ((int32_t *)data)[i] = (int32_t)(v * 10);
  }
  if (fill_nan_at >= 0 && dtype == WICK_F32) ((float *)data)[(size_t)fill_nan_at] = NAN;
  wick_diag d = {WICK_OK, ""};
  CHECK(wick_tensor_init(&t, dtype, rank, dims, data, n * 8) == WICK_OK);
  CHECK_MSG(wick_npy_save(path, &t, &d) == WICK_OK, "%s", d.msg);
  free(data);
}

static void rm_dir(const char *dir) {
  DIR *dp = opendir(dir);
  if (!dp) return;
  struct dirent *de;
  char p[600];
  while ((de = readdir(dp)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
    unlink(p);
  }
  closedir(dp);
  rmdir(dir);
}

static wick_status convert_dir(const char *dir, wick_convert_report *rep, wick_diag *d) {
  wick_convert_options o;
  memset(&o, 0, sizeof o);
  o.quantize = WICK_QUANT_INT8;
  o.calib_dir = dir;
  uint8_t *pte = NULL;
  size_t size = 0;
  wick_status s = convert(fixture("tiny_cnn", "model.onnx"), &o, &pte, &size, rep, d);
  free(pte);
  return s;
}

static void test_calib_dir(void) {
  char dir[400];
  int64_t shape[4] = {1, 3, 32, 32}, stacked[5] = {3, 1, 3, 32, 32};
  wick_diag d = {WICK_OK, ""};
  wick_convert_report rep;

  /* good: 4 single sets + one file stacking 3 */
  snprintf(dir, sizeof dir, "%s/good", g_tmp);
  mkdir(dir, 0700);
  for (int i = 0; i < 4; i++) {
    char f[32];
    snprintf(f, sizeof f, "set%d.npy", i);
    save(dir, f, WICK_F32, 4, shape, -1);
  }
  save(dir, "stack.npy", WICK_F32, 5, stacked, -1);
  wick_convert_options o;
  memset(&o, 0, sizeof o);
  o.quantize = WICK_QUANT_INT8;
  o.calib_dir = dir;
  o.quant_report = true;
  double db = check_fixture("tiny_cnn", &o, 30, &rep);
  CHECK_MSG(rep.calib_sets == 7, "calibration sets %u (want 7)", rep.calib_sets);
  wick_convert_report_free(&rep);
  (void)db;
  rm_dir(dir);

  /* wrong shape: the message names the file and the expected shape */
  snprintf(dir, sizeof dir, "%s/shape", g_tmp);
  mkdir(dir, 0700);
  save(dir, "a_ok.npy", WICK_F32, 4, shape, -1);
  int64_t bad[4] = {1, 3, 16, 16};
  save(dir, "b_bad.npy", WICK_F32, 4, bad, -1);
  wick_status s = convert_dir(dir, &rep, &d);
  CHECK(s == WICK_ERR_INVALID_ARGUMENT);
  CHECK_MSG(strstr(d.msg, "b_bad.npy") && strstr(d.msg, "float32[1,3,32,32]") &&
                strstr(d.msg, "float32[1,3,16,16]"),
            "message: %s", d.msg);
  wick_convert_report_free(&rep);
  rm_dir(dir);

  /* wrong dtype */
  snprintf(dir, sizeof dir, "%s/dtype", g_tmp);
  mkdir(dir, 0700);
  save(dir, "ints.npy", WICK_I32, 4, shape, -1);
  d.status = WICK_OK;
  s = convert_dir(dir, &rep, &d);
  CHECK(s == WICK_ERR_INVALID_ARGUMENT);
  CHECK_MSG(strstr(d.msg, "ints.npy") && strstr(d.msg, "int32") &&
                strstr(d.msg, "float32[1,3,32,32]"),
            "message: %s", d.msg);
  wick_convert_report_free(&rep);
  rm_dir(dir);

  /* NaN */
  snprintf(dir, sizeof dir, "%s/nan", g_tmp);
  mkdir(dir, 0700);
  save(dir, "nan.npy", WICK_F32, 4, shape, 77);
  s = convert_dir(dir, &rep, &d);
  CHECK(s == WICK_ERR_INVALID_ARGUMENT);
  CHECK_MSG(strstr(d.msg, "nan.npy") && strstr(d.msg, "NaN") && strstr(d.msg, "77"), "message: %s",
            d.msg);
  wick_convert_report_free(&rep);
  rm_dir(dir);

  /* empty directory, missing directory */
  snprintf(dir, sizeof dir, "%s/empty", g_tmp);
  mkdir(dir, 0700);
  s = convert_dir(dir, &rep, &d);
  CHECK(s == WICK_ERR_INVALID_ARGUMENT);
  CHECK_MSG(strstr(d.msg, "no calibration sets") && strstr(d.msg, dir), "message: %s", d.msg);
  wick_convert_report_free(&rep);
  rm_dir(dir);
  s = convert_dir(dir, &rep, &d);
  CHECK(s == WICK_ERR_IO);
  CHECK_MSG(strstr(d.msg, dir), "message: %s", d.msg);
  wick_convert_report_free(&rep);

  /* no calibration data at all; int8-dynamic */
  memset(&o, 0, sizeof o);
  o.quantize = WICK_QUANT_INT8;
  uint8_t *pte = NULL;
  size_t size = 0;
  s = convert(fixture("tiny_cnn", "model.onnx"), &o, &pte, &size, &rep, &d);
  CHECK(s == WICK_ERR_INVALID_ARGUMENT && pte == NULL);
  wick_convert_report_free(&rep);
  o.quantize = WICK_QUANT_INT8_DYNAMIC; /* needs none (the data only feeds the report) */
  s = convert(fixture("transformer", "model.onnx"), &o, &pte, &size, &rep, &d);
  CHECK_MSG(s == WICK_OK && pte != NULL, "%s", d.msg);
  free(pte);
  pte = NULL;
  wick_convert_report_free(&rep);
  o.observer = WICK_OBSERVER_KL; /* no observer in dynamic mode */
  s = convert(fixture("transformer", "model.onnx"), &o, &pte, &size, &rep, &d);
  CHECK(s == WICK_ERR_INVALID_ARGUMENT && strstr(d.msg, "observer") && pte == NULL);
  wick_convert_report_free(&rep);
}

/* --quantize int8-dynamic: linears -> wick::linear_dq8 (int8 weights, rows
 * quantized at run time). The fixtures' linears are small (the mlp's last
 * has 4 outputs, padded to a block of 16), so the per-channel overhead
 * (scale, weight sum, fp32 bias: 12 bytes a channel) and the padding weigh
 * more than on real layers (3.87x on the 256-d translation model). */
static void test_dynamic(void) {
  static const struct {
    const char *name;
    double min_db, min_ratio;
  } fx[] = {{"transformer", 30, 3.0}, {"mlp", 30, 1.8}}; /* measured 49 / 52 dB, 3.09x / 1.86x */
  for (size_t k = 0; k < sizeof fx / sizeof fx[0]; k++) {
    wick_convert_options o;
    memset(&o, 0, sizeof o);
    o.quantize = WICK_QUANT_INT8_DYNAMIC;
    o.quant_report = true; /* 4 random sets by default */
    wick_convert_report rep;
    double db = check_fixture(fx[k].name, &o, fx[k].min_db, &rep);
    fprintf(stderr, "  %-12s int8-dynamic: %u/%u linears, output SQNR %.1f dB (report %.1f dB), "
                    "weights %llu -> %llu bytes\n",
            fx[k].name, rep.quant_int8_layers, rep.num_quant_layers, db, rep.quant_output_sqnr_db,
            (unsigned long long)rep.quant_weight_bytes_fp32,
            (unsigned long long)rep.quant_weight_bytes_int8);
    CHECK_MSG(rep.quant_int8_layers > 0 && rep.quant_int8_layers == rep.num_quant_layers &&
                  rep.calib_sets == 4,
              "%s: %u of %u, %u sets", fx[k].name, rep.quant_int8_layers, rep.num_quant_layers,
              rep.calib_sets);
    CHECK_MSG(rep.quant_output_sqnr_db >= fx[k].min_db, "%s: report SQNR %.1f", fx[k].name,
              rep.quant_output_sqnr_db);
    CHECK_MSG((double)rep.quant_weight_bytes_int8 * fx[k].min_ratio <
                  (double)rep.quant_weight_bytes_fp32,
              "%s: %llu -> %llu",
              fx[k].name, (unsigned long long)rep.quant_weight_bytes_fp32,
              (unsigned long long)rep.quant_weight_bytes_int8);
    for (uint32_t l = 0; l < rep.num_quant_layers; l++) {
      const wick_quant_layer *q = &rep.quant_layers[l];
      CHECK_MSG(strcmp(q->op, "linear_dq8") == 0 && q->sqnr_db > 35 && q->model_sqnr_db > 30 &&
                    !q->kept_fp32,
                "%s %s: %s %.1f / %.1f dB", fx[k].name, q->name, q->op, q->sqnr_db,
                q->model_sqnr_db);
    }
    wick_convert_report_free(&rep);
  }
  /* --min-sqnr above every layer: all fp32, the program computes what fp32 does */
  wick_convert_options o;
  memset(&o, 0, sizeof o);
  o.quantize = WICK_QUANT_INT8_DYNAMIC;
  o.calib_random = 2;
  o.min_sqnr_db = 1000;
  wick_convert_report rep;
  double db = check_fixture("transformer", &o, 200, &rep);
  CHECK_MSG(isinf(db) && rep.quant_int8_layers == 0 && rep.num_quant_layers > 0,
            "all kept: %.1f dB, %u int8", db, rep.quant_int8_layers);
  wick_convert_report_free(&rep);
}

/* --min-sqnr: an impossible threshold keeps everything fp32 (the program then
 * computes exactly what the fp32 one does); a middle one gives a mixed program. */
static void test_min_sqnr(void) {
  wick_convert_options o;
  memset(&o, 0, sizeof o);
  o.quantize = WICK_QUANT_INT8;
  o.calib_random = 4;
  o.min_sqnr_db = 1000;
  wick_convert_report rep;
  double db = check_fixture("tiny_cnn", &o, 200, &rep);
  CHECK_MSG(isinf(db), "all-fp32 program differs from fp32: %.1f dB", db);
  CHECK(rep.quant_int8_layers == 0 && rep.num_quant_layers > 0);
  for (uint32_t l = 0; l < rep.num_quant_layers; l++) CHECK(rep.quant_layers[l].kept_fp32);
  wick_convert_report_free(&rep);

  /* threshold between the layers' SQNRs: some int8, some fp32 */
  o.min_sqnr_db = 0;
  o.quant_report = true;
  check_fixture("tiny_cnn", &o, 30, &rep);
  double lo = INFINITY, hi = -INFINITY;
  for (uint32_t l = 0; l < rep.num_quant_layers; l++) {
    lo = fmin(lo, rep.quant_layers[l].sqnr_db);
    hi = fmax(hi, rep.quant_layers[l].sqnr_db);
  }
  wick_convert_report_free(&rep);
  o.min_sqnr_db = (lo + hi) / 2;
  o.quant_report = false;
  check_fixture("tiny_cnn", &o, 30, &rep);
  uint32_t kept = 0;
  for (uint32_t l = 0; l < rep.num_quant_layers; l++) kept += rep.quant_layers[l].kept_fp32;
  CHECK_MSG(kept > 0 && rep.quant_int8_layers > 0, "mixed: %u kept, %u int8 (threshold %.1f)",
            kept, rep.quant_int8_layers, o.min_sqnr_db);
  wick_convert_report_free(&rep);
}

int main(void) {
  const char *src = getenv("WICK_SOURCE_DIR");
  snprintf(g_fix, sizeof g_fix, "%s/tests/models/fixtures", src ? src : ".");
  snprintf(g_tmp, sizeof g_tmp, "%s/wick_quant.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(g_tmp) == NULL) {
    fprintf(stderr, "mkdtemp failed\n");
    return 1;
  }
  test_multiplier();
  test_qparams();
  test_fixtures_random();
  test_calib_dir();
  test_min_sqnr();
  test_dynamic();
  rmdir(g_tmp);
  return test_finish("test_quantize");
}
