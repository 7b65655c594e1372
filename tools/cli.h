/* Helpers shared by the `wick` subcommands: errors, option parsing, opening
 * models (.pte / .bpte plus .ptd data), feeding inputs and printing values. */
#ifndef WICK_TOOLS_CLI_H
#define WICK_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wick/profile.h"
#include "wick/util.h"
#include "wick/wick.h"

/* ---- subcommands (one file each) ---- */

int cmd_run(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_bench_llm(int argc, char **argv);
int cmd_bleu(int argc, char **argv);
/* tools/cmd_generate.c */
struct wick_llm;
int cli_llm_open(struct wick_llm *llm, const char *path, void **owned);
int cli_convert_llama2c(const char *model, const char *out, int32_t max_prefill,
                        int32_t quantize);
int cli_convert_gguf(const char *model, const char *out, int32_t max_prefill,
                     int32_t quantize);
int cmd_profile(int argc, char **argv);
int cmd_translate(int argc, char **argv);

/* ---- errors ----
 * Every failure is one line on stderr starting with "wick: ", and exit status 1. */

#define CLI_FAIL 1

/* Prints "wick: <message>" as one line (newlines in the message become spaces)
 * and returns CLI_FAIL. */
int cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Prints "wick: note: <message>" (informational, not a failure). */
void cli_note(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Prints a usage error: "wick: <cmd>: <message> (usage: <usage>)", returns CLI_FAIL. */
int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- option parsing ---- */

bool cli_is_help(const char *arg);
/* If argv[*i] is `name VALUE` or `name=VALUE`, stores VALUE, advances *i past
 * it and returns 1; returns 0 when argv[*i] is another argument, and -1 (after
 * printing an error) when the value is missing. */
int cli_option(int argc, char **argv, int *i, const char *name, const char **value,
               const char *cmd);
/* The options several subcommands share: --data FILE.ptd, --input FILE.npy
 * (both repeatable; the arrays hold argc entries) and --method NAME. Returns 1
 * when argv[*i] was one of them (consumed), 0 when not, -1 after printing an
 * error. A NULL array means the command does not take that option. */
int cli_model_option(int argc, char **argv, int *i, const char *cmd, const char **data,
                     uint32_t *num_data, const char **inputs, uint32_t *num_inputs,
                     const char **method);
bool cli_parse_u64(const char *s, uint64_t *out);
bool cli_parse_double(const char *s, double *out);
/* Last path component, for messages. */
const char *cli_basename(const char *path);

/* ---- models ---- */

typedef struct cli_model {
  const char *path;
  wick_file file;
  bool bundled; /* the file is a .bpte; `program` is its embedded .pte */
  wick_bundled bundle;
  void *program_copy; /* 64-byte aligned copy of the embedded program */
  wick_program program;
  wick_file data_files[WICK_MAX_DATA_MAPS];
  wick_data_map data_maps[WICK_MAX_DATA_MAPS];
  uint32_t num_data;
} cli_model;

/* Opens a .pte or .bpte and attaches each .ptd. Prints one error line and
 * returns CLI_FAIL on failure (the model is then already closed). The struct
 * must not move while in use (the program points at its data maps). */
int cli_model_open(cli_model *m, const char *path, const char *const *data_paths,
                   uint32_t num_data);
void cli_model_close(cli_model *m);
/* The method to use: `requested` if given; else "forward", or the only
 * method. Prints an error and returns NULL when there is none. */
const char *cli_pick_method(const cli_model *m, const char *requested);
/* Loads a method with malloc'd arenas; prints an error on failure. */
int cli_method_load(const cli_model *m, const char *method, wick_loaded_method *lm);

/* ---- inputs ---- */

/* Buffers that must stay alive while the method runs (unplanned inputs alias them). */
typedef struct cli_buffers {
  void **items;
  uint32_t count, cap;
} cli_buffers;

void cli_buffers_free(cli_buffers *b);
/* malloc(n) registered in b (at least 1 byte, 64-byte aligned); NULL on failure. */
void *cli_buffers_alloc(cli_buffers *b, size_t n);

/* Sets the method's inputs from .npy files (count must match), or, when
 * num_paths is 0, tensors of ones for every tensor input (scalars keep their
 * program values; *fed_ones reports how many were filled). Prints an error and
 * returns CLI_FAIL on failure. */
int cli_set_inputs(const cli_model *m, wick_method *method, const char *method_name,
                   const char *const *npy_paths, uint32_t num_paths, cli_buffers *keep,
                   uint32_t *fed_ones);
/* Sets input `index` from a tensor (converted to the input's dim order when
 * needed, data copied into a buffer kept in `keep`); diag explains failures. */
wick_status cli_set_tensor_input(wick_method *method, uint32_t index, const wick_tensor *t,
                                 cli_buffers *keep, wick_diag *d);

/* ---- tensors and values ---- */

/* Byte offset of the element at logical row-major index n (follows strides). */
size_t cli_elem_offset(const wick_tensor *t, size_t n);
/* Element n as double (any dtype; bool as 0/1). Reads are alignment-safe. */
double cli_elem_f64(const wick_tensor *t, size_t n);
/* Element n of an integer / bool tensor, exactly: signed types in *i, unsigned in *u. */
void cli_elem_int(const wick_tensor *t, size_t n, int64_t *i, uint64_t *u, bool *is_unsigned);
/* Prints `<label>: float32[2,2] = [1, 2, 3, 4]` (first `limit` values) and a newline. */
void cli_print_value(FILE *out, const char *label, const wick_value *v, size_t limit);
/* "float32[2,3]" / "int" / "double" ... */
const char *cli_value_describe(const wick_value *v, char *buf, size_t n);

/* ---- output ---- */

/* Creates dir (one level) when missing; prints an error on failure. */
int cli_make_dir(const char *dir);

/* ---- profiling and streams (tools/cmd_profile.c) ---- */

/* Installs a profiler with room for max_events events on `method` (trace
 * track `track`, named `label`); prints an error on failure. */
int cli_profile_start(wick_method *method, const char *label, uint32_t track, uint64_t max_events,
                      wick_profiler **out);
/* Writes the Chrome/Perfetto trace of n profilers and notes what was dropped. */
int cli_profile_save(wick_profiler *const *ps, size_t n, const char *path);
/* `wick bench --streams N`: N method instances on N threads; prints the
 * throughput and per-stream latency table (or JSON). */
int cli_bench_streams(const cli_model *m, const char *name, const char *const *inputs,
                      uint32_t num_inputs, uint32_t streams, uint64_t iters, uint64_t warmup,
                      bool json, const char *profile_path);

#endif
