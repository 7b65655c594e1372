/* Prototypes of the neural-network kernels (conv, pooling, normalization, softmax, ...). */
#ifndef WICK_KERNELS_PORTABLE_OPS_NN_H
#define WICK_KERNELS_PORTABLE_OPS_NN_H
#include "wick/kernel.h"
#endif
