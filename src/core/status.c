/* Status names, messages and the caller-owned diagnostic. */
#include <string.h>

#include "wick/status.h"

static const char *const kNames[WICK_STATUS_COUNT] = {
    "WICK_OK",
    "WICK_ERR_INVALID_ARGUMENT",
    "WICK_ERR_MALFORMED",
    "WICK_ERR_NOT_FOUND",
    "WICK_ERR_NOT_SUPPORTED",
    "WICK_ERR_MISSING_KERNEL",
    "WICK_ERR_MISSING_BACKEND",
    "WICK_ERR_MISSING_DATA",
    "WICK_ERR_MEMORY",
    "WICK_ERR_INPUT_MISMATCH",
    "WICK_ERR_KERNEL",
    "WICK_ERR_IO",
    "WICK_ERR_VERIFY_FAILED",
};

static const char *const kMessages[WICK_STATUS_COUNT] = {
    "success",
    "invalid argument",
    "malformed program or data file",
    "not found",
    "not supported by this build of wick",
    "operator has no registered kernel",
    "delegate backend is not registered",
    "external tensor data was not provided",
    "memory arena too small or allocation failed",
    "input does not match the method's signature",
    "kernel rejected its arguments",
    "I/O error",
    "outputs differ from the expected outputs",
};

const char *wick_status_name(wick_status s) {
  if ((unsigned)s >= WICK_STATUS_COUNT) return "WICK_ERR_UNKNOWN";
  return kNames[s];
}

const char *wick_status_message(wick_status s) {
  if ((unsigned)s >= WICK_STATUS_COUNT) return "unknown status";
  return kMessages[s];
}

wick_status wick_diag_set(wick_diag *d, wick_status s, const char *fmt, ...) {
  if (d == NULL || s == WICK_OK) return s;
  if (d->status != WICK_OK) return s; /* first failure wins */
  d->status = s;
  va_list ap;
  va_start(ap, fmt);
  wick_vsnprintf(d->msg, sizeof d->msg, fmt, ap);
  va_end(ap);
  return s;
}

void wick_diag_prefix(wick_diag *d, const char *fmt, ...) {
  if (d == NULL) return;
  char old[WICK_DIAG_LEN];
  memcpy(old, d->msg, sizeof old);
  old[sizeof old - 1] = '\0';
  va_list ap;
  va_start(ap, fmt);
  int n = wick_vsnprintf(d->msg, sizeof d->msg, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  size_t used = (size_t)n < sizeof d->msg ? (size_t)n : sizeof d->msg - 1;
  if (old[0] != '\0' && used + 2 < sizeof d->msg) {
    memcpy(d->msg + used, ": ", 2);
    used += 2;
    size_t room = sizeof d->msg - 1 - used;
    size_t len = strlen(old);
    if (len > room) len = room;
    memcpy(d->msg + used, old, len);
    d->msg[used + len] = '\0';
  }
}

void wick_diag_clear(wick_diag *d) {
  if (d == NULL) return;
  d->status = WICK_OK;
  d->msg[0] = '\0';
}
