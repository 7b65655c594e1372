/* wick — FlatBuffers builder (see fbb.h for the layout it produces). */
#include "compiler/fbb.h"

#include <stdlib.h>
#include <string.h>

void wick_fbb_init(wick_fbb *b) {
  memset(b, 0, sizeof(*b));
  b->minalign = 1;
}

void wick_fbb_free(wick_fbb *b) {
  free(b->buf);
  free(b->vtables);
  memset(b, 0, sizeof(*b));
}

/* Makes room for `n` more bytes in front of the data. */
static bool fbb_reserve(wick_fbb *b, size_t n) {
  if (b->failed) return false;
  if (b->buf != NULL && b->cap - b->size >= n) return true;
  if (n > (size_t)0x7fffffff || b->size > (size_t)0x7fffffff - n) { /* uoffsets are 32-bit */
    b->failed = true;
    return false;
  }
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->size < n) cap *= 2;
  uint8_t *nb = malloc(cap);
  if (nb == NULL) {
    b->failed = true;
    return false;
  }
  if (b->size) memcpy(nb + cap - b->size, b->buf + b->cap - b->size, b->size);
  free(b->buf);
  b->buf = nb;
  b->cap = cap;
  return true;
}

/* Claims `n` bytes in front of the data; returns their address (NULL on failure). */
static uint8_t *fbb_claim(wick_fbb *b, size_t n) {
  if (!fbb_reserve(b, n)) return NULL;
  b->size += n;
  return b->buf + b->cap - b->size;
}

static void fbb_pad(wick_fbb *b, size_t n) {
  uint8_t *p = fbb_claim(b, n);
  if (p) memset(p, 0, n);
}

/* Pads so that after `len` more bytes the size is a multiple of `align` (a power of two). */
static void fbb_prealign(wick_fbb *b, size_t len, size_t align) {
  if (align > b->minalign) b->minalign = align;
  size_t pad = (align - ((b->size + len) & (align - 1))) & (align - 1);
  if (pad) fbb_pad(b, pad);
}

static void put_le(uint8_t *p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Pushes an n-byte little-endian scalar aligned to n. */
static void fbb_push_scalar(wick_fbb *b, uint64_t v, size_t n) {
  fbb_prealign(b, n, n);
  uint8_t *p = fbb_claim(b, n);
  if (p) put_le(p, v, n);
}

static bool fbb_usable_outside_table(wick_fbb *b) {
  if (b->in_table) b->failed = true; /* children must be built before the table */
  return !b->failed;
}

wick_fbb_ref wick_fbb_string_n(wick_fbb *b, const char *s, size_t n) {
  if (!fbb_usable_outside_table(b)) return 0;
  fbb_prealign(b, n + 1, 4);
  uint8_t *p = fbb_claim(b, n + 1);
  if (p == NULL) return 0;
  if (n) memcpy(p, s, n);
  p[n] = 0;
  fbb_push_scalar(b, n, 4);
  return b->failed ? 0 : (wick_fbb_ref)b->size;
}

wick_fbb_ref wick_fbb_string(wick_fbb *b, const char *s) {
  return wick_fbb_string_n(b, s ? s : "", s ? strlen(s) : 0);
}

/* Starts a vector of n elements of `es` bytes whose data is aligned to
 * max(es, align); returns where the caller writes the elements. */
static uint8_t *fbb_vec_begin(wick_fbb *b, size_t n, size_t es, size_t align) {
  if (!fbb_usable_outside_table(b)) return NULL;
  if (n > ((size_t)0x7fffffff) / (es ? es : 1)) {
    b->failed = true;
    return NULL;
  }
  size_t len = n * es;
  fbb_prealign(b, len, 4);
  fbb_prealign(b, len, align > es ? align : es);
  return fbb_claim(b, len);
}

static wick_fbb_ref fbb_vec_end(wick_fbb *b, size_t n) {
  fbb_push_scalar(b, n, 4);
  return b->failed ? 0 : (wick_fbb_ref)b->size;
}

wick_fbb_ref wick_fbb_vec_u8(wick_fbb *b, const void *data, size_t n, size_t align) {
  if (align == 0) align = 1;
  uint8_t *p = fbb_vec_begin(b, n, 1, align);
  if (p == NULL) return 0;
  if (n) memcpy(p, data, n);
  return fbb_vec_end(b, n);
}

wick_fbb_ref wick_fbb_vec_i32(wick_fbb *b, const int32_t *v, size_t n) {
  uint8_t *p = fbb_vec_begin(b, n, 4, 4);
  if (p == NULL) return 0;
  for (size_t i = 0; i < n; i++) put_le(p + 4 * i, (uint32_t)v[i], 4);
  return fbb_vec_end(b, n);
}

wick_fbb_ref wick_fbb_vec_i64(wick_fbb *b, const int64_t *v, size_t n) {
  uint8_t *p = fbb_vec_begin(b, n, 8, 8);
  if (p == NULL) return 0;
  for (size_t i = 0; i < n; i++) put_le(p + 8 * i, (uint64_t)v[i], 8);
  return fbb_vec_end(b, n);
}

wick_fbb_ref wick_fbb_vec_u64(wick_fbb *b, const uint64_t *v, size_t n) {
  uint8_t *p = fbb_vec_begin(b, n, 8, 8);
  if (p == NULL) return 0;
  for (size_t i = 0; i < n; i++) put_le(p + 8 * i, v[i], 8);
  return fbb_vec_end(b, n);
}

wick_fbb_ref wick_fbb_vec_f64(wick_fbb *b, const double *v, size_t n) {
  uint8_t *p = fbb_vec_begin(b, n, 8, 8);
  if (p == NULL) return 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t bits;
    memcpy(&bits, &v[i], 8);
    put_le(p + 8 * i, bits, 8);
  }
  return fbb_vec_end(b, n);
}

wick_fbb_ref wick_fbb_vec_bool(wick_fbb *b, const bool *v, size_t n) {
  uint8_t *p = fbb_vec_begin(b, n, 1, 1);
  if (p == NULL) return 0;
  for (size_t i = 0; i < n; i++) p[i] = v[i] ? 1 : 0;
  return fbb_vec_end(b, n);
}

wick_fbb_ref wick_fbb_vec_refs(wick_fbb *b, const wick_fbb_ref *v, size_t n) {
  if (!fbb_usable_outside_table(b)) return 0;
  fbb_prealign(b, 4 * n, 4);
  for (size_t i = n; i-- > 0;) {
    /* uoffset from this element's own position to the target. */
    uint8_t *p = fbb_claim(b, 4);
    if (p == NULL) return 0;
    if (v[i] == 0 || v[i] > b->size) {
      b->failed = true;
      return 0;
    }
    put_le(p, (uint32_t)(b->size - v[i]), 4);
  }
  return fbb_vec_end(b, n);
}

void wick_fbb_table_start(wick_fbb *b) {
  if (b->in_table) b->failed = true;
  if (b->failed) return;
  /* Padding before a table's first field stays outside it, so that tables of
   * one layout get identical vtables (and share them). */
  fbb_prealign(b, 0, 4);
  b->in_table = true;
  b->table_start = b->size;
  b->num_fields = 0;
  memset(b->field_at, 0, sizeof(b->field_at));
}

static bool fbb_field_ok(wick_fbb *b, int field) {
  if (!b->in_table || field < 0 || field >= WICK_FBB_MAX_FIELDS) b->failed = true;
  return !b->failed;
}

static void fbb_add_scalar(wick_fbb *b, int field, uint64_t v, size_t n) {
  if (!fbb_field_ok(b, field)) return;
  fbb_push_scalar(b, v, n);
  if (b->failed) return;
  b->field_at[field] = (uint32_t)b->size;
  if (field + 1 > b->num_fields) b->num_fields = field + 1;
}

void wick_fbb_add_u8(wick_fbb *b, int field, uint8_t v) { fbb_add_scalar(b, field, v, 1); }
void wick_fbb_add_i8(wick_fbb *b, int field, int8_t v) { fbb_add_scalar(b, field, (uint8_t)v, 1); }
void wick_fbb_add_bool(wick_fbb *b, int field, bool v) { fbb_add_scalar(b, field, v ? 1 : 0, 1); }
void wick_fbb_add_i32(wick_fbb *b, int field, int32_t v) {
  fbb_add_scalar(b, field, (uint32_t)v, 4);
}
void wick_fbb_add_u32(wick_fbb *b, int field, uint32_t v) { fbb_add_scalar(b, field, v, 4); }
void wick_fbb_add_i64(wick_fbb *b, int field, int64_t v) {
  fbb_add_scalar(b, field, (uint64_t)v, 8);
}
void wick_fbb_add_u64(wick_fbb *b, int field, uint64_t v) { fbb_add_scalar(b, field, v, 8); }
void wick_fbb_add_f64(wick_fbb *b, int field, double v) {
  uint64_t bits;
  memcpy(&bits, &v, 8);
  fbb_add_scalar(b, field, bits, 8);
}

void wick_fbb_add_ref(wick_fbb *b, int field, wick_fbb_ref ref) {
  if (ref == 0 || !fbb_field_ok(b, field)) return;
  fbb_prealign(b, 4, 4);
  uint8_t *p = fbb_claim(b, 4);
  if (p == NULL) return;
  if (ref > b->size) {
    b->failed = true;
    return;
  }
  put_le(p, (uint32_t)(b->size - ref), 4);
  b->field_at[field] = (uint32_t)b->size;
  if (field + 1 > b->num_fields) b->num_fields = field + 1;
}

void wick_fbb_add_union(wick_fbb *b, int type_field, uint8_t type, wick_fbb_ref value) {
  wick_fbb_add_u8(b, type_field, type);
  wick_fbb_add_ref(b, type_field + 1, value);
}

static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

wick_fbb_ref wick_fbb_table_end(wick_fbb *b) {
  if (!b->in_table) b->failed = true;
  if (b->failed) return 0;
  b->in_table = false;

  /* The table's first word: soffset to its vtable, patched below. */
  fbb_push_scalar(b, 0, 4);
  if (b->failed) return 0;
  size_t object = b->size;
  size_t object_bytes = object - b->table_start;
  size_t vt_bytes = 4 + 2 * (size_t)b->num_fields;
  if (object_bytes > 0xffff) {
    b->failed = true;
    return 0;
  }

  /* vtable: [vtable bytes][table bytes][offset of field i from table start] */
  uint8_t vt[4 + 2 * WICK_FBB_MAX_FIELDS];
  put_le(vt, vt_bytes, 2);
  put_le(vt + 2, object_bytes, 2);
  for (int i = 0; i < b->num_fields; i++)
    put_le(vt + 4 + 2 * i, b->field_at[i] ? object - b->field_at[i] : 0, 2);

  /* Share an identical vtable written earlier (it lies at a higher address). */
  wick_fbb_ref vt_ref = 0;
  for (size_t i = 0; i < b->num_vtables; i++) {
    const uint8_t *old = b->buf + b->cap - b->vtables[i];
    if (get_u16(old) == vt_bytes && memcmp(old, vt, vt_bytes) == 0) {
      vt_ref = b->vtables[i];
      break;
    }
  }
  if (vt_ref == 0) {
    uint8_t *p = fbb_claim(b, vt_bytes); /* size is 4-aligned here, so 2-aligned */
    if (p == NULL) return 0;
    memcpy(p, vt, vt_bytes);
    vt_ref = (wick_fbb_ref)b->size;
    if (b->num_vtables == b->vtables_cap) {
      size_t ncap = b->vtables_cap ? 2 * b->vtables_cap : 32;
      wick_fbb_ref *nv = realloc(b->vtables, ncap * sizeof(*nv));
      if (nv == NULL) {
        b->failed = true;
        return 0;
      }
      b->vtables = nv;
      b->vtables_cap = ncap;
    }
    b->vtables[b->num_vtables++] = vt_ref;
  }
  /* vtable address = table address - soffset; addresses are (end - ref). */
  int64_t soffset = (int64_t)vt_ref - (int64_t)object;
  put_le(b->buf + b->cap - object, (uint32_t)(int32_t)soffset, 4);
  return (wick_fbb_ref)object;
}

bool wick_fbb_finish(wick_fbb *b, wick_fbb_ref root, const char *identifier) {
  if (b->in_table || b->finished || root == 0 || root > b->size) b->failed = true;
  if (b->failed) return false;
  size_t align = b->minalign < 16 ? 16 : b->minalign;
  size_t head = identifier ? 8 : 4;
  fbb_prealign(b, head, align);
  if (identifier) {
    uint8_t *p = fbb_claim(b, 4);
    if (p == NULL) return false;
    memcpy(p, identifier, 4);
  }
  uint8_t *p = fbb_claim(b, 4);
  if (p == NULL) return false;
  put_le(p, (uint32_t)(b->size - root), 4);
  b->finished = true;
  return true;
}

const uint8_t *wick_fbb_data(const wick_fbb *b) {
  return b->buf ? b->buf + b->cap - b->size : NULL;
}

size_t wick_fbb_size(const wick_fbb *b) { return b->size; }
