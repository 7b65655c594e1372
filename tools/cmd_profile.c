/* wick profile: per-operator time table; plus the --profile (trace) and
 * --streams helpers used by `wick run` and `wick bench`. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char kUsage[] =
    "wick profile MODEL.pte [--data FILE.ptd]... [--method NAME] [--input FILE.npy]... "
    "[--iters N] [--warmup W] [--events N] [--trace FILE.json] [--json]";

#define DEFAULT_ITERS 100
#define DEFAULT_WARMUP 5
#define DEFAULT_EVENTS (1u << 20)

static void help(void) {
  printf(
      "usage: %s\n"
      "\n"
      "Runs a method N times with a per-instruction profiler and prints one row per\n"
      "operator, sorted by total time:\n"
      "  op          operator name (aten::add.out, move, delegate:..., ...)\n"
      "  calls       executed instructions with that operator\n"
      "  total ms    time inside them (clock read before and after each one)\n"
      "  mean us     total / calls\n"
      "  share %%     of the time inside all recorded instructions\n"
      "  bytes       bytes moved: input + output tensor bytes, summed over calls\n"
      "Before profiling it times the same runs without the profiler, and reports\n"
      "the profiler's cost per instruction.\n"
      "\n"
      "  --data FILE.ptd   external tensor data (repeatable)\n"
      "  --method NAME     method to profile (default: forward, or the only method)\n"
      "  --input FILE.npy  inputs as for `wick run` (default: ones)\n"
      "  --iters N         profiled runs (default %d)\n"
      "  --warmup W        unprofiled runs first (default %d)\n"
      "  --events N        event buffer size (default %u; recording stops when full)\n"
      "  --trace FILE      also write a Chrome/Perfetto trace (chrome://tracing,\n"
      "                    ui.perfetto.dev)\n"
      "  --json            print one JSON object instead of the table\n"
      "\n"
      "Exit status 0 on success, 1 on any failure (one line on stderr).\n",
      kUsage, DEFAULT_ITERS, DEFAULT_WARMUP, DEFAULT_EVENTS);
}

/* ---- helpers for run / bench ---- */

int cli_profile_start(wick_method *method, const char *label, uint32_t track, uint64_t max_events,
                      wick_profiler **out) {
  wick_diag d;
  wick_diag_clear(&d);
  if (max_events == 0) max_events = 1;
  if (max_events > (uint64_t)SIZE_MAX) max_events = SIZE_MAX;
  if (wick_profiler_new(method, (size_t)max_events, track, label, out, &d) != WICK_OK)
    return cli_error("profile: %s", d.msg);
  return 0;
}

int cli_profile_save(wick_profiler *const *ps, size_t n, const char *path) {
  wick_diag d;
  wick_diag_clear(&d);
  if (wick_profile_write_trace(ps, n, path, &d) != WICK_OK) return cli_error("%s", d.msg);
  uint64_t events = 0, dropped = 0;
  for (size_t i = 0; i < n; i++) {
    events += wick_profiler_count(ps[i]);
    dropped += wick_profiler_dropped(ps[i]);
  }
  cli_note("wrote %s: %" PRIu64 " instruction event%s on %zu track%s", path, events,
           events == 1 ? "" : "s", n, n == 1 ? "" : "s");
  if (dropped)
    cli_note("profile buffer full: the last %" PRIu64 " executed instruction%s were not recorded",
             dropped, dropped == 1 ? "" : "s");
  return 0;
}

static double median_sorted(const uint64_t *s, size_t n) {
  if (n == 0) return 0;
  return n % 2 ? (double)s[n / 2] : ((double)s[n / 2 - 1] + (double)s[n / 2]) / 2;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void json_str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      printf("\\%c", ch);
    else if (ch < 0x20)
      printf("\\u%04x", ch);
    else
      putchar(ch);
  }
  putchar('"');
}

int cli_bench_streams(const cli_model *m, const char *name, const char *const *inputs,
                      uint32_t num_inputs, uint32_t streams, uint64_t iters, uint64_t warmup,
                      bool json, const char *profile_path) {
  int rc = CLI_FAIL;
  wick_loaded_method *lms = calloc(streams, sizeof *lms);
  wick_method **methods = calloc(streams, sizeof *methods);
  wick_stream_stats *stats = calloc(streams, sizeof *stats);
  wick_profiler **profs = calloc(streams, sizeof *profs);
  cli_buffers keep;
  memset(&keep, 0, sizeof keep);
  if (lms == NULL || methods == NULL || stats == NULL || profs == NULL) {
    cli_error("bench: out of memory");
    goto done;
  }
  for (uint32_t s = 0; s < streams; s++) {
    if (cli_method_load(m, name, &lms[s]) != 0) goto done;
    methods[s] = lms[s].method;
    if (cli_set_inputs(m, methods[s], name, inputs, num_inputs, &keep, NULL) != 0) goto done;
    if (profile_path) {
      char label[64];
      snprintf(label, sizeof label, "stream %u (%s)", s, name);
      uint64_t per = (uint64_t)wick_method_num_instructions(methods[s]) * (iters + warmup);
      if (per > DEFAULT_EVENTS / streams) per = DEFAULT_EVENTS / streams;
      if (cli_profile_start(methods[s], label, s, per, &profs[s]) != 0) goto done;
    }
  }
  wick_diag d;
  wick_diag_clear(&d);
  uint64_t wall = 0;
  if (wick_streams_bench(methods, streams, warmup, iters, stats, &wall, &d) != WICK_OK) {
    cli_error("%s: method '%s': %s", m->path, name, d.msg);
    goto done;
  }
  uint64_t total_runs = 0;
  double worst_p90 = 0, sum_medians = 0;
  for (uint32_t s = 0; s < streams; s++) {
    total_runs += stats[s].runs;
    if (stats[s].p90_ns > worst_p90) worst_p90 = stats[s].p90_ns;
    sum_medians += stats[s].median_ns;
  }
  double per_s = wall ? (double)total_runs / ((double)wall / 1e9) : 0;
  uint32_t instructions = wick_method_num_instructions(methods[0]);
  if (json) {
    printf("{\"model\": ");
    json_str(m->path);
    printf(", \"method\": ");
    json_str(name);
    printf(", \"streams\": %u, \"iters\": %" PRIu64 ", \"warmup\": %" PRIu64
           ", \"instructions\": %u, \"runs\": %" PRIu64
           ", \"wall_ms\": %.6f"
           ", \"throughput_per_s\": %.3f, \"mean_of_medians_us\": %.6f, \"max_p90_us\": %.6f"
           ", \"profiled\": %s, \"per_stream\": [",
           streams, iters, warmup, instructions, total_runs, (double)wall / 1e6, per_s,
           sum_medians / streams / 1e3, worst_p90 / 1e3, profile_path ? "true" : "false");
    for (uint32_t s = 0; s < streams; s++)
      printf("%s{\"stream\": %u, \"runs\": %" PRIu64
             ", \"median_us\": %.6f, \"p90_us\": %.6f"
             ", \"p99_us\": %.6f, \"min_us\": %.6f, \"mean_us\": %.6f}",
             s ? ", " : "", s, stats[s].runs, stats[s].median_ns / 1e3, stats[s].p90_ns / 1e3,
             stats[s].p99_ns / 1e3, stats[s].min_ns / 1e3, stats[s].mean_ns / 1e3);
    printf("], \"peak_rss_kb\": %ld}\n", wick_peak_rss_kb());
  } else {
    const char *row = "%-22s";
    printf(row, "model");
    printf("%s, method '%s' (%u instruction%s)\n", m->path, name, instructions,
           instructions == 1 ? "" : "s");
    printf(row, "streams");
    printf("%u method instances of one program, one thread each%s\n", streams,
           profile_path ? " (profiler on)" : "");
    printf(row, "timed runs");
    printf("%" PRIu64 " per stream after %" PRIu64 " warm-up run%s, each timed on its own\n", iters,
           warmup, warmup == 1 ? "" : "s");
    printf(row, "throughput");
    printf("%.1f inferences/s  (%" PRIu64 " runs in %.3f ms, all streams)\n", per_s, total_runs,
           (double)wall / 1e6);
    printf(row, "latency per stream");
    printf("median / p90 / p99 / mean, us\n");
    for (uint32_t s = 0; s < streams; s++) {
      char label[32];
      snprintf(label, sizeof label, "  stream %u", s);
      printf(row, label);
      printf("%.3f / %.3f / %.3f / %.3f\n", stats[s].median_ns / 1e3, stats[s].p90_ns / 1e3,
             stats[s].p99_ns / 1e3, stats[s].mean_ns / 1e3);
    }
    printf(row, "peak RSS");
    printf("%ld KiB\n", wick_peak_rss_kb());
  }
  if (fflush(stdout) != 0) {
    cli_error("bench: cannot write to standard output");
    goto done;
  }
  if (profile_path && cli_profile_save(profs, streams, profile_path) != 0) goto done;
  rc = 0;
done:
  if (profs)
    for (uint32_t s = 0; s < streams; s++) wick_profiler_free(profs[s]);
  if (lms)
    for (uint32_t s = 0; s < streams; s++) wick_method_free(&lms[s]);
  cli_buffers_free(&keep);
  free(lms);
  free(methods);
  free(stats);
  free(profs);
  return rc;
}

/* ---- wick profile ---- */

static uint64_t timed_runs(wick_method *method, uint64_t n, uint64_t *samples, wick_diag *d) {
  for (uint64_t i = 0; i < n; i++) {
    uint64_t a = wick_now_ns();
    if (wick_method_execute(method, d) != WICK_OK) return i;
    samples[i] = wick_now_ns() - a;
  }
  return n;
}

int cmd_profile(int argc, char **argv) {
  const char *model = NULL, *method = NULL, *trace = NULL;
  const char **data = calloc((size_t)argc, sizeof *data);
  const char **inputs = calloc((size_t)argc, sizeof *inputs);
  uint32_t num_data = 0, num_inputs = 0;
  uint64_t iters = DEFAULT_ITERS, warmup = DEFAULT_WARMUP, events = 0;
  bool json = false, model_open = false;
  int rc = CLI_FAIL;
  cli_model m;
  wick_loaded_method lm;
  memset(&lm, 0, sizeof lm);
  cli_buffers keep;
  memset(&keep, 0, sizeof keep);
  wick_profiler *prof = NULL;
  uint64_t *samples = NULL;
  wick_op_stat *ops = NULL;
  if (data == NULL || inputs == NULL) {
    cli_error("profile: out of memory");
    goto done;
  }
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
      if (strcmp(a, "--json") == 0) {
        json = true;
        continue;
      }
      if ((r = cli_model_option(argc, argv, &i, "profile", data, &num_data, inputs, &num_inputs,
                                &method)) != 0) {
        if (r < 0) goto done;
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--trace", &trace, "profile")) != 0) {
        if (r < 0) goto done;
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--iters", &v, "profile")) != 0) {
        if (r < 0) goto done;
        if (!cli_parse_u64(v, &iters) || iters < 1 || iters > 100000000) {
          cli_usage_error("profile", kUsage, "--iters needs a count from 1 to 100000000, got '%s'",
                          v);
          goto done;
        }
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--warmup", &v, "profile")) != 0) {
        if (r < 0) goto done;
        if (!cli_parse_u64(v, &warmup) || warmup > 100000000) {
          cli_usage_error("profile", kUsage, "--warmup needs a count from 0 to 100000000, got '%s'",
                          v);
          goto done;
        }
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--events", &v, "profile")) != 0) {
        if (r < 0) goto done;
        if (!cli_parse_u64(v, &events) || events < 1 || events > 1000000000) {
          cli_usage_error("profile", kUsage,
                          "--events needs a count from 1 to 1000000000, got '%s'", v);
          goto done;
        }
        continue;
      }
      if (a[0] == '-' && a[1] != '\0') {
        cli_usage_error("profile", kUsage, "unknown option '%s'", a);
        goto done;
      }
    }
    if (model) {
      cli_usage_error("profile", kUsage, "unexpected argument '%s' (one model at a time)", a);
      goto done;
    }
    model = a;
  }
  if (model == NULL) {
    cli_usage_error("profile", kUsage, "missing MODEL argument");
    goto done;
  }
  if (cli_model_open(&m, model, data, num_data) != 0) goto done;
  model_open = true;
  const char *name = cli_pick_method(&m, method);
  if (name == NULL) goto done;
  if (cli_method_load(&m, name, &lm) != 0) goto done;
  if (cli_set_inputs(&m, lm.method, name, inputs, num_inputs, &keep, NULL) != 0) goto done;
  uint32_t instructions = wick_method_num_instructions(lm.method);
  if (events == 0) {
    events = (uint64_t)instructions * iters;
    if (events > DEFAULT_EVENTS) events = DEFAULT_EVENTS;
    if (events == 0) events = 1;
  }

  wick_diag d;
  wick_diag_clear(&d);
  for (uint64_t i = 0; i < warmup; i++)
    if (wick_method_execute(lm.method, &d) != WICK_OK) {
      cli_error("%s: method '%s': %s", model, name, d.msg);
      goto done;
    }
  samples = malloc((size_t)iters * sizeof *samples);
  if (samples == NULL) {
    cli_error("profile: cannot allocate %" PRIu64 " samples", iters);
    goto done;
  }
  /* Same runs without the profiler, then with it. */
  if (timed_runs(lm.method, iters, samples, &d) != iters) {
    cli_error("%s: method '%s': %s", model, name, d.msg);
    goto done;
  }
  qsort(samples, (size_t)iters, sizeof *samples, cmp_u64);
  double plain_median = median_sorted(samples, (size_t)iters);
  if (cli_profile_start(lm.method, name, 0, events, &prof) != 0) goto done;
  if (timed_runs(lm.method, iters, samples, &d) != iters) {
    cli_error("%s: method '%s': %s", model, name, d.msg);
    goto done;
  }
  qsort(samples, (size_t)iters, sizeof *samples, cmp_u64);
  double prof_median = median_sorted(samples, (size_t)iters);
  size_t nops = 0;
  uint64_t total_ns = 0;
  if (wick_profile_op_stats(&prof, 1, &ops, &nops, &total_ns, &d) != WICK_OK) {
    cli_error("profile: %s", d.msg);
    goto done;
  }
  uint64_t recorded = wick_profiler_count(prof), dropped = wick_profiler_dropped(prof);
  double per_instr = instructions ? (prof_median - plain_median) / instructions : 0;
  if (json) {
    printf("{\"model\": ");
    json_str(model);
    printf(", \"method\": ");
    json_str(name);
    printf(", \"iters\": %" PRIu64 ", \"instructions\": %u, \"events\": %" PRIu64
           ", \"dropped\": %" PRIu64
           ", \"median_us\": %.6f, \"profiled_median_us\": %.6f"
           ", \"observer_ns_per_instruction\": %.3f, \"total_ms\": %.6f, \"ops\": [",
           iters, instructions, recorded, dropped, plain_median / 1e3, prof_median / 1e3, per_instr,
           (double)total_ns / 1e6);
    for (size_t k = 0; k < nops; k++) {
      printf("%s{\"op\": ", k ? ", " : "");
      json_str(ops[k].name);
      printf(", \"calls\": %" PRIu64
             ", \"total_ms\": %.6f, \"mean_us\": %.6f, \"share\": %.4f"
             ", \"bytes\": %" PRIu64 "}",
             ops[k].calls, (double)ops[k].total_ns / 1e6,
             (double)ops[k].total_ns / 1e3 / (double)ops[k].calls,
             total_ns ? 100.0 * (double)ops[k].total_ns / (double)total_ns : 0, ops[k].bytes);
    }
    printf("]}\n");
  } else {
    printf("%s, method '%s': %u instruction%s, %" PRIu64 " profiled run%s\n", model, name,
           instructions, instructions == 1 ? "" : "s", iters, iters == 1 ? "" : "s");
    printf("median run %.3f us without the profiler, %.3f us with it (%.1f ns per instruction)\n",
           plain_median / 1e3, prof_median / 1e3, per_instr);
    printf("\n%-34s %10s %12s %12s %8s %14s\n", "op", "calls", "total ms", "mean us", "share %",
           "bytes");
    for (size_t k = 0; k < nops; k++)
      printf("%-34s %10" PRIu64 " %12.3f %12.3f %8.2f %14" PRIu64 "\n", ops[k].name, ops[k].calls,
             (double)ops[k].total_ns / 1e6, (double)ops[k].total_ns / 1e3 / (double)ops[k].calls,
             total_ns ? 100.0 * (double)ops[k].total_ns / (double)total_ns : 0, ops[k].bytes);
    printf("%-34s %10" PRIu64 " %12.3f\n", "total", recorded, (double)total_ns / 1e6);
  }
  if (dropped)
    cli_note("profile buffer full after %" PRIu64 " events: %" PRIu64
             " later instructions not recorded (raise --events)",
             recorded, dropped);
  if (fflush(stdout) != 0) {
    cli_error("profile: cannot write to standard output");
    goto done;
  }
  if (trace && cli_profile_save(&prof, 1, trace) != 0) goto done;
  rc = 0;
done:
  free(ops);
  free(samples);
  wick_profiler_free(prof);
  cli_buffers_free(&keep);
  wick_method_free(&lm);
  if (model_open) cli_model_close(&m);
  free(data);
  free(inputs);
  return rc;
}
