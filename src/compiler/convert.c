/* wick_convert_onnx: ONNX file -> IR -> passes -> memory plan -> .pte. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler/passes.h"
#include "compiler/quant.h"
#include "wick/compiler.h"
#include "wick/wick.h"

static void logf_(const wick_convert_options *opt, const char *fmt, ...) {
  if (opt == NULL || opt->log == NULL) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  opt->log(opt->log_user, line);
}

/* Outputs must be distinct run-time tensors: copy constants, graph inputs and
 * repeated outputs into fresh tensors with clone.out. */
static void distinct_outputs(wc_graph *g) {
  for (uint32_t k = 0; k < g->num_outputs; k++) {
    int32_t id = g->outputs[k];
    bool copy = g->values[id].data != NULL || g->values[id].input_index >= 0;
    for (uint32_t j = 0; j < k; j++) copy = copy || g->outputs[j] == id;
    if (!copy) continue;
    int32_t t = wc_tensor_like(g, id);
    if (g->values[id].name) g->values[t].name = strdup(g->values[id].name);
    int32_t args[3] = {id, wc_none(g), t};
    wc_node_add(g, "aten::clone.out", args, 3, 1);
    g->outputs[k] = t;
  }
  for (uint32_t k = 0; k < g->num_outputs; k++) g->values[g->outputs[k]].output_index = (int32_t)k;
}

/* Every live node must have a kernel in this build, or the program could not
 * load: fail now, naming the ONNX node. */
static wick_status check_kernels(const wc_graph *g, wick_diag *d) {
  for (uint32_t i = 0; i < g->num_nodes; i++) {
    const wc_node *n = &g->nodes[i];
    if (n->dead || wc_is_control(n) || wick_find_kernel(n->op)) continue;
    return wick_diag_set(d, WICK_ERR_MISSING_KERNEL,
                         "%s lowers to %s, which has no kernel in this build of wick",
                         n->origin ? n->origin : "a node", n->op);
  }
  return WICK_OK;
}

static void dump(const wick_convert_options *opt, const wc_graph *g, const char *stage) {
  if (opt == NULL || opt->verbose < 2) return;
  fprintf(stderr, "---- IR after %s ----\n", stage);
  wc_graph_print(g, stderr);
}

/* Creation time "YYYY-MM-DDTHH:MM:SSZ": $SOURCE_DATE_EPOCH when set
 * (reproducible-builds.org), else now. */
static wick_status creation_time(char *buf, size_t n, wick_diag *d) {
  const char *sde = getenv("SOURCE_DATE_EPOCH");
  time_t t;
  if (sde && *sde) {
    char *end = NULL;
    long long v = strtoll(sde, &end, 10);
    if (end == sde || *end != '\0' || v < 0)
      return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                           "SOURCE_DATE_EPOCH must be a non-negative integer, got '%s'", sde);
    t = (time_t)v;
  } else {
    t = time(NULL);
  }
  struct tm tm;
  if (gmtime_r(&t, &tm) == NULL || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "cannot format the creation time");
  return WICK_OK;
}

/* The model's default name: the file name without directory and extension. */
static void default_name(const char *path, const wick_onnx_model *model, char *buf, size_t n) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = strrchr(base, '.');
  size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
  if (len == 0 && model->has_graph && model->graph.name) {
    base = model->graph.name;
    len = strlen(base);
  }
  if (len >= n) len = n - 1;
  memcpy(buf, base, len);
  buf[len] = '\0';
}

wick_status wick_convert_onnx(const char *onnx_path, const wick_convert_options *opt,
                              uint8_t **pte, size_t *pte_size, wick_convert_report *report,
                              wick_diag *d) {
  wick_convert_report rep;
  memset(&rep, 0, sizeof rep);
  if (report) memset(report, 0, sizeof *report);
  *pte = NULL;
  *pte_size = 0;
  wick_onnx_model *model = wick_onnx_load_file(onnx_path, d);
  if (model == NULL) return d && d->status ? d->status : WICK_ERR_MALFORMED;
  rep.onnx_nodes = model->has_graph ? model->graph.num_nodes : 0;
  rep.opset = wick_onnx_opset_version(model, "");
  logf_(opt, "read %s: %u nodes, opset %lld, producer %s %s", onnx_path, rep.onnx_nodes,
        (long long)rep.opset, model->producer_name ? model->producer_name : "?",
        model->producer_version ? model->producer_version : "");
  wc_graph *g = wc_graph_new();
  wick_status s = wc_import_onnx(model, opt, g, &rep.folded_nodes, d);
  if (s == WICK_OK) {
    dump(opt, g, "import");
    distinct_outputs(g);
    if (opt == NULL || !opt->no_optimize) {
      s = wc_optimize(g, &rep.fused_nodes, d);
    } else {
      wc_dce(g);
    }
    dump(opt, g, "passes");
  }
  if (s == WICK_OK && opt && opt->quantize != WICK_QUANT_NONE) {
    s = wc_quantize(g, opt, &rep, d);
    if (s == WICK_OK) dump(opt, g, "quantization");
  }
  /* Activation fusion last: the quantizer matches conv + relu patterns itself. */
  if (s == WICK_OK && (opt == NULL || !opt->no_optimize)) {
    rep.fused_nodes += wc_fuse_activations(g);
    wc_dce(g);
  }
  if (s == WICK_OK) s = check_kernels(g, d);
  wc_plan plan;
  const char *no_alias = getenv("WICK_NO_VIEW_ALIAS");
  bool view_alias = !(opt && opt->no_view_alias) &&
                    !(no_alias && *no_alias && strcmp(no_alias, "0") != 0);
  if (s == WICK_OK) s = wc_plan_memory(g, view_alias, &plan, d);
  if (s == WICK_OK) {
    rep.aliased_views = plan.aliased_views;
    rep.planned_bytes = plan.arena_bytes;
    rep.lower_bound_bytes = plan.lower_bound;
    char name[256], producer[320], created[32];
    default_name(onnx_path, model, name, sizeof name);
    snprintf(producer, sizeof producer, "wick %s%s%s%s%s", WICK_VERSION_STRING,
             model->producer_name && *model->producer_name ? " from " : "",
             model->producer_name ? model->producer_name : "",
             model->producer_version && *model->producer_version ? " " : "",
             model->producer_version ? model->producer_version : "");
    wc_model_info info = {opt && opt->model_name ? opt->model_name : name,
                          opt && opt->model_version ? opt->model_version : "0", producer,
                          created};
    s = creation_time(created, sizeof created, d);
    if (s == WICK_OK)
      s = wc_emit_pte(g, &plan, opt, &info, pte, pte_size, &rep.kernel_calls,
                      &rep.constant_bytes, d);
  }
  if (s == WICK_OK)
    logf_(opt,
          "emitted %u kernel calls (%u nodes folded, %u fused away); constants %llu bytes; "
          "planned memory %llu bytes (lower bound %llu); %u views share their input's memory",
          rep.kernel_calls, rep.folded_nodes, rep.fused_nodes,
          (unsigned long long)rep.constant_bytes, (unsigned long long)rep.planned_bytes,
          (unsigned long long)rep.lower_bound_bytes, rep.aliased_views);
  if (s != WICK_OK && d) wick_diag_prefix(d, "%s", onnx_path);
  wc_graph_free(g);
  wick_onnx_free(model);
  if (report) *report = rep;
  return s;
}
