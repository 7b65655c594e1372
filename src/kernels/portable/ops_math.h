/* Prototypes of the elementwise math and tensor manipulation kernels. */
#ifndef WICK_KERNELS_PORTABLE_OPS_MATH_H
#define WICK_KERNELS_PORTABLE_OPS_MATH_H
#include "wick/kernel.h"

#define WK_MATH_KERNEL(name) \
  wick_status name(wick_kernel_ctx *ctx, wick_value **args, uint32_t nargs)

/* unary (op_unary.c) */
WK_MATH_KERNEL(wick_op_sigmoid_out);
WK_MATH_KERNEL(wick_op_tanh_out);
WK_MATH_KERNEL(wick_op_exp_out);
WK_MATH_KERNEL(wick_op_log_out);
WK_MATH_KERNEL(wick_op_sqrt_out);
WK_MATH_KERNEL(wick_op_rsqrt_out);
WK_MATH_KERNEL(wick_op_reciprocal_out);
WK_MATH_KERNEL(wick_op_erf_out);
WK_MATH_KERNEL(wick_op_sin_out);
WK_MATH_KERNEL(wick_op_cos_out);
WK_MATH_KERNEL(wick_op_neg_out);
WK_MATH_KERNEL(wick_op_abs_out);
WK_MATH_KERNEL(wick_op_sign_out);
WK_MATH_KERNEL(wick_op_floor_out);
WK_MATH_KERNEL(wick_op_ceil_out);
WK_MATH_KERNEL(wick_op_round_out);
WK_MATH_KERNEL(wick_op_logical_not_out);
WK_MATH_KERNEL(wick_op_hardsigmoid_out);
WK_MATH_KERNEL(wick_op_hardswish_out);
WK_MATH_KERNEL(wick_op_silu_out);
/* activations (op_activation.c, op_clamp.c) */
WK_MATH_KERNEL(wick_op_gelu_out);
WK_MATH_KERNEL(wick_op_leaky_relu_out);
WK_MATH_KERNEL(wick_op_elu_out);
WK_MATH_KERNEL(wick_op_softplus_out);
WK_MATH_KERNEL(wick_op_hardtanh_out);
WK_MATH_KERNEL(wick_op_clamp_out);
WK_MATH_KERNEL(wick_op_clamp_tensor_out);
/* binary (op_pow.c, op_minmax.c, op_logical.c) */
WK_MATH_KERNEL(wick_op_pow_tensor_tensor_out);
WK_MATH_KERNEL(wick_op_pow_tensor_scalar_out);
WK_MATH_KERNEL(wick_op_maximum_out);
WK_MATH_KERNEL(wick_op_minimum_out);
WK_MATH_KERNEL(wick_op_fmod_tensor_out);
WK_MATH_KERNEL(wick_op_remainder_tensor_out);
WK_MATH_KERNEL(wick_op_logical_and_out);
WK_MATH_KERNEL(wick_op_logical_or_out);
WK_MATH_KERNEL(wick_op_logical_xor_out);
WK_MATH_KERNEL(wick_op_masked_fill_scalar_out);
/* manipulation */
WK_MATH_KERNEL(wick_op_cat_out);
WK_MATH_KERNEL(wick_op_split_with_sizes_copy_out);
WK_MATH_KERNEL(wick_op_split_copy_tensor_out);
WK_MATH_KERNEL(wick_op_slice_copy_tensor_out);
WK_MATH_KERNEL(wick_op_index_select_out);
WK_MATH_KERNEL(wick_op_gather_out);
WK_MATH_KERNEL(wick_op_embedding_out);
WK_MATH_KERNEL(wick_op_index_tensor_out);
WK_MATH_KERNEL(wick_op_expand_copy_out);
WK_MATH_KERNEL(wick_op_repeat_out);
WK_MATH_KERNEL(wick_op_squeeze_copy_dims_out);
WK_MATH_KERNEL(wick_op_unsqueeze_copy_out);
WK_MATH_KERNEL(wick_op_flip_out);
WK_MATH_KERNEL(wick_op_transpose_copy_int_out);
/* reductions (op_any_all.c) */
WK_MATH_KERNEL(wick_op_any_out);
WK_MATH_KERNEL(wick_op_all_out);
WK_MATH_KERNEL(wick_op_any_all_out);
WK_MATH_KERNEL(wick_op_all_all_out);
/* creation */
WK_MATH_KERNEL(wick_op_arange_start_out);
WK_MATH_KERNEL(wick_op_scalar_tensor_out);
WK_MATH_KERNEL(wick_op_zeros_out);
WK_MATH_KERNEL(wick_op_ones_out);

#undef WK_MATH_KERNEL
#endif
