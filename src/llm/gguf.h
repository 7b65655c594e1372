/* GGUF reader (llama.cpp / ggml model files), host side.
 *
 * Layout (little-endian; versions 2 and 3; version 1 used 32-bit counts and
 * is rejected):
 *   "GGUF" u32 version, u64 tensor_count, u64 metadata_kv_count,
 *   metadata_kv_count x { string key, u32 value_type, value },
 *   tensor_count x { string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type,
 *                    u64 offset },
 *   padding to general.alignment (u32, default 32), then the data section;
 *   each tensor's offset is relative to the data section and aligned.
 * A string is u64 length + bytes (no NUL). An array value is u32 element
 * type, u64 count, elements. ne[0] is the fastest-varying dimension, so a
 * PyTorch [out, in] weight is stored with ne = {in, out}, row-major [out][in].
 *
 * wick_gguf_parse checks everything against the image size before it
 * allocates or reads: every count, length and array size (overflow-safe:
 * counts are compared with the bytes left divided by the smallest possible
 * element), the nesting of arrays, tensor ranks (<= 4), sizes (each >= 1,
 * product < 2^62, ne[0] a multiple of the block size), types (known block
 * sizes), offsets (aligned, inside the data section), duplicate keys and
 * tensor names. Errors are WICK_ERR_MALFORMED (or WICK_ERR_NOT_SUPPORTED
 * for valid files we cannot read: v1, big-endian, newer versions) with a
 * message that names the key or tensor.
 *
 * The parsed view points into the image (which must outlive it); names are
 * copied (NUL-terminated).
 */
#ifndef WICK_LLM_GGUF_H
#define WICK_LLM_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  WICK_GGUF_UINT8 = 0,
  WICK_GGUF_INT8 = 1,
  WICK_GGUF_UINT16 = 2,
  WICK_GGUF_INT16 = 3,
  WICK_GGUF_UINT32 = 4,
  WICK_GGUF_INT32 = 5,
  WICK_GGUF_FLOAT32 = 6,
  WICK_GGUF_BOOL = 7,
  WICK_GGUF_STRING = 8,
  WICK_GGUF_ARRAY = 9,
  WICK_GGUF_UINT64 = 10,
  WICK_GGUF_INT64 = 11,
  WICK_GGUF_FLOAT64 = 12
};

/* ggml tensor types (the ones wick knows the block size of). */
enum {
  WICK_GGML_F32 = 0,
  WICK_GGML_F16 = 1,
  WICK_GGML_Q4_0 = 2,
  WICK_GGML_Q4_1 = 3,
  WICK_GGML_Q5_0 = 6,
  WICK_GGML_Q5_1 = 7,
  WICK_GGML_Q8_0 = 8,
  WICK_GGML_Q8_1 = 9,
  WICK_GGML_Q2_K = 10,
  WICK_GGML_Q3_K = 11,
  WICK_GGML_Q4_K = 12,
  WICK_GGML_Q5_K = 13,
  WICK_GGML_Q6_K = 14,
  WICK_GGML_Q8_K = 15,
  WICK_GGML_I8 = 24,
  WICK_GGML_I16 = 25,
  WICK_GGML_I32 = 26,
  WICK_GGML_I64 = 27,
  WICK_GGML_F64 = 28,
  WICK_GGML_BF16 = 30
};

#define WICK_GGUF_MAX_DIMS 4
#define WICK_GGUF_DEFAULT_ALIGNMENT 32

typedef struct wick_gguf_kv {
  const char *key; /* NUL-terminated copy (keys hold no NUL)                */
  uint64_t key_len;
  uint32_t type; /* WICK_GGUF_*                                           */
  /* scalars (type < STRING or UINT64..FLOAT64): */
  uint64_t u; /* unsigned value, or the two's-complement bits of a signed one */
  int64_t i;  /* signed value (unsigned ones converted when <= INT64_MAX) */
  double f;   /* FLOAT32 / FLOAT64                                     */
  /* STRING: str/len point into the image (not NUL-terminated) */
  const char *str;
  uint64_t len;
  /* ARRAY: element type, count, first element (in the image) */
  uint32_t arr_type;
  uint64_t arr_count;
  const uint8_t *arr_data;
} wick_gguf_kv;

typedef struct wick_gguf_tensor {
  const char *name; /* NUL-terminated copy (names hold no NUL)               */
  uint64_t name_len;
  uint32_t n_dims;
  uint64_t ne[WICK_GGUF_MAX_DIMS]; /* unused dimensions are 1                   */
  uint32_t type;                   /* ggml type                                             */
  uint64_t offset;                 /* relative to the data section                          */
  uint64_t n_elems;
  uint64_t n_bytes;
  const uint8_t *data; /* in the image                                          */
} wick_gguf_tensor;

typedef struct wick_gguf {
  const uint8_t *image;
  size_t size;
  uint32_t version;
  uint32_t alignment;
  uint64_t data_offset; /* start of the data section in the image               */
  uint64_t n_kv, n_tensors;
  wick_gguf_kv *kv;
  wick_gguf_tensor *tensors;
  char *names; /* pool for keys and tensor names                       */
} wick_gguf;

/* True when the image starts with the "GGUF" magic. */
bool wick_gguf_has_magic(const void *data, size_t size);
wick_status wick_gguf_parse(wick_gguf *g, const void *data, size_t size, wick_diag *d);
void wick_gguf_free(wick_gguf *g);

const wick_gguf_kv *wick_gguf_find(const wick_gguf *g, const char *key);
const wick_gguf_tensor *wick_gguf_find_tensor(const wick_gguf *g, const char *name);

/* Typed getters: WICK_ERR_MALFORMED naming the key when it is absent (and
 * required) or of the wrong type / out of range. When absent and not
 * required, *out keeps its value and *found (if non-NULL) is false. */
wick_status wick_gguf_get_uint(const wick_gguf *g, const char *key, bool required, uint64_t *out,
                               bool *found, wick_diag *d);
wick_status wick_gguf_get_float(const wick_gguf *g, const char *key, bool required, double *out,
                                bool *found, wick_diag *d);
wick_status wick_gguf_get_bool(const wick_gguf *g, const char *key, bool required, bool *out,
                               bool *found, wick_diag *d);
wick_status wick_gguf_get_string(const wick_gguf *g, const char *key, bool required,
                                 const char **str, size_t *len, bool *found, wick_diag *d);
/* An array of elem_type (exact), its count and first element. */
wick_status wick_gguf_get_array(const wick_gguf *g, const char *key, uint32_t elem_type,
                                bool required, const uint8_t **data, uint64_t *count, bool *found,
                                wick_diag *d);

/* ggml type name ("F32", "Q8_0", ...; "type N" for unknown ones, in a
 * static buffer) and whether wick_gguf_dequantize handles it. */
const char *wick_ggml_type_name(uint32_t type);
bool wick_gguf_can_dequantize(uint32_t type);
/* Converts the whole tensor to n_elems float32 values (F32, F16, BF16,
 * Q8_0, Q4_0, Q4_1). WICK_ERR_NOT_SUPPORTED naming the tensor otherwise. */
wick_status wick_gguf_dequantize(const wick_gguf_tensor *t, float *out, wick_diag *d);

#ifdef __cplusplus
}
#endif
#endif
