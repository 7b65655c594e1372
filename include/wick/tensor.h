/* wick — dtypes, tensors and values (the runtime's view of ExecuTorch EValues).
 *
 * A wick_tensor never owns memory: `data` points into a planned arena, a constant
 * segment of the program, external data, or caller memory.
 */
#ifndef WICK_TENSOR_H
#define WICK_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Numbering follows ExecuTorch's ScalarType (schema/scalar_type.fbs). */
typedef enum wick_dtype {
  WICK_U8 = 0,    /* BYTE */
  WICK_I8 = 1,    /* CHAR */
  WICK_I16 = 2,   /* SHORT */
  WICK_I32 = 3,   /* INT */
  WICK_I64 = 4,   /* LONG */
  WICK_F16 = 5,   /* HALF */
  WICK_F32 = 6,   /* FLOAT */
  WICK_F64 = 7,   /* DOUBLE */
  WICK_BOOL = 11, /* BOOL */
  WICK_QI8 = 12,
  WICK_QU8 = 13,
  WICK_QI32 = 14,
  WICK_BF16 = 15,
  WICK_QU4X2 = 16,
  WICK_QU2X4 = 17,
  WICK_BITS16 = 22,
  WICK_U16 = 27,
  WICK_U32 = 28,
  WICK_U64 = 29,
  WICK_DTYPE_MAX = 30
} wick_dtype;

/* Bytes per element, or 0 for an unknown / unsupported dtype. */
size_t wick_dtype_size(int dtype);
/* "float32", "int64", ... or NULL when unknown. */
const char *wick_dtype_name(int dtype);
bool wick_dtype_is_float(int dtype);   /* f16, bf16, f32, f64 */
bool wick_dtype_is_integral(int dtype); /* u8..i64, u16..u64 (not bool) */

#define WICK_MAX_DIM 8

typedef enum wick_dynamism {
  WICK_SHAPE_STATIC = 0,
  WICK_SHAPE_DYNAMIC_BOUND = 1,
  WICK_SHAPE_DYNAMIC_UNBOUND = 2
} wick_dynamism;

typedef struct wick_tensor {
  void *data;                       /* first element (NULL until bound)            */
  size_t capacity;                  /* bytes available at data (upper bound)       */
  int32_t sizes[WICK_MAX_DIM];      /* (dim) logical sizes                         */
  int32_t strides[WICK_MAX_DIM];    /* (dim) element strides derived from dim_order */
  uint8_t dim_order[WICK_MAX_DIM];  /* (dim) outer-to-inner physical order         */
  uint8_t dim;                      /* rank, 0..WICK_MAX_DIM                        */
  uint8_t dtype;                    /* wick_dtype                                  */
  uint8_t dynamism;                 /* wick_dynamism                               */
  uint8_t is_const;                 /* data points into read-only program data     */
} wick_tensor;

/* Number of elements (1 for rank 0). */
size_t wick_tensor_numel(const wick_tensor *t);
/* numel * element size. */
size_t wick_tensor_nbytes(const wick_tensor *t);
/* True when dim_order is 0,1,...,dim-1 (row-major). */
bool wick_tensor_is_contiguous(const wick_tensor *t);
/* Recomputes strides from sizes and dim_order. */
void wick_tensor_update_strides(wick_tensor *t);
/* Initializes a contiguous tensor header over caller memory. */
wick_status wick_tensor_init(wick_tensor *t, int dtype, int dim, const int64_t *sizes, void *data,
                             size_t capacity);
/* Changes t's shape in place, keeping its dim order. Allowed when sizes are
 * unchanged, or when t is dynamic and the new bytes fit in capacity. */
wick_status wick_tensor_resize(wick_tensor *t, int dim, const int64_t *sizes, wick_diag *d);
/* Same shape, as far as sizes go. */
bool wick_tensor_same_shape(const wick_tensor *a, const wick_tensor *b);
/* "float32[2,3]" into buf; returns buf. */
const char *wick_tensor_describe(const wick_tensor *t, char *buf, size_t n);

/* fp16 / bf16 conversions (round to nearest even). */
float wick_f16_to_f32(uint16_t h);
uint16_t wick_f32_to_f16(float f);
float wick_bf16_to_f32(uint16_t h);
uint16_t wick_f32_to_bf16(float f);

/* ---- values (ExecuTorch EValue) ---------------------------------------- */

typedef enum wick_value_kind {
  WICK_VAL_NONE = 0,
  WICK_VAL_INT,
  WICK_VAL_BOOL,
  WICK_VAL_DOUBLE,
  WICK_VAL_TENSOR,
  WICK_VAL_STRING,
  WICK_VAL_INT_LIST,
  WICK_VAL_DOUBLE_LIST,
  WICK_VAL_BOOL_LIST,
  WICK_VAL_TENSOR_LIST,
  WICK_VAL_OPT_TENSOR_LIST,
  WICK_VAL_KIND_COUNT
} wick_value_kind;

typedef struct wick_value wick_value;

struct wick_value {
  uint8_t kind; /* wick_value_kind */
  union {
    int64_t i;
    bool b;
    double d;
    wick_tensor *t;
    struct {
      const char *ptr; /* NUL-terminated, points into the program */
      uint32_t len;
    } s;
    struct {
      int64_t *items;       /* (n) materialized values                        */
      wick_value **src;     /* (n) the Int values they come from (refreshed
                               by wick_value_int_list before each use)        */
      uint32_t n;
    } il;
    struct {
      double *items; /* (n) */
      uint32_t n;
    } dl;
    struct {
      bool *items; /* (n) */
      uint32_t n;
    } bl;
    struct {
      wick_tensor **items; /* (n) NULL entries mean None (optional lists only) */
      uint32_t n;
    } tl;
  } u;
};

const char *wick_value_kind_name(int kind);
/* Refreshes and returns an int list's items (they alias Int values that kernels
 * may have updated). */
const int64_t *wick_value_int_list(wick_value *v, uint32_t *n);
/* A Scalar argument (Int, Double or Bool) as double / int64; false if not a scalar. */
bool wick_value_scalar_f64(const wick_value *v, double *out);
bool wick_value_scalar_i64(const wick_value *v, int64_t *out);

#ifdef __cplusplus
}
#endif
#endif
