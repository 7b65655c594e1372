/* Prototypes of the quantization kernels (src/kernels/quantized): the
 * quantized_decomposed:: quantize/dequantize/choose_qparams ops, the
 * cortex_m:: int8 ops (CMSIS-NN arithmetic) and the dim_order_ops:: copies. */
#ifndef WICK_KERNELS_PORTABLE_OPS_QUANT_H
#define WICK_KERNELS_PORTABLE_OPS_QUANT_H
#include "wick/kernel.h"

#define WK_QUANT_KERNEL(name) \
  wick_status name(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs)

#endif
