/* wick translate: an encoder-decoder translation model (examples/translate)
 * run by wick's runtime, with beam search in C.
 *
 * A model directory holds three files:
 *   encoder.pte   forward(src int64[1,S]) -> (cross_k f32[L,1,H,S,Dh],
 *                 cross_v f32[L,1,H,S,Dh], mem_bias f32[1,S])
 *   decoder.pte   forward(token int64[B], pos int64[1], cross_k f32[L,B,H,S,Dh],
 *                 cross_v, mem_bias f32[B,S], self_k f32[L,B,H,T,Dh], self_v)
 *                 -> (logits f32[B,V], new_self_k, new_self_v)
 *   spm.model     the SentencePiece model both sides were trained with
 * Every size (S, T, B, L, H, Dh, V) is read from the programs; the special
 * ids from the tokenizer's <pad>, <s> and </s> pieces. B is the most
 * hypotheses a beam may hold.
 *
 * Memory: wick_translator_open allocates everything (programs, planned
 * arenas, beam state); translating allocates nothing.
 *
 *   wick_translator *tr; wick_diag d = {0};
 *   wick_translate_options o = wick_translate_defaults();
 *   if (wick_translator_open(&tr, "models/de-en", &o, &d)) { puts(d.msg); ... }
 *   char out[1024]; wick_translate_result r;
 *   wick_translate(tr, "Ein Hund rennt.", out, sizeof out, &r, &d);
 *   wick_translator_close(tr);
 */
#ifndef WICK_TRANSLATE_H
#define WICK_TRANSLATE_H

#include <stddef.h>
#include <stdint.h>

#include "wick/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wick_translator wick_translator;

typedef struct wick_translate_options {
  int beam;          /* hypotheses kept (1 = greedy); at most the decoder's batch */
  double alpha;      /* GNMT length penalty ((5 + n) / 6)^alpha; 0 = none         */
  double max_len_a;  /* output length limit a * source_tokens + b (and <= T)      */
  double max_len_b;
  int threads;       /* threads for the kernels; 0 = one per core, 1 = none       */
} wick_translate_options;

/* beam 4, alpha 1.5 (chosen on Multi30k val), max length 1.5 * n + 10, threads 1. */
wick_translate_options wick_translate_defaults(void);

typedef struct wick_translate_result {
  uint32_t src_tokens;     /* source tokens fed to the encoder (EOS included)        */
  uint32_t out_tokens;     /* tokens of the chosen hypothesis (EOS excluded)         */
  uint32_t steps;          /* decoder steps run                                      */
  int truncated;           /* 1: the source had more tokens than the encoder takes   */
  uint64_t encode_ns;      /* tokenizer + encoder                                    */
  uint64_t decode_ns;      /* decoder steps + beam search + detokenization           */
} wick_translate_result;

/* Loads dir/encoder.pte, dir/decoder.pte and dir/spm.model and checks that
 * their shapes agree. opt may be NULL (defaults). */
wick_status wick_translator_open(wick_translator **out, const char *dir,
                                 const wick_translate_options *opt, wick_diag *d);
void wick_translator_close(wick_translator *tr);

/* Changes beam / alpha / length limits of an open translator (threads stay). */
wick_status wick_translator_set_options(wick_translator *tr, const wick_translate_options *opt,
                                        wick_diag *d);

/* Sizes read from the programs. */
typedef struct wick_translator_info {
  int32_t vocab_size, max_src_len, max_tgt_len, batch, layers, heads, head_dim;
  int32_t pad_id, bos_id, eos_id;
  uint64_t program_bytes;   /* encoder.pte + decoder.pte                         */
  uint64_t arena_bytes;     /* planned memory + runtime arenas + beam state      */
} wick_translator_info;
void wick_translator_info_get(const wick_translator *tr, wick_translator_info *info);

/* Translates one line of UTF-8 text (need not be NUL-terminated; len bytes).
 * Invalid UTF-8 bytes are replaced by U+FFFD; a source longer than the
 * encoder takes is truncated (result->truncated = 1). The translation is
 * written NUL-terminated into out (cap bytes; WICK_ERR_INVALID_ARGUMENT when
 * it does not fit, and out holds as much as fits). result may be NULL. */
wick_status wick_translate(wick_translator *tr, const char *text, size_t len, char *out,
                           size_t cap, wick_translate_result *result, wick_diag *d);

/* The same, on token ids: src (n ids, without EOS) -> ids of the best
 * hypothesis (without EOS) into out_ids (cap >= max_tgt_len). */
wick_status wick_translate_ids(wick_translator *tr, const int32_t *src, size_t n,
                               int32_t *out_ids, size_t cap, size_t *n_out,
                               wick_translate_result *result, wick_diag *d);

#ifdef __cplusplus
}
#endif

#endif
