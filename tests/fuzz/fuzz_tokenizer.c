/* libFuzzer target for the llama2.c tokenizer: any image must load or be
 * rejected with a message, never read out of bounds; a loaded tokenizer must
 * encode any text into in-range ids (or refuse with a message) and decode
 * every id into a piece of at most its longest length.
 *
 * The whole input is the tokenizer image (a real tokenizer.bin is a good
 * seed, e.g. shared/data/llm/tok512.bin); it is loaded three ways (entries
 * up to the end, exactly 512, and a count taken from the first byte), and
 * its last bytes double as the text to encode.
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DWICK_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_tokenizer
 *   ./build-fuzz/fuzz_tokenizer -max_total_time=60 CORPUS_DIR
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wick/llm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_loaded(const wick_tokenizer *t, const char *text) {
  int32_t ids[256];
  for (int mode = 0; mode < 3; mode++) {
    size_t n = 0;
    wick_diag d;
    wick_diag_clear(&d);
    size_t cap = mode == 2 ? 4 : sizeof ids / sizeof ids[0];
    wick_status s = wick_tokenizer_encode(t, text, mode != 1, mode == 1, ids, cap, &n, &d);
    if (s != WICK_OK) {
      if (d.msg[0] == '\0') abort();
      continue;
    }
    if (n > cap) abort();
    for (size_t i = 0; i < n; i++) {
      if (ids[i] < 0 || ids[i] >= t->vocab_size) abort();
      size_t len = 0;
      const char *p = wick_tokenizer_decode(t, i ? ids[i - 1] : t->bos_id, ids[i], &len);
      if (p == NULL || len > t->longest) abort();
      volatile char sink = 0;
      for (size_t k = 0; k < len; k++) sink ^= p[k];
      (void)sink;
    }
  }
  /* every piece looks itself up (possibly as an earlier duplicate) */
  for (int32_t id = 0; id < t->vocab_size && id < 64; id++) {
    size_t len = 0;
    const char *p = t->text + t->offsets[id];
    len = t->lengths[id];
    int32_t found = wick_tokenizer_lookup(t, p, len);
    if (found < 0 || found > id || t->lengths[found] != len ||
        memcmp(t->text + t->offsets[found], p, len) != 0)
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* the text: the input's last bytes, NUL-terminated */
  char text[97];
  size_t tn = size < 96 ? size : 96;
  memcpy(text, data + size - tn, tn);
  text[tn] = '\0';
  const int32_t counts[3] = {0, 512, size ? (int32_t)data[0] % 300 + 1 : 1};
  for (int k = 0; k < 3; k++) {
    wick_tokenizer t;
    wick_diag d;
    wick_diag_clear(&d);
    wick_status s = wick_tokenizer_load(&t, data, size, counts[k], &d);
    if (s != WICK_OK) {
      if (d.msg[0] == '\0') abort(); /* every rejection explains itself */
      continue;
    }
    if (t.vocab_size <= 0 || (counts[k] && t.vocab_size != counts[k])) abort();
    check_loaded(&t, text);
    check_loaded(&t, "Once upon a time, caf\xc3\xa9 \xf0\x9f\x98\x80 \xff\x80");
    wick_tokenizer_free(&t);
  }
  return 0;
}
