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
  /* Post-training quantization (docs/QUANTIZATION.md section 2). int8:
   * static, needs calib_dir or calib_random; int8-dynamic: the calibration
   * options only feed min_sqnr_db / quant_report (4 random sets if none). */
  int quantize;            /* wick_quant_mode: WICK_QUANT_NONE (default)       */
  const char *calib_dir;   /* directory of .npy calibration sets                */
  uint32_t calib_random;   /* else this many random N(0,1) sets (smoke tests)   */
  int observer;            /* wick_observer (WICK_OBSERVER_DEFAULT: measured)   */
  double min_sqnr_db;      /* layers below this SQNR stay fp32 (0: keep all)    */
  bool quant_report;       /* also run the int8 graph: per-layer and output SQNR */
  /* The planner places a view's output (view_copy, squeeze / unsqueeze_copy,
   * clone) at its input's memory when that cannot change results, so the copy
   * does nothing. true (or WICK_NO_VIEW_ALIAS=1 in the environment) turns it off. */
  bool no_view_alias;
  /* Model metadata recorded in the program (named data "wick.metadata",
   * docs/FORMAT.md): name (NULL: the ONNX file's name without directory and
   * extension, else the graph name) and version (NULL: "0"). The producer
   * ("wick X.Y.Z" and the ONNX producer), the constants' SHA-256 and the
   * creation time (UTC; $SOURCE_DATE_EPOCH when set, for reproducible
   * output) are added by the converter. */
  const char *model_name;
  const char *model_version;
} wick_convert_options;

typedef enum wick_quant_mode {
  WICK_QUANT_NONE = 0,
  WICK_QUANT_INT8 = 1,         /* static: int8 weights and activations (cortex_m::) */
  WICK_QUANT_INT8_DYNAMIC = 2, /* int8 weights, activations quantized per row at run
                                  time (wick::linear_dq8); no calibration needed     */
} wick_quant_mode;

typedef enum wick_observer {
  WICK_OBSERVER_DEFAULT = 0,
  WICK_OBSERVER_MINMAX,
  WICK_OBSERVER_EMA,
  WICK_OBSERVER_PERCENTILE,
  WICK_OBSERVER_KL,
} wick_observer;

/* One quantization candidate (a conv, linear, add, pool... with any fused
 * activation), in graph order. */
typedef struct wick_quant_layer {
  char name[80];             /* the ONNX node ("Conv '/features/0/Conv'")      */
  char op[40];               /* int8 op it became (or would have become)       */
  double sqnr_db;            /* its int8 output vs fp32 on the calibration data,
                                the inputs being the fp32 model's (quantized)    */
  double model_sqnr_db;      /* the same tensor in the int8 model vs the fp32
                                model (errors accumulated); NAN unless quant_report */
  bool kept_fp32;            /* below min_sqnr_db: left in fp32                */
  uint64_t weight_bytes_fp32;/* weights + bias as fp32                         */
  uint64_t weight_bytes_int8;/* int8 weights + int32 bias + requant parameters */
} wick_quant_layer;

typedef struct wick_convert_report {
  uint32_t onnx_nodes;       /* nodes in the ONNX graph                       */
  uint32_t kernel_calls;     /* instructions in the emitted method            */
  uint32_t folded_nodes;     /* nodes evaluated at conversion time            */
  uint32_t fused_nodes;      /* nodes removed by fusions                      */
  uint64_t constant_bytes;   /* bytes of constant tensor data                 */
  uint64_t planned_bytes;    /* planned activation memory                     */
  uint64_t lower_bound_bytes;/* peak live bytes over the schedule             */
  int64_t opset;             /* default-domain opset of the model             */
  /* Quantization (opt->quantize): malloc'd layer table, see
   * wick_convert_report_free. */
  wick_quant_layer *quant_layers;
  uint32_t num_quant_layers;
  uint32_t quant_int8_layers;     /* layers emitted as int8                    */
  uint32_t calib_sets;            /* calibration input sets used              */
  int observer;                   /* observer used (wick_observer)            */
  double quant_output_sqnr_db;    /* model outputs, int8 vs fp32 (quant_report; NAN else) */
  uint64_t quant_weight_bytes_fp32;/* weights of the int8 layers, as fp32      */
  uint64_t quant_weight_bytes_int8;/* the same layers' int8 weights + params   */
  uint32_t aliased_views;         /* views planned in their input's memory     */
} wick_convert_report;

/* Frees what a report owns (the quantization layer table); safe on a zeroed report. */
void wick_convert_report_free(wick_convert_report *report);
/* "minmax", "ema", "percentile", "kl" -> wick_observer (-1 if unknown), and back. */
int wick_observer_parse(const char *name);
const char *wick_observer_name(int observer);

/* Converts an ONNX file into a .pte image (malloc'd; free() it). */
wick_status wick_convert_onnx(const char *onnx_path, const wick_convert_options *opt,
                              uint8_t **pte, size_t *pte_size, wick_convert_report *report,
                              wick_diag *d);

#ifdef __cplusplus
}
#endif
#endif
