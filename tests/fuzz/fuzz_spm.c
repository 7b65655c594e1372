/* libFuzzer target for sentencepiece model files (wick_tokenizer_load_spm):
 * any image must load or be rejected with a message, never read out of
 * bounds; a loaded tokenizer must encode any text (including invalid UTF-8)
 * into in-range ids, and decode any ids (those and some taken from the
 * input) into text that fits the reported length.
 *
 * The whole input is the model (tests/fixtures/spm/tiny.model is a good
 * seed); its last bytes double as the text to encode and as raw ids.
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DWICK_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_spm
 *   ./build-fuzz/fuzz_spm -max_total_time=60 CORPUS_DIR
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wick/llm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ids(const wick_tokenizer *t, const int32_t *ids, size_t n) {
  char out[1024];
  size_t len = 0;
  wick_diag d;
  wick_diag_clear(&d);
  wick_status s = wick_tokenizer_decode_ids(t, ids, n, out, sizeof out, &len, &d);
  if (s != WICK_OK) {
    if (d.msg[0] == '\0') abort();
    return;
  }
  if (len >= sizeof out || out[len] != '\0') abort();
}

static void check_text(const wick_tokenizer *t, const char *text) {
  int32_t ids[3 * 97 + 8];
  for (int mode = 0; mode < 2; mode++) {
    size_t n = 0, cap = mode ? 4 : sizeof ids / sizeof ids[0];
    wick_diag d;
    wick_diag_clear(&d);
    wick_status s = wick_tokenizer_encode(t, text, mode == 1, mode == 1, ids, cap, &n, &d);
    if (s != WICK_OK) {
      if (d.msg[0] == '\0') abort();
      /* the documented worst case always fits */
      if (mode == 0 && s == WICK_ERR_INVALID_ARGUMENT) abort();
      continue;
    }
    if (n > cap) abort();
    for (size_t i = 0; i < n; i++)
      if (ids[i] < 0 || ids[i] >= t->vocab_size) abort();
    check_ids(t, ids, n);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char text[97];
  size_t tn = size < 96 ? size : 96;
  memcpy(text, data + size - tn, tn);
  text[tn] = '\0';
  wick_tokenizer t;
  wick_diag d;
  wick_diag_clear(&d);
  wick_status s = wick_tokenizer_load_spm(&t, data, size, 0, &d);
  if (s != WICK_OK) {
    if (d.msg[0] == '\0') abort(); /* every rejection explains itself */
    return 0;
  }
  if (t.vocab_size <= 0 || !t.spm || t.unk_id < 0 || t.unk_id >= t.vocab_size) abort();
  check_text(&t, text);
  check_text(&t, "  Ein  Mann\tf\xc3\xa4hrt \xe2\x96\x81 caf\xc3\xa9 \xf0\x9f\x98\x80 \xff\x80\xed\xa0\x80 ");
  int32_t ids[48];
  size_t n = 0;
  for (size_t i = 0; i + 2 <= tn && n < 48; i += 2)
    ids[n++] = (int32_t)(((uint32_t)(uint8_t)text[i] << 8 | (uint8_t)text[i + 1]) %
                         (uint32_t)t.vocab_size);
  check_ids(&t, ids, n);
  wick_tokenizer_free(&t);
  return 0;
}
