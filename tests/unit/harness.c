#include "harness.h"

#include <string.h>
#include <sys/stat.h>

int wick_test_failures = 0;

const char *shared_path(const char *rel) {
  static char buf[4][1024];
  static int k = 0;
  const char *base = getenv("WICK_SHARED_DATA");
  if (base == NULL || base[0] == '\0') base = "../shared/data";
  char *b = buf[k++ & 3];
  snprintf(b, 1024, "%s/%s", base, rel);
  return b;
}

int shared_available(void) {
  struct stat st;
  return stat(shared_path("pte"), &st) == 0 && S_ISDIR(st.st_mode);
}

void *read_file_all(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  if (n < 0) {
    fclose(f);
    return NULL;
  }
  unsigned char *p = malloc((size_t)n + 1);
  if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
    free(p);
    p = NULL;
  }
  fclose(f);
  if (p) *size = (size_t)n;
  return p;
}

int test_finish(const char *name) {
  if (wick_test_failures) {
    fprintf(stderr, "%s: %d check(s) failed\n", name, wick_test_failures);
    return 1;
  }
  fprintf(stderr, "%s: ok\n", name);
  return 0;
}
