/* NumPy .npy files (format versions 1.0, 2.0 and 3.0).
 *
 * Layout: "\x93NUMPY", major, minor, header length (u16 LE for 1.x, u32 LE for
 * 2.x/3.x), then a Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * padded with spaces and ending in '\n', then the raw array bytes.
 *
 * The parser reads only what it has bounds-checked and accepts the three keys
 * in any order with any whitespace. Multi-byte data must be little-endian
 * (wick assumes a little-endian host, and says so when it is not).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wick/util.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_MAX_HEADER 65535u /* any version; real headers are ~128 bytes */
#define NPY_ALIGN 64u

static bool host_is_little_endian(void) {
  const uint16_t one = 1;
  uint8_t b;
  memcpy(&b, &one, 1);
  return b == 1;
}

/* ---- header dict parsing ---- */

typedef struct npy_cursor {
  const char *start; /* header text start (for offsets in messages) */
  const char *p;
  const char *end;
} npy_cursor;

static size_t cur_offset(const npy_cursor *c) { return (size_t)(c->p - c->start); }

static bool is_space(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static void skip_space(npy_cursor *c) {
  while (c->p < c->end && is_space(*c->p)) c->p++;
}

/* Describes the character at the cursor for messages. */
static const char *cur_what(const npy_cursor *c, char *buf, size_t n) {
  if (c->p >= c->end) return "end of header";
  unsigned char ch = (unsigned char)*c->p;
  if (ch >= 0x20 && ch < 0x7f)
    snprintf(buf, n, "'%c'", ch);
  else
    snprintf(buf, n, "byte 0x%02x", ch);
  return buf;
}

static wick_status expect_char(npy_cursor *c, char want, const char *context, wick_diag *d) {
  skip_space(c);
  if (c->p < c->end && *c->p == want) {
    c->p++;
    return WICK_OK;
  }
  char what[24];
  return wick_diag_set(d, WICK_ERR_MALFORMED, "npy header: expected '%c' %s at offset %zu, found %s",
                       want, context, cur_offset(c), cur_what(c, what, sizeof what));
}

/* A Python string literal ('...' or "...") into out (NUL-terminated). */
static wick_status parse_string(npy_cursor *c, char *out, size_t cap, wick_diag *d) {
  skip_space(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) {
    char what[24];
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "npy header: expected a quoted string at offset %zu, found %s",
                         cur_offset(c), cur_what(c, what, sizeof what));
  }
  char quote = *c->p++;
  size_t n = 0;
  while (c->p < c->end && *c->p != quote) {
    char ch = *c->p++;
    if (ch == '\\') {
      if (c->p >= c->end) break;
      ch = *c->p++;
    }
    if (ch == '\n')
      return wick_diag_set(d, WICK_ERR_MALFORMED, "npy header: unterminated string at offset %zu",
                           cur_offset(c));
    if (n + 1 >= cap)
      return wick_diag_set(d, WICK_ERR_MALFORMED, "npy header: string too long at offset %zu",
                           cur_offset(c));
    out[n++] = ch;
  }
  if (c->p >= c->end)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "npy header: unterminated string");
  c->p++; /* closing quote */
  out[n] = '\0';
  return WICK_OK;
}

static bool match_word(npy_cursor *c, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0) return false;
  /* the word must end there ("Truex" is not True) */
  if ((size_t)(c->end - c->p) > n) {
    char next = c->p[n];
    if ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
        (next >= '0' && next <= '9') || next == '_')
      return false;
  }
  c->p += n;
  return true;
}

static wick_status parse_bool(npy_cursor *c, bool *out, wick_diag *d) {
  skip_space(c);
  if (match_word(c, "True")) {
    *out = true;
    return WICK_OK;
  }
  if (match_word(c, "False")) {
    *out = false;
    return WICK_OK;
  }
  char what[24];
  return wick_diag_set(d, WICK_ERR_MALFORMED,
                       "npy header: 'fortran_order' must be True or False, found %s at offset %zu",
                       cur_what(c, what, sizeof what), cur_offset(c));
}

/* A shape tuple: (), (3,), (2, 3), (2, 3,) — non-negative integers. */
static wick_status parse_shape(npy_cursor *c, int64_t *sizes, int *rank, wick_diag *d) {
  wick_status s = expect_char(c, '(', "to start 'shape'", d);
  if (s != WICK_OK) return s;
  int n = 0;
  bool trailing_comma = false;
  for (;;) {
    skip_space(c);
    if (c->p < c->end && *c->p == ')') {
      c->p++;
      break;
    }
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') {
      char what[24];
      return wick_diag_set(d, WICK_ERR_MALFORMED,
                           "npy header: expected a non-negative integer in 'shape' at offset %zu, "
                           "found %s",
                           cur_offset(c), cur_what(c, what, sizeof what));
    }
    int64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
      int digit = *c->p - '0';
      if (v > (INT64_MAX - digit) / 10)
        return wick_diag_set(d, WICK_ERR_MALFORMED, "npy header: shape dimension too large at "
                             "offset %zu", cur_offset(c));
      v = v * 10 + digit;
      c->p++;
    }
    if (c->p < c->end && (*c->p == 'L' || *c->p == 'l')) c->p++; /* Python 2 long */
    if (n >= WICK_MAX_DIM)
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "npy: rank above %d is not supported",
                           WICK_MAX_DIM);
    sizes[n++] = v;
    skip_space(c);
    trailing_comma = false;
    if (c->p < c->end && *c->p == ',') {
      c->p++;
      trailing_comma = true;
      continue;
    }
    if (c->p < c->end && *c->p == ')') {
      c->p++;
      break;
    }
    char what[24];
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "npy header: expected ',' or ')' in 'shape' at offset %zu, found %s",
                         cur_offset(c), cur_what(c, what, sizeof what));
  }
  if (n == 1 && !trailing_comma)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "npy header: 'shape' (%lld) is not a tuple (a 1-tuple needs a comma)",
                         (long long)sizes[0]);
  *rank = n;
  return WICK_OK;
}

/* Maps a NumPy type string ('<f4', '|b1', ...) to a wick dtype. */
static wick_status descr_to_dtype(const char *descr, int *dtype, wick_diag *d) {
  const char *p = descr;
  char order = '=';
  if (*p == '<' || *p == '>' || *p == '|' || *p == '=') order = *p++;
  char kind = *p ? *p++ : '\0';
  long size = 0;
  bool digits = false;
  while (*p >= '0' && *p <= '9' && size < 1000) {
    size = size * 10 + (*p++ - '0');
    digits = true;
  }
  if (kind == '?' && !digits) { /* '?' is an alias of 'b1' */
    kind = 'b';
    size = 1;
    digits = true;
  }
  if (*p != '\0' || !digits) {
    if (descr[0] == '\0')
      return wick_diag_set(d, WICK_ERR_MALFORMED, "npy header: empty 'descr'");
    if (kind == 'O')
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "npy: object arrays ('%s') are not supported",
                           descr);
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "npy: unsupported dtype '%s'", descr);
  }
  int t = -1;
  switch (kind) {
    case 'f':
      t = size == 2 ? WICK_F16 : size == 4 ? WICK_F32 : size == 8 ? WICK_F64 : -1;
      break;
    case 'i':
      t = size == 1 ? WICK_I8 : size == 2 ? WICK_I16 : size == 4 ? WICK_I32 : size == 8 ? WICK_I64 : -1;
      break;
    case 'u':
      t = size == 1 ? WICK_U8 : size == 2 ? WICK_U16 : size == 4 ? WICK_U32 : size == 8 ? WICK_U64 : -1;
      break;
    case 'b':
      t = size == 1 ? WICK_BOOL : -1;
      break;
    case 'O':
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "npy: object arrays ('%s') are not supported",
                           descr);
    default:
      break;
  }
  if (t < 0) return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "npy: unsupported dtype '%s'", descr);
  if (size > 1) {
    bool little = host_is_little_endian();
    if (order == '>' || (order == '=' && !little))
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                           "npy: big-endian dtype '%s' is not supported (save it little-endian)",
                           descr);
    if (!little)
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                           "npy: little-endian dtype '%s' on a big-endian host is not supported",
                           descr);
  }
  *dtype = t;
  return WICK_OK;
}

static void shape_text(const int64_t *sizes, int rank, char *buf, size_t n) {
  size_t used = (size_t)snprintf(buf, n, "(");
  for (int i = 0; i < rank && used < n; i++)
    used += (size_t)snprintf(buf + used, n - used, i ? ", %lld" : "%lld", (long long)sizes[i]);
  if (used < n) snprintf(buf + used, n - used, rank == 1 ? ",)" : ")");
}

wick_status wick_npy_parse(const void *data, size_t size, wick_tensor *header, const void **payload,
                           wick_diag *d) {
  if (data == NULL && size > 0)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "wick_npy_parse: NULL data");
  if (header == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "wick_npy_parse: NULL header");
  const unsigned char *b = data;

  if (size == 0) return wick_diag_set(d, WICK_ERR_MALFORMED, "not a .npy file (empty)");
  size_t head = size < NPY_MAGIC_LEN ? size : NPY_MAGIC_LEN;
  if (memcmp(b, NPY_MAGIC, head) != 0)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "not a .npy file (bad magic; expected \\x93NUMPY)");
  if (size < NPY_MAGIC_LEN + 2)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "npy: truncated before the format version");
  unsigned major = b[6], minor = b[7];
  size_t len_bytes;
  if (major == 1)
    len_bytes = 2;
  else if (major == 2 || major == 3)
    len_bytes = 4;
  else
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "npy: unsupported format version %u.%u", major,
                         minor);
  if (size < 8 + len_bytes)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "npy: truncated before the header length");
  uint64_t header_len = (uint64_t)b[8] | ((uint64_t)b[9] << 8);
  if (len_bytes == 4) header_len |= ((uint64_t)b[10] << 16) | ((uint64_t)b[11] << 24);
  size_t header_start = 8 + len_bytes;
  if (header_len > NPY_MAX_HEADER)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "npy: header length %llu exceeds the limit of %u bytes",
                         (unsigned long long)header_len, NPY_MAX_HEADER);
  if (header_len > size - header_start)
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "npy: header length %llu runs past the end of the file (%zu bytes)",
                         (unsigned long long)header_len, size);

  npy_cursor c;
  c.start = (const char *)b + header_start;
  c.p = c.start;
  c.end = c.start + header_len;

  char descr[32] = {0};
  bool fortran = false;
  int64_t sizes[WICK_MAX_DIM] = {0};
  int rank = 0;
  bool have_descr = false, have_fortran = false, have_shape = false;
  wick_status s = expect_char(&c, '{', "to start the header dict", d);
  if (s != WICK_OK) return s;
  for (;;) {
    skip_space(&c);
    if (c.p < c.end && *c.p == '}') {
      c.p++;
      break;
    }
    char key[32];
    s = parse_string(&c, key, sizeof key, d);
    if (s != WICK_OK) return s;
    s = expect_char(&c, ':', "after a key", d);
    if (s != WICK_OK) return s;
    if (strcmp(key, "descr") == 0) {
      if (have_descr)
        return wick_diag_set(d, WICK_ERR_MALFORMED, "npy header: duplicate key 'descr'");
      skip_space(&c);
      if (c.p < c.end && (*c.p == '[' || *c.p == '('))
        return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "npy: structured dtypes are not supported");
      s = parse_string(&c, descr, sizeof descr, d);
      have_descr = true;
    } else if (strcmp(key, "fortran_order") == 0) {
      if (have_fortran)
        return wick_diag_set(d, WICK_ERR_MALFORMED, "npy header: duplicate key 'fortran_order'");
      s = parse_bool(&c, &fortran, d);
      have_fortran = true;
    } else if (strcmp(key, "shape") == 0) {
      if (have_shape)
        return wick_diag_set(d, WICK_ERR_MALFORMED, "npy header: duplicate key 'shape'");
      s = parse_shape(&c, sizes, &rank, d);
      have_shape = true;
    } else {
      return wick_diag_set(d, WICK_ERR_MALFORMED, "npy header: unexpected key '%s'", key);
    }
    if (s != WICK_OK) return s;
    skip_space(&c);
    if (c.p < c.end && *c.p == ',') {
      c.p++;
      continue;
    }
    s = expect_char(&c, '}', "or ',' after a value", d);
    if (s != WICK_OK) return s;
    break;
  }
  skip_space(&c);
  if (c.p != c.end) {
    char what[24];
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "npy header: unexpected %s after the dict at offset %zu",
                         cur_what(&c, what, sizeof what), cur_offset(&c));
  }
  if (!have_descr || !have_fortran || !have_shape)
    return wick_diag_set(d, WICK_ERR_MALFORMED, "npy header: missing key '%s'",
                         !have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape");

  int dtype = 0;
  s = descr_to_dtype(descr, &dtype, d);
  if (s != WICK_OK) return s;
  if (fortran)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "npy: Fortran-order arrays are not supported (save with C order)");

  char shape_buf[160];
  size_t item = wick_dtype_size(dtype);
  bool any_zero = false;
  for (int i = 0; i < rank; i++) any_zero = any_zero || sizes[i] == 0;
  size_t nbytes = any_zero ? 0 : item;
  for (int i = 0; i < rank; i++) {
    if (sizes[i] > INT32_MAX) {
      shape_text(sizes, rank, shape_buf, sizeof shape_buf);
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                           "npy: shape %s has a dimension above %d", shape_buf, INT32_MAX);
    }
    if (!any_zero && (uint64_t)sizes[i] > SIZE_MAX / nbytes) {
      shape_text(sizes, rank, shape_buf, sizeof shape_buf);
      return wick_diag_set(d, WICK_ERR_MALFORMED, "npy: shape %s of '%s' overflows the size range",
                           shape_buf, descr);
    }
    if (!any_zero) nbytes *= (size_t)sizes[i];
  }

  /* wick tensors use 32-bit element strides: the product of the dimensions
   * (zeros counted as 1, as the strides see them) must fit in int32. */
  int64_t span = 1;
  for (int i = 0; i < rank; i++) {
    span *= sizes[i] > 0 ? sizes[i] : 1;
    if (span > INT32_MAX) {
      shape_text(sizes, rank, shape_buf, sizeof shape_buf);
      return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                           "npy: shape %s spans more than %d elements (wick strides are 32-bit)",
                           shape_buf, INT32_MAX);
    }
  }

  size_t data_start = header_start + (size_t)header_len;
  size_t avail = size - data_start;
  if (avail < nbytes) {
    shape_text(sizes, rank, shape_buf, sizeof shape_buf);
    return wick_diag_set(d, WICK_ERR_MALFORMED,
                         "npy: payload has %zu bytes but '%s' shape %s needs %zu (truncated file?)",
                         avail, descr, shape_buf, nbytes);
  }

  s = wick_tensor_init(header, dtype, rank, sizes, (void *)(b + data_start), nbytes);
  if (s != WICK_OK) return wick_diag_set(d, s, "npy: cannot describe the array as a tensor");
  header->is_const = 1;
  if (payload) *payload = b + data_start;
  return WICK_OK;
}

wick_status wick_npy_load(const char *path, wick_tensor *t, wick_diag *d) {
  if (path == NULL || t == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "wick_npy_load: NULL argument");
  memset(t, 0, sizeof *t);
  wick_file f;
  wick_status s = wick_file_open(&f, path, d);
  if (s != WICK_OK) return s;
  wick_tensor h;
  const void *payload = NULL;
  wick_diag local;
  wick_diag_clear(&local);
  s = wick_npy_parse(f.data, f.size, &h, &payload, &local);
  if (s != WICK_OK) {
    wick_file_close(&f);
    return wick_diag_set(d, s, "%s: %s", path, local.msg);
  }
  size_t nbytes = wick_tensor_nbytes(&h);
  void *copy = malloc(nbytes > 0 ? nbytes : 1);
  if (copy == NULL) {
    wick_file_close(&f);
    return wick_diag_set(d, WICK_ERR_MEMORY, "%s: cannot allocate %zu bytes", path, nbytes);
  }
  if (nbytes > 0) memcpy(copy, payload, nbytes);
  wick_file_close(&f);
  *t = h;
  t->data = copy;
  t->capacity = nbytes;
  t->is_const = 0;
  return WICK_OK;
}

/* ---- writing ---- */

static const char *dtype_to_descr(int dtype) {
  switch (dtype) {
    case WICK_U8: case WICK_QU8: return "|u1";
    case WICK_I8: case WICK_QI8: return "|i1";
    case WICK_BOOL: return "|b1";
    case WICK_I16: return "<i2";
    case WICK_U16: return "<u2";
    case WICK_F16: return "<f2";
    case WICK_I32: case WICK_QI32: return "<i4";
    case WICK_U32: return "<u4";
    case WICK_F32: return "<f4";
    case WICK_I64: return "<i8";
    case WICK_U64: return "<u8";
    case WICK_F64: return "<f8";
    default: return NULL; /* bfloat16, packed sub-byte types: no NumPy equivalent */
  }
}

/* Writes the elements of a strided tensor in logical row-major order. */
static bool write_strided(FILE *fp, const wick_tensor *t, size_t item) {
  unsigned char chunk[4096];
  size_t used = 0;
  int32_t idx[WICK_MAX_DIM] = {0};
  size_t numel = wick_tensor_numel(t);
  const unsigned char *base = t->data;
  for (size_t n = 0; n < numel; n++) {
    size_t off = 0;
    for (int k = 0; k < t->dim; k++) off += (size_t)idx[k] * (size_t)t->strides[k];
    if (used + item > sizeof chunk) {
      if (fwrite(chunk, 1, used, fp) != used) return false;
      used = 0;
    }
    memcpy(chunk + used, base + off * item, item);
    used += item;
    for (int k = t->dim - 1; k >= 0; k--) { /* odometer, last dim fastest */
      if (++idx[k] < t->sizes[k]) break;
      idx[k] = 0;
    }
  }
  return used == 0 || fwrite(chunk, 1, used, fp) == used;
}

wick_status wick_npy_save(const char *path, const wick_tensor *t, wick_diag *d) {
  if (path == NULL || t == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "wick_npy_save: NULL argument");
  const char *descr = dtype_to_descr(t->dtype);
  if (descr == NULL) {
    const char *name = wick_dtype_name(t->dtype);
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "%s: dtype %s has no .npy equivalent", path,
                         name ? name : "(unknown)");
  }
  if (t->dim > WICK_MAX_DIM)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "%s: tensor rank %d above %d", path, t->dim,
                         WICK_MAX_DIM);
  if (!host_is_little_endian() && wick_dtype_size(t->dtype) > 1)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED,
                         "%s: writing multi-byte .npy data on a big-endian host is not supported",
                         path);
  size_t item = wick_dtype_size(t->dtype);
  size_t numel = 1;
  size_t max_off = 0; /* largest element offset touched, in elements */
  bool contiguous = wick_tensor_is_contiguous(t);
  for (int k = 0; k < t->dim; k++) {
    if (t->sizes[k] < 0)
      return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "%s: negative size", path);
    if (t->sizes[k] != 0 && numel > SIZE_MAX / item / (size_t)t->sizes[k])
      return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "%s: tensor size overflows", path);
    numel *= (size_t)t->sizes[k];
    if (!contiguous) {
      if (t->strides[k] < 0)
        return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "%s: negative stride", path);
      if (t->sizes[k] > 0) max_off += (size_t)(t->sizes[k] - 1) * (size_t)t->strides[k];
    }
  }
  size_t span = numel == 0 ? 0 : (contiguous ? numel : max_off + 1) * item;
  if (numel > 0 && t->data == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "%s: tensor has no data", path);
  if (t->capacity != 0 && span > t->capacity)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "%s: tensor needs %zu bytes but holds %zu", path, span, t->capacity);

  char header[256];
  int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                   descr);
  for (int k = 0; k < t->dim; k++)
    n += snprintf(header + n, sizeof header - (size_t)n, k ? ", %d" : "%d", (int)t->sizes[k]);
  n += snprintf(header + n, sizeof header - (size_t)n, "%s), }", t->dim == 1 ? "," : "");
  /* pad with spaces so that magic + version + length + header is a multiple of 64 */
  size_t total = 10 + (size_t)n + 1;
  size_t padded = (total + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
  size_t hlen = padded - 10;
  if (hlen >= sizeof header)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "%s: header too long", path);
  memset(header + n, ' ', hlen - (size_t)n);
  header[hlen - 1] = '\n';

  unsigned char pre[10];
  memcpy(pre, NPY_MAGIC, NPY_MAGIC_LEN);
  pre[6] = 1;
  pre[7] = 0;
  pre[8] = (unsigned char)(hlen & 0xff);
  pre[9] = (unsigned char)(hlen >> 8);

  FILE *fp = fopen(path, "wb");
  if (fp == NULL)
    return wick_diag_set(d, errno == ENOENT ? WICK_ERR_NOT_FOUND : WICK_ERR_IO, "%s: %s", path,
                         strerror(errno));
  bool ok = fwrite(pre, 1, sizeof pre, fp) == sizeof pre && fwrite(header, 1, hlen, fp) == hlen;
  if (ok && numel > 0) {
    if (contiguous)
      ok = fwrite(t->data, item, numel, fp) == numel;
    else
      ok = write_strided(fp, t, item);
  }
  int err = ok ? 0 : errno;
  if (fclose(fp) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    remove(path);
    return wick_diag_set(d, WICK_ERR_IO, "%s: write failed: %s", path,
                         err ? strerror(err) : "short write");
  }
  return WICK_OK;
}
