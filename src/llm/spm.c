/* sentencepiece model files (ModelProto): loading, encoding and decoding that
 * reproduce sentencepiece's BPE segmentation exactly.
 *
 * The file is a protobuf (sentencepiece_model.proto):
 *   ModelProto      1 pieces (repeated SentencePiece), 2 trainer_spec,
 *                   3 normalizer_spec, 4 self_test_data, 5 denormalizer_spec
 *   SentencePiece   1 piece (string), 2 score (float), 3 type (enum, default
 *                   NORMAL=1; UNKNOWN=2 CONTROL=3 USER_DEFINED=4 UNUSED=5 BYTE=6)
 *   TrainerSpec     3 model_type (default UNIGRAM=1; BPE=2 WORD=3 CHAR=4),
 *                   24 treat_whitespace_as_suffix, 35 byte_fallback,
 *                   44 unk_surface, 45..48 unk/bos/eos/pad_piece
 *   NormalizerSpec  1 name, 2 precompiled_charsmap, 3 add_dummy_prefix (true),
 *                   4 remove_extra_whitespaces (true), 5 escape_whitespaces (true)
 * Other fields are skipped (their wire format is still checked).
 *
 * The reader below is the runtime side's own (src/compiler's ONNX reader is
 * host-only): every varint is at most 10 bytes, every length is compared
 * with the bytes left in its message, groups are rejected; errors name the
 * field and the byte offset in the file.
 *
 * Encoding follows sentencepiece's normalizer.cc (identity rules), then
 * bpe_model.cc (Model::Encode) and SentencePieceProcessor's byte fallback.
 * The normalized text keeps U+2581 as a single ' ' byte (the pieces are
 * stored that way too); a symbol that falls back to bytes writes it as
 * E2 96 81 again.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llm/tokenizer_internal.h"
#include "wick/llm.h"

/* ---- protobuf wire reader ------------------------------------------------------ */

typedef struct pb {
  const uint8_t *base; /* start of the file, for offsets in messages */
  const uint8_t *p, *end;
} pb;

typedef struct pb_field {
  uint32_t num;
  unsigned wire;
  uint64_t v;          /* varint / fixed32 / fixed64 payload */
  const uint8_t *data; /* LEN payload */
  size_t len;
  size_t at; /* file offset of the tag */
} pb_field;

static int pb_varint(pb *r, uint64_t *out) {
  uint64_t v = 0;
  for (unsigned i = 0; i < 10; i++) {
    if (r->p >= r->end) return -1;
    uint8_t b = *r->p++;
    if (i == 9 && b > 1) return -1; /* beyond 64 bits */
    v |= (uint64_t)(b & 0x7F) << (7 * i);
    if (!(b & 0x80)) {
      *out = v;
      return 0;
    }
  }
  return -1;
}

/* 1: a field; 0: end of message; negative: malformed (message in d). */
static int pb_next(pb *r, pb_field *f, const char *what, wick_diag *d) {
  if (r->p >= r->end) return 0;
  memset(f, 0, sizeof *f);
  f->at = (size_t)(r->p - r->base);
  uint64_t tag;
  if (pb_varint(r, &tag) != 0) {
    wick_diag_set(d, WICK_ERR_MALFORMED, "spm: %s: bad field tag at byte %zu", what, f->at);
    return -1;
  }
  uint64_t num = tag >> 3;
  f->wire = (unsigned)(tag & 7);
  if (num == 0 || num > 536870911u) {
    wick_diag_set(d, WICK_ERR_MALFORMED, "spm: %s: invalid field number %llu at byte %zu", what,
                  (unsigned long long)num, f->at);
    return -1;
  }
  f->num = (uint32_t)num;
  size_t left;
  switch (f->wire) {
    case 0:
      if (pb_varint(r, &f->v) != 0) break;
      return 1;
    case 1:
    case 5: {
      size_t w = f->wire == 1 ? 8 : 4;
      if ((size_t)(r->end - r->p) < w) break;
      for (size_t i = w; i-- > 0;) f->v = (f->v << 8) | r->p[i];
      r->p += w;
      return 1;
    }
    case 2: {
      uint64_t len;
      if (pb_varint(r, &len) != 0) break;
      left = (size_t)(r->end - r->p);
      if (len > left) {
        wick_diag_set(d, WICK_ERR_MALFORMED,
                      "spm: %s: field %u at byte %zu has length %llu but %zu bytes remain", what,
                      f->num, f->at, (unsigned long long)len, left);
        return -1;
      }
      f->data = r->p;
      f->len = (size_t)len;
      r->p += len;
      return 1;
    }
    default:
      wick_diag_set(d, WICK_ERR_MALFORMED, "spm: %s: field %u at byte %zu has wire type %u", what,
                    f->num, f->at, f->wire);
      return -1;
  }
  wick_diag_set(d, WICK_ERR_MALFORMED, "spm: %s: field %u at byte %zu is truncated", what, f->num,
                f->at);
  return -1;
}

static pb pb_sub(const pb *r, const pb_field *f) {
  pb s = {r->base, f->data, f->data + f->len};
  return s;
}

/* The expected wire type for a known field, or a message naming it. */
static bool pb_want(const pb_field *f, unsigned wire, const char *name, wick_diag *d) {
  if (f->wire == wire) return true;
  wick_diag_set(d, WICK_ERR_MALFORMED, "spm: %s at byte %zu has wire type %u, expected %u", name,
                f->at, f->wire, wire);
  return false;
}

/* ---- loading ------------------------------------------------------------------ */

enum { SPM_UNIGRAM = 1, SPM_BPE = 2, SPM_WORD = 3, SPM_CHAR = 4 };

typedef struct str {
  const uint8_t *p;
  size_t n;
} str;

typedef struct spm_spec {
  uint64_t model_type;
  bool byte_fallback, ws_suffix;
  str unk_surface, bos_piece, eos_piece, pad_piece;
  bool has_unk_surface;
  str norm_name, charsmap, denorm_charsmap;
  bool add_dummy_prefix, remove_extra, escape_ws;
} spm_spec;

static const char *type_name(uint64_t ty) {
  static const char *const names[] = {"?", "NORMAL", "UNKNOWN", "CONTROL",
                                      "USER_DEFINED", "UNUSED", "BYTE"};
  return ty <= 6 ? names[ty] : "?";
}

static wick_status parse_trainer(pb r, spm_spec *s, wick_diag *d) {
  pb_field f;
  int k;
  while ((k = pb_next(&r, &f, "trainer_spec", d)) > 0) {
    switch (f.num) {
      case 3:
        if (!pb_want(&f, 0, "trainer_spec.model_type", d)) return WICK_ERR_MALFORMED;
        s->model_type = f.v;
        break;
      case 24:
        if (!pb_want(&f, 0, "trainer_spec.treat_whitespace_as_suffix", d)) return WICK_ERR_MALFORMED;
        s->ws_suffix = f.v != 0;
        break;
      case 35:
        if (!pb_want(&f, 0, "trainer_spec.byte_fallback", d)) return WICK_ERR_MALFORMED;
        s->byte_fallback = f.v != 0;
        break;
      case 44:
      case 46:
      case 47:
      case 48: {
        static const char *const names[] = {"trainer_spec.unk_surface", "trainer_spec.bos_piece",
                                            "trainer_spec.eos_piece", "trainer_spec.pad_piece"};
        int i = f.num == 44 ? 0 : (int)f.num - 45;
        if (!pb_want(&f, 2, names[i], d)) return WICK_ERR_MALFORMED;
        str v = {f.data, f.len};
        if (i == 0) {
          s->unk_surface = v;
          s->has_unk_surface = true;
        } else if (i == 1) {
          s->bos_piece = v;
        } else if (i == 2) {
          s->eos_piece = v;
        } else {
          s->pad_piece = v;
        }
        break;
      }
      default: break;
    }
  }
  return k < 0 ? WICK_ERR_MALFORMED : WICK_OK;
}

static wick_status parse_normalizer(pb r, spm_spec *s, bool denorm, wick_diag *d) {
  const char *what = denorm ? "denormalizer_spec" : "normalizer_spec";
  pb_field f;
  int k;
  while ((k = pb_next(&r, &f, what, d)) > 0) {
    if (f.num == 1 || f.num == 2) {
      if (!pb_want(&f, 2, f.num == 1 ? "normalizer_spec.name" : "normalizer_spec.precompiled_charsmap", d))
        return WICK_ERR_MALFORMED;
      str v = {f.data, f.len};
      if (denorm) {
        if (f.num == 2) s->denorm_charsmap = v;
      } else if (f.num == 1) {
        s->norm_name = v;
      } else {
        s->charsmap = v;
      }
    } else if (!denorm && f.num >= 3 && f.num <= 5) {
      static const char *const names[] = {"normalizer_spec.add_dummy_prefix",
                                          "normalizer_spec.remove_extra_whitespaces",
                                          "normalizer_spec.escape_whitespaces"};
      if (!pb_want(&f, 0, names[f.num - 3], d)) return WICK_ERR_MALFORMED;
      bool v = f.v != 0;
      if (f.num == 3) s->add_dummy_prefix = v;
      else if (f.num == 4) s->remove_extra = v;
      else s->escape_ws = v;
    }
  }
  return k < 0 ? WICK_ERR_MALFORMED : WICK_OK;
}

/* One SentencePiece message. */
static wick_status parse_piece(pb r, size_t index, str *piece, float *score, uint64_t *type,
                               wick_diag *d) {
  pb_field f;
  int k;
  piece->p = NULL;
  piece->n = 0;
  *score = 0.0f;
  *type = WICK_TOK_NORMAL;
  bool have_piece = false;
  while ((k = pb_next(&r, &f, "pieces", d)) > 0) {
    if (f.num == 1) {
      if (!pb_want(&f, 2, "pieces.piece", d)) return WICK_ERR_MALFORMED;
      piece->p = f.data;
      piece->n = f.len;
      have_piece = true;
    } else if (f.num == 2) {
      if (!pb_want(&f, 5, "pieces.score", d)) return WICK_ERR_MALFORMED;
      uint32_t bits = (uint32_t)f.v;
      memcpy(score, &bits, 4);
    } else if (f.num == 3) {
      if (!pb_want(&f, 0, "pieces.type", d)) return WICK_ERR_MALFORMED;
      *type = f.v;
    }
  }
  if (k < 0) return WICK_ERR_MALFORMED;
  if (!have_piece || piece->n == 0)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "spm: pieces[%zu] has an empty piece", index);
  if (*type < 1 || *type > 6)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "spm: pieces[%zu].type %llu is not a known type",
                         index, (unsigned long long)*type);
  if (isnan(*score))
    return wick_diag_set(d, WICK_ERR_MALFORMED, "spm: pieces[%zu].score is NaN", index);
  if (memchr(piece->p, 0, piece->n))
    return wick_diag_set(d, WICK_ERR_MALFORMED, "spm: pieces[%zu] holds a NUL byte", index);
  return WICK_OK;
}

static bool str_eq(const wick_tokenizer *t, int32_t id, const char *s, size_t n) {
  return t->lengths[id] == n && memcmp(t->text + t->offsets[id], s, n) == 0;
}

/* Number of bytes of the first UTF-8 character (sentencepiece's OneCharLen). */
static size_t one_char_len(uint8_t c) { return "\1\1\1\1\1\1\1\1\1\1\1\1\2\2\3\4"[c >> 4]; }

static wick_status load_spm(wick_tokenizer *t, const uint8_t *data, size_t size,
                            int32_t vocab_size, wick_diag *d) {
  spm_spec s;
  memset(&s, 0, sizeof s);
  s.model_type = SPM_UNIGRAM;
  s.add_dummy_prefix = s.remove_extra = s.escape_ws = true;
  static const char kUnk[] = " \xe2\x81\x87 ";
  s.bos_piece = (str){(const uint8_t *)"<s>", 3};
  s.eos_piece = (str){(const uint8_t *)"</s>", 4};
  s.pad_piece = (str){(const uint8_t *)"<pad>", 5};

  /* Pass 1: the specs, count pieces and text bytes. */
  pb r = {data, data, data + size};
  pb_field f;
  int k;
  size_t count = 0, text_bytes = 0;
  wick_status st;
  while ((k = pb_next(&r, &f, "ModelProto", d)) > 0) {
    if (f.num >= 1 && f.num <= 5 && f.num != 4) {
      static const char *const names[] = {"pieces", "trainer_spec", "normalizer_spec", "",
                                          "denormalizer_spec"};
      if (!pb_want(&f, 2, names[f.num - 1], d)) return WICK_ERR_MALFORMED;
    }
    if (f.num == 1) {
      str p;
      float sc;
      uint64_t ty;
      if ((st = parse_piece(pb_sub(&r, &f), count, &p, &sc, &ty, d))) return st;
      if (count >= (size_t)INT32_MAX - 1)
        return wick_diag_set(d, WICK_ERR_MALFORMED, "spm: too many pieces");
      count++;
      text_bytes += p.n + 1;
    } else if (f.num == 2) {
      if ((st = parse_trainer(pb_sub(&r, &f), &s, d))) return st;
    } else if (f.num == 3 || f.num == 5) {
      if ((st = parse_normalizer(pb_sub(&r, &f), &s, f.num == 5, d))) return st;
    }
  }
  if (k < 0) return WICK_ERR_MALFORMED;
  if (count == 0) return wick_diag_set(d, WICK_ERR_MALFORMED, "spm: the model has no pieces");
  if (vocab_size > 0 && count != (size_t)vocab_size)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "spm: %zu pieces, the model has %d", count,
                         (int)vocab_size);
  if (text_bytes > UINT32_MAX)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "spm: pieces too large");

  /* What wick can reproduce exactly. */
  if (s.model_type != SPM_BPE) {
    static const char *const mt[] = {"?", "UNIGRAM", "BPE", "WORD", "CHAR"};
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "spm: trainer_spec.model_type is %s (%llu); wick reads BPE (2) models only",
                         s.model_type <= 4 ? mt[s.model_type] : "unknown",
                         (unsigned long long)s.model_type);
  }
  if (s.charsmap.n > 0)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "spm: normalizer_spec.precompiled_charsmap is not empty (normalizer_spec.name "
                         "'%.*s'); wick supports the 'identity' normalization only",
                         (int)(s.norm_name.n < 40 ? s.norm_name.n : 40),
                         (const char *)s.norm_name.p);
  if (s.denorm_charsmap.n > 0)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "spm: denormalizer_spec.precompiled_charsmap is not empty; not supported");
  if (!s.escape_ws)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "spm: normalizer_spec.escape_whitespaces is false; not supported");
  if (s.ws_suffix)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "spm: trainer_spec.treat_whitespace_as_suffix is true; not supported");

  /* Pass 2: the pieces. */
  size_t n = count;
  t->vocab_size = (int32_t)n;
  t->spm = true;
  t->space_id = -1;
  t->no_dummy_prefix = !s.add_dummy_prefix;
  t->remove_extra_whitespaces = s.remove_extra;
  t->byte_fallback = s.byte_fallback;
  t->bos_id = t->eos_id = t->pad_id = t->unk_id = -1;
  t->scores = malloc(n * sizeof *t->scores);
  t->offsets = malloc(n * sizeof *t->offsets);
  t->lengths = malloc(n * sizeof *t->lengths);
  t->sorted = malloc(n * sizeof *t->sorted);
  t->types = malloc(n);
  t->byte_ids = malloc(256 * sizeof *t->byte_ids);
  t->text = malloc(text_bytes);
  const str *us = s.has_unk_surface ? &s.unk_surface : &(str){(const uint8_t *)kUnk, sizeof kUnk - 1};
  t->unk_surface = malloc(us->n + 1);
  if (!t->scores || !t->offsets || !t->lengths || !t->sorted || !t->types || !t->byte_ids ||
      !t->text || !t->unk_surface)
    return wick_diag_set(d, WICK_ERR_MEMORY, "spm: out of memory");
  memcpy(t->unk_surface, us->p, us->n);
  t->unk_surface[us->n] = '\0';
  for (int b = 0; b < 256; b++) t->byte_ids[b] = -1;

  r = (pb){data, data, data + size};
  size_t i = 0, tpos = 0;
  int32_t ns = 0;
  while (pb_next(&r, &f, "ModelProto", d) > 0) {
    if (f.num != 1) continue;
    str p;
    float sc;
    uint64_t ty;
    if ((st = parse_piece(pb_sub(&r, &f), i, &p, &sc, &ty, d))) return st;
    if (ty == WICK_TOK_USER_DEFINED || ty == WICK_TOK_UNUSED)
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                           "spm: pieces[%zu] '%.*s' has type %s; not supported", i,
                           (int)(p.n < 40 ? p.n : 40), (const char *)p.p, type_name(ty));
    size_t w = wick_tok_copy_piece(t->text + tpos, (const char *)p.p, p.n);
    if (ty == WICK_TOK_NORMAL && memchr(p.p, ' ', p.n))
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                           "spm: pieces[%zu] '%.*s' holds a raw ' ' (escape_whitespaces writes "
                           "U+2581); not supported",
                           i, (int)(p.n < 40 ? p.n : 40), (const char *)p.p);
    /* sentencepiece looks up reserved pieces before normal ones: a
     * one-character reserved piece would change the segmentation */
    if (ty != WICK_TOK_NORMAL && ty != WICK_TOK_BYTE && one_char_len(p.p[0]) >= p.n)
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                           "spm: pieces[%zu] '%.*s' is a one-character %s piece; not supported", i,
                           (int)p.n, (const char *)p.p, type_name(ty));
    t->text[tpos + w] = '\0';
    t->offsets[i] = (uint32_t)tpos;
    t->lengths[i] = (uint32_t)w;
    if (w > t->longest) t->longest = (uint32_t)w;
    t->scores[i] = sc;
    t->types[i] = (uint8_t)ty;
    tpos += w + 1;
    if (ty == WICK_TOK_NORMAL) t->sorted[ns++] = (int32_t)i;
    const char *q = (const char *)p.p;
    if (ty == WICK_TOK_BYTE) {
      int hi = p.n == 6 ? wick_tok_hexval(q[3]) : -1, lo = p.n == 6 ? wick_tok_hexval(q[4]) : -1;
      if (!s.byte_fallback)
        return wick_diag_set(d, WICK_ERR_MALFORMED,
                             "spm: pieces[%zu] is a BYTE piece but trainer_spec.byte_fallback is "
                             "false",
                             i);
      if (p.n != 6 || memcmp(q, "<0x", 3) != 0 || q[5] != '>' || hi < 0 || lo < 0 ||
          (q[3] >= 'a' || q[4] >= 'a'))
        return wick_diag_set(d, WICK_ERR_MALFORMED,
                             "spm: BYTE pieces[%zu] '%.*s' is not of the form <0xXX>", i,
                             (int)(p.n < 40 ? p.n : 40), q);
      if (t->byte_ids[hi * 16 + lo] >= 0)
        return wick_diag_set(d, WICK_ERR_MALFORMED, "spm: byte piece '%.6s' appears twice", q);
      t->byte_ids[hi * 16 + lo] = (int32_t)i;
    }
    if (ty == WICK_TOK_UNKNOWN) {
      if (t->unk_id >= 0)
        return wick_diag_set(d, WICK_ERR_MALFORMED, "spm: pieces[%d] and [%zu] are both UNKNOWN",
                             (int)t->unk_id, i);
      t->unk_id = (int32_t)i;
    }
    i++;
  }
  if (t->unk_id < 0)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "spm: no UNKNOWN piece (the unk piece is required)");
  if (s.byte_fallback)
    for (int b = 0; b < 256; b++)
      if (t->byte_ids[b] < 0)
        return wick_diag_set(d, WICK_ERR_MALFORMED,
                             "spm: trainer_spec.byte_fallback is true but piece <0x%02X> is missing",
                             (unsigned)b);

  /* duplicates: sentencepiece refuses them */
  int32_t *all = malloc(n * sizeof *all);
  if (all == NULL) return wick_diag_set(d, WICK_ERR_MEMORY, "spm: out of memory");
  for (size_t j = 0; j < n; j++) all[j] = (int32_t)j;
  wick_tok_sort_ids(t, all, n);
  for (size_t j = 1; j < n; j++) {
    int32_t a = all[j - 1], b = all[j];
    if (t->lengths[a] == t->lengths[b] &&
        memcmp(t->text + t->offsets[a], t->text + t->offsets[b], t->lengths[a]) == 0) {
      free(all);
      return wick_diag_set(d, WICK_ERR_MALFORMED, "spm: pieces[%d] and [%d] are the same piece",
                           (int)a, (int)b);
    }
  }
  free(all);

  t->n_sorted = ns;
  wick_tok_sort_ids(t, t->sorted, (size_t)ns);
  t->max_token_length = t->longest;
  /* bos / eos / pad: the named pieces, when they are CONTROL pieces */
  const str *named[3] = {&s.bos_piece, &s.eos_piece, &s.pad_piece};
  int32_t *ids[3] = {&t->bos_id, &t->eos_id, &t->pad_id};
  for (int j = 0; j < 3; j++)
    for (size_t id = 0; id < n; id++)
      if (t->types[id] == WICK_TOK_CONTROL &&
          str_eq(t, (int32_t)id, (const char *)named[j]->p, named[j]->n)) {
        *ids[j] = (int32_t)id;
        break;
      }
  return WICK_OK;
}

wick_status wick_tokenizer_load_spm(wick_tokenizer *t, const void *data, size_t size,
                                    int32_t vocab_size, wick_diag *d) {
  if (t == NULL || (data == NULL && size > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "spm: NULL argument");
  memset(t, 0, sizeof *t);
  if (vocab_size < 0)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "spm: vocab_size %d is negative",
                         (int)vocab_size);
  wick_status s = load_spm(t, data, size, vocab_size, d);
  if (s) wick_tokenizer_free(t);
  return s;
}

bool wick_tok_spm_has_magic(const void *data, size_t size) {
  /* field 1 (pieces), length-delimited, whose message starts with its own
   * field 1 (piece), length-delimited */
  const uint8_t *p = data;
  if (p == NULL || size < 4 || p[0] != 0x0A) return false;
  pb r = {p, p + 1, p + size};
  uint64_t len;
  if (pb_varint(&r, &len) != 0 || len < 2 || len > (uint64_t)(r.end - r.p)) return false;
  return r.p[0] == 0x0A;
}

/* ---- encoding ----------------------------------------------------------------- */

/* Length of the valid UTF-8 character at s (n >= 1 bytes), 0 when invalid:
 * sentencepiece's string_util::DecodeUTF8 (shortest form, no surrogates,
 * at most U+10FFFF). */
static size_t utf8_len(const uint8_t *s, size_t n) {
  uint8_t c = s[0];
  if (c < 0x80) return 1;
#define TRAIL(x) (((x) & 0xC0) == 0x80)
  if ((c & 0xE0) == 0xC0) {
    if (n >= 2 && TRAIL(s[1]) && (((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F)) >= 0x80) return 2;
  } else if ((c & 0xF0) == 0xE0) {
    if (n >= 3 && TRAIL(s[1]) && TRAIL(s[2])) {
      uint32_t cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
      if (cp >= 0x800 && (cp < 0xD800 || cp >= 0xE000)) return 3;
    }
  } else if ((c & 0xF8) == 0xF0) {
    if (n >= 4 && TRAIL(s[1]) && TRAIL(s[2]) && TRAIL(s[3])) {
      uint32_t cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
                    ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
      if (cp >= 0x10000 && cp <= 0x10FFFF) return 4;
    }
  }
#undef TRAIL
  return 0;
}

/* normalizer.cc with an empty charsmap: writes the normalized text (U+2581
 * as ' ') to out (room for 3 * len + 1 bytes) and returns its length. */
static size_t normalize(const wick_tokenizer *t, const uint8_t *in, size_t len, char *out) {
  static const char kFFFD[3] = {(char)0xEF, (char)0xBF, (char)0xBD};
  size_t o = 0, i = 0;
  bool remove = t->remove_extra_whitespaces;
  if (remove)
    while (i < len && in[i] == ' ') i++;
  if (i == len) return 0;
  if (!t->no_dummy_prefix) out[o++] = ' ';
  bool prev_space = remove;
  while (i < len) {
    size_t cl = utf8_len(in + i, len - i);
    if (cl == 0) { /* one invalid byte -> U+FFFD */
      memcpy(out + o, kFFFD, 3);
      o += 3;
      prev_space = false;
      i++;
    } else if (cl == 1 && in[i] == ' ') {
      if (!prev_space) out[o++] = ' ';
      prev_space = remove;
      i++;
    } else if (cl == 3 && in[i] == 0xE2 && in[i + 1] == 0x96 && in[i + 2] == 0x81) {
      out[o++] = ' '; /* U+2581: the space symbol itself */
      prev_space = false;
      i += 3;
    } else {
      memcpy(out + o, in + i, cl);
      o += cl;
      prev_space = false;
      i += cl;
    }
  }
  if (remove)
    while (o > 0 && out[o - 1] == ' ') o--;
  return o;
}

typedef struct sym {
  uint32_t start, len;
  int32_t prev, next;
} sym;

typedef struct pair {
  float score;
  int32_t left, right;
  uint32_t size;
} pair;

/* a before b in the agenda: higher score, then the leftmost */
static bool pair_before(const pair *a, const pair *b) {
  return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static void heap_push(pair *h, size_t *n, pair v) {
  size_t i = (*n)++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!pair_before(&v, &h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = v;
}

static pair heap_pop(pair *h, size_t *n) {
  pair top = h[0], last = h[--*n];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= *n) break;
    if (c + 1 < *n && pair_before(&h[c + 1], &h[c])) c++;
    if (!pair_before(&h[c], &last)) break;
    h[i] = h[c];
    i = c;
  }
  if (*n > 0) h[i] = last;
  return top;
}

wick_status wick_tok_spm_encode(const wick_tokenizer *t, const char *text, bool bos, bool eos,
                                int32_t *tokens, size_t cap, size_t *n, wick_diag *d) {
  size_t len = strlen(text);
  if (len > (SIZE_MAX / 4 - 16) / (sizeof(sym) + 3 * sizeof(pair)) || len > (size_t)INT32_MAX / 4)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "encode: text of %zu bytes is too long",
                         len);
  size_t max_syms = 3 * len + 2;
  /* one block: normalized text, symbols, agenda */
  size_t bytes = max_syms * sizeof(sym) + 3 * max_syms * sizeof(pair) + max_syms + 1;
  void *mem = malloc(bytes);
  if (mem == NULL) return wick_diag_set(d, WICK_ERR_MEMORY, "encode: out of memory");
  sym *syms = mem;
  pair *heap = (pair *)(syms + max_syms);
  char *norm = (char *)(heap + 3 * max_syms);
  size_t nlen = normalize(t, (const uint8_t *)text, len, norm);

  /* one symbol per character */
  int32_t ns = 0;
  for (size_t i = 0; i < nlen;) {
    size_t cl = one_char_len((uint8_t)norm[i]);
    if (cl > nlen - i) cl = nlen - i;
    syms[ns].start = (uint32_t)i;
    syms[ns].len = (uint32_t)cl;
    syms[ns].prev = ns - 1;
    syms[ns].next = ns + 1;
    ns++;
    i += cl;
  }
  if (ns > 0) syms[ns - 1].next = -1;

  size_t hn = 0;
#define ADD_PAIR(l, r)                                                                    \
  do {                                                                                    \
    int32_t l_ = (l), r_ = (r);                                                           \
    if (l_ >= 0 && r_ >= 0) {                                                             \
      uint32_t sz = syms[l_].len + syms[r_].len;                                          \
      int32_t id = wick_tok_lookup2(t, norm + syms[l_].start, sz, "", 0);                 \
      if (id >= 0) heap_push(heap, &hn, (pair){t->scores[id], l_, r_, sz});               \
    }                                                                                     \
  } while (0)
  for (int32_t i = 0; i + 1 < ns; i++) ADD_PAIR(i, i + 1);
  while (hn > 0) {
    pair top = heap_pop(heap, &hn);
    sym *l = &syms[top.left], *r = &syms[top.right];
    if (l->len == 0 || r->len == 0 || l->len + r->len != top.size) continue; /* stale */
    l->len += r->len;
    r->len = 0;
    l->next = r->next;
    if (r->next >= 0) syms[r->next].prev = top.left;
    ADD_PAIR(l->prev, top.left);
    ADD_PAIR(top.left, l->next);
  }
#undef ADD_PAIR

  wick_status st = WICK_OK;
  size_t cnt = 0;
#define PUSH(v)                                                                          \
  do {                                                                                   \
    if (cnt >= cap) {                                                                    \
      st = wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,                                   \
                         "encode: more than %zu tokens (buffer too small)", cap);        \
      goto done;                                                                         \
    }                                                                                    \
    tokens[cnt++] = (v);                                                                 \
  } while (0)
  if (bos) PUSH(t->bos_id);
  bool prev_unk = false;
  for (int32_t i = ns > 0 ? 0 : -1; i >= 0; i = syms[i].next) {
    const char *s = norm + syms[i].start;
    int32_t id = wick_tok_lookup2(t, s, syms[i].len, "", 0);
    bool unk = id < 0 && !t->byte_fallback;
    if (unk && prev_unk) continue; /* a run of unknown symbols is one unk */
    prev_unk = unk;
    if (id >= 0) {
      PUSH(id);
    } else if (t->byte_fallback) {
      for (uint32_t k = 0; k < syms[i].len; k++) {
        if (s[k] == ' ') {
          PUSH(t->byte_ids[0xE2]);
          PUSH(t->byte_ids[0x96]);
          PUSH(t->byte_ids[0x81]);
        } else {
          PUSH(t->byte_ids[(uint8_t)s[k]]);
        }
      }
    } else {
      PUSH(t->unk_id);
    }
  }
  if (eos) PUSH(t->eos_id);
#undef PUSH
  *n = cnt;
done:
  free(mem);
  return st;
}

/* ---- decoding ----------------------------------------------------------------- */

typedef struct outbuf {
  char *p;
  size_t cap, len;
} outbuf;

static void emit(outbuf *o, const char *s, size_t n) {
  if (o->len < o->cap) {
    size_t room = o->cap - o->len;
    memcpy(o->p + o->len, s, n < room ? n : room);
  }
  o->len += n;
}

/* The byte of a byte piece, or -1 when id is not one. */
static int byte_of(const wick_tokenizer *t, int32_t id) {
  const char *s = t->text + t->offsets[id];
  if (t->types && t->types[id] != WICK_TOK_BYTE) return -1;
  if (t->lengths[id] != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>') return -1;
  int hi = wick_tok_hexval(s[3]), lo = wick_tok_hexval(s[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/* ids[b..e) are byte pieces: their bytes as UTF-8, U+FFFD per invalid byte. */
static void emit_bytes(const wick_tokenizer *t, const int32_t *ids, size_t b, size_t e,
                       outbuf *o) {
  while (b < e) {
    uint8_t buf[4];
    size_t k = 0;
    for (; k < 4 && b + k < e; k++) buf[k] = (uint8_t)byte_of(t, ids[b + k]);
    size_t cl = utf8_len(buf, k);
    if (cl == 0) {
      emit(o, "\xef\xbf\xbd", 3);
      b++;
    } else {
      emit(o, (const char *)buf, cl);
      b += cl;
    }
  }
}

wick_status wick_tokenizer_decode_ids(const wick_tokenizer *t, const int32_t *ids, size_t n,
                                      char *out, size_t cap, size_t *len, wick_diag *d) {
  size_t dummy;
  if (len == NULL) len = &dummy;
  *len = 0;
  if (t == NULL || (ids == NULL && n > 0) || (out == NULL && cap > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "decode: NULL argument");
  for (size_t i = 0; i < n; i++)
    if (ids[i] < 0 || ids[i] >= t->vocab_size)
      return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                           "decode: id %d (position %zu) outside the vocabulary of %d",
                           (int)ids[i], i, (int)t->vocab_size);
  outbuf o = {out, cap, 0};
  bool strip = !t->no_dummy_prefix || (t->spm && t->remove_extra_whitespaces);
  bool is_bos_ws = true, bos_ws_seen = false;
  size_t byte_start = 0;
  for (size_t i = 0; i < n; i++) {
    int32_t id = ids[i];
    if (byte_of(t, id) >= 0) continue;
    emit_bytes(t, ids, byte_start, i, &o);
    byte_start = i + 1;
    if (bos_ws_seen || o.len > 0) is_bos_ws = false;
    bos_ws_seen = false;
    uint8_t ty = t->types ? t->types[id] : WICK_TOK_NORMAL;
    if (ty == WICK_TOK_CONTROL) continue;
    if (ty == WICK_TOK_UNKNOWN) {
      const char *u = t->unk_surface ? t->unk_surface : " \xe2\x81\x87 ";
      emit(&o, u, strlen(u));
      continue;
    }
    const char *s = t->text + t->offsets[id];
    size_t sn = t->lengths[id];
    if (is_bos_ws && strip && sn > 0 && s[0] == ' ') {
      s++;
      sn--;
      /* removing extra whitespace: every leading ' ' goes */
      bos_ws_seen = !(t->spm && t->remove_extra_whitespaces);
    }
    emit(&o, s, sn);
  }
  emit_bytes(t, ids, byte_start, n, &o);
  *len = o.len;
  if (o.len >= cap)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "decode: %zu bytes of text do not fit in %zu (with the NUL)", o.len, cap);
  out[o.len] = '\0';
  return WICK_OK;
}
