/* wick — umbrella header. */
#ifndef WICK_WICK_H
#define WICK_WICK_H
#include "wick/bundled.h"
#include "wick/kernel.h"
#include "wick/runtime.h"
#include "wick/status.h"
#include "wick/tensor.h"
#define WICK_VERSION_STRING "0.1.0"
#endif
