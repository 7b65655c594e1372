/* wick bleu: corpus BLEU of a hypothesis file against a reference file,
 * identical to sacreBLEU's default (src/util/bleu.c). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "wick/bleu.h"

static const char kUsage[] = "wick bleu HYP.txt REF.txt";

static void help(void) {
  printf("usage: %s\n"
         "\n"
         "Scores a detokenized hypothesis file against a reference file, one\n"
         "sentence per line (UTF-8; line i of HYP is the translation of the\n"
         "sentence whose reference is line i of REF), with corpus BLEU exactly as\n"
         "sacreBLEU computes it by default (signature\n"
         "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp):\n"
         "  - 13a tokenization (mteval-v13a: punctuation and symbols split off,\n"
         "    '.' and ',' split unless between digits, '-' split after a digit),\n"
         "  - case-sensitive 1..4-gram precisions with counts clipped by the\n"
         "    reference and summed over the corpus,\n"
         "  - 'exp' smoothing when an order has no match at all,\n"
         "  - brevity penalty exp(1 - ref_len / hyp_len) when the hypothesis is\n"
         "    shorter.\n"
         "Lines end at \\n, \\r\\n or \\r (like Python's text files).\n"
         "\n"
         "Prints sacreBLEU's line, e.g.\n"
         "  BLEU = 34.12 65.1/41.2/28.0/19.5 (BP = 0.987 ratio = 0.987 hyp_len = 9876 ref_len = 10006)\n"
         "(score, 1- to 4-gram precisions in percent, brevity penalty, length ratio,\n"
         "token counts).\n"
         "\n"
         "Exit status 0 on success; 1 when a file cannot be read, is not UTF-8,\n"
         "or the two files have different numbers of lines.\n",
         kUsage);
}

typedef struct lines {
  const char *data;
  size_t size, count;
} lines;

/* Python's universal newlines: "\n", "\r\n" and "\r" end a line; a last line
 * without an ending still counts. Returns the line count. */
static size_t count_lines(const char *p, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '\n' || p[i] == '\r') {
      if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') i++;
      c++;
    }
  }
  if (n > 0 && p[n - 1] != '\n' && p[n - 1] != '\r') c++;
  return c;
}

/* The next line at *pos: start and length; advances *pos past its ending. */
static void next_line(const char *p, size_t n, size_t *pos, const char **s, size_t *len) {
  size_t i = *pos;
  while (i < n && p[i] != '\n' && p[i] != '\r') i++;
  *s = p + *pos;
  *len = i - *pos;
  if (i < n && p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') i++;
  *pos = i < n ? i + 1 : n;
}

int cmd_bleu(int argc, char **argv) {
  const char *paths[2] = {NULL, NULL};
  int np = 0;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) {
      help();
      return 0;
    }
    if (argv[i][0] == '-' && argv[i][1] != '\0')
      return cli_usage_error("bleu", kUsage, "unknown option '%s'", argv[i]);
    if (np == 2) return cli_usage_error("bleu", kUsage, "unexpected argument '%s'", argv[i]);
    paths[np++] = argv[i];
  }
  if (np < 2)
    return cli_usage_error("bleu", kUsage, "%s", np ? "missing REF.txt" : "missing HYP.txt and REF.txt");
  wick_file f[2];
  wick_diag d;
  wick_diag_clear(&d);
  if (wick_file_open(&f[0], paths[0], &d) != WICK_OK) return cli_error("bleu: %s", d.msg);
  if (wick_file_open(&f[1], paths[1], &d) != WICK_OK) {
    wick_file_close(&f[0]);
    return cli_error("bleu: %s", d.msg);
  }
  int rc = 0;
  const char *h = f[0].data, *r = f[1].data;
  size_t hn = count_lines(h, f[0].size), rn = count_lines(r, f[1].size);
  if (hn != rn) {
    rc = cli_error("bleu: %s has %zu line%s but %s has %zu", paths[0], hn, hn == 1 ? "" : "s",
                   paths[1], rn);
  } else {
    wick_bleu_stats st;
    memset(&st, 0, sizeof st);
    size_t hp = 0, rp = 0;
    for (size_t i = 0; i < hn; i++) {
      const char *hs, *rs;
      size_t hl, rl;
      next_line(h, f[0].size, &hp, &hs, &hl);
      next_line(r, f[1].size, &rp, &rs, &rl);
      wick_diag_clear(&d);
      if (wick_bleu_add(&st, hs, hl, rs, rl, &d) != WICK_OK) {
        /* "hypothesis: not valid UTF-8 (byte 3: 0xff)" -> name the file and line */
        bool is_ref = strncmp(d.msg, "reference", 9) == 0;
        const char *why = strchr(d.msg, ':');
        rc = cli_error("bleu: %s: line %zu: %s", paths[is_ref ? 1 : 0], i + 1,
                       why ? why + 2 : d.msg);
        break;
      }
    }
    if (rc == 0) {
      wick_bleu_score s;
      wick_bleu_compute(&st, &s);
      char line[256];
      wick_bleu_format(&s, line, sizeof line);
      printf("%s\n", line);
    }
  }
  wick_file_close(&f[0]);
  wick_file_close(&f[1]);
  return rc;
}
