/* wick run: execute one method and print (and optionally save) its outputs. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char kUsage[] =
    "wick run MODEL.pte [--data FILE.ptd]... [--method NAME] [--input FILE.npy]... "
    "[--output-dir DIR] [--profile TRACE.json]";

static void help(void) {
  printf(
      "usage: %s\n"
      "\n"
      "Runs one method of an ExecuTorch program (.pte, or the program inside a\n"
      "bundled .bpte) and prints every output: dtype, shape and the first 16 values.\n"
      "\n"
      "  --data FILE.ptd     external tensor data (repeatable)\n"
      "  --method NAME       method to run (default: forward, or the only method)\n"
      "  --input FILE.npy    one per method input, in order (repeatable). Without\n"
      "                      --input every tensor input is filled with ones, as\n"
      "                      ExecuTorch's executor_runner does; scalar inputs keep\n"
      "                      the values stored in the program\n"
      "  --output-dir DIR    also write output_0.npy, output_1.npy, ... into DIR\n"
      "                      (created if missing)\n"
      "  --profile FILE      write a Chrome/Perfetto trace of the run: one event per\n"
      "                      executed instruction (see also `wick profile`)\n"
      "\n"
      "Exit status 0 on success, 1 on any failure (one line on stderr).\n",
      kUsage);
}

/* Saves output k into dir/output_k.npy (scalars as rank-0 arrays). */
static int save_output(const char *dir, uint32_t k, const wick_value *v) {
  char path[4096];
  int n = snprintf(path, sizeof path, "%s/output_%u.npy", dir, k);
  if (n < 0 || (size_t)n >= sizeof path) return cli_error("%s: output path too long", dir);
  wick_diag d;
  wick_diag_clear(&d);
  wick_tensor scalar;
  int64_t i64;
  double f64;
  uint8_t b8;
  const wick_tensor *t = NULL;
  switch (v->kind) {
    case WICK_VAL_TENSOR: t = v->u.t; break;
    case WICK_VAL_INT:
      i64 = v->u.i;
      wick_tensor_init(&scalar, WICK_I64, 0, NULL, &i64, sizeof i64);
      t = &scalar;
      break;
    case WICK_VAL_DOUBLE:
      f64 = v->u.d;
      wick_tensor_init(&scalar, WICK_F64, 0, NULL, &f64, sizeof f64);
      t = &scalar;
      break;
    case WICK_VAL_BOOL:
      b8 = v->u.b ? 1 : 0;
      wick_tensor_init(&scalar, WICK_BOOL, 0, NULL, &b8, sizeof b8);
      t = &scalar;
      break;
    default:
      cli_note("output %u is a %s; not written to %s", k, wick_value_kind_name(v->kind), dir);
      return 0;
  }
  if (t == NULL || wick_npy_save(path, t, &d) != WICK_OK)
    return cli_error("%s", t ? d.msg : "output tensor missing");
  return 0;
}

int cmd_run(int argc, char **argv) {
  const char *model = NULL, *method = NULL, *out_dir = NULL, *profile = NULL;
  wick_profiler *prof = NULL;
  const char **data = calloc((size_t)argc, sizeof *data);
  const char **inputs = calloc((size_t)argc, sizeof *inputs);
  uint32_t num_data = 0, num_inputs = 0;
  int rc = CLI_FAIL;
  cli_model m;
  bool model_open = false;
  wick_loaded_method lm;
  memset(&lm, 0, sizeof lm);
  cli_buffers keep;
  memset(&keep, 0, sizeof keep);
  if (data == NULL || inputs == NULL) {
    cli_error("run: out of memory");
    goto done;
  }

  bool positional_only = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int r = 0;
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
      if ((r = cli_model_option(argc, argv, &i, "run", data, &num_data, inputs, &num_inputs,
                                &method)) != 0) {
        if (r < 0) goto done;
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--output-dir", &out_dir, "run")) != 0) {
        if (r < 0) goto done;
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--profile", &profile, "run")) != 0) {
        if (r < 0) goto done;
        continue;
      }
      if (a[0] == '-' && a[1] != '\0') {
        cli_usage_error("run", kUsage, "unknown option '%s'", a);
        goto done;
      }
    }
    if (model != NULL) {
      cli_usage_error("run", kUsage, "unexpected argument '%s' (one model at a time)", a);
      goto done;
    }
    model = a;
  }
  if (model == NULL) {
    cli_usage_error("run", kUsage, "missing MODEL argument");
    goto done;
  }

  if (cli_model_open(&m, model, data, num_data) != 0) goto done;
  model_open = true;
  const char *name = cli_pick_method(&m, method);
  if (name == NULL) goto done;
  if (cli_method_load(&m, name, &lm) != 0) goto done;
  uint32_t fed_ones = 0;
  if (cli_set_inputs(&m, lm.method, name, inputs, num_inputs, &keep, &fed_ones) != 0) goto done;
  if (out_dir && cli_make_dir(out_dir) != 0) goto done;
  /* Room for every instruction four times over (loops); recording stops when full. */
  if (profile &&
      cli_profile_start(lm.method, name, 0,
                        4 * (uint64_t)wick_method_num_instructions(lm.method) + 1024, &prof) != 0)
    goto done;

  wick_diag d;
  wick_diag_clear(&d);
  if (wick_method_execute(lm.method, &d) != WICK_OK) {
    cli_error("%s: method '%s': %s", model, name, d.msg);
    goto done;
  }
  if (num_inputs == 0 && fed_ones > 0)
    cli_note("no --input given: fed ones to %u tensor input%s", fed_ones, fed_ones == 1 ? "" : "s");

  uint32_t nout = wick_method_num_outputs(lm.method);
  for (uint32_t k = 0; k < nout; k++) {
    const wick_value *v = wick_method_output_value(lm.method, k);
    char label[32];
    snprintf(label, sizeof label, "output %u", k);
    cli_print_value(stdout, label, v, 16);
    if (out_dir && v && save_output(out_dir, k, v) != 0) goto done;
  }
  if (fflush(stdout) != 0) {
    cli_error("run: cannot write to standard output");
    goto done;
  }
  if (profile && cli_profile_save(&prof, 1, profile) != 0) goto done;
  rc = 0;

done:
  wick_profiler_free(prof);
  cli_buffers_free(&keep);
  wick_method_free(&lm);
  if (model_open) cli_model_close(&m);
  free(data);
  free(inputs);
  return rc;
}
