/* libFuzzer target for the .npy parser: any input must be accepted or rejected
 * with a message, never read out of bounds, and an accepted array must lie
 * inside the input.
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DWICK_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_npy && ./build-fuzz/fuzz_npy -max_total_time=60
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "wick/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wick_tensor t;
  const void *payload = NULL;
  wick_diag d;
  wick_diag_clear(&d);
  wick_status s = wick_npy_parse(data, size, &t, &payload, &d);
  if (s == WICK_OK) {
    const uint8_t *p = payload;
    size_t nbytes = wick_tensor_nbytes(&t);
    if (p < data || (size_t)(p - data) > size || nbytes > size - (size_t)(p - data)) abort();
    if (t.dim > WICK_MAX_DIM || wick_dtype_size(t.dtype) == 0) abort();
    /* touch the payload so ASan checks it */
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < nbytes; i++) sink ^= p[i];
    (void)sink;
  } else if (d.msg[0] == '\0') {
    abort(); /* every rejection explains itself */
  }
  return 0;
}
