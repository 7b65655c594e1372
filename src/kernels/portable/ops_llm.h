/* Prototypes of the LLM kernels. */
#ifndef WICK_KERNELS_PORTABLE_OPS_LLM_H
#define WICK_KERNELS_PORTABLE_OPS_LLM_H
#include "wick/kernel.h"
#endif
