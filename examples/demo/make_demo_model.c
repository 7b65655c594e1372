/* Builds wick's embedded demo model: a small two-layer classifier
 *   x (1,16) -> addmm(b1, x, W1t) (1,32) -> relu -> addmm(b2, h, W2t) (1,4)
 * written as an ExecuTorch program (demo.pte, constants in a segment) and as a
 * bundled program (demo.bpte) whose expected outputs come from an independent
 * double-precision reference computed here. Weights are fixed pseudo-random
 * numbers, so the files are identical on every machine.
 *
 *   make_demo_model OUT_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/pte_writer.h"
#include "wick/tensor.h"
#include "wick/util.h"

enum { IN = 16, HID = 32, OUT = 4, NCASES = 4 };

static uint32_t g_seed = 12345u;
static float frand(void) { /* uniform in [-0.5, 0.5) */
  g_seed = g_seed * 1664525u + 1013904223u;
  return (float)(g_seed >> 8) / 16777216.0f - 0.5f;
}

/* Reference forward pass in double precision. */
static void reference(const float *x, const float *w1t, const float *b1, const float *w2t,
                      const float *b2, float *y) {
  double h[HID];
  for (int j = 0; j < HID; j++) {
    double acc = b1[j];
    for (int i = 0; i < IN; i++) acc += (double)x[i] * w1t[i * HID + j];
    h[j] = acc > 0 ? acc : 0;
  }
  for (int k = 0; k < OUT; k++) {
    double acc = b2[k];
    for (int j = 0; j < HID; j++) acc += h[j] * w2t[j * OUT + k];
    y[k] = (float)acc;
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_demo_model OUT_DIR\n");
    return 1;
  }
  static float w1t[IN * HID], b1[HID], w2t[HID * OUT], b2[OUT];
  for (int i = 0; i < IN * HID; i++) w1t[i] = frand() * 0.5f;
  for (int i = 0; i < HID; i++) b1[i] = frand() * 0.1f;
  for (int i = 0; i < HID * OUT; i++) w2t[i] = frand() * 0.5f;
  for (int i = 0; i < OUT; i++) b2[i] = frand() * 0.1f;

  wick_diag d = {WICK_OK, ""};
  wick_pte_writer *w = wick_pte_writer_new();
  uint32_t c_w1 = wick_pte_add_constant(w, w1t, sizeof w1t);
  uint32_t c_b1 = wick_pte_add_constant(w, b1, sizeof b1);
  uint32_t c_w2 = wick_pte_add_constant(w, w2t, sizeof w2t);
  uint32_t c_b2 = wick_pte_add_constant(w, b2, sizeof b2);
  wick_pte_method *m = wick_pte_add_method(w, "forward");
  /* Planned arena: x at 0 (64 B), h at 64 (128 B), r at 192 (128 B), y at 320 (16 B). */
  uint32_t arena = wick_pte_add_arena(m, 336);
  int x = wick_pte_planned_tensor(m, WICK_F32, 2, (int32_t[]){1, IN}, arena, 0);
  int h = wick_pte_planned_tensor(m, WICK_F32, 2, (int32_t[]){1, HID}, arena, 64);
  int r = wick_pte_planned_tensor(m, WICK_F32, 2, (int32_t[]){1, HID}, arena, 192);
  int y = wick_pte_planned_tensor(m, WICK_F32, 2, (int32_t[]){1, OUT}, arena, 320);
  int W1 = wick_pte_const_tensor(m, WICK_F32, 2, (int32_t[]){IN, HID}, c_w1);
  int B1 = wick_pte_const_tensor(m, WICK_F32, 1, (int32_t[]){HID}, c_b1);
  int W2 = wick_pte_const_tensor(m, WICK_F32, 2, (int32_t[]){HID, OUT}, c_w2);
  int B2 = wick_pte_const_tensor(m, WICK_F32, 1, (int32_t[]){OUT}, c_b2);
  int one = wick_pte_int(m, 1);
  wick_pte_kernel_named(m, "aten::addmm", "out", (int32_t[]){B1, x, W1, one, one, h, h}, 7);
  wick_pte_kernel_named(m, "aten::relu", "out", (int32_t[]){h, r, r}, 3);
  wick_pte_kernel_named(m, "aten::addmm", "out", (int32_t[]){B2, r, W2, one, one, y, y}, 7);
  wick_pte_set_inputs(m, (int32_t[]){x}, 1);
  wick_pte_set_outputs(m, (int32_t[]){y}, 1);
  uint8_t *pte = NULL;
  size_t pte_size = 0;
  char path[1024];
  if (wick_pte_writer_finish(w, &pte, &pte_size, &d) != WICK_OK) goto fail;
  snprintf(path, sizeof path, "%s/demo.pte", argv[1]);
  if (wick_write_file(path, pte, pte_size, &d) != WICK_OK) goto fail;

  wick_bpte_writer *bw = wick_bpte_writer_new(pte, pte_size);
  for (int c = 0; c < NCASES; c++) {
    float xin[IN], yref[OUT];
    for (int i = 0; i < IN; i++) xin[i] = frand() * 4.0f;
    reference(xin, w1t, b1, w2t, b2, yref);
    wick_bpte_case *tc = wick_bpte_add_case(bw, "forward");
    wick_bpte_case_tensor(tc, false, WICK_F32, 2, (int32_t[]){1, IN}, xin, sizeof xin);
    wick_bpte_case_tensor(tc, true, WICK_F32, 2, (int32_t[]){1, OUT}, yref, sizeof yref);
    if (c == 0) { /* the first case's input also as .npy, for `wick run --input` */
      wick_tensor t;
      wick_tensor_init(&t, WICK_F32, 2, (int64_t[]){1, IN}, xin, sizeof xin);
      snprintf(path, sizeof path, "%s/demo_input.npy", argv[1]);
      if (wick_npy_save(path, &t, &d) != WICK_OK) goto fail;
    }
  }
  uint8_t *bpte = NULL;
  size_t bpte_size = 0;
  if (wick_bpte_writer_finish(bw, &bpte, &bpte_size, &d) != WICK_OK) goto fail;
  snprintf(path, sizeof path, "%s/demo.bpte", argv[1]);
  if (wick_write_file(path, bpte, bpte_size, &d) != WICK_OK) goto fail;
  free(bpte);
  wick_bpte_writer_free(bw);
  free(pte);
  wick_pte_writer_free(w);
  printf("wrote %s/demo.pte (%zu bytes) and demo.bpte (%zu bytes)\n", argv[1], pte_size,
         bpte_size);
  return 0;
fail:
  fprintf(stderr, "make_demo_model: %s\n", d.msg);
  return 1;
}
