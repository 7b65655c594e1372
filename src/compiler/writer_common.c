/* wick — helpers shared by the writers. */
#include "compiler/writer_common.h"

#include <stdlib.h>
#include <string.h>

bool wick_bytes_append(wick_bytes *b, const void *data, size_t n) {
  if (b->failed) return false;
  if (n > SIZE_MAX / 2 - b->size) {
    b->failed = true;
    return false;
  }
  if (b->size + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->size + n) cap *= 2;
    uint8_t *nd = realloc(b->data, cap);
    if (nd == NULL) {
      b->failed = true;
      return false;
    }
    b->data = nd;
    b->cap = cap;
  }
  if (n) {
    if (data)
      memcpy(b->data + b->size, data, n);
    else
      memset(b->data + b->size, 0, n);
  }
  b->size += n;
  return true;
}

bool wick_bytes_pad(wick_bytes *b, size_t align) {
  size_t target = wick_align_up(b->size, align);
  return wick_bytes_append(b, NULL, target - b->size);
}

void wick_bytes_free(wick_bytes *b) {
  free(b->data);
  memset(b, 0, sizeof(*b));
}

bool wick_array_push(void **items, uint32_t *count, uint32_t *cap, size_t elem_size,
                     const void *item) {
  if (*count == *cap) {
    uint32_t ncap = *cap ? *cap * 2 : 8;
    if (ncap < *cap) return false;
    void *n = realloc(*items, (size_t)ncap * elem_size);
    if (n == NULL) return false;
    *items = n;
    *cap = ncap;
  }
  memcpy((uint8_t *)*items + (size_t)*count * elem_size, item, elem_size);
  (*count)++;
  return true;
}

char *wick_strdup_or_null(const char *s, bool *failed) {
  if (s == NULL) return NULL;
  size_t n = strlen(s) + 1;
  char *c = malloc(n);
  if (c == NULL) {
    *failed = true;
    return NULL;
  }
  memcpy(c, s, n);
  return c;
}

void *wick_memdup(const void *p, size_t n, bool *failed) {
  if (p == NULL) return NULL;
  void *c = malloc(n ? n : 1);
  if (c == NULL) {
    *failed = true;
    return NULL;
  }
  if (n) memcpy(c, p, n);
  return c;
}

size_t wick_align_up(size_t v, size_t align) { return (v + align - 1) & ~(align - 1); }

void wick_put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

void wick_put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

uint8_t *wick_assemble_file(const uint8_t *fb, size_t fb_size, const uint8_t *header,
                            size_t header_len, size_t header_padded, size_t segment_base,
                            const uint8_t *segments, size_t segments_size, size_t *out_size) {
  if (header == NULL) header_padded = 0;
  size_t program_size = fb_size + header_padded;
  size_t total = segment_base ? segment_base + segments_size : program_size;
  if (fb_size < 8 || (segment_base && segment_base < program_size)) return NULL;
  uint8_t *out = calloc(total ? total : 1, 1);
  if (out == NULL) return NULL;
  /* root uoffset (moved past the header), identifier, header, rest. */
  uint32_t root = (uint32_t)(fb[0] | fb[1] << 8 | fb[2] << 16 | (uint32_t)fb[3] << 24);
  wick_put_u32(out, root + (uint32_t)header_padded);
  memcpy(out + 4, fb + 4, 4);
  if (header) memcpy(out + 8, header, header_len);
  memcpy(out + 8 + header_padded, fb + 8, fb_size - 8);
  if (segments_size) memcpy(out + segment_base, segments, segments_size);
  *out_size = total;
  return out;
}
