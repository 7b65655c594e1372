/* libFuzzer target for the ONNX reader. Every input is fed to both entry
 * points: as a ModelProto (then every struct is walked, every attribute looked
 * up with each typed getter, and every tensor materialized) and as a
 * standalone TensorProto. Inputs must be accepted or rejected with a message,
 * never read out of bounds. No base directory is given, so external data is
 * rejected without touching the file system.
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DWICK_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_onnx
 *   ./build-fuzz/fuzz_onnx -max_total_time=60 <dir with model.onnx / *.pb seeds>
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/onnx/onnx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void touch_string(const char *s) {
  if (s == NULL) abort(); /* the reader never leaves name strings NULL */
  sink += strlen(s);
}

static void touch_bytes(const wick_onnx_bytes *b) {
  if (b->data == NULL) return;
  if (b->data[b->size] != '\0') abort(); /* copies are NUL-terminated */
  for (size_t i = 0; i < b->size; i++) sink += (uint8_t)b->data[i];
}

static void check_array(const wick_onnx_array *a) {
  size_t esize = wick_dtype_size(a->dtype);
  if (esize == 0 || a->numel * esize != a->nbytes) abort();
  if (a->rank > 0 && a->dims == NULL) abort();
  const uint8_t *p = a->data;
  for (size_t i = 0; i < a->nbytes; i++) sink += p[i];
  for (uint32_t i = 0; i < a->rank; i++)
    if (a->dims[i] < 0) abort();
  touch_string(a->name);
}

static void walk_tensor(const wick_onnx_model *m, const wick_onnx_tensor *t) {
  touch_string(t->name);
  for (uint32_t i = 0; i < t->rank; i++) sink += (size_t)t->dims[i];
  for (size_t i = 0; i < t->num_string_data; i++) touch_bytes(&t->string_data[i]);
  for (uint32_t i = 0; i < t->num_external_data; i++) {
    touch_string(t->external_data[i].key);
    touch_string(t->external_data[i].value);
  }
  wick_onnx_array a;
  wick_diag d = {0};
  wick_status s = wick_onnx_tensor_data(m, t, &a, &d);
  if (s == WICK_OK) {
    check_array(&a);
    wick_onnx_array_free(&a);
  } else if (d.msg[0] == '\0' || a.data != NULL) {
    abort();
  }
}

static void walk_type(const wick_onnx_type *t) {
  for (uint32_t i = 0; i < t->rank; i++)
    if (t->dims[i].param != NULL) touch_string(t->dims[i].param);
  if (t->elem != NULL) walk_type(t->elem);
}

static void walk_values(const wick_onnx_value_info *v, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    touch_string(v[i].name);
    walk_type(&v[i].type);
  }
}

static void walk_graph(const wick_onnx_model *m, const wick_onnx_graph *g);

static void walk_node(const wick_onnx_model *m, const wick_onnx_node *n) {
  touch_string(n->name);
  touch_string(n->op_type);
  touch_string(n->domain);
  touch_string(n->overload);
  for (uint32_t i = 0; i < n->num_inputs; i++) touch_string(n->inputs[i]);
  for (uint32_t i = 0; i < n->num_outputs; i++) touch_string(n->outputs[i]);
  for (uint32_t i = 0; i < n->num_attributes; i++) {
    const wick_onnx_attribute *a = &n->attributes[i];
    touch_string(a->name);
    touch_bytes(&a->s);
    for (uint32_t k = 0; k < a->num_strings; k++) touch_bytes(&a->strings[k]);
    for (uint32_t k = 0; k < a->num_ints; k++) sink += (size_t)a->ints[k];
    for (uint32_t k = 0; k < a->num_floats; k++) sink += a->floats[k] > 0;
    if (a->t != NULL) walk_tensor(m, a->t);
    for (uint32_t k = 0; k < a->num_tensors; k++) walk_tensor(m, &a->tensors[k]);
    if (a->g != NULL) walk_graph(m, a->g);
    for (uint32_t k = 0; k < a->num_graphs; k++) walk_graph(m, &a->graphs[k]);
    if (a->tp != NULL) walk_type(a->tp);
    for (uint32_t k = 0; k < a->num_type_protos; k++) walk_type(&a->type_protos[k]);

    /* Every typed getter on this name: success or an explained mismatch. */
    wick_diag d = {0};
    int64_t iv;
    float fv;
    const char *sv;
    const int64_t *ints;
    const float *floats;
    const wick_onnx_bytes *strs;
    const wick_onnx_tensor *tv;
    const wick_onnx_graph *gv;
    uint32_t count;
    wick_status s[8];
    s[0] = wick_onnx_attr_int(n, a->name, 0, &iv, &d);
    s[1] = wick_onnx_attr_float(n, a->name, 0.0f, &fv, &d);
    s[2] = wick_onnx_attr_string(n, a->name, "", &sv, &d);
    if (s[2] == WICK_OK) touch_string(sv);
    s[3] = wick_onnx_attr_ints(n, a->name, &ints, &count, &d);
    if (s[3] == WICK_OK && count > 0) sink += (size_t)ints[count - 1];
    s[4] = wick_onnx_attr_floats(n, a->name, &floats, &count, &d);
    if (s[4] == WICK_OK && count > 0) sink += floats[count - 1] > 0;
    s[5] = wick_onnx_attr_strings(n, a->name, &strs, &count, &d);
    if (s[5] == WICK_OK && count > 0) touch_bytes(&strs[count - 1]);
    s[6] = wick_onnx_attr_tensor(n, a->name, &tv, &d);
    s[7] = wick_onnx_attr_graph(n, a->name, &gv, &d);
    for (int k = 0; k < 8; k++)
      if (s[k] != WICK_OK && d.msg[0] == '\0') abort();
  }
}

static void walk_graph(const wick_onnx_model *m, const wick_onnx_graph *g) {
  touch_string(g->name);
  for (uint32_t i = 0; i < g->num_initializers; i++) walk_tensor(m, &g->initializers[i]);
  walk_values(g->inputs, g->num_inputs);
  walk_values(g->outputs, g->num_outputs);
  walk_values(g->value_infos, g->num_value_infos);
  for (uint32_t i = 0; i < g->num_nodes; i++) walk_node(m, &g->nodes[i]);
  /* look-ups by name go through the same strings */
  if (g->num_inputs > 0) sink += wick_onnx_graph_value_info(g, g->inputs[0].name) != NULL;
  if (g->num_initializers > 0)
    sink += wick_onnx_graph_initializer(g, g->initializers[0].name) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wick_diag d = {0};
  wick_onnx_model *m = wick_onnx_load_buffer(data, size, NULL, &d);
  if (m == NULL) {
    if (d.msg[0] == '\0' || d.status == WICK_OK) abort(); /* every rejection explains itself */
  } else {
    touch_string(m->producer_name);
    touch_string(m->producer_version);
    touch_string(m->domain);
    touch_string(m->doc_string);
    for (uint32_t i = 0; i < m->num_opset_imports; i++) touch_string(m->opset_imports[i].domain);
    for (uint32_t i = 0; i < m->num_metadata_props; i++) {
      touch_string(m->metadata_props[i].key);
      touch_string(m->metadata_props[i].value);
    }
    sink += (size_t)wick_onnx_opset_version(m, "");
    walk_graph(m, &m->graph);
    for (uint32_t i = 0; i < m->num_functions; i++) {
      const wick_onnx_function *fn = &m->functions[i];
      touch_string(fn->name);
      touch_string(fn->domain);
      for (uint32_t k = 0; k < fn->num_attribute_names; k++) touch_string(fn->attribute_names[k]);
      for (uint32_t k = 0; k < fn->num_nodes; k++) walk_node(m, &fn->nodes[k]);
      /* attribute defaults: walked as the attributes of a stand-in node */
      wick_onnx_node defaults;
      memset(&defaults, 0, sizeof defaults);
      defaults.name = defaults.op_type = defaults.domain = defaults.overload = "";
      defaults.attributes = fn->attribute_defaults;
      defaults.num_attributes = fn->num_attribute_defaults;
      walk_node(m, &defaults);
      walk_values(fn->value_infos, fn->num_value_infos);
    }
    wick_onnx_free(m);
  }

  /* The same bytes as a standalone TensorProto (.pb test data). */
  wick_onnx_array a;
  wick_diag dt = {0};
  wick_status s = wick_onnx_tensor_load_buffer(data, size, NULL, &a, &dt);
  if (s == WICK_OK) {
    check_array(&a);
    wick_onnx_array_free(&a);
  } else if (dt.msg[0] == '\0' || a.data != NULL) {
    abort();
  }
  return 0;
}
