/* sentencepiece model files: wick_tokenizer_load_spm, encode and decode_ids
 * checked against ids and texts that sentencepiece itself produced
 * (tests/fixtures/spm, made by make_spm_fixture.py), plus the loader's
 * refusals.
 *
 *   test_spm                 the tiny fixture model (always available)
 *   test_spm --multi30k      the translation model (models/de-en/spm.model or
 *                            examples/translate/data/spm.model) against
 *                            tests/fixtures/spm/real_model_expected.txt;
 *                            exit 77 (skipped) when neither model exists
 *   test_spm --encode MODEL  reads lines (raw bytes) from stdin and prints
 *                            "ids<TAB>hex(decode(ids))" per line, for
 *                            tests/fixtures/spm/check_corpus.py
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "wick/llm.h"

static char g_src[1024];

static const char *src_dir(void) {
  const char *dir = getenv("WICK_SOURCE_DIR");
  if (dir && dir[0]) return dir;
  const char *tail = strstr(__FILE__, "tests/unit/test_spm.c");
  size_t n = tail ? (size_t)(tail - __FILE__) : 0;
  if (n == 0 || n >= sizeof g_src) return ".";
  memcpy(g_src, __FILE__, n - 1);
  g_src[n - 1] = '\0';
  return g_src;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* "-" is empty; returns the byte count or -1. */
static long unhex(const char *s, size_t n, char *out) {
  if (n == 1 && s[0] == '-') return 0;
  if (n % 2) return -1;
  for (size_t i = 0; i < n; i += 2) {
    int hi = hexval(s[i]), lo = hexval(s[i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i / 2] = (char)(hi * 16 + lo);
  }
  return (long)(n / 2);
}

static size_t parse_ids(const char *s, size_t n, int32_t *ids, size_t cap) {
  size_t k = 0;
  if (n == 1 && s[0] == '-') return 0;
  char buf[16];
  for (size_t i = 0; i < n;) {
    while (i < n && s[i] == ' ') i++;
    size_t j = i;
    while (j < n && s[j] != ' ') j++;
    if (j > i && k < cap && j - i < sizeof buf) {
      memcpy(buf, s + i, j - i);
      buf[j - i] = '\0';
      ids[k++] = (int32_t)atol(buf);
    }
    i = j;
  }
  return k;
}

static void print_ids(FILE *f, const int32_t *ids, size_t n) {
  for (size_t i = 0; i < n; i++) fprintf(f, "%s%d", i ? " " : "", (int)ids[i]);
}

/* Checks every line of an expected file; returns the mismatches. */
static int check_expected(const wick_tokenizer *t, const char *path, int *lines) {
  size_t size = 0;
  char *data = read_file_all(path, &size);
  if (data == NULL) {
    CHECK_MSG(0, "cannot read %s", path);
    return 1;
  }
  data[size] = '\0';
  int bad = 0, count = 0;
  char *text = malloc(size + 1), *want_text = malloc(size + 8), *got_text = malloc(4 * size + 64);
  int32_t *want = malloc((size + 8) * sizeof *want), *got = malloc((3 * size + 8) * sizeof *got);
  for (char *line = data; *line;) {
    char *eol = strchr(line, '\n');
    if (eol == NULL) eol = line + strlen(line);
    char *col[4] = {line, NULL, NULL, NULL};
    size_t nc = 1;
    for (char *p = line; p < eol && nc < 4; p++)
      if (*p == '\t') col[nc++] = p + 1;
    size_t len[4];
    for (size_t i = 0; i < nc; i++) len[i] = (size_t)((i + 1 < nc ? col[i + 1] - 1 : eol) - col[i]);
    count++;
    wick_diag d;
    wick_diag_clear(&d);
    if (line[0] == 'E' && nc == 4) {
      long tn = unhex(col[1], len[1], text);
      long wn = unhex(col[3], len[3], want_text);
      size_t nw = parse_ids(col[2], len[2], want, size + 8);
      CHECK_MSG(tn >= 0 && wn >= 0, "%s: bad line %d", path, count);
      text[tn < 0 ? 0 : tn] = '\0';
      size_t ng = 0, dl = 0;
      wick_status s = wick_tokenizer_encode(t, text, false, false, got, 3 * size + 8, &ng, &d);
      bool ok = s == WICK_OK && ng == nw && memcmp(got, want, nw * sizeof *got) == 0;
      if (ok) {
        s = wick_tokenizer_decode_ids(t, got, ng, got_text, 4 * size + 64, &dl, &d);
        ok = s == WICK_OK && (long)dl == wn && memcmp(got_text, want_text, dl) == 0;
        if (!ok && bad < 5) fprintf(stderr, "%s:%d: decode differs\n", path, count);
      }
      if (!ok) {
        if (bad < 5) {
          fprintf(stderr, "%s:%d: '%s'\n  want ", path, count, text);
          print_ids(stderr, want, nw);
          fprintf(stderr, "\n  got  ");
          print_ids(stderr, got, ng);
          fprintf(stderr, " (%s)\n", d.msg);
        }
        bad++;
      }
      /* BOS / EOS around the same ids */
      if (ok && t->bos_id >= 0 && t->eos_id >= 0) {
        size_t nb = 0;
        s = wick_tokenizer_encode(t, text, true, true, got, 3 * size + 8, &nb, &d);
        CHECK(s == WICK_OK && nb == nw + 2 && got[0] == t->bos_id && got[nb - 1] == t->eos_id &&
              memcmp(got + 1, want, nw * sizeof *got) == 0);
      }
    } else if (line[0] == 'D' && nc == 3) {
      size_t ni = parse_ids(col[1], len[1], want, size + 8);
      long wn = unhex(col[2], len[2], want_text);
      size_t dl = 0;
      wick_status s = wick_tokenizer_decode_ids(t, want, ni, got_text, 4 * size + 64, &dl, &d);
      if (s != WICK_OK || (long)dl != wn || memcmp(got_text, want_text, dl) != 0) {
        if (bad < 5) fprintf(stderr, "%s:%d: decode differs (%s)\n", path, count, d.msg);
        bad++;
      }
    } else if (line < eol) {
      CHECK_MSG(0, "%s:%d: malformed line", path, count);
    }
    line = *eol ? eol + 1 : eol;
  }
  free(text);
  free(want_text);
  free(got_text);
  free(want);
  free(got);
  free(data);
  *lines = count;
  return bad;
}

/* The model with extra bytes appended (protobuf: later fields merge in). */
static wick_status load_with(const uint8_t *model, size_t n, const uint8_t *extra, size_t en,
                             wick_diag *d) {
  uint8_t *buf = malloc(n + en);
  memcpy(buf, model, n);
  memcpy(buf + n, extra, en);
  wick_tokenizer t;
  wick_diag_clear(d);
  wick_status s = wick_tokenizer_load_spm(&t, buf, n + en, 0, d);
  if (s == WICK_OK) wick_tokenizer_free(&t);
  free(buf);
  return s;
}

static void test_refusals(const uint8_t *model, size_t n) {
  wick_diag d;
  /* UNIGRAM model_type: trainer_spec { model_type: 1 } */
  static const uint8_t unigram[] = {0x12, 0x02, 0x18, 0x01};
  CHECK(load_with(model, n, unigram, sizeof unigram, &d) == WICK_ERR_NOT_SUPPORTED);
  CHECK_MSG(strstr(d.msg, "trainer_spec.model_type is UNIGRAM") != NULL, "%s", d.msg);
  /* a normalizer with a charsmap: normalizer_spec { name: "nfkc" precompiled_charsmap: "A" } */
  static const uint8_t nfkc[] = {0x1A, 0x09, 0x0A, 0x04, 'n', 'f', 'k', 'c', 0x12, 0x01, 'A'};
  CHECK(load_with(model, n, nfkc, sizeof nfkc, &d) == WICK_ERR_NOT_SUPPORTED);
  CHECK_MSG(strstr(d.msg, "normalizer_spec.precompiled_charsmap") && strstr(d.msg, "nfkc"), "%s",
            d.msg);
  static const uint8_t noescape[] = {0x1A, 0x02, 0x28, 0x00};
  CHECK(load_with(model, n, noescape, sizeof noescape, &d) == WICK_ERR_NOT_SUPPORTED);
  CHECK_MSG(strstr(d.msg, "escape_whitespaces") != NULL, "%s", d.msg);
  static const uint8_t suffix[] = {0x12, 0x03, 0xC0, 0x01, 0x01}; /* field 24 varint 1 */
  CHECK(load_with(model, n, suffix, sizeof suffix, &d) == WICK_ERR_NOT_SUPPORTED);
  CHECK_MSG(strstr(d.msg, "treat_whitespace_as_suffix") != NULL, "%s", d.msg);
  static const uint8_t denorm[] = {0x2A, 0x03, 0x12, 0x01, 'A'};
  CHECK(load_with(model, n, denorm, sizeof denorm, &d) == WICK_ERR_NOT_SUPPORTED);
  CHECK_MSG(strstr(d.msg, "denormalizer_spec") != NULL, "%s", d.msg);
  /* pieces { piece: "xy" type: USER_DEFINED } */
  static const uint8_t user[] = {0x0A, 0x06, 0x0A, 0x02, 'x', 'y', 0x18, 0x04};
  CHECK(load_with(model, n, user, sizeof user, &d) == WICK_ERR_NOT_SUPPORTED);
  CHECK_MSG(strstr(d.msg, "USER_DEFINED") != NULL, "%s", d.msg);
  static const uint8_t unused[] = {0x0A, 0x06, 0x0A, 0x02, 'x', 'y', 0x18, 0x05};
  CHECK(load_with(model, n, unused, sizeof unused, &d) == WICK_ERR_NOT_SUPPORTED);
  /* a duplicate piece, a second unknown, a bad type, an empty piece */
  static const uint8_t dup[] = {0x0A, 0x05, 0x0A, 0x03, '<', 's', '>'};
  CHECK(load_with(model, n, dup, sizeof dup, &d) == WICK_ERR_MALFORMED);
  CHECK_MSG(strstr(d.msg, "same piece") != NULL, "%s", d.msg);
  static const uint8_t unk2[] = {0x0A, 0x08, 0x0A, 0x04, '<', 'u', '2', '>', 0x18, 0x02};
  CHECK(load_with(model, n, unk2, sizeof unk2, &d) == WICK_ERR_MALFORMED);
  static const uint8_t badtype[] = {0x0A, 0x06, 0x0A, 0x02, 'x', 'y', 0x18, 0x09};
  CHECK(load_with(model, n, badtype, sizeof badtype, &d) == WICK_ERR_MALFORMED);
  static const uint8_t empty[] = {0x0A, 0x02, 0x18, 0x01};
  CHECK(load_with(model, n, empty, sizeof empty, &d) == WICK_ERR_MALFORMED);
  /* byte_fallback off while BYTE pieces exist: trainer_spec { byte_fallback: false } */
  static const uint8_t nobytes[] = {0x12, 0x03, 0x98, 0x02, 0x00};
  CHECK(load_with(model, n, nobytes, sizeof nobytes, &d) == WICK_ERR_MALFORMED);
  CHECK_MSG(strstr(d.msg, "byte_fallback") != NULL, "%s", d.msg);
  /* wire-format damage: a length past the end, a bad wire type, truncated varint */
  static const uint8_t longlen[] = {0x0A, 0x7F, 0x0A};
  CHECK(load_with(model, n, longlen, sizeof longlen, &d) == WICK_ERR_MALFORMED);
  CHECK_MSG(strstr(d.msg, "remain") != NULL, "%s", d.msg);
  static const uint8_t wire[] = {0x0F};
  CHECK(load_with(model, n, wire, sizeof wire, &d) == WICK_ERR_MALFORMED);
  static const uint8_t trunc[] = {0x10, 0xFF};
  CHECK(load_with(model, n, trunc, sizeof trunc, &d) == WICK_ERR_MALFORMED);
  /* every truncation of the file loads or fails with a message */
  for (size_t k = 0; k < n; k += 7) {
    wick_tokenizer t;
    wick_diag_clear(&d);
    wick_status s = wick_tokenizer_load_spm(&t, model, k, 0, &d);
    if (s == WICK_OK) wick_tokenizer_free(&t);
    else CHECK_MSG(d.msg[0] != '\0', "truncated to %zu: no message", k);
  }
  /* nothing at all: no pieces; the default model_type is UNIGRAM */
  wick_tokenizer t;
  CHECK(wick_tokenizer_load_spm(&t, "", 0, 0, &d) == WICK_ERR_MALFORMED);
  static const uint8_t only_piece[] = {0x0A, 0x09, 0x0A, 0x05, '<', 'u', 'n', 'k', '>', 0x18, 0x02};
  wick_diag_clear(&d);
  CHECK(wick_tokenizer_load_spm(&t, only_piece, sizeof only_piece, 0, &d) == WICK_ERR_NOT_SUPPORTED);
  CHECK_MSG(strstr(d.msg, "UNIGRAM") != NULL, "%s", d.msg);
  wick_diag_clear(&d);
  CHECK(wick_tokenizer_load_spm(&t, model, n, 123, &d) == WICK_ERR_MALFORMED);
}

static void test_tiny(void) {
  char path[1200], exp[1200];
  snprintf(path, sizeof path, "%s/tests/fixtures/spm/tiny.model", src_dir());
  snprintf(exp, sizeof exp, "%s/tests/fixtures/spm/tiny_expected.tsv", src_dir());
  wick_tokenizer t;
  wick_diag d;
  wick_diag_clear(&d);
  wick_status s = wick_tokenizer_load_any_file(&t, path, 0, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  if (s) return;
  CHECK(t.spm && t.vocab_size == 400 && t.unk_id == 1 && t.bos_id == 2 && t.eos_id == 3 &&
        t.pad_id == 0 && t.byte_fallback && t.remove_extra_whitespaces && !t.no_dummy_prefix);
  CHECK(t.byte_ids[0] == 4 && t.byte_ids[255] == 259);
  CHECK(strcmp(t.unk_surface, " \xe2\x81\x87 ") == 0);
  int lines = 0;
  int bad = check_expected(&t, exp, &lines);
  fprintf(stderr, "test_spm: tiny model: %d lines, %d mismatches\n", lines, bad);
  CHECK(bad == 0 && lines > 200);

  /* buffers: too small for the ids / the text */
  int32_t ids[64];
  size_t n = 0, len = 0;
  wick_diag_clear(&d);
  CHECK(wick_tokenizer_encode(&t, "Zwei Hunde spielen im Schnee.", false, false, ids, 2, &n, &d) ==
        WICK_ERR_INVALID_ARGUMENT);
  CHECK(wick_tokenizer_encode(&t, "Zwei Hunde", false, false, ids, 64, &n, &d) == WICK_OK);
  char out[8];
  wick_diag_clear(&d);
  CHECK(wick_tokenizer_decode_ids(&t, ids, n, out, sizeof out, &len, &d) ==
        WICK_ERR_INVALID_ARGUMENT);
  CHECK(len == 10);
  int32_t bad_id = 400;
  wick_diag_clear(&d);
  CHECK(wick_tokenizer_decode_ids(&t, &bad_id, 1, out, sizeof out, &len, &d) ==
        WICK_ERR_INVALID_ARGUMENT);
  CHECK(wick_tokenizer_decode_ids(&t, NULL, 0, out, 1, &len, &d) == WICK_OK && len == 0 &&
        out[0] == '\0');
  /* the per-token decoder sees the same pieces (U+2581 as ' ') */
  CHECK(wick_tokenizer_encode(&t, "Ein Mann", true, false, ids, 64, &n, &d) == WICK_OK);
  size_t pl = 0;
  const char *p = wick_tokenizer_decode(&t, ids[0], ids[1], &pl);
  CHECK(pl > 0 && p[0] == 'E');
  wick_tokenizer_free(&t);

  size_t size = 0;
  uint8_t *model = read_file_all(path, &size);
  CHECK(model != NULL);
  if (model) test_refusals(model, size);
  free(model);
}

static int run_multi30k(void) {
  const char *cands[2] = {"models/de-en/spm.model", "examples/translate/data/spm.model"};
  char path[1200], exp[1200];
  snprintf(exp, sizeof exp, "%s/tests/fixtures/spm/real_model_expected.txt", src_dir());
  struct stat st;
  int found = -1;
  for (int i = 0; i < 2 && found < 0; i++) {
    snprintf(path, sizeof path, "%s/%s", src_dir(), cands[i]);
    if (stat(path, &st) == 0) found = i;
  }
  if (found < 0) {
    fprintf(stderr, "test_spm: no %s or %s; skipping\n", cands[0], cands[1]);
    return WICK_TEST_SKIP;
  }
  wick_tokenizer t;
  wick_diag d;
  wick_diag_clear(&d);
  wick_status s = wick_tokenizer_load_any_file(&t, path, 0, &d);
  CHECK_MSG(s == WICK_OK, "%s", d.msg);
  if (s == WICK_OK) {
    CHECK(t.spm && t.vocab_size == 8000);
    int lines = 0;
    int bad = check_expected(&t, exp, &lines);
    fprintf(stderr, "test_spm: %s: %d lines, %d mismatches\n", path, lines, bad);
    CHECK(bad == 0 && lines > 400);
    wick_tokenizer_free(&t);
  }
  return test_finish("test_spm --multi30k");
}

static int run_encode(const char *path) {
  wick_tokenizer t;
  wick_diag d;
  wick_diag_clear(&d);
  if (wick_tokenizer_load_any_file(&t, path, 0, &d) != WICK_OK) {
    fprintf(stderr, "test_spm: %s\n", d.msg);
    return 1;
  }
  size_t cap = 1 << 16;
  char *line = malloc(cap), *text = malloc(4 * cap + 64);
  int32_t *ids = malloc((3 * cap + 8) * sizeof *ids);
  int rc = 0;
  while (fgets(line, (int)cap, stdin)) {
    size_t n = strlen(line);
    if (n && line[n - 1] == '\n') line[--n] = '\0';
    size_t ni = 0, tl = 0;
    if (wick_tokenizer_encode(&t, line, false, false, ids, 3 * cap + 8, &ni, &d) != WICK_OK ||
        wick_tokenizer_decode_ids(&t, ids, ni, text, 4 * cap + 64, &tl, &d) != WICK_OK) {
      fprintf(stderr, "test_spm: %s\n", d.msg);
      rc = 1;
      break;
    }
    print_ids(stdout, ids, ni);
    putchar('\t');
    for (size_t i = 0; i < tl; i++) printf("%02x", (unsigned char)text[i]);
    putchar('\n');
  }
  free(line);
  free(text);
  free(ids);
  wick_tokenizer_free(&t);
  return rc;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--encode") == 0) return run_encode(argv[2]);
  if (argc == 2 && strcmp(argv[1], "--multi30k") == 0) return run_multi30k();
  test_tiny();
  return test_finish("test_spm");
}
