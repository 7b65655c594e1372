/* wick convert: ONNX model -> ExecuTorch program (.pte), optionally bundled
 * with test inputs and the outputs the program computes for them (.bpte). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compiler/pte_writer.h"
#include "wick/compiler.h"
#include "wick/llm.h"

static const char kUsage[] =
    "wick convert MODEL.onnx|MODEL.bin|MODEL.gguf -o OUT.pte [--input-shape NAME=DxDx...]... "
    "[--bundle-inputs A.npy ...] [--name NAME] [--model-version V] [--no-optimize] [--no-view-alias] [--inline-constants] [-v|-vv] "
    "[--quantize int8 (--calib DIR | --calib-random N) [--observer minmax|ema|percentile|kl] "
    "[--min-sqnr DB] [--report]] [--quantize int8-dynamic|q8 [--calib DIR | --calib-random N] "
    "[--min-sqnr DB] [--report]]";

static void help(void) {
  printf("usage: %s\n"
         "\n"
         "Converts an ONNX model (e.g. from torch.onnx.export), a llama2.c\n"
         "checkpoint (.bin) or a GGUF llama model (.gguf: F32/F16/BF16/Q8_0/Q4_0/\n"
         "Q4_1 tensors, dequantized to float32; both LLM kinds get a KV cache in\n"
         "the program; of the options below only -o and --quantize q8 apply to\n"
         "them), into an ExecuTorch program: the graph is imported, constant-\n"
         "folded with wick's own kernels, optimized (Conv+BatchNorm folding,\n"
         "MatMul+Add -> addmm, view/transpose cleanup, dead code), memory-planned,\n"
         "and written as a .pte whose constants live in a 16-byte aligned segment.\n"
         "\n"
         "  -o, --output FILE        output .pte (or .bpte with --bundle-inputs)\n"
         "  --input-shape N=DxD...   pin the shape of input N (needed for symbolic dims)\n"
         "  --bundle-inputs A.npy .. write a bundled program (.bpte): the .pte plus\n"
         "                           these inputs (one per model input, in order) and\n"
         "                           the outputs the program computes for them\n"
         "  --name NAME              model name recorded in the program's metadata\n"
         "                           (default: the ONNX file name without extension)\n"
         "  --model-version V        model version recorded there (default \"0\"); the\n"
         "                           metadata also holds the producer, the creation\n"
         "                           time (UTC; $SOURCE_DATE_EPOCH when set) and the\n"
         "                           SHA-256 of the constant data (docs/FORMAT.md;\n"
         "                           shown by wick inspect, checked by wick verify\n"
         "                           --integrity)\n"
         "  --no-optimize            skip graph passes (constant folding still runs)\n"
         "  --no-view-alias          give every view its own memory (by default a\n"
         "                           reshape's output may share its input's bytes,\n"
         "                           so the copy is skipped; also WICK_NO_VIEW_ALIAS=1)\n"
         "  --inline-constants       store constants inline (legacy layout)\n"
         "  -v, -vv                  progress; -vv also dumps the IR\n"
         "\n"
         "int8 quantization (docs/QUANTIZATION.md):\n"
         "  --quantize int8          static: int8 weights (per channel) and activations\n"
         "                           (per tensor, ranges from calibration data) as\n"
         "                           cortex_m:: ops; other ops stay fp32; inputs and\n"
         "                           outputs stay float32\n"
         "  --quantize int8-dynamic  linears with constant weights (MatMul / Gemm, i.e.\n"
         "                           addmm / mm) -> wick::linear_dq8: int8 weights per\n"
         "                           channel, activations quantized per row at run time;\n"
         "                           no calibration data needed (--calib / --calib-random\n"
         "                           only feed --report / --min-sqnr; default 4 random sets)\n"
         "  --quantize q8            the same (an alias); for LLMs (.bin / .gguf): every\n"
         "                           linear -> wick::linear_dq8 and the token embedding ->\n"
         "                           embedding_byte (int8 rows), ~4x smaller weights\n"
         "                           (q4: not implemented yet)\n"
         "  --calib DIR              calibration sets: one .npy per set (or [N, ...]\n"
         "                           stacking N sets); multi-input models: one\n"
         "                           subdirectory per set, one .npy per input\n"
         "  --calib-random N         N random N(0,1) sets instead (smoke tests only)\n"
         "  --observer NAME          activation ranges: minmax, ema, percentile\n"
         "                           (99.99%%, the default) or kl (TensorRT entropy)\n"
         "  --min-sqnr DB            layers whose int8 output is below DB dB SQNR\n"
         "                           (vs fp32 on the calibration data) stay fp32\n"
         "  --report                 print per-layer SQNR and the model output SQNR\n"
         "\n"
         "Exit status 0 on success, 1 on any failure (one line on stderr).\n",
         kUsage);
}

static void log_line(void *user, const char *line) {
  (void)user;
  fprintf(stderr, "wick: %s\n", line);
}

/* Runs the emitted program on the bundle inputs and writes a .bpte. */
static int write_bundle(const char *out, const uint8_t *pte, size_t size, const char **inputs,
                        uint32_t num_inputs) {
  wick_diag d;
  wick_diag_clear(&d);
  void *copy = NULL;
  if (posix_memalign(&copy, 64, size ? size : 1) != 0) return cli_error("out of memory");
  memcpy(copy, pte, size);
  wick_program prog;
  wick_loaded_method lm;
  memset(&lm, 0, sizeof lm);
  int rc = CLI_FAIL;
  cli_buffers keep = {0};
  wick_bpte_writer *bw = NULL;
  if (wick_program_load(&prog, copy, size, &d) != WICK_OK ||
      wick_method_load_alloc(&prog, "forward", &lm, &d) != WICK_OK) {
    cli_error("%s: the converted program does not load: %s", out, d.msg);
    goto done;
  }
  if (num_inputs != wick_method_num_inputs(lm.method)) {
    cli_error("--bundle-inputs: %u file(s) given, the model has %u input(s)", num_inputs,
              wick_method_num_inputs(lm.method));
    goto done;
  }
  wick_tensor ins[WICK_CONVERT_MAX_SHAPES];
  uint32_t loaded = 0;
  for (uint32_t k = 0; k < num_inputs && k < WICK_CONVERT_MAX_SHAPES; k++) {
    if (wick_npy_load(inputs[k], &ins[k], &d) != WICK_OK) {
      cli_error("%s: %s", inputs[k], d.msg);
      goto free_inputs;
    }
    loaded++;
    if (cli_set_tensor_input(lm.method, k, &ins[k], &keep, &d) != WICK_OK) {
      cli_error("%s: %s", inputs[k], d.msg);
      goto free_inputs;
    }
  }
  if (wick_method_execute(lm.method, &d) != WICK_OK) {
    cli_error("%s: running the converted program: %s", out, d.msg);
    goto free_inputs;
  }
  bw = wick_bpte_writer_new(pte, size);
  wick_bpte_case *tc = wick_bpte_add_case(bw, "forward");
  for (uint32_t k = 0; k < loaded; k++) {
    int32_t sizes[WICK_MAX_DIM];
    for (int q = 0; q < ins[k].dim; q++) sizes[q] = ins[k].sizes[q];
    wick_bpte_case_tensor(tc, false, ins[k].dtype, ins[k].dim, sizes, ins[k].data,
                          wick_tensor_nbytes(&ins[k]));
  }
  for (uint32_t k = 0; k < wick_method_num_outputs(lm.method); k++) {
    const wick_tensor *t = wick_method_output(lm.method, k);
    if (t == NULL) {
      cli_error("output %u is not a tensor", k);
      goto free_inputs;
    }
    int32_t sizes[WICK_MAX_DIM];
    for (int q = 0; q < t->dim; q++) sizes[q] = t->sizes[q];
    wick_bpte_case_tensor(tc, true, t->dtype, t->dim, sizes, t->data, wick_tensor_nbytes(t));
  }
  uint8_t *bpte = NULL;
  size_t bsize = 0;
  if (wick_bpte_writer_finish(bw, &bpte, &bsize, &d) != WICK_OK ||
      wick_write_file(out, bpte, bsize, &d) != WICK_OK) {
    cli_error("%s: %s", out, d.msg);
    free(bpte);
    goto free_inputs;
  }
  free(bpte);
  fprintf(stderr, "wick: wrote %s (%zu bytes; program + 1 test case)\n", out, bsize);
  rc = 0;
free_inputs:
  for (uint32_t k = 0; k < loaded; k++) free(ins[k].data);
done:
  if (bw) wick_bpte_writer_free(bw);
  cli_buffers_free(&keep);
  if (lm.block) wick_method_free(&lm);
  free(copy);
  return rc;
}

static void fmt_db(char *buf, size_t n, double v) {
  if (isnan(v))
    snprintf(buf, n, "-");
  else if (isinf(v))
    snprintf(buf, n, v > 0 ? "inf" : "-inf");
  else
    snprintf(buf, n, "%.1f", v);
}

/* The quantization summary (stderr) and, with --report, the layer table (stdout). */
static void print_quant_report(const wick_convert_options *opt, const wick_convert_report *rep) {
  char a[32], b[32];
  if (opt->quant_report) {
    printf("%-4s %-44s %-32s %9s %9s  %s\n", "#", "layer", "int8 op", "SQNR dB", "in model",
           "precision");
    for (uint32_t k = 0; k < rep->num_quant_layers; k++) {
      const wick_quant_layer *l = &rep->quant_layers[k];
      fmt_db(a, sizeof a, l->sqnr_db);
      fmt_db(b, sizeof b, l->model_sqnr_db);
      printf("%-4u %-44.44s %-32s %9s %9s  %s\n", k, l->name, l->op, a, b,
             l->kept_fp32 ? "fp32 (kept)" : "int8");
    }
    fmt_db(a, sizeof a, rep->quant_output_sqnr_db);
    printf("model output SQNR (int8 vs fp32, %u calibration set%s): %s dB\n", rep->calib_sets,
           rep->calib_sets == 1 ? "" : "s", a);
    fflush(stdout);
  }
  uint32_t kept = 0;
  for (uint32_t k = 0; k < rep->num_quant_layers; k++)
    kept += rep->quant_layers[k].kept_fp32 && rep->quant_layers[k].sqnr_db < opt->min_sqnr_db;
  if (opt->quantize == WICK_QUANT_INT8_DYNAMIC) {
    if (opt->verbose)
      for (uint32_t k = 0; k < rep->num_quant_layers; k++) {
        const wick_quant_layer *l = &rep->quant_layers[k];
        fprintf(stderr, "wick:   %-44.44s %s %llu -> %llu bytes\n", l->name,
                l->kept_fp32 ? "fp32 (kept)" : "int8", (unsigned long long)l->weight_bytes_fp32,
                (unsigned long long)(l->kept_fp32 ? l->weight_bytes_fp32 : l->weight_bytes_int8));
      }
    double ratio = rep->quant_weight_bytes_int8
                       ? (double)rep->quant_weight_bytes_fp32 / (double)rep->quant_weight_bytes_int8
                       : 0.0;
    fprintf(stderr,
            "wick: quantized %u of %u linear layer(s) to int8-dynamic (wick::linear_dq8); their "
            "weights %llu -> %llu bytes (%.2fx)",
            rep->quant_int8_layers, rep->num_quant_layers,
            (unsigned long long)rep->quant_weight_bytes_fp32,
            (unsigned long long)rep->quant_weight_bytes_int8, ratio);
  } else {
    fprintf(stderr,
            "wick: quantized %u layer(s) to int8 (observer %s, %u calibration set(s)); their "
            "weights %llu -> %llu bytes",
            rep->quant_int8_layers, wick_observer_name(rep->observer), rep->calib_sets,
            (unsigned long long)rep->quant_weight_bytes_fp32,
            (unsigned long long)rep->quant_weight_bytes_int8);
  }
  if (kept) {
    fprintf(stderr, "; %u kept in fp32 (SQNR below %g dB):", kept, opt->min_sqnr_db);
    for (uint32_t k = 0; k < rep->num_quant_layers; k++)
      if (rep->quant_layers[k].kept_fp32 && rep->quant_layers[k].sqnr_db < opt->min_sqnr_db) {
        fmt_db(a, sizeof a, rep->quant_layers[k].sqnr_db);
        fprintf(stderr, " %s (%s dB);", rep->quant_layers[k].name, a);
      }
  }
  fprintf(stderr, "\n");
}

int cmd_convert(int argc, char **argv) {
  const char *model = NULL, *out = NULL;
  const char *bundle[WICK_CONVERT_MAX_SHAPES];
  uint32_t num_bundle = 0;
  wick_convert_options opt;
  memset(&opt, 0, sizeof opt);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *val = NULL;
    int r;
    if (cli_is_help(a)) {
      help();
      return 0;
    }
    if ((r = cli_option(argc, argv, &i, "-o", &val, "convert")) != 0 ||
        (r = cli_option(argc, argv, &i, "--output", &val, "convert")) != 0) {
      if (r < 0) return CLI_FAIL;
      out = val;
    } else if ((r = cli_option(argc, argv, &i, "--input-shape", &val, "convert")) != 0) {
      if (r < 0) return CLI_FAIL;
      if (opt.num_input_shapes == WICK_CONVERT_MAX_SHAPES)
        return cli_usage_error("convert", kUsage, "too many --input-shape options");
      if (strchr(val, '=') == NULL)
        return cli_usage_error("convert", kUsage, "--input-shape wants NAME=DxDx..., got '%s'",
                               val);
      opt.input_shapes[opt.num_input_shapes++] = val;
    } else if (strcmp(a, "--bundle-inputs") == 0) {
      while (i + 1 < argc && argv[i + 1][0] != '-') {
        if (num_bundle == WICK_CONVERT_MAX_SHAPES)
          return cli_usage_error("convert", kUsage, "too many --bundle-inputs files");
        bundle[num_bundle++] = argv[++i];
      }
      if (num_bundle == 0)
        return cli_usage_error("convert", kUsage, "--bundle-inputs needs at least one .npy");
    } else if ((r = cli_option(argc, argv, &i, "--quantize", &val, "convert")) != 0) {
      if (r < 0) return CLI_FAIL;
      if (strcmp(val, "int8") == 0)
        opt.quantize = WICK_QUANT_INT8;
      else if (strcmp(val, "int8-dynamic") == 0 || strcmp(val, "q8") == 0)
        opt.quantize = WICK_QUANT_INT8_DYNAMIC;
      else if (strcmp(val, "q4") == 0)
        return cli_error("--quantize q4: 4-bit weights are not implemented yet (use q8)");
      else
        return cli_usage_error("convert", kUsage,
                               "--quantize wants int8, int8-dynamic or q8, got '%s'", val);
    } else if ((r = cli_option(argc, argv, &i, "--calib", &val, "convert")) != 0) {
      if (r < 0) return CLI_FAIL;
      opt.calib_dir = val;
    } else if ((r = cli_option(argc, argv, &i, "--calib-random", &val, "convert")) != 0) {
      uint64_t n;
      if (r < 0) return CLI_FAIL;
      if (!cli_parse_u64(val, &n) || n == 0 || n > 100000)
        return cli_usage_error("convert", kUsage, "--calib-random wants a count 1..100000, got '%s'",
                               val);
      opt.calib_random = (uint32_t)n;
    } else if ((r = cli_option(argc, argv, &i, "--observer", &val, "convert")) != 0) {
      if (r < 0) return CLI_FAIL;
      int o = wick_observer_parse(val);
      if (o < 0)
        return cli_usage_error("convert", kUsage,
                               "--observer wants minmax, ema, percentile or kl, got '%s'", val);
      opt.observer = o;
    } else if ((r = cli_option(argc, argv, &i, "--min-sqnr", &val, "convert")) != 0) {
      if (r < 0) return CLI_FAIL;
      if (!cli_parse_double(val, &opt.min_sqnr_db) || !(opt.min_sqnr_db >= 0))
        return cli_usage_error("convert", kUsage, "--min-sqnr wants a number of dB >= 0, got '%s'",
                               val);
    } else if ((r = cli_option(argc, argv, &i, "--name", &val, "convert")) != 0) {
      if (r < 0) return CLI_FAIL;
      if (!*val || strpbrk(val, "\r\n"))
        return cli_usage_error("convert", kUsage, "--name wants a non-empty single-line name");
      opt.model_name = val;
    } else if ((r = cli_option(argc, argv, &i, "--model-version", &val, "convert")) != 0) {
      if (r < 0) return CLI_FAIL;
      if (!*val || strpbrk(val, "\r\n"))
        return cli_usage_error("convert", kUsage,
                               "--model-version wants a non-empty single-line version");
      opt.model_version = val;
    } else if (strcmp(a, "--report") == 0) {
      opt.quant_report = true;
    } else if (strcmp(a, "--no-optimize") == 0) {
      opt.no_optimize = true;
    } else if (strcmp(a, "--no-view-alias") == 0) {
      opt.no_view_alias = true;
    } else if (strcmp(a, "--inline-constants") == 0) {
      opt.inline_constants = true;
    } else if (strcmp(a, "-v") == 0) {
      opt.verbose = 1;
    } else if (strcmp(a, "-vv") == 0) {
      opt.verbose = 2;
    } else if (a[0] == '-') {
      return cli_usage_error("convert", kUsage, "unknown option '%s'", a);
    } else if (model == NULL) {
      model = a;
    } else {
      return cli_usage_error("convert", kUsage, "unexpected argument '%s'", a);
    }
  }
  if (model == NULL) return cli_usage_error("convert", kUsage, "no model given");
  if (out == NULL) return cli_usage_error("convert", kUsage, "no output given (-o FILE)");
  bool gguf = wick_llm_is_gguf(model);
  if (gguf || wick_llm_is_llama2c_checkpoint(model)) {
    if (opt.quantize == WICK_QUANT_INT8)
      return cli_usage_error("convert", kUsage,
                             "--quantize int8 (static) does not apply to LLMs; use q8 "
                             "(int8-dynamic)");
    if (opt.calib_dir || opt.calib_random || opt.observer || opt.quant_report ||
        opt.min_sqnr_db > 0 || num_bundle || opt.num_input_shapes)
      return cli_usage_error("convert", kUsage,
                             "--calib, --calib-random, --observer, --min-sqnr, --report, "
                             "--bundle-inputs and --input-shape apply to ONNX models only");
    int32_t q = opt.quantize == WICK_QUANT_INT8_DYNAMIC ? WICK_LLM_QUANT_Q8 : WICK_LLM_QUANT_NONE;
    return gguf ? cli_convert_gguf(model, out, 0, q) : cli_convert_llama2c(model, out, 0, q);
  }
  if (opt.quantize == WICK_QUANT_NONE &&
      (opt.calib_dir || opt.calib_random || opt.observer || opt.quant_report || opt.min_sqnr_db > 0))
    return cli_usage_error("convert", kUsage,
                           "--calib, --calib-random, --observer, --min-sqnr and --report need "
                           "--quantize int8 or int8-dynamic");
  if (opt.quantize == WICK_QUANT_INT8_DYNAMIC && opt.observer)
    return cli_usage_error("convert", kUsage,
                           "--observer applies to --quantize int8 only (int8-dynamic takes each "
                           "row's range at run time)");
  if (opt.quantize == WICK_QUANT_INT8 && !opt.calib_dir && !opt.calib_random)
    return cli_usage_error("convert", kUsage,
                           "--quantize int8 needs calibration data: --calib DIR or --calib-random N");
  if (opt.calib_dir && opt.calib_random)
    return cli_usage_error("convert", kUsage, "give --calib or --calib-random, not both");
  if (opt.verbose) {
    opt.log = log_line;
  }
  wick_diag d;
  wick_diag_clear(&d);
  uint8_t *pte = NULL;
  size_t size = 0;
  wick_convert_report rep;
  if (wick_convert_onnx(model, &opt, &pte, &size, &rep, &d) != WICK_OK) {
    wick_convert_report_free(&rep);
    return cli_error("%s", d.msg);
  }
  if (opt.quantize) print_quant_report(&opt, &rep);
  wick_convert_report_free(&rep);
  int rc = 0;
  if (num_bundle) {
    rc = write_bundle(out, pte, size, bundle, num_bundle);
  } else if (wick_write_file(out, pte, size, &d) != WICK_OK) {
    rc = cli_error("%s: %s", out, d.msg);
  } else {
    char views[64] = "";
    if (rep.aliased_views)
      snprintf(views, sizeof views, "; %u views in their input's memory", rep.aliased_views);
    fprintf(stderr,
            "wick: wrote %s (%zu bytes): %u ONNX nodes -> %u kernel calls; constants %llu bytes; "
            "planned memory %llu bytes (lower bound %llu)%s\n",
            out, size, rep.onnx_nodes, rep.kernel_calls, (unsigned long long)rep.constant_bytes,
            (unsigned long long)rep.planned_bytes, (unsigned long long)rep.lower_bound_bytes,
            views);
  }
  free(pte);
  return rc;
}
