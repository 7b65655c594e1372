/* Optimized cortex_m:: int8 convolution / linear (qconv.c): bit-exact with
 * the portable CMSIS-NN reference kernels (src/kernels/quantized/
 * op_cortex_m_nn.c). Paths, chosen from wko_get_isa() and the CPU:
 *   WKO_QC_AVX512  AVX512-VNNI vpdpbusd, activations offset to u8 (+128)
 *                  and a per-channel weight-sum correction
 *   WKO_QC_AVX2    vpmaddwd on int16-widened values
 *   WKO_QC_PORTABLE the portable kernel */
#ifndef WICK_KERNELS_OPTIMIZED_QCONV_H
#define WICK_KERNELS_OPTIMIZED_QCONV_H

#include "kernels/optimized/opt.h"

enum { WKO_QC_PORTABLE = 0, WKO_QC_AVX2 = 1, WKO_QC_AVX512 = 2 };

/* Tests: force a path (-1: automatic); unsupported paths run portable. */
void wko_qconv_force_path(int path);
int wko_qconv_path_supported(int path);
int wko_qconv_path(void);

#endif
