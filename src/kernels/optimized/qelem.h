/* Optimized cortex_m:: int8 elementwise / pooling / edge ops (qelem.c):
 * byte-identical to the portable kernels (src/kernels/quantized/
 * op_cortex_m_elementwise.c, op_cortex_m_nn.c, op_quantize.c). Paths,
 * chosen from wko_get_isa() and the CPU:
 *   WKO_QE_AVX512   AVX-512F + BW, 16 int32 lanes / 64 bytes
 *   WKO_QE_AVX2     AVX2, 8 int32 lanes / 32 bytes
 *   WKO_QE_PORTABLE the portable kernel */
#ifndef WICK_KERNELS_OPTIMIZED_QELEM_H
#define WICK_KERNELS_OPTIMIZED_QELEM_H

#include "kernels/optimized/opt.h"

enum { WKO_QE_PORTABLE = 0, WKO_QE_AVX2 = 1, WKO_QE_AVX512 = 2 };

/* Tests: force a path (-1: automatic); unsupported paths run portable. */
void wko_qelem_force_path(int path);
int wko_qelem_path_supported(int path);
int wko_qelem_path(void);

#endif
