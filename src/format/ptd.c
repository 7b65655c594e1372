/* External data files (.ptd, "FT01" flat tensor): both the current layout
 * (FlatTensor{version, segments, named_data}) and the older one
 * (FlatTensor{version, tensor_alignment, tensors, segments}). */
#include <string.h>

#include "format/fb.h"
#include "wick/runtime.h"

/* FlatTensor field ids, current and legacy layouts. */
enum { FT_VERSION = 0, FT_SEGMENTS = 1, FT_NAMED_DATA = 2 };
enum { FTL_VERSION = 0, FTL_ALIGNMENT = 1, FTL_TENSORS = 2, FTL_SEGMENTS = 3 };
enum { ND_KEY = 0, ND_SEGMENT_INDEX = 1, ND_TENSOR_LAYOUT = 2 };
enum { TL_SCALAR_TYPE = 0, TL_SIZES = 1, TL_DIM_ORDER = 2 };
enum { TM_FQN = 0, TM_SCALAR_TYPE = 1, TM_SIZES = 2, TM_DIM_ORDER = 3, TM_SEGMENT_INDEX = 4,
       TM_OFFSET = 5 };
enum { SEG_OFFSET = 0, SEG_SIZE = 1 };

static wick_status bad(wick_diag *d, const fb_reader *r, const char *what) {
  if (r->bad)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "%s: %s (at byte %u)", what, r->bad,
                         (unsigned)r->bad_pos);
  return wick_diag_set(d, WICK_ERR_MALFORMED, "%s", what);
}

static void reader(const wick_data_map *m, fb_reader *r) {
  /* The flatbuffer region ends where segment data begins. */
  fb_init(r, m->data, (size_t)(m->segment_base < m->size ? m->segment_base : m->size));
}

static wick_status read_layout(fb_reader *r, fb_table t, unsigned st_id, unsigned sizes_id,
                               wick_data_entry *e, wick_diag *d) {
  if (t.pos == 0) return WICK_OK;
  int8_t st = fb_get_i8(r, &t, st_id, 0);
  fb_vec sizes = fb_get_vec(r, &t, sizes_id, 4);
  if (r->bad) return bad(d, r, "tensor layout");
  if (sizes.len > WICK_MAX_DIM)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "'%s': rank %u exceeds %d", e->key, sizes.len,
                         WICK_MAX_DIM);
  if (wick_dtype_size(st) == 0)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "'%s': unsupported scalar type %d", e->key,
                         st);
  e->has_layout = true;
  e->dtype = (uint8_t)st;
  e->dim = (uint8_t)sizes.len;
  for (uint32_t i = 0; i < sizes.len; i++) {
    int32_t s = fb_vec_i32(r, sizes, i);
    if (s < 0) return wick_diag_set(d, WICK_ERR_MALFORMED, "'%s': negative size", e->key);
    e->sizes[i] = s;
  }
  return WICK_OK;
}

wick_status wick_data_map_entry(const wick_data_map *m, uint32_t i, wick_data_entry *e,
                                wick_diag *d) {
  memset(e, 0, sizeof *e);
  if (m == NULL || i >= m->count)
    return wick_diag_set(d, WICK_ERR_NOT_FOUND, "data entry %u out of range", i);
  fb_reader r;
  reader(m, &r);
  fb_table root = fb_table_at(&r, m->root);
  fb_vec list = fb_get_vec(&r, &root, m->legacy ? FTL_TENSORS : FT_NAMED_DATA, 4);
  fb_vec segs = fb_get_vec(&r, &root, m->legacy ? FTL_SEGMENTS : FT_SEGMENTS, 4);
  if (r.bad || i >= list.len) return bad(d, &r, "data file tables");
  fb_table ent = fb_vec_table(&r, list, i);
  uint32_t seg_index;
  uint64_t offset = 0;
  if (m->legacy) {
    e->key = fb_get_str(&r, &ent, TM_FQN, NULL);
    seg_index = fb_get_u32(&r, &ent, TM_SEGMENT_INDEX, 0);
    offset = fb_get_u64(&r, &ent, TM_OFFSET, 0);
    if (e->key == NULL && !r.bad) return wick_diag_set(d, WICK_ERR_MALFORMED, "tensor %u has no name", i);
    wick_status s = read_layout(&r, ent, TM_SCALAR_TYPE, TM_SIZES, e, d);
    if (s) return s;
  } else {
    e->key = fb_get_str(&r, &ent, ND_KEY, NULL);
    seg_index = fb_get_u32(&r, &ent, ND_SEGMENT_INDEX, 0);
    if (e->key == NULL && !r.bad) return wick_diag_set(d, WICK_ERR_MALFORMED, "entry %u has no key", i);
    wick_status s = read_layout(&r, fb_get_table(&r, &ent, ND_TENSOR_LAYOUT), TL_SCALAR_TYPE,
                                TL_SIZES, e, d);
    if (s) return s;
  }
  if (r.bad) return bad(d, &r, "data entry");
  if (seg_index >= segs.len)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "'%s': segment %u out of range (%u segments)",
                         e->key, seg_index, segs.len);
  fb_table seg = fb_vec_table(&r, segs, seg_index);
  uint64_t so = fb_get_u64(&r, &seg, SEG_OFFSET, 0);
  uint64_t ss = fb_get_u64(&r, &seg, SEG_SIZE, 0);
  if (r.bad) return bad(d, &r, "data segment");
  uint64_t avail = m->size - m->segment_base;
  if (so > avail || ss > avail - so || offset > ss)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "'%s': data [%llu+%llu, +%llu) outside the file's %llu bytes of segment "
                         "data",
                         e->key, (unsigned long long)so, (unsigned long long)offset,
                         (unsigned long long)ss, (unsigned long long)avail);
  e->data = m->data + m->segment_base + so + offset;
  e->size = (size_t)(ss - offset);
  if (e->has_layout) {
    uint64_t need = wick_dtype_size(e->dtype);
    for (int k = 0; k < e->dim; k++) {
      need *= (uint64_t)e->sizes[k];
      if (need > ((uint64_t)1 << 46)) break;
    }
    if (need > e->size)
      return wick_diag_set(d, WICK_ERR_MALFORMED, "'%s': layout needs %llu bytes, segment has %zu",
                           e->key, (unsigned long long)need, e->size);
  }
  return WICK_OK;
}

wick_status wick_data_map_find(const wick_data_map *m, const char *key, wick_data_entry *out,
                               wick_diag *d) {
  if (m == NULL || key == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "data lookup: NULL argument");
  for (uint32_t i = 0; i < m->count; i++) {
    wick_status s = wick_data_map_entry(m, i, out, d);
    if (s) return s;
    if (strcmp(out->key, key) == 0) return WICK_OK;
  }
  memset(out, 0, sizeof *out);
  return wick_diag_set(d, WICK_ERR_NOT_FOUND, "no entry named '%s'", key);
}

wick_status wick_data_map_load(wick_data_map *m, const void *data, size_t size, wick_diag *d) {
  if (m == NULL || (data == NULL && size > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "data map load: NULL argument");
  memset(m, 0, sizeof *m);
  const uint8_t *b = (const uint8_t *)data;
  if (size < 8 + 40)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "%zu bytes is too small to be a .ptd file", size);
  if (memcmp(b + 4, "FT01", 4) != 0) {
    if (memcmp(b + 4, "ET", 2) == 0)
      return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                           "this is a program (.pte), not an external data file");
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "not an ExecuTorch data file (file identifier is not \"FT01\")");
  }
  if (memcmp(b + 8, "FH01", 4) != 0)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "missing \"FH01\" data header");
  fb_reader hr;
  fb_init(&hr, b, size);
  uint32_t len = fb_u32_at(&hr, 12);
  if (len < 40 || len > size - 8)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "data header length %u is invalid", len);
  uint64_t fb_off = fb_u64_at(&hr, 16), fb_size = fb_u64_at(&hr, 24);
  uint64_t seg_base = fb_u64_at(&hr, 32), seg_size = fb_u64_at(&hr, 40);
  if (fb_off > size || fb_size > size - fb_off || seg_base > size || seg_base < 8 + (uint64_t)len ||
      seg_size > size - seg_base)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "data header ranges (flatbuffer %llu+%llu, segments %llu+%llu) do not fit "
                         "the file's %zu bytes",
                         (unsigned long long)fb_off, (unsigned long long)fb_size,
                         (unsigned long long)seg_base, (unsigned long long)seg_size, size);
  m->data = b;
  m->size = size;
  m->segment_base = seg_base;
  fb_reader r;
  reader(m, &r);
  fb_table root = fb_root(&r);
  if (r.bad) return bad(d, &r, "data file root");
  m->root = root.pos;
  m->legacy = fb_field(&r, &root, FTL_SEGMENTS, 4) != 0;
  fb_vec list = fb_get_vec(&r, &root, m->legacy ? FTL_TENSORS : FT_NAMED_DATA, 4);
  if (r.bad) return bad(d, &r, "data file table");
  m->count = list.len;
  for (uint32_t i = 0; i < list.len; i++) {
    wick_data_entry e;
    wick_status s = wick_data_map_entry(m, i, &e, d);
    if (s) return s;
  }
  return WICK_OK;
}
