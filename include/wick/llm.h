/* wick — language models: llama2.c checkpoints converted to ExecuTorch
 * programs, the llama2.c (sentencepiece-style) tokenizer, sampling and a
 * generation loop. Host side (src/llm): uses malloc at load/init time only;
 * the per-token path (wick_llm_forward, wick_sampler_sample) allocates nothing.
 *
 *   uint8_t *pte; size_t n;
 *   wick_llm_convert_llama2c("stories260K.bin", NULL, &pte, &n, &d);   // free(pte)
 *
 *   wick_llm llm; wick_tokenizer tok; wick_sampler s;
 *   wick_llm_open(&llm, "stories260K.pte", &d);
 *   wick_tokenizer_load_file(&tok, "tok512.bin", (int32_t)llm.vocab_size, &d);
 *   wick_sampler_init(&s, (int32_t)llm.vocab_size, 0.0f, 0.9f, 42, &d);
 *   wick_generate_options o = {.max_new_tokens = 64, .on_text = print, .user = NULL};
 *   wick_llm_generate(&llm, &tok, &s, "Once upon a time", &o, &stats, &d);
 *
 * The program (see wick_llm_convert_llama2c) has these methods:
 *
 *   forward(tokens int64[1, T], input_pos int64[1]) -> logits float32[1, vocab]
 *       tokens is DYNAMIC_BOUND with upper bound [1, max_prefill]; callers
 *       resize it (wick_method_set_input with a [1, T] tensor, 1 <= T <=
 *       max_prefill). The T tokens sit at positions input_pos..input_pos+T-1;
 *       the logits are those of the last one. The KV cache lives in planned
 *       memory (arena 2: per layer k_cache and v_cache, float32
 *       [seq_len, n_kv_heads*head_size]) which the runtime never clears, so
 *       successive executes continue one sequence; starting again at
 *       input_pos 0 starts a new one (old rows are overwritten before use).
 *   get_vocab_size, get_max_seq_len, get_max_context_len, get_bos_id,
 *   get_eos_id, get_n_layers, get_max_prefill_len -> Int
 *   use_kv_cache, enable_dynamic_shape -> Bool
 *       constant methods: no inputs, no instructions, one Int (Bool) output
 *       value, like ExecuTorch's LLM exports.
 */
#ifndef WICK_LLM_H
#define WICK_LLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/runtime.h"
#include "wick/status.h"
#include "wick/util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- conversion: llama2.c checkpoint -> .pte -------------------------------- */

typedef struct wick_llm_convert_options {
  int32_t max_prefill;  /* upper bound of T in forward; 0: min(seq_len, 256)          */
  double rope_theta;    /* 0: 10000                                                   */
  double norm_eps;      /* 0: 1e-5                                                    */
  int64_t bos_id;       /* 0: 1 (llama2.c / sentencepiece)                            */
  int64_t eos_id;       /* 0: 2                                                       */
} wick_llm_convert_options;

/* The 7 x int32 header of a llama2.c checkpoint. */
typedef struct wick_llama2c_config {
  int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
  bool shared_classifier; /* vocab_size was positive in the file */
} wick_llama2c_config;

/* Parses and checks a checkpoint header against the image size: positive
 * sizes, dim divisible by n_heads, n_heads by n_kv_heads, an even head size,
 * and every weight present. WICK_ERR_MALFORMED (with the reason) otherwise. */
wick_status wick_llama2c_parse_header(const void *data, size_t size, wick_llama2c_config *cfg,
                                      wick_diag *d);
/* True when `path` looks like a llama2.c checkpoint (a header that passes
 * wick_llama2c_parse_header for the file's size). Never fails loudly. */
bool wick_llm_is_llama2c_checkpoint(const char *path);

/* Converts a llama2.c checkpoint into a .pte image (malloc'd; free() it).
 * opt may be NULL (defaults). Weights are stored float32, matrices
 * pre-transposed ([in, out]) for aten::mm.out. */
wick_status wick_llm_convert_llama2c(const char *ckpt, const wick_llm_convert_options *opt,
                                     uint8_t **pte, size_t *size, wick_diag *d);
/* Same, from a checkpoint image in memory. */
wick_status wick_llm_convert_llama2c_mem(const void *data, size_t size,
                                         const wick_llm_convert_options *opt, uint8_t **pte,
                                         size_t *pte_size, wick_diag *d);

/* ---- tokenizer (llama2.c tokenizer.bin) --------------------------------------- */

typedef struct wick_tokenizer {
  int32_t vocab_size;
  uint32_t max_token_length; /* as stated by the file                            */
  uint32_t longest;          /* longest piece actually present (bytes)           */
  int32_t bos_id, eos_id;    /* 1 and 2 (llama2.c)                                */
  float *scores;             /* (vocab_size)                                     */
  uint32_t *offsets;         /* (vocab_size) start of each piece in `text`       */
  uint32_t *lengths;         /* (vocab_size) bytes up to the first NUL           */
  char *text;                /* every piece, each NUL-terminated                 */
  int32_t *sorted;           /* (vocab_size) ids ordered by piece (bytewise)     */
  int32_t space_id;          /* id of " " (the dummy prefix), -1 when absent     */
} wick_tokenizer;

/* Loads a tokenizer.bin image: int32 max_token_length, then per token float32
 * score, int32 length, bytes. vocab_size 0 reads entries until the image ends;
 * otherwise exactly vocab_size entries are read (trailing bytes are ignored).
 * Every count and length is checked against the image size. */
wick_status wick_tokenizer_load(wick_tokenizer *t, const void *data, size_t size,
                                int32_t vocab_size, wick_diag *d);
wick_status wick_tokenizer_load_file(wick_tokenizer *t, const char *path, int32_t vocab_size,
                                     wick_diag *d);
void wick_tokenizer_free(wick_tokenizer *t);

/* Encodes NUL-terminated UTF-8 text like llama2.c: optional BOS; a dummy
 * prefix " " token when text is non-empty; one token per UTF-8 code point
 * found in the vocabulary, else its bytes as byte tokens (byte + 3); then
 * repeatedly merges the adjacent pair whose concatenation is the
 * best-scoring piece (leftmost on ties); optional EOS. Needs
 * cap >= strlen(text) + 3 in the worst case; fails with
 * WICK_ERR_INVALID_ARGUMENT when cap is too small, or a byte token (or the
 * requested BOS / EOS) is outside the vocabulary. Allocates nothing. */
wick_status wick_tokenizer_encode(const wick_tokenizer *t, const char *text, bool bos, bool eos,
                                  int32_t *tokens, size_t cap, size_t *n, wick_diag *d);
/* The text of `token` following `prev`: the leading space is dropped after
 * BOS, and byte pieces "<0xXX>" become that single byte. Sets *len; returns
 * "" (len 0) for an out-of-range token. The pointer stays valid while t is. */
const char *wick_tokenizer_decode(const wick_tokenizer *t, int32_t prev, int32_t token,
                                  size_t *len);
/* The id of a piece (exact bytes), or -1. */
int32_t wick_tokenizer_lookup(const wick_tokenizer *t, const char *piece, size_t len);

/* ---- sampling ---------------------------------------------------------------- */

typedef struct wick_prob_index {
  float prob;
  int32_t index;
} wick_prob_index;

typedef struct wick_sampler {
  int32_t vocab_size;
  float temperature; /* 0: greedy (argmax)                                  */
  float topp;        /* in (0, 1): nucleus sampling; otherwise plain sampling */
  uint64_t rng;      /* xorshift state (llama2.c's generator); never 0      */
  float *probs;      /* (vocab_size) working copy of the logits             */
  wick_prob_index *cand; /* (vocab_size) top-p candidates                    */
} wick_sampler;

wick_status wick_sampler_init(wick_sampler *s, int32_t vocab_size, float temperature, float topp,
                              uint64_t seed, wick_diag *d);
void wick_sampler_free(wick_sampler *s);
/* Picks the next token from vocab_size logits (not modified). Allocates nothing. */
int32_t wick_sampler_sample(wick_sampler *s, const float *logits);
/* llama2.c's xorshift64* generator: 32 random bits / a float in [0, 1). */
uint32_t wick_rng_u32(uint64_t *state);
float wick_rng_f32(uint64_t *state);

/* ---- a loaded program ---------------------------------------------------------- */

typedef struct wick_llm {
  wick_file file;            /* when opened from a path                         */
  wick_program program;
  wick_loaded_method forward;
  int64_t vocab_size, max_seq_len, max_prefill, bos_id, eos_id;
  int64_t pos;               /* positions filled in the KV cache                */
  int64_t *tokens;           /* (max_prefill) staging for the tokens input      */
} wick_llm;

/* Loads a program image (kept by pointer; 16-byte aligned) produced by
 * wick_llm_convert_llama2c or any program with the same interface: reads
 * the metadata methods (executing them) and loads "forward" with malloc'd
 * arenas. */
wick_status wick_llm_load(wick_llm *m, const void *pte, size_t size, wick_diag *d);
wick_status wick_llm_open(wick_llm *m, const char *path, wick_diag *d);
void wick_llm_close(wick_llm *m);
/* Starts a new sequence (position 0). */
void wick_llm_reset(wick_llm *m);
/* Feeds n >= 1 tokens at positions pos..pos+n-1 (in chunks of max_prefill)
 * and returns the logits of the last one (vocab_size floats, valid until the
 * next call). Fails when the context would overflow. Allocates nothing. */
wick_status wick_llm_forward(wick_llm *m, const int32_t *tokens, size_t n, const float **logits,
                             wick_diag *d);

/* ---- generation ---------------------------------------------------------------- */

typedef struct wick_generate_options {
  int32_t max_new_tokens;    /* 0: until the context is full                     */
  bool ignore_eos;           /* do not stop at EOS / BOS (benchmarks)            */
  bool echo_prompt;          /* wick_llm_generate: pass the prompt to on_text    */
  /* Called for every generated token (prev is the token before it). */
  void (*on_token)(void *user, int32_t prev, int32_t token);
  /* wick_llm_generate: called with each token's printable text. */
  void (*on_text)(void *user, const char *text, size_t len);
  void *user;
} wick_generate_options;

typedef enum wick_stop_reason {
  WICK_STOP_LENGTH = 0, /* max_new_tokens reached                              */
  WICK_STOP_EOS,        /* the model produced EOS                              */
  WICK_STOP_BOS,        /* the model produced BOS (llama2.c's sequence end)    */
  WICK_STOP_CONTEXT     /* the context (max_seq_len) is full                   */
} wick_stop_reason;

typedef struct wick_generate_stats {
  size_t prompt_tokens;      /* tokens fed in the prefill                        */
  size_t generated_tokens;   /* tokens sampled (the stop token not counted)      */
  uint64_t prefill_ns;       /* the prefill forward                              */
  uint64_t ttft_ns;          /* start to the first sampled token                 */
  uint64_t decode_ns;        /* forwards and sampling after the first token      */
  double prefill_tok_s;      /* prompt_tokens / prefill time                     */
  double decode_tok_s;       /* (generated_tokens - 1) / decode time             */
  wick_stop_reason stop;
} wick_generate_stats;

/* Generates from token ids (prompt: n_prompt >= 1 ids, usually starting with
 * BOS) at position 0: one prefill forward, then one forward per new token,
 * until max_new_tokens, EOS/BOS (unless ignore_eos) or a full context. The
 * generated ids go to out (when non-NULL, up to cap) and to on_token. */
wick_status wick_llm_generate_tokens(wick_llm *m, wick_sampler *s, const int32_t *prompt,
                                     size_t n_prompt, const wick_generate_options *o,
                                     int32_t *out, size_t cap, wick_generate_stats *st,
                                     wick_diag *d);
/* Text in, text out: encodes prompt with BOS (and the dummy prefix), then
 * generates, passing each token's decoded text to on_text (pieces that are a
 * single unprintable byte are dropped, as llama2.c's safe_printf does). */
wick_status wick_llm_generate(wick_llm *m, const wick_tokenizer *tok, wick_sampler *s,
                              const char *prompt, const wick_generate_options *o,
                              wick_generate_stats *st, wick_diag *d);

#ifdef __cplusplus
}
#endif
#endif
