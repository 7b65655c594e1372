/* wick — ExecuTorch program (.pte) writer. See pte_writer.h.
 *
 * Everything is recorded in plain arrays first; wick_pte_writer_finish then
 * lays out the segments and serializes the Program flatbuffer back to front
 * (children before the tables that point at them).
 */
#include "compiler/pte_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/fbb.h"
#include "compiler/writer_common.h"

/* Alignment of each tensor inside the constant / mutable segments and of
 * inline Buffer storage (schema: force_align 16). */
#define PTE_TENSOR_ALIGN 16
/* "eh00" extended header: magic, u32 length, u64 program_size,
 * u64 segment_base_offset, u64 segment_data_size. */
#define PTE_HEADER_LEN 32

typedef struct pte_value {
  uint8_t type;         /* KernelTypes tag                                  */
  int64_t i;
  double dv;
  bool b;
  char *str;
  void *items;          /* (n) int32 (index lists), double, or bool items   */
  uint32_t n;
  wick_pte_tensor_desc t;    /* sizes / dim_order / fqn are owned copies         */
} pte_value;

typedef struct pte_instr {
  uint8_t type;         /* InstructionArguments tag                         */
  int32_t a, b;         /* kernel: op; delegate: index; move: from,to;
                           jump: cond,dest; free: value                     */
  int32_t *args;        /* (nargs) kernel / delegate arguments              */
  uint32_t nargs;
} pte_instr;

typedef struct pte_operator {
  char *name, *overload;
} pte_operator;

typedef struct pte_blob {
  char *key;            /* named data / compile spec key, else NULL         */
  uint8_t *data;        /* (size) owned copy                                */
  size_t size;
} pte_blob;

typedef struct pte_delegate {
  char *id;
  int location;
  uint32_t index;
  pte_blob *specs;
  uint32_t num_specs, specs_cap;
} pte_delegate;

struct wick_pte_method {
  wick_pte_writer *w;
  char *name;
  bool has_meta;
  char *meta_in, *meta_out;
  pte_value *values;
  uint32_t num_values, values_cap;
  pte_instr *instrs;
  uint32_t num_instrs, instrs_cap;
  pte_operator *ops;
  uint32_t num_ops, ops_cap;
  pte_delegate *delegates;
  uint32_t num_delegates, delegates_cap;
  int32_t *inputs, *outputs;
  uint32_t num_inputs, num_outputs;
  int64_t *buffer_sizes; /* non_const_buffer_sizes; [0] is the reserved 0 */
  uint32_t num_buffer_sizes, buffer_sizes_cap;
};

struct wick_pte_writer {
  bool failed;
  uint32_t version;
  bool inline_constants;
  bool always_header;
  uint32_t segment_align;
  pte_blob *constants;
  uint32_t num_constants, constants_cap;
  pte_blob *mutables;
  uint32_t num_mutables, mutables_cap;
  pte_blob *named;
  uint32_t num_named, named_cap;
  pte_blob *delegate_data;
  uint32_t num_delegate_data, delegate_data_cap;
  pte_blob *raw_segments;
  uint32_t num_raw_segments, raw_segments_cap;
  wick_pte_method **methods;
  uint32_t num_methods, methods_cap;
};

/* ---- writer ----------------------------------------------------------- */

wick_pte_writer *wick_pte_writer_new(void) {
  wick_pte_writer *w = calloc(1, sizeof(*w));
  if (w) w->segment_align = 16;
  return w;
}

static void blob_free(pte_blob *b) {
  free(b->key);
  free(b->data);
}

static void blobs_free(pte_blob *b, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) blob_free(&b[i]);
  free(b);
}

static void method_free(wick_pte_method *m) {
  free(m->name);
  free(m->meta_in);
  free(m->meta_out);
  for (uint32_t i = 0; i < m->num_values; i++) {
    pte_value *v = &m->values[i];
    free(v->str);
    free(v->items);
    free((void *)v->t.sizes);
    free((void *)v->t.dim_order);
    free((void *)v->t.fqn);
  }
  free(m->values);
  for (uint32_t i = 0; i < m->num_instrs; i++) free(m->instrs[i].args);
  free(m->instrs);
  for (uint32_t i = 0; i < m->num_ops; i++) {
    free(m->ops[i].name);
    free(m->ops[i].overload);
  }
  free(m->ops);
  for (uint32_t i = 0; i < m->num_delegates; i++) {
    free(m->delegates[i].id);
    blobs_free(m->delegates[i].specs, m->delegates[i].num_specs);
  }
  free(m->delegates);
  free(m->inputs);
  free(m->outputs);
  free(m->buffer_sizes);
  free(m);
}

void wick_pte_writer_free(wick_pte_writer *w) {
  if (w == NULL) return;
  blobs_free(w->constants, w->num_constants);
  blobs_free(w->mutables, w->num_mutables);
  blobs_free(w->named, w->num_named);
  blobs_free(w->delegate_data, w->num_delegate_data);
  blobs_free(w->raw_segments, w->num_raw_segments);
  for (uint32_t i = 0; i < w->num_methods; i++) method_free(w->methods[i]);
  free(w->methods);
  free(w);
}

void wick_pte_writer_set_version(wick_pte_writer *w, uint32_t version) { w->version = version; }
void wick_pte_writer_set_inline_constants(wick_pte_writer *w, bool inline_constants) {
  w->inline_constants = inline_constants;
}
void wick_pte_writer_set_always_header(wick_pte_writer *w, bool always) {
  w->always_header = always;
}
void wick_pte_writer_set_segment_alignment(wick_pte_writer *w, uint32_t align) {
  if (align < 16 || (align & (align - 1)) != 0) {
    w->failed = true;
    return;
  }
  w->segment_align = align;
}

/* Appends a blob to a list; returns its index, or UINT32_MAX on failure. */
static uint32_t push_blob(wick_pte_writer *w, pte_blob **list, uint32_t *n, uint32_t *cap,
                          const char *key, const void *data, size_t size) {
  pte_blob b = {0};
  b.key = wick_strdup_or_null(key, &w->failed);
  b.data = wick_memdup(data ? data : "", size, &w->failed);
  b.size = size;
  if (w->failed || !wick_array_push((void **)list, n, cap, sizeof(b), &b)) {
    w->failed = true;
    blob_free(&b);
    return UINT32_MAX;
  }
  return *n - 1;
}

uint32_t wick_pte_add_constant(wick_pte_writer *w, const void *data, size_t size) {
  uint32_t i = push_blob(w, &w->constants, &w->num_constants, &w->constants_cap, NULL, data,
                         size);
  return i == UINT32_MAX ? 0 : i + 1; /* index 0 is reserved */
}

uint32_t wick_pte_add_mutable_data(wick_pte_writer *w, const void *data, size_t size) {
  uint32_t i =
      push_blob(w, &w->mutables, &w->num_mutables, &w->mutables_cap, NULL, data, size);
  return i == UINT32_MAX ? 0 : i + 1;
}

uint32_t wick_pte_add_named_data(wick_pte_writer *w, const char *key, const void *data,
                                 size_t size) {
  return push_blob(w, &w->named, &w->num_named, &w->named_cap, key ? key : "", data, size);
}

uint32_t wick_pte_add_delegate_data(wick_pte_writer *w, const void *data, size_t size) {
  return push_blob(w, &w->delegate_data, &w->num_delegate_data, &w->delegate_data_cap, NULL,
                   data, size);
}

uint32_t wick_pte_add_segment(wick_pte_writer *w, const void *data, size_t size) {
  return push_blob(w, &w->raw_segments, &w->num_raw_segments, &w->raw_segments_cap, NULL,
                   data, size);
}

/* ---- methods ---------------------------------------------------------- */

wick_pte_method *wick_pte_add_method(wick_pte_writer *w, const char *name) {
  wick_pte_method *m = calloc(1, sizeof(*m));
  if (m == NULL) {
    w->failed = true;
    return NULL;
  }
  m->w = w;
  m->name = wick_strdup_or_null(name ? name : "", &w->failed);
  int64_t reserved = 0;
  if (!wick_array_push((void **)&m->buffer_sizes, &m->num_buffer_sizes, &m->buffer_sizes_cap,
                       sizeof(int64_t), &reserved) ||
      !wick_array_push((void **)&w->methods, &w->num_methods, &w->methods_cap, sizeof(m), &m)) {
    w->failed = true;
    method_free(m);
    return NULL;
  }
  return m;
}

void wick_pte_set_container_meta(wick_pte_method *m, const char *inputs_spec,
                                 const char *outputs_spec) {
  free(m->meta_in);
  free(m->meta_out);
  m->has_meta = true;
  m->meta_in = wick_strdup_or_null(inputs_spec, &m->w->failed);
  m->meta_out = wick_strdup_or_null(outputs_spec, &m->w->failed);
}

static int push_value(wick_pte_method *m, pte_value *v) {
  if (!m->w->failed &&
      wick_array_push((void **)&m->values, &m->num_values, &m->values_cap, sizeof(*v), v))
    return (int)m->num_values - 1;
  m->w->failed = true;
  free(v->str);
  free(v->items);
  free((void *)v->t.sizes);
  free((void *)v->t.dim_order);
  free((void *)v->t.fqn);
  return -1;
}

int wick_pte_none(wick_pte_method *m) {
  pte_value v = {.type = WICK_PTE_VAL_NONE};
  return push_value(m, &v);
}

int wick_pte_null(wick_pte_method *m) {
  pte_value v = {.type = WICK_PTE_VAL_NULL};
  return push_value(m, &v);
}

int wick_pte_int(wick_pte_method *m, int64_t x) {
  pte_value v = {.type = WICK_PTE_VAL_INT, .i = x};
  return push_value(m, &v);
}

int wick_pte_bool(wick_pte_method *m, bool x) {
  pte_value v = {.type = WICK_PTE_VAL_BOOL, .b = x};
  return push_value(m, &v);
}

int wick_pte_double(wick_pte_method *m, double x) {
  pte_value v = {.type = WICK_PTE_VAL_DOUBLE, .dv = x};
  return push_value(m, &v);
}

int wick_pte_string(wick_pte_method *m, const char *s) {
  pte_value v = {.type = WICK_PTE_VAL_STRING};
  v.str = wick_strdup_or_null(s ? s : "", &m->w->failed);
  return push_value(m, &v);
}

static int list_value(wick_pte_method *m, uint8_t type, const void *items, uint32_t n,
                      size_t elem) {
  pte_value v = {.type = type, .n = n};
  v.items = wick_memdup(items ? items : "", (size_t)n * elem, &m->w->failed);
  return push_value(m, &v);
}

int wick_pte_int_list(wick_pte_method *m, const int32_t *value_indices, uint32_t n) {
  return list_value(m, WICK_PTE_VAL_INT_LIST, value_indices, n, sizeof(int32_t));
}

int wick_pte_int_list_of(wick_pte_method *m, const int64_t *vals, uint32_t n) {
  int32_t *idx = malloc(((size_t)n + 1) * sizeof(int32_t));
  if (idx == NULL) {
    m->w->failed = true;
    return -1;
  }
  for (uint32_t i = 0; i < n; i++) idx[i] = wick_pte_int(m, vals[i]);
  int r = wick_pte_int_list(m, idx, n);
  free(idx);
  return r;
}

int wick_pte_double_list(wick_pte_method *m, const double *vals, uint32_t n) {
  return list_value(m, WICK_PTE_VAL_DOUBLE_LIST, vals, n, sizeof(double));
}

int wick_pte_bool_list(wick_pte_method *m, const bool *vals, uint32_t n) {
  return list_value(m, WICK_PTE_VAL_BOOL_LIST, vals, n, sizeof(bool));
}

int wick_pte_tensor_list(wick_pte_method *m, const int32_t *value_indices, uint32_t n) {
  return list_value(m, WICK_PTE_VAL_TENSOR_LIST, value_indices, n, sizeof(int32_t));
}

int wick_pte_opt_tensor_list(wick_pte_method *m, const int32_t *value_indices, uint32_t n) {
  return list_value(m, WICK_PTE_VAL_OPT_TENSOR_LIST, value_indices, n, sizeof(int32_t));
}

int wick_pte_tensor(wick_pte_method *m, const wick_pte_tensor_desc *t) {
  pte_value v = {.type = WICK_PTE_VAL_TENSOR, .t = *t};
  bool *failed = &m->w->failed;
  v.t.sizes = wick_memdup(t->sizes ? (const void *)t->sizes : "", t->dim * sizeof(int32_t), failed);
  if (t->dim_order) {
    v.t.dim_order = wick_memdup(t->dim_order, t->dim, failed);
  } else {
    uint8_t *order = malloc(t->dim ? t->dim : 1);
    if (order == NULL) *failed = true;
    for (uint32_t i = 0; order && i < t->dim; i++) order[i] = (uint8_t)i;
    v.t.dim_order = order;
  }
  v.t.fqn = wick_strdup_or_null(t->fqn, failed);
  return push_value(m, &v);
}

int wick_pte_planned_tensor(wick_pte_method *m, int dtype, uint32_t dim, const int32_t *sizes,
                            uint32_t memory_id, uint64_t offset) {
  wick_pte_tensor_desc t = {.scalar_type = dtype, .dim = dim, .sizes = sizes,
                       .memory_id = memory_id, .memory_offset = offset};
  return wick_pte_tensor(m, &t);
}

int wick_pte_const_tensor(wick_pte_method *m, int dtype, uint32_t dim, const int32_t *sizes,
                          uint32_t data_buffer_idx) {
  wick_pte_tensor_desc t = {.scalar_type = dtype, .dim = dim, .sizes = sizes,
                       .data_buffer_idx = data_buffer_idx};
  return wick_pte_tensor(m, &t);
}

uint32_t wick_pte_add_arena(wick_pte_method *m, uint64_t size) {
  int64_t s = (int64_t)size;
  if (!wick_array_push((void **)&m->buffer_sizes, &m->num_buffer_sizes, &m->buffer_sizes_cap,
                       sizeof(int64_t), &s)) {
    m->w->failed = true;
    return 0;
  }
  return m->num_buffer_sizes - 1;
}

void wick_pte_set_buffer_sizes(wick_pte_method *m, const int64_t *sizes, uint32_t n) {
  m->num_buffer_sizes = 0;
  for (uint32_t i = 0; i < n; i++)
    if (!wick_array_push((void **)&m->buffer_sizes, &m->num_buffer_sizes,
                         &m->buffer_sizes_cap, sizeof(int64_t), &sizes[i]))
      m->w->failed = true;
}

static void set_index_list(wick_pte_method *m, int32_t **list, uint32_t *count,
                           const int32_t *v, uint32_t n) {
  free(*list);
  *list = wick_memdup(v ? (const void *)v : "", (size_t)n * sizeof(int32_t), &m->w->failed);
  *count = *list ? n : 0;
}

void wick_pte_set_inputs(wick_pte_method *m, const int32_t *value_indices, uint32_t n) {
  set_index_list(m, &m->inputs, &m->num_inputs, value_indices, n);
}

void wick_pte_set_outputs(wick_pte_method *m, const int32_t *value_indices, uint32_t n) {
  set_index_list(m, &m->outputs, &m->num_outputs, value_indices, n);
}

int wick_pte_add_operator(wick_pte_method *m, const char *name, const char *overload) {
  if (name == NULL) name = "";
  if (overload == NULL) overload = "";
  for (uint32_t i = 0; i < m->num_ops; i++)
    if (strcmp(m->ops[i].name, name) == 0 && strcmp(m->ops[i].overload, overload) == 0)
      return (int)i;
  pte_operator op = {wick_strdup_or_null(name, &m->w->failed),
                     wick_strdup_or_null(overload, &m->w->failed)};
  if (m->w->failed ||
      !wick_array_push((void **)&m->ops, &m->num_ops, &m->ops_cap, sizeof(op), &op)) {
    m->w->failed = true;
    free(op.name);
    free(op.overload);
    return -1;
  }
  return (int)m->num_ops - 1;
}

int wick_pte_add_delegate(wick_pte_method *m, const char *id, int location, uint32_t index) {
  pte_delegate dg = {0};
  dg.id = wick_strdup_or_null(id ? id : "", &m->w->failed);
  dg.location = location;
  dg.index = index;
  if (m->w->failed || !wick_array_push((void **)&m->delegates, &m->num_delegates,
                                       &m->delegates_cap, sizeof(dg), &dg)) {
    m->w->failed = true;
    free(dg.id);
    return -1;
  }
  return (int)m->num_delegates - 1;
}

void wick_pte_add_compile_spec(wick_pte_method *m, int delegate, const char *key,
                               const void *value, size_t size) {
  if (delegate < 0 || (uint32_t)delegate >= m->num_delegates) {
    m->w->failed = true;
    return;
  }
  pte_delegate *dg = &m->delegates[delegate];
  push_blob(m->w, &dg->specs, &dg->num_specs, &dg->specs_cap, key ? key : "", value, size);
}

static int push_instr(wick_pte_method *m, pte_instr *in, const int32_t *args, uint32_t n) {
  if (n || args) {
    in->args = wick_memdup(args ? (const void *)args : "", (size_t)n * sizeof(int32_t),
                           &m->w->failed);
    in->nargs = n;
  }
  if (!m->w->failed &&
      wick_array_push((void **)&m->instrs, &m->num_instrs, &m->instrs_cap, sizeof(*in), in))
    return (int)m->num_instrs - 1;
  m->w->failed = true;
  free(in->args);
  return -1;
}

int wick_pte_kernel(wick_pte_method *m, int op_index, const int32_t *args, uint32_t n) {
  pte_instr in = {.type = WICK_PTE_INSTR_KERNEL, .a = op_index};
  return push_instr(m, &in, args, n);
}

int wick_pte_kernel_named(wick_pte_method *m, const char *name, const char *overload,
                          const int32_t *args, uint32_t n) {
  int op = wick_pte_add_operator(m, name, overload);
  if (op < 0) return -1;
  return wick_pte_kernel(m, op, args, n);
}

int wick_pte_delegate_call(wick_pte_method *m, int delegate_index, const int32_t *args,
                           uint32_t n) {
  pte_instr in = {.type = WICK_PTE_INSTR_DELEGATE, .a = delegate_index};
  return push_instr(m, &in, args, n);
}

int wick_pte_move(wick_pte_method *m, int from, int to) {
  pte_instr in = {.type = WICK_PTE_INSTR_MOVE, .a = from, .b = to};
  return push_instr(m, &in, NULL, 0);
}

int wick_pte_jump_false(wick_pte_method *m, int cond_value, int destination) {
  pte_instr in = {.type = WICK_PTE_INSTR_JUMP_FALSE, .a = cond_value, .b = destination};
  return push_instr(m, &in, NULL, 0);
}

int wick_pte_free_value(wick_pte_method *m, int value_index) {
  pte_instr in = {.type = WICK_PTE_INSTR_FREE, .a = value_index};
  return push_instr(m, &in, NULL, 0);
}

int wick_pte_num_instructions(const wick_pte_method *m) { return (int)m->num_instrs; }

void wick_pte_set_jump_destination(wick_pte_method *m, int instr, int destination) {
  if (instr < 0 || (uint32_t)instr >= m->num_instrs ||
      m->instrs[instr].type != WICK_PTE_INSTR_JUMP_FALSE) {
    m->w->failed = true;
    return;
  }
  m->instrs[instr].b = destination;
}

/* ---- serialization ---------------------------------------------------- */

static wick_fbb_ref build_value_payload(wick_fbb *b, const pte_value *v) {
  wick_fbb_ref ref = 0;
  switch (v->type) {
    case WICK_PTE_VAL_NULL:
      wick_fbb_table_start(b); /* table Null {} */
      return wick_fbb_table_end(b);
    case WICK_PTE_VAL_INT: /* Int { int_val: long } */
      wick_fbb_table_start(b);
      wick_fbb_add_i64(b, 0, v->i);
      return wick_fbb_table_end(b);
    case WICK_PTE_VAL_BOOL: /* Bool { bool_val: bool } */
      wick_fbb_table_start(b);
      wick_fbb_add_bool(b, 0, v->b);
      return wick_fbb_table_end(b);
    case WICK_PTE_VAL_DOUBLE: /* Double { double_val: double } */
      wick_fbb_table_start(b);
      wick_fbb_add_f64(b, 0, v->dv);
      return wick_fbb_table_end(b);
    case WICK_PTE_VAL_STRING: /* String { string_val: string } */
      ref = wick_fbb_string(b, v->str);
      wick_fbb_table_start(b);
      wick_fbb_add_ref(b, 0, ref);
      return wick_fbb_table_end(b);
    case WICK_PTE_VAL_INT_LIST: { /* IntList { items: [long] } (value indices) */
      const int32_t *idx = v->items;
      int64_t *wide = malloc(((size_t)v->n + 1) * sizeof(int64_t));
      if (wide == NULL) {
        b->failed = true;
        return 0;
      }
      for (uint32_t i = 0; i < v->n; i++) wide[i] = idx[i];
      ref = wick_fbb_vec_i64(b, wide, v->n);
      free(wide);
      break;
    }
    case WICK_PTE_VAL_DOUBLE_LIST: /* DoubleList { items: [double] } */
      ref = wick_fbb_vec_f64(b, v->items, v->n);
      break;
    case WICK_PTE_VAL_BOOL_LIST: /* BoolList { items: [bool] } */
      ref = wick_fbb_vec_bool(b, v->items, v->n);
      break;
    case WICK_PTE_VAL_TENSOR_LIST:     /* TensorList { items: [int] } */
    case WICK_PTE_VAL_OPT_TENSOR_LIST: /* OptionalTensorList { items: [int] } */
      ref = wick_fbb_vec_i32(b, v->items, v->n);
      break;
    case WICK_PTE_VAL_TENSOR: {
      const wick_pte_tensor_desc *t = &v->t;
      wick_fbb_ref sizes = wick_fbb_vec_i32(b, t->sizes, t->dim);
      wick_fbb_ref order = wick_fbb_vec_u8(b, t->dim_order, t->dim, 1);
      wick_fbb_ref alloc = 0, extra = 0;
      if (t->memory_id) { /* AllocationDetails {memory_id, offset low, offset high} */
        wick_fbb_table_start(b);
        wick_fbb_add_u32(b, 0, t->memory_id);
        wick_fbb_add_u32(b, 1, (uint32_t)t->memory_offset);
        wick_fbb_add_u32(b, 2, (uint32_t)(t->memory_offset >> 32));
        alloc = wick_fbb_table_end(b);
      }
      if (t->fqn || t->location || t->mutable_data_segments_idx) {
        /* ExtraTensorInfo {mutable_data_segments_idx, fully_qualified_name, location} */
        wick_fbb_ref fqn = t->fqn ? wick_fbb_string(b, t->fqn) : 0;
        wick_fbb_table_start(b);
        wick_fbb_add_u64(b, 0, t->mutable_data_segments_idx);
        wick_fbb_add_ref(b, 1, fqn);
        wick_fbb_add_i8(b, 2, (int8_t)t->location);
        extra = wick_fbb_table_end(b);
      }
      wick_fbb_table_start(b);
      wick_fbb_add_i8(b, 0, (int8_t)t->scalar_type);  /* scalar_type      */
      wick_fbb_add_i32(b, 1, t->storage_offset);       /* storage_offset   */
      wick_fbb_add_ref(b, 2, sizes);                   /* sizes            */
      wick_fbb_add_ref(b, 3, order);                   /* dim_order        */
      wick_fbb_add_bool(b, 4, false);                  /* requires_grad    */
      wick_fbb_add_u32(b, 5, t->data_buffer_idx);      /* data_buffer_idx  */
      wick_fbb_add_ref(b, 6, alloc);                   /* allocation_info  */
      wick_fbb_add_i8(b, 7, 0);                        /* layout           */
      wick_fbb_add_i8(b, 8, (int8_t)t->shape_dynamism); /* shape_dynamism  */
      wick_fbb_add_ref(b, 9, extra);                   /* extra_tensor_info */
      return wick_fbb_table_end(b);
    }
    default:
      return 0;
  }
  /* The list types: a one-field table { items }. */
  wick_fbb_table_start(b);
  wick_fbb_add_ref(b, 0, ref);
  return wick_fbb_table_end(b);
}

static wick_fbb_ref build_instruction(wick_fbb *b, const pte_instr *in) {
  wick_fbb_ref payload = 0;
  switch (in->type) {
    case WICK_PTE_INSTR_KERNEL:   /* KernelCall {op_index, args} */
    case WICK_PTE_INSTR_DELEGATE: { /* DelegateCall {delegate_index, args} */
      wick_fbb_ref args = wick_fbb_vec_i32(b, in->args, in->nargs);
      wick_fbb_table_start(b);
      wick_fbb_add_i32(b, 0, in->a);
      wick_fbb_add_ref(b, 1, args);
      payload = wick_fbb_table_end(b);
      break;
    }
    case WICK_PTE_INSTR_MOVE:       /* MoveCall {move_from, move_to} */
    case WICK_PTE_INSTR_JUMP_FALSE: /* JumpFalseCall {cond_value_index, destination_instruction} */
      wick_fbb_table_start(b);
      wick_fbb_add_i32(b, 0, in->a);
      wick_fbb_add_i32(b, 1, in->b);
      payload = wick_fbb_table_end(b);
      break;
    case WICK_PTE_INSTR_FREE: /* FreeCall {value_index} */
      wick_fbb_table_start(b);
      wick_fbb_add_i32(b, 0, in->a);
      payload = wick_fbb_table_end(b);
      break;
    default:
      break;
  }
  wick_fbb_table_start(b); /* Instruction {instr_args_type, instr_args} */
  wick_fbb_add_union(b, 0, in->type, payload);
  return wick_fbb_table_end(b);
}


/* Scratch array of n refs (n may be 0); NULL (and b->failed) on failure. */
static wick_fbb_ref *ref_array(wick_fbb *b, uint32_t n) {
  wick_fbb_ref *r = calloc((size_t)n + 1, sizeof(wick_fbb_ref));
  if (r == NULL) b->failed = true;
  return r;
}

static wick_fbb_ref build_operators(wick_fbb *b, const wick_pte_method *m) {
  wick_fbb_ref *refs = ref_array(b, m->num_ops);
  if (refs == NULL) return 0;
  for (uint32_t i = 0; i < m->num_ops; i++) { /* Operator {name, overload} */
    wick_fbb_ref name = wick_fbb_string(b, m->ops[i].name);
    wick_fbb_ref overload = wick_fbb_string(b, m->ops[i].overload);
    wick_fbb_table_start(b);
    wick_fbb_add_ref(b, 0, name);
    wick_fbb_add_ref(b, 1, overload);
    refs[i] = wick_fbb_table_end(b);
  }
  wick_fbb_ref v = wick_fbb_vec_refs(b, refs, m->num_ops);
  free(refs);
  return v;
}

static wick_fbb_ref build_delegates(wick_fbb *b, const wick_pte_method *m) {
  wick_fbb_ref *refs = ref_array(b, m->num_delegates);
  if (refs == NULL) return 0;
  for (uint32_t i = 0; i < m->num_delegates; i++) {
    const pte_delegate *dg = &m->delegates[i];
    wick_fbb_ref id = wick_fbb_string(b, dg->id);
    /* BackendDelegateDataReference {location, index} */
    wick_fbb_table_start(b);
    wick_fbb_add_i8(b, 0, (int8_t)dg->location);
    wick_fbb_add_u32(b, 1, dg->index);
    wick_fbb_ref processed = wick_fbb_table_end(b);
    wick_fbb_ref *specs = ref_array(b, dg->num_specs);
    if (specs == NULL) break;
    for (uint32_t k = 0; k < dg->num_specs; k++) { /* CompileSpec {key, value} */
      wick_fbb_ref key = wick_fbb_string(b, dg->specs[k].key);
      wick_fbb_ref value = wick_fbb_vec_u8(b, dg->specs[k].data, dg->specs[k].size, 1);
      wick_fbb_table_start(b);
      wick_fbb_add_ref(b, 0, key);
      wick_fbb_add_ref(b, 1, value);
      specs[k] = wick_fbb_table_end(b);
    }
    wick_fbb_ref spec_vec = wick_fbb_vec_refs(b, specs, dg->num_specs);
    free(specs);
    /* BackendDelegate {id, processed, compile_specs} */
    wick_fbb_table_start(b);
    wick_fbb_add_ref(b, 0, id);
    wick_fbb_add_ref(b, 1, processed);
    wick_fbb_add_ref(b, 2, spec_vec);
    refs[i] = wick_fbb_table_end(b);
  }
  wick_fbb_ref v = wick_fbb_vec_refs(b, refs, m->num_delegates);
  free(refs);
  return v;
}

static wick_fbb_ref build_plan(wick_fbb *b, const wick_pte_method *m) {
  wick_fbb_ref name = wick_fbb_string(b, m->name);
  wick_fbb_ref meta = 0;
  if (m->has_meta) { /* ContainerMetadata {encoded_inp_str, encoded_out_str} */
    wick_fbb_ref in = m->meta_in ? wick_fbb_string(b, m->meta_in) : 0;
    wick_fbb_ref out = m->meta_out ? wick_fbb_string(b, m->meta_out) : 0;
    wick_fbb_table_start(b);
    wick_fbb_add_ref(b, 0, in);
    wick_fbb_add_ref(b, 1, out);
    meta = wick_fbb_table_end(b);
  }

  /* values: [EValue {val_type, val}] */
  wick_fbb_ref *refs = ref_array(b, m->num_values);
  if (refs == NULL) return 0;
  for (uint32_t i = 0; i < m->num_values; i++) {
    wick_fbb_ref payload = build_value_payload(b, &m->values[i]);
    wick_fbb_table_start(b);
    wick_fbb_add_union(b, 0, m->values[i].type, payload);
    refs[i] = wick_fbb_table_end(b);
  }
  wick_fbb_ref values = wick_fbb_vec_refs(b, refs, m->num_values);
  free(refs);

  wick_fbb_ref inputs = wick_fbb_vec_i32(b, m->inputs, m->num_inputs);
  wick_fbb_ref outputs = wick_fbb_vec_i32(b, m->outputs, m->num_outputs);

  /* chains: one Chain {inputs, outputs, instructions} */
  refs = ref_array(b, m->num_instrs);
  if (refs == NULL) return 0;
  for (uint32_t i = 0; i < m->num_instrs; i++) refs[i] = build_instruction(b, &m->instrs[i]);
  wick_fbb_ref instrs = wick_fbb_vec_refs(b, refs, m->num_instrs);
  free(refs);
  wick_fbb_ref chain_in = wick_fbb_vec_i32(b, m->inputs, m->num_inputs);
  wick_fbb_ref chain_out = wick_fbb_vec_i32(b, m->outputs, m->num_outputs);
  wick_fbb_table_start(b);
  wick_fbb_add_ref(b, 0, chain_in);
  wick_fbb_add_ref(b, 1, chain_out);
  wick_fbb_add_ref(b, 2, instrs);
  wick_fbb_ref chain = wick_fbb_table_end(b);
  wick_fbb_ref chains = wick_fbb_vec_refs(b, &chain, 1);

  wick_fbb_ref ops = build_operators(b, m);
  wick_fbb_ref delegates = build_delegates(b, m);
  wick_fbb_ref buffer_sizes = wick_fbb_vec_i64(b, m->buffer_sizes, m->num_buffer_sizes);

  wick_fbb_table_start(b); /* ExecutionPlan */
  wick_fbb_add_ref(b, 0, name);
  wick_fbb_add_ref(b, 1, meta);
  wick_fbb_add_ref(b, 2, values);
  wick_fbb_add_ref(b, 3, inputs);
  wick_fbb_add_ref(b, 4, outputs);
  wick_fbb_add_ref(b, 5, chains);
  wick_fbb_add_ref(b, 6, ops);
  wick_fbb_add_ref(b, 7, delegates);
  wick_fbb_add_ref(b, 8, buffer_sizes);
  return wick_fbb_table_end(b);
}

/* DataSegment {offset, size} */
typedef struct pte_segment {
  uint64_t offset, size;
} pte_segment;

/* Appends a segment (aligned to `align` within the segment area). */
static bool add_segment(wick_bytes *area, pte_segment *segs, uint32_t *n, size_t align,
                        const void *data, size_t size) {
  if (!wick_bytes_pad(area, align)) return false;
  segs[*n].offset = area->size;
  segs[*n].size = size;
  (*n)++;
  return wick_bytes_append(area, data, size);
}

/* Packs blobs into one segment (each at a 16-byte boundary); offsets[0] is the
 * reserved entry, offsets[k] the start of blob k-1. */
static bool add_packed_segment(wick_bytes *area, pte_segment *segs, uint32_t *n, size_t align,
                               const pte_blob *blobs, uint32_t count, uint64_t *offsets) {
  wick_bytes packed = {0};
  offsets[0] = 0;
  for (uint32_t i = 0; i < count; i++) {
    wick_bytes_pad(&packed, PTE_TENSOR_ALIGN);
    offsets[i + 1] = packed.size;
    wick_bytes_append(&packed, blobs[i].data, blobs[i].size);
  }
  bool ok = !packed.failed && add_segment(area, segs, n, align, packed.data, packed.size);
  wick_bytes_free(&packed);
  return ok;
}

static wick_status fail(wick_diag *d, wick_status s, const char *what) {
  return wick_diag_set(d, s, "pte writer: %s", what);
}

wick_status wick_pte_writer_finish(wick_pte_writer *w, uint8_t **out, size_t *size,
                                   wick_diag *d) {
  *out = NULL;
  *size = 0;
  if (w->failed) return fail(d, WICK_ERR_MEMORY, "an earlier call failed (out of memory?)");

  /* Segments: raw ones, then constants, mutable data, named data. */
  bool const_segment = !w->inline_constants && w->num_constants > 0;
  uint32_t max_segs = w->num_raw_segments + 2 + w->num_named;
  pte_segment *segs = calloc(max_segs, sizeof(*segs));
  uint64_t *const_offsets = calloc((size_t)w->num_constants + 1, sizeof(uint64_t));
  uint64_t *mut_offsets = calloc((size_t)w->num_mutables + 1, sizeof(uint64_t));
  uint32_t *named_seg = calloc((size_t)w->num_named + 1, sizeof(uint32_t));
  wick_bytes area = {0};
  wick_fbb b;
  wick_fbb_init(&b);
  wick_status st = WICK_OK;
  uint32_t nsegs = 0, const_seg = 0, mut_seg = 0;
  bool ok = segs && const_offsets && mut_offsets && named_seg;
  for (uint32_t i = 0; ok && i < w->num_raw_segments; i++)
    ok = add_segment(&area, segs, &nsegs, w->segment_align, w->raw_segments[i].data,
                     w->raw_segments[i].size);
  if (ok && const_segment) {
    const_seg = nsegs;
    ok = add_packed_segment(&area, segs, &nsegs, w->segment_align, w->constants,
                            w->num_constants, const_offsets);
  }
  if (ok && w->num_mutables) {
    mut_seg = nsegs;
    ok = add_packed_segment(&area, segs, &nsegs, w->segment_align, w->mutables,
                            w->num_mutables, mut_offsets);
  }
  for (uint32_t i = 0; ok && i < w->num_named; i++) {
    named_seg[i] = nsegs;
    ok = add_segment(&area, segs, &nsegs, w->segment_align, w->named[i].data,
                     w->named[i].size);
  }
  if (!ok) {
    st = fail(d, WICK_ERR_MEMORY, "out of memory laying out segments");
    goto done;
  }

  /* Program children. */
  wick_fbb_ref *refs = ref_array(&b, w->num_methods);
  if (refs == NULL) goto built;
  for (uint32_t i = 0; i < w->num_methods; i++) refs[i] = build_plan(&b, w->methods[i]);
  wick_fbb_ref plans = wick_fbb_vec_refs(&b, refs, w->num_methods);
  free(refs);

  wick_fbb_ref constant_buffer = 0;
  if (w->inline_constants) { /* [Buffer {storage: [ubyte] (force_align 16)}], [0] empty */
    refs = ref_array(&b, w->num_constants + 1);
    if (refs == NULL) goto built;
    for (uint32_t i = 0; i <= w->num_constants; i++) {
      wick_fbb_ref storage = i ? wick_fbb_vec_u8(&b, w->constants[i - 1].data,
                                                 w->constants[i - 1].size, PTE_TENSOR_ALIGN)
                               : wick_fbb_vec_u8(&b, NULL, 0, PTE_TENSOR_ALIGN);
      wick_fbb_table_start(&b);
      wick_fbb_add_ref(&b, 0, storage);
      refs[i] = wick_fbb_table_end(&b);
    }
    constant_buffer = wick_fbb_vec_refs(&b, refs, w->num_constants + 1);
    free(refs);
  }

  wick_fbb_ref delegate_data = 0;
  if (w->num_delegate_data) { /* [BackendDelegateInlineData {data (force_align 16)}] */
    refs = ref_array(&b, w->num_delegate_data);
    if (refs == NULL) goto built;
    for (uint32_t i = 0; i < w->num_delegate_data; i++) {
      wick_fbb_ref data = wick_fbb_vec_u8(&b, w->delegate_data[i].data,
                                          w->delegate_data[i].size, PTE_TENSOR_ALIGN);
      wick_fbb_table_start(&b);
      wick_fbb_add_ref(&b, 0, data);
      refs[i] = wick_fbb_table_end(&b);
    }
    delegate_data = wick_fbb_vec_refs(&b, refs, w->num_delegate_data);
    free(refs);
  }

  wick_fbb_ref segments = 0;
  if (nsegs) {
    refs = ref_array(&b, nsegs);
    if (refs == NULL) goto built;
    for (uint32_t i = 0; i < nsegs; i++) { /* DataSegment {offset, size} */
      wick_fbb_table_start(&b);
      wick_fbb_add_u64(&b, 0, segs[i].offset);
      wick_fbb_add_u64(&b, 1, segs[i].size);
      refs[i] = wick_fbb_table_end(&b);
    }
    segments = wick_fbb_vec_refs(&b, refs, nsegs);
    free(refs);
  }

  wick_fbb_ref constant_segment = 0;
  if (const_segment) { /* SubsegmentOffsets {segment_index, offsets} */
    wick_fbb_ref offs = wick_fbb_vec_u64(&b, const_offsets, (size_t)w->num_constants + 1);
    wick_fbb_table_start(&b);
    wick_fbb_add_u32(&b, 0, const_seg);
    wick_fbb_add_ref(&b, 1, offs);
    constant_segment = wick_fbb_table_end(&b);
  }

  wick_fbb_ref mutable_segments = 0;
  if (w->num_mutables) {
    wick_fbb_ref offs = wick_fbb_vec_u64(&b, mut_offsets, (size_t)w->num_mutables + 1);
    wick_fbb_table_start(&b);
    wick_fbb_add_u32(&b, 0, mut_seg);
    wick_fbb_add_ref(&b, 1, offs);
    wick_fbb_ref sub = wick_fbb_table_end(&b);
    mutable_segments = wick_fbb_vec_refs(&b, &sub, 1);
  }

  wick_fbb_ref named = 0;
  if (w->num_named) {
    refs = ref_array(&b, w->num_named);
    if (refs == NULL) goto built;
    for (uint32_t i = 0; i < w->num_named; i++) { /* NamedData {key, segment_index} */
      wick_fbb_ref key = wick_fbb_string(&b, w->named[i].key);
      wick_fbb_table_start(&b);
      wick_fbb_add_ref(&b, 0, key);
      wick_fbb_add_u32(&b, 1, named_seg[i]);
      refs[i] = wick_fbb_table_end(&b);
    }
    named = wick_fbb_vec_refs(&b, refs, w->num_named);
    free(refs);
  }

  wick_fbb_table_start(&b); /* Program */
  wick_fbb_add_u32(&b, 0, w->version);
  wick_fbb_add_ref(&b, 1, plans);
  wick_fbb_add_ref(&b, 2, constant_buffer);
  wick_fbb_add_ref(&b, 3, delegate_data);
  wick_fbb_add_ref(&b, 4, segments);
  wick_fbb_add_ref(&b, 5, constant_segment);
  wick_fbb_add_ref(&b, 6, mutable_segments);
  wick_fbb_add_ref(&b, 7, named);
  wick_fbb_ref program = wick_fbb_table_end(&b);
  wick_fbb_finish(&b, program, "ET12");

built:
  if (b.failed) {
    st = fail(d, WICK_ERR_MEMORY, "flatbuffer construction failed (out of memory or too large)");
    goto done;
  }
  {
    bool header = nsegs > 0 || w->always_header;
    size_t fb_size = wick_fbb_size(&b);
    size_t program_size = fb_size + (header ? PTE_HEADER_LEN : 0);
    size_t segment_base = nsegs ? wick_align_up(program_size, w->segment_align) : 0;
    uint8_t hdr[PTE_HEADER_LEN];
    memcpy(hdr, "eh00", 4);
    wick_put_u32(hdr + 4, PTE_HEADER_LEN);
    wick_put_u64(hdr + 8, program_size);
    wick_put_u64(hdr + 16, segment_base);
    wick_put_u64(hdr + 24, area.size);
    *out = wick_assemble_file(wick_fbb_data(&b), fb_size, header ? hdr : NULL, PTE_HEADER_LEN,
                              PTE_HEADER_LEN, segment_base, area.data, area.size, size);
    if (*out == NULL) st = fail(d, WICK_ERR_MEMORY, "out of memory assembling the file");
  }

done:
  wick_fbb_free(&b);
  wick_bytes_free(&area);
  free(segs);
  free(const_offsets);
  free(mut_offsets);
  free(named_seg);
  return st;
}

wick_status wick_write_file(const char *path, const void *data, size_t size, wick_diag *d) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) return wick_diag_set(d, WICK_ERR_IO, "%s: cannot open for writing", path);
  bool ok = fwrite(data, 1, size, f) == size;
  if (fclose(f) != 0) ok = false;
  if (!ok) return wick_diag_set(d, WICK_ERR_IO, "%s: write failed", path);
  return WICK_OK;
}
