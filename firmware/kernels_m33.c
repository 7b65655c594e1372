/* The firmware's kernel table. The runtime binds operators by name against
 * `wick_portable_kernels` (src/runtime/registry.c); the host library defines
 * it in src/kernels/portable/kernels.c with every portable kernel, which the
 * linker must then keep. Firmware defines its own table instead, listing only
 * the operators its models use, so --gc-sections drops every other kernel:
 * this is how a device build selects kernels. Entries (name, signature,
 * function) are the same as in the portable table.
 *
 * Here: the fp32 demo MLP (examples/demo: addmm, relu) and the int8 kernels
 * (src/kernels/quantized: quantized_decomposed::*, cortex_m::*, dim_order_ops::*). */
#include "kernels/portable/ops_quant.h"
#include "kernels/portable/util.h"

const wick_kernel wick_portable_kernels[] = {
    {"aten::addmm.out", "TTTSST", wick_op_addmm_out},
    {"aten::relu.out", "TT", wick_op_relu_out},
#include "kernels/portable/table_quant.inc"
};

const size_t wick_portable_kernel_count = sizeof wick_portable_kernels / sizeof wick_portable_kernels[0];
