/* Footprint probe: the runtime core with no kernels, loading and executing a
 * program from a buffer into static arenas (the analogue of ExecuTorch's
 * size_test). Built by scripts/size.sh; not part of the test suite. */
#include <stdio.h>

#include "wick/runtime.h"

const wick_kernel wick_portable_kernels[1] = {{"none", "", NULL}};
const size_t wick_portable_kernel_count = 0;

static unsigned char g_program[1 << 16];
static unsigned char g_runtime[1 << 14] __attribute__((aligned(16)));
static unsigned char g_planned[1 << 14] __attribute__((aligned(16)));

int main(int argc, char **argv) {
  size_t size = 0;
#ifndef WICK_SIZE_BAREMETAL
  if (argc > 1) {
    FILE *f = fopen(argv[1], "rb");
    if (f) {
      size = fread(g_program, 1, sizeof g_program, f);
      fclose(f);
    }
  }
#else
  (void)argc;
  (void)argv;
#endif
  wick_diag d = {WICK_OK, ""};
  wick_program prog;
  wick_method_meta meta;
  wick_method *m;
  wick_arenas a = {g_runtime, sizeof g_runtime, {g_planned}, {sizeof g_planned}, 1};
  if (wick_program_load(&prog, g_program, size, &d) != WICK_OK ||
      wick_method_meta_get(&prog, "forward", &meta, &d) != WICK_OK ||
      wick_method_load(&prog, "forward", &a, &m, &d) != WICK_OK ||
      wick_method_execute(m, &d) != WICK_OK) {
#ifndef WICK_SIZE_BAREMETAL
    puts(d.msg);
#endif
    return 1;
  }
  return 0;
}
