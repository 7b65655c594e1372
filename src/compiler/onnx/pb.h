/* wick — a minimal protobuf wire-format reader (internal to the ONNX importer).
 *
 * Reads one field at a time from a bounded byte range. Every length is checked
 * in 64-bit arithmetic against the bytes that remain, varints are limited to
 * 10 bytes (and to 64 bits of value), groups (wire types 3 and 4) are rejected,
 * and nothing is allocated. Errors are reported as short English sentences in a
 * caller-provided buffer; the caller adds the file name and element path.
 *
 * Wire format facts used here (protobuf encoding spec):
 *   tag      = varint (field_number << 3 | wire_type), field_number >= 1
 *   wire 0   = varint            (int32, int64, uint64, bool, enum)
 *   wire 1   = 8 bytes LE        (fixed64, double)
 *   wire 2   = varint length + bytes (string, bytes, messages, packed repeated)
 *   wire 5   = 4 bytes LE        (fixed32, float)
 *   negative int32/int64 values are sign-extended to 64 bits (10-byte varints);
 *   sint32/sint64 use zigzag, which ONNX does not use.
 */
#ifndef WICK_COMPILER_ONNX_PB_H
#define WICK_COMPILER_ONNX_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
  WICK_PB_VARINT = 0,
  WICK_PB_FIXED64 = 1,
  WICK_PB_LEN = 2,
  WICK_PB_START_GROUP = 3,
  WICK_PB_END_GROUP = 4,
  WICK_PB_FIXED32 = 5
};

/* Largest field number protobuf allows (2^29 - 1). */
#define WICK_PB_MAX_FIELD 536870911u

/* The unread part of one message. */
typedef struct wick_pb_cursor {
  const uint8_t *pos; /* next byte to read */
  const uint8_t *end; /* one past the message's last byte */
} wick_pb_cursor;

/* One decoded field. */
typedef struct wick_pb_field {
  uint32_t number;     /* field number (1 .. WICK_PB_MAX_FIELD) */
  uint8_t wire;        /* WICK_PB_VARINT, _FIXED64, _LEN or _FIXED32 */
  uint64_t value;      /* payload of VARINT / FIXED64 / FIXED32 fields */
  const uint8_t *data; /* payload of LEN fields (inside the cursor's range) */
  size_t size;         /* payload bytes of LEN fields */
  const uint8_t *at;   /* where the field's tag starts (for messages) */
} wick_pb_field;

/* Error buffer size that holds every message this reader writes. */
#define WICK_PB_ERR_LEN 128

/* Reads a varint at *p (not past end), advancing *p. Returns 0 on success, or
 * writes a reason to err (err_size bytes) and returns -1: truncated, longer
 * than 10 bytes, or overflowing 64 bits. */
int wick_pb_read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out, char *err,
                        size_t err_size);

/* Reads the next field of a message.
 * Returns 1 with *f filled, 0 at the end of the message, -1 on malformed input
 * (reason in err). On -1 the cursor is left where the bad field starts. */
int wick_pb_next(wick_pb_cursor *c, wick_pb_field *f, char *err, size_t err_size);

/* Scalar element encodings of a packed repeated field. */
typedef enum wick_pb_scalar {
  WICK_PB_SCALAR_VARINT = 0,  /* int32, int64, uint64, bool, enum */
  WICK_PB_SCALAR_FIXED32 = 1, /* float, fixed32 */
  WICK_PB_SCALAR_FIXED64 = 2  /* double, fixed64 */
} wick_pb_scalar;

/* Counts the elements of a packed repeated field's payload. Fails (-1) when
 * the payload is not a whole number of elements or ends inside a varint. */
int wick_pb_packed_count(const uint8_t *data, size_t size, wick_pb_scalar kind, uint64_t *count,
                         char *err, size_t err_size);

/* Reads one packed element at *p, advancing it. Returns 0 or -1 (reason in err). */
int wick_pb_packed_next(const uint8_t **p, const uint8_t *end, wick_pb_scalar kind, uint64_t *out,
                        char *err, size_t err_size);

/* Wire type that an unpacked element of this scalar kind uses. */
uint8_t wick_pb_scalar_wire(wick_pb_scalar kind);

/* Zigzag decoding (sint32 / sint64). ONNX itself never uses it. */
int64_t wick_pb_zigzag64(uint64_t v);
int32_t wick_pb_zigzag32(uint32_t v);

/* Reinterpretations of fixed32 / fixed64 payloads. */
float wick_pb_f32(uint64_t v);
double wick_pb_f64(uint64_t v);

/* "varint", "fixed64", "length-delimited", "start-group", "end-group",
 * "fixed32", or "invalid". */
const char *wick_pb_wire_name(unsigned wire);

#endif
