/* Post-training quantization, internal to the converter (calibrate.c,
 * quantize.c). docs/QUANTIZATION.md section 2 describes the method. */
#ifndef WICK_COMPILER_QUANT_H
#define WICK_COMPILER_QUANT_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler/passes.h"
#include "wick/compiler.h"

/* ---- executing the IR on host buffers ------------------------------------ */

/* Runs nodes of g with one malloc'd buffer per run-time tensor value (grown
 * on demand, so values added to g later are covered); constants read their
 * own data. Several executors over one graph keep separate buffers. */
typedef struct wc_exec {
  wc_graph *g;
  void **buf;
  uint32_t cap;
} wc_exec;

void wc_exec_init(wc_exec *e, wc_graph *g);
void wc_exec_free(wc_exec *e);
/* wc_data_fn over an executor. */
void *wc_exec_data(void *user, int32_t id);
/* Runs node ni; the message names the node on failure. */
wick_status wc_exec_node(wc_exec *e, int32_t ni, wick_diag *d);

/* ---- calibration data ------------------------------------------------------ */

typedef struct wc_calib_data {
  uint32_t num_sets;
  uint32_t num_inputs;   /* graph inputs (tensors) per set                    */
  void **data;           /* [set * num_inputs + k]: that input's bytes (malloc) */
  char **label;          /* per set: file (and index) it came from           */
} wc_calib_data;

/* Loads opt->calib_dir (one .npy per set for single-input models, or one
 * subdirectory per set holding one .npy per input, in name order; a file may
 * also stack N sets as [N, *input shape]) or makes opt->calib_random random
 * sets. Errors name the file and the expected dtype/shape; NaN / Inf values
 * and an empty directory are errors. */
wick_status wc_calib_load(const wc_graph *g, const wick_convert_options *opt, wc_calib_data *cd,
                          wick_diag *d);
void wc_calib_free(wc_calib_data *cd);
/* Copies set s into the executor's graph-input buffers. */
void wc_calib_feed(wc_exec *e, const wc_calib_data *cd, uint32_t s);

/* ---- observers ---------------------------------------------------------------- */

typedef struct wc_range {
  float lo, hi;
  bool seen;
} wc_range;

/* Runs the float graph (the live nodes listed in sched, in order) over every
 * calibration set and returns, for every float32 activation (graph inputs and
 * node outputs), the range chosen by `observer` in ranges[value id]
 * (g->num_values entries). */
wick_status wc_calibrate(wc_graph *g, const int32_t *sched, uint32_t nsched,
                         const wc_calib_data *cd, int observer, const wick_convert_options *opt,
                         wc_range *ranges, wick_diag *d);

/* ---- quantization arithmetic ------------------------------------------------- */

typedef struct wc_qparams {
  double scale; /* float32-representable */
  int32_t zp;   /* int8 zero point */
} wc_qparams;

/* Asymmetric int8 parameters covering [lo, hi] (widened to contain 0). */
wc_qparams wc_qparams_from_range(float lo, float hi);
/* q = clamp(zp + nearbyint(float(1/scale) * x), -128, 127), as the runtime's
 * quantize_per_tensor kernel computes it. */
int8_t wc_quantize_value(float x, wc_qparams q);
/* real ~= mult / 2^31 * 2^shift with mult in [2^30, 2^31) and shift in
 * [-31, 31] (TFLite QuantizeMultiplier; 0 / tiny reals give (0, 0)). */
void wc_quant_multiplier(double real, int32_t *mult, int32_t *shift);

/* The rewrite (quantize.c), called by wick_convert_onnx after the passes. */
wick_status wc_quantize(wc_graph *g, const wick_convert_options *opt, wick_convert_report *rep,
                        wick_diag *d);
/* --quantize int8-dynamic (quantize_dynamic.c): constant-weight linears ->
 * wick::linear_dq8 (int8 weights, activations quantized per row at run
 * time); called by wc_quantize. */
wick_status wc_quantize_dynamic(wc_graph *g, const wick_convert_options *opt,
                                wick_convert_report *rep, wick_diag *d);

/* aten::embedding over float32 constant tables -> quantized_decomposed::
 * embedding_byte.out with int8 rows (quantize_embedding.c). Returns the
 * number rewritten; adds the tables' bytes before / after to the counters. */
uint32_t wc_quantize_embeddings(wc_graph *g, uint64_t *fp32_bytes, uint64_t *int8_bytes);

/* ---- int8 weight layouts (shared by the passes above and the LLM builder,
 *      src/llm/convert_llama2c.c, which writes programs without the IR) ---- */

/* Bytes of the VNNI-blocked int8 weight of wick::linear_dq8 for K inputs and
 * N outputs: ceil(N/16) * ceil(K/4) * 64. */
size_t wc_dq8_packed_bytes(int64_t k, int64_t n);
/* Quantizes a float32 weight for wick::linear_dq8 (docs/OPS.md): symmetric
 * per output channel, scale[o] = max|w[., o]| / 127 (1 for an all-zero
 * channel), q = clamp(round(w / scale), -127, 127), written in the blocked
 * layout, with sum[o] = Σ_k q[k][o]. Element (input k, output o) is read at
 * w[k * stride_k + o * stride_n]: stride_k = n, stride_n = 1 for a [K, N]
 * matrix (aten::mm's right operand), stride_k = 1, stride_n = k for a
 * row-major [N, K] one (nn.Linear / llama2.c). packed must hold
 * wc_dq8_packed_bytes(k, n) zeroed bytes (padding stays 0); scale and sum
 * n values. */
void wc_dq8_pack(const float *w, int64_t k, int64_t n, int64_t stride_k, int64_t stride_n,
                 int8_t *packed, float *scale, int32_t *sum);
/* The int8 table of quantized_decomposed::embedding_byte: one symmetric scale
 * per row of a row-major [rows, cols] float32 table (scale = max|row| / 127,
 * 1 for an all-zero or non-finite row; q in -127..127). */
void wc_quantize_rows_int8(const float *src, int64_t rows, int64_t cols, int8_t *q,
                           float *scale);

#endif
