/* wick — ONNX model reader (host side, first stage of the ONNX -> .pte compiler).
 *
 * Decodes a serialized onnx.ModelProto (as written by torch.onnx.export) into
 * plain C structs, without libprotobuf. Everything a model owns — the structs,
 * NUL-terminated copies of every string, decoded repeated fields, and the
 * model's bytes (which raw_data points into) — is released by one
 * wick_onnx_free().
 *
 *   wick_diag d = {0};
 *   wick_onnx_model *m = wick_onnx_load_file("model.onnx", &d);
 *   if (m == NULL) { fprintf(stderr, "%s\n", d.msg); ... }
 *   for (uint32_t i = 0; i < m->graph.num_nodes; i++) {
 *     const wick_onnx_node *n = &m->graph.nodes[i];
 *     int64_t group;
 *     if (wick_onnx_attr_int(n, "group", 1, &group, &d) != WICK_OK) ...
 *   }
 *   wick_onnx_array w;
 *   wick_onnx_tensor_data(m, &m->graph.initializers[0], &w, &d);  // contiguous LE
 *   ...; wick_onnx_array_free(&w);
 *   wick_onnx_free(m);
 *
 * Parse errors name the file and the element path, e.g.
 *   "model.onnx: graph.node[12] (Conv 'conv1').attribute[2] 'pads': field 8: length
 *    4096 runs past end of message (12 bytes left)".
 *
 * Field numbers follow onnx/onnx.proto (IR version 11 and earlier are read the
 * same way). Unknown fields are skipped. Rejected with WICK_ERR_NOT_SUPPORTED:
 * sparse initializers and sparse tensor attributes, segmented tensors, and
 * attribute references (ref_attr_name) outside function bodies. Sequence, map,
 * optional, sparse and opaque value types are recorded (wick_onnx_type.kind),
 * not rejected.
 */
#ifndef WICK_COMPILER_ONNX_ONNX_H
#define WICK_COMPILER_ONNX_ONNX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/status.h"
#include "wick/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Message nesting limit (a GraphProto nests through If/Loop/Scan attributes). */
#define WICK_ONNX_MAX_DEPTH 64

/* TensorProto.DataType. */
typedef enum wick_onnx_data_type {
  WICK_ONNX_UNDEFINED = 0,
  WICK_ONNX_FLOAT = 1,
  WICK_ONNX_UINT8 = 2,
  WICK_ONNX_INT8 = 3,
  WICK_ONNX_UINT16 = 4,
  WICK_ONNX_INT16 = 5,
  WICK_ONNX_INT32 = 6,
  WICK_ONNX_INT64 = 7,
  WICK_ONNX_STRING = 8,
  WICK_ONNX_BOOL = 9,
  WICK_ONNX_FLOAT16 = 10,
  WICK_ONNX_DOUBLE = 11,
  WICK_ONNX_UINT32 = 12,
  WICK_ONNX_UINT64 = 13,
  WICK_ONNX_COMPLEX64 = 14,
  WICK_ONNX_COMPLEX128 = 15,
  WICK_ONNX_BFLOAT16 = 16,
  WICK_ONNX_FLOAT8E4M3FN = 17,
  WICK_ONNX_FLOAT8E4M3FNUZ = 18,
  WICK_ONNX_FLOAT8E5M2 = 19,
  WICK_ONNX_FLOAT8E5M2FNUZ = 20,
  WICK_ONNX_UINT4 = 21,
  WICK_ONNX_INT4 = 22,
  WICK_ONNX_FLOAT4E2M1 = 23,
  WICK_ONNX_FLOAT8E8M0 = 24,
  WICK_ONNX_UINT2 = 25,
  WICK_ONNX_INT2 = 26
} wick_onnx_data_type;

/* AttributeProto.AttributeType. */
typedef enum wick_onnx_attr_type {
  WICK_ONNX_ATTR_UNDEFINED = 0,
  WICK_ONNX_ATTR_FLOAT = 1,
  WICK_ONNX_ATTR_INT = 2,
  WICK_ONNX_ATTR_STRING = 3,
  WICK_ONNX_ATTR_TENSOR = 4,
  WICK_ONNX_ATTR_GRAPH = 5,
  WICK_ONNX_ATTR_FLOATS = 6,
  WICK_ONNX_ATTR_INTS = 7,
  WICK_ONNX_ATTR_STRINGS = 8,
  WICK_ONNX_ATTR_TENSORS = 9,
  WICK_ONNX_ATTR_GRAPHS = 10,
  WICK_ONNX_ATTR_SPARSE_TENSOR = 11,
  WICK_ONNX_ATTR_SPARSE_TENSORS = 12,
  WICK_ONNX_ATTR_TYPE_PROTO = 13,
  WICK_ONNX_ATTR_TYPE_PROTOS = 14
} wick_onnx_attr_type;

/* Which member of TypeProto's `value` oneof a type uses. */
typedef enum wick_onnx_type_kind {
  WICK_ONNX_TYPE_NONE = 0,      /* no type given (allowed for inner values) */
  WICK_ONNX_TYPE_TENSOR,        /* tensor_type = 1: the only kind wick lowers */
  WICK_ONNX_TYPE_SEQUENCE,      /* sequence_type = 4   (unsupported by wick) */
  WICK_ONNX_TYPE_MAP,           /* map_type = 5        (unsupported) */
  WICK_ONNX_TYPE_OPAQUE,        /* opaque_type = 7     (unsupported) */
  WICK_ONNX_TYPE_SPARSE_TENSOR, /* sparse_tensor_type = 8 (unsupported) */
  WICK_ONNX_TYPE_OPTIONAL       /* optional_type = 9   (unsupported) */
} wick_onnx_type_kind;

typedef struct wick_onnx_graph wick_onnx_graph;
typedef struct wick_onnx_type wick_onnx_type;

/* A byte string (protobuf `bytes`): `data` is a NUL-terminated copy, so text
 * can be used as a C string; `size` excludes the terminator and may be less
 * than strlen would suggest only if the bytes themselves contain NUL. */
typedef struct wick_onnx_bytes {
  const char *data;
  size_t size;
} wick_onnx_bytes;

/* StringStringEntryProto: key = 1, value = 2. Absent strings read as "". */
typedef struct wick_onnx_string_pair {
  const char *key;
  const char *value;
} wick_onnx_string_pair;

/* OperatorSetIdProto: domain = 1, version = 2. */
typedef struct wick_onnx_opset {
  const char *domain; /* "" (or "ai.onnx") is the default ONNX operator set */
  int64_t version;    /* opset version, e.g. 17 */
} wick_onnx_opset;

/* TensorProto. `dims`, the typed arrays and `string_data` are decoded copies;
 * raw_data points into the model's bytes (unaligned). Materialize the values
 * with wick_onnx_tensor_data / wick_onnx_tensor_read. */
typedef struct wick_onnx_tensor {
  const char *name;        /* name = 8 ("" when absent) */
  int32_t data_type;       /* data_type = 2 (wick_onnx_data_type) */
  uint32_t rank;           /* number of dims */
  int64_t *dims;           /* dims = 1 (rank entries; not validated here) */
  bool has_raw_data;       /* raw_data = 9 was present (possibly empty) */
  const uint8_t *raw_data; /* raw little-endian element bytes */
  size_t raw_size;         /* bytes at raw_data */
  float *float_data;       /* float_data = 4 (FLOAT, COMPLEX64) */
  size_t num_float_data;
  int32_t *int32_data; /* int32_data = 5 (INT32, INT16, INT8, UINT16, UINT8,
                          BOOL, FLOAT16 / BFLOAT16 bit patterns, ...) */
  size_t num_int32_data;
  int64_t *int64_data; /* int64_data = 7 (INT64) */
  size_t num_int64_data;
  double *double_data; /* double_data = 10 (DOUBLE, COMPLEX128) */
  size_t num_double_data;
  uint64_t *uint64_data; /* uint64_data = 11 (UINT32, UINT64) */
  size_t num_uint64_data;
  wick_onnx_bytes *string_data; /* string_data = 6 (STRING) */
  size_t num_string_data;
  int32_t data_location;                /* data_location = 14: 0 DEFAULT, 1 EXTERNAL */
  wick_onnx_string_pair *external_data; /* external_data = 13: location, offset,
                                           length, checksum */
  uint32_t num_external_data;
} wick_onnx_tensor;

/* TensorShapeProto.Dimension: dim_value = 1 or dim_param = 2 (or neither). */
typedef struct wick_onnx_dim {
  bool has_value;    /* dim_value was given */
  int64_t value;     /* dim_value (valid when has_value) */
  const char *param; /* dim_param, a symbolic size such as "batch"; NULL if none */
} wick_onnx_dim;

/* TypeProto. For tensors (and sparse tensors): element type and optional
 * shape. For sequences and optionals, `elem` describes the element type; maps
 * record key_type in elem_type and the value type in `elem`. */
struct wick_onnx_type {
  int kind;             /* wick_onnx_type_kind */
  int32_t elem_type;    /* Tensor.elem_type = 1 (wick_onnx_data_type) */
  bool has_shape;       /* Tensor.shape = 2 present (absent: rank unknown) */
  uint32_t rank;        /* number of dims in the shape */
  wick_onnx_dim *dims;  /* (rank) */
  wick_onnx_type *elem; /* Sequence/Optional elem_type, Map value_type; or NULL */
};

/* ValueInfoProto: name = 1, type = 2. */
typedef struct wick_onnx_value_info {
  const char *name;
  wick_onnx_type type; /* kind WICK_ONNX_TYPE_NONE when absent */
} wick_onnx_value_info;

/* AttributeProto. `type` says which member holds the value; for files that
 * omit it (IR version 1) it is inferred from the field present. */
typedef struct wick_onnx_attribute {
  const char *name;          /* name = 1 */
  int32_t type;              /* type = 20 (wick_onnx_attr_type) */
  const char *ref_attr_name; /* ref_attr_name = 21 (function bodies only) or NULL */
  float f;                   /* f = 2 */
  int64_t i;                 /* i = 3 */
  wick_onnx_bytes s;         /* s = 4 (data NULL when absent) */
  wick_onnx_tensor *t;       /* t = 5 or NULL */
  wick_onnx_graph *g;        /* g = 6 or NULL */
  wick_onnx_type *tp;        /* tp = 14 or NULL */
  float *floats;             /* floats = 7 */
  uint32_t num_floats;
  int64_t *ints; /* ints = 8 */
  uint32_t num_ints;
  wick_onnx_bytes *strings; /* strings = 9 */
  uint32_t num_strings;
  wick_onnx_tensor *tensors; /* tensors = 10 */
  uint32_t num_tensors;
  wick_onnx_graph *graphs; /* graphs = 11 */
  uint32_t num_graphs;
  wick_onnx_type *type_protos; /* type_protos = 15 */
  uint32_t num_type_protos;
} wick_onnx_attribute;

/* NodeProto. An empty input or output name ("") marks an absent optional
 * argument; trailing absent ones may simply be missing. */
typedef struct wick_onnx_node {
  const char *name;     /* name = 3 ("" when absent) */
  const char *op_type;  /* op_type = 4 */
  const char *domain;   /* domain = 7 ("" = default ONNX domain) */
  const char *overload; /* overload = 8 (model-local functions), usually "" */
  const char **inputs;  /* input = 1 */
  uint32_t num_inputs;
  const char **outputs; /* output = 2 */
  uint32_t num_outputs;
  wick_onnx_attribute *attributes; /* attribute = 5 */
  uint32_t num_attributes;
} wick_onnx_node;

/* GraphProto (also used for subgraphs in If/Loop/Scan attributes). */
struct wick_onnx_graph {
  const char *name;      /* name = 2 */
  wick_onnx_node *nodes; /* node = 1, topologically sorted */
  uint32_t num_nodes;
  wick_onnx_tensor *initializers; /* initializer = 5 */
  uint32_t num_initializers;
  wick_onnx_value_info *inputs; /* input = 11 (may include initializers in old
                                   IR versions) */
  uint32_t num_inputs;
  wick_onnx_value_info *outputs; /* output = 12 */
  uint32_t num_outputs;
  wick_onnx_value_info *value_infos; /* value_info = 13 (intermediate types) */
  uint32_t num_value_infos;
};

/* FunctionProto (ModelProto.functions = 25): a model-local operator. */
typedef struct wick_onnx_function {
  const char *name;     /* name = 1 (the op_type nodes call it by) */
  const char *domain;   /* domain = 10 */
  const char *overload; /* overload = 13 */
  const char **inputs;  /* input = 4 */
  uint32_t num_inputs;
  const char **outputs; /* output = 5 */
  uint32_t num_outputs;
  const char **attribute_names; /* attribute = 6 (attributes without default) */
  uint32_t num_attribute_names;
  wick_onnx_attribute *attribute_defaults; /* attribute_proto = 11 */
  uint32_t num_attribute_defaults;
  wick_onnx_node *nodes; /* node = 7 */
  uint32_t num_nodes;
  wick_onnx_opset *opset_imports; /* opset_import = 9 */
  uint32_t num_opset_imports;
  wick_onnx_value_info *value_infos; /* value_info = 12 */
  uint32_t num_value_infos;
} wick_onnx_function;

typedef struct wick_onnx_storage wick_onnx_storage;

/* ModelProto. */
typedef struct wick_onnx_model {
  int64_t ir_version;             /* ir_version = 1 */
  wick_onnx_opset *opset_imports; /* opset_import = 8 */
  uint32_t num_opset_imports;
  const char *producer_name;             /* producer_name = 2, e.g. "pytorch" */
  const char *producer_version;          /* producer_version = 3 */
  const char *domain;                    /* domain = 4 */
  int64_t model_version;                 /* model_version = 5 */
  const char *doc_string;                /* doc_string = 6 */
  bool has_graph;                        /* graph = 7 was present */
  wick_onnx_graph graph;                 /* the main graph (zeroed when absent) */
  wick_onnx_string_pair *metadata_props; /* metadata_props = 14 */
  uint32_t num_metadata_props;
  wick_onnx_function *functions; /* functions = 25 */
  uint32_t num_functions;
  const char *path;           /* file name used in messages ("<buffer>") */
  const char *base_dir;       /* directory for external data, or NULL */
  wick_onnx_storage *storage; /* private: arena and the model's bytes */
} wick_onnx_model;

/* ---- loading ---------------------------------------------------------------- */

/* Reads and decodes an .onnx file (mmap'd; tensors' raw_data point into it).
 * External data is looked up next to the file. NULL on failure (detail in d). */
wick_onnx_model *wick_onnx_load_file(const char *path, wick_diag *d);
/* Decodes a model held in memory. The bytes are copied, so buf need not
 * outlive the model. base_dir: directory for external data (NULL: none). */
wick_onnx_model *wick_onnx_load_buffer(const void *buf, size_t size, const char *base_dir,
                                       wick_diag *d);
/* Releases everything the model owns. NULL is allowed. */
void wick_onnx_free(wick_onnx_model *m);

/* Highest opset version imported for `domain` ("" / NULL / "ai.onnx" all mean
 * the default domain), or 0 when the domain is not imported. */
int64_t wick_onnx_opset_version(const wick_onnx_model *m, const char *domain);
/* True for "", NULL and "ai.onnx". */
bool wick_onnx_is_default_domain(const char *domain);

/* "FLOAT", "INT64", ... or NULL for an unknown number. */
const char *wick_onnx_data_type_name(int32_t data_type);
/* The wick_dtype for an ONNX data type, or -1 when wick cannot represent it
 * (STRING, complex, float8, 4/2-bit types, UNDEFINED, unknown). */
int wick_onnx_dtype(int32_t data_type);
/* "FLOAT", "INTS", ... or NULL. */
const char *wick_onnx_attr_type_name(int32_t attr_type);

/* ---- graph and attribute look-ups ------------------------------------------- */

/* Initializer with this name, or NULL. */
const wick_onnx_tensor *wick_onnx_graph_initializer(const wick_onnx_graph *g, const char *name);
/* ValueInfo with this name among the graph's inputs, outputs and value_info. */
const wick_onnx_value_info *wick_onnx_graph_value_info(const wick_onnx_graph *g, const char *name);
/* The node's attribute with this name, or NULL. */
const wick_onnx_attribute *wick_onnx_node_attr(const wick_onnx_node *n, const char *name);

/* Typed attribute getters: *out = dflt (or empty) when the attribute is absent;
 * WICK_ERR_MALFORMED, naming node and attribute, when it has another type. */
wick_status wick_onnx_attr_int(const wick_onnx_node *n, const char *name, int64_t dflt,
                               int64_t *out, wick_diag *d);
wick_status wick_onnx_attr_float(const wick_onnx_node *n, const char *name, float dflt, float *out,
                                 wick_diag *d);
wick_status wick_onnx_attr_string(const wick_onnx_node *n, const char *name, const char *dflt,
                                  const char **out, wick_diag *d);
/* Lists: absent -> *items = NULL, *count = 0. */
wick_status wick_onnx_attr_ints(const wick_onnx_node *n, const char *name, const int64_t **items,
                                uint32_t *count, wick_diag *d);
wick_status wick_onnx_attr_floats(const wick_onnx_node *n, const char *name, const float **items,
                                  uint32_t *count, wick_diag *d);
wick_status wick_onnx_attr_strings(const wick_onnx_node *n, const char *name,
                                   const wick_onnx_bytes **items, uint32_t *count, wick_diag *d);
/* Absent -> *out = NULL. */
wick_status wick_onnx_attr_tensor(const wick_onnx_node *n, const char *name,
                                  const wick_onnx_tensor **out, wick_diag *d);
wick_status wick_onnx_attr_graph(const wick_onnx_node *n, const char *name,
                                 const wick_onnx_graph **out, wick_diag *d);

/* ---- tensor data ------------------------------------------------------------ */

/* A tensor's values as one contiguous little-endian buffer of a wick dtype. */
typedef struct wick_onnx_array {
  int dtype;         /* wick_dtype of the elements */
  int32_t data_type; /* the ONNX data type it came from */
  uint32_t rank;     /* number of dims */
  int64_t *dims;     /* (rank) sizes, all >= 0 */
  size_t numel;      /* product of dims (1 for rank 0) */
  size_t nbytes;     /* numel * element size */
  void *data;        /* (nbytes) 64-byte aligned elements */
  char *name;        /* the tensor's name ("" when it has none) */
  void *block;       /* private: the single allocation holding dims/data/name */
} wick_onnx_array;

/* Number of elements of a tensor from its dims (false if a dim is negative or
 * the product overflows). */
bool wick_onnx_tensor_numel(const wick_onnx_tensor *t, uint64_t *numel);

/* Materializes a tensor's values from raw_data, the typed field matching its
 * data type (int32_data carries int8/int16/uint8/uint16/bool and the bit
 * patterns of float16/bfloat16; uint64_data carries uint32), or an external
 * data file under base_dir (relative location only; no "..", offset/length
 * checked against the file). Checks that the byte or element count matches
 * the dims. `file` names the source in messages. WICK_ERR_NOT_SUPPORTED for
 * data types wick cannot represent (the message names the type). */
wick_status wick_onnx_tensor_read(const wick_onnx_tensor *t, const char *base_dir, const char *file,
                                  wick_onnx_array *out, wick_diag *d);
/* The same for a tensor of model m (its file name and directory). */
wick_status wick_onnx_tensor_data(const wick_onnx_model *m, const wick_onnx_tensor *t,
                                  wick_onnx_array *out, wick_diag *d);
void wick_onnx_array_free(wick_onnx_array *a);

/* Parses a standalone serialized TensorProto (the conformance tests'
 * input_K.pb / output_K.pb) and materializes it. */
wick_status wick_onnx_tensor_load_file(const char *path, wick_onnx_array *out, wick_diag *d);
wick_status wick_onnx_tensor_load_buffer(const void *buf, size_t size, const char *base_dir,
                                         wick_onnx_array *out, wick_diag *d);

#ifdef __cplusplus
}
#endif
#endif
