/* --quantize int8-dynamic on the German->English transformer (optional data):
 * converts encoder.onnx and decoder_step.onnx (batch 1, see
 * examples/translate/export.py) in fp32 and int8-dynamic, encodes the first
 * test sentences (examples/translate/data/test_2016_flickr.de.ids), decodes
 * greedily with the fp32 programs, and runs the int8-dynamic programs
 * teacher-forced on the same tokens: logits SQNR and top-1 agreement per
 * step; then decodes freely with int8-dynamic: sentences identical to fp32.
 *
 *   WICK_TRANSLATE_ONNX   directory with encoder.onnx + decoder_step.onnx
 *                         (skips, exit 77, when unset or missing)
 *   WICK_DQ8_SENTENCES    sentences to decode (default 40)
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "wick/backend.h"
#include "wick/compiler.h"
#include "wick/runtime.h"
#include "wick/util.h"

enum { PAD = 0, BOS = 2, EOS = 3, S = 64 };

typedef struct prog {
  void *bytes;
  wick_program p;
  wick_loaded_method lm;
} prog;

static bool load(prog *pr, const char *onnx, int quant) {
  wick_convert_options o;
  memset(&o, 0, sizeof o);
  o.quantize = quant;
  wick_convert_report rep;
  wick_diag d = {WICK_OK, ""};
  uint8_t *pte = NULL;
  size_t n = 0;
  memset(pr, 0, sizeof *pr);
  wick_status s = wick_convert_onnx(onnx, &o, &pte, &n, &rep, &d);
  CHECK_MSG(s == WICK_OK, "convert %s: %s", onnx, d.msg);
  if (s) return false;
  if (quant)
    fprintf(stderr, "  %s int8-dynamic: %u linears, weights %llu -> %llu bytes\n", onnx,
            rep.quant_int8_layers, (unsigned long long)rep.quant_weight_bytes_fp32,
            (unsigned long long)rep.quant_weight_bytes_int8);
  wick_convert_report_free(&rep);
  if (posix_memalign(&pr->bytes, 64, n)) abort();
  memcpy(pr->bytes, pte, n);
  free(pte);
  s = wick_program_load(&pr->p, pr->bytes, n, &d);
  if (s == WICK_OK) s = wick_method_load_alloc(&pr->p, "forward", &pr->lm, &d);
  CHECK_MSG(s == WICK_OK, "load %s: %s", onnx, d.msg);
  return s == WICK_OK;
}

static void unload(prog *pr) {
  if (pr->lm.block) wick_method_free(&pr->lm);
  free(pr->bytes);
}

static void *in(prog *pr, uint32_t i) { return wick_method_input(pr->lm.method, i)->data; }
static size_t in_bytes(prog *pr, uint32_t i) {
  const wick_tensor *t = wick_method_input(pr->lm.method, i);
  return wick_tensor_numel(t) * wick_dtype_size(t->dtype);
}
static const void *out(prog *pr, uint32_t i) { return wick_method_output(pr->lm.method, i)->data; }

static bool exec(prog *pr) {
  wick_diag d = {WICK_OK, ""};
  wick_status s = wick_method_execute(pr->lm.method, &d);
  CHECK_MSG(s == WICK_OK, "execute: %s", d.msg);
  return s == WICK_OK;
}

/* Encoder outputs -> decoder inputs 2..4, caches zeroed. */
static bool start(prog *enc, prog *dec, const int64_t *src) {
  memcpy(in(enc, 0), src, S * sizeof(int64_t));
  if (!exec(enc)) return false;
  for (uint32_t k = 0; k < 3; k++) memcpy(in(dec, 2 + k), out(enc, k), in_bytes(dec, 2 + k));
  memset(in(dec, 5), 0, in_bytes(dec, 5));
  memset(in(dec, 6), 0, in_bytes(dec, 6));
  return true;
}

/* One step with `tok` at `pos`; the caches roll over. Returns the logits. */
static const float *step(prog *dec, int64_t tok, int64_t pos) {
  *(int64_t *)in(dec, 0) = tok;
  *(int64_t *)in(dec, 1) = pos;
  if (!exec(dec)) return NULL;
  memcpy(in(dec, 5), out(dec, 1), in_bytes(dec, 5));
  memcpy(in(dec, 6), out(dec, 2), in_bytes(dec, 6));
  return out(dec, 0);
}

static int64_t argmax(const float *l, int v) {
  int64_t best = -1;
  for (int i = 0; i < v; i++)
    if (i != PAD && i != BOS && (best < 0 || l[i] > l[best])) best = i;
  return best;
}

int main(void) {
  const char *dir = getenv("WICK_TRANSLATE_ONNX");
  const char *srcdir = getenv("WICK_SOURCE_DIR");
  char enc_p[1024], dec_p[1024], ids_p[1024];
  snprintf(enc_p, sizeof enc_p, "%s/encoder.onnx", dir ? dir : "");
  snprintf(dec_p, sizeof dec_p, "%s/decoder_step.onnx", dir ? dir : "");
  snprintf(ids_p, sizeof ids_p, "%s/examples/translate/data/test_2016_flickr.de.ids",
           srcdir ? srcdir : ".");
  FILE *fe = dir ? fopen(enc_p, "rb") : NULL, *fd = dir ? fopen(dec_p, "rb") : NULL;
  FILE *fi = fopen(ids_p, "r");
  if (!fe || !fd || !fi) {
    fprintf(stderr, "test_dq8_translate: skipped (set WICK_TRANSLATE_ONNX to a directory with "
                    "encoder.onnx and decoder_step.onnx; needs %s)\n", ids_p);
    if (fe) fclose(fe);
    if (fd) fclose(fd);
    if (fi) fclose(fi);
    return WICK_TEST_SKIP;
  }
  fclose(fe);
  fclose(fd);
  int nsent = getenv("WICK_DQ8_SENTENCES") ? atoi(getenv("WICK_DQ8_SENTENCES")) : 40;
  wick_optimized_register();
  prog ef, df, eq, dq;
  if (!load(&ef, enc_p, WICK_QUANT_NONE) || !load(&df, dec_p, WICK_QUANT_NONE) ||
      !load(&eq, enc_p, WICK_QUANT_INT8_DYNAMIC) || !load(&dq, dec_p, WICK_QUANT_INT8_DYNAMIC)) {
    fclose(fi);
    return test_finish("test_dq8_translate");
  }
  const int V = (int)wick_tensor_numel(wick_method_output(df.lm.method, 0));
  double sig = 0, noise = 0;
  long steps = 0, agree = 0;
  int same = 0, done = 0;
  char line[8192];
  for (int s = 0; s < nsent && fgets(line, sizeof line, fi); s++) {
    int64_t src[S];
    int len = 0;
    for (char *p = strtok(line, " \n"); p && len < S - 1; p = strtok(NULL, " \n")) src[len++] = atoll(p);
    src[len++] = EOS;
    for (int i = len; i < S; i++) src[i] = PAD;
    int maxlen = (int)(1.5 * len + 10) < S ? (int)(1.5 * len + 10) : S;
    int64_t ref[S];
    int nref = 0;
    /* fp32 greedy, int8-dynamic teacher-forced on the same tokens */
    if (!start(&ef, &df, src) || !start(&eq, &dq, src)) break;
    int64_t tok = BOS;
    for (int t = 0; t < maxlen; t++) {
      const float *lf = step(&df, tok, t), *lq = step(&dq, tok, t);
      if (!lf || !lq) break;
      for (int i = 0; i < V; i++) {
        double e = (double)lf[i] - lq[i];
        sig += (double)lf[i] * lf[i];
        noise += e * e;
      }
      tok = argmax(lf, V);
      agree += argmax(lq, V) == tok;
      steps++;
      ref[nref++] = tok;
      if (tok == EOS) break;
    }
    /* int8-dynamic free-running greedy */
    if (!start(&eq, &dq, src)) break;
    tok = BOS;
    bool eq_seq = true;
    int t = 0;
    for (; t < maxlen; t++) {
      const float *lq = step(&dq, tok, t);
      if (!lq) break;
      tok = argmax(lq, V);
      if (t >= nref || ref[t] != tok) {
        eq_seq = false;
        break;
      }
      if (tok == EOS) break;
    }
    same += eq_seq && (t < maxlen || nref == maxlen); /* ended at the same EOS, or both ran out */
    done++;
  }
  fclose(fi);
  double db = noise > 0 ? 10 * log10(sig / noise) : INFINITY;
  fprintf(stderr,
          "  %d sentences, %ld decoder steps: logits SQNR %.1f dB (teacher-forced), top-1 "
          "agreement %.2f%%, greedy output identical to fp32 for %d/%d sentences\n",
          done, steps, db, 100.0 * (double)agree / (double)(steps ? steps : 1), same, done);
  CHECK_MSG(done > 0 && db >= 25, "logits SQNR %.1f dB", db);
  CHECK_MSG(agree * 100 >= steps * 95, "top-1 agreement %ld/%ld", agree, steps);
  unload(&ef), unload(&df), unload(&eq), unload(&dq);
  return test_finish("test_dq8_translate");
}
