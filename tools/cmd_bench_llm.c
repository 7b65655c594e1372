/* wick bench-llm: prefill and decode throughput of an LLM program, without a
 * tokenizer (synthetic token ids, greedy decoding that ignores EOS). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "wick/llm.h"

/* tools/cmd_generate.c */
int cli_llm_open(wick_llm *llm, const char *path, void **owned);

static const char kUsage[] =
    "wick bench-llm MODEL.pte [-p PROMPT_TOKENS] [-n NEW_TOKENS] [--runs R] [--json]";

static void help(void) {
  printf("usage: %s\n"
         "\n"
         "Times text generation without a tokenizer: a prompt of P synthetic token\n"
         "ids (BOS, then a fixed pseudo-random sequence) goes through one prefill\n"
         "(chunked by the program's max prefill length), then N tokens are decoded\n"
         "greedily one at a time (EOS ignored). P + N must fit the context. The\n"
         "median of R runs (after one warm-up run) is reported.\n"
         "\n"
         "  MODEL          a .pte from `wick convert CKPT.bin`, or a llama2.c checkpoint\n"
         "  -p P           prompt tokens (default 128)\n"
         "  -n N           decoded tokens (default 128)\n"
         "  --runs R       timed runs (default 5)\n"
         "  --json         print one JSON object on stdout: prompt_tokens new_tokens\n"
         "                 runs prefill_tok_s decode_tok_s ttft_ms prefill_ms decode_ms\n"
         "                 peak_rss_kb model\n"
         "\n"
         "Exit status 0 on success, 1 on any failure (one line on stderr).\n",
         kUsage);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c < 0x20) fprintf(out, "\\u%04x", c);
    else fputc(c, out);
  }
  fputc('"', out);
}

int cmd_bench_llm(int argc, char **argv) {
  const char *model = NULL;
  uint64_t p = 128, n = 128, runs = 5;
  bool json = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val = NULL;
    int r;
    if (cli_is_help(a)) {
      help();
      return 0;
    }
    if ((r = cli_option(argc, argv, &i, "-p", &val, "bench-llm")) != 0) {
      if (r < 0) return CLI_FAIL;
      if (!cli_parse_u64(val, &p) || p < 1 || p > INT32_MAX)
        return cli_usage_error("bench-llm", kUsage, "-p wants a token count >= 1, got '%s'", val);
    } else if ((r = cli_option(argc, argv, &i, "-n", &val, "bench-llm")) != 0) {
      if (r < 0) return CLI_FAIL;
      if (!cli_parse_u64(val, &n) || n < 1 || n > INT32_MAX)
        return cli_usage_error("bench-llm", kUsage, "-n wants a token count >= 1, got '%s'", val);
    } else if ((r = cli_option(argc, argv, &i, "--runs", &val, "bench-llm")) != 0) {
      if (r < 0) return CLI_FAIL;
      if (!cli_parse_u64(val, &runs) || runs < 1 || runs > 10000)
        return cli_usage_error("bench-llm", kUsage, "--runs wants 1..10000, got '%s'", val);
    } else if (strcmp(a, "--json") == 0) {
      json = true;
    } else if (a[0] == '-') {
      return cli_usage_error("bench-llm", kUsage, "unknown option '%s'", a);
    } else if (model == NULL) {
      model = a;
    } else {
      return cli_usage_error("bench-llm", kUsage, "unexpected argument '%s'", a);
    }
  }
  if (model == NULL) return cli_usage_error("bench-llm", kUsage, "no model given");

  wick_diag d;
  wick_diag_clear(&d);
  wick_llm llm;
  void *owned = NULL;
  if (cli_llm_open(&llm, model, &owned)) return CLI_FAIL;
  int rc = CLI_FAIL;
  wick_sampler s;
  memset(&s, 0, sizeof s);
  int32_t *prompt = NULL;
  double *pre = NULL, *dec = NULL, *ttft = NULL, *pre_ms = NULL, *dec_ms = NULL;
  /* the last decoded token is sampled but never fed: p + n - 1 positions */
  if (p + n - 1 > (uint64_t)llm.max_seq_len) {
    cli_error("bench-llm: -p %llu + -n %llu exceeds the context of %lld tokens",
              (unsigned long long)p, (unsigned long long)n, (long long)llm.max_seq_len);
    goto done;
  }
  prompt = malloc((size_t)p * sizeof *prompt);
  pre = calloc((size_t)runs, sizeof *pre);
  dec = calloc((size_t)runs, sizeof *dec);
  ttft = calloc((size_t)runs, sizeof *ttft);
  pre_ms = calloc((size_t)runs, sizeof *pre_ms);
  dec_ms = calloc((size_t)runs, sizeof *dec_ms);
  if (!prompt || !pre || !dec || !ttft || !pre_ms || !dec_ms) {
    cli_error("out of memory");
    goto done;
  }
  uint32_t st = 12345;
  prompt[0] = (int32_t)llm.bos_id;
  for (uint64_t i = 1; i < p; i++) {
    st = st * 1103515245u + 12345u;
    int32_t t = (int32_t)((st >> 8) % (uint32_t)llm.vocab_size);
    if (llm.vocab_size > 3 && t < 3) t += 3; /* avoid the special ids */
    prompt[i] = t;
  }
  if (wick_sampler_init(&s, (int32_t)llm.vocab_size, 0.0f, 0.0f, 1, &d) != WICK_OK) {
    cli_error("%s", d.msg);
    goto done;
  }
  wick_generate_options o = {.max_new_tokens = (int32_t)n, .ignore_eos = true};
  for (uint64_t r = 0; r <= runs; r++) {
    wick_generate_stats gs;
    if (wick_llm_generate_tokens(&llm, &s, prompt, (size_t)p, &o, NULL, 0, &gs, &d) != WICK_OK) {
      cli_error("%s: %s", model, d.msg);
      goto done;
    }
    if (r == 0) continue; /* warm-up */
    pre[r - 1] = gs.prefill_tok_s;
    dec[r - 1] = gs.decode_tok_s;
    ttft[r - 1] = (double)gs.ttft_ns / 1e6;
    pre_ms[r - 1] = (double)gs.prefill_ns / 1e6;
    dec_ms[r - 1] = (double)gs.decode_ns / 1e6;
  }
  double mp = median(pre, runs), md = median(dec, runs), mt = median(ttft, runs);
  double mpm = median(pre_ms, runs), mdm = median(dec_ms, runs);
  long rss = wick_peak_rss_kb();
  if (json) {
    printf("{\"model\": ");
    json_string(stdout, model);
    printf(", \"prompt_tokens\": %llu, \"new_tokens\": %llu, \"runs\": %llu, "
           "\"prefill_tok_s\": %.3f, \"decode_tok_s\": %.3f, \"ttft_ms\": %.4f, "
           "\"prefill_ms\": %.4f, \"decode_ms\": %.4f, \"peak_rss_kb\": %ld}\n",
           (unsigned long long)p, (unsigned long long)n, (unsigned long long)runs, mp, md, mt, mpm,
           mdm, rss);
  } else {
    printf("model          %s\n", model);
    printf("context        %lld tokens (vocab %lld, max prefill %lld)\n",
           (long long)llm.max_seq_len, (long long)llm.vocab_size, (long long)llm.max_prefill);
    printf("prefill        %llu tokens: %.3f ms, %.1f tok/s (median of %llu)\n",
           (unsigned long long)p, mpm, mp, (unsigned long long)runs);
    printf("decode         %llu tokens: %.3f ms, %.1f tok/s\n", (unsigned long long)n - 1, mdm,
           md);
    printf("first token    %.3f ms\n", mt);
    printf("peak RSS       %ld KiB\n", rss);
  }
  rc = 0;
done:
  free(prompt);
  free(pre);
  free(dec);
  free(ttft);
  free(pre_ms);
  free(dec_ms);
  wick_sampler_free(&s);
  wick_llm_close(&llm);
  free(owned);
  return rc;
}
