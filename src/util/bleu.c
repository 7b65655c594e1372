/* Corpus BLEU, identical to sacreBLEU's default (see include/wick/bleu.h and
 * examples/translate/bleu.py, the specification this mirrors line by line).
 *
 * The 13a rules work on UTF-8 bytes rather than code points. That is
 * equivalent: every character the rules name is ASCII, and ASCII bytes never
 * occur inside a multi-byte character, so a match of [^0-9] next to '.' or
 * ',' ends / starts exactly where the code point does, and the left-to-right
 * scan resumes at the same place. Only the final whitespace split needs code
 * points (Python's str.split() splits on Unicode whitespace).
 */
#include "wick/bleu.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 character at s (n >= 1 bytes left), 0 if invalid
 * (Python's strict decoder: shortest form, no surrogates, <= U+10FFFF). */
static size_t utf8_char(const uint8_t *s, size_t n, uint32_t *cp) {
  uint8_t c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
#define TRAIL(x) (((x) & 0xC0) == 0x80)
  if (c >= 0xC2 && c <= 0xDF) {
    if (n >= 2 && TRAIL(s[1])) {
      *cp = ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
      return 2;
    }
  } else if ((c & 0xF0) == 0xE0) {
    if (n >= 3 && TRAIL(s[1]) && TRAIL(s[2])) {
      uint32_t v = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
      if (v >= 0x800 && (v < 0xD800 || v > 0xDFFF)) {
        *cp = v;
        return 3;
      }
    }
  } else if (c >= 0xF0 && c <= 0xF4) {
    if (n >= 4 && TRAIL(s[1]) && TRAIL(s[2]) && TRAIL(s[3])) {
      uint32_t v = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
                   ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
      if (v >= 0x10000 && v <= 0x10FFFF) {
        *cp = v;
        return 4;
      }
    }
  }
#undef TRAIL
  return 0;
}

/* Python's str.isspace() (Unicode 14, Python 3.11). */
static bool is_space(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

/* Length of the whitespace character at s[i..n), 0 when it is not one (the
 * text is valid UTF-8). */
static size_t space_at(const char *s, size_t i, size_t n) {
  uint32_t cp = 0;
  size_t l = utf8_char((const uint8_t *)s + i, n - i, &cp);
  return l && is_space(cp) ? l : 0;
}

static size_t char_len(const char *s, size_t i, size_t n) {
  uint32_t cp;
  size_t l = utf8_char((const uint8_t *)s + i, n - i, &cp);
  return l ? l : 1;
}

/* s with every occurrence of `from` replaced by `to` (Python's str.replace:
 * left to right, non-overlapping); to is never longer than from. In place. */
static size_t replace_all(char *s, size_t n, const char *from, const char *to) {
  size_t fl = strlen(from), tl = strlen(to), o = 0;
  for (size_t i = 0; i < n;) {
    if (n - i >= fl && memcmp(s + i, from, fl) == 0) {
      memcpy(s + o, to, tl);
      o += tl;
      i += fl;
    } else {
      s[o++] = s[i++];
    }
  }
  return o;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* [\{-\~\[-\` -\&\(-\+\:-\@\/] */
static bool rule1_class(char ch) {
  unsigned char c = (unsigned char)ch;
  return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') ||
         (c >= '(' && c <= '+') || (c >= ':' && c <= '@') || c == '/';
}

wick_status wick_bleu_tokenize_13a(const char *line, size_t len, char **out, size_t *out_len,
                                   wick_diag *d) {
  if (out == NULL || out_len == NULL || (line == NULL && len > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "bleu: NULL argument");
  *out = NULL;
  *out_len = 0;
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t l = utf8_char((const uint8_t *)line + i, len - i, &cp);
    if (l == 0)
      return wick_diag_set(d, WICK_ERR_MALFORMED, "not valid UTF-8 (byte %zu: 0x%02x)", i,
                           (unsigned)(unsigned char)line[i]);
    i += l;
  }
  if (len > (SIZE_MAX - 16) / 12)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "bleu: line of %zu bytes is too long", len);
  /* line.strip() */
  size_t b = 0, e = len, l;
  while (b < e && (l = space_at(line, b, e)) > 0) b += l;
  while (e > b) { /* trailing: the last character starts after its continuation bytes */
    size_t last = e - 1;
    while (last > b && ((unsigned char)line[last] & 0xC0) == 0x80) last--;
    if (space_at(line, last, e) == 0) break;
    e = last;
  }
  /* rule 1 can triple the text, rules 2-4 add at most 2 bytes per byte */
  size_t cap = 3 * (e - b) + 3;
  cap = cap * 2 + 16;
  char *x = malloc(cap), *y = malloc(cap);
  if (x == NULL || y == NULL) {
    free(x);
    free(y);
    return wick_diag_set(d, WICK_ERR_MEMORY, "bleu: out of memory");
  }
  size_t n = 0;
  if (e > b) {
    /* f" {line} " after the replacements */
    x[0] = ' ';
    memcpy(x + 1, line + b, e - b);
    n = 1 + replace_all(x + 1, e - b, "<skipped>", "");
    if (memchr(x + 1, '&', n - 1)) {
      n = 1 + replace_all(x + 1, n - 1, "&quot;", "\"");
      n = 1 + replace_all(x + 1, n - 1, "&amp;", "&");
      n = 1 + replace_all(x + 1, n - 1, "&lt;", "<");
      n = 1 + replace_all(x + 1, n - 1, "&gt;", ">");
    }
    x[n++] = ' ';
    /* rule 1: " \1 " */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      if (rule1_class(x[i])) {
        y[m++] = ' ';
        y[m++] = x[i];
        y[m++] = ' ';
      } else {
        y[m++] = x[i];
      }
    }
    /* rule 2: ([^0-9])([\.,]) -> "\1 \2 " */
    n = 0;
    for (size_t i = 0; i < m;) {
      if (i + 1 < m && !is_digit(y[i]) && (y[i + 1] == '.' || y[i + 1] == ',')) {
        x[n++] = y[i];
        x[n++] = ' ';
        x[n++] = y[i + 1];
        x[n++] = ' ';
        i += 2;
      } else {
        x[n++] = y[i++];
      }
    }
    /* rule 3: ([\.,])([^0-9]) -> " \1 \2" */
    m = 0;
    for (size_t i = 0; i < n;) {
      if (i + 1 < n && (x[i] == '.' || x[i] == ',') && !is_digit(x[i + 1])) {
        y[m++] = ' ';
        y[m++] = x[i];
        y[m++] = ' ';
        y[m++] = x[i + 1];
        i += 2;
      } else {
        y[m++] = x[i++];
      }
    }
    /* rule 4: ([0-9])(-) -> "\1 \2 " */
    n = 0;
    for (size_t i = 0; i < m;) {
      if (i + 1 < m && is_digit(y[i]) && y[i + 1] == '-') {
        x[n++] = y[i];
        x[n++] = ' ';
        x[n++] = '-';
        x[n++] = ' ';
        i += 2;
      } else {
        x[n++] = y[i++];
      }
    }
  }
  /* " ".join(line.split()) */
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    size_t sl = space_at(x, i, n);
    if (sl) {
      i += sl;
      continue;
    }
    if (o > 0) y[o++] = ' ';
    while (i < n && space_at(x, i, n) == 0) {
      size_t cl = char_len(x, i, n);
      memcpy(y + o, x + i, cl);
      o += cl;
      i += cl;
    }
  }
  y[o] = '\0';
  free(x);
  *out = y;
  *out_len = o;
  return WICK_OK;
}

/* ---- n-gram statistics ---------------------------------------------------------- */

typedef struct tok {
  const char *p;
  uint32_t n;
  int32_t side; /* 0 hyp, 1 ref */
  uint32_t index;
} tok;

static int cmp_tok(const void *a, const void *b) {
  const tok *x = a, *y = b;
  size_t n = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->p, y->p, n);
  if (c) return c;
  return x->n < y->n ? -1 : x->n > y->n ? 1 : 0;
}

typedef struct gram {
  int32_t id[WICK_BLEU_ORDER];
} gram;

static int cmp_gram(const void *a, const void *b) {
  const gram *x = a, *y = b;
  for (int i = 0; i < WICK_BLEU_ORDER; i++)
    if (x->id[i] != y->id[i]) return x->id[i] < y->id[i] ? -1 : 1;
  return 0;
}

/* Splits a tokenized line (single spaces) into tokens appended to v. */
static size_t split_tokens(const char *s, size_t n, int32_t side, tok *v) {
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && s[j] != ' ') j++;
    v[k] = (tok){s + i, (uint32_t)(j - i), side, (uint32_t)k};
    k++;
    i = j + 1;
  }
  return k;
}

static uint64_t ngrams(const int32_t *ids, size_t len, int order, gram *g) {
  if (len < (size_t)order) return 0;
  size_t cnt = len - (size_t)order + 1;
  for (size_t i = 0; i < cnt; i++) {
    memset(&g[i], 0xFF, sizeof g[i]);
    for (int k = 0; k < order; k++) g[i].id[k] = ids[i + (size_t)k];
  }
  qsort(g, cnt, sizeof *g, cmp_gram);
  return cnt;
}

wick_status wick_bleu_add(wick_bleu_stats *s, const char *hyp, size_t hyp_len, const char *ref,
                          size_t ref_len, wick_diag *d) {
  if (s == NULL) return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "bleu: NULL argument");
  char *th = NULL, *tr = NULL;
  size_t nh = 0, nr = 0;
  wick_status st = wick_bleu_tokenize_13a(hyp, hyp_len, &th, &nh, d);
  if (st) {
    wick_diag_prefix(d, "hypothesis");
    return st;
  }
  st = wick_bleu_tokenize_13a(ref, ref_len, &tr, &nr, d);
  if (st) {
    wick_diag_prefix(d, "reference");
    free(th);
    return st;
  }
  /* at most (n + 1) / 2 tokens per side */
  size_t cap = (nh + 1) / 2 + (nr + 1) / 2 + 2;
  tok *toks = malloc(cap * sizeof *toks);
  int32_t *ids = malloc(cap * sizeof *ids);
  gram *gh = malloc(cap * sizeof *gh), *gr = malloc(cap * sizeof *gr);
  if (!toks || !ids || !gh || !gr) {
    st = wick_diag_set(d, WICK_ERR_MEMORY, "bleu: out of memory");
    goto out;
  }
  size_t kh = split_tokens(th, nh, 0, toks);
  size_t kr = split_tokens(tr, nr, 1, toks + kh);
  /* intern: equal tokens get equal ids; hyp ids first in `ids`, then ref */
  qsort(toks, kh + kr, sizeof *toks, cmp_tok);
  int32_t next = -1;
  for (size_t i = 0; i < kh + kr; i++) {
    if (i == 0 || cmp_tok(&toks[i - 1], &toks[i]) != 0) next++;
    ids[(toks[i].side ? kh : 0) + toks[i].index] = next;
  }
  s->hyp_len += kh;
  s->ref_len += kr;
  s->sentences++;
  for (int order = 1; order <= WICK_BLEU_ORDER; order++) {
    uint64_t ch = ngrams(ids, kh, order, gh), cr = ngrams(ids + kh, kr, order, gr);
    s->total[order - 1] += ch;
    /* clipped matches: sum over distinct n-grams of min(count in hyp, in ref) */
    size_t i = 0, j = 0;
    uint64_t match = 0;
    while (i < ch && j < cr) {
      int c = cmp_gram(&gh[i], &gr[j]);
      if (c < 0) {
        i++;
      } else if (c > 0) {
        j++;
      } else {
        size_t a = i, b = j;
        while (a < ch && cmp_gram(&gh[a], &gh[i]) == 0) a++;
        while (b < cr && cmp_gram(&gr[b], &gr[j]) == 0) b++;
        match += (a - i) < (b - j) ? (a - i) : (b - j);
        i = a;
        j = b;
      }
    }
    s->correct[order - 1] += match;
  }
out:
  free(toks);
  free(ids);
  free(gh);
  free(gr);
  free(th);
  free(tr);
  return st;
}

void wick_bleu_compute(const wick_bleu_stats *s, wick_bleu_score *out) {
  memset(out, 0, sizeof *out);
  double smooth = 1.0;
  for (int n = 0; n < WICK_BLEU_ORDER; n++) {
    if (s->total[n] == 0) break;
    if (s->correct[n] == 0) {
      smooth *= 2;
      out->precisions[n] = 100.0 / (smooth * (double)s->total[n]);
    } else {
      out->precisions[n] = 100.0 * (double)s->correct[n] / (double)s->total[n];
    }
  }
  double c = (double)s->hyp_len, r = (double)s->ref_len;
  if (s->hyp_len == 0) out->bp = 0.0;
  else if (s->hyp_len < s->ref_len) out->bp = exp(1.0 - r / c);
  else out->bp = 1.0;
  double minp = out->precisions[0];
  for (int n = 1; n < WICK_BLEU_ORDER; n++)
    if (out->precisions[n] < minp) minp = out->precisions[n];
  if (minp <= 0.0) {
    out->score = 0.0;
  } else {
    double sum = 0.0;
    for (int n = 0; n < WICK_BLEU_ORDER; n++) sum += log(out->precisions[n]);
    out->score = out->bp * exp(sum / WICK_BLEU_ORDER);
  }
  out->hyp_len = s->hyp_len;
  out->ref_len = s->ref_len;
  out->ratio = c / (s->ref_len > 1 ? r : 1.0);
}

int wick_bleu_format(const wick_bleu_score *s, char *buf, size_t size) {
  return snprintf(buf, size,
                  "BLEU = %.2f %.1f/%.1f/%.1f/%.1f (BP = %.3f ratio = %.3f hyp_len = %llu "
                  "ref_len = %llu)",
                  s->score, s->precisions[0], s->precisions[1], s->precisions[2],
                  s->precisions[3], s->bp, s->ratio, (unsigned long long)s->hyp_len,
                  (unsigned long long)s->ref_len);
}
