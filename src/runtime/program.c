/* Program loading: the extended header, full structural verification of every
 * execution plan, segments, constants and named data, and method metadata. */
#include <string.h>

#include "runtime/internal.h"
#include "wick/kernel.h"

/* ---- small helpers ---- */

static wick_status malformed(wick_diag *d, const fb_reader *r, const char *what) {
  if (r->bad)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "%s: %s (at byte %u)", what, r->bad,
                         (unsigned)r->bad_pos);
  return wick_diag_set(d, WICK_ERR_MALFORMED, "%s", what);
}

void wick_program_reader(const wick_program *p, fb_reader *r) {
  fb_init(r, p->data, (size_t)p->program_size);
}

/* Reads segment i's absolute file range. */
static wick_status segment_range(const wick_program *p, fb_reader *r, uint32_t i, uint64_t *off,
                                 uint64_t *size, wick_diag *d) {
  fb_table root = fb_table_at(r, p->root);
  fb_vec segs = fb_get_vec(r, &root, PROGRAM_SEGMENTS, 4);
  if (i >= segs.len)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "segment index %u out of range (%u segments)", i,
                         segs.len);
  fb_table s = fb_vec_table(r, segs, i);
  uint64_t o = fb_get_u64(r, &s, DATA_SEGMENT_OFFSET, 0);
  uint64_t n = fb_get_u64(r, &s, DATA_SEGMENT_SIZE, 0);
  if (r->bad) return malformed(d, r, "segment table");
  if (!p->has_ext_header)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "segment %u is used but the file has no extended header", i);
  uint64_t avail = p->size - p->segment_base;
  if (o > avail || n > avail - o)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "segment %u [%llu, +%llu) runs past the end of the file "
                         "(%llu bytes of segment data)",
                         i, (unsigned long long)o, (unsigned long long)n,
                         (unsigned long long)avail);
  *off = p->segment_base + o;
  *size = n;
  return WICK_OK;
}

wick_status wick_read_tensor_header(fb_reader *r, const fb_table *t, wick_tensor *out,
                                    uint32_t vidx, wick_diag *d) {
  memset(out, 0, sizeof *out);
  int8_t st = fb_get_i8(r, t, TENSOR_SCALAR_TYPE, 0);
  fb_vec sizes = fb_get_vec(r, t, TENSOR_SIZES, 4);
  fb_vec order = fb_get_vec(r, t, TENSOR_DIM_ORDER, 1);
  int32_t storage_offset = fb_get_i32(r, t, TENSOR_STORAGE_OFFSET, 0);
  int8_t dyn = fb_get_i8(r, t, TENSOR_SHAPE_DYNAMISM, 0);
  if (r->bad) return malformed(d, r, "tensor table");
  if (wick_dtype_size(st) == 0)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "value %u: unsupported scalar type %d", vidx,
                         st);
  if (sizes.len > WICK_MAX_DIM)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "value %u: rank %u exceeds wick's limit of %d",
                         vidx, sizes.len, WICK_MAX_DIM);
  if (order.len != 0 && order.len != sizes.len)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "value %u: dim_order has %u entries for rank %u",
                         vidx, order.len, sizes.len);
  if (storage_offset != 0)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "value %u: storage_offset %d (only 0 is valid)",
                         vidx, storage_offset);
  if (dyn < 0 || dyn > WICK_SHAPE_DYNAMIC_UNBOUND)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "value %u: shape_dynamism %d unknown", vidx, dyn);
  out->dtype = (uint8_t)st;
  out->dim = (uint8_t)sizes.len;
  out->dynamism = (uint8_t)dyn;
  unsigned seen = 0;
  uint64_t bytes = wick_dtype_size(st);
  uint64_t span = 1; /* product of max(size, 1): the largest stride */
  for (uint32_t i = 0; i < sizes.len; i++) {
    int32_t s = fb_vec_i32(r, sizes, i);
    if (s < 0)
      return wick_diag_set(d, WICK_ERR_MALFORMED, "value %u: negative size %d in dim %u", vidx, s,
                           i);
    out->sizes[i] = s;
    bytes *= (uint64_t)s;
    span *= s > 0 ? (uint64_t)s : 1;
    /* Strides are int32 element counts: every stride must stay below 2^31. */
    if (span >= ((uint64_t)1 << 31))
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                           "value %u: tensor dims span 2^31 or more elements", vidx);
    uint8_t o = order.len ? fb_vec_u8(r, order, i) : (uint8_t)i;
    if (o >= sizes.len || (seen & (1u << o)))
      return wick_diag_set(d, WICK_ERR_MALFORMED, "value %u: dim_order is not a permutation", vidx);
    seen |= 1u << o;
    out->dim_order[i] = o;
  }
  wick_tensor_update_strides(out);
  out->capacity = (size_t)bytes;
  return WICK_OK;
}

/* Where a constant tensor's bytes live. `need` bytes must be available. On
 * success *ptr points into the program (or an external data map). */
wick_status wick_resolve_constant(const wick_program *p, fb_reader *r, const fb_table *tensor,
                                  uint32_t vidx, uint64_t need, const uint8_t **ptr,
                                  wick_diag *d);
wick_status wick_resolve_constant(const wick_program *p, fb_reader *r, const fb_table *tensor,
                                  uint32_t vidx, uint64_t need, const uint8_t **ptr,
                                  wick_diag *d) {
  *ptr = NULL;
  fb_table extra = fb_get_table(r, tensor, TENSOR_EXTRA_INFO);
  uint32_t idx = fb_get_u32(r, tensor, TENSOR_DATA_BUFFER_IDX, 0);
  fb_table alloc = fb_get_table(r, tensor, TENSOR_ALLOCATION_INFO);
  fb_table root = fb_table_at(r, p->root);
  if (r->bad) return malformed(d, r, "tensor table");
  if (extra.pos && fb_get_i8(r, &extra, EXTRA_LOCATION, 0) == LOCATION_EXTERNAL) {
    const char *fqn = fb_get_str(r, &extra, EXTRA_FQN, NULL);
    if (r->bad) return malformed(d, r, "extra_tensor_info");
    if (fqn == NULL || fqn[0] == '\0')
      return wick_diag_set(d, WICK_ERR_MALFORMED,
                           "value %u: external tensor without a fully qualified name", vidx);
    for (uint32_t k = 0; k < p->num_ext; k++) {
      wick_data_entry e;
      wick_status s = wick_data_map_find(p->ext[k], fqn, &e, NULL);
      if (s == WICK_ERR_NOT_FOUND) continue;
      if (s != WICK_OK) return wick_diag_set(d, s, "external data for '%s' is unreadable", fqn);
      if (e.size < need)
        return wick_diag_set(d, WICK_ERR_MALFORMED,
                             "value %u: external tensor '%s' needs %llu bytes, data has %zu", vidx,
                             fqn, (unsigned long long)need, e.size);
      *ptr = (const uint8_t *)e.data;
      return WICK_OK;
    }
    return wick_diag_set(d, WICK_ERR_MISSING_DATA,
                         "value %u: tensor '%s' is stored in external data (.ptd) and %s", vidx,
                         fqn,
                         p->num_ext ? "no loaded data file contains it"
                                    : "no data file was provided");
  }
  if (idx == 0) return WICK_OK; /* no initial data */
  if (alloc.pos) {
    /* Mutable tensor with an initial state: program.mutable_data_segments. */
    uint64_t which = extra.pos ? fb_get_u64(r, &extra, EXTRA_MUTABLE_SEGMENTS_IDX, 0) : 0;
    fb_vec mds = fb_get_vec(r, &root, PROGRAM_MUTABLE_DATA_SEGMENTS, 4);
    if (r->bad) return malformed(d, r, "mutable_data_segments");
    if (which >= mds.len)
      return wick_diag_set(d, WICK_ERR_MALFORMED,
                           "value %u: mutable data segment list %llu out of range (%u)", vidx,
                           (unsigned long long)which, mds.len);
    fb_table sub = fb_vec_table(r, mds, (uint32_t)which);
    uint32_t seg = fb_get_u32(r, &sub, SUBSEG_SEGMENT_INDEX, 0);
    fb_vec offs = fb_get_vec(r, &sub, SUBSEG_OFFSETS, 8);
    if (r->bad) return malformed(d, r, "mutable_data_segments entry");
    if (idx >= offs.len)
      return wick_diag_set(d, WICK_ERR_MALFORMED,
                           "value %u: data_buffer_idx %u out of range (%u mutable offsets)", vidx,
                           idx, offs.len);
    uint64_t so, ss;
    wick_status s = segment_range(p, r, seg, &so, &ss, d);
    if (s) return s;
    uint64_t o = fb_vec_u64(r, offs, idx);
    if (o > ss || need > ss - o)
      return wick_diag_set(d, WICK_ERR_MALFORMED,
                           "value %u: initial data [%llu, +%llu) outside segment %u (%llu bytes)",
                           vidx, (unsigned long long)o, (unsigned long long)need, seg,
                           (unsigned long long)ss);
    *ptr = p->data + so + o;
    return WICK_OK;
  }
  fb_vec cbuf = fb_get_vec(r, &root, PROGRAM_CONSTANT_BUFFER, 4);
  if (r->bad) return malformed(d, r, "constant_buffer");
  if (cbuf.len > 0) { /* legacy: inline constant_buffer */
    if (idx >= cbuf.len)
      return wick_diag_set(d, WICK_ERR_MALFORMED,
                           "value %u: data_buffer_idx %u out of range (%u constant buffers)", vidx,
                           idx, cbuf.len);
    fb_table b = fb_vec_table(r, cbuf, idx);
    fb_vec storage = fb_get_vec(r, &b, BUFFER_STORAGE, 1);
    if (r->bad) return malformed(d, r, "constant buffer");
    if (storage.len < need)
      return wick_diag_set(d, WICK_ERR_MALFORMED,
                           "value %u: constant buffer %u holds %u bytes, tensor needs %llu", vidx,
                           idx, storage.len, (unsigned long long)need);
    *ptr = p->data + storage.pos;
    return WICK_OK;
  }
  fb_table cseg = fb_get_table(r, &root, PROGRAM_CONSTANT_SEGMENT);
  fb_vec offs = fb_get_vec(r, &cseg, SUBSEG_OFFSETS, 8);
  uint32_t seg = fb_get_u32(r, &cseg, SUBSEG_SEGMENT_INDEX, 0);
  if (r->bad) return malformed(d, r, "constant_segment");
  if (idx >= offs.len)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "value %u: data_buffer_idx %u out of range (%u constants)", vidx, idx,
                         offs.len);
  uint64_t so, ss;
  wick_status s = segment_range(p, r, seg, &so, &ss, d);
  if (s) return s;
  uint64_t o = fb_vec_u64(r, offs, idx);
  if (o > ss || need > ss - o)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "value %u: constant [%llu, +%llu) outside constant segment (%llu bytes)",
                         vidx, (unsigned long long)o, (unsigned long long)need,
                         (unsigned long long)ss);
  *ptr = p->data + so + o;
  return WICK_OK;
}

/* The signature without its '|' out marker; *nouts gets the number of outs. */
void wick_kernel_sig(const wick_kernel *k, char *sig, size_t cap, uint32_t *nouts) {
  const char *s = k->signature ? k->signature : "";
  size_t n = 0, bar = (size_t)-1;
  for (; *s && n + 1 < cap; s++) {
    if (*s == '|') {
      bar = n;
      continue;
    }
    sig[n++] = *s;
  }
  sig[n] = '\0';
  if (nouts) *nouts = bar == (size_t)-1 ? (n ? 1 : 0) : (uint32_t)(n - bar);
}

/* Checks a kernel call site's argument kinds against the kernel signature. */
wick_status wick_check_signature(const wick_kernel *k, const wick_value *values, uint32_t nvalues,
                                 const uint8_t *kinds, fb_reader *r, fb_vec args, uint32_t instr,
                                 wick_diag *d);
wick_status wick_check_signature(const wick_kernel *k, const wick_value *values, uint32_t nvalues,
                                 const uint8_t *kinds, fb_reader *r, fb_vec args, uint32_t instr,
                                 wick_diag *d) {
  (void)values;
  (void)nvalues;
  char sig[64];
  wick_kernel_sig(k, sig, sizeof sig, NULL);
  size_t n = strlen(sig);
  bool any_arity = n == 1 && sig[0] == '*';
  /* ExecuTorch call sites list the schema's arguments and then its returns;
   * for out-variants each return is the same value as the matching trailing
   * out argument ("add.out(self, other, alpha, out) -> out" passes 5). */
  uint32_t nret = args.len > n ? args.len - (uint32_t)n : 0;
  if (!any_arity && (args.len < n || nret > n))
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "instruction %u: %s takes %zu arguments (plus returns), the program "
                         "passes %u",
                         instr, k->name, n, args.len);
  for (uint32_t j = 0; j < nret && !any_arity; j++) {
    int32_t ret = fb_vec_i32(r, args, (uint32_t)n + j);
    int32_t out = fb_vec_i32(r, args, (uint32_t)n - nret + j);
    if (ret != out)
      return wick_diag_set(d, WICK_ERR_MALFORMED,
                           "instruction %u: %s return %u is value %d but its out argument is "
                           "value %d",
                           instr, k->name, j, ret, out);
  }
  for (uint32_t i = 0; i < n && !any_arity; i++) {
    int kind = kinds[fb_vec_i32(r, args, i)];
    bool ok;
    bool none = kind == WICK_VAL_NONE;
    switch (sig[i]) {
      case 'T': ok = kind == WICK_VAL_TENSOR; break;
      case 't': ok = kind == WICK_VAL_TENSOR || none; break;
      case 'S': ok = kind == WICK_VAL_INT || kind == WICK_VAL_DOUBLE || kind == WICK_VAL_BOOL; break;
      case 's':
        ok = kind == WICK_VAL_INT || kind == WICK_VAL_DOUBLE || kind == WICK_VAL_BOOL || none;
        break;
      case 'i': ok = kind == WICK_VAL_INT; break;
      case 'j': ok = kind == WICK_VAL_INT || none; break;
      case 'b': ok = kind == WICK_VAL_BOOL; break;
      case 'c': ok = kind == WICK_VAL_BOOL || none; break;
      case 'd': ok = kind == WICK_VAL_DOUBLE || kind == WICK_VAL_INT; break;
      case 'e': ok = kind == WICK_VAL_DOUBLE || kind == WICK_VAL_INT || none; break;
      case 'I': ok = kind == WICK_VAL_INT_LIST; break;
      case 'J': ok = kind == WICK_VAL_INT_LIST || none; break;
      case 'D': ok = kind == WICK_VAL_DOUBLE_LIST; break;
      case 'E': ok = kind == WICK_VAL_DOUBLE_LIST || none; break;
      case 'N': ok = kind == WICK_VAL_STRING || none; break;
      case 'B': ok = kind == WICK_VAL_BOOL_LIST; break;
      case 'L': ok = kind == WICK_VAL_TENSOR_LIST; break;
      case 'O': ok = kind == WICK_VAL_OPT_TENSOR_LIST; break;
      case 'n': ok = kind == WICK_VAL_STRING; break;
      case '*': ok = true; break;
      default: ok = false; break;
    }
    if (!ok)
      return wick_diag_set(d, WICK_ERR_MALFORMED,
                           "instruction %u: %s argument %u is %s (value %d); the kernel expects "
                           "signature '%s'",
                           instr, k->name, i, wick_value_kind_name(kind), fb_vec_i32(r, args, i),
                           sig);
  }
  return WICK_OK;
}

/* Kind of each serialized value (wick_value_kind), validating the union tag. */
static wick_status value_kind(fb_reader *r, fb_vec values, uint32_t i, uint8_t *kind,
                              fb_table *val, wick_diag *d) {
  fb_table ev = fb_vec_table(r, values, i);
  uint8_t tag = fb_get_u8(r, &ev, EVALUE_VAL_TYPE, KT_NONE);
  *val = fb_get_table(r, &ev, EVALUE_VAL);
  if (r->bad) return malformed(d, r, "value table");
  static const uint8_t map[] = {
      [KT_NONE] = WICK_VAL_NONE,          [KT_NULL] = WICK_VAL_NONE,
      [KT_INT] = WICK_VAL_INT,            [KT_BOOL] = WICK_VAL_BOOL,
      [KT_DOUBLE] = WICK_VAL_DOUBLE,      [KT_TENSOR] = WICK_VAL_TENSOR,
      [KT_STRING] = WICK_VAL_STRING,      [KT_INT_LIST] = WICK_VAL_INT_LIST,
      [KT_DOUBLE_LIST] = WICK_VAL_DOUBLE_LIST, [KT_BOOL_LIST] = WICK_VAL_BOOL_LIST,
      [KT_TENSOR_LIST] = WICK_VAL_TENSOR_LIST, [KT_OPT_TENSOR_LIST] = WICK_VAL_OPT_TENSOR_LIST,
  };
  if (tag > KT_OPT_TENSOR_LIST)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "value %u: unknown value type tag %u", i, tag);
  if (tag != KT_NONE && tag != KT_NULL && val->pos == 0)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "value %u: type tag %u without a value", i, tag);
  *kind = map[tag];
  return WICK_OK;
}

wick_status wick_plan_scan(const wick_program *p, fb_reader *r, const fb_table *plan,
                           plan_scan *out, wick_diag *d) {
  memset(out, 0, sizeof *out);
  const char *name = fb_get_str(r, plan, PLAN_NAME, NULL);
  fb_vec values = fb_get_vec(r, plan, PLAN_VALUES, 4);
  fb_vec inputs = fb_get_vec(r, plan, PLAN_INPUTS, 4);
  fb_vec outputs = fb_get_vec(r, plan, PLAN_OUTPUTS, 4);
  fb_vec chains = fb_get_vec(r, plan, PLAN_CHAINS, 4);
  fb_vec ops = fb_get_vec(r, plan, PLAN_OPERATORS, 4);
  fb_vec dels = fb_get_vec(r, plan, PLAN_DELEGATES, 4);
  fb_vec ncbs = fb_get_vec(r, plan, PLAN_NON_CONST_BUFFER_SIZES, 8);
  if (r->bad) return malformed(d, r, "execution plan");
  if (name == NULL) return wick_diag_set(d, WICK_ERR_MALFORMED, "execution plan without a name");
  out->num_values = values.len;
  out->num_inputs = inputs.len;
  out->num_outputs = outputs.len;
  out->num_chains = chains.len;
  out->num_operators = ops.len;
  out->num_delegates = dels.len;
  if (values.len > (1u << 24))
    return wick_diag_set(d, WICK_ERR_MALFORMED, "method '%s': %u values is implausible", name,
                         values.len);

  /* Planned memory: non_const_buffer_sizes[0] is reserved for constants. */
  if (ncbs.len > WICK_MAX_PLANNED + 1)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "method '%s': %u planned memory arenas (wick supports %d)", name,
                         ncbs.len ? ncbs.len - 1 : 0, WICK_MAX_PLANNED);
  out->num_planned = ncbs.len ? ncbs.len - 1 : 0;
  for (uint32_t i = 1; i < ncbs.len; i++) {
    int64_t s = fb_vec_i64(r, ncbs, i);
    if (s < 0 || s > ((int64_t)1 << 46))
      return wick_diag_set(d, WICK_ERR_MALFORMED, "method '%s': planned arena %u has size %lld",
                           name, i, (long long)s);
    out->planned_sizes[i - 1] = (uint64_t)s;
  }

  size_t bytes = 15; /* start-of-arena alignment slack */
  bytes += wick_arena_round(sizeof(struct wick_method));
  bytes += wick_arena_round((size_t)values.len * sizeof(wick_value));
  bytes += wick_arena_round((size_t)values.len); /* kinds scratch */

  /* Kinds first, so lists and call sites can be checked against them. */
  for (uint32_t i = 0; i < values.len; i++) {
    uint8_t kind;
    fb_table val;
    wick_status s = value_kind(r, values, i, &kind, &val, d);
    if (s) return s;
    (void)val;
  }
  /* Second pass: contents. */
  for (uint32_t i = 0; i < values.len; i++) {
    uint8_t kind;
    fb_table val;
    wick_status s = value_kind(r, values, i, &kind, &val, d);
    if (s) return s;
    switch (kind) {
      case WICK_VAL_TENSOR: {
        wick_tensor h;
        s = wick_read_tensor_header(r, &val, &h, i, d);
        if (s) return s;
        bytes += wick_arena_round(sizeof(wick_tensor));
        fb_table alloc = fb_get_table(r, &val, TENSOR_ALLOCATION_INFO);
        if (r->bad) return malformed(d, r, "tensor allocation_info");
        if (alloc.pos) {
          uint32_t mid = fb_get_u32(r, &alloc, ALLOC_MEMORY_ID, 0);
          uint64_t off = fb_get_u32(r, &alloc, ALLOC_OFFSET_LOW, 0) |
                         ((uint64_t)fb_get_u32(r, &alloc, ALLOC_OFFSET_HIGH, 0) << 32);
          if (mid == 0 || mid > out->num_planned)
            return wick_diag_set(d, WICK_ERR_MALFORMED,
                                 "value %u: memory_id %u but the method plans %u arena(s)", i, mid,
                                 out->num_planned);
          uint64_t cap = out->planned_sizes[mid - 1];
          if (off > cap || h.capacity > cap - off)
            return wick_diag_set(d, WICK_ERR_MALFORMED,
                                 "value %u: tensor [%llu, +%zu) outside planned arena %u "
                                 "(%llu bytes)",
                                 i, (unsigned long long)off, h.capacity, mid,
                                 (unsigned long long)cap);
        }
        /* Constants (and initial data of mutable tensors) must resolve; external
         * data may arrive later, so only its name is checked here. */
        fb_table extra = fb_get_table(r, &val, TENSOR_EXTRA_INFO);
        bool external = extra.pos && fb_get_i8(r, &extra, EXTRA_LOCATION, 0) == LOCATION_EXTERNAL;
        if (r->bad) return malformed(d, r, "extra_tensor_info");
        if (!external) {
          const uint8_t *ptr;
          s = wick_resolve_constant(p, r, &val, i, h.capacity, &ptr, d);
          if (s) return s;
          if (ptr && !alloc.pos) out->constant_bytes += h.capacity;
        } else {
          const char *fqn = fb_get_str(r, &extra, EXTRA_FQN, NULL);
          if (r->bad) return malformed(d, r, "extra_tensor_info name");
          if (fqn == NULL || fqn[0] == '\0')
            return wick_diag_set(d, WICK_ERR_MALFORMED,
                                 "value %u: external tensor without a fully qualified name", i);
          if (!alloc.pos) out->constant_bytes += h.capacity;
        }
        break;
      }
      case WICK_VAL_INT:
      case WICK_VAL_BOOL:
      case WICK_VAL_DOUBLE:
        (void)fb_field(r, &val, SCALAR_VAL, kind == WICK_VAL_BOOL ? 1 : 8);
        if (r->bad) return malformed(d, r, "scalar value");
        break;
      case WICK_VAL_STRING:
        (void)fb_get_str(r, &val, SCALAR_VAL, NULL);
        if (r->bad) return malformed(d, r, "string value");
        break;
      case WICK_VAL_INT_LIST:
      case WICK_VAL_TENSOR_LIST:
      case WICK_VAL_OPT_TENSOR_LIST: {
        fb_vec items = fb_get_vec(r, &val, LIST_ITEMS, kind == WICK_VAL_INT_LIST ? 8 : 4);
        if (r->bad) return malformed(d, r, "list value");
        for (uint32_t k = 0; k < items.len; k++) {
          int64_t ix = kind == WICK_VAL_INT_LIST ? fb_vec_i64(r, items, k)
                                                 : (int64_t)fb_vec_i32(r, items, k);
          if (kind == WICK_VAL_OPT_TENSOR_LIST && ix == -1) continue;
          if (ix < 0 || ix >= values.len)
            return wick_diag_set(d, WICK_ERR_MALFORMED,
                                 "value %u: list item %u refers to value %lld (of %u)", i, k,
                                 (long long)ix, values.len);
          uint8_t ik;
          fb_table iv;
          s = value_kind(r, values, (uint32_t)ix, &ik, &iv, d);
          if (s) return s;
          uint8_t want = kind == WICK_VAL_INT_LIST ? WICK_VAL_INT : WICK_VAL_TENSOR;
          if (ik != want)
            return wick_diag_set(d, WICK_ERR_MALFORMED,
                                 "value %u: list item %u refers to value %lld, a %s (expected %s)",
                                 i, k, (long long)ix, wick_value_kind_name(ik),
                                 wick_value_kind_name(want));
        }
        if (kind == WICK_VAL_INT_LIST) {
          bytes += wick_arena_round((size_t)items.len * sizeof(int64_t));
          bytes += wick_arena_round((size_t)items.len * sizeof(wick_value *));
        } else {
          bytes += wick_arena_round((size_t)items.len * sizeof(wick_tensor *));
        }
        break;
      }
      case WICK_VAL_DOUBLE_LIST: {
        fb_vec items = fb_get_vec(r, &val, LIST_ITEMS, 8);
        if (r->bad) return malformed(d, r, "double list");
        bytes += wick_arena_round((size_t)items.len * sizeof(double));
        break;
      }
      case WICK_VAL_BOOL_LIST: {
        fb_vec items = fb_get_vec(r, &val, LIST_ITEMS, 1);
        if (r->bad) return malformed(d, r, "bool list");
        bytes += wick_arena_round((size_t)items.len * sizeof(bool));
        break;
      }
      default:
        break;
    }
  }

  /* Inputs and outputs. */
  for (int io = 0; io < 2; io++) {
    fb_vec v = io ? outputs : inputs;
    for (uint32_t k = 0; k < v.len; k++) {
      int32_t ix = fb_vec_i32(r, v, k);
      if (ix < 0 || (uint32_t)ix >= values.len)
        return wick_diag_set(d, WICK_ERR_MALFORMED, "method '%s': %s %u refers to value %d (of %u)",
                             name, io ? "output" : "input", k, ix, values.len);
    }
  }
  bytes += wick_arena_round((size_t)inputs.len * 4) + wick_arena_round((size_t)outputs.len * 4);
  bytes += wick_arena_round((size_t)inputs.len);

  /* Operators: names must be strings. */
  for (uint32_t k = 0; k < ops.len; k++) {
    fb_table op = fb_vec_table(r, ops, k);
    const char *on = fb_get_str(r, &op, OPERATOR_NAME, NULL);
    (void)fb_get_str(r, &op, OPERATOR_OVERLOAD, NULL);
    if (r->bad) return malformed(d, r, "operator table");
    if (on == NULL) return wick_diag_set(d, WICK_ERR_MALFORMED, "operator %u has no name", k);
  }

  /* Delegates. */
  for (uint32_t k = 0; k < dels.len; k++) {
    fb_table del = fb_vec_table(r, dels, k);
    (void)fb_get_str(r, &del, DELEGATE_ID, NULL);
    fb_table ref = fb_get_table(r, &del, DELEGATE_PROCESSED);
    (void)fb_get_u32(r, &ref, DATAREF_INDEX, 0);
    fb_vec specs = fb_get_vec(r, &del, DELEGATE_COMPILE_SPECS, 4);
    for (uint32_t j = 0; j < specs.len && !r->bad; j++) {
      fb_table cs = fb_vec_table(r, specs, j);
      (void)fb_get_str(r, &cs, COMPILE_SPEC_KEY, NULL);
      (void)fb_get_vec(r, &cs, COMPILE_SPEC_VALUE, 1);
    }
    if (r->bad) return malformed(d, r, "delegate table");
  }

  /* Chains and instructions. */
  bytes += wick_arena_round((size_t)chains.len * sizeof(wick_chain));
  for (uint32_t c = 0; c < chains.len; c++) {
    fb_table ch = fb_vec_table(r, chains, c);
    fb_vec instrs = fb_get_vec(r, &ch, CHAIN_INSTRUCTIONS, 4);
    if (r->bad) return malformed(d, r, "chain table");
    if (instrs.len > (1u << 24))
      return wick_diag_set(d, WICK_ERR_MALFORMED, "chain %u: %u instructions is implausible", c,
                           instrs.len);
    out->num_instructions += instrs.len;
    bytes += wick_arena_round((size_t)instrs.len * sizeof(wick_instr));
    for (uint32_t k = 0; k < instrs.len; k++) {
      fb_table in = fb_vec_table(r, instrs, k);
      uint8_t tag = fb_get_u8(r, &in, INSTR_ARGS_TYPE, IA_NONE);
      fb_table a = fb_get_table(r, &in, INSTR_ARGS);
      if (r->bad) return malformed(d, r, "instruction table");
      if (tag == IA_NONE || tag > IA_FREE_CALL || a.pos == 0)
        return wick_diag_set(d, WICK_ERR_MALFORMED, "instruction %u: unknown kind %u", k, tag);
      int32_t idx[2] = {0, 0};
      int nidx = 0;
      switch (tag) {
        case IA_KERNEL_CALL:
        case IA_DELEGATE_CALL: {
          int32_t which = fb_get_i32(r, &a, KCALL_OP_INDEX, 0);
          fb_vec args = fb_get_vec(r, &a, KCALL_ARGS, 4);
          if (r->bad) return malformed(d, r, "call instruction");
          uint32_t limit = tag == IA_KERNEL_CALL ? ops.len : dels.len;
          if (which < 0 || (uint32_t)which >= limit)
            return wick_diag_set(d, WICK_ERR_MALFORMED,
                                 "instruction %u: %s index %d out of range (%u)", k,
                                 tag == IA_KERNEL_CALL ? "operator" : "delegate", which, limit);
          for (uint32_t j = 0; j < args.len; j++) {
            int32_t ix = fb_vec_i32(r, args, j);
            if (ix < 0 || (uint32_t)ix >= values.len)
              return wick_diag_set(d, WICK_ERR_MALFORMED,
                                   "instruction %u: argument %u refers to value %d (of %u)", k, j,
                                   ix, values.len);
          }
          bytes += wick_arena_round((size_t)args.len * sizeof(wick_value *));
          break;
        }
        case IA_MOVE_CALL:
          idx[0] = fb_get_i32(r, &a, MOVE_FROM, 0);
          idx[1] = fb_get_i32(r, &a, MOVE_TO, 0);
          nidx = 2;
          break;
        case IA_JUMP_FALSE_CALL: {
          idx[0] = fb_get_i32(r, &a, JUMP_COND, 0);
          nidx = 1;
          int32_t dest = fb_get_i32(r, &a, JUMP_DEST, 0);
          if (dest < 0 || (uint32_t)dest > instrs.len)
            return wick_diag_set(d, WICK_ERR_MALFORMED,
                                 "instruction %u: jump destination %d past the end of the chain "
                                 "(%u instructions)",
                                 k, dest, instrs.len);
          if ((uint32_t)dest <= k) out->has_backward_jump = true;
          break;
        }
        case IA_FREE_CALL:
          idx[0] = fb_get_i32(r, &a, FREE_VALUE, 0);
          nidx = 1;
          break;
        default:
          break;
      }
      if (r->bad) return malformed(d, r, "instruction");
      for (int j = 0; j < nidx; j++)
        if (idx[j] < 0 || (uint32_t)idx[j] >= values.len)
          return wick_diag_set(d, WICK_ERR_MALFORMED,
                               "instruction %u: refers to value %d (of %u)", k, idx[j],
                               values.len);
    }
  }
  out->runtime_bytes = bytes;
  return WICK_OK;
}

/* ---- program ---- */

static wick_status check_segments(wick_program *p, fb_reader *r, const fb_table *root,
                                  wick_diag *d) {
  fb_vec segs = fb_get_vec(r, root, PROGRAM_SEGMENTS, 4);
  if (r->bad) return malformed(d, r, "segments");
  p->num_segments = segs.len;
  /* Without an extended header there is no segment data; such programs may
   * still list segments they never use, so those are checked on use. */
  for (uint32_t i = 0; p->has_ext_header && i < segs.len; i++) {
    uint64_t o, n;
    wick_status s = segment_range(p, r, i, &o, &n, d);
    if (s) return s;
  }
  fb_vec cbuf = fb_get_vec(r, root, PROGRAM_CONSTANT_BUFFER, 4);
  for (uint32_t i = 0; i < cbuf.len && !r->bad; i++) {
    fb_table b = fb_vec_table(r, cbuf, i);
    (void)fb_get_vec(r, &b, BUFFER_STORAGE, 1);
  }
  fb_vec bdd = fb_get_vec(r, root, PROGRAM_BACKEND_DELEGATE_DATA, 4);
  for (uint32_t i = 0; i < bdd.len && !r->bad; i++) {
    fb_table b = fb_vec_table(r, bdd, i);
    (void)fb_get_vec(r, &b, BUFFER_STORAGE, 1);
  }
  fb_table cseg = fb_get_table(r, root, PROGRAM_CONSTANT_SEGMENT);
  fb_vec coffs = fb_get_vec(r, &cseg, SUBSEG_OFFSETS, 8);
  uint32_t cidx = fb_get_u32(r, &cseg, SUBSEG_SEGMENT_INDEX, 0);
  if (r->bad) return malformed(d, r, "constant data tables");
  if (cbuf.len > 0 && coffs.len > 1)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "program has both an inline constant_buffer and a constant segment");
  if (coffs.len > 1 && cidx >= segs.len)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "constant segment index %u out of range (%u)",
                         cidx, segs.len);
  fb_vec nd = fb_get_vec(r, root, PROGRAM_NAMED_DATA, 4);
  for (uint32_t i = 0; i < nd.len; i++) {
    fb_table e = fb_vec_table(r, nd, i);
    const char *key = fb_get_str(r, &e, NAMED_DATA_KEY, NULL);
    uint32_t si = fb_get_u32(r, &e, NAMED_DATA_SEGMENT_INDEX, 0);
    if (r->bad) return malformed(d, r, "named_data");
    if (key == NULL || si >= segs.len)
      return wick_diag_set(d, WICK_ERR_MALFORMED, "named_data %u: missing key or bad segment %u",
                           i, si);
  }
  return WICK_OK;
}

wick_status wick_program_load(wick_program *p, const void *data, size_t size, wick_diag *d) {
  if (p == NULL || (data == NULL && size > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "program load: NULL argument");
  memset(p, 0, sizeof *p);
  const uint8_t *b = (const uint8_t *)data;
  if (size < 8)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "%zu bytes is too small to be a program", size);
  if (memcmp(b + 4, "ET", 2) != 0) {
    if (memcmp(b + 4, "BP", 2) == 0)
      return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                           "this is a bundled program (.bpte), not a plain program");
    if (memcmp(b + 4, "FT", 2) == 0)
      return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                           "this is an external data file (.ptd), not a program");
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "not an ExecuTorch program (file identifier is not \"ET12\")");
  }
  if (memcmp(b + 4, "ET12", 4) != 0)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "program schema identifier \"%.4s\" (wick reads \"ET12\")",
                         (const char *)b + 4);
  p->data = b;
  p->size = size;
  p->program_size = size;
  if (size >= PTE_EXT_HEADER_OFFSET + PTE_EXT_HEADER_MIN_LEN &&
      memcmp(b + PTE_EXT_HEADER_OFFSET, "eh00", 4) == 0) {
    fb_reader hr;
    fb_init(&hr, b, size);
    uint32_t len = fb_u32_at(&hr, 12);
    if (len < PTE_EXT_HEADER_MIN_LEN || len > size - PTE_EXT_HEADER_OFFSET)
      return wick_diag_set(d, WICK_ERR_MALFORMED, "extended header length %u is invalid", len);
    uint64_t psize = fb_u64_at(&hr, 16);
    uint64_t sbase = fb_u64_at(&hr, 24);
    if (psize < PTE_EXT_HEADER_OFFSET + len || psize > size)
      return wick_diag_set(d, WICK_ERR_MALFORMED,
                           "extended header: program size %llu but the file has %zu bytes",
                           (unsigned long long)psize, size);
    if (sbase != 0 && (sbase < psize || sbase > size))
      return wick_diag_set(d, WICK_ERR_MALFORMED,
                           "extended header: segment base %llu outside [%llu, %zu]",
                           (unsigned long long)sbase, (unsigned long long)psize, size);
    p->has_ext_header = true;
    p->program_size = psize;
    p->segment_base = sbase ? sbase : size;
  }
  fb_reader r;
  wick_program_reader(p, &r);
  fb_table root = fb_root(&r);
  if (r.bad) return malformed(d, &r, "program root");
  p->root = root.pos;
  p->version = fb_get_u32(&r, &root, PROGRAM_VERSION, 0);
  fb_vec plans = fb_get_vec(&r, &root, PROGRAM_EXECUTION_PLAN, 4);
  if (r.bad) return malformed(d, &r, "program table");
  if (plans.len == 0) return wick_diag_set(d, WICK_ERR_MALFORMED, "program has no methods");
  p->num_methods = plans.len;
  wick_status s = check_segments(p, &r, &root, d);
  if (s) return s;
  for (uint32_t i = 0; i < plans.len; i++) {
    fb_table plan = fb_vec_table(&r, plans, i);
    if (r.bad) return malformed(d, &r, "execution plan list");
    plan_scan scan;
    s = wick_plan_scan(p, &r, &plan, &scan, d);
    if (s) {
      const char *nm = fb_get_str(&r, &plan, PLAN_NAME, NULL);
      wick_diag_prefix(d, "method %u%s%s%s", i, nm ? " '" : "", nm ? nm : "", nm ? "'" : "");
      return s;
    }
  }
  return WICK_OK;
}

wick_status wick_program_add_data(wick_program *p, const wick_data_map *m, wick_diag *d) {
  if (p == NULL || m == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "add data: NULL argument");
  if (p->num_ext >= WICK_MAX_DATA_MAPS)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "at most %d external data files",
                         WICK_MAX_DATA_MAPS);
  p->ext[p->num_ext++] = m;
  return WICK_OK;
}

const char *wick_program_method_name(const wick_program *p, uint32_t i) {
  if (p == NULL || i >= p->num_methods) return NULL;
  fb_reader r;
  wick_program_reader(p, &r);
  fb_table root = fb_table_at(&r, p->root);
  fb_vec plans = fb_get_vec(&r, &root, PROGRAM_EXECUTION_PLAN, 4);
  fb_table plan = fb_vec_table(&r, plans, i);
  const char *name = fb_get_str(&r, &plan, PLAN_NAME, NULL);
  return r.bad ? NULL : name;
}

fb_table wick_program_find_plan(const wick_program *p, fb_reader *r, const char *name,
                                wick_diag *d) {
  fb_table none = {0, 0, 0, 0};
  if (p == NULL || p->data == NULL || name == NULL) {
    wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "method lookup: NULL argument");
    return none;
  }
  wick_program_reader(p, r);
  fb_table root = fb_table_at(r, p->root);
  fb_vec plans = fb_get_vec(r, &root, PROGRAM_EXECUTION_PLAN, 4);
  for (uint32_t i = 0; i < plans.len && !r->bad; i++) {
    fb_table plan = fb_vec_table(r, plans, i);
    const char *nm = fb_get_str(r, &plan, PLAN_NAME, NULL);
    if (nm && strcmp(nm, name) == 0) return plan;
  }
  if (r->bad) {
    malformed(d, r, "execution plans");
    return none;
  }
  char names[160] = "";
  size_t used = 0;
  for (uint32_t i = 0; i < plans.len && used < sizeof names - 1; i++) {
    const char *nm = wick_program_method_name(p, i);
    used += (size_t)wick_snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                             nm ? nm : "?");
  }
  wick_diag_set(d, WICK_ERR_NOT_FOUND, "no method named '%s' (methods: %s)", name, names);
  return none;
}

wick_status wick_method_meta_get(const wick_program *p, const char *name, wick_method_meta *out,
                                 wick_diag *d) {
  if (out == NULL) return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "method meta: NULL output");
  memset(out, 0, sizeof *out);
  fb_reader r;
  fb_table plan = wick_program_find_plan(p, &r, name, d);
  if (plan.pos == 0) return d && d->status ? d->status : WICK_ERR_NOT_FOUND;
  plan_scan scan;
  wick_status s = wick_plan_scan(p, &r, &plan, &scan, d);
  if (s) return s;
  out->name = fb_get_str(&r, &plan, PLAN_NAME, NULL);
  out->num_inputs = scan.num_inputs;
  out->num_outputs = scan.num_outputs;
  out->num_values = scan.num_values;
  out->num_instructions = scan.num_instructions;
  out->num_chains = scan.num_chains;
  out->num_operators = scan.num_operators;
  out->num_delegates = scan.num_delegates;
  out->num_planned = scan.num_planned;
  memcpy(out->planned_sizes, scan.planned_sizes, sizeof out->planned_sizes);
  out->runtime_bytes = scan.runtime_bytes;
  out->constant_bytes = scan.constant_bytes;
  return WICK_OK;
}

wick_status wick_method_operator_name(const wick_program *p, const char *method, uint32_t i,
                                      char *buf, size_t n, wick_diag *d) {
  fb_reader r;
  fb_table plan = wick_program_find_plan(p, &r, method, d);
  if (plan.pos == 0) return d && d->status ? d->status : WICK_ERR_NOT_FOUND;
  fb_vec ops = fb_get_vec(&r, &plan, PLAN_OPERATORS, 4);
  if (i >= ops.len) return wick_diag_set(d, WICK_ERR_NOT_FOUND, "operator %u out of range", i);
  fb_table op = fb_vec_table(&r, ops, i);
  const char *nm = fb_get_str(&r, &op, OPERATOR_NAME, NULL);
  const char *ov = fb_get_str(&r, &op, OPERATOR_OVERLOAD, NULL);
  if (r.bad || nm == NULL) return malformed(d, &r, "operator table");
  if (ov && ov[0])
    wick_snprintf(buf, n, "%s.%s", nm, ov);
  else
    wick_snprintf(buf, n, "%s", nm);
  return WICK_OK;
}

wick_status wick_method_io_info(const wick_program *p, const char *method, bool output,
                                uint32_t i, wick_io_info *out, wick_diag *d) {
  memset(out, 0, sizeof *out);
  fb_reader r;
  fb_table plan = wick_program_find_plan(p, &r, method, d);
  if (plan.pos == 0) return d && d->status ? d->status : WICK_ERR_NOT_FOUND;
  fb_vec io = fb_get_vec(&r, &plan, output ? PLAN_OUTPUTS : PLAN_INPUTS, 4);
  fb_vec values = fb_get_vec(&r, &plan, PLAN_VALUES, 4);
  if (r.bad) return malformed(d, &r, "execution plan");
  if (i >= io.len)
    return wick_diag_set(d, WICK_ERR_NOT_FOUND, "%s %u out of range (%u)",
                         output ? "output" : "input", i, io.len);
  int32_t vi = fb_vec_i32(&r, io, i);
  if (vi < 0 || (uint32_t)vi >= values.len)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "io index refers to value %d", vi);
  uint8_t kind;
  fb_table val;
  wick_status s = value_kind(&r, values, (uint32_t)vi, &kind, &val, d);
  if (s) return s;
  out->kind = kind;
  if (kind == WICK_VAL_TENSOR) {
    s = wick_read_tensor_header(&r, &val, &out->tensor, (uint32_t)vi, d);
    if (s) return s;
    out->planned = fb_get_table(&r, &val, TENSOR_ALLOCATION_INFO).pos != 0;
  } else if (kind == WICK_VAL_INT) {
    out->ival = fb_get_i64(&r, &val, SCALAR_VAL, 0);
  } else if (kind == WICK_VAL_BOOL) {
    out->ival = fb_get_bool(&r, &val, SCALAR_VAL, false);
  } else if (kind == WICK_VAL_DOUBLE) {
    out->dval = fb_get_f64(&r, &val, SCALAR_VAL, 0);
  }
  return r.bad ? malformed(d, &r, "io value") : WICK_OK;
}

wick_status wick_program_named_data(const wick_program *p, const char *key, const void **data,
                                    size_t *size, wick_diag *d) {
  fb_reader r;
  wick_program_reader(p, &r);
  fb_table root = fb_table_at(&r, p->root);
  fb_vec nd = fb_get_vec(&r, &root, PROGRAM_NAMED_DATA, 4);
  for (uint32_t i = 0; i < nd.len && !r.bad; i++) {
    fb_table e = fb_vec_table(&r, nd, i);
    const char *k = fb_get_str(&r, &e, NAMED_DATA_KEY, NULL);
    if (k && strcmp(k, key) == 0) {
      uint64_t o, n;
      wick_status s =
          segment_range(p, &r, fb_get_u32(&r, &e, NAMED_DATA_SEGMENT_INDEX, 0), &o, &n, d);
      if (s) return s;
      *data = p->data + o;
      *size = (size_t)n;
      return WICK_OK;
    }
  }
  if (r.bad) return malformed(d, &r, "named_data");
  return wick_diag_set(d, WICK_ERR_NOT_FOUND, "no named data '%s' in the program", key);
}

wick_status wick_method_io_name(const wick_program *p, const char *method, bool output,
                                uint32_t i, char *buf, size_t n, wick_diag *d) {
  if (n) buf[0] = '\0';
  char key[96];
  wick_snprintf(key, sizeof key, "wick.io_names.%s", method);
  const void *data;
  size_t size;
  if (wick_program_named_data(p, key, &data, &size, NULL) != WICK_OK)
    return wick_diag_set(d, WICK_ERR_NOT_FOUND, "program records no names for '%s'", method);
  const char *s = data, *end = s + size;
  const char *tag = output ? "out " : "in ";
  size_t tl = output ? 4 : 3;
  uint32_t k = 0;
  while (s < end) {
    const char *nl = s;
    while (nl < end && *nl != '\n') nl++;
    if ((size_t)(nl - s) >= tl && memcmp(s, tag, tl) == 0) {
      if (k == i) {
        size_t len = (size_t)(nl - s) - tl;
        if (n == 0) return WICK_OK;
        if (len >= n) len = n - 1;
        memcpy(buf, s + tl, len);
        buf[len] = '\0';
        return WICK_OK;
      }
      k++;
    }
    s = nl + 1;
  }
  return wick_diag_set(d, WICK_ERR_NOT_FOUND, "no name recorded for %s %u",
                       output ? "output" : "input", i);
}

/* Copies [s, e) into buf (n bytes, terminated, truncated). */
static void copy_span(char *buf, size_t n, const char *s, const char *e) {
  if (buf == NULL || n == 0) return;
  size_t len = (size_t)(e - s);
  if (len >= n) len = n - 1;
  memcpy(buf, s, len);
  buf[len] = '\0';
}

/* Line i of the metadata with a '=' in it: [k, eq) is the key, (eq, end) the value. */
static wick_status metadata_line(const wick_program *p, uint32_t i, const char *key,
                                 const char **ks, const char **eqp, const char **endp,
                                 wick_diag *d) {
  const void *data;
  size_t size;
  if (wick_program_named_data(p, WICK_METADATA_KEY, &data, &size, NULL) != WICK_OK)
    return wick_diag_set(d, WICK_ERR_NOT_FOUND, "the program records no metadata");
  const char *s = data, *end = s + size;
  uint32_t k = 0;
  while (s < end) {
    const char *nl = s;
    while (nl < end && *nl != '\n') nl++;
    const char *eq = s;
    while (eq < nl && *eq != '=') eq++;
    if (eq < nl && eq > s) {
      bool hit = key ? (size_t)(eq - s) == strlen(key) && memcmp(s, key, (size_t)(eq - s)) == 0
                     : k == i;
      if (hit) {
        *ks = s;
        *eqp = eq;
        *endp = nl > eq && nl[-1] == '\r' ? nl - 1 : nl;
        return WICK_OK;
      }
      k++;
    }
    s = nl + 1;
  }
  if (key) return wick_diag_set(d, WICK_ERR_NOT_FOUND, "no metadata entry '%s'", key);
  return wick_diag_set(d, WICK_ERR_NOT_FOUND, "no metadata entry %u", i);
}

wick_status wick_program_metadata(const wick_program *p, const char *key, char *buf, size_t n,
                                  wick_diag *d) {
  if (buf && n) buf[0] = '\0';
  if (p == NULL || key == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "program metadata: NULL argument");
  const char *ks, *eq, *end;
  wick_status s = metadata_line(p, 0, key, &ks, &eq, &end, d);
  if (s == WICK_OK) copy_span(buf, n, eq + 1, end);
  return s;
}

wick_status wick_program_metadata_entry(const wick_program *p, uint32_t i, char *key, size_t kn,
                                        char *value, size_t vn, wick_diag *d) {
  if (key && kn) key[0] = '\0';
  if (value && vn) value[0] = '\0';
  if (p == NULL) return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "program metadata: NULL argument");
  const char *ks, *eq, *end;
  wick_status s = metadata_line(p, i, NULL, &ks, &eq, &end, d);
  if (s == WICK_OK) {
    copy_span(key, kn, ks, eq);
    copy_span(value, vn, eq + 1, end);
  }
  return s;
}
