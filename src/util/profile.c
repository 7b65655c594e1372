/* Per-instruction profiler (include/wick/profile.h): an observer that records
 * into a preallocated buffer, per-operator totals and Chrome/Perfetto traces. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wick/profile.h"
#include "wick/util.h"

struct wick_profiler {
  wick_method *method;
  wick_profile_event *events; /* (cap) */
  size_t count, cap;
  uint64_t dropped;
  uint64_t t0;                /* start of the instruction in flight */
  bool on;
  uint32_t track;
  char *label;
  /* Per instruction: the distinct argument values, for bytes moved. */
  uint32_t num_instr;
  uint32_t *arg_first;        /* (num_instr + 1) offsets into args */
  const wick_value **args;
};

/* ---- hot path ---- */

static uint64_t value_bytes(const wick_value *v) {
  switch (v->kind) {
    case WICK_VAL_TENSOR:
      return v->u.t ? (uint64_t)wick_tensor_nbytes(v->u.t) : 0;
    case WICK_VAL_TENSOR_LIST:
    case WICK_VAL_OPT_TENSOR_LIST: {
      uint64_t sum = 0;
      for (uint32_t k = 0; k < v->u.tl.n; k++)
        if (v->u.tl.items[k]) sum += (uint64_t)wick_tensor_nbytes(v->u.tl.items[k]);
      return sum;
    }
    default:
      return 0;
  }
}

static void observe(void *user, const wick_method *m, uint32_t instr, int phase) {
  (void)m;
  wick_profiler *p = user;
  if (!p->on) return;
  if (phase == 0) {
    p->t0 = wick_now_ns();
    return;
  }
  uint64_t t1 = wick_now_ns();
  if (p->count == p->cap) {
    p->dropped++;
    return;
  }
  wick_profile_event *e = &p->events[p->count++];
  e->start_ns = p->t0;
  e->end_ns = t1;
  e->instr = instr;
  e->reserved = 0;
  uint64_t bytes = 0;
  if (instr < p->num_instr)
    for (uint32_t k = p->arg_first[instr]; k < p->arg_first[instr + 1]; k++)
      bytes += value_bytes(p->args[k]);
  e->bytes = bytes;
}

/* ---- lifetime ---- */

wick_status wick_profiler_new(wick_method *m, size_t max_events, uint32_t track,
                              const char *label, wick_profiler **out, wick_diag *d) {
  if (out) *out = NULL;
  if (m == NULL || out == NULL || max_events == 0)
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT,
                         "profiler: needs a method, an output and max_events >= 1");
  if (max_events > SIZE_MAX / sizeof(wick_profile_event))
    return wick_diag_set(d, WICK_ERR_MEMORY, "profiler: %zu events is too many", max_events);
  wick_profiler *p = calloc(1, sizeof *p);
  if (p == NULL) return wick_diag_set(d, WICK_ERR_MEMORY, "profiler: out of memory");
  p->method = m;
  p->cap = max_events;
  p->track = track;
  p->on = true;
  p->num_instr = wick_method_num_instructions(m);
  p->events = malloc(max_events * sizeof *p->events);
  p->arg_first = calloc((size_t)p->num_instr + 1, sizeof *p->arg_first);
  size_t total_args = 0;
  for (uint32_t i = 0; i < p->num_instr; i++) {
    uint32_t nargs = 0;
    (void)wick_method_instr_args(m, i, &nargs);
    total_args += nargs;
  }
  p->args = malloc((total_args ? total_args : 1) * sizeof *p->args);
  if (label == NULL) label = "method";
  p->label = malloc(strlen(label) + 1);
  if (p->events == NULL || p->arg_first == NULL || p->args == NULL || p->label == NULL) {
    wick_profiler_free(p);
    return wick_diag_set(d, WICK_ERR_MEMORY, "profiler: cannot allocate %zu events", max_events);
  }
  memcpy(p->label, label, strlen(label) + 1);
  /* Distinct argument values per instruction (an out= tensor appears twice:
   * as the out argument and as the returned value). */
  uint32_t k = 0;
  for (uint32_t i = 0; i < p->num_instr; i++) {
    p->arg_first[i] = k;
    uint32_t nargs = 0;
    wick_value *const *argv = wick_method_instr_args(m, i, &nargs);
    for (uint32_t a = 0; argv && a < nargs; a++) {
      bool seen = false;
      for (uint32_t b = p->arg_first[i]; b < k && !seen; b++) seen = p->args[b] == argv[a];
      if (!seen && argv[a]) p->args[k++] = argv[a];
    }
  }
  p->arg_first[p->num_instr] = k;
  wick_method_set_observer(m, observe, p);
  *out = p;
  return WICK_OK;
}

void wick_profiler_free(wick_profiler *p) {
  if (p == NULL) return;
  /* Only detach when this profiler is still the installed observer; the
   * runtime has no getter, so detach unconditionally when we were attached
   * (a later profiler on the same method re-attaches itself). */
  if (p->method && p->events) wick_method_set_observer(p->method, NULL, NULL);
  free(p->events);
  free(p->arg_first);
  free(p->args);
  free(p->label);
  free(p);
}

void wick_profiler_enable(wick_profiler *p, bool on) {
  if (p) p->on = on;
}

void wick_profiler_reset(wick_profiler *p) {
  if (p == NULL) return;
  p->count = 0;
  p->dropped = 0;
}

size_t wick_profiler_count(const wick_profiler *p) { return p ? p->count : 0; }
const wick_profile_event *wick_profiler_events(const wick_profiler *p) {
  return p ? p->events : NULL;
}
uint64_t wick_profiler_dropped(const wick_profiler *p) { return p ? p->dropped : 0; }
size_t wick_profiler_capacity(const wick_profiler *p) { return p ? p->cap : 0; }
const wick_method *wick_profiler_method(const wick_profiler *p) { return p ? p->method : NULL; }

/* ---- per-operator totals ---- */

static int cmp_stat(const void *a, const void *b) {
  const wick_op_stat *x = a, *y = b;
  if (x->total_ns != y->total_ns) return x->total_ns > y->total_ns ? -1 : 1;
  return strcmp(x->name, y->name);
}

static const char *instr_name(const wick_method *m, uint32_t i) {
  const char *n = wick_method_instr_name(m, i);
  return n ? n : "?";
}

wick_status wick_profile_op_stats(wick_profiler *const *ps, size_t n, wick_op_stat **out,
                                  size_t *count, uint64_t *total_ns, wick_diag *d) {
  if (out == NULL || count == NULL || (ps == NULL && n > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "profile: NULL argument");
  *out = NULL;
  *count = 0;
  if (total_ns) *total_ns = 0;
  wick_op_stat *stats = NULL;
  size_t num = 0, cap = 0;
  uint64_t total = 0;
  for (size_t j = 0; j < n; j++) {
    const wick_profiler *p = ps[j];
    if (p == NULL) continue;
    /* Per-instruction totals first, then merged by name. */
    wick_op_stat *per = calloc((size_t)p->num_instr + 1, sizeof *per);
    if (per == NULL) {
      free(stats);
      return wick_diag_set(d, WICK_ERR_MEMORY, "profile: out of memory");
    }
    for (size_t e = 0; e < p->count; e++) {
      const wick_profile_event *ev = &p->events[e];
      uint32_t i = ev->instr < p->num_instr ? ev->instr : p->num_instr;
      uint64_t dur = ev->end_ns - ev->start_ns;
      per[i].calls++;
      per[i].total_ns += dur;
      per[i].bytes += ev->bytes;
      total += dur;
    }
    for (uint32_t i = 0; i <= p->num_instr; i++) {
      if (per[i].calls == 0) continue;
      const char *name = i < p->num_instr ? instr_name(p->method, i) : "?";
      size_t k = 0;
      while (k < num && strcmp(stats[k].name, name) != 0) k++;
      if (k == num) {
        if (num == cap) {
          size_t ncap = cap ? cap * 2 : 32;
          wick_op_stat *grown = realloc(stats, ncap * sizeof *grown);
          if (grown == NULL) {
            free(per);
            free(stats);
            return wick_diag_set(d, WICK_ERR_MEMORY, "profile: out of memory");
          }
          stats = grown;
          cap = ncap;
        }
        memset(&stats[num], 0, sizeof stats[num]);
        stats[num++].name = name;
      }
      stats[k].calls += per[i].calls;
      stats[k].total_ns += per[i].total_ns;
      stats[k].bytes += per[i].bytes;
    }
    free(per);
  }
  if (num > 1) qsort(stats, num, sizeof *stats, cmp_stat);
  *out = stats;
  *count = num;
  if (total_ns) *total_ns = total;
  return WICK_OK;
}

/* ---- Chrome / Perfetto trace ---- */

/* A growable string for argument descriptions. */
typedef struct sbuf {
  char *s;
  size_t len, cap;
  bool failed;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void sb_add(sbuf *b, const char *fmt, ...) {
  if (b->failed) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
      b->failed = true;
      return;
    }
    if (b->s && (size_t)n < room) {
      b->len += (size_t)n;
      return;
    }
    size_t ncap = b->cap ? b->cap * 2 : 256;
    while (ncap < b->len + (size_t)n + 1) ncap *= 2;
    char *grown = realloc(b->s, ncap);
    if (grown == NULL) {
      b->failed = true;
      return;
    }
    b->s = grown;
    b->cap = ncap;
  }
}

/* JSON string body (no quotes) of s. */
static void sb_json(sbuf *b, const char *s) {
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      sb_add(b, "\\%c", ch);
    else if (ch < 0x20)
      sb_add(b, "\\u%04x", ch);
    else
      sb_add(b, "%c", ch);
  }
}

static void sb_tensor(sbuf *b, const wick_tensor *t) {
  if (t == NULL) {
    sb_add(b, "None");
    return;
  }
  sb_add(b, "%s[", wick_dtype_name(t->dtype));
  for (uint8_t k = 0; k < t->dim; k++) sb_add(b, "%s%" PRId32, k ? "," : "", t->sizes[k]);
  sb_add(b, "]");
}

/* One argument as a JSON string: "float32[1,16]", "int=1", ... */
static void sb_value(sbuf *b, const wick_value *v) {
  sb_add(b, "\"");
  switch (v ? v->kind : WICK_VAL_NONE) {
    case WICK_VAL_TENSOR:
      sb_tensor(b, v->u.t);
      break;
    case WICK_VAL_INT:
      sb_add(b, "int=%" PRId64, v->u.i);
      break;
    case WICK_VAL_BOOL:
      sb_add(b, "bool=%s", v->u.b ? "true" : "false");
      break;
    case WICK_VAL_DOUBLE:
      sb_add(b, "double=%.9g", v->u.d);
      break;
    case WICK_VAL_INT_LIST:
      sb_add(b, "int[%" PRIu32 "]=(", v->u.il.n);
      for (uint32_t k = 0; k < v->u.il.n && k < 8; k++)
        sb_add(b, "%s%" PRId64, k ? "," : "",
               v->u.il.src && v->u.il.src[k] ? v->u.il.src[k]->u.i : v->u.il.items[k]);
      sb_add(b, "%s)", v->u.il.n > 8 ? ",..." : "");
      break;
    case WICK_VAL_TENSOR_LIST:
    case WICK_VAL_OPT_TENSOR_LIST:
      sb_add(b, "(");
      for (uint32_t k = 0; k < v->u.tl.n; k++) {
        if (k) sb_add(b, ",");
        sb_tensor(b, v->u.tl.items[k]);
      }
      sb_add(b, ")");
      break;
    default:
      sb_add(b, "%s", v ? wick_value_kind_name(v->kind) : "null");
      break;
  }
  sb_add(b, "\"");
}

/* Number of trailing "return" arguments: ExecuTorch out= calls end with the
 * out arguments followed by the same values again as the results. */
static uint32_t num_outputs(wick_value *const *argv, uint32_t n) {
  for (uint32_t r = n / 2; r >= 1; r--) {
    bool same = true;
    for (uint32_t k = 0; k < r && same; k++) same = argv[n - 2 * r + k] == argv[n - r + k];
    if (same) return r;
  }
  return n > 0 ? 1 : 0;
}

/* The "args" object of instruction i (without braces' surroundings). */
static void describe_instr(sbuf *b, const wick_method *m, uint32_t i) {
  uint32_t n = 0;
  wick_value *const *argv = wick_method_instr_args(m, i, &n);
  uint32_t r = argv ? num_outputs(argv, n) : 0;
  uint32_t in_end = r && n >= 2 * r && argv[n - 2 * r] == argv[n - r] ? n - 2 * r : n - r;
  sb_add(b, "\"instr\": %" PRIu32 ", \"inputs\": [", i);
  for (uint32_t k = 0; argv && k < in_end; k++) {
    if (k) sb_add(b, ", ");
    sb_value(b, argv[k]);
  }
  sb_add(b, "], \"outputs\": [");
  for (uint32_t k = n - r; argv && k < n; k++) {
    if (k != n - r) sb_add(b, ", ");
    sb_value(b, argv[k]);
  }
  sb_add(b, "]");
}

static void print_us(FILE *f, uint64_t ns) {
  fprintf(f, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}

wick_status wick_profile_write_trace(wick_profiler *const *ps, size_t n, const char *path,
                                     wick_diag *d) {
  if (path == NULL || (ps == NULL && n > 0))
    return wick_diag_set(d, WICK_ERR_INVALID_ARGUMENT, "trace: NULL argument");
  uint64_t origin = UINT64_MAX;
  for (size_t j = 0; j < n; j++)
    if (ps[j] && ps[j]->count && ps[j]->events[0].start_ns < origin)
      origin = ps[j]->events[0].start_ns;
  if (origin == UINT64_MAX) origin = 0;

  FILE *f = fopen(path, "w");
  if (f == NULL)
    return wick_diag_set(d, WICK_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
  wick_status st = WICK_OK;
  sbuf b = {NULL, 0, 0, false};
  char **desc = NULL;
  fprintf(f, "{\"displayTimeUnit\": \"ns\", \"otherData\": {\"producer\": \"wick\"},\n"
             "\"traceEvents\": [\n"
             "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": 0, "
             "\"args\": {\"name\": \"wick\"}}");
  for (size_t j = 0; j < n && st == WICK_OK; j++) {
    const wick_profiler *p = ps[j];
    if (p == NULL) continue;
    b.len = 0;
    sb_json(&b, p->label);
    fprintf(f, ",\n{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": %" PRIu32
               ", \"args\": {\"name\": \"%s\"}}",
            p->track, b.failed ? "?" : b.s);
    fprintf(f, ",\n{\"name\": \"thread_sort_index\", \"ph\": \"M\", \"pid\": 1, \"tid\": %" PRIu32
               ", \"args\": {\"sort_index\": %" PRIu32 "}}",
            p->track, p->track);
    /* Argument descriptions, once per instruction. */
    desc = calloc((size_t)p->num_instr + 1, sizeof *desc);
    if (desc == NULL) {
      st = wick_diag_set(d, WICK_ERR_MEMORY, "trace: out of memory");
      break;
    }
    for (size_t e = 0; e < p->count; e++) {
      const wick_profile_event *ev = &p->events[e];
      uint32_t i = ev->instr < p->num_instr ? ev->instr : p->num_instr;
      if (desc[i] == NULL) {
        b.len = 0;
        b.failed = false;
        if (i < p->num_instr) describe_instr(&b, p->method, i);
        else sb_add(&b, "\"instr\": %" PRIu32, ev->instr);
        sb_add(&b, "%s", "");
        if (b.failed || (desc[i] = malloc(b.len + 1)) == NULL) {
          st = wick_diag_set(d, WICK_ERR_MEMORY, "trace: out of memory");
          break;
        }
        memcpy(desc[i], b.s ? b.s : "", b.len);
        desc[i][b.len] = '\0';
      }
      b.len = 0;
      b.failed = false;
      sb_json(&b, i < p->num_instr ? instr_name(p->method, i) : "?");
      fprintf(f, ",\n{\"name\": \"%s\", \"cat\": \"op\", \"ph\": \"X\", \"pid\": 1, \"tid\": %" PRIu32
                 ", \"ts\": ",
              b.failed ? "?" : b.s, p->track);
      print_us(f, ev->start_ns - origin);
      fprintf(f, ", \"dur\": ");
      print_us(f, ev->end_ns - ev->start_ns);
      fprintf(f, ", \"args\": {%s, \"bytes\": %" PRIu64 "}}", desc[i], ev->bytes);
    }
    for (uint32_t i = 0; i <= p->num_instr; i++) free(desc[i]);
    free(desc);
    desc = NULL;
    if (st == WICK_OK && p->dropped && p->count) {
      fprintf(f, ",\n{\"name\": \"profile buffer full: %" PRIu64 " instructions not recorded\", "
                 "\"ph\": \"i\", \"s\": \"t\", \"pid\": 1, \"tid\": %" PRIu32 ", \"ts\": ",
              p->dropped, p->track);
      print_us(f, p->events[p->count - 1].end_ns - origin);
      fprintf(f, "}");
    }
  }
  fprintf(f, "\n]}\n");
  free(b.s);
  if (ferror(f) && st == WICK_OK)
    st = wick_diag_set(d, WICK_ERR_IO, "%s: write failed: %s", path, strerror(errno));
  if (fclose(f) != 0 && st == WICK_OK)
    st = wick_diag_set(d, WICK_ERR_IO, "%s: write failed: %s", path, strerror(errno));
  return st;
}
