/* Prototypes of the elementwise math and tensor manipulation kernels. */
#ifndef WICK_KERNELS_PORTABLE_OPS_MATH_H
#define WICK_KERNELS_PORTABLE_OPS_MATH_H
#include "wick/kernel.h"
#endif
