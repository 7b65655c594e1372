/* wick — the optimized CPU kernels (src/kernels/optimized).
 *
 *   wick_optimized_register();          // once, before loading methods
 *   ... wick_method_load / wick_method_load_alloc ...
 *   wick_method_set_threadpool(m, pool); // optional (include/wick/threadpool.h)
 *
 * The optimized table overrides the portable kernels for float32 GEMM
 * (mm, addmm, bmm), 2-D convolution and max pooling, and falls
 * back to the portable kernels for every other case. Its kernels need
 * scratch memory (wick_method_scratch_size; wick_method_load_alloc provides
 * it) and use the method's thread pool when one is set.
 */
#ifndef WICK_BACKEND_H
#define WICK_BACKEND_H

#include <stddef.h>

#include "wick/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Registers the optimized kernel table (wick_register_kernels) unless the
 * environment variable WICK_DISABLE_OPTIMIZED is set to a non-empty value
 * other than "0". Idempotent; like wick_register_kernels, not thread-safe:
 * call it before loading methods. The GEMM micro-kernel is chosen here:
 * AVX-512F, else AVX2+FMA when the CPU (and OS) support them, portable C
 * otherwise, so no CPU ever sees an instruction it lacks
 * (WICK_OPTIMIZED_NO_AVX512=1 skips the AVX-512 one). Also records the
 * number of online cores: scratch is sized for one GEMM workspace each. */
void wick_optimized_register(void);

/* What wick_optimized_register chose: "avx512f", "avx2+fma" or "generic"
 * (the GEMM micro-kernel) when the table is registered, NULL when it is not
 * (not called yet, or disabled). */
const char *wick_optimized_backend(void);

/* The table itself (for tests and for callers that manage registration). */
extern const wick_kernel wick_optimized_kernels[];
extern const size_t wick_optimized_kernel_count;

#ifdef __cplusplus
}
#endif
#endif
