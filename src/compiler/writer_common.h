/* wick — small helpers shared by the .pte / .ptd / .bpte writers (internal). */
#ifndef WICK_COMPILER_WRITER_COMMON_H
#define WICK_COMPILER_WRITER_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer. */
typedef struct wick_bytes {
  uint8_t *data;
  size_t size, cap;
  bool failed; /* sticky allocation failure */
} wick_bytes;

bool wick_bytes_append(wick_bytes *b, const void *data, size_t n);
/* Appends zeros until size is a multiple of align. */
bool wick_bytes_pad(wick_bytes *b, size_t align);
void wick_bytes_free(wick_bytes *b);

/* Appends one element of elem_size bytes to a growable array; false on failure. */
bool wick_array_push(void **items, uint32_t *count, uint32_t *cap, size_t elem_size,
                     const void *item);

/* malloc'd copies (NULL in -> NULL out; *failed set on allocation failure). */
char *wick_strdup_or_null(const char *s, bool *failed);
void *wick_memdup(const void *p, size_t n, bool *failed);

size_t wick_align_up(size_t v, size_t align);
void wick_put_u32(uint8_t *p, uint32_t v);
void wick_put_u64(uint8_t *p, uint64_t v);

/* Builds a file from a finished flatbuffer `fb` (size a multiple of 16): its
 * first 8 bytes, then `header` (header_len bytes, zero-padded to
 * header_padded), then the rest of the flatbuffer, zero padding to
 * `segment_base`, then `segments`. The root offset is moved by header_padded.
 * header == NULL: no header. segment_base == 0: no segment area. */
uint8_t *wick_assemble_file(const uint8_t *fb, size_t fb_size, const uint8_t *header,
                            size_t header_len, size_t header_padded, size_t segment_base,
                            const uint8_t *segments, size_t segments_size, size_t *out_size);

#endif
