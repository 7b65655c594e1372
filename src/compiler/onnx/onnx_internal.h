/* wick — ONNX reader internals shared by its .c files (not a public API). */
#ifndef WICK_COMPILER_ONNX_INTERNAL_H
#define WICK_COMPILER_ONNX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "compiler/onnx/onnx.h"
#include "wick/util.h"

/* A bump allocator: memory comes from a list of malloc'd chunks, is zeroed and
 * 16-byte aligned, and is only released all at once. */
typedef struct wick_onnx_chunk wick_onnx_chunk;
typedef struct wick_onnx_arena {
  wick_onnx_chunk *head; /* newest chunk (allocations come from it) */
  size_t total;          /* bytes obtained from malloc so far */
} wick_onnx_arena;

/* Zeroed, 16-byte aligned memory; NULL when malloc fails or size overflows. */
void *wick_onnx_arena_alloc(wick_onnx_arena *a, size_t size);
/* NUL-terminated copy of n bytes; NULL on allocation failure. */
char *wick_onnx_arena_strndup(wick_onnx_arena *a, const void *s, size_t n);
void wick_onnx_arena_free(wick_onnx_arena *a);

/* malloc'd directory part of a path ("." when it has none); NULL on failure. */
char *wick_onnx_dirname(const char *path);

/* What a model owns besides its structs. */
struct wick_onnx_storage {
  wick_onnx_arena arena; /* every struct, string and decoded array */
  wick_file file;        /* the mmap'd model file (load_file), or empty */
  void *copy;            /* malloc'd copy of the bytes (load_buffer), or NULL */
};

/* Decodes a ModelProto from bytes that outlive *m (raw_data points into them).
 * `file` names the source in messages. Fills *m except path/base_dir/storage. */
wick_status wick_onnx_parse_model(wick_onnx_arena *arena, const uint8_t *data, size_t size,
                                  const char *file, wick_onnx_model *m, wick_diag *d);
/* Decodes one TensorProto (a standalone .pb file). */
wick_status wick_onnx_parse_tensor(wick_onnx_arena *arena, const uint8_t *data, size_t size,
                                   const char *file, wick_onnx_tensor *t, wick_diag *d);

#endif
