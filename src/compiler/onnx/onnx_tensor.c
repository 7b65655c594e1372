/* ONNX tensor values: materializing a TensorProto into one contiguous
 * little-endian buffer (from raw_data, the typed repeated fields, or an
 * external data file), and standalone TensorProto (.pb) files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/onnx/onnx_internal.h"

#define ARRAY_ALIGN ((size_t)64)

bool wick_onnx_tensor_numel(const wick_onnx_tensor *t, uint64_t *numel) {
  bool has_zero = false;
  for (uint32_t i = 0; i < t->rank; i++) {
    if (t->dims[i] < 0) return false;
    if (t->dims[i] == 0) has_zero = true;
  }
  if (has_zero) {
    *numel = 0;
    return true;
  }
  uint64_t n = 1;
  for (uint32_t i = 0; i < t->rank; i++) {
    uint64_t dim = (uint64_t)t->dims[i];
    if (n > UINT64_MAX / dim) return false;
    n *= dim;
  }
  *numel = n;
  return true;
}

/* "FLOAT[2,3]" (shortened for very high ranks). */
static const char *describe(const wick_onnx_tensor *t, char *buf, size_t n) {
  const char *tn = wick_onnx_data_type_name(t->data_type);
  size_t used = 0;
  int k = tn ? snprintf(buf, n, "%s[", tn) : snprintf(buf, n, "type%d[", (int)t->data_type);
  used = k > 0 && (size_t)k < n ? (size_t)k : 0;
  for (uint32_t i = 0; i < t->rank && used + 24 < n; i++) {
    k = snprintf(buf + used, n - used, "%s%lld", i ? "," : "", (long long)t->dims[i]);
    if (k > 0) used += (size_t)k;
  }
  if (used + 2 <= n) {
    buf[used++] = ']';
    buf[used] = '\0';
  }
  return buf;
}

/* "tensor 'x'" or "unnamed tensor" for messages. */
static const char *tensor_label(const wick_onnx_tensor *t, char *buf, size_t n) {
  if (t->name == NULL || t->name[0] == '\0') return "unnamed tensor";
  snprintf(buf, n, "tensor '%.80s'", t->name);
  return buf;
}

static void put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* The typed field that carries values of an ONNX data type (by field number),
 * or 0 when only raw_data can. */
static int typed_field_for(int32_t data_type) {
  switch (data_type) {
    case WICK_ONNX_FLOAT: return 4;
    case WICK_ONNX_INT32:
    case WICK_ONNX_INT16:
    case WICK_ONNX_INT8:
    case WICK_ONNX_UINT16:
    case WICK_ONNX_UINT8:
    case WICK_ONNX_BOOL:
    case WICK_ONNX_FLOAT16:
    case WICK_ONNX_BFLOAT16: return 5;
    case WICK_ONNX_INT64: return 7;
    case WICK_ONNX_DOUBLE: return 10;
    case WICK_ONNX_UINT32:
    case WICK_ONNX_UINT64: return 11;
    default: return 0;
  }
}

/* Parses a non-negative decimal integer (the external_data offset / length). */
static bool parse_u64(const char *s, uint64_t *out) {
  if (s == NULL || *s == '\0') return false;
  uint64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return false;
    uint64_t digit = (uint64_t)(*s - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

/* A location must be relative and stay below the model's directory. */
static bool safe_location(const char *loc) {
  if (loc[0] == '\0' || loc[0] == '/') return false;
  const char *p = loc;
  while (*p) {
    const char *end = strchr(p, '/');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == 2 && p[0] == '.' && p[1] == '.') return false;
    if (end == NULL) break;
    p = end + 1;
  }
  return true;
}

/* An external data range, opened and checked against the file's size. */
typedef struct external_range {
  wick_file file;  /* the mapped data file */
  uint64_t offset; /* first byte of the tensor in the file */
} external_range;

static wick_status open_external(const wick_onnx_tensor *t, const char *base_dir, const char *file,
                                 size_t nbytes, external_range *ext, wick_diag *d) {
  char lb[96];
  const char *label = tensor_label(t, lb, sizeof lb);
  const char *location = NULL, *offset_s = NULL, *length_s = NULL;
  for (uint32_t i = 0; i < t->num_external_data; i++) {
    const wick_onnx_string_pair *e = &t->external_data[i];
    if (strcmp(e->key, "location") == 0)
      location = e->value;
    else if (strcmp(e->key, "offset") == 0)
      offset_s = e->value;
    else if (strcmp(e->key, "length") == 0)
      length_s = e->value;
  }
  if (location == NULL)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "%s: %s: external data without a 'location' entry",
                         file, label);
  if (!safe_location(location))
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "%s: %s: external data location '%.100s' must be a relative path "
                         "without '..'",
                         file, label, location);
  if (base_dir == NULL)
    return wick_diag_set(d, WICK_ERR_MISSING_DATA,
                         "%s: %s: external data '%.100s' needs the model's directory", file, label,
                         location);
  uint64_t offset = 0, length = 0;
  if (offset_s != NULL && !parse_u64(offset_s, &offset))
    return wick_diag_set(d, WICK_ERR_MALFORMED, "%s: %s: bad external data offset '%.40s'", file,
                         label, offset_s);
  if (length_s != NULL && !parse_u64(length_s, &length))
    return wick_diag_set(d, WICK_ERR_MALFORMED, "%s: %s: bad external data length '%.40s'", file,
                         label, length_s);

  size_t dir_len = strlen(base_dir), loc_len = strlen(location);
  char *path = malloc(dir_len + 1 + loc_len + 1);
  if (path == NULL) return wick_diag_set(d, WICK_ERR_MEMORY, "%s: out of memory", file);
  memcpy(path, base_dir, dir_len);
  path[dir_len] = '/';
  memcpy(path + dir_len + 1, location, loc_len + 1);
  wick_status s = wick_file_open(&ext->file, path, d);
  free(path);
  if (s != WICK_OK) {
    wick_diag_prefix(d, "%s: %s: external data", file, label);
    if (s == WICK_ERR_NOT_FOUND) { /* a missing data file is missing data */
      s = WICK_ERR_MISSING_DATA;
      if (d != NULL) d->status = s;
    }
    return s;
  }
  uint64_t size = ext->file.size;
  if (offset > size) {
    s = wick_diag_set(d, WICK_ERR_MALFORMED,
                      "%s: %s: external data offset %llu is past the end "
                      "of '%.100s' (%llu bytes)",
                      file, label, (unsigned long long)offset, location, (unsigned long long)size);
  } else {
    if (length_s == NULL) length = size - offset;
    if (length > size - offset)
      s = wick_diag_set(d, WICK_ERR_MALFORMED,
                        "%s: %s: external data range %llu+%llu runs past "
                        "the end of '%.100s' (%llu bytes)",
                        file, label, (unsigned long long)offset, (unsigned long long)length,
                        location, (unsigned long long)size);
    else if (length != (uint64_t)nbytes)
      s = wick_diag_set(d, WICK_ERR_MALFORMED,
                        "%s: %s: external data has %llu bytes, expected "
                        "%zu",
                        file, label, (unsigned long long)length, nbytes);
  }
  if (s != WICK_OK) {
    wick_file_close(&ext->file);
    return s;
  }
  ext->offset = offset;
  return WICK_OK;
}

/* Checks that the typed field matching t's data type holds numel elements and
 * that no other typed field holds any. */
static wick_status check_typed(const wick_onnx_tensor *t, const char *file, size_t numel,
                               wick_diag *d) {
  char lb[96], db[160];
  const char *label = tensor_label(t, lb, sizeof lb);
  /* Which typed fields carry data, and which one may. */
  struct {
    int field;
    const char *name;
    size_t count;
  } fields[] = {{4, "float_data", t->num_float_data},    {5, "int32_data", t->num_int32_data},
                {6, "string_data", t->num_string_data},  {7, "int64_data", t->num_int64_data},
                {10, "double_data", t->num_double_data}, {11, "uint64_data", t->num_uint64_data}};
  int want = typed_field_for(t->data_type);
  size_t have = 0;
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    if (fields[i].field == want) {
      have = fields[i].count;
    } else if (fields[i].count > 0) {
      return wick_diag_set(d, WICK_ERR_MALFORMED, "%s: %s (%s): %s is not valid for this type",
                           file, label, describe(t, db, sizeof db), fields[i].name);
    }
  }
  if (have != numel) {
    if (have == 0)
      return wick_diag_set(d, WICK_ERR_MALFORMED, "%s: %s (%s) has no data (expected %zu elements)",
                           file, label, describe(t, db, sizeof db), numel);
    const char *fname = "typed data";
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
      if (fields[i].field == want) fname = fields[i].name;
    return wick_diag_set(d, WICK_ERR_MALFORMED, "%s: %s (%s): %s has %zu elements, expected %zu",
                         file, label, describe(t, db, sizeof db), fname, have, numel);
  }
  return WICK_OK;
}

/* Converts the typed field matching t's data type into dst (numel elements,
 * already checked by check_typed). */
static void convert_typed(const wick_onnx_tensor *t, uint8_t *dst, size_t numel, size_t esize) {
  for (size_t i = 0; i < numel; i++) {
    uint8_t *p = dst + i * esize;
    switch (t->data_type) {
      case WICK_ONNX_FLOAT: {
        uint32_t bits;
        memcpy(&bits, &t->float_data[i], 4);
        put32(p, bits);
        break;
      }
      case WICK_ONNX_DOUBLE: {
        uint64_t bits;
        memcpy(&bits, &t->double_data[i], 8);
        put64(p, bits);
        break;
      }
      case WICK_ONNX_INT64: put64(p, (uint64_t)t->int64_data[i]); break;
      case WICK_ONNX_UINT64: put64(p, t->uint64_data[i]); break;
      case WICK_ONNX_UINT32: put32(p, (uint32_t)t->uint64_data[i]); break;
      case WICK_ONNX_INT32: put32(p, (uint32_t)t->int32_data[i]); break;
      /* 16-bit types, including the bit patterns of float16 / bfloat16: the low
       * 16 bits of each int32_data element. */
      case WICK_ONNX_INT16:
      case WICK_ONNX_UINT16:
      case WICK_ONNX_FLOAT16:
      case WICK_ONNX_BFLOAT16: put16(p, (uint32_t)t->int32_data[i]); break;
      case WICK_ONNX_BOOL: p[0] = t->int32_data[i] != 0; break;
      default: /* INT8, UINT8 */ p[0] = (uint8_t)(uint32_t)t->int32_data[i]; break;
    }
  }
}

void wick_onnx_array_free(wick_onnx_array *a) {
  if (a == NULL) return;
  free(a->block);
  memset(a, 0, sizeof *a);
}

wick_status wick_onnx_tensor_read(const wick_onnx_tensor *t, const char *base_dir, const char *file,
                                  wick_onnx_array *out, wick_diag *d) {
  if (out != NULL) memset(out, 0, sizeof *out);
  if (t == NULL || out == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "wick_onnx_tensor_read: NULL argument");
  if (file == NULL) file = "<buffer>";
  char lb[96], db[160];
  const char *label = tensor_label(t, lb, sizeof lb);

  int dtype = wick_onnx_dtype(t->data_type);
  if (dtype < 0) {
    const char *tn = wick_onnx_data_type_name(t->data_type);
    if (t->data_type == WICK_ONNX_UNDEFINED)
      return wick_diag_set(d, WICK_ERR_MALFORMED, "%s: %s has no data type (UNDEFINED)", file,
                           label);
    if (tn == NULL)
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "%s: %s has unknown data type %d", file,
                           label, (int)t->data_type);
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "%s: %s has data type %s (%d), which wick cannot represent", file, label,
                         tn, (int)t->data_type);
  }
  uint64_t numel64;
  if (!wick_onnx_tensor_numel(t, &numel64))
    return wick_diag_set(d, WICK_ERR_MALFORMED, "%s: %s (%s): negative or overflowing dims", file,
                         label, describe(t, db, sizeof db));
  size_t esize = wick_dtype_size(dtype);
  if (numel64 > (uint64_t)(SIZE_MAX / 2) / esize)
    return wick_diag_set(d, WICK_ERR_MEMORY, "%s: %s (%s) is too large for this platform", file,
                         label, describe(t, db, sizeof db));
  size_t numel = (size_t)numel64, nbytes = numel * esize;

  /* Fail on inconsistent byte counts before allocating anything. */
  if (t->data_location == 0 && t->has_raw_data && t->raw_size != nbytes)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "%s: %s (%s): raw_data has %zu bytes, expected %zu",
                         file, label, describe(t, db, sizeof db), t->raw_size, nbytes);
  if (t->data_location != 0 && t->data_location != 1)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "%s: %s: data_location %d is neither DEFAULT (0) nor EXTERNAL (1)", file,
                         label, (int)t->data_location);

  /* Check the data source before allocating: dims alone may claim any size. */
  external_range ext;
  memset(&ext, 0, sizeof ext);
  wick_status s = WICK_OK;
  if (t->data_location == 1)
    s = open_external(t, base_dir, file, nbytes, &ext, d);
  else if (!t->has_raw_data)
    s = check_typed(t, file, numel, d);
  if (s != WICK_OK) return s;

  /* One block: [data, padded to 64][dims][name]. */
  size_t name_len = strlen(t->name ? t->name : "");
  size_t data_part = (nbytes + ARRAY_ALIGN - 1) & ~(ARRAY_ALIGN - 1);
  size_t dims_part = (size_t)t->rank * sizeof(int64_t);
  void *block = NULL;
  size_t total = 0;
  if (data_part < nbytes || data_part > SIZE_MAX - dims_part - name_len - 1) {
    s = wick_diag_set(d, WICK_ERR_MEMORY, "%s: %s is too large", file, label);
  } else {
    total = data_part + dims_part + name_len + 1;
    if (posix_memalign(&block, ARRAY_ALIGN, total) != 0 || block == NULL) {
      block = NULL;
      s = wick_diag_set(d, WICK_ERR_MEMORY, "%s: %s: cannot allocate %zu bytes", file, label,
                        total);
    }
  }
  if (s != WICK_OK) {
    if (t->data_location == 1) wick_file_close(&ext.file);
    return s;
  }
  uint8_t *data = block;
  int64_t *dims = (int64_t *)(void *)(data + data_part);
  char *name = (char *)(data + data_part + dims_part);
  if (nbytes < data_part) memset(data + nbytes, 0, data_part - nbytes);
  if (dims_part > 0) memcpy(dims, t->dims, dims_part);
  if (name_len > 0) memcpy(name, t->name, name_len);
  name[name_len] = '\0';

  if (t->data_location == 1) {
    if (nbytes > 0) memcpy(data, (const uint8_t *)ext.file.data + ext.offset, nbytes);
    wick_file_close(&ext.file);
  } else if (t->has_raw_data) {
    if (nbytes > 0) memcpy(data, t->raw_data, nbytes);
  } else {
    convert_typed(t, data, numel, esize);
  }
  out->dtype = dtype;
  out->data_type = t->data_type;
  out->rank = t->rank;
  out->dims = dims;
  out->numel = numel;
  out->nbytes = nbytes;
  out->data = data;
  out->name = name;
  out->block = block;
  return WICK_OK;
}

wick_status wick_onnx_tensor_data(const wick_onnx_model *m, const wick_onnx_tensor *t,
                                  wick_onnx_array *out, wick_diag *d) {
  if (m == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "wick_onnx_tensor_data: NULL model");
  return wick_onnx_tensor_read(t, m->base_dir, m->path, out, d);
}

static wick_status load_tensor_bytes(const uint8_t *data, size_t size, const char *file,
                                     const char *base_dir, wick_onnx_array *out, wick_diag *d) {
  wick_onnx_arena arena = {0};
  wick_onnx_tensor t;
  memset(&t, 0, sizeof t);
  wick_status s = wick_onnx_parse_tensor(&arena, data, size, file, &t, d);
  if (s == WICK_OK) s = wick_onnx_tensor_read(&t, base_dir, file, out, d);
  wick_onnx_arena_free(&arena);
  return s;
}

wick_status wick_onnx_tensor_load_buffer(const void *buf, size_t size, const char *base_dir,
                                         wick_onnx_array *out, wick_diag *d) {
  if (out != NULL) memset(out, 0, sizeof *out);
  if ((buf == NULL && size > 0) || out == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "wick_onnx_tensor_load_buffer: NULL argument");
  return load_tensor_bytes(buf, size, "<buffer>", base_dir, out, d);
}

wick_status wick_onnx_tensor_load_file(const char *path, wick_onnx_array *out, wick_diag *d) {
  if (out != NULL) memset(out, 0, sizeof *out);
  if (path == NULL || out == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "wick_onnx_tensor_load_file: NULL argument");
  wick_file f;
  wick_status s = wick_file_open(&f, path, d);
  if (s != WICK_OK) return s;
  char *dir = wick_onnx_dirname(path);
  if (dir == NULL) {
    wick_file_close(&f);
    return wick_diag_set(d, WICK_ERR_MEMORY, "%s: out of memory", path);
  }
  s = load_tensor_bytes(f.data, f.size, path, dir, out, d);
  free(dir);
  wick_file_close(&f);
  return s;
}
