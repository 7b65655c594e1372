/* wick bench: time loading and executing a method; optionally under a
 * thermal governor (--max-temp), with energy from RAPL when readable. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "wick/power.h"
#include "wick/threadpool.h"

static const char kUsage[] =
    "wick bench MODEL.pte [--data FILE.ptd]... [--method NAME] [--iters N] [--warmup W] "
    "[--threads T] [--input FILE.npy]... [--json] [--streams N] [--profile TRACE.json] "
    "[--max-temp C [--thermal-root DIR] [--thermal-zone TYPE] [--thermal-interval MS] "
    "[--thermal-hysteresis C]] [--powercap-root DIR]";

#define DEFAULT_ITERS 1000
#define DEFAULT_WARMUP 10
#define DEFAULT_BUDGET_NS 5000000000ull /* default run stops after ~5 s of timed runs */
#define WARMUP_BUDGET_NS 1000000000ull  /* warm-up stops after ~1 s */
#define BATCH_WINDOW_NS 20000000ull     /* one batched window lasts ~20 ms */
#define BATCH_MAX_MEDIAN_NS 50000ull    /* batch only runs faster than 50 us */
#define BATCH_WINDOWS 3

static void help(void) {
  printf(
      "usage: %s\n"
      "\n"
      "Times one method of a program:\n"
      "  load        open the file, verify the program (and data), load the method\n"
      "  first run   the first execute after load\n"
      "  timed runs  N executes after W warm-up runs, each timed on its own with a\n"
      "              monotonic clock: median, p90, p99, min and mean\n"
      "  batched     for runs under 50 us, many executes timed in one clock window\n"
      "              and divided (batched_mean_us): comparable to median_us, but\n"
      "              without the ~20-40 ns a clock read adds to each timed run\n"
      "  time per instruction   median latency / instruction count (framework\n"
      "              overhead + kernel time, clock read included)\n"
      "  peak RSS    of the whole process, in KiB\n"
      "\n"
      "  --data FILE.ptd   external tensor data (repeatable)\n"
      "  --method NAME     method to time (default: forward, or the only method)\n"
      "  --iters N         timed runs (default %d, stopping early after ~5 s)\n"
      "  --warmup W        untimed runs first (default %d)\n"
      "  --threads T       threads for the kernels that split their work (default 1)\n"
      "  --input FILE.npy  inputs as for `wick run` (default: ones)\n"
      "  --streams N       N method instances of the program, each executed by its\n"
      "                    own thread at the same time: aggregate throughput\n"
      "                    (inferences/s) and per-stream median/p90/p99 latency\n"
      "  --profile FILE    record every executed instruction (profiler on while\n"
      "                    timing) and write a Chrome/Perfetto trace, one track\n"
      "                    per stream; recording stops after 1M events\n"
      "  --max-temp C      thermal governor for the timed runs: reads the hottest\n"
      "                    zone under /sys/class/thermal at most every 100 ms; above\n"
      "                    C it halves the threads (down to 1), then lowers the duty\n"
      "                    cycle by 10%% per degree over (down to 10%%: after each run\n"
      "                    it sleeps run time x (100 - duty) / duty); at or below\n"
      "                    C - 3 it steps back: duty first, then threads doubling up\n"
      "                    to --threads. Prints each change (throttle events) and the\n"
      "                    final threads and duty. Batched timing is skipped.\n"
      "  --thermal-root DIR   zones under DIR instead (default $WICK_THERMAL_ROOT,\n"
      "                    else /sys/class/thermal)\n"
      "  --thermal-zone TYPE  only zones of this type (e.g. x86_pkg_temp)\n"
      "  --thermal-interval MS   least time between reads (default 100; 0: every run)\n"
      "  --thermal-hysteresis C  release band below the limit (default 3)\n"
      "  --powercap-root DIR  RAPL counters (intel-rapl:*/energy_uj) under DIR\n"
      "                    (default $WICK_POWERCAP_ROOT, else /sys/class/powercap).\n"
      "                    The energy line reports joules, mJ per run and watts per\n"
      "                    domain over the timed runs (whole package, every process),\n"
      "                    or 'not available: <why>' (common in VMs and containers)\n"
      "  --json            print one JSON object instead of the table, with\n"
      "                    load_ms first_ms median_ms p90_ms p99_ms min_ms mean_ms\n"
      "                    median_us p90_us p99_us min_us mean_us batched_mean_us\n"
      "                    batched_runs clock_overhead_ns ns_per_instruction\n"
      "                    batched_ns_per_instruction\n"
      "                    instructions iters warmup threads peak_rss_kb model method\n"
      "                    energy_available energy_note energy_wall_s energy (list of\n"
      "                    {domain joules mj_per_run watts}) thermal (null, or\n"
      "                    {max_temp_c hysteresis_c interval_ms root zones polls\n"
      "                    read_errors last_error throttle_events release_events\n"
      "                    max_temp_seen_c last_temp_c final_threads final_duty_pct\n"
      "                    events: list of {t_s temp_c threads_from threads_to\n"
      "                    duty_from duty_to}})\n"
      "\n"
      "Exit status 0 on success, 1 on any failure (one line on stderr).\n",
      kUsage, DEFAULT_ITERS, DEFAULT_WARMUP);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted samples (p in 0..100). */
static uint64_t percentile(const uint64_t *sorted, size_t n, double p) {
  size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return sorted[rank - 1];
}

static double median_of(const uint64_t *sorted, size_t n) {
  if (n == 0) return 0;
  return n % 2 ? (double)sorted[n / 2] : ((double)sorted[n / 2 - 1] + (double)sorted[n / 2]) / 2;
}

/* Median cost of one wick_now_ns() pair, in ns. */
static double clock_overhead_ns(void) {
  uint64_t samples[1001];
  for (size_t i = 0; i < 1001; i++) {
    uint64_t a = wick_now_ns();
    uint64_t b = wick_now_ns();
    samples[i] = b - a;
  }
  qsort(samples, 1001, sizeof samples[0], cmp_u64);
  return (double)samples[500];
}

static void json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(out, "\\%c", ch);
    else if (ch < 0x20)
      fprintf(out, "\\u%04x", ch);
    else
      fputc(ch, out);
  }
  fputc('"', out);
}

typedef struct bench_result {
  double load_ms, first_ms;
  double median_ns, p90_ns, p99_ns, min_ns, mean_ns;
  double batched_ns; /* < 0 when not measured */
  uint64_t batched_runs;
  double clock_ns;
  uint32_t instructions;
  uint64_t iters, warmup;
  long peak_rss_kb;
  const char *batched_skip; /* why batched timing was not run (NULL: the usual reason) */
} bench_result;

/* Energy over the timed runs, from RAPL. */
typedef struct bench_energy {
  bool available;
  char note[WICK_DIAG_LEN]; /* why not, when !available */
  wick_rapl rapl;
  uint64_t before[WICK_RAPL_MAX_DOMAINS], after[WICK_RAPL_MAX_DOMAINS];
  uint64_t start_ns;
  double wall_s;
  uint64_t runs;
} bench_energy;

/* The thermal governor's state for --max-temp. */
typedef struct bench_thermal {
  bool on;
  wick_thermal zones;
  wick_governor gov;
  uint64_t start_ns; /* event times are printed relative to the first timed run */
} bench_thermal;

static void energy_start(bench_energy *e, const char *root) {
  wick_diag d;
  wick_diag_clear(&d);
  e->available = false;
  if (wick_rapl_open(&e->rapl, root, &d) != WICK_OK ||
      wick_rapl_read(&e->rapl, e->before, &d) != WICK_OK) {
    snprintf(e->note, sizeof e->note, "%s", d.msg);
    return;
  }
  e->available = true;
  e->start_ns = wick_now_ns();
}

static void energy_stop(bench_energy *e, uint64_t runs) {
  if (!e->available) return;
  uint64_t end = wick_now_ns();
  wick_diag d;
  wick_diag_clear(&d);
  if (wick_rapl_read(&e->rapl, e->after, &d) != WICK_OK) {
    e->available = false;
    snprintf(e->note, sizeof e->note, "%s", d.msg);
    return;
  }
  e->wall_s = (double)(end - e->start_ns) / 1e9;
  e->runs = runs;
}

/* Joules of domain i; false when the counter cannot be trusted. */
static bool energy_joules(const bench_energy *e, uint32_t i, double *j) {
  uint64_t uj;
  if (!wick_rapl_delta_uj(&e->rapl.domains[i], e->before[i], e->after[i], &uj)) return false;
  *j = (double)uj / 1e6;
  return true;
}

static void print_energy_text(const bench_energy *e) {
  const char *row = "%-22s";
  printf(row, "energy");
  if (!e->available) {
    printf("not available: %s\n", e->note);
    return;
  }
  printf("RAPL, %" PRIu64 " timed run%s in %.3f s (counts everything on the package)\n", e->runs,
         e->runs == 1 ? "" : "s", e->wall_s);
  for (uint32_t i = 0; i < e->rapl.num_domains; i++) {
    char label[64];
    snprintf(label, sizeof label, "  %s", e->rapl.domains[i].name);
    printf(row, label);
    double j;
    if (!energy_joules(e, i, &j)) {
      printf("counter went backwards and its range is unknown\n");
      continue;
    }
    printf("%.6f J, %.6f mJ per run, %.3f W\n", j, e->runs ? j * 1e3 / (double)e->runs : 0.0,
           e->wall_s > 0 ? j / e->wall_s : 0.0);
  }
}

static void print_energy_json(const bench_energy *e) {
  printf(", \"energy_available\": %s, \"energy_note\": ", e->available ? "true" : "false");
  if (e->available)
    printf("null");
  else
    json_string(stdout, e->note);
  if (e->available)
    printf(", \"energy_wall_s\": %.6f", e->wall_s);
  else
    printf(", \"energy_wall_s\": null");
  printf(", \"energy\": [");
  for (uint32_t i = 0; e->available && i < e->rapl.num_domains; i++) {
    double j;
    printf("%s{\"domain\": ", i ? ", " : "");
    json_string(stdout, e->rapl.domains[i].name);
    if (energy_joules(e, i, &j))
      printf(", \"joules\": %.6f, \"mj_per_run\": %.9f, \"watts\": %.6f}", j,
             e->runs ? j * 1e3 / (double)e->runs : 0.0, e->wall_s > 0 ? j / e->wall_s : 0.0);
    else
      printf(", \"joules\": null, \"mj_per_run\": null, \"watts\": null}");
  }
  printf("]");
}

static void print_thermal_text(const bench_thermal *t) {
  const char *row = "%-22s";
  const wick_governor *g = &t->gov;
  const wick_governor_config *c = &g->cfg;
  printf(row, "thermal");
  printf("limit %.1f C, release at or below %.1f C; hottest of %u zone%s under %s; ",
         c->max_temp_mc / 1e3, (c->max_temp_mc - c->hysteresis_mc) / 1e3, t->zones.num_zones,
         t->zones.num_zones == 1 ? "" : "s", t->zones.root);
  if (c->interval_ns)
    printf("read at most every %g ms\n", (double)c->interval_ns / 1e6);
  else
    printf("read before every run\n");
  printf(row, "  readings");
  if (g->reads)
    printf("%" PRIu64 " (%" PRIu64 " read error%s), hottest %.1f C, last %.1f C\n", g->reads,
           g->read_errors, g->read_errors == 1 ? "" : "s", g->max_temp_seen_mc / 1e3,
           g->last_temp_mc / 1e3);
  else
    printf("none (%" PRIu64 " read error%s)\n", g->read_errors, g->read_errors == 1 ? "" : "s");
  if (g->read_errors) {
    printf(row, "  last read error");
    printf("%s\n", g->last_error.msg);
  }
  printf(row, "  throttle events");
  printf("%" PRIu64 " throttle, %" PRIu64 " release\n", g->throttles, g->releases);
  for (uint32_t i = 0; i < g->num_events; i++) {
    const wick_governor_event *e = &g->events[i];
    char label[32];
    snprintf(label, sizeof label, "    +%.3f s", (double)(e->now_ns - t->start_ns) / 1e9);
    printf(row, label);
    printf("%.1f C: %s threads %d -> %d, duty %u%% -> %u%%\n", e->temp_mc / 1e3,
           e->threads_to < e->threads_from || e->duty_to < e->duty_from ? "throttle" : "release",
           e->threads_from, e->threads_to, e->duty_from, e->duty_to);
  }
  if (g->throttles + g->releases > g->num_events) {
    printf(row, "    ...");
    printf("%" PRIu64 " later events not listed\n", g->throttles + g->releases - g->num_events);
  }
  printf(row, "  final");
  printf("threads %d, duty %u%%", g->threads, g->duty_pct);
  if (g->duty_pct < 100)
    printf(" (sleeps %.2f x the run time after each run)",
           (double)(100 - g->duty_pct) / (double)g->duty_pct);
  printf("\n");
}

static void print_thermal_json(const bench_thermal *t) {
  printf(", \"thermal\": ");
  if (!t->on) {
    printf("null");
    return;
  }
  const wick_governor *g = &t->gov;
  const wick_governor_config *c = &g->cfg;
  printf("{\"max_temp_c\": %.3f, \"hysteresis_c\": %.3f, \"interval_ms\": %.3f, \"root\": ",
         c->max_temp_mc / 1e3, c->hysteresis_mc / 1e3, (double)c->interval_ns / 1e6);
  json_string(stdout, t->zones.root);
  printf(", \"zones\": %u, \"polls\": %" PRIu64 ", \"read_errors\": %" PRIu64
         ", \"last_error\": ",
         t->zones.num_zones, g->polls, g->read_errors);
  if (g->read_errors)
    json_string(stdout, g->last_error.msg);
  else
    printf("null");
  printf(", \"throttle_events\": %" PRIu64 ", \"release_events\": %" PRIu64, g->throttles,
         g->releases);
  if (g->reads)
    printf(", \"max_temp_seen_c\": %.3f, \"last_temp_c\": %.3f", g->max_temp_seen_mc / 1e3,
           g->last_temp_mc / 1e3);
  else
    printf(", \"max_temp_seen_c\": null, \"last_temp_c\": null");
  printf(", \"final_threads\": %d, \"final_duty_pct\": %u, \"events\": [", g->threads,
         g->duty_pct);
  for (uint32_t i = 0; i < g->num_events; i++) {
    const wick_governor_event *e = &g->events[i];
    printf("%s{\"t_s\": %.6f, \"temp_c\": %.3f, \"threads_from\": %d, \"threads_to\": %d, "
           "\"duty_from\": %u, \"duty_to\": %u}",
           i ? ", " : "", (double)(e->now_ns - t->start_ns) / 1e9, e->temp_mc / 1e3,
           e->threads_from, e->threads_to, e->duty_from, e->duty_to);
  }
  printf("]}");
}

static void print_text(const char *model, const char *method, unsigned threads,
                       const bench_result *r, const bench_energy *en, const bench_thermal *th) {
  const char *row = "%-22s";
  printf(row, "model");
  printf("%s, method '%s' (%u instruction%s)\n", model, method, r->instructions,
         r->instructions == 1 ? "" : "s");
  printf(row, "load");
  printf("%.3f ms  (open + verify program + load method)\n", r->load_ms);
  printf(row, "first run");
  printf("%.3f ms\n", r->first_ms);
  printf(row, "timed runs");
  printf("%" PRIu64 " after %" PRIu64 " warm-up run%s, each timed on its own\n", r->iters,
         r->warmup, r->warmup == 1 ? "" : "s");
  printf(row, "  median");
  printf("%.3f us\n", r->median_ns / 1e3);
  printf(row, "  p90");
  printf("%.3f us\n", r->p90_ns / 1e3);
  printf(row, "  p99");
  printf("%.3f us\n", r->p99_ns / 1e3);
  printf(row, "  min");
  printf("%.3f us\n", r->min_ns / 1e3);
  printf(row, "  mean");
  printf("%.3f us\n", r->mean_ns / 1e3);
  printf(row, "batched mean");
  if (r->batched_ns >= 0)
    printf("%.3f us per run  (%" PRIu64
           " runs in one clock window, median of %d windows; "
           "no clock read per run)\n",
           r->batched_ns / 1e3, r->batched_runs, BATCH_WINDOWS);
  else if (r->batched_skip)
    printf("not measured (%s)\n", r->batched_skip);
  else
    printf("not measured (runs take over %.0f us, so the clock cost is negligible)\n",
           BATCH_MAX_MEDIAN_NS / 1e3);
  printf(row, "clock overhead");
  printf("%.0f ns per timed run (included in the timed runs above)\n", r->clock_ns);
  if (r->instructions) {
    printf(row, "time per instruction");
    printf("%.1f ns  (median / %u instruction%s; kernels + framework + clock read)\n",
           r->median_ns / r->instructions, r->instructions, r->instructions == 1 ? "" : "s");
    if (r->batched_ns >= 0) {
      printf(row, "  batched");
      printf("%.1f ns  (batched mean / instructions)\n", r->batched_ns / r->instructions);
    }
  }
  printf(row, "peak RSS");
  printf("%ld KiB\n", r->peak_rss_kb);
  printf(row, "threads");
  printf("%u\n", threads);
  print_energy_text(en);
  if (th->on) print_thermal_text(th);
}

static void print_json(const char *model, const char *method, unsigned threads,
                       const bench_result *r, const bench_energy *en, const bench_thermal *th) {
  printf("{\"model\": ");
  json_string(stdout, model);
  printf(", \"method\": ");
  json_string(stdout, method);
  printf(", \"iters\": %" PRIu64 ", \"warmup\": %" PRIu64 ", \"threads\": %u", r->iters, r->warmup,
         threads);
  printf(", \"instructions\": %u", r->instructions);
  printf(", \"load_ms\": %.6f, \"first_ms\": %.6f", r->load_ms, r->first_ms);
  printf(
      ", \"median_ms\": %.9f, \"p90_ms\": %.9f, \"p99_ms\": %.9f, \"min_ms\": %.9f, "
      "\"mean_ms\": %.9f",
      r->median_ns / 1e6, r->p90_ns / 1e6, r->p99_ns / 1e6, r->min_ns / 1e6, r->mean_ns / 1e6);
  printf(
      ", \"median_us\": %.6f, \"p90_us\": %.6f, \"p99_us\": %.6f, \"min_us\": %.6f, "
      "\"mean_us\": %.6f",
      r->median_ns / 1e3, r->p90_ns / 1e3, r->p99_ns / 1e3, r->min_ns / 1e3, r->mean_ns / 1e3);
  if (r->batched_ns >= 0)
    printf(", \"batched_mean_us\": %.6f, \"batched_runs\": %" PRIu64, r->batched_ns / 1e3,
           r->batched_runs);
  else
    printf(", \"batched_mean_us\": null, \"batched_runs\": 0");
  printf(", \"clock_overhead_ns\": %.1f", r->clock_ns);
  if (r->instructions)
    printf(", \"ns_per_instruction\": %.3f", r->median_ns / r->instructions);
  else
    printf(", \"ns_per_instruction\": null");
  if (r->instructions && r->batched_ns >= 0)
    printf(", \"batched_ns_per_instruction\": %.3f", r->batched_ns / r->instructions);
  else
    printf(", \"batched_ns_per_instruction\": null");
  printf(", \"peak_rss_kb\": %ld", r->peak_rss_kb);
  print_energy_json(en);
  print_thermal_json(th);
  printf("}\n");
}

/* Executes once, printing an error on failure. */
static int execute(wick_method *method, const char *model, const char *name) {
  wick_diag d;
  wick_diag_clear(&d);
  if (wick_method_execute(method, &d) != WICK_OK)
    return cli_error("%s: method '%s': %s", model, name, d.msg);
  return 0;
}

int cmd_bench(int argc, char **argv) {
  const char *model = NULL, *method = NULL;
  const char **data = calloc((size_t)argc, sizeof *data);
  const char **inputs = calloc((size_t)argc, sizeof *inputs);
  uint32_t num_data = 0, num_inputs = 0;
  uint64_t iters = DEFAULT_ITERS, warmup = DEFAULT_WARMUP, threads = 1;
  bool iters_given = false, json = false;
  uint64_t streams = 0; /* 0: --streams not given (one method, the table above) */
  const char *profile = NULL;
  wick_profiler *prof = NULL;
  int rc = CLI_FAIL;
  cli_model m;
  bool model_open = false;
  wick_loaded_method lm;
  memset(&lm, 0, sizeof lm);
  cli_buffers keep;
  memset(&keep, 0, sizeof keep);
  uint64_t *samples = NULL;
  wick_threadpool *pool = NULL;
  /* --max-temp and energy */
  double max_temp = 0, hysteresis = 3.0;
  bool max_temp_given = false;
  uint64_t interval_ms = 100;
  const char *thermal_root = NULL, *thermal_zone = NULL, *powercap_root = NULL;
  const char *needs_max_temp = NULL; /* a thermal option given without --max-temp */
  static bench_energy energy;
  static bench_thermal thermal;
  memset(&energy, 0, sizeof energy);
  memset(&thermal, 0, sizeof thermal);
  if (data == NULL || inputs == NULL) {
    cli_error("bench: out of memory");
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
      if ((r = cli_model_option(argc, argv, &i, "bench", data, &num_data, inputs, &num_inputs,
                                &method)) != 0) {
        if (r < 0) goto done;
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--profile", &profile, "bench")) != 0) {
        if (r < 0) goto done;
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--streams", &v, "bench")) != 0) {
        if (r < 0) goto done;
        if (!cli_parse_u64(v, &streams) || streams < 1 || streams > WICK_MAX_STREAMS) {
          cli_usage_error("bench", kUsage, "--streams needs a count from 1 to %d, got '%s'",
                          WICK_MAX_STREAMS, v);
          goto done;
        }
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--iters", &v, "bench")) != 0) {
        if (r < 0) goto done;
        if (!cli_parse_u64(v, &iters) || iters < 1 || iters > 100000000) {
          cli_usage_error("bench", kUsage, "--iters needs a count from 1 to 100000000, got '%s'",
                          v);
          goto done;
        }
        iters_given = true;
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--warmup", &v, "bench")) != 0) {
        if (r < 0) goto done;
        if (!cli_parse_u64(v, &warmup) || warmup > 100000000) {
          cli_usage_error("bench", kUsage, "--warmup needs a count from 0 to 100000000, got '%s'",
                          v);
          goto done;
        }
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--max-temp", &v, "bench")) != 0) {
        if (r < 0) goto done;
        if (!cli_parse_double(v, &max_temp) || max_temp <= -273 || max_temp > 1000) {
          cli_usage_error("bench", kUsage, "--max-temp needs degrees Celsius (e.g. 70), got '%s'",
                          v);
          goto done;
        }
        max_temp_given = true;
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--thermal-hysteresis", &v, "bench")) != 0) {
        if (r < 0) goto done;
        if (!cli_parse_double(v, &hysteresis) || hysteresis < 0 || hysteresis > 100) {
          cli_usage_error("bench", kUsage,
                          "--thermal-hysteresis needs degrees from 0 to 100, got '%s'", v);
          goto done;
        }
        needs_max_temp = "--thermal-hysteresis";
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--thermal-interval", &v, "bench")) != 0) {
        if (r < 0) goto done;
        if (!cli_parse_u64(v, &interval_ms) || interval_ms > 3600000) {
          cli_usage_error("bench", kUsage,
                          "--thermal-interval needs milliseconds from 0 to 3600000, got '%s'", v);
          goto done;
        }
        needs_max_temp = "--thermal-interval";
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--thermal-root", &thermal_root, "bench")) != 0) {
        if (r < 0) goto done;
        needs_max_temp = "--thermal-root";
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--thermal-zone", &thermal_zone, "bench")) != 0) {
        if (r < 0) goto done;
        needs_max_temp = "--thermal-zone";
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--powercap-root", &powercap_root, "bench")) != 0) {
        if (r < 0) goto done;
        continue;
      }
      if ((r = cli_option(argc, argv, &i, "--threads", &v, "bench")) != 0) {
        if (r < 0) goto done;
        if (!cli_parse_u64(v, &threads) || threads < 1 || threads > 4096) {
          cli_usage_error("bench", kUsage, "--threads needs a count of at least 1, got '%s'", v);
          goto done;
        }
        continue;
      }
      if (a[0] == '-' && a[1] != '\0') {
        cli_usage_error("bench", kUsage, "unknown option '%s'", a);
        goto done;
      }
    }
    if (model) {
      cli_usage_error("bench", kUsage, "unexpected argument '%s' (one model at a time)", a);
      goto done;
    }
    model = a;
  }
  if (model == NULL) {
    cli_usage_error("bench", kUsage, "missing MODEL argument");
    goto done;
  }
  if (needs_max_temp && !max_temp_given) {
    cli_usage_error("bench", kUsage, "%s needs --max-temp", needs_max_temp);
    goto done;
  }
  if (streams > 0 && (max_temp_given || powercap_root)) {
    cli_usage_error("bench", kUsage, "%s is not supported with --streams",
                    max_temp_given ? "--max-temp" : "--powercap-root");
    goto done;
  }
  if (max_temp_given) {
    wick_diag d;
    wick_diag_clear(&d);
    if (wick_thermal_open(&thermal.zones, thermal_root, thermal_zone, &d) != WICK_OK) {
      cli_error("bench: --max-temp: %s", d.msg);
      goto done;
    }
    if (thermal.zones.num_skipped)
      cli_note("bench: thermal: %u zone%s left out, first: %s", thermal.zones.num_skipped,
               thermal.zones.num_skipped == 1 ? "" : "s", thermal.zones.skipped);
    wick_governor_config gc;
    wick_governor_config_default(&gc, max_temp, (int)threads);
    gc.hysteresis_mc = (int32_t)(hysteresis * 1000.0 + 0.5);
    gc.interval_ns = interval_ms * 1000000ull;
    if (wick_governor_init(&thermal.gov, &gc, &d) != WICK_OK) {
      cli_error("bench: --max-temp: %s", d.msg);
      goto done;
    }
    thermal.on = true;
  }
  if (threads > 1) {
    pool = wick_threadpool_create((int)threads);
    if (pool == NULL) {
      cli_error("bench: cannot start %" PRIu64 " threads", threads);
      goto done;
    }
  }

  bench_result res;
  memset(&res, 0, sizeof res);
  res.batched_ns = -1;

  /* load: open + verify + method load */
  uint64_t t0 = wick_now_ns();
  if (cli_model_open(&m, model, data, num_data) != 0) goto done;
  model_open = true;
  const char *name = cli_pick_method(&m, method);
  if (name == NULL) goto done;
  if (streams > 0) {
    rc = cli_bench_streams(&m, name, inputs, num_inputs, (uint32_t)streams, iters, warmup, json,
                           profile);
    goto done;
  }
  if (cli_method_load(&m, name, &lm) != 0) goto done;
  uint64_t t1 = wick_now_ns();
  res.load_ms = (double)(t1 - t0) / 1e6;
  res.instructions = wick_method_num_instructions(lm.method);
  wick_method_set_threadpool(lm.method, pool);

  if (cli_set_inputs(&m, lm.method, name, inputs, num_inputs, &keep, NULL) != 0) goto done;
  if (profile && cli_profile_start(lm.method, name, 0, 1u << 20, &prof) != 0) goto done;

  t0 = wick_now_ns();
  if (execute(lm.method, model, name) != 0) goto done;
  res.first_ms = (double)(wick_now_ns() - t0) / 1e6;

  uint64_t start = wick_now_ns();
  for (uint64_t i = 0; i < warmup; i++) {
    if (execute(lm.method, model, name) != 0) goto done;
    res.warmup = i + 1;
    if (wick_now_ns() - start > WARMUP_BUDGET_NS) break;
  }

  samples = malloc((size_t)iters * sizeof *samples);
  if (samples == NULL) {
    cli_error("bench: cannot allocate %" PRIu64 " samples", iters);
    goto done;
  }
  uint64_t n = 0;
  double sum = 0;
  energy_start(&energy, powercap_root);
  start = wick_now_ns();
  thermal.start_ns = start;
  for (; n < iters; n++) {
    wick_diag d;
    wick_diag_clear(&d);
    if (thermal.on && wick_governor_poll(&thermal.gov, &thermal.zones, wick_now_ns()) &&
        thermal.gov.threads != wick_threadpool_size(pool)) {
      /* the governor changed the thread count: a pool of the new size */
      wick_threadpool_destroy(pool);
      pool = NULL;
      if (thermal.gov.threads > 1 && (pool = wick_threadpool_create(thermal.gov.threads)) == NULL)
        cli_note("bench: cannot start %d threads; running on one", thermal.gov.threads);
      wick_method_set_threadpool(lm.method, pool);
    }
    uint64_t a = wick_now_ns();
    wick_status s = wick_method_execute(lm.method, &d);
    uint64_t b = wick_now_ns();
    if (s != WICK_OK) {
      cli_error("%s: method '%s': %s", model, name, d.msg);
      goto done;
    }
    samples[n] = b - a;
    sum += (double)(b - a);
    if (thermal.on && thermal.gov.duty_pct < 100) {
      uint64_t ns = wick_governor_sleep_ns(&thermal.gov, b - a);
      struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
      while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
      }
    }
    if (!iters_given && b - start > DEFAULT_BUDGET_NS) {
      n++;
      break;
    }
  }
  res.iters = n;
  energy_stop(&energy, n);
  qsort(samples, (size_t)n, sizeof *samples, cmp_u64);
  res.median_ns = median_of(samples, (size_t)n);
  res.p90_ns = (double)percentile(samples, (size_t)n, 90);
  res.p99_ns = (double)percentile(samples, (size_t)n, 99);
  res.min_ns = (double)samples[0];
  res.mean_ns = sum / (double)n;
  res.clock_ns = clock_overhead_ns();

  /* Runs this short are dominated by the clock reads around them: also time
   * many runs in one window. */
  if (thermal.on)
    res.batched_skip = "the thermal governor is on";
  else if (res.median_ns < (double)BATCH_MAX_MEDIAN_NS) {
    double per = res.median_ns > 1 ? res.median_ns : 1;
    uint64_t k = (uint64_t)((double)BATCH_WINDOW_NS / per);
    if (k < 1000) k = 1000;
    if (k > 1000000) k = 1000000;
    uint64_t windows[BATCH_WINDOWS];
    for (int w = 0; w < BATCH_WINDOWS; w++) {
      uint64_t a = wick_now_ns();
      for (uint64_t i = 0; i < k; i++)
        if (execute(lm.method, model, name) != 0) goto done;
      windows[w] = wick_now_ns() - a;
    }
    qsort(windows, BATCH_WINDOWS, sizeof windows[0], cmp_u64);
    res.batched_ns = (double)windows[BATCH_WINDOWS / 2] / (double)k;
    res.batched_runs = k;
  }
  res.peak_rss_kb = wick_peak_rss_kb();

  if (json)
    print_json(model, name, (unsigned)threads, &res, &energy, &thermal);
  else
    print_text(model, name, (unsigned)threads, &res, &energy, &thermal);
  if (fflush(stdout) != 0) {
    cli_error("bench: cannot write to standard output");
    goto done;
  }
  if (profile && cli_profile_save(&prof, 1, profile) != 0) goto done;
  rc = 0;

done:
  wick_profiler_free(prof);
  free(samples);
  cli_buffers_free(&keep);
  wick_method_free(&lm);
  wick_threadpool_destroy(pool);
  if (model_open) cli_model_close(&m);
  free(data);
  free(inputs);
  return rc;
}
