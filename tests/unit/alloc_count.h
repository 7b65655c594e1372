/* A counting allocator for tests that prove the runtime allocates nothing
 * after load. Replaces malloc, calloc, realloc, free, posix_memalign,
 * aligned_alloc and memalign with versions that count calls while
 * g_counting is set and forward to glibc's __libc_* entry points.
 *
 * Include it in exactly one translation unit of a test. Sanitizer builds
 * replace malloc themselves and other C libraries lack __libc_malloc: there
 * ALLOC_COUNT_ACTIVE stays undefined (ALLOC_COUNT_SANITIZED tells why) and
 * the test should skip its counting checks. */
#ifndef WICK_TEST_ALLOC_COUNT_H
#define WICK_TEST_ALLOC_COUNT_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ALLOC_COUNT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || \
    __has_feature(thread_sanitizer)
#define ALLOC_COUNT_SANITIZED 1
#endif
#endif

#if defined(__GLIBC__) && !defined(ALLOC_COUNT_SANITIZED)
#define ALLOC_COUNT_ACTIVE 1

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t n);

static volatile int g_counting;     /* count calls while set             */
static volatile long g_allocations; /* malloc-family calls while counting */

static void alloc_count_note(void) {
  if (g_counting) g_allocations++;
}

void *malloc(size_t n) {
  alloc_count_note();
  return __libc_malloc(n);
}

void *calloc(size_t n, size_t size) {
  alloc_count_note();
  return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n) {
  alloc_count_note();
  return __libc_realloc(p, n);
}

void free(void *p) {
  if (p) alloc_count_note();
  __libc_free(p);
}

int posix_memalign(void **out, size_t align, size_t n) {
  alloc_count_note();
  void *p = __libc_memalign(align, n);
  if (p == NULL) return 12; /* ENOMEM */
  *out = p;
  return 0;
}

void *aligned_alloc(size_t align, size_t n) {
  alloc_count_note();
  return __libc_memalign(align, n);
}

void *memalign(size_t align, size_t n);
void *memalign(size_t align, size_t n) {
  alloc_count_note();
  return __libc_memalign(align, n);
}
#endif

#endif
