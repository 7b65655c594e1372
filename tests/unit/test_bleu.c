/* Corpus BLEU (src/util/bleu.c) against hand-computed values: the
 * specification is examples/translate/bleu.py (sacreBLEU's default).
 *
 *   test_bleu              the checks below
 *   test_bleu --tokenize   prints the 13a tokenization of each stdin line
 *                          (for tests/fixtures/bleu/check_bleu.py)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "wick/bleu.h"

static void tok_is(const char *line, const char *want) {
  char *out = NULL;
  size_t n = 0;
  wick_diag d;
  wick_diag_clear(&d);
  wick_status s = wick_bleu_tokenize_13a(line, strlen(line), &out, &n, &d);
  CHECK_MSG(s == WICK_OK && out && strcmp(out, want) == 0 && n == strlen(want),
            "13a('%s') = '%s', want '%s' (%s)", line, out ? out : "(null)", want, d.msg);
  free(out);
}

/* Scores parallel arrays of lines. */
static wick_bleu_score score(const char *const *hyp, const char *const *ref, size_t n,
                             wick_bleu_stats *st) {
  wick_bleu_stats local;
  if (st == NULL) st = &local;
  memset(st, 0, sizeof *st);
  wick_diag d;
  wick_diag_clear(&d);
  for (size_t i = 0; i < n; i++)
    CHECK(wick_bleu_add(st, hyp[i], strlen(hyp[i]), ref[i], strlen(ref[i]), &d) == WICK_OK);
  wick_bleu_score s;
  wick_bleu_compute(st, &s);
  return s;
}

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static void test_tokenize(void) {
  /* bleu.py's self-test */
  tok_is("Hello, world.", "Hello , world .");
  tok_is("It costs $3.50, ok?", "It costs $ 3.50 , ok ?");
  tok_is("A well-known 1990-era (big) dog's toy", "A well-known 1990 - era ( big ) dog's toy");
  tok_is("a &amp; b", "a & b");
  /* more corners, each worked through the four rules by hand */
  tok_is("", "");
  tok_is("   ", "");
  tok_is("  two   spaces\tand tab ", "two spaces and tab");
  tok_is("1,000.50 and 3,5", "1,000.50 and 3,5");        /* between digits: kept */
  tok_is("end.", "end .");
  tok_is("a.,b", "a . , b");  /* rule 2 consumes "a." so ",b" is split by rule 3 */
  tok_is("x.5", "x . 5");     /* rule 2: non-digit before the dot */
  tok_is("5.x", "5 . x");     /* rule 3: non-digit after the dot */
  tok_is("5-6 a-b 7-", "5 - 6 a-b 7 -");
  tok_is("\"quoted\" [b] {c} <d> a/b a|b a~b a^b a_b a`b", "\" quoted \" [ b ] { c } < d > a / b a | b a ~ b a ^ b a _ b a ` b");
  tok_is("#1 100% a*b+c=d @x !? ;:", "# 1 100 % a * b + c = d @ x ! ? ; :");
  tok_is("it's o'clock", "it's o'clock");              /* apostrophe is not split */
  tok_is("&quot;hi&quot; &lt;b&gt; &amp;amp;", "\" hi \" < b > & amp ;"); /* unescaped once, then split */
  tok_is("a<skipped>b <skipped>", "ab");
  tok_is("K\xc3\xa4se, S\xc3\xbc\xc3\x9f.", "K\xc3\xa4se , S\xc3\xbc\xc3\x9f .");
  tok_is("\xc3\xa4.5", "\xc3\xa4 . 5");                /* multi-byte non-digit before '.' */
  tok_is("a\xc2\xa0" "b\xe3\x80\x80" "c\xe2\x80\x83" "d", "a b c d"); /* NBSP, U+3000, U+2003 */
  tok_is("a\xe2\x80\x8b" "b", "a\xe2\x80\x8b" "b");    /* U+200B is not whitespace */
  tok_is("\xe2\x80\x9equoted\xe2\x80\x9c", "\xe2\x80\x9equoted\xe2\x80\x9c"); /* non-ASCII quotes stay */
  /* invalid UTF-8 is refused */
  char *out = NULL;
  size_t n = 0;
  wick_diag d;
  wick_diag_clear(&d);
  CHECK(wick_bleu_tokenize_13a("a\xff", 2, &out, &n, &d) == WICK_ERR_MALFORMED && out == NULL);
  CHECK_MSG(strstr(d.msg, "UTF-8") && strstr(d.msg, "byte 1"), "%s", d.msg);
  wick_diag_clear(&d);
  CHECK(wick_bleu_tokenize_13a("\xed\xa0\x80", 3, &out, &n, &d) == WICK_ERR_MALFORMED);
}

static void test_scores(void) {
  /* 1. identical -> 100 */
  {
    const char *h[] = {"Two dogs play in the grass.", "A man rides a bike."};
    wick_bleu_score s = score(h, h, 2, NULL);
    CHECK(NEAR(s.score, 100.0) && NEAR(s.bp, 1.0) && s.hyp_len == 13 && s.ref_len == 13);
    char line[256];
    wick_bleu_format(&s, line, sizeof line);
    CHECK_MSG(strcmp(line, "BLEU = 100.00 100.0/100.0/100.0/100.0 (BP = 1.000 ratio = 1.000 "
                           "hyp_len = 13 ref_len = 13)") == 0, "%s", line);
  }
  /* 2. p = 5/6, 3/5, 2/4, 1/3, BP = 1 -> 100 * (1/12)^(1/4) = 53.7285 */
  {
    const char *h[] = {"the cat sat on the mat"}, *r[] = {"the cat sat on a mat"};
    wick_bleu_stats st;
    wick_bleu_score s = score(h, r, 1, &st);
    CHECK(st.correct[0] == 5 && st.correct[1] == 3 && st.correct[2] == 2 && st.correct[3] == 1);
    CHECK(st.total[0] == 6 && st.total[1] == 5 && st.total[2] == 4 && st.total[3] == 3);
    CHECK(NEAR(s.score, 100 * pow(1.0 / 12, 0.25)));
    char line[256];
    wick_bleu_format(&s, line, sizeof line);
    CHECK_MSG(strcmp(line, "BLEU = 53.73 83.3/60.0/50.0/33.3 (BP = 1.000 ratio = 1.000 hyp_len = "
                           "6 ref_len = 6)") == 0, "%s", line);
  }
  /* 3. brevity: all precisions 1, c = 5, r = 6 -> 100 * exp(1 - 6/5) = 81.8731 */
  {
    const char *h[] = {"the cat sat on the"}, *r[] = {"the cat sat on the mat"};
    wick_bleu_score s = score(h, r, 1, NULL);
    CHECK(NEAR(s.score, 100 * exp(-0.2)) && fabs(s.score - 81.8731) < 1e-4);
    CHECK(NEAR(s.bp, exp(-0.2)) && NEAR(s.ratio, 5.0 / 6.0));
  }
  /* 4. a zero 4-gram precision: "a b c d" vs "a b x d": p = 3/4, 1/3, 0/2, 0/1
   *    -> 'exp' smoothing 1/(2*2), 1/(4*1) -> 100 * (3/4 * 1/3 * 1/4 * 1/4)^(1/4) */
  {
    const char *h[] = {"a b c d"}, *r[] = {"a b x d"};
    wick_bleu_score s = score(h, r, 1, NULL);
    CHECK(NEAR(s.precisions[2], 25.0) && NEAR(s.precisions[3], 25.0));
    CHECK(NEAR(s.score, 100 * pow(0.75 / 3 * 0.25 * 0.25, 0.25)) && fabs(s.score - 35.3553) < 1e-4);
  }
  /* 5. only the 4-grams miss: p4 = 1/(2 * 2) */
  {
    const char *h[] = {"a b c d e"}, *r[] = {"a b c x d e"};
    wick_bleu_stats st;
    wick_bleu_score s = score(h, r, 1, &st);
    /* 1-grams 5/5, 2-grams ab bc de = 3/4, 3-grams abc = 1/3, 4-grams 0/2 */
    CHECK(st.correct[0] == 5 && st.correct[1] == 3 && st.correct[2] == 1 && st.correct[3] == 0);
    CHECK(NEAR(s.precisions[3], 100.0 / (2 * 2)));
    double bp = exp(1 - 6.0 / 5.0);
    CHECK(NEAR(s.score, bp * exp((log(100.0) + log(75.0) + log(100.0 / 3) + log(25.0)) / 4)));
  }
  /* 6. fewer than 4 tokens in the whole corpus: no 4-grams -> 0 */
  {
    const char *h[] = {"a b c"}, *r[] = {"a b c"};
    wick_bleu_score s = score(h, r, 1, NULL);
    CHECK(s.score == 0.0 && NEAR(s.precisions[0], 100.0) && s.precisions[3] == 0.0);
  }
  /* 7. corpus level sums counts (not an average of sentence scores) */
  {
    const char *h[] = {"the cat sat on the mat", "the cat sat on the"};
    const char *r[] = {"the cat sat on a mat", "the cat sat on the mat"};
    wick_bleu_stats st;
    wick_bleu_score s = score(h, r, 2, &st);
    CHECK(st.correct[0] == 10 && st.correct[1] == 7 && st.correct[2] == 5 && st.correct[3] == 3);
    CHECK(st.total[0] == 11 && st.total[1] == 9 && st.total[2] == 7 && st.total[3] == 5);
    double want = 100 * exp(1 - 12.0 / 11) * pow((10.0 / 11) * (7.0 / 9) * (5.0 / 7) * (3.0 / 5), 0.25);
    CHECK(NEAR(s.score, want));
  }
  /* 8. clipping: "the the the the" vs "the cat": 1-gram 1/4 */
  {
    const char *h[] = {"the the the the"}, *r[] = {"the cat"};
    wick_bleu_stats st;
    score(h, r, 1, &st);
    CHECK(st.correct[0] == 1 && st.total[0] == 4 && st.correct[1] == 0 && st.total[1] == 3);
  }
  /* 9. case-sensitive, and tokenization applies before matching */
  {
    const char *h[] = {"The dog, running."}, *r[] = {"the dog , running ."};
    wick_bleu_stats st;
    score(h, r, 1, &st);
    CHECK(st.hyp_len == 5 && st.ref_len == 5 && st.correct[0] == 4);
  }
  /* 10. empty corpus / empty hypothesis */
  {
    wick_bleu_stats st;
    memset(&st, 0, sizeof st);
    wick_bleu_score s;
    wick_bleu_compute(&st, &s);
    CHECK(s.score == 0.0 && s.bp == 0.0 && s.ratio == 0.0);
    const char *h[] = {""}, *r[] = {"a b c d"};
    s = score(h, r, 1, NULL);
    CHECK(s.score == 0.0 && s.bp == 0.0 && s.ref_len == 4);
  }
}

static int run_tokenize(void) {
  static char line[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strlen(line);
    if (n && line[n - 1] == '\n') line[--n] = '\0';
    char *out = NULL;
    size_t len = 0;
    wick_diag d;
    wick_diag_clear(&d);
    if (wick_bleu_tokenize_13a(line, n, &out, &len, &d) != WICK_OK) {
      printf("ERROR\n");
      continue;
    }
    fwrite(out, 1, len, stdout);
    putchar('\n');
    free(out);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--tokenize") == 0) return run_tokenize();
  test_tokenize();
  test_scores();
  return test_finish("test_bleu");
}
