/* Protobuf wire-format reader: varints, fixed-width scalars, length-delimited
 * payloads, packed repeated scalars. See pb.h. */
#include "compiler/onnx/pb.h"

#include <stdio.h>
#include <string.h>

int wick_pb_read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out, char *err,
                        size_t err_size) {
  const uint8_t *q = *p;
  uint64_t v = 0;
  for (unsigned i = 0; i < 10; i++) {
    if (q >= end) {
      snprintf(err, err_size, "truncated varint (message ends after %u byte%s of it)", i,
               i == 1 ? "" : "s");
      return -1;
    }
    uint8_t b = *q++;
    /* The 10th byte holds bit 63 only. */
    if (i == 9 && (b & 0x7E) != 0) {
      snprintf(err, err_size, "varint overflows 64 bits");
      return -1;
    }
    v |= (uint64_t)(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      *p = q;
      *out = v;
      return 0;
    }
  }
  snprintf(err, err_size, "varint longer than 10 bytes");
  return -1;
}

static uint64_t load_le(const uint8_t *p, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

const char *wick_pb_wire_name(unsigned wire) {
  switch (wire) {
    case WICK_PB_VARINT: return "varint";
    case WICK_PB_FIXED64: return "fixed64";
    case WICK_PB_LEN: return "length-delimited";
    case WICK_PB_START_GROUP: return "start-group";
    case WICK_PB_END_GROUP: return "end-group";
    case WICK_PB_FIXED32: return "fixed32";
    default: return "invalid";
  }
}

int wick_pb_next(wick_pb_cursor *c, wick_pb_field *f, char *err, size_t err_size) {
  if (c->pos >= c->end) return 0;
  const uint8_t *p = c->pos;
  memset(f, 0, sizeof *f);
  f->at = p;
  uint64_t tag;
  if (wick_pb_read_varint(&p, c->end, &tag, err, err_size) != 0) return -1;
  uint64_t number = tag >> 3;
  unsigned wire = (unsigned)(tag & 7);
  if (number == 0 || number > WICK_PB_MAX_FIELD) {
    snprintf(err, err_size, "invalid field number %llu", (unsigned long long)number);
    return -1;
  }
  f->number = (uint32_t)number;
  f->wire = (uint8_t)wire;
  /* Bytes left after the tag, in 64-bit arithmetic. */
  uint64_t left = (uint64_t)(c->end - p);
  switch (wire) {
    case WICK_PB_VARINT:
      if (wick_pb_read_varint(&p, c->end, &f->value, err, err_size) != 0) {
        size_t used = strlen(err);
        snprintf(err + used, err_size - used, " in field %u", f->number);
        return -1;
      }
      break;
    case WICK_PB_FIXED64:
      if (left < 8) {
        snprintf(err, err_size, "field %u: fixed64 needs 8 bytes, %llu left", f->number,
                 (unsigned long long)left);
        return -1;
      }
      f->value = load_le(p, 8);
      p += 8;
      break;
    case WICK_PB_FIXED32:
      if (left < 4) {
        snprintf(err, err_size, "field %u: fixed32 needs 4 bytes, %llu left", f->number,
                 (unsigned long long)left);
        return -1;
      }
      f->value = load_le(p, 4);
      p += 4;
      break;
    case WICK_PB_LEN: {
      uint64_t len;
      if (wick_pb_read_varint(&p, c->end, &len, err, err_size) != 0) {
        size_t used = strlen(err);
        snprintf(err + used, err_size - used, " in the length of field %u", f->number);
        return -1;
      }
      left = (uint64_t)(c->end - p);
      if (len > left) {
        snprintf(err, err_size, "field %u: length %llu runs past end of message (%llu bytes left)",
                 f->number, (unsigned long long)len, (unsigned long long)left);
        return -1;
      }
      f->data = p;
      f->size = (size_t)len;
      p += (size_t)len;
      break;
    }
    case WICK_PB_START_GROUP:
    case WICK_PB_END_GROUP:
      snprintf(err, err_size, "field %u: groups (wire type %u) are not supported", f->number, wire);
      return -1;
    default: snprintf(err, err_size, "field %u: invalid wire type %u", f->number, wire); return -1;
  }
  c->pos = p;
  return 1;
}

uint8_t wick_pb_scalar_wire(wick_pb_scalar kind) {
  switch (kind) {
    case WICK_PB_SCALAR_FIXED32: return WICK_PB_FIXED32;
    case WICK_PB_SCALAR_FIXED64: return WICK_PB_FIXED64;
    default: return WICK_PB_VARINT;
  }
}

int wick_pb_packed_count(const uint8_t *data, size_t size, wick_pb_scalar kind, uint64_t *count,
                         char *err, size_t err_size) {
  switch (kind) {
    case WICK_PB_SCALAR_FIXED32:
      if (size % 4 != 0) {
        snprintf(err, err_size, "packed fixed32 payload of %zu bytes is not a multiple of 4", size);
        return -1;
      }
      *count = size / 4;
      return 0;
    case WICK_PB_SCALAR_FIXED64:
      if (size % 8 != 0) {
        snprintf(err, err_size, "packed fixed64 payload of %zu bytes is not a multiple of 8", size);
        return -1;
      }
      *count = size / 8;
      return 0;
    default: {
      /* Every varint ends in exactly one byte with the high bit clear. */
      uint64_t n = 0;
      for (size_t i = 0; i < size; i++) n += (data[i] & 0x80) == 0;
      if (size > 0 && (data[size - 1] & 0x80) != 0) {
        snprintf(err, err_size, "packed varints end inside a varint");
        return -1;
      }
      *count = n;
      return 0;
    }
  }
}

int wick_pb_packed_next(const uint8_t **p, const uint8_t *end, wick_pb_scalar kind, uint64_t *out,
                        char *err, size_t err_size) {
  uint64_t left = (uint64_t)(end - *p);
  switch (kind) {
    case WICK_PB_SCALAR_FIXED32:
      if (left < 4) {
        snprintf(err, err_size, "truncated fixed32 element");
        return -1;
      }
      *out = load_le(*p, 4);
      *p += 4;
      return 0;
    case WICK_PB_SCALAR_FIXED64:
      if (left < 8) {
        snprintf(err, err_size, "truncated fixed64 element");
        return -1;
      }
      *out = load_le(*p, 8);
      *p += 8;
      return 0;
    default: return wick_pb_read_varint(p, end, out, err, err_size);
  }
}

int64_t wick_pb_zigzag64(uint64_t v) {
  /* (v >> 1) ^ -(v & 1), written without signed overflow. */
  uint64_t r = (v >> 1) ^ ((uint64_t)0 - (v & 1));
  int64_t out;
  memcpy(&out, &r, sizeof out);
  return out;
}

int32_t wick_pb_zigzag32(uint32_t v) {
  uint32_t r = (v >> 1) ^ ((uint32_t)0 - (v & 1));
  int32_t out;
  memcpy(&out, &r, sizeof out);
  return out;
}

float wick_pb_f32(uint64_t v) {
  uint32_t bits = (uint32_t)v;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

double wick_pb_f64(uint64_t v) {
  double x;
  memcpy(&x, &v, sizeof x);
  return x;
}
