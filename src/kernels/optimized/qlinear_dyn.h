/* wick::linear_dq8.out on x86 (qlinear_dyn.c): AVX512-VNNI, AVX-VNNI and
 * AVX2 kernels, bit-identical to the portable reference
 * (src/kernels/quantized/op_linear_dq8.c; semantics in docs/OPS.md). */
#ifndef WICK_KERNELS_OPTIMIZED_QLINEAR_DYN_H
#define WICK_KERNELS_OPTIMIZED_QLINEAR_DYN_H

#include <stddef.h>

#include "wick/kernel.h"

wick_status wko_linear_dq8_out(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs);
size_t wko_linear_dq8_scratch(wick_value **args, uint32_t nargs);

/* Code paths, best last. */
enum {
  WKO_DQ8_PORTABLE = 0, /* the reference kernel                          */
  WKO_DQ8_AVX2 = 1,     /* vpmaddwd on sign-extended int16               */
  WKO_DQ8_AVXVNNI = 2,  /* vpdpbusd on ymm (AVX-VNNI)                    */
  WKO_DQ8_AVX512 = 3,   /* vpdpbusd on zmm (AVX512-VNNI)                 */
};
/* The path the kernel takes now: the best one this CPU runs that the
 * optimized ISA level (wko_get_isa: WICK_OPTIMIZED_NO_AVX512...) allows, or
 * the forced one. */
int wko_linear_dq8_path(void);
/* Whether this build and CPU can run path p. */
int wko_linear_dq8_path_supported(int p);
/* Tests: force path p (-1: automatic). Not thread-safe. */
void wko_linear_dq8_force_path(int p);

#endif
