/* The optimized kernel table and its registration (include/wick/backend.h). */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels/optimized/opt.h"
#include "kernels/optimized/qlinear_dyn.h"
#include "wick/backend.h"

const wick_kernel wick_optimized_kernels[] = {
    {"aten::mm.out", "TTT", wko_mm_out, wko_mm_scratch},
    {"aten::addmm.out", "TTTSST", wko_addmm_out, wko_addmm_scratch},
    {"aten::bmm.out", "TTT", wko_bmm_out, wko_bmm_scratch},
    {"aten::convolution.out", "TTtIIIbIiT", wko_convolution_out, wko_convolution_scratch},
    {"aten::max_pool2d_with_indices.out", "TIIIIb|TT", wko_max_pool2d_with_indices_out, NULL},
    {"wick::convolution_act.out", "TTtIIIbIissT", wko_convolution_act_out, wko_convolution_act_scratch},
    {"wick::addmm_act.out", "TTTSSssT", wko_addmm_act_out, wko_addmm_act_scratch},
    {"wick::linear_dq8.out", "TTTTtT", wko_linear_dq8_out, wko_linear_dq8_scratch},
    {"aten::add.out", "TTST", wko_add_out, NULL},
    {"aten::sub.out", "TTST", wko_sub_out, NULL},
    {"aten::mul.out", "TTT", wko_mul_out, NULL},
    {"aten::permute_copy.out", "TIT", wko_permute_copy_out, NULL},
    {"aten::where.self_out", "TTTT", wko_where_self_out, NULL},
    {"aten::native_layer_norm.out", "TIttd|TTT", wko_native_layer_norm_out, NULL},
    {"aten::_softmax.out", "TibT", wko_softmax_out, NULL},
    {"aten::_log_softmax.out", "TibT", wko_log_softmax_out, NULL},
    {"cortex_m::quantized_conv2d.out", "TTtIIIiiTTiiTT", wko_cm_quantized_conv2d_out, wko_cm_quantized_conv2d_scratch},
    {"cortex_m::quantized_conv2d_nhwc.out", "TTtIIIiiTTiiTT", wko_cm_quantized_conv2d_nhwc_out, wko_cm_quantized_conv2d_nhwc_scratch},
    {"cortex_m::quantized_linear.out", "TTttiiiIIiiT", wko_cm_quantized_linear_out, wko_cm_quantized_linear_scratch},
    {"cortex_m::quantized_depthwise_conv2d.out", "TTtIIIiiiTTiiTT", wko_cm_quantized_depthwise_conv2d_out, wko_cm_quantized_depthwise_conv2d_scratch},
    {"cortex_m::quantized_depthwise_conv2d_nhwc.out", "TTtIIIiiiTTiiTT", wko_cm_quantized_depthwise_conv2d_nhwc_out, wko_cm_quantized_depthwise_conv2d_nhwc_scratch},
    {"cortex_m::quantized_add.out", "TiiiTiiiiiiiiT", wko_cm_quantized_add_out, NULL},
    {"cortex_m::quantized_max_pool2d.out", "TIIIIbiiiiT", wko_cm_quantized_max_pool2d_out, NULL},
    {"cortex_m::quantize_per_tensor.out", "TdiiiiT", wko_q_quantize_per_tensor_out, NULL},
    {"quantized_decomposed::quantize_per_tensor.out", "TdiiiiT", wko_q_quantize_per_tensor_out, NULL},
    {"cortex_m::dequantize_per_tensor.out", "TdiiiiT", wko_cm_dequantize_per_tensor_out, NULL},
};
const size_t wick_optimized_kernel_count = sizeof wick_optimized_kernels / sizeof wick_optimized_kernels[0];

static const char *g_backend;

/* The best micro-kernel this CPU runs. libgcc / compiler-rt's feature
 * bits also check that the OS saves the ymm / zmm state. */
static int detect_isa(void) {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  const char *no512 = getenv("WICK_OPTIMIZED_NO_AVX512");
  if (__builtin_cpu_supports("avx512f") && wko_ukernel_avx512().fn != NULL &&
      !(no512 != NULL && no512[0] != '\0' && strcmp(no512, "0") != 0))
    return WKO_ISA_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      wko_ukernel_avx2().fn != NULL)
    return WKO_ISA_AVX2;
#endif
  return WKO_ISA_GENERIC;
}

static void register_once(void) {
  const char *off = getenv("WICK_DISABLE_OPTIMIZED");
  if (off != NULL && off[0] != '\0' && strcmp(off, "0") != 0) return;
  int isa = detect_isa();
  wko_set_isa(isa);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  wko_set_scratch_threads(cores < 1 ? 1 : cores > WKO_MAX_SCRATCH_THREADS ? WKO_MAX_SCRATCH_THREADS : (int)cores);
  if (wick_register_kernels(wick_optimized_kernels, wick_optimized_kernel_count) != WICK_OK) return;
  g_backend = isa == WKO_ISA_AVX512 ? "avx512f" : isa == WKO_ISA_AVX2 ? "avx2+fma" : "generic";
}

/* Safe to call from several threads: the work happens exactly once. */
void wick_optimized_register(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, register_once);
}

const char *wick_optimized_backend(void) { return g_backend; }
