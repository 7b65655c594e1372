/* wick generate: text generation with an LLM program (wick_llm_convert_llama2c
 * / wick_llm_convert_gguf output, or a llama2.c checkpoint or GGUF model
 * converted on the fly). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "compiler/pte_writer.h"
#include "wick/llm.h"

static const char kUsage[] =
    "wick generate MODEL.pte|MODEL.bin|MODEL.gguf [--tokenizer TOK.bin|MODEL.gguf] [--prompt TEXT] [-n N] [--temperature T] "
    "[--top-p P] [--seed S] [--json]";

static void help(void) {
  printf("usage: %s\n"
         "\n"
         "Generates text: encodes the prompt (BOS first, llama2.c's tokenizer), runs\n"
         "the prompt through the model in one prefill, then samples one token at a\n"
         "time, streaming the text to stdout (the prompt is echoed first). Stops\n"
         "after N tokens, at EOS/BOS, or when the context is full.\n"
         "\n"
         "  MODEL                 a .pte from `wick convert`, or a llama2.c checkpoint\n"
         "                        or GGUF llama model (converted in memory)\n"
         "  --tokenizer FILE      llama2.c tokenizer.bin, or a GGUF file whose\n"
         "                        tokenizer.ggml.* metadata is used (required unless\n"
         "                        MODEL is a GGUF file, whose tokenizer is the default)\n"
         "  --prompt TEXT         prompt (default: empty, i.e. BOS only)\n"
         "  -n N                  new tokens at most (default 256; 0: until the\n"
         "                        context is full)\n"
         "  --temperature T       0 = greedy (default 1.0)\n"
         "  --top-p P             nucleus sampling threshold (default 0.9; 0 or 1: off)\n"
         "  --seed S              random seed (default: the time)\n"
         "  --json                end stderr with one JSON line: prompt_tokens\n"
         "                        generated_tokens prefill_tok_s decode_tok_s ttft_ms\n"
         "                        peak_rss_kb stop\n"
         "\n"
         "Statistics go to stderr: prefill and decode tokens/s, time to first token,\n"
         "peak RSS. Exit status 0 on success, 1 on any failure (one line on stderr).\n",
         kUsage);
}

static void print_text(void *user, const char *s, size_t n) {
  (void)user;
  fwrite(s, 1, n, stdout);
  fflush(stdout);
}

static const char *stop_name(wick_stop_reason r) {
  switch (r) {
    case WICK_STOP_EOS: return "eos";
    case WICK_STOP_BOS: return "bos";
    case WICK_STOP_CONTEXT: return "context";
    default: return "length";
  }
}

/* Opens MODEL: a .pte, or a llama2.c checkpoint converted in memory (*owned
 * is then the image to free after closing). */
int cli_llm_open(wick_llm *llm, const char *path, void **owned);
int cli_convert_llama2c(const char *model, const char *out, int32_t max_prefill,
                        int32_t quantize);

int cli_llm_open(wick_llm *llm, const char *path, void **owned) {
  wick_diag d;
  wick_diag_clear(&d);
  *owned = NULL;
  bool gguf = wick_llm_is_gguf(path);
  if (gguf || wick_llm_is_llama2c_checkpoint(path)) {
    uint8_t *pte = NULL;
    size_t n = 0;
    wick_status s = gguf ? wick_llm_convert_gguf(path, NULL, &pte, &n, NULL, &d)
                         : wick_llm_convert_llama2c(path, NULL, &pte, &n, &d);
    if (s != WICK_OK) return cli_error("%s", d.msg);
    void *img = NULL;
    if (posix_memalign(&img, 64, n) != 0) {
      free(pte);
      return cli_error("out of memory");
    }
    memcpy(img, pte, n);
    free(pte);
    if (wick_llm_load(llm, img, n, &d) != WICK_OK) {
      free(img);
      return cli_error("%s: %s", path, d.msg);
    }
    *owned = img;
    return 0;
  }
  if (wick_llm_open(llm, path, &d) != WICK_OK) return cli_error("%s", d.msg);
  return 0;
}

int cmd_generate(int argc, char **argv) {
  const char *model = NULL, *tok_path = NULL, *prompt = "";
  uint64_t n_new = 256, seed = 0;
  double temperature = 1.0, topp = 0.9;
  bool json = false, seed_given = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val = NULL;
    int r;
    if (cli_is_help(a)) {
      help();
      return 0;
    }
    if ((r = cli_option(argc, argv, &i, "--tokenizer", &val, "generate")) != 0) {
      if (r < 0) return CLI_FAIL;
      tok_path = val;
    } else if ((r = cli_option(argc, argv, &i, "--prompt", &val, "generate")) != 0) {
      if (r < 0) return CLI_FAIL;
      prompt = val;
    } else if ((r = cli_option(argc, argv, &i, "-n", &val, "generate")) != 0) {
      if (r < 0) return CLI_FAIL;
      if (!cli_parse_u64(val, &n_new) || n_new > INT32_MAX)
        return cli_usage_error("generate", kUsage, "-n wants a token count, got '%s'", val);
    } else if ((r = cli_option(argc, argv, &i, "--temperature", &val, "generate")) != 0) {
      if (r < 0) return CLI_FAIL;
      if (!cli_parse_double(val, &temperature) || !(temperature >= 0))
        return cli_usage_error("generate", kUsage, "--temperature wants a value >= 0, got '%s'",
                               val);
    } else if ((r = cli_option(argc, argv, &i, "--top-p", &val, "generate")) != 0) {
      if (r < 0) return CLI_FAIL;
      if (!cli_parse_double(val, &topp) || !(topp >= 0 && topp <= 1))
        return cli_usage_error("generate", kUsage, "--top-p wants a value in [0, 1], got '%s'",
                               val);
    } else if ((r = cli_option(argc, argv, &i, "--seed", &val, "generate")) != 0) {
      if (r < 0) return CLI_FAIL;
      if (!cli_parse_u64(val, &seed))
        return cli_usage_error("generate", kUsage, "--seed wants an integer, got '%s'", val);
      seed_given = true;
    } else if (strcmp(a, "--json") == 0) {
      json = true;
    } else if (a[0] == '-') {
      return cli_usage_error("generate", kUsage, "unknown option '%s'", a);
    } else if (model == NULL) {
      model = a;
    } else {
      return cli_usage_error("generate", kUsage, "unexpected argument '%s'", a);
    }
  }
  if (model == NULL) return cli_usage_error("generate", kUsage, "no model given");
  if (tok_path == NULL && wick_llm_is_gguf(model)) tok_path = model;
  if (tok_path == NULL)
    return cli_usage_error("generate", kUsage, "no tokenizer given (--tokenizer FILE)");
  if (!seed_given) seed = (uint64_t)time(NULL);

  wick_diag d;
  wick_diag_clear(&d);
  wick_llm llm;
  void *owned = NULL;
  if (cli_llm_open(&llm, model, &owned)) return CLI_FAIL;
  int rc = CLI_FAIL;
  wick_tokenizer tok;
  wick_sampler s;
  memset(&tok, 0, sizeof tok);
  memset(&s, 0, sizeof s);
  if (wick_tokenizer_load_any_file(&tok, tok_path, (int32_t)llm.vocab_size, &d) != WICK_OK) {
    cli_error("%s", d.msg);
    goto done;
  }
  if (wick_sampler_init(&s, (int32_t)llm.vocab_size, (float)temperature, (float)topp, seed, &d) !=
      WICK_OK) {
    cli_error("%s", d.msg);
    goto done;
  }
  wick_generate_options o = {.max_new_tokens = (int32_t)n_new,
                             .echo_prompt = true,
                             .on_text = print_text};
  wick_generate_stats st;
  if (wick_llm_generate(&llm, &tok, &s, prompt, &o, &st, &d) != WICK_OK) {
    printf("\n");
    cli_error("%s: %s", model, d.msg);
    goto done;
  }
  printf("\n");
  fflush(stdout);
  long rss = wick_peak_rss_kb();
  double ttft_ms = (double)st.ttft_ns / 1e6;
  fprintf(stderr,
          "wick: prefill %zu tokens in %.3f ms (%.1f tok/s); decode %zu tokens in %.3f ms "
          "(%.1f tok/s); time to first token %.3f ms; peak RSS %ld KiB; stop: %s\n",
          st.prompt_tokens, (double)st.prefill_ns / 1e6, st.prefill_tok_s,
          st.generated_tokens > 0 ? st.generated_tokens - 1 : 0, (double)st.decode_ns / 1e6,
          st.decode_tok_s, ttft_ms, rss, stop_name(st.stop));
  if (json)
    fprintf(stderr,
            "{\"prompt_tokens\": %zu, \"generated_tokens\": %zu, \"prefill_tok_s\": %.3f, "
            "\"decode_tok_s\": %.3f, \"ttft_ms\": %.4f, \"peak_rss_kb\": %ld, \"stop\": \"%s\"}\n",
            st.prompt_tokens, st.generated_tokens, st.prefill_tok_s, st.decode_tok_s, ttft_ms, rss,
            stop_name(st.stop));
  rc = 0;
done:
  wick_sampler_free(&s);
  wick_tokenizer_free(&tok);
  wick_llm_close(&llm);
  free(owned);
  return rc;
}

/* `wick convert CKPT.bin -o OUT.pte` for llama2.c checkpoints (called by
 * cmd_convert when wick_llm_is_llama2c_checkpoint(model)). max_prefill 0:
 * the default bound; quantize a wick_llm_quant. Prints one line on success,
 * an error otherwise. */
int cli_convert_llama2c(const char *model, const char *out, int32_t max_prefill,
                        int32_t quantize) {
  wick_diag d;
  wick_diag_clear(&d);
  wick_llm_convert_options o = {.max_prefill = max_prefill, .quantize = quantize};
  wick_llama2c_config c;
  uint8_t *pte = NULL;
  size_t n = 0;
  if (wick_llm_convert_llama2c(model, &o, &pte, &n, &d) != WICK_OK) return cli_error("%s", d.msg);
  int rc = 0;
  wick_file f;
  if (wick_write_file(out, pte, n, &d) != WICK_OK) {
    rc = cli_error("%s: %s", out, d.msg);
  } else if (wick_file_open(&f, model, &d) == WICK_OK) {
    if (wick_llama2c_parse_header(f.data, f.size, &c, &d) == WICK_OK)
      fprintf(stderr,
              "wick: wrote %s (%zu bytes, %s weights): llama2.c checkpoint dim %d, hidden %d, "
              "%d layers, %d heads (%d kv), vocab %d, context %d (%s classifier)\n",
              out, n, quantize == WICK_LLM_QUANT_Q8 ? "int8" : "float32", (int)c.dim, (int)c.hidden_dim, (int)c.n_layers, (int)c.n_heads,
              (int)c.n_kv_heads, (int)c.vocab_size, (int)c.seq_len,
              c.shared_classifier ? "shared" : "separate");
    wick_file_close(&f);
  }
  free(pte);
  return rc;
}

/* `wick convert MODEL.gguf -o OUT.pte` (called by cmd_convert when the
 * file has the GGUF magic). */
int cli_convert_gguf(const char *model, const char *out, int32_t max_prefill,
                     int32_t quantize) {
  wick_diag d;
  wick_diag_clear(&d);
  wick_llm_convert_options o = {.max_prefill = max_prefill, .quantize = quantize};
  wick_gguf_model_info mi;
  uint8_t *pte = NULL;
  size_t n = 0;
  if (wick_llm_convert_gguf(model, &o, &pte, &n, &mi, &d) != WICK_OK)
    return cli_error("%s", d.msg);
  int rc = 0;
  if (wick_write_file(out, pte, n, &d) != WICK_OK) {
    rc = cli_error("%s: %s", out, d.msg);
  } else {
    static const char *const names[] = {"F32", "F16", "Q4_0", "Q4_1", NULL, NULL, "Q5_0", "Q5_1",
                                        "Q8_0"};
    char types[160] = "";
    size_t tl = 0;
    for (int t = 0; t < 32; t++) {
      if (mi.tensor_types[t] == 0) continue;
      const char *nm = t < 9 && names[t] ? names[t] : t == 30 ? "BF16" : NULL;
      char other[16];
      if (nm == NULL) {
        snprintf(other, sizeof other, "type%d", t);
        nm = other;
      }
      int w = snprintf(types + tl, sizeof types - tl, "%s%u %s", tl ? ", " : "",
                       (unsigned)mi.tensor_types[t], nm);
      if (w < 0 || (size_t)w >= sizeof types - tl) break;
      tl += (size_t)w;
    }
    const wick_llama2c_config *c = &mi.cfg;
    fprintf(stderr,
            "wick: wrote %s (%zu bytes, %s weights): GGUF v%u llama dim %d, hidden %d, %d "
            "layers, %d heads (%d kv), vocab %d, context %d (%s classifier), rope theta %g, "
            "eps %g; tensors: %s\n",
            out, n, quantize == WICK_LLM_QUANT_Q8 ? "int8" : "float32", (unsigned)mi.version, (int)c->dim, (int)c->hidden_dim, (int)c->n_layers,
            (int)c->n_heads, (int)c->n_kv_heads, (int)c->vocab_size, (int)c->seq_len,
            c->shared_classifier ? "tied" : "separate", mi.rope_theta, mi.norm_eps, types);
  }
  free(pte);
  return rc;
}
