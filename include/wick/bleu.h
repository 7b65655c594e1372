/* wick — corpus BLEU, identical to sacreBLEU's default
 * (nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp), as written down in
 * examples/translate/bleu.py:
 *
 *   tokenization '13a' (mteval-v13a): strip, drop "<skipped>", unescape
 *   &quot; &amp; &lt; &gt;, pad the line with spaces, then
 *     ([{-~[-` -&(-+:-@/])  -> " \1 "    punctuation and symbols
 *     ([^0-9])([.,])         -> "\1 \2 "  . , not after a digit
 *     ([.,])([^0-9])         -> " \1 \2"  . , not before a digit
 *     ([0-9])(-)             -> "\1 \2 "  - after a digit
 *   (each a left-to-right, non-overlapping regex substitution), then split
 *   on Unicode whitespace (Python's str.split()); case-sensitive;
 *   n-grams 1..4 with counts clipped by the reference, summed over the corpus;
 *   precision p_n = 100 * correct_n / total_n, or with 'exp' smoothing
 *   100 / (2^k * total_n) for the k-th order with no match; p_n = 0 once an
 *   order has no n-grams at all (then BLEU = 0); brevity penalty
 *   exp(1 - r / c) when c < r (0 when c = 0);
 *   BLEU = BP * exp(mean(log p_n)).
 *
 * Lines are UTF-8 (anything else is refused, as Python's decoder does).
 */
#ifndef WICK_BLEU_H
#define WICK_BLEU_H

#include <stddef.h>
#include <stdint.h>

#include "wick/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WICK_BLEU_ORDER 4

/* Sufficient statistics, summed over sentence pairs (zero-initialize). */
typedef struct wick_bleu_stats {
  uint64_t correct[WICK_BLEU_ORDER], total[WICK_BLEU_ORDER];
  uint64_t hyp_len, ref_len; /* tokens */
  uint64_t sentences;
} wick_bleu_stats;

typedef struct wick_bleu_score {
  double score;                        /* 0 .. 100 */
  double precisions[WICK_BLEU_ORDER];  /* percent, smoothed */
  double bp, ratio;                    /* ratio = hyp_len / max(1, ref_len) */
  uint64_t hyp_len, ref_len;
} wick_bleu_score;

/* 13a tokenization of one line (len bytes of UTF-8, no newline): *out is a
 * malloc'd NUL-terminated string of tokens joined by single spaces (free it),
 * *out_len its length. WICK_ERR_MALFORMED for invalid UTF-8 (the message
 * names the byte offset), WICK_ERR_MEMORY. */
wick_status wick_bleu_tokenize_13a(const char *line, size_t len, char **out, size_t *out_len,
                                   wick_diag *d);

/* Adds one hypothesis / reference pair (raw lines) to s. */
wick_status wick_bleu_add(wick_bleu_stats *s, const char *hyp, size_t hyp_len, const char *ref,
                          size_t ref_len, wick_diag *d);

/* The corpus score of the statistics. */
void wick_bleu_compute(const wick_bleu_stats *s, wick_bleu_score *out);

/* sacreBLEU's line: "BLEU = 34.12 65.1/41.2/28.0/19.5 (BP = 0.987 ratio =
 * 0.987 hyp_len = 9876 ref_len = 10000)" (no newline), snprintf-style. */
int wick_bleu_format(const wick_bleu_score *s, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
