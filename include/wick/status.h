/* wick — status codes and caller-owned diagnostics.
 *
 * Every fallible call returns a wick_status. Detail travels in a wick_diag the
 * caller owns (never a global), e.g. "value 7: offset 4096 past end of segment 0".
 */
#ifndef WICK_STATUS_H
#define WICK_STATUS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wick_status {
  WICK_OK = 0,
  WICK_ERR_INVALID_ARGUMENT,  /* a caller passed something unusable */
  WICK_ERR_MALFORMED,         /* the file/buffer is not a valid program / data file */
  WICK_ERR_NOT_FOUND,         /* a named method, key or file does not exist */
  WICK_ERR_NOT_SUPPORTED,     /* valid, but uses a feature wick does not implement */
  WICK_ERR_MISSING_KERNEL,    /* the program calls an operator with no registered kernel */
  WICK_ERR_MISSING_BACKEND,   /* the program delegates to a backend that is not registered */
  WICK_ERR_MISSING_DATA,      /* a tensor's external data (.ptd) was not provided */
  WICK_ERR_MEMORY,            /* an arena is too small, or a host allocation failed */
  WICK_ERR_INPUT_MISMATCH,    /* an input has the wrong dtype, rank or shape */
  WICK_ERR_KERNEL,            /* a kernel rejected its arguments at run time */
  WICK_ERR_IO,                /* reading or writing a file failed */
  WICK_ERR_VERIFY_FAILED,     /* a bundled test case produced different outputs */
  WICK_STATUS_COUNT
} wick_status;

/* Short stable name of a status ("WICK_ERR_MALFORMED"). */
const char *wick_status_name(wick_status s);
/* One-sentence description of what a status means. */
const char *wick_status_message(wick_status s);

#define WICK_DIAG_LEN 320

/* Caller-owned diagnostic. Pass NULL where a call accepts one to skip detail. */
typedef struct wick_diag {
  wick_status status;
  char msg[WICK_DIAG_LEN];
} wick_diag;

/* Records a formatted message in *d (if d is non-NULL) and returns s. The first
 * failure wins: later calls do not overwrite an existing message. */
wick_status wick_diag_set(wick_diag *d, wick_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Prefixes the current message with "prefix: " (used to add file names). */
void wick_diag_prefix(wick_diag *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void wick_diag_clear(wick_diag *d);

/* printf-style formatting without stdio (the runtime core's own formatter):
 * flags '-' '0', width, precision, length hh h l ll z, conversions
 * d i u x X c s p f g e %. Returns the full length, like C99 vsnprintf. */
int wick_snprintf(char *buf, size_t n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int wick_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

#ifdef __cplusplus
}
#endif
#endif
