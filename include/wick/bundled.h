/* wick — bundled programs (.bpte, "BP08"): a program plus test inputs and the
 * outputs expected from them (ExecuTorch devtools/bundled_program schema). */
#ifndef WICK_BUNDLED_H
#define WICK_BUNDLED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/status.h"
#include "wick/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wick_bundled {
  const uint8_t *data;    /* whole .bpte (kept by pointer) */
  size_t size;
  uint32_t root;
  uint32_t version;
  const uint8_t *program; /* embedded .pte bytes            */
  size_t program_size;
  uint32_t num_suites;
} wick_bundled;

/* True when the buffer carries the bundled-program identifier ("BP07"/"BP08"). */
bool wick_is_bundled(const void *data, size_t size);
/* Parses and verifies the whole bundle (suites, cases, values, tensor bytes). */
wick_status wick_bundled_load(wick_bundled *b, const void *data, size_t size, wick_diag *d);

typedef struct wick_bundled_suite {
  const char *method_name;
  uint32_t num_cases;
} wick_bundled_suite;

wick_status wick_bundled_get_suite(const wick_bundled *b, uint32_t suite, wick_bundled_suite *out,
                                   wick_diag *d);

/* One bundled value: a tensor (data points into the bundle, read-only,
 * possibly unaligned) or an Int / Bool / Double. */
typedef struct wick_bundled_value {
  uint8_t kind;      /* WICK_VAL_TENSOR, WICK_VAL_INT, WICK_VAL_BOOL, WICK_VAL_DOUBLE */
  wick_tensor tensor;
  int64_t i;
  double d;
} wick_bundled_value;

wick_status wick_bundled_case_counts(const wick_bundled *b, uint32_t suite, uint32_t test_case,
                                     uint32_t *num_inputs, uint32_t *num_expected, wick_diag *d);
/* Input k (expected == false) or expected output k (expected == true). */
wick_status wick_bundled_case_value(const wick_bundled *b, uint32_t suite, uint32_t test_case,
                                    bool expected, uint32_t k, wick_bundled_value *out,
                                    wick_diag *d);

#ifdef __cplusplus
}
#endif
#endif
