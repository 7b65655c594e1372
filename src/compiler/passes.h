/* Graph passes, memory planning and emission for the converter IR. */
#ifndef WICK_COMPILER_PASSES_H
#define WICK_COMPILER_PASSES_H

#include "compiler/ir.h"
#include "compiler/onnx/onnx.h"
#include "wick/compiler.h"

/* Recounts value uses over live nodes and graph outputs. */
void wc_count_uses(wc_graph *g);
/* Marks nodes whose outputs nobody reads as dead; returns how many. */
uint32_t wc_dce(wc_graph *g);
/* Folds relu / hardtanh / clamp into the producing float conv, addmm or add
 * (wick::*_act ops); returns how many (fuse.c). */
uint32_t wc_fuse_activations(wc_graph *g);
/* DCE, Conv+BN folding, mm+add -> addmm, view/permute chain merging. */
wick_status wc_optimize(wc_graph *g, uint32_t *fused, wick_diag *d);

/* Memory plan: assigns (mem_id 1, offset) to every run-time tensor. */
typedef struct wc_plan {
  uint64_t arena_bytes;      /* size of memory id 1                         */
  uint64_t lower_bound;      /* peak live bytes over the schedule           */
  uint32_t num_tensors;      /* allocations planned (an alias class is one) */
  uint32_t aliased_views;    /* view outputs sharing their input's memory   */
} wc_plan;
/* view_alias: let same-bytes views share their input's memory (plan.c). */
wick_status wc_plan_memory(wc_graph *g, bool view_alias, wc_plan *plan, wick_diag *d);

/* Model metadata written as named data "wick.metadata" (docs/FORMAT.md);
 * constants_sha256 is computed by the emitter. NULL fields are left out. */
typedef struct wc_model_info {
  const char *name, *version, *producer, *created;
} wc_model_info;

/* Emits the graph as a .pte program (method "forward"); info NULL: no metadata. */
wick_status wc_emit_pte(wc_graph *g, const wc_plan *plan, const wick_convert_options *opt,
                        const wc_model_info *info, uint8_t **pte, size_t *size,
                        uint32_t *instructions,
                        uint64_t *constant_bytes, wick_diag *d);

/* ONNX import (import.c). */
wick_status wc_import_onnx(const wick_onnx_model *model, const wick_convert_options *opt,
                           wc_graph *g, uint32_t *folded, wick_diag *d);

#endif
