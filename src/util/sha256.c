/* SHA-256 (FIPS 180-4), and the digest of a program's constant data that
 * `wick convert` records in the program's metadata (docs/FORMAT.md). */
#include <inttypes.h>
#include <string.h>

#include "format/fb.h"
#include "format/pte.h"
#include "wick/util.h"

static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
    0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
    0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
    0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
    0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
    0xc67178f2u};

static uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static void block(uint32_t h[8], const uint8_t *p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           (uint32_t)p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += hh;
}

void wick_sha256_init(wick_sha256_ctx *s) {
  static const uint32_t H0[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
  memcpy(s->h, H0, sizeof H0);
  s->len = 0;
  s->fill = 0;
}

void wick_sha256_update(wick_sha256_ctx *s, const void *data, size_t n) {
  const uint8_t *p = data;
  s->len += n;
  if (s->fill) {
    size_t take = 64 - s->fill < n ? 64 - s->fill : n;
    memcpy(s->buf + s->fill, p, take);
    s->fill += (uint32_t)take;
    p += take;
    n -= take;
    if (s->fill < 64) return;
    block(s->h, s->buf);
    s->fill = 0;
  }
  for (; n >= 64; p += 64, n -= 64) block(s->h, p);
  if (n) memcpy(s->buf, p, n);
  s->fill = (uint32_t)n;
}

void wick_sha256_final(wick_sha256_ctx *s, uint8_t out[WICK_SHA256_BYTES]) {
  uint64_t bits = s->len * 8;
  static const uint8_t zeros[64] = {0x80};
  size_t pad = s->fill < 56 ? 56 - s->fill : 120 - s->fill;
  uint64_t keep = s->len;
  wick_sha256_update(s, zeros, pad);
  uint8_t len[8];
  for (int i = 0; i < 8; i++) len[i] = (uint8_t)(bits >> (56 - 8 * i));
  wick_sha256_update(s, len, 8);
  s->len = keep;
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)(s->h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
    out[4 * i + 3] = (uint8_t)s->h[i];
  }
}

void wick_sha256(const void *data, size_t n, uint8_t out[WICK_SHA256_BYTES]) {
  wick_sha256_ctx s;
  wick_sha256_init(&s);
  wick_sha256_update(&s, data, n);
  wick_sha256_final(&s, out);
}

char *wick_sha256_hex(const uint8_t digest[WICK_SHA256_BYTES], char hex[2 * WICK_SHA256_BYTES + 1]) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < WICK_SHA256_BYTES; i++) {
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 15];
  }
  hex[2 * WICK_SHA256_BYTES] = '\0';
  return hex;
}

void wick_sha256_constant(wick_sha256_ctx *s, const void *data, size_t n) {
  static const uint8_t zeros[WICK_CONSTANT_HASH_ALIGN] = {0};
  wick_sha256_update(s, data, n);
  if (n % WICK_CONSTANT_HASH_ALIGN)
    wick_sha256_update(s, zeros, WICK_CONSTANT_HASH_ALIGN - n % WICK_CONSTANT_HASH_ALIGN);
}

static wick_status unreadable(wick_diag *d, const fb_reader *r, const char *what) {
  return wick_diag_set(d, WICK_ERR_MALFORMED, "%s: %s", what, r->bad ? r->bad : "unreadable");
}

wick_status wick_program_constants_sha256(const wick_program *p,
                                          uint8_t out[WICK_SHA256_BYTES], uint32_t *count,
                                          wick_diag *d) {
  fb_reader r;
  fb_init(&r, p->data, (size_t)p->program_size);
  fb_table root = fb_table_at(&r, p->root);
  fb_vec cbuf = fb_get_vec(&r, &root, PROGRAM_CONSTANT_BUFFER, 4);
  fb_table cseg = fb_get_table(&r, &root, PROGRAM_CONSTANT_SEGMENT);
  if (r.bad) return unreadable(d, &r, "constants");
  wick_sha256_ctx s;
  wick_sha256_init(&s);
  uint32_t n = 0;
  if (cbuf.len > 1) {
    /* Legacy inline constants: Buffer {storage: [ubyte]}, entry 0 reserved. */
    for (uint32_t i = 1; i < cbuf.len; i++) {
      fb_table b = fb_vec_table(&r, cbuf, i);
      fb_vec st = fb_get_vec(&r, &b, BUFFER_STORAGE, 1);
      if (r.bad) return unreadable(d, &r, "constant_buffer");
      wick_sha256_constant(&s, p->data + st.pos, st.len);
      n++;
    }
  } else if (cseg.pos != 0) {
    fb_vec offs = fb_get_vec(&r, &cseg, SUBSEG_OFFSETS, 8);
    uint32_t seg = fb_get_u32(&r, &cseg, SUBSEG_SEGMENT_INDEX, 0);
    fb_vec segs = fb_get_vec(&r, &root, PROGRAM_SEGMENTS, 4);
    if (r.bad) return unreadable(d, &r, "constant_segment");
    if (offs.len > 1) {
      if (seg >= segs.len)
        return wick_diag_set(d, WICK_ERR_MALFORMED, "constant_segment: no segment %u", seg);
      fb_table st = fb_vec_table(&r, segs, seg);
      uint64_t off = fb_get_u64(&r, &st, DATA_SEGMENT_OFFSET, 0);
      uint64_t size = fb_get_u64(&r, &st, DATA_SEGMENT_SIZE, 0);
      if (r.bad) return unreadable(d, &r, "segments");
      uint64_t base = p->segment_base + off;
      if (base > p->size || size > p->size - base)
        return wick_diag_set(d, WICK_ERR_MALFORMED,
                             "constant segment %u (%" PRIu64 " bytes at %" PRIu64
                             ") lies past the end of the file",
                             seg, size, base);
      for (uint32_t i = 1; i < offs.len; i++) {
        uint64_t a = fb_vec_u64(&r, offs, i);
        uint64_t b = i + 1 < offs.len ? fb_vec_u64(&r, offs, i + 1) : size;
        if (r.bad) return unreadable(d, &r, "constant_segment offsets");
        if (a > b || b > size)
          return wick_diag_set(d, WICK_ERR_MALFORMED,
                               "constant %u: offsets %" PRIu64 "..%" PRIu64
                               " outside its segment (%" PRIu64 " bytes)",
                               i, a, b, size);
        wick_sha256_constant(&s, p->data + base + a, (size_t)(b - a));
        n++;
      }
    }
  }
  wick_sha256_final(&s, out);
  if (count) *count = n;
  return WICK_OK;
}

wick_status wick_program_check_integrity(const wick_program *p, wick_diag *d) {
  char want[2 * WICK_SHA256_BYTES + 8];
  wick_status s = wick_program_metadata(p, "constants_sha256", want, sizeof want, d);
  if (s != WICK_OK) return s;
  uint8_t got[WICK_SHA256_BYTES];
  uint32_t n = 0;
  s = wick_program_constants_sha256(p, got, &n, d);
  if (s != WICK_OK) return s;
  char hex[2 * WICK_SHA256_BYTES + 1];
  wick_sha256_hex(got, hex);
  if (strcmp(hex, want) != 0)
    return wick_diag_set(d, WICK_ERR_VERIFY_FAILED,
                         "constant data does not match the recorded digest: sha256 %s over %u "
                         "constant buffer%s, recorded %s",
                         hex, n, n == 1 ? "" : "s", want);
  return WICK_OK;
}
