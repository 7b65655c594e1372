/* wick — host conveniences on top of the runtime: files (mmap), NumPy .npy
 * tensors, and methods whose arenas come from malloc. Firmware leaves these
 * out; they live in src/util and use POSIX. */
#ifndef WICK_UTIL_H
#define WICK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/bundled.h"
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

/* ---- bundled test cases (.bpte): run one case and compare its outputs ---- */

/* Default tolerances per floating dtype (a few units in the last place plus an
 * absolute floor near zero); integers and bools must be exact. */
#define WICK_VERIFY_RTOL_F32 1e-5
#define WICK_VERIFY_ATOL_F32 1e-6
#define WICK_VERIFY_RTOL_F16 2e-3
#define WICK_VERIFY_ATOL_F16 1e-5
#define WICK_VERIFY_RTOL_BF16 1.6e-2
#define WICK_VERIFY_ATOL_BF16 1e-4

typedef struct wick_verify_tolerance {
  double rtol, atol;
  bool has_rtol, has_atol; /* false: the dtype's default */
} wick_verify_tolerance;

/* The result of one case (accumulated over its outputs). */
typedef struct wick_case_result {
  double max_abs, max_rel; /* largest |got - want|, and relative to |want| != 0 */
  bool failed;
  char why[384];           /* the first failure, e.g. "output 0: 3 of 4 values ..." */
} wick_case_result;

/* The rtol / atol that apply to a dtype (tol may be NULL). */
void wick_verify_tolerance_for(const wick_verify_tolerance *tol, int dtype, double *rtol,
                               double *atol);
/* Sets the inputs of case `test_case` of suite `suite` on `m` (loaded from the
 * bundle's program; input tensors are copied into temporary aligned memory,
 * freed before returning, so set inputs again before the next execute),
 * executes, and compares every output (dtype, shape, then values: floats
 * within atol + rtol * |expected|, NaN matches NaN; others exact). WICK_OK
 * when the case passes; WICK_ERR_VERIFY_FAILED with res->why in d when not.
 * res may be NULL; tol NULL means the defaults. */
/* Element n (row-major logical index) of a tensor of any dim order, read
 * alignment-safely: its byte offset, as double, or as an integer (signed in
 * *i, or unsigned in *u with *is_unsigned set; floats give their bits). */
size_t wick_tensor_elem_offset(const wick_tensor *t, size_t n);
double wick_tensor_elem_f64(const wick_tensor *t, size_t n);
void wick_tensor_elem_int(const wick_tensor *t, size_t n, int64_t *i, uint64_t *u,
                          bool *is_unsigned);

wick_status wick_bundled_run_case(const wick_bundled *b, uint32_t suite, uint32_t test_case,
                                  wick_method *m, const wick_verify_tolerance *tol,
                                  wick_case_result *res, wick_diag *d);

/* ---- SHA-256 (FIPS 180-4) and model integrity ---- */

#define WICK_SHA256_BYTES 32

typedef struct wick_sha256_ctx {
  uint32_t h[8];
  uint64_t len;     /* bytes hashed so far */
  uint8_t buf[64];
  uint32_t fill;
} wick_sha256_ctx;

void wick_sha256_init(wick_sha256_ctx *s);
void wick_sha256_update(wick_sha256_ctx *s, const void *data, size_t n);
void wick_sha256_final(wick_sha256_ctx *s, uint8_t out[WICK_SHA256_BYTES]);
/* One-shot digest. */
void wick_sha256(const void *data, size_t n, uint8_t out[WICK_SHA256_BYTES]);
/* Lower-case hex of a digest into hex (65 bytes with the terminator); returns hex. */
char *wick_sha256_hex(const uint8_t digest[WICK_SHA256_BYTES], char hex[2 * WICK_SHA256_BYTES + 1]);

/* The constants digest recorded as `constants_sha256` in a program's metadata
 * (docs/FORMAT.md): every constant buffer in index order (1, 2, ...), each
 * followed by zero bytes up to a multiple of WICK_CONSTANT_HASH_ALIGN. The
 * same for the constant segment and legacy inline constant_buffer layouts. */
#define WICK_CONSTANT_HASH_ALIGN 16
/* Adds one constant buffer to a running digest (data, then the zero padding). */
void wick_sha256_constant(wick_sha256_ctx *s, const void *data, size_t n);
/* Recomputes that digest from a loaded program's constant data; *count (may
 * be NULL) receives the number of constant buffers hashed. */
wick_status wick_program_constants_sha256(const wick_program *p, uint8_t out[WICK_SHA256_BYTES],
                                          uint32_t *count, wick_diag *d);
/* Recomputes the digest and compares it with the program's recorded
 * `constants_sha256`: WICK_OK when they match, WICK_ERR_VERIFY_FAILED (both
 * digests in the message) when they differ, WICK_ERR_NOT_FOUND when the
 * program records none. */
wick_status wick_program_check_integrity(const wick_program *p, wick_diag *d);

/* Peak resident set size of this process in KiB (0 when unknown). */
long wick_peak_rss_kb(void);
/* Monotonic clock in nanoseconds. */
uint64_t wick_now_ns(void);

#ifdef __cplusplus
}
#endif
#endif
