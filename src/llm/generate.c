/* The generation loop: prefill the prompt in one forward (chunked by
 * max_prefill), then sample and feed one token at a time. */
#include <stdlib.h>
#include <string.h>

#include "wick/llm.h"

wick_status wick_llm_generate_tokens(wick_llm *m, wick_sampler *s, const int32_t *prompt,
                                     size_t n_prompt, const wick_generate_options *o,
                                     int32_t *out, size_t cap, wick_generate_stats *st,
                                     wick_diag *d) {
  wick_generate_stats local;
  if (st == NULL) st = &local;
  memset(st, 0, sizeof *st);
  if (m == NULL || s == NULL || prompt == NULL || n_prompt == 0)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "generate: needs a prompt of >= 1 token");
  if (s->vocab_size != m->vocab_size)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "generate: the sampler has vocab %d, the model %lld", (int)s->vocab_size,
                         (long long)m->vocab_size);
  if ((int64_t)n_prompt > m->max_seq_len)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "generate: the prompt has %zu tokens, the context holds %lld", n_prompt,
                         (long long)m->max_seq_len);
  wick_generate_options opts = {0};
  if (o) opts = *o;
  size_t limit = opts.max_new_tokens > 0 ? (size_t)opts.max_new_tokens : SIZE_MAX;

  wick_llm_reset(m);
  const float *logits = NULL;
  uint64_t t0 = wick_now_ns();
  wick_status rc = wick_llm_forward(m, prompt, n_prompt, &logits, d);
  if (rc) return rc;
  uint64_t t1 = wick_now_ns();
  st->prompt_tokens = n_prompt;
  st->prefill_ns = t1 - t0;

  int32_t prev = prompt[n_prompt - 1];
  uint64_t t_first = 0;
  st->stop = WICK_STOP_LENGTH;
  for (;;) {
    int32_t next = wick_sampler_sample(s, logits);
    if (st->generated_tokens == 0) {
      t_first = wick_now_ns();
      st->ttft_ns = t_first - t0;
    }
    if (!opts.ignore_eos && next == m->eos_id) {
      st->stop = WICK_STOP_EOS;
      break;
    }
    if (!opts.ignore_eos && next == m->bos_id) {
      st->stop = WICK_STOP_BOS;
      break;
    }
    if (out && st->generated_tokens < cap) out[st->generated_tokens] = next;
    st->generated_tokens++;
    if (opts.on_token) opts.on_token(opts.user, prev, next);
    prev = next;
    if (st->generated_tokens >= limit) break;
    if (m->pos >= m->max_seq_len) {
      st->stop = WICK_STOP_CONTEXT;
      break;
    }
    if ((rc = wick_llm_forward(m, &next, 1, &logits, d))) return rc;
  }
  uint64_t t2 = wick_now_ns();
  if (st->generated_tokens > 0) st->decode_ns = t2 - t_first;
  if (st->prefill_ns > 0) st->prefill_tok_s = (double)n_prompt * 1e9 / (double)st->prefill_ns;
  if (st->generated_tokens > 1 && st->decode_ns > 0)
    st->decode_tok_s = (double)(st->generated_tokens - 1) * 1e9 / (double)st->decode_ns;
  return WICK_OK;
}

typedef struct text_ctx {
  const wick_tokenizer *tok;
  const wick_generate_options *user_opts;
} text_ctx;

static bool printable_piece(const char *s, size_t n) {
  if (n != 1) return n > 0;
  unsigned char c = (unsigned char)s[0];
  /* llama2.c's safe_printf drops single bytes that are neither printable nor
   * whitespace; bytes >= 0x80 (parts of UTF-8 sequences) are kept here */
  return (c >= 0x20 && c < 0x7F) || (c >= '\t' && c <= '\r') || c >= 0x80;
}

static void text_cb(void *user, int32_t prev, int32_t token) {
  text_ctx *c = user;
  if (c->user_opts->on_token) c->user_opts->on_token(c->user_opts->user, prev, token);
  if (c->user_opts->on_text == NULL) return;
  size_t n;
  const char *p = wick_tokenizer_decode(c->tok, prev, token, &n);
  if (printable_piece(p, n)) c->user_opts->on_text(c->user_opts->user, p, n);
}

wick_status wick_llm_generate(wick_llm *m, const wick_tokenizer *tok, wick_sampler *s,
                              const char *prompt, const wick_generate_options *o,
                              wick_generate_stats *st, wick_diag *d) {
  if (m == NULL || tok == NULL || s == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "generate: NULL argument");
  if (prompt == NULL) prompt = "";
  size_t cap = strlen(prompt) + 3;
  int32_t *ids = malloc(cap * sizeof *ids);
  if (ids == NULL) return wick_diag_set(d, WICK_ERR_MEMORY, "generate: out of memory");
  size_t n = 0;
  wick_status rc = wick_tokenizer_encode(tok, prompt, true, false, ids, cap, &n, d);
  if (rc == WICK_OK) {
    wick_generate_options opts = {0};
    if (o) opts = *o;
    text_ctx c = {tok, &opts};
    if (opts.echo_prompt && opts.on_text)
      for (size_t i = 1; i < n; i++) {
        size_t len;
        const char *p = wick_tokenizer_decode(tok, ids[i - 1], ids[i], &len);
        if (printable_piece(p, len)) opts.on_text(opts.user, p, len);
      }
    wick_generate_options inner = opts;
    inner.on_token = text_cb;
    inner.user = &c;
    rc = wick_llm_generate_tokens(m, s, ids, n, &inner, NULL, 0, st, d);
  }
  free(ids);
  return rc;
}
