/* dtypes, tensor headers and value helpers. */
#include <string.h>

#include "wick/tensor.h"

size_t wick_dtype_size(int dtype) {
  switch (dtype) {
    case WICK_U8: case WICK_I8: case WICK_BOOL: case WICK_QI8: case WICK_QU8:
    case WICK_QU4X2: case WICK_QU2X4:
      return 1;
    case WICK_I16: case WICK_F16: case WICK_BF16: case WICK_BITS16: case WICK_U16:
      return 2;
    case WICK_I32: case WICK_F32: case WICK_QI32: case WICK_U32:
      return 4;
    case WICK_I64: case WICK_F64: case WICK_U64:
      return 8;
    default:
      return 0;
  }
}

const char *wick_dtype_name(int dtype) {
  switch (dtype) {
    case WICK_U8: return "uint8";
    case WICK_I8: return "int8";
    case WICK_I16: return "int16";
    case WICK_I32: return "int32";
    case WICK_I64: return "int64";
    case WICK_F16: return "float16";
    case WICK_F32: return "float32";
    case WICK_F64: return "float64";
    case WICK_BOOL: return "bool";
    case WICK_QI8: return "qint8";
    case WICK_QU8: return "quint8";
    case WICK_QI32: return "qint32";
    case WICK_BF16: return "bfloat16";
    case WICK_QU4X2: return "quint4x2";
    case WICK_QU2X4: return "quint2x4";
    case WICK_BITS16: return "bits16";
    case WICK_U16: return "uint16";
    case WICK_U32: return "uint32";
    case WICK_U64: return "uint64";
    default: return NULL;
  }
}

bool wick_dtype_is_float(int dtype) {
  return dtype == WICK_F16 || dtype == WICK_BF16 || dtype == WICK_F32 || dtype == WICK_F64;
}

bool wick_dtype_is_integral(int dtype) {
  switch (dtype) {
    case WICK_U8: case WICK_I8: case WICK_I16: case WICK_I32: case WICK_I64:
    case WICK_U16: case WICK_U32: case WICK_U64:
      return true;
    default:
      return false;
  }
}

size_t wick_tensor_numel(const wick_tensor *t) {
  size_t n = 1;
  for (int i = 0; i < t->dim; i++) n *= (size_t)t->sizes[i];
  return n;
}

size_t wick_tensor_nbytes(const wick_tensor *t) {
  return wick_tensor_numel(t) * wick_dtype_size(t->dtype);
}

bool wick_tensor_is_contiguous(const wick_tensor *t) {
  for (int i = 0; i < t->dim; i++)
    if (t->dim_order[i] != i) return false;
  return true;
}

void wick_tensor_update_strides(wick_tensor *t) {
  /* 64-bit product, saturated: loaders keep the product of max(size, 1)
   * below 2^31, so saturation only guards against misuse. */
  int64_t stride = 1;
  for (int k = t->dim - 1; k >= 0; k--) {
    int d = t->dim_order[k];
    t->strides[d] = (int32_t)stride;
    stride *= t->sizes[d] > 0 ? t->sizes[d] : 1;
    if (stride > INT32_MAX) stride = INT32_MAX;
  }
}

wick_status wick_tensor_init(wick_tensor *t, int dtype, int dim, const int64_t *sizes, void *data,
                             size_t capacity) {
  memset(t, 0, sizeof *t);
  if (dim < 0 || dim > WICK_MAX_DIM || wick_dtype_size(dtype) == 0) return WICK_ERR_INVALID_ARGUMENT;
  t->dtype = (uint8_t)dtype;
  t->dim = (uint8_t)dim;
  uint64_t span = 1; /* product of max(size, 1): the largest stride */
  for (int i = 0; i < dim; i++) {
    if (sizes[i] < 0 || sizes[i] > INT32_MAX) return WICK_ERR_INVALID_ARGUMENT;
    span *= sizes[i] > 0 ? (uint64_t)sizes[i] : 1;
    if (span > INT32_MAX) return WICK_ERR_INVALID_ARGUMENT; /* int32 strides */
    t->sizes[i] = (int32_t)sizes[i];
    t->dim_order[i] = (uint8_t)i;
  }
  wick_tensor_update_strides(t);
  t->data = data;
  t->capacity = capacity;
  return WICK_OK;
}

wick_status wick_tensor_resize(wick_tensor *t, int dim, const int64_t *sizes, wick_diag *d) {
  char buf[96];
  if (dim < 0 || dim > WICK_MAX_DIM)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "resize to rank %d (max %d)", dim, WICK_MAX_DIM);
  bool same = dim == t->dim;
  for (int i = 0; same && i < dim; i++) same = sizes[i] == t->sizes[i];
  if (same) return WICK_OK;
  if (t->dynamism == WICK_SHAPE_STATIC || dim != t->dim)
    return wick_diag_set(d, WICK_ERR_INPUT_MISMATCH, "cannot resize static tensor %s to rank %d",
                         wick_tensor_describe(t, buf, sizeof buf), dim);
  size_t n = wick_dtype_size(t->dtype);
  uint64_t span = 1; /* product of max(size, 1): the largest stride */
  for (int i = 0; i < dim; i++) {
    if (sizes[i] < 0 || sizes[i] > INT32_MAX)
      return wick_diag_set(d, WICK_ERR_INPUT_MISMATCH, "bad size %lld", (long long)sizes[i]);
    span *= sizes[i] > 0 ? (uint64_t)sizes[i] : 1;
    if (span > INT32_MAX)
      return wick_diag_set(d, WICK_ERR_INPUT_MISMATCH, "resize to 2^31 or more elements");
    n *= (size_t)sizes[i];
  }
  if (n > t->capacity)
    return wick_diag_set(d, WICK_ERR_INPUT_MISMATCH,
                         "resize of %s needs %zu bytes but its bound allows %zu",
                         wick_tensor_describe(t, buf, sizeof buf), n, t->capacity);
  for (int i = 0; i < dim; i++) t->sizes[i] = (int32_t)sizes[i];
  wick_tensor_update_strides(t);
  return WICK_OK;
}

bool wick_tensor_same_shape(const wick_tensor *a, const wick_tensor *b) {
  if (a->dim != b->dim) return false;
  for (int i = 0; i < a->dim; i++)
    if (a->sizes[i] != b->sizes[i]) return false;
  return true;
}

const char *wick_tensor_describe(const wick_tensor *t, char *buf, size_t n) {
  if (n == 0) return buf;
  const char *dn = wick_dtype_name(t->dtype);
  size_t used = (size_t)wick_snprintf(buf, n, "%s[", dn ? dn : "?");
  for (int i = 0; i < t->dim && used < n; i++)
    used += (size_t)wick_snprintf(buf + used, n - used, i ? ",%d" : "%d", (int)t->sizes[i]);
  if (used < n) wick_snprintf(buf + used, n - used, "]");
  return buf;
}

/* ---- half precision ---- */

float wick_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t man = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { /* subnormal: normalize */
      int e = -1;
      do {
        e++;
        man <<= 1;
      } while ((man & 0x400u) == 0);
      bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

uint16_t wick_f32_to_f16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) /* inf or nan */
    return (uint16_t)(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0));
  if (absx >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* overflow to inf */
  if (absx < 0x38800000u) {                                     /* subnormal or zero */
    if (absx < 0x33000000u) return (uint16_t)sign;
    uint32_t e = absx >> 23;
    uint32_t m = (absx & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - e; /* 14..24 */
    uint32_t r = m >> shift;
    uint32_t rem = m & ((1u << shift) - 1);
    uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1))) r++;
    return (uint16_t)(sign | r);
  }
  uint32_t r = ((absx >> 13) - ((127 - 15) << 10));
  uint32_t rem = absx & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (r & 1))) r++;
  return (uint16_t)(sign | r);
}

float wick_bf16_to_f32(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

uint16_t wick_f32_to_bf16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40u);
  x += 0x7fffu + ((x >> 16) & 1u);
  return (uint16_t)(x >> 16);
}

/* ---- values ---- */

const char *wick_value_kind_name(int kind) {
  static const char *const names[WICK_VAL_KIND_COUNT] = {
      "None", "Int", "Bool", "Double", "Tensor", "String", "IntList", "DoubleList", "BoolList",
      "TensorList", "OptionalTensorList"};
  if (kind < 0 || kind >= WICK_VAL_KIND_COUNT) return "?";
  return names[kind];
}

const int64_t *wick_value_int_list(wick_value *v, uint32_t *n) {
  if (v->kind != WICK_VAL_INT_LIST) {
    *n = 0;
    return NULL;
  }
  if (v->u.il.src) {
    for (uint32_t k = 0; k < v->u.il.n; k++) v->u.il.items[k] = v->u.il.src[k]->u.i;
  }
  *n = v->u.il.n;
  return v->u.il.items;
}

bool wick_value_scalar_f64(const wick_value *v, double *out) {
  switch (v->kind) {
    case WICK_VAL_INT: *out = (double)v->u.i; return true;
    case WICK_VAL_DOUBLE: *out = v->u.d; return true;
    case WICK_VAL_BOOL: *out = v->u.b ? 1.0 : 0.0; return true;
    default: return false;
  }
}

bool wick_value_scalar_i64(const wick_value *v, int64_t *out) {
  switch (v->kind) {
    case WICK_VAL_INT: *out = v->u.i; return true;
    case WICK_VAL_DOUBLE: *out = (int64_t)v->u.d; return true;
    case WICK_VAL_BOOL: *out = v->u.b ? 1 : 0; return true;
    default: return false;
  }
}
