/* The demo MLP (x [1,16] -> addmm -> relu -> addmm -> y [1,4]) written with
 * the .pte writer, for tests that need a small real program
 * (test_streams, test_profile, test_swap). The caller fills the weights. */
#ifndef WICK_TEST_MLP_PTE_H
#define WICK_TEST_MLP_PTE_H

#include <stdio.h>

#include "compiler/pte_writer.h"
#include "wick/tensor.h"

enum { IN = 16, HID = 32, OUT = 4 };

/* Adds the four constants (w1t [IN,HID], b1 [HID], w2t [HID,OUT], b2 [OUT],
 * in that order) and the method "forward" to w. */
static inline void mlp_pte_add(wick_pte_writer *w, const float *w1t, const float *b1,
                               const float *w2t, const float *b2) {
  uint32_t c_w1 = wick_pte_add_constant(w, w1t, IN * HID * sizeof(float));
  uint32_t c_b1 = wick_pte_add_constant(w, b1, HID * sizeof(float));
  uint32_t c_w2 = wick_pte_add_constant(w, w2t, HID * OUT * sizeof(float));
  uint32_t c_b2 = wick_pte_add_constant(w, b2, OUT * sizeof(float));
  wick_pte_method *m = wick_pte_add_method(w, "forward");
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
}

/* Finishes and frees w; the image (malloc'd) or NULL with a message. */
static inline uint8_t *mlp_pte_finish(wick_pte_writer *w, size_t *size) {
  wick_diag d = {WICK_OK, ""};
  uint8_t *pte = NULL;
  if (wick_pte_writer_finish(w, &pte, size, &d) != WICK_OK) {
    fprintf(stderr, "writer: %s\n", d.msg);
    pte = NULL;
  }
  wick_pte_writer_free(w);
  return pte;
}

#endif
