/* A tiny test harness: CHECK macros, shared-data paths, skip support. */
#ifndef WICK_TEST_HARNESS_H
#define WICK_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>

extern int wick_test_failures;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
      wick_test_failures++;                                                      \
    }                                                                            \
  } while (0)

#define CHECK_MSG(cond, ...)                                                     \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);  \
      fprintf(stderr, __VA_ARGS__);                                              \
      fputc('\n', stderr);                                                       \
      wick_test_failures++;                                                      \
    }                                                                            \
  } while (0)

/* Exit code ctest treats as "skipped". */
#define WICK_TEST_SKIP 77

/* Path of a file under ../shared/data (WICK_SHARED_DATA); returns a static buffer. */
const char *shared_path(const char *rel);
/* 1 when the shared data directory exists. */
int shared_available(void);
/* Reads a whole file with malloc; NULL on failure. */
void *read_file_all(const char *path, size_t *size);
/* Prints the summary and returns the process exit code. */
int test_finish(const char *name);

#endif
