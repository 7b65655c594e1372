/* The llama2.c tokenizer (tokenizer.bin): loading, BPE encoding, decoding.
 *
 * File: int32 max_token_length, then for each token: float32 score, int32
 * length, `length` bytes. Pieces are compared as C strings (up to their
 * first NUL), as llama2.c does with strcmp.
 */
#include <stdlib.h>
#include <string.h>

#include "llm/gguf.h"
#include "llm/tokenizer_internal.h"
#include "wick/llm.h"
#include "wick/util.h"

static int32_t rd_i32(const uint8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* tokenizer.ggml.token_type values (llama.cpp's llama_token_type) */
enum {
  GGUF_TOKEN_NORMAL = WICK_TOK_NORMAL,
  GGUF_TOKEN_UNKNOWN = WICK_TOK_UNKNOWN,
  GGUF_TOKEN_CONTROL = WICK_TOK_CONTROL,
  GGUF_TOKEN_UNUSED = WICK_TOK_UNUSED,
  GGUF_TOKEN_BYTE = WICK_TOK_BYTE
};

static const char *piece(const wick_tokenizer *t, int32_t id) { return t->text + t->offsets[id]; }

/* Bytewise comparison of (a, an) with (b, bn) (shorter prefix first). */
static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn) {
  size_t n = an < bn ? an : bn;
  int c = memcmp(a, b, n);
  if (c) return c;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/* Heap sort of the ids by piece (qsort has no context argument in C11). */
static int cmp_ids(const wick_tokenizer *t, int32_t a, int32_t b) {
  int c = cmp_bytes(piece(t, a), t->lengths[a], piece(t, b), t->lengths[b]);
  return c ? c : (a < b ? -1 : a > b ? 1 : 0); /* duplicates: lowest id first */
}

static void sift_down(const wick_tokenizer *t, int32_t *v, size_t root, size_t n) {
  for (;;) {
    size_t child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && cmp_ids(t, v[child], v[child + 1]) < 0) child++;
    if (cmp_ids(t, v[root], v[child]) >= 0) return;
    int32_t tmp = v[root];
    v[root] = v[child];
    v[child] = tmp;
    root = child;
  }
}

void wick_tok_sort_ids(const wick_tokenizer *t, int32_t *v, size_t n) {
  if (n < 2) return;
  for (size_t i = n / 2; i-- > 0;) sift_down(t, v, i, n);
  for (size_t end = n - 1; end > 0; end--) {
    int32_t tmp = v[0];
    v[0] = v[end];
    v[end] = tmp;
    sift_down(t, v, 0, end);
  }
}

void wick_tokenizer_free(wick_tokenizer *t) {
  if (t == NULL) return;
  free(t->scores);
  free(t->offsets);
  free(t->lengths);
  free(t->text);
  free(t->sorted);
  free(t->byte_ids);
  free(t->types);
  free(t->unk_surface);
  memset(t, 0, sizeof *t);
}

wick_status wick_tokenizer_load(wick_tokenizer *t, const void *data, size_t size,
                                int32_t vocab_size, wick_diag *d) {
  if (t == NULL || (data == NULL && size > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "tokenizer: NULL argument");
  memset(t, 0, sizeof *t);
  if (vocab_size < 0)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "tokenizer: vocab_size %d is negative",
                         (int)vocab_size);
  const uint8_t *p = data;
  if (size < 4)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "tokenizer: %zu bytes is too short for a header",
                         size);
  int32_t mtl = rd_i32(p);
  if (mtl < 0)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "tokenizer: max_token_length %d is negative",
                         (int)mtl);

  /* Pass 1: count entries and text bytes, checking every length. */
  size_t off = 4, count = 0, text_bytes = 0;
  while (vocab_size == 0 ? off < size : count < (size_t)vocab_size) {
    if (size - off < 8)
      return wick_diag_set(d, WICK_ERR_MALFORMED,
                           "tokenizer: entry %zu at byte %zu is truncated (%zu bytes left)", count,
                           off, size - off);
    int32_t len = rd_i32(p + off + 4);
    if (len < 0 || (size_t)len > size - off - 8)
      return wick_diag_set(d, WICK_ERR_MALFORMED,
                           "tokenizer: entry %zu at byte %zu has length %d but %zu bytes remain",
                           count, off, (int)len, size - off - 8);
    off += 8 + (size_t)len;
    text_bytes += (size_t)len + 1;
    count++;
    if (count > (size_t)INT32_MAX - 1)
      return wick_diag_set(d, WICK_ERR_MALFORMED, "tokenizer: too many entries");
  }
  if (count == 0) return wick_diag_set(d, WICK_ERR_MALFORMED, "tokenizer: no entries");
  if (text_bytes > UINT32_MAX)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "tokenizer: pieces too large");

  t->vocab_size = (int32_t)count;
  t->max_token_length = (uint32_t)mtl;
  t->bos_id = 1;
  t->eos_id = 2;
  t->space_id = -1;
  t->scores = malloc(count * sizeof *t->scores);
  t->offsets = malloc(count * sizeof *t->offsets);
  t->lengths = malloc(count * sizeof *t->lengths);
  t->sorted = malloc(count * sizeof *t->sorted);
  t->text = malloc(text_bytes);
  if (!t->scores || !t->offsets || !t->lengths || !t->sorted || !t->text) {
    wick_tokenizer_free(t);
    return wick_diag_set(d, WICK_ERR_MEMORY, "tokenizer: out of memory");
  }

  /* Pass 2: copy (lengths already validated). */
  off = 4;
  size_t tpos = 0;
  for (size_t i = 0; i < count; i++) {
    memcpy(&t->scores[i], p + off, 4);
    size_t len = (size_t)rd_i32(p + off + 4);
    memcpy(t->text + tpos, p + off + 8, len);
    t->text[tpos + len] = '\0';
    t->offsets[i] = (uint32_t)tpos;
    t->lengths[i] = (uint32_t)strlen(t->text + tpos); /* C-string semantics */
    if (t->lengths[i] > t->longest) t->longest = t->lengths[i];
    t->sorted[i] = (int32_t)i;
    tpos += len + 1;
    off += 8 + len;
  }
  t->n_sorted = (int32_t)count;
  wick_tok_sort_ids(t, t->sorted, count);
  t->space_id = wick_tokenizer_lookup(t, " ", 1);
  return WICK_OK;
}

wick_status wick_tokenizer_load_file(wick_tokenizer *t, const char *path, int32_t vocab_size,
                                     wick_diag *d) {
  wick_file f;
  wick_status s = wick_file_open(&f, path, d);
  if (s) return s;
  s = wick_tokenizer_load(t, f.data, f.size, vocab_size, d);
  if (s) wick_diag_prefix(d, "%s", path);
  wick_file_close(&f);
  return s;
}

/* Lowest id whose piece equals a ++ b (the first match in id order, like
 * llama2.c's lookup), or -1. */
int32_t wick_tok_lookup2(const wick_tokenizer *t, const char *a, size_t an, const char *b,
                       size_t bn) {
  size_t lo = 0, hi = (size_t)t->n_sorted;
  size_t n = an + bn;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int32_t id = t->sorted[mid];
    const char *s = piece(t, id);
    size_t sn = t->lengths[id];
    /* compare (a ++ b) with s */
    int c;
    size_t k = an < sn ? an : sn;
    c = memcmp(a, s, k);
    if (c == 0) {
      if (sn <= an) {
        c = n > sn ? 1 : 0; /* s is a prefix of a (or equal to a when bn == 0) */
      } else {
        size_t rest = sn - an, kb = bn < rest ? bn : rest;
        c = memcmp(b, s + an, kb);
        if (c == 0) c = bn < rest ? -1 : bn > rest ? 1 : 0;
      }
    }
    if (c > 0) lo = mid + 1;
    else hi = mid;
  }
  if (lo < (size_t)t->n_sorted) {
    int32_t id = t->sorted[lo];
    const char *s = piece(t, id);
    if (t->lengths[id] == n && memcmp(s, a, an) == 0 && memcmp(s + an, b, bn) == 0) return id;
  }
  return -1;
}

int32_t wick_tokenizer_lookup(const wick_tokenizer *t, const char *str, size_t len) {
  if (t == NULL || t->vocab_size == 0 || (str == NULL && len > 0)) return -1;
  return wick_tok_lookup2(t, str ? str : "", len, "", 0);
}

wick_status wick_tokenizer_encode(const wick_tokenizer *t, const char *text, bool bos, bool eos,
                                  int32_t *tokens, size_t cap, size_t *n, wick_diag *d) {
  if (t == NULL || text == NULL || n == NULL || (tokens == NULL && cap > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "encode: NULL argument");
  *n = 0;
  if ((bos && (t->bos_id < 0 || t->bos_id >= t->vocab_size)) ||
      (eos && (t->eos_id < 0 || t->eos_id >= t->vocab_size)))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "encode: BOS %d / EOS %d outside the vocabulary of %d", (int)t->bos_id,
                         (int)t->eos_id, (int)t->vocab_size);
  if (t->spm) return wick_tok_spm_encode(t, text, bos, eos, tokens, cap, n, d);
  size_t cnt = 0;
#define PUSH(id)                                                                        \
  do {                                                                                  \
    if (cnt >= cap)                                                                     \
      return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,                                \
                           "encode: more than %zu tokens (buffer too small)", cap);     \
    tokens[cnt++] = (id);                                                               \
  } while (0)

  if (bos) PUSH(t->bos_id);
  /* sentencepiece's add_dummy_prefix: a " " token first for non-empty text */
  if (text[0] != '\0' && t->space_id >= 0 && !t->no_dummy_prefix) PUSH(t->space_id);

  /* One token per UTF-8 code point (at most 4 bytes) if the vocabulary has
   * it; otherwise byte tokens (byte + 3). */
  const unsigned char *c = (const unsigned char *)text;
  char buf[4];
  size_t blen = 0;
  for (; *c != '\0'; c++) {
    if ((*c & 0xC0) != 0x80) blen = 0; /* a lead byte starts a new code point */
    buf[blen++] = (char)*c;
    if ((c[1] & 0xC0) == 0x80 && blen < 4) continue; /* continuation follows */
    int32_t id = wick_tok_lookup2(t, buf, blen, "", 0);
    if (id >= 0) {
      PUSH(id);
    } else {
      for (size_t i = 0; i < blen; i++) {
        int32_t bid = t->byte_ids ? t->byte_ids[(unsigned char)buf[i]]
                                  : (int32_t)(unsigned char)buf[i] + 3;
        if (bid < 0 || bid >= t->vocab_size)
          return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                               "encode: byte 0x%02x has no byte token (vocabulary of %d)",
                               (unsigned)(unsigned char)buf[i], (int)t->vocab_size);
        PUSH(bid);
      }
    }
    blen = 0;
  }

  /* Greedy merges: the best-scoring pair first (leftmost among equals). The
   * BOS token takes part like any other, as in llama2.c. */
  for (;;) {
    float best = -1e10f;
    int32_t best_id = -1;
    size_t best_i = 0;
    for (size_t i = 0; i + 1 < cnt; i++) {
      int32_t a = tokens[i], b = tokens[i + 1];
      int32_t id = wick_tok_lookup2(t, piece(t, a), t->lengths[a], piece(t, b), t->lengths[b]);
      if (id >= 0 && t->scores[id] > best) {
        best = t->scores[id];
        best_id = id;
        best_i = i;
      }
    }
    if (best_id < 0) break;
    tokens[best_i] = best_id;
    memmove(&tokens[best_i + 1], &tokens[best_i + 2], (cnt - best_i - 2) * sizeof *tokens);
    cnt--;
  }
  if (eos) PUSH(t->eos_id);
#undef PUSH
  *n = cnt;
  return WICK_OK;
}

int wick_tok_hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return -1;
}

/* 256 one-byte strings for byte pieces. */
static const char kBytes[512] = {
#define B1(x) (char)(x), 0
#define B4(x) B1(x), B1(x + 1), B1(x + 2), B1(x + 3)
#define B16(x) B4(x), B4(x + 4), B4(x + 8), B4(x + 12)
#define B64(x) B16(x), B16(x + 16), B16(x + 32), B16(x + 48)
    B64(0), B64(64), B64(128), B64(192)
#undef B64
#undef B16
#undef B4
#undef B1
};

const char *wick_tokenizer_decode(const wick_tokenizer *t, int32_t prev, int32_t token,
                                  size_t *len) {
  size_t dummy;
  if (len == NULL) len = &dummy;
  *len = 0;
  if (t == NULL || token < 0 || token >= t->vocab_size) return "";
  /* GGUF: control and unused tokens have no text */
  if (t->types && (t->types[token] == GGUF_TOKEN_CONTROL || t->types[token] == GGUF_TOKEN_UNUSED))
    return "";
  const char *s = piece(t, token);
  size_t n = t->lengths[token];
  /* sentencepiece drops the leading space of the first piece after BOS */
  if (prev == t->bos_id && n > 0 && s[0] == ' ') {
    s++;
    n--;
  }
  /* "<0xXX>": one raw byte */
  if (n == 6 && s[0] == '<' && s[1] == '0' && s[2] == 'x' && s[5] == '>') {
    int hi = wick_tok_hexval(s[3]), lo = wick_tok_hexval(s[4]);
    if (hi >= 0 && lo >= 0) {
      *len = 1;
      return &kBytes[(hi * 16 + lo) * 2];
    }
  }
  *len = n;
  return s;
}

/* ---- GGUF metadata ------------------------------------------------------------ */

static uint64_t ld64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

/* Copies a piece, turning U+2581 (sentencepiece's space) into ' '; returns
 * the bytes written (never more than n). */
size_t wick_tok_copy_piece(char *dst, const char *src, size_t n) {
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    if (n - i >= 3 && (unsigned char)src[i] == 0xE2 && (unsigned char)src[i + 1] == 0x96 &&
        (unsigned char)src[i + 2] == 0x81) {
      dst[o++] = ' ';
      i += 3;
    } else {
      dst[o++] = src[i++];
    }
  }
  return o;
}

static wick_status load_gguf(wick_tokenizer *t, const wick_gguf *g, int32_t vocab_size,
                             wick_diag *d) {
  const char *model;
  size_t model_len;
  wick_status s = wick_gguf_get_string(g, "tokenizer.ggml.model", true, &model, &model_len, NULL, d);
  if (s) return s;
  if (!(model_len == 5 && memcmp(model, "llama", 5) == 0)) {
    bool gpt2 = model_len == 4 && memcmp(model, "gpt2", 4) == 0;
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "tokenizer: tokenizer.ggml.model '%.*s' is not supported%s (wick reads "
                         "'llama', SentencePiece BPE with scores)",
                         (int)(model_len < 32 ? model_len : 32), model,
                         gpt2 ? " yet: byte-level BPE" : "");
  }
  const uint8_t *tok_data, *score_data, *type_data = NULL;
  uint64_t count, n_scores, n_types = 0;
  bool have_types = false;
  if ((s = wick_gguf_get_array(g, "tokenizer.ggml.tokens", WICK_GGUF_STRING, true, &tok_data,
                               &count, NULL, d)) ||
      (s = wick_gguf_get_array(g, "tokenizer.ggml.scores", WICK_GGUF_FLOAT32, true, &score_data,
                               &n_scores, NULL, d)) ||
      (s = wick_gguf_get_array(g, "tokenizer.ggml.token_type", WICK_GGUF_INT32, false, &type_data,
                               &n_types, &have_types, d)))
    return s;
  if (count == 0 || count > (uint64_t)INT32_MAX - 1)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "tokenizer: tokenizer.ggml.tokens has %llu entries",
                         (unsigned long long)count);
  if (n_scores != count || (have_types && n_types != count))
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "tokenizer: %llu tokens but %llu scores / %llu token types",
                         (unsigned long long)count, (unsigned long long)n_scores,
                         (unsigned long long)n_types);
  if (vocab_size > 0 && count != (uint64_t)vocab_size)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "tokenizer: tokenizer.ggml.tokens has %llu entries, the model %d",
                         (unsigned long long)count, (int)vocab_size);
  uint64_t bos = 1, eos = 2;
  bool prefix = true;
  if ((s = wick_gguf_get_uint(g, "tokenizer.ggml.bos_token_id", false, &bos, NULL, d)) ||
      (s = wick_gguf_get_uint(g, "tokenizer.ggml.eos_token_id", false, &eos, NULL, d)) ||
      (s = wick_gguf_get_bool(g, "tokenizer.ggml.add_space_prefix", false, &prefix, NULL, d)))
    return s;
  if (bos >= count || eos >= count)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "tokenizer: bos_token_id %llu / eos_token_id %llu outside %llu tokens",
                         (unsigned long long)bos, (unsigned long long)eos,
                         (unsigned long long)count);

  /* text bytes (the parser checked every string against the image) */
  uint64_t text_bytes = 0;
  const uint8_t *p = tok_data;
  for (uint64_t i = 0; i < count; i++) {
    uint64_t len = ld64(p);
    text_bytes += len + 1;
    p += 8 + len;
  }
  if (text_bytes > UINT32_MAX)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "tokenizer: pieces too large");

  size_t n = (size_t)count;
  t->vocab_size = (int32_t)n;
  t->bos_id = (int32_t)bos;
  t->eos_id = (int32_t)eos;
  t->space_id = -1;
  t->no_dummy_prefix = !prefix;
  t->scores = malloc(n * sizeof *t->scores);
  t->offsets = malloc(n * sizeof *t->offsets);
  t->lengths = malloc(n * sizeof *t->lengths);
  t->sorted = malloc(n * sizeof *t->sorted);
  t->types = malloc(n);
  t->byte_ids = malloc(256 * sizeof *t->byte_ids);
  t->text = malloc((size_t)text_bytes);
  if (!t->scores || !t->offsets || !t->lengths || !t->sorted || !t->types || !t->byte_ids ||
      !t->text)
    return wick_diag_set(d, WICK_ERR_MEMORY, "tokenizer: out of memory");
  p = tok_data;
  size_t tpos = 0;
  int32_t ns = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len = (size_t)ld64(p);
    size_t w = wick_tok_copy_piece(t->text + tpos, (const char *)p + 8, len);
    t->text[tpos + w] = '\0';
    t->offsets[i] = (uint32_t)tpos;
    t->lengths[i] = (uint32_t)strlen(t->text + tpos);
    if (t->lengths[i] > t->longest) t->longest = t->lengths[i];
    tpos += w + 1;
    p += 8 + len;
    uint32_t bits = (uint32_t)(score_data[4 * i] | (score_data[4 * i + 1] << 8) |
                               (score_data[4 * i + 2] << 16) | ((uint32_t)score_data[4 * i + 3] << 24));
    memcpy(&t->scores[i], &bits, 4);
    int32_t ty = GGUF_TOKEN_NORMAL;
    if (have_types) {
      uint32_t tb = (uint32_t)(type_data[4 * i] | (type_data[4 * i + 1] << 8) |
                               (type_data[4 * i + 2] << 16) | ((uint32_t)type_data[4 * i + 3] << 24));
      ty = (int32_t)tb;
    }
    t->types[i] = ty >= 0 && ty <= 255 ? (uint8_t)ty : 0;
    if (ty != GGUF_TOKEN_CONTROL && ty != GGUF_TOKEN_UNKNOWN && ty != GGUF_TOKEN_UNUSED &&
        ty != GGUF_TOKEN_BYTE)
      t->sorted[ns++] = (int32_t)i;
  }
  t->max_token_length = t->longest;
  t->n_sorted = ns;
  wick_tok_sort_ids(t, t->sorted, (size_t)ns);
  t->space_id = wick_tokenizer_lookup(t, " ", 1);
  /* byte fallback: the "<0xXX>" pieces (first of each) */
  for (int b = 0; b < 256; b++) t->byte_ids[b] = -1;
  for (size_t i = 0; i < n; i++) {
    const char *s6 = piece(t, (int32_t)i);
    if (t->lengths[i] == 6 && s6[0] == '<' && s6[1] == '0' && s6[2] == 'x' && s6[5] == '>') {
      int hi = wick_tok_hexval(s6[3]), lo = wick_tok_hexval(s6[4]);
      if (hi >= 0 && lo >= 0 && t->byte_ids[hi * 16 + lo] < 0) t->byte_ids[hi * 16 + lo] = (int32_t)i;
    }
  }
  return WICK_OK;
}

wick_status wick_tokenizer_load_gguf(wick_tokenizer *t, const void *data, size_t size,
                                     int32_t vocab_size, wick_diag *d) {
  if (t == NULL || (data == NULL && size > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "tokenizer: NULL argument");
  memset(t, 0, sizeof *t);
  if (vocab_size < 0)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "tokenizer: vocab_size %d is negative",
                         (int)vocab_size);
  wick_gguf g;
  wick_status s = wick_gguf_parse(&g, data, size, d);
  if (s) return s;
  s = load_gguf(t, &g, vocab_size, d);
  wick_gguf_free(&g);
  if (s) wick_tokenizer_free(t);
  return s;
}

wick_status wick_tokenizer_load_any_file(wick_tokenizer *t, const char *path, int32_t vocab_size,
                                         wick_diag *d) {
  wick_file f;
  wick_status s = wick_file_open(&f, path, d);
  if (s) return s;
  if (wick_gguf_has_magic(f.data, f.size))
    s = wick_tokenizer_load_gguf(t, f.data, f.size, vocab_size, d);
  else if (wick_tok_spm_has_magic(f.data, f.size))
    s = wick_tokenizer_load_spm(t, f.data, f.size, vocab_size, d);
  else
    s = wick_tokenizer_load(t, f.data, f.size, vocab_size, d);
  if (s) wick_diag_prefix(d, "%s", path);
  wick_file_close(&f);
  return s;
}
