/* wick — writers for ExecuTorch files (host side; uses malloc):
 *   .pte  programs ("ET12", schema/program.fbs), with an "eh00" extended header
 *         and data segments after the flatbuffer, or legacy inline constants;
 *   .ptd  external data ("FT01", extension/flat_tensor/serialize/flat_tensor.fbs,
 *         current layout with "FH01" header and NamedData entries);
 *   .bpte bundled programs ("BP08": a program plus test inputs/expected outputs).
 *
 * The writers do not validate what they are given (value indices, jump targets,
 * arities...): tests use them to make malformed programs on purpose.
 *
 *   wick_pte_writer *w = wick_pte_writer_new();
 *   uint32_t k = wick_pte_add_constant(w, weights, sizeof weights);
 *   wick_pte_method *m = wick_pte_add_method(w, "forward");
 *   uint32_t arena = wick_pte_add_arena(m, 64);                 // memory id 1
 *   int32_t sz[] = {2, 2};
 *   int x = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 0);
 *   int c = wick_pte_const_tensor(m, WICK_F32, 2, sz, k);
 *   int one = wick_pte_int(m, 1);                                // alpha
 *   int y = wick_pte_planned_tensor(m, WICK_F32, 2, sz, arena, 16);
 *   wick_pte_kernel_named(m, "aten::add", "out", (int32_t[]){x, c, one, y, y}, 5);
 *   wick_pte_set_inputs(m, (int32_t[]){x}, 1);
 *   wick_pte_set_outputs(m, (int32_t[]){y}, 1);
 *   uint8_t *pte; size_t n;
 *   wick_pte_writer_finish(w, &pte, &n, &diag);                  // free(pte) later
 *   wick_pte_writer_free(w);
 */
#ifndef WICK_COMPILER_PTE_WRITER_H
#define WICK_COMPILER_PTE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/status.h"

/* KernelTypes union tags (EValue.val_type). */
enum {
  WICK_PTE_VAL_NONE = 0,
  WICK_PTE_VAL_NULL = 1,
  WICK_PTE_VAL_INT = 2,
  WICK_PTE_VAL_BOOL = 3,
  WICK_PTE_VAL_DOUBLE = 4,
  WICK_PTE_VAL_TENSOR = 5,
  WICK_PTE_VAL_STRING = 6,
  WICK_PTE_VAL_INT_LIST = 7,
  WICK_PTE_VAL_DOUBLE_LIST = 8,
  WICK_PTE_VAL_BOOL_LIST = 9,
  WICK_PTE_VAL_TENSOR_LIST = 10,
  WICK_PTE_VAL_OPT_TENSOR_LIST = 11
};

/* InstructionArguments union tags. */
enum {
  WICK_PTE_INSTR_KERNEL = 1,
  WICK_PTE_INSTR_DELEGATE = 2,
  WICK_PTE_INSTR_MOVE = 3,
  WICK_PTE_INSTR_JUMP_FALSE = 4,
  WICK_PTE_INSTR_FREE = 5
};

/* TensorDataLocation / DataLocation. */
enum { WICK_PTE_LOC_SEGMENT = 0, WICK_PTE_LOC_EXTERNAL = 1 };
enum { WICK_PTE_DATA_INLINE = 0, WICK_PTE_DATA_SEGMENT = 1 };

/* Everything a serialized Tensor can say. Zero-initialize, then fill. */
typedef struct wick_pte_tensor_desc {
  int scalar_type;            /* wick_dtype numbering                              */
  uint32_t dim;               /* entries in sizes (and dim_order)                  */
  const int32_t *sizes;       /* (dim)                                            */
  const uint8_t *dim_order;   /* (dim), or NULL for 0,1,...,dim-1                  */
  uint32_t data_buffer_idx;   /* constant (or initial mutable) data; 0 = none      */
  uint32_t memory_id;         /* planned arena, 1-based; 0 = no allocation_info    */
  uint64_t memory_offset;     /* byte offset in that arena (split low/high)        */
  int shape_dynamism;         /* wick_dynamism                                     */
  int32_t storage_offset;
  /* extra_tensor_info, written when any of these is set: */
  const char *fqn;            /* fully_qualified_name                             */
  int location;               /* WICK_PTE_LOC_SEGMENT or WICK_PTE_LOC_EXTERNAL     */
  uint64_t mutable_data_segments_idx;
} wick_pte_tensor_desc;

typedef struct wick_pte_writer wick_pte_writer;
typedef struct wick_pte_method wick_pte_method;

wick_pte_writer *wick_pte_writer_new(void);
void wick_pte_writer_free(wick_pte_writer *w);

/* Program.version (default 0). */
void wick_pte_writer_set_version(wick_pte_writer *w, uint32_t version);
/* true: constants go to the legacy Program.constant_buffer (inline, index 0 an
 * empty Buffer) instead of a constant segment. */
void wick_pte_writer_set_inline_constants(wick_pte_writer *w, bool inline_constants);
/* true: always write the "eh00" header (by default only when there are segments). */
void wick_pte_writer_set_always_header(wick_pte_writer *w, bool always);
/* Alignment of segment base and of each segment (power of two, >= 16; default 16). */
void wick_pte_writer_set_segment_alignment(wick_pte_writer *w, uint32_t align);

/* Constant tensor data; returns its data_buffer_idx (1, 2, ...). */
uint32_t wick_pte_add_constant(wick_pte_writer *w, const void *data, size_t size);
/* Initial data of a mutable (planned) tensor, in mutable_data_segments[0];
 * returns its data_buffer_idx (1, 2, ...; offsets[0] is reserved). */
uint32_t wick_pte_add_mutable_data(wick_pte_writer *w, const void *data, size_t size);
/* Program.named_data entry stored in its own segment; returns the entry index. */
uint32_t wick_pte_add_named_data(wick_pte_writer *w, const char *key, const void *data,
                                 size_t size);
/* Program.backend_delegate_data entry (inline); returns its index. */
uint32_t wick_pte_add_delegate_data(wick_pte_writer *w, const void *data, size_t size);
/* A raw segment (e.g. delegate data at DataLocation SEGMENT); returns its index
 * in Program.segments (raw segments come first). */
uint32_t wick_pte_add_segment(wick_pte_writer *w, const void *data, size_t size);

/* ---- methods (execution plans); the handle lives until wick_pte_writer_free ---- */
wick_pte_method *wick_pte_add_method(wick_pte_writer *w, const char *name);
void wick_pte_set_container_meta(wick_pte_method *m, const char *inputs_spec,
                                 const char *outputs_spec);

/* Values: each returns the new value's index. */
int wick_pte_none(wick_pte_method *m);  /* val_type NONE (0), no payload */
int wick_pte_null(wick_pte_method *m);
int wick_pte_int(wick_pte_method *m, int64_t v);
int wick_pte_bool(wick_pte_method *m, bool v);
int wick_pte_double(wick_pte_method *m, double v);
int wick_pte_string(wick_pte_method *m, const char *s);
/* IntList: items are indices of Int values (ExecuTorch convention). */
int wick_pte_int_list(wick_pte_method *m, const int32_t *value_indices, uint32_t n);
/* Convenience: adds an Int value per element, then the IntList over them. */
int wick_pte_int_list_of(wick_pte_method *m, const int64_t *vals, uint32_t n);
int wick_pte_double_list(wick_pte_method *m, const double *vals, uint32_t n);
int wick_pte_bool_list(wick_pte_method *m, const bool *vals, uint32_t n);
int wick_pte_tensor_list(wick_pte_method *m, const int32_t *value_indices, uint32_t n);
/* Optional tensor list: -1 entries are None. */
int wick_pte_opt_tensor_list(wick_pte_method *m, const int32_t *value_indices, uint32_t n);
int wick_pte_tensor(wick_pte_method *m, const wick_pte_tensor_desc *t);
/* Contiguous static tensor planned at (memory_id, offset). */
int wick_pte_planned_tensor(wick_pte_method *m, int dtype, uint32_t dim, const int32_t *sizes,
                            uint32_t memory_id, uint64_t offset);
/* Contiguous constant tensor backed by data_buffer_idx. */
int wick_pte_const_tensor(wick_pte_method *m, int dtype, uint32_t dim, const int32_t *sizes,
                          uint32_t data_buffer_idx);

/* Planned memory: appends an arena of `size` bytes and returns its memory id
 * (1-based; non_const_buffer_sizes[0] is written as 0). */
uint32_t wick_pte_add_arena(wick_pte_method *m, uint64_t size);
/* Overrides non_const_buffer_sizes verbatim (n entries, index 0 included). */
void wick_pte_set_buffer_sizes(wick_pte_method *m, const int64_t *sizes, uint32_t n);

void wick_pte_set_inputs(wick_pte_method *m, const int32_t *value_indices, uint32_t n);
void wick_pte_set_outputs(wick_pte_method *m, const int32_t *value_indices, uint32_t n);

/* Operator table entry ("aten::add", "out"); identical entries are shared. */
int wick_pte_add_operator(wick_pte_method *m, const char *name, const char *overload);
/* BackendDelegate{id, processed{location, index}}; returns the delegate index. */
int wick_pte_add_delegate(wick_pte_method *m, const char *id, int location, uint32_t index);
void wick_pte_add_compile_spec(wick_pte_method *m, int delegate, const char *key,
                               const void *value, size_t size);

/* Instructions of the single chain; each returns the instruction index. */
int wick_pte_kernel(wick_pte_method *m, int op_index, const int32_t *args, uint32_t n);
int wick_pte_kernel_named(wick_pte_method *m, const char *name, const char *overload,
                          const int32_t *args, uint32_t n);
int wick_pte_delegate_call(wick_pte_method *m, int delegate_index, const int32_t *args,
                           uint32_t n);
int wick_pte_move(wick_pte_method *m, int from, int to);
int wick_pte_jump_false(wick_pte_method *m, int cond_value, int destination);
int wick_pte_free_value(wick_pte_method *m, int value_index);
/* Number of instructions so far (the index the next one gets). */
int wick_pte_num_instructions(const wick_pte_method *m);
/* Retargets jump instruction `instr` (for forward jumps). */
void wick_pte_set_jump_destination(wick_pte_method *m, int instr, int destination);

/* Serializes the program into a malloc'd buffer (*out, free() it). */
wick_status wick_pte_writer_finish(wick_pte_writer *w, uint8_t **out, size_t *size,
                                   wick_diag *d);

/* ---- .ptd external data ---- */
typedef struct wick_ptd_writer wick_ptd_writer;
wick_ptd_writer *wick_ptd_writer_new(void);
void wick_ptd_writer_free(wick_ptd_writer *w);
/* A tensor entry (NamedData with tensor_layout); dim_order NULL = contiguous. */
void wick_ptd_add_tensor(wick_ptd_writer *w, const char *key, int dtype, uint32_t dim,
                         const int32_t *sizes, const uint8_t *dim_order, const void *data,
                         size_t size);
/* A plain blob (NamedData without tensor_layout). */
void wick_ptd_add_blob(wick_ptd_writer *w, const char *key, const void *data, size_t size);
wick_status wick_ptd_writer_finish(wick_ptd_writer *w, uint8_t **out, size_t *size,
                                   wick_diag *d);

/* ---- .bpte bundled programs ---- */
typedef struct wick_bpte_writer wick_bpte_writer;
typedef struct wick_bpte_case wick_bpte_case;
/* Copies the program bytes. */
wick_bpte_writer *wick_bpte_writer_new(const void *program, size_t size);
void wick_bpte_writer_free(wick_bpte_writer *w);
void wick_bpte_writer_set_version(wick_bpte_writer *w, uint32_t version);
/* A new test case in the suite of `method` (the suite is created on first use). */
wick_bpte_case *wick_bpte_add_case(wick_bpte_writer *w, const char *method);
/* Values of a case: expected == false appends an input, true an expected output. */
void wick_bpte_case_tensor(wick_bpte_case *c, bool expected, int dtype, uint32_t dim,
                           const int32_t *sizes, const void *data, size_t size);
void wick_bpte_case_int(wick_bpte_case *c, bool expected, int64_t v);
void wick_bpte_case_bool(wick_bpte_case *c, bool expected, bool v);
void wick_bpte_case_double(wick_bpte_case *c, bool expected, double v);
wick_status wick_bpte_writer_finish(wick_bpte_writer *w, uint8_t **out, size_t *size,
                                    wick_diag *d);

/* Writes bytes to a file. */
wick_status wick_write_file(const char *path, const void *data, size_t size, wick_diag *d);

#endif
