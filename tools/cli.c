/* Helpers shared by the `wick` subcommands. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wick/backend.h"

/* ---- errors ---- */

static void print_line(const char *prefix, const char *fmt, va_list ap) {
  char buf[1024];
  vsnprintf(buf, sizeof buf, fmt, ap);
  for (char *p = buf; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
  fflush(stdout); /* keep stdout and stderr in order on a terminal */
  fprintf(stderr, "%s%s\n", prefix, buf);
}

int cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  print_line("wick: ", fmt, ap);
  va_end(ap);
  return CLI_FAIL;
}

void cli_note(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  print_line("wick: note: ", fmt, ap);
  va_end(ap);
}

int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return cli_error("%s: %s (usage: %s; see 'wick %s --help')", cmd, msg, usage, cmd);
}

/* ---- option parsing ---- */

bool cli_is_help(const char *arg) {
  return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int cli_option(int argc, char **argv, int *i, const char *name, const char **value,
               const char *cmd) {
  const char *arg = argv[*i];
  size_t n = strlen(name);
  if (strncmp(arg, name, n) != 0) return 0;
  if (arg[n] == '=') {
    *value = arg + n + 1;
    return 1;
  }
  if (arg[n] != '\0') return 0;
  if (*i + 1 >= argc) {
    cli_error("%s: option %s needs a value", cmd, name);
    return -1;
  }
  *value = argv[++*i];
  return 1;
}

bool cli_parse_u64(const char *s, uint64_t *out) {
  if (s == NULL || *s < '0' || *s > '9') return false;
  errno = 0;
  char *end = NULL;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0') return false;
  *out = (uint64_t)v;
  return true;
}

bool cli_parse_double(const char *s, double *out) {
  if (s == NULL || *s == '\0') return false;
  errno = 0;
  char *end = NULL;
  double v = strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || v != v) return false;
  *out = v;
  return true;
}

const char *cli_basename(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* ---- models ---- */

void cli_model_close(cli_model *m) {
  if (m == NULL) return;
  for (uint32_t i = 0; i < m->num_data; i++) wick_file_close(&m->data_files[i]);
  free(m->program_copy);
  wick_file_close(&m->file);
  memset(m, 0, sizeof *m);
}

int cli_model_open(cli_model *m, const char *path, const char *const *data_paths,
                   uint32_t num_data) {
  memset(m, 0, sizeof *m);
  m->path = path;
  wick_diag d;
  wick_diag_clear(&d);
  if (num_data > WICK_MAX_DATA_MAPS)
    return cli_error("%s: at most %d --data files are supported", path, WICK_MAX_DATA_MAPS);
  if (wick_file_open(&m->file, path, &d) != WICK_OK) return cli_error("%s", d.msg);

  const void *prog = m->file.data;
  size_t prog_size = m->file.size;
  if (wick_is_bundled(m->file.data, m->file.size)) {
    m->bundled = true;
    if (wick_bundled_load(&m->bundle, m->file.data, m->file.size, &d) != WICK_OK) {
      cli_error("%s: %s", path, d.msg);
      goto fail;
    }
    /* The embedded program is a byte vector inside the bundle with no
     * particular alignment; kernels read constants in place, so give it a
     * 64-byte aligned home. */
    void *copy = NULL;
    size_t n = m->bundle.program_size;
    if (posix_memalign(&copy, 64, n ? n : 1) != 0 || copy == NULL) {
      cli_error("%s: cannot allocate %zu bytes for the embedded program", path, n);
      goto fail;
    }
    memcpy(copy, m->bundle.program, n);
    m->program_copy = copy;
    prog = copy;
    prog_size = n;
  }
  if (wick_program_load(&m->program, prog, prog_size, &d) != WICK_OK) {
    cli_error("%s: %s%s", path, m->bundled ? "embedded program: " : "", d.msg);
    goto fail;
  }
  for (uint32_t i = 0; i < num_data; i++) {
    const char *dp = data_paths[i];
    if (wick_file_open(&m->data_files[i], dp, &d) != WICK_OK) {
      cli_error("%s", d.msg);
      goto fail;
    }
    m->num_data = i + 1;
    if (wick_data_map_load(&m->data_maps[i], m->data_files[i].data, m->data_files[i].size, &d) !=
            WICK_OK ||
        wick_program_add_data(&m->program, &m->data_maps[i], &d) != WICK_OK) {
      cli_error("%s: %s", dp, d.msg);
      goto fail;
    }
  }
  return 0;
fail:
  cli_model_close(m);
  return CLI_FAIL;
}

const char *cli_pick_method(const cli_model *m, const char *requested) {
  wick_diag d;
  wick_diag_clear(&d);
  wick_method_meta meta;
  const char *name = requested ? requested : "forward";
  if (wick_method_meta_get(&m->program, name, &meta, &d) == WICK_OK) return name;
  if (requested == NULL && d.status == WICK_ERR_NOT_FOUND && m->program.num_methods == 1) {
    const char *only = wick_program_method_name(&m->program, 0);
    if (only) return only;
  }
  cli_error("%s: %s", m->path, d.msg);
  return NULL;
}

int cli_method_load(const cli_model *m, const char *method, wick_loaded_method *lm) {
  wick_diag d;
  wick_diag_clear(&d);
  wick_optimized_register();
  if (wick_method_load_alloc(&m->program, method, lm, &d) != WICK_OK)
    return cli_error("%s: method '%s': %s", m->path, method, d.msg);
  return 0;
}

/* ---- buffers ---- */

void cli_buffers_free(cli_buffers *b) {
  if (b == NULL) return;
  for (uint32_t i = 0; i < b->count; i++) free(b->items[i]);
  free(b->items);
  memset(b, 0, sizeof *b);
}

void *cli_buffers_alloc(cli_buffers *b, size_t n) {
  if (b->count == b->cap) {
    uint32_t cap = b->cap ? b->cap * 2 : 8;
    void **items = realloc(b->items, cap * sizeof *items);
    if (items == NULL) return NULL;
    b->items = items;
    b->cap = cap;
  }
  void *p = NULL;
  if (posix_memalign(&p, 64, n ? n : 1) != 0) return NULL;
  b->items[b->count++] = p;
  return p;
}

/* ---- tensors ---- */

size_t cli_elem_offset(const wick_tensor *t, size_t n) { return wick_tensor_elem_offset(t, n); }

double cli_elem_f64(const wick_tensor *t, size_t n) { return wick_tensor_elem_f64(t, n); }

void cli_elem_int(const wick_tensor *t, size_t n, int64_t *i, uint64_t *u, bool *is_unsigned) {
  wick_tensor_elem_int(t, n, i, u, is_unsigned);
}

static void print_elem(FILE *out, const wick_tensor *t, size_t n) {
  switch (t->dtype) {
    case WICK_F64: fprintf(out, "%.17g", cli_elem_f64(t, n)); return;
    case WICK_F32:
    case WICK_F16:
    case WICK_BF16: fprintf(out, "%.9g", cli_elem_f64(t, n)); return;
    case WICK_BOOL: fputs(cli_elem_f64(t, n) != 0 ? "true" : "false", out); return;
    default: {
      int64_t i;
      uint64_t u;
      bool is_unsigned;
      cli_elem_int(t, n, &i, &u, &is_unsigned);
      if (is_unsigned)
        fprintf(out, "%" PRIu64, u);
      else
        fprintf(out, "%" PRId64, i);
    }
  }
}

const char *cli_value_describe(const wick_value *v, char *buf, size_t n) {
  if (v == NULL) {
    snprintf(buf, n, "(missing)");
  } else if (v->kind == WICK_VAL_TENSOR && v->u.t) {
    wick_tensor_describe(v->u.t, buf, n);
  } else {
    const char *k = wick_value_kind_name(v->kind);
    snprintf(buf, n, "%s", k ? k : "?");
  }
  return buf;
}

void cli_print_value(FILE *out, const char *label, const wick_value *v, size_t limit) {
  char desc[128];
  fprintf(out, "%s: %s", label, cli_value_describe(v, desc, sizeof desc));
  if (v == NULL) {
    fputc('\n', out);
    return;
  }
  switch (v->kind) {
    case WICK_VAL_TENSOR: {
      const wick_tensor *t = v->u.t;
      if (t == NULL) break;
      size_t numel = wick_tensor_numel(t);
      fputs(" = [", out);
      if (t->data == NULL && numel > 0) {
        fputs("(no data)]\n", out);
        return;
      }
      size_t shown = numel < limit ? numel : limit;
      for (size_t k = 0; k < shown; k++) {
        if (k) fputs(", ", out);
        print_elem(out, t, k);
      }
      if (shown < numel)
        fprintf(out, ", ...] (%zu values)\n", numel);
      else
        fputs("]\n", out);
      return;
    }
    case WICK_VAL_INT: fprintf(out, " = %" PRId64, v->u.i); break;
    case WICK_VAL_BOOL: fprintf(out, " = %s", v->u.b ? "true" : "false"); break;
    case WICK_VAL_DOUBLE: fprintf(out, " = %.17g", v->u.d); break;
    case WICK_VAL_STRING:
      fprintf(out, " = \"%.*s\"", (int)v->u.s.len, v->u.s.ptr ? v->u.s.ptr : "");
      break;
    case WICK_VAL_INT_LIST:
      fputs(" = [", out);
      for (uint32_t k = 0; k < v->u.il.n && v->u.il.items; k++)
        fprintf(out, k ? ", %" PRId64 : "%" PRId64, v->u.il.items[k]);
      fputc(']', out);
      break;
    case WICK_VAL_DOUBLE_LIST:
      fputs(" = [", out);
      for (uint32_t k = 0; k < v->u.dl.n && v->u.dl.items; k++)
        fprintf(out, k ? ", %.17g" : "%.17g", v->u.dl.items[k]);
      fputc(']', out);
      break;
    case WICK_VAL_BOOL_LIST:
      fputs(" = [", out);
      for (uint32_t k = 0; k < v->u.bl.n && v->u.bl.items; k++)
        fprintf(out, k ? ", %s" : "%s", v->u.bl.items[k] ? "true" : "false");
      fputc(']', out);
      break;
    case WICK_VAL_TENSOR_LIST:
    case WICK_VAL_OPT_TENSOR_LIST: fprintf(out, " (%u tensors)", v->u.tl.n); break;
    default: break;
  }
  fputc('\n', out);
}

/* ---- inputs ---- */

static void fill_ones(void *buf, int dtype, size_t numel) {
  size_t es = wick_dtype_size(dtype);
  unsigned char one[8] = {0};
  switch (dtype) {
    case WICK_F32: {
      float f = 1.0f;
      memcpy(one, &f, 4);
      break;
    }
    case WICK_F64: {
      double x = 1.0;
      memcpy(one, &x, 8);
      break;
    }
    case WICK_F16: {
      uint16_t h = wick_f32_to_f16(1.0f);
      memcpy(one, &h, 2);
      break;
    }
    case WICK_BF16: {
      uint16_t h = wick_f32_to_bf16(1.0f);
      memcpy(one, &h, 2);
      break;
    }
    case WICK_I16:
    case WICK_U16:
    case WICK_BITS16: {
      uint16_t x = 1;
      memcpy(one, &x, 2);
      break;
    }
    case WICK_I32:
    case WICK_U32:
    case WICK_QI32: {
      uint32_t x = 1;
      memcpy(one, &x, 4);
      break;
    }
    case WICK_I64:
    case WICK_U64: {
      uint64_t x = 1;
      memcpy(one, &x, 8);
      break;
    }
    default: one[0] = 1; break; /* 1-byte types and bool */
  }
  unsigned char *p = buf;
  for (size_t k = 0; k < numel; k++) memcpy(p + k * es, one, es);
}

wick_status cli_set_tensor_input(wick_method *method, uint32_t index, const wick_tensor *t,
                                 cli_buffers *keep, wick_diag *d) {
  const wick_tensor *in = wick_method_input(method, index);
  wick_tensor copy = *t;
  /* Lay the data out in the input's dim order when shapes line up (the
   * runtime aliases unplanned inputs, which needs the same order). */
  if (in && in->dim == t->dim && in->dtype == t->dtype) {
    memcpy(copy.dim_order, in->dim_order, sizeof copy.dim_order);
    wick_tensor_update_strides(&copy);
  }
  size_t nbytes = wick_tensor_nbytes(t);
  void *buf = cli_buffers_alloc(keep, nbytes);
  if (buf == NULL) return wick_diag_set(d, WICK_ERR_MEMORY, "cannot allocate %zu bytes", nbytes);
  copy.data = buf;
  copy.capacity = nbytes;
  copy.is_const = 0;
  size_t es = wick_dtype_size(t->dtype);
  size_t numel = wick_tensor_numel(t);
  if (wick_tensor_is_contiguous(t) && wick_tensor_is_contiguous(&copy)) {
    if (nbytes) memcpy(buf, t->data, nbytes);
  } else {
    for (size_t k = 0; k < numel; k++)
      memcpy((unsigned char *)buf + cli_elem_offset(&copy, k),
             (const unsigned char *)t->data + cli_elem_offset(t, k), es);
  }
  return wick_method_set_input(method, index, &copy, d);
}

int cli_set_inputs(const cli_model *m, wick_method *method, const char *method_name,
                   const char *const *npy_paths, uint32_t num_paths, cli_buffers *keep,
                   uint32_t *fed_ones) {
  uint32_t n = wick_method_num_inputs(method);
  wick_diag d;
  wick_diag_clear(&d);
  if (fed_ones) *fed_ones = 0;
  if (num_paths > 0 && num_paths != n)
    return cli_error("%s: method '%s' takes %u input%s but %u --input file%s given", m->path,
                     method_name, n, n == 1 ? "" : "s", num_paths,
                     num_paths == 1 ? " was" : "s were");
  if (num_paths == 0) {
    for (uint32_t i = 0; i < n; i++) {
      const wick_tensor *in = wick_method_input(method, i);
      if (in == NULL) continue; /* scalars keep the program's value */
      wick_tensor ones = *in;
      size_t nbytes = wick_tensor_nbytes(in);
      void *buf = cli_buffers_alloc(keep, nbytes);
      if (buf == NULL)
        return cli_error("%s: cannot allocate %zu bytes for input %u", m->path, nbytes, i);
      fill_ones(buf, in->dtype, wick_tensor_numel(in));
      ones.data = buf;
      ones.capacity = nbytes;
      ones.is_const = 0;
      if (wick_method_set_input(method, i, &ones, &d) != WICK_OK)
        return cli_error("%s: %s", m->path, d.msg);
      if (fed_ones) (*fed_ones)++;
    }
    return 0;
  }
  for (uint32_t i = 0; i < n; i++) {
    const char *path = npy_paths[i];
    wick_tensor t;
    if (wick_npy_load(path, &t, &d) != WICK_OK) return cli_error("%s", d.msg);
    wick_value *v = wick_method_input_value(method, i);
    wick_status s = WICK_OK;
    if (v && v->kind == WICK_VAL_TENSOR) {
      s = cli_set_tensor_input(method, i, &t, keep, &d);
    } else if (v && (v->kind == WICK_VAL_INT || v->kind == WICK_VAL_BOOL ||
                     v->kind == WICK_VAL_DOUBLE)) {
      if (wick_tensor_numel(&t) != 1)
        s = wick_diag_set(&d, WICK_ERR_INPUT_MISMATCH,
                          "input %u is a scalar %s but the array has %zu values", i,
                          wick_value_kind_name(v->kind), wick_tensor_numel(&t));
      else
        s = wick_method_set_input_scalar(method, i, cli_elem_f64(&t, 0), &d);
    } else {
      s = wick_diag_set(&d, WICK_ERR_INPUT_MISMATCH,
                        "input %u is a %s and cannot come from a .npy file", i,
                        v ? wick_value_kind_name(v->kind) : "missing value");
    }
    free(t.data);
    if (s != WICK_OK) return cli_error("%s: %s", path, d.msg);
  }
  return 0;
}

/* ---- output ---- */

int cli_make_dir(const char *dir) {
  struct stat st;
  if (stat(dir, &st) == 0) {
    if (S_ISDIR(st.st_mode)) return 0;
    return cli_error("%s: exists and is not a directory", dir);
  }
  if (mkdir(dir, 0777) != 0)
    return cli_error("%s: cannot create directory: %s", dir, strerror(errno));
  return 0;
}

int cli_model_option(int argc, char **argv, int *i, const char *cmd, const char **data,
                     uint32_t *num_data, const char **inputs, uint32_t *num_inputs,
                     const char **method) {
  const char *v = NULL;
  int r;
  if (data && (r = cli_option(argc, argv, i, "--data", &v, cmd)) != 0) {
    if (r > 0) data[(*num_data)++] = v;
    return r;
  }
  if (inputs && (r = cli_option(argc, argv, i, "--input", &v, cmd)) != 0) {
    if (r > 0) inputs[(*num_inputs)++] = v;
    return r;
  }
  if (method) return cli_option(argc, argv, i, "--method", method, cmd);
  return 0;
}
