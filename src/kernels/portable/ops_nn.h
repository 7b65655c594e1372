/* Prototypes of the neural-network kernels (conv, pooling, normalization, softmax, ...). */
#ifndef WICK_KERNELS_PORTABLE_OPS_NN_H
#define WICK_KERNELS_PORTABLE_OPS_NN_H
#include "wick/kernel.h"

#define WK_NN_KERNEL(name) wick_status name(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs)

WK_NN_KERNEL(wick_op_convolution_out);
WK_NN_KERNEL(wick_op_max_pool2d_with_indices_out);
WK_NN_KERNEL(wick_op_avg_pool2d_out);
WK_NN_KERNEL(wick_op_adaptive_avg_pool2d_out);
WK_NN_KERNEL(wick_op_native_batch_norm_no_training_out);
WK_NN_KERNEL(wick_op_native_layer_norm_out);
WK_NN_KERNEL(wick_op_native_group_norm_out);
WK_NN_KERNEL(wick_op_softmax_out);
WK_NN_KERNEL(wick_op_log_softmax_out);
WK_NN_KERNEL(wick_op_constant_pad_nd_out);
WK_NN_KERNEL(wick_op_upsample_nearest2d_vec_out);
WK_NN_KERNEL(wick_op_upsample_bilinear2d_vec_out);
WK_NN_KERNEL(wick_op_amax_out);
WK_NN_KERNEL(wick_op_amin_out);
WK_NN_KERNEL(wick_op_argmax_out);
WK_NN_KERNEL(wick_op_argmin_out);
WK_NN_KERNEL(wick_op_topk_values);
WK_NN_KERNEL(wick_op_cumsum_out);
WK_NN_KERNEL(wick_op_bmm_out);
WK_NN_KERNEL(wick_op_pixel_shuffle_out);

/* wick:: fused operators (op_wick_fused.c) */
WK_NN_KERNEL(wick_op_wick_convolution_act_out);
WK_NN_KERNEL(wick_op_wick_addmm_act_out);
WK_NN_KERNEL(wick_op_wick_add_act_out);

#endif
