/* The optimized kernel table and its registration (include/wick/backend.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels/optimized/opt.h"
#include "wick/backend.h"

const wick_kernel wick_optimized_kernels[] = {
    {"aten::mm.out", "TTT", wko_mm_out, wko_mm_scratch},
    {"aten::addmm.out", "TTTSST", wko_addmm_out, wko_addmm_scratch},
    {"aten::bmm.out", "TTT", wko_bmm_out, wko_bmm_scratch},
    {"aten::convolution.out", "TTtIIIbIiT", wko_convolution_out, wko_convolution_scratch},
};
const size_t wick_optimized_kernel_count = sizeof wick_optimized_kernels / sizeof wick_optimized_kernels[0];

static bool g_attempted;
static const char *g_backend;

static bool cpu_has_avx2_fma(void) {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  /* libgcc / compiler-rt also check that the OS saves the ymm state */
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

void wick_optimized_register(void) {
  if (g_attempted) return;
  g_attempted = true;
  const char *off = getenv("WICK_DISABLE_OPTIMIZED");
  if (off != NULL && off[0] != '\0' && strcmp(off, "0") != 0) return;
  bool avx2 = cpu_has_avx2_fma() && wko_ukernel_avx2() != NULL;
  wko_set_isa(avx2 ? WKO_ISA_AVX2 : WKO_ISA_GENERIC);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  wko_set_scratch_threads(cores > 0 ? (int)(cores < WKO_MAX_SCRATCH_THREADS ? cores : WKO_MAX_SCRATCH_THREADS) : 1);
  if (wick_register_kernels(wick_optimized_kernels, wick_optimized_kernel_count) != WICK_OK) return;
  g_backend = avx2 ? "avx2+fma" : "generic";
}

const char *wick_optimized_backend(void) { return g_backend; }
