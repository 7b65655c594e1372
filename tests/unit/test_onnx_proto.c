/* The ONNX reader: protobuf wire format, ONNX message decoding, tensor data,
 * malformed input, and (when the shared data is present) every model and
 * tensor file of the ONNX backend conformance tests. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/onnx/onnx.h"
#include "compiler/onnx/pb.h"
#include "harness.h"

/* ---- a tiny protobuf encoder for building test messages ------------------- */

typedef struct pbw {
  uint8_t *p;
  size_t n, cap;
} pbw;

static void w_raw(pbw *w, const void *data, size_t n) {
  if (w->n + n > w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 256;
    while (cap < w->n + n) cap *= 2;
    uint8_t *p = realloc(w->p, cap);
    if (p == NULL) abort();
    w->p = p;
    w->cap = cap;
  }
  if (n > 0) memcpy(w->p + w->n, data, n);
  w->n += n;
}

static void w_free(pbw *w) {
  free(w->p);
  memset(w, 0, sizeof *w);
}

static void w_varint(pbw *w, uint64_t v) {
  uint8_t b[10];
  size_t n = 0;
  do {
    b[n] = (uint8_t)(v & 0x7F);
    v >>= 7;
    if (v) b[n] |= 0x80;
    n++;
  } while (v);
  w_raw(w, b, n);
}

static void w_tag(pbw *w, uint32_t field, unsigned wire) {
  w_varint(w, (uint64_t)field << 3 | wire);
}

/* int32 / int64 / enum: negative values are sign-extended to 10 bytes. */
static void w_int(pbw *w, uint32_t field, int64_t v) {
  w_tag(w, field, WICK_PB_VARINT);
  w_varint(w, (uint64_t)v);
}

static void w_fixed32(pbw *w, uint32_t field, uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  w_tag(w, field, WICK_PB_FIXED32);
  w_raw(w, b, 4);
}

static void w_f32(pbw *w, uint32_t field, float f) {
  uint32_t bits;
  memcpy(&bits, &f, 4);
  w_fixed32(w, field, bits);
}

static void w_fixed64(pbw *w, uint32_t field, uint64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
  w_tag(w, field, WICK_PB_FIXED64);
  w_raw(w, b, 8);
}

static void w_bytes(pbw *w, uint32_t field, const void *data, size_t n) {
  w_tag(w, field, WICK_PB_LEN);
  w_varint(w, n);
  w_raw(w, data, n);
}

static void w_str(pbw *w, uint32_t field, const char *s) {
  w_bytes(w, field, s, strlen(s));
}

/* Appends sub as a length-delimited field and releases it. */
static void w_msg(pbw *w, uint32_t field, pbw *sub) {
  w_bytes(w, field, sub->p, sub->n);
  w_free(sub);
}

static void w_packed_ints(pbw *w, uint32_t field, const int64_t *v, size_t n) {
  pbw body = {0};
  for (size_t i = 0; i < n; i++) w_varint(&body, (uint64_t)v[i]);
  w_msg(w, field, &body);
}

static void w_packed_f32(pbw *w, uint32_t field, const float *v, size_t n) {
  pbw body = {0};
  for (size_t i = 0; i < n; i++) w_raw(&body, &v[i], 4); /* little-endian host */
  w_msg(w, field, &body);
}

static bool contains(const char *s, const char *sub) {
  return strstr(s, sub) != NULL;
}

/* ---- wire format ----------------------------------------------------------- */

static int varint_of(const uint8_t *b, size_t n, uint64_t *v, char *err) {
  const uint8_t *p = b;
  int r = wick_pb_read_varint(&p, b + n, v, err, WICK_PB_ERR_LEN);
  if (r == 0 && p != b + n) return 1; /* did not consume everything */
  return r;
}

static void test_varints(void) {
  char err[WICK_PB_ERR_LEN];
  uint64_t v;
  static const uint8_t one[] = {0x01}, b300[] = {0xAC, 0x02};
  static const uint8_t max[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  static const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                   0x80, 0x80, 0x80, 0x80, 0x01};
  static const uint8_t overflow[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
  static const uint8_t trunc[] = {0x80, 0x80};
  /* A non-minimal (padded) encoding of 1 is still valid protobuf. */
  static const uint8_t padded[] = {0x81, 0x80, 0x80, 0x00};
  CHECK(varint_of(one, sizeof one, &v, err) == 0 && v == 1);
  CHECK(varint_of(b300, sizeof b300, &v, err) == 0 && v == 300);
  CHECK(varint_of(max, sizeof max, &v, err) == 0 && v == UINT64_MAX);
  CHECK(varint_of(padded, sizeof padded, &v, err) == 0 && v == 1);
  CHECK(varint_of(eleven, sizeof eleven, &v, err) == -1 && contains(err, "longer than 10"));
  CHECK(varint_of(overflow, sizeof overflow, &v, err) == -1 && contains(err, "overflows"));
  CHECK(varint_of(trunc, sizeof trunc, &v, err) == -1 && contains(err, "truncated"));
  CHECK(varint_of(trunc, 0, &v, err) == -1);

  /* Negative int64 -> 10-byte varint, read back through the encoder. */
  pbw w = {0};
  w_varint(&w, (uint64_t)(int64_t)-2);
  CHECK(w.n == 10);
  CHECK(varint_of(w.p, w.n, &v, err) == 0 && (int64_t)v == -2);
  w_free(&w);

  /* Zigzag (sint32/sint64): not used by ONNX, but available. */
  CHECK(wick_pb_zigzag64(0) == 0);
  CHECK(wick_pb_zigzag64(1) == -1);
  CHECK(wick_pb_zigzag64(2) == 1);
  CHECK(wick_pb_zigzag64(3) == -2);
  CHECK(wick_pb_zigzag64(UINT64_MAX) == INT64_MIN);
  CHECK(wick_pb_zigzag64(UINT64_MAX - 1) == INT64_MAX);
  CHECK(wick_pb_zigzag32(0xFFFFFFFEu) == INT32_MAX);
  CHECK(wick_pb_zigzag32(0xFFFFFFFFu) == INT32_MIN);
}

static int next_of(const uint8_t *b, size_t n, wick_pb_field *f, char *err) {
  wick_pb_cursor c = {b, b + n};
  return wick_pb_next(&c, f, err, WICK_PB_ERR_LEN);
}

static void test_wire(void) {
  char err[WICK_PB_ERR_LEN];
  wick_pb_field f;
  pbw w = {0};
  w_fixed32(&w, 3, 0x3F800000u);
  CHECK(next_of(w.p, w.n, &f, err) == 1 && f.number == 3 && f.wire == WICK_PB_FIXED32 &&
        wick_pb_f32(f.value) == 1.0f);
  w.n = 0;
  w_fixed64(&w, 536870911u, 0x4000000000000000ull); /* largest field number */
  CHECK(next_of(w.p, w.n, &f, err) == 1 && f.number == 536870911u && wick_pb_f64(f.value) == 2.0);
  CHECK(next_of(w.p, w.n - 1, &f, err) == -1 && contains(err, "fixed64"));
  w.n = 0;
  w_str(&w, 9, "abc");
  CHECK(next_of(w.p, w.n, &f, err) == 1 && f.wire == WICK_PB_LEN && f.size == 3 &&
        memcmp(f.data, "abc", 3) == 0);
  CHECK(next_of(w.p, w.n - 1, &f, err) == -1 && contains(err, "length 3 runs past end"));
  w_free(&w);

  /* Groups, invalid wire types, field number 0, absurd lengths. */
  static const uint8_t group[] = {(1 << 3) | 3, 0x00};
  static const uint8_t endgroup[] = {(1 << 3) | 4};
  static const uint8_t wire6[] = {(1 << 3) | 6, 0x00};
  static const uint8_t field0[] = {0x00, 0x00};
  static const uint8_t huge_len[] = {(1 << 3) | 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                     0xFF,         0xFF, 0xFF, 0xFF, 0x01, 'x'};
  static const uint8_t len_2_63[] = {(1 << 3) | 2, 0x80, 0x80, 0x80, 0x80, 0x80,
                                     0x80,         0x80, 0x80, 0x80, 0x01};
  CHECK(next_of(group, sizeof group, &f, err) == -1 && contains(err, "groups"));
  CHECK(next_of(endgroup, sizeof endgroup, &f, err) == -1 && contains(err, "groups"));
  CHECK(next_of(wire6, sizeof wire6, &f, err) == -1 && contains(err, "wire type 6"));
  CHECK(next_of(field0, sizeof field0, &f, err) == -1 && contains(err, "field number 0"));
  CHECK(next_of(huge_len, sizeof huge_len, &f, err) == -1 && contains(err, "runs past end"));
  CHECK(next_of(len_2_63, sizeof len_2_63, &f, err) == -1 && contains(err, "runs past end"));
  CHECK(next_of(group, 0, &f, err) == 0); /* empty message: end */

  /* Packed payloads. */
  uint64_t count;
  static const uint8_t pv[] = {0x01, 0xAC, 0x02, 0x7F};
  CHECK(wick_pb_packed_count(pv, sizeof pv, WICK_PB_SCALAR_VARINT, &count, err, sizeof err) == 0 &&
        count == 3);
  CHECK(wick_pb_packed_count(pv, 2, WICK_PB_SCALAR_VARINT, &count, err, sizeof err) == -1);
  CHECK(wick_pb_packed_count(pv, 4, WICK_PB_SCALAR_FIXED32, &count, err, sizeof err) == 0 &&
        count == 1);
  CHECK(wick_pb_packed_count(pv, 3, WICK_PB_SCALAR_FIXED32, &count, err, sizeof err) == -1);
  CHECK(wick_pb_packed_count(pv, 4, WICK_PB_SCALAR_FIXED64, &count, err, sizeof err) == -1);
}

/* ---- ONNX builders ---------------------------------------------------------- */

enum {
  T_FLOAT = 1,
  T_INT8 = 3,
  T_INT32 = 6,
  T_INT64 = 7,
  T_STRING = 8,
  T_BOOL = 9,
  T_F16 = 10,
  T_DOUBLE = 11,
  T_UINT32 = 12,
  T_BF16 = 16
};

/* ValueInfoProto with a tensor type; dims < 0 become dim_param "N". */
static pbw value_info(const char *name, int elem, const int64_t *dims, int rank) {
  pbw shape = {0};
  for (int i = 0; i < rank; i++) {
    pbw dim = {0};
    if (dims[i] >= 0)
      w_int(&dim, 1, dims[i]);
    else
      w_str(&dim, 2, "N");
    w_msg(&shape, 1, &dim);
  }
  pbw tt = {0};
  w_int(&tt, 1, elem);
  w_msg(&tt, 2, &shape);
  pbw type = {0};
  w_msg(&type, 1, &tt);
  pbw vi = {0};
  w_str(&vi, 1, name);
  w_msg(&vi, 2, &type);
  return vi;
}

static pbw attr_int(const char *name, int64_t v) {
  pbw a = {0};
  w_str(&a, 1, name);
  w_int(&a, 20, 2);
  w_int(&a, 3, v);
  return a;
}

/* A node with the given op_type, name, inputs/outputs (NULL-terminated). */
static pbw node(const char *op, const char *name, const char *const *in, const char *const *out) {
  pbw n = {0};
  for (; in && *in; in++) w_str(&n, 1, *in);
  for (; out && *out; out++) w_str(&n, 2, *out);
  if (name) w_str(&n, 3, name);
  w_str(&n, 4, op);
  return n;
}

/* A model wrapping one graph (consumed), with opset "" 17. */
static pbw model_of(pbw *graph) {
  pbw m = {0};
  w_int(&m, 1, 8);
  pbw opset = {0};
  w_str(&opset, 1, "");
  w_int(&opset, 2, 17);
  w_msg(&m, 8, &opset);
  w_msg(&m, 7, graph);
  return m;
}

static float f16_bits_to_f32(uint16_t h) {
  return wick_f16_to_f32(h);
}

/* The feature model used by the decoding test and the truncation test. */
static pbw build_feature_model(void) {
  pbw m = {0};
  w_int(&m, 1, 8);                          /* ir_version */
  w_str(&m, 2, "pytorch");                  /* producer_name */
  w_str(&m, 3, "2.4.0");                    /* producer_version */
  w_int(&m, 5, -7);                         /* model_version (negative: 10-byte varint) */
  w_int(&m, 99, 12345);                     /* unknown varint field */
  w_fixed32(&m, 98, 0xDEADBEEFu);           /* unknown fixed32 */
  w_fixed64(&m, 97, 0x0123456789ABCDEFull); /* unknown fixed64 */
  w_str(&m, 1000, "unknown bytes");         /* unknown length-delimited */
  pbw opset = {0};
  w_str(&opset, 1, "");
  w_int(&opset, 2, 13);
  w_msg(&m, 8, &opset);
  opset = (pbw){0};
  w_str(&opset, 1, "ai.onnx");
  w_int(&opset, 2, 17);
  w_msg(&m, 8, &opset);
  opset = (pbw){0};
  w_str(&opset, 1, "com.microsoft");
  w_int(&opset, 2, 1);
  w_msg(&m, 8, &opset);
  pbw meta = {0};
  w_str(&meta, 1, "author");
  w_str(&meta, 2, "wick");
  w_msg(&m, 14, &meta);

  pbw g = {0};
  w_str(&g, 2, "main");
  w_str(&g, 10, "graph doc string (skipped)");

  /* node[0]: Conv with an absent optional bias, attributes of every kind. */
  static const char *const conv_in[] = {"x", "w", "", NULL};
  static const char *const conv_out[] = {"y", NULL};
  pbw n = node("Conv", "conv1", conv_in, conv_out);
  w_str(&n, 6, "node doc (skipped)");
  static const int64_t ks[] = {3, 3};
  pbw a = {0};
  w_str(&a, 1, "kernel_shape");
  w_int(&a, 20, 7);
  w_packed_ints(&a, 8, ks, 2); /* packed */
  w_msg(&n, 5, &a);
  a = (pbw){0};
  w_str(&a, 1, "pads");
  w_int(&a, 20, 7);
  for (int i = 0; i < 4; i++) w_int(&a, 8, i == 3 ? -1 : 1); /* unpacked, one negative */
  w_msg(&n, 5, &a);
  a = attr_int("group", 1);
  w_msg(&n, 5, &a);
  a = attr_int("axis", -1);
  w_msg(&n, 5, &a);
  a = (pbw){0};
  w_str(&a, 1, "alpha");
  w_int(&a, 20, 1);
  w_f32(&a, 2, 0.5f);
  w_msg(&n, 5, &a);
  a = (pbw){0};
  w_str(&a, 1, "auto_pad");
  w_int(&a, 20, 3);
  w_str(&a, 4, "NOTSET");
  w_msg(&n, 5, &a);
  a = (pbw){0};
  w_str(&a, 1, "scales");
  w_int(&a, 20, 6);
  static const float sc[] = {1.5f, -2.0f};
  w_packed_f32(&a, 7, sc, 1); /* packed then unpacked: both append */
  w_f32(&a, 7, sc[1]);
  w_msg(&n, 5, &a);
  a = (pbw){0};
  w_str(&a, 1, "modes");
  w_int(&a, 20, 8);
  w_str(&a, 9, "a");
  w_str(&a, 9, "bc");
  w_msg(&n, 5, &a);
  a = (pbw){0}; /* no type field (IR version 1 style): inferred as INTS */
  w_str(&a, 1, "untyped");
  w_int(&a, 8, 42);
  w_msg(&n, 5, &a);
  w_msg(&g, 1, &n);

  /* node[1]: If with a then_branch subgraph holding a Constant with a tensor. */
  static const char *const if_in[] = {"cond", NULL};
  static const char *const if_out[] = {"z", NULL};
  n = node("If", "if0", if_in, if_out);
  pbw sub = {0};
  w_str(&sub, 2, "then");
  static const char *const c_out[] = {"c", NULL};
  pbw cn = node("Constant", NULL, NULL, c_out);
  pbw t = {0};
  w_int(&t, 1, 2);
  w_int(&t, 2, T_FLOAT);
  static const float cv[] = {0.25f, -3.0f};
  w_packed_f32(&t, 4, cv, 2);
  a = (pbw){0};
  w_str(&a, 1, "value");
  w_int(&a, 20, 4);
  w_msg(&a, 5, &t);
  w_msg(&cn, 5, &a);
  w_msg(&sub, 1, &cn);
  static const int64_t two[] = {2};
  pbw vi = value_info("c", T_FLOAT, two, 1);
  w_msg(&sub, 12, &vi);
  a = (pbw){0};
  w_str(&a, 1, "then_branch");
  w_int(&a, 20, 5);
  w_msg(&a, 6, &sub);
  w_msg(&n, 5, &a);
  w_str(&n, 7, "");
  w_msg(&g, 1, &n);

  /* initializers: w (raw float), i64 (packed int64_data), i8 (unpacked
   * int32_data), h (float16 bits in int32_data), b (bool), d (double_data),
   * u32 (uint64_data). */
  t = (pbw){0};
  static const int64_t wdims[] = {1, 1, 1, 2};
  w_packed_ints(&t, 1, wdims, 4);
  w_int(&t, 2, T_FLOAT);
  w_str(&t, 8, "w");
  static const float wv[] = {1.0f, -0.5f};
  w_bytes(&t, 9, wv, sizeof wv);
  w_msg(&g, 5, &t);
  t = (pbw){0};
  w_int(&t, 1, 3);
  w_int(&t, 2, T_INT64);
  w_str(&t, 8, "i64");
  static const int64_t iv[] = {-1, INT64_MAX, INT64_MIN};
  w_packed_ints(&t, 7, iv, 3);
  w_msg(&g, 5, &t);
  t = (pbw){0};
  w_int(&t, 1, 2);
  w_int(&t, 2, T_INT8);
  w_str(&t, 8, "i8");
  w_int(&t, 5, -128);
  w_int(&t, 5, 127);
  w_msg(&g, 5, &t);
  t = (pbw){0};
  w_int(&t, 2, T_F16); /* rank 0: one element */
  w_str(&t, 8, "h");
  w_int(&t, 5, 0x3C00); /* 1.0 */
  w_msg(&g, 5, &t);
  t = (pbw){0};
  w_int(&t, 1, 3);
  w_int(&t, 2, T_BOOL);
  w_str(&t, 8, "b");
  static const int64_t bv[] = {1, 0, 5};
  w_packed_ints(&t, 5, bv, 3);
  w_msg(&g, 5, &t);
  t = (pbw){0};
  w_int(&t, 1, 1);
  w_int(&t, 2, T_DOUBLE);
  w_str(&t, 8, "d");
  w_fixed64(&t, 10, 0xC00C000000000000ull); /* -3.5, unpacked */
  w_msg(&g, 5, &t);
  t = (pbw){0};
  w_int(&t, 1, 2);
  w_int(&t, 2, T_UINT32);
  w_str(&t, 8, "u32");
  static const int64_t uv[] = {(int64_t)0xFFFFFFFFu, 7};
  w_packed_ints(&t, 11, uv, 2);
  w_msg(&g, 5, &t);

  /* inputs, outputs, value_info (one with a sequence type, one optional). */
  static const int64_t xdims[] = {-1, 1, 5, 5};
  vi = value_info("x", T_FLOAT, xdims, 4);
  w_msg(&g, 11, &vi);
  vi = value_info("cond", T_BOOL, NULL, 0);
  w_msg(&g, 11, &vi);
  static const int64_t ydims[] = {-1, 1, 3, 4};
  vi = value_info("y", T_FLOAT, ydims, 4);
  w_msg(&g, 12, &vi);
  pbw inner = {0};
  pbw tt = {0};
  w_int(&tt, 1, T_FLOAT);
  w_msg(&inner, 1, &tt);
  pbw seq = {0};
  w_msg(&seq, 1, &inner);
  pbw type = {0};
  w_msg(&type, 4, &seq);
  vi = (pbw){0};
  w_str(&vi, 1, "s");
  w_msg(&vi, 2, &type);
  w_msg(&g, 13, &vi);
  pbw opt = {0};
  type = (pbw){0};
  w_msg(&type, 9, &opt);
  vi = (pbw){0};
  w_str(&vi, 1, "o");
  w_msg(&vi, 2, &type);
  w_msg(&g, 13, &vi);
  w_msg(&m, 7, &g);

  /* A model-local function whose body uses an attribute reference. */
  pbw fn = {0};
  w_str(&fn, 1, "MyRelu");
  w_str(&fn, 10, "local");
  w_str(&fn, 4, "X");
  w_str(&fn, 5, "Y");
  w_str(&fn, 6, "alpha");
  static const char *const fin[] = {"X", NULL};
  static const char *const fout[] = {"Y", NULL};
  pbw fnode = node("LeakyRelu", NULL, fin, fout);
  a = (pbw){0};
  w_str(&a, 1, "alpha");
  w_int(&a, 20, 1);
  w_str(&a, 21, "alpha");
  w_msg(&fnode, 5, &a);
  w_msg(&fn, 7, &fnode);
  opset = (pbw){0};
  w_int(&opset, 2, 18);
  w_msg(&fn, 9, &opset);
  w_msg(&m, 25, &fn);
  return m;
}

static void test_decode(void) {
  pbw bytes = build_feature_model();
  wick_diag d = {0};
  wick_onnx_model *m = wick_onnx_load_buffer(bytes.p, bytes.n, NULL, &d);
  CHECK_MSG(m != NULL, "%s", d.msg);
  w_free(&bytes); /* the model keeps its own copy */
  if (m == NULL) return;
  CHECK(m->ir_version == 8);
  CHECK(strcmp(m->producer_name, "pytorch") == 0 && strcmp(m->producer_version, "2.4.0") == 0);
  CHECK(m->model_version == -7);
  CHECK(strcmp(m->domain, "") == 0);
  CHECK(m->num_opset_imports == 3);
  CHECK(wick_onnx_opset_version(m, "") == 17); /* "" and "ai.onnx" are the same domain */
  CHECK(wick_onnx_opset_version(m, "ai.onnx") == 17);
  CHECK(wick_onnx_opset_version(m, NULL) == 17);
  CHECK(wick_onnx_opset_version(m, "com.microsoft") == 1);
  CHECK(wick_onnx_opset_version(m, "ai.onnx.ml") == 0);
  CHECK(m->num_metadata_props == 1 && strcmp(m->metadata_props[0].key, "author") == 0 &&
        strcmp(m->metadata_props[0].value, "wick") == 0);
  CHECK(strcmp(m->path, "<buffer>") == 0 && m->base_dir == NULL);

  const wick_onnx_graph *g = &m->graph;
  CHECK(m->has_graph && strcmp(g->name, "main") == 0);
  CHECK(g->num_nodes == 2 && g->num_initializers == 7);
  CHECK(g->num_inputs == 2 && g->num_outputs == 1 && g->num_value_infos == 2);

  const wick_onnx_node *conv = &g->nodes[0];
  CHECK(strcmp(conv->op_type, "Conv") == 0 && strcmp(conv->name, "conv1") == 0);
  CHECK(strcmp(conv->domain, "") == 0);
  CHECK(conv->num_inputs == 3 && strcmp(conv->inputs[0], "x") == 0 &&
        strcmp(conv->inputs[1], "w") == 0 && conv->inputs[2][0] == '\0');
  CHECK(conv->num_outputs == 1 && strcmp(conv->outputs[0], "y") == 0);
  CHECK(conv->num_attributes == 9);

  const int64_t *ints;
  uint32_t n;
  CHECK(wick_onnx_attr_ints(conv, "kernel_shape", &ints, &n, &d) == WICK_OK && n == 2 &&
        ints[0] == 3 && ints[1] == 3);
  CHECK(wick_onnx_attr_ints(conv, "pads", &ints, &n, &d) == WICK_OK && n == 4 && ints[0] == 1 &&
        ints[3] == -1);
  CHECK(wick_onnx_attr_ints(conv, "dilations", &ints, &n, &d) == WICK_OK && n == 0 && ints == NULL);
  int64_t iv;
  CHECK(wick_onnx_attr_int(conv, "group", 7, &iv, &d) == WICK_OK && iv == 1);
  CHECK(wick_onnx_attr_int(conv, "axis", 0, &iv, &d) == WICK_OK && iv == -1);
  CHECK(wick_onnx_attr_int(conv, "missing", 7, &iv, &d) == WICK_OK && iv == 7);
  float fv;
  CHECK(wick_onnx_attr_float(conv, "alpha", 0.0f, &fv, &d) == WICK_OK && fv == 0.5f);
  CHECK(wick_onnx_attr_float(conv, "beta", 2.0f, &fv, &d) == WICK_OK && fv == 2.0f);
  const char *sv;
  CHECK(wick_onnx_attr_string(conv, "auto_pad", "x", &sv, &d) == WICK_OK &&
        strcmp(sv, "NOTSET") == 0);
  CHECK(wick_onnx_attr_string(conv, "mode", "dflt", &sv, &d) == WICK_OK && strcmp(sv, "dflt") == 0);
  const float *floats;
  CHECK(wick_onnx_attr_floats(conv, "scales", &floats, &n, &d) == WICK_OK && n == 2 &&
        floats[0] == 1.5f && floats[1] == -2.0f);
  const wick_onnx_bytes *strs;
  CHECK(wick_onnx_attr_strings(conv, "modes", &strs, &n, &d) == WICK_OK && n == 2 &&
        strcmp(strs[1].data, "bc") == 0 && strs[1].size == 2);
  const wick_onnx_attribute *untyped = wick_onnx_node_attr(conv, "untyped");
  CHECK(untyped != NULL && untyped->type == WICK_ONNX_ATTR_INTS && untyped->num_ints == 1 &&
        untyped->ints[0] == 42);
  CHECK(d.status == WICK_OK);

  /* Type mismatches are errors that name node and attribute. */
  wick_diag d2 = {0};
  CHECK(wick_onnx_attr_int(conv, "alpha", 0, &iv, &d2) == WICK_ERR_MALFORMED);
  CHECK_MSG(contains(d2.msg, "Conv 'conv1'") && contains(d2.msg, "'alpha'") &&
                contains(d2.msg, "FLOAT") && contains(d2.msg, "expected INT"),
            "%s", d2.msg);

  /* The If node's subgraph. */
  const wick_onnx_node *ifn = &g->nodes[1];
  const wick_onnx_graph *sub = NULL;
  CHECK(wick_onnx_attr_graph(ifn, "then_branch", &sub, &d) == WICK_OK && sub != NULL);
  if (sub != NULL) {
    CHECK(strcmp(sub->name, "then") == 0 && sub->num_nodes == 1 && sub->num_outputs == 1);
    const wick_onnx_tensor *ct = NULL;
    CHECK(wick_onnx_attr_tensor(&sub->nodes[0], "value", &ct, &d) == WICK_OK && ct != NULL);
    wick_onnx_array arr;
    if (ct != NULL && wick_onnx_tensor_data(m, ct, &arr, &d) == WICK_OK) {
      CHECK(arr.dtype == WICK_F32 && arr.numel == 2 && arr.rank == 1 && arr.dims[0] == 2);
      CHECK(((float *)arr.data)[0] == 0.25f && ((float *)arr.data)[1] == -3.0f);
      wick_onnx_array_free(&arr);
    } else {
      CHECK_MSG(0, "%s", d.msg);
    }
  }

  /* Initializers of every typed field. */
  wick_onnx_array arr;
  const wick_onnx_tensor *t = wick_onnx_graph_initializer(g, "w");
  CHECK(t != NULL && t->rank == 4 && t->has_raw_data && t->raw_size == 8);
  CHECK(t != NULL && wick_onnx_tensor_data(m, t, &arr, &d) == WICK_OK);
  if (arr.data != NULL) {
    CHECK(arr.dtype == WICK_F32 && arr.numel == 2 && arr.nbytes == 8 && arr.rank == 4);
    CHECK(((const float *)arr.data)[1] == -0.5f && strcmp(arr.name, "w") == 0);
    CHECK(((uintptr_t)arr.data & 63) == 0);
    wick_onnx_array_free(&arr);
  }
  t = wick_onnx_graph_initializer(g, "i64");
  CHECK(t != NULL && t->num_int64_data == 3 && t->int64_data[0] == -1);
  CHECK(t != NULL && wick_onnx_tensor_data(m, t, &arr, &d) == WICK_OK);
  if (arr.data != NULL) {
    const int64_t *v = arr.data;
    CHECK(arr.dtype == WICK_I64 && v[0] == -1 && v[1] == INT64_MAX && v[2] == INT64_MIN);
    wick_onnx_array_free(&arr);
  }
  t = wick_onnx_graph_initializer(g, "i8");
  CHECK(t != NULL && wick_onnx_tensor_data(m, t, &arr, &d) == WICK_OK);
  if (arr.data != NULL) {
    const int8_t *v = arr.data;
    CHECK(arr.dtype == WICK_I8 && arr.nbytes == 2 && v[0] == -128 && v[1] == 127);
    wick_onnx_array_free(&arr);
  }
  t = wick_onnx_graph_initializer(g, "h");
  CHECK(t != NULL && t->rank == 0 && wick_onnx_tensor_data(m, t, &arr, &d) == WICK_OK);
  if (arr.data != NULL) {
    uint16_t hb;
    memcpy(&hb, arr.data, 2);
    CHECK(arr.dtype == WICK_F16 && arr.numel == 1 && f16_bits_to_f32(hb) == 1.0f);
    wick_onnx_array_free(&arr);
  }
  t = wick_onnx_graph_initializer(g, "b");
  CHECK(t != NULL && wick_onnx_tensor_data(m, t, &arr, &d) == WICK_OK);
  if (arr.data != NULL) {
    const uint8_t *v = arr.data;
    CHECK(arr.dtype == WICK_BOOL && v[0] == 1 && v[1] == 0 && v[2] == 1);
    wick_onnx_array_free(&arr);
  }
  t = wick_onnx_graph_initializer(g, "d");
  CHECK(t != NULL && wick_onnx_tensor_data(m, t, &arr, &d) == WICK_OK);
  if (arr.data != NULL) {
    CHECK(arr.dtype == WICK_F64 && ((const double *)arr.data)[0] == -3.5);
    wick_onnx_array_free(&arr);
  }
  t = wick_onnx_graph_initializer(g, "u32");
  CHECK(t != NULL && wick_onnx_tensor_data(m, t, &arr, &d) == WICK_OK);
  if (arr.data != NULL) {
    const uint32_t *v = arr.data;
    CHECK(arr.dtype == WICK_U32 && v[0] == 0xFFFFFFFFu && v[1] == 7);
    wick_onnx_array_free(&arr);
  }
  CHECK_MSG(d.status == WICK_OK, "%s", d.msg);

  /* Value types. */
  const wick_onnx_value_info *x = wick_onnx_graph_value_info(g, "x");
  CHECK(x != NULL && x->type.kind == WICK_ONNX_TYPE_TENSOR && x->type.elem_type == T_FLOAT);
  CHECK(x != NULL && x->type.has_shape && x->type.rank == 4 && !x->type.dims[0].has_value &&
        strcmp(x->type.dims[0].param, "N") == 0 && x->type.dims[3].has_value &&
        x->type.dims[3].value == 5);
  const wick_onnx_value_info *cond = wick_onnx_graph_value_info(g, "cond");
  CHECK(cond != NULL && cond->type.has_shape && cond->type.rank == 0); /* scalar */
  const wick_onnx_value_info *s = wick_onnx_graph_value_info(g, "s");
  CHECK(s != NULL && s->type.kind == WICK_ONNX_TYPE_SEQUENCE && s->type.elem != NULL &&
        s->type.elem->kind == WICK_ONNX_TYPE_TENSOR && s->type.elem->elem_type == T_FLOAT);
  const wick_onnx_value_info *o = wick_onnx_graph_value_info(g, "o");
  CHECK(o != NULL && o->type.kind == WICK_ONNX_TYPE_OPTIONAL && o->type.elem == NULL);
  CHECK(wick_onnx_graph_value_info(g, "nope") == NULL);

  /* Function. */
  CHECK(m->num_functions == 1);
  if (m->num_functions == 1) {
    const wick_onnx_function *fn = &m->functions[0];
    CHECK(strcmp(fn->name, "MyRelu") == 0 && strcmp(fn->domain, "local") == 0);
    CHECK(fn->num_inputs == 1 && fn->num_outputs == 1 && fn->num_attribute_names == 1);
    CHECK(fn->num_nodes == 1 && fn->nodes[0].num_attributes == 1 &&
          fn->nodes[0].attributes[0].ref_attr_name != NULL &&
          strcmp(fn->nodes[0].attributes[0].ref_attr_name, "alpha") == 0);
    CHECK(fn->num_opset_imports == 1 && fn->opset_imports[0].version == 18 &&
          fn->opset_imports[0].domain[0] == '\0');
  }
  wick_onnx_free(m);
}

/* ---- malformed models -------------------------------------------------------- */

/* Loads bytes and expects failure with `status` and a message containing
 * `want` (and the buffer's name). */
static void expect_fail(const pbw *bytes, wick_status status, const char *want, int line) {
  wick_diag d = {0};
  wick_onnx_model *m = wick_onnx_load_buffer(bytes->p, bytes->n, NULL, &d);
  if (m != NULL) {
    fprintf(stderr, "line %d: expected failure (%s)\n", line, want);
    wick_test_failures++;
    wick_onnx_free(m);
    return;
  }
  if (d.status != status || !contains(d.msg, want) || !contains(d.msg, "<buffer>")) {
    fprintf(stderr, "line %d: got %s '%s', expected %s containing '%s'\n", line,
            wick_status_name(d.status), d.msg, wick_status_name(status), want);
    wick_test_failures++;
  }
}
#define EXPECT_FAIL(bytes, status, want) expect_fail((bytes), (status), (want), __LINE__)

static void test_truncation(void) {
  pbw bytes = build_feature_model();
  size_t ok = 0, failed = 0;
  for (size_t cut = 0; cut < bytes.n; cut++) {
    /* A fresh allocation of exactly `cut` bytes so ASan sees any over-read. */
    uint8_t *p = malloc(cut ? cut : 1);
    if (p == NULL) abort();
    memcpy(p, bytes.p, cut);
    wick_diag d = {0};
    wick_onnx_model *m = wick_onnx_load_buffer(p, cut, NULL, &d);
    if (m != NULL) {
      ok++; /* cut at a top-level field boundary: a valid (shorter) model */
      wick_onnx_free(m);
    } else {
      failed++;
      CHECK_MSG(d.msg[0] != '\0' && d.status != WICK_OK, "cut %zu: no message", cut);
    }
    free(p);
  }
  /* Only top-level boundaries after the graph can give a valid model. */
  CHECK_MSG(ok <= 4 && failed >= bytes.n - 4, "ok %zu failed %zu", ok, failed);
  fprintf(stderr, "truncation: %zu prefixes, %zu rejected, %zu valid at field boundaries\n",
          bytes.n, failed, ok);
  w_free(&bytes);

  /* The same for a standalone TensorProto: every prefix is handled cleanly. */
  pbw t = {0};
  static const int64_t dims[] = {2, 3};
  w_packed_ints(&t, 1, dims, 2);
  w_int(&t, 2, T_FLOAT);
  w_str(&t, 8, "trunc");
  static const float v[6] = {1, 2, 3, 4, 5, 6};
  w_packed_f32(&t, 4, v, 6);
  for (size_t cut = 0; cut <= t.n; cut++) {
    uint8_t *p = malloc(cut ? cut : 1);
    if (p == NULL) abort();
    memcpy(p, t.p, cut);
    wick_onnx_array arr;
    wick_diag d = {0};
    wick_status s = wick_onnx_tensor_load_buffer(p, cut, NULL, &arr, &d);
    if (cut == t.n) {
      CHECK_MSG(s == WICK_OK && arr.numel == 6 && ((float *)arr.data)[5] == 6.0f, "%s", d.msg);
    } else {
      CHECK_MSG(s != WICK_OK && d.msg[0] != '\0' && arr.data == NULL, "cut %zu", cut);
    }
    wick_onnx_array_free(&arr);
    free(p);
  }
  w_free(&t);
}

static void test_malformed(void) {
  pbw w = {0};
  EXPECT_FAIL(&w, WICK_ERR_MALFORMED, "empty");

  /* ir_version with an 11-byte varint. */
  w_tag(&w, 1, WICK_PB_VARINT);
  static const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                   0x80, 0x80, 0x80, 0x80, 0x01};
  w_raw(&w, eleven, sizeof eleven);
  EXPECT_FAIL(&w, WICK_ERR_MALFORMED, "varint longer than 10 bytes");
  w_free(&w);

  /* A graph field whose length runs past the end. */
  w_tag(&w, 7, WICK_PB_LEN);
  w_varint(&w, 4096);
  w_raw(&w, "abc", 3);
  EXPECT_FAIL(&w, WICK_ERR_MALFORMED, "length 4096 runs past end of message (3 bytes left)");
  w_free(&w);

  /* The same inside an attribute: the message names the whole path. */
  {
    pbw g = {0};
    static const char *const in[] = {"x", NULL};
    static const char *const out[] = {"y", NULL};
    pbw n0 = node("Relu", "r0", in, out);
    w_msg(&g, 1, &n0);
    pbw n1 = node("Conv", "conv1", in, out);
    pbw a = attr_int("group", 1);
    w_msg(&n1, 5, &a);
    a = attr_int("axis", 0);
    w_msg(&n1, 5, &a);
    a = (pbw){0};
    w_str(&a, 1, "pads");
    w_int(&a, 20, 7);
    w_tag(&a, 8, WICK_PB_LEN);
    w_varint(&a, 4096);
    w_raw(&a, "\x01\x01", 2);
    w_msg(&n1, 5, &a);
    w_msg(&g, 1, &n1);
    pbw m = model_of(&g);
    EXPECT_FAIL(&m, WICK_ERR_MALFORMED,
                "<buffer>: graph.node[1] (Conv 'conv1').attribute[2] 'pads': field 8: "
                "length 4096 runs past end of message (2 bytes left)");
    w_free(&m);
  }

  /* Groups. */
  w_int(&w, 1, 8);
  w_tag(&w, 50, WICK_PB_START_GROUP);
  w_tag(&w, 50, WICK_PB_END_GROUP);
  EXPECT_FAIL(&w, WICK_ERR_MALFORMED, "groups");
  w_free(&w);

  /* A known field with the wrong wire type. */
  w_str(&w, 1, "eight");
  EXPECT_FAIL(&w, WICK_ERR_MALFORMED, "ir_version (1) has wire type length-delimited");
  w_free(&w);

  /* No graph. */
  w_int(&w, 1, 8);
  EXPECT_FAIL(&w, WICK_ERR_MALFORMED, "no graph");
  w_free(&w);

  /* Two graphs (merging singular messages is not supported). */
  {
    pbw g1 = {0}, g2 = {0};
    w_str(&g1, 2, "a");
    w_str(&g2, 2, "b");
    w_msg(&w, 7, &g1);
    w_msg(&w, 7, &g2);
    EXPECT_FAIL(&w, WICK_ERR_MALFORMED, "appears more than once");
    w_free(&w);
  }

  /* Sparse initializers, segments, ref_attr_name in a graph, sparse attributes. */
  {
    pbw g = {0};
    pbw sp = {0};
    w_msg(&g, 15, &sp);
    pbw m = model_of(&g);
    EXPECT_FAIL(&m, WICK_ERR_NOT_SUPPORTED, "sparse initializer");
    w_free(&m);
  }
  {
    pbw g = {0};
    pbw t = {0};
    w_str(&t, 8, "seg");
    pbw seg = {0};
    w_int(&seg, 1, 0);
    w_msg(&t, 3, &seg);
    w_msg(&g, 5, &t);
    pbw m = model_of(&g);
    EXPECT_FAIL(&m, WICK_ERR_NOT_SUPPORTED, "graph.initializer[0] 'seg': segmented");
    w_free(&m);
  }
  {
    pbw g = {0};
    pbw n = node("LeakyRelu", "lr", NULL, NULL);
    pbw a = {0};
    w_str(&a, 1, "alpha");
    w_int(&a, 20, 1);
    w_str(&a, 21, "alpha");
    w_msg(&n, 5, &a);
    w_msg(&g, 1, &n);
    pbw m = model_of(&g);
    EXPECT_FAIL(&m, WICK_ERR_NOT_SUPPORTED, "ref_attr_name");
    w_free(&m);
  }
  {
    pbw g = {0};
    pbw n = node("Constant", NULL, NULL, NULL);
    pbw a = {0};
    w_str(&a, 1, "sparse_value");
    w_int(&a, 20, 11);
    w_msg(&n, 5, &a);
    w_msg(&g, 1, &n);
    pbw m = model_of(&g);
    EXPECT_FAIL(&m, WICK_ERR_NOT_SUPPORTED,
                "graph.node[0] (Constant '').attribute[0] "
                "'sparse_value': sparse tensor");
    w_free(&m);
  }

  /* Packed payload that is not a whole number of floats. */
  {
    pbw g = {0};
    pbw t = {0};
    w_int(&t, 2, T_FLOAT);
    w_bytes(&t, 4, "\0\0\0\0\0", 5);
    w_msg(&g, 5, &t);
    pbw m = model_of(&g);
    EXPECT_FAIL(&m, WICK_ERR_MALFORMED, "not a multiple of 4");
    w_free(&m);
  }

  /* Two members of TypeProto's oneof. */
  {
    pbw g = {0};
    pbw type = {0}, a = {0}, b = {0};
    w_msg(&type, 1, &a);
    w_msg(&type, 4, &b);
    pbw vi = {0};
    w_str(&vi, 1, "v");
    w_msg(&vi, 2, &type);
    w_msg(&g, 11, &vi);
    pbw m = model_of(&g);
    EXPECT_FAIL(&m, WICK_ERR_MALFORMED, "graph.input[0] 'v'.type: TypeProto sets more than one");
    w_free(&m);
  }

  /* Deep nesting through If subgraphs: graph -> node -> attribute -> graph
   * costs 3 levels each. 15 levels of If are fine, 30 are not. */
  for (int levels = 15; levels <= 30; levels += 15) {
    pbw g = {0};
    w_str(&g, 2, "leaf");
    for (int i = 0; i < levels; i++) {
      pbw a = {0};
      w_str(&a, 1, "then_branch");
      w_int(&a, 20, 5);
      w_msg(&a, 6, &g);
      pbw n = node("If", "if", NULL, NULL);
      w_msg(&n, 5, &a);
      g = (pbw){0};
      w_msg(&g, 1, &n);
    }
    pbw m = model_of(&g);
    wick_diag d = {0};
    wick_onnx_model *mm = wick_onnx_load_buffer(m.p, m.n, NULL, &d);
    if (levels == 15) {
      CHECK_MSG(mm != NULL, "%s", d.msg);
    } else {
      /* The path keeps its outer and inner ends and says how much it left out. */
      CHECK_MSG(mm == NULL && d.status == WICK_ERR_MALFORMED &&
                    contains(d.msg, "<buffer>: graph.node[0] (If 'if').(") &&
                    contains(d.msg, "more levels).") &&
                    contains(d.msg, "g: node: messages nest deeper than 64 levels"),
                "%s", d.msg);
      fprintf(stderr, "deep nesting: %s\n", d.msg);
    }
    wick_onnx_free(mm);
    w_free(&m);
  }
  /* Deep TypeProto nesting (sequence of sequence of ...). */
  {
    pbw type = {0};
    pbw tt = {0};
    w_int(&tt, 1, T_FLOAT);
    w_msg(&type, 1, &tt);
    for (int i = 0; i < 200; i++) {
      pbw seq = {0};
      w_msg(&seq, 1, &type);
      type = (pbw){0};
      w_msg(&type, 4, &seq);
    }
    pbw vi = {0};
    w_str(&vi, 1, "deep");
    w_msg(&vi, 2, &type);
    pbw g = {0};
    w_msg(&g, 11, &vi);
    pbw m = model_of(&g);
    EXPECT_FAIL(&m, WICK_ERR_MALFORMED, "nest deeper than 64");
    w_free(&m);
  }
}

/* ---- tensor data --------------------------------------------------------------- */

/* Materializes a TensorProto built in `t` (consumed). */
static wick_status tensor_bytes(pbw *t, const char *base_dir, wick_onnx_array *arr, wick_diag *d) {
  wick_status s = wick_onnx_tensor_load_buffer(t->p, t->n, base_dir, arr, d);
  w_free(t);
  return s;
}

static void test_tensor_data(void) {
  wick_onnx_array arr;
  wick_diag d = {0};
  pbw t = {0};

  /* bfloat16 and int16 through int32_data. */
  w_int(&t, 1, 2);
  w_int(&t, 2, T_BF16);
  w_int(&t, 5, 0x3F80); /* 1.0 */
  w_int(&t, 5, 0xC000); /* -2.0 */
  CHECK(tensor_bytes(&t, NULL, &arr, &d) == WICK_OK && arr.dtype == WICK_BF16);
  if (arr.data) {
    uint16_t v[2];
    memcpy(v, arr.data, 4);
    CHECK(wick_bf16_to_f32(v[0]) == 1.0f && wick_bf16_to_f32(v[1]) == -2.0f);
    wick_onnx_array_free(&arr);
  }
  /* Empty tensor: no data needed. */
  w_int(&t, 1, 0);
  w_int(&t, 1, 4);
  w_int(&t, 2, T_FLOAT);
  CHECK(tensor_bytes(&t, NULL, &arr, &d) == WICK_OK && arr.numel == 0 && arr.nbytes == 0 &&
        arr.rank == 2);
  wick_onnx_array_free(&arr);
  CHECK_MSG(d.status == WICK_OK, "%s", d.msg);

  struct {
    const char *want;
    wick_status status;
  } cases[] = {
      {"raw_data has 3 bytes, expected 8", WICK_ERR_MALFORMED},
      {"float_data has 1 elements, expected 2", WICK_ERR_MALFORMED},
      {"int64_data is not valid", WICK_ERR_MALFORMED},
      {"has no data (expected 2 elements)", WICK_ERR_MALFORMED},
      {"data type STRING (8), which wick cannot represent", WICK_ERR_NOT_SUPPORTED},
      {"data type COMPLEX64 (14)", WICK_ERR_NOT_SUPPORTED},
      {"negative or overflowing dims", WICK_ERR_MALFORMED},
      {"negative or overflowing dims", WICK_ERR_MALFORMED},
      {"no data type (UNDEFINED)", WICK_ERR_MALFORMED},
      {"data_location 7", WICK_ERR_MALFORMED},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    t = (pbw){0};
    w_str(&t, 8, "bad");
    switch (i) {
      case 0:
        w_int(&t, 1, 2);
        w_int(&t, 2, T_FLOAT);
        w_bytes(&t, 9, "abc", 3);
        break;
      case 1:
        w_int(&t, 1, 2);
        w_int(&t, 2, T_FLOAT);
        w_f32(&t, 4, 1.0f);
        break;
      case 2:
        w_int(&t, 1, 2);
        w_int(&t, 2, T_FLOAT);
        w_int(&t, 7, 1);
        w_int(&t, 7, 2);
        break;
      case 3:
        w_int(&t, 1, 2);
        w_int(&t, 2, T_FLOAT);
        break;
      case 4:
        w_int(&t, 1, 1);
        w_int(&t, 2, T_STRING);
        w_str(&t, 6, "hello");
        break;
      case 5:
        w_int(&t, 1, 1);
        w_int(&t, 2, 14);
        break;
      case 6:
        w_int(&t, 1, -2);
        w_int(&t, 2, T_FLOAT);
        break;
      case 7:
        w_int(&t, 1, 1ll << 40);
        w_int(&t, 1, 1ll << 40);
        w_int(&t, 2, T_FLOAT);
        break;
      case 8: w_int(&t, 1, 1); break;
      case 9:
        w_int(&t, 2, T_FLOAT);
        w_int(&t, 14, 7);
        break;
    }
    wick_diag de = {0};
    wick_status s = tensor_bytes(&t, NULL, &arr, &de);
    CHECK_MSG(
        s == cases[i].status && contains(de.msg, cases[i].want) && contains(de.msg, "tensor 'bad'"),
        "case %zu: %s %s", i, wick_status_name(s), de.msg);
    CHECK(arr.data == NULL);
  }
}

static bool write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) return false;
  bool ok = fwrite(data, 1, n, f) == n;
  return fclose(f) == 0 && ok;
}

/* A FLOAT[2] TensorProto named "e" stored externally. NULL values are left out. */
static pbw external_tensor(const char *location, const char *offset, const char *length) {
  pbw t = {0};
  w_int(&t, 1, 2);
  w_int(&t, 2, T_FLOAT);
  w_str(&t, 8, "e");
  const char *keys[] = {"location", "offset", "length"};
  const char *vals[] = {location, offset, length};
  for (int i = 0; i < 3; i++) {
    if (vals[i] == NULL) continue;
    pbw kv = {0};
    w_str(&kv, 1, keys[i]);
    w_str(&kv, 2, vals[i]);
    w_msg(&t, 13, &kv);
  }
  w_int(&t, 14, 1);
  return t;
}

static void test_external_data(void) {
  char dir[] = "/tmp/wick_onnx_test_XXXXXX";
  if (mkdtemp(dir) == NULL) {
    CHECK_MSG(0, "mkdtemp failed");
    return;
  }
  char path[512], sub[512], model_path[512];
  snprintf(sub, sizeof sub, "%s/weights", dir);
  CHECK(mkdir(sub, 0700) == 0);
  /* 8 bytes of padding, then 2.5 and -1.0, then 4 bytes of trailer. */
  uint8_t blob[20] = {0};
  float vals[2] = {2.5f, -1.0f};
  memcpy(blob + 8, vals, 8);
  snprintf(path, sizeof path, "%s/weights/w.bin", dir);
  CHECK(write_file(path, blob, sizeof blob));

  wick_onnx_array arr;
  wick_diag d = {0};
  pbw t = external_tensor("weights/w.bin", "8", "8");
  CHECK_MSG(tensor_bytes(&t, dir, &arr, &d) == WICK_OK, "%s", d.msg);
  if (arr.data) {
    CHECK(((float *)arr.data)[0] == 2.5f && ((float *)arr.data)[1] == -1.0f);
    wick_onnx_array_free(&arr);
  }
  /* "./" components are fine. Without a length: the rest of the file must fit exactly. */
  snprintf(path, sizeof path, "%s/exact.bin", dir);
  CHECK(write_file(path, vals, 8));
  t = external_tensor("./exact.bin", NULL, NULL);
  CHECK_MSG(tensor_bytes(&t, dir, &arr, &d) == WICK_OK, "%s", d.msg);
  wick_onnx_array_free(&arr);

  struct {
    const char *loc, *off, *len, *want;
    wick_status status;
    bool with_dir;
  } cases[] = {
      {"/etc/passwd", NULL, NULL, "must be a relative path", WICK_ERR_MALFORMED, true},
      {"../w.bin", NULL, NULL, "without '..'", WICK_ERR_MALFORMED, true},
      {"weights/../../x", NULL, NULL, "without '..'", WICK_ERR_MALFORMED, true},
      {"weights/w.bin", "21", NULL, "offset 21 is past the end", WICK_ERR_MALFORMED, true},
      {"weights/w.bin", "16", "8", "runs past the end", WICK_ERR_MALFORMED, true},
      {"weights/w.bin", "18446744073709551615", "8", "past the end", WICK_ERR_MALFORMED, true},
      {"weights/w.bin", "8", "18446744073709551615", "runs past the end", WICK_ERR_MALFORMED, true},
      {"weights/w.bin", "99999999999999999999", NULL, "bad external data offset",
       WICK_ERR_MALFORMED, true},
      {"weights/w.bin", "-1", NULL, "bad external data offset", WICK_ERR_MALFORMED, true},
      {"weights/w.bin", "0", "12", "has 12 bytes, expected 8", WICK_ERR_MALFORMED, true},
      {"weights/w.bin", NULL, NULL, "has 20 bytes, expected 8", WICK_ERR_MALFORMED, true},
      {"weights/missing.bin", NULL, NULL, "missing.bin", WICK_ERR_MISSING_DATA, true},
      {"weights/w.bin", "8", "8", "needs the model's directory", WICK_ERR_MISSING_DATA, false},
      {NULL, NULL, NULL, "without a 'location'", WICK_ERR_MALFORMED, true},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    t = external_tensor(cases[i].loc, cases[i].off, cases[i].len);
    wick_diag de = {0};
    wick_status s = tensor_bytes(&t, cases[i].with_dir ? dir : NULL, &arr, &de);
    CHECK_MSG(
        s == cases[i].status && contains(de.msg, cases[i].want) && contains(de.msg, "tensor 'e'"),
        "case %zu: %s %s", i, wick_status_name(s), de.msg);
    CHECK(arr.data == NULL);
  }

  /* Through a model file: external data is found next to the model. */
  pbw g = {0};
  pbw init = external_tensor("weights/w.bin", "8", "8");
  w_msg(&g, 5, &init);
  pbw m = model_of(&g);
  snprintf(model_path, sizeof model_path, "%s/model.onnx", dir);
  CHECK(write_file(model_path, m.p, m.n));
  w_free(&m);
  wick_onnx_model *model = wick_onnx_load_file(model_path, &d);
  CHECK_MSG(model != NULL, "%s", d.msg);
  if (model != NULL) {
    CHECK(strcmp(model->base_dir, dir) == 0 && strcmp(model->path, model_path) == 0);
    CHECK_MSG(wick_onnx_tensor_data(model, &model->graph.initializers[0], &arr, &d) == WICK_OK,
              "%s", d.msg);
    if (arr.data) CHECK(((float *)arr.data)[0] == 2.5f);
    wick_onnx_array_free(&arr);
    wick_onnx_free(model);
  }
  /* A model file that is missing, and one that is garbage: errors name the file. */
  snprintf(path, sizeof path, "%s/nope.onnx", dir);
  wick_diag dm = {0};
  CHECK(wick_onnx_load_file(path, &dm) == NULL && dm.status == WICK_ERR_NOT_FOUND &&
        contains(dm.msg, "nope.onnx"));
  snprintf(path, sizeof path, "%s/bad.onnx", dir);
  CHECK(write_file(path, "\x3a\xff\x01", 3));
  dm = (wick_diag){0};
  CHECK(wick_onnx_load_file(path, &dm) == NULL && dm.status == WICK_ERR_MALFORMED &&
        contains(dm.msg, "bad.onnx: field 7: length 255 runs past end"));

  /* clean up */
  const char *files[] = {"weights/w.bin", "exact.bin", "model.onnx", "bad.onnx"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    unlink(path);
  }
  rmdir(sub);
  rmdir(dir);
}

/* ---- the ONNX conformance test data ------------------------------------------------ */

typedef struct stats {
  int models, models_ok;
  int tensor_files, tensor_ok, tensor_unsupported, tensor_non_tensor_value, tensor_failed;
  int type_mismatch, shape_mismatch;
  long nodes, attributes, subgraphs, functions, initializers;
  long tensors_materialized, tensors_unsupported, tensors_failed;
  long raw_tensors, typed_tensors, external_tensors;
} stats;

static void walk_graph(stats *st, const wick_onnx_model *m, const wick_onnx_graph *g);

static void walk_tensor(stats *st, const wick_onnx_model *m, const wick_onnx_tensor *t) {
  wick_onnx_array arr;
  wick_diag d = {0};
  if (t->data_location == 1)
    st->external_tensors++;
  else if (t->has_raw_data)
    st->raw_tensors++;
  else
    st->typed_tensors++;
  wick_status s = wick_onnx_tensor_data(m, t, &arr, &d);
  if (s == WICK_OK) {
    st->tensors_materialized++;
    /* touch every byte so sanitizers check the buffer */
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < arr.nbytes; i++) sink ^= ((const uint8_t *)arr.data)[i];
    (void)sink;
    wick_onnx_array_free(&arr);
  } else if (s == WICK_ERR_NOT_SUPPORTED) {
    st->tensors_unsupported++;
  } else {
    st->tensors_failed++;
    fprintf(stderr, "  tensor: %s\n", d.msg);
  }
}

static void walk_node(stats *st, const wick_onnx_model *m, const wick_onnx_node *n) {
  st->nodes++;
  for (uint32_t i = 0; i < n->num_attributes; i++) {
    const wick_onnx_attribute *a = &n->attributes[i];
    st->attributes++;
    if (a->t) walk_tensor(st, m, a->t);
    for (uint32_t k = 0; k < a->num_tensors; k++) walk_tensor(st, m, &a->tensors[k]);
    if (a->g) walk_graph(st, m, a->g);
    for (uint32_t k = 0; k < a->num_graphs; k++) walk_graph(st, m, &a->graphs[k]);
  }
}

static void walk_graph(stats *st, const wick_onnx_model *m, const wick_onnx_graph *g) {
  st->subgraphs++;
  for (uint32_t i = 0; i < g->num_initializers; i++) {
    st->initializers++;
    walk_tensor(st, m, &g->initializers[i]);
  }
  for (uint32_t i = 0; i < g->num_nodes; i++) walk_node(st, m, &g->nodes[i]);
}

static bool is_dir(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* out = a + "/" + b, truncated to n bytes (paths here are short). */
static void join(char *out, size_t n, const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la + 1 + lb + 1 > n) {
    out[0] = '\0';
    return;
  }
  memcpy(out, a, la);
  out[la] = '/';
  memcpy(out + la + 1, b, lb + 1);
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Checks one .pb tensor file against the value it feeds (may be NULL). */
static void check_tensor_file(stats *st, const char *path, const wick_onnx_value_info *vi) {
  st->tensor_files++;
  wick_onnx_array arr;
  wick_diag d = {0};
  wick_status s = wick_onnx_tensor_load_file(path, &arr, &d);
  bool tensor_value = vi == NULL || vi->type.kind == WICK_ONNX_TYPE_TENSOR;
  if (!tensor_value) {
    /* SequenceProto / OptionalProto files: not TensorProtos. Parsing them as
     * one must fail or succeed cleanly; either way they are counted apart. */
    st->tensor_non_tensor_value++;
    wick_onnx_array_free(&arr);
    return;
  }
  if (s == WICK_ERR_NOT_SUPPORTED) {
    st->tensor_unsupported++;
    return;
  }
  if (s != WICK_OK) {
    st->tensor_failed++;
    fprintf(stderr, "  %s\n", d.msg);
    return;
  }
  st->tensor_ok++;
  if (vi != NULL) {
    if (vi->type.elem_type != arr.data_type) {
      st->type_mismatch++;
      fprintf(stderr, "  %s: data type %d, model says %d\n", path, arr.data_type,
              vi->type.elem_type);
    }
    bool same = !vi->type.has_shape || vi->type.rank == arr.rank;
    for (uint32_t i = 0; same && vi->type.has_shape && i < arr.rank; i++)
      if (vi->type.dims[i].has_value && vi->type.dims[i].value != arr.dims[i]) same = false;
    if (!same) {
      st->shape_mismatch++;
      fprintf(stderr, "  %s: shape differs from the model's declaration\n", path);
    }
  }
  wick_onnx_array_free(&arr);
}

/* The graph inputs that are not initializers (old IR versions list both). */
static const wick_onnx_value_info *real_input(const wick_onnx_graph *g, uint32_t k) {
  for (uint32_t i = 0; i < g->num_inputs; i++) {
    if (wick_onnx_graph_initializer(g, g->inputs[i].name) != NULL) continue;
    if (k-- == 0) return &g->inputs[i];
  }
  return NULL;
}

static void run_test_dir(stats *st, const char *dir) {
  char path[1024];
  join(path, sizeof path, dir, "model.onnx");
  st->models++;
  wick_diag d = {0};
  wick_onnx_model *m = wick_onnx_load_file(path, &d);
  if (m == NULL) {
    fprintf(stderr, "  %s\n", d.msg);
  } else {
    st->models_ok++;
    st->functions += m->num_functions;
    walk_graph(st, m, &m->graph);
    for (uint32_t i = 0; i < m->num_functions; i++)
      for (uint32_t k = 0; k < m->functions[i].num_nodes; k++)
        walk_node(st, m, &m->functions[i].nodes[k]);
  }
  DIR *dd = opendir(dir);
  struct dirent *e;
  while (dd != NULL && (e = readdir(dd)) != NULL) {
    if (strncmp(e->d_name, "test_data_set_", 14) != 0) continue;
    char set[1024];
    join(set, sizeof set, dir, e->d_name);
    DIR *sd = opendir(set);
    struct dirent *f;
    while (sd != NULL && (f = readdir(sd)) != NULL) {
      int k;
      bool is_in = sscanf(f->d_name, "input_%d.pb", &k) == 1;
      bool is_out = !is_in && sscanf(f->d_name, "output_%d.pb", &k) == 1;
      if (!is_in && !is_out) continue;
      const wick_onnx_value_info *vi = NULL;
      if (m != NULL && k >= 0) {
        if (is_in)
          vi = real_input(&m->graph, (uint32_t)k);
        else if ((uint32_t)k < m->graph.num_outputs)
          vi = &m->graph.outputs[k];
      }
      join(path, sizeof path, set, f->d_name);
      check_tensor_file(st, path, vi);
    }
    if (sd) closedir(sd);
  }
  if (dd) closedir(dd);
  wick_onnx_free(m);
}

static void spot_checks(void) {
  wick_diag d = {0};
  /* node/test_add: one Add node (x, y) -> sum; opset 14; FLOAT[3,4,5] inputs. */
  wick_onnx_model *m = wick_onnx_load_file(shared_path("onnx-tests/node/test_add/model.onnx"), &d);
  CHECK_MSG(m != NULL, "%s", d.msg);
  if (m != NULL) {
    const wick_onnx_graph *g = &m->graph;
    CHECK(m->ir_version == 7 && strcmp(m->producer_name, "backend-test") == 0);
    CHECK(wick_onnx_opset_version(m, "") == 14);
    CHECK(g->num_nodes == 1 && strcmp(g->nodes[0].op_type, "Add") == 0);
    CHECK(g->nodes[0].num_inputs == 2 && strcmp(g->nodes[0].inputs[0], "x") == 0 &&
          strcmp(g->nodes[0].inputs[1], "y") == 0 && strcmp(g->nodes[0].outputs[0], "sum") == 0);
    CHECK(g->num_inputs == 2 && g->inputs[0].type.elem_type == T_FLOAT &&
          g->inputs[0].type.rank == 3 && g->inputs[0].type.dims[2].value == 5);
    wick_onnx_free(m);
  }
  /* node/test_add input_0.pb: dims as three unpacked varints (08 03 08 04 08 05),
   * raw_data starting 78 cc e1 3f = 0x3fe1cc78 = 1.7640524f, then
   * 68 e1 cc 3e = 0x3ecce168 = 0.40015721f. */
  wick_onnx_array arr;
  CHECK_MSG(
      wick_onnx_tensor_load_file(shared_path("onnx-tests/node/test_add/test_data_set_0/input_0.pb"),
                                 &arr, &d) == WICK_OK,
      "%s", d.msg);
  if (arr.data != NULL) {
    const float *v = arr.data;
    uint32_t bits;
    memcpy(&bits, &v[0], 4);
    CHECK(arr.dtype == WICK_F32 && arr.rank == 3 && arr.dims[0] == 3 && arr.dims[1] == 4 &&
          arr.dims[2] == 5 && arr.numel == 60 && strcmp(arr.name, "x") == 0);
    CHECK(bits == 0x3fe1cc78u && fabsf(v[1] - 0.40015721f) < 1e-7f);
    wick_onnx_array_free(&arr);
  }
  /* pytorch-converted/test_Conv1d: IR 3 from pytorch 0.3; initializer "1" is
   * the FLOAT[5,4,3] weight, listed among the inputs too. */
  m = wick_onnx_load_file(shared_path("onnx-tests/pytorch-converted/test_Conv1d/model.onnx"), &d);
  CHECK_MSG(m != NULL, "%s", d.msg);
  if (m != NULL) {
    const wick_onnx_graph *g = &m->graph;
    const wick_onnx_tensor *w = wick_onnx_graph_initializer(g, "1");
    CHECK(m->ir_version == 3 && strcmp(m->producer_name, "pytorch") == 0);
    CHECK(w != NULL && w->rank == 3 && w->dims[0] == 5 && w->dims[1] == 4 && w->dims[2] == 3 &&
          w->raw_size == 240);
    CHECK(g->num_nodes == 1 && strcmp(g->nodes[0].op_type, "Conv") == 0);
    const int64_t *ks;
    uint32_t n;
    CHECK(wick_onnx_attr_ints(&g->nodes[0], "kernel_shape", &ks, &n, &d) == WICK_OK && n == 1 &&
          ks[0] == 3);
    CHECK(real_input(g, 0) != NULL && strcmp(real_input(g, 0)->name, "0") == 0 &&
          real_input(g, 1) == NULL);
    wick_onnx_free(m);
  }
  /* node/test_if: both branches are subgraphs holding one Constant. */
  m = wick_onnx_load_file(shared_path("onnx-tests/node/test_if/model.onnx"), &d);
  CHECK_MSG(m != NULL, "%s", d.msg);
  if (m != NULL) {
    const wick_onnx_graph *then_g = NULL, *else_g = NULL;
    CHECK(wick_onnx_attr_graph(&m->graph.nodes[0], "then_branch", &then_g, &d) == WICK_OK);
    CHECK(wick_onnx_attr_graph(&m->graph.nodes[0], "else_branch", &else_g, &d) == WICK_OK);
    CHECK(then_g != NULL && strcmp(then_g->name, "then_body") == 0 && then_g->num_nodes == 1);
    CHECK(else_g != NULL && strcmp(else_g->name, "else_body") == 0);
    const wick_onnx_tensor *ct = NULL;
    if (then_g != NULL && wick_onnx_attr_tensor(&then_g->nodes[0], "value", &ct, &d) == WICK_OK &&
        ct != NULL && wick_onnx_tensor_data(m, ct, &arr, &d) == WICK_OK) {
      CHECK(arr.numel == 5 && arr.dtype == WICK_F32);
      fprintf(stderr, "test_if then_branch constant: %g %g %g %g %g\n", ((float *)arr.data)[0],
              ((float *)arr.data)[1], ((float *)arr.data)[2], ((float *)arr.data)[3],
              ((float *)arr.data)[4]);
      wick_onnx_array_free(&arr);
    }
    wick_onnx_free(m);
  }
}

static void test_shared_data(void) {
  if (!is_dir(shared_path("onnx-tests"))) {
    fprintf(stderr, "test_onnx_proto: %s not found, conformance data skipped\n",
            shared_path("onnx-tests"));
    return;
  }
  spot_checks();
  stats st;
  memset(&st, 0, sizeof st);
  static const char *const suites[] = {"node", "simple", "pytorch-converted", "pytorch-operator"};
  for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
    char suite[1024];
    join(suite, sizeof suite, shared_path("onnx-tests"), suites[i]);
    DIR *dd = opendir(suite);
    struct dirent *e;
    while (dd != NULL && (e = readdir(dd)) != NULL) {
      if (e->d_name[0] == '.') continue;
      char dir[1024];
      join(dir, sizeof dir, suite, e->d_name);
      if (is_dir(dir)) run_test_dir(&st, dir);
    }
    if (dd) closedir(dd);
  }
  /* light/: light_<name>.onnx with light_<name>_output_0.pb next to it. */
  char light[1024];
  snprintf(light, sizeof light, "%s", shared_path("onnx-tests/light"));
  DIR *ld = opendir(light);
  struct dirent *e;
  while (ld != NULL && (e = readdir(ld)) != NULL) {
    char path[1024];
    join(path, sizeof path, light, e->d_name);
    if (ends_with(e->d_name, ".onnx")) {
      st.models++;
      wick_diag d = {0};
      wick_onnx_model *m = wick_onnx_load_file(path, &d);
      if (m == NULL) {
        fprintf(stderr, "  %s\n", d.msg);
        continue;
      }
      st.models_ok++;
      walk_graph(&st, m, &m->graph);
      char out[1500];
      snprintf(out, sizeof out, "%.*s_output_0.pb", (int)(strlen(path) - 5), path);
      check_tensor_file(&st, out, m->graph.num_outputs > 0 ? &m->graph.outputs[0] : NULL);
      wick_onnx_free(m);
    }
  }
  if (ld) closedir(ld);

  fprintf(stderr,
          "onnx conformance data: models %d/%d parsed (%ld nodes, %ld attributes, %ld graphs, "
          "%ld functions); tensor files %d: %d ok, %d unsupported dtype, %d non-tensor values "
          "(sequence/optional), %d failed; dtype mismatches %d, shape mismatches %d; "
          "tensors in models: %ld materialized, %ld unsupported dtype, %ld failed "
          "(%ld raw_data, %ld typed fields, %ld external)\n",
          st.models_ok, st.models, st.nodes, st.attributes, st.subgraphs, st.functions,
          st.tensor_files, st.tensor_ok, st.tensor_unsupported, st.tensor_non_tensor_value,
          st.tensor_failed, st.type_mismatch, st.shape_mismatch, st.tensors_materialized,
          st.tensors_unsupported, st.tensors_failed, st.raw_tensors, st.typed_tensors,
          st.external_tensors);
  CHECK(st.models > 1900 && st.models_ok == st.models);
  CHECK(st.tensor_files > 6000 && st.tensor_failed == 0);
  CHECK(st.type_mismatch == 0 && st.shape_mismatch == 0);
  CHECK(st.tensors_failed == 0);
}

int main(void) {
  test_varints();
  test_wire();
  test_decode();
  test_truncation();
  test_malformed();
  test_tensor_data();
  test_external_data();
  test_shared_data();
  return test_finish("test_onnx_proto");
}
