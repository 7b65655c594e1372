/* wick translate: German -> English with the committed (or any exported)
 * encoder-decoder model; per-sentence latency, --bench statistics, --demo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "wick/translate.h"
#include "wick/util.h"

static const char kUsage[] =
    "wick translate [--model DIR] [--beam K] [--alpha A] [--threads N] [--input FILE] "
    "[--bench] [--quiet] [--demo]";

static void help(void) {
  printf("usage: %s\n"
         "\n"
         "Translates German lines into English, one output line per input line, with\n"
         "an encoder-decoder transformer exported to ExecuTorch programs (see\n"
         "docs/TRANSLATION.md). Reads --input FILE, else standard input (with a\n"
         "prompt when it is a terminal). Each sentence's latency goes to stderr.\n"
         "\n"
         "  --model DIR    directory with encoder.pte, decoder.pte and spm.model\n"
         "                 (default: $WICK_TRANSLATE_MODEL, else the embedded model\n"
         "                 models/de-en of the source tree or the installed copy)\n"
         "  --beam K       beam width (default 4; 1 = greedy; at most the decoder's batch)\n"
         "  --alpha A      length penalty exponent (default 1.5)\n"
         "  --threads N    kernel threads (default 1; 0 = one per core)\n"
         "  --input FILE   German text, one sentence per line\n"
         "  --bench        after translating, print median / p90 / mean latency,\n"
         "                 sentences/s and tokens/s to stderr (first sentence excluded\n"
         "                 as warm-up when there are more than 1)\n"
         "  --quiet        no per-sentence latency lines\n"
         "  --demo         translate a few built-in sentences first, then read lines\n"
         "                 when standard input is a terminal\n"
         "\n"
         "Empty lines give empty lines; invalid UTF-8 becomes U+FFFD; a source longer\n"
         "than the encoder takes is truncated with a warning. Exit status 0 on\n"
         "success, 1 on failure.\n",
         kUsage);
}

static const char *const kDemo[] = {
    "Ein Mann fährt mit dem Fahrrad durch die Stadt.",
    "Zwei Hunde spielen im Schnee.",
    "Eine Frau in einem roten Kleid singt auf der Bühne.",
    "Kinder spielen am Strand mit einem Ball.",
    "Ein kleiner Junge springt in einen See.",
};

static const char *default_model_dir(void) {
  const char *env = getenv("WICK_TRANSLATE_MODEL");
  if (env && env[0]) return env;
#ifdef WICK_SOURCE_MODEL_DIR
  if (access(WICK_SOURCE_MODEL_DIR "/decoder.pte", R_OK) == 0) return WICK_SOURCE_MODEL_DIR;
#endif
#ifdef WICK_INSTALLED_MODEL_DIR
  if (access(WICK_INSTALLED_MODEL_DIR "/decoder.pte", R_OK) == 0) return WICK_INSTALLED_MODEL_DIR;
#endif
  return "models/de-en";
}

typedef struct stats {
  double *ms;
  size_t n, cap;
  uint64_t out_tokens, src_tokens;
  double total_ms;
} stats;

static int stats_add(stats *st, double ms, const wick_translate_result *r) {
  if (st->n == st->cap) {
    size_t nc = st->cap ? st->cap * 2 : 256;
    double *p = realloc(st->ms, nc * sizeof *p);
    if (p == NULL) return -1;
    st->ms = p;
    st->cap = nc;
  }
  st->ms[st->n++] = ms;
  st->out_tokens += r->out_tokens;
  st->src_tokens += r->src_tokens;
  st->total_ms += ms;
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Translates one line (without its newline) and prints it. */
static int do_line(wick_translator *tr, const char *line, size_t len, unsigned long lineno,
                   bool quiet, stats *st, char *out, size_t cap) {
  wick_translate_result r;
  wick_diag d = {0};
  uint64_t t0 = wick_now_ns();
  wick_status s = wick_translate(tr, line, len, out, cap, &r, &d);
  double ms = (double)(wick_now_ns() - t0) / 1e6;
  if (s) return cli_error("translate: line %lu: %s", lineno, d.msg);
  printf("%s\n", out);
  fflush(stdout);
  if (r.truncated)
    fprintf(stderr, "wick: warning: line %lu is longer than the model's source length; "
                    "translated its beginning only\n", lineno);
  if (!quiet)
    fprintf(stderr, "wick: %.2f ms (encode %.2f ms, %u decoder steps; %u -> %u tokens)\n", ms,
            (double)r.encode_ns / 1e6, r.steps, r.src_tokens, r.out_tokens);
  if (st && stats_add(st, ms, &r)) return cli_error("translate: out of memory");
  return 0;
}

/* Reads lines of any length from f; returns 0 at EOF, 1 with a line, -1 on error. */
static int read_line(FILE *f, char **buf, size_t *cap, size_t *len) {
  ssize_t n = getline(buf, cap, f);
  if (n < 0) return ferror(f) ? -1 : 0;
  while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r')) n--;
  (*buf)[n] = '\0';
  *len = (size_t)n;
  return 1;
}

int cmd_translate(int argc, char **argv) {
  const char *model = NULL, *input = NULL, *v = NULL;
  wick_translate_options o = wick_translate_defaults();
  bool bench = false, quiet = false, demo = false;
  for (int i = 1; i < argc; i++) {
    int r;
    if (cli_is_help(argv[i])) {
      help();
      return 0;
    } else if ((r = cli_option(argc, argv, &i, "--model", &model, "translate"))) {
      if (r < 0) return CLI_FAIL;
    } else if ((r = cli_option(argc, argv, &i, "--input", &input, "translate"))) {
      if (r < 0) return CLI_FAIL;
    } else if ((r = cli_option(argc, argv, &i, "--beam", &v, "translate"))) {
      uint64_t k;
      if (r < 0) return CLI_FAIL;
      if (!cli_parse_u64(v, &k) || k < 1 || k > 64)
        return cli_usage_error("translate", kUsage, "--beam wants 1..64, got '%s'", v);
      o.beam = (int)k;
    } else if ((r = cli_option(argc, argv, &i, "--alpha", &v, "translate"))) {
      if (r < 0) return CLI_FAIL;
      if (!cli_parse_double(v, &o.alpha) || !(o.alpha >= 0 && o.alpha <= 10))
        return cli_usage_error("translate", kUsage, "--alpha wants 0..10, got '%s'", v);
    } else if ((r = cli_option(argc, argv, &i, "--threads", &v, "translate"))) {
      uint64_t t;
      if (r < 0) return CLI_FAIL;
      if (!cli_parse_u64(v, &t) || t > 1024)
        return cli_usage_error("translate", kUsage, "--threads wants 0..1024, got '%s'", v);
      o.threads = (int)t;
    } else if (strcmp(argv[i], "--bench") == 0) {
      bench = true;
    } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
      quiet = true;
    } else if (strcmp(argv[i], "--demo") == 0) {
      demo = true;
    } else {
      return cli_usage_error("translate", kUsage, "unexpected argument '%s'", argv[i]);
    }
  }
  if (model == NULL) model = default_model_dir();
  FILE *in = stdin;
  if (input) {
    in = fopen(input, "rb");
    if (in == NULL) return cli_error("translate: cannot open %s", input);
  }
  wick_translator *tr = NULL;
  wick_diag d = {0};
  uint64_t t0 = wick_now_ns();
  if (wick_translator_open(&tr, model, &o, &d)) {
    if (in != stdin) fclose(in);
    return cli_error("translate: %s%s", d.msg,
                     access(model, R_OK) != 0 ? " (no such model directory; see --help)" : "");
  }
  double load_ms = (double)(wick_now_ns() - t0) / 1e6;
  wick_translator_info info;
  wick_translator_info_get(tr, &info);
  if (!quiet)
    fprintf(stderr,
            "wick: model %s: %.1f MB of programs loaded in %.1f ms, %.2f MB of arenas; %d "
            "layers, vocab %d, source <= %d tokens, beam %d, %d thread(s)\n",
            model, (double)info.program_bytes / 1e6, load_ms, (double)info.arena_bytes / 1e6,
            (int)info.layers,
            (int)info.vocab_size, (int)info.max_src_len - 1, o.beam, o.threads);
  size_t cap = 64 * 1024;
  char *out = malloc(cap);
  stats st = {0};
  int rc = 0;
  unsigned long lineno = 0;
  if (out == NULL) rc = cli_error("translate: out of memory");
  if (!rc && demo) {
    for (size_t i = 0; i < sizeof kDemo / sizeof kDemo[0] && !rc; i++) {
      printf("de: %s\nen: ", kDemo[i]);
      rc = do_line(tr, kDemo[i], strlen(kDemo[i]), i + 1, quiet, NULL, out, cap);
    }
  }
  bool interactive = input == NULL && isatty(STDIN_FILENO);
  bool read_input = !demo || interactive;
  char *line = NULL;
  size_t lcap = 0, len = 0;
  if (!rc && read_input) {
    if (interactive)
      fprintf(stderr, "wick: type German sentences, one per line (Ctrl-D ends)\n");
    for (;;) {
      if (interactive) {
        fprintf(stderr, "de> ");
        fflush(stderr);
      }
      int got = read_line(in, &line, &lcap, &len);
      if (got < 0) {
        rc = cli_error("translate: cannot read %s", input ? input : "standard input");
        break;
      }
      if (got == 0) break;
      lineno++;
      if ((rc = do_line(tr, line, len, lineno, quiet || bench, bench ? &st : NULL, out, cap)))
        break;
    }
  }
  if (!rc && bench) {
    if (st.n == 0) {
      fprintf(stderr, "wick: --bench: no sentences were translated\n");
    } else {
      size_t skip = st.n > 1 ? 1 : 0; /* warm-up */
      size_t n = st.n - skip;
      double total = 0;
      uint64_t toks = 0;
      for (size_t i = skip; i < st.n; i++) total += st.ms[i];
      toks = st.out_tokens;
      qsort(st.ms + skip, n, sizeof(double), cmp_double);
      double med = n % 2 ? st.ms[skip + n / 2] : 0.5 * (st.ms[skip + n / 2 - 1] + st.ms[skip + n / 2]);
      size_t i90 = (size_t)(0.9 * (double)(n - 1) + 0.5);
      fprintf(stderr,
              "wick: %zu sentences (%zu timed), beam %d, %d thread(s): median %.2f ms, p90 %.2f "
              "ms, mean %.2f ms, %.1f sentences/s, %.0f output tokens/s; peak RSS %ld KiB\n",
              st.n, n, o.beam, o.threads, med, st.ms[skip + i90], total / (double)n,
              1000.0 * (double)n / total, 1000.0 * (double)toks / st.total_ms, wick_peak_rss_kb());
    }
  }
  free(line);
  free(out);
  free(st.ms);
  wick_translator_close(tr);
  if (in != stdin) fclose(in);
  return rc;
}
