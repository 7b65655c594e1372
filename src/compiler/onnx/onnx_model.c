/* ONNX models: loading, the model arena, names, opset and attribute look-ups. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/onnx/onnx_internal.h"

/* ---- arena ---------------------------------------------------------------------- */

struct wick_onnx_chunk {
  wick_onnx_chunk *next; /* older chunk */
  size_t size;           /* usable bytes after the header */
  size_t used;           /* bytes handed out so far */
};

#define ARENA_ALIGN ((size_t)16)
#define CHUNK_HEADER ((sizeof(wick_onnx_chunk) + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1))
#define CHUNK_SIZE ((size_t)64 * 1024)

static uint8_t *chunk_data(wick_onnx_chunk *c) {
  return (uint8_t *)c + CHUNK_HEADER;
}

void *wick_onnx_arena_alloc(wick_onnx_arena *a, size_t size) {
  if (size == 0) size = 1;
  if (size > SIZE_MAX - CHUNK_HEADER - ARENA_ALIGN) return NULL;
  size = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
  wick_onnx_chunk *head = a->head;
  if (head != NULL && head->size - head->used >= size) {
    void *p = chunk_data(head) + head->used;
    head->used += size;
    return p;
  }
  /* Large requests get a chunk of their own, linked behind the current one so
   * that its free space stays in use. calloc: arena memory starts zeroed. */
  bool dedicated = size > CHUNK_SIZE / 4;
  size_t cap = dedicated ? size : CHUNK_SIZE;
  wick_onnx_chunk *c = calloc(1, CHUNK_HEADER + cap);
  if (c == NULL) return NULL;
  c->size = cap;
  c->used = size;
  a->total += CHUNK_HEADER + cap;
  if (dedicated && head != NULL) {
    c->next = head->next;
    head->next = c;
  } else {
    c->next = head;
    a->head = c;
  }
  return chunk_data(c);
}

char *wick_onnx_arena_strndup(wick_onnx_arena *a, const void *s, size_t n) {
  if (n == SIZE_MAX) return NULL;
  char *p = wick_onnx_arena_alloc(a, n + 1);
  if (p == NULL) return NULL;
  if (n > 0) memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

void wick_onnx_arena_free(wick_onnx_arena *a) {
  wick_onnx_chunk *c = a->head;
  while (c != NULL) {
    wick_onnx_chunk *next = c->next;
    free(c);
    c = next;
  }
  a->head = NULL;
  a->total = 0;
}

char *wick_onnx_dirname(const char *path) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL) {
    char *dot = malloc(2);
    if (dot != NULL) memcpy(dot, ".", 2);
    return dot;
  }
  size_t n = slash == path ? 1 : (size_t)(slash - path); /* "/x" -> "/" */
  char *dir = malloc(n + 1);
  if (dir == NULL) return NULL;
  memcpy(dir, path, n);
  dir[n] = '\0';
  return dir;
}

/* ---- loading ---------------------------------------------------------------------- */

/* Parses the bytes a fresh storage holds into a model allocated from its arena.
 * Takes ownership of st (released on failure). */
static wick_onnx_model *finish_load(wick_onnx_storage *st, const uint8_t *data, size_t size,
                                    const char *display, const char *base_dir, wick_diag *d) {
  wick_onnx_model *m = wick_onnx_arena_alloc(&st->arena, sizeof *m);
  char *path = m ? wick_onnx_arena_strndup(&st->arena, display, strlen(display)) : NULL;
  char *dir = NULL;
  if (path != NULL && base_dir != NULL)
    dir = wick_onnx_arena_strndup(&st->arena, base_dir, strlen(base_dir));
  if (m == NULL || path == NULL || (base_dir != NULL && dir == NULL)) {
    wick_diag_set(d, WICK_ERR_MEMORY, "%s: cannot allocate the model", display);
    wick_onnx_arena_free(&st->arena);
    wick_file_close(&st->file);
    free(st->copy);
    free(st);
    return NULL;
  }
  m->storage = st;
  m->path = path;
  m->base_dir = dir;
  if (wick_onnx_parse_model(&st->arena, data, size, path, m, d) != WICK_OK) {
    wick_onnx_free(m);
    return NULL;
  }
  return m;
}

wick_onnx_model *wick_onnx_load_file(const char *path, wick_diag *d) {
  if (path == NULL) {
    wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "wick_onnx_load_file: NULL path");
    return NULL;
  }
  wick_onnx_storage *st = calloc(1, sizeof *st);
  char *dir = wick_onnx_dirname(path);
  if (st == NULL || dir == NULL) {
    free(st);
    free(dir);
    wick_diag_set(d, WICK_ERR_MEMORY, "%s: out of memory", path);
    return NULL;
  }
  if (wick_file_open(&st->file, path, d) != WICK_OK) {
    free(st);
    free(dir);
    return NULL;
  }
  wick_onnx_model *m = finish_load(st, st->file.data, st->file.size, path, dir, d);
  free(dir);
  return m;
}

wick_onnx_model *wick_onnx_load_buffer(const void *buf, size_t size, const char *base_dir,
                                       wick_diag *d) {
  if (buf == NULL && size > 0) {
    wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "wick_onnx_load_buffer: NULL buffer");
    return NULL;
  }
  wick_onnx_storage *st = calloc(1, sizeof *st);
  void *copy = malloc(size > 0 ? size : 1);
  if (st == NULL || copy == NULL) {
    free(st);
    free(copy);
    wick_diag_set(d, WICK_ERR_MEMORY, "<buffer>: cannot copy %zu bytes", size);
    return NULL;
  }
  if (size > 0) memcpy(copy, buf, size);
  st->copy = copy;
  return finish_load(st, copy, size, "<buffer>", base_dir, d);
}

void wick_onnx_free(wick_onnx_model *m) {
  if (m == NULL) return;
  wick_onnx_storage *st = m->storage; /* m itself lives in st's arena */
  wick_onnx_arena_free(&st->arena);
  wick_file_close(&st->file);
  free(st->copy);
  free(st);
}

/* ---- names and domains ------------------------------------------------------------- */

bool wick_onnx_is_default_domain(const char *domain) {
  return domain == NULL || domain[0] == '\0' || strcmp(domain, "ai.onnx") == 0;
}

int64_t wick_onnx_opset_version(const wick_onnx_model *m, const char *domain) {
  if (m == NULL) return 0;
  bool want_default = wick_onnx_is_default_domain(domain);
  int64_t best = 0;
  for (uint32_t i = 0; i < m->num_opset_imports; i++) {
    const wick_onnx_opset *o = &m->opset_imports[i];
    bool match =
        want_default ? wick_onnx_is_default_domain(o->domain) : strcmp(o->domain, domain) == 0;
    if (match && o->version > best) best = o->version;
  }
  return best;
}

const char *wick_onnx_data_type_name(int32_t t) {
  static const char *const kNames[] = {
      "UNDEFINED",      "FLOAT",    "UINT8",        "INT8",           "UINT16",
      "INT16",          "INT32",    "INT64",        "STRING",         "BOOL",
      "FLOAT16",        "DOUBLE",   "UINT32",       "UINT64",         "COMPLEX64",
      "COMPLEX128",     "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
      "FLOAT8E5M2FNUZ", "UINT4",    "INT4",         "FLOAT4E2M1",     "FLOAT8E8M0",
      "UINT2",          "INT2"};
  if (t < 0 || (size_t)t >= sizeof kNames / sizeof kNames[0]) return NULL;
  return kNames[t];
}

int wick_onnx_dtype(int32_t t) {
  switch (t) {
    case WICK_ONNX_FLOAT: return WICK_F32;
    case WICK_ONNX_UINT8: return WICK_U8;
    case WICK_ONNX_INT8: return WICK_I8;
    case WICK_ONNX_UINT16: return WICK_U16;
    case WICK_ONNX_INT16: return WICK_I16;
    case WICK_ONNX_INT32: return WICK_I32;
    case WICK_ONNX_INT64: return WICK_I64;
    case WICK_ONNX_BOOL: return WICK_BOOL;
    case WICK_ONNX_FLOAT16: return WICK_F16;
    case WICK_ONNX_DOUBLE: return WICK_F64;
    case WICK_ONNX_UINT32: return WICK_U32;
    case WICK_ONNX_UINT64: return WICK_U64;
    case WICK_ONNX_BFLOAT16: return WICK_BF16;
    default: return -1;
  }
}

const char *wick_onnx_attr_type_name(int32_t t) {
  static const char *const kNames[] = {
      "UNDEFINED",      "FLOAT",      "INT",        "STRING",  "TENSOR", "GRAPH",
      "FLOATS",         "INTS",       "STRINGS",    "TENSORS", "GRAPHS", "SPARSE_TENSOR",
      "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS"};
  if (t < 0 || (size_t)t >= sizeof kNames / sizeof kNames[0]) return NULL;
  return kNames[t];
}

/* ---- look-ups ------------------------------------------------------------------------ */

const wick_onnx_tensor *wick_onnx_graph_initializer(const wick_onnx_graph *g, const char *name) {
  if (g == NULL || name == NULL) return NULL;
  for (uint32_t i = 0; i < g->num_initializers; i++)
    if (strcmp(g->initializers[i].name, name) == 0) return &g->initializers[i];
  return NULL;
}

static const wick_onnx_value_info *find_value(const wick_onnx_value_info *v, uint32_t n,
                                              const char *name) {
  for (uint32_t i = 0; i < n; i++)
    if (strcmp(v[i].name, name) == 0) return &v[i];
  return NULL;
}

const wick_onnx_value_info *wick_onnx_graph_value_info(const wick_onnx_graph *g, const char *name) {
  if (g == NULL || name == NULL) return NULL;
  const wick_onnx_value_info *v = find_value(g->inputs, g->num_inputs, name);
  if (v == NULL) v = find_value(g->outputs, g->num_outputs, name);
  if (v == NULL) v = find_value(g->value_infos, g->num_value_infos, name);
  return v;
}

const wick_onnx_attribute *wick_onnx_node_attr(const wick_onnx_node *n, const char *name) {
  if (n == NULL || name == NULL) return NULL;
  for (uint32_t i = 0; i < n->num_attributes; i++)
    if (strcmp(n->attributes[i].name, name) == 0) return &n->attributes[i];
  return NULL;
}

/* Finds attribute `name`; *out NULL when absent. Fails when present with
 * another type. */
static wick_status typed_attr(const wick_onnx_node *n, const char *name, int32_t type,
                              const wick_onnx_attribute **out, wick_diag *d) {
  *out = NULL;
  if (n == NULL || name == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "attribute look-up: NULL argument");
  const wick_onnx_attribute *a = wick_onnx_node_attr(n, name);
  if (a == NULL) return WICK_OK;
  if (a->type != type) {
    const char *have = wick_onnx_attr_type_name(a->type);
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "node %s '%s': attribute '%s' has type %s (%d), expected %s", n->op_type,
                         n->name, name, have ? have : "unknown", (int)a->type,
                         wick_onnx_attr_type_name(type));
  }
  *out = a;
  return WICK_OK;
}

wick_status wick_onnx_attr_int(const wick_onnx_node *n, const char *name, int64_t dflt,
                               int64_t *out, wick_diag *d) {
  const wick_onnx_attribute *a;
  wick_status s = typed_attr(n, name, WICK_ONNX_ATTR_INT, &a, d);
  *out = a != NULL ? a->i : dflt;
  return s;
}

wick_status wick_onnx_attr_float(const wick_onnx_node *n, const char *name, float dflt, float *out,
                                 wick_diag *d) {
  const wick_onnx_attribute *a;
  wick_status s = typed_attr(n, name, WICK_ONNX_ATTR_FLOAT, &a, d);
  *out = a != NULL ? a->f : dflt;
  return s;
}

wick_status wick_onnx_attr_string(const wick_onnx_node *n, const char *name, const char *dflt,
                                  const char **out, wick_diag *d) {
  const wick_onnx_attribute *a;
  wick_status s = typed_attr(n, name, WICK_ONNX_ATTR_STRING, &a, d);
  /* An empty string may be omitted by the writer: present but no `s`. */
  *out = a != NULL ? (a->s.data != NULL ? a->s.data : "") : dflt;
  return s;
}

wick_status wick_onnx_attr_ints(const wick_onnx_node *n, const char *name, const int64_t **items,
                                uint32_t *count, wick_diag *d) {
  const wick_onnx_attribute *a;
  wick_status s = typed_attr(n, name, WICK_ONNX_ATTR_INTS, &a, d);
  *items = a != NULL ? a->ints : NULL;
  *count = a != NULL ? a->num_ints : 0;
  return s;
}

wick_status wick_onnx_attr_floats(const wick_onnx_node *n, const char *name, const float **items,
                                  uint32_t *count, wick_diag *d) {
  const wick_onnx_attribute *a;
  wick_status s = typed_attr(n, name, WICK_ONNX_ATTR_FLOATS, &a, d);
  *items = a != NULL ? a->floats : NULL;
  *count = a != NULL ? a->num_floats : 0;
  return s;
}

wick_status wick_onnx_attr_strings(const wick_onnx_node *n, const char *name,
                                   const wick_onnx_bytes **items, uint32_t *count, wick_diag *d) {
  const wick_onnx_attribute *a;
  wick_status s = typed_attr(n, name, WICK_ONNX_ATTR_STRINGS, &a, d);
  *items = a != NULL ? a->strings : NULL;
  *count = a != NULL ? a->num_strings : 0;
  return s;
}

wick_status wick_onnx_attr_tensor(const wick_onnx_node *n, const char *name,
                                  const wick_onnx_tensor **out, wick_diag *d) {
  const wick_onnx_attribute *a;
  wick_status s = typed_attr(n, name, WICK_ONNX_ATTR_TENSOR, &a, d);
  *out = NULL;
  if (a == NULL) return s;
  if (a->t == NULL)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "node %s '%s': TENSOR attribute '%s' has no value",
                         n->op_type, n->name, name);
  *out = a->t;
  return WICK_OK;
}

wick_status wick_onnx_attr_graph(const wick_onnx_node *n, const char *name,
                                 const wick_onnx_graph **out, wick_diag *d) {
  const wick_onnx_attribute *a;
  wick_status s = typed_attr(n, name, WICK_ONNX_ATTR_GRAPH, &a, d);
  *out = NULL;
  if (a == NULL) return s;
  if (a->g == NULL)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "node %s '%s': GRAPH attribute '%s' has no value",
                         n->op_type, n->name, name);
  *out = a->g;
  return WICK_OK;
}
