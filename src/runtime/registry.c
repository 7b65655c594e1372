/* Kernel registry: caller tables (newest first), then the built-in portable kernels. */
#include <string.h>

#include "wick/kernel.h"

static const wick_kernel *g_tables[WICK_MAX_KERNEL_TABLES];
static size_t g_counts[WICK_MAX_KERNEL_TABLES];
static size_t g_num_tables;

wick_status wick_register_kernels(const wick_kernel *table, size_t n) {
  if (table == NULL && n > 0) return WICK_ERR_INVALID_ARGUMENT;
  if (g_num_tables >= WICK_MAX_KERNEL_TABLES) return WICK_ERR_MEMORY;
  g_tables[g_num_tables] = table;
  g_counts[g_num_tables] = n;
  g_num_tables++;
  return WICK_OK;
}

static const wick_kernel *search(const wick_kernel *t, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i].name, name) == 0) return &t[i];
  return NULL;
}

const wick_kernel *wick_find_kernel(const char *name) {
  if (name == NULL) return NULL;
  for (size_t k = g_num_tables; k-- > 0;) {
    const wick_kernel *hit = search(g_tables[k], g_counts[k], name);
    if (hit) return hit;
  }
  return search(wick_portable_kernels, wick_portable_kernel_count, name);
}

const wick_kernel *wick_find_kernel2(const char *name, const char *overload) {
  char full[256];
  if (overload && overload[0])
    wick_snprintf(full, sizeof full, "%s.%s", name, overload);
  else
    wick_snprintf(full, sizeof full, "%s", name);
  return wick_find_kernel(full);
}

wick_status wick_kernel_fail(wick_kernel_ctx *ctx, wick_status s, const char *fmt, ...) {
  if (ctx == NULL || ctx->diag == NULL || ctx->diag->status != WICK_OK) return s;
  char msg[WICK_DIAG_LEN];
  va_list ap;
  va_start(ap, fmt);
  wick_vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return wick_diag_set(ctx->diag, s, "%s (instruction %u): %s",
                       ctx->op_name ? ctx->op_name : "kernel", (unsigned)ctx->instr_index, msg);
}
