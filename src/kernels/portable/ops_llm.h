/* wick — LLM kernels (wick::rms_norm.out, ...). Declarations; see table_llm.inc. */
#ifndef WICK_KERNELS_PORTABLE_OPS_LLM_H
#define WICK_KERNELS_PORTABLE_OPS_LLM_H
#endif
