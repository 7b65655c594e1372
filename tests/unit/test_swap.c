/* Model versioning and hot swap:
 *  - SHA-256 against the FIPS 180-4 / NIST example vectors (one-shot and
 *    streamed in odd pieces);
 *  - metadata round trip through wick_convert_onnx (name, version, producer,
 *    SOURCE_DATE_EPOCH creation time, constants digest identical for the
 *    segment and inline layouts, a flipped constant byte detected);
 *  - the model slot: stage, a reader keeping the old model across a swap,
 *    rollback on a .bpte whose expected outputs are wrong (the error names the
 *    case), a tampered constants digest rejected, require_self_test, and a swap
 *    storm under concurrent readers (pthreads; every output bit-identical to
 *    the model generation the reader leased). Run it under ThreadSanitizer
 *    too (docs/PRODUCTION.md). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/pte_writer.h"
#include "harness.h"
#include "mlp_pte.h"
#include "wick/compiler.h"
#include "wick/swap.h"
#include "wick/util.h"
#include "wick/wick.h"

/* ---- SHA-256 ---------------------------------------------------------- */

static void check_digest(const char *label, const void *data, size_t n, const char *want) {
  uint8_t dg[WICK_SHA256_BYTES];
  char hex[2 * WICK_SHA256_BYTES + 1];
  wick_sha256(data, n, dg);
  CHECK_MSG(strcmp(wick_sha256_hex(dg, hex), want) == 0, "%s: one-shot %s, want %s", label, hex,
            want);
  /* Streamed in pieces of 1, 2, 3, ... bytes (crosses every block boundary). */
  wick_sha256_ctx s;
  wick_sha256_init(&s);
  const uint8_t *p = data;
  size_t off = 0;
  for (size_t step = 1; off < n; step = step % 67 + 1) {
    size_t take = n - off < step ? n - off : step;
    wick_sha256_update(&s, p + off, take);
    off += take;
  }
  wick_sha256_final(&s, dg);
  CHECK_MSG(strcmp(wick_sha256_hex(dg, hex), want) == 0, "%s: streamed %s, want %s", label, hex,
            want);
}

static void test_sha256(void) {
  check_digest("empty", "", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  check_digest("abc", "abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  check_digest("448 bits", m448, strlen(m448),
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                     "klmnopqrlmnopqrsmnopqrstnopqrstu";
  check_digest("896 bits", m896, strlen(m896),
               "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  size_t mil = 1000000;
  char *a = malloc(mil);
  if (a) {
    memset(a, 'a', mil);
    check_digest("million a", a, mil,
                 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
  }
  /* 55, 56 and 64 bytes: the padding edge cases. */
  char buf[64];
  memset(buf, 'a', sizeof buf);
  check_digest("55 a", buf, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  check_digest("56 a", buf, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  check_digest("64 a", buf, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

/* ---- metadata through the converter ------------------------------------ */

static void test_convert_metadata(void) {
  const char *src = getenv("WICK_SOURCE_DIR");
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/models/fixtures/mlp/model.onnx", src ? src : ".");
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "test_swap: %s missing; metadata round trip skipped\n", path);
    return;
  }
  fclose(f);
  setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  uint8_t *pte[2] = {NULL, NULL};
  size_t size[2] = {0, 0};
  char hexes[2][2 * WICK_SHA256_BYTES + 1];
  for (int layout = 0; layout < 2; layout++) {
    wick_convert_options opt;
    memset(&opt, 0, sizeof opt);
    opt.inline_constants = layout == 1;
    if (layout == 0) {
      opt.model_name = "mlp-classifier";
      opt.model_version = "2.1.0";
    }
    wick_convert_report rep;
    wick_diag d = {WICK_OK, ""};
    wick_status s = wick_convert_onnx(path, &opt, &pte[layout], &size[layout], &rep, &d);
    wick_convert_report_free(&rep);
    CHECK_MSG(s == WICK_OK, "convert: %s", d.msg);
    if (s != WICK_OK) goto out;
    wick_program p;
    CHECK(wick_program_load(&p, pte[layout], size[layout], &d) == WICK_OK);
    char v[256];
    CHECK(wick_program_metadata(&p, "name", v, sizeof v, &d) == WICK_OK);
    CHECK_MSG(strcmp(v, layout == 0 ? "mlp-classifier" : "model") == 0, "name '%s'", v);
    CHECK(wick_program_metadata(&p, "version", v, sizeof v, &d) == WICK_OK);
    CHECK_MSG(strcmp(v, layout == 0 ? "2.1.0" : "0") == 0, "version '%s'", v);
    CHECK(wick_program_metadata(&p, "producer", v, sizeof v, &d) == WICK_OK);
    const char *want_producer = "wick " WICK_VERSION_STRING " from pytorch ";
    CHECK_MSG(strncmp(v, want_producer, strlen(want_producer)) == 0, "producer '%s'", v);
    CHECK(wick_program_metadata(&p, "created", v, sizeof v, &d) == WICK_OK);
    CHECK_MSG(strcmp(v, "2023-11-14T22:13:20Z") == 0, "created '%s'", v);
    CHECK(wick_program_metadata(&p, "constants_sha256", hexes[layout], sizeof hexes[layout], &d) ==
          WICK_OK);
    CHECK(strlen(hexes[layout]) == 64);
    CHECK(wick_program_metadata(&p, "no-such-key", v, sizeof v, NULL) == WICK_ERR_NOT_FOUND);
    /* Truncation keeps the terminator. */
    CHECK(wick_program_metadata(&p, "name", v, 4, NULL) == WICK_OK && strlen(v) == 3);
    char key[32];
    CHECK(wick_program_metadata_entry(&p, 0, key, sizeof key, v, sizeof v, NULL) == WICK_OK &&
          strcmp(key, "format") == 0 && strcmp(v, "wick-metadata-1") == 0);
    uint32_t n = 0;
    while (wick_program_metadata_entry(&p, n, key, sizeof key, v, sizeof v, NULL) == WICK_OK) n++;
    CHECK_MSG(n == 6, "%u metadata entries", n);
    wick_diag_clear(&d);
    CHECK_MSG(wick_program_check_integrity(&p, &d) == WICK_OK, "integrity: %s", d.msg);
  }
  CHECK_MSG(strcmp(hexes[0], hexes[1]) == 0, "segment digest %s, inline %s", hexes[0], hexes[1]);
  {
    /* Flip one byte of constant data (segment layout): detected. */
    wick_program p;
    wick_diag d = {WICK_OK, ""};
    CHECK(wick_program_load(&p, pte[0], size[0], &d) == WICK_OK);
    uint8_t *c = pte[0] + p.segment_base + 5; /* segment 0: the constants */
    *c ^= 0x40;
    CHECK(wick_program_check_integrity(&p, &d) == WICK_ERR_VERIFY_FAILED);
    CHECK_MSG(strstr(d.msg, "does not match") != NULL, "%s", d.msg);
    *c ^= 0x40;
  }
  {
    /* Reproducible: converting again gives the same bytes. */
    wick_convert_options opt;
    memset(&opt, 0, sizeof opt);
    opt.model_name = "mlp-classifier";
    opt.model_version = "2.1.0";
    uint8_t *again = NULL;
    size_t n = 0;
    wick_diag d = {WICK_OK, ""};
    CHECK(wick_convert_onnx(path, &opt, &again, &n, NULL, &d) == WICK_OK);
    CHECK(again && n == size[0] && memcmp(again, pte[0], n) == 0);
    free(again);
    setenv("SOURCE_DATE_EPOCH", "yesterday", 1);
    CHECK(wick_convert_onnx(path, &opt, &again, &n, NULL, &d) == WICK_ERR_INVALID_ARGUMENT);
    free(again);
  }
out:
  unsetenv("SOURCE_DATE_EPOCH");
  free(pte[0]);
  free(pte[1]);
}

/* ---- the model slot --------------------------------------------------- */

enum { READERS = 4, RUNS = 2000 };

static uint32_t g_seed = 4242u;
static float frand(void) {
  g_seed = g_seed * 1664525u + 1013904223u;
  return (float)(g_seed >> 8) / 16777216.0f - 0.5f;
}

/* The demo MLP (addmm, relu, addmm) with random weights; with_digest adds the
 * metadata wick convert would (constants_sha256 over the four buffers). */
static uint8_t *make_mlp(size_t *size, bool with_digest, bool wrong_digest) {
  static float w1t[IN * HID], b1[HID], w2t[HID * OUT], b2[OUT];
  for (int i = 0; i < IN * HID; i++) w1t[i] = frand() * 0.5f;
  for (int i = 0; i < HID; i++) b1[i] = frand() * 0.1f;
  for (int i = 0; i < HID * OUT; i++) w2t[i] = frand() * 0.5f;
  for (int i = 0; i < OUT; i++) b2[i] = frand() * 0.1f;
  wick_pte_writer *w = wick_pte_writer_new();
  mlp_pte_add(w, w1t, b1, w2t, b2);
  if (with_digest) {
    wick_sha256_ctx s;
    wick_sha256_init(&s);
    wick_sha256_constant(&s, w1t, sizeof w1t);
    wick_sha256_constant(&s, b1, sizeof b1);
    wick_sha256_constant(&s, w2t, sizeof w2t);
    wick_sha256_constant(&s, b2, sizeof b2);
    uint8_t dg[WICK_SHA256_BYTES];
    char hex[2 * WICK_SHA256_BYTES + 1], text[256];
    wick_sha256_final(&s, dg);
    wick_sha256_hex(dg, hex);
    if (wrong_digest) hex[0] = hex[0] == '0' ? '1' : '0';
    int n = snprintf(text, sizeof text, "format=wick-metadata-1\nname=mlp\nconstants_sha256=%s\n",
                     hex);
    wick_pte_add_named_data(w, WICK_METADATA_KEY, text, (size_t)n);
  }
  return mlp_pte_finish(w, size);
}

static wick_status set_x(wick_method *m, const float *x, wick_diag *d) {
  wick_tensor t;
  int64_t sizes[2] = {1, IN};
  wick_status s = wick_tensor_init(&t, WICK_F32, 2, sizes, (void *)x, IN * sizeof(float));
  return s ? s : wick_method_set_input(m, 0, &t, d);
}

/* Runs a program once on x (single-threaded reference). */
static void reference(const uint8_t *pte, size_t size, const float *x, float *y) {
  wick_program p;
  wick_loaded_method lm;
  wick_diag d = {WICK_OK, ""};
  memset(y, 0, OUT * sizeof(float));
  if (wick_program_load(&p, pte, size, &d) != WICK_OK ||
      wick_method_load_alloc(&p, "forward", &lm, &d) != WICK_OK) {
    CHECK_MSG(0, "reference: %s", d.msg);
    return;
  }
  CHECK(set_x(lm.method, x, &d) == WICK_OK && wick_method_execute(lm.method, &d) == WICK_OK);
  memcpy(y, wick_method_output(lm.method, 0)->data, OUT * sizeof(float));
  wick_method_free(&lm);
}

/* A .bpte of `pte` with one case: input x, expected y (wrong: y perturbed). */
static uint8_t *make_bundle(const uint8_t *pte, size_t size, const float *x, const float *y,
                            bool wrong, size_t *out_size) {
  float want[OUT];
  memcpy(want, y, sizeof want);
  if (wrong) want[2] += 0.5f;
  wick_bpte_writer *bw = wick_bpte_writer_new(pte, size);
  wick_bpte_case *tc = wick_bpte_add_case(bw, "forward");
  wick_bpte_case_tensor(tc, false, WICK_F32, 2, (int32_t[]){1, IN}, x, IN * sizeof(float));
  wick_bpte_case_tensor(tc, true, WICK_F32, 2, (int32_t[]){1, OUT}, want, sizeof want);
  uint8_t *b = NULL;
  wick_diag d = {WICK_OK, ""};
  if (wick_bpte_writer_finish(bw, &b, out_size, &d) != WICK_OK) {
    CHECK_MSG(0, "bundle: %s", d.msg);
    b = NULL;
  }
  wick_bpte_writer_free(bw);
  return b;
}

typedef struct reader {
  wick_model_slot *slot;
  float x[IN];
  float want[2][OUT]; /* [0]: model A (odd generations), [1]: model B (even) */
  long runs, mismatches, failures, regressions, per_gen[2];
  char first_error[WICK_DIAG_LEN];
} reader;

static void *reader_main(void *arg) {
  reader *r = arg;
  uint64_t last = 0;
  for (int k = 0; k < RUNS; k++) {
    wick_slot_lease l;
    wick_diag d = {WICK_OK, ""};
    if (wick_slot_acquire(r->slot, &l, &d) != WICK_OK) {
      if (r->failures++ == 0) snprintf(r->first_error, sizeof r->first_error, "%s", d.msg);
      continue;
    }
    if (l.generation < last) r->regressions++;
    last = l.generation;
    if (set_x(l.method, r->x, &d) != WICK_OK || wick_method_execute(l.method, &d) != WICK_OK) {
      if (r->failures++ == 0) snprintf(r->first_error, sizeof r->first_error, "%s", d.msg);
    } else {
      const wick_tensor *y = wick_method_output(l.method, 0);
      int v = l.generation % 2 ? 0 : 1;
      r->per_gen[v]++;
      if (y == NULL || memcmp(y->data, r->want[v], sizeof r->want[v]) != 0) r->mismatches++;
    }
    __atomic_fetch_add(&r->runs, 1, __ATOMIC_RELAXED);
    wick_slot_release(r->slot, &l);
  }
  return NULL;
}

static void test_slot(void) {
  size_t na = 0, nb = 0, nt = 0, nplain = 0;
  uint8_t *pa = make_mlp(&na, true, false);      /* model A, digest recorded   */
  uint8_t *pb = make_mlp(&nb, false, false);     /* model B, no metadata       */
  uint8_t *pt = make_mlp(&nt, true, true);       /* wrong digest               */
  uint8_t *plain = make_mlp(&nplain, false, false);
  float x0[IN], ya[OUT], yb[OUT];
  for (int i = 0; i < IN; i++) x0[i] = frand();
  if (!pa || !pb || !pt || !plain) {
    CHECK(0);
    return;
  }
  reference(pa, na, x0, ya);
  reference(pb, nb, x0, yb);
  CHECK(memcmp(ya, yb, sizeof ya) != 0);
  size_t nba = 0, nbb = 0, nbad = 0;
  uint8_t *ba = make_bundle(pa, na, x0, ya, false, &nba);
  uint8_t *bb = make_bundle(pb, nb, x0, yb, false, &nbb);
  uint8_t *bad = make_bundle(pb, nb, x0, yb, true, &nbad);
  if (!ba || !bb || !bad) goto out;

  wick_model_slot *slot = NULL;
  wick_diag d = {WICK_OK, ""};
  CHECK(wick_slot_new(&slot, NULL, &d) == WICK_OK);
  wick_slot_lease l;
  CHECK(wick_slot_acquire(slot, &l, &d) == WICK_ERR_NOT_FOUND);
  CHECK(wick_slot_generation(slot) == 0);

  /* A failing first stage leaves the slot empty. */
  wick_diag_clear(&d);
  CHECK(wick_slot_stage_buffer(slot, bad, nbad, NULL, &d) == WICK_ERR_VERIFY_FAILED);
  CHECK(wick_slot_generation(slot) == 0);

  /* Stage A; a reader leases it; B is swapped in; the reader still runs A. */
  wick_diag_clear(&d);
  CHECK_MSG(wick_slot_stage_buffer(slot, ba, nba, NULL, &d) == WICK_OK, "%s", d.msg);
  CHECK(wick_slot_generation(slot) == 1);
  CHECK(wick_slot_acquire(slot, &l, &d) == WICK_OK && l.generation == 1);
  char name[16];
  CHECK(wick_program_metadata(l.program, "name", name, sizeof name, NULL) == WICK_OK &&
        strcmp(name, "mlp") == 0);
  wick_diag_clear(&d);
  CHECK_MSG(wick_slot_stage_buffer(slot, bb, nbb, NULL, &d) == WICK_OK, "%s", d.msg);
  CHECK(wick_slot_generation(slot) == 2);
  wick_slot_stats st;
  wick_slot_get_stats(slot, &st);
  CHECK(st.retired_alive == 1 && st.leases == 1 && st.swaps == 2 && st.rejected == 1);
  CHECK(set_x(l.method, x0, &d) == WICK_OK && wick_method_execute(l.method, &d) == WICK_OK);
  CHECK(memcmp(wick_method_output(l.method, 0)->data, ya, sizeof ya) == 0);
  wick_slot_lease l2;
  CHECK(wick_slot_acquire(slot, &l2, &d) == WICK_OK && l2.generation == 2);
  CHECK(set_x(l2.method, x0, &d) == WICK_OK && wick_method_execute(l2.method, &d) == WICK_OK);
  CHECK(memcmp(wick_method_output(l2.method, 0)->data, yb, sizeof yb) == 0);
  wick_slot_release(slot, &l2);
  wick_slot_release(slot, &l); /* the last hold on A: freed here */
  wick_slot_get_stats(slot, &st);
  CHECK(st.retired_alive == 0 && st.leases == 0);

  /* Rollback: wrong expected outputs. The error names the case; B keeps running. */
  wick_diag_clear(&d);
  CHECK(wick_slot_stage_buffer(slot, bad, nbad, NULL, &d) == WICK_ERR_VERIFY_FAILED);
  CHECK_MSG(strstr(d.msg, "method 'forward' case 0") && strstr(d.msg, "output 0") &&
                strstr(d.msg, "generation 2 keeps running"),
            "%s", d.msg);
  CHECK(wick_slot_generation(slot) == 2);
  /* A wrong constants digest is refused too. */
  wick_diag_clear(&d);
  CHECK(wick_slot_stage_buffer(slot, pt, nt, NULL, &d) == WICK_ERR_VERIFY_FAILED);
  CHECK_MSG(strstr(d.msg, "recorded digest") != NULL, "%s", d.msg);
  wick_slot_options opt;
  memset(&opt, 0, sizeof opt);
  opt.skip_integrity = true;
  wick_diag_clear(&d);
  /* ... unless integrity checks are skipped (then it goes in: generation 3). */
  CHECK_MSG(wick_slot_stage_buffer(slot, pt, nt, &opt, &d) == WICK_OK, "%s", d.msg);
  /* Policies: a plain .pte has no self-test, B records no digest. */
  memset(&opt, 0, sizeof opt);
  opt.require_self_test = true;
  wick_diag_clear(&d);
  CHECK(wick_slot_stage_buffer(slot, plain, nplain, &opt, &d) == WICK_ERR_VERIFY_FAILED);
  CHECK_MSG(strstr(d.msg, "no bundled test case") != NULL, "%s", d.msg);
  memset(&opt, 0, sizeof opt);
  opt.require_digest = true;
  wick_diag_clear(&d);
  CHECK(wick_slot_stage_buffer(slot, bb, nbb, &opt, &d) == WICK_ERR_VERIFY_FAILED);
  CHECK(wick_slot_generation(slot) == 3);
  /* Garbage is a load error, not a swap. */
  wick_diag_clear(&d);
  CHECK(wick_slot_stage_buffer(slot, "not a program", 13, NULL, &d) == WICK_ERR_MALFORMED);
  CHECK(wick_slot_generation(slot) == 3);
  wick_slot_free(slot);

  /* Swap storm: readers execute while the main thread alternates A / B
   * (generation odd: A, even: B) with rejected stages in between. */
  slot = NULL;
  CHECK(wick_slot_new(&slot, "forward", &d) == WICK_OK);
  memset(&opt, 0, sizeof opt);
  opt.instances = 2;
  CHECK(wick_slot_stage_buffer(slot, ba, nba, &opt, &d) == WICK_OK);
  static reader rd[READERS];
  pthread_t th[READERS];
  for (int t = 0; t < READERS; t++) {
    memset(&rd[t], 0, sizeof rd[t]);
    rd[t].slot = slot;
    for (int i = 0; i < IN; i++) rd[t].x[i] = frand();
    reference(pa, na, rd[t].x, rd[t].want[0]);
    reference(pb, nb, rd[t].x, rd[t].want[1]);
  }
  for (int t = 0; t < READERS; t++) CHECK(pthread_create(&th[t], NULL, reader_main, &rd[t]) == 0);
  int stages = 0, good = 1;
  for (;;) {
    long done = 0;
    for (int t = 0; t < READERS; t++) done += __atomic_load_n(&rd[t].runs, __ATOMIC_RELAXED);
    if ((done >= (long)READERS * RUNS && stages >= 8) || stages >= 400) break;
    wick_diag_clear(&d);
    if (stages % 3 == 2) {
      CHECK(wick_slot_stage_buffer(slot, bad, nbad, &opt, &d) == WICK_ERR_VERIFY_FAILED);
    } else {
      bool next_a = good % 2 == 0; /* generation good+1 */
      wick_status s = next_a ? wick_slot_stage_buffer(slot, ba, nba, &opt, &d)
                             : wick_slot_stage_buffer(slot, bb, nbb, &opt, &d);
      CHECK_MSG(s == WICK_OK, "%s", d.msg);
      if (s == WICK_OK) good++;
    }
    stages++;
  }
  long mism = 0, fails = 0, regress = 0, runs = 0, ga = 0, gb = 0;
  for (int t = 0; t < READERS; t++) {
    pthread_join(th[t], NULL);
    mism += rd[t].mismatches;
    fails += rd[t].failures;
    regress += rd[t].regressions;
    runs += rd[t].runs;
    ga += rd[t].per_gen[0];
    gb += rd[t].per_gen[1];
    if (rd[t].failures) fprintf(stderr, "reader %d: %s\n", t, rd[t].first_error);
  }
  CHECK_MSG(runs == (long)READERS * RUNS && mism == 0 && fails == 0 && regress == 0,
            "%ld runs, %ld mismatches, %ld failures, %ld generation regressions", runs, mism, fails,
            regress);
  wick_slot_get_stats(slot, &st);
  CHECK(st.generation == (uint64_t)good && st.leases == 0 && st.retired_alive == 0);
  fprintf(stderr, "test_swap: %ld executes by %d readers across %d stages (%d swaps, %llu rejected); "
                  "%ld on A, %ld on B\n",
          runs, READERS, stages, good, (unsigned long long)st.rejected, ga, gb);
  wick_slot_free(slot);
out:
  free(pa);
  free(pb);
  free(pt);
  free(plain);
  free(ba);
  free(bb);
  free(bad);
}

int main(void) {
  test_sha256();
  test_convert_metadata();
  test_slot();
  return test_finish("test_swap");
}
