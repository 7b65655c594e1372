/* Decoding ONNX protobuf messages into the structs of onnx.h.
 *
 * Each message is read in two passes over its own bytes: the first counts the
 * repeated fields (so every list is allocated once, at its exact size, from the
 * model's arena), the second fills the struct and recurses into submessages.
 * Nested messages are skipped by length in the first pass, so every byte is
 * visited a bounded number of times per nesting level.
 *
 * While descending, the parser keeps a stack of frames (field name, index and
 * the element's bytes). An error message is prefixed with the path the stack
 * describes, e.g. "graph.node[12] (Conv 'conv1').attribute[2] 'pads'"; node
 * and attribute labels are read back from the element's bytes only then, so
 * the success path pays nothing for them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compiler/onnx/onnx_internal.h"
#include "compiler/onnx/pb.h"

/* Highest field number that is counted in the first pass. ONNX messages use
 * numbers up to 30; larger ones are unknown here and skipped. */
#define MAX_COUNTED_FIELD 31

/* How the first pass counts a field. */
enum {
  K_NONE = 0, /* not repeated, or not read: not counted */
  K_LEN,      /* repeated message / string: one per occurrence */
  K_VARINT,   /* repeated varint scalar (packed or not) */
  K_F32,      /* repeated fixed32 scalar (float) */
  K_F64       /* repeated fixed64 scalar (double) */
};

/* How an element's label is shown in paths. */
enum {
  LABEL_NONE = 0,
  LABEL_NODE, /* " (op_type 'name')" from NodeProto fields 4 and 3 */
  LABEL_NAME  /* " 'name'" from the field number in name_field */
};

typedef struct frame {
  const char *name;   /* field name, e.g. "node" */
  int64_t index;      /* element index in a repeated field, or -1 */
  const uint8_t *msg; /* the element's bytes (for its label) */
  size_t size;
  uint8_t label;      /* LABEL_* */
  uint8_t name_field; /* field holding the name for LABEL_NAME */
} frame;

typedef struct parser {
  wick_onnx_arena *arena;
  const char *file; /* source name for messages */
  wick_diag *d;
  int depth; /* frames in use */
  frame frames[WICK_ONNX_MAX_DEPTH];
  bool in_function;          /* inside a FunctionProto body */
  char err[WICK_PB_ERR_LEN]; /* wire-level error text */
} parser;

static const char kEmpty[] = "";

/* ---- error reporting -------------------------------------------------------- */

/* Finds the first length-delimited field `number` in a message and copies it,
 * printable ASCII only and shortened, to out. False when absent or unreadable. */
static bool scan_label(const uint8_t *msg, size_t size, uint32_t number, char *out, size_t n) {
  wick_pb_cursor cur = {msg, msg + size};
  wick_pb_field f;
  char err[WICK_PB_ERR_LEN];
  while (wick_pb_next(&cur, &f, err, sizeof err) > 0) {
    if (f.number != number || f.wire != WICK_PB_LEN) continue;
    const size_t max_chars = 40;
    size_t k = 0;
    for (size_t i = 0; i < f.size && i < max_chars && k + 1 < n; i++) {
      uint8_t ch = f.data[i];
      out[k++] = (ch >= 0x20 && ch < 0x7f && ch != '\'') ? (char)ch : '?';
    }
    if (f.size > max_chars && k + 4 < n) {
      memcpy(out + k, "...", 3);
      k += 3;
    }
    out[k] = '\0';
    return true;
  }
  return false;
}

/* Appends to buf (size n) at *used, never overflowing. */
static void append(char *buf, size_t n, size_t *used, const char *fmt, ...) {
  if (*used + 1 >= n) return;
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(buf + *used, n - *used, fmt, ap);
  va_end(ap);
  if (k < 0) return;
  *used += (size_t)k < n - *used ? (size_t)k : n - *used - 1;
}

/* Writes frame i ("node[12] (Conv 'conv1')") to buf. */
static void format_frame(const frame *fr, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = '\0';
  append(buf, n, &used, "%s", fr->name);
  if (fr->index >= 0) append(buf, n, &used, "[%lld]", (long long)fr->index);
  char a[64], b[64];
  if (fr->label == LABEL_NODE) {
    bool has_op = scan_label(fr->msg, fr->size, 4, a, sizeof a);
    bool has_name = scan_label(fr->msg, fr->size, 3, b, sizeof b);
    if (has_op || has_name)
      append(buf, n, &used, " (%s '%s')", has_op ? a : "?", has_name ? b : "");
  } else if (fr->label == LABEL_NAME) {
    if (scan_label(fr->msg, fr->size, fr->name_field, a, sizeof a))
      append(buf, n, &used, " '%s'", a);
  }
}

/* The element path, e.g. "graph.node[12] (Conv 'conv1').attribute[2] 'pads'".
 * Paths longer than PATH_BUDGET keep their first two and as many last frames
 * as fit, so the message after the path is not cut off. */
#define PATH_BUDGET 160
static void format_path(const parser *c, char *buf, size_t n) {
  char parts[WICK_ONNX_MAX_DEPTH][128];
  size_t lens[WICK_ONNX_MAX_DEPTH], total = 0;
  for (int i = 0; i < c->depth; i++) {
    format_frame(&c->frames[i], parts[i], sizeof parts[i]);
    lens[i] = strlen(parts[i]) + 1;
    total += lens[i];
  }
  int head = c->depth, tail_from = c->depth;
  if (total > PATH_BUDGET && c->depth > 3) {
    head = 2;
    size_t fixed = lens[0] + lens[1] + lens[c->depth - 1] + 24;
    size_t room = fixed < PATH_BUDGET ? PATH_BUDGET - fixed : 0;
    tail_from = c->depth - 1; /* the innermost frame is always shown */
    while (tail_from > head + 1 && lens[tail_from - 1] <= room) room -= lens[--tail_from];
  }
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < c->depth; i++) {
    if (i == head && tail_from > head) {
      append(buf, n, &used, ".(%d more levels)", tail_from - head);
      i = tail_from - 1;
      continue;
    }
    append(buf, n, &used, "%s%s", i > 0 ? "." : "", parts[i]);
  }
}

/* Records "file: path: message" in the diagnostic; returns false. */
static bool fail(parser *c, wick_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static bool fail(parser *c, wick_status s, const char *fmt, ...) {
  char msg[WICK_DIAG_LEN];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char path[WICK_DIAG_LEN];
  format_path(c, path, sizeof path);
  if (path[0] != '\0')
    wick_diag_set(c->d, s, "%s: %s: %s", c->file, path, msg);
  else
    wick_diag_set(c->d, s, "%s: %s", c->file, msg);
  return false;
}

/* ---- descending into submessages --------------------------------------------- */

static bool enter(parser *c, const char *name, int64_t index, const wick_pb_field *f, uint8_t label,
                  uint8_t name_field) {
  if (c->depth >= WICK_ONNX_MAX_DEPTH)
    return fail(c, WICK_ERR_MALFORMED, "%s: messages nest deeper than %d levels", name,
                WICK_ONNX_MAX_DEPTH);
  frame *fr = &c->frames[c->depth++];
  fr->name = name;
  fr->index = index;
  fr->msg = f->data;
  fr->size = f->size;
  fr->label = label;
  fr->name_field = name_field;
  return true;
}

static void leave(parser *c) {
  c->depth--;
}

/* ---- field helpers ------------------------------------------------------------ */

static int next(parser *c, wick_pb_cursor *cur, wick_pb_field *f) {
  int r = wick_pb_next(cur, f, c->err, sizeof c->err);
  if (r < 0) fail(c, WICK_ERR_MALFORMED, "%s", c->err);
  return r;
}

static bool want(parser *c, const wick_pb_field *f, uint8_t wire, const char *name) {
  if (f->wire == wire) return true;
  return fail(c, WICK_ERR_MALFORMED, "field %s (%u) has wire type %s, expected %s", name, f->number,
              wick_pb_wire_name(f->wire), wick_pb_wire_name(wire));
}

static bool duplicate(parser *c, const char *name) {
  return fail(c, WICK_ERR_MALFORMED, "field %s appears more than once (merging is not supported)",
              name);
}

static int64_t as_i64(uint64_t v) {
  int64_t r;
  memcpy(&r, &v, sizeof r);
  return r;
}

static int32_t as_i32(uint64_t v) {
  uint32_t low = (uint32_t)v;
  int32_t r;
  memcpy(&r, &low, sizeof r);
  return r;
}

static bool get_i64(parser *c, const wick_pb_field *f, const char *name, int64_t *out) {
  if (!want(c, f, WICK_PB_VARINT, name)) return false;
  *out = as_i64(f->value);
  return true;
}

/* int32 and enum fields: protobuf keeps the low 32 bits of the varint. */
static bool get_i32(parser *c, const wick_pb_field *f, const char *name, int32_t *out) {
  if (!want(c, f, WICK_PB_VARINT, name)) return false;
  *out = as_i32(f->value);
  return true;
}

static bool get_f32(parser *c, const wick_pb_field *f, const char *name, float *out) {
  if (!want(c, f, WICK_PB_FIXED32, name)) return false;
  *out = wick_pb_f32(f->value);
  return true;
}

static bool get_bytes(parser *c, const wick_pb_field *f, const char *name, wick_onnx_bytes *out) {
  if (!want(c, f, WICK_PB_LEN, name)) return false;
  char *s = wick_onnx_arena_strndup(c->arena, f->data, f->size);
  if (s == NULL)
    return fail(c, WICK_ERR_MEMORY, "field %s: cannot allocate %zu bytes", name, f->size + 1);
  out->data = s;
  out->size = f->size;
  return true;
}

static bool get_string(parser *c, const wick_pb_field *f, const char *name, const char **out) {
  wick_onnx_bytes b = {NULL, 0};
  if (!get_bytes(c, f, name, &b)) return false;
  *out = b.data;
  return true;
}

/* First pass: counts the fields marked in kinds[] (packed scalars by element). */
static bool count_fields(parser *c, const uint8_t *data, size_t size,
                         const uint8_t kinds[MAX_COUNTED_FIELD + 1],
                         uint64_t counts[MAX_COUNTED_FIELD + 1]) {
  memset(counts, 0, sizeof(uint64_t) * (MAX_COUNTED_FIELD + 1));
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r;
  while ((r = next(c, &cur, &f)) > 0) {
    if (f.number > MAX_COUNTED_FIELD) continue;
    uint8_t k = kinds[f.number];
    if (k == K_NONE) continue;
    if (k == K_LEN) {
      if (f.wire == WICK_PB_LEN) counts[f.number]++;
      continue; /* a wrong wire type is reported by the second pass */
    }
    wick_pb_scalar kind = k == K_F32   ? WICK_PB_SCALAR_FIXED32
                          : k == K_F64 ? WICK_PB_SCALAR_FIXED64
                                       : WICK_PB_SCALAR_VARINT;
    if (f.wire == WICK_PB_LEN) {
      uint64_t n;
      if (wick_pb_packed_count(f.data, f.size, kind, &n, c->err, sizeof c->err) != 0)
        return fail(c, WICK_ERR_MALFORMED, "field %u: %s", f.number, c->err);
      counts[f.number] += n;
    } else if (f.wire == wick_pb_scalar_wire(kind)) {
      counts[f.number]++;
    }
  }
  return r == 0;
}

/* Allocates count elements of elem_size bytes (NULL for zero). `limit` caps
 * the count (UINT32_MAX for lists whose count is a uint32_t). */
static bool alloc_array(parser *c, uint64_t count, size_t elem_size, uint64_t limit,
                        const char *name, void **out) {
  *out = NULL;
  if (count == 0) return true;
  if (count > limit)
    return fail(c, WICK_ERR_NOT_SUPPORTED, "field %s has %llu entries (limit %llu)", name,
                (unsigned long long)count, (unsigned long long)limit);
  if (count > SIZE_MAX / elem_size)
    return fail(c, WICK_ERR_MEMORY, "field %s: %llu entries overflow the address space", name,
                (unsigned long long)count);
  *out = wick_onnx_arena_alloc(c->arena, (size_t)count * elem_size);
  if (*out == NULL)
    return fail(c, WICK_ERR_MEMORY, "field %s: cannot allocate %llu entries of %zu bytes", name,
                (unsigned long long)count, elem_size);
  return true;
}

#define ALLOC_LIST(c, count, ptr, name) \
  alloc_array((c), (count), sizeof *(ptr), UINT32_MAX, (name), (void **)&(ptr))
#define ALLOC_DATA(c, count, ptr, name) \
  alloc_array((c), (count), sizeof *(ptr), SIZE_MAX, (name), (void **)&(ptr))

/* Destination element types of repeated scalars. */
typedef enum elem_kind { E_I64, E_I32, E_U64, E_F32, E_F64 } elem_kind;

/* Second pass: appends the element(s) of a repeated scalar field, packed or
 * not, to array (capacity cap, fill level *n). */
static bool add_scalars(parser *c, const wick_pb_field *f, const char *name, wick_pb_scalar kind,
                        elem_kind dst, void *array, size_t *n, uint64_t cap) {
  const uint8_t *p, *end;
  uint64_t one;
  bool packed = f->wire == WICK_PB_LEN;
  if (packed) {
    p = f->data;
    end = f->data + f->size;
  } else {
    if (!want(c, f, wick_pb_scalar_wire(kind), name)) return false;
    one = f->value;
    p = end = NULL;
  }
  for (;;) {
    uint64_t v;
    if (packed) {
      if (p >= end) break;
      if (wick_pb_packed_next(&p, end, kind, &v, c->err, sizeof c->err) != 0)
        return fail(c, WICK_ERR_MALFORMED, "field %s: %s", name, c->err);
    } else {
      v = one;
    }
    if (*n >= cap) /* the first pass counted these; a mismatch means a bug */
      return fail(c, WICK_ERR_MALFORMED, "field %s: more elements than counted", name);
    switch (dst) {
      case E_I64: ((int64_t *)array)[*n] = as_i64(v); break;
      case E_I32: ((int32_t *)array)[*n] = as_i32(v); break;
      case E_U64: ((uint64_t *)array)[*n] = v; break;
      case E_F32: ((float *)array)[*n] = wick_pb_f32(v); break;
      case E_F64: ((double *)array)[*n] = wick_pb_f64(v); break;
    }
    (*n)++;
    if (!packed) break;
  }
  return true;
}

/* ---- messages ------------------------------------------------------------------ */

static bool parse_graph(parser *c, const uint8_t *data, size_t size, wick_onnx_graph *g);
static bool parse_type(parser *c, const uint8_t *data, size_t size, wick_onnx_type *t);

/* StringStringEntryProto: key = 1, value = 2. */
static bool parse_string_pair(parser *c, const uint8_t *data, size_t size,
                              wick_onnx_string_pair *out) {
  out->key = kEmpty;
  out->value = kEmpty;
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r;
  while ((r = next(c, &cur, &f)) > 0) {
    if (f.number == 1 && !get_string(c, &f, "key", &out->key)) return false;
    if (f.number == 2 && !get_string(c, &f, "value", &out->value)) return false;
  }
  return r == 0;
}

/* OperatorSetIdProto: domain = 1, version = 2. */
static bool parse_opset(parser *c, const uint8_t *data, size_t size, wick_onnx_opset *out) {
  out->domain = kEmpty;
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r;
  while ((r = next(c, &cur, &f)) > 0) {
    if (f.number == 1 && !get_string(c, &f, "domain", &out->domain)) return false;
    if (f.number == 2 && !get_i64(c, &f, "version", &out->version)) return false;
  }
  return r == 0;
}

/* Parses a list of StringStringEntryProto / OperatorSetIdProto / ... entries:
 * helper for the common "repeated message at field N" pattern. */
#define PARSE_ELEMENT(c, f, listname, index, label, name_field, call)      \
  (enter((c), (listname), (int64_t)(index), (f), (label), (name_field)) && \
   ((call) ? (leave(c), true) : false))

/* TensorShapeProto.Dimension: dim_value = 1, dim_param = 2, denotation = 3. */
static bool parse_dim(parser *c, const uint8_t *data, size_t size, wick_onnx_dim *out) {
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r;
  while ((r = next(c, &cur, &f)) > 0) {
    if (f.number == 1) {
      if (!get_i64(c, &f, "dim_value", &out->value)) return false;
      out->has_value = true;
      out->param = NULL; /* oneof: the last member set wins */
    } else if (f.number == 2) {
      if (!get_string(c, &f, "dim_param", &out->param)) return false;
      out->has_value = false;
      out->value = 0;
    }
  }
  return r == 0;
}

/* TensorShapeProto: dim = 1. */
static bool parse_shape(parser *c, const uint8_t *data, size_t size, wick_onnx_type *out) {
  static const uint8_t kinds[MAX_COUNTED_FIELD + 1] = {[1] = K_LEN};
  uint64_t counts[MAX_COUNTED_FIELD + 1];
  if (!count_fields(c, data, size, kinds, counts)) return false;
  if (!ALLOC_LIST(c, counts[1], out->dims, "dim")) return false;
  out->has_shape = true;
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r;
  while ((r = next(c, &cur, &f)) > 0) {
    if (f.number != 1) continue;
    if (!want(c, &f, WICK_PB_LEN, "dim")) return false;
    uint32_t i = out->rank++;
    if (!PARSE_ELEMENT(c, &f, "dim", i, LABEL_NONE, 0, parse_dim(c, f.data, f.size, &out->dims[i])))
      return false;
  }
  return r == 0;
}

/* TypeProto.Tensor and TypeProto.SparseTensor: elem_type = 1, shape = 2. */
static bool parse_tensor_type(parser *c, const uint8_t *data, size_t size, wick_onnx_type *out) {
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r;
  while ((r = next(c, &cur, &f)) > 0) {
    if (f.number == 1) {
      if (!get_i32(c, &f, "elem_type", &out->elem_type)) return false;
    } else if (f.number == 2) {
      if (!want(c, &f, WICK_PB_LEN, "shape")) return false;
      if (out->has_shape) return duplicate(c, "shape");
      if (!PARSE_ELEMENT(c, &f, "shape", -1, LABEL_NONE, 0, parse_shape(c, f.data, f.size, out)))
        return false;
    }
  }
  return r == 0;
}

/* A nested TypeProto allocated from the arena (Sequence/Optional elem_type,
 * Map value_type). */
static bool parse_inner_type(parser *c, const wick_pb_field *f, const char *name,
                             wick_onnx_type **out) {
  if (!want(c, f, WICK_PB_LEN, name)) return false;
  if (*out != NULL) return duplicate(c, name);
  wick_onnx_type *t = wick_onnx_arena_alloc(c->arena, sizeof *t);
  if (t == NULL) return fail(c, WICK_ERR_MEMORY, "cannot allocate a type");
  *out = t;
  return PARSE_ELEMENT(c, f, name, -1, LABEL_NONE, 0, parse_type(c, f->data, f->size, t));
}

/* TypeProto.Sequence / .Optional: elem_type = 1.
 * TypeProto.Map: key_type = 1, value_type = 2. */
static bool parse_wrapper_type(parser *c, const uint8_t *data, size_t size, bool is_map,
                               wick_onnx_type *out) {
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r;
  while ((r = next(c, &cur, &f)) > 0) {
    if (is_map) {
      if (f.number == 1 && !get_i32(c, &f, "key_type", &out->elem_type)) return false;
      if (f.number == 2 && !parse_inner_type(c, &f, "value_type", &out->elem)) return false;
    } else if (f.number == 1) {
      if (!parse_inner_type(c, &f, "elem_type", &out->elem)) return false;
    }
  }
  return r == 0;
}

/* TypeProto: oneof value { tensor_type = 1, sequence_type = 4, map_type = 5,
 * opaque_type = 7, sparse_tensor_type = 8, optional_type = 9 }, denotation = 6. */
static bool parse_type(parser *c, const uint8_t *data, size_t size, wick_onnx_type *t) {
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r;
  while ((r = next(c, &cur, &f)) > 0) {
    const char *name;
    int kind;
    switch (f.number) {
      case 1:
        name = "tensor_type";
        kind = WICK_ONNX_TYPE_TENSOR;
        break;
      case 4:
        name = "sequence_type";
        kind = WICK_ONNX_TYPE_SEQUENCE;
        break;
      case 5:
        name = "map_type";
        kind = WICK_ONNX_TYPE_MAP;
        break;
      case 7:
        name = "opaque_type";
        kind = WICK_ONNX_TYPE_OPAQUE;
        break;
      case 8:
        name = "sparse_tensor_type";
        kind = WICK_ONNX_TYPE_SPARSE_TENSOR;
        break;
      case 9:
        name = "optional_type";
        kind = WICK_ONNX_TYPE_OPTIONAL;
        break;
      default: continue; /* denotation and unknown fields */
    }
    if (!want(c, &f, WICK_PB_LEN, name)) return false;
    if (t->kind != WICK_ONNX_TYPE_NONE)
      return fail(c, WICK_ERR_MALFORMED, "TypeProto sets more than one of its value fields (%s)",
                  name);
    t->kind = kind;
    bool ok;
    if (!enter(c, name, -1, &f, LABEL_NONE, 0)) return false;
    switch (kind) {
      case WICK_ONNX_TYPE_TENSOR:
      case WICK_ONNX_TYPE_SPARSE_TENSOR: ok = parse_tensor_type(c, f.data, f.size, t); break;
      case WICK_ONNX_TYPE_SEQUENCE:
      case WICK_ONNX_TYPE_OPTIONAL: ok = parse_wrapper_type(c, f.data, f.size, false, t); break;
      case WICK_ONNX_TYPE_MAP: ok = parse_wrapper_type(c, f.data, f.size, true, t); break;
      default: ok = true; break; /* opaque: domain and name are not kept */
    }
    if (!ok) return false;
    leave(c);
  }
  return r == 0;
}

/* ValueInfoProto: name = 1, type = 2, doc_string = 3, metadata_props = 4. */
static bool parse_value_info(parser *c, const uint8_t *data, size_t size,
                             wick_onnx_value_info *out) {
  out->name = kEmpty;
  bool has_type = false;
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r;
  while ((r = next(c, &cur, &f)) > 0) {
    if (f.number == 1) {
      if (!get_string(c, &f, "name", &out->name)) return false;
    } else if (f.number == 2) {
      if (!want(c, &f, WICK_PB_LEN, "type")) return false;
      if (has_type) return duplicate(c, "type");
      has_type = true;
      if (!PARSE_ELEMENT(c, &f, "type", -1, LABEL_NONE, 0,
                         parse_type(c, f.data, f.size, &out->type)))
        return false;
    }
  }
  return r == 0;
}

/* TensorProto. */
static bool parse_tensor(parser *c, const uint8_t *data, size_t size, wick_onnx_tensor *t) {
  static const uint8_t kinds[MAX_COUNTED_FIELD + 1] = {
      [1] = K_VARINT, [4] = K_F32,  [5] = K_VARINT,  [6] = K_LEN,
      [7] = K_VARINT, [10] = K_F64, [11] = K_VARINT, [13] = K_LEN};
  uint64_t counts[MAX_COUNTED_FIELD + 1];
  if (!count_fields(c, data, size, kinds, counts)) return false;
  if (!ALLOC_LIST(c, counts[1], t->dims, "dims") ||
      !ALLOC_DATA(c, counts[4], t->float_data, "float_data") ||
      !ALLOC_DATA(c, counts[5], t->int32_data, "int32_data") ||
      !ALLOC_DATA(c, counts[6], t->string_data, "string_data") ||
      !ALLOC_DATA(c, counts[7], t->int64_data, "int64_data") ||
      !ALLOC_DATA(c, counts[10], t->double_data, "double_data") ||
      !ALLOC_DATA(c, counts[11], t->uint64_data, "uint64_data") ||
      !ALLOC_LIST(c, counts[13], t->external_data, "external_data"))
    return false;
  t->name = kEmpty;
  size_t rank = 0;
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r;
  while ((r = next(c, &cur, &f)) > 0) {
    bool ok = true;
    switch (f.number) {
      case 1:
        ok = add_scalars(c, &f, "dims", WICK_PB_SCALAR_VARINT, E_I64, t->dims, &rank, counts[1]);
        break;
      case 2: ok = get_i32(c, &f, "data_type", &t->data_type); break;
      case 3:
        return fail(c, WICK_ERR_NOT_SUPPORTED,
                    "segmented tensors (TensorProto.segment) are not supported");
      case 4:
        ok = add_scalars(c, &f, "float_data", WICK_PB_SCALAR_FIXED32, E_F32, t->float_data,
                         &t->num_float_data, counts[4]);
        break;
      case 5:
        ok = add_scalars(c, &f, "int32_data", WICK_PB_SCALAR_VARINT, E_I32, t->int32_data,
                         &t->num_int32_data, counts[5]);
        break;
      case 6:
        if (!want(c, &f, WICK_PB_LEN, "string_data")) return false;
        ok = get_bytes(c, &f, "string_data", &t->string_data[t->num_string_data++]);
        break;
      case 7:
        ok = add_scalars(c, &f, "int64_data", WICK_PB_SCALAR_VARINT, E_I64, t->int64_data,
                         &t->num_int64_data, counts[7]);
        break;
      case 8: ok = get_string(c, &f, "name", &t->name); break;
      case 9:
        if (!want(c, &f, WICK_PB_LEN, "raw_data")) return false;
        t->has_raw_data = true; /* zero-copy: points into the model's bytes */
        t->raw_data = f.data;
        t->raw_size = f.size;
        break;
      case 10:
        ok = add_scalars(c, &f, "double_data", WICK_PB_SCALAR_FIXED64, E_F64, t->double_data,
                         &t->num_double_data, counts[10]);
        break;
      case 11:
        ok = add_scalars(c, &f, "uint64_data", WICK_PB_SCALAR_VARINT, E_U64, t->uint64_data,
                         &t->num_uint64_data, counts[11]);
        break;
      case 13: {
        if (!want(c, &f, WICK_PB_LEN, "external_data")) return false;
        uint32_t i = t->num_external_data++;
        ok = PARSE_ELEMENT(c, &f, "external_data", i, LABEL_NONE, 0,
                           parse_string_pair(c, f.data, f.size, &t->external_data[i]));
        break;
      }
      case 14: ok = get_i32(c, &f, "data_location", &t->data_location); break;
      default: break; /* doc_string = 12, metadata_props = 16, unknown */
    }
    if (!ok) return false;
  }
  t->rank = (uint32_t)rank;
  return r == 0;
}

/* Allocates one struct from the arena for a singular submessage. */
static void *alloc_one(parser *c, size_t size, const char *name) {
  void *p = wick_onnx_arena_alloc(c->arena, size);
  if (p == NULL) fail(c, WICK_ERR_MEMORY, "cannot allocate %s", name);
  return p;
}

/* AttributeProto. */
static bool parse_attribute(parser *c, const uint8_t *data, size_t size, wick_onnx_attribute *a) {
  static const uint8_t kinds[MAX_COUNTED_FIELD + 1] = {
      [7] = K_F32, [8] = K_VARINT, [9] = K_LEN, [10] = K_LEN, [11] = K_LEN, [15] = K_LEN};
  uint64_t counts[MAX_COUNTED_FIELD + 1];
  if (!count_fields(c, data, size, kinds, counts)) return false;
  if (!ALLOC_LIST(c, counts[7], a->floats, "floats") ||
      !ALLOC_LIST(c, counts[8], a->ints, "ints") ||
      !ALLOC_LIST(c, counts[9], a->strings, "strings") ||
      !ALLOC_LIST(c, counts[10], a->tensors, "tensors") ||
      !ALLOC_LIST(c, counts[11], a->graphs, "graphs") ||
      !ALLOC_LIST(c, counts[15], a->type_protos, "type_protos"))
    return false;
  a->name = kEmpty;
  bool has_f = false, has_i = false;
  size_t nfloats = 0, nints = 0;
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r;
  while ((r = next(c, &cur, &f)) > 0) {
    bool ok = true;
    switch (f.number) {
      case 1: ok = get_string(c, &f, "name", &a->name); break;
      case 2:
        ok = get_f32(c, &f, "f", &a->f);
        has_f = true;
        break;
      case 3:
        ok = get_i64(c, &f, "i", &a->i);
        has_i = true;
        break;
      case 4: ok = get_bytes(c, &f, "s", &a->s); break;
      case 5:
        if (!want(c, &f, WICK_PB_LEN, "t")) return false;
        if (a->t != NULL) return duplicate(c, "t");
        if ((a->t = alloc_one(c, sizeof *a->t, "a tensor")) == NULL) return false;
        ok = PARSE_ELEMENT(c, &f, "t", -1, LABEL_NAME, 8, parse_tensor(c, f.data, f.size, a->t));
        break;
      case 6:
        if (!want(c, &f, WICK_PB_LEN, "g")) return false;
        if (a->g != NULL) return duplicate(c, "g");
        if ((a->g = alloc_one(c, sizeof *a->g, "a graph")) == NULL) return false;
        ok = PARSE_ELEMENT(c, &f, "g", -1, LABEL_NONE, 0, parse_graph(c, f.data, f.size, a->g));
        break;
      case 7:
        ok = add_scalars(c, &f, "floats", WICK_PB_SCALAR_FIXED32, E_F32, a->floats, &nfloats,
                         counts[7]);
        break;
      case 8:
        ok = add_scalars(c, &f, "ints", WICK_PB_SCALAR_VARINT, E_I64, a->ints, &nints, counts[8]);
        break;
      case 9:
        if (!want(c, &f, WICK_PB_LEN, "strings")) return false;
        ok = get_bytes(c, &f, "strings", &a->strings[a->num_strings++]);
        break;
      case 10: {
        if (!want(c, &f, WICK_PB_LEN, "tensors")) return false;
        uint32_t i = a->num_tensors++;
        ok = PARSE_ELEMENT(c, &f, "tensors", i, LABEL_NAME, 8,
                           parse_tensor(c, f.data, f.size, &a->tensors[i]));
        break;
      }
      case 11: {
        if (!want(c, &f, WICK_PB_LEN, "graphs")) return false;
        uint32_t i = a->num_graphs++;
        ok = PARSE_ELEMENT(c, &f, "graphs", i, LABEL_NONE, 0,
                           parse_graph(c, f.data, f.size, &a->graphs[i]));
        break;
      }
      case 14:
        if (!want(c, &f, WICK_PB_LEN, "tp")) return false;
        if (a->tp != NULL) return duplicate(c, "tp");
        if ((a->tp = alloc_one(c, sizeof *a->tp, "a type")) == NULL) return false;
        ok = PARSE_ELEMENT(c, &f, "tp", -1, LABEL_NONE, 0, parse_type(c, f.data, f.size, a->tp));
        break;
      case 15: {
        if (!want(c, &f, WICK_PB_LEN, "type_protos")) return false;
        uint32_t i = a->num_type_protos++;
        ok = PARSE_ELEMENT(c, &f, "type_protos", i, LABEL_NONE, 0,
                           parse_type(c, f.data, f.size, &a->type_protos[i]));
        break;
      }
      case 20: ok = get_i32(c, &f, "type", &a->type); break;
      case 21:
        if (!c->in_function)
          return fail(c, WICK_ERR_NOT_SUPPORTED,
                      "attribute references (ref_attr_name) are only valid inside functions");
        ok = get_string(c, &f, "ref_attr_name", &a->ref_attr_name);
        break;
      case 22:
      case 23: return fail(c, WICK_ERR_NOT_SUPPORTED, "sparse tensor attributes are not supported");
      default: break; /* doc_string = 13, unknown */
    }
    if (!ok) return false;
  }
  if (r != 0) return false;
  a->num_floats = (uint32_t)nfloats;
  a->num_ints = (uint32_t)nints;
  if (a->type == WICK_ONNX_ATTR_UNDEFINED) {
    /* IR version 1 files have no type: infer it from the member present. */
    if (has_f)
      a->type = WICK_ONNX_ATTR_FLOAT;
    else if (has_i)
      a->type = WICK_ONNX_ATTR_INT;
    else if (a->s.data != NULL)
      a->type = WICK_ONNX_ATTR_STRING;
    else if (a->t != NULL)
      a->type = WICK_ONNX_ATTR_TENSOR;
    else if (a->g != NULL)
      a->type = WICK_ONNX_ATTR_GRAPH;
    else if (a->tp != NULL)
      a->type = WICK_ONNX_ATTR_TYPE_PROTO;
    else if (a->num_floats > 0)
      a->type = WICK_ONNX_ATTR_FLOATS;
    else if (a->num_ints > 0)
      a->type = WICK_ONNX_ATTR_INTS;
    else if (a->num_strings > 0)
      a->type = WICK_ONNX_ATTR_STRINGS;
    else if (a->num_tensors > 0)
      a->type = WICK_ONNX_ATTR_TENSORS;
    else if (a->num_graphs > 0)
      a->type = WICK_ONNX_ATTR_GRAPHS;
    else if (a->num_type_protos > 0)
      a->type = WICK_ONNX_ATTR_TYPE_PROTOS;
  }
  if (a->type == WICK_ONNX_ATTR_SPARSE_TENSOR || a->type == WICK_ONNX_ATTR_SPARSE_TENSORS)
    return fail(c, WICK_ERR_NOT_SUPPORTED, "sparse tensor attributes are not supported");
  return true;
}

/* NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5,
 * doc_string = 6, domain = 7, overload = 8, metadata_props = 9, ... */
static bool parse_node(parser *c, const uint8_t *data, size_t size, wick_onnx_node *n) {
  static const uint8_t kinds[MAX_COUNTED_FIELD + 1] = {[1] = K_LEN, [2] = K_LEN, [5] = K_LEN};
  uint64_t counts[MAX_COUNTED_FIELD + 1];
  if (!count_fields(c, data, size, kinds, counts)) return false;
  if (!ALLOC_LIST(c, counts[1], n->inputs, "input") ||
      !ALLOC_LIST(c, counts[2], n->outputs, "output") ||
      !ALLOC_LIST(c, counts[5], n->attributes, "attribute"))
    return false;
  n->name = n->op_type = n->domain = n->overload = kEmpty;
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r;
  while ((r = next(c, &cur, &f)) > 0) {
    bool ok = true;
    switch (f.number) {
      case 1:
        if (!want(c, &f, WICK_PB_LEN, "input")) return false;
        ok = get_string(c, &f, "input", &n->inputs[n->num_inputs++]);
        break;
      case 2:
        if (!want(c, &f, WICK_PB_LEN, "output")) return false;
        ok = get_string(c, &f, "output", &n->outputs[n->num_outputs++]);
        break;
      case 3: ok = get_string(c, &f, "name", &n->name); break;
      case 4: ok = get_string(c, &f, "op_type", &n->op_type); break;
      case 5: {
        if (!want(c, &f, WICK_PB_LEN, "attribute")) return false;
        uint32_t i = n->num_attributes++;
        ok = PARSE_ELEMENT(c, &f, "attribute", i, LABEL_NAME, 1,
                           parse_attribute(c, f.data, f.size, &n->attributes[i]));
        break;
      }
      case 7: ok = get_string(c, &f, "domain", &n->domain); break;
      case 8: ok = get_string(c, &f, "overload", &n->overload); break;
      default: break;
    }
    if (!ok) return false;
  }
  return r == 0;
}

/* GraphProto: node = 1, name = 2, initializer = 5, doc_string = 10, input = 11,
 * output = 12, value_info = 13, quantization_annotation = 14,
 * sparse_initializer = 15, metadata_props = 16. */
static bool parse_graph(parser *c, const uint8_t *data, size_t size, wick_onnx_graph *g) {
  static const uint8_t kinds[MAX_COUNTED_FIELD + 1] = {
      [1] = K_LEN, [5] = K_LEN, [11] = K_LEN, [12] = K_LEN, [13] = K_LEN};
  uint64_t counts[MAX_COUNTED_FIELD + 1];
  if (!count_fields(c, data, size, kinds, counts)) return false;
  if (!ALLOC_LIST(c, counts[1], g->nodes, "node") ||
      !ALLOC_LIST(c, counts[5], g->initializers, "initializer") ||
      !ALLOC_LIST(c, counts[11], g->inputs, "input") ||
      !ALLOC_LIST(c, counts[12], g->outputs, "output") ||
      !ALLOC_LIST(c, counts[13], g->value_infos, "value_info"))
    return false;
  g->name = kEmpty;
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r;
  while ((r = next(c, &cur, &f)) > 0) {
    bool ok = true;
    uint32_t i;
    switch (f.number) {
      case 1:
        if (!want(c, &f, WICK_PB_LEN, "node")) return false;
        i = g->num_nodes++;
        ok = PARSE_ELEMENT(c, &f, "node", i, LABEL_NODE, 0,
                           parse_node(c, f.data, f.size, &g->nodes[i]));
        break;
      case 2: ok = get_string(c, &f, "name", &g->name); break;
      case 5:
        if (!want(c, &f, WICK_PB_LEN, "initializer")) return false;
        i = g->num_initializers++;
        ok = PARSE_ELEMENT(c, &f, "initializer", i, LABEL_NAME, 8,
                           parse_tensor(c, f.data, f.size, &g->initializers[i]));
        break;
      case 11:
        if (!want(c, &f, WICK_PB_LEN, "input")) return false;
        i = g->num_inputs++;
        ok = PARSE_ELEMENT(c, &f, "input", i, LABEL_NAME, 1,
                           parse_value_info(c, f.data, f.size, &g->inputs[i]));
        break;
      case 12:
        if (!want(c, &f, WICK_PB_LEN, "output")) return false;
        i = g->num_outputs++;
        ok = PARSE_ELEMENT(c, &f, "output", i, LABEL_NAME, 1,
                           parse_value_info(c, f.data, f.size, &g->outputs[i]));
        break;
      case 13:
        if (!want(c, &f, WICK_PB_LEN, "value_info")) return false;
        i = g->num_value_infos++;
        ok = PARSE_ELEMENT(c, &f, "value_info", i, LABEL_NAME, 1,
                           parse_value_info(c, f.data, f.size, &g->value_infos[i]));
        break;
      case 15:
        return fail(c, WICK_ERR_NOT_SUPPORTED,
                    "sparse initializers (GraphProto.sparse_initializer) are not supported");
      default: break;
    }
    if (!ok) return false;
  }
  return r == 0;
}

/* FunctionProto: name = 1, input = 4, output = 5, attribute = 6, node = 7,
 * doc_string = 8, opset_import = 9, domain = 10, attribute_proto = 11,
 * value_info = 12, overload = 13, metadata_props = 14. */
static bool parse_function(parser *c, const uint8_t *data, size_t size, wick_onnx_function *fn) {
  static const uint8_t kinds[MAX_COUNTED_FIELD + 1] = {
      [4] = K_LEN, [5] = K_LEN, [6] = K_LEN, [7] = K_LEN, [9] = K_LEN, [11] = K_LEN, [12] = K_LEN};
  uint64_t counts[MAX_COUNTED_FIELD + 1];
  if (!count_fields(c, data, size, kinds, counts)) return false;
  if (!ALLOC_LIST(c, counts[4], fn->inputs, "input") ||
      !ALLOC_LIST(c, counts[5], fn->outputs, "output") ||
      !ALLOC_LIST(c, counts[6], fn->attribute_names, "attribute") ||
      !ALLOC_LIST(c, counts[7], fn->nodes, "node") ||
      !ALLOC_LIST(c, counts[9], fn->opset_imports, "opset_import") ||
      !ALLOC_LIST(c, counts[11], fn->attribute_defaults, "attribute_proto") ||
      !ALLOC_LIST(c, counts[12], fn->value_infos, "value_info"))
    return false;
  fn->name = fn->domain = fn->overload = kEmpty;
  bool was_in_function = c->in_function;
  c->in_function = true;
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r = 0;
  bool ok = true;
  while (ok && (r = next(c, &cur, &f)) > 0) {
    uint32_t i;
    switch (f.number) {
      case 1: ok = get_string(c, &f, "name", &fn->name); break;
      case 4:
        ok = want(c, &f, WICK_PB_LEN, "input") &&
             get_string(c, &f, "input", &fn->inputs[fn->num_inputs++]);
        break;
      case 5:
        ok = want(c, &f, WICK_PB_LEN, "output") &&
             get_string(c, &f, "output", &fn->outputs[fn->num_outputs++]);
        break;
      case 6:
        ok = want(c, &f, WICK_PB_LEN, "attribute") &&
             get_string(c, &f, "attribute", &fn->attribute_names[fn->num_attribute_names++]);
        break;
      case 7:
        if (!(ok = want(c, &f, WICK_PB_LEN, "node"))) break;
        i = fn->num_nodes++;
        ok = PARSE_ELEMENT(c, &f, "node", i, LABEL_NODE, 0,
                           parse_node(c, f.data, f.size, &fn->nodes[i]));
        break;
      case 9:
        if (!(ok = want(c, &f, WICK_PB_LEN, "opset_import"))) break;
        i = fn->num_opset_imports++;
        ok = PARSE_ELEMENT(c, &f, "opset_import", i, LABEL_NONE, 0,
                           parse_opset(c, f.data, f.size, &fn->opset_imports[i]));
        break;
      case 10: ok = get_string(c, &f, "domain", &fn->domain); break;
      case 11:
        if (!(ok = want(c, &f, WICK_PB_LEN, "attribute_proto"))) break;
        i = fn->num_attribute_defaults++;
        ok = PARSE_ELEMENT(c, &f, "attribute_proto", i, LABEL_NAME, 1,
                           parse_attribute(c, f.data, f.size, &fn->attribute_defaults[i]));
        break;
      case 12:
        if (!(ok = want(c, &f, WICK_PB_LEN, "value_info"))) break;
        i = fn->num_value_infos++;
        ok = PARSE_ELEMENT(c, &f, "value_info", i, LABEL_NAME, 1,
                           parse_value_info(c, f.data, f.size, &fn->value_infos[i]));
        break;
      case 13: ok = get_string(c, &f, "overload", &fn->overload); break;
      default: break;
    }
  }
  c->in_function = was_in_function;
  return ok && r == 0;
}

/* ModelProto: ir_version = 1, producer_name = 2, producer_version = 3,
 * domain = 4, model_version = 5, doc_string = 6, graph = 7, opset_import = 8,
 * metadata_props = 14, training_info = 20, functions = 25, configuration = 26. */
static bool parse_model(parser *c, const uint8_t *data, size_t size, wick_onnx_model *m) {
  static const uint8_t kinds[MAX_COUNTED_FIELD + 1] = {[8] = K_LEN, [14] = K_LEN, [25] = K_LEN};
  uint64_t counts[MAX_COUNTED_FIELD + 1];
  if (!count_fields(c, data, size, kinds, counts)) return false;
  if (!ALLOC_LIST(c, counts[8], m->opset_imports, "opset_import") ||
      !ALLOC_LIST(c, counts[14], m->metadata_props, "metadata_props") ||
      !ALLOC_LIST(c, counts[25], m->functions, "functions"))
    return false;
  m->producer_name = m->producer_version = m->domain = m->doc_string = kEmpty;
  m->graph.name = kEmpty;
  wick_pb_cursor cur = {data, data + size};
  wick_pb_field f;
  int r;
  while ((r = next(c, &cur, &f)) > 0) {
    bool ok = true;
    uint32_t i;
    switch (f.number) {
      case 1: ok = get_i64(c, &f, "ir_version", &m->ir_version); break;
      case 2: ok = get_string(c, &f, "producer_name", &m->producer_name); break;
      case 3: ok = get_string(c, &f, "producer_version", &m->producer_version); break;
      case 4: ok = get_string(c, &f, "domain", &m->domain); break;
      case 5: ok = get_i64(c, &f, "model_version", &m->model_version); break;
      case 6: ok = get_string(c, &f, "doc_string", &m->doc_string); break;
      case 7:
        if (!want(c, &f, WICK_PB_LEN, "graph")) return false;
        if (m->has_graph) return duplicate(c, "graph");
        m->has_graph = true;
        ok = PARSE_ELEMENT(c, &f, "graph", -1, LABEL_NONE, 0,
                           parse_graph(c, f.data, f.size, &m->graph));
        break;
      case 8:
        if (!want(c, &f, WICK_PB_LEN, "opset_import")) return false;
        i = m->num_opset_imports++;
        ok = PARSE_ELEMENT(c, &f, "opset_import", i, LABEL_NONE, 0,
                           parse_opset(c, f.data, f.size, &m->opset_imports[i]));
        break;
      case 14:
        if (!want(c, &f, WICK_PB_LEN, "metadata_props")) return false;
        i = m->num_metadata_props++;
        ok = PARSE_ELEMENT(c, &f, "metadata_props", i, LABEL_NONE, 0,
                           parse_string_pair(c, f.data, f.size, &m->metadata_props[i]));
        break;
      case 25:
        if (!want(c, &f, WICK_PB_LEN, "functions")) return false;
        i = m->num_functions++;
        ok = PARSE_ELEMENT(c, &f, "functions", i, LABEL_NAME, 1,
                           parse_function(c, f.data, f.size, &m->functions[i]));
        break;
      default: break; /* training_info, configuration, unknown fields */
    }
    if (!ok) return false;
  }
  return r == 0;
}

/* ---- entry points --------------------------------------------------------------- */

static void parser_init(parser *c, wick_onnx_arena *arena, const char *file, wick_diag *d) {
  memset(c, 0, sizeof *c);
  c->arena = arena;
  c->file = file != NULL ? file : "<buffer>";
  c->d = d;
}

wick_status wick_onnx_parse_model(wick_onnx_arena *arena, const uint8_t *data, size_t size,
                                  const char *file, wick_onnx_model *m, wick_diag *d) {
  parser c;
  parser_init(&c, arena, file, d);
  if (size == 0) {
    fail(&c, WICK_ERR_MALFORMED, "empty file is not an ONNX model");
    return WICK_ERR_MALFORMED;
  }
  wick_diag local;
  wick_diag_clear(&local);
  c.d = &local;
  bool ok = parse_model(&c, data, size, m);
  if (ok && !m->has_graph) ok = fail(&c, WICK_ERR_MALFORMED, "model has no graph");
  if (!ok) {
    wick_diag_set(d, local.status, "%s", local.msg);
    return local.status;
  }
  return WICK_OK;
}

wick_status wick_onnx_parse_tensor(wick_onnx_arena *arena, const uint8_t *data, size_t size,
                                   const char *file, wick_onnx_tensor *t, wick_diag *d) {
  parser c;
  parser_init(&c, arena, file, d);
  wick_diag local;
  wick_diag_clear(&local);
  c.d = &local;
  if (!parse_tensor(&c, data, size, t)) {
    wick_diag_set(d, local.status, "%s", local.msg);
    return local.status;
  }
  return WICK_OK;
}
