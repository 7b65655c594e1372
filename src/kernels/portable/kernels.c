/* The table of built-in portable kernels (name, signature, function).
 * Signature characters are described in include/wick/kernel.h. */
#include "kernels/portable/ops_llm.h"
#include "kernels/portable/ops_math.h"
#include "kernels/portable/ops_nn.h"
#include "kernels/portable/ops_quant.h"
#include "kernels/portable/util.h"

const wick_kernel wick_portable_kernels[] = {
    {"aten::add.out", "TTST", wick_op_add_out},
    {"aten::add.Scalar_out", "TSST", wick_op_add_scalar_out},
    {"aten::sub.out", "TTST", wick_op_sub_out},
    {"aten::sub.Scalar_out", "TSST", wick_op_sub_scalar_out},
    {"aten::mul.out", "TTT", wick_op_mul_out},
    {"aten::mul.Scalar_out", "TST", wick_op_mul_scalar_out},
    {"aten::div.out", "TTT", wick_op_div_out},
    {"aten::div.out_mode", "TT*T", wick_op_div_out_mode},
    {"aten::div.Scalar_out", "TST", wick_op_div_scalar_out},
    {"aten::addmm.out", "TTTSST", wick_op_addmm_out},
    {"aten::mm.out", "TTT", wick_op_mm_out},
    {"aten::permute_copy.out", "TIT", wick_op_permute_copy_out},
    {"aten::mean.out", "TJbjT", wick_op_mean_out},
    {"aten::sum.IntList_out", "TJbjT", wick_op_sum_intlist_out},
    {"aten::eq.Scalar_out", "TST", wick_op_eq_scalar_out},
    {"aten::eq.Tensor_out", "TTT", wick_op_eq_tensor_out},
    {"aten::ne.Scalar_out", "TST", wick_op_ne_scalar_out},
    {"aten::ne.Tensor_out", "TTT", wick_op_ne_tensor_out},
    {"aten::lt.Scalar_out", "TST", wick_op_lt_scalar_out},
    {"aten::lt.Tensor_out", "TTT", wick_op_lt_tensor_out},
    {"aten::le.Scalar_out", "TST", wick_op_le_scalar_out},
    {"aten::le.Tensor_out", "TTT", wick_op_le_tensor_out},
    {"aten::gt.Scalar_out", "TST", wick_op_gt_scalar_out},
    {"aten::gt.Tensor_out", "TTT", wick_op_gt_tensor_out},
    {"aten::ge.Scalar_out", "TST", wick_op_ge_scalar_out},
    {"aten::ge.Tensor_out", "TTT", wick_op_ge_tensor_out},
    {"aten::clone.out", "TjT", wick_op_clone_out},
    {"aten::where.self_out", "TTTT", wick_op_where_self_out},
    {"aten::relu.out", "TT", wick_op_relu_out},
    {"aten::view_copy.out", "TIT", wick_op_view_copy_out},
    {"aten::_to_copy.out", "TbjT", wick_op_to_copy_out},
    {"aten::full.out", "IST", wick_op_full_out},
/* Further operator families, one table fragment each. */
#include "kernels/portable/table_nn.inc"
#include "kernels/portable/table_math.inc"
#include "kernels/portable/table_llm.inc"
#include "kernels/portable/table_quant.inc"
};

const size_t wick_portable_kernel_count = sizeof wick_portable_kernels / sizeof wick_portable_kernels[0];
