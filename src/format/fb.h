/* Bounds-checked flatbuffer reading.
 *
 * Every accessor validates what it touches against the buffer: table positions,
 * vtable positions and sizes, field extents within the table, uoffset targets,
 * vector lengths (in 64-bit arithmetic) and string terminators. A failed check
 * sets r->bad (with a reason) and returns an empty result, so a caller can read
 * a whole structure and test r->bad once. Reads go through memcpy: buffers
 * need no particular alignment. The reader is schema-directed and never
 * recurses on data, so nesting depth is bounded by the schema.
 */
#ifndef WICK_FORMAT_FB_H
#define WICK_FORMAT_FB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct fb_reader {
  const uint8_t *buf;
  size_t size;
  const char *bad; /* first failure reason, NULL while all reads were valid */
  uint32_t bad_pos;
} fb_reader;

/* A table: position of its start (the soffset) and its vtable. pos==0 means absent. */
typedef struct fb_table {
  uint32_t pos;
  uint32_t vt;
  uint16_t vt_size;
  uint16_t tbl_size;
} fb_table;

/* A vector: position of the first element and the element count. */
typedef struct fb_vec {
  uint32_t pos;
  uint32_t len;
} fb_vec;

static inline uint8_t fb_u8_at(const fb_reader *r, uint32_t p) { return r->buf[p]; }
static inline uint16_t fb_u16_at(const fb_reader *r, uint32_t p) {
  return (uint16_t)(r->buf[p] | (r->buf[p + 1] << 8));
}
static inline uint32_t fb_u32_at(const fb_reader *r, uint32_t p) {
  const uint8_t *b = r->buf + p;
  return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}
static inline uint64_t fb_u64_at(const fb_reader *r, uint32_t p) {
  return (uint64_t)fb_u32_at(r, p) | ((uint64_t)fb_u32_at(r, p + 4) << 32);
}

void fb_init(fb_reader *r, const void *buf, size_t size);
/* Marks the reader bad (first reason wins) and returns false. */
bool fb_fail(fb_reader *r, uint32_t pos, const char *why);

/* Root table (uoffset at 0). */
fb_table fb_root(fb_reader *r);
/* Whether the 4-byte file identifier at offset 4 equals id. */
bool fb_has_identifier(const fb_reader *r, const char *id);

/* Table at absolute position pos (validates soffset, vtable, sizes). */
fb_table fb_table_at(fb_reader *r, uint32_t pos);
/* Field presence and position; 0 when the field is absent. Checks that `width`
 * bytes of the field lie within the table. */
uint32_t fb_field(fb_reader *r, const fb_table *t, unsigned id, unsigned width);

uint8_t fb_get_u8(fb_reader *r, const fb_table *t, unsigned id, uint8_t dflt);
int8_t fb_get_i8(fb_reader *r, const fb_table *t, unsigned id, int8_t dflt);
uint16_t fb_get_u16(fb_reader *r, const fb_table *t, unsigned id, uint16_t dflt);
uint32_t fb_get_u32(fb_reader *r, const fb_table *t, unsigned id, uint32_t dflt);
int32_t fb_get_i32(fb_reader *r, const fb_table *t, unsigned id, int32_t dflt);
uint64_t fb_get_u64(fb_reader *r, const fb_table *t, unsigned id, uint64_t dflt);
int64_t fb_get_i64(fb_reader *r, const fb_table *t, unsigned id, int64_t dflt);
double fb_get_f64(fb_reader *r, const fb_table *t, unsigned id, double dflt);
bool fb_get_bool(fb_reader *r, const fb_table *t, unsigned id, bool dflt);

/* Sub-table field; returns an absent table (pos 0) when the field is absent. */
fb_table fb_get_table(fb_reader *r, const fb_table *t, unsigned id);
/* Vector field with elements of elem_size bytes (len 0 when absent). */
fb_vec fb_get_vec(fb_reader *r, const fb_table *t, unsigned id, unsigned elem_size);
/* String field: NUL-terminated pointer into the buffer, or NULL when absent. */
const char *fb_get_str(fb_reader *r, const fb_table *t, unsigned id, uint32_t *len);

/* Element i of a vector of tables (offsets). */
fb_table fb_vec_table(fb_reader *r, fb_vec v, uint32_t i);
/* Element i of a vector of strings. */
const char *fb_vec_str(fb_reader *r, fb_vec v, uint32_t i, uint32_t *len);

static inline int32_t fb_vec_i32(const fb_reader *r, fb_vec v, uint32_t i) {
  return (int32_t)fb_u32_at(r, v.pos + 4 * i);
}
static inline uint32_t fb_vec_u32(const fb_reader *r, fb_vec v, uint32_t i) {
  return fb_u32_at(r, v.pos + 4 * i);
}
static inline int64_t fb_vec_i64(const fb_reader *r, fb_vec v, uint32_t i) {
  return (int64_t)fb_u64_at(r, v.pos + 8 * i);
}
static inline uint64_t fb_vec_u64(const fb_reader *r, fb_vec v, uint32_t i) {
  return fb_u64_at(r, v.pos + 8 * i);
}
static inline double fb_vec_f64(const fb_reader *r, fb_vec v, uint32_t i) {
  uint64_t b = fb_u64_at(r, v.pos + 8 * i);
  double d;
  memcpy(&d, &b, 8);
  return d;
}
static inline uint8_t fb_vec_u8(const fb_reader *r, fb_vec v, uint32_t i) {
  return r->buf[v.pos + i];
}

#endif
