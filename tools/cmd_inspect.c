/* wick inspect: describe a program (.pte), bundled program (.bpte) or external
 * data file (.ptd) without running anything. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format/fb.h"
#include "format/pte.h"

static const char kUsage[] = "wick inspect FILE(.pte|.bpte|.ptd) [--data FILE.ptd]...";

static void help(void) {
  printf("usage: %s\n"
         "\n"
         "Describes a file without running it:\n"
         "  .pte   header (extended header, program size, segment base), segments,\n"
         "         and per method: inputs and outputs (kind, dtype, shape), operators,\n"
         "         instruction / value / chain counts, planned bytes per memory id,\n"
         "         constant bytes, delegates and the runtime arena size; the model\n"
         "         metadata wick convert records (name, version, producer, creation\n"
         "         time, constants' SHA-256, recomputed and compared)\n"
         "  .bpte  the bundled test suites and their cases, then the embedded program\n"
         "  .ptd   every entry: key, dtype, shape and bytes\n"
         "\n"
         "  --data FILE.ptd   attach external data (repeatable); listed after the program\n"
         "\n"
         "Exit status 0 on success, 1 on any failure (one line on stderr).\n",
         kUsage);
}

/* "key            value" with the key padded to a column. */
static void field(int indent, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void field(int indent, const char *key, const char *fmt, ...) {
  int width = 18 - indent;
  printf("%*s%-*s ", indent, "", width > 0 ? width : 1, key);
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

static void describe_tensor_extra(const wick_tensor *t, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = '\0';
  if (!wick_tensor_is_contiguous(t)) {
    used += (size_t)snprintf(buf + used, n - used, "  dim order (");
    for (int k = 0; k < t->dim && used < n; k++)
      used += (size_t)snprintf(buf + used, n - used, k ? ",%u" : "%u", (unsigned)t->dim_order[k]);
    if (used < n) used += (size_t)snprintf(buf + used, n - used, ")");
  }
  if (used < n && t->dynamism == WICK_SHAPE_DYNAMIC_BOUND)
    used += (size_t)snprintf(buf + used, n - used, "  dynamic shape (upper bound)");
  else if (used < n && t->dynamism == WICK_SHAPE_DYNAMIC_UNBOUND)
    snprintf(buf + used, n - used, "  dynamic shape (unbounded)");
}

static int print_io(const wick_program *p, const char *method, bool output, uint32_t count,
                    const char *path) {
  field(2, output ? "outputs" : "inputs", "%u", count);
  for (uint32_t i = 0; i < count; i++) {
    wick_io_info info;
    wick_diag d;
    wick_diag_clear(&d);
    if (wick_method_io_info(p, method, output, i, &info, &d) != WICK_OK)
      return cli_error("%s: method '%s' %s %u: %s", path, method, output ? "output" : "input", i,
                       d.msg);
    const char *kind = wick_value_kind_name(info.kind);
    char desc[128], extra[96], name[64];
    if (wick_method_io_name(p, method, output, i, name, sizeof name, NULL) != WICK_OK)
      name[0] = '\0';
    printf("    [%u] %-8s", i, kind ? kind : "?");
    if (name[0]) printf(" '%s'", name);
    switch (info.kind) {
      case WICK_VAL_TENSOR:
        describe_tensor_extra(&info.tensor, extra, sizeof extra);
        printf(" %-20s %s%s\n", wick_tensor_describe(&info.tensor, desc, sizeof desc),
               info.planned ? "planned" : "not planned (caller memory)", extra);
        break;
      case WICK_VAL_INT: printf(" = %" PRId64 "\n", info.ival); break;
      case WICK_VAL_BOOL: printf(" = %s\n", info.ival ? "true" : "false"); break;
      case WICK_VAL_DOUBLE: printf(" = %.17g\n", info.dval); break;
      default: putchar('\n'); break;
    }
  }
  return 0;
}

/* Lower bound of planned memory: the peak, over the instruction schedule, of
 * the bytes of planned tensors alive at once (a tensor lives from its first
 * to its last use; inputs from the start, outputs to the end). Tensors planned
 * at the same bytes while both are alive (a view sharing its input's memory,
 * plan.c) are one allocation and count once. Needs the method to load
 * (kernels bound); returns false when it does not. */
typedef struct live_span {
  const wick_tensor *t;
  const void *data;
  size_t bytes;
  uint32_t first, last;
} live_span;

static void note_use(live_span *spans, uint32_t *n, uint32_t cap, const wick_tensor *t,
                     const wick_arenas *a, uint32_t step) {
  if (t == NULL || t->data == NULL) return;
  bool planned = false;
  for (uint32_t k = 0; k < a->num_planned; k++) {
    const char *base = a->planned[k];
    if ((const char *)t->data >= base && (const char *)t->data < base + a->planned_sizes[k])
      planned = true;
  }
  if (!planned) return;
  for (uint32_t k = 0; k < *n; k++)
    if (spans[k].t == t) {
      if (step < spans[k].first) spans[k].first = step;
      if (step > spans[k].last) spans[k].last = step;
      return;
    }
  if (*n == cap) return;
  spans[*n].t = t;
  spans[*n].data = t->data;
  spans[*n].bytes = (wick_tensor_nbytes(t) + 15) / 16 * 16;
  spans[*n].first = spans[*n].last = step;
  (*n)++;
}

/* Joins spans of the same bytes whose lifetimes meet (aliases); returns the new count. */
static uint32_t merge_aliases(live_span *spans, uint32_t n) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (uint32_t i = 0; i < n; i++)
      for (uint32_t j = i + 1; j < n; j++) {
        live_span *x = &spans[i], *y = &spans[j];
        if (x->data != y->data || x->bytes != y->bytes) continue;
        if (x->first > y->last || y->first > x->last) continue;
        if (y->first < x->first) x->first = y->first;
        if (y->last > x->last) x->last = y->last;
        spans[j--] = spans[--n];
        changed = true;
      }
  }
  return n;
}

static bool planned_lower_bound(const wick_program *p, const char *name, uint64_t *bound) {
  wick_diag d;
  wick_diag_clear(&d);
  wick_loaded_method lm;
  if (wick_method_load_alloc(p, name, &lm, &d) != WICK_OK) return false;
  uint32_t ninstr = wick_method_num_instructions(lm.method);
  uint32_t cap = 4096, n = 0;
  live_span *spans = calloc(cap, sizeof *spans);
  if (spans == NULL) {
    wick_method_free(&lm);
    return false;
  }
  for (uint32_t k = 0; k < wick_method_num_inputs(lm.method); k++)
    note_use(spans, &n, cap, wick_method_input(lm.method, k), &lm.arenas, 0);
  for (uint32_t i = 0; i < ninstr; i++) {
    uint32_t nargs = 0;
    wick_value *const *args = wick_method_instr_args(lm.method, i, &nargs);
    for (uint32_t a = 0; a < nargs; a++) {
      const wick_value *v = args[a];
      if (v->kind == WICK_VAL_TENSOR) note_use(spans, &n, cap, v->u.t, &lm.arenas, i + 1);
      if (v->kind == WICK_VAL_TENSOR_LIST || v->kind == WICK_VAL_OPT_TENSOR_LIST)
        for (uint32_t j = 0; j < v->u.tl.n; j++)
          note_use(spans, &n, cap, v->u.tl.items[j], &lm.arenas, i + 1);
    }
  }
  for (uint32_t k = 0; k < wick_method_num_outputs(lm.method); k++)
    note_use(spans, &n, cap, wick_method_output(lm.method, k), &lm.arenas, ninstr + 1);
  n = merge_aliases(spans, n);
  uint64_t peak = 0;
  for (uint32_t step = 0; step <= ninstr + 1; step++) {
    uint64_t live = 0;
    for (uint32_t k = 0; k < n; k++)
      if (spans[k].first <= step && step <= spans[k].last) live += spans[k].bytes;
    if (live > peak) peak = live;
  }
  free(spans);
  wick_method_free(&lm);
  *bound = peak;
  return true;
}

static int print_method(const wick_program *p, const char *name, const char *path) {
  wick_method_meta meta;
  wick_diag d;
  wick_diag_clear(&d);
  if (wick_method_meta_get(p, name, &meta, &d) != WICK_OK)
    return cli_error("%s: method '%s': %s", path, name, d.msg);
  printf("\nmethod '%s'\n", name);
  if (print_io(p, name, false, meta.num_inputs, path) != 0) return CLI_FAIL;
  if (print_io(p, name, true, meta.num_outputs, path) != 0) return CLI_FAIL;
  field(2, "operators", "%u", meta.num_operators);
  for (uint32_t i = 0; i < meta.num_operators; i++) {
    char op[256];
    wick_diag_clear(&d);
    if (wick_method_operator_name(p, name, i, op, sizeof op, &d) != WICK_OK)
      return cli_error("%s: method '%s' operator %u: %s", path, name, i, d.msg);
    const bool has_kernel = wick_find_kernel(op) != NULL;
    printf("    [%u] %s%s\n", i, op, has_kernel ? "" : "   (no kernel registered)");
  }
  field(2, "instructions", "%u", meta.num_instructions);
  field(2, "chains", "%u", meta.num_chains);
  field(2, "values", "%u", meta.num_values);
  field(2, "delegates", "%u", meta.num_delegates);
  uint64_t planned_total = 0;
  for (uint32_t i = 0; i < meta.num_planned; i++) planned_total += meta.planned_sizes[i];
  uint64_t bound = 0;
  if (planned_lower_bound(p, name, &bound) && bound > 0)
    field(2, "planned memory", "%" PRIu64 " bytes in %u arena%s; lower bound %" PRIu64
          " bytes (peak live tensors), %.1f%% above it",
          planned_total, meta.num_planned, meta.num_planned == 1 ? "" : "s", bound,
          100.0 * ((double)planned_total - (double)bound) / (double)bound);
  else
    field(2, "planned memory", "%" PRIu64 " bytes in %u arena%s", planned_total,
          meta.num_planned, meta.num_planned == 1 ? "" : "s");
  for (uint32_t i = 0; i < meta.num_planned; i++)
    printf("    memory id %-4u %" PRIu64 " bytes\n", i + 1, meta.planned_sizes[i]);
  field(2, "constant data", "%" PRIu64 " bytes", meta.constant_bytes);
  field(2, "runtime arena", "%zu bytes", meta.runtime_bytes);
  return 0;
}

/* Header, segments and tables of a loaded program (read with the checked reader). */
static void print_program_header(const wick_program *p) {
  char ident[5] = {0};
  if (p->size >= 8) memcpy(ident, p->data + 4, 4);
  for (int i = 0; i < 4; i++)
    if (ident[i] < 0x20 || ident[i] > 0x7e) ident[i] = '?';
  field(0, "format", "ExecuTorch program (%s), schema version %u", ident, p->version);
  if (p->has_ext_header)
    field(0, "extended header", "eh00: program %" PRIu64 " bytes, segment base %" PRIu64,
          p->program_size, p->segment_base);
  else
    field(0, "extended header", "none (program %" PRIu64 " bytes)", p->program_size);

  fb_reader r;
  fb_init(&r, p->data, (size_t)p->program_size);
  fb_table root = fb_table_at(&r, p->root);
  fb_vec segs = fb_get_vec(&r, &root, PROGRAM_SEGMENTS, 4);
  fb_vec cbuf = fb_get_vec(&r, &root, PROGRAM_CONSTANT_BUFFER, 4);
  fb_vec dd = fb_get_vec(&r, &root, PROGRAM_BACKEND_DELEGATE_DATA, 4);
  fb_vec named = fb_get_vec(&r, &root, PROGRAM_NAMED_DATA, 4);
  fb_table cseg = fb_get_table(&r, &root, PROGRAM_CONSTANT_SEGMENT);
  if (r.bad) {
    field(0, "segments", "(unreadable: %s)", r.bad);
    return;
  }
  field(0, "segments", "%u", segs.len);
  for (uint32_t i = 0; i < segs.len; i++) {
    fb_table s = fb_vec_table(&r, segs, i);
    uint64_t off = fb_get_u64(&r, &s, DATA_SEGMENT_OFFSET, 0);
    uint64_t size = fb_get_u64(&r, &s, DATA_SEGMENT_SIZE, 0);
    if (r.bad) {
      printf("  [%u] (unreadable: %s)\n", i, r.bad);
      return;
    }
    printf("  [%u] file offset %-8" PRIu64 " (base + %" PRIu64 ")  %" PRIu64 " bytes\n", i,
           p->segment_base + off, off, size);
  }
  if (cseg.pos != 0) {
    uint32_t idx = fb_get_u32(&r, &cseg, SUBSEG_SEGMENT_INDEX, 0);
    fb_vec offs = fb_get_vec(&r, &cseg, SUBSEG_OFFSETS, 8);
    if (!r.bad) field(0, "constant segment", "segment %u, %u entries", idx, offs.len);
  }
  if (cbuf.len) field(0, "inline constants", "%u buffers (constant_buffer)", cbuf.len);
  if (dd.len) field(0, "delegate data", "%u inline blobs", dd.len);
  if (named.len) field(0, "named data", "%u blobs", named.len);
}

/* Producer metadata (named data "wick.metadata"), the recorded constants
 * digest checked against the constant data. */
static void print_metadata(const wick_program *p) {
  char key[64], value[512];
  if (wick_program_metadata_entry(p, 0, key, sizeof key, value, sizeof value, NULL) != WICK_OK) {
    field(0, "metadata", "none (not written by wick convert)");
    return;
  }
  field(0, "metadata", "%s", WICK_METADATA_KEY);
  for (uint32_t i = 0;
       wick_program_metadata_entry(p, i, key, sizeof key, value, sizeof value, NULL) == WICK_OK;
       i++) {
    if (strcmp(key, "constants_sha256") != 0) {
      field(2, key, "%s", value);
      continue;
    }
    uint8_t digest[WICK_SHA256_BYTES];
    char hex[2 * WICK_SHA256_BYTES + 1];
    uint32_t n = 0;
    wick_diag d;
    wick_diag_clear(&d);
    if (wick_program_constants_sha256(p, digest, &n, &d) != WICK_OK)
      field(2, key, "%s (cannot recompute: %s)", value, d.msg);
    else if (strcmp(wick_sha256_hex(digest, hex), value) == 0)
      field(2, key, "%s (matches the %u constant buffer%s)", value, n, n == 1 ? "" : "s");
    else
      field(2, key, "%s MISMATCH: the %u constant buffer%s hash to %s", value, n,
            n == 1 ? "" : "s", hex);
  }
}

static int print_program(const wick_program *p, const char *path) {
  print_program_header(p);
  print_metadata(p);
  field(0, "methods", "%u", p->num_methods);
  for (uint32_t i = 0; i < p->num_methods; i++) {
    const char *name = wick_program_method_name(p, i);
    if (name == NULL) return cli_error("%s: method %u has no readable name", path, i);
    if (print_method(p, name, path) != 0) return CLI_FAIL;
  }
  return 0;
}

static int print_bundle(const wick_bundled *b, const char *path) {
  char ident[5] = {0};
  memcpy(ident, b->data + 4, 4);
  field(0, "format", "ExecuTorch bundled program (%s), version %u", ident, b->version);
  field(0, "embedded program", "%zu bytes", b->program_size);
  field(0, "test suites", "%u", b->num_suites);
  for (uint32_t s = 0; s < b->num_suites; s++) {
    wick_bundled_suite suite;
    wick_diag d;
    wick_diag_clear(&d);
    if (wick_bundled_get_suite(b, s, &suite, &d) != WICK_OK)
      return cli_error("%s: suite %u: %s", path, s, d.msg);
    printf("  [%u] method '%s': %u case%s\n", s, suite.method_name, suite.num_cases,
           suite.num_cases == 1 ? "" : "s");
    for (uint32_t c = 0; c < suite.num_cases; c++) {
      uint32_t ni = 0, ne = 0;
      if (wick_bundled_case_counts(b, s, c, &ni, &ne, &d) != WICK_OK)
        return cli_error("%s: suite %u case %u: %s", path, s, c, d.msg);
      printf("      case %-3u %u input%s -> %u expected output%s:", c, ni, ni == 1 ? "" : "s", ne,
             ne == 1 ? "" : "s");
      for (uint32_t k = 0; k < ni + ne; k++) {
        wick_bundled_value v;
        if (wick_bundled_case_value(b, s, c, k >= ni, k >= ni ? k - ni : k, &v, &d) != WICK_OK)
          return cli_error("%s: suite %u case %u: %s", path, s, c, d.msg);
        char desc[96];
        if (v.kind == WICK_VAL_TENSOR)
          wick_tensor_describe(&v.tensor, desc, sizeof desc);
        else
          snprintf(desc, sizeof desc, "%s", wick_value_kind_name(v.kind));
        printf("%s %s", k == ni ? " ->" : (k ? "," : ""), desc);
      }
      putchar('\n');
    }
  }
  return 0;
}

static int print_data_map(const wick_data_map *m, const char *path) {
  field(0, "entries", "%u%s", m->count, m->legacy ? " (older flat-tensor layout)" : "");
  for (uint32_t i = 0; i < m->count; i++) {
    wick_data_entry e;
    wick_diag d;
    wick_diag_clear(&d);
    if (wick_data_map_entry(m, i, &e, &d) != WICK_OK)
      return cli_error("%s: entry %u: %s", path, i, d.msg);
    if (e.has_layout) {
      wick_tensor t;
      char desc[96];
      size_t nbytes = 0;
      if (wick_tensor_init(&t, e.dtype, e.dim, e.sizes, NULL, 0) == WICK_OK) {
        wick_tensor_describe(&t, desc, sizeof desc);
        nbytes = wick_tensor_nbytes(&t);
      } else {
        snprintf(desc, sizeof desc, "(layout not describable)");
      }
      printf("  [%u] %-28s %-18s %zu bytes\n", i, e.key ? e.key : "?", desc, nbytes);
    } else {
      printf("  [%u] %-28s %-18s %zu bytes\n", i, e.key ? e.key : "?", "(blob)", e.size);
    }
  }
  return 0;
}

static int inspect_ptd(const char *path, const wick_file *f) {
  wick_data_map m;
  wick_diag d;
  wick_diag_clear(&d);
  if (wick_data_map_load(&m, f->data, f->size, &d) != WICK_OK) return cli_error("%s: %s", path, d.msg);
  printf("file               %s (%zu bytes)\n", path, f->size);
  field(0, "format", "ExecuTorch external data (FT01)");
  field(0, "segment base", "%" PRIu64, m.segment_base);
  return print_data_map(&m, path);
}

int cmd_inspect(int argc, char **argv) {
  const char *path = NULL;
  const char **data = calloc((size_t)argc, sizeof *data);
  uint32_t num_data = 0;
  int rc = CLI_FAIL;
  if (data == NULL) return cli_error("inspect: out of memory");
  bool positional_only = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = NULL;
    int r;
    if (!positional_only) {
      if (cli_is_help(a)) {
        help();
        rc = 0;
        goto done;
      }
      if (strcmp(a, "--") == 0) {
        positional_only = true;
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--data", &v, "inspect")) != 0) {
        if (r < 0) goto done;
        data[num_data++] = v;
        continue;
      }
      if (a[0] == '-' && a[1] != '\0') {
        cli_usage_error("inspect", kUsage, "unknown option '%s'", a);
        goto done;
      }
    }
    if (path) {
      cli_usage_error("inspect", kUsage, "unexpected argument '%s' (one file at a time)", a);
      goto done;
    }
    path = a;
  }
  if (path == NULL) {
    cli_usage_error("inspect", kUsage, "missing FILE argument");
    goto done;
  }

  /* A .ptd on its own is described directly. */
  wick_file f;
  wick_diag d;
  wick_diag_clear(&d);
  if (wick_file_open(&f, path, &d) != WICK_OK) {
    cli_error("%s", d.msg);
    goto done;
  }
  bool is_ptd = f.size >= 8 && memcmp((const char *)f.data + 4, "FT", 2) == 0;
  if (is_ptd) {
    rc = num_data ? cli_error("inspect: --data applies to programs, and %s is a data file", path)
                  : inspect_ptd(path, &f);
    wick_file_close(&f);
    goto done;
  }
  wick_file_close(&f);

  cli_model m;
  if (cli_model_open(&m, path, data, num_data) != 0) goto done;
  printf("file               %s (%zu bytes)\n", path, m.file.size);
  rc = 0;
  if (m.bundled) {
    rc = print_bundle(&m.bundle, path);
    if (rc == 0) printf("\nembedded program\n");
  }
  if (rc == 0) rc = print_program(&m.program, path);
  for (uint32_t i = 0; rc == 0 && i < m.num_data; i++) {
    printf("\ndata file          %s (%zu bytes)\n", data[i], m.data_files[i].size);
    rc = print_data_map(&m.data_maps[i], data[i]);
  }
  cli_model_close(&m);
  if (rc == 0 && fflush(stdout) != 0) rc = cli_error("inspect: cannot write to standard output");

done:
  free(data);
  return rc;
}
