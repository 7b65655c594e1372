/* libFuzzer target for the GGUF reader and what is built on it: any image
 * must parse or be rejected with a message, never read out of bounds; a
 * parsed image's tensors (up to 2^20 elements) dequantize or are refused
 * with a message; the tokenizer from its metadata loads (then encodes and
 * decodes in range) or is refused; the model converts (with a 16-position
 * context, so the KV cache stays small), loads and runs two tokens, or is
 * refused with a message.
 *
 * Seeds: tiny GGUF models written by the unit test
 * (`test_gguf --write-seeds DIR`; tests/fuzz/run.sh does it).
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DWICK_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_gguf test_gguf
 *   mkdir -p seeds && ./build-fuzz/test_gguf --write-seeds seeds
 *   ./build-fuzz/fuzz_gguf -max_total_time=60 seeds
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/gguf.h"
#include "wick/llm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_explain(wick_status s, const wick_diag *d) {
  if (s != WICK_OK && d->msg[0] == '\0') abort();
}

static void tokenizer(const uint8_t *data, size_t size) {
  wick_tokenizer t;
  wick_diag d;
  wick_diag_clear(&d);
  wick_status s = wick_tokenizer_load_gguf(&t, data, size, 0, &d);
  must_explain(s, &d);
  if (s) return;
  if (t.vocab_size <= 0) abort();
  int32_t ids[128];
  size_t n = 0;
  wick_diag_clear(&d);
  s = wick_tokenizer_encode(&t, "Once upon a time, caf\xc3\xa9 \xf0\x9f\x98\x80 \xff", true, true,
                            ids, 128, &n, &d);
  must_explain(s, &d);
  for (size_t i = 0; s == WICK_OK && i < n; i++) {
    if (ids[i] < 0 || ids[i] >= t.vocab_size) abort();
    size_t len = 0;
    const char *p = wick_tokenizer_decode(&t, i ? ids[i - 1] : t.bos_id, ids[i], &len);
    if (p == NULL || len > t.longest) abort();
  }
  for (int32_t id = 0; id < t.vocab_size && id < 64; id++) {
    size_t len = 0;
    const char *p = wick_tokenizer_decode(&t, 0, id, &len);
    volatile char sink = 0;
    for (size_t k = 0; k < len; k++) sink ^= p[k];
    (void)sink;
  }
  wick_tokenizer_free(&t);
}

static void model(const uint8_t *data, size_t size) {
  wick_diag d;
  wick_diag_clear(&d);
  wick_llm_convert_options o = {.max_seq_len = 16, .max_prefill = 4};
  uint8_t *pte = NULL;
  size_t n = 0;
  wick_status s = wick_llm_convert_gguf_mem(data, size, &o, &pte, &n, NULL, &d);
  must_explain(s, &d);
  if (s) return;
  void *img = NULL;
  if (posix_memalign(&img, 64, n) != 0) abort();
  memcpy(img, pte, n);
  free(pte);
  wick_llm llm;
  wick_diag_clear(&d);
  s = wick_llm_load(&llm, img, n, &d);
  if (s != WICK_OK) abort(); /* our own programs always load */
  int32_t toks[2] = {0, (int32_t)(llm.vocab_size - 1)};
  const float *logits = NULL;
  s = wick_llm_forward(&llm, toks, 2, &logits, &d);
  if (s != WICK_OK || logits == NULL) abort();
  wick_llm_close(&llm);
  free(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wick_gguf g;
  wick_diag d;
  wick_diag_clear(&d);
  wick_status s = wick_gguf_parse(&g, data, size, &d);
  must_explain(s, &d);
  if (s) return 0;
  if (g.data_offset > size && g.n_tensors > 0) {
    for (uint64_t i = 0; i < g.n_tensors; i++)
      if (g.tensors[i].n_bytes > 0) abort();
  }
  for (uint64_t i = 0; i < g.n_tensors; i++) {
    const wick_gguf_tensor *t = &g.tensors[i];
    if (t->n_bytes > 0 && (t->data < data || t->data + t->n_bytes > data + size)) abort();
    if (t->n_elems > (1u << 20)) continue;
    float *out = malloc(t->n_elems ? (size_t)t->n_elems * sizeof *out : 1);
    if (out == NULL) abort();
    wick_diag_clear(&d);
    s = wick_gguf_dequantize(t, out, &d);
    must_explain(s, &d);
    if (s == WICK_OK && !wick_gguf_can_dequantize(t->type)) abort();
    free(out);
  }
  for (uint64_t i = 0; i < g.n_kv; i++)
    if (wick_gguf_find(&g, g.kv[i].key) == NULL) abort();
  wick_gguf_free(&g);
  tokenizer(data, size);
  model(data, size);
  return 0;
}
