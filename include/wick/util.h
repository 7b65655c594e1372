/* wick — host conveniences on top of the runtime: files (mmap), NumPy .npy
 * tensors, and methods whose arenas come from malloc. Firmware leaves these
 * out; they live in src/util and use POSIX. */
#ifndef WICK_UTIL_H
#define WICK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A read-only file image: mmap'd when possible, else read into malloc'd memory. */
typedef struct wick_file {
  void *data;
  size_t size;
  int mapped; /* 1: munmap on close; 0: free */
} wick_file;

wick_status wick_file_open(wick_file *f, const char *path, wick_diag *d);
void wick_file_close(wick_file *f);

/* ---- NumPy .npy (format versions 1.0, 2.0, 3.0) ---- */

/* Parses an in-memory .npy image without copying: dtype, shape and a pointer to
 * the payload. Rejects Fortran order, object/structured dtypes, big-endian
 * multi-byte types, truncated payloads, and ranks above WICK_MAX_DIM. */
wick_status wick_npy_parse(const void *data, size_t size, wick_tensor *header,
                           const void **payload, wick_diag *d);
/* Loads a .npy file into a malloc'd contiguous tensor (t->data owned by the
 * caller: free(t->data)). */
wick_status wick_npy_load(const char *path, wick_tensor *t, wick_diag *d);
/* Writes a tensor as .npy (v1.0) in logical row-major order, whatever its dim order. */
wick_status wick_npy_save(const char *path, const wick_tensor *t, wick_diag *d);

/* ---- methods with malloc'd arenas ---- */

typedef struct wick_loaded_method {
  wick_method *method;
  wick_method_meta meta;
  wick_arenas arenas;
  void *block;   /* single allocation holding every arena          */
  void *scratch; /* kernels' scratch memory (NULL when none needed) */
} wick_loaded_method;

wick_status wick_method_load_alloc(const wick_program *p, const char *name,
                                   wick_loaded_method *out, wick_diag *d);
void wick_method_free(wick_loaded_method *lm);

/* Peak resident set size of this process in KiB (0 when unknown). */
long wick_peak_rss_kb(void);
/* Monotonic clock in nanoseconds. */
uint64_t wick_now_ns(void);

#ifdef __cplusplus
}
#endif
#endif
