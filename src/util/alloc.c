/* Methods whose arenas come from one malloc'd block. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wick/backend.h"
#include "wick/util.h"

#define ARENA_ALIGN ((size_t)64)

/* Rounds n up to a multiple of ARENA_ALIGN; false on overflow. */
static bool round_up(uint64_t n, size_t *out) {
  if (n > (uint64_t)(SIZE_MAX - (ARENA_ALIGN - 1))) return false;
  *out = ((size_t)n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
  return true;
}

wick_status wick_method_load_alloc(const wick_program *p, const char *name, wick_loaded_method *out,
                                   wick_diag *d) {
  if (p == NULL || name == NULL || out == NULL)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "wick_method_load_alloc: NULL argument");
  memset(out, 0, sizeof *out);
  /* The host convenience layer uses the fastest kernels this CPU runs
   * (WICK_DISABLE_OPTIMIZED=1 keeps the portable ones). */
  wick_optimized_register();
  wick_status s = wick_method_meta_get(p, name, &out->meta, d);
  if (s != WICK_OK) return s;
  if (out->meta.num_planned > WICK_MAX_PLANNED)
    return wick_diag_set(d, WICK_ERR_NOT_SUPPORTED, "method '%s' has %u planned arenas (max %d)",
                         name, out->meta.num_planned, WICK_MAX_PLANNED);

  /* One block: [runtime][planned 0][planned 1]..., each part 64-byte aligned. */
  size_t offsets[WICK_MAX_PLANNED + 1];
  size_t sizes[WICK_MAX_PLANNED + 1];
  size_t total = 0;
  uint32_t parts = out->meta.num_planned + 1;
  for (uint32_t i = 0; i < parts; i++) {
    uint64_t want = i == 0 ? (uint64_t)out->meta.runtime_bytes : out->meta.planned_sizes[i - 1];
    size_t rounded;
    if (!round_up(want, &rounded) || rounded > SIZE_MAX - total)
      return wick_diag_set(d, WICK_ERR_MEMORY, "method '%s': arena sizes overflow", name);
    offsets[i] = total;
    sizes[i] = (size_t)want;
    total += rounded;
  }
  /* A malformed program can ask for absurd arenas: refuse more than the
   * machine's physical memory instead of letting the kernel overcommit. */
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0 && (uint64_t)total > (uint64_t)pages * (uint64_t)page)
    return wick_diag_set(d, WICK_ERR_MEMORY,
                         "method '%s' needs %zu bytes of arenas; this machine has %llu bytes of "
                         "memory",
                         name, total, (unsigned long long)pages * (unsigned long long)page);
  /* calloc: zeroed (runs are reproducible even if a program reads memory it
   * never wrote) without touching every page of a large arena up front. */
  size_t alloc_size = (total > 0 ? total : ARENA_ALIGN) + ARENA_ALIGN;
  void *block = calloc(1, alloc_size);
  if (block == NULL)
    return wick_diag_set(d, WICK_ERR_MEMORY, "method '%s': cannot allocate %zu bytes of arenas",
                         name, alloc_size);
  unsigned char *base =
      (unsigned char *)(((uintptr_t)block + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1));
  out->arenas.runtime = base + offsets[0];
  out->arenas.runtime_size = sizes[0];
  out->arenas.num_planned = out->meta.num_planned;
  for (uint32_t i = 0; i < out->meta.num_planned; i++) {
    out->arenas.planned[i] = base + offsets[i + 1];
    out->arenas.planned_sizes[i] = sizes[i + 1];
  }
  out->block = block;

  s = wick_method_load(p, name, &out->arenas, &out->method, d);
  if (s != WICK_OK) {
    free(block);
    memset(out, 0, sizeof *out);
    return s;
  }
  /* Kernels' scratch memory, known only once the method is bound. */
  size_t scratch = wick_method_scratch_size(out->method);
  if (scratch > 0) {
    size_t rounded;
    if (!round_up(scratch, &rounded) ||
        posix_memalign(&out->scratch, ARENA_ALIGN, rounded) != 0 || out->scratch == NULL) {
      free(block);
      memset(out, 0, sizeof *out);
      return wick_diag_set(d, WICK_ERR_MEMORY, "method '%s': cannot allocate %zu bytes of scratch",
                           name, scratch);
    }
    s = wick_method_set_scratch(out->method, out->scratch, rounded, d);
    if (s != WICK_OK) {
      wick_method_free(out);
      return s;
    }
  }
  return WICK_OK;
}

void wick_method_free(wick_loaded_method *lm) {
  if (lm == NULL) return;
  free(lm->block);
  free(lm->scratch);
  memset(lm, 0, sizeof *lm);
}
