/* wick — the runtime API: load ExecuTorch programs (.pte), their external data
 * (.ptd), and execute methods. The caller owns every byte: nothing here calls
 * malloc, and wick_method_execute allocates nothing at all.
 *
 *   wick_program prog;                      // verifies; never copies weights
 *   wick_program_load(&prog, buf, len, &diag);
 *   wick_method_meta meta;                  // arena sizes, inputs, outputs
 *   wick_method_meta_get(&prog, "forward", &meta, &diag);
 *   ... provide meta.runtime_bytes and meta.planned_sizes[i] bytes ...
 *   wick_method *m;
 *   wick_method_load(&prog, "forward", &arenas, &m, &diag);
 *   wick_method_set_input(m, 0, &x, &diag);
 *   wick_method_execute(m, &diag);
 *   const wick_tensor *y = wick_method_output(m, 0);
 */
#ifndef WICK_RUNTIME_H
#define WICK_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/kernel.h"
#include "wick/status.h"
#include "wick/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- external / named data (.ptd "FT01" files, and a program's named_data) ---- */

typedef struct wick_data_map {
  const uint8_t *data;     /* whole file                                   */
  size_t size;
  uint32_t root;           /* FlatTensor table position                    */
  uint32_t count;          /* entries (tensors or named blobs)             */
  uint64_t segment_base;   /* file offset of the first segment             */
  uint8_t legacy;          /* 1: older layout with a `tensors` table list  */
} wick_data_map;

typedef struct wick_data_entry {
  const char *key;         /* fully qualified name                          */
  const void *data;        /* points into the file                          */
  size_t size;             /* bytes available (the rest of the segment)     */
  bool has_layout;         /* dtype/sizes below are meaningful              */
  uint8_t dtype;
  uint8_t dim;
  int64_t sizes[WICK_MAX_DIM];
} wick_data_entry;

/* Parses and fully verifies a .ptd file held in memory (kept by pointer). */
wick_status wick_data_map_load(wick_data_map *m, const void *data, size_t size, wick_diag *d);
/* Finds `key`; WICK_ERR_NOT_FOUND when absent. */
wick_status wick_data_map_find(const wick_data_map *m, const char *key, wick_data_entry *out,
                               wick_diag *d);
/* The i-th entry, 0 <= i < m->count. */
wick_status wick_data_map_entry(const wick_data_map *m, uint32_t i, wick_data_entry *out,
                                wick_diag *d);

/* ---- programs ---------------------------------------------------------- */

#define WICK_MAX_DATA_MAPS 8
#define WICK_MAX_PLANNED 8

typedef struct wick_program {
  const uint8_t *data;      /* the .pte bytes (kept by pointer)                 */
  size_t size;
  uint32_t root;            /* Program table position                           */
  uint32_t num_methods;
  uint32_t version;         /* schema version field                             */
  bool has_ext_header;      /* "eh00" extended header present                   */
  uint64_t program_size;    /* flatbuffer bytes (whole file without header)     */
  uint64_t segment_base;    /* file offset of segment 0                         */
  uint32_t num_segments;
  const wick_data_map *ext[WICK_MAX_DATA_MAPS]; /* external data, searched in order */
  uint32_t num_ext;
} wick_program;

/* Parses and verifies every structure of a program held in memory: offsets,
 * lengths, vtables, value indices, instruction targets, segment ranges. */
wick_status wick_program_load(wick_program *p, const void *data, size_t size, wick_diag *d);
/* Makes an external data file available to methods loaded afterwards. */
wick_status wick_program_add_data(wick_program *p, const wick_data_map *m, wick_diag *d);
/* Name of method i (NULL if out of range). */
const char *wick_program_method_name(const wick_program *p, uint32_t i);
/* A blob from the program's own named_data (used by delegates). */
wick_status wick_program_named_data(const wick_program *p, const char *key, const void **data,
                                    size_t *size, wick_diag *d);

/* Model metadata recorded by the producer (wick convert: named data
 * "wick.metadata", one "key=value" line per entry; docs/FORMAT.md). Copies the
 * value of `key` ("name", "version", "producer", "constants_sha256",
 * "created", ...) into buf (truncated to n - 1 bytes, always terminated);
 * WICK_ERR_NOT_FOUND when the program has no metadata or no such key. No
 * allocation; the runtime core can call it. */
#define WICK_METADATA_KEY "wick.metadata"
wick_status wick_program_metadata(const wick_program *p, const char *key, char *buf, size_t n,
                                  wick_diag *d);
/* Entry i of the metadata (in file order): key and value copied like above;
 * WICK_ERR_NOT_FOUND past the last entry. */
wick_status wick_program_metadata_entry(const wick_program *p, uint32_t i, char *key, size_t kn,
                                        char *value, size_t vn, wick_diag *d);

/* The name of method input or output i as recorded by the producer (wick
 * convert keeps ONNX names), copied into buf; WICK_ERR_NOT_FOUND if none. */
wick_status wick_method_io_name(const wick_program *p, const char *method, bool output,
                                uint32_t i, char *buf, size_t n, wick_diag *d);

/* Description of one method input or output. */
typedef struct wick_io_info {
  uint8_t kind;             /* wick_value_kind                                 */
  wick_tensor tensor;       /* header only (data NULL) when kind is TENSOR     */
  bool planned;             /* tensor memory is inside a planned arena         */
  int64_t ival;             /* value for Int/Bool inputs                       */
  double dval;              /* value for Double inputs                         */
} wick_io_info;

typedef struct wick_method_meta {
  const char *name;
  uint32_t num_inputs, num_outputs;
  uint32_t num_values, num_instructions, num_chains, num_operators, num_delegates;
  uint32_t num_planned;                   /* planned arenas (memory ids 1..n)          */
  uint64_t planned_sizes[WICK_MAX_PLANNED];
  size_t runtime_bytes;                   /* arena for the method object, values, ...  */
  uint64_t constant_bytes;                /* bytes of constant tensor data referenced  */
} wick_method_meta;

wick_status wick_method_meta_get(const wick_program *p, const char *name, wick_method_meta *out,
                                 wick_diag *d);
/* Operator i of a method as "ns::name.overload" into buf. */
wick_status wick_method_operator_name(const wick_program *p, const char *method, uint32_t i,
                                      char *buf, size_t n, wick_diag *d);
/* Input/output descriptions straight from the program. */
wick_status wick_method_io_info(const wick_program *p, const char *method, bool output,
                                uint32_t i, wick_io_info *out, wick_diag *d);

/* ---- methods ----------------------------------------------------------- */

typedef struct wick_arenas {
  void *runtime;                  /* >= meta.runtime_bytes, any alignment             */
  size_t runtime_size;
  void *planned[WICK_MAX_PLANNED];/* planned[i] >= meta.planned_sizes[i], 16-aligned  */
  size_t planned_sizes[WICK_MAX_PLANNED];
  uint32_t num_planned;
} wick_arenas;

typedef struct wick_method wick_method;

/* Instantiates a method: places tensors in the planned arenas, resolves
 * constants, binds kernels and checks every call site's argument kinds. */
wick_status wick_method_load(const wick_program *p, const char *name, const wick_arenas *a,
                             wick_method **out, wick_diag *d);

uint32_t wick_method_num_inputs(const wick_method *m);
uint32_t wick_method_num_outputs(const wick_method *m);
uint32_t wick_method_num_instructions(const wick_method *m);
/* The method's own input value i (NULL if out of range). For a tensor input the
 * caller may write into ->u.t->data directly when it is planned. */
wick_value *wick_method_input_value(wick_method *m, uint32_t i);
/* Input tensor i, or NULL when input i is not a tensor. */
wick_tensor *wick_method_input(wick_method *m, uint32_t i);
/* Sets tensor input i: checks dtype and shape (resizing dynamic inputs); copies
 * into planned memory, or aliases t->data when the input is not planned (the
 * caller then keeps that memory alive across execute). */
wick_status wick_method_set_input(wick_method *m, uint32_t i, const wick_tensor *t, wick_diag *d);
/* Sets a scalar input (Int, Bool or Double value). */
wick_status wick_method_set_input_scalar(wick_method *m, uint32_t i, double v, wick_diag *d);
/* Runs every instruction. Allocates nothing. */
wick_status wick_method_execute(wick_method *m, wick_diag *d);
const wick_value *wick_method_output_value(const wick_method *m, uint32_t i);
/* Output tensor i, or NULL when output i is not a tensor. */
const wick_tensor *wick_method_output(const wick_method *m, uint32_t i);

/* Scratch memory: some kernels (optimized convolution, packed GEMM) need
 * temporary memory; its size is known once the method is loaded. Provide at
 * least wick_method_scratch_size() bytes (64-byte aligned) before execute;
 * wick_method_load_alloc does this for you. */
size_t wick_method_scratch_size(const wick_method *m);
wick_status wick_method_set_scratch(wick_method *m, void *mem, size_t size, wick_diag *d);
/* Worker threads for kernels that split their work (NULL: run serially). The
 * pool is created by the caller (include/wick/threadpool.h) and may be shared
 * by methods that never execute at the same time. */
void wick_method_set_threadpool(wick_method *m, wick_threadpool *pool);

/* Instruction budget per execute (0: unlimited). Methods whose chains jump
 * backwards start with 100M so a malformed loop cannot hang the caller. */
void wick_method_set_step_limit(wick_method *m, uint64_t limit);

/* Optional per-instruction observer (profilers). Off by default; when unset the
 * execute loop pays one predictable branch per instruction. */
typedef void (*wick_instr_observer)(void *user, const wick_method *m, uint32_t instr, int phase);
void wick_method_set_observer(wick_method *m, wick_instr_observer fn, void *user);
/* Name of instruction i's operator ("aten::add.out", "move", "jump_false",
 * "free", "delegate:<id>"). */
const char *wick_method_instr_name(const wick_method *m, uint32_t i);
/* Instruction i's argument values (kernel and delegate calls). */
wick_value *const *wick_method_instr_args(const wick_method *m, uint32_t i, uint32_t *nargs);

#ifdef __cplusplus
}
#endif
#endif
