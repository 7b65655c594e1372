/* Process statistics for tools and benchmarks: peak RSS and a monotonic clock. */
#include <sys/resource.h>
#include <time.h>

#include "wick/util.h"

long wick_peak_rss_kb(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
#if defined(__APPLE__)
  return (long)(ru.ru_maxrss / 1024); /* bytes on macOS */
#else
  return (long)ru.ru_maxrss; /* KiB on Linux and the BSDs */
#endif
}

uint64_t wick_now_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
