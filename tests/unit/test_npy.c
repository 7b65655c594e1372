/* NumPy .npy reading and writing: round trips, hand-written headers, and
 * rejection of malformed images. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "wick/util.h"

/* ---- helpers ---- */

/* A .npy image from a verbatim header text (no padding added) and payload. */
static size_t make_npy(unsigned char *out, size_t cap, int major, const char *header,
                       const void *payload, size_t payload_len) {
  size_t hlen = strlen(header);
  size_t lenb = major == 1 ? 2 : 4;
  size_t total = 8 + lenb + hlen + payload_len;
  if (total > cap) return 0;
  memcpy(out, "\x93NUMPY", 6);
  out[6] = (unsigned char)major;
  out[7] = 0;
  out[8] = (unsigned char)(hlen & 0xff);
  out[9] = (unsigned char)((hlen >> 8) & 0xff);
  if (lenb == 4) {
    out[10] = (unsigned char)((hlen >> 16) & 0xff);
    out[11] = (unsigned char)((hlen >> 24) & 0xff);
  }
  memcpy(out + 8 + lenb, header, hlen);
  if (payload_len) memcpy(out + 8 + lenb + hlen, payload, payload_len);
  return total;
}

/* Parses and returns the status; the diag is printed on unexpected results. */
static wick_status parse(const unsigned char *img, size_t n, wick_tensor *t, const void **payload,
                         wick_diag *d) {
  wick_diag_clear(d);
  return wick_npy_parse(img, n, t, payload, d);
}

static void expect_reject(const char *header, size_t payload_len, wick_status want,
                          const char *needle) {
  unsigned char img[512];
  unsigned char payload[64] = {0};
  size_t n = make_npy(img, sizeof img, 1, header, payload, payload_len);
  CHECK(n > 0);
  wick_tensor t;
  wick_diag d;
  wick_status s = parse(img, n, &t, NULL, &d);
  CHECK_MSG(s == want, "header %s: got %s (%s), want %s", header, wick_status_name(s), d.msg,
            wick_status_name(want));
  if (needle) CHECK_MSG(strstr(d.msg, needle) != NULL, "message '%s' lacks '%s'", d.msg, needle);
  CHECK_MSG(d.msg[0] != '\0' || s == WICK_OK, "no message for %s", header);
}

static char tmp_dir[256];

static const char *tmp_path(const char *name) {
  static char buf[4][512];
  static int k = 0;
  char *b = buf[k++ & 3];
  snprintf(b, 512, "%s/%s", tmp_dir, name);
  return b;
}

/* ---- round trips ---- */

static void fill_pattern(unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(i * 31u + seed * 7u + 1u);
}

static void check_file_layout(const char *path) {
  size_t n = 0;
  unsigned char *img = read_file_all(path, &n);
  CHECK(img != NULL);
  if (img == NULL) return;
  CHECK(n >= 10);
  CHECK(memcmp(img, "\x93NUMPY\x01\x00", 8) == 0);
  size_t hlen = (size_t)img[8] | ((size_t)img[9] << 8);
  CHECK_MSG((10 + hlen) % 64 == 0, "data starts at %zu", 10 + hlen);
  CHECK(10 + hlen <= n);
  if (10 + hlen <= n) CHECK(img[10 + hlen - 1] == '\n');
  free(img);
}

static void round_trip(int dtype, int dim, const int64_t *sizes) {
  wick_tensor t;
  size_t item = wick_dtype_size(dtype);
  size_t numel = 1;
  for (int i = 0; i < dim; i++) numel *= (size_t)sizes[i];
  size_t nbytes = numel * item;
  unsigned char *buf = malloc(nbytes ? nbytes : 1);
  CHECK(buf != NULL);
  if (buf == NULL) return;
  fill_pattern(buf, nbytes, (unsigned)dtype);
  if (dtype == WICK_BOOL)
    for (size_t i = 0; i < nbytes; i++) buf[i] &= 1;
  CHECK(wick_tensor_init(&t, dtype, dim, sizes, buf, nbytes) == WICK_OK);

  const char *path = tmp_path("rt.npy");
  wick_diag d;
  wick_diag_clear(&d);
  wick_status s = wick_npy_save(path, &t, &d);
  CHECK_MSG(s == WICK_OK, "save %s rank %d: %s", wick_dtype_name(dtype), dim, d.msg);
  check_file_layout(path);

  wick_tensor u;
  wick_diag_clear(&d);
  s = wick_npy_load(path, &u, &d);
  CHECK_MSG(s == WICK_OK, "load %s rank %d: %s", wick_dtype_name(dtype), dim, d.msg);
  if (s == WICK_OK) {
    CHECK(u.dtype == dtype);
    CHECK(u.dim == dim);
    for (int i = 0; i < dim && i < u.dim; i++) CHECK(u.sizes[i] == sizes[i]);
    CHECK(wick_tensor_is_contiguous(&u));
    CHECK(u.capacity == nbytes);
    CHECK_MSG(nbytes == 0 || memcmp(u.data, buf, nbytes) == 0, "%s rank %d data differs",
              wick_dtype_name(dtype), dim);
    free(u.data);
  }
  free(buf);
}

static void test_round_trips(void) {
  static const int dtypes[] = {WICK_F32, WICK_F64, WICK_F16, WICK_I8,  WICK_U8,  WICK_I16,
                               WICK_U16, WICK_I32, WICK_U32, WICK_I64, WICK_U64, WICK_BOOL};
  static const int64_t s1[] = {5};
  static const int64_t s2[] = {3, 4};
  static const int64_t s3[] = {2, 3, 4};
  static const int64_t s4[] = {1, 2, 3, 2};
  static const int64_t s8[] = {1, 2, 1, 2, 1, 2, 1, 3};
  static const int64_t sz[] = {2, 0, 3};
  for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++) {
    round_trip(dtypes[i], 0, NULL);
    round_trip(dtypes[i], 1, s1);
    round_trip(dtypes[i], 2, s2);
    round_trip(dtypes[i], 3, s3);
    round_trip(dtypes[i], 4, s4);
  }
  round_trip(WICK_F32, 8, s8);
  round_trip(WICK_F32, 3, sz); /* zero elements */
}

/* A tensor whose dim order is not row-major is written in logical order. */
static void test_dim_order(void) {
  /* sizes [2,3,4], physical order dim0, dim2, dim1 */
  float phys[24];
  wick_tensor t;
  static const int64_t sizes[] = {2, 3, 4};
  CHECK(wick_tensor_init(&t, WICK_F32, 3, sizes, phys, sizeof phys) == WICK_OK);
  t.dim_order[0] = 0;
  t.dim_order[1] = 2;
  t.dim_order[2] = 1;
  wick_tensor_update_strides(&t);
  CHECK(!wick_tensor_is_contiguous(&t));
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 4; k++)
        phys[i * t.strides[0] + j * t.strides[1] + k * t.strides[2]] = (float)(i * 100 + j * 10 + k);

  const char *path = tmp_path("dimorder.npy");
  wick_diag d;
  wick_diag_clear(&d);
  CHECK_MSG(wick_npy_save(path, &t, &d) == WICK_OK, "%s", d.msg);
  wick_tensor u;
  wick_diag_clear(&d);
  CHECK_MSG(wick_npy_load(path, &u, &d) == WICK_OK, "%s", d.msg);
  if (u.data) {
    const float *v = u.data;
    CHECK(u.dim == 3 && u.sizes[0] == 2 && u.sizes[1] == 3 && u.sizes[2] == 4);
    int bad = 0;
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++)
        for (int k = 0; k < 4; k++)
          if (v[(i * 3 + j) * 4 + k] != (float)(i * 100 + j * 10 + k)) bad++;
    CHECK_MSG(bad == 0, "%d elements out of logical order", bad);
    free(u.data);
  }

  /* channels-last NCHW [1,2,2,3] (dim order 0,2,3,1), int16 */
  int16_t cl[12];
  static const int64_t s4[] = {1, 2, 2, 3};
  CHECK(wick_tensor_init(&t, WICK_I16, 4, s4, cl, sizeof cl) == WICK_OK);
  t.dim_order[0] = 0;
  t.dim_order[1] = 2;
  t.dim_order[2] = 3;
  t.dim_order[3] = 1;
  wick_tensor_update_strides(&t);
  for (int c = 0; c < 2; c++)
    for (int h = 0; h < 2; h++)
      for (int w = 0; w < 3; w++)
        cl[c * t.strides[1] + h * t.strides[2] + w * t.strides[3]] = (int16_t)(c * 100 + h * 10 + w);
  wick_diag_clear(&d);
  CHECK_MSG(wick_npy_save(path, &t, &d) == WICK_OK, "%s", d.msg);
  wick_diag_clear(&d);
  CHECK_MSG(wick_npy_load(path, &u, &d) == WICK_OK, "%s", d.msg);
  if (u.data) {
    const int16_t *v = u.data;
    int bad = 0;
    for (int c = 0; c < 2; c++)
      for (int h = 0; h < 2; h++)
        for (int w = 0; w < 3; w++)
          if (v[(c * 2 + h) * 3 + w] != c * 100 + h * 10 + w) bad++;
    CHECK_MSG(bad == 0, "channels-last: %d elements out of logical order", bad);
    free(u.data);
  }
}

/* ---- hand-written headers ---- */

static void expect_parse(int major, const char *header, int dtype, int dim, const int32_t *sizes,
                         size_t payload_len) {
  unsigned char img[512];
  unsigned char payload[128];
  fill_pattern(payload, sizeof payload, 3);
  size_t n = make_npy(img, sizeof img, major, header, payload, payload_len);
  CHECK(n > 0);
  wick_tensor t;
  const void *p = NULL;
  wick_diag d;
  wick_status s = parse(img, n, &t, &p, &d);
  CHECK_MSG(s == WICK_OK, "header %s: %s", header, d.msg);
  if (s != WICK_OK) return;
  CHECK_MSG(t.dtype == dtype, "header %s: dtype %d", header, t.dtype);
  CHECK_MSG(t.dim == dim, "header %s: rank %d", header, t.dim);
  for (int i = 0; i < dim && i < t.dim; i++) CHECK(t.sizes[i] == sizes[i]);
  CHECK(p == img + (n - payload_len));
  CHECK(t.data == p);
  CHECK(t.capacity == wick_tensor_nbytes(&t));
}

static void test_headers(void) {
  static const int32_t s23[] = {2, 3};
  static const int32_t s3[] = {3};
  expect_parse(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", WICK_F32, 2, s23,
               24);
  /* keys in another order, odd whitespace, double quotes, no trailing comma */
  expect_parse(1, "{ \"shape\":(2,3) ,'fortran_order' :False,'descr':\"<f4\"}   \n", WICK_F32, 2,
               s23, 24);
  expect_parse(1, "{'fortran_order': False, 'descr': '<i8', 'shape': (3,)}\n", WICK_I64, 1, s3, 24);
  expect_parse(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3, ), }", WICK_BOOL, 1, s3, 3);
  expect_parse(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (), }\n", WICK_F16, 0, NULL, 2);
  expect_parse(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }\n", WICK_U8, 1, s3, 3);
  expect_parse(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (3,), }\n", WICK_I8, 1, s3, 3);
  expect_parse(1, "{'descr': '<u2', 'fortran_order': False, 'shape': (3,), }\n", WICK_U16, 1, s3, 6);
  expect_parse(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }\n", WICK_I16, 1, s3, 6);
  expect_parse(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }\n", WICK_I32, 1, s3, 12);
  expect_parse(1, "{'descr': '<u4', 'fortran_order': False, 'shape': (3,), }\n", WICK_U32, 1, s3, 12);
  expect_parse(1, "{'descr': '<u8', 'fortran_order': False, 'shape': (3,), }\n", WICK_U64, 1, s3, 24);
  expect_parse(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }\n", WICK_F64, 1, s3, 24);
  expect_parse(1, "{'descr': '>u1', 'fortran_order': False, 'shape': (3,), }\n", WICK_U8, 1, s3, 3);
  expect_parse(1, "{'descr': '=f4', 'fortran_order': False, 'shape': (2L, 3L), }\n", WICK_F32, 2,
               s23, 24);
  /* versions 2.0 and 3.0 use a 4-byte header length */
  expect_parse(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", WICK_F32, 2, s23,
               24);
  expect_parse(3, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }\n", WICK_I32, 1, s3, 12);
  /* extra payload bytes are tolerated */
  expect_parse(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }\n", WICK_I32, 1, s3, 20);
  /* a shape with a zero dimension needs no payload */
  static const int32_t s03[] = {0, 3};
  expect_parse(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }\n", WICK_F64, 2, s03,
               0);
  /* a saved-by-NumPy file from the shared data, when present */
  if (shared_available()) {
    size_t n = 0;
    unsigned char *img =
        read_file_all(shared_path("pte/expected/module_model__1_2.in0.npy"), &n);
    if (img) {
      wick_tensor t;
      wick_diag d;
      const void *p = NULL;
      CHECK_MSG(parse(img, n, &t, &p, &d) == WICK_OK, "%s", d.msg);
      CHECK(t.dtype == WICK_F32 && t.dim == 2 && t.sizes[0] == 1 && t.sizes[1] == 2);
      if (p) {
        float v[2];
        memcpy(v, p, sizeof v);
        CHECK(v[0] == 1.0f && v[1] == 2.0f);
      }
      free(img);
    }
  }
}

/* ---- rejections ---- */

static void test_rejections(void) {
  unsigned char img[512] = {0};
  wick_tensor t;
  wick_diag d;

  /* empty, short, bad magic, bad version */
  CHECK(parse(img, 0, &t, NULL, &d) == WICK_ERR_MALFORMED);
  memcpy(img, "\x93NUMPZ\x01\x00\x10\x00", 10);
  CHECK(parse(img, 10, &t, NULL, &d) == WICK_ERR_MALFORMED);
  CHECK(strstr(d.msg, "magic") != NULL);
  memcpy(img, "PK\x03\x04", 4);
  CHECK(parse(img, 4, &t, NULL, &d) == WICK_ERR_MALFORMED);
  memcpy(img, "\x93NUMPY\x04\x00\x10\x00", 10);
  CHECK(parse(img, 10, &t, NULL, &d) == WICK_ERR_NOT_SUPPORTED);
  CHECK(strstr(d.msg, "version") != NULL);
  CHECK(parse(NULL, 0, &t, NULL, &d) == WICK_ERR_MALFORMED);

  /* header length past the end, and above the limit (v2 allows 4 GiB) */
  size_t n = make_npy(img, sizeof img, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': ()}",
                      "\0\0\0\0", 4);
  img[8] = 0xff;
  img[9] = 0x00;
  CHECK(parse(img, n, &t, NULL, &d) == WICK_ERR_MALFORMED);
  n = make_npy(img, sizeof img, 2, "{'descr': '<f4', 'fortran_order': False, 'shape': ()}",
               "\0\0\0\0", 4);
  img[10] = 0x10; /* ~1 MiB header */
  CHECK(parse(img, n, &t, NULL, &d) == WICK_ERR_MALFORMED);
  CHECK(strstr(d.msg, "limit") != NULL);

  expect_reject("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8,
                WICK_ERR_NOT_SUPPORTED, "Fortran");
  expect_reject("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8,
                WICK_ERR_NOT_SUPPORTED, "big-endian");
  expect_reject("{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }", 8,
                WICK_ERR_NOT_SUPPORTED, "big-endian");
  expect_reject("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16,
                WICK_ERR_NOT_SUPPORTED, "object");
  expect_reject("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }",
                16, WICK_ERR_NOT_SUPPORTED, "structured");
  expect_reject("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16,
                WICK_ERR_NOT_SUPPORTED, "'<c8'");
  expect_reject("{'descr': '<U4', 'fortran_order': False, 'shape': (2,), }", 32,
                WICK_ERR_NOT_SUPPORTED, "unsupported dtype");
  expect_reject("{'descr': '<f3', 'fortran_order': False, 'shape': (2,), }", 16,
                WICK_ERR_NOT_SUPPORTED, NULL);
  expect_reject("{'descr': '', 'fortran_order': False, 'shape': (2,), }", 16, WICK_ERR_MALFORMED,
                NULL);
  /* shapes: overflow, too large a dimension, too many dims, not a tuple, negative */
  expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 2147483647, "
                "2147483647), }",
                8, WICK_ERR_MALFORMED, "overflow");
  expect_reject("{'descr': '|u1', 'fortran_order': False, 'shape': (65536, 65536), }", 8,
                WICK_ERR_NOT_SUPPORTED, "32-bit");
  expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 111111111, 1111), }", 0,
                WICK_ERR_NOT_SUPPORTED, "32-bit");
  expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296,), }", 8,
                WICK_ERR_NOT_SUPPORTED, NULL);
  expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }",
                8, WICK_ERR_MALFORMED, NULL);
  expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 8,
                WICK_ERR_NOT_SUPPORTED, "rank");
  expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8, WICK_ERR_MALFORMED,
                "tuple");
  expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8, WICK_ERR_MALFORMED,
                NULL);
  expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", 8, WICK_ERR_MALFORMED,
                NULL);
  /* payload shorter than the shape needs */
  expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 23,
                WICK_ERR_MALFORMED, "payload");
  /* dict syntax */
  expect_reject("{'descr': '<f4', 'fortran_order': False, }", 8, WICK_ERR_MALFORMED, "shape");
  expect_reject("{'descr': '<f4', 'shape': (2,), }", 8, WICK_ERR_MALFORMED, "fortran_order");
  expect_reject("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 8,
                WICK_ERR_MALFORMED, "duplicate");
  expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", 8,
                WICK_ERR_MALFORMED, "extra");
  expect_reject("{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,)}", 8, WICK_ERR_MALFORMED,
                NULL);
  expect_reject("{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}", 8, WICK_ERR_MALFORMED,
                NULL);
  expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", 8, WICK_ERR_MALFORMED,
                "after the dict");
  expect_reject("{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", 8, WICK_ERR_MALFORMED,
                NULL);
  expect_reject("'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 8, WICK_ERR_MALFORMED,
                NULL);
  expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", 8, WICK_ERR_MALFORMED,
                NULL);
  expect_reject("", 8, WICK_ERR_MALFORMED, NULL);
  expect_reject("{'descr': '<f4', 'fortran_order': False, 'shape': (2,", 8, WICK_ERR_MALFORMED, NULL);
  expect_reject("{'descrdescrdescrdescrdescrdescrdescrdescrdescr': '<f4'}", 8, WICK_ERR_MALFORMED,
                NULL);

  /* a valid file truncated at every byte */
  static const int64_t s[] = {2, 3};
  float data[6] = {1, 2, 3, 4, 5, 6};
  wick_tensor v;
  CHECK(wick_tensor_init(&v, WICK_F32, 2, s, data, sizeof data) == WICK_OK);
  const char *path = tmp_path("trunc.npy");
  wick_diag_clear(&d);
  CHECK_MSG(wick_npy_save(path, &v, &d) == WICK_OK, "%s", d.msg);
  size_t full = 0;
  unsigned char *file = read_file_all(path, &full);
  CHECK(file != NULL);
  if (file) {
    CHECK(parse(file, full, &t, NULL, &d) == WICK_OK);
    int accepted = 0;
    for (size_t k = 0; k < full; k++) {
      /* a fresh allocation of exactly k bytes, so ASan sees any over-read */
      unsigned char *cut = malloc(k ? k : 1);
      if (cut == NULL) break;
      memcpy(cut, file, k);
      wick_diag_clear(&d);
      wick_status st = wick_npy_parse(cut, k, &t, NULL, &d);
      if (st == WICK_OK) accepted++;
      else CHECK_MSG(d.msg[0] != '\0', "no message at length %zu", k);
      free(cut);
    }
    CHECK_MSG(accepted == 0, "%d truncations accepted", accepted);

    /* random corruption: must never crash; every failure explains itself */
    uint32_t rng = 12345u;
    unsigned char *mut = malloc(full);
    for (int iter = 0; mut && iter < 20000; iter++) {
      memcpy(mut, file, full);
      int flips = 1 + iter % 4;
      for (int f = 0; f < flips; f++) {
        rng = rng * 1664525u + 1013904223u;
        size_t pos = (rng >> 8) % full;
        rng = rng * 1664525u + 1013904223u;
        mut[pos] = (unsigned char)(rng >> 24);
      }
      rng = rng * 1664525u + 1013904223u;
      size_t len = full - (rng >> 16) % 8;
      wick_diag_clear(&d);
      wick_status st = wick_npy_parse(mut, len, &t, NULL, &d);
      if (st != WICK_OK) {
        CHECK(d.msg[0] != '\0');
      } else {
        CHECK((const unsigned char *)t.data + wick_tensor_nbytes(&t) <= mut + len);
      }
    }
    free(mut);
    free(file);
  }

  /* load: missing file and a non-npy file carry the path */
  wick_diag_clear(&d);
  CHECK(wick_npy_load(tmp_path("missing.npy"), &t, &d) == WICK_ERR_NOT_FOUND);
  CHECK(strstr(d.msg, "missing.npy: No such file or directory") != NULL);
  const char *text = tmp_path("text.npy");
  FILE *fp = fopen(text, "w");
  if (fp) {
    fputs("hello\n", fp);
    fclose(fp);
  }
  wick_diag_clear(&d);
  CHECK(wick_npy_load(text, &t, &d) == WICK_ERR_MALFORMED);
  CHECK(strstr(d.msg, "text.npy: not a .npy file") != NULL);

  /* save: unsupported dtype and an unwritable path */
  uint16_t bf[2] = {0, 0};
  static const int64_t s2[] = {2};
  CHECK(wick_tensor_init(&v, WICK_BF16, 1, s2, bf, sizeof bf) == WICK_OK);
  wick_diag_clear(&d);
  CHECK(wick_npy_save(tmp_path("bf16.npy"), &v, &d) == WICK_ERR_NOT_SUPPORTED);
  CHECK(wick_tensor_init(&v, WICK_F32, 1, s2, data, sizeof data) == WICK_OK);
  wick_diag_clear(&d);
  CHECK(wick_npy_save(tmp_path("no/such/dir.npy"), &v, &d) != WICK_OK);
  CHECK(d.msg[0] != '\0');
}

static void test_file(void) {
  wick_file f;
  wick_diag d;
  wick_diag_clear(&d);
  CHECK(wick_file_open(&f, tmp_path("nope.pte"), &d) == WICK_ERR_NOT_FOUND);
  CHECK(strstr(d.msg, "nope.pte: No such file or directory") != NULL);
  wick_diag_clear(&d);
  CHECK(wick_file_open(&f, tmp_dir, &d) == WICK_ERR_IO);
  CHECK(strstr(d.msg, "Is a directory") != NULL);
  const char *empty = tmp_path("empty.pte");
  FILE *fp = fopen(empty, "w");
  if (fp) fclose(fp);
  wick_diag_clear(&d);
  CHECK(wick_file_open(&f, empty, &d) == WICK_OK);
  CHECK(f.size == 0 && f.data != NULL);
  wick_file_close(&f);
  CHECK(f.data == NULL);
  const char *small = tmp_path("small.bin");
  fp = fopen(small, "wb");
  if (fp) {
    fwrite("abcdef", 1, 6, fp);
    fclose(fp);
  }
  wick_diag_clear(&d);
  CHECK(wick_file_open(&f, small, &d) == WICK_OK);
  CHECK(f.size == 6 && memcmp(f.data, "abcdef", 6) == 0);
  wick_file_close(&f);
  wick_file_close(&f); /* closing twice is harmless */
}

static void remove_tmp(void) {
  static const char *names[] = {"rt.npy", "dimorder.npy", "trunc.npy", "text.npy", "bf16.npy",
                                "empty.pte", "small.bin"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) remove(tmp_path(names[i]));
  rmdir(tmp_dir);
}

int main(void) {
  const char *base = getenv("TMPDIR");
  snprintf(tmp_dir, sizeof tmp_dir, "%s/wick_test_npy_XXXXXX", base && base[0] ? base : "/tmp");
  if (mkdtemp(tmp_dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  test_file();
  test_round_trips();
  test_dim_order();
  test_headers();
  test_rejections();
  CHECK(wick_now_ns() > 0);
  uint64_t a = wick_now_ns(), b = wick_now_ns();
  CHECK(b >= a);
  CHECK(wick_peak_rss_kb() > 0);
  remove_tmp();
  return test_finish("test_npy");
}
