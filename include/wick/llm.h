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
  int32_t max_seq_len;  /* 0: the model's context (llama2.c seq_len, GGUF
                           llama.context_length); otherwise at most this many positions
                           (a smaller KV cache)                                       */
  int32_t quantize;     /* wick_llm_quant: WICK_LLM_QUANT_NONE (0) float32 weights;
                           WICK_LLM_QUANT_Q8 int8 weights (see below);
                           WICK_LLM_QUANT_Q4: WICK_ERR_NOT_SUPPORTED (not implemented
                           yet)                                                       */
} wick_llm_convert_options;

/* Weight precision of the program (wick_llm_convert_options.quantize).
 * WICK_LLM_QUANT_Q8: every linear (wq, wk, wv, wo, w1, w2, w3 and the
 * classifier) is a wick::linear_dq8.out (int8 weights, symmetric per output
 * channel, in the kernel's VNNI-blocked layout with their sums; the
 * activations are quantized per row at run time, docs/OPS.md), and the token
 * embedding a quantized_decomposed::embedding_byte.out (int8 rows, one scale
 * per row) - the layouts of `wick convert --quantize int8-dynamic`. A tied
 * classifier gets its own blocked copy. RMSNorm gains, the KV cache and all
 * activations stay float32. */
typedef enum wick_llm_quant {
  WICK_LLM_QUANT_NONE = 0,
  WICK_LLM_QUANT_Q8 = 1,
  WICK_LLM_QUANT_Q4 = 2
} wick_llm_quant;

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
 * pre-transposed ([in, out]) for aten::mm.out; or int8 with
 * opt->quantize = WICK_LLM_QUANT_Q8. */
wick_status wick_llm_convert_llama2c(const char *ckpt, const wick_llm_convert_options *opt,
                                     uint8_t **pte, size_t *size, wick_diag *d);
/* Same, from a checkpoint image in memory. */
wick_status wick_llm_convert_llama2c_mem(const void *data, size_t size,
                                         const wick_llm_convert_options *opt, uint8_t **pte,
                                         size_t *pte_size, wick_diag *d);

/* ---- building a program from float32 weights (shared by the importers) ------- */

/* The weights of a llama-style model. Matrices are row-major [out, in]
 * (y = W x), as in llama2.c checkpoints and PyTorch; the rows of WQ / WK are
 * in llama2.c's RoPE order: each head's rotation pairs are adjacent rows
 * (2i, 2i+1), the layout wick::rope expects (Meta's original checkpoints,
 * and GGUF "llama" files, use the same order). */
typedef enum wick_llm_weight {
  WICK_LLM_W_TOK_EMB = 0, /* [vocab, dim]                                       */
  WICK_LLM_W_RMS_ATT,     /* per layer [dim]                                    */
  WICK_LLM_W_WQ,          /* per layer [n_heads * head_size, dim]               */
  WICK_LLM_W_WK,          /* per layer [n_kv_heads * head_size, dim]            */
  WICK_LLM_W_WV,          /* per layer [n_kv_heads * head_size, dim]            */
  WICK_LLM_W_WO,          /* per layer [dim, n_heads * head_size]               */
  WICK_LLM_W_RMS_FFN,     /* per layer [dim]                                    */
  WICK_LLM_W_W1,          /* per layer [hidden, dim] (gate)                     */
  WICK_LLM_W_W2,          /* per layer [dim, hidden] (down)                     */
  WICK_LLM_W_W3,          /* per layer [hidden, dim] (up)                       */
  WICK_LLM_W_RMS_FINAL,   /* [dim]                                              */
  WICK_LLM_W_CLS          /* [vocab, dim] (the token embedding when tied)       */
} wick_llm_weight;

/* Fills dst with the n floats of weight `w` (of `layer` for per-layer ones). */
typedef wick_status (*wick_llm_weight_fn)(void *user, wick_llm_weight w, int32_t layer,
                                          float *dst, size_t n, wick_diag *d);

/* Emits the program described at wick_llm_convert_llama2c for the sizes in
 * cfg (shared_classifier is ignored: WICK_LLM_W_CLS is always asked for),
 * fetching each weight once through fn (peak memory: the program plus two
 * copies of the largest matrix; q8: plus its int8 copy). opt is required:
 * max_prefill, max_seq_len, rope_theta and norm_eps 0 mean the defaults; bos_id / eos_id are taken
 * as given (0 is a valid id here) and must be inside the vocabulary. A
 * failure of fn is returned as is. */
wick_status wick_llm_build_program(const wick_llama2c_config *cfg,
                                   const wick_llm_convert_options *opt, wick_llm_weight_fn fn,
                                   void *user, uint8_t **pte, size_t *pte_size, wick_diag *d);

/* ---- conversion: GGUF (llama.cpp) -> .pte ------------------------------------- */

/* True when the file starts with the "GGUF" magic. Never fails loudly. */
bool wick_llm_is_gguf(const char *path);

/* Summary of a GGUF llama model (filled by wick_llm_convert_gguf_mem). */
typedef struct wick_gguf_model_info {
  wick_llama2c_config cfg;   /* sizes; shared_classifier: no output.weight    */
  double rope_theta, norm_eps;
  int64_t bos_id, eos_id;    /* -1 when the file has none                     */
  uint32_t version;          /* GGUF version                                  */
  uint32_t tensor_types[32]; /* how many tensors of each ggml type (< 32)     */
} wick_gguf_model_info;

/* Converts a GGUF file of architecture "llama" (general.architecture) into
 * the same program as wick_llm_convert_llama2c. Hyperparameters come from
 * llama.* metadata (context_length, embedding_length, block_count,
 * feed_forward_length, attention.head_count[_kv], rope.freq_base,
 * attention.layer_norm_rms_epsilon; rope.dimension_count must equal the
 * head size), BOS / EOS from tokenizer.ggml.bos_token_id / eos_token_id;
 * non-zero fields of opt override them. Tensors (token_embd, blk.N.attn_norm
 * / attn_q / attn_k / attn_v / attn_output / ffn_norm / ffn_gate / ffn_down /
 * ffn_up, output_norm, output; no output: tied to token_embd) may be F32,
 * F16, BF16, Q8_0, Q4_0 or Q4_1: they are dequantized to float32, and the
 * program holds float32 weights, or (opt->quantize = WICK_LLM_QUANT_Q8) int8
 * weights requantized from those floats (per output channel; not GGUF's own
 * Q8_0 blocks of 32).
 *
 * Q and K rows: llama.cpp's converter (convert_hf_to_gguf.py, LlamaModel)
 * applies permute(w, n_head) = w.reshape(n_head, 2, hs/2, in).swapaxes(1, 2)
 * to the Hugging Face q_proj / k_proj. That undoes Hugging Face's own
 * permutation (rotate-half, pairs (i, i + hs/2)), so GGUF "llama" files hold
 * Q / K in Meta's original order, in which each RoPE pair is two adjacent
 * rows (2i, 2i+1) - what llama.cpp's "normal" RoPE for this architecture
 * rotates, and exactly llama2.c's and wick::rope's layout. The importer
 * therefore copies Q / K rows as they are (checked end to end by
 * tests/unit/test_gguf.c, whose fixture applies both permutations in turn).
 *
 * info may be NULL. WICK_ERR_NOT_SUPPORTED (with the reason) for other
 * architectures, tensor types, partial RoPE, rope_freqs / bias tensors. */
wick_status wick_llm_convert_gguf_mem(const void *data, size_t size,
                                      const wick_llm_convert_options *opt, uint8_t **pte,
                                      size_t *pte_size, wick_gguf_model_info *info,
                                      wick_diag *d);
wick_status wick_llm_convert_gguf(const char *path, const wick_llm_convert_options *opt,
                                  uint8_t **pte, size_t *pte_size, wick_gguf_model_info *info,
                                  wick_diag *d);

/* ---- tokenizer (llama2.c tokenizer.bin, GGUF metadata, sentencepiece .model) ---- */

typedef struct wick_tokenizer {
  int32_t vocab_size;
  uint32_t max_token_length; /* as stated by the file                            */
  uint32_t longest;          /* longest piece actually present (bytes)           */
  int32_t bos_id, eos_id;    /* 1 and 2 (llama2.c)                                */
  float *scores;             /* (vocab_size)                                     */
  uint32_t *offsets;         /* (vocab_size) start of each piece in `text`       */
  uint32_t *lengths;         /* (vocab_size) bytes up to the first NUL           */
  char *text;                /* every piece, each NUL-terminated                 */
  int32_t *sorted;           /* (n_sorted) ids ordered by piece (bytewise)       */
  int32_t n_sorted;          /* ids that lookups and merges can produce: all of
                                them for tokenizer.bin; GGUF: not CONTROL,
                                UNKNOWN, UNUSED or BYTE tokens                   */
  int32_t space_id;          /* id of " " (the dummy prefix), -1 when absent     */
  /* GGUF tokenizers (NULL / false for tokenizer.bin): */
  int32_t *byte_ids;         /* (256) id of each "<0xXX>" piece (-1: none);
                                NULL: byte b is token b + 3 (llama2.c)           */
  uint8_t *types;            /* (vocab_size) tokenizer.ggml.token_type values    */
  bool no_dummy_prefix;      /* tokenizer.ggml.add_space_prefix was false        */
  /* sentencepiece model files (wick_tokenizer_load_spm; zero / NULL otherwise): */
  bool spm;                  /* encode and decode follow sentencepiece exactly   */
  bool remove_extra_whitespaces; /* normalizer_spec.remove_extra_whitespaces     */
  bool byte_fallback;        /* trainer_spec.byte_fallback                       */
  int32_t unk_id, pad_id;    /* the UNKNOWN piece; pad: -1 when absent           */
  char *unk_surface;         /* decode text of unk (trainer_spec.unk_surface)    */
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

/* Builds the tokenizer from a GGUF image's metadata: tokenizer.ggml.model
 * must be "llama" (SentencePiece BPE with scores; "gpt2" byte-level BPE and
 * others fail with WICK_ERR_NOT_SUPPORTED), tokenizer.ggml.tokens (strings),
 * .scores (float32; required), .token_type (int32; optional), .bos_token_id
 * / .eos_token_id (default 1 / 2), .add_space_prefix (default true).
 * Pieces are stored with U+2581 ("\xe2\x96\x81") turned into " ", as
 * llama2.c's export does, so encoding is the same merge-by-score BPE as for
 * tokenizer.bin; bytes without a piece use the "<0xXX>" tokens; CONTROL,
 * UNKNOWN and UNUSED tokens are never produced by merges and decode to "".
 * vocab_size 0 accepts any count; otherwise it must match. */
wick_status wick_tokenizer_load_gguf(wick_tokenizer *t, const void *data, size_t size,
                                     int32_t vocab_size, wick_diag *d);
/* Loads a sentencepiece model file (the ModelProto protobuf that
 * sentencepiece's trainer writes as NAME.model) whose segmentation wick
 * reproduces exactly: trainer_spec.model_type BPE, normalizer_spec with an
 * empty precompiled_charsmap (name "identity"), escape_whitespaces on,
 * treat_whitespace_as_suffix off, no USER_DEFINED or UNUSED pieces, no
 * denormalizer; add_dummy_prefix, remove_extra_whitespaces and byte_fallback
 * are honoured (byte_fallback needs all 256 "<0xXX>" BYTE pieces). Anything
 * else fails with WICK_ERR_NOT_SUPPORTED naming the field; a malformed file
 * with WICK_ERR_MALFORMED and the byte offset. Every length is checked
 * against the image. Ids: bos / eos / pad are the CONTROL pieces named by
 * trainer_spec.bos_piece / eos_piece / pad_piece ("<s>", "</s>", "<pad>"),
 * -1 when absent; unk_id the UNKNOWN piece (exactly one is required).
 * Pieces are stored with U+2581 turned into ' ' (as for GGUF), so
 * wick_tokenizer_decode and wick_tokenizer_lookup work as for the others.
 * vocab_size 0 accepts any count; otherwise it must match. */
wick_status wick_tokenizer_load_spm(wick_tokenizer *t, const void *data, size_t size,
                                    int32_t vocab_size, wick_diag *d);
/* Loads path as a GGUF file (by its magic), a sentencepiece model (a
 * protobuf whose first field is a piece) or a tokenizer.bin. */
wick_status wick_tokenizer_load_any_file(wick_tokenizer *t, const char *path, int32_t vocab_size,
                                         wick_diag *d);

/* Encodes NUL-terminated UTF-8 text like llama2.c: optional BOS; a dummy
 * prefix " " token when text is non-empty; one token per UTF-8 code point
 * found in the vocabulary, else its bytes as byte tokens (byte + 3); then
 * repeatedly merges the adjacent pair whose concatenation is the
 * best-scoring piece (leftmost on ties); optional EOS. Needs
 * cap >= strlen(text) + 3 in the worst case; fails with
 * WICK_ERR_INVALID_ARGUMENT when cap is too small, or a byte token (or the
 * requested BOS / EOS) is outside the vocabulary. Allocates nothing (sentencepiece
 * models, t->spm, encode differently: see below). */
wick_status wick_tokenizer_encode(const wick_tokenizer *t, const char *text, bool bos, bool eos,
                                  int32_t *tokens, size_t cap, size_t *n, wick_diag *d);
/* sentencepiece models (t->spm) encode like SentencePieceProcessor::Encode
 * (spm.c has the details):
 *   1. normalize: invalid UTF-8 (sentencepiece's rules: overlong forms,
 *      surrogates, > U+10FFFF and stray bytes are invalid) becomes U+FFFD,
 *      one per byte; remove_extra_whitespaces drops leading and trailing
 *      ' ' (U+0020 only; tabs, newlines, U+00A0 are ordinary characters)
 *      and collapses runs of ' '; add_dummy_prefix puts one ' ' first
 *      (non-empty text only); ' ' becomes U+2581. A U+2581 in the input is
 *      the same symbol (sentencepiece cannot tell them apart either) and is
 *      also removed when trailing.
 *   2. one symbol per code point; repeatedly merge the adjacent pair whose
 *      concatenation is a NORMAL piece with the highest score (ties: the
 *      leftmost pair);
 *   3. each symbol -> its piece id, else (byte_fallback) one BYTE piece per
 *      UTF-8 byte, else unk_id (one for a run of unknown symbols).
 * Text that is empty after normalization gives no ids (BOS / EOS are still
 * added when asked). Worst case 3 * (strlen(text) + 1) ids plus BOS / EOS
 * (each invalid byte becomes the 3 byte pieces of U+FFFD). Allocates scratch
 * memory (freed before it returns) for these models only. */
/* The text of `token` following `prev`: the leading space is dropped after
 * BOS, and byte pieces "<0xXX>" become that single byte. Sets *len; returns
 * "" (len 0) for an out-of-range token. The pointer stays valid while t is. */
const char *wick_tokenizer_decode(const wick_tokenizer *t, int32_t prev, int32_t token,
                                  size_t *len);
/* Decodes a whole id sequence the way sentencepiece's DecodeIds does: CONTROL
 * tokens give "", the UNKNOWN token t->unk_surface (" \xe2\x81\x87 " by
 * default), other pieces their text with U+2581 as ' ' (the pieces are stored
 * that way); runs of BYTE pieces are joined and read as UTF-8, each byte of
 * an invalid sequence becoming U+FFFD; while the text is still empty, a
 * leading ' ' of a piece is dropped (when the model adds a dummy prefix or
 * removes extra whitespace; without remove_extra_whitespaces only the first
 * such ' ' is dropped, as sentencepiece >= 0.1.98 does). Works for every
 * tokenizer kind (tokenizer.bin: no control tokens, "<0xXX>" pieces are
 * bytes). Writes the text and a NUL into out (cap bytes); *len is the text
 * length in bytes (it may hold NUL bytes from <0x00>) even when it did not
 * fit: then WICK_ERR_INVALID_ARGUMENT. An id outside the vocabulary is
 * WICK_ERR_INVALID_ARGUMENT too. Allocates nothing. */
wick_status wick_tokenizer_decode_ids(const wick_tokenizer *t, const int32_t *ids, size_t n,
                                      char *out, size_t cap, size_t *len, wick_diag *d);
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
