/* wick — the converter: ONNX models to ExecuTorch programs (.pte).
 *
 *   wick_convert_options opt = {0};
 *   uint8_t *pte; size_t n; wick_convert_report rep; wick_diag d = {0};
 *   if (wick_convert_onnx("model.onnx", &opt, &pte, &n, &rep, &d) == WICK_OK) {
 *     ... write pte[0..n) to model.pte; free(pte);
 *   }
 *
 * Host side: uses malloc and stdio. The emitted program uses ATen operator
 * names and semantics (aten::convolution.out, aten::addmm.out, ...); operators
 * with no ATen equivalent are wick::* (docs/OPS.md).
 */
#ifndef WICK_COMPILER_H
#define WICK_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wick/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WICK_CONVERT_MAX_SHAPES 16

typedef struct wick_convert_options {
  /* "name=1x3x224x224" pins an input's shape (symbolic dims must be pinned). */
  const char *input_shapes[WICK_CONVERT_MAX_SHAPES];
  uint32_t num_input_shapes;
  bool no_optimize;        /* skip graph passes (folding still runs for shapes) */
  bool inline_constants;   /* legacy constant_buffer instead of a segment      */
  int verbose;             /* 1: pass summaries, 2: the IR after each stage    */
  void (*log)(void *user, const char *line); /* progress / verbose lines     */
  void *log_user;
} wick_convert_options;

typedef struct wick_convert_report {
  uint32_t onnx_nodes;       /* nodes in the ONNX graph                       */
  uint32_t kernel_calls;     /* instructions in the emitted method            */
  uint32_t folded_nodes;     /* nodes evaluated at conversion time            */
  uint32_t fused_nodes;      /* nodes removed by fusions                      */
  uint64_t constant_bytes;   /* bytes of constant tensor data                 */
  uint64_t planned_bytes;    /* planned activation memory                     */
  uint64_t lower_bound_bytes;/* peak live bytes over the schedule             */
  int64_t opset;             /* default-domain opset of the model             */
} wick_convert_report;

/* Converts an ONNX file into a .pte image (malloc'd; free() it). */
wick_status wick_convert_onnx(const char *onnx_path, const wick_convert_options *opt,
                              uint8_t **pte, size_t *pte_size, wick_convert_report *report,
                              wick_diag *d);

#ifdef __cplusplus
}
#endif
#endif
