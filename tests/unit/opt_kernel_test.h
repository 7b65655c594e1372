/* Helpers for the optimized-vs-portable kernel tests: kernel_test.h's value
 * constructors and g_diag, plus lookups of one op in the portable and the
 * optimized tables (to call both on the same arguments). */
#ifndef WICK_TEST_OPT_KERNEL_TEST_H
#define WICK_TEST_OPT_KERNEL_TEST_H

#include <string.h>

#include "kernel_test.h"
#include "wick/backend.h"

static inline const wick_kernel *in_table(const wick_kernel *t, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i].name, name) == 0) return &t[i];
  return NULL;
}
static inline const wick_kernel *portable(const char *name) {
  return in_table(wick_portable_kernels, wick_portable_kernel_count, name);
}
static inline const wick_kernel *optimized(const char *name) {
  return in_table(wick_optimized_kernels, wick_optimized_kernel_count, name);
}

#endif
