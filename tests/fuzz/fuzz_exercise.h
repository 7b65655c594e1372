/* Shared by the .pte / .ptd / .bpte fuzz targets: run a loaded program's
 * methods end to end (metadata, load with malloc'd arenas, ones inputs, one
 * bounded execute) and abort on any failure that comes without a message. */
#ifndef WICK_FUZZ_EXERCISE_H
#define WICK_FUZZ_EXERCISE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/pte_writer.h"
#include "wick/util.h"
#include "wick/wick.h"


#define MAX_ARENA_BYTES ((uint64_t)64 << 20)

static _Alignas(16) uint8_t g_scratch[1 << 20];

static void need_message(wick_status s, const wick_diag *d, const char *call) {
  if (s != WICK_OK && d->msg[0] == '\0') {
    fprintf(stderr, "%s returned %s without a message\n", call, wick_status_name(s));
    abort();
  }
}

static void fill_ones(void *p, int dtype, size_t numel) {
  uint8_t *b = p;
  size_t es = wick_dtype_size(dtype);
  for (size_t i = 0; i < numel; i++) {
    uint8_t *e = b + i * es;
    memset(e, 0, es);
    if (dtype == WICK_F32) {
      float one = 1.0f;
      memcpy(e, &one, 4);
    } else if (dtype == WICK_F64) {
      double one = 1.0;
      memcpy(e, &one, 8);
    } else if (dtype == WICK_F16) {
      e[1] = 0x3c;
    } else if (dtype == WICK_BF16) {
      e[0] = 0x80;
      e[1] = 0x3f;
    } else {
      e[0] = 1;
    }
  }
}

static void run_method(const wick_program *p, const char *name) {
  wick_diag d = {0};
  wick_method_meta meta;
  wick_status s = wick_method_meta_get(p, name, &meta, &d);
  need_message(s, &d, "wick_method_meta_get");
  if (s) return;
  uint64_t total = meta.runtime_bytes;
  for (uint32_t k = 0; k < meta.num_planned && k < WICK_MAX_PLANNED; k++)
    total += meta.planned_sizes[k] < MAX_ARENA_BYTES ? meta.planned_sizes[k] : MAX_ARENA_BYTES;
  if (total > MAX_ARENA_BYTES) return;
  for (uint32_t k = 0; k < meta.num_operators && k < 64; k++) {
    char op[128];
    wick_diag_clear(&d);
    need_message(wick_method_operator_name(p, name, k, op, sizeof op, &d), &d, "operator_name");
  }
  for (uint32_t k = 0; k < meta.num_inputs + meta.num_outputs && k < 64; k++) {
    wick_io_info io;
    bool output = k >= meta.num_inputs;
    wick_diag_clear(&d);
    need_message(wick_method_io_info(p, name, output, output ? k - meta.num_inputs : k, &io, &d),
                 &d, "io_info");
  }
  wick_loaded_method lm;
  wick_diag_clear(&d);
  s = wick_method_load_alloc(p, name, &lm, &d);
  need_message(s, &d, "wick_method_load_alloc");
  if (s) return;
  wick_method_set_step_limit(lm.method, 10000);
  for (uint32_t i = 0; i < wick_method_num_inputs(lm.method) && s == WICK_OK; i++) {
    wick_value *v = wick_method_input_value(lm.method, i);
    if (v == NULL) continue;
    wick_diag_clear(&d);
    if (v->kind == WICK_VAL_TENSOR && v->u.t) {
      wick_tensor in = *v->u.t;
      if (wick_tensor_nbytes(&in) > sizeof g_scratch || wick_dtype_size(in.dtype) == 0) continue;
      fill_ones(g_scratch, in.dtype, wick_tensor_numel(&in));
      in.data = g_scratch;
      in.capacity = sizeof g_scratch;
      s = wick_method_set_input(lm.method, i, &in, &d);
    } else if (v->kind == WICK_VAL_INT || v->kind == WICK_VAL_BOOL ||
               v->kind == WICK_VAL_DOUBLE) {
      s = wick_method_set_input_scalar(lm.method, i, 1, &d);
    }
    need_message(s, &d, "set_input");
  }
  if (s == WICK_OK) {
    wick_diag_clear(&d);
    s = wick_method_execute(lm.method, &d);
    need_message(s, &d, "wick_method_execute");
    for (uint32_t k = 0; s == WICK_OK && k < wick_method_num_outputs(lm.method); k++) {
      const wick_tensor *t = wick_method_output(lm.method, k);
      if (t == NULL || t->data == NULL) continue;
      const volatile uint8_t *b = t->data;
      size_t n = wick_tensor_nbytes(t);
      unsigned sum = 0;
      for (size_t j = 0; j < n; j++) sum += b[j];
      (void)sum;
    }
  }
  wick_method_free(&lm);
}

static void write_seed(const char *dir, const char *name, const uint8_t *data, size_t n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  wick_write_file(path, data, n, NULL);
}


#endif
