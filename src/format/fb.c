/* Bounds-checked flatbuffer reading; see fb.h. */
#include "format/fb.h"

void fb_init(fb_reader *r, const void *buf, size_t size) {
  r->buf = (const uint8_t *)buf;
  /* Flatbuffer offsets are 32-bit: positions beyond 2 GiB are never valid. */
  r->size = size > 0x7fffffffu ? 0x7fffffffu : size;
  r->bad = NULL;
  r->bad_pos = 0;
}

bool fb_fail(fb_reader *r, uint32_t pos, const char *why) {
  if (r->bad == NULL) {
    r->bad = why;
    r->bad_pos = pos;
  }
  return false;
}

static const fb_table kNoTable = {0, 0, 0, 0};

static bool fits(const fb_reader *r, uint64_t pos, uint64_t n) {
  return pos <= r->size && n <= r->size - pos;
}

bool fb_has_identifier(const fb_reader *r, const char *id) {
  return r->size >= 8 && memcmp(r->buf + 4, id, 4) == 0;
}

fb_table fb_table_at(fb_reader *r, uint32_t pos) {
  fb_table t = kNoTable;
  if (r->bad) return t;
  if (pos == 0 || !fits(r, pos, 4) || (pos & 3u) != 0) {
    fb_fail(r, pos, "table position out of range or misaligned");
    return t;
  }
  int64_t vt = (int64_t)pos - (int32_t)fb_u32_at(r, pos);
  if (vt < 0 || !fits(r, (uint64_t)vt, 4) || (vt & 1) != 0) {
    fb_fail(r, pos, "vtable position out of range");
    return t;
  }
  uint16_t vt_size = fb_u16_at(r, (uint32_t)vt);
  uint16_t tbl_size = fb_u16_at(r, (uint32_t)vt + 2);
  if (vt_size < 4 || (vt_size & 1) != 0 || !fits(r, (uint64_t)vt, vt_size)) {
    fb_fail(r, (uint32_t)vt, "vtable size invalid");
    return t;
  }
  if (tbl_size < 4 || !fits(r, pos, tbl_size)) {
    fb_fail(r, pos, "table size invalid");
    return t;
  }
  t.pos = pos;
  t.vt = (uint32_t)vt;
  t.vt_size = vt_size;
  t.tbl_size = tbl_size;
  return t;
}

fb_table fb_root(fb_reader *r) {
  if (r->size < 8) {
    fb_fail(r, 0, "buffer too small for a flatbuffer");
    return kNoTable;
  }
  return fb_table_at(r, fb_u32_at(r, 0));
}

uint32_t fb_field(fb_reader *r, const fb_table *t, unsigned id, unsigned width) {
  if (t->pos == 0 || r->bad) return 0;
  unsigned voff = 4 + 2 * id;
  if (voff + 2 > t->vt_size) return 0;
  uint16_t off = fb_u16_at(r, t->vt + voff);
  if (off == 0) return 0;
  /* Like the reference verifier, bound fields by the buffer, not by the
   * vtable's table size: real writers emit 8-byte fields that end past it. */
  if (off < 4 || !fits(r, (uint64_t)t->pos + off, width)) {
    fb_fail(r, t->pos, "field outside the buffer");
    return 0;
  }
  return t->pos + off;
}

uint8_t fb_get_u8(fb_reader *r, const fb_table *t, unsigned id, uint8_t dflt) {
  uint32_t p = fb_field(r, t, id, 1);
  return p ? fb_u8_at(r, p) : dflt;
}
int8_t fb_get_i8(fb_reader *r, const fb_table *t, unsigned id, int8_t dflt) {
  uint32_t p = fb_field(r, t, id, 1);
  return p ? (int8_t)fb_u8_at(r, p) : dflt;
}
uint16_t fb_get_u16(fb_reader *r, const fb_table *t, unsigned id, uint16_t dflt) {
  uint32_t p = fb_field(r, t, id, 2);
  return p ? fb_u16_at(r, p) : dflt;
}
uint32_t fb_get_u32(fb_reader *r, const fb_table *t, unsigned id, uint32_t dflt) {
  uint32_t p = fb_field(r, t, id, 4);
  return p ? fb_u32_at(r, p) : dflt;
}
int32_t fb_get_i32(fb_reader *r, const fb_table *t, unsigned id, int32_t dflt) {
  uint32_t p = fb_field(r, t, id, 4);
  return p ? (int32_t)fb_u32_at(r, p) : dflt;
}
uint64_t fb_get_u64(fb_reader *r, const fb_table *t, unsigned id, uint64_t dflt) {
  uint32_t p = fb_field(r, t, id, 8);
  return p ? fb_u64_at(r, p) : dflt;
}
int64_t fb_get_i64(fb_reader *r, const fb_table *t, unsigned id, int64_t dflt) {
  uint32_t p = fb_field(r, t, id, 8);
  return p ? (int64_t)fb_u64_at(r, p) : dflt;
}
double fb_get_f64(fb_reader *r, const fb_table *t, unsigned id, double dflt) {
  uint32_t p = fb_field(r, t, id, 8);
  if (!p) return dflt;
  uint64_t b = fb_u64_at(r, p);
  double d;
  memcpy(&d, &b, 8);
  return d;
}
bool fb_get_bool(fb_reader *r, const fb_table *t, unsigned id, bool dflt) {
  uint32_t p = fb_field(r, t, id, 1);
  return p ? fb_u8_at(r, p) != 0 : dflt;
}

/* Follows the uoffset stored at p; 0 (with r->bad set) when it leaves the buffer. */
static uint32_t follow(fb_reader *r, uint32_t p) {
  uint64_t target = (uint64_t)p + fb_u32_at(r, p);
  if (target >= r->size) {
    fb_fail(r, p, "offset points past the end of the buffer");
    return 0;
  }
  return (uint32_t)target;
}

fb_table fb_get_table(fb_reader *r, const fb_table *t, unsigned id) {
  uint32_t p = fb_field(r, t, id, 4);
  if (!p) return kNoTable;
  uint32_t target = follow(r, p);
  if (!target) return kNoTable;
  return fb_table_at(r, target);
}

static fb_vec vec_at(fb_reader *r, uint32_t pos, unsigned elem_size) {
  fb_vec v = {0, 0};
  if (!fits(r, pos, 4) || (pos & 3u) != 0) {
    fb_fail(r, pos, "vector position out of range or misaligned");
    return v;
  }
  uint32_t len = fb_u32_at(r, pos);
  if (!fits(r, (uint64_t)pos + 4, (uint64_t)len * elem_size)) {
    fb_fail(r, pos, "vector length runs past the end of the buffer");
    return v;
  }
  v.pos = pos + 4;
  v.len = len;
  return v;
}

fb_vec fb_get_vec(fb_reader *r, const fb_table *t, unsigned id, unsigned elem_size) {
  fb_vec v = {0, 0};
  uint32_t p = fb_field(r, t, id, 4);
  if (!p) return v;
  uint32_t target = follow(r, p);
  if (!target) return v;
  return vec_at(r, target, elem_size);
}

static const char *str_at(fb_reader *r, uint32_t pos, uint32_t *len) {
  fb_vec v = vec_at(r, pos, 1);
  if (r->bad) return NULL;
  if (!fits(r, v.pos, (uint64_t)v.len + 1) || r->buf[v.pos + v.len] != 0) {
    fb_fail(r, pos, "string is not NUL-terminated");
    return NULL;
  }
  if (len) *len = v.len;
  return (const char *)r->buf + v.pos;
}

const char *fb_get_str(fb_reader *r, const fb_table *t, unsigned id, uint32_t *len) {
  if (len) *len = 0;
  uint32_t p = fb_field(r, t, id, 4);
  if (!p) return NULL;
  uint32_t target = follow(r, p);
  if (!target) return NULL;
  return str_at(r, target, len);
}

fb_table fb_vec_table(fb_reader *r, fb_vec v, uint32_t i) {
  if (r->bad || i >= v.len) {
    fb_fail(r, v.pos, "vector index out of range");
    return kNoTable;
  }
  uint32_t target = follow(r, v.pos + 4 * i);
  if (!target) return kNoTable;
  return fb_table_at(r, target);
}

const char *fb_vec_str(fb_reader *r, fb_vec v, uint32_t i, uint32_t *len) {
  if (len) *len = 0;
  if (r->bad || i >= v.len) {
    fb_fail(r, v.pos, "vector index out of range");
    return NULL;
  }
  uint32_t target = follow(r, v.pos + 4 * i);
  if (!target) return NULL;
  return str_at(r, target, len);
}
