/* Helpers shared by the tokenizer loaders (src/llm/tokenizer.c, src/llm/spm.c). */
#ifndef WICK_LLM_TOKENIZER_INTERNAL_H
#define WICK_LLM_TOKENIZER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "wick/llm.h"

/* Token types: llama.cpp's tokenizer.ggml.token_type values, which are
 * sentencepiece's ModelProto.SentencePiece.Type values. */
enum {
  WICK_TOK_NORMAL = 1,
  WICK_TOK_UNKNOWN = 2,
  WICK_TOK_CONTROL = 3,
  WICK_TOK_USER_DEFINED = 4,
  WICK_TOK_UNUSED = 5,
  WICK_TOK_BYTE = 6
};

/* Sorts ids by piece (bytewise; equal pieces: lowest id first). */
void wick_tok_sort_ids(const wick_tokenizer *t, int32_t *v, size_t n);
/* Lowest id among t->sorted whose piece equals a ++ b, or -1. */
int32_t wick_tok_lookup2(const wick_tokenizer *t, const char *a, size_t an, const char *b,
                         size_t bn);
/* Value of one hex digit, -1 for other characters. */
int wick_tok_hexval(char ch);
/* Copies n bytes, turning U+2581 into ' '; returns the bytes written. */
size_t wick_tok_copy_piece(char *dst, const char *src, size_t n);
/* SentencePiece encoding (t->spm), called by wick_tokenizer_encode after its
 * argument checks. */
wick_status wick_tok_spm_encode(const wick_tokenizer *t, const char *text, bool bos, bool eos,
                                int32_t *tokens, size_t cap, size_t *n, wick_diag *d);
/* True when data starts like a sentencepiece ModelProto (a pieces entry). */
bool wick_tok_spm_has_magic(const void *data, size_t size);

#endif
