/* GGUF reader: header, metadata, tensor infos, dequantization. See gguf.h.
 * Written from the format description (ggml docs/gguf.md, gguf-py's
 * constants); every read is checked against the image size first. */
#include "llm/gguf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wick/tensor.h"

/* Block size (elements) and bytes per block of the ggml types we know. */
typedef struct type_traits {
  uint32_t type;
  const char *name;
  uint32_t block;
  uint32_t bytes;
} type_traits;

static const type_traits kTypes[] = {
    {WICK_GGML_F32, "F32", 1, 4},       {WICK_GGML_F16, "F16", 1, 2},
    {WICK_GGML_Q4_0, "Q4_0", 32, 18},   {WICK_GGML_Q4_1, "Q4_1", 32, 20},
    {WICK_GGML_Q5_0, "Q5_0", 32, 22},   {WICK_GGML_Q5_1, "Q5_1", 32, 24},
    {WICK_GGML_Q8_0, "Q8_0", 32, 34},   {WICK_GGML_Q8_1, "Q8_1", 32, 36},
    {WICK_GGML_Q2_K, "Q2_K", 256, 84},  {WICK_GGML_Q3_K, "Q3_K", 256, 110},
    {WICK_GGML_Q4_K, "Q4_K", 256, 144}, {WICK_GGML_Q5_K, "Q5_K", 256, 176},
    {WICK_GGML_Q6_K, "Q6_K", 256, 210}, {WICK_GGML_Q8_K, "Q8_K", 256, 292},
    {WICK_GGML_I8, "I8", 1, 1},         {WICK_GGML_I16, "I16", 1, 2},
    {WICK_GGML_I32, "I32", 1, 4},       {WICK_GGML_I64, "I64", 1, 8},
    {WICK_GGML_F64, "F64", 1, 8},       {WICK_GGML_BF16, "BF16", 1, 2},
};

static const type_traits *traits_of(uint32_t type) {
  for (size_t i = 0; i < sizeof kTypes / sizeof kTypes[0]; i++)
    if (kTypes[i].type == type) return &kTypes[i];
  return NULL;
}

const char *wick_ggml_type_name(uint32_t type) {
  const type_traits *t = traits_of(type);
  if (t) return t->name;
  static _Thread_local char buf[24];
  snprintf(buf, sizeof buf, "type %u", (unsigned)type);
  return buf;
}

bool wick_gguf_can_dequantize(uint32_t type) {
  return type == WICK_GGML_F32 || type == WICK_GGML_F16 || type == WICK_GGML_BF16 ||
         type == WICK_GGML_Q8_0 || type == WICK_GGML_Q4_0 || type == WICK_GGML_Q4_1;
}

static const char *value_type_name(uint32_t t) {
  static const char *const names[] = {"UINT8",  "INT8",    "UINT16", "INT16",  "UINT32",
                                      "INT32",  "FLOAT32", "BOOL",   "STRING", "ARRAY",
                                      "UINT64", "INT64",   "FLOAT64"};
  return t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

/* Bytes of a fixed-size value type; 0 for STRING / ARRAY / unknown. */
static uint64_t fixed_size(uint32_t t) {
  switch (t) {
    case WICK_GGUF_UINT8:
    case WICK_GGUF_INT8:
    case WICK_GGUF_BOOL: return 1;
    case WICK_GGUF_UINT16:
    case WICK_GGUF_INT16: return 2;
    case WICK_GGUF_UINT32:
    case WICK_GGUF_INT32:
    case WICK_GGUF_FLOAT32: return 4;
    case WICK_GGUF_UINT64:
    case WICK_GGUF_INT64:
    case WICK_GGUF_FLOAT64: return 8;
    default: return 0;
  }
}

bool wick_gguf_has_magic(const void *data, size_t size) {
  return data != NULL && size >= 4 && memcmp(data, "GGUF", 4) == 0;
}

/* ---- bounded reader ------------------------------------------------------------- */

typedef struct reader {
  const uint8_t *p;
  size_t size;
  size_t off;
  wick_diag *d;
} reader;

static size_t left(const reader *r) {
  return r->size - r->off;
}

static uint64_t ld(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

/* Reads an n-byte little-endian unsigned; fails naming `what`. */
static wick_status rd_uint(reader *r, int n, uint64_t *v, const char *what, const char *ctx) {
  if (left(r) < (size_t)n)
    return wick_diag_set(r->d, WICK_ERR_MALFORMED,
                         "GGUF: %s%s%s at byte %zu is truncated (%zu bytes left, %d needed)", ctx,
                         ctx[0] ? ": " : "", what, r->off, left(r), n);
  *v = ld(r->p + r->off, n);
  r->off += (size_t)n;
  return WICK_OK;
}

/* A string: u64 length + bytes. */
static wick_status rd_string(reader *r, const char **s, uint64_t *len, const char *what,
                             const char *ctx) {
  uint64_t n = 0;
  wick_status st = rd_uint(r, 8, &n, what, ctx);
  if (st) return st;
  if (n > left(r))
    return wick_diag_set(r->d, WICK_ERR_MALFORMED,
                         "GGUF: %s%s%s at byte %zu has length %llu but %zu bytes remain", ctx,
                         ctx[0] ? ": " : "", what, r->off - 8, (unsigned long long)n, left(r));
  *s = (const char *)(r->p + r->off);
  *len = n;
  r->off += (size_t)n;
  return WICK_OK;
}

/* Skips (and checks) a value of `type`; arrays nest at most 2 deep. */
static wick_status skip_value(reader *r, uint32_t type, int depth, const char *key) {
  uint64_t fs = fixed_size(type);
  if (fs) {
    if (left(r) < fs)
      return wick_diag_set(r->d, WICK_ERR_MALFORMED,
                           "GGUF: key '%s': %s value at byte %zu is truncated", key,
                           value_type_name(type), r->off);
    r->off += (size_t)fs;
    return WICK_OK;
  }
  wick_status st;
  if (type == WICK_GGUF_STRING) {
    const char *s;
    uint64_t n;
    return rd_string(r, &s, &n, "string value", key);
  }
  if (type != WICK_GGUF_ARRAY)
    return wick_diag_set(r->d, WICK_ERR_MALFORMED, "GGUF: key '%s': unknown value type %u", key,
                         (unsigned)type);
  if (depth >= 2)
    return wick_diag_set(r->d, WICK_ERR_MALFORMED, "GGUF: key '%s': arrays nested too deeply", key);
  uint64_t et = 0, count = 0;
  if ((st = rd_uint(r, 4, &et, "array element type", key))) return st;
  if ((st = rd_uint(r, 8, &count, "array length", key))) return st;
  uint64_t efs = fixed_size((uint32_t)et);
  if (et > UINT32_MAX || (efs == 0 && et != WICK_GGUF_STRING && et != WICK_GGUF_ARRAY))
    return wick_diag_set(r->d, WICK_ERR_MALFORMED, "GGUF: key '%s': array of unknown type %llu",
                         key, (unsigned long long)et);
  /* the smallest element: its fixed size, 8 (string length), 12 (array header) */
  uint64_t min = efs ? efs : et == WICK_GGUF_STRING ? 8 : 12;
  if (count > left(r) / min)
    return wick_diag_set(r->d, WICK_ERR_MALFORMED,
                         "GGUF: key '%s': array of %llu %s elements does not fit in the %zu bytes "
                         "left",
                         key, (unsigned long long)count, value_type_name((uint32_t)et), left(r));
  if (efs) {
    r->off += (size_t)(count * efs);
    return WICK_OK;
  }
  for (uint64_t i = 0; i < count; i++)
    if ((st = skip_value(r, (uint32_t)et, depth + 1, key))) return st;
  return WICK_OK;
}

/* A key or tensor name: non-empty, no NUL, at most max bytes. */
static wick_status check_name(reader *r, const char *s, uint64_t n, uint64_t max, const char *what,
                              uint64_t index) {
  if (n == 0 || n > max || memchr(s, 0, (size_t)n) != NULL)
    return wick_diag_set(r->d, WICK_ERR_MALFORMED,
                         "GGUF: %s %llu is %s (%llu bytes; 1..%llu without NUL allowed)", what,
                         (unsigned long long)index,
                         n == 0    ? "empty"
                         : n > max ? "too long"
                                   : "contains a NUL",
                         (unsigned long long)n, (unsigned long long)max);
  return WICK_OK;
}

static int cmp_str_ptr(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted copy of the names; the first duplicate or NULL. */
static wick_status find_duplicate(const char **names, uint64_t n, const char **dup) {
  *dup = NULL;
  if (n < 2) return WICK_OK;
  const char **v = malloc((size_t)n * sizeof *v);
  if (v == NULL) return WICK_ERR_MEMORY;
  memcpy(v, names, (size_t)n * sizeof *v);
  qsort(v, (size_t)n, sizeof *v, cmp_str_ptr);
  for (uint64_t i = 1; i < n && *dup == NULL; i++)
    if (strcmp(v[i - 1], v[i]) == 0) *dup = v[i];
  free(v);
  return WICK_OK;
}

void wick_gguf_free(wick_gguf *g) {
  if (g == NULL) return;
  free(g->kv);
  free(g->tensors);
  free(g->names);
  memset(g, 0, sizeof *g);
}

#define MAX_KEY_LEN 65535u
#define MAX_TENSOR_NAME_LEN 256u

wick_status wick_gguf_parse(wick_gguf *g, const void *data, size_t size, wick_diag *d) {
  if (g == NULL || (data == NULL && size > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "GGUF: NULL argument");
  memset(g, 0, sizeof *g);
  reader r = {data, size, 0, d};
  if (size < 4 || memcmp(data, "GGUF", 4) != 0)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: bad magic (not a GGUF file)");
  r.off = 4;
  uint64_t version = 0, n_tensors = 0, n_kv = 0;
  wick_status st;
  if ((st = rd_uint(&r, 4, &version, "version", ""))) return st;
  if (version == 1)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "GGUF: version 1 (32-bit counts) is not supported; re-convert the model");
  if (version == 0x02000000u || version == 0x03000000u)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "GGUF: big-endian files are not supported");
  if (version != 2 && version != 3)
    return wick_diag_set(d, version == 0 ? WICK_ERR_MALFORMED : WICK_ERR_NOT_SUPPORTED,
                         "GGUF: version %llu is not supported (wick reads versions 2 and 3)",
                         (unsigned long long)version);
  if ((st = rd_uint(&r, 8, &n_tensors, "tensor_count", ""))) return st;
  if ((st = rd_uint(&r, 8, &n_kv, "metadata_kv_count", ""))) return st;
  /* smallest kv: 8 (key length) + 1 + 4 (type) + 1; tensor info: 8 + 1 + 4 + 8 + 4 + 8 */
  if (n_kv > left(&r) / 14)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "GGUF: metadata_kv_count %llu cannot fit in the %zu bytes left",
                         (unsigned long long)n_kv, left(&r));
  if (n_tensors > left(&r) / 33)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "GGUF: tensor_count %llu cannot fit in the %zu bytes left",
                         (unsigned long long)n_tensors, left(&r));
  g->image = data;
  g->size = size;
  g->version = (uint32_t)version;
  g->n_kv = n_kv;
  g->n_tensors = n_tensors;
  g->kv = calloc(n_kv ? (size_t)n_kv : 1, sizeof *g->kv);
  g->tensors = calloc(n_tensors ? (size_t)n_tensors : 1, sizeof *g->tensors);
  if (g->kv == NULL || g->tensors == NULL) {
    wick_gguf_free(g);
    return wick_diag_set(d, WICK_ERR_MEMORY, "GGUF: out of memory");
  }
  uint64_t name_bytes = 0;

  /* ---- metadata ---- */
  char ctx[96];
  for (uint64_t i = 0; i < n_kv; i++) {
    wick_gguf_kv *kv = &g->kv[i];
    snprintf(ctx, sizeof ctx, "metadata entry %llu", (unsigned long long)i);
    const char *key;
    uint64_t klen = 0, type = 0;
    if ((st = rd_string(&r, &key, &klen, "key", ctx))) goto fail;
    if ((st = check_name(&r, key, klen, MAX_KEY_LEN, "the key of metadata entry", i))) goto fail;
    /* the key, NUL-terminated and cut, for messages */
    snprintf(ctx, sizeof ctx, "%.*s", (int)(klen < 80 ? klen : 80), key);
    if ((st = rd_uint(&r, 4, &type, "value type", ctx))) goto fail;
    kv->key = key;
    kv->key_len = klen;
    kv->type = (uint32_t)type;
    name_bytes += klen + 1;
    size_t at = r.off;
    if (type == WICK_GGUF_STRING) {
      if ((st = rd_string(&r, &kv->str, &kv->len, "string value", ctx))) goto fail;
    } else if (type == WICK_GGUF_ARRAY) {
      if ((st = skip_value(&r, WICK_GGUF_ARRAY, 0, ctx))) goto fail;
      kv->arr_type = (uint32_t)ld(g->image + at, 4);
      kv->arr_count = ld(g->image + at + 4, 8);
      kv->arr_data = g->image + at + 12;
    } else {
      if ((st = skip_value(&r, (uint32_t)type, 0, ctx))) goto fail;
      uint64_t fs = fixed_size((uint32_t)type);
      uint64_t raw = ld(g->image + at, (int)fs);
      switch (type) {
        case WICK_GGUF_INT8: kv->i = (int8_t)raw; break;
        case WICK_GGUF_INT16: kv->i = (int16_t)raw; break;
        case WICK_GGUF_INT32: kv->i = (int32_t)raw; break;
        case WICK_GGUF_INT64: memcpy(&kv->i, &raw, 8); break;
        case WICK_GGUF_FLOAT32: {
          uint32_t b = (uint32_t)raw;
          float f;
          memcpy(&f, &b, 4);
          kv->f = f;
          break;
        }
        case WICK_GGUF_FLOAT64: memcpy(&kv->f, &raw, 8); break;
        default: kv->i = raw <= INT64_MAX ? (int64_t)raw : -1; break;
      }
      kv->u = raw;
      if (type == WICK_GGUF_INT8 || type == WICK_GGUF_INT16 || type == WICK_GGUF_INT32 ||
          type == WICK_GGUF_INT64)
        kv->u = (uint64_t)kv->i;
    }
  }

  /* ---- alignment ---- */
  g->alignment = WICK_GGUF_DEFAULT_ALIGNMENT;
  for (uint64_t i = 0; i < n_kv; i++) {
    const wick_gguf_kv *kv = &g->kv[i];
    if (kv->key_len == 17 && memcmp(kv->key, "general.alignment", 17) == 0) {
      if (kv->type != WICK_GGUF_UINT32 || kv->u == 0 || (kv->u & (kv->u - 1)) != 0 ||
          kv->u > (1u << 30)) {
        st = wick_diag_set(d, WICK_ERR_MALFORMED,
                           "GGUF: key 'general.alignment' must be a UINT32 power of two, got a "
                           "%s (%llu)",
                           value_type_name(kv->type), (unsigned long long)kv->u);
        goto fail;
      }
      g->alignment = (uint32_t)kv->u;
    }
  }

  /* ---- tensor infos ---- */
  if (n_tensors > left(&r) / 33) {
    st = wick_diag_set(d, WICK_ERR_MALFORMED,
                       "GGUF: tensor_count %llu cannot fit in the %zu bytes after the metadata",
                       (unsigned long long)n_tensors, left(&r));
    goto fail;
  }
  for (uint64_t i = 0; i < n_tensors; i++) {
    wick_gguf_tensor *t = &g->tensors[i];
    snprintf(ctx, sizeof ctx, "tensor info %llu", (unsigned long long)i);
    const char *name;
    uint64_t nlen = 0, nd = 0, type = 0;
    if ((st = rd_string(&r, &name, &nlen, "name", ctx))) goto fail;
    if ((st = check_name(&r, name, nlen, MAX_TENSOR_NAME_LEN, "the name of tensor", i))) goto fail;
    snprintf(ctx, sizeof ctx, "tensor '%.*s'", (int)nlen, name);
    t->name = name;
    t->name_len = nlen;
    name_bytes += nlen + 1;
    if ((st = rd_uint(&r, 4, &nd, "n_dims", ctx))) goto fail;
    if (nd == 0 || nd > WICK_GGUF_MAX_DIMS) {
      st = wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: %s has %llu dimensions (1..%d allowed)", ctx,
                         (unsigned long long)nd, WICK_GGUF_MAX_DIMS);
      goto fail;
    }
    t->n_dims = (uint32_t)nd;
    uint64_t n = 1;
    for (int k = 0; k < WICK_GGUF_MAX_DIMS; k++) t->ne[k] = 1;
    for (uint32_t k = 0; k < t->n_dims; k++) {
      if ((st = rd_uint(&r, 8, &t->ne[k], "dimension", ctx))) goto fail;
      if (t->ne[k] != 0 && n > ((uint64_t)1 << 62) / t->ne[k]) {
        st = wick_diag_set(d, WICK_ERR_MALFORMED,
                           "GGUF: %s: the element count overflows at dimension %u (%llu)", ctx,
                           (unsigned)k, (unsigned long long)t->ne[k]);
        goto fail;
      }
      n *= t->ne[k];
    }
    t->n_elems = n;
    if ((st = rd_uint(&r, 4, &type, "type", ctx))) goto fail;
    t->type = (uint32_t)type;
    const type_traits *tt = traits_of(t->type);
    if (tt == NULL) {
      st = wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "GGUF: %s has ggml type %u, which wick does not know", ctx,
                         (unsigned)t->type);
      goto fail;
    }
    if (t->ne[0] % tt->block != 0) {
      st = wick_diag_set(d, WICK_ERR_MALFORMED,
                         "GGUF: %s: ne[0] %llu is not a multiple of the %s block size %u", ctx,
                         (unsigned long long)t->ne[0], tt->name, (unsigned)tt->block);
      goto fail;
    }
    uint64_t blocks = n / tt->block;
    if (blocks > UINT64_MAX / 2 / tt->bytes) {
      st = wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: %s: the byte size overflows", ctx);
      goto fail;
    }
    t->n_bytes = blocks * tt->bytes;
    if ((st = rd_uint(&r, 8, &t->offset, "offset", ctx))) goto fail;
    if (t->offset % g->alignment != 0) {
      st = wick_diag_set(d, WICK_ERR_MALFORMED,
                         "GGUF: %s: offset %llu is not a multiple of the alignment %u", ctx,
                         (unsigned long long)t->offset, (unsigned)g->alignment);
      goto fail;
    }
  }

  /* ---- the data section ---- */
  uint64_t end = r.off;
  g->data_offset = (end + g->alignment - 1) / g->alignment * g->alignment;
  uint64_t data_size = g->data_offset <= size ? size - g->data_offset : 0;
  for (uint64_t i = 0; i < n_tensors; i++) {
    wick_gguf_tensor *t = &g->tensors[i];
    if (t->offset > data_size || t->n_bytes > data_size - t->offset) {
      st = wick_diag_set(d, WICK_ERR_MALFORMED,
                         "GGUF: tensor '%.*s' (%s, %llu bytes at data offset %llu) ends past the "
                         "end of the file (the data section at byte %llu holds %llu bytes)",
                         (int)t->name_len, t->name, wick_ggml_type_name(t->type),
                         (unsigned long long)t->n_bytes, (unsigned long long)t->offset,
                         (unsigned long long)g->data_offset, (unsigned long long)data_size);
      goto fail;
    }
    t->data = g->image + g->data_offset + t->offset;
  }

  /* ---- names: NUL-terminated copies; no duplicates ---- */
  if (name_bytes > SIZE_MAX / 2) {
    st = wick_diag_set(d, WICK_ERR_MEMORY, "GGUF: out of memory");
    goto fail;
  }
  g->names = malloc(name_bytes ? (size_t)name_bytes : 1);
  if (g->names == NULL) {
    st = wick_diag_set(d, WICK_ERR_MEMORY, "GGUF: out of memory");
    goto fail;
  }
  size_t pos = 0;
  for (uint64_t i = 0; i < n_kv; i++) {
    memcpy(g->names + pos, g->kv[i].key, (size_t)g->kv[i].key_len);
    g->names[pos + g->kv[i].key_len] = '\0';
    g->kv[i].key = g->names + pos;
    pos += (size_t)g->kv[i].key_len + 1;
  }
  for (uint64_t i = 0; i < n_tensors; i++) {
    memcpy(g->names + pos, g->tensors[i].name, (size_t)g->tensors[i].name_len);
    g->names[pos + g->tensors[i].name_len] = '\0';
    g->tensors[i].name = g->names + pos;
    pos += (size_t)g->tensors[i].name_len + 1;
  }
  {
    uint64_t most = n_kv > n_tensors ? n_kv : n_tensors;
    const char **v = malloc((most ? (size_t)most : 1) * sizeof *v);
    if (v == NULL) {
      st = wick_diag_set(d, WICK_ERR_MEMORY, "GGUF: out of memory");
      goto fail;
    }
    const char *dup = NULL;
    for (uint64_t i = 0; i < n_kv; i++) v[i] = g->kv[i].key;
    st = find_duplicate(v, n_kv, &dup);
    if (st == WICK_OK && dup) {
      st = wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: duplicate key '%s'", dup);
    } else if (st == WICK_OK) {
      for (uint64_t i = 0; i < n_tensors; i++) v[i] = g->tensors[i].name;
      st = find_duplicate(v, n_tensors, &dup);
      if (st == WICK_OK && dup)
        st = wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: duplicate tensor '%s'", dup);
    }
    if (st == WICK_ERR_MEMORY) wick_diag_set(d, st, "GGUF: out of memory");
    free(v);
    if (st) goto fail;
  }
  return WICK_OK;

fail:
  wick_gguf_free(g);
  return st;
}

/* ---- lookups and getters ------------------------------------------------------- */

const wick_gguf_kv *wick_gguf_find(const wick_gguf *g, const char *key) {
  if (g == NULL || key == NULL) return NULL;
  for (uint64_t i = 0; i < g->n_kv; i++)
    if (strcmp(g->kv[i].key, key) == 0) return &g->kv[i];
  return NULL;
}

const wick_gguf_tensor *wick_gguf_find_tensor(const wick_gguf *g, const char *name) {
  if (g == NULL || name == NULL) return NULL;
  for (uint64_t i = 0; i < g->n_tensors; i++)
    if (strcmp(g->tensors[i].name, name) == 0) return &g->tensors[i];
  return NULL;
}

static const wick_gguf_kv *lookup(const wick_gguf *g, const char *key, bool required, bool *found,
                                  wick_status *st, wick_diag *d) {
  const wick_gguf_kv *kv = wick_gguf_find(g, key);
  if (found) *found = kv != NULL;
  *st = WICK_OK;
  if (kv == NULL && required)
    *st = wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: required key '%s' is missing", key);
  return kv;
}

static bool is_int_type(uint32_t t) {
  return t <= WICK_GGUF_INT32 || t == WICK_GGUF_UINT64 || t == WICK_GGUF_INT64;
}
static bool is_signed_type(uint32_t t) {
  return t == WICK_GGUF_INT8 || t == WICK_GGUF_INT16 || t == WICK_GGUF_INT32 ||
         t == WICK_GGUF_INT64;
}

wick_status wick_gguf_get_uint(const wick_gguf *g, const char *key, bool required, uint64_t *out,
                               bool *found, wick_diag *d) {
  wick_status st;
  const wick_gguf_kv *kv = lookup(g, key, required, found, &st, d);
  if (kv == NULL) return st;
  if (!is_int_type(kv->type))
    return wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: key '%s' should be an integer, not %s", key,
                         value_type_name(kv->type));
  if (is_signed_type(kv->type) && kv->i < 0)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: key '%s' is negative (%lld)", key,
                         (long long)kv->i);
  *out = kv->u;
  return WICK_OK;
}

wick_status wick_gguf_get_float(const wick_gguf *g, const char *key, bool required, double *out,
                                bool *found, wick_diag *d) {
  wick_status st;
  const wick_gguf_kv *kv = lookup(g, key, required, found, &st, d);
  if (kv == NULL) return st;
  if (kv->type == WICK_GGUF_FLOAT32 || kv->type == WICK_GGUF_FLOAT64) {
    *out = kv->f;
  } else if (is_int_type(kv->type)) {
    *out = is_signed_type(kv->type) ? (double)kv->i : (double)kv->u;
  } else {
    return wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: key '%s' should be a number, not %s", key,
                         value_type_name(kv->type));
  }
  return WICK_OK;
}

wick_status wick_gguf_get_bool(const wick_gguf *g, const char *key, bool required, bool *out,
                               bool *found, wick_diag *d) {
  wick_status st;
  const wick_gguf_kv *kv = lookup(g, key, required, found, &st, d);
  if (kv == NULL) return st;
  if (kv->type != WICK_GGUF_BOOL)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: key '%s' should be a BOOL, not %s", key,
                         value_type_name(kv->type));
  *out = kv->u != 0;
  return WICK_OK;
}

wick_status wick_gguf_get_string(const wick_gguf *g, const char *key, bool required,
                                 const char **str, size_t *len, bool *found, wick_diag *d) {
  wick_status st;
  const wick_gguf_kv *kv = lookup(g, key, required, found, &st, d);
  if (kv == NULL) return st;
  if (kv->type != WICK_GGUF_STRING)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "GGUF: key '%s' should be a STRING, not %s", key,
                         value_type_name(kv->type));
  *str = kv->str;
  *len = (size_t)kv->len;
  return WICK_OK;
}

wick_status wick_gguf_get_array(const wick_gguf *g, const char *key, uint32_t elem_type,
                                bool required, const uint8_t **data, uint64_t *count, bool *found,
                                wick_diag *d) {
  wick_status st;
  const wick_gguf_kv *kv = lookup(g, key, required, found, &st, d);
  if (kv == NULL) return st;
  if (kv->type != WICK_GGUF_ARRAY || kv->arr_type != elem_type)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "GGUF: key '%s' should be an ARRAY of %s, not %s%s%s", key,
                         value_type_name(elem_type), value_type_name(kv->type),
                         kv->type == WICK_GGUF_ARRAY ? " of " : "",
                         kv->type == WICK_GGUF_ARRAY ? value_type_name(kv->arr_type) : "");
  *data = kv->arr_data;
  *count = kv->arr_count;
  return WICK_OK;
}

/* ---- dequantization ------------------------------------------------------------ */

static uint16_t ld16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}

wick_status wick_gguf_dequantize(const wick_gguf_tensor *t, float *out, wick_diag *d) {
  if (t == NULL || (out == NULL && t->n_elems > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "GGUF: NULL argument");
  const uint8_t *p = t->data;
  uint64_t n = t->n_elems;
  switch (t->type) {
    case WICK_GGML_F32:
      if (n) memcpy(out, p, (size_t)n * 4);
      return WICK_OK;
    case WICK_GGML_F16:
      for (uint64_t i = 0; i < n; i++) out[i] = wick_f16_to_f32(ld16(p + 2 * i));
      return WICK_OK;
    case WICK_GGML_BF16:
      for (uint64_t i = 0; i < n; i++) out[i] = wick_bf16_to_f32(ld16(p + 2 * i));
      return WICK_OK;
    case WICK_GGML_Q8_0:
      for (uint64_t b = 0; b < n / 32; b++, p += 34) {
        float s = wick_f16_to_f32(ld16(p));
        for (int j = 0; j < 32; j++) out[b * 32 + (uint64_t)j] = (float)(int8_t)p[2 + j] * s;
      }
      return WICK_OK;
    case WICK_GGML_Q4_0:
      for (uint64_t b = 0; b < n / 32; b++, p += 18) {
        float s = wick_f16_to_f32(ld16(p));
        for (int j = 0; j < 16; j++) {
          out[b * 32 + (uint64_t)j] = (float)((int)(p[2 + j] & 0x0F) - 8) * s;
          out[b * 32 + 16 + (uint64_t)j] = (float)((int)(p[2 + j] >> 4) - 8) * s;
        }
      }
      return WICK_OK;
    case WICK_GGML_Q4_1:
      for (uint64_t b = 0; b < n / 32; b++, p += 20) {
        float s = wick_f16_to_f32(ld16(p)), m = wick_f16_to_f32(ld16(p + 2));
        for (int j = 0; j < 16; j++) {
          out[b * 32 + (uint64_t)j] = (float)(p[4 + j] & 0x0F) * s + m;
          out[b * 32 + 16 + (uint64_t)j] = (float)(p[4 + j] >> 4) * s + m;
        }
      }
      return WICK_OK;
    default:
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                           "GGUF: tensor '%s' has type %s, which wick cannot dequantize yet "
                           "(F32, F16, BF16, Q8_0, Q4_0, Q4_1 are supported)",
                           t->name, wick_ggml_type_name(t->type));
  }
}
