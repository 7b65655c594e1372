/* Prototypes of the quantization kernels (src/kernels/quantized): the
 * quantized_decomposed:: quantize/dequantize/choose_qparams ops, the
 * cortex_m:: int8 ops (CMSIS-NN arithmetic) and the dim_order_ops:: copies.
 * Registered by table_quant.inc; see docs/QUANTIZATION.md. */
#ifndef WICK_KERNELS_PORTABLE_OPS_QUANT_H
#define WICK_KERNELS_PORTABLE_OPS_QUANT_H
#include "wick/kernel.h"

#define WK_QUANT_KERNEL(name) \
  wick_status name(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs)

/* quantized_decomposed:: (op_quantize.c) */
WK_QUANT_KERNEL(wick_op_q_quantize_per_tensor_out);
WK_QUANT_KERNEL(wick_op_q_quantize_per_tensor_tensor_out);
WK_QUANT_KERNEL(wick_op_q_dequantize_per_tensor_out);
WK_QUANT_KERNEL(wick_op_q_dequantize_per_tensor_tensor_out);
WK_QUANT_KERNEL(wick_op_q_quantize_per_channel_out);
WK_QUANT_KERNEL(wick_op_q_dequantize_per_channel_out);
WK_QUANT_KERNEL(wick_op_q_quantize_per_token_out);
WK_QUANT_KERNEL(wick_op_q_dequantize_per_token_out);
WK_QUANT_KERNEL(wick_op_q_choose_qparams_tensor_out);
WK_QUANT_KERNEL(wick_op_q_choose_qparams_per_token_asymmetric_out);
WK_QUANT_KERNEL(wick_op_cm_dequantize_per_tensor_out);
/* op_embedding_byte.c */
WK_QUANT_KERNEL(wick_op_q_embedding_byte_out);

/* cortex_m:: elementwise (op_cortex_m_elementwise.c) */
WK_QUANT_KERNEL(wick_op_cm_quantized_add_out);
WK_QUANT_KERNEL(wick_op_cm_quantized_mul_out);
WK_QUANT_KERNEL(wick_op_cm_quantized_div_out);
WK_QUANT_KERNEL(wick_op_cm_quantized_activation_out);
WK_QUANT_KERNEL(wick_op_cm_minimum_out);
WK_QUANT_KERNEL(wick_op_cm_maximum_out);

/* cortex_m:: conv / linear / pooling / softmax (op_cortex_m_nn.c) */
WK_QUANT_KERNEL(wick_op_cm_quantized_conv2d_out);
WK_QUANT_KERNEL(wick_op_cm_quantized_conv2d_nhwc_out);
WK_QUANT_KERNEL(wick_op_cm_quantized_depthwise_conv2d_out);
WK_QUANT_KERNEL(wick_op_cm_quantized_depthwise_conv2d_nhwc_out);
WK_QUANT_KERNEL(wick_op_cm_quantized_transpose_conv2d_out);
WK_QUANT_KERNEL(wick_op_cm_quantized_transpose_conv2d_nhwc_out);
WK_QUANT_KERNEL(wick_op_cm_quantized_linear_out);
WK_QUANT_KERNEL(wick_op_cm_quantized_batch_matmul_out);
WK_QUANT_KERNEL(wick_op_cm_quantized_avg_pool2d_out);
WK_QUANT_KERNEL(wick_op_cm_quantized_avg_pool2d_nhwc_out);
WK_QUANT_KERNEL(wick_op_cm_quantized_max_pool2d_out);
WK_QUANT_KERNEL(wick_op_cm_quantized_max_pool2d_nhwc_out);
WK_QUANT_KERNEL(wick_op_cm_softmax_out);

/* cortex_m:: / dim_order_ops:: layout (op_layout.c) */
WK_QUANT_KERNEL(wick_op_cm_transpose_out);
WK_QUANT_KERNEL(wick_op_cm_pad_out);
WK_QUANT_KERNEL(wick_op_dim_order_clone_out);
WK_QUANT_KERNEL(wick_op_dim_order_to_copy_out);
WK_QUANT_KERNEL(wick_op_dim_order_empty_out);

/* wick::linear_dq8 (op_linear_dq8.c): int8 weights, activations quantized
 * per row at run time */
WK_QUANT_KERNEL(wick_op_wick_linear_dq8_out);

#endif
